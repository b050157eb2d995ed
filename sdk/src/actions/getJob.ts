import type { Address, BlockNumber, ReadContractErrorType } from "viem";
import type { HubNotFoundError, RpcUnreachableError } from "../errors/index.js";
import type { JobNotFoundError } from "../errors/job.js";
import { readJob } from "../internal/readJob.js";
import type { Job, VerityClient } from "../types.js";
import { checkFields } from "../internal/parameters.js";
import { expectParameters } from "../internal/validate.js";

export type GetJobParameters = {
  hub: Address;
  jobId: bigint;
  /** First block to search for the job's events (default: genesis). Set it on chains with long histories. */
  fromBlock?: BlockNumber | undefined;
};
export type GetJobReturnType = Job;
export type GetJobErrorType = JobNotFoundError | HubNotFoundError | RpcUnreachableError | ReadContractErrorType;

/**
 * Reads a job: the full request from its `InferenceRequested` event, the stored status and commitment, and the
 * `InferenceFulfilled` or `InferenceRefunded` event that ended it, if any.
 *
 * @example
 * ```ts
 * const job = await getJob(publicClient, { hub, jobId: 1n });
 * if (job.status === "fulfilled") console.log(job.fulfillment.outputHash);
 * ```
 */
export async function getJob(client: VerityClient, parameters: GetJobParameters): Promise<GetJobReturnType> {
  const action = "getJob";
  expectParameters(action, client, parameters);
  checkFields(action, parameters, { hub: "address", jobId: "bigint", fromBlock: "bigint?" });
  return readJob(client, parameters);
}
