import type { Address, BlockNumber, Hex, WatchContractEventReturnType } from "viem";
import { watchContractEvent } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import { toVerityError } from "../errors/decode.js";
import { type RequestedJob, requestedJobFromLog } from "../internal/jobs.js";
import type { VerityClient } from "../types.js";
import { checkFields } from "../internal/parameters.js";
import { expectAddress, expectBigint, expectFunction, expectHex, expectNumber, expectParameters } from "../internal/validate.js";

export type WatchJobsParameters = {
  hub: Address;
  /** Only jobs for this model (or these models). */
  modelId?: Hex | Hex[] | undefined;
  /** Only jobs from this requester (or these requesters). */
  requester?: Address | Address[] | undefined;
  /** Only this job (or these jobs). */
  jobId?: bigint | bigint[] | undefined;
  /** Called with each batch of new requests, oldest first. */
  onJobs: (jobs: RequestedJob[]) => void;
  /** Called with RPC failures (as SDK errors where one applies). */
  onError?: ((error: Error) => void) | undefined;
  /** Also deliver requests from this block on (default: only new ones). */
  fromBlock?: BlockNumber | undefined;
  /** Poll with `eth_getFilterChanges`/`eth_getLogs` instead of subscribing (default: subscribe over WebSocket). */
  poll?: boolean | undefined;
  /** Milliseconds between polls (default: the client's `pollingInterval`). */
  pollingInterval?: number | undefined;
};
export type WatchJobsReturnType = WatchContractEventReturnType;
export type WatchJobsErrorType = Error;

/**
 * Watches the hub for new inference requests (`InferenceRequested`), filtered by model, requester or job id.
 * This is what an operator node listens to.
 *
 * @example
 * ```ts
 * const unwatch = watchJobs(publicClient, {
 *   hub, modelId,
 *   onJobs: (jobs) => jobs.forEach((j) => console.log("job", j.jobId, "deadline", j.job.deadline)),
 * });
 * // later: unwatch();
 * ```
 * @returns A function that stops watching.
 */
export function watchJobs(client: VerityClient, parameters: WatchJobsParameters): WatchJobsReturnType {
  const action = "watchJobs";
  expectParameters(action, client, parameters);
  expectAddress(action, "hub", parameters.hub);
  // Each filter is one value or an array of them.
  const each = (name: string, value: unknown, check: (parameter: string, item: unknown) => void) => {
    if (Array.isArray(value)) value.forEach((item, i) => check(`${name}[${i}]`, item));
    else if (value !== undefined) check(name, value);
  };
  each("modelId", parameters.modelId, (p, v) => expectHex(action, p, v, { size: 32 }));
  each("requester", parameters.requester, (p, v) => expectAddress(action, p, v));
  each("jobId", parameters.jobId, (p, v) => expectBigint(action, p, v));
  expectFunction(action, "onJobs", parameters.onJobs);
  expectFunction(action, "onError", parameters.onError, { optional: true });
  checkFields(action, parameters, { fromBlock: "bigint?", poll: "boolean?" });
  expectNumber(action, "pollingInterval", parameters.pollingInterval, { optional: true, integer: false });
  const { hub, modelId, requester, jobId, onJobs, onError } = parameters;
  return watchContractEvent(client, {
    address: hub,
    abi: inferenceHubAbi,
    eventName: "InferenceRequested",
    args: { jobId, modelId, requester },
    strict: true,
    fromBlock: parameters.fromBlock,
    // viem types `poll` by transport; a generic client may have a polling-only (HTTP) or a WebSocket transport.
    poll: parameters.poll as true | undefined,
    pollingInterval: parameters.pollingInterval,
    onLogs: (logs) => onJobs(logs.map(requestedJobFromLog)),
    onError: onError ? (err) => onError(toVerityError(err) as Error) : undefined,
  });
}
