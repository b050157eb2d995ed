import { BaseError } from "viem";

/** Base of every error the Verity SDK throws; a viem `BaseError`, so `shortMessage`, `details` and `walk` work. */
export class VerityError extends BaseError {
  override name = "VerityError";
}
export type VerityErrorType = VerityError & { name: "VerityError" };
