import { expect } from "chai";
import { type LocalAccount, decodeAbiParameters, decodeFunctionData, isAddressEqual, keccak256, parseEther, toHex } from "viem";
import {
  type Tensor,
  decodeTensor,
  encodeTensor,
  fulfillTeeSync,
  getJob,
  inferenceHubAbi,
  tensor,
  verifyJob,
  waitForResult,
} from "../../sdk/src/index.js";
import { loadIrisOnnx } from "../../sdk/src/model/iris.js";
import { mlpForward } from "../../sdk/src/model/mlp.js";
import {
  ArtifactHashMismatchError,
  ZkCommitmentMismatchError,
  loadModel,
  readStateFile,
  releaseZkWorkers,
  runMlp,
} from "../../sdk/src/operator/index.js";
import {
  type Connection,
  FEE,
  FLOWERS,
  IRIS,
  MODEL_FEE,
  connect,
  countingEnclave,
  deployOperatorSystem,
  eventsOf,
  fulfilments,
  makeNode,
  proofFromAttestationIsValid,
  request,
  sentCount,
  statusOf,
} from "./helpers.js";

describe("operator node", function () {
  let c: Connection;
  const system = () => deployOperatorSystem(c);
  const onnxOutput = async (input: Tensor) => {
    const session = await loadModel(loadIrisOnnx());
    try {
      return await runMlp(session, input);
    } finally {
      await session.release();
    }
  };

  before(async function () {
    c = await connect();
  });
  // The test re-verifies proofs itself: end the prover threads it started (each node ends its own on stop).
  after(releaseZkWorkers);

  it("serves several TEE jobs concurrently; each result is ONNX Runtime's output and verifies", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const jobs = [];
    for (const input of FLOWERS) jobs.push({ ...(await request(c, s, input)), input });
    let running = 0;
    let maxRunning = 0;
    const { node, events, options } = makeNode(c, s, {
      concurrency: 4,
      logger: (e) => {
        events.push(e);
        if (e.type === "job-started") maxRunning = Math.max(maxRunning, ++running);
        if (e.type === "job-fulfilled") running--;
      },
    });
    await node.runOnce();
    await node.stop();

    expect(maxRunning).to.be.within(2, 4);
    expect(eventsOf(events, "job-fulfilled").map((e) => e.jobId).sort()).to.deep.equal(jobs.map((j) => j.jobId).sort());
    for (const j of jobs) {
      const result = await waitForResult(c.publicClient, { hub: s.hub, jobId: j.jobId, timeout: 1_000 });
      expect(result.output).to.deep.equal(await onnxOutput(j.input));
      expect(result.operator.toLowerCase()).to.equal(s.operatorAccount.address.toLowerCase());
      const report = await verifyJob(c.publicClient, { hub: s.hub, jobId: j.jobId, attestation: s.policy });
      expect(report.verdict, JSON.stringify(report.checks.filter((x) => !x.ok))).to.equal("valid");
      expect(await fulfilments(c, s.hub, j.jobId)).to.have.length(1);
    }
    const state = readStateFile(options.stateFile);
    expect([...state.jobs.values()].map((r) => [r.state, r.outcome])).to.deep.equal(jobs.map(() => ["done", "fulfilled"]));
    expect(node.stats().session.fulfilled).to.equal(jobs.length);
    const fulfilled = eventsOf(events, "job-fulfilled");
    expect(fulfilled.every((e) => e.gasUsed > 0n && e.output !== undefined)).to.equal(true);
  });

  it("proves a ZK job with the configured weights and fulfils it with the attestation ZkVerifier checks", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const input = FLOWERS[1]!;
    const { jobId } = await request(c, s, input, { mode: "zk" });
    const { node, events } = makeNode(c, s);
    await node.runOnce();
    await node.stop();

    expect(eventsOf(events, "job-failed")).to.deep.equal([]);
    const [fulfilled] = eventsOf(events, "job-fulfilled");
    expect(fulfilled?.jobId).to.equal(jobId);
    const job = await getJob(c.publicClient, { hub: s.hub, jobId });
    expect(job.status).to.equal("fulfilled");
    const output = decodeTensor(job.fulfillment!.output!);
    expect(Array.from(output.values, BigInt)).to.deep.equal(mlpForward(IRIS.weights, input.values));
    expect(output).to.deep.equal(await onnxOutput(input));

    // The attestation in the fulfil calldata: proof + the job's input bytes + the output bytes.
    const tx = await c.publicClient.getTransaction({ hash: fulfilled!.txHash });
    const { args } = decodeFunctionData({ abi: inferenceHubAbi, data: tx.input });
    const attestation = args![3] as `0x${string}`;
    const [, , , attInput, attOutput] = decodeAbiParameters(
      [{ type: "uint256[2]" }, { type: "uint256[2][2]" }, { type: "uint256[2]" }, { type: "bytes" }, { type: "bytes" }],
      attestation,
    );
    expect(keccak256(attInput)).to.equal(job.job.inputHash);
    expect(attOutput).to.equal(encodeTensor(output));
    // Bound to this job and to the node's account, which sent the fulfilment.
    expect(isAddressEqual(tx.from, s.operatorAccount.address)).to.equal(true);
    expect(await proofFromAttestationIsValid(attestation, { jobId, submitter: s.operatorAccount.address })).to.equal(true);
    expect(await proofFromAttestationIsValid(attestation, { jobId: jobId + 1n, submitter: s.operatorAccount.address })).to.equal(false);
    expect(await proofFromAttestationIsValid(attestation, { jobId, submitter: c.other.account.address })).to.equal(false);
  });

  it("refuses to prove with ZK weights that are not the version's commitment: the job fails, nothing is sent", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { jobId } = await request(c, s, FLOWERS[0]!, { mode: "zk" });
    const weights = { ...IRIS.weights, b2: IRIS.weights.b2.map((b, i) => (i === 0 ? b + 1n : b)) };
    const before = await sentCount(c, s.operatorAccount.address);
    const { node, events, options } = makeNode(c, s, { models: [{ modelId: s.modelId, version: s.version, zk: { weights } }] });
    await node.runOnce();
    await node.stop();

    const [failed] = eventsOf(events, "job-failed");
    expect(failed?.error).to.be.instanceOf(ZkCommitmentMismatchError);
    expect(failed?.willRetry).to.equal(false);
    expect(readStateFile(options.stateFile).jobs.get(jobId)?.state).to.equal("failed");
    expect(await statusOf(c, s.hub, jobId)).to.equal("pending");
    expect(await sentCount(c, s.operatorAccount.address)).to.equal(before);
  });

  it("skips, with the reason, jobs with too low a reward, too close a deadline, an unserved version or mode; leaves them pending", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const now = (await c.publicClient.getBlock()).timestamp;
    const lowReward = await request(c, s, FLOWERS[0]!, { fee: MODEL_FEE + 1n });
    const closeDeadline = await request(c, s, FLOWERS[1]!, { deadline: now + 20n });
    const unservedVersion = await request(c, s, FLOWERS[2]!, { version: s.unservedVersion });
    const unservedModel = await request(c, s, FLOWERS[3]!, { modelId: s.otherModelId, version: 1, fee: FEE });
    const served = await request(c, s, FLOWERS[4]!);
    const before = await sentCount(c, s.operatorAccount.address);
    // This node serves version 1 for TEE only: a ZK job is an unsupported mode.
    const zkJob = await request(c, s, FLOWERS[5]!, { mode: "zk" });
    const { node, events, options } = makeNode(c, s, {
      models: [{ modelId: s.modelId, version: s.version }],
      minOperatorReward: parseEther("0.001"),
      minTimeLeftSec: 60,
    });
    await node.runOnce();
    await node.stop();

    const reasons = new Map(eventsOf(events, "job-skipped").map((e) => [e.jobId, e.reason]));
    expect(reasons).to.deep.equal(
      new Map([
        [lowReward.jobId, "reward-too-low"],
        [closeDeadline.jobId, "deadline-too-close"],
        [unservedVersion.jobId, "model-not-served"],
        [zkJob.jobId, "mode-unsupported"],
      ]),
    );
    const detail = eventsOf(events, "job-skipped").find((e) => e.jobId === lowReward.jobId)?.detail;
    expect(detail).to.include("below the minimum of 1000000000000000");
    for (const j of [lowReward, closeDeadline, unservedVersion, unservedModel, zkJob]) {
      expect(await statusOf(c, s.hub, j.jobId)).to.equal("pending");
    }
    // Another model's jobs are not even fetched: the log filter is by served model.
    const state = readStateFile(options.stateFile);
    expect(state.jobs.has(unservedModel.jobId)).to.equal(false);
    expect(state.jobs.get(lowReward.jobId)).to.include({ state: "skipped", reason: "reward-too-low" });
    expect(await statusOf(c, s.hub, served.jobId)).to.equal("fulfilled");
    expect(await sentCount(c, s.operatorAccount.address)).to.equal(before + 1);
  });

  it("marks a job failed when the model file does not match the version's artifact hash, and signs and sends nothing", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { jobId } = await request(c, s, FLOWERS[0]!, { version: s.wrongVersion });
    const { enclave, signatures } = countingEnclave(s.enclave);
    const before = await sentCount(c, s.operatorAccount.address);
    const { node, events, options } = makeNode(c, s, { enclave });
    await node.runOnce();
    await node.stop();

    const [failed] = eventsOf(events, "job-failed");
    expect(failed?.jobId).to.equal(jobId);
    expect(failed?.error).to.be.instanceOf(ArtifactHashMismatchError);
    expect(failed?.error.message).to.include("does not match its on-chain hash");
    expect(failed?.willRetry).to.equal(false);
    const record = readStateFile(options.stateFile).jobs.get(jobId);
    expect(record?.state).to.equal("failed");
    expect(record?.detail).to.include(keccak256(loadIrisOnnx()));
    expect(signatures()).to.equal(0);
    expect(await sentCount(c, s.operatorAccount.address)).to.equal(before);
    expect(await statusOf(c, s.hub, jobId)).to.equal("pending");
  });

  it("serves an input given by a data: URI after checking its hash, and fails one whose bytes do not match", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const bytes = encodeTensor(FLOWERS[2]!);
    const uri = `data:application/octet-stream;base64,${Buffer.from(bytes.slice(2), "hex").toString("base64")}`;
    const good = await request(c, s, { uri, hash: keccak256(bytes) } as never);
    const bad = await request(c, s, { uri, hash: keccak256(toHex("other input")) } as never);
    const { node, events } = makeNode(c, s);
    await node.runOnce();
    await node.stop();

    const result = await waitForResult(c.publicClient, { hub: s.hub, jobId: good.jobId, timeout: 1_000 });
    expect(result.output).to.deep.equal(await onnxOutput(FLOWERS[2]!));
    const [failed] = eventsOf(events, "job-failed");
    expect(failed?.jobId).to.equal(bad.jobId);
    expect(failed?.error).to.be.instanceOf(ArtifactHashMismatchError);
    expect(await statusOf(c, s.hub, bad.jobId)).to.equal("pending");
  });

  it("records a job fulfilled by someone else while the node computes as done elsewhere, without sending", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { jobId, job } = await request(c, s, FLOWERS[0]!);
    const before = await sentCount(c, s.operatorAccount.address);
    // Another submitter delivers a result (anyone may submit an enclave-signed TEE result) just as the node signs.
    const enclave: LocalAccount = {
      ...s.enclave,
      signTypedData: async (p) => {
        await fulfillTeeSync(c.other, { hub: s.hub, jobId, job, output: tensor("int32", [1, 3], [1, 2, 3]), enclave: s.enclave });
        return s.enclave.signTypedData(p);
      },
    };
    const { node, events, options } = makeNode(c, s, { enclave });
    await node.runOnce();
    await node.stop();

    expect(eventsOf(events, "job-fulfilled-elsewhere").map((e) => e.jobId)).to.deep.equal([jobId]);
    expect(readStateFile(options.stateFile).jobs.get(jobId)).to.include({ state: "done", outcome: "fulfilled-elsewhere" });
    expect(await sentCount(c, s.operatorAccount.address)).to.equal(before);
    expect(await fulfilments(c, s.hub, jobId)).to.have.length(1);
  });

  it("acts on a request only once it has `confirmations` blocks, and counts a fulfilment done only at that depth", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { jobId } = await request(c, s, FLOWERS[7]!);
    const { node, events } = makeNode(c, s, { confirmations: 2 });
    await node.runOnce();
    expect(eventsOf(events, "job-seen")).to.deep.equal([]); // the request block has 1 confirmation

    await c.networkHelpers.mine();
    const run = node.runOnce();
    const until = Date.now() + 5_000;
    while (eventsOf(events, "job-submitted").length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    // Mined (automine), but with 1 confirmation: not done yet.
    expect(await statusOf(c, s.hub, jobId)).to.equal("fulfilled");
    expect(eventsOf(events, "job-fulfilled")).to.deep.equal([]);
    await c.networkHelpers.mine();
    await run;
    await node.stop();
    expect(eventsOf(events, "job-fulfilled").map((e) => e.jobId)).to.deep.equal([jobId]);
  });

  it("start() serves jobs requested while it runs, and stop() ends it cleanly", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { node, events } = makeNode(c, s);
    await node.start();
    expect(node.stats().running).to.equal(true);
    const { jobId } = await request(c, s, FLOWERS[6]!);
    const deadline = Date.now() + 10_000;
    while (!eventsOf(events, "job-fulfilled").some((e) => e.jobId === jobId) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await node.stop();
    expect(await statusOf(c, s.hub, jobId)).to.equal("fulfilled");
    expect(node.stats().running).to.equal(false);
    expect(events.at(-1)?.type).to.equal("node-stopped");
  });
});
