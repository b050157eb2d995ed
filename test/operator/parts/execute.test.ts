import { expect } from "chai";
import { keccak256, toHex } from "viem";
import { encodeTensor, tensor } from "../../../sdk/src/index.js";
import { mlpForward } from "../../../sdk/src/model/mlp.js";
import { ArtifactHashMismatchError, ResultMismatchError } from "../../../sdk/src/operator/errors.js";
import { createExecutor } from "../../../sdk/src/operator/execute.js";
import { releaseZkWorkers } from "../../../sdk/src/proofs/zk.js";
import {
  type Connection,
  FLOWERS,
  IRIS,
  connect,
  deployOperatorSystem,
  modelCacheOf,
  proofFromAttestationIsValid,
  rejection,
  request,
  trueOutput,
  within,
} from "./helpers.js";

/** snarkjs's shared BN254 engine and its worker threads (web-worker objects: "close" once the thread exited). */
type Bn128 = { tm: { workers: EventTarget[] } };
const bn128 = () => (globalThis as { curve_bn128?: Bn128 | null }).curve_bn128 ?? undefined;

describe("operator parts: executor", function () {
  let c: Connection;
  const system = () => deployOperatorSystem(c);
  /** An executor on the deployed system, released after the test. */
  let release: (() => Promise<void>) | undefined;
  const executorOn = async () => {
    const s = await c.networkHelpers.loadFixture(system);
    const exec = createExecutor({ models: modelCacheOf(c, s) });
    release = () => exec.release();
    return { s, exec };
  };

  before(async function () {
    c = await connect();
  });
  afterEach(async function () {
    await release?.();
    release = undefined;
  });
  // proofFromAttestationIsValid verifies in this process: end the threads it started.
  after(releaseZkWorkers);

  it("runs the job's model version on its input: ONNX Runtime's output, the reference MLP's, with its keccak256", async function () {
    const { s, exec } = await executorOn();
    const input = FLOWERS[1]!;
    const run = await exec.run(await request(c, s, input));
    expect(run.input).to.deep.equal(input);
    expect(run.inputBytes).to.equal(encodeTensor(input));
    expect(run.output).to.deep.equal(tensor("int32", [1, 3], mlpForward(IRIS.weights, input.values)));
    expect(run.outputBytes).to.equal(encodeTensor(run.output!));
    expect(run.outputHash).to.equal(keccak256(run.outputBytes));
  });

  it("fetches an input given by a data: URI, and refuses one whose bytes do not match the job's input hash", async function () {
    const { s, exec } = await executorOn();
    const bytes = encodeTensor(FLOWERS[2]!);
    const uri = `data:application/octet-stream;base64,${Buffer.from(bytes.slice(2), "hex").toString("base64")}`;
    const good = await request(c, s, { uri, hash: keccak256(bytes) } as never);
    const bad = await request(c, s, { uri, hash: keccak256(toHex("another input")) } as never);
    expect(good.input).to.equal(undefined);

    expect((await exec.run(good)).output).to.deep.equal(trueOutput(FLOWERS[2]!));
    const err = await rejection(exec.run(bad));
    expect(err).to.be.instanceOf(ArtifactHashMismatchError);
    expect(err).to.include({ expected: bad.job.inputHash, actual: keccak256(bytes) });
  });

  it("proves the job's output with the version's weights, for the job and the submitter: the Groth16 proof verifies", async function () {
    const { s, exec } = await executorOn();
    const input = FLOWERS[4]!;
    const req = await request(c, s, input, { mode: "zk" });
    const { output } = await exec.run(req);
    const submitter = s.operatorAccount.address;
    const proven = await exec.prove(req, { weights: IRIS.weights }, { submitter, expected: output });
    expect(proven.output).to.deep.equal(output);
    expect(proven.outputBytes).to.equal(encodeTensor(output!));
    expect(await proofFromAttestationIsValid(proven.attestation, { jobId: req.jobId, submitter })).to.equal(true);
    // Not for another account or another job.
    expect(await proofFromAttestationIsValid(proven.attestation, { jobId: req.jobId, submitter: c.other.account.address })).to.equal(false);
    expect(await proofFromAttestationIsValid(proven.attestation, { jobId: req.jobId + 1n, submitter })).to.equal(false);
  });

  it("refuses a proof whose output differs from the expected (ONNX Runtime's) one with ResultMismatchError", async function () {
    const { s, exec } = await executorOn();
    const req = await request(c, s, FLOWERS[5]!, { mode: "zk" });
    const expected = tensor("int32", [1, 3], [1, 2, 3]);
    const err = await rejection(exec.prove(req, { weights: IRIS.weights }, { submitter: s.operatorAccount.address, expected }));
    expect(err).to.be.instanceOf(ResultMismatchError);
    expect(err.message).to.include("[1, 2, 3]").and.to.include(`[${trueOutput(FLOWERS[5]!).values.join(", ")}]`);
  });

  it("release() ends the prover's worker threads once it has proved, and leaves alone those it did not start", async function () {
    const { s, exec } = await executorOn();
    const req = await request(c, s, FLOWERS[6]!, { mode: "zk" });
    await exec.prove(req, { weights: IRIS.weights }, { submitter: s.operatorAccount.address });
    const curve = bn128();
    expect(curve?.tm.workers.length).to.be.greaterThan(0);

    // An executor that never proved does not end the threads another one uses.
    await createExecutor({ models: modelCacheOf(c, s) }).release();
    expect(bn128()).to.equal(curve);

    const exited = Promise.all(curve!.tm.workers.map((w) => new Promise((r) => w.addEventListener("close", r))));
    await exec.release();
    expect(bn128()).to.equal(undefined);
    expect(await within(exited.then(() => "every worker exited"))).to.equal("every worker exited");
  });
});
