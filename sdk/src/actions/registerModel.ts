import type { Address, Hash, WriteContractErrorType } from "viem";
import { writeContract } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import type { ContractRevertError, RpcUnreachableError, AccountRequiredError } from "../errors/index.js";
import { withVerityErrors } from "../errors/decode.js";
import { writeOptions } from "../internal/client.js";
import type { VerityClient, WriteParameters } from "../types.js";

export type RegisterModelParameters = WriteParameters & {
  /** The hub (it is the model registry). */
  hub: Address;
  /** 1 to 64 bytes, unique among the sender's models. */
  name: string;
};
export type RegisterModelReturnType = Hash;
export type RegisterModelErrorType = ContractRevertError | RpcUnreachableError | AccountRequiredError | WriteContractErrorType;

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
  const { hub, name } = parameters;
  return withVerityErrors(() =>
    writeContract(client, {
      address: hub,
      abi: inferenceHubAbi,
      functionName: "registerModel",
      args: [name],
      ...writeOptions(client, parameters, "registerModel"),
    }),
  );
}
