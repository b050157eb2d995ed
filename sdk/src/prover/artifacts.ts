import path from "node:path";
import type { Hex } from "viem";
import { type Groth16Proof, type ZkArtifacts, ZK_CIRCUIT_NAME, encodeProofForSolidity } from "../proofs/zk.js";
import { encodeZkAttestationParts } from "../proofs/zkAttestation.js";
import { packageFile } from "../model/packageFiles.js";

/** Where `npm run zk:setup` keeps the circuit's wasm and proving key: circuits/build of this repository. */
export const DEFAULT_ZK_ARTIFACTS_DIR = packageFile("circuits", "build");

/** The witness generator and proving key of the "mlp-4-8-3-int8" circuit in `dir`. */
export function zkArtifactsIn(dir: string = DEFAULT_ZK_ARTIFACTS_DIR): ZkArtifacts {
  return { wasm: path.join(dir, `${ZK_CIRCUIT_NAME}.wasm`), zkey: path.join(dir, `${ZK_CIRCUIT_NAME}.zkey`) };
}

/**
 * The ZK attestation `fulfill` takes, as contracts/verifiers/ZkVerifier.sol decodes it:
 * `abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c, bytes input, bytes output)`, the proof in the snarkjs
 * Solidity verifier's order (G2 limbs swapped, see `encodeProofForSolidity`), `input` the job's canonical input
 * bytes (their keccak256 is the job's inputHash) and `output` the canonical output bytes of the result.
 *
 * @example
 * ```ts
 * const proved = await proveMlp({ weights, input: decodeTensor(inputBytes), artifacts: zkArtifactsIn(), jobId, submitter });
 * const attestation = encodeZkAttestation({ proof: proved.proof, input: inputBytes, output: encodeTensor(proved.output) });
 * ```
 */
export function encodeZkAttestation({ proof, input, output }: { proof: Groth16Proof; input: Hex; output: Hex }): Hex {
  return encodeZkAttestationParts({ proof: encodeProofForSolidity(proof), input, output });
}
