/**
 * Shared ethers fixtures for contract tests and the gas bench: deploys the whole system (OperatorRegistry,
 * EnclaveRegistry with a 2-of-3 AttestorCommittee as the attestation verifier of both TEE types, InferenceHub),
 * registers a model with a version, stakes an operator and registers its enclave key through the committee, and
 * offers helpers to request and fulfil jobs.
 */
import { ethers as ethersLib } from "ethers";
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type {
  AttestorCommittee,
  EnclaveRegistry,
  ExampleConsumer,
  InferenceHub,
  OperatorRegistry,
  TestToken,
} from "../../types/ethers-contracts/index.js";
import type { IInferenceHub } from "../../types/ethers-contracts/InferenceHub.js";
import { encodeTensor, tensor } from "../../sdk/src/encoding/tensor.js";
import { encodeIoSignature } from "../../sdk/src/encoding/ioSignature.js";
import { IRIS_IO_SIGNATURE } from "../../sdk/src/model/signatures.js";

export const MODE_TEE = 1;
export const MODE_ZK = 2;
export const MODE_QUORUM = 3;
export const MODE_OPTIMISTIC = 4;
export const modeBit = (...modes: number[]) => modes.reduce((a, m) => a | (1 << m), 0);

export const MEASUREMENT = ethersLib.id("verity-enclave-v1");
export const OTHER_MEASUREMENT = ethersLib.id("verity-enclave-v2");
/** keccak256 of the fixture's attestation evidence (a stand-in: the committee vouches for it, nothing parses it). */
export const EVIDENCE_HASH = ethersLib.id("attestation evidence");
export const EVIDENCE_URI = "ipfs://attestation-evidence";
/** The old name of the evidence hash (the OperatorRegistry's attestation document hash). */
export const ATTESTATION_DOC_HASH = EVIDENCE_HASH;
export const UNBONDING_DELAY = 7n * 24n * 3600n;
/** TEE types: 1 AWS Nitro, 2 Intel TDX. */
export const TEE_NITRO = 1;
export const TEE_TDX = 2;
/** The EnclaveRegistry's longest key life on one attestation, and least stake behind a key. */
export const KEY_LIFETIME = 7n * 24n * 3600n;
export const MIN_TEE_STAKE = ethersLib.parseEther("0.1");
/** The fixture operator's free bonded stake, and the stake it locks behind its enclave key (on top). */
export const OPERATOR_STAKE = ethersLib.parseEther("1");
export const KEY_STAKE = MIN_TEE_STAKE;
/** How long a stopped key's stake stays locked (EnclaveRegistry.KEY_RELEASE_DELAY: 6 days). */
export const KEY_RELEASE_DELAY = 6n * 24n * 3600n;
/** The committee's attestors: deterministic wallets `ethers.id("attestor N")`, N = 1..3, 2 of which must sign. */
export const ATTESTORS = [1, 2, 3].map((n) => new ethersLib.Wallet(ethersLib.id(`attestor ${n}`)));
export const ATTESTOR_THRESHOLD = 2;

/** Wallets (or anything with an address) sorted ascending by address, as the committee wants its signers. */
export const byAddress = <T extends { address: string }>(xs: readonly T[]) =>
  [...xs].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : BigInt(a.address) > BigInt(b.address) ? 1 : 0));
export const MODEL_FEE = ethersLib.parseEther("0.001");
export const OPERATOR_REWARD = ethersLib.parseEther("0.002");
export const TOKEN_MODEL_FEE = 5_000_000n;
/** A canonical int8 [1,4] input and int32 [1,3] output (sdk/src/encoding/tensor.ts). */
export const INPUT: string = encodeTensor(tensor("int8", [1, 4], [84, 70, 63, 18]));
export const OUTPUT: string = encodeTensor(tensor("int32", [1, 3], [0, 7, 11]));

export type JobStruct = IInferenceHub.JobStruct;
export type JobTuple = IInferenceHub.JobStructOutput;

export async function deployCore(ethers: HardhatEthers) {
  const signers = await ethers.getSigners();
  const at = (i: number) => {
    const s = signers[i];
    if (!s) throw new Error(`the network has no signer #${i}`);
    return s;
  };
  const [governance, modelOwner, operator, requester, other, treasury] = [0, 1, 2, 3, 4, 5].map(at) as [
    HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner,
  ];
  const operators = (await ethers.deployContract("OperatorRegistry", [
    governance.address,
    ethersLib.ZeroAddress,
    UNBONDING_DELAY,
  ])) as unknown as OperatorRegistry;
  const enclaves = (await ethers.deployContract("EnclaveRegistry", [
    governance.address,
    await operators.getAddress(),
    KEY_LIFETIME,
    MIN_TEE_STAKE,
  ])) as unknown as EnclaveRegistry;
  const attestors = ATTESTORS;
  const committee = (await ethers.deployContract("AttestorCommittee", [
    governance.address,
    attestors.map((a) => a.address),
    ATTESTOR_THRESHOLD,
  ])) as unknown as AttestorCommittee;
  const hub = (await ethers.deployContract("InferenceHub", [
    governance.address,
    await operators.getAddress(),
    await enclaves.getAddress(),
    treasury.address,
  ])) as unknown as InferenceHub;
  // The hub is the model registry; the enclave registry is the TEE verifier (the operator registry QUORUM's).
  const models = hub;
  const tee = enclaves;
  await operators.setHub(await hub.getAddress());
  await operators.setEnclaveRegistry(await enclaves.getAddress());
  await enclaves.setHub(await hub.getAddress());
  await enclaves.setAttestationVerifier(TEE_NITRO, await committee.getAddress());
  await enclaves.setAttestationVerifier(TEE_TDX, await committee.getAddress());
  const token = (await ethers.deployContract("TestToken", ["Test USD", "TUSD"])) as unknown as TestToken;
  return {
    ethers, governance, modelOwner, operator, requester, other, treasury,
    models, operators, hub, tee, enclaves, committee, attestors, token,
  };
}

export type Core = Awaited<ReturnType<typeof deployCore>>;

export function versionParams(overrides: Partial<{
  artifactHash: string;
  uri: string;
  modes: number;
  feeToken: string;
  fee: bigint;
  zkVerifier: string;
  zkModelCommitment: string;
  zkVerifyingKeyHash: string;
  ioSignature: string;
}> = {}) {
  return {
    artifactHash: ethersLib.id("model file bytes"),
    uri: "file:models/iris-mlp.onnx",
    modes: modeBit(MODE_TEE),
    feeToken: ethersLib.ZeroAddress,
    fee: MODEL_FEE,
    zkVerifier: ethersLib.ZeroAddress,
    zkModelCommitment: ethersLib.ZeroHash,
    zkVerifyingKeyHash: ethersLib.ZeroHash,
    ioSignature: encodeIoSignature(IRIS_IO_SIGNATURE) as string,
    ...overrides,
  };
}

/** Registers a model named `name` by the model owner; returns its id. */
export async function registerModel(c: Core, name = "iris-mlp") {
  await c.models.connect(c.modelOwner).registerModel(name);
  return ethersLib.AbiCoder.defaultAbiCoder().encode(["address", "string"], [c.modelOwner.address, name]) &&
    ethersLib.keccak256(ethersLib.AbiCoder.defaultAbiCoder().encode(["address", "string"], [c.modelOwner.address, name]));
}

/** What a key registration names, besides the key: its TEE type, measurement and evidence hash. */
export type KeyClaim = { teeType?: number; measurement?: string; evidenceHash?: string };

export const KEY_REGISTRATION_TYPES = {
  EnclaveKeyRegistration: [
    { name: "operator", type: "address" },
    { name: "teeType", type: "uint8" },
    { name: "measurement", type: "bytes32" },
    { name: "evidenceHash", type: "bytes32" },
  ],
};

export const APPROVAL_TYPES = {
  AttestorApproval: [
    { name: "teeType", type: "uint8" },
    { name: "evidenceHash", type: "bytes32" },
    { name: "measurement", type: "bytes32" },
    { name: "key", type: "address" },
    { name: "operator", type: "address" },
    { name: "expiresAt", type: "uint64" },
  ],
};

/** The EnclaveRegistry's EIP-712 domain. */
export async function enclaveDomain(c: Pick<Core, "ethers" | "enclaves">) {
  const { chainId } = await c.ethers.provider.getNetwork();
  return { name: "Verity EnclaveRegistry", version: "1", chainId, verifyingContract: await c.enclaves.getAddress() };
}

/** The AttestorCommittee's EIP-712 domain. */
export async function committeeDomain(c: Pick<Core, "ethers" | "committee">) {
  const { chainId } = await c.ethers.provider.getNetwork();
  return { name: "Verity AttestorCommittee", version: "1", chainId, verifyingContract: await c.committee.getAddress() };
}

/**
 * The enclave key's proof of possession for `registerEnclaveKey` / `reattestEnclaveKey`: its EIP-712 signature of
 * `EnclaveKeyRegistration(operator, teeType, measurement, evidenceHash)` under the EnclaveRegistry's domain.
 */
export async function enclaveKeyProof(
  c: Pick<Core, "ethers" | "enclaves">,
  enclave: ethersLib.Wallet,
  operatorAddress: string,
  claim: KeyClaim = {},
) {
  return enclave.signTypedData(await enclaveDomain(c), KEY_REGISTRATION_TYPES, {
    operator: operatorAddress,
    teeType: claim.teeType ?? TEE_NITRO,
    measurement: claim.measurement ?? MEASUREMENT,
    evidenceHash: claim.evidenceHash ?? EVIDENCE_HASH,
  });
}

/** What the committee's attestors sign (IAttestationVerifier.AttestationClaim). */
export type AttestationClaim = {
  teeType: number;
  evidenceHash: string;
  measurement: string;
  key: string;
  operator: string;
  expiresAt: bigint;
};

/**
 * The committee proof for a claim: the 65-byte signatures of `AttestorApproval(...)` under the committee's domain by
 * `signers` (default: the first `ATTESTOR_THRESHOLD` fixture attestors), concatenated in ascending signer order
 * (unless `sort` is false).
 */
export async function attestorApproval(
  c: Pick<Core, "ethers" | "committee">,
  claim: AttestationClaim,
  signers: readonly ethersLib.Wallet[] = ATTESTORS.slice(0, ATTESTOR_THRESHOLD),
  sort = true,
) {
  const domain = await committeeDomain(c);
  const ordered = sort ? byAddress(signers) : [...signers];
  const signatures = await Promise.all(ordered.map((s) => s.signTypedData(domain, APPROVAL_TYPES, claim)));
  return ethersLib.concat(signatures);
}

export type RegisterEnclaveOptions = Partial<{
  measurement: string;
  operator: HardhatEthersSigner;
  stake: bigint;
  /** The expiry the attestors sign (default: now + KEY_LIFETIME). */
  expiresAt: bigint;
  evidenceHash: string;
  evidenceURI: string;
  teeType: number;
  /** The attestors who sign (default: the first two). */
  signers: readonly ethersLib.Wallet[];
}>;

/** The `registerEnclaveKey` arguments for `enclave`, with a real key proof and committee approval. */
export async function enclaveRegistration(c: Core, enclave: ethersLib.Wallet, o: RegisterEnclaveOptions = {}) {
  const operator = o.operator ?? c.operator;
  const teeType = o.teeType ?? TEE_NITRO;
  const measurement = o.measurement ?? MEASUREMENT;
  const evidenceHash = o.evidenceHash ?? EVIDENCE_HASH;
  const expiresAt = o.expiresAt ?? (await now(c)) + KEY_LIFETIME;
  const registration = {
    key: enclave.address,
    teeType,
    measurement,
    evidenceHash,
    evidenceURI: o.evidenceURI ?? EVIDENCE_URI,
    stake: o.stake ?? MIN_TEE_STAKE,
    expiresAt,
  };
  const keyProof = await enclaveKeyProof(c, enclave, operator.address, { teeType, measurement, evidenceHash });
  const proof = await attestorApproval(
    c,
    { teeType, evidenceHash, measurement, key: enclave.address, operator: operator.address, expiresAt },
    o.signers,
  );
  return { registration, keyProof, proof, operator };
}

/**
 * A fresh enclave wallet (`ethers.id(seed)`) registered by `operator` (default: the fixture's) through the real
 * committee flow: key proof, 2-of-3 attestor approval, `stake` (default: MIN_TEE_STAKE) locked. The measurement must
 * be approved for the TEE type (default: MEASUREMENT, Nitro) and the operator must have the stake free.
 */
export async function registerEnclave(c: Core, seed: string, o: RegisterEnclaveOptions = {}) {
  const enclave = new ethersLib.Wallet(ethersLib.id(seed));
  const { registration, keyProof, proof, operator } = await enclaveRegistration(c, enclave, o);
  await (await c.enclaves.connect(operator).registerEnclaveKey(registration, keyProof, proof)).wait();
  return enclave;
}

export type ReattestOptions = Partial<{
  operator: HardhatEthersSigner;
  /** The fresh evidence's hash (default: keccak256 of the key's current one). */
  evidenceHash: string;
  evidenceURI: string;
  /** The expiry the attestors sign (default: now + KEY_LIFETIME). */
  expiresAt: bigint;
  signers: readonly ethersLib.Wallet[];
}>;

/**
 * The `reattestEnclaveKey` arguments for a registered key: fresh evidence (same TEE type and measurement), its key
 * proof and committee approval.
 */
export async function reattestation(c: Core, enclave: ethersLib.Wallet, o: ReattestOptions = {}) {
  const operator = o.operator ?? c.operator;
  const k = await c.enclaves.getEnclaveKey(enclave.address);
  const teeType = Number(k.teeType);
  const evidenceHash = o.evidenceHash ?? ethersLib.keccak256(k.evidenceHash);
  const expiresAt = o.expiresAt ?? (await now(c)) + KEY_LIFETIME;
  const keyProof = await enclaveKeyProof(c, enclave, operator.address, { teeType, measurement: k.measurement, evidenceHash });
  const proof = await attestorApproval(
    c,
    { teeType, evidenceHash, measurement: k.measurement, key: enclave.address, operator: operator.address, expiresAt },
    o.signers,
  );
  return [enclave.address, evidenceHash, o.evidenceURI ?? EVIDENCE_URI, expiresAt, keyProof, proof] as const;
}

/** Re-attests a registered key from its operator with fresh evidence (see `reattestation`); returns the receipt. */
export async function reattestEnclave(c: Core, enclave: ethersLib.Wallet, o: ReattestOptions = {}) {
  const args = await reattestation(c, enclave, o);
  return (await (await c.enclaves.connect(o.operator ?? c.operator).reattestEnclaveKey(...args)).wait())!;
}

/**
 * The full TEE setup: model + version (native fee), measurement approved (Nitro) and allowed, the operator staked
 * OPERATOR_STAKE + KEY_STAKE with a key registered through the committee, KEY_STAKE locked behind it (so 1 ETH is free).
 */
export async function deployWithTeeModel(ethers: HardhatEthers) {
  const c = await deployCore(ethers);
  const modelId = await registerModel(c);
  await c.models.connect(c.modelOwner).publishVersion(modelId, versionParams());
  await c.models.connect(c.modelOwner).publishVersion(
    modelId,
    versionParams({ artifactHash: ethersLib.id("model v2"), feeToken: await c.token.getAddress(), fee: TOKEN_MODEL_FEE }),
  );
  await c.enclaves.approveMeasurement(MEASUREMENT, TEE_NITRO);
  // 1 ETH free for the other modes' locks, plus the stake locked behind the enclave key.
  await c.operators.connect(c.operator).stake(OPERATOR_STAKE + KEY_STAKE, { value: OPERATOR_STAKE + KEY_STAKE });
  const enclave = await registerEnclave(c, "enclave key 1", { stake: KEY_STAKE });
  await c.tee.connect(c.modelOwner).setMeasurementAllowed(modelId, 1, MEASUREMENT, true);
  await c.tee.connect(c.modelOwner).setMeasurementAllowed(modelId, 2, MEASUREMENT, true);
  await c.token.mint(c.requester.address, 10n ** 24n);
  await c.token.connect(c.requester).approve(await c.hub.getAddress(), ethersLib.MaxUint256);
  const consumer = (await ethers.deployContract("ExampleConsumer", [await c.hub.getAddress()])) as unknown as ExampleConsumer;
  return { ...c, modelId, enclave, consumer };
}

export type TeeSetup = Awaited<ReturnType<typeof deployWithTeeModel>>;

export async function now(c: { ethers: HardhatEthers }) {
  const block = await c.ethers.provider.getBlock("latest");
  return BigInt(block!.timestamp);
}

export async function makeRequest(c: TeeSetup, overrides: Partial<IInferenceHub.RequestStruct> = {}) {
  return {
    modelId: c.modelId,
    version: 1,
    mode: MODE_TEE,
    deadline: (await now(c)) + 3600n,
    callback: ethersLib.ZeroAddress,
    callbackGasLimit: 0,
    fee: MODEL_FEE + OPERATOR_REWARD,
    params: 0n,
    inputHash: ethersLib.ZeroHash,
    input: INPUT,
    inputURI: "",
    ...overrides,
  } satisfies IInferenceHub.RequestStruct;
}

/** Sends a request from `from` (default: the requester) and returns the job id and the emitted job. */
export async function request(
  c: TeeSetup,
  overrides: Partial<IInferenceHub.RequestStruct> = {},
  from: HardhatEthersSigner = c.requester,
) {
  const req = await makeRequest(c, overrides);
  const isNative = Number(req.version) === 1;
  const tx = await c.hub.connect(from).requestInference(req, { value: isNative ? req.fee : 0n });
  const receipt = await tx.wait();
  return { ...parseRequested(c, receipt!), receipt: receipt! };
}

export function parseRequested(c: { hub: InferenceHub }, receipt: ethersLib.TransactionReceipt) {
  for (const log of receipt.logs) {
    const parsed = c.hub.interface.parseLog(log);
    if (parsed?.name === "InferenceRequested") {
      const job = parsed.args.job as JobTuple;
      return { jobId: parsed.args.jobId as bigint, job: jobToStruct(job) };
    }
  }
  throw new Error("no InferenceRequested event");
}

export function jobToStruct(j: JobTuple): JobStruct {
  return {
    requester: j.requester,
    modelId: j.modelId,
    version: j.version,
    mode: j.mode,
    deadline: j.deadline,
    callback: j.callback,
    callbackGasLimit: j.callbackGasLimit,
    feeToken: j.feeToken,
    fee: j.fee,
    modelFee: j.modelFee,
    protocolFeeBps: j.protocolFeeBps,
    inputHash: j.inputHash,
    params: j.params,
    verifier: j.verifier,
  };
}

/** An enclave's EIP-712 signature of a result under the hub's domain. */
export async function signResult(
  c: { ethers: HardhatEthers; hub: InferenceHub },
  enclave: ethersLib.Wallet,
  r: { jobId: bigint; modelId: string; version: bigint | number; inputHash: string; outputHash: string; outputURIHash?: string },
  domainOverrides: Partial<{ chainId: bigint; verifyingContract: string }> = {},
) {
  const { chainId } = await c.ethers.provider.getNetwork();
  return enclave.signTypedData(
    { name: "Verity", version: "1", chainId, verifyingContract: await c.hub.getAddress(), ...domainOverrides },
    { Result: [
      { name: "jobId", type: "uint256" },
      { name: "modelId", type: "bytes32" },
      { name: "version", type: "uint32" },
      { name: "inputHash", type: "bytes32" },
      { name: "outputHash", type: "bytes32" },
      { name: "outputURIHash", type: "bytes32" },
    ] },
    // Inline output unless the result says otherwise: keccak256 of the empty URI.
    { outputURIHash: ethersLib.keccak256("0x"), ...r },
  );
}

/** The TEE attestation is the enclave's 65-byte signature; the registry knows the key's measurement. */
export function teeAttestation(signature: string) {
  return signature;
}

export function inlineResult(output = OUTPUT) {
  return { output, outputURI: "", outputHash: ethersLib.ZeroHash };
}

/** Signs and returns the fulfil arguments for a job with the fixture's enclave. */
export async function teeFulfillArgs(c: TeeSetup, jobId: bigint, job: JobStruct, output = OUTPUT) {
  const sig = await signResult(c, c.enclave, {
    jobId,
    modelId: job.modelId as string,
    version: job.version as bigint,
    inputHash: job.inputHash as string,
    outputHash: ethersLib.keccak256(output),
  });
  return [jobId, job, inlineResult(output), teeAttestation(sig)] as const;
}
