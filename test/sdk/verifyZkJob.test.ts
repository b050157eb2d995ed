import { expect } from "chai";
import { type Address, type Hex, keccak256, toHex, zeroHash } from "viem";
import { deployContract, getTransactionCount, waitForTransactionReceipt, writeContract } from "viem/actions";
import {
  type Groth16VerifyingKey,
  type VerifyJobReport,
  type ZkJobData,
  deployVerity,
  encodeTensor,
  getZkJobData,
  groth16VerifierMlpAbi,
  inferenceHubAbi,
  publishVerifyingKey,
  publishVersionSync,
  registerModelSync,
  requestInferenceSync,
  tensor,
  verifyJob,
  zkVerifierAbi,
} from "../../sdk/src/index.js";
import {
  groth16VerifierMlpBytecode,
  groth16VerifierMlpCodeHash,
  groth16VerifierMlpVkeyHash,
  zkVerifierBytecode,
} from "../../sdk/src/bytecode.js";
import { loadIrisModel, loadIrisOnnx } from "../../sdk/src/model/iris.js";
import { ZkVerifyingKeyError, decodeVerifyingKey, encodeVerifyingKey } from "../../sdk/src/zk.js";
import { verifyZkJobData } from "../../sdk/src/proofs/verifyZkJob.js";
import { BN254_BASE_FIELD, encodeProofForSolidity, releaseZkWorkers, vkeyHash } from "../../sdk/src/proofs/zk.js";
import { type ProveMlpReturnType, modelCommitment, proveMlp } from "../../sdk/src/prover/prove.js";
import { encodeZkAttestationParts, parseZkAttestation } from "../../sdk/src/proofs/zkAttestation.js";
import { REPO_VERIFYING_KEY_FILE, zkVerifyingKeysFromFiles } from "../../sdk/src/prover/keys.js";
import { type Connection, FEE, MODEL_FEE, connect, mined } from "./helpers.js";
import { IRIS_IO_SIGNATURE } from "../../sdk/src/model/signatures.js";

const IRIS_INPUT = tensor("int8", [1, 4], [82, 56, 22, 3]);
const ARTIFACTS = {
  wasm: new URL("../../circuits/build/mlp_4_8_3.wasm", import.meta.url).pathname,
  zkey: new URL("../../circuits/build/mlp_4_8_3.zkey", import.meta.url).pathname,
};
const KEYS = zkVerifyingKeysFromFiles(REPO_VERIFYING_KEY_FILE);
const VKEY = Object.values(KEYS)[0]!;
const VKEY_HASH = vkeyHash(VKEY);
/** Every fixture deploys a fresh hub, so its one job is job 1. */
const JOB_ID = 1n;

const check = (report: VerifyJobReport, name: string) => {
  const found = report.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no "${name}" check in ${JSON.stringify(report.checks.map((c) => c.name))}`);
  return found;
};
const failing = (report: VerifyJobReport) => report.checks.filter((c) => !c.ok).map((c) => c.name);

describe("verifyJob (ZK mode)", function () {
  this.timeout(60_000);
  let c: Connection;
  let commitment: Hex;
  let proved: ProveMlpReturnType;

  before(async function () {
    c = await connect();
    // The commitment first: circomlibjs loads its own ffjavascript, whose first load clears the global curve that
    // snarkjs builds, which would leave that curve's worker threads running past releaseZkWorkers.
    commitment = toHex(await modelCommitment(loadIrisModel().weights), { size: 32 });
    // For the fixture's job, fulfilled by the operator.
    proved = await proveMlp({
      weights: loadIrisModel().weights, input: IRIS_INPUT, artifacts: ARTIFACTS, jobId: JOB_ID, submitter: c.operator.account.address,
    });
  });
  after(releaseZkWorkers);

  /**
   * The system deployed with the SDK, the generated Groth16 verifier and ZkVerifier (governance allowing that
   * verifier for the repo's key) plugged into the hub for mode 2, the Iris model published as a ZK version (its
   * Poseidon commitment and the repo's verifying-key hash), and one ZK job requested and fulfilled with a real proof.
   */
  async function fulfilledZkJob() {
    const { hub } = await deployVerity(c.governance, c.publicClient, { treasury: c.treasury.account.address });
    const deployed = async (hash: Hex) =>
      (await waitForTransactionReceipt(c.publicClient, { hash })).contractAddress as Address;
    const groth16 = await deployed(await deployContract(c.governance, { abi: groth16VerifierMlpAbi, bytecode: groth16VerifierMlpBytecode }));
    const zkVerifier = await deployed(
      await deployContract(c.governance, { abi: zkVerifierAbi, bytecode: zkVerifierBytecode, args: [c.governance.account.address] }),
    );
    await mined(
      c,
      await writeContract(c.governance, { address: hub, abi: inferenceHubAbi, functionName: "setVerifier", args: [2, zkVerifier] }),
    );
    await mined(
      c,
      await writeContract(c.governance, {
        address: zkVerifier,
        abi: zkVerifierAbi,
        functionName: "setCircuitAllowed",
        args: [groth16VerifierMlpCodeHash, groth16VerifierMlpVkeyHash, true],
      }),
    );
    const { modelId } = await registerModelSync(c.modelOwner, { hub, name: "iris-mlp" });
    const { version } = await publishVersionSync(c.modelOwner, {
      hub,
      modelId,
      artifactHash: keccak256(loadIrisOnnx()),
      uri: "file:models/iris-mlp.onnx",
      modes: ["zk"],
      ioSignature: IRIS_IO_SIGNATURE,
      fee: MODEL_FEE,
      zk: { verifier: groth16, modelCommitment: commitment, verifyingKeyHash: VKEY_HASH },
    });
    const { jobId, job } = await requestInferenceSync(c.requester, { hub, modelId, version, mode: "zk", input: IRIS_INPUT, fee: FEE });
    expect(jobId).to.equal(JOB_ID);
    const output = encodeTensor(proved.output);
    const attestation = encodeZkAttestationParts({ proof: encodeProofForSolidity(proved.proof), input: encodeTensor(IRIS_INPUT), output });
    const receipt = await mined(
      c,
      await writeContract(c.operator, {
        address: hub,
        abi: inferenceHubAbi,
        functionName: "fulfill",
        args: [jobId, job, { output, outputURI: "", outputHash: zeroHash }, attestation],
      }),
    );
    return { hub, modelId, version, groth16, commitment, jobId, job, output, receipt };
  }

  it("reports a fulfilled ZK job as valid, every check ok, from chain data alone", async function () {
    const s = await c.networkHelpers.loadFixture(fulfilledZkJob);
    const report = await verifyJob(c.publicClient, { hub: s.hub, jobId: s.jobId, zkVerifyingKeys: KEYS });
    expect(failing(report)).to.deep.equal([]);
    expect(report.verdict).to.equal("valid");
    expect(report.checks.map((x) => x.name)).to.deep.equal([
      "chain",
      "mode",
      "commitment",
      "inputHash",
      "status",
      "outputHash",
      "attestation",
      "tensors",
      "modelVersion",
      "verifyingKey",
      "proof",
      "finality",
    ]);
    expect(report.zk).to.deep.equal({ verifier: s.groth16, modelCommitment: s.commitment, verifyingKeyHash: VKEY_HASH });
    expect(report.blockNumber).to.equal(s.receipt.blockNumber);
    expect(report.operator?.toLowerCase()).to.equal(c.operator.account.address);
    expect(report.enclaveKey).to.equal(undefined);
    expect(check(report, "chain").detail).to.equal("chain 31337");
    expect(check(report, "proof").detail).to.include(`the Groth16 proof verifies (BN254 pairing check) for [commitment ${BigInt(s.commitment)}`);
    // The job binding it was checked for: this job, and the operator the hub credited (who sent fulfill).
    expect(check(report, "proof").detail).to.include(`jobId ${s.jobId}, submitter ${report.operator}]`);
    expect(check(report, "verifyingKey").detail).to.include(`hashes to ${VKEY_HASH}`);
  });

  it("takes the verifying key from a loader, called with the hash the version records at the recording block", async function () {
    const s = await c.networkHelpers.loadFixture(fulfilledZkJob);
    const asked: unknown[] = [];
    const report = await verifyJob(c.publicClient, {
      hub: s.hub,
      jobId: s.jobId,
      zkVerifyingKeys: async (request) => {
        asked.push(request);
        return VKEY;
      },
    });
    expect(report.verdict).to.equal("valid");
    expect(asked).to.deep.equal([{ verifyingKeyHash: VKEY_HASH, verifier: s.groth16, modelId: s.modelId, version: s.version }]);
  });

  it("fails the verifying key and proof checks, saying so, when no key is given or published for the hash on chain", async function () {
    const s = await c.networkHelpers.loadFixture(fulfilledZkJob);
    const report = await verifyJob(c.publicClient, { hub: s.hub, jobId: s.jobId });
    expect(report.verdict).to.equal("invalid");
    expect(failing(report)).to.deep.equal(["verifyingKey", "proof"]);
    expect(check(report, "verifyingKey").detail).to.include(`no verifying key with hash ${VKEY_HASH} was published on chain`);
    expect(check(report, "proof").detail).to.equal("not checked: no verifying key matching the hash on chain was given");
  });

  it("takes the verifying key from the chain when none is given: published once, by anyone, and checked by its hash", async function () {
    const s = await c.networkHelpers.loadFixture(fulfilledZkJob);
    const zkVerifier = s.job.verifier;
    // Someone publishes another key first: it has another hash, so it is never taken for this version.
    await mined(c, await publishVerifyingKey(c.requester, { zkVerifier, verifyingKey: otherVkey() }));
    expect((await verifyJob(c.publicClient, { hub: s.hub, jobId: s.jobId })).verdict).to.equal("invalid");
    // Anyone (here the requester) publishes the circuit's key: now the job verifies from chain data alone.
    await mined(c, await publishVerifyingKey(c.requester, { zkVerifier, verifyingKey: VKEY }));
    const report = await verifyJob(c.publicClient, { hub: s.hub, jobId: s.jobId });
    expect(report.verdict, JSON.stringify(report.checks)).to.equal("valid");
    expect(check(report, "verifyingKey").detail).to.include(`hashes to ${VKEY_HASH}`);
  });

  it("publishVerifyingKey refuses a key that is not a BN254 Groth16 key before sending, and a bad verifier address", async function () {
    const s = await c.networkHelpers.loadFixture(fulfilledZkJob);
    const nonce = await getTransactionCount(c.publicClient, { address: c.requester.account.address });
    await expect(publishVerifyingKey(c.requester, { zkVerifier: s.job.verifier, verifyingKey: { ...VKEY, curve: "bls12381" } })).to.be.rejectedWith(
      ZkVerifyingKeyError,
      "curve is bls12381",
    );
    await expect(publishVerifyingKey(c.requester, { zkVerifier: s.job.verifier, verifyingKey: null as never })).to.be.rejectedWith(/verifyingKey/);
    await expect(publishVerifyingKey(c.requester, { zkVerifier: "0x12" as Address, verifyingKey: VKEY })).to.be.rejectedWith(/zkVerifier/);
    expect(await getTransactionCount(c.publicClient, { address: c.requester.account.address })).to.equal(nonce);
  });

  it("decodeVerifyingKey reads back what encodeVerifyingKey wrote, and throws for bytes that are not a canonical key", function () {
    const encoded = encodeVerifyingKey(VKEY);
    const decoded = decodeVerifyingKey(encoded);
    expect(vkeyHash(decoded)).to.equal(VKEY_HASH);
    expect(decoded.IC).to.deep.equal(VKEY.IC.map((p) => [p[0], p[1], "1"]));
    expect(() => decodeVerifyingKey("0x1234")).to.throw(ZkVerifyingKeyError, "not the canonical encoding");
    // A coordinate at or above the base field modulus is no point: refused, though it abi-decodes.
    const bad = `${encoded.slice(0, 2)}${BN254_BASE_FIELD.toString(16).padStart(64, "0")}${encoded.slice(66)}` as Hex;
    expect(() => decodeVerifyingKey(bad)).to.throw(ZkVerifyingKeyError);
  });

  it("fails the verifying key check when the key given for the on-chain hash is another one", async function () {
    const s = await c.networkHelpers.loadFixture(fulfilledZkJob);
    const other = otherVkey();
    const report = await verifyJob(c.publicClient, { hub: s.hub, jobId: s.jobId, zkVerifyingKeys: { [VKEY_HASH]: other } });
    expect(failing(report)).to.deep.equal(["verifyingKey", "proof"]);
    expect(check(report, "verifyingKey").detail).to.equal(
      `the verifying key does not match the hash on chain: it hashes to ${vkeyHash(other)}, but version ${s.version} ` +
        `records ${VKEY_HASH} at block ${report.blockNumber}`,
    );
  });

  it("reports a ZK job without a result as pending, and one short of its confirmations as pending", async function () {
    const s = await c.networkHelpers.loadFixture(fulfilledZkJob);
    const { jobId } = await requestInferenceSync(c.requester, {
      hub: s.hub,
      modelId: s.modelId,
      version: s.version,
      mode: "zk",
      input: IRIS_INPUT,
      fee: FEE,
    });
    const open = await verifyJob(c.publicClient, { hub: s.hub, jobId, zkVerifyingKeys: KEYS });
    expect(open.verdict).to.equal("pending");
    expect(check(open, "status").detail).to.equal("the job has no result yet");
    const early = await verifyJob(c.publicClient, { hub: s.hub, jobId: s.jobId, zkVerifyingKeys: KEYS, confirmations: 10n });
    expect(early.verdict).to.equal("pending");
    expect(failing(early)).to.deep.equal(["finality"]);
  });

  describe("the pure core (verifyZkJobData) on tampered data", function () {
    let data: ZkJobData;
    let proof: ReturnType<typeof parseZkAttestation>["proof"];
    before(async function () {
      const s = await c.networkHelpers.loadFixture(fulfilledZkJob);
      data = await getZkJobData(c.publicClient, { hub: s.hub, jobId: s.jobId, zkVerifyingKeys: KEYS });
      proof = parseZkAttestation(data.call!.attestation).proof;
    });
    const withAttestation = (attestation: Hex): ZkJobData => ({ ...data, call: { ...data.call!, attestation } });
    const attested = (o: Partial<ReturnType<typeof parseZkAttestation>>) =>
      encodeZkAttestationParts({ ...parseZkAttestation(data.call!.attestation), ...o });

    it("accepts the untampered data, with the key found by its hash", async function () {
      expect(data.verifyingKey).to.equal(VKEY);
      expect((await verifyZkJobData(data)).verdict).to.equal("valid");
    });

    it("fails the proof check, saying it does not verify, for a tampered proof", async function () {
      const tampered = [
        { ...proof, a: [proof.a[0], BN254_BASE_FIELD - proof.a[1]] as const }, // -a: on the curve, wrong point
        { ...proof, a: proof.c, c: proof.a }, // a and c swapped
        { ...proof, b: [proof.b[1], proof.b[0]] as const }, // b's coordinates swapped (off the curve)
        { ...proof, c: [proof.c[0], proof.c[1] + 1n] as const }, // c off the curve
      ];
      for (const bad of tampered) {
        const report = await verifyZkJobData(withAttestation(attested({ proof: bad })));
        expect(failing(report), JSON.stringify(bad, (_, v) => (typeof v === "bigint" ? String(v) : v))).to.deep.equal(["proof"]);
        expect(check(report, "proof").detail).to.match(/^the Groth16 proof does not verify for \[commitment \d+, packedInput \d+, packedOutput \d+, jobId 1, submitter 0x[0-9a-fA-F]{40}\] under verifying key 0x[0-9a-f]{64}: it proves another model, input, output, job or submitter, or was altered$/);
        expect(report.verdict).to.equal("invalid");
      }
    });

    it("fails the proof check for a fulfilment credited to an account other than the one the proof was made for", async function () {
      const report = await verifyZkJobData({ ...data, fulfilled: { ...data.fulfilled!, operator: c.other.account.address } });
      expect(failing(report)).to.deep.equal(["proof"]);
      expect(check(report, "proof").detail).to.include(`submitter ${c.other.account.address}]`).and.include("does not verify");
      expect(report.verdict).to.equal("invalid");
    });

    it("fails the proof check as malformed for a coordinate not below the base field modulus", async function () {
      const report = await verifyZkJobData(withAttestation(attested({ proof: { ...proof, a: [proof.a[0] + BN254_BASE_FIELD, proof.a[1]] } })));
      expect(failing(report)).to.deep.equal(["proof"]);
      expect(check(report, "proof").detail).to.equal("the proof is malformed: Malformed Groth16 proof: pi_a.x is not below the base field modulus q.");
    });

    it("fails the proof check for another output recorded consistently everywhere (events, calldata, attestation)", async function () {
      const wrong = encodeTensor(tensor("int32", [1, 3], Array.from(proved.output.values as Int32Array, (v, k) => (k === 0 ? v + 1 : v))));
      const report = await verifyZkJobData({
        ...data,
        fulfilled: { ...data.fulfilled!, output: wrong, outputHash: keccak256(wrong) },
        call: { ...data.call!, result: { ...data.call!.result, output: wrong }, attestation: attested({ output: wrong }) },
      });
      expect(failing(report)).to.deep.equal(["proof"]);
      expect(check(report, "outputHash").ok).to.equal(true);
      expect(check(report, "proof").detail).to.include("does not verify");
    });

    it("fails the attestation check when the attestation's output is not the recorded one", async function () {
      const wrong = encodeTensor(tensor("int32", [1, 3], [1, 2, 3]));
      const report = await verifyZkJobData(withAttestation(attested({ output: wrong })));
      expect(failing(report)).to.deep.equal(["attestation", "proof"]);
      expect(check(report, "attestation").detail).to.equal(
        `the attestation's output hashes to ${keccak256(wrong)}, but the recorded outputHash is ${data.fulfilled!.outputHash}`,
      );
    });

    it("fails the tensors check for an attested output of the wrong shape, and does not check the proof", async function () {
      const wrong = encodeTensor(tensor("int32", [1, 4], [1, 2, 3, 4]));
      const report = await verifyZkJobData({
        ...data,
        fulfilled: { ...data.fulfilled!, output: wrong, outputHash: keccak256(wrong) },
        call: { ...data.call!, result: { ...data.call!.result, output: wrong }, attestation: attested({ output: wrong }) },
      });
      expect(failing(report)).to.deep.equal(["tensors", "proof"]);
      expect(check(report, "tensors").detail).to.equal(
        "the attestation's output does not fit the circuit: Tensor does not fit the ZK circuit: output: shape is [1,4], expected [1,3].",
      );
      expect(check(report, "proof").detail).to.equal("not checked: the tensors do not fit the circuit");
    });

    it("fails the verifying key check, saying it does not match the hash on chain, for a wrong key", async function () {
      const report = await verifyZkJobData({ ...data, verifyingKey: otherVkey() });
      expect(failing(report)).to.deep.equal(["verifyingKey", "proof"]);
      expect(check(report, "verifyingKey").detail).to.include("the verifying key does not match the hash on chain");
    });

    it("fails the attestation check for an attestation that is not abi.encode(a, b, c, input, output)", async function () {
      const report = await verifyZkJobData(withAttestation(data.call!.attestation.slice(0, 2 + 2 * 0x100) as Hex));
      expect(failing(report)).to.deep.equal(["attestation", "tensors", "proof"]);
      expect(check(report, "attestation").detail).to.equal(
        "Malformed Groth16 proof: the attestation is not abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c, bytes input, bytes output): it is 256 bytes, at least 384 are needed.",
      );
    });

    it("fails the model version check when the version named no circuit at the recording block", async function () {
      const report = await verifyZkJobData({ ...data, version: { ...data.version!, zkVerifyingKeyHash: zeroHash } });
      expect(failing(report)).to.deep.equal(["modelVersion", "verifyingKey", "proof"]);
      expect(check(report, "modelVersion").detail).to.include("names no ZK circuit");
    });
  });
});

/** A well-formed verifying key that is not the repo's: its two last IC points swapped. */
function otherVkey(): Groth16VerifyingKey {
  const ic = [...VKEY.IC];
  [ic[ic.length - 2], ic[ic.length - 1]] = [ic[ic.length - 1]!, ic[ic.length - 2]!];
  return { ...VKEY, IC: ic };
}
