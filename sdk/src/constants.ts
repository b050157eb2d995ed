import type { Hex } from "viem";

/** Verification modes, as numbered on chain (contracts/libraries/VerityTypes.sol). */
export const VerityMode = { tee: 1, zk: 2, quorum: 3, optimistic: 4 } as const;
export type ModeName = keyof typeof VerityMode;
/** A mode by name (`"tee"`) or by its on-chain number (`1`). */
export type ModeLike = ModeName | number;
/** Highest mode number a version may declare. */
export const MAX_MODE = 7;

/** The mode's on-chain number. */
export function modeNumber(mode: ModeLike): number {
  return typeof mode === "number" ? mode : VerityMode[mode];
}

/** The mode's name, or `mode <n>` for a number without one. */
export function modeLabel(mode: number): string {
  const entry = Object.entries(VerityMode).find(([, v]) => v === mode);
  return entry ? entry[0].toUpperCase() : `mode ${mode}`;
}

/** A version's `modes` bitmask (`1 << mode` per mode). */
export function modesBitmask(modes: readonly ModeLike[]): number {
  return modes.reduce<number>((mask, m) => mask | (1 << modeNumber(m)), 0);
}

/** The modes of a bitmask, ascending. */
export function modesFromBitmask(mask: number): number[] {
  const out: number[] = [];
  for (let m = 0; m <= MAX_MODE; m++) if (mask & (1 << m)) out.push(m);
  return out;
}

/** Job status as returned by `InferenceHub.getJob`. */
export const JOB_STATUSES = ["none", "pending", "fulfilled", "refunded", "proposed", "challenged"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Status of a code measurement in the EnclaveRegistry. */
export const MEASUREMENT_STATUSES = ["unknown", "approved", "revoked"] as const;
export type MeasurementStatus = (typeof MEASUREMENT_STATUSES)[number];

/** The longest a deadline may lie in the future (InferenceHub.MAX_DEADLINE_DELAY). */
export const MAX_DEADLINE_DELAY = 30n * 24n * 3600n;
/** The most gas a request may ask for its callback (InferenceHub.MAX_CALLBACK_GAS). */
export const MAX_CALLBACK_GAS = 2_000_000;

/** EIP-712 domain name and version of results (the hub's domain). */
export const RESULT_DOMAIN = { name: "Verity", version: "1" } as const;
/** EIP-712 domain name and version of enclave key registrations (the operator registry's domain). */
export { ENCLAVE_REGISTRY_DOMAIN } from "./attestation/constants.js";
/** EIP-712 domain name and version of attestor approvals (the AttestorCommittee's domain). */
export const ATTESTOR_COMMITTEE_DOMAIN = { name: "Verity AttestorCommittee", version: "1" } as const;

/**
 * The fields of a statement about one job's output: what an enclave (Result) or an operator (QuorumVote) signs.
 * `outputURIHash` (keccak256 of the output URI, of "" for inline output) commits the delivery form.
 */
const JOB_OUTPUT_FIELDS = [
  { name: "jobId", type: "uint256" },
  { name: "modelId", type: "bytes32" },
  { name: "version", type: "uint32" },
  { name: "inputHash", type: "bytes32" },
  { name: "outputHash", type: "bytes32" },
  { name: "outputURIHash", type: "bytes32" },
] as const;

/** EIP-712 types of a TEE result signed by an enclave key. */
export const resultTypes = { Result: JOB_OUTPUT_FIELDS } as const;

/** EIP-712 types of a QUORUM vote, signed by an operator's staking account under the hub's domain. */
export const quorumVoteTypes = { QuorumVote: JOB_OUTPUT_FIELDS } as const;

/** EIP-712 types of an enclave key's proof of possession. */
export const enclaveKeyRegistrationTypes = {
  EnclaveKeyRegistration: [
    { name: "operator", type: "address" },
    { name: "teeType", type: "uint8" },
    { name: "measurement", type: "bytes32" },
    { name: "evidenceHash", type: "bytes32" },
  ],
} as const;

/**
 * What an attestor signs after verifying an enclave's evidence (AttestorCommittee.APPROVAL_TYPEHASH), under the
 * committee's domain `{ "Verity AttestorCommittee", "1", chainId, committee }`.
 */
export const attestorApprovalTypes = {
  AttestorApproval: [
    { name: "teeType", type: "uint8" },
    { name: "evidenceHash", type: "bytes32" },
    { name: "measurement", type: "bytes32" },
    { name: "key", type: "address" },
    { name: "operator", type: "address" },
    { name: "expiresAt", type: "uint64" },
  ],
} as const;

/** Enclave key statuses, indexed as in IEnclaveRegistry.KeyStatus. */
export const KEY_STATUSES = ["none", "active", "revoked", "slashed", "released"] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

export const ZERO_HASH: Hex = `0x${"00".repeat(32)}`;
