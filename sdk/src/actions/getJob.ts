import type { Address, BlockNumber, ReadContractErrorType } from "viem";
import { getContractEvents, readContract } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import { JOB_STATUSES } from "../constants.js";
import type { RpcUnreachableError } from "../errors/index.js";
import { JobNotFoundError } from "../errors/job.js";
import { withVerityErrors } from "../errors/decode.js";
import { location, orUndefined, requestedJobFromLog } from "../internal/jobs.js";
import type { Job, VerityClient } from "../types.js";

export type GetJobParameters = {
  hub: Address;
  jobId: bigint;
  /** First block to search for the job's events (default: genesis). Set it on chains with long histories. */
  fromBlock?: BlockNumber | undefined;
};
export type GetJobReturnType = Job;
export type GetJobErrorType = JobNotFoundError | RpcUnreachableError | ReadContractErrorType;

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
  const { hub, jobId } = parameters;
  const fromBlock = parameters.fromBlock ?? 0n;
  const [[statusCode, commitment], requestedLogs] = await withVerityErrors(() =>
    Promise.all([
      readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "getJob", args: [jobId] }),
      getContractEvents(client, {
        address: hub,
        abi: inferenceHubAbi,
        eventName: "InferenceRequested",
        args: { jobId },
        fromBlock,
        toBlock: "latest",
        strict: true,
      }),
    ]),
  );
  const status = JOB_STATUSES[statusCode] ?? "none";
  const requestedLog = requestedLogs[0];
  if (status === "none" || !requestedLog) throw new JobNotFoundError({ jobId, hub });
  const requested = requestedJobFromLog(requestedLog);

  let fulfillment: Job["fulfillment"];
  let refund: Job["refund"];
  if (status === "fulfilled") {
    const [log] = await withVerityErrors(() =>
      getContractEvents(client, {
        address: hub,
        abi: inferenceHubAbi,
        eventName: "InferenceFulfilled",
        args: { jobId },
        fromBlock: requestedLog.blockNumber,
        toBlock: "latest",
        strict: true,
      }),
    );
    if (log) {
      fulfillment = {
        ...location(log),
        operator: log.args.operator,
        outputHash: log.args.outputHash,
        output: orUndefined(log.args.output),
        outputURI: orUndefined(log.args.outputURI),
      };
    }
  } else if (status === "refunded") {
    const [log] = await withVerityErrors(() =>
      getContractEvents(client, {
        address: hub,
        abi: inferenceHubAbi,
        eventName: "InferenceRefunded",
        args: { jobId },
        fromBlock: requestedLog.blockNumber,
        toBlock: "latest",
        strict: true,
      }),
    );
    if (log) {
      refund = { ...location(log), requester: log.args.requester, feeToken: log.args.feeToken, amount: log.args.amount };
    }
  }

  return {
    jobId,
    status,
    commitment,
    job: requested.job,
    input: requested.input,
    inputURI: requested.inputURI,
    requested: requested.requested,
    fulfillment,
    refund,
  };
}
