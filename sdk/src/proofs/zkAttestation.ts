import { type Hex, decodeAbiParameters, encodeAbiParameters, isHex } from "viem";
import { ZkProofFormatError } from "../errors/zk.js";
import type { Groth16Proof, SolidityGroth16Proof } from "./zk.js";

/**
 * The ZK mode's attestation (what `fulfill` carries for a mode-2 job), as pure functions. It matches
 * contracts/interfaces/IZkVerifier.sol:
 * ```
 * abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c, bytes input, bytes output)
 * ```
 * `a`, `b`, `c` are the proof as the snarkjs Solidity verifier takes it (see `encodeProofForSolidity`), `input` and
 * `output` the canonical tensor bytes whose keccak256 are the job's `inputHash` and the result's `outputHash`.
 */

const ZK_ATTESTATION_PARAMS = [
  { type: "uint256[2]", name: "a" },
  { type: "uint256[2][2]", name: "b" },
  { type: "uint256[2]", name: "c" },
  { type: "bytes", name: "input" },
  { type: "bytes", name: "output" },
] as const;

/** The smallest attestation ZkVerifier accepts: the proof (8 words), two offsets and two lengths. */
const MIN_ATTESTATION_BYTES = 0x180;

/** A decoded ZK attestation. */
export type ZkAttestation = { proof: SolidityGroth16Proof; input: Hex; output: Hex };

/**
 * Builds an attestation from its decoded parts (the inverse of {@link parseZkAttestation}); the proof is already in
 * Solidity order. From a snarkjs proof, use `encodeZkAttestation` of `verity-inference-node`.
 */
export function encodeZkAttestationParts({ proof, input, output }: ZkAttestation): Hex {
  return encodeAbiParameters(ZK_ATTESTATION_PARAMS, [proof.a, proof.b, proof.c, input, output]);
}

/**
 * Reads a ZK attestation as ZkVerifier does. Throws {@link ZkProofFormatError} when it is not
 * `abi.encode(uint256[2], uint256[2][2], uint256[2], bytes, bytes)` (too short, or an offset or length outside it).
 * The proof's coordinates are not range-checked here: {@link snarkjsProofFromSolidity} and the verification do it.
 */
export function parseZkAttestation(attestation: Hex): ZkAttestation {
  const fail = (reason: string) =>
    new ZkProofFormatError(`the attestation is not abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c, bytes input, bytes output): ${reason}`);
  if (!isHex(attestation, { strict: true })) throw fail("it is not hex");
  const length = (attestation.length - 2) / 2;
  if (length < MIN_ATTESTATION_BYTES) throw fail(`it is ${length} bytes, at least ${MIN_ATTESTATION_BYTES} are needed`);
  let decoded: ReturnType<typeof decodeAbiParameters<typeof ZK_ATTESTATION_PARAMS>>;
  try {
    decoded = decodeAbiParameters(ZK_ATTESTATION_PARAMS, attestation);
  } catch (err) {
    throw fail(`an offset or length points outside its ${length} bytes (${(err as Error).message.split("\n")[0]})`);
  }
  const [a, b, c, input, output] = decoded;
  return {
    proof: { a: [a[0], a[1]], b: [[b[0][0], b[0][1]], [b[1][0], b[1][1]]], c: [c[0], c[1]] },
    input,
    output,
  };
}

/**
 * The snarkjs proof object of a proof in Solidity order: the inverse of `encodeProofForSolidity` (each G2
 * coordinate's limbs swapped back, affine points with z = 1).
 */
export function snarkjsProofFromSolidity({ a, b, c }: SolidityGroth16Proof): Groth16Proof {
  return {
    pi_a: [a[0].toString(), a[1].toString(), "1"],
    pi_b: [
      [b[0][1].toString(), b[0][0].toString()],
      [b[1][1].toString(), b[1][0].toString()],
      ["1", "0"],
    ],
    pi_c: [c[0].toString(), c[1].toString(), "1"],
    protocol: "groth16",
    curve: "bn128",
  };
}
