import type { Address, BlockNumber } from "viem";
import { getContractEvents, readContract } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import { JOB_STATUSES } from "../constants.js";
import { JobNotFoundError } from "../errors/job.js";
import { withHubErrors, withVerityErrors } from "../errors/decode.js";
import { location, orUndefined, requestedJobFromLog } from "./jobs.js";
import type { Job, VerityClient } from "../types.js";

/**
 * Reads a job from chain (the body of the `getJob` action; internal modules call it without importing an action):
 * the request from `InferenceRequested`, the stored status and commitment, and the event that ended it.
 */
export async function readJob(client: VerityClient, parameters: { hub: Address; jobId: bigint; fromBlock?: BlockNumber | undefined }): Promise<Job> {
  const { hub, jobId } = parameters;
  const fromBlock = parameters.fromBlock ?? 0n;
  const [[statusCode, commitment], requestedLogs] = await withHubErrors(client, hub, () =>
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
