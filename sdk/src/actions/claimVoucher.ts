import type { Address, Hash, Hex } from "viem";
import type { WriteErrorType } from "../errors/write.js";
import { writeOptions } from "../internal/client.js";
import { writeBatch } from "../internal/hub.js";
import { checkFields, checkWriteParameters } from "../internal/parameters.js";
import { expectAddress, expectBigint, expectObject } from "../internal/validate.js";
import type { Voucher } from "../proofs/batch.js";
import type { VerityClient, WriteParameters } from "../types.js";

export type ClaimVoucherParameters = WriteParameters & {
  batchSettlement: Address;
  /** The requester's latest voucher: the cumulative amount it owes the operator on their channel. */
  voucher: Voucher;
  /** The requester's 65-byte EIP-712 signature of it. */
  signature: Hex;
};
export type ClaimVoucherReturnType = Hash;
export type ClaimVoucherErrorType = WriteErrorType;

/**
 * Pays `voucher.operator` what the voucher adds to what the channel has already paid (anyone may send it). Reverts
 * with `VoucherAlreadyClaimed` (a replay or an older voucher), `VoucherExceedsDeposit` or `VoucherInvalidSignature`
 * as {@link ContractRevertError}s.
 *
 * @example
 * ```ts
 * await claimVoucher(operatorClient, { batchSettlement, voucher, signature });
 * ```
 * @returns The transaction hash.
 */
export async function claimVoucher(client: VerityClient, parameters: ClaimVoucherParameters): Promise<ClaimVoucherReturnType> {
  const action = "claimVoucher";
  checkWriteParameters(action, client, parameters);
  checkFields(action, parameters, { batchSettlement: "address", signature: "hex" });
  expectObject(action, "voucher", parameters.voucher, { expected: "a voucher { requester, operator, cumulativeAmount }" });
  expectAddress(action, "voucher.requester", parameters.voucher.requester);
  expectAddress(action, "voucher.operator", parameters.voucher.operator);
  expectBigint(action, "voucher.cumulativeAmount", parameters.voucher.cumulativeAmount, { min: 1n });
  const { requester, operator, cumulativeAmount } = parameters.voucher;
  return writeBatch(client, parameters.batchSettlement, writeOptions(client, parameters, action), {
    functionName: "claim",
    args: [{ requester, operator, cumulativeAmount }, parameters.signature],
  });
}
