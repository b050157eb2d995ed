import type { Address, Hash } from "viem";
import { operatorRegistryAbi } from "../abis.js";
import type { ContractRevertError } from "../errors/index.js";
import type { VerityClient, WriteParameters } from "../types.js";
import type { WriteErrorType } from "../errors/write.js";
import { registryWriteAction } from "../internal/simpleWrite.js";

export type WithdrawSlashCreditParameters = WriteParameters & {
  operatorRegistry: Address;
};
export type WithdrawSlashCreditReturnType = Hash;
export type WithdrawSlashCreditErrorType = WriteErrorType;

/**
 * Pays out the slashed stake credited to the sender in the operator registry (a challenger that proved a proposal
 * wrong), in the staking asset. Reverts with `OperatorNoSlashCredit` (a {@link ContractRevertError}) when there
 * is none.
 *
 * @example
 * ```ts
 * const credit = await readContract(client, { address: operatorRegistry, abi: operatorRegistryAbi, functionName: "slashCreditOf", args: [me] });
 * if (credit > 0n) await withdrawSlashCredit(walletClient, { operatorRegistry });
 * ```
 * @returns The transaction hash.
 */
export const withdrawSlashCredit: (client: VerityClient, parameters: WithdrawSlashCreditParameters) => Promise<WithdrawSlashCreditReturnType> = registryWriteAction(
  "withdrawSlashCredit",
  {},
  () => ({ functionName: "withdrawSlashCredit" }),
);
