import { type Address, type Hash, type Hex, type WriteContractErrorType, zeroAddress } from "viem";
import { writeContract } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import type { AccountRequiredError, ContractRevertError, RpcUnreachableError } from "../errors/index.js";
import { withVerityErrors } from "../errors/decode.js";
import { writeOptions } from "../internal/client.js";
import type { VerityClient, WriteParameters } from "../types.js";

export type WithdrawModelEarningsParameters = WriteParameters & {
  hub: Address;
  modelId: Hex;
  /** The currency: an ERC-20, or leave out for the native currency. */
  token?: Address | undefined;
};
export type WithdrawModelEarningsReturnType = Hash;
export type WithdrawModelEarningsErrorType =
  | ContractRevertError
  | RpcUnreachableError
  | AccountRequiredError
  | WriteContractErrorType;

/**
 * Pays a model's accumulated fees in one currency to its owner, the sender.
 *
 * @example
 * ```ts
 * await withdrawModelEarnings(ownerClient, { hub, modelId });
 * ```
 * @returns The transaction hash.
 */
export async function withdrawModelEarnings(
  client: VerityClient,
  parameters: WithdrawModelEarningsParameters,
): Promise<WithdrawModelEarningsReturnType> {
  return withVerityErrors(() =>
    writeContract(client, {
      address: parameters.hub,
      abi: inferenceHubAbi,
      functionName: "withdrawModelEarnings",
      args: [parameters.modelId, parameters.token ?? zeroAddress],
      ...writeOptions(client, parameters, "withdrawModelEarnings"),
    }),
  );
}
