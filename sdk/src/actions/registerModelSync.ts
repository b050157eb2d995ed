import type { Address, Hex } from "viem";
import type { TransactionRevertedError } from "../errors/index.js";
import { type Mined, waitForHubEvent } from "../internal/client.js";
import type { VerityClient } from "../types.js";
import { type RegisterModelErrorType, type RegisterModelParameters, registerModel } from "./registerModel.js";
import { checkRegisterModelParameters } from "../internal/parameters.js";

export type RegisterModelSyncParameters = RegisterModelParameters;
/** The `ModelRegistered` event's fields, with the hash and receipt. */
export type RegisterModelSyncReturnType = Mined & { modelId: Hex; owner: Address; name: string };
export type RegisterModelSyncErrorType = RegisterModelErrorType | TransactionRevertedError;

/**
 * Registers a model and waits for it: returns the `ModelRegistered` event's fields and the receipt.
 *
 * @example
 * ```ts
 * const { modelId } = await registerModelSync(walletClient, { hub, name: "iris-mlp" });
 * ```
 */
export async function registerModelSync(client: VerityClient, parameters: RegisterModelSyncParameters): Promise<RegisterModelSyncReturnType> {
  checkRegisterModelParameters("registerModelSync", client, parameters);
  const hash = await registerModel(client, parameters);
  const { args, ...mined } = await waitForHubEvent(client, { hash, hub: parameters.hub, eventName: "ModelRegistered", action: "registerModel" });
  return { ...args, ...mined };
}
