import type { Address, Hash } from "viem";
import type { WriteErrorType } from "../errors/write.js";
import { writeOptions } from "../internal/client.js";
import { writeBatch } from "../internal/hub.js";
import { checkFields, checkWriteParameters } from "../internal/parameters.js";
import { expectBigint } from "../internal/validate.js";
import type { VerityClient, WriteParameters } from "../types.js";

export type DepositBatchParameters = WriteParameters & {
  batchSettlement: Address;
  /** The operator whose HTTP calls the deposit pays for (a channel per requester and operator). */
  operator: Address;
  /** The amount to deposit (native currency, wei; more than zero). */
  amount: bigint;
};
export type DepositBatchReturnType = Hash;
export type DepositBatchErrorType = WriteErrorType;

/**
 * Deposits on the sender's BATCH channel with `operator`: what the vouchers it signs for that operator's HTTP calls
 * draw on. Only that operator can claim it (no deposit is spent twice); withdrawing takes `requestBatchWithdrawal`
 * and the contract's withdrawal delay.
 *
 * @example
 * ```ts
 * await depositBatch(requesterClient, { batchSettlement, operator, amount: parseEther("0.01") });
 * ```
 * @returns The transaction hash.
 */
export async function depositBatch(client: VerityClient, parameters: DepositBatchParameters): Promise<DepositBatchReturnType> {
  const action = "depositBatch";
  checkWriteParameters(action, client, parameters);
  checkFields(action, parameters, { batchSettlement: "address", operator: "address" });
  expectBigint(action, "amount", parameters.amount, { min: 1n, max: 2n ** 128n - 1n });
  return writeBatch(client, parameters.batchSettlement, writeOptions(client, parameters, action), {
    functionName: "deposit",
    args: [parameters.operator],
    value: parameters.amount,
  });
}
