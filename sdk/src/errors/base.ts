import { BaseError } from "viem";

/** Base of every error the Verity SDK throws; a viem `BaseError`, so `shortMessage`, `details` and `walk` work. */
export class VerityError extends BaseError {
  override name = "VerityError";
}
/** `VerityError` with its `name` narrowed, so `err.name === "VerityError"` tells it apart (viem's pattern). */
export type VerityErrorType = VerityError & { name: "VerityError" };
