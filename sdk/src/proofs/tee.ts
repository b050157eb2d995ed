import {
  type Address,
  type Hex,
  type LocalAccount,
  concat,
  hashTypedData,
  isHex,
  recoverTypedDataAddress,
  size,
} from "viem";
import {
  ATTESTOR_COMMITTEE_DOMAIN,
  ENCLAVE_REGISTRY_DOMAIN,
  attestorApprovalTypes,
  enclaveKeyRegistrationTypes,
  resultTypes,
} from "../constants.js";
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

/** The EIP-712 typed data an enclave key signs to prove its operator's enclave holds it (`registerEnclaveKey`). */
export function enclaveKeyRegistrationTypedData({
  enclaveRegistry,
  chainId,
  operator,
  teeType,
  measurement,
  evidenceHash,
}: {
  enclaveRegistry: Address;
  chainId: number;
  operator: Address;
  teeType: number;
  measurement: Hex;
  evidenceHash: Hex;
}) {
  return {
    domain: { ...ENCLAVE_REGISTRY_DOMAIN, chainId, verifyingContract: enclaveRegistry },
    types: enclaveKeyRegistrationTypes,
    primaryType: "EnclaveKeyRegistration",
    message: { operator, teeType, measurement, evidenceHash },
  } as const;
}

/** What an attestor vouches for: one piece of evidence, binding `key` to `operator`, until `expiresAt`. */
export type AttestationClaim = {
  teeType: number;
  evidenceHash: Hex;
  measurement: Hex;
  key: Address;
  operator: Address;
  /** Unix seconds. */
  expiresAt: bigint;
};

/** The EIP-712 typed data of an attestor's approval, under the committee's domain. */
export function attestorApprovalTypedData({
  committee,
  chainId,
  claim,
}: {
  committee: Address;
  chainId: number;
  claim: AttestationClaim;
}) {
  return {
    domain: { ...ATTESTOR_COMMITTEE_DOMAIN, chainId, verifyingContract: committee },
    types: attestorApprovalTypes,
    primaryType: "AttestorApproval",
    message: claim,
  } as const;
}

/** The digest attestors sign (`AttestorCommittee.approvalDigest`). */
export function attestorApprovalDigest(parameters: { committee: Address; chainId: number; claim: AttestationClaim }): Hex {
  return hashTypedData(attestorApprovalTypedData(parameters));
}

/** One attestor's signature of a claim. */
export type AttestorSignature = { attestor: Address; signature: Hex };

/**
 * Signs a claim as an attestor (run only after verifying the evidence: `verifyEvidence`, or `verity attestor sign`).
 */
export async function signAttestorApproval(
  attestor: Pick<LocalAccount, "address" | "signTypedData">,
  parameters: { committee: Address; chainId: number; claim: AttestationClaim },
): Promise<AttestorSignature> {
  return { attestor: attestor.address, signature: await attestor.signTypedData(attestorApprovalTypedData(parameters)) };
}

/**
 * The committee's proof: the attestors' 65-byte signatures, concatenated in ascending signer order (as
 * `AttestorCommittee.verifyAttestation` requires). Throws {@link InvalidAttestationError} for a malformed or
 * repeated signature.
 */
export function encodeAttestorApprovals(signatures: readonly AttestorSignature[]): Hex {
  const sorted = [...signatures].sort((a, b) => (BigInt(a.attestor) < BigInt(b.attestor) ? -1 : 1));
  for (let i = 0; i < sorted.length; i++) {
    const { attestor, signature } = sorted[i]!;
    signatureProblem(signature, (problem) => new InvalidAttestationError(`attestor ${attestor}: ${problem}`));
    if (i > 0 && BigInt(sorted[i - 1]!.attestor) === BigInt(attestor)) {
      throw new InvalidAttestationError(`attestor ${attestor} signed twice`);
    }
  }
  if (sorted.length === 0) throw new InvalidAttestationError("no attestor signed");
  return concat(sorted.map((s) => s.signature));
}
