import type { Address, Hash, Hex, TransactionReceipt } from "viem";
import { inferenceHubAbi } from "../abis.js";
import { waitForEvent } from "../internal/client.js";
import type { VerityClient } from "../types.js";
import { type RegisterModelErrorType, type RegisterModelParameters, registerModel } from "./registerModel.js";
import type { TransactionRevertedError } from "../errors/index.js";

export type RegisterModelSyncParameters = RegisterModelParameters;
export type RegisterModelSyncReturnType = {
  modelId: Hex;
  owner: Address;
  name: string;
  hash: Hash;
  receipt: TransactionReceipt;
};
export type RegisterModelSyncErrorType = RegisterModelErrorType | TransactionRevertedError;

/**
 * Registers a model and waits for it: returns the `ModelRegistered` event's fields and the receipt.
 *
 * @example
 * ```ts
 * const { modelId } = await registerModelSync(walletClient, { hub, name: "iris-mlp" });
 * ```
 */
export async function registerModelSync(
  client: VerityClient,
  parameters: RegisterModelSyncParameters,
): Promise<RegisterModelSyncReturnType> {
  const hash = await registerModel(client, parameters);
  const { event, receipt } = await waitForEvent(client, {
    hash,
    abi: inferenceHubAbi,
    eventName: "ModelRegistered",
    address: parameters.hub,
    action: "registerModel",
  });
  return { ...event.args, hash, receipt };
}
