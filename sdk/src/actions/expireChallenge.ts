import type { Hash } from "viem";
import type { ContractRevertError } from "../errors/index.js";
import type { VerityClient } from "../types.js";
import { settleProposal } from "../internal/optimistic.js";
import type { FinalizeResultErrorType, FinalizeResultParameters } from "./finalizeResult.js";

export type ExpireChallengeParameters = FinalizeResultParameters;
export type ExpireChallengeReturnType = Hash;
export type ExpireChallengeErrorType = FinalizeResultErrorType;

/**
 * Ends a challenge nobody resolved within its resolution period, at the job's dispute game (`job.verifier`): the
 * proposal stands. The proposer is credited the fee and both bonds (the challenger's is lost: a challenge is never
 * free), its locked stake is unlocked, the job is final with the proposed output and the consumer is called back.
 * The proposed output is read from the game's `ResultProposed` unless given. Anyone may send it. Before the period
 * ends it reverts with `GameResolutionOpen` (a {@link ContractRevertError}).
 *
 * @example
 * ```ts
 * await expireChallenge(walletClient, { hub, jobId });
 * await withdraw(proposerClient, { hub }); // the fee and both bonds
 * ```
 * @returns The transaction hash.
 */
export async function expireChallenge(
  client: VerityClient,
  parameters: ExpireChallengeParameters,
): Promise<ExpireChallengeReturnType> {
  return settleProposal(client, parameters, "expireChallenge", "expireChallenge");
}
