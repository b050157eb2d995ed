import type { Hash } from "viem";
import { inferenceHubAbi } from "../abis.js";
import type { TransactionRevertedError } from "../errors/index.js";
import { type Mined, waitForEvent } from "../internal/client.js";
import { type RequestedJob, requestedJobFromLog } from "../internal/jobs.js";
import type { VerityClient } from "../types.js";
import {
  type RequestInferenceErrorType,
  type RequestInferenceParameters,
  sendInferenceRequest,
} from "./requestInference.js";
import { checkRequestInferenceParameters } from "../internal/parameters.js";

export type RequestInferenceSyncParameters = RequestInferenceParameters;
export type RequestInferenceSyncReturnType = RequestedJob & Mined & {
  /** The ERC-20 approval sent before the request, if one was needed. */
  approvalHash: Hash | undefined;
};
export type RequestInferenceSyncErrorType = RequestInferenceErrorType | TransactionRevertedError;

/**
 * Requests an inference (see {@link requestInference}) and waits for it: returns the job id, the committed job
 * (pass it to `fulfillTee` / `refund`), the input, and the receipt.
 *
 * @example
 * ```ts
 * const { jobId } = await requestInferenceSync(walletClient, { hub, modelId, version: 1, input, fee });
 * const { output } = await waitForResult(publicClient, { hub, jobId });
 * ```
 */
export async function requestInferenceSync(
  client: VerityClient,
  parameters: RequestInferenceSyncParameters,
): Promise<RequestInferenceSyncReturnType> {
  checkRequestInferenceParameters("requestInferenceSync", client, parameters);
  const { hash, prepared } = await sendInferenceRequest(client, parameters);
  const { event, receipt } = await waitForEvent(client, {
    hash, abi: inferenceHubAbi, eventName: "InferenceRequested", address: parameters.hub, action: "requestInference",
  });
  return { ...requestedJobFromLog(event), hash, receipt, approvalHash: prepared.approvalHash };
}
