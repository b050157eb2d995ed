import type { Hash } from "viem";
import type { ContractRevertError } from "../errors/index.js";
import { writeOptions } from "../internal/client.js";
import { writeHub } from "../internal/hub.js";
import { optimisticJob } from "../internal/optimistic.js";
import type { VerityClient, JobWriteParameters } from "../types.js";
import type { JobWriteErrorType } from "../errors/write.js";
import { checkJobWriteParameters } from "../internal/parameters.js";

export type ExpireChallengeParameters = JobWriteParameters;
export type ExpireChallengeReturnType = Hash;
export type ExpireChallengeErrorType = JobWriteErrorType;

/**
 * Ends a challenge nobody resolved within its resolution period: both bonds are credited back, the fee is refunded
 * to the requester and the job is Refunded. Anyone may send it. Before the period ends it reverts with
 * `HubResolutionOpen` (a {@link ContractRevertError}).
 *
 * @example
 * ```ts
 * await expireChallenge(walletClient, { hub, jobId });
 * await withdraw(walletClient, { hub }); // the bond back
 * ```
 * @returns The transaction hash.
 */
export async function expireChallenge(
  client: VerityClient,
  parameters: ExpireChallengeParameters,
): Promise<ExpireChallengeReturnType> {
  checkJobWriteParameters("expireChallenge", client, parameters);
  const options = writeOptions(client, parameters, "expireChallenge");
  const { job } = await optimisticJob(client, parameters, "expireChallenge");
  return writeHub(client, parameters.hub, options, { functionName: "expireChallenge", args: [parameters.jobId, job] });
}
