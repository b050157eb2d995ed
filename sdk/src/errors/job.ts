import type { Address, Hex } from "viem";
import { modeLabel } from "../constants.js";
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
export type JobNotFoundErrorType = JobNotFoundError & { name: "JobNotFoundError" };

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
export type JobRefundedErrorType = JobRefundedError & { name: "JobRefundedError" };

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
export type JobExpiredErrorType = JobExpiredError & { name: "JobExpiredError" };

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
export type WaitTimeoutErrorType = WaitTimeoutError & { name: "WaitTimeoutError" };

/** A TEE attestation is not a well-formed 65-byte signature. */
export class InvalidAttestationError extends VerityError {
  override name = "InvalidAttestationError";
  constructor(reason: string) {
    super(`Invalid TEE attestation: ${reason}.`, {
      metaMessages: ["A TEE attestation is the enclave's 65-byte signature (r, s, v) with a low s and v of 27 or 28."],
    });
  }
}
export type InvalidAttestationErrorType = InvalidAttestationError & { name: "InvalidAttestationError" };

/** A transaction was mined but reverted. */
export class TransactionRevertedError extends VerityError {
  override name = "TransactionRevertedError";
  readonly hash: Hex;
  constructor({ hash, action }: { hash: Hex; action: string }) {
    super(`${action} transaction ${hash} reverted.`);
    this.hash = hash;
  }
}
export type TransactionRevertedErrorType = TransactionRevertedError & { name: "TransactionRevertedError" };

/** `verifyJob` cannot re-check jobs of this verification mode (yet). */
export class VerificationModeNotSupportedError extends VerityError {
  override name = "VerificationModeNotSupportedError";
  readonly mode: number;
  constructor({ jobId, mode, modeLabel }: { jobId: bigint; mode: number; modeLabel: string }) {
    super(`Job ${jobId} uses the ${modeLabel} mode, which verifyJob does not re-check yet.`, {
      metaMessages: ["verifyJob re-checks TEE, ZK, QUORUM and OPTIMISTIC jobs; other modes are reported by their own events (see the README)."],
    });
    this.mode = mode;
  }
}
export type VerificationModeNotSupportedErrorType = VerificationModeNotSupportedError & { name: "VerificationModeNotSupportedError" };

/** The action needs a job of another verification mode (e.g. `proposeResult` on a TEE job). */
export class JobModeMismatchError extends VerityError {
  override name = "JobModeMismatchError";
  readonly jobId: bigint;
  readonly mode: number;
  readonly expected: number;
  constructor({ jobId, mode, expected, action }: { jobId: bigint; mode: number; expected: number; action: string }) {
    super(`${action} needs a ${modeLabel(expected)} job, but job ${jobId} uses the ${modeLabel(mode)} mode.`);
    this.jobId = jobId;
    this.mode = mode;
    this.expected = expected;
  }
}
export type JobModeMismatchErrorType = JobModeMismatchError & { name: "JobModeMismatchError" };

/** A quorum vote does not recover to its signer for this job's vote, or a quorum attestation is malformed. */
export class InvalidQuorumVoteError extends VerityError {
  override name = "InvalidQuorumVoteError";
  readonly signer: Address | undefined;
  /** What is wrong, without the prefix. */
  readonly reason: string;
  constructor({ reason, signer }: { reason: string; signer?: Address | undefined }) {
    super(`Invalid quorum vote: ${reason}.`, {
      metaMessages: [
        "A vote is the operator's EIP-712 QuorumVote(jobId, modelId, version, inputHash, outputHash) signature under " +
          "the hub's domain; an attestation is the votes as signer (20 bytes) | r | s | v, signers ascending.",
      ],
    });
    this.signer = signer;
    this.reason = reason;
  }
}
export type InvalidQuorumVoteErrorType = InvalidQuorumVoteError & { name: "InvalidQuorumVoteError" };

/** Fewer distinct votes for the output than the job's quorum k (or more than the hub accepts). */
export class QuorumNotReachedError extends VerityError {
  override name = "QuorumNotReachedError";
  readonly jobId: bigint;
  readonly votes: number;
  readonly required: number;
  constructor({ jobId, votes, required, maximum }: { jobId: bigint; votes: number; required: number; maximum?: number | undefined }) {
    super(
      maximum !== undefined && votes > maximum
        ? `Job ${jobId}: ${votes} votes, but an attestation carries at most ${maximum}.`
        : `Job ${jobId} needs ${required} distinct operator votes for its output, ${votes} were given.`,
      { metaMessages: ["Collect votes from more staked operators (see the operator node's votesDir)."] },
    );
    this.jobId = jobId;
    this.votes = votes;
    this.required = required;
  }
}
export type QuorumNotReachedErrorType = QuorumNotReachedError & { name: "QuorumNotReachedError" };

/** An OPTIMISTIC job has no proposal (no `ResultProposed` event) to finalize or challenge. */
export class NoProposalError extends VerityError {
  override name = "NoProposalError";
  readonly jobId: bigint;
  constructor({ jobId, status }: { jobId: bigint; status: string }) {
    super(`Job ${jobId} has no proposed result (its status is ${status}).`);
    this.jobId = jobId;
  }
}
export type NoProposalErrorType = NoProposalError & { name: "NoProposalError" };

/**
 * An OPTIMISTIC job's verifier is not a dispute game of this hub (it answers no `hub()`, or names another hub): its
 * events cannot be read as the job's dispute, so no verdict is given.
 */
export class UnknownDisputeGameError extends VerityError {
  override name = "UnknownDisputeGameError";
  readonly jobId: bigint;
  readonly game: Address;
  constructor({ jobId, game, reason }: { jobId: bigint; game: Address; reason: string }) {
    super(`Job ${jobId} is committed to verifier ${game}, which is not a dispute game of this hub: ${reason}.`, {
      metaMessages: [
        "An OPTIMISTIC job is settled by the game it was requested under (job.verifier, an OptimisticGame deployed for the hub).",
        "Check the hub address and the chain; a job whose verifier is not such a game has no dispute to re-check.",
      ],
    });
    this.jobId = jobId;
    this.game = game;
  }
}
export type UnknownDisputeGameErrorType = UnknownDisputeGameError & { name: "UnknownDisputeGameError" };
