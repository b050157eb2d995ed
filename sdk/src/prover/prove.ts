import { type Tensor, tensor } from "../encoding/tensor.js";
import { ZkProvingError, type ZkPublicSignalsError, type ZkTensorError, type ZkWeightsError } from "../errors/zk.js";
import { type MlpWeights, mlpForward } from "../model/mlp.js";
import {
  type Groth16Proof,
  type ZkArtifacts,
  type ZkJobBinding,
  type ZkPublicSignals,
  ZK_OUTPUT_SHAPE,
  ZK_PUBLIC_SIGNALS,
  jobBindingSignals,
  mlpCircuitInput,
  packInput,
  packModelWeights,
  packOutput,
  parseSignals,
} from "../proofs/zk.js";


/**
 * The part of snarkjs the prover calls (snarkjs ships no types; these are declared here, so the published
 * declarations name no untyped module).
 */
export type SnarkjsGroth16 = {
  groth16: {
    fullProve(
      input: Record<string, unknown>,
      wasm: string | Uint8Array,
      zkey: string | Uint8Array,
    ): Promise<{ proof: { pi_a: string[]; pi_b: string[][]; pi_c: string[]; protocol: string; curve: string }; publicSignals: string[] }>;
  };
};

let snarkjsPromise: Promise<SnarkjsGroth16> | undefined;
/** snarkjs, imported on first proof. */
export function loadSnarkjs(): Promise<SnarkjsGroth16> {
  snarkjsPromise ??= import("snarkjs");
  return snarkjsPromise;
}

/**
 * The prover's side of the ZK mode (behind the `verity-inference-node` package, not the light `verity-inference` one): Groth16
 * proving with snarkjs and the Poseidon model commitment with circomlibjs, both loaded on first use. The packing,
 * the verifying key hash and verification are pure and live in sdk/src/proofs/zk.ts.
 */

export { releaseZkWorkers } from "../proofs/zk.js";

let poseidonPromise: ReturnType<typeof loadPoseidon> | undefined;
async function loadPoseidon() {
  const { buildPoseidon } = await import("circomlibjs");
  return buildPoseidon();
}

/** The model commitment: circomlib Poseidon over {@link packModelWeights}; equals the circuit's `commitment`. */
export async function modelCommitment(weights: MlpWeights): Promise<bigint> {
  const elements = packModelWeights(weights);
  poseidonPromise ??= loadPoseidon();
  const poseidon = await poseidonPromise;
  return poseidon.F.toObject(poseidon(elements));
}

/**
 * The model, the input, the circuit artifacts, and the job binding: `jobId` and `submitter`, the account that will
 * send the proof to the hub (`fulfill`, or `resolveChallenge` for an OPTIMISTIC challenge). The proof holds for
 * that job and that sender only.
 */
export type ProveMlpParameters = { weights: MlpWeights; input: Tensor; artifacts: ZkArtifacts } & ZkJobBinding;
export type ProveMlpReturnType = {
  proof: Groth16Proof;
  publicSignals: ZkPublicSignals;
  /** The model's output (int32 [1,3]), equal to mlpForward and to the proof's packedOutput. */
  output: Tensor;
  commitment: bigint;
};
export type ProveMlpErrorType = ZkWeightsError | ZkTensorError | ZkPublicSignalsError | ZkProvingError;

/**
 * Runs the model inside the circuit and proves it (snarkjs Groth16 fullProve: witness from the wasm, proof from
 * the zkey), bound to `jobId` and `submitter`. Checks that the proven output is mlpForward's and that the proof's
 * public signals carry the binding.
 *
 * @example
 * const { proof, publicSignals, output } = await proveMlp({
 *   weights, input: tensor("int8", [1, 4], [5, -3, 127, 0]),
 *   artifacts: { wasm: "circuits/build/mlp_4_8_3.wasm", zkey: "circuits/build/mlp_4_8_3.zkey" },
 *   jobId, submitter: walletClient.account.address,
 * });
 */
export async function proveMlp({ weights, input, artifacts, jobId, submitter }: ProveMlpParameters): Promise<ProveMlpReturnType> {
  const binding = jobBindingSignals({ jobId, submitter });
  const circuitInput = mlpCircuitInput(weights, input, { jobId, submitter });
  const expected = mlpForward(weights, input.values as ArrayLike<number | bigint>);
  const snarkjs = await loadSnarkjs();
  let result: Awaited<ReturnType<typeof snarkjs.groth16.fullProve>>;
  try {
    result = await snarkjs.groth16.fullProve(circuitInput, artifacts.wasm, artifacts.zkey);
  } catch (e) {
    throw new ZkProvingError((e as Error).message ?? String(e), { cause: e as Error });
  }
  const publicSignals = parseSignals(result.publicSignals, ZK_PUBLIC_SIGNALS);
  const output: Tensor = tensor("int32", ZK_OUTPUT_SHAPE, expected);
  if (
    publicSignals[1] !== packInput(input) ||
    publicSignals[2] !== packOutput(output) ||
    publicSignals[3] !== binding[0] ||
    publicSignals[4] !== binding[1]
  )
    throw new ZkProvingError(
      "the circuit's public signals differ from the reference model and job binding (wasm from another circuit?)"
    );
  return { proof: result.proof as Groth16Proof, publicSignals, output, commitment: publicSignals[0] };
}
