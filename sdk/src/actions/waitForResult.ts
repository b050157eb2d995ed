import type { Address, BlockNumber, Hex, ReadContractErrorType } from "viem";
import { getBlock, getChainId, readContract } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import { JOB_STATUSES } from "../constants.js";
import { type Tensor, decodeTensorData } from "../encoding/tensor.js";
import type { RpcUnreachableError, TensorEncodingError } from "../errors/index.js";
import { JobExpiredError, JobNotFoundError, JobRefundedError, WaitTimeoutError } from "../errors/job.js";
import { withHubErrors, withVerityErrors } from "../errors/decode.js";
import type { Job, VerityClient } from "../types.js";
import { getJob } from "./getJob.js";
import { checkFields } from "../internal/parameters.js";
import { expectBigint, expectNumber, expectParameters } from "../internal/validate.js";

export type WaitForResultParameters = {
  hub: Address;
  jobId: bigint;
  /** Give up after this many milliseconds with {@link WaitTimeoutError} (default: wait until the deadline). */
  timeout?: number | undefined;
  /**
   * Milliseconds between polls. Default: {@link LOCAL_POLLING_INTERVAL} (200 ms) on a local development chain
   * (chain id 31337 or 1337), else the client's `pollingInterval` capped at {@link MAX_DEFAULT_POLLING_INTERVAL}
   * (1 s), so a result recorded in a fraction of a second does not wait viem's 4 s default.
   */
  pollingInterval?: number | undefined;
  /** First block to search for the job's events (see `getJob`). */
  fromBlock?: BlockNumber | undefined;
};
export type WaitForResultReturnType = {
  jobId: bigint;
  /** The decoded output tensor; undefined when the output was delivered by URI or is a set of named tensors. */
  output: Tensor | undefined;
  /** The decoded named output tensors of a model with several outputs (a set of named tensors), else undefined. */
  outputs: Record<string, Tensor> | undefined;
  /** The inline output bytes, or undefined when delivered by URI. */
  outputBytes: Hex | undefined;
  outputURI: string | undefined;
  outputHash: Hex;
  /** The operator credited. */
  operator: Address;
  /** The whole job as read from chain. */
  job: Job;
};
export type WaitForResultErrorType =
  | JobNotFoundError
  | JobRefundedError
  | JobExpiredError
  | WaitTimeoutError
  | TensorEncodingError
  | RpcUnreachableError
  | ReadContractErrorType;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The default poll interval on a local development chain (Hardhat, anvil: chain id 31337 or 1337). */
export const LOCAL_POLLING_INTERVAL = 200;
/** The longest default poll interval elsewhere: the client's `pollingInterval`, capped at this. */
export const MAX_DEFAULT_POLLING_INTERVAL = 1_000;
const LOCAL_CHAIN_IDS = new Set([31337, 1337]);

/**
 * The poll interval `waitForResult` uses when none is given, for a chain and the client's `pollingInterval`:
 * {@link LOCAL_POLLING_INTERVAL} on a local development chain, else the client's interval capped at
 * {@link MAX_DEFAULT_POLLING_INTERVAL}.
 *
 * @example
 * defaultPollingInterval(31337, 4_000) // 200
 * defaultPollingInterval(8453, 4_000) // 1000
 */
export function defaultPollingInterval(chainId: number, clientPollingInterval: number): number {
  if (LOCAL_CHAIN_IDS.has(chainId)) return LOCAL_POLLING_INTERVAL;
  return Math.min(clientPollingInterval, MAX_DEFAULT_POLLING_INTERVAL);
}

async function defaultInterval(client: VerityClient): Promise<number> {
  const chainId = client.chain?.id ?? (await withVerityErrors(() => getChainId(client)));
  return defaultPollingInterval(chainId, client.pollingInterval);
}

/**
 * Waits until a job is fulfilled and returns its output, decoded. Polls the job's status; fails with
 * {@link JobRefundedError} if it was refunded, {@link JobExpiredError} once its deadline passed unfulfilled
 * (chain time), and {@link WaitTimeoutError} after `timeout` ms. An OPTIMISTIC job's result counts once it is
 * final (after its challenge window, or a resolved challenge); a proposal made by the deadline is waited for
 * past it.
 *
 * @example
 * ```ts
 * const { jobId } = await requestInferenceSync(walletClient, { hub, modelId, version: 1, input, fee });
 * const { output, outputHash } = await waitForResult(publicClient, { hub, jobId, timeout: 60_000 });
 * ```
 */
export async function waitForResult(
  client: VerityClient,
  parameters: WaitForResultParameters,
): Promise<WaitForResultReturnType> {
  const action = "waitForResult";
  expectParameters(action, client, parameters);
  checkFields(action, parameters, { hub: "address", jobId: "bigint" });
  expectNumber(action, "timeout", parameters.timeout, { optional: true, integer: false });
  expectNumber(action, "pollingInterval", parameters.pollingInterval, { optional: true, integer: false });
  expectBigint(action, "fromBlock", parameters.fromBlock, { optional: true });
  const { hub, jobId, timeout } = parameters;
  const interval = parameters.pollingInterval ?? (await defaultInterval(client));
  const started = Date.now();
  let deadline: bigint | undefined;
  for (;;) {
    const [code] = await withHubErrors(client, hub, () =>
      readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "getJob", args: [jobId] }),
    );
    const status = JOB_STATUSES[code] ?? "none";
    if (status === "none") throw new JobNotFoundError({ jobId, hub });
    if (status === "refunded") throw new JobRefundedError({ jobId });
    if (status === "fulfilled") {
      const job = await getJob(client, { hub, jobId, fromBlock: parameters.fromBlock });
      const f = job.fulfillment;
      if (!f) throw new JobNotFoundError({ jobId, hub });
      return {
        jobId,
        ...decodedOutput(f.output),
        outputBytes: f.output,
        outputURI: f.outputURI,
        outputHash: f.outputHash,
        operator: f.operator,
        job,
      };
    }
    // An OPTIMISTIC job proposed or challenged by its deadline becomes final after it: keep waiting.
    if (status === "pending") {
      deadline ??= (await getJob(client, { hub, jobId, fromBlock: parameters.fromBlock })).job.deadline;
      const { timestamp } = await withVerityErrors(() => getBlock(client, { blockTag: "latest" }));
      if (timestamp > deadline) throw new JobExpiredError({ jobId, deadline, now: timestamp });
    }
    const elapsed = Date.now() - started;
    if (timeout !== undefined && elapsed >= timeout) throw new WaitTimeoutError({ jobId, timeout });
    await sleep(timeout === undefined ? interval : Math.min(interval, timeout - elapsed));
  }
}

function decodedOutput(bytes: Hex | undefined): { output: Tensor | undefined; outputs: Record<string, Tensor> | undefined } {
  if (bytes === undefined) return { output: undefined, outputs: undefined };
  const d = decodeTensorData(bytes);
  return { output: d.tensor, outputs: d.tensors };
}
