import { expect } from "chai";
import { type Hex, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  ContractRevertError,
  type TeeJobData,
  type VerifyJobReport,
  encodeTensor,
  fulfillTeeSync,
  getTeeJobData,
  requestInferenceSync,
  resultTypedData,
  revokeMeasurement,
  tensor,
  verifyJob,
  verifyTeeJobData,
} from "../../sdk/src/index.js";
import {
  type Connection,
  FEE,
  INPUT,
  MEASUREMENT,
  OUTPUT,
  connect,
  deployTeeSystem,
  mined,
  rejectsWith,
} from "./helpers.js";

const check = (report: VerifyJobReport, name: string) => {
  const found = report.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no "${name}" check in ${JSON.stringify(report.checks.map((c) => c.name))}`);
  return found;
};
const failing = (report: VerifyJobReport) => report.checks.filter((c) => !c.ok).map((c) => c.name);

describe("verifyJob", function () {
  let c: Connection;
  async function fulfilledJob() {
    const s = await deployTeeSystem(c);
    const { jobId, job } = await requestInferenceSync(c.requester, { hub: s.hub, modelId: s.modelId, version: 1, input: INPUT, fee: FEE });
    const fulfilled = await fulfillTeeSync(c.operator, { hub: s.hub, jobId, job, output: OUTPUT, enclave: s.enclave });
    return { ...s, jobId, job, fulfilled };
  }
  before(async function () {
    c = await connect();
  });

  it("reports a fulfilled TEE job as valid, every check ok, from chain data alone", async function () {
    const s = await c.networkHelpers.loadFixture(fulfilledJob);
    const report = await verifyJob(c.publicClient, { hub: s.hub, jobId: s.jobId, attestation: s.policy });
    expect(failing(report)).to.deep.equal([]);
    expect(report.verdict).to.equal("valid");
    expect(report.checks.map((x) => x.name)).to.deep.equal([
      "chain",
      "mode",
      "commitment",
      "inputHash",
      "status",
      "outputHash",
      "signature",
      "keyRegistration",
      "keyExpiry",
      "evidence",
      "measurementApproval",
      "measurementPolicy",
      "modelVersion",
      "finality",
    ]);
    expect(report.enclaveKey).to.equal(s.enclave.address);
    expect(report.measurement).to.equal(MEASUREMENT);
    expect(report.operator?.toLowerCase()).to.equal(c.operator.account.address);
    expect(report.blockNumber).to.equal(s.fulfilled.receipt.blockNumber);
    expect(check(report, "outputHash").detail).to.include("int32 tensor of shape [1,3]");
  });

  it("still reports valid after the measurement is revoked, because it checks the state at the recording block", async function () {
    const s = await c.networkHelpers.loadFixture(fulfilledJob);
    await mined(c, await revokeMeasurement(c.governance, { enclaveRegistry: s.enclaveRegistry, measurement: MEASUREMENT }));
    const report = await verifyJob(c.publicClient, { hub: s.hub, jobId: s.jobId, attestation: s.policy });
    expect(report.verdict).to.equal("valid");
    expect(check(report, "measurementApproval").detail).to.include(`approved by governance at block ${report.blockNumber}`);
    // ...while a new result from the same enclave is now refused on chain.
    const next = await requestInferenceSync(c.requester, { hub: s.hub, modelId: s.modelId, version: 1, input: INPUT, fee: FEE });
    const err = await rejectsWith(
      fulfillTeeSync(c.operator, { hub: s.hub, jobId: next.jobId, job: next.job, output: OUTPUT, enclave: s.enclave }),
      ContractRevertError,
    );
    expect(err.errorName).to.equal("TeeMeasurementNotApproved");
  });

  it("fails the chain and signature checks, saying why, when verified for another chain id", async function () {
    const s = await c.networkHelpers.loadFixture(fulfilledJob);
    const report = await verifyJob(c.publicClient, { hub: s.hub, jobId: s.jobId, chainId: 1, attestation: s.policy });
    expect(report.verdict).to.equal("invalid");
    expect(check(report, "chain")).to.deep.include({ ok: false });
    expect(check(report, "chain").detail).to.equal("verifying for chain 1, but the RPC serves chain 31337");
    const signature = check(report, "signature");
    expect(signature.ok).to.equal(false);
    expect(signature.detail).to.include("on chain 1");
    expect(signature.detail).to.include("not a registered enclave key");
  });

  it("reports a job without a result as pending", async function () {
    const s = await c.networkHelpers.loadFixture(fulfilledJob);
    const { jobId } = await requestInferenceSync(c.requester, { hub: s.hub, modelId: s.modelId, version: 1, input: INPUT, fee: FEE });
    const report = await verifyJob(c.publicClient, { hub: s.hub, jobId });
    expect(report.verdict).to.equal("pending");
    expect(check(report, "status").detail).to.equal("the job has no result yet");
    expect(check(report, "commitment").ok).to.equal(true);
  });

  it("reports a result as pending until it has the confirmations asked for", async function () {
    const s = await c.networkHelpers.loadFixture(fulfilledJob);
    const early = await verifyJob(c.publicClient, { hub: s.hub, jobId: s.jobId, confirmations: 3n, attestation: s.policy });
    expect(early.verdict).to.equal("pending");
    expect(failing(early)).to.deep.equal(["finality"]);
    await c.networkHelpers.mine(2);
    expect((await verifyJob(c.publicClient, { hub: s.hub, jobId: s.jobId, confirmations: 3n, attestation: s.policy })).verdict).to.equal("valid");
  });

  describe("the pure core (verifyTeeJobData) on tampered data", function () {
    let data: TeeJobData;
    before(async function () {
      const s = await c.networkHelpers.loadFixture(fulfilledJob);
      data = await getTeeJobData(c.publicClient, { hub: s.hub, jobId: s.jobId, attestation: s.policy });
    });

    it("accepts the untampered data", async function () {
      expect((await verifyTeeJobData(data)).verdict).to.equal("valid");
    });

    it("fails the output hash check when the output bytes were changed", async function () {
      const tampered = encodeTensor(tensor("int32", [1, 3], [9, 7, 11]));
      const report = await verifyTeeJobData({ ...data, fulfilled: { ...data.fulfilled!, output: tampered } });
      expect(report.verdict).to.equal("invalid");
      expect(failing(report)).to.include("outputHash");
      expect(check(report, "outputHash").detail).to.match(/keccak256 of the output is 0x[0-9a-f]{64}, but the recorded outputHash is/);
    });

    it("fails the signature check when output and output hash were both swapped", async function () {
      const tampered = encodeTensor(tensor("int32", [1, 3], [9, 7, 11]));
      const report = await verifyTeeJobData({
        ...data,
        fulfilled: { ...data.fulfilled!, output: tampered, outputHash: keccak256(tampered) },
        call: { ...data.call!, result: { ...data.call!.result, output: tampered } },
      });
      expect(check(report, "outputHash").ok).to.equal(true);
      expect(check(report, "signature").ok).to.equal(false);
      expect(check(report, "signature").detail).to.include("not a registered enclave key");
      expect(report.verdict).to.equal("invalid");
    });

    it("fails the measurement approval check when the registry says revoked at the recording block", async function () {
      const report = await verifyTeeJobData({ ...data, registry: { ...data.registry!, measurementStatus: "revoked" } });
      expect(failing(report)).to.deep.equal(["measurementApproval"]);
      expect(check(report, "measurementApproval").detail).to.equal(
        `measurement ${MEASUREMENT} is revoked at block ${data.fulfilled!.blockNumber}`,
      );
    });

    it("fails the key registration check for a revoked key, a key with no stake, or one credited to someone else", async function () {
      const revoked = await verifyTeeJobData({
        ...data,
        registry: { ...data.registry!, enclaveKey: { ...data.registry!.enclaveKey, status: "revoked" } },
      });
      expect(failing(revoked)).to.deep.equal(["keyRegistration"]);
      expect(check(revoked, "keyRegistration").detail).to.include(`is revoked at block ${data.fulfilled!.blockNumber}`);
      const unstaked = await verifyTeeJobData({
        ...data,
        registry: { ...data.registry!, enclaveKey: { ...data.registry!.enclaveKey, stake: 0n } },
      });
      expect(failing(unstaked)).to.deep.equal(["keyRegistration"]);
      expect(check(unstaked, "keyRegistration").detail).to.include("has no stake locked behind it");
      const other = await verifyTeeJobData({ ...data, fulfilled: { ...data.fulfilled!, operator: c.other.account.address } });
      expect(check(other, "keyRegistration").detail).to.include("but the hub credited");
    });

    it("fails the key expiry check when the key's attestation had expired at the recording block", async function () {
      const expired = Number(data.registry!.blockTimestamp) - 1;
      const report = await verifyTeeJobData({
        ...data,
        registry: { ...data.registry!, enclaveKey: { ...data.registry!.enclaveKey, expiresAt: expired } },
      });
      expect(failing(report)).to.deep.equal(["keyExpiry"]);
      expect(check(report, "keyExpiry").detail).to.equal(
        `the key's attestation expired at ${expired}, before the recording block (${data.registry!.blockTimestamp})`,
      );
    });

    it("fails the evidence check when no attestation holds the key's evidence, or its evidence could not be had", async function () {
      const none = await verifyTeeJobData({ ...data, registry: { ...data.registry!, attestation: undefined } });
      expect(failing(none)).to.deep.equal(["evidence"]);
      expect(check(none, "evidence").detail).to.equal(
        `no EnclaveKeyAttested event holds the key's evidence ${data.registry!.enclaveKey.evidenceHash}`,
      );
      const problem = "the evidence at ipfs://gone could not be fetched: HTTP 404";
      const unfetched = await verifyTeeJobData({
        ...data,
        registry: { ...data.registry!, attestation: { ...data.registry!.attestation!, evidence: { problem } } },
      });
      expect(failing(unfetched)).to.deep.equal(["evidence"]);
      expect(check(unfetched, "evidence").detail).to.equal(problem);
    });

    it("fails the measurement policy check when the model owner did not allow the measurement", async function () {
      const report = await verifyTeeJobData({ ...data, registry: { ...data.registry!, measurementAllowed: false } });
      expect(failing(report)).to.deep.equal(["measurementPolicy"]);
    });

    it("fails the commitment check when the event's job was altered", async function () {
      const report = await verifyTeeJobData({
        ...data,
        requested: { ...data.requested, job: { ...data.requested.job, fee: data.requested.job.fee + 1n } },
      });
      expect(failing(report)).to.include("commitment");
      expect(check(report, "commitment").detail).to.include("but the hub stores");
    });

    it("fails the input hash check for input that is not a canonical tensor", async function () {
      const bad: Hex = "0x0102";
      const report = await verifyTeeJobData({
        ...data,
        requested: { ...data.requested, input: bad, job: { ...data.requested.job, inputHash: keccak256(bad) } },
      });
      expect(check(report, "inputHash").ok).to.equal(false);
      expect(check(report, "inputHash").detail).to.include("not a canonical tensor");
    });

    it("fails the signature check for a signature by an unregistered key", async function () {
      const stranger = privateKeyToAccount(keccak256(toHex("stranger")));
      const signature = await stranger.signTypedData(
        resultTypedData({
          hub: data.hub,
          chainId: data.chainId,
          jobId: data.jobId,
          modelId: data.requested.job.modelId,
          version: data.requested.job.version,
          inputHash: data.requested.job.inputHash,
          outputHash: data.fulfilled!.outputHash,
        }),
      );
      const report = await verifyTeeJobData({ ...data, call: { ...data.call!, attestation: signature } });
      expect(report.enclaveKey).to.equal(stranger.address);
      expect(check(report, "signature").ok).to.equal(false);
      expect(check(report, "keyRegistration").ok).to.equal(false);
    });

    it("fails the signature check for a malformed attestation", async function () {
      const report = await verifyTeeJobData({ ...data, call: { ...data.call!, attestation: "0x1234" } });
      expect(check(report, "signature").detail).to.include("2 bytes, not 65");
    });
  });
});
