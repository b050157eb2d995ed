import type { Hash } from "viem";
import type { ContractRevertError, JobNotFoundError } from "../errors/index.js";
import { writeOptions } from "../internal/client.js";
import { writeHub } from "../internal/hub.js";
import type { VerityClient, JobWriteParameters } from "../types.js";
import { getJob } from "./getJob.js";
import type { WriteErrorType } from "../errors/write.js";
import { checkJobWriteParameters } from "../internal/parameters.js";

export type RefundParameters = JobWriteParameters;
export type RefundReturnType = Hash;
export type RefundErrorType =
  | JobNotFoundError
  | WriteErrorType;

/**
 * Credits an expired, unfulfilled job's whole fee back to its requester (who then calls `withdraw`). Anyone may
 * send it. Before the deadline it reverts with `HubJobNotExpired` (a {@link ContractRevertError}).
 *
 * @example
 * ```ts
 * await refund(walletClient, { hub, jobId });
 * await withdraw(walletClient, { hub });
 * ```
 * @returns The transaction hash.
 */
export async function refund(client: VerityClient, parameters: RefundParameters): Promise<RefundReturnType> {
  checkJobWriteParameters("refund", client, parameters);
  const { hub, jobId } = parameters;
  const options = writeOptions(client, parameters, "refund");
  const job = parameters.job ?? (await getJob(client, { hub, jobId })).job;
  return writeHub(client, hub, options, { functionName: "refund", args: [jobId, job] });
}
