import { type Address, type Hex, isAddressEqual } from "viem";
import { getBlockNumber, getContractEvents, readContract } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import { JOB_STATUSES, type JobStatus, type ModeLike, modeNumber } from "../constants.js";
import type { HubNotFoundError, RpcUnreachableError } from "../errors/index.js";
import { InvalidParameterError } from "../errors/request.js";
import { withHubErrors, withVerityErrors } from "../errors/decode.js";
import { requestedJobFromLog } from "../internal/jobs.js";
import { checkFields, checkMode } from "../internal/parameters.js";
import { expectParameters } from "../internal/validate.js";
import type { EventLocation, JobStruct, VerityClient } from "../types.js";

export type ListJobsParameters = {
  hub: Address;
  /** The newest block to scan (default: the latest). A page's `nextToBlock` continues the listing. */
  toBlock?: bigint | undefined;
  /** The oldest block to scan (default 0: the hub's deployment block is a good one). */
  fromBlock?: bigint | undefined;
  /** Blocks per `eth_getLogs` call (default 10,000; providers cap the range of one call). */
  blockRange?: bigint | undefined;
  /** Stop once this many jobs are found (default 20); a page ends at a block boundary, so it may hold a few more. */
  limit?: number | undefined;
  /** Only jobs of this model. */
  modelId?: Hex | undefined;
  /** Only jobs this account requested. */
  requester?: Address | undefined;
  /** Only jobs this operator was credited for (the hub's `InferenceFulfilled` operator). */
  operator?: Address | undefined;
  /** Only jobs of this mode. */
  mode?: ModeLike | undefined;
  /** Only jobs in this status now. */
  status?: JobStatus | undefined;
};

/** A job as a listing shows it: the request, where it stands now, and who was credited. */
export type JobSummary = {
  jobId: bigint;
  job: JobStruct;
  status: JobStatus;
  /** The operator credited, once fulfilled. */
  operator: Address | undefined;
  requested: EventLocation;
};

export type ListJobsReturnType = {
  /** Newest first. */
  jobs: JobSummary[];
  /** The block range scanned, newest block first. */
  scanned: { toBlock: bigint; fromBlock: bigint };
  /** Where the next (older) page starts, or undefined when `fromBlock` was reached. */
  nextToBlock: bigint | undefined;
};
export type ListJobsErrorType = InvalidParameterError | HubNotFoundError | RpcUnreachableError;

/**
 * Lists a hub's jobs newest first, paginated by block ranges: it reads `InferenceRequested` logs backwards from
 * `toBlock`, `blockRange` blocks per call (filtered by model and requester in the log query, by mode from the
 * event), reads each candidate's status (and, for an `operator` filter, its `InferenceFulfilled` event), and stops
 * once `limit` jobs are found. Pass `nextToBlock` back as `toBlock` for the next page.
 *
 * @example
 * ```ts
 * const page = await listJobs(publicClient, { hub, mode: "tee", status: "fulfilled", limit: 10 });
 * const older = page.nextToBlock === undefined ? undefined : await listJobs(publicClient, { hub, toBlock: page.nextToBlock });
 * ```
 */
export async function listJobs(client: VerityClient, parameters: ListJobsParameters): Promise<ListJobsReturnType> {
  const action = "listJobs";
  expectParameters(action, client, parameters);
  checkFields(action, parameters, {
    hub: "address", toBlock: "bigint?", fromBlock: "bigint?", blockRange: "bigint?", modelId: "bytes32?", requester: "address?", operator: "address?",
  });
  const { hub, modelId, requester, operator } = parameters;
  checkMode(action, "mode", parameters.mode, { optional: true, max: 7 });
  const limit = parameters.limit ?? 20;
  const range = parameters.blockRange ?? 10_000n;
  if (!Number.isInteger(limit) || limit < 1) throw new InvalidParameterError({ action, parameter: "limit", received: limit, expected: "a positive integer" });
  if (range < 1n) throw new InvalidParameterError({ action, parameter: "blockRange", received: range, expected: "at least 1 block" });
  if (parameters.status !== undefined && !JOB_STATUSES.includes(parameters.status)) {
    throw new InvalidParameterError({ action, parameter: "status", received: parameters.status, expected: `one of ${JOB_STATUSES.slice(1).join(", ")}` });
  }
  const mode = parameters.mode === undefined ? undefined : modeNumber(parameters.mode);
  const floor = parameters.fromBlock ?? 0n;
  // Reading the hub's job count first refuses an address that is not a hub with a clear error.
  const [latest] = await withHubErrors(client, hub, () =>
    Promise.all([getBlockNumber(client), readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "jobCount" })]),
  );
  const top = parameters.toBlock === undefined || parameters.toBlock > latest ? latest : parameters.toBlock;

  const jobs: JobSummary[] = [];
  let cursor = top;
  while (cursor >= floor && jobs.length < limit) {
    const low = cursor - range + 1n > floor ? cursor - range + 1n : floor;
    const logs = await withVerityErrors(() =>
      getContractEvents(client, {
        address: hub, abi: inferenceHubAbi, eventName: "InferenceRequested", args: { modelId, requester }, fromBlock: low, toBlock: cursor, strict: true,
      }),
    );
    const candidates = logs
      .map(requestedJobFromLog)
      .filter((r) => mode === undefined || r.job.mode === mode)
      .sort((a, b) => (a.requested.blockNumber === b.requested.blockNumber ? b.requested.logIndex - a.requested.logIndex : a.requested.blockNumber > b.requested.blockNumber ? -1 : 1));
    const found = await summaries(client, hub, candidates, low);
    for (const s of found) {
      if (parameters.status !== undefined && s.status !== parameters.status) continue;
      if (operator !== undefined && !(s.operator && isAddressEqual(s.operator, operator))) continue;
      // Past the limit, only the rest of the last job's block: the next page starts at the block below.
      const last = jobs.at(-1);
      if (jobs.length >= limit && last && last.requested.blockNumber !== s.requested.blockNumber) {
        return { jobs, scanned: { toBlock: top, fromBlock: last.requested.blockNumber }, nextToBlock: last.requested.blockNumber - 1n };
      }
      jobs.push(s);
    }
    cursor = low - 1n;
  }
  const last = jobs.at(-1);
  if (jobs.length >= limit && last) {
    return { jobs, scanned: { toBlock: top, fromBlock: last.requested.blockNumber }, nextToBlock: last.requested.blockNumber > floor ? last.requested.blockNumber - 1n : undefined };
  }
  return { jobs, scanned: { toBlock: top, fromBlock: floor }, nextToBlock: undefined };
}

/** Each requested job's status now and the operator credited, read in parallel. */
async function summaries(client: VerityClient, hub: Address, requested: ReturnType<typeof requestedJobFromLog>[], fromBlock: bigint): Promise<JobSummary[]> {
  if (requested.length === 0) return [];
  const [stored, fulfilled] = await withVerityErrors(() =>
    Promise.all([
      Promise.all(requested.map((r) => readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "getJob", args: [r.jobId] }))),
      getContractEvents(client, {
        address: hub, abi: inferenceHubAbi, eventName: "InferenceFulfilled", args: { jobId: requested.map((r) => r.jobId) }, fromBlock, toBlock: "latest", strict: true,
      }),
    ]),
  );
  return requested.map((r, i) => ({
    jobId: r.jobId,
    job: r.job,
    status: JOB_STATUSES[stored[i]![0]] ?? "none",
    operator: fulfilled.find((f) => f.args.jobId === r.jobId)?.args.operator,
    requested: r.requested,
  }));
}
