/**
 * OPTIMISTIC mode on the in-process network: the operator node proposes with its bond and finalizes after the
 * window, and defends its proposal with a ZK proof when challenged; the watcher leaves a right proposal alone and
 * catches a wrong one (challenge, proof, slashing, withdrawal).
 */
import { expect } from "chai";
import { keccak256 } from "viem";
import { readContract } from "viem/actions";
import {
  challengeResult,
  encodeTensor,
  inferenceHubAbi,
  proposeResultSync,
  verifyJob,
  waitForResult,
} from "../../sdk/src/index.js";
import {
  type WatcherEvent,
  createWatcher,
  loadModel,
  readStateFile,
  releaseZkWorkers,
  runMlp,
} from "../../sdk/src/operator/index.js";
import { loadIrisOnnx } from "../../sdk/src/model/iris.js";
import { modelCommitment } from "../../sdk/src/prover/prove.js";
import { type Connection, FLOWERS, IRIS, ROOT, connect, eventsOf } from "./helpers.js";
import {
  BOND,
  SLASH,
  WINDOW,
  WRONG_OUTPUT,
  ZK_KEYS,
  bondedStake,
  deployModesSystem,
  makeModesNode,
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

  it("the watcher leaves a right proposal alone and catches a wrong one: challenge, proof, slash, withdrawal", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const right = await requestMode(c, s, "optimistic", FLOWERS[2]!);
    const wrong = await requestMode(c, s, "optimistic", FLOWERS[3]!);
    await proposeResultSync(s.operatorWallet, { hub: s.hub, jobId: right.jobId, output: await onnx(2) });
    await proposeResultSync(s.operatorWallet, { hub: s.hub, jobId: wrong.jobId, output: WRONG_OUTPUT });
    const stake = await bondedStake(c, s, s.operatorAccount.address);
    const events: WatcherEvent[] = [];
    const watcher = createWatcher({
      publicClient: c.publicClient,
      walletClient: s.challenger.wallet,
      hub: s.hub,
      models: [{ modelId: s.consensusModelId, version: s.consensusVersion, weights: IRIS.weights }],
      modelDir: ROOT,
      fromBlock: s.startBlock,
      pollingIntervalMs: 20,
      logger: (e) => events.push(e),
    });
    const balance = await c.publicClient.getBalance({ address: s.challenger.account.address });
    await watcher.runOnce();
    await watcher.stop();

    const checked = new Map(events.flatMap((e) => (e.type === "proposal-checked" ? [[e.jobId, e.correct]] : [])));
    expect(checked).to.deep.equal(new Map([[right.jobId, true], [wrong.jobId, false]]));
    expect(events.filter((e) => e.type === "proposal-challenged").map((e) => (e as { jobId: bigint }).jobId)).to.deep.equal([wrong.jobId]);
    const resolved = events.find((e) => e.type === "challenge-resolved");
    expect(resolved).to.deep.include({ jobId: wrong.jobId, proposalUpheld: false, slashed: SLASH, bondsAwarded: 2n * BOND });
    expect(stake - (await bondedStake(c, s, s.operatorAccount.address))).to.equal(SLASH);
    const withdrawn = events.find((e) => e.type === "credits-withdrawn") as Extract<WatcherEvent, { type: "credits-withdrawn" }>;
    expect(withdrawn.slashCredit).to.equal(SLASH);
    // Both bonds, the fee's operator share and the slashed stake reached the challenger (less gas).
    expect((await c.publicClient.getBalance({ address: s.challenger.account.address })) > balance + BOND + SLASH).to.equal(true);
    const result = await waitForResult(c.publicClient, { hub: s.hub, jobId: wrong.jobId, timeout: 1_000 });
    expect(keccak256(result.outputBytes!)).to.equal(keccak256(await onnx(3)));
    expect(watcher.stats()).to.deep.include({ challenged: 1, won: 1, slashed: SLASH });
  });
});
