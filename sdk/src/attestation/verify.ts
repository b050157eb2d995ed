// One entry for both TEE types: the evidence bytes stored off chain, verified by the type registered on chain.
import { AttestationFormatError } from "../errors/attestation.js";
import { TeeType } from "./constants.js";
import { type NitroEvidence, type NitroVerifyOptions, verifyNitroDocument } from "./nitro.js";
import { type TdxEvidence, type TdxVerifyOptions, verifyTdxEvidence } from "./tdx.js";

/** Options of {@link verifyEvidence}: each verifier reads its own (`roots`, `maxAgeSeconds`, `allowDevelopment` for Nitro; `rootCaDer`, `acceptedTcbStatuses` for TDX). */
export type VerifyEvidenceOptions = NitroVerifyOptions & TdxVerifyOptions;

/** Verified evidence of either TEE type; `teeType` tells them apart. */
export type VerifiedEvidence = NitroEvidence | TdxEvidence;

/**
 * Verifies evidence bytes of the given TEE type: `TeeType.AwsNitro` (1), the raw COSE_Sign1 document
 * ({@link verifyNitroDocument}); `TeeType.IntelTdx` (2), the verity-tdx-evidence/v1 JSON ({@link verifyTdxEvidence}).
 * Any other type is an {@link AttestationFormatError} (`code: "unsupported"`).
 *
 * @example
 * const verified = await verifyEvidence(enclave.teeType, evidenceBytes, { now: block.timestamp, binding });
 */
export function verifyEvidence(
  teeType: typeof TeeType.AwsNitro,
  evidence: Uint8Array,
  options: VerifyEvidenceOptions
): Promise<NitroEvidence>;
export function verifyEvidence(
  teeType: typeof TeeType.IntelTdx,
  evidence: Uint8Array,
  options: VerifyEvidenceOptions
): Promise<TdxEvidence>;
export function verifyEvidence(
  teeType: number,
  evidence: Uint8Array,
  options: VerifyEvidenceOptions
): Promise<VerifiedEvidence>;
export async function verifyEvidence(
  teeType: number,
  evidence: Uint8Array,
  options: VerifyEvidenceOptions
): Promise<VerifiedEvidence> {
  if (!(evidence instanceof Uint8Array)) {
    throw new AttestationFormatError({
      reason: `expected the evidence bytes, got ${evidence === null ? "null" : typeof evidence}`,
    });
  }
  switch (teeType) {
    case TeeType.AwsNitro:
      return verifyNitroDocument(evidence, options);
    case TeeType.IntelTdx:
      return verifyTdxEvidence(evidence, options);
    default:
      throw new AttestationFormatError({
        reason: `TEE type ${String(teeType)} is not supported (1 = AWS Nitro, 2 = Intel TDX)`,
        code: "unsupported",
      });
  }
}
