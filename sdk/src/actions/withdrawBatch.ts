import type { Address, Hash } from "viem";
import type { WriteErrorType } from "../errors/write.js";
import { writeOptions } from "../internal/client.js";
import { writeBatch } from "../internal/hub.js";
import { checkFields, checkWriteParameters } from "../internal/parameters.js";
import type { VerityClient, WriteParameters } from "../types.js";

export type WithdrawBatchParameters = WriteParameters & { batchSettlement: Address; operator: Address };
export type WithdrawBatchReturnType = Hash;
export type WithdrawBatchErrorType = WriteErrorType;

/**
 * Pays the sender its pending withdrawal from the channel with `operator` (what it asked for, or the balance if a
 * claim left less). Reverts with `BatchWithdrawalLocked` (a {@link ContractRevertError}) before the delay ends.
 *
 * @example
 * ```ts
 * await withdrawBatch(requesterClient, { batchSettlement, operator });
 * ```
 * @returns The transaction hash.
 */
export async function withdrawBatch(client: VerityClient, parameters: WithdrawBatchParameters): Promise<WithdrawBatchReturnType> {
  const action = "withdrawBatch";
  checkWriteParameters(action, client, parameters);
  checkFields(action, parameters, { batchSettlement: "address", operator: "address" });
  return writeBatch(client, parameters.batchSettlement, writeOptions(client, parameters, action), {
    functionName: "withdraw",
    args: [parameters.operator],
  });
}
