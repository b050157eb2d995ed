/**
 * TEE mode with Intel TDX evidence, through the SDK on the in-process chain: a test Intel DCAP authority
 * (createTdxAuthority) issues a v4 TDX quote whose report_data binds the enclave key to its operator at this
 * registry; governance approves the TD's measurement (tdxMeasurement, TEE type 2); 2 of the 3 attestors verify the
 * quote with verifyTdxEvidence (pinned to the test root) and sign; the operator registers the key; a TEE job is
 * fulfilled with it; verifyJob re-verifies the quote (dcap-qvl) at the attestation block's time.
 */
import { expect } from "chai";
import { type Hex, concat, getAddress, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { getBlock, getChainId, readContract } from "viem/actions";
import {
  type AttestorSignature,
  type VerifyJobReport,
  approveMeasurement,
  deployVerity,
  enclaveRegistryAbi,
  fulfillTeeSync,
  publishVersionSync,
  registerEnclaveKey,
  registerModelSync,
  requestInferenceSync,
  setMeasurementAllowed,
  signAttestorApproval,
  stake,
  verifyJob,
} from "../../sdk/src/index.js";
import {
  type TdxAuthority,
  TeeType,
  createTdxAuthority,
  encodeTdxEvidence,
  enclaveKeyBindingDigest,
  evidenceHash,
  tdxMeasurement,
  verifyTdxEvidence,
} from "../../sdk/src/attestation/index.js";
import { type Connection, FEE, INPUT, MODEL_FEE, OPERATOR_STAKE, OUTPUT, connect, mined } from "./helpers.js";
import { ATTESTORS, ATTESTOR_COMMITTEE, ATTESTOR_THRESHOLD } from "./enclave.js";
import { IRIS_IO_SIGNATURE } from "../../sdk/src/model/signatures.js";

const reg = (label: string): Hex => keccak256(toHex(`verity test TD ${label}`)).padEnd(98, "0") as Hex;
/** The test TD's registers: MRTD and RTMR0..3 (48 bytes each). */
const REGISTERS = { mrTd: reg("MRTD"), rtMr0: reg("RTMR0"), rtMr1: reg("RTMR1"), rtMr2: reg("RTMR2"), rtMr3: reg("RTMR3") } as const;
const TDX_MEASUREMENT = tdxMeasurement(REGISTERS);

const check = (report: VerifyJobReport, name: string) => {
  const found = report.checks.find((x) => x.name === name);
  if (!found) throw new Error(`no "${name}" check in ${JSON.stringify(report.checks.map((x) => x.name))}`);
  return found;
};
const failing = (report: VerifyJobReport) => report.checks.filter((x) => !x.ok).map((x) => x.name);
const dataUri = (bytes: Uint8Array) => `data:application/json;base64,${Buffer.from(bytes).toString("base64")}`;

describe("TEE mode with Intel TDX evidence: test DCAP authority -> attestors -> key -> job -> verifyJob (SDK)", function () {
  this.timeout(120_000);
  let c: Connection;
  let authority: TdxAuthority;
  before(async function () {
    c = await connect();
    authority = await createTdxAuthority({ commonName: "Verity SDK test Intel SGX Root CA" });
  });

  async function fulfilledTdx() {
    const deployment = await deployVerity(c.governance, c.publicClient, { treasury: c.treasury.account.address, ...ATTESTOR_COMMITTEE });
    const { hub, operatorRegistry, enclaveRegistry, attestorCommittee } = deployment;
    const { modelId } = await registerModelSync(c.modelOwner, { hub, name: "iris-mlp" });
    const { version } = await publishVersionSync(c.modelOwner, {
      hub,
      modelId,
      artifactHash: keccak256(toHex("model file bytes")),
      uri: "file:models/iris-mlp.onnx",
      modes: ["tee"],
      ioSignature: IRIS_IO_SIGNATURE,
      fee: MODEL_FEE,
    });
    await mined(c, await stake(c.operator, { operatorRegistry, amount: OPERATOR_STAKE }));

    // Governance approves the TD's measurement for Intel TDX; the model owner allows it for the version.
    await mined(c, await approveMeasurement(c.governance, { enclaveRegistry, measurement: TDX_MEASUREMENT, teeType: TeeType.IntelTdx }));
    await mined(c, await setMeasurementAllowed(c.modelOwner, { enclaveRegistry, modelId, version, measurement: TDX_MEASUREMENT }));

    // The TD: a quote whose report_data is the key binding then 32 zero bytes, with collateral current at chain time.
    const enclave = privateKeyToAccount(keccak256(toHex("tdx enclave key 1")));
    const operator = c.operator.account.address;
    const registry = { address: enclaveRegistry, abi: enclaveRegistryAbi } as const;
    const [chainId, block, lifetime, minTeeStake] = await Promise.all([
      getChainId(c.publicClient),
      getBlock(c.publicClient),
      readContract(c.publicClient, { ...registry, functionName: "keyLifetime" }),
      readContract(c.publicClient, { ...registry, functionName: "minTeeStake" }),
    ]);
    const timestamp = new Date(Number(block.timestamp) * 1000);
    const binding = enclaveKeyBindingDigest({ chainId, enclaveRegistry, key: enclave.address, operator });
    const { quote, collateral } = await authority.issueQuote({
      mrTd: REGISTERS.mrTd,
      rtMr: [REGISTERS.rtMr0, REGISTERS.rtMr1, REGISTERS.rtMr2, REGISTERS.rtMr3],
      reportData: concat([binding, `0x${"00".repeat(32)}`]),
      timestamp,
    });
    const evidence = encodeTdxEvidence({ quote, collateral });
    const hash = evidenceHash(evidence);
    const evidenceURI = dataUri(evidence);

    // The attestors: each verifies the quote (test root, this binding, the approved measurement) and signs.
    const expiresAt = block.timestamp + lifetime;
    const claim = { teeType: TeeType.IntelTdx, evidenceHash: hash, measurement: TDX_MEASUREMENT, key: enclave.address, operator, expiresAt };
    const approvals: AttestorSignature[] = [];
    for (const attestor of ATTESTORS.slice(0, ATTESTOR_THRESHOLD)) {
      const verified = await verifyTdxEvidence(evidence, {
        now: timestamp,
        rootCaDer: authority.rootCaDer,
        binding,
        approvedMeasurements: [TDX_MEASUREMENT],
      });
      expect(verified.measurement).to.equal(TDX_MEASUREMENT);
      approvals.push(await signAttestorApproval(attestor, { committee: attestorCommittee, chainId, claim }));
    }
    const receipt = await mined(
      c,
      await registerEnclaveKey(c.operator, {
        enclaveRegistry,
        enclave,
        teeType: TeeType.IntelTdx,
        measurement: TDX_MEASUREMENT,
        evidenceHash: hash,
        evidenceURI,
        expiresAt,
        approvals,
        stake: minTeeStake,
      }),
    );

    const { jobId, job } = await requestInferenceSync(c.requester, { hub, modelId, version, input: INPUT, fee: FEE });
    await fulfillTeeSync(c.operator, { hub, jobId, job, output: OUTPUT, enclave });
    return { ...deployment, enclave, jobId, evidence, evidenceHash: hash, evidenceURI, expiresAt, minTeeStake, receipt };
  }

  it("registers the key on the TDX measurement, and verifyJob with the test root finds the job valid", async function () {
    const s = await c.networkHelpers.loadFixture(fulfilledTdx);
    const key = await readContract(c.publicClient, {
      address: s.enclaveRegistry,
      abi: enclaveRegistryAbi,
      functionName: "getEnclaveKey",
      args: [s.enclave.address],
    });
    expect(key.status).to.equal(1); // active
    expect(key.teeType).to.equal(TeeType.IntelTdx);
    expect(key.measurement).to.equal(TDX_MEASUREMENT);
    expect(key.evidenceHash).to.equal(s.evidenceHash);
    expect(key.operator).to.equal(getAddress(c.operator.account.address));

    const report = await verifyJob(c.publicClient, { hub: s.hub, jobId: s.jobId, attestation: { tdxRootCaDer: authority.rootCaDer } });
    expect(failing(report)).to.deep.equal([]);
    expect(report.verdict).to.equal("valid");
    const evidence = check(report, "evidence").detail;
    expect(evidence).to.include(`Intel TDX quote ${s.evidenceHash} (data:application/json;base64,`);
    expect(evidence).to.include("TCB UpToDate");
    expect(evidence).to.include(`shows measurement ${TDX_MEASUREMENT}`);
    expect(evidence).to.include(`binds key ${s.enclave.address} to operator ${getAddress(c.operator.account.address)}`);
    const signers = ATTESTORS.slice(0, 2).map((a) => a.address).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    expect(evidence).to.include(`vouched for by ${signers.join(", ")}`);

    // The same from the evidence map, without fetching the URI.
    const fromMap = await verifyJob(c.publicClient, {
      hub: s.hub,
      jobId: s.jobId,
      attestation: { tdxRootCaDer: authority.rootCaDer },
      evidence: { [s.evidenceHash]: s.evidence },
      fetchEvidence: async () => {
        throw new Error("not fetched");
      },
    });
    expect(fromMap.verdict).to.equal("valid");
  });

  it("is invalid under the default policy (Intel's root): the quote chains to an untrusted root", async function () {
    const s = await c.networkHelpers.loadFixture(fulfilledTdx);
    const report = await verifyJob(c.publicClient, { hub: s.hub, jobId: s.jobId });
    expect(report.verdict).to.equal("invalid");
    expect(failing(report)).to.deep.equal(["evidence"]);
    const detail = check(report, "evidence").detail;
    expect(detail).to.include("does not verify");
    expect(detail).to.include("untrusted root");
    expect(detail).to.include(authority.rootFingerprint);
  });

  it("is invalid with another test authority's root", async function () {
    const s = await c.networkHelpers.loadFixture(fulfilledTdx);
    const other = await createTdxAuthority();
    const report = await verifyJob(c.publicClient, { hub: s.hub, jobId: s.jobId, attestation: { tdxRootCaDer: other.rootCaDer } });
    expect(report.verdict).to.equal("invalid");
    expect(failing(report)).to.deep.equal(["evidence"]);
    expect(check(report, "evidence").detail).to.include("untrusted root");
  });
});
