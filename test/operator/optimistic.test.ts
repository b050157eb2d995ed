/**
 * OPTIMISTIC mode on the in-process network: the operator node commits, reveals with its bond and finalizes after
 * the window, and defends its proposal with a ZK proof when challenged; a node stopped between commitment and reveal
 * reveals the same commitment after a restart; a node refuses a game (or ZK verifier) it does not trust; the watcher
 * leaves a right proposal alone, catches a wrong one (challenge, proof, slashing, withdrawal), and resolves a wrong
 * one someone else already challenged.
 */
import { expect } from "chai";
import { getAddress, keccak256, toHex, zeroAddress } from "viem";
import { getContractEvents, readContract } from "viem/actions";
import {
  challengeResult,
  encodeTensor,
  getJob,
  getProposal,
  inferenceHubAbi,
  operatorRegistryAbi,
  optimisticGameAbi,
  proposalCommitment,
  proposeResultSync,
  verifyJob,
  waitForResult,
} from "../../sdk/src/index.js";
import {
  StateStore,
  type WatcherEvent,
  loadModel,
  readStateFile,
  releaseZkWorkers,
  runMlp,
} from "../../sdk/src/operator/index.js";
import { loadIrisOnnx } from "../../sdk/src/model/iris.js";
import { modelCommitment } from "../../sdk/src/prover/prove.js";
import { type Connection, FLOWERS, IRIS, connect, eventsOf, tempStateFile } from "./helpers.js";
import {
  BOND,
  type ModesSystem,
  SLASH,
  WINDOW,
  WRONG_OUTPUT,
  ZK_KEYS,
  bondedStake,
  deployModesSystem,
  fundedWallet,
  makeModesNode,
  makeWatcher,
  requestMode,
} from "./modes-helpers.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("OPTIMISTIC mode: the operator node and the watcher", function () {
  this.timeout(120_000);
  let c: Connection;
  const system = () => deployModesSystem(c);
  const onnx = async (i: number) => {
    const session = await loadModel(loadIrisOnnx());
    try {
      return encodeTensor(await runMlp(session, FLOWERS[i]!));
    } finally {
      await session.release();
    }
  };

  before(async function () {
    c = await connect();
    await modelCommitment(IRIS.weights); // circomlibjs before snarkjs (see test/sdk/verifyZkJob.test.ts)
  });
  after(releaseZkWorkers);

  it("the node proposes with its bond, waits out the window, finalizes, and is credited the fee and its bond", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { jobId } = await requestMode(c, s, "optimistic", FLOWERS[0]!);
    const operator = { account: s.operatorAccount, wallet: s.operatorWallet };
    const { node, events, options } = makeModesNode(c, s, operator);
    await node.runOnce();
    expect(readStateFile(options.stateFile).jobs.get(jobId)).to.include({ state: "proposed" });
    const [proposed] = eventsOf(events, "job-proposed");
    expect(proposed?.jobId).to.equal(jobId);

    // Within the window nothing more happens.
    await sleep(30);
    await node.runOnce();
    expect(readStateFile(options.stateFile).jobs.get(jobId)).to.include({ state: "proposed" });

    await c.networkHelpers.time.increase(WINDOW + 1n);
    for (let i = 0; i < 50 && readStateFile(options.stateFile).jobs.get(jobId)?.state !== "done"; i++) {
      await sleep(30);
      await node.runOnce();
    }
    await node.stop();
    expect(readStateFile(options.stateFile).jobs.get(jobId)).to.include({ state: "done", outcome: "fulfilled" });
    expect(eventsOf(events, "proposal-action").map((e) => e.action)).to.deep.equal(["finalize"]);
    const result = await waitForResult(c.publicClient, { hub: s.hub, jobId, timeout: 1_000 });
    expect(result.outputBytes).to.equal(await onnx(0));
    const credit = await readContract(c.publicClient, {
      address: s.hub,
      abi: inferenceHubAbi,
      functionName: "creditOf",
      args: [s.operatorAccount.address, "0x0000000000000000000000000000000000000000"],
    });
    expect(credit >= BOND).to.equal(true);
    const report = await verifyJob(c.publicClient, { hub: s.hub, jobId });
    expect(report.verdict).to.equal("valid");
    expect(report.optimistic!.state).to.equal("final");
  });

  it("the node defends a challenged proposal with a ZK proof: upheld, the challenger loses its bond, nobody is slashed", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { jobId } = await requestMode(c, s, "optimistic", FLOWERS[1]!);
    const { node, events, options } = makeModesNode(c, s, { account: s.operatorAccount, wallet: s.operatorWallet });
    await node.runOnce();
    const stake = await bondedStake(c, s, s.operatorAccount.address);
    await c.publicClient.waitForTransactionReceipt({ hash: await challengeResult(s.challenger.wallet, { hub: s.hub, jobId }) });
    for (let i = 0; i < 50 && readStateFile(options.stateFile).jobs.get(jobId)?.state !== "done"; i++) {
      await sleep(30);
      await node.runOnce();
    }
    await node.stop();
    expect(readStateFile(options.stateFile).jobs.get(jobId)).to.include({ state: "done", outcome: "fulfilled" });
    expect(eventsOf(events, "proposal-challenged")[0]?.challenger).to.equal(s.challenger.account.address);
    expect(eventsOf(events, "proposal-action").map((e) => e.action)).to.deep.equal(["resolveChallenge"]);
    expect(await bondedStake(c, s, s.operatorAccount.address)).to.equal(stake);
    const report = await verifyJob(c.publicClient, { hub: s.hub, jobId, zkVerifyingKeys: ZK_KEYS });
    expect(report.verdict, JSON.stringify(report.checks.filter((x) => !x.ok))).to.equal("valid");
    expect(report.optimistic!.resolution).to.deep.include({ proposalUpheld: true, slashed: 0n, proofValid: true });
    expect((await waitForResult(c.publicClient, { hub: s.hub, jobId, timeout: 1_000 })).operator).to.equal(s.operatorAccount.address);
  });

  it("a node without ZK weights lets an unresolved challenge expire with its proposed result: the proposal stands, both bonds are its", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { jobId } = await requestMode(c, s, "optimistic", FLOWERS[4]!);
    const { node, events, options } = makeModesNode(c, s, { account: s.operatorAccount, wallet: s.operatorWallet }, {
      models: [{ modelId: s.consensusModelId, version: s.consensusVersion }],
    });
    await node.runOnce();
    await c.publicClient.waitForTransactionReceipt({ hash: await challengeResult(s.challenger.wallet, { hub: s.hub, jobId }) });
    await node.runOnce();
    expect(eventsOf(events, "proposal-action")).to.deep.equal([]);
    await c.networkHelpers.time.increase(WINDOW + 1n);
    for (let i = 0; i < 50 && readStateFile(options.stateFile).jobs.get(jobId)?.state !== "done"; i++) {
      await sleep(30);
      await node.runOnce();
    }
    await node.stop();
    expect(eventsOf(events, "proposal-action").map((e) => e.action)).to.deep.equal(["expireChallenge"]);
    const done = readStateFile(options.stateFile).jobs.get(jobId)!;
    expect(done).to.include({ state: "done", outcome: "fulfilled" });
    expect(done.detail).to.include("never resolved: the proposal stood");
    const result = await waitForResult(c.publicClient, { hub: s.hub, jobId, timeout: 1_000 });
    expect(result.outputBytes).to.equal(await onnx(4));
    const report = await verifyJob(c.publicClient, { hub: s.hub, jobId });
    expect(report.verdict, JSON.stringify(report.checks.filter((x) => !x.ok))).to.equal("valid");
    expect(report.optimistic).to.deep.include({ state: "final", outcome: "challenge-expired" });
    expect(report.optimistic!.payouts.map((p) => [p.account, p.amount])).to.deep.equal([[s.operatorAccount.address, 2n * BOND]]);
  });

  it("the watcher leaves a right proposal alone and catches a wrong one: challenge, proof, slash, withdrawal", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const right = await requestMode(c, s, "optimistic", FLOWERS[2]!);
    const wrong = await requestMode(c, s, "optimistic", FLOWERS[3]!);
    await proposeResultSync(s.operatorWallet, { hub: s.hub, jobId: right.jobId, output: await onnx(2) });
    await proposeResultSync(s.operatorWallet, { hub: s.hub, jobId: wrong.jobId, output: WRONG_OUTPUT });
    const stake = await bondedStake(c, s, s.operatorAccount.address);
    const { watcher, events } = makeWatcher(c, s);
    const balance = await c.publicClient.getBalance({ address: s.challenger.account.address });
    await watcher.runOnce();
    await watcher.stop();

    const checked = new Map(events.flatMap((e) => (e.type === "proposal-checked" ? [[e.jobId, e.correct]] : [])));
    expect(checked).to.deep.equal(new Map([[right.jobId, true], [wrong.jobId, false]]));
    expect(events.filter((e) => e.type === "proposal-challenged").map((e) => (e as { jobId: bigint }).jobId)).to.deep.equal([wrong.jobId]);
    const resolved = events.find((e) => e.type === "challenge-resolved");
    // Challenger and resolver: its own bond back and the proposer's; half the slash, the other half burned.
    expect(resolved).to.deep.include({
      jobId: wrong.jobId,
      proposalUpheld: false,
      challenger: s.challenger.account.address,
      slashed: SLASH / 2n,
      burned: SLASH / 2n,
      bondsCredited: 2n * BOND,
    });
    expect(stake - (await bondedStake(c, s, s.operatorAccount.address))).to.equal(SLASH);
    const withdrawn = events.find((e) => e.type === "credits-withdrawn") as Extract<WatcherEvent, { type: "credits-withdrawn" }>;
    expect(withdrawn.slashCredit).to.equal(SLASH / 2n);
    // Both bonds, the fee's operator share and half the slashed stake reached the challenger (less gas).
    expect((await c.publicClient.getBalance({ address: s.challenger.account.address })) > balance + BOND + SLASH / 2n).to.equal(true);
    const result = await waitForResult(c.publicClient, { hub: s.hub, jobId: wrong.jobId, timeout: 1_000 });
    expect(keccak256(result.outputBytes!)).to.equal(keccak256(await onnx(3)));
    expect(watcher.stats()).to.deep.include({ challenged: 1, resolved: 1, won: 1, slashed: SLASH / 2n });
  });
});

describe("OPTIMISTIC mode: commit-reveal safety, trusted games and resolving others' challenges", function () {
  this.timeout(120_000);
  let c: Connection;
  const system = () => deployModesSystem(c);

  before(async function () {
    c = await connect();
    await modelCommitment(IRIS.weights);
  });
  after(releaseZkWorkers);

  /** The game's ProposalCommitted events of a job. */
  const commitments = (s: ModesSystem, jobId: bigint) =>
    getContractEvents(c.publicClient, { address: s.optimisticGame, abi: optimisticGameAbi, eventName: "ProposalCommitted", args: { jobId }, fromBlock: 0n, strict: true });

  it("a node stopped between its commitment and its reveal reveals that commitment after a restart, never committing a new salt", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { jobId } = await requestMode(c, s, "optimistic", FLOWERS[0]!);
    const operator = { account: s.operatorAccount, wallet: s.operatorWallet };
    const stateFile = tempStateFile();
    let stopping: Promise<void> | undefined;
    const first = makeModesNode(c, s, operator, {
      stateFile,
      // The "crash": the node stops as soon as its commitment is mined, before it reveals.
      logger: (e) => {
        first.events.push(e);
        if (e.type === "proposal-committed") stopping = first.node.stop();
      },
    });
    await first.node.runOnce();
    await stopping;
    const afterCrash = readStateFile(stateFile).jobs.get(jobId)!;
    expect(afterCrash).to.include({ state: "committed" });
    expect(afterCrash.salt).to.match(/^0x[0-9a-f]{64}$/);
    const [committed] = eventsOf(first.events, "proposal-committed");
    expect(committed?.commitment).to.equal(afterCrash.commitment);
    expect(await commitments(s, jobId)).to.have.length(1);
    expect((await getProposal(c.publicClient, { game: s.optimisticGame, jobId })).proposer).to.equal(zeroAddress);

    const second = makeModesNode(c, s, operator, { stateFile });
    await second.node.runOnce();
    await second.node.stop();
    expect(eventsOf(second.events, "job-recovered").map((e) => [e.jobId, e.state])).to.deep.equal([[jobId, "committed"]]);
    expect(eventsOf(second.events, "proposal-committed")).to.deep.equal([]);
    expect(eventsOf(second.events, "job-proposed").map((e) => e.jobId)).to.deep.equal([jobId]);
    // One commitment on chain, revealed (the game forgets a commitment once revealed) with the stored salt.
    const onChain = await commitments(s, jobId);
    expect(onChain.map((l) => l.args.commitment)).to.deep.equal([afterCrash.commitment]);
    expect(await readContract(c.publicClient, { address: s.optimisticGame, abi: optimisticGameAbi, functionName: "commitmentBlock", args: [afterCrash.commitment!] })).to.equal(0n);
    const proposal = await getProposal(c.publicClient, { hub: s.hub, jobId });
    expect(proposal.proposer).to.equal(s.operatorAccount.address);
    expect(readStateFile(stateFile).jobs.get(jobId)).to.include({ state: "proposed", salt: afterCrash.salt });
    const report = await verifyJob(c.publicClient, { hub: s.hub, jobId });
    expect(report.checks.find((x) => x.name === "reveal")?.detail).to.include(`revealed commitment ${afterCrash.commitment}`);
  });

  it("a node whose commitment never left (crash after recording it) sends that same commitment, then reveals it", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const req = await requestMode(c, s, "optimistic", FLOWERS[1]!);
    const { jobId } = req;
    const output = encodeTensor(await oneOutput(1));
    const salt = keccak256(toHex("a salt recorded before a crash"));
    const commitment = proposalCommitment({ jobId, proposer: s.operatorAccount.address, outputHash: keccak256(output), salt });
    const stateFile = tempStateFile();
    const store = await StateStore.open(stateFile, { chainId: await c.publicClient.getChainId(), hub: s.hub });
    store.lastBlock = req.requested.blockNumber;
    await store.put(jobId, {
      state: "committed",
      modelId: req.job.modelId,
      version: req.job.version,
      mode: req.job.mode,
      requestBlock: req.requested.blockNumber,
      deadline: req.job.deadline,
      attempts: 1,
      outputHash: keccak256(output),
      output,
      salt,
      commitment,
    });
    const { node, events } = makeModesNode(c, s, { account: s.operatorAccount, wallet: s.operatorWallet }, { stateFile });
    await node.runOnce();
    await node.stop();
    expect(eventsOf(events, "proposal-committed").map((e) => e.commitment)).to.deep.equal([commitment]);
    expect((await commitments(s, jobId)).map((l) => l.args.commitment)).to.deep.equal([commitment]);
    expect(readStateFile(stateFile).jobs.get(jobId)).to.include({ state: "proposed" });
    expect((await getProposal(c.publicClient, { hub: s.hub, jobId })).outputHash).to.equal(keccak256(output));
  });

  it("refuses a job committed to another game, or a game settled by another ZK verifier, before running the model (finding F7)", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { jobId } = await requestMode(c, s, "optimistic", FLOWERS[2]!);
    const operator = { account: s.operatorAccount, wallet: s.operatorWallet };
    const elsewhere = "0x00000000000000000000000000000000000000aa" as const;
    for (const [optimistic, says] of [
      [{ game: elsewhere }, `not the trusted ${elsewhere}`],
      [{ zkVerifier: elsewhere }, `with the ZK verifier ${getAddress(s.zkVerifier)}, not the trusted ${elsewhere}`],
    ] as const) {
      const nonce = await c.publicClient.getTransactionCount({ address: s.operatorAccount.address });
      const { node, events } = makeModesNode(c, s, operator, { optimistic });
      await node.runOnce();
      await node.stop();
      const [skipped] = eventsOf(events, "job-skipped");
      expect(skipped).to.deep.include({ jobId, reason: "untrusted-verifier" });
      expect(skipped!.detail).to.include(says);
      expect(eventsOf(events, "job-started")).to.deep.equal([]);
      expect(await c.publicClient.getTransactionCount({ address: s.operatorAccount.address })).to.equal(nonce);
    }
    expect((await getJob(c.publicClient, { hub: s.hub, jobId })).status).to.equal("pending");
  });

  it("the watcher resolves a wrong proposal its proposer's second account already challenged, and is paid for the proof", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { jobId } = await requestMode(c, s, "optimistic", FLOWERS[3]!);
    await proposeResultSync(s.operatorWallet, { hub: s.hub, jobId, output: WRONG_OUTPUT });
    // The proposer's accomplice challenges first, hoping nobody resolves (the proposal would then stand).
    const accomplice = await fundedWallet(c, "the proposer's second account");
    await c.publicClient.waitForTransactionReceipt({ hash: await challengeResult(accomplice.wallet, { hub: s.hub, jobId }) });
    const stake = await bondedStake(c, s, s.operatorAccount.address);
    const credit = (who: `0x${string}`) =>
      readContract(c.publicClient, { address: s.hub, abi: inferenceHubAbi, functionName: "creditOf", args: [who, zeroAddress] });

    const { watcher, events } = makeWatcher(c, s, { withdraw: false });
    await watcher.runOnce();
    await watcher.stop();

    const watcherAddress = s.challenger.account.address;
    expect(events.filter((e) => e.type === "proposal-challenged")).to.deep.equal([]);
    expect(events.find((e) => e.type === "challenge-found")).to.deep.include({ jobId, challenger: accomplice.account.address });
    expect(events.find((e) => e.type === "challenge-resolved")).to.deep.include({
      jobId,
      proposalUpheld: false,
      challenger: accomplice.account.address,
      slashed: SLASH / 2n,
      burned: SLASH / 2n,
      bondsCredited: BOND,
    });
    expect(watcher.stats()).to.deep.include({ challenged: 0, resolved: 1, won: 1, slashed: 0n });
    // The resolver: the proposer's bond (and the fee's operator share); the accomplice: its own bond and half the slash.
    const result = await waitForResult(c.publicClient, { hub: s.hub, jobId, timeout: 1_000 });
    expect(result.operator).to.equal(watcherAddress);
    expect(await credit(watcherAddress)).to.be.greaterThan(BOND);
    expect(await credit(accomplice.account.address)).to.equal(BOND);
    expect(stake - (await bondedStake(c, s, s.operatorAccount.address))).to.equal(SLASH);
    const slashCredit = await readContract(c.publicClient, {
      address: s.operatorRegistry,
      abi: operatorRegistryAbi,
      functionName: "slashCreditOf",
      args: [accomplice.account.address],
    });
    expect(slashCredit).to.equal(SLASH / 2n);
    const report = await verifyJob(c.publicClient, { hub: s.hub, jobId, zkVerifyingKeys: ZK_KEYS });
    expect(report.verdict, JSON.stringify(report.checks.filter((x) => !x.ok))).to.equal("valid");
    expect(report.operator).to.equal(watcherAddress);
    expect(report.optimistic).to.deep.include({ outcome: "overturned" });
    expect(report.optimistic!.resolution).to.deep.include({ resolver: watcherAddress, proposalUpheld: false, proofValid: true });
    expect(report.optimistic!.payouts.map((p) => [p.account, p.amount])).to.deep.equal([
      [accomplice.account.address, BOND],
      [watcherAddress, BOND],
    ]);
  });
});

/** The model's output for FLOWERS[i] (ONNX Runtime). */
async function oneOutput(i: number) {
  const session = await loadModel(loadIrisOnnx());
  try {
    return await runMlp(session, FLOWERS[i]!);
  } finally {
    await session.release();
  }
}
