import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { type Address, type Hex, isAddress, isAddressEqual, isHex } from "viem";
import { OperatorStateError, OperatorStateLockedError } from "./errors.js";

/**
 * The operator node's persistent state: one JSON file holding the scan cursor and every job's state, rewritten
 * atomically (write a temporary file, fsync, rename) at each transition, so a crash leaves either the old or the
 * new file, never a torn one.
 *
 * ```
 * seen ──► running ──► submitted(from, nonce, txHash) ──► done (fulfilled | fulfilled-elsewhere)
 *   │         │   │ │        │                         ├► seen (retry: the transaction cannot fulfil the job)
 *   │         │   │ │        │                         └► proposed (OPTIMISTIC) ──► done (fulfilled | overturned)
 *   │         │   │ └► committed(salt, commitment, output) (OPTIMISTIC) ──► submitted (the reveal)
 *   │         │   └► voted (QUORUM: the vote is published) ──► submitted (this node submits the quorum)
 *   │         │                                           └► done (voted | fulfilled-elsewhere)
 *   └─────────┴──────────────┴──► skipped(reason) | failed(error)
 * ```
 * `submitted` is written BEFORE the transaction leaves the node (with its hash when the account signs locally), so
 * after a crash the node knows a transaction may exist and settles it from the chain instead of sending another.
 * `committed` is written BEFORE the OPTIMISTIC commitment leaves, with its salt: after a crash the node reveals that
 * commitment (committing it again if it never reached the chain: a commitment is stored once) instead of committing
 * anew with another salt. `voted`, `committed` and `proposed` wait on others (more votes; a later block; the
 * challenge window) and are re-checked against the chain on each poll, so they survive restarts too.
 */
export type JobState = "seen" | "running" | "submitted" | "voted" | "committed" | "proposed" | "done" | "skipped" | "failed";

/** Why a job was not served. */
export type SkipReason =
  /** No served (modelId, version) pair matches: the node has no model for it. */
  | "model-not-served"
  /** The job's verification mode is not one this node serves (TEE; ZK when weights are configured). */
  | "mode-unsupported"
  /** fee - modelFee - protocol share is below `minOperatorReward`. */
  | "reward-too-low"
  /** Less than `minTimeLeftSec` before the deadline (or the deadline passed). */
  | "deadline-too-close"
  /** The hub says the job is refunded, or unknown. */
  | "not-pending"
  /** QUORUM / OPTIMISTIC: the operator's bonded stake is below what the job requires (its minimum stake, or slash amount). */
  | "stake-too-low"
  /** QUORUM: the deadline passed before k operators voted for this node's output. */
  | "quorum-not-reached"
  /**
   * OPTIMISTIC: the job is committed to a dispute game this node does not trust (not the one it was configured with,
   * or settled by another ZK verifier): it does not stake on a dispute it cannot check.
   */
  | "untrusted-verifier"
  /**
   * TEE: the node's enclave key cannot sign for the job's registry now: not registered, not this operator's, revoked,
   * without stake, or its attestation expired at the latest block (re-attest it).
   */
  | "enclave-key-inactive";

/**
 * How a `done` job ended: `fulfilled` (this node's result is recorded and it is credited: its fulfilment, its
 * quorum submission, or its OPTIMISTIC proposal made final), `fulfilled-elsewhere` (another operator's result;
 * for QUORUM, without this node's vote), `voted` (QUORUM: another node submitted the quorum with this node's vote
 * among the signers), `overturned` (OPTIMISTIC: this node's proposal was proven wrong: its bond, the fee and its
 * locked slash amount were lost). An OPTIMISTIC proposal final after its window, an expired challenge or an upheld
 * one is `fulfilled`.
 */
export type DoneOutcome = "fulfilled" | "fulfilled-elsewhere" | "voted" | "overturned";

/** One job's record in the state file. */
export type JobRecord = {
  state: JobState;
  modelId: Hex;
  version: number;
  mode: number;
  /** Block of the `InferenceRequested` event (the node re-reads the request from it after a restart). */
  requestBlock: bigint;
  deadline: bigint;
  /** Times the job was started (`running`); the node gives up after a few. */
  attempts: number;
  /** Errors met so far (RPC, fetch...); the job is marked failed after a few, or at once for a permanent one. */
  errors?: number | undefined;
  /** Not before this time (ms since the epoch), after a retryable failure. */
  retryAt?: number | undefined;
  /** `submitted`: the sending account and the nonce it used. */
  from?: Address | undefined;
  nonce?: number | undefined;
  /** `submitted` / `done`: the fulfil transaction (absent while a JSON-RPC account has not returned it yet). */
  txHash?: Hex | undefined;
  /** `done`: how it ended, and the gas the node's transaction used. */
  outcome?: DoneOutcome | undefined;
  gasUsed?: bigint | undefined;
  /** `skipped`: why. */
  reason?: SkipReason | undefined;
  /** `skipped` / `failed` / retries: the human-readable detail. */
  detail?: string | undefined;
  /** QUORUM / OPTIMISTIC: the hash of the output this node computed (and voted for, or proposed). */
  outputHash?: Hex | undefined;
  /** OPTIMISTIC (`committed` on): the proposal's secret salt and its commitment, written before the commitment is sent. */
  salt?: Hex | undefined;
  commitment?: Hex | undefined;
  /** OPTIMISTIC (`committed` on): the output bytes to reveal. */
  output?: Hex | undefined;
  /** QUORUM: when (ms since the epoch) this node first saw k valid votes for its output. */
  quorumSince?: number | undefined;
  /** ms since the epoch. */
  updatedAt: number;
};

const FORMAT = "verity-operator-state/1";

type FileRecord = Omit<JobRecord, "requestBlock" | "deadline" | "gasUsed"> & {
  requestBlock: string;
  deadline: string;
  gasUsed?: string | undefined;
};
type StateFile = {
  format: typeof FORMAT;
  chainId: number;
  hub: Address;
  /** Last block whose requests were all recorded, or null before the first scan. */
  lastBlock: string | null;
  jobs: Record<string, FileRecord>;
};

/** The states in which a job still needs the node. */
export const OPEN_STATES: readonly JobState[] = ["seen", "running", "submitted", "voted", "committed", "proposed"];

/** Reads a state file without opening it for writing (for a CLI's `operator status`, or tests). */
export function readStateFile(file: string): { chainId: number; hub: Address; lastBlock: bigint | undefined; jobs: Map<bigint, JobRecord> } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new OperatorStateError({ file, reason: `cannot be read (${(e as Error).message})` });
  }
  return parseState(file, text);
}

function parseState(file: string, text: string) {
  const fail = (reason: string) => new OperatorStateError({ file, reason });
  let raw: StateFile;
  try {
    raw = JSON.parse(text) as StateFile;
  } catch (e) {
    throw fail(`is not JSON (${(e as Error).message})`);
  }
  if (raw?.format !== FORMAT) throw fail(`has format ${JSON.stringify(raw?.format)}, expected "${FORMAT}"`);
  if (!Number.isInteger(raw.chainId) || !isAddress(raw.hub, { strict: false })) throw fail("has no valid chainId and hub");
  const jobs = new Map<bigint, JobRecord>();
  for (const [id, r] of Object.entries(raw.jobs ?? {})) {
    if (!/^[0-9]+$/.test(id) || typeof r !== "object" || r === null || !isHex(r.modelId)) throw fail(`job ${id} is malformed`);
    jobs.set(BigInt(id), {
      ...r,
      requestBlock: BigInt(r.requestBlock),
      deadline: BigInt(r.deadline),
      gasUsed: r.gasUsed === undefined ? undefined : BigInt(r.gasUsed),
    });
  }
  return {
    chainId: raw.chainId,
    hub: raw.hub,
    lastBlock: raw.lastBlock === null || raw.lastBlock === undefined ? undefined : BigInt(raw.lastBlock),
    jobs,
  };
}

/** Files locked by node instances of this process (a lock file alone cannot tell two instances of one process apart). */
const lockedHere = new Set<string>();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The state file of one node: the jobs and the scan cursor in memory, written through on every change. Writes are
 * serialized and coalesced: `save()` resolves once a write that started after the call has reached the disk.
 */
export class StateStore {
  readonly file: string;
  readonly chainId: number;
  readonly hub: Address;
  /** Last block whose requests were all recorded. */
  lastBlock: bigint | undefined;
  readonly jobs: Map<bigint, JobRecord>;
  private current: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private locked = false;
  private tmpCounter = 0;

  private constructor(file: string, chainId: number, hub: Address, lastBlock: bigint | undefined, jobs: Map<bigint, JobRecord>) {
    this.file = file;
    this.chainId = chainId;
    this.hub = hub;
    this.lastBlock = lastBlock;
    this.jobs = jobs;
  }

  /**
   * Opens (or creates) the state file of a node serving `hub` on `chainId`. Throws {@link OperatorStateError} when
   * the file is malformed or was written for another hub or chain.
   */
  static async open(file: string, { chainId, hub }: { chainId: number; hub: Address }): Promise<StateStore> {
    const resolved = path.resolve(file);
    await mkdir(path.dirname(resolved), { recursive: true });
    let text: string | undefined;
    try {
      text = readFileSync(resolved, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new OperatorStateError({ file: resolved, reason: `cannot be read (${(e as Error).message})` });
      }
    }
    if (text === undefined) return new StateStore(resolved, chainId, hub, undefined, new Map());
    const parsed = parseState(resolved, text);
    if (parsed.chainId !== chainId || !isAddressEqual(parsed.hub, hub)) {
      throw new OperatorStateError({
        file: resolved,
        reason: `was written for hub ${parsed.hub} on chain ${parsed.chainId}, not hub ${hub} on chain ${chainId}`,
      });
    }
    return new StateStore(resolved, chainId, hub, parsed.lastBlock, parsed.jobs);
  }

  /**
   * Takes `<file>.lock` (holding this process's pid). Throws {@link OperatorStateLockedError} when a live process
   * or another node instance of this process holds it; a lock left by a dead process is taken over.
   */
  lock(): void {
    if (this.locked) return;
    const lockFile = `${this.file}.lock`;
    if (lockedHere.has(this.file)) throw new OperatorStateLockedError({ file: this.file, holder: "another node instance of this process" });
    for (let i = 0; i < 2; i++) {
      try {
        const fd = openSync(lockFile, "wx");
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        lockedHere.add(this.file);
        this.locked = true;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        let holder = Number.NaN;
        try {
          holder = Number.parseInt(readFileSync(lockFile, "utf8"), 10);
        } catch {
          // Vanished between open and read: try again.
        }
        if (Number.isInteger(holder) && holder !== process.pid && pidAlive(holder)) {
          throw new OperatorStateLockedError({ file: this.file, holder: `process ${holder}` });
        }
        // Stale: left by a process that died (or by this pid, reused, with no instance holding it here).
        try {
          unlinkSync(lockFile);
        } catch {
          // Someone else removed it first.
        }
      }
    }
    throw new OperatorStateLockedError({ file: this.file, holder: "a process racing for the lock" });
  }

  /** Releases the lock taken by {@link lock}. */
  unlock(): void {
    if (!this.locked) return;
    this.locked = false;
    lockedHere.delete(this.file);
    try {
      unlinkSync(`${this.file}.lock`);
    } catch {
      // Already gone.
    }
  }

  /**
   * Forgets finished jobs (done, skipped, failed) whose deadline is more than `graceSec` behind `nowSec`: the hub
   * refuses to fulfil them anyway, so the file stays small on a long-running node. Safety never rests on these
   * records: a rescan that meets one again finds it fulfilled or expired on chain. Returns how many were dropped.
   */
  prune(nowSec: bigint, graceSec = 3_600n): number {
    let dropped = 0;
    for (const [id, r] of this.jobs) {
      if (!OPEN_STATES.includes(r.state) && r.deadline + graceSec < nowSec) {
        this.jobs.delete(id);
        dropped++;
      }
    }
    return dropped;
  }

  get(jobId: bigint): JobRecord | undefined {
    return this.jobs.get(jobId);
  }

  /** Sets a job's record in memory (call {@link save}, or use {@link put}, to persist it). */
  setInMemory(jobId: bigint, record: Omit<JobRecord, "updatedAt">): JobRecord {
    const full: JobRecord = { ...record, updatedAt: Date.now() };
    this.jobs.set(jobId, full);
    return full;
  }

  /** Sets a job's record and waits until it is on disk. */
  async put(jobId: bigint, record: Omit<JobRecord, "updatedAt">): Promise<JobRecord> {
    const full = this.setInMemory(jobId, record);
    await this.save();
    return full;
  }

  /** Jobs in a state, ordered by job id. */
  inState(states: readonly JobState[]): [bigint, JobRecord][] {
    return [...this.jobs.entries()].filter(([, r]) => states.includes(r.state)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Counts of jobs by state. */
  counts(): Record<JobState, number> {
    const out: Record<JobState, number> = { seen: 0, running: 0, submitted: 0, voted: 0, committed: 0, proposed: 0, done: 0, skipped: 0, failed: 0 };
    for (const r of this.jobs.values()) out[r.state]++;
    return out;
  }

  /** Writes the current state to disk; resolves once a write that started after this call is durable. */
  save(): Promise<void> {
    if (this.queued) return this.queued;
    const previous = this.current ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        this.write();
      });
    this.queued = next;
    this.current = next;
    return next;
  }

  /** Atomic replace: write and fsync a temporary file beside the state file, then rename it over. */
  private write(): void {
    const jobs: Record<string, FileRecord> = {};
    for (const [id, r] of [...this.jobs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      jobs[id.toString()] = {
        ...r,
        requestBlock: r.requestBlock.toString(),
        deadline: r.deadline.toString(),
        gasUsed: r.gasUsed === undefined ? undefined : r.gasUsed.toString(),
      };
    }
    const state: StateFile = {
      format: FORMAT,
      chainId: this.chainId,
      hub: this.hub,
      lastBlock: this.lastBlock === undefined ? null : this.lastBlock.toString(),
      jobs,
    };
    const tmp = `${this.file}.${process.pid}.${this.tmpCounter++}.tmp`;
    const fd = openSync(tmp, "w");
    try {
      writeFileSync(fd, `${JSON.stringify(state, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    // Make the rename itself durable (a directory fsync; not supported everywhere, e.g. Windows).
    try {
      const dir = openSync(path.dirname(this.file), "r");
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    } catch {
      // Best effort.
    }
  }
}
