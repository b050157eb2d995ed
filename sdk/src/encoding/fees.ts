import type { JobStruct } from "../types.js";

/**
 * How the hub splits a job's fee (pure; InferenceHub's payment on fulfilment): the model fee to the model owner,
 * `protocolFeeBps` basis points of the rest to the treasury, and what is left to the operator (shared equally by
 * a quorum's signers, the first taking the remainder).
 */

/** Basis points in one whole: a `protocolFeeBps` of 10,000 is 100%. */
export const BPS_DENOMINATOR = 10_000n;

/** The treasury's share of a job's fee: `protocolFeeBps` of (fee - modelFee). */
export function protocolShare(job: Pick<JobStruct, "fee" | "modelFee" | "protocolFeeBps">): bigint {
  return ((job.fee - job.modelFee) * BigInt(job.protocolFeeBps)) / BPS_DENOMINATOR;
}

/**
 * The operator's share of a job's fee, as the hub credits it: (fee - modelFee) less the protocol's share. For a
 * QUORUM job this is shared by its signers: pass `signers` to get one signer's least share.
 *
 * @example
 * ```ts
 * operatorShare({ fee: 1000n, modelFee: 100n, protocolFeeBps: 500 }); // 855n
 * ```
 */
export function operatorShare(job: Pick<JobStruct, "fee" | "modelFee" | "protocolFeeBps">, signers = 1): bigint {
  const rest = job.fee - job.modelFee - protocolShare(job);
  return rest / BigInt(Math.max(1, signers));
}
