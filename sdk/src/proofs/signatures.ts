import { type Address, type Hex, type TypedData, hexToBigInt, isHex, keccak256, size, slice, stringToHex } from "viem";
import { RESULT_DOMAIN } from "../constants.js";

/**
 * The signed job statements of the hub's verifiers, as pure functions: the SDK twin of
 * contracts/libraries/HubSignatures.sol, which the TEE and QUORUM verifiers share. A statement is a job's
 * `(jobId, modelId, version, inputHash, outputHash, outputURIHash)` under the hub's EIP-712 domain `{ "Verity", "1", chainId, hub }`
 * (`jobDigest`); a signature is 65 bytes `r | s | v`, with `v` of 27 or 28 and a low `s` (OpenZeppelin ECDSA's
 * rules against malleability): the contracts recover no signer from any other (`recoverCalldata`).
 */

/** What a TEE enclave (a `Result`) or a QUORUM operator (a `QuorumVote`) signs: one job's output, on one hub and chain. */
export type JobStatement = {
  /** The hub: the domain's verifyingContract. */
  hub: Address;
  chainId: number;
  jobId: bigint;
  modelId: Hex;
  version: number;
  inputHash: Hex;
  outputHash: Hex;
  /**
   * Where the output is delivered: its URI, or "" (the default) for inline output bytes. Signed as
   * `outputURIHash = keccak256(outputURI)`, so whoever re-sends the statement cannot change the delivery form.
   */
  outputURI?: string | undefined;
};

/** keccak256 of an output URI (of "" for inline output): the delivery form a statement commits to. */
export function outputURIHash(outputURI: string | undefined): Hex {
  return keccak256(stringToHex(outputURI ?? ""));
}

/** The EIP-712 typed data of a job statement as `primaryType` (a struct of its six job fields), under the hub's domain. */
export function jobStatementTypedData<const Types extends TypedData, const PrimaryType extends keyof Types & string>(
  types: Types,
  primaryType: PrimaryType,
  { hub, chainId, jobId, modelId, version, inputHash, outputHash, outputURI }: JobStatement,
) {
  return {
    domain: { ...RESULT_DOMAIN, chainId, verifyingContract: hub },
    types,
    primaryType,
    message: { jobId, modelId, version, inputHash, outputHash, outputURIHash: outputURIHash(outputURI) },
  } as const;
}

/** secp256k1 order / 2 (`HubSignatures.MAX_S`): a signature with a larger `s` is refused as malleable. */
export const SECP256K1_HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/**
 * Why the hub's verifiers would refuse `signature` whatever it signed (not 65 bytes of hex, `v` not 27 or 28, a
 * high `s`), or undefined when its shape is sound. With `toError`, throws `toError(problem)` instead of returning
 * a problem.
 *
 * @example
 * ```ts
 * signatureProblem(signature); // undefined, or e.g. "signature v is 29, not 27 or 28"
 * signatureProblem(signature, (problem) => new InvalidAttestationError(problem)); // throws when malformed
 * ```
 */
export function signatureProblem(signature: Hex, toError?: (problem: string) => Error): string | undefined {
  const problem = shapeProblem(signature);
  if (problem !== undefined && toError) throw toError(problem);
  return problem;
}

function shapeProblem(signature: Hex): string | undefined {
  if (!isHex(signature, { strict: true }) || size(signature) !== 65) return "the signature must be 65 bytes";
  const v = Number.parseInt(signature.slice(130, 132), 16);
  if (v !== 27 && v !== 28) return `signature v is ${v}, not 27 or 28`;
  if (hexToBigInt(slice(signature, 32, 64)) > SECP256K1_HALF_ORDER) {
    return "signature s is in the upper half of the curve order (malleable)";
  }
  return undefined;
}
