import type { Hash } from "viem";
import type { ContractRevertError } from "../errors/index.js";
import { writeOptions } from "../internal/client.js";
import { writeHub } from "../internal/hub.js";
import { optimisticJob } from "../internal/optimistic.js";
import type { VerityClient, JobWriteParameters } from "../types.js";
import type { JobWriteErrorType } from "../errors/write.js";
import { checkJobWriteParameters } from "../internal/parameters.js";

export type ChallengeResultParameters = JobWriteParameters;
export type ChallengeResultReturnType = Hash;
export type ChallengeResultErrorType = JobWriteErrorType;

/**
 * Challenges an OPTIMISTIC job's proposed result within its window, posting the job's bond (read from its params)
 * as value. Anyone but the proposer may; one challenge per proposal. It starts a resolution period of the window's
 * length in which anyone can settle it with a ZK proof of the true output (`resolveChallenge`): a wrong proposer
 * loses its bond and `slashAmount` of its stake to the challenger. Reverts (decoded, e.g.
 * `HubChallengeWindowClosed`) come back as {@link ContractRevertError}.
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
  const { job, bond } = await optimisticJob(client, parameters, "challengeResult");
  return writeHub(client, parameters.hub, options, { functionName: "challenge", args: [parameters.jobId, job], value: bond });
}
