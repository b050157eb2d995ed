import type { Address, Hash } from "viem";
import type { WriteErrorType } from "../errors/write.js";
import { writeOptions } from "../internal/client.js";
import { writeBatch } from "../internal/hub.js";
import { checkFields, checkWriteParameters } from "../internal/parameters.js";
import { expectBigint } from "../internal/validate.js";
import type { VerityClient, WriteParameters } from "../types.js";

export type RequestBatchWithdrawalParameters = WriteParameters & {
  batchSettlement: Address;
  operator: Address;
  /** The amount (at most the channel's balance; replaces any pending request). */
  amount: bigint;
};
export type RequestBatchWithdrawalReturnType = Hash;
export type RequestBatchWithdrawalErrorType = WriteErrorType;

/**
 * Asks to withdraw from the sender's channel with `operator`; `withdrawBatch` pays it once the contract's
 * withdrawal delay has passed (the operator's window to claim its latest voucher). Reverts with
 * `BatchWithdrawalTooLarge` (a {@link ContractRevertError}) for more than the balance.
 *
 * @example
 * ```ts
 * await requestBatchWithdrawal(requesterClient, { batchSettlement, operator, amount: parseEther("0.005") });
 * ```
 * @returns The transaction hash.
 */
export async function requestBatchWithdrawal(
  client: VerityClient,
  parameters: RequestBatchWithdrawalParameters,
): Promise<RequestBatchWithdrawalReturnType> {
  const action = "requestBatchWithdrawal";
  checkWriteParameters(action, client, parameters);
  checkFields(action, parameters, { batchSettlement: "address", operator: "address" });
  expectBigint(action, "amount", parameters.amount, { min: 1n, max: 2n ** 128n - 1n });
  return writeBatch(client, parameters.batchSettlement, writeOptions(client, parameters, action), {
    functionName: "requestWithdrawal",
    args: [parameters.operator, parameters.amount],
  });
}
