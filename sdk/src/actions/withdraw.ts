import { type Address, type Hash, type WriteContractErrorType, zeroAddress } from "viem";
import { writeContract } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import type { AccountRequiredError, ContractRevertError, RpcUnreachableError } from "../errors/index.js";
import { withVerityErrors } from "../errors/decode.js";
import { writeOptions } from "../internal/client.js";
import type { VerityClient, WriteParameters } from "../types.js";

export type WithdrawParameters = WriteParameters & {
  hub: Address;
  /** The currency: an ERC-20, or leave out for the native currency. */
  token?: Address | undefined;
};
export type WithdrawReturnType = Hash;
export type WithdrawErrorType = ContractRevertError | RpcUnreachableError | AccountRequiredError | WriteContractErrorType;

/**
 * Pays out the sender's credited balance on the hub (operator rewards, protocol fees, refunds) in one currency.
 * Reverts with `HubNothingToWithdraw` (a {@link ContractRevertError}) when there is nothing.
 *
 * @example
 * ```ts
 * const balance = await readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "creditOf", args: [me, zeroAddress] });
 * if (balance > 0n) await withdraw(walletClient, { hub });
 * ```
 * @returns The transaction hash.
 */
export async function withdraw(client: VerityClient, parameters: WithdrawParameters): Promise<WithdrawReturnType> {
  return withVerityErrors(() =>
    writeContract(client, {
      address: parameters.hub,
      abi: inferenceHubAbi,
      functionName: "withdraw",
      args: [parameters.token ?? zeroAddress],
      ...writeOptions(client, parameters, "withdraw"),
    }),
  );
}
