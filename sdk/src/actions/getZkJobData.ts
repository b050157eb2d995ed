import { VerityMode } from "../constants.js";
import type { JobNotFoundError, RpcUnreachableError, VerificationModeNotSupportedError } from "../errors/index.js";
import {
  type JobContext,
  type JobDataParameters,
  type ZkKeysParameters,
  jobDataBase,
  jobDataOfMode,
  verifyingKeyFor,
} from "../internal/jobData.js";
// Types only: the ZK modules (and the pairing library) are imported lazily, for ZK jobs, so the light entry never loads them.
import type { ZkJobData } from "../proofs/verifyZkJob.js";
import type { VerityClient } from "../types.js";
import { checkJobDataParameters } from "../internal/parameters.js";

export type GetZkJobDataParameters = JobDataParameters & ZkKeysParameters;
export type GetZkJobDataReturnType = ZkJobData;
export type GetZkJobDataErrorType = JobNotFoundError | VerificationModeNotSupportedError | RpcUnreachableError;

/**
 * Gathers a ZK job's chain data for `verifyZkJobData`: events, the fulfil calldata (the attestation), the model
 * version at the recording block, and the verifying key the caller gave for its `zkVerifyingKeyHash`. Refuses a
 * job of another mode with {@link VerificationModeNotSupportedError}. Loads no ZK code.
 *
 * @example
 * ```ts
 * const data = await getZkJobData(publicClient, { hub, jobId, zkVerifyingKeys: { [vkHash]: vkey } });
 * console.log(data.version?.zkVerifyingKeyHash, data.verifyingKey !== undefined, data.call?.attestation);
 * ```
 */
export function getZkJobData(client: VerityClient, parameters: GetZkJobDataParameters): Promise<GetZkJobDataReturnType> {
  checkJobDataParameters("getZkJobData", client, parameters);
  return jobDataOfMode(client, parameters, VerityMode.zk, gatherZkJobData);
}

/** {@link getZkJobData} for a job whose context was read (`verifyJob` reads it once for every mode). */
export async function gatherZkJobData(
  client: VerityClient,
  parameters: GetZkJobDataParameters,
  ctx: JobContext,
): Promise<ZkJobData> {
  const base = await jobDataBase(client, parameters, ctx);
  return { ...base, verifyingKey: await verifyingKeyFor(client, parameters.zkVerifyingKeys, ctx.job.job, base.version, ctx.job.job.verifier) };
}
