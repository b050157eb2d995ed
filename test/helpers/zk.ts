/**
 * ZK-mode fixtures on top of the shared ones (./verity.ts): deploys the generated Groth16 verifier and the
 * ZkVerifier (owned by governance, which allows the Groth16 verifier's code hash for its verifying key hash), plugs
 * it into the hub for mode 2, publishes the Iris model as a ZK version (real weights commitment and verifying-key
 * hash), and builds requests, proofs (bound to a job and a submitter) and attestations for it.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { ethers as ethersLib } from "ethers";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { Groth16VerifierMlp, ZkVerifier } from "../../types/ethers-contracts/index.js";
import { type Tensor, encodeTensor, tensor } from "../../sdk/src/encoding/tensor.js";
import { loadIrisModel, loadIrisOnnx } from "../../sdk/src/model/iris.js";
import type { MlpWeights } from "../../sdk/src/model/mlp.js";
import {
  type Groth16VerifyingKey,
  type SolidityGroth16Proof,
  type ZkJobBinding,
  encodeProofForSolidity,
  vkeyHash,
} from "../../sdk/src/proofs/zk.js";
import { type ProveMlpReturnType, modelCommitment, proveMlp } from "../../sdk/src/prover/prove.js";
import {
  MODEL_FEE,
  MODE_TEE,
  MODE_ZK,
  OPERATOR_REWARD,
  type JobStruct,
  deployWithTeeModel,
  modeBit,
  now,
  parseRequested,
  versionParams,
} from "./verity.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BUILD = path.join(ROOT, "circuits/build");
export const ZK_ARTIFACTS = { wasm: path.join(BUILD, "mlp_4_8_3.wasm"), zkey: path.join(BUILD, "mlp_4_8_3.zkey") };
export const loadZkVkey = (): Groth16VerifyingKey =>
  JSON.parse(readFileSync(path.join(BUILD, "verification_key.json"), "utf8")) as Groth16VerifyingKey;

/** The ZK version the fixture publishes (versions 1 and 2 are the TEE fixture's). */
export const ZK_VERSION = 3;
export const ZK_FEE = MODEL_FEE + OPERATOR_REWARD;

export const bytes32 = (v: bigint) => ethersLib.toBeHex(v, 32);

/** The fixture's Iris sample: quantized [5.1, 3.5, 1.4, 0.2] cm (setosa). */
export const IRIS_INPUT: Tensor = tensor("int8", [1, 4], [82, 56, 22, 3]);

/** The runtime code hash of a deployed contract (what `ZkVerifier.setCircuitAllowed` takes). */
export async function codeHashOf(ethers: HardhatEthers, address: string): Promise<string> {
  return ethersLib.keccak256(await ethers.provider.getCode(address));
}

/**
 * The TEE fixture plus the ZK mode: Groth16 verifier, ZkVerifier on mode 2 (owned by governance, the Groth16
 * verifier allowed for the repo's verifying key hash), the Iris model as a ZK version.
 */
export async function deployWithZkModel(ethers: HardhatEthers) {
  const c = await deployWithTeeModel(ethers);
  const groth16 = (await ethers.deployContract("Groth16VerifierMlp")) as unknown as Groth16VerifierMlp;
  const zk = (await ethers.deployContract("ZkVerifier", [c.governance.address])) as unknown as ZkVerifier;
  await c.hub.setVerifier(MODE_ZK, await zk.getAddress());
  const iris = loadIrisModel();
  const commitment = await modelCommitment(iris.weights);
  const vkHash = vkeyHash(loadZkVkey());
  const groth16CodeHash = await codeHashOf(ethers, await groth16.getAddress());
  await zk.connect(c.governance).setCircuitAllowed(groth16CodeHash, vkHash, true);
  const zkVersion = async (overrides: Parameters<typeof versionParams>[0] = {}) => {
    const params = versionParams({
      artifactHash: ethersLib.keccak256(loadIrisOnnx()),
      uri: "file:models/iris-mlp.onnx",
      modes: modeBit(MODE_TEE, MODE_ZK),
      zkVerifier: await groth16.getAddress(),
      zkModelCommitment: bytes32(commitment),
      zkVerifyingKeyHash: vkHash,
      ...overrides,
    });
    const version = await c.models.connect(c.modelOwner).publishVersion.staticCall(c.modelId, params);
    await c.models.connect(c.modelOwner).publishVersion(c.modelId, params);
    return Number(version);
  };
  const version = await zkVersion();
  if (version !== ZK_VERSION) throw new Error(`the ZK version is ${version}, expected ${ZK_VERSION}`);
  return { ...c, groth16, zk, iris, weights: iris.weights, commitment, vkHash, groth16CodeHash, zkVersion };
}

export type ZkSetup = Awaited<ReturnType<typeof deployWithZkModel>>;

/**
 * Requests a ZK job (native fee) for `input` (a tensor, or raw bytes to test malformed inputs) and returns its id
 * and the emitted job.
 */
export async function zkRequest(c: ZkSetup, input: Tensor | string, opts: { version?: number } = {}) {
  const req = {
    modelId: c.modelId,
    version: opts.version ?? ZK_VERSION,
    mode: MODE_ZK,
    deadline: (await now(c)) + 3600n,
    callback: ethersLib.ZeroAddress,
    callbackGasLimit: 0,
    fee: ZK_FEE,
    params: 0n,
    inputHash: ethersLib.ZeroHash,
    input: typeof input === "string" ? input : encodeTensor(input),
    inputURI: "",
  };
  const receipt = await (await c.hub.connect(c.requester).requestInference(req, { value: ZK_FEE })).wait();
  return { ...parseRequested(c, receipt!), input: req.input };
}

export type ProofTuple = {
  a: [bigint, bigint];
  b: [[bigint, bigint], [bigint, bigint]];
  c: [bigint, bigint];
};

export function proofTuple(p: SolidityGroth16Proof): ProofTuple {
  return { a: [p.a[0], p.a[1]], b: [[p.b[0][0], p.b[0][1]], [p.b[1][0], p.b[1][1]]], c: [p.c[0], p.c[1]] };
}

const proofCache = new Map<string, Promise<ProveMlpReturnType>>();
/**
 * proveMlp, memoized per (weights, input, jobId, submitter): a proof holds for one model, input and output, and for
 * one job and the one account that submits it. Fixtures reset the chain, so the same job ids come back.
 */
export function prove(weights: MlpWeights, input: Tensor, binding: { jobId: bigint; submitter: string }): Promise<ProveMlpReturnType> {
  const { jobId, submitter } = binding;
  const key = JSON.stringify([weights, input.values, jobId, submitter.toLowerCase()], (_, v) =>
    typeof v === "bigint" ? v.toString() : v,
  );
  let p = proofCache.get(key);
  if (!p) {
    p = proveMlp({ weights, input, artifacts: ZK_ARTIFACTS, jobId, submitter: submitter as ZkJobBinding["submitter"] });
    proofCache.set(key, p);
  }
  return p;
}

/** `abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c, bytes input, bytes output)`. */
export function zkAttestation(proof: ProofTuple, input: string, output: string): string {
  return ethersLib.AbiCoder.defaultAbiCoder().encode(
    ["uint256[2]", "uint256[2][2]", "uint256[2]", "bytes", "bytes"],
    [proof.a, proof.b, proof.c, input, output],
  );
}

/**
 * The `fulfill` arguments for a ZK job: the proof of `proved`, the job's input bytes and the proved output (each
 * overridable to build bad attestations). The result carries `resultOutput` (default: the attestation's output).
 */
export function zkFulfillArgs(
  jobId: bigint,
  job: JobStruct,
  proved: ProveMlpReturnType,
  o: { proof?: ProofTuple; input?: string; output?: string; resultOutput?: string } = {},
) {
  const output = o.output ?? encodeTensor(proved.output);
  const attestation = zkAttestation(
    o.proof ?? proofTuple(encodeProofForSolidity(proved.proof)),
    o.input ?? encodeTensor(inputOf(proved)),
    output,
  );
  return [
    jobId,
    job,
    { output: o.resultOutput ?? output, outputURI: "", outputHash: ethersLib.ZeroHash },
    attestation,
  ] as const;
}

/** The input tensor a proof was made for (packedInput, unpacked). */
function inputOf(proved: ProveMlpReturnType): Tensor {
  const packed = proved.publicSignals[1];
  return tensor("int8", [1, 4], [0, 1, 2, 3].map((i) => ((packed >> BigInt(8 * i)) & 0xffn) - 128n));
}
