import type { Hex } from "viem";
import { VerityError } from "./base.js";

/** No job has this id on this hub. */
export class JobNotFoundError extends VerityError {
  override name = "JobNotFoundError";
  readonly jobId: bigint;
  constructor({ jobId, hub }: { jobId: bigint; hub: Hex }) {
    super(`Job ${jobId} does not exist on hub ${hub}.`, {
      metaMessages: ["Check the job id, the hub address and the chain (and `fromBlock` if you set one)."],
    });
    this.jobId = jobId;
  }
}

/** The job was refunded: it will never have a result. */
export class JobRefundedError extends VerityError {
  override name = "JobRefundedError";
  readonly jobId: bigint;
  constructor({ jobId }: { jobId: bigint }) {
    super(`Job ${jobId} was refunded: it has no result.`, {
      metaMessages: ["The fee was credited back to the requester: withdraw it with `withdraw`."],
    });
    this.jobId = jobId;
  }
}

/** The job's deadline passed without a result. */
export class JobExpiredError extends VerityError {
  override name = "JobExpiredError";
  readonly jobId: bigint;
  readonly deadline: bigint;
  constructor({ jobId, deadline, now }: { jobId: bigint; deadline: bigint; now: bigint }) {
    super(`Job ${jobId} expired unfulfilled at ${deadline} (chain time is ${now}).`, {
      metaMessages: ["Call `refund` to credit its fee back to the requester, then `withdraw`."],
    });
    this.jobId = jobId;
    this.deadline = deadline;
  }
}

/** Waiting for a result took longer than the timeout; the job is still pending. */
export class WaitTimeoutError extends VerityError {
  override name = "WaitTimeoutError";
  readonly jobId: bigint;
  readonly timeout: number;
  constructor({ jobId, timeout }: { jobId: bigint; timeout: number }) {
    super(`Job ${jobId} had no result after ${timeout} ms; it is still pending.`, {
      metaMessages: ["Wait longer (`timeout`), or check that an operator serves this model and mode."],
    });
    this.jobId = jobId;
    this.timeout = timeout;
  }
}

/** A TEE attestation is not a well-formed 65-byte signature. */
export class InvalidAttestationError extends VerityError {
  override name = "InvalidAttestationError";
  constructor(reason: string) {
    super(`Invalid TEE attestation: ${reason}.`, {
      metaMessages: ["A TEE attestation is the enclave's 65-byte signature (r, s, v) with a low s and v of 27 or 28."],
    });
  }
}

/** A transaction was mined but reverted. */
export class TransactionRevertedError extends VerityError {
  override name = "TransactionRevertedError";
  readonly hash: Hex;
  constructor({ hash, action }: { hash: Hex; action: string }) {
    super(`${action} transaction ${hash} reverted.`);
    this.hash = hash;
  }
}

/** `verifyJob` cannot re-check jobs of this verification mode (yet). */
export class VerificationModeNotSupportedError extends VerityError {
  override name = "VerificationModeNotSupportedError";
  readonly mode: number;
  constructor({ jobId, mode, modeLabel }: { jobId: bigint; mode: number; modeLabel: string }) {
    super(`Job ${jobId} uses the ${modeLabel} mode, which verifyJob does not re-check yet.`, {
      metaMessages: ["verifyJob re-checks TEE and ZK jobs; other modes are reported by their own events (see the README)."],
    });
    this.mode = mode;
  }
}
