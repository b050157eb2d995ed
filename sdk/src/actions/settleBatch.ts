import type { Address, Hash, Hex } from "viem";
import type { WriteErrorType } from "../errors/write.js";
import { writeOptions } from "../internal/client.js";
import { writeBatch } from "../internal/hub.js";
import { checkFields, checkWriteParameters } from "../internal/parameters.js";
import { expectAddress, expectBigint, expectHex, expectObject, expectString } from "../internal/validate.js";
import type { BatchRoot } from "../proofs/batch.js";
import type { VerityClient, WriteParameters } from "../types.js";

export type SettleBatchParameters = WriteParameters & {
  batchSettlement: Address;
  /** The batch: its operator, first sequence, count, Merkle root and the URI of its published document. */
  batch: BatchRoot;
  /** The EIP-712 signature of the batch by the operator's account or one of its active enclave keys. */
  signature: Hex;
};
export type SettleBatchReturnType = Hash;
export type SettleBatchErrorType = WriteErrorType;

/**
 * Records a batch of an operator's HTTP receipts on chain (anyone may send it; the signature says whose it is).
 * Reverts with `BatchOutOfSequence` (a gap, or a batch settled already), `BatchUnauthorizedSigner`,
 * `BatchBondTooLow`, `BatchBondUnbonding` or `BatchInvalid` as {@link ContractRevertError}s.
 *
 * @example
 * ```ts
 * await settleBatch(operatorClient, { batchSettlement, batch, signature });
 * ```
 * @returns The transaction hash.
 */
export async function settleBatch(client: VerityClient, parameters: SettleBatchParameters): Promise<SettleBatchReturnType> {
  const action = "settleBatch";
  checkWriteParameters(action, client, parameters);
  checkFields(action, parameters, { batchSettlement: "address", signature: "hex" });
  expectObject(action, "batch", parameters.batch, { expected: "a batch { operator, firstSequence, count, root, uri }" });
  expectAddress(action, "batch.operator", parameters.batch.operator);
  expectHex(action, "batch.root", parameters.batch.root, { size: 32 });
  expectString(action, "batch.uri", parameters.batch.uri, { nonEmpty: true });
  expectBigint(action, "batch.firstSequence", parameters.batch.firstSequence, { min: 1n, max: 2n ** 64n - 1n });
  expectBigint(action, "batch.count", parameters.batch.count, { min: 1n, max: 2n ** 32n });
  const { operator, firstSequence, count, root, uri } = parameters.batch;
  return writeBatch(client, parameters.batchSettlement, writeOptions(client, parameters, action), {
    functionName: "settleBatch",
    args: [{ operator, firstSequence, count, root, uri }, parameters.signature],
  });
}
