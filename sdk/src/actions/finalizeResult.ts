import type { BlockNumber, Hash } from "viem";
import type { ContractRevertError, InvalidDataError, NoProposalError, TensorEncodingError } from "../errors/index.js";
import { type InlineOutput, settleProposal } from "../internal/optimistic.js";
import type { VerityClient, JobWriteParameters } from "../types.js";
import type { JobWriteErrorType } from "../errors/write.js";

export type FinalizeResultParameters = JobWriteParameters & {
  /** The proposed output, as in the game's `ResultProposed` (read from that event when left out). */
  output?: InlineOutput | undefined;
  /** First block to search for the job's events (default: the request's block, or genesis for a given job). */
  fromBlock?: BlockNumber | undefined;
};
export type FinalizeResultReturnType = Hash;
export type FinalizeResultErrorType =
  | NoProposalError
  | TensorEncodingError
  | InvalidDataError
  | JobWriteErrorType;

/**
 * Makes an unchallenged OPTIMISTIC proposal final once its challenge window has passed, at the job's dispute game
 * (`job.verifier`): the proposer is credited the fee and its bond, its locked stake is unlocked, and the consumer is
 * called back with the output. Anyone may send it. Within the window it reverts with `GameChallengeWindowOpen` (a
 * {@link ContractRevertError}).
 *
 * @example
 * ```ts
 * await finalizeResult(walletClient, { hub, jobId }); // the proposed output is read from ResultProposed
 * ```
 * @returns The transaction hash.
 */
export async function finalizeResult(
  client: VerityClient,
  parameters: FinalizeResultParameters,
): Promise<FinalizeResultReturnType> {
  return settleProposal(client, parameters, "finalizeResult", "finalize");
}
