import type { Address, Hash, WriteContractErrorType } from "viem";
import { writeContract } from "viem/actions";
import { operatorRegistryAbi } from "../abis.js";
import type { AccountRequiredError, ContractRevertError, RpcUnreachableError } from "../errors/index.js";
import { withVerityErrors } from "../errors/decode.js";
import { writeOptions } from "../internal/client.js";
import type { VerityClient, WriteParameters } from "../types.js";

export type WithdrawSlashCreditParameters = WriteParameters & {
  operatorRegistry: Address;
};
export type WithdrawSlashCreditReturnType = Hash;
export type WithdrawSlashCreditErrorType =
  | ContractRevertError
  | RpcUnreachableError
  | AccountRequiredError
  | WriteContractErrorType;

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
export async function withdrawSlashCredit(
  client: VerityClient,
  parameters: WithdrawSlashCreditParameters,
): Promise<WithdrawSlashCreditReturnType> {
  return withVerityErrors(() =>
    writeContract(client, {
      address: parameters.operatorRegistry,
      abi: operatorRegistryAbi,
      functionName: "withdrawSlashCredit",
      ...writeOptions(client, parameters, "withdrawSlashCredit"),
    }),
  );
}
