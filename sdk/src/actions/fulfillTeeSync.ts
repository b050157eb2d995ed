import type { Address, Hash, Hex, TransactionReceipt } from "viem";
import { inferenceHubAbi } from "../abis.js";
import type { TransactionRevertedError } from "../errors/index.js";
import { waitForEvent } from "../internal/client.js";
import { orUndefined } from "../internal/jobs.js";
import type { VerityClient } from "../types.js";
import { type FulfillTeeErrorType, type FulfillTeeParameters, fulfillTee } from "./fulfillTee.js";

export type FulfillTeeSyncParameters = FulfillTeeParameters;
export type FulfillTeeSyncReturnType = {
  jobId: bigint;
  operator: Address;
  outputHash: Hex;
  output: Hex | undefined;
  outputURI: string | undefined;
  hash: Hash;
  receipt: TransactionReceipt;
};
export type FulfillTeeSyncErrorType = FulfillTeeErrorType | TransactionRevertedError;

/**
 * Delivers a TEE result (see {@link fulfillTee}) and waits: returns the `InferenceFulfilled` event and receipt.
 *
 * @example
 * ```ts
 * const { outputHash } = await fulfillTeeSync(operatorClient, { hub, jobId, output, enclave });
 * ```
 */
export async function fulfillTeeSync(
  client: VerityClient,
  parameters: FulfillTeeSyncParameters,
): Promise<FulfillTeeSyncReturnType> {
  const hash = await fulfillTee(client, parameters);
  const { event, receipt } = await waitForEvent(client, {
    hash,
    abi: inferenceHubAbi,
    eventName: "InferenceFulfilled",
    address: parameters.hub,
    action: "fulfillTee",
  });
  const { jobId, operator, outputHash, output, outputURI } = event.args;
  return { jobId, operator, outputHash, output: orUndefined(output), outputURI: orUndefined(outputURI), hash, receipt };
}
