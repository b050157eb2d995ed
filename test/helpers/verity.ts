/**
 * Shared ethers fixtures for contract tests and the gas bench: deploys the whole system, registers a model with
 * a version, stakes an operator and registers its enclave key, and offers helpers to request and fulfil jobs.
 */
import { ethers as ethersLib } from "ethers";
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type {
  ExampleConsumer,
  InferenceHub,
  OperatorRegistry,
  TestToken,
} from "../../types/ethers-contracts/index.js";
import type { IInferenceHub } from "../../types/ethers-contracts/InferenceHub.js";

export const MODE_TEE = 1;
export const MODE_ZK = 2;
export const MODE_QUORUM = 3;
export const MODE_OPTIMISTIC = 4;
export const modeBit = (...modes: number[]) => modes.reduce((a, m) => a | (1 << m), 0);

export const MEASUREMENT = ethersLib.id("verity-enclave-v1");
export const OTHER_MEASUREMENT = ethersLib.id("verity-enclave-v2");
export const ATTESTATION_DOC_HASH = ethersLib.id("attestation document");
export const UNBONDING_DELAY = 7n * 24n * 3600n;
export const MODEL_FEE = ethersLib.parseEther("0.001");
export const OPERATOR_REWARD = ethersLib.parseEther("0.002");
export const TOKEN_MODEL_FEE = 5_000_000n;
export const INPUT = "0x0103000000010000000454463f12"; // int8 [1,4]
export const OUTPUT = "0x010303000000010000000300000000000000070000000b"; // int32 [1,3]

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
  const hub = (await ethers.deployContract("InferenceHub", [
    governance.address,
    await operators.getAddress(),
    treasury.address,
  ])) as unknown as InferenceHub;
  // The hub is the model registry; the operator registry is the TEE verifier.
  const models = hub;
  const tee = operators;
  await operators.setHub(await hub.getAddress());
  const token = (await ethers.deployContract("TestToken", ["Test USD", "TUSD"])) as unknown as TestToken;
  return { ethers, governance, modelOwner, operator, requester, other, treasury, models, operators, hub, tee, token };
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
    ...overrides,
  };
}

/** Registers a model named `name` by the model owner; returns its id. */
export async function registerModel(c: Core, name = "iris-mlp") {
  await c.models.connect(c.modelOwner).registerModel(name);
  return ethersLib.AbiCoder.defaultAbiCoder().encode(["address", "string"], [c.modelOwner.address, name]) &&
    ethersLib.keccak256(ethersLib.AbiCoder.defaultAbiCoder().encode(["address", "string"], [c.modelOwner.address, name]));
}

/** Signs the enclave key's proof of possession for `registerEnclaveKey`. */
export async function enclaveKeyProof(
  c: Core,
  enclave: ethersLib.Wallet,
  operatorAddress: string,
  measurement = MEASUREMENT,
  docHash = ATTESTATION_DOC_HASH,
) {
  const { chainId } = await c.ethers.provider.getNetwork();
  return enclave.signTypedData(
    { name: "Verity OperatorRegistry", version: "1", chainId, verifyingContract: await c.operators.getAddress() },
    { EnclaveKeyRegistration: [
      { name: "operator", type: "address" },
      { name: "measurement", type: "bytes32" },
      { name: "attestationDocHash", type: "bytes32" },
    ] },
    { operator: operatorAddress, measurement, attestationDocHash: docHash },
  );
}

/** The full TEE setup: model + version (native fee), measurement approved and allowed, operator staked with a key. */
export async function deployWithTeeModel(ethers: HardhatEthers) {
  const c = await deployCore(ethers);
  const modelId = await registerModel(c);
  await c.models.connect(c.modelOwner).publishVersion(modelId, versionParams());
  await c.models.connect(c.modelOwner).publishVersion(
    modelId,
    versionParams({ artifactHash: ethersLib.id("model v2"), feeToken: await c.token.getAddress(), fee: TOKEN_MODEL_FEE }),
  );
  await c.operators.approveMeasurement(MEASUREMENT);
  await c.operators.connect(c.operator).stake(ethersLib.parseEther("1"), { value: ethersLib.parseEther("1") });
  const enclave = new ethersLib.Wallet(ethersLib.id("enclave key 1"));
  await c.operators
    .connect(c.operator)
    .registerEnclaveKey(enclave.address, MEASUREMENT, ATTESTATION_DOC_HASH, await enclaveKeyProof(c, enclave, c.operator.address));
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
