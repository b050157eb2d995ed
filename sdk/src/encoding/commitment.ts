import { type Address, type Hex, encodeAbiParameters, getAbiItem, keccak256 } from "viem";
import { inferenceHubAbi } from "../abis.js";
import { JOB_STATUSES, type JobStatus } from "../constants.js";
import type { JobStruct } from "../types.js";

/**
 * The job commitment the hub stores (pure): one slot per job, `keccak256(abi.encode(jobId, job))` with its lowest
 * byte replaced by the job's status. It matches `InferenceHub.jobCommitment` and the hub's storage layout.
 */

const jobCommitmentInputs = getAbiItem({ abi: inferenceHubAbi, name: "jobCommitment" }).inputs;

/** `keccak256(abi.encode(jobId, job))`: `InferenceHub.jobCommitment`, before the status byte is applied. */
export function jobCommitment(jobId: bigint, job: JobStruct): Hex {
  return keccak256(encodeAbiParameters(jobCommitmentInputs, [jobId, job]));
}

/** The slot the hub stores for a job: its commitment with the lowest byte replaced by the status. */
export function storedJobCommitment(jobId: bigint, job: JobStruct, status: JobStatus): Hex {
  const code = JOB_STATUSES.indexOf(status);
  return `${jobCommitment(jobId, job).slice(0, 64)}${code.toString(16).padStart(2, "0")}` as Hex;
}

/** Splits a stored slot into the commitment's upper 31 bytes and the status. */
export function splitStoredCommitment(stored: Hex): { commitmentPrefix: Hex; status: JobStatus } {
  const code = Number.parseInt(stored.slice(64, 66), 16);
  return { commitmentPrefix: stored.slice(0, 64) as Hex, status: JOB_STATUSES[code] ?? "none" };
}

/** Whether `(jobId, job)` hashes to the stored slot (ignoring the status byte). */
export function commitmentMatches(stored: Hex, jobId: bigint, job: JobStruct): boolean {
  return stored.slice(0, 64).toLowerCase() === jobCommitment(jobId, job).slice(0, 64).toLowerCase();
}

/** Whether two jobs are the same (every field equal): their commitments under one job id are. */
export function sameJob(a: JobStruct, b: JobStruct): boolean {
  return jobCommitment(0n, a) === jobCommitment(0n, b);
}

/**
 * The commitment an OPTIMISTIC proposer makes before it reveals (`IOptimisticGame.proposalCommitment`):
 * `keccak256(abi.encode(jobId, proposer, outputHash, salt))`. It names the proposer, so a reveal copied by another
 * account matches no commitment.
 */
export function proposalCommitment({ jobId, proposer, outputHash, salt }: { jobId: bigint; proposer: Address; outputHash: Hex; salt: Hex }): Hex {
  return keccak256(
    encodeAbiParameters([{ type: "uint256" }, { type: "address" }, { type: "bytes32" }, { type: "bytes32" }], [jobId, proposer, outputHash, salt]),
  );
}
