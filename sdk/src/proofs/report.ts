import type { Address, Hex } from "viem";
import type { VerifyCheckName as TeeVerifyCheckName } from "./verifyTeeJob.js";
import type { ZkCircuit, ZkVerifyCheckName } from "./verifyZkJob.js";
import type { QuorumReport, QuorumVerifyCheckName } from "./verifyQuorumJob.js";
import type { OptimisticReport, OptimisticVerifyCheckName } from "./verifyOptimisticJob.js";

/**
 * The report `verifyJob` returns, for every mode it re-checks. Each mode's pure core returns a narrower report of
 * this shape: `verifyTeeJobData` (TEE checks, enclave key and measurement), `verifyZkJobData` (ZK checks and the
 * version's circuit), `verifyQuorumJobData` (signers and stakes) and `verifyOptimisticJobData` (proposal,
 * challenge, resolution). Types only: this module loads no mode's code.
 */

/** The name of a check, of any mode. */
export type VerifyCheckName = TeeVerifyCheckName | ZkVerifyCheckName | QuorumVerifyCheckName | OptimisticVerifyCheckName;

/** One check: whether it holds and why. `skipped` checks could not be made from chain data (e.g. URI data). */
export type VerifyCheck = { name: VerifyCheckName; ok: boolean; detail: string; skipped?: true };

/** A job's verification report. `pending`: not fulfilled yet, or not final yet; `invalid`: a check failed. */
export type VerifyJobReport = {
  jobId: bigint;
  verdict: "valid" | "invalid" | "pending";
  checks: VerifyCheck[];
  /** The block the result was recorded in; registry and model state is read at this block. */
  blockNumber: bigint | undefined;
  /** The operator the hub credited. */
  operator: Address | undefined;
  /** TEE: the enclave key the signature recovers to. */
  enclaveKey: Address | undefined;
  /** TEE: the measurement that key was registered on. */
  measurement: Hex | undefined;
  outputHash: Hex | undefined;
  /** ZK: the model version's circuit at the recording block (OPTIMISTIC: at the resolution block, if challenged). */
  zk?: ZkCircuit | undefined;
  /** QUORUM: k, the minimum stake, and each signer with its stake at the recording block. */
  quorum?: QuorumReport | undefined;
  /** OPTIMISTIC: where the job stands, its proposal, challenge, resolution and finalization. */
  optimistic?: OptimisticReport | undefined;
};
