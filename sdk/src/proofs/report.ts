import type { Address, Hex } from "viem";
import type { TeeVerifyCheckName } from "./verifyTeeJob.js";
import type { ZkCircuit, ZkVerifyCheckName } from "./verifyZkJob.js";
import type { QuorumReport, QuorumVerifyCheckName } from "./verifyQuorumJob.js";
import type { OptimisticReport, OptimisticVerifyCheckName } from "./verifyOptimisticJob.js";

/**
 * The report `verifyJob` returns, for every mode it re-checks. Each mode's pure core returns this report narrowed
 * to its checks and parts: `verifyTeeJobData` (TEE checks, enclave key and measurement), `verifyZkJobData` (ZK
 * checks and the version's circuit), `verifyQuorumJobData` (signers and stakes) and `verifyOptimisticJobData`
 * (proposal, challenge, resolution). Types only: this module loads no mode's code.
 */

/** The name of a check, of any mode. */
export type VerifyCheckName = TeeVerifyCheckName | ZkVerifyCheckName | QuorumVerifyCheckName | OptimisticVerifyCheckName;

/** One check: whether it holds and why. `skipped` checks could not be made from chain data (e.g. URI data). */
export type VerifyCheck<Name extends string = VerifyCheckName> = { name: Name; ok: boolean; detail: string; skipped?: true };

/** `pending`: not fulfilled yet, or not final yet; `invalid`: a check failed; `valid`: every check holds. */
export type Verdict = "valid" | "invalid" | "pending";

/** A job's verification report; `Name` narrows its checks to one mode's. */
export type VerifyJobReport<Name extends VerifyCheckName = VerifyCheckName> = {
  jobId: bigint;
  verdict: Verdict;
  checks: VerifyCheck<Name>[];
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

/** The report of a mode without an enclave (ZK, QUORUM, OPTIMISTIC): no enclave key, no measurement. */
export type NoEnclave = { enclaveKey: undefined; measurement: undefined };
