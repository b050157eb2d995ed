import { type Address, type Hash, type Hex, zeroAddress } from "viem";
import { writeOptions } from "../internal/client.js";
import { writeHub } from "../internal/hub.js";
import type { VerityClient, WriteParameters } from "../types.js";
import type { WriteErrorType } from "../errors/write.js";
import { checkFields, checkWriteParameters } from "../internal/parameters.js";

export type WithdrawModelEarningsParameters = WriteParameters & {
  hub: Address;
  modelId: Hex;
  /** The currency: an ERC-20, or leave out for the native currency. */
  token?: Address | undefined;
};
export type WithdrawModelEarningsReturnType = Hash;
export type WithdrawModelEarningsErrorType = WriteErrorType;

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
  const action = "withdrawModelEarnings";
  checkWriteParameters(action, client, parameters);
  checkFields(action, parameters, { hub: "address", modelId: "bytes32", token: "address?" });
  const options = writeOptions(client, parameters, "withdrawModelEarnings");
  return writeHub(client, parameters.hub, options, { functionName: "withdrawModelEarnings", args: [parameters.modelId, parameters.token ?? zeroAddress] });
}
