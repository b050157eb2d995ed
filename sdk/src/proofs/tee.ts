import { type Address, type Hex, hashTypedData, isHex, recoverTypedDataAddress, size } from "viem";
import { OPERATOR_REGISTRY_DOMAIN, enclaveKeyRegistrationTypes, resultTypes } from "../constants.js";
import { InvalidAttestationError } from "../errors/job.js";
import { type JobStatement, jobStatementTypedData, signatureProblem } from "./signatures.js";

/**
 * The TEE mode, as pure functions (no client): the EIP-712 result an enclave signs and the attestation format.
 * They match contracts/verifiers/TeeVerifier.sol (the job commitment the hub stores is in encoding/commitment.ts).
 */

/** What an enclave signs for one result: a job statement. */
export type ResultMessage = JobStatement;

/** The EIP-712 typed data of a result, under the hub's domain `{ "Verity", "1", chainId, hub }`. */
export function resultTypedData(message: ResultMessage) {
  return jobStatementTypedData(resultTypes, "Result", message);
}

/** The EIP-712 digest of a result (what `TeeVerifier.resultDigest` returns). */
export function resultDigest(message: ResultMessage): Hex {
  return hashTypedData(resultTypedData(message));
}

/**
 * The address that signed a result, recovered as the contract does: a 65-byte signature with `v` 27/28 and a
 * low `s` (see {@link signatureProblem}). Throws {@link InvalidAttestationError} for a signature the contract
 * would refuse.
 */
export async function recoverResultSigner(message: ResultMessage & { signature: Hex }): Promise<Address> {
  const { signature, ...rest } = message;
  signatureProblem(signature, (problem) => new InvalidAttestationError(problem));
  return recoverTypedDataAddress({ ...resultTypedData(rest), signature });
}

/**
 * A TEE attestation: the enclave's 65-byte signature (r, s, v) of the result. The measurement is not in it: the
 * registry knows which measurement the recovered key was registered on.
 */
export type TeeAttestation = { signature: Hex };

/** Reads a TEE attestation; throws {@link InvalidAttestationError} if it is not a 65-byte signature. */
export function parseTeeAttestation(attestation: Hex): TeeAttestation {
  if (!isHex(attestation, { strict: true })) throw new InvalidAttestationError("it is not hex");
  const length = size(attestation);
  if (length !== 65) throw new InvalidAttestationError(`it is ${length} bytes, not 65`);
  return { signature: attestation };
}

/** Builds a TEE attestation from the enclave's signature. */
export function encodeTeeAttestation({ signature }: TeeAttestation): Hex {
  return parseTeeAttestation(signature).signature;
}

/** The EIP-712 typed data an enclave key signs to prove its operator controls it (`registerEnclaveKey`). */
export function enclaveKeyRegistrationTypedData({
  operatorRegistry,
  chainId,
  operator,
  measurement,
  attestationDocHash,
}: {
  operatorRegistry: Address;
  chainId: number;
  operator: Address;
  measurement: Hex;
  attestationDocHash: Hex;
}) {
  return {
    domain: { ...OPERATOR_REGISTRY_DOMAIN, chainId, verifyingContract: operatorRegistry },
    types: enclaveKeyRegistrationTypes,
    primaryType: "EnclaveKeyRegistration",
    message: { operator, measurement, attestationDocHash },
  } as const;
}
