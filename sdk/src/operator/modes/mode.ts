import type { Account, Address, Hash, LocalAccount, WalletClient } from "viem";
import type { JobStruct } from "../../types.js";
import type { Tensor } from "../../encoding/tensor.js";
import type { RequestedJob } from "../../internal/jobs.js";
import type { ChainReader } from "../chain.js";
import type { EnclaveKeyWatch } from "../enclaveKey.js";
import type { Execution, Executor } from "../execute.js";
import type { JobBook } from "../jobs.js";
import type { ServiceLoop } from "../loop.js";
import type { ModelCache } from "../models.js";
import type { JobStatus } from "../../constants.js";
import type { JobRecord, SkipReason } from "../store.js";
import type { RecordedCall, Submitter } from "../submitter.js";
import type { OperatorEvent, ServedModel } from "../types.js";

/**
 * What a verification mode plugs into the operator node. The node does everything modes share (scan, checks,
 * state, model, execution, crash-safe sends, settling); a mode says whether this node can serve it, what it pays,
 * what stake it needs, how a computed output is delivered, and how its waiting states resume. A new mode is one
 * file in this folder and one line in `modes/index.ts`.
 */
export type NodeMode = {
  mode: number;
  /** Why this node cannot serve the mode for `model` (undefined when it can). */
  problem(ctx: NodeContext, model: ServedModel): string | undefined;
  /** The least operator reward one job of this mode pays this node (default: the whole operator share). */
  reward?: ((job: JobStruct) => bigint) | undefined;
  /**
   * The bonded stake the job needs, and whose (undefined: none); `free`: stake not locked for other jobs (an
   * OPTIMISTIC proposal locks its slash amount).
   */
  stake?:
    | ((ctx: NodeContext, job: JobStruct) => { who: Address; required: bigint; purpose: string; free?: boolean | undefined } | undefined)
    | undefined;
  /**
   * Why this node refuses the job (undefined when it can serve it): checked before the model runs, e.g. the
   * OPTIMISTIC dispute game and its ZK verifier (a string: skipped as `untrusted-verifier`), or the TEE enclave key's
   * standing at the job's registry (skipped with the reason given).
   */
  vet?: ((ctx: NodeContext, job: JobStruct) => Promise<string | { reason: SkipReason; detail: string } | undefined>) | undefined;
  /** Delivers this node's computed output for a `running` job: to `submitted` (and settled), or `voted`, ... */
  deliver(ctx: NodeContext, job: ServingJob): Promise<void>;
  /** Resumes a job this mode left waiting in an open state of its own (QUORUM `voted`, OPTIMISTIC `committed`, `proposed`). */
  resume?: Partial<Record<ResumableState, (ctx: NodeContext, jobId: bigint) => Promise<void>>> | undefined;
  /** Settling: this node's recorded transaction succeeded (default: the job is fulfilled). */
  mined?: ((ctx: NodeContext, jobId: bigint, txHash: Hash, gasUsed: bigint, output: Tensor | undefined) => Promise<void>) | undefined;
  /**
   * Settling: the hub says the job is no longer pending. "wait": look again after a poll; "settled": the mode
   * recorded the outcome; undefined: the node's default (fulfilled by this node or another, else skipped).
   */
  landed?:
    | ((ctx: NodeContext, jobId: bigint, rec: JobRecord, status: JobStatus, output: Tensor | undefined) => Promise<"wait" | "settled" | undefined>)
    | undefined;
};

/** The open states a mode resumes itself. */
export type ResumableState = "voted" | "committed" | "proposed";

/** A job being served: its request, the served model version, and this node's execution of it. */
export type ServingJob = { jobId: bigint; req: RequestedJob; model: ServedModel; computed: Execution };

/** The node's parts and settings, as the modes see them. */
export type NodeContext = {
  hub: Address;
  /** The operator account (pays the gas, is credited). */
  account: Account;
  operator: Address;
  walletClient: WalletClient;
  enclave: LocalAccount | undefined;
  /** TEE: the enclave key's standing at a registry (cached reads of `getEnclaveKey`); present with `enclave`. */
  enclaveKey: EnclaveKeyWatch | undefined;
  voteAccount: LocalAccount | undefined;
  votesDir: string | undefined;
  quorumFallbackMs: number;
  pollMs: number;
  /**
   * OPTIMISTIC: the dispute game this node proposes to and the ZK verifier that game must settle challenges with
   * (configured, or the hub's verifiers of modes 4 and 2 when the node started; read once).
   */
  trustedDispute: () => Promise<{ game: Address; zkVerifier: Address }>;
  /** Blocks a transaction or event must have (its own included) before it counts. */
  confirmations: number;
  chain: ChainReader;
  models: ModelCache;
  exec: Executor;
  jobs: JobBook;
  submitter: Submitter;
  loop: ServiceLoop;
  log: (event: OperatorEvent) => void;
  /** The served model version of a job (undefined when this node does not serve it). */
  served: (job: JobStruct) => ServedModel | undefined;
  /** The job's request: from this run's scan, or re-read from its block after a restart. */
  request: (jobId: bigint) => Promise<RequestedJob>;
  /** Sends the job's one recorded transaction (see node.ts `submit`). */
  submit: (jobId: bigint, call: RecordedCall) => Promise<void>;
  /** Settles a `submitted` job from the chain. */
  settle: (jobId: bigint, output?: Tensor) => Promise<void>;
};
