import type { Address, Hash } from "viem";
import type { WriteErrorType } from "../errors/write.js";
import { writeOptions } from "../internal/client.js";
import { writeBatch } from "../internal/hub.js";
import { checkFields, checkWriteParameters } from "../internal/parameters.js";
import { expectBigint } from "../internal/validate.js";
import type { VerityClient, WriteParameters } from "../types.js";

export type BondBatchParameters = WriteParameters & {
  batchSettlement: Address;
  /** How much more of the sender's free bonded stake to lock as its batch bond. */
  amount: bigint;
};
export type BondBatchReturnType = Hash;
export type BondBatchErrorType = WriteErrorType;

/**
 * Locks more of the sender's (an operator's) free stake behind its BATCH receipts: settling needs at least the
 * contract's `minBond`, and a receipt proven wrong or signed twice slashes all of it. Reverts with
 * `OperatorInsufficientStake` or `BatchBondUnbonding` as {@link ContractRevertError}s.
 *
 * @example
 * ```ts
 * await bondBatch(operatorClient, { batchSettlement, amount: parseEther("0.1") });
 * ```
 * @returns The transaction hash.
 */
export async function bondBatch(client: VerityClient, parameters: BondBatchParameters): Promise<BondBatchReturnType> {
  const action = "bondBatch";
  checkWriteParameters(action, client, parameters);
  checkFields(action, parameters, { batchSettlement: "address" });
  expectBigint(action, "amount", parameters.amount, { min: 1n, max: 2n ** 128n - 1n });
  return writeBatch(client, parameters.batchSettlement, writeOptions(client, parameters, action), {
    functionName: "bond",
    args: [parameters.amount],
  });
}
