import { type Address, type Hash, zeroAddress } from "viem";
import { inferenceHubAbi } from "../abis.js";
import type { WriteErrorType } from "../errors/write.js";
import type { ContractRevertError } from "../errors/contract.js";
import type { VerityClient, WriteParameters } from "../types.js";
import { hubWriteAction } from "../internal/simpleWrite.js";

export type WithdrawParameters = WriteParameters & {
  hub: Address;
  /** The currency: an ERC-20, or leave out for the native currency. */
  token?: Address | undefined;
};
export type WithdrawReturnType = Hash;
export type WithdrawErrorType = WriteErrorType;

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
export const withdraw: (client: VerityClient, parameters: WithdrawParameters) => Promise<WithdrawReturnType> = hubWriteAction(
  "withdraw",
  { token: "address?" },
  (p) => ({ functionName: "withdraw", args: [p.token ?? zeroAddress] }),
);
