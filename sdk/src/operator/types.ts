import type { AnnounceOptions } from "./announce.js";
import type { Address, Hash, Hex, LocalAccount, PublicClient, WalletClient } from "viem";
import type { Tensor } from "../encoding/tensor.js";
import type { ZkProver } from "./execute.js";
import type { Service } from "./loop.js";
import type { RuntimeOptions } from "./runtime.js";
import type { DoneOutcome, JobState, SkipReason } from "./store.js";

/** The operator node's public types: its options, the events it reports, its stats. */

/** A model version the node serves. */
export type ServedModel = {
  modelId: Hex;
  version: number;
  /**
   * Serve ZK jobs (mode 2) of this version too: the integer weights to prove with (their Poseidon commitment must
   * equal the version's `zkModelCommitment`) and the circuit's wasm/zkey directory (default circuits/build). With
   * them, the node also defends its OPTIMISTIC proposals: a challenged proposal is settled with a proof.
   */
  zk?: ZkProver | undefined;
};

export type OperatorNodeOptions = {
  /** Reads the chain: logs, job status, versions, receipts. */
  publicClient: PublicClient;
  /**
   * The operator's account: it pays the gas and is credited the operator share. A local account (private key) is
   * best: the node signs each transaction first and records its hash before broadcasting it. A JSON-RPC account
   * works too (the node then records the nonce first and the hash once the node returns it).
   * Use this account for nothing else while the node runs: the node manages its nonces.
   */
  walletClient: WalletClient;
  /** The InferenceHub. */
  hub: Address;
  /**
   * The TEE signing key, registered in the EnclaveRegistry for this operator (attested, with stake behind it) on an
   * approved measurement. Without it, TEE jobs are skipped (a node may serve only ZK, QUORUM or OPTIMISTIC jobs).
   * Before each TEE job the node reads the key's record at the job's registry (cached): a key that is not active,
   * not this operator's, or expired at the latest block signs nothing (the job is skipped, `enclave-key-inactive`);
   * within an hour of its expiry the node reports `enclave-key-expiring`.
   */
  enclave?: LocalAccount | undefined;
  /**
   * QUORUM: the operator's staking account, which signs the votes (its bonded stake is what counts, and it is
   * credited its share of the fee). Default: the wallet client's account when it is a local (private key) account.
   */
  voteAccount?: LocalAccount | undefined;
  /**
   * QUORUM: the directory the operators publish their signed votes in (one file per vote, see ./votes.ts), shared
   * by every node of the quorum. Without it, QUORUM jobs are skipped. Nodes on one machine or a shared file system
   * can use it as is; a production deployment would carry the same self-authenticating votes over a p2p gossip
   * channel instead. Each node votes, then waits until k valid votes agree with its output; the node whose voting
   * account is the lowest address among those signers submits them (the others take over, one after another, if it
   * has not after `quorumFallbackMs`).
   */
  votesDir?: string | undefined;
  /** QUORUM: how long each next signer in address order waits for the one before it to submit (default 30,000 ms). */
  quorumFallbackMs?: number | undefined;
  /**
   * OPTIMISTIC: the dispute game this node proposes to, and the ZK verifier that game must settle its challenges
   * with: an operator checks the dispute verifier before it stakes on a proposal (finding F7). Default: the hub's
   * verifiers of mode 4 and mode 2 when the node starts. A job committed to another game (`job.verifier`), or a game
   * settled by another ZK verifier or for another hub, is skipped (`untrusted-verifier`).
   */
  optimistic?: { game?: Address | undefined; zkVerifier?: Address | undefined } | undefined;
  /** The (modelId, version) pairs to serve. Jobs of other versions of these models are skipped. */
  models: readonly ServedModel[];
  /**
   * JSON file of the node's job states and scan cursor (created if absent, rewritten atomically: tmp + rename).
   * One node per file: `<stateFile>.lock` keeps a second process away; a lock left by a dead process is taken over.
   */
  stateFile: string;
  /** Base directory of relative `file:` model URIs (default `process.cwd()`). */
  modelDir?: string | undefined;
  /**
   * Blocks a request must have (its own included) before the node acts on it, and a fulfilment before it counts
   * as done (default 1: act on the latest block). Raise it on chains that reorganize.
   */
  confirmations?: number | undefined;
  /** Jobs in flight at once (default 4). Transactions still leave one at a time, in nonce order. */
  concurrency?: number | undefined;
  /** Skip jobs whose operator reward (fee - modelFee - protocol share), in the job's fee token, is below this (default 0). */
  minOperatorReward?: bigint | undefined;
  /** Skip jobs whose deadline is less than this many seconds of chain time away (default 30). */
  minTimeLeftSec?: number | undefined;
  /** Milliseconds between polls for new blocks and receipts (default 2,000). */
  pollingIntervalMs?: number | undefined;
  /**
   * First block to scan. Given: the node scans from here (already recorded jobs are not redone). Left out: from the
   * block after the last one the state file records, or from the latest block on a new state file.
   */
  fromBlock?: bigint | undefined;
  /** Largest block range per `eth_getLogs` (default 2,000; lower it for RPC providers with tighter limits). */
  maxBlockRange?: number | undefined;
  /** HTTP timeout for model and input URIs, in ms (default 30,000). */
  fetchTimeoutMs?: number | undefined;
  /** How ONNX Runtime runs the models: threads, graph optimizations, execution providers (default: CPU). */
  runtime?: RuntimeOptions | undefined;
  /**
   * Announce the versions served (`announceService`, renewed before they lapse) so requesters see someone serves
   * them (default on, 6-hour announcements); `false` announces nothing. Needs bonded stake.
   */
  announce?: AnnounceOptions | false | undefined;
  /** Structured progress events (see {@link OperatorEvent}). Exceptions thrown by the logger are ignored. */
  logger?: ((event: OperatorEvent) => void) | undefined;
};

/** What the node reports as it works. Every job event carries the job id. */
export type OperatorEvent =
  | {
      type: "node-started";
      hub: Address;
      operator: Address;
      enclave: Address | undefined;
      /** The QUORUM voting account, if the node votes. */
      voter: Address | undefined;
      chainId: number;
      stateFile: string;
      openJobs: number;
    }
  | { type: "blocks-scanned"; fromBlock: bigint; toBlock: bigint; jobs: number }
  | { type: "job-seen"; jobId: bigint; modelId: Hex; version: number; mode: number; blockNumber: bigint }
  | { type: "job-skipped"; jobId: bigint; reason: SkipReason; detail: string }
  /** TEE: the enclave key's attestation expires within the hour at this registry: re-attest it (`reattestEnclaveKey`). */
  | { type: "enclave-key-expiring"; enclave: Address; enclaveRegistry: Address; expiresAt: bigint; secondsLeft: bigint }
  | { type: "job-started"; jobId: bigint; mode: number; attempt: number }
  | { type: "job-submitted"; jobId: bigint; txHash: Hash | undefined; nonce: number }
  | {
      type: "job-fulfilled";
      jobId: bigint;
      txHash: Hash;
      gasUsed: bigint;
      blockNumber: bigint;
      /** The output tensor (when this node computed it in this run). */
      output: Tensor | undefined;
    }
  | { type: "job-fulfilled-elsewhere"; jobId: bigint; txHash: Hash | undefined; detail: string }
  | { type: "job-failed"; jobId: bigint; error: Error; willRetry: boolean }
  | { type: "job-recovered"; jobId: bigint; state: JobState; detail: string }
  /** The transaction recorded for the job can no longer fulfil it (never broadcast, dropped, reverted): serving it again. */
  | { type: "job-retrying"; jobId: bigint; detail: string }
  /** The job's recorded transaction (nonce `nonce`) is still in the mempool: the node waits for it, sending nothing. */
  | { type: "job-awaiting-transaction"; jobId: bigint; nonce: number; txHash: Hash | undefined }
  | { type: "job-interrupted"; jobId: bigint; state: JobState }
  /** QUORUM: this node's vote for its output is published. */
  | { type: "vote-published"; jobId: bigint; signer: Address; outputHash: Hex; file: string }
  /** QUORUM: the valid votes agreeing with this node's output changed, still short of k. */
  | { type: "quorum-waiting"; jobId: bigint; votes: number; required: number }
  /** QUORUM: k votes agree; `submitter` (this node when `bySelf`) submits them. */
  | { type: "quorum-reached"; jobId: bigint; signers: Address[]; submitter: Address; bySelf: boolean }
  /** OPTIMISTIC: this node committed to its output (the answer stays hidden until it reveals, in a later block). */
  | { type: "proposal-committed"; jobId: bigint; txHash: Hash; commitment: Hex; blockNumber: bigint }
  /** OPTIMISTIC: this node's proposal is recorded; final after `challengeWindowEnd` unless challenged. */
  | { type: "job-proposed"; jobId: bigint; txHash: Hash; challengeWindowEnd: bigint; output: Tensor | undefined }
  /** OPTIMISTIC: this node's proposal was challenged. */
  | { type: "proposal-challenged"; jobId: bigint; challenger: Address; resolveBy: bigint }
  /** OPTIMISTIC: this node sent finalize, resolveChallenge (with its proof) or expireChallenge. */
  | { type: "proposal-action"; jobId: bigint; action: "finalize" | "resolveChallenge" | "expireChallenge"; txHash: Hash }
  /** OPTIMISTIC: the proposal's outcome. */
  | { type: "proposal-settled"; jobId: bigint; outcome: DoneOutcome; detail: string }
  /** The node announced (or withdrew, modes []) that it serves a version: requesters see it before escrow. */
  | { type: "service-announced"; modelId: Hex; version: number; modes: number[]; until: bigint; txHash: Hash }
  /** An announcement failed (no bonded stake, a deprecated version...): tried again in 5 minutes. */
  | { type: "service-announce-failed"; modelId: Hex; version: number; error: Error }
  | { type: "node-error"; error: Error }
  | { type: "node-stopped"; stats: OperatorStats };

export type OperatorStats = {
  /** Whether `start()` is running the polling loop. */
  running: boolean;
  /** Last block whose requests are recorded. */
  lastBlock: bigint | undefined;
  /** Jobs being worked on now. */
  inFlight: number;
  /** Every job in the state file, by state. */
  jobs: Record<JobState, number>;
  /** What this node instance did since it was created. */
  session: {
    fulfilled: number;
    fulfilledElsewhere: number;
    /** QUORUM jobs another node submitted with this node's vote. */
    voted: number;
    /** OPTIMISTIC proposals of this node proven wrong. */
    overturned: number;
    skipped: number;
    failed: number;
    gasUsed: bigint;
  };
};

/**
 * The operator node. `start` opens the state file, settles what a previous run left open, and polls until `stop`;
 * `stop` lets jobs in flight reach a safe point (a job not yet submitted is left for the next run, a submitted one
 * is settled from the chain by the next run), saves the state, releases the lock, the ONNX sessions and the ZK
 * prover's worker threads (the instance cannot be started again: create a new one); `runOnce` settles open jobs,
 * scans up to the latest (confirmed) block, serves what was found and waits for it all.
 */
export type OperatorNode = Service<OperatorStats>;
