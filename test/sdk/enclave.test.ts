/**
 * TEE mode for real, through the SDK on the in-process chain: an enclave key counts only with verified attestation
 * evidence (a Nitro-format document from the test authority, approved by 2 of 3 attestors) and stake behind it.
 * `verifyJob` re-verifies the evidence down to the root it trusts; keys expire, are re-attested, revoked, released
 * after KEY_RELEASE_DELAY, and slashed by `disputeTeeResult` with a ZK proof of the job's true output.
 */
import { expect } from "chai";
import { type Address, getAddress, keccak256, parseEventLogs, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { readContract } from "viem/actions";
import {
  ContractRevertError,
  InvalidParameterError,
  getEnclaveKeyHistory,
  DEFAULT_MIN_TEE_STAKE,
  type VerifyJobReport,
  disputeTeeResult,
  enclaveRegistryAbi,
  fulfillTeeSync,
  inferenceHubAbi,
  operatorRegistryAbi,
  publishVersionSync,
  quoteEvidenceUri,
  releaseEnclaveKey,
  requestInferenceSync,
  revokeEnclaveKey,
  setMeasurementAllowed,
  tensor,
  verifyJob,
} from "../../sdk/src/index.js";
import { loadIrisModel, loadIrisOnnx } from "../../sdk/src/model/iris.js";
import { mlpForward } from "../../sdk/src/model/mlp.js";
import { releaseZkWorkers, vkeyHash } from "../../sdk/src/proofs/zk.js";
import { modelCommitment, proveMlp } from "../../sdk/src/prover/prove.js";
import { REPO_VERIFYING_KEY_FILE, zkVerifyingKeysFromFiles } from "../../sdk/src/prover/keys.js";
import { zkArtifactsIn } from "../../sdk/src/prover/artifacts.js";
import {
  type Connection,
  FEE,
  INPUT,
  MEASUREMENT,
  MODEL_FEE,
  OUTPUT,
  type TeeSystem,
  connect,
  deployTeeSystem,
  mined,
  rejectsWith,
} from "./helpers.js";
import { ATTESTORS, EVIDENCE, attestEnclave, prepareEnclaveAttestation, reattestEnclave } from "./enclave.js";
import { IRIS_IO_SIGNATURE } from "../../sdk/src/model/signatures.js";

const check = (report: VerifyJobReport, name: string) => {
  const found = report.checks.find((x) => x.name === name);
  if (!found) throw new Error(`no "${name}" check in ${JSON.stringify(report.checks.map((x) => x.name))}`);
  return found;
};
const failing = (report: VerifyJobReport) => report.checks.filter((x) => !x.ok).map((x) => x.name);
/** KeyStatus as numbered on chain. */
const KEY = { none: 0, active: 1, revoked: 2, slashed: 3, released: 4 } as const;
/** EnclaveRegistry.KEY_RELEASE_DELAY: 6 days. */
const KEY_RELEASE_DELAY = 6n * 24n * 3600n;
const NATIVE = "0x0000000000000000000000000000000000000000" as const;

describe("TEE mode for real: evidence, attestors, stake, expiry, revocation and disputes (SDK)", function () {
  this.timeout(120_000);
  let c: Connection;
  before(async function () {
    c = await connect();
  });

  const teeSystem = () => deployTeeSystem(c);
  const keyOf = (s: TeeSystem, key: Address) =>
    readContract(c.publicClient, { address: s.enclaveRegistry, abi: enclaveRegistryAbi, functionName: "getEnclaveKey", args: [key] });
  const operatorOf = (s: TeeSystem, operator: Address = c.operator.account.address) =>
    readContract(c.publicClient, { address: s.operatorRegistry, abi: operatorRegistryAbi, functionName: "getOperator", args: [operator] });
  const creditOf = (s: TeeSystem, account: Address) =>
    readContract(c.publicClient, { address: s.hub, abi: inferenceHubAbi, functionName: "creditOf", args: [account, NATIVE] });
  const statusOf = async (s: TeeSystem, jobId: bigint) =>
    (await readContract(c.publicClient, { address: s.hub, abi: inferenceHubAbi, functionName: "getJob", args: [jobId] }))[0];
  /** What a refused fulfilment must leave as it was: the job pending, the operator's credit, the hub's balance. */
  const ledger = async (s: TeeSystem, jobId: bigint) => ({
    status: await statusOf(s, jobId),
    credit: await creditOf(s, c.operator.account.address),
    hub: await c.publicClient.getBalance({ address: s.hub }),
  });
  const request = (s: TeeSystem, version = 1) =>
    requestInferenceSync(c.requester, { hub: s.hub, modelId: s.modelId, version, input: INPUT, fee: FEE });

  describe("end to end", function () {
    async function fulfilled() {
      const s = await teeSystem();
      const { jobId, job } = await request(s);
      const result = await fulfillTeeSync(c.operator, { hub: s.hub, jobId, job, output: OUTPUT, enclave: s.enclave });
      return { ...s, jobId, job, result };
    }

    it("evidence -> attestors -> active key with stake -> signed result -> fulfilled -> verifyJob valid down to the test root", async function () {
      const s = await c.networkHelpers.loadFixture(fulfilled);
      // The key: active on the measurement, its stake locked in the operator registry, the evidence on record.
      const key = await keyOf(s, s.enclave.address);
      expect(key.status).to.equal(KEY.active);
      expect(key.operator).to.equal(getAddress(c.operator.account.address));
      expect(key.teeType).to.equal(1);
      expect(key.measurement).to.equal(MEASUREMENT);
      expect(key.evidenceHash).to.equal(s.attestation.evidenceHash);
      expect(key.stake).to.equal(DEFAULT_MIN_TEE_STAKE);
      expect(BigInt(key.expiresAt)).to.equal(s.attestation.expiresAt);
      expect((await operatorOf(s)).locked).to.equal(DEFAULT_MIN_TEE_STAKE);
      const active = await readContract(c.publicClient, {
        address: s.enclaveRegistry,
        abi: enclaveRegistryAbi,
        functionName: "activeEnclaveOperator",
        args: [s.enclave.address, MEASUREMENT],
      });
      expect(active).to.equal(getAddress(c.operator.account.address));
      // The attestation event names the evidence URI and who vouched for it, in ascending order.
      const [attested] = parseEventLogs({ abi: enclaveRegistryAbi, eventName: "EnclaveKeyAttested", logs: s.attestation.receipt.logs });
      expect(attested!.args.evidenceURI).to.equal(s.attestation.evidenceURI);
      expect(attested!.args.evidenceURI.startsWith("data:application/cbor;base64,")).to.equal(true);
      const signers = ATTESTORS.slice(0, 2).map((a) => a.address).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      expect(attested!.args.attestors).to.deep.equal(signers);

      const report = await verifyJob(c.publicClient, { hub: s.hub, jobId: s.jobId, attestation: s.policy });
      expect(failing(report)).to.deep.equal([]);
      expect(report.verdict).to.equal("valid");
      const evidence = check(report, "evidence").detail;
      expect(evidence).to.include(`AWS Nitro document ${s.attestation.evidenceHash} (data:application/cbor;base64,`);
      expect(evidence).to.include(`... (${s.attestation.evidenceURI.length} characters)`);
      expect(evidence).to.include(`chains to root ${s.attestation.authority.rootFingerprint}`);
      expect(evidence).to.include(`shows measurement ${MEASUREMENT}`);
      expect(evidence).to.include(`binds key ${s.enclave.address} to operator ${getAddress(c.operator.account.address)}`);
      expect(evidence).to.include(`vouched for by ${signers.join(", ")}`);
      expect(check(report, "keyExpiry").detail).to.include(`expires at ${key.expiresAt}`);
      expect(check(report, "keyRegistration").detail).to.include(`with ${DEFAULT_MIN_TEE_STAKE} of stake locked behind it`);
    });

    it("the same job under the default policy (AWS's root only) is invalid: the evidence chains to an untrusted root", async function () {
      const s = await c.networkHelpers.loadFixture(fulfilled);
      const report = await verifyJob(c.publicClient, { hub: s.hub, jobId: s.jobId });
      expect(report.verdict).to.equal("invalid");
      expect(failing(report)).to.deep.equal(["evidence"]);
      const detail = check(report, "evidence").detail;
      expect(detail).to.include("does not verify");
      expect(detail).to.include(`untrusted root`);
      expect(detail).to.include(s.attestation.authority.rootFingerprint);
    });

    it("evidence replaced by other bytes (at the URI, or in the evidence map) is invalid: it hashes to something else", async function () {
      const s = await c.networkHelpers.loadFixture(fulfilled);
      const tampered = Uint8Array.from(s.attestation.evidence);
      tampered[tampered.length - 1]! ^= 0x01; // the last byte of the COSE signature
      const fetched: string[] = [];
      const atUri = await verifyJob(c.publicClient, {
        hub: s.hub,
        jobId: s.jobId,
        attestation: s.policy,
        fetchEvidence: async (uri) => {
          fetched.push(uri);
          return tampered;
        },
      });
      expect(fetched).to.deep.equal([s.attestation.evidenceURI]);
      // Reports quote a long (data:) URI by its start and length, a short one whole.
      expect(quoteEvidenceUri("ipfs://bafy/evidence.cbor")).to.equal("ipfs://bafy/evidence.cbor");
      expect(atUri.verdict).to.equal("invalid");
      expect(failing(atUri)).to.deep.equal(["evidence"]);
      expect(check(atUri, "evidence").detail).to.equal(
        `the evidence at ${quoteEvidenceUri(s.attestation.evidenceURI)} hashes to ${keccak256(tampered)}, not ${s.attestation.evidenceHash} as on chain`,
      );
      const inMap = await verifyJob(c.publicClient, {
        hub: s.hub,
        jobId: s.jobId,
        attestation: s.policy,
        evidence: { [s.attestation.evidenceHash]: toHex(tampered) },
      });
      expect(failing(inMap)).to.deep.equal(["evidence"]);
      expect(check(inMap, "evidence").detail).to.include(`hashes to ${keccak256(tampered)}`);
      // The genuine bytes from the map verify without fetching anything.
      const genuine = await verifyJob(c.publicClient, {
        hub: s.hub,
        jobId: s.jobId,
        attestation: s.policy,
        evidence: EVIDENCE,
        fetchEvidence: async () => {
          throw new Error("not fetched");
        },
      });
      expect(genuine.verdict).to.equal("valid");
    });

    it("evidence that binds another operator, approved by careless attestors, counts on chain but verifyJob finds it invalid", async function () {
      const s = await c.networkHelpers.loadFixture(fulfilled);
      // The attestors are a trust assumption: here they sign without checking a document made for another operator.
      const enclave = privateKeyToAccount(keccak256(toHex("enclave bound to another operator")));
      const attestation = await attestEnclave(c, {
        deployment: s,
        enclave,
        operatorWallet: c.operator,
        bind: { operator: c.other.account.address },
        attestorsCheck: false,
      });
      expect((await keyOf(s, enclave.address)).status).to.equal(KEY.active);
      const { jobId, job } = await request(s);
      await fulfillTeeSync(c.operator, { hub: s.hub, jobId, job, output: OUTPUT, enclave });
      const report = await verifyJob(c.publicClient, { hub: s.hub, jobId, attestation: s.policy });
      expect(report.verdict).to.equal("invalid");
      expect(failing(report)).to.deep.equal(["evidence"]);
      const detail = check(report, "evidence").detail;
      expect(detail).to.include(`the evidence at ${quoteEvidenceUri(attestation.evidenceURI)} does not verify`);
      expect(detail.length).to.be.below(600);
      expect(detail).to.include("does not bind the expected key: user_data is");
      // And an honest attestor would have refused to sign it.
      const refused = await prepareEnclaveAttestation(c, {
        deployment: s,
        enclave: privateKeyToAccount(keccak256(toHex("another enclave bound to another operator"))),
        operatorWallet: c.operator,
        bind: { operator: c.other.account.address },
      }).catch((e: unknown) => e);
      expect((refused as Error).name).to.equal("AttestationBindingError");
    });
  });

  describe("expiry and re-attestation", function () {
    it("the hub refuses a result from a key whose attestation expired (TeeKeyExpired); after reattestEnclaveKey it fulfils", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const enclave = privateKeyToAccount(keccak256(toHex("short-lived enclave")));
      const first = await attestEnclave(c, { deployment: s, enclave, operatorWallet: c.operator, expiresIn: 3600n });
      const before = await keyOf(s, enclave.address);
      expect(BigInt(before.expiresAt)).to.equal(first.expiresAt);
      await c.networkHelpers.time.increaseTo(first.expiresAt + 1n);

      const { jobId, job } = await request(s);
      const held = await ledger(s, jobId);
      const err = await rejectsWith(fulfillTeeSync(c.operator, { hub: s.hub, jobId, job, output: OUTPUT, enclave }), ContractRevertError);
      expect(err.errorName).to.equal("TeeKeyExpired");
      expect(err.args).to.deep.equal([enclave.address, first.expiresAt]);
      expect(await ledger(s, jobId)).to.deep.equal(held);
      expect(held.status).to.equal(1); // pending

      const second = await reattestEnclave(c, { deployment: s, enclave, operatorWallet: c.operator, expiresIn: 3600n });
      const after = await keyOf(s, enclave.address);
      expect(after.status).to.equal(KEY.active);
      expect(after.evidenceHash).to.equal(second.evidenceHash).and.not.equal(first.evidenceHash);
      expect(BigInt(after.expiresAt)).to.equal(second.expiresAt);
      expect(after.stake).to.equal(before.stake);
      await fulfillTeeSync(c.operator, { hub: s.hub, jobId, job, output: OUTPUT, enclave });
      expect(await statusOf(s, jobId)).to.equal(2); // fulfilled
      // verifyJob judges the attestation in force at the recording block: the re-attestation's evidence.
      const report = await verifyJob(c.publicClient, { hub: s.hub, jobId, attestation: s.policy });
      expect(report.verdict).to.equal("valid");
      expect(check(report, "evidence").detail).to.include(`AWS Nitro document ${second.evidenceHash}`);
    });
  });

  describe("revocation and release", function () {
    it("revokeEnclaveKey stops the key at once; releaseEnclaveKey before KEY_RELEASE_DELAY is refused, after it unlocks the stake", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const key = s.enclave.address;
      const signed = await request(s);
      await fulfillTeeSync(c.operator, { hub: s.hub, jobId: signed.jobId, job: signed.job, output: OUTPUT, enclave: s.enclave });

      // Only the operator (or governance) may revoke.
      const stranger = await rejectsWith(revokeEnclaveKey(c.other, { enclaveRegistry: s.enclaveRegistry, key }), ContractRevertError);
      expect(stranger.errorName).to.equal("EnclaveKeyNotOwned");
      expect(stranger.args).to.deep.equal([key, getAddress(c.other.account.address)]);
      expect((await keyOf(s, key)).status).to.equal(KEY.active);

      const receipt = await mined(c, await revokeEnclaveKey(c.operator, { enclaveRegistry: s.enclaveRegistry, key }));
      const revokedAt = (await c.publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp;
      const revoked = await keyOf(s, key);
      expect(revoked.status).to.equal(KEY.revoked);
      expect(BigInt(revoked.releaseAt)).to.equal(revokedAt + KEY_RELEASE_DELAY);
      expect(revoked.stake).to.equal(DEFAULT_MIN_TEE_STAKE);

      // It signs nothing from now on; what it signed before still verifies (state at the recording block).
      const { jobId, job } = await request(s);
      const held = await ledger(s, jobId);
      const refused = await rejectsWith(fulfillTeeSync(c.operator, { hub: s.hub, jobId, job, output: OUTPUT, enclave: s.enclave }), ContractRevertError);
      expect(refused.errorName).to.equal("TeeUnknownKey");
      expect(refused.args).to.deep.equal([key]);
      expect(await ledger(s, jobId)).to.deep.equal(held);
      expect((await verifyJob(c.publicClient, { hub: s.hub, jobId: signed.jobId, attestation: s.policy })).verdict).to.equal("valid");

      // Its stake stays locked for KEY_RELEASE_DELAY, so what it signed can still be disputed.
      const locked = await operatorOf(s);
      const early = await rejectsWith(releaseEnclaveKey(c.operator, { enclaveRegistry: s.enclaveRegistry, key }), ContractRevertError);
      expect(early.errorName).to.equal("EnclaveKeyNotReleasable");
      expect(early.args).to.deep.equal([key, KEY.revoked, BigInt(revoked.releaseAt)]);
      expect(await operatorOf(s)).to.deep.equal(locked);
      expect(await keyOf(s, key)).to.deep.equal(revoked);

      await c.networkHelpers.time.increaseTo(BigInt(revoked.releaseAt));
      const released = await mined(c, await releaseEnclaveKey(c.operator, { enclaveRegistry: s.enclaveRegistry, key }));
      const [event] = parseEventLogs({ abi: enclaveRegistryAbi, eventName: "EnclaveKeyReleased", logs: released.logs });
      expect(event!.args).to.deep.equal({ key, operator: getAddress(c.operator.account.address), stake: DEFAULT_MIN_TEE_STAKE });
      const after = await keyOf(s, key);
      expect(after.status).to.equal(KEY.released);
      expect(after.stake).to.equal(0n);
      expect((await operatorOf(s)).locked).to.equal(locked.locked - DEFAULT_MIN_TEE_STAKE);
      expect((await operatorOf(s)).stake).to.equal(locked.stake);
      // Once.
      const again = await rejectsWith(releaseEnclaveKey(c.operator, { enclaveRegistry: s.enclaveRegistry, key }), ContractRevertError);
      expect(again.errorName).to.equal("EnclaveKeyNotReleasable");
      expect(again.args).to.deep.equal([key, KEY.released, 0n]);

      // The key's whole story, from events: what an explorer shows.
      const history = await getEnclaveKeyHistory(c.publicClient, { enclaveRegistry: s.enclaveRegistry, key });
      expect(history.status).to.equal("released");
      expect(history.events.map((e) => e.kind)).to.deep.equal(["registered", "attested", "revoked", "released"]);
      const [registered, attested, revokedEvent, releasedEvent] = history.events;
      expect(registered).to.deep.include({ kind: "registered", operator: getAddress(c.operator.account.address), teeType: 1, stake: DEFAULT_MIN_TEE_STAKE });
      expect(attested).to.deep.include({ kind: "attested", evidenceHash: revoked.evidenceHash });
      expect(attested?.kind === "attested" ? attested.attestors.length : 0).to.equal(2);
      expect(revokedEvent).to.deep.include({ kind: "revoked", by: getAddress(c.operator.account.address), releaseAt: BigInt(revoked.releaseAt) });
      expect(releasedEvent).to.deep.include({ kind: "released", stake: DEFAULT_MIN_TEE_STAKE, blockNumber: released.blockNumber });
      const bad = await rejectsWith(getEnclaveKeyHistory(c.publicClient, { enclaveRegistry: s.enclaveRegistry, key: "0x1234" as Address }), InvalidParameterError);
      expect(bad.message).to.contain("key");
    });
  });

  describe("disputeTeeResult", function () {
    const IRIS = loadIrisModel();
    const IRIS_INPUT = tensor("int8", [1, 4], [82, 56, 22, 3]);
    const TRUE_OUTPUT = tensor("int32", [1, 3], mlpForward(IRIS.weights, IRIS_INPUT.values));
    const WRONG_OUTPUT = tensor("int32", [1, 3], [TRUE_OUTPUT.values[2]!, TRUE_OUTPUT.values[1]!, TRUE_OUTPUT.values[0]!]);
    const KEYS = zkVerifyingKeysFromFiles(REPO_VERIFYING_KEY_FILE);
    after(releaseZkWorkers);

    /** The TEE system with a version that also has the reference ZK circuit (so TEE results can be disputed). */
    async function disputable() {
      // The commitment before any proof (circomlibjs's ffjavascript clears snarkjs's curve when it loads).
      const commitment = toHex(await modelCommitment(IRIS.weights), { size: 32 });
      const s = await teeSystem();
      const { version } = await publishVersionSync(c.modelOwner, {
        hub: s.hub,
        modelId: s.modelId,
        artifactHash: keccak256(loadIrisOnnx()),
        uri: "file:models/iris-mlp.onnx",
        modes: ["tee", "zk"],
        ioSignature: IRIS_IO_SIGNATURE,
        fee: MODEL_FEE,
        zk: { verifier: s.groth16VerifierMlp, modelCommitment: commitment, verifyingKeyHash: vkeyHash(Object.values(KEYS)[0]!) },
      });
      await mined(c, await setMeasurementAllowed(c.modelOwner, { enclaveRegistry: s.enclaveRegistry, modelId: s.modelId, version, measurement: MEASUREMENT }));
      return { ...s, version };
    }
    const requestIris = (s: TeeSystem, version: number) =>
      requestInferenceSync(c.requester, { hub: s.hub, modelId: s.modelId, version, mode: "tee", input: IRIS_INPUT, fee: FEE });
    const prove = (jobId: bigint, submitter: Address) =>
      proveMlp({ weights: IRIS.weights, input: IRIS_INPUT, artifacts: zkArtifactsIn(), jobId, submitter });
    const slashState = async (s: TeeSystem) => ({
      key: await keyOf(s, s.enclave.address),
      operator: await operatorOf(s),
      credit: await readContract(c.publicClient, { address: s.operatorRegistry, abi: operatorRegistryAbi, functionName: "slashCreditOf", args: [c.other.account.address] }),
      burned: await readContract(c.publicClient, { address: s.operatorRegistry, abi: operatorRegistryAbi, functionName: "burned" }),
    });

    it("slashes the key that signed a wrong result: status slashed, half its stake to the disputer, half burned", async function () {
      const s = await c.networkHelpers.loadFixture(disputable);
      const { jobId, job } = await requestIris(s, s.version);
      await fulfillTeeSync(c.operator, { hub: s.hub, jobId, job, output: WRONG_OUTPUT, enclave: s.enclave });
      const before = await slashState(s);
      expect(before.key.status).to.equal(KEY.active);

      const proved = await prove(jobId, c.other.account.address);
      expect(proved.output).to.deep.equal(TRUE_OUTPUT);
      const receipt = await mined(c, await disputeTeeResult(c.other, { hub: s.hub, jobId, output: proved.output, proof: proved.proof }));

      const stake = before.key.stake;
      const after = await slashState(s);
      expect(after.key.status).to.equal(KEY.slashed);
      expect(after.key.stake).to.equal(0n);
      expect(after.credit - before.credit).to.equal(stake / 2n);
      expect(after.burned - before.burned).to.equal(stake - stake / 2n);
      expect(after.operator.stake).to.equal(before.operator.stake - stake);
      expect(after.operator.locked).to.equal(before.operator.locked - stake);
      const [event] = parseEventLogs({ abi: enclaveRegistryAbi, eventName: "TeeResultDisputed", logs: receipt.logs });
      expect(event!.args.jobId).to.equal(jobId);
      expect(event!.args.key).to.equal(s.enclave.address);
      expect(event!.args.disputer).to.equal(getAddress(c.other.account.address));
      // The key signs nothing any more, and cannot be slashed twice.
      const next = await requestIris(s, s.version);
      const refused = await rejectsWith(
        fulfillTeeSync(c.operator, { hub: s.hub, jobId: next.jobId, job: next.job, output: TRUE_OUTPUT, enclave: s.enclave }),
        ContractRevertError,
      );
      expect(refused.errorName).to.equal("TeeUnknownKey");
      const twice = await rejectsWith(disputeTeeResult(c.other, { hub: s.hub, jobId, output: proved.output, proof: proved.proof }), ContractRevertError);
      expect(twice.errorName).to.equal("EnclaveDisputeKeyNotSlashable");
      expect(twice.args).to.deep.equal([s.enclave.address, KEY.slashed]);
      expect(await slashState(s)).to.deep.equal(after);
    });

    it("refuses to dispute a right result (EnclaveDisputeOutputsAgree) and moves nothing", async function () {
      const s = await c.networkHelpers.loadFixture(disputable);
      const { jobId, job } = await requestIris(s, s.version);
      await fulfillTeeSync(c.operator, { hub: s.hub, jobId, job, output: TRUE_OUTPUT, enclave: s.enclave });
      const before = await slashState(s);
      const proved = await prove(jobId, c.other.account.address);
      const err = await rejectsWith(disputeTeeResult(c.other, { hub: s.hub, jobId, output: proved.output, proof: proved.proof }), ContractRevertError);
      expect(err.errorName).to.equal("EnclaveDisputeOutputsAgree");
      expect(err.args[0]).to.equal(jobId);
      expect(await slashState(s)).to.deep.equal(before);
      expect((await verifyJob(c.publicClient, { hub: s.hub, jobId, attestation: s.policy })).verdict).to.equal("valid");
    });
  });
});
