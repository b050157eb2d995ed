import type { Address } from "viem";
import { VerityError } from "./base.js";

/** A receipt (from an HTTP response or a batch document) that is malformed or does not hold. */
export class InvalidReceiptError extends VerityError {
  override name = "InvalidReceiptError";
  constructor(reason: string) {
    super(`Invalid receipt: ${reason}.`, {
      metaMessages: [
        "A receipt is the operator's EIP-712 `Receipt` (request id, requester, operator, model and version, input and output hashes, price, sequence, time) with a 65-byte signature.",
      ],
    });
  }
}
export type InvalidReceiptErrorType = InvalidReceiptError & { name: "InvalidReceiptError" };

/** A published batch document that is malformed, or whose receipts do not build its root. */
export class BatchDocumentError extends VerityError {
  override name = "BatchDocumentError";
  constructor(reason: string) {
    super(`Invalid batch document: ${reason}.`, {
      metaMessages: ['A batch document is the JSON an operator publishes at a batch\'s URI (format "verity-batch/1").'],
    });
  }
}
export type BatchDocumentErrorType = BatchDocumentError & { name: "BatchDocumentError" };

/** An operator's HTTP server refused a call, or answered with something that is not its API's. */
export class InferenceHttpError extends VerityError {
  override name = "InferenceHttpError";
  readonly status: number | undefined;
  readonly code: string | undefined;
  constructor({ url, status, code, message }: { url: string; status?: number | undefined; code?: string | undefined; message: string }) {
    super(`The operator at ${url} ${status !== undefined ? `answered ${status}` : "could not be reached"}: ${message}`, {
      metaMessages: code ? [`Error code: ${code}.`] : [],
    });
    this.status = status;
    this.code = code;
  }
}
export type InferenceHttpErrorType = InferenceHttpError & { name: "InferenceHttpError" };

/** The channel's deposit does not cover the next voucher: deposit more first (`depositBatch`). */
export class InsufficientDepositError extends VerityError {
  override name = "InsufficientDepositError";
  constructor({ requester, operator, needed, available }: { requester: Address; operator: Address; needed: bigint; available: bigint }) {
    super(`The deposit of ${requester} for operator ${operator} holds ${available} wei; the next voucher needs ${needed}.`, {
      metaMessages: ["Deposit more with `depositBatch` (`verity batch deposit`): a voucher over the deposit cannot be claimed, so no operator serves it."],
    });
  }
}
export type InsufficientDepositErrorType = InsufficientDepositError & { name: "InsufficientDepositError" };
