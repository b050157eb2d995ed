import type { Address, Hex } from "viem";
import type { TransactionRevertedError } from "../errors/index.js";
import { type Mined, waitForHubEvent } from "../internal/client.js";
import { orUndefined } from "../internal/jobs.js";
import type { VerityClient } from "../types.js";
import { type FulfillTeeErrorType, type FulfillTeeParameters, fulfillTee } from "./fulfillTee.js";
import { checkFulfillTeeParameters } from "../internal/parameters.js";

export type FulfillTeeSyncParameters = FulfillTeeParameters;
/** The `InferenceFulfilled` event's fields, with the hash and receipt. */
export type FulfillTeeSyncReturnType = Mined & {
  jobId: bigint;
  operator: Address;
  outputHash: Hex;
  output: Hex | undefined;
  outputURI: string | undefined;
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
export async function fulfillTeeSync(client: VerityClient, parameters: FulfillTeeSyncParameters): Promise<FulfillTeeSyncReturnType> {
  checkFulfillTeeParameters("fulfillTeeSync", client, parameters);
  const hash = await fulfillTee(client, parameters);
  const { args, ...mined } = await waitForHubEvent(client, { hash, hub: parameters.hub, eventName: "InferenceFulfilled", action: "fulfillTee" });
  return { ...args, output: orUndefined(args.output), outputURI: orUndefined(args.outputURI), ...mined };
}
