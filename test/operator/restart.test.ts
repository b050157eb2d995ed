import { expect } from "chai";
import { type Hash, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { encodeTensor, fulfillTee, stake } from "../../sdk/src/index.js";
import { loadIrisOnnx } from "../../sdk/src/model/iris.js";
import {
  OperatorStateLockedError,
  StateStore,
  loadModel,
  readStateFile,
  runMlp,
} from "../../sdk/src/operator/index.js";
import {
  type Connection,
  type OperatorSystem,
  FLOWERS,
  OPERATOR_STAKE,
  connect,
  deployOperatorSystem,
  eventsOf,
  fulfilments,
  makeNode,
  mined,
  request,
  sentCount,
  statusOf,
  tempStateFile,
} from "./helpers.js";
import { attestEnclave } from "../sdk/enclave.js";

describe("operator node: restart safety", function () {
  let c: Connection;
  const system = () => deployOperatorSystem(c);

  before(async function () {
    c = await connect();
  });

  /** What a node writes for a job just before its transaction leaves. */
  async function recordSubmitted(s: OperatorSystem, stateFile: string, job: Awaited<ReturnType<typeof request>>, nonce: number, txHash: Hash) {
    const store = await StateStore.open(stateFile, { chainId: await c.publicClient.getChainId(), hub: s.hub });
    store.lastBlock = job.requested.blockNumber;
    await store.put(job.jobId, {
      state: "submitted",
      modelId: job.job.modelId,
      version: job.job.version,
      mode: job.job.mode,
      requestBlock: job.requested.blockNumber,
      deadline: job.job.deadline,
      attempts: 1,
      from: s.operatorAccount.address,
      nonce,
      txHash,
    });
  }

  /** The crashed node's last act: its fulfilment, sent from the operator account. */
  async function sendFulfillment(s: OperatorSystem, job: Awaited<ReturnType<typeof request>>) {
    const session = await loadModel(loadIrisOnnx());
    const output = await runMlp(session, FLOWERS[0]!);
    await session.release();
    return fulfillTee(s.operatorWallet, { hub: s.hub, jobId: job.jobId, job: job.job, output: encodeTensor(output), enclave: s.enclave });
  }

  it("settles a job recorded as submitted whose transaction was mined, and never sends it again", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const job = await request(c, s, FLOWERS[0]!);
    const stateFile = tempStateFile();
    const nonce = await sentCount(c, s.operatorAccount.address);
    const txHash = await sendFulfillment(s, job);
    await recordSubmitted(s, stateFile, job, nonce, txHash);

    const { node, events } = makeNode(c, s, { stateFile });
    await node.runOnce();
    await node.stop();

    expect(eventsOf(events, "job-recovered").map((e) => [e.jobId, e.state])).to.deep.equal([[job.jobId, "submitted"]]);
    expect(eventsOf(events, "job-fulfilled").map((e) => [e.jobId, e.txHash])).to.deep.equal([[job.jobId, txHash]]);
    expect(eventsOf(events, "job-submitted")).to.deep.equal([]);
    expect(await sentCount(c, s.operatorAccount.address)).to.equal(nonce + 1);
    expect(await fulfilments(c, s.hub, job.jobId)).to.have.length(1);
    expect(readStateFile(stateFile).jobs.get(job.jobId)).to.include({ state: "done", outcome: "fulfilled", txHash });
  });

  it("waits for a submitted transaction still in the mempool instead of sending another", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const job = await request(c, s, FLOWERS[0]!);
    const stateFile = tempStateFile();
    const nonce = await sentCount(c, s.operatorAccount.address);
    await c.connection.provider.request({ method: "evm_setAutomine", params: [false] });
    try {
      const txHash = await sendFulfillment(s, job);
      await recordSubmitted(s, stateFile, job, nonce, txHash);
      const { node, events } = makeNode(c, s, { stateFile });
      const run = node.runOnce();
      // Until the node reports the transaction waiting in the mempool (no fixed sleep: a loaded machine is slow).
      for (let i = 0; i < 600 && eventsOf(events, "job-awaiting-transaction").length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(eventsOf(events, "job-awaiting-transaction").map((e) => [e.jobId, e.nonce, e.txHash])).to.deep.equal([[job.jobId, nonce, txHash]]);
      expect(await sentCount(c, s.operatorAccount.address)).to.equal(nonce + 1); // only the pending one
      expect(await fulfilments(c, s.hub, job.jobId)).to.have.length(0);
      await c.connection.provider.request({ method: "evm_mine", params: [] });
      await run;
      await node.stop();
      expect(eventsOf(events, "job-fulfilled").map((e) => e.txHash)).to.deep.equal([txHash]);
    } finally {
      await c.connection.provider.request({ method: "evm_setAutomine", params: [true] });
    }
    expect(await fulfilments(c, s.hub, job.jobId)).to.have.length(1);
    expect(await sentCount(c, s.operatorAccount.address)).to.equal(nonce + 1);
  });

  it("sends exactly once a job recorded as submitted whose transaction never left (crash between record and send)", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const job = await request(c, s, FLOWERS[0]!);
    const stateFile = tempStateFile();
    const nonce = await sentCount(c, s.operatorAccount.address);
    await recordSubmitted(s, stateFile, job, nonce, keccak256(toHex("signed but never broadcast")));

    const { node, events } = makeNode(c, s, { stateFile });
    await node.runOnce();
    await node.stop();

    expect(eventsOf(events, "job-retrying").map((e) => e.jobId)).to.deep.equal([job.jobId]);
    expect(eventsOf(events, "job-fulfilled").map((e) => e.jobId)).to.deep.equal([job.jobId]);
    expect(await fulfilments(c, s.hub, job.jobId)).to.have.length(1);
    // The new transaction took the unused nonce: the two could never both have been mined.
    expect(await sentCount(c, s.operatorAccount.address)).to.equal(nonce + 1);
  });

  it("leaves a job it was running when stopped for the next instance, which completes it once", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const job = await request(c, s, FLOWERS[1]!);
    const stateFile = tempStateFile();
    const before = await sentCount(c, s.operatorAccount.address);
    let stopping: Promise<void> | undefined;
    const first = makeNode(c, s, {
      stateFile,
      logger: (e) => {
        first.events.push(e);
        if (e.type === "job-started") stopping = first.node.stop();
      },
    });
    await first.node.runOnce();
    await stopping;
    expect(eventsOf(first.events, "job-interrupted").map((e) => [e.jobId, e.state])).to.deep.equal([[job.jobId, "running"]]);
    expect(readStateFile(stateFile).jobs.get(job.jobId)?.state).to.equal("running");
    expect(await sentCount(c, s.operatorAccount.address)).to.equal(before);
    expect(await statusOf(c, s.hub, job.jobId)).to.equal("pending");

    const second = makeNode(c, s, { stateFile, fromBlock: undefined });
    await second.node.runOnce();
    await second.node.stop();
    expect(eventsOf(second.events, "job-recovered").map((e) => e.state)).to.deep.equal(["running"]);
    // A clean stop does not count as a failed attempt.
    expect(eventsOf(second.events, "job-started").map((e) => e.attempt)).to.deep.equal([1]);
    expect(eventsOf(second.events, "job-fulfilled").map((e) => e.jobId)).to.deep.equal([job.jobId]);
    expect(await fulfilments(c, s.hub, job.jobId)).to.have.length(1);
    expect(await sentCount(c, s.operatorAccount.address)).to.equal(before + 1);
  });

  it("completes once a job a crashed node left in the running state", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const job = await request(c, s, FLOWERS[2]!);
    const stateFile = tempStateFile();
    const store = await StateStore.open(stateFile, { chainId: await c.publicClient.getChainId(), hub: s.hub });
    store.lastBlock = job.requested.blockNumber;
    await store.put(job.jobId, {
      state: "running",
      modelId: job.job.modelId,
      version: job.job.version,
      mode: job.job.mode,
      requestBlock: job.requested.blockNumber,
      deadline: job.job.deadline,
      attempts: 1,
    });
    // No fromBlock: the node resumes after the state file's last block, and the job is in the file.
    const { node, events } = makeNode(c, s, { stateFile, fromBlock: undefined });
    await node.runOnce();
    await node.stop();
    expect(eventsOf(events, "job-fulfilled").map((e) => e.jobId)).to.deep.equal([job.jobId]);
    expect(await fulfilments(c, s.hub, job.jobId)).to.have.length(1);
  });

  it("gives up on a job that was started three times without finishing (a job that takes the node down)", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const job = await request(c, s, FLOWERS[2]!);
    const stateFile = tempStateFile();
    const store = await StateStore.open(stateFile, { chainId: await c.publicClient.getChainId(), hub: s.hub });
    await store.put(job.jobId, {
      state: "running",
      modelId: job.job.modelId,
      version: job.job.version,
      mode: job.job.mode,
      requestBlock: job.requested.blockNumber,
      deadline: job.job.deadline,
      attempts: 3,
    });
    const before = await sentCount(c, s.operatorAccount.address);
    const { node, events } = makeNode(c, s, { stateFile });
    await node.runOnce();
    await node.stop();
    const [failed] = eventsOf(events, "job-failed");
    expect(failed?.error.message).to.equal("started 3 times without finishing");
    expect(readStateFile(stateFile).jobs.get(job.jobId)?.state).to.equal("failed");
    expect(await sentCount(c, s.operatorAccount.address)).to.equal(before);
  });

  it("never submits twice when runs cover the same blocks, with the same state file or a new one", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const jobs = [];
    for (const input of FLOWERS.slice(0, 3)) jobs.push(await request(c, s, input));
    const stateFile = tempStateFile();
    const first = makeNode(c, s, { stateFile });
    await first.node.runOnce();
    await first.node.stop();
    const sent = await sentCount(c, s.operatorAccount.address);
    expect(eventsOf(first.events, "job-fulfilled")).to.have.length(3);

    const again = makeNode(c, s, { stateFile }); // same fromBlock: a rescan
    await again.node.runOnce();
    await again.node.stop();
    expect(eventsOf(again.events, "job-seen")).to.deep.equal([]);
    expect(eventsOf(again.events, "job-submitted")).to.deep.equal([]);

    const fresh = makeNode(c, s); // a new state file: only the hub's status prevents a second fulfilment
    await fresh.node.runOnce();
    await fresh.node.stop();
    expect(eventsOf(fresh.events, "job-fulfilled-elsewhere").map((e) => e.jobId).sort()).to.deep.equal(jobs.map((j) => j.jobId).sort());
    expect(eventsOf(fresh.events, "job-submitted")).to.deep.equal([]);

    expect(await sentCount(c, s.operatorAccount.address)).to.equal(sent);
    for (const j of jobs) expect(await fulfilments(c, s.hub, j.jobId)).to.have.length(1);
  });

  it("refuses a second node on a state file another node holds, until that one stops", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const stateFile = tempStateFile();
    const first = makeNode(c, s, { stateFile });
    await first.node.runOnce();
    const second = makeNode(c, s, { stateFile });
    let refused: unknown;
    await second.node.runOnce().catch((e: unknown) => (refused = e));
    expect(refused).to.be.instanceOf(OperatorStateLockedError);
    await first.node.stop();
    await second.node.runOnce();
    await second.node.stop();
  });

  it("works with a JSON-RPC account: records the nonce before sending and the hash once the node returns it", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    // The JSON-RPC account is an operator of its own: staked, with its own attested enclave key.
    await mined(c, await stake(c.other, { operatorRegistry: s.operatorRegistry, amount: OPERATOR_STAKE }));
    const enclave = privateKeyToAccount(keccak256(toHex("JSON-RPC operator's enclave key")));
    await attestEnclave(c, { deployment: s, enclave, operatorWallet: c.other });
    const job = await request(c, s, FLOWERS[3]!);
    const { node, events, options } = makeNode(c, s, { walletClient: c.other, enclave });
    await node.runOnce();
    await node.stop();
    const [submitted] = eventsOf(events, "job-submitted");
    expect(submitted?.txHash).to.equal(undefined);
    const [fulfilled] = eventsOf(events, "job-fulfilled");
    const [event] = await fulfilments(c, s.hub, job.jobId);
    expect(fulfilled?.txHash).to.equal(event?.transactionHash);
    expect(readStateFile(options.stateFile).jobs.get(job.jobId)).to.include({
      state: "done",
      outcome: "fulfilled",
      txHash: event?.transactionHash,
      nonce: submitted?.nonce,
    });
  });
});
