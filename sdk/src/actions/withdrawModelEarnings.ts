import { type Address, type Hash, type Hex, zeroAddress } from "viem";
import type { VerityClient, WriteParameters } from "../types.js";
import type { WriteErrorType } from "../errors/write.js";
import { hubWriteAction } from "../internal/simpleWrite.js";

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
export const withdrawModelEarnings: (client: VerityClient, parameters: WithdrawModelEarningsParameters) => Promise<WithdrawModelEarningsReturnType> = hubWriteAction(
  "withdrawModelEarnings",
  { modelId: "bytes32", token: "address?" },
  (p) => ({ functionName: "withdrawModelEarnings", args: [p.modelId, p.token ?? zeroAddress] }),
);
