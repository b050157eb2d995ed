import { type Address, BaseError, type Hash } from "viem";
import { type JobStatus, VerityMode } from "../constants.js";
import type { Tensor } from "../encoding/tensor.js";
import { ContractRevertError } from "../errors/contract.js";
import { TensorEncodingError } from "../errors/tensor.js";
import { ZkProofError } from "../errors/zk.js";
import type { RequestedJob } from "../internal/jobs.js";
import {
  ArtifactHashMismatchError,
  ResultMismatchError,
  UnsupportedUriError,
  ZkCommitmentMismatchError,
} from "./errors.js";
import { ModelInputError, ModelRuntimeError } from "./runtime.js";
import { IoSignatureError } from "../encoding/ioSignature.js";
import { type DoneOutcome, type JobRecord, OPEN_STATES, type SkipReason, StateStore } from "./store.js";
import type { OperatorEvent, OperatorStats } from "./types.js";

/**
 * The operator node's job state transitions (see the diagram in store.ts), each persisted before the node acts on
 * it, with the session counters and the events that report them. `skip` and `doneElsewhere` end a job's work: they
 * throw {@link Settled}, which the node's worker catches.
 */
export type JobBook = ReturnType<typeof createJobBook>;

/** Times a job is started (sent again after a transaction that could not fulfil it) before it is marked failed. */
export const MAX_ATTEMPTS = 3;
/** Errors (RPC, fetch...) a job may meet before it is marked failed; permanent errors fail it at once. */
export const MAX_ERRORS = 5;
const MAX_BACKOFF_MS = 5 * 60_000;
/** Skip reasons that depend on the node's configuration: re-examined on each start, in case it changed. */
const CONFIG_REASONS: readonly SkipReason[] = ["model-not-served", "mode-unsupported", "reward-too-low", "stake-too-low", "untrusted-verifier", "enclave-key-inactive"];

/** The job's outcome was decided (skipped / done elsewhere): stop working on it. */
export class Settled extends Error {
  override name = "Settled";
  constructor() {
    super("the job is settled");
  }
}

/** Errors that retrying cannot fix: the job is marked failed at once. */
export function isPermanent(err: unknown): boolean {
  return (
    err instanceof ArtifactHashMismatchError ||
    err instanceof UnsupportedUriError ||
    err instanceof ZkCommitmentMismatchError ||
    err instanceof ResultMismatchError ||
    err instanceof ModelInputError ||
    err instanceof IoSignatureError ||
    err instanceof ModelRuntimeError ||
    err instanceof TensorEncodingError ||
    err instanceof ZkProofError ||
    err instanceof ContractRevertError
  );
}

/** One line for the state file: the short message and the details, without viem's docs and version footer. */
export function describeError(error: Error): string {
  if (error instanceof BaseError) return error.details ? `${error.shortMessage} (${error.details})` : error.shortMessage;
  return error.message;
}

const nowSec = () => BigInt(Math.floor(Date.now() / 1000));

export type JobBookOptions = {
  stateFile: string;
  hub: Address;
  /** Milliseconds between polls: the base of the retry back-off. */
  pollMs: number;
  log: (event: OperatorEvent) => void;
  /**
   * QUORUM: whether this node's vote is among the signers of the quorum another node submitted for the job (then
   * the job ends `voted`, not `fulfilled-elsewhere`).
   */
  voteCounted?: ((jobId: bigint, record: JobRecord) => Promise<{ txHash: Hash; signers: number; voter: Address } | undefined>) | undefined;
};

export function createJobBook({ stateFile, hub, pollMs, log, voteCounted }: JobBookOptions) {
  let store: StateStore | undefined;
  /** Requests seen by this run's scans (a restarted node re-reads them from their block). */
  const requests = new Map<bigint, RequestedJob>();
  const session: OperatorStats["session"] = { fulfilled: 0, fulfilledElsewhere: 0, voted: 0, overturned: 0, skipped: 0, failed: 0, gasUsed: 0n };

  const opened = (): StateStore => {
    if (!store) throw new Error("the state file is not open yet");
    return store;
  };
  const get = (jobId: bigint): JobRecord => {
    const rec = opened().get(jobId);
    if (!rec) throw new Error(`job ${jobId} has no record`);
    return rec;
  };

  const update = (jobId: bigint, patch: Partial<JobRecord>) => {
    if (patch.state && !OPEN_STATES.includes(patch.state)) requests.delete(jobId);
    return opened().put(jobId, { ...get(jobId), ...patch });
  };

  const skip = async (jobId: bigint, reason: SkipReason, detail: string): Promise<never> => {
    await update(jobId, { state: "skipped", reason, detail, retryAt: undefined });
    session.skipped++;
    log({ type: "job-skipped", jobId, reason, detail });
    throw new Settled();
  };

  const doneElsewhere = async (jobId: bigint, detail: string, txHash?: Hash): Promise<never> => {
    const rec = get(jobId);
    if (rec.mode === VerityMode.quorum && voteCounted) {
      // Another node submitted the quorum: with this node's vote among the signers (it is credited), or without.
      const counted = await voteCounted(jobId, rec);
      if (counted) {
        const why = `${detail}; this node's vote (${counted.voter}) is one of its ${counted.signers} signers`;
        await update(jobId, { state: "done", outcome: "voted" satisfies DoneOutcome, detail: why, txHash: counted.txHash, retryAt: undefined });
        session.voted++;
        log({ type: "job-fulfilled-elsewhere", jobId, txHash: counted.txHash, detail: why });
        throw new Settled();
      }
    }
    await update(jobId, { state: "done", outcome: "fulfilled-elsewhere" satisfies DoneOutcome, detail, retryAt: undefined });
    session.fulfilledElsewhere++;
    log({ type: "job-fulfilled-elsewhere", jobId, txHash, detail });
    throw new Settled();
  };

  const giveUp = async (jobId: bigint, detail: string) => {
    await update(jobId, { state: "failed", detail, retryAt: undefined });
    session.failed++;
    log({ type: "job-failed", jobId, error: new Error(detail), willRetry: false });
  };

  return {
    session,
    requests,
    /** The open state file (throws before {@link open}). */
    get store(): StateStore {
      return opened();
    },
    get isOpen(): boolean {
      return store !== undefined;
    },
    /**
     * Opens and locks the state file, forgets old finished jobs, puts jobs skipped for a configuration reason
     * back to `seen` (the configuration may have changed), and reports the jobs a previous run left in flight.
     */
    async open(chainId: number): Promise<StateStore> {
      const s = await StateStore.open(stateFile, { chainId, hub });
      s.lock();
      const now = nowSec();
      s.prune(now);
      for (const [jobId, r] of s.inState(["skipped"])) {
        if (r.reason && CONFIG_REASONS.includes(r.reason) && r.deadline > now) {
          s.setInMemory(jobId, { ...r, state: "seen", reason: undefined, detail: undefined });
        }
      }
      for (const [jobId, r] of s.inState(["running", "committed", "submitted"])) {
        log({
          type: "job-recovered",
          jobId,
          state: r.state,
          detail:
            r.state === "running"
              ? "was running when the last run ended: nothing was sent, it will be served again"
              : r.state === "committed"
                ? `was committed (commitment ${r.commitment}): revealing it with its stored salt, never committing anew`
                : `was submitted (nonce ${r.nonce}${r.txHash ? `, tx ${r.txHash}` : ""}): settling it from the chain before anything else is sent`,
        });
      }
      await s.save();
      store = s;
      return s;
    },
    get,
    update,
    /** Records a request first met by a scan as `seen` (in memory: the scan saves once per range). */
    see(req: RequestedJob): boolean {
      const s = opened();
      if (s.get(req.jobId)) return false;
      requests.set(req.jobId, req);
      s.setInMemory(req.jobId, {
        state: "seen",
        modelId: req.job.modelId,
        version: req.job.version,
        mode: req.job.mode,
        requestBlock: req.requested.blockNumber,
        deadline: req.job.deadline,
        attempts: 0,
      });
      return true;
    },
    /** Records that every request up to `toBlock` is seen, forgets old finished jobs and saves. */
    async scanned(toBlock: bigint): Promise<void> {
      const s = opened();
      if (s.lastBlock === undefined || toBlock > s.lastBlock) s.lastBlock = toBlock;
      s.prune(nowSec());
      await s.save();
    },
    skip,
    doneElsewhere,
    /** A job that is no longer pending: done elsewhere when another result is recorded (or proposed), else skipped. */
    async notPending(jobId: bigint, status: JobStatus, when: string): Promise<never> {
      if (status === "fulfilled") await doneElsewhere(jobId, `fulfilled by someone else ${when}`);
      if (status === "proposed" || status === "challenged") await doneElsewhere(jobId, `another operator proposed a result ${when}`);
      return skip(jobId, "not-pending", `the hub says the job is ${status}`);
    },
    /** This node's transaction recorded the job's result: done, fulfilled. */
    async fulfilled(jobId: bigint, { txHash, gasUsed, blockNumber, output }: { txHash: Hash; gasUsed: bigint; blockNumber: bigint; output: Tensor | undefined }) {
      await update(jobId, { state: "done", outcome: "fulfilled", txHash, gasUsed, detail: undefined });
      session.fulfilled++;
      session.gasUsed += gasUsed;
      log({ type: "job-fulfilled", jobId, txHash, gasUsed, blockNumber, output });
    },
    /** Records a failure: retried with back-off, or failed for good (permanent errors, or too many). */
    async fail(jobId: bigint, error: Error): Promise<void> {
      const rec = get(jobId);
      const errors = (rec.errors ?? 0) + 1;
      const detail = describeError(error);
      const retryAt = Date.now() + Math.min(pollMs * 2 ** errors, MAX_BACKOFF_MS);
      if (rec.state === "submitted" || rec.state === "voted" || rec.state === "proposed") {
        // A transaction, a published vote or a bonded proposal exists: never give up on it; look at the chain again
        // later (which decides).
        await update(jobId, { errors, detail, retryAt });
        log({ type: "job-failed", jobId, error, willRetry: true });
        return;
      }
      if (rec.state === "committed") {
        // A commitment (maybe) exists: stay committed, so the next try reveals it with the same salt; give up only
        // after a few errors.
        const again = errors < MAX_ERRORS;
        await update(jobId, again ? { errors, detail, retryAt } : { state: "failed", errors, detail, retryAt: undefined });
        if (!again) session.failed++;
        log({ type: "job-failed", jobId, error, willRetry: again });
        return;
      }
      const willRetry = !isPermanent(error) && errors < MAX_ERRORS;
      if (willRetry) {
        await update(jobId, { state: "seen", errors, detail, retryAt });
      } else {
        await update(jobId, { state: "failed", detail, retryAt: undefined });
        session.failed++;
      }
      log({ type: "job-failed", jobId, error, willRetry });
    },
    giveUp,
    /** The transaction recorded for the job cannot fulfil it: serve it again (bounded by MAX_ATTEMPTS). */
    async retry(jobId: bigint, detail: string): Promise<void> {
      const rec = get(jobId);
      if (rec.attempts >= MAX_ATTEMPTS) {
        await giveUp(jobId, `${detail}; given up after ${rec.attempts} attempts`);
      } else {
        await update(jobId, { state: "seen", detail, txHash: undefined, nonce: undefined, from: undefined, retryAt: undefined });
        log({ type: "job-retrying", jobId, detail });
      }
    },
    /** Asks for the job to be looked at again after `ms` (a job waiting on others: votes, a window). */
    later: (jobId: bigint, ms = pollMs) => update(jobId, { retryAt: Date.now() + ms }),
    /** Saves and unlocks the state file (at stop). */
    async close(): Promise<void> {
      if (!store) return;
      await store.save();
      store.unlock();
    },
    counts: (): Record<JobRecord["state"], number> =>
      store?.counts() ?? { seen: 0, running: 0, submitted: 0, voted: 0, committed: 0, proposed: 0, done: 0, skipped: 0, failed: 0 },
  };
}

