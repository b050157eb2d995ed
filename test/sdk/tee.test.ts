import { expect } from "chai";
import { type Hex, concat, keccak256, numberToHex, sliceHex, toHex, zeroAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  InvalidAttestationError,
  TeeType,
  attestorApprovalDigest,
  attestorCommitteeAbi,
  enclaveKeyBindingDigest,
  encodeAttestorApprovals,
  encodeTeeAttestation,
  enclaveRegistryAbi,
  encodeTensor,
  inferenceHubAbi,
  jobCommitment,
  parseTeeAttestation,
  recoverResultSigner,
  requestInferenceSync,
  resultDigest,
  resultTypedData,
  splitStoredCommitment,
  storedJobCommitment,
} from "../../sdk/src/index.js";
import { type Connection, FEE, INPUT, MEASUREMENT, connect, deployTeeSystem } from "./helpers.js";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe("proofs/tee: pure TEE functions match the contracts", function () {
  let c: Connection;
  let s: Awaited<ReturnType<typeof deployTeeSystem>>;
  const enclave = privateKeyToAccount(keccak256(toHex("another enclave")));
  before(async function () {
    c = await connect();
    s = await deployTeeSystem(c);
  });

  const message = () => ({
    hub: s.hub,
    chainId: 31337,
    jobId: 7n,
    modelId: s.modelId,
    version: 1,
    inputHash: keccak256(encodeTensor(INPUT)),
    outputHash: keccak256(toHex("output")),
  });

  it("computes the same result digest as TeeVerifier.resultDigest", async function () {
    const m = message();
    const onChain = await c.publicClient.readContract({
      address: s.enclaveRegistry,
      abi: enclaveRegistryAbi,
      functionName: "resultDigest",
      args: [m.hub, m.jobId, m.modelId, m.version, m.inputHash, m.outputHash, keccak256("0x")],
    });
    expect(resultDigest(m)).to.equal(onChain);
  });

  it("computes the key binding digest as EnclaveRegistry.keyBindingDigest and the approval digest as AttestorCommittee.approvalDigest", async function () {
    const operator = c.operator.account.address;
    const binding = await c.publicClient.readContract({
      address: s.enclaveRegistry,
      abi: enclaveRegistryAbi,
      functionName: "keyBindingDigest",
      args: [enclave.address, operator],
    });
    expect(enclaveKeyBindingDigest({ chainId: 31337, enclaveRegistry: s.enclaveRegistry, key: enclave.address, operator })).to.equal(binding);
    expect(enclaveKeyBindingDigest({ chainId: 1, enclaveRegistry: s.enclaveRegistry, key: enclave.address, operator })).to.not.equal(binding);
    const claim = { teeType: TeeType.AwsNitro, evidenceHash: keccak256(toHex("evidence")), measurement: MEASUREMENT, key: enclave.address, operator, expiresAt: 1234n };
    const onChain = await c.publicClient.readContract({
      address: s.attestorCommittee,
      abi: attestorCommitteeAbi,
      functionName: "approvalDigest",
      args: [claim],
    });
    expect(attestorApprovalDigest({ committee: s.attestorCommittee, chainId: 31337, claim })).to.equal(onChain);
  });

  it("encodes attestor approvals in ascending signer order and refuses none, a repeat or a malformed signature", async function () {
    const approvals = s.attestation.approvals;
    expect(approvals).to.have.length(2);
    const ascending = [...approvals].sort((a, b) => (BigInt(a.attestor) < BigInt(b.attestor) ? -1 : 1));
    expect(encodeAttestorApprovals([...approvals].reverse())).to.equal(concat(ascending.map((a) => a.signature)));
    expect(() => encodeAttestorApprovals([])).to.throw(InvalidAttestationError, "no attestor signed");
    expect(() => encodeAttestorApprovals([approvals[0]!, approvals[0]!])).to.throw(InvalidAttestationError, "signed twice");
    expect(() => encodeAttestorApprovals([{ ...approvals[0]!, signature: sliceHex(approvals[0]!.signature, 0, 64) }])).to.throw(InvalidAttestationError);
  });

  it("recovers the enclave that signed a result, and another address for another chain id", async function () {
    const signature = await enclave.signTypedData(resultTypedData(message()));
    expect(await recoverResultSigner({ ...message(), signature })).to.equal(enclave.address);
    expect(await recoverResultSigner({ ...message(), chainId: 1, signature })).to.not.equal(enclave.address);
  });

  it("refuses a high-s signature, as OpenZeppelin's ECDSA does", async function () {
    const signature = await enclave.signTypedData(resultTypedData(message()));
    const s_ = BigInt(sliceHex(signature, 32, 64));
    const v = Number.parseInt(signature.slice(130), 16);
    const flipped = concat([sliceHex(signature, 0, 32), numberToHex(N - s_, { size: 32 }), numberToHex(v === 27 ? 28 : 27, { size: 1 })]);
    const err = await recoverResultSigner({ ...message(), signature: flipped }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InvalidAttestationError);
    expect((err as Error).message).to.include("malleable");
  });

  it("takes a 65-byte signature as the attestation and refuses any other length", async function () {
    const signature = await enclave.signTypedData(resultTypedData(message()));
    expect(encodeTeeAttestation({ signature })).to.equal(signature);
    expect(parseTeeAttestation(signature)).to.deep.equal({ signature });
    expect(() => parseTeeAttestation(sliceHex(signature, 0, 64))).to.throw(InvalidAttestationError, "64 bytes, not 65");
    expect(() => parseTeeAttestation(concat([MEASUREMENT, signature]))).to.throw(InvalidAttestationError, "97 bytes");
  });

  it("hashes a job as InferenceHub.jobCommitment does, with the status in the stored low byte", async function () {
    const { jobId, job } = await requestInferenceSync(c.requester, { hub: s.hub, modelId: s.modelId, version: 1, input: INPUT, fee: FEE });
    const onChain = await c.publicClient.readContract({ address: s.hub, abi: inferenceHubAbi, functionName: "jobCommitment", args: [jobId, job] });
    expect(jobCommitment(jobId, job)).to.equal(onChain);
    const [, stored] = await c.publicClient.readContract({ address: s.hub, abi: inferenceHubAbi, functionName: "getJob", args: [jobId] });
    expect(storedJobCommitment(jobId, job, "pending")).to.equal(stored);
    expect(splitStoredCommitment(stored).status).to.equal("pending");
    const other: Hex = jobCommitment(jobId, { ...job, requester: zeroAddress });
    expect(other).to.not.equal(onChain);
  });
});
