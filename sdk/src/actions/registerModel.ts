import type { Address, Hash } from "viem";
import type { WriteErrorType } from "../errors/write.js";
import { writeOptions } from "../internal/client.js";
import { writeHub } from "../internal/hub.js";
import type { VerityClient, WriteParameters } from "../types.js";
import { checkRegisterModelParameters } from "../internal/parameters.js";

export type RegisterModelParameters = WriteParameters & {
  /** The hub (it is the model registry). */
  hub: Address;
  /** 1 to 64 bytes, unique among the sender's models. */
  name: string;
};
export type RegisterModelReturnType = Hash;
export type RegisterModelErrorType = WriteErrorType;

/**
 * Registers a model owned by the sender. Its id is `keccak256(abi.encode(sender, name))` (see `modelIdOf`).
 *
 * @example
 * ```ts
 * const hash = await registerModel(walletClient, { hub, name: "iris-mlp" });
 * ```
 * @returns The transaction hash. {@link registerModelSync} waits and returns the model id.
 */
export async function registerModel(
  client: VerityClient,
  parameters: RegisterModelParameters,
): Promise<RegisterModelReturnType> {
  checkRegisterModelParameters("registerModel", client, parameters);
  const { hub, name } = parameters;
  const options = writeOptions(client, parameters, "registerModel");
  return writeHub(client, hub, options, { functionName: "registerModel", args: [name] });
}
