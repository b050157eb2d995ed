import type { Hash } from "viem";
import type { ContractRevertError } from "../errors/index.js";
import { writeOptions } from "../internal/client.js";
import { writeGame } from "../internal/hub.js";
import { optimisticJob } from "../internal/optimistic.js";
import type { VerityClient, JobWriteParameters } from "../types.js";
import type { JobWriteErrorType } from "../errors/write.js";
import { checkJobWriteParameters } from "../internal/parameters.js";

export type ChallengeResultParameters = JobWriteParameters;
export type ChallengeResultReturnType = Hash;
export type ChallengeResultErrorType = JobWriteErrorType;

/**
 * Challenges an OPTIMISTIC job's proposed result within its window at the job's dispute game (`job.verifier`),
 * posting the job's bond (read from its params) as value. Anyone but the proposer may; one challenge per proposal.
 * It starts a resolution period of the window's length in which anyone can settle it with a ZK proof of the true
 * output (`resolveChallenge`): a wrong proposer loses its bond and the fee to the resolver and its locked
 * `slashAmount` (half to the challenger, half burned), and the challenger gets its bond back; a right proposal
 * upheld costs the challenger its bond (to the resolver). A challenge nobody resolves in time lets the proposal
 * stand (`expireChallenge`: the proposer takes both bonds). Reverts (decoded, e.g. `GameChallengeWindowClosed`) come
 * back as {@link ContractRevertError}.
 *
 * @example
 * ```ts
 * await challengeResult(watcherClient, { hub, jobId });
 * await resolveChallenge(watcherClient, { hub, jobId, output: proved.output, proof: proved.proof });
 * ```
 * @returns The transaction hash.
 */
export async function challengeResult(
  client: VerityClient,
  parameters: ChallengeResultParameters,
): Promise<ChallengeResultReturnType> {
  checkJobWriteParameters("challengeResult", client, parameters);
  const options = writeOptions(client, parameters, "challengeResult");
  const { job, game, bond } = await optimisticJob(client, parameters, "challengeResult");
  return writeGame(client, game, options, { functionName: "challenge", args: [parameters.jobId, job], value: bond });
}
