import {
  type Account,
  type Address,
  type Hash,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type TransactionSerializable,
  type WalletClient,
  BaseError,
  decodeFunctionData,
  encodeFunctionData,
  isAddressEqual,
  keccak256,
  toHex,
  zeroHash,
} from "viem";
import {
  estimateGas,
  getBlock,
  getBlockNumber,
  getChainId,
  getContractEvents,
  getTransaction,
  getTransactionCount,
  getTransactionReceipt,
  prepareTransactionRequest,
  waitForTransactionReceipt,
  readContract,
  sendRawTransaction,
  sendTransaction,
  simulateContract,
} from "viem/actions";
import { inferenceHubAbi, operatorRegistryAbi } from "../abis.js";
import { prepareTeeFulfillment } from "../actions/fulfillTee.js";
import { MAX_QUORUM, decodeOptimisticParams, decodeQuorumParams } from "../encoding/params.js";
import { encodeQuorumAttestation, parseQuorumAttestation, signQuorumVote } from "../proofs/quorum.js";
import { JOB_STATUSES, type JobStatus, VerityMode, modeLabel } from "../constants.js";
import { type Tensor, decodeTensor, encodeTensor } from "../encoding/tensor.js";
import { ContractRevertError } from "../errors/contract.js";
import { toVerityError, withVerityErrors } from "../errors/decode.js";
import { TensorEncodingError } from "../errors/index.js";
import { ZkProofError } from "../errors/zk.js";
import { type RequestedJob, requestedJobFromLog } from "../internal/jobs.js";
import type { MlpWeights } from "../model/mlp.js";
import { modelCommitment, proveMlp, releaseZkWorkers } from "../proofs/zk.js";
import type { JobStruct, ModelVersion } from "../types.js";
import {
  ArtifactHashMismatchError,
  OperatorConfigError,
  OperatorStateError,
  ResultMismatchError,
  UnsupportedUriError,
  ZkCommitmentMismatchError,
} from "./errors.js";
import { fetchArtifact } from "./fetchModel.js";
import { type ModelSession, ModelInputError, ModelRuntimeError, loadModel, runMlp } from "./runtime.js";
import { type DoneOutcome, type JobRecord, type JobState, OPEN_STATES, type SkipReason, StateStore } from "./store.js";
import { collectVotes, publishVote } from "./votes.js";
import { encodeZkAttestation, zkArtifactsIn } from "./zk.js";

/** A model version the node serves. */
export type ServedModel = {
  modelId: Hex;
  version: number;
  /**
   * Serve ZK jobs (mode 2) of this version too: the integer weights to prove with (their Poseidon commitment must
   * equal the version's `zkModelCommitment`) and the circuit's wasm/zkey directory (default circuits/build). With
   * them, the node also defends its OPTIMISTIC proposals: a challenged proposal is settled with a proof.
   */
  zk?: { weights: MlpWeights; artifactsDir?: string | undefined } | undefined;
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
   * The TEE signing key, registered in the OperatorRegistry for this operator on an approved measurement. Without
   * it, TEE jobs are skipped (a node may serve only ZK, QUORUM or OPTIMISTIC jobs).
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
  | { type: "job-interrupted"; jobId: bigint; state: JobState }
  /** QUORUM: this node's vote for its output is published. */
  | { type: "vote-published"; jobId: bigint; signer: Address; outputHash: Hex; file: string }
  /** QUORUM: the valid votes agreeing with this node's output changed, still short of k. */
  | { type: "quorum-waiting"; jobId: bigint; votes: number; required: number }
  /** QUORUM: k votes agree; `submitter` (this node when `bySelf`) submits them. */
  | { type: "quorum-reached"; jobId: bigint; signers: Address[]; submitter: Address; bySelf: boolean }
  /** OPTIMISTIC: this node's proposal is recorded; final after `challengeWindowEnd` unless challenged. */
  | { type: "job-proposed"; jobId: bigint; txHash: Hash; challengeWindowEnd: bigint; output: Tensor | undefined }
  /** OPTIMISTIC: this node's proposal was challenged. */
  | { type: "proposal-challenged"; jobId: bigint; challenger: Address; resolveBy: bigint }
  /** OPTIMISTIC: this node sent finalize, resolveChallenge (with its proof) or expireChallenge. */
  | { type: "proposal-action"; jobId: bigint; action: "finalize" | "resolveChallenge" | "expireChallenge"; txHash: Hash }
  /** OPTIMISTIC: the proposal's outcome. */
  | { type: "proposal-settled"; jobId: bigint; outcome: DoneOutcome; detail: string }
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

export type OperatorNode = {
  /** Opens the state file, settles what a previous run left open, and polls until {@link stop}. */
  start(): Promise<void>;
  /**
   * Stops polling, lets jobs in flight reach a safe point (a job not yet submitted is left for the next run, a
   * submitted one is settled from the chain by the next run), saves the state, releases the lock, the ONNX sessions
   * and the ZK prover's worker threads. The instance cannot be started again: create a new one.
   */
  stop(): Promise<void>;
  /** One pass: settle open jobs, scan up to the latest (confirmed) block, serve what was found, wait for it all. */
  runOnce(): Promise<void>;
  stats(): OperatorStats;
};

/** Times a job is started (sent again after a transaction that could not fulfil it) before it is marked failed. */
const MAX_ATTEMPTS = 3;
/** Errors (RPC, fetch...) a job may meet before it is marked failed; permanent errors fail it at once. */
const MAX_ERRORS = 5;
const MAX_BACKOFF_MS = 5 * 60_000;
const GAS_HEADROOM_PERCENT = 120n;
/** Skip reasons that depend on the node's configuration: re-examined on each start, in case it changed. */
const CONFIG_REASONS: readonly SkipReason[] = ["model-not-served", "mode-unsupported", "reward-too-low", "stake-too-low"];

/** The operator's share of a job's fee, as the hub credits it: (fee - modelFee) less protocolFeeBps of it. */
export function operatorReward(job: Pick<JobStruct, "fee" | "modelFee" | "protocolFeeBps">): bigint {
  const rest = job.fee - job.modelFee;
  return rest - (rest * BigInt(job.protocolFeeBps)) / 10_000n;
}

/** Thrown inside a job when the node is stopping; the job stays in its current state for the next run. */
class Interrupted extends Error {}

/** The job's own outcome was decided (skipped / done elsewhere): stop working on it. */
class Settled extends Error {}

/** Errors that retrying cannot fix: the job is marked failed at once. */
function isPermanent(err: unknown): boolean {
  return (
    err instanceof ArtifactHashMismatchError ||
    err instanceof UnsupportedUriError ||
    err instanceof ZkCommitmentMismatchError ||
    err instanceof ResultMismatchError ||
    err instanceof ModelInputError ||
    err instanceof ModelRuntimeError ||
    err instanceof TensorEncodingError ||
    err instanceof ZkProofError ||
    err instanceof ContractRevertError
  );
}

/** One line for the state file: the short message and the details, without viem's docs and version footer. */
function describeError(error: Error): string {
  if (error instanceof BaseError) return error.details ? `${error.shortMessage} (${error.details})` : error.shortMessage;
  return error.message;
}

const versionKey = (modelId: Hex, version: number) => `${modelId.toLowerCase()}/${version}`;

type ResultStruct = { output: Hex; outputURI: string; outputHash: Hex };
/** The hub calls the node sends. */
type HubCall =
  | { functionName: "fulfill"; args: readonly [bigint, JobStruct, ResultStruct, Hex] }
  | { functionName: "proposeResult"; args: readonly [bigint, JobStruct, ResultStruct]; value: bigint }
  | { functionName: "finalize"; args: readonly [bigint, JobStruct, ResultStruct] }
  | { functionName: "resolveChallenge"; args: readonly [bigint, JobStruct, ResultStruct, Hex] }
  | { functionName: "expireChallenge"; args: readonly [bigint, JobStruct] };

function encodeHubCall(call: HubCall): Hex {
  switch (call.functionName) {
    case "fulfill":
      return encodeFunctionData({ abi: inferenceHubAbi, functionName: "fulfill", args: [...call.args] });
    case "proposeResult":
      return encodeFunctionData({ abi: inferenceHubAbi, functionName: "proposeResult", args: [...call.args] });
    case "finalize":
      return encodeFunctionData({ abi: inferenceHubAbi, functionName: "finalize", args: [...call.args] });
    case "resolveChallenge":
      return encodeFunctionData({ abi: inferenceHubAbi, functionName: "resolveChallenge", args: [...call.args] });
    case "expireChallenge":
      return encodeFunctionData({ abi: inferenceHubAbi, functionName: "expireChallenge", args: [...call.args] });
  }
}

const inlineResult = (output: Hex): ResultStruct => ({ output, outputURI: "", outputHash: zeroHash });

/**
 * Creates the reference operator node: it watches the hub for `InferenceRequested` (polling `eth_getLogs` over
 * block ranges, so an RPC restart loses nothing), and for each job of a served model version: checks mode, reward,
 * time left and (QUORUM, OPTIMISTIC) its stake; fetches the model by the version's URI and checks keccak256 of it
 * against the version's artifactHash; runs it with ONNX Runtime; and then, by mode:
 * - TEE: signs the result with the enclave key and fulfils;
 * - ZK: proves it with Groth16 and fulfils;
 * - QUORUM: signs a vote with its staking account (`voteAccount`) and publishes it in `votesDir`; once k valid
 *   votes of staked operators agree with its output, the lowest signer submits them all (the others record that
 *   their vote counted);
 * - OPTIMISTIC: proposes with the job's bond, finalizes once the challenge window is over, and, when challenged,
 *   proves its output (with ZK weights) to settle the challenge in its favour.
 * Each job's state is persisted before anything is sent, and the hub's job status is re-checked before every
 * transaction, so a crash at any point never fulfils (or proposes) a job twice and a job in flight is completed by
 * the next run. Wrong OPTIMISTIC proposals by others are the watcher's business (`createWatcher`).
 *
 * Usable from a tiny script (e.g. for a kill -9 test): it needs only viem clients.
 *
 * @example
 * ```ts
 * import { type Hex, createPublicClient, createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { createOperatorNode, loadIrisModel } from "verity/operator";
 *
 * const transport = http(process.env.VERITY_RPC_URL);
 * const node = createOperatorNode({
 *   publicClient: createPublicClient({ transport }),
 *   walletClient: createWalletClient({ account: privateKeyToAccount(process.env.OPERATOR_KEY as Hex), transport }),
 *   hub: "0x…",
 *   enclave: privateKeyToAccount(process.env.ENCLAVE_KEY as Hex),
 *   models: [{ modelId: "0x…", version: 1, zk: { weights: loadIrisModel().weights } }],
 *   stateFile: "operator-state.json",
 *   modelDir: "/srv/verity",          // file:models/iris-mlp.onnx -> /srv/verity/models/iris-mlp.onnx
 *   logger: (e) => console.log(e.type, "jobId" in e ? e.jobId : ""),
 * });
 * await node.start();
 * process.on("SIGTERM", () => void node.stop());
 * ```
 */
export function createOperatorNode(options: OperatorNodeOptions): OperatorNode {
  const { publicClient, walletClient, hub, enclave, votesDir } = options;
  const account: Account | undefined = walletClient.account;
  if (!account) throw new OperatorConfigError("the wallet client has no account (the operator's account pays the gas)");
  const operator = account.address;
  const voteAccount: LocalAccount | undefined =
    options.voteAccount ?? (account.type === "local" ? (account as LocalAccount) : undefined);
  const quorumFallbackMs = options.quorumFallbackMs ?? 30_000;
  const confirmations = options.confirmations ?? 1;
  const concurrency = options.concurrency ?? 4;
  const minReward = options.minOperatorReward ?? 0n;
  const minTimeLeft = BigInt(options.minTimeLeftSec ?? 30);
  const pollMs = options.pollingIntervalMs ?? 2_000;
  const maxRange = BigInt(options.maxBlockRange ?? 2_000);
  const modelDir = options.modelDir ?? process.cwd();
  if (!Number.isInteger(confirmations) || confirmations < 1) throw new OperatorConfigError(`confirmations ${confirmations} must be an integer >= 1`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new OperatorConfigError(`concurrency ${concurrency} must be an integer >= 1`);
  if (maxRange < 1n) throw new OperatorConfigError(`maxBlockRange ${options.maxBlockRange} must be >= 1`);
  if (options.models.length === 0) throw new OperatorConfigError("no models to serve");

  const served = new Map<string, ServedModel>();
  for (const m of options.models) served.set(versionKey(m.modelId, m.version), m);
  const modelIds = [...new Set(options.models.map((m) => m.modelId.toLowerCase() as Hex))];

  const log = (event: OperatorEvent) => {
    try {
      options.logger?.(event);
    } catch {
      // A logger must not break the node.
    }
  };

  let store: StateStore | undefined;
  let opening: Promise<StateStore> | undefined;
  let started = false;
  let stopping = false;
  let stopped: Promise<void> | undefined;
  let loop: Promise<void> | undefined;
  let scanFrom: bigint | undefined;
  let usedZk = false;
  let nextNonce: number | undefined;
  const inFlight = new Map<bigint, Promise<void>>();
  /** Jobs this worker pool moved to `running` in the current attempt. */
  const startedHere = new Set<bigint>();
  const requests = new Map<bigint, RequestedJob>();
  const versions = new Map<string, Promise<ModelVersion>>();
  const sessions = new Map<string, Promise<ModelSession>>();
  const zkCommitments = new Map<string, Promise<void>>();
  const session = { fulfilled: 0, fulfilledElsewhere: 0, voted: 0, overturned: 0, skipped: 0, failed: 0, gasUsed: 0n };
  let wakers: (() => void)[] = [];

  // ───────────────────────────────────────── helpers ─────────────────────────────────────────

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopping) return resolve();
      const done = () => {
        clearTimeout(timer);
        wakers = wakers.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakers.push(done);
    });

  const checkStop = () => {
    if (stopping) throw new Interrupted();
  };

  /** Runs `fn`s one at a time, in call order (transaction sends: one nonce after another). */
  let sendTail: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = sendTail.then(fn, fn);
    sendTail = run.catch(() => undefined);
    return run;
  };
  let tickTail: Promise<unknown> = Promise.resolve();
  const oneTickAtATime = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tickTail.then(fn, fn);
    tickTail = run.catch(() => undefined);
    return run;
  };

  const rpc = <T>(fn: () => Promise<T>) => withVerityErrors(fn);

  const jobStatus = async (jobId: bigint): Promise<JobStatus> => {
    const [code] = await rpc(() => readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "getJob", args: [jobId] }));
    return JOB_STATUSES[code] ?? "none";
  };

  const latestBlockNumber = () => rpc(() => getBlockNumber(publicClient, { cacheTime: 0 }));
  const isConfirmed = async (blockNumber: bigint) => (await latestBlockNumber()) - blockNumber + 1n >= BigInt(confirmations);

  const getVersion = (modelId: Hex, version: number): Promise<ModelVersion> => {
    const key = versionKey(modelId, version);
    let p = versions.get(key);
    if (!p) {
      p = rpc(() =>
        readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "getVersion", args: [modelId, version] }),
      ).then((v) => ({ ...v }));
      p.catch(() => versions.delete(key));
      versions.set(key, p);
    }
    return p;
  };

  /** The version's model, fetched by its URI, checked against its artifactHash, loaded in ONNX Runtime (cached). */
  const getSession = (modelId: Hex, version: number): Promise<ModelSession> => {
    const key = versionKey(modelId, version);
    let p = sessions.get(key);
    if (!p) {
      p = (async () => {
        const v = await getVersion(modelId, version);
        const bytes = await fetchArtifact({
          uri: v.uri,
          expectedHash: v.artifactHash,
          what: `model file of version ${version}`,
          baseDir: modelDir,
          timeoutMs: options.fetchTimeoutMs,
        });
        return loadModel(bytes);
      })();
      // A failure is not cached: the file may be fixed, the network may come back.
      p.catch(() => sessions.delete(key));
      sessions.set(key, p);
    }
    return p;
  };

  /** Checks (once per version) that the configured weights are the ones the version commits to. */
  const checkZkCommitment = (modelId: Hex, version: number, weights: MlpWeights): Promise<void> => {
    const key = versionKey(modelId, version);
    let p = zkCommitments.get(key);
    if (!p) {
      p = (async () => {
        const v = await getVersion(modelId, version);
        const actual = toHex(await modelCommitment(weights), { size: 32 });
        if (actual.toLowerCase() !== v.zkModelCommitment.toLowerCase()) {
          throw new ZkCommitmentMismatchError({ modelId, version, expected: v.zkModelCommitment, actual });
        }
      })();
      p.catch(() => zkCommitments.delete(key));
      zkCommitments.set(key, p);
    }
    return p;
  };

  /** The job's request: from this run's scan, or re-read from its block after a restart. */
  const getRequest = async (jobId: bigint, rec: JobRecord): Promise<RequestedJob> => {
    const cached = requests.get(jobId);
    if (cached) return cached;
    const logs = await rpc(() =>
      getContractEvents(publicClient, {
        address: hub,
        abi: inferenceHubAbi,
        eventName: "InferenceRequested",
        args: { jobId },
        fromBlock: rec.requestBlock,
        toBlock: rec.requestBlock,
        strict: true,
      }),
    );
    const log0 = logs[0];
    if (!log0) throw new Error(`job ${jobId}: no InferenceRequested event in block ${rec.requestBlock} (reorganized?)`);
    const req = requestedJobFromLog(log0);
    requests.set(jobId, req);
    return req;
  };

  const openStore = (): Promise<StateStore> => {
    opening ??= (async () => {
      const chainId = await rpc(() => getChainId(publicClient));
      const s = await StateStore.open(options.stateFile, { chainId, hub });
      s.lock();
      const nowSec = BigInt(Math.floor(Date.now() / 1000));
      s.prune(nowSec);
      for (const [jobId, r] of s.inState(["skipped"])) {
        if (r.reason && CONFIG_REASONS.includes(r.reason) && r.deadline > nowSec) {
          s.setInMemory(jobId, { ...r, state: "seen", reason: undefined, detail: undefined });
        }
      }
      for (const [jobId, r] of s.inState(["running", "submitted"])) {
        log({
          type: "job-recovered",
          jobId,
          state: r.state,
          detail:
            r.state === "running"
              ? "was running when the last run ended: nothing was sent, it will be served again"
              : `was submitted (nonce ${r.nonce}${r.txHash ? `, tx ${r.txHash}` : ""}): settling it from the chain before anything else is sent`,
        });
      }
      await s.save();
      store = s;
      log({
        type: "node-started",
        hub,
        operator,
        enclave: enclave?.address,
        voter: votesDir !== undefined ? voteAccount?.address : undefined,
        chainId,
        stateFile: s.file,
        openJobs: s.inState(OPEN_STATES).length,
      });
      return s;
    })();
    opening.catch(() => {
      opening = undefined;
    });
    return opening;
  };

  // ───────────────────────────────────────── state transitions ─────────────────────────────────────────

  const update = (jobId: bigint, patch: Partial<JobRecord>) => {
    const s = store!;
    const rec = s.get(jobId)!;
    if (patch.state && !OPEN_STATES.includes(patch.state)) requests.delete(jobId);
    return s.put(jobId, { ...rec, ...patch });
  };

  const skip = async (jobId: bigint, reason: SkipReason, detail: string): Promise<never> => {
    await update(jobId, { state: "skipped", reason, detail, retryAt: undefined });
    session.skipped++;
    log({ type: "job-skipped", jobId, reason, detail });
    throw new Settled();
  };

  const doneElsewhere = async (jobId: bigint, detail: string, txHash?: Hash): Promise<never> => {
    const rec = store!.get(jobId)!;
    if (rec.mode === VerityMode.quorum && voteAccount) {
      // Another node submitted the quorum: with this node's vote among the signers (it is credited), or without.
      const counted = await voteCounted(jobId, rec.requestBlock);
      if (counted) {
        const why = `${detail}; this node's vote (${voteAccount.address}) is one of its ${counted.signers} signers`;
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

  /** A job that is no longer pending: done elsewhere when another result is recorded (or proposed), else skipped. */
  const notPending = async (jobId: bigint, status: JobStatus, when: string): Promise<never> => {
    if (status === "fulfilled") await doneElsewhere(jobId, `fulfilled by someone else ${when}`);
    if (status === "proposed" || status === "challenged") await doneElsewhere(jobId, `another operator proposed a result ${when}`);
    return skip(jobId, "not-pending", `the hub says the job is ${status}`);
  };

  /** Whether this node's vote is among the signers of the job's recorded quorum (from the fulfil calldata). */
  const voteCounted = async (jobId: bigint, fromBlock: bigint) => {
    const [event] = await rpc(() =>
      getContractEvents(publicClient, {
        address: hub,
        abi: inferenceHubAbi,
        eventName: "InferenceFulfilled",
        args: { jobId },
        fromBlock,
        toBlock: "latest",
        strict: true,
      }),
    );
    if (!event || !voteAccount) return undefined;
    const tx = await rpc(() => getTransaction(publicClient, { hash: event.transactionHash }));
    try {
      const { functionName, args } = decodeFunctionData({ abi: inferenceHubAbi, data: tx.input });
      if (functionName !== "fulfill") return undefined;
      const signers = parseQuorumAttestation(args[3]).map((v) => v.signer);
      return signers.some((a) => isAddressEqual(a, voteAccount.address))
        ? { txHash: event.transactionHash, signers: signers.length }
        : undefined;
    } catch {
      return undefined;
    }
  };

  const fail = async (jobId: bigint, error: Error) => {
    const rec = store!.get(jobId)!;
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
    const willRetry = !isPermanent(error) && errors < MAX_ERRORS;
    if (willRetry) {
      await update(jobId, { state: "seen", errors, detail, retryAt });
    } else {
      await update(jobId, { state: "failed", detail, retryAt: undefined });
      session.failed++;
    }
    log({ type: "job-failed", jobId, error, willRetry });
  };

  const giveUp = async (jobId: bigint, detail: string) => {
    await update(jobId, { state: "failed", detail, retryAt: undefined });
    session.failed++;
    log({ type: "job-failed", jobId, error: new Error(detail), willRetry: false });
  };

  /** The job cannot be fulfilled by the transaction recorded for it: serve it again (bounded by MAX_ATTEMPTS). */
  const retryAfterSubmit = async (jobId: bigint, detail: string) => {
    const rec = store!.get(jobId)!;
    nextNonce = undefined; // re-read from the chain: the recorded nonce may not have been used
    if (rec.attempts >= MAX_ATTEMPTS) {
      await giveUp(jobId, `${detail}; given up after ${rec.attempts} attempts`);
    } else {
      await update(jobId, { state: "seen", detail, txHash: undefined, nonce: undefined, from: undefined, retryAt: undefined });
      log({ type: "job-retrying", jobId, detail });
    }
  };

  // ───────────────────────────────────────── serving a job ─────────────────────────────────────────

  /** seen/running → (checks) → running → compute → submitted → settled. */
  const serve = async (jobId: bigint) => {
    const rec = store!.get(jobId)!;
    const req = await getRequest(jobId, rec);
    const { job } = req;
    const model = served.get(versionKey(job.modelId, job.version));
    if (!model) {
      await skip(jobId, "model-not-served", `version ${job.version} of model ${job.modelId} is not served by this node`);
      return;
    }
    const unsupported = modeProblem(job.mode, model);
    if (unsupported !== undefined) {
      await skip(jobId, "mode-unsupported", `the ${modeLabel(job.mode)} mode is not served: ${unsupported}`);
    }
    // A quorum's operator share is split among at least k signers.
    const reward = job.mode === VerityMode.quorum ? operatorReward(job) / BigInt(Math.max(1, decodeQuorumParams(job.params).k)) : operatorReward(job);
    if (reward < minReward) {
      await skip(jobId, "reward-too-low", `operator reward ${reward} is below the minimum of ${minReward} (fee token ${job.feeToken})`);
    }
    const [status, block] = await Promise.all([jobStatus(jobId), rpc(() => getBlock(publicClient, { blockTag: "latest" }))]);
    if (status === "fulfilled") await doneElsewhere(jobId, "the hub already records a result for this job");
    if (status !== "pending") await skip(jobId, "not-pending", `the hub says the job is ${status}`);
    const left = job.deadline - block.timestamp;
    if (left < minTimeLeft) {
      await skip(jobId, "deadline-too-close", `${left} s of chain time left before the deadline, ${minTimeLeft} s needed`);
    }
    await checkStake(jobId, job);

    if (rec.attempts >= MAX_ATTEMPTS) {
      // Started this often without finishing: something (the model?) may be taking the node down each time.
      await giveUp(jobId, `started ${rec.attempts} times without finishing`);
      return;
    }
    checkStop();
    const attempt = rec.attempts + 1;
    await update(jobId, { state: "running", attempts: attempt, retryAt: undefined });
    startedHere.add(jobId);
    log({ type: "job-started", jobId, mode: job.mode, attempt });

    // The model first: a file that is not the committed one stops everything before any signature.
    const onnx = await getSession(job.modelId, job.version);
    checkStop();
    const inputBytes: Hex =
      req.input ??
      toHex(
        await fetchArtifact({
          uri: req.inputURI ?? "",
          expectedHash: job.inputHash,
          what: "input",
          // Requesters choose input URIs: never let them read the operator's files.
          allowedSchemes: ["https", "http", "data"],
          timeoutMs: options.fetchTimeoutMs,
          maxBytes: 16 * 1024 * 1024,
        }),
      );
    const input = decodeTensor(inputBytes);
    const output = await runMlp(onnx, input);
    const outputBytes = encodeTensor(output);
    checkStop();

    if (job.mode === VerityMode.quorum) {
      await castVote(jobId, job, outputBytes);
      await tally(jobId, output);
      return;
    }
    if (job.mode === VerityMode.optimistic) {
      await update(jobId, { outputHash: keccak256(outputBytes) });
      const { bond } = decodeOptimisticParams(job.params);
      await submit(jobId, { functionName: "proposeResult", args: [jobId, job, inlineResult(outputBytes)], value: bond });
      await settle(jobId, output);
      return;
    }

    let args: readonly [bigint, JobStruct, { output: Hex; outputURI: string; outputHash: Hex }, Hex];
    if (job.mode === VerityMode.tee) {
      const prepared = await prepareTeeFulfillment(walletClient, { hub, jobId, job, output: outputBytes, enclave: enclave!, account });
      args = [jobId, prepared.job, prepared.result, prepared.attestation];
    } else {
      const zk = model.zk!;
      usedZk = true;
      await checkZkCommitment(job.modelId, job.version, zk.weights);
      checkStop();
      const proved = await proveMlp({ weights: zk.weights, input, artifacts: zkArtifactsIn(zk.artifactsDir) });
      if (proved.output.values.some((v, i) => v !== output.values[i])) {
        throw new ResultMismatchError({ jobId, onnx: output.values, proved: proved.output.values });
      }
      const attestation = encodeZkAttestation({ proof: proved.proof, input: inputBytes, output: outputBytes });
      args = [jobId, job, { output: outputBytes, outputURI: "", outputHash: zeroHash }, attestation];
    }
    checkStop();
    await submit(jobId, { functionName: "fulfill", args });
    await settle(jobId, output);
  };

  /** Why this node cannot serve a mode for a model (undefined when it can). */
  const modeProblem = (mode: number, model: ServedModel): string | undefined => {
    switch (mode) {
      case VerityMode.tee:
        return enclave ? undefined : "no enclave key is configured";
      case VerityMode.zk:
        return model.zk ? undefined : "no ZK weights are configured for this version";
      case VerityMode.quorum:
        if (votesDir === undefined) return "no votesDir is configured to exchange votes with the other operators";
        return voteAccount ? undefined : "no voteAccount (a local account) is configured to sign votes";
      case VerityMode.optimistic:
        return undefined;
      default:
        return "this node serves TEE, ZK, QUORUM and OPTIMISTIC jobs";
    }
  };

  /** QUORUM: the voting account's bonded stake must reach the job's minimum; OPTIMISTIC: the operator's, its slash amount. */
  const checkStake = async (jobId: bigint, job: JobStruct) => {
    if (job.mode !== VerityMode.quorum && job.mode !== VerityMode.optimistic) return;
    const who = job.mode === VerityMode.quorum ? voteAccount!.address : operator;
    const registry = await getRegistry();
    const [stake] = await rpc(() =>
      readContract(publicClient, { address: registry, abi: operatorRegistryAbi, functionName: "bondedStakes", args: [[who]] }),
    );
    const required =
      job.mode === VerityMode.quorum
        ? decodeQuorumParams(job.params).minStake
        : decodeOptimisticParams(job.params).slashAmount;
    if (stake === undefined || stake === 0n || stake < required) {
      await skip(
        jobId,
        "stake-too-low",
        `${who} has ${stake ?? 0n} bonded stake; the job needs ${required > 0n ? `at least ${required}` : "a non-zero stake"}` +
          (job.mode === VerityMode.optimistic ? " (its slash amount) to propose" : " to vote"),
      );
    }
  };

  let registryAddress: Promise<Address> | undefined;
  const getRegistry = () => {
    registryAddress ??= rpc(() => readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "operatorRegistry" }));
    registryAddress.catch(() => (registryAddress = undefined));
    return registryAddress;
  };

  // ───────────────────────────────────────── QUORUM ─────────────────────────────────────────

  const voteMessage = (jobId: bigint, job: JobStruct) => ({
    hub,
    chainId: store!.chainId,
    jobId,
    modelId: job.modelId,
    version: job.version,
    inputHash: job.inputHash,
  });

  /** Signs this node's vote for its output with the voting account, publishes it, and records `voted`. */
  const castVote = async (jobId: bigint, job: JobStruct, outputBytes: Hex) => {
    const outputHash = keccak256(outputBytes);
    const message = { ...voteMessage(jobId, job), outputHash };
    const vote = await signQuorumVote({ account: voteAccount!, ...message });
    checkStop();
    const file = await publishVote(votesDir!, message, vote, outputBytes);
    await update(jobId, { state: "voted", outputHash, retryAt: undefined });
    log({ type: "vote-published", jobId, signer: vote.signer, outputHash, file });
  };

  /** Last vote count reported per job (a `quorum-waiting` event is logged when it changes). */
  const reportedVotes = new Map<bigint, number>();

  /**
   * A `voted` job: reads the published votes, keeps the valid ones for this node's output whose signers have the
   * job's minimum stake, and once there are k: the lowest signer submits (this node, if it is that signer, or if
   * the signers before it have not after their fallback delays); the others wait for the result on chain.
   */
  const tally = async (jobId: bigint, output?: Tensor) => {
    const rec = store!.get(jobId)!;
    const req = await getRequest(jobId, rec);
    const { job } = req;
    const [status, block] = await Promise.all([jobStatus(jobId), rpc(() => getBlock(publicClient, { blockTag: "latest" }))]);
    if (status !== "pending") await notPending(jobId, status, "after this node voted");
    const { k, minStake } = decodeQuorumParams(job.params);
    const waitMore = async () => {
      await update(jobId, { retryAt: Date.now() + pollMs });
    };
    const { byOutput } = await collectVotes(votesDir!, voteMessage(jobId, job));
    const mine = byOutput.get(rec.outputHash!.toLowerCase() as Hex) ?? [];
    // Only signers with the job's minimum stake count (the hub refuses the whole attestation otherwise).
    const registry = await getRegistry();
    const stakes = mine.length
      ? await rpc(() =>
          readContract(publicClient, {
            address: registry,
            abi: operatorRegistryAbi,
            functionName: "bondedStakes",
            args: [mine.map((v) => v.signer)],
          }),
        )
      : [];
    const counted = mine
      .filter((_, i) => (stakes[i] ?? 0n) > 0n && (stakes[i] ?? 0n) >= minStake)
      .sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1))
      .slice(0, MAX_QUORUM);
    if (counted.length < k) {
      if (block.timestamp > job.deadline) {
        await skip(jobId, "quorum-not-reached", `the deadline passed with ${counted.length} of ${k} votes for this node's output`);
      }
      if (reportedVotes.get(jobId) !== counted.length) {
        reportedVotes.set(jobId, counted.length);
        log({ type: "quorum-waiting", jobId, votes: counted.length, required: k });
      }
      await waitMore();
      return;
    }
    const now = Date.now();
    const since = rec.quorumSince ?? now;
    const rank = counted.findIndex((v) => isAddressEqual(v.signer, voteAccount!.address));
    const submitter = counted[0]!.signer;
    if (rec.quorumSince === undefined) {
      await update(jobId, { quorumSince: since });
      log({ type: "quorum-reached", jobId, signers: counted.map((v) => v.signer), submitter, bySelf: rank === 0 });
    }
    // The lowest signer submits; each next one takes over after another fallback delay.
    if (rank < 0 || now - since < rank * quorumFallbackMs) {
      await waitMore();
      return;
    }
    if (block.timestamp > job.deadline) {
      await skip(jobId, "deadline-too-close", "the deadline passed before the quorum could be submitted");
    }
    const outputBytes = (await getRequestOutput(jobId, rec, job, output)) as Hex;
    const attestation = encodeQuorumAttestation(counted);
    await submit(jobId, { functionName: "fulfill", args: [jobId, job, inlineResult(outputBytes), attestation] });
    await settle(jobId, output);
  };

  /**
   * This node's output bytes for a job it voted on: from this run, or recomputed (deterministic) after a restart,
   * or read back from its own published vote.
   */
  const getRequestOutput = async (jobId: bigint, rec: JobRecord, job: JobStruct, output?: Tensor): Promise<Hex> => {
    if (output) return encodeTensor(output);
    const req = await getRequest(jobId, rec);
    const onnx = await getSession(job.modelId, job.version);
    const inputBytes = req.input ?? (await fetchInput(req));
    const bytes = encodeTensor(await runMlp(onnx, decodeTensor(inputBytes)));
    if (keccak256(bytes) !== rec.outputHash?.toLowerCase()) {
      throw new OperatorStateError({
        file: store!.file,
        reason: `job ${jobId}: the output recomputed after a restart hashes to ${keccak256(bytes)}, not the ${rec.outputHash} this node voted for`,
      });
    }
    return bytes;
  };

  const fetchInput = async (req: RequestedJob): Promise<Hex> =>
    toHex(
      await fetchArtifact({
        uri: req.inputURI ?? "",
        expectedHash: req.job.inputHash,
        what: "input",
        // Requesters choose input URIs: never let them read the operator's files.
        allowedSchemes: ["https", "http", "data"],
        timeoutMs: options.fetchTimeoutMs,
        maxBytes: 16 * 1024 * 1024,
      }),
    );

  // ───────────────────────────────────────── OPTIMISTIC ─────────────────────────────────────────

  /** The job's `ResultProposed` event (a job has at most one proposal). */
  const proposalOf = async (jobId: bigint, fromBlock: bigint) => {
    const logs = await rpc(() =>
      getContractEvents(publicClient, {
        address: hub,
        abi: inferenceHubAbi,
        eventName: "ResultProposed",
        args: { jobId },
        fromBlock,
        toBlock: "latest",
        strict: true,
      }),
    );
    const l = logs.at(-1);
    return l && { ...l.args, blockNumber: l.blockNumber, transactionHash: l.transactionHash };
  };

  /** This node's proposal is on chain: record `proposed` (followed on each poll until final). */
  const proposalRecorded = async (jobId: bigint, txHash: Hash, gasUsed: bigint, output?: Tensor) => {
    const rec = store!.get(jobId)!;
    const event = await proposalOf(jobId, rec.requestBlock);
    await update(jobId, { state: "proposed", txHash, gasUsed, detail: undefined, retryAt: Date.now() + pollMs });
    session.gasUsed += gasUsed;
    log({ type: "job-proposed", jobId, txHash, challengeWindowEnd: BigInt(event?.challengeWindowEnd ?? 0), output });
  };

  /** Challenges already reported, per job. */
  const reportedChallenges = new Set<bigint>();

  /**
   * A `proposed` job, against the chain: finalizes it once the window is over; defends a challenge with a ZK proof
   * of its output when the node has the weights (else expires the challenge once its resolution period is over);
   * records the outcome once the job is final.
   */
  const followProposal = async (jobId: bigint) => {
    const rec = store!.get(jobId)!;
    const req = await getRequest(jobId, rec);
    const { job } = req;
    const [status, block, proposal] = await Promise.all([
      jobStatus(jobId),
      rpc(() => getBlock(publicClient, { blockTag: "latest" })),
      rpc(() => readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "getProposal", args: [jobId] })),
    ]);
    const later = () => update(jobId, { retryAt: Date.now() + pollMs });
    if (status === "proposed") {
      if (block.timestamp <= proposal.closesAt) return later();
      const event = await proposalOf(jobId, rec.requestBlock);
      if (!event) return later();
      await sendFollowUp(jobId, {
        functionName: "finalize",
        args: [jobId, job, { output: event.output, outputURI: event.outputURI, outputHash: event.outputURI === "" ? zeroHash : event.outputHash }],
      });
      return later(); // the next poll reads the outcome
    }
    if (status === "challenged") {
      if (!reportedChallenges.has(jobId)) {
        reportedChallenges.add(jobId);
        log({ type: "proposal-challenged", jobId, challenger: proposal.challenger, resolveBy: BigInt(proposal.closesAt) });
      }
      const model = served.get(versionKey(job.modelId, job.version));
      if (model?.zk) {
        // Defend: prove this node's output (the circuit computes the model's true output for the input).
        usedZk = true;
        await checkZkCommitment(job.modelId, job.version, model.zk.weights);
        const inputBytes = req.input ?? (await fetchInput(req));
        const proved = await proveMlp({ weights: model.zk.weights, input: decodeTensor(inputBytes), artifacts: zkArtifactsIn(model.zk.artifactsDir) });
        checkStop();
        const outputBytes = encodeTensor(proved.output);
        const attestation = encodeZkAttestation({ proof: proved.proof, input: inputBytes, output: outputBytes });
        await sendFollowUp(jobId, { functionName: "resolveChallenge", args: [jobId, job, inlineResult(outputBytes), attestation] });
        return later();
      }
      if (block.timestamp > proposal.closesAt) {
        await sendFollowUp(jobId, { functionName: "expireChallenge", args: [jobId, job] });
      }
      return later();
    }
    // Final (or refunded): how did it end for this node?
    const range = { address: hub, abi: inferenceHubAbi, args: { jobId }, fromBlock: rec.requestBlock, toBlock: "latest", strict: true } as const;
    const [resolved, finalized, expired] = await Promise.all([
      rpc(() => getContractEvents(publicClient, { ...range, eventName: "ChallengeResolved" })),
      rpc(() => getContractEvents(publicClient, { ...range, eventName: "ResultFinalized" })),
      rpc(() => getContractEvents(publicClient, { ...range, eventName: "ChallengeExpired" })),
    ]);
    const r = resolved.at(-1);
    const f = finalized.at(-1);
    let outcome: DoneOutcome;
    let detail: string;
    if (status === "refunded" && expired.length > 0) {
      outcome = "expired";
      detail = "the challenge was never resolved: both bonds were returned and the fee refunded";
    } else if (r && !r.args.proposalUpheld) {
      outcome = "overturned";
      detail = `the proposal was proven wrong: the bond and ${r.args.slashed} of stake went to the challenger ${r.args.challenger}`;
    } else if (f && isAddressEqual(f.args.operator, operator)) {
      outcome = "fulfilled";
      detail = r
        ? `a challenge by ${r.args.challenger} was resolved in this node's favour: both bonds and the fee are credited`
        : "final after the challenge window: the bond and the fee are credited";
    } else {
      return skip(jobId, "not-pending", `the hub says the job is ${status}`);
    }
    await update(jobId, { state: "done", outcome, detail, retryAt: undefined });
    if (outcome === "fulfilled") session.fulfilled++;
    else if (outcome === "overturned") session.overturned++;
    log({ type: "proposal-settled", jobId, outcome, detail });
  };

  /** Simulates a hub call from the operator account (a revert comes back decoded, see `toVerityError`). */
  const simulate = (call: HubCall) => {
    const base = { address: hub, abi: inferenceHubAbi, account: operator } as const;
    switch (call.functionName) {
      case "fulfill":
        return simulateContract(publicClient, { ...base, functionName: "fulfill", args: [...call.args] });
      case "proposeResult":
        return simulateContract(publicClient, { ...base, functionName: "proposeResult", args: [...call.args], value: call.value });
      case "finalize":
        return simulateContract(publicClient, { ...base, functionName: "finalize", args: [...call.args] });
      case "resolveChallenge":
        return simulateContract(publicClient, { ...base, functionName: "resolveChallenge", args: [...call.args] });
      case "expireChallenge":
        return simulateContract(publicClient, { ...base, functionName: "expireChallenge", args: [...call.args] });
    }
  };

  /** Simulates `call`, estimates its gas, and signs (local account) or sends it with the next nonce. */
  const prepareSend = async (call: HubCall) => {
    const data = encodeHubCall(call);
    const value = call.functionName === "proposeResult" ? call.value : undefined;
    await simulate(call);
    const gas = ((await estimateGas(publicClient, { account: operator, to: hub, data, value })) * GAS_HEADROOM_PERCENT) / 100n;
    const pendingCount = await rpc(() => getTransactionCount(publicClient, { address: operator, blockTag: "pending" }));
    const nonce = Math.max(pendingCount, nextNonce ?? 0);
    return { data, value, gas, nonce, chain: walletClient.chain ?? null };
  };

  /**
   * Sends the job's one value-bearing transaction (a `fulfill`, or an OPTIMISTIC `proposeResult` with its bond), one
   * transaction at a time: re-checks that the job is pending, simulates the call (a revert is decoded:
   * HubJobNotPending means someone else was first), takes the next nonce, records `submitted` (with the hash when
   * the account signs locally), and only then broadcasts.
   */
  const submit = (jobId: bigint, call: Extract<HubCall, { functionName: "fulfill" | "proposeResult" }>) =>
    serialized(async () => {
      checkStop();
      const status = await jobStatus(jobId);
      if (status !== "pending") await notPending(jobId, status, "while this node computed");
      let prepared: Awaited<ReturnType<typeof prepareSend>>;
      try {
        prepared = await prepareSend(call);
      } catch (e) {
        const err = toVerityError(e);
        if (err instanceof ContractRevertError && err.errorName === "HubJobNotPending") {
          await notPending(jobId, await jobStatus(jobId), "(the hub refused the transaction with HubJobNotPending)");
        }
        if (err instanceof ContractRevertError && err.errorName === "HubJobExpired") {
          await skip(jobId, "deadline-too-close", "the deadline passed before the transaction could be sent (HubJobExpired)");
        }
        throw err;
      }
      const { data, value, gas, nonce, chain } = prepared;
      try {
        let txHash: Hash;
        if (account.type === "local") {
          const request = await rpc(() =>
            prepareTransactionRequest(walletClient, { account, chain, to: hub, data, value, nonce, gas }),
          );
          const signed = await (account as LocalAccount).signTransaction(request as TransactionSerializable);
          txHash = keccak256(signed);
          await update(jobId, { state: "submitted", from: operator, nonce, txHash });
          log({ type: "job-submitted", jobId, txHash, nonce });
          nextNonce = nonce + 1;
          await rpc(() => sendRawTransaction(walletClient, { serializedTransaction: signed }));
        } else {
          await update(jobId, { state: "submitted", from: operator, nonce, txHash: undefined });
          log({ type: "job-submitted", jobId, txHash: undefined, nonce });
          nextNonce = nonce + 1;
          txHash = await rpc(() => sendTransaction(walletClient, { account, chain, to: hub, data, value, nonce, gas }));
          await update(jobId, { txHash });
        }
      } catch (e) {
        // Whether the transaction left is unknown: the record stays `submitted` and is settled from the chain.
        nextNonce = undefined;
        throw e;
      }
    });

  /**
   * Sends an OPTIMISTIC follow-up (finalize, resolveChallenge, expireChallenge) and waits for it. These move no
   * value of the node's and anyone may send them, so they need no record before they leave: after a crash the
   * job's status on chain says whether to send again (a duplicate at worst reverts). Returns undefined when the
   * simulation says the job moved on (someone else sent it first).
   */
  const sendFollowUp = (jobId: bigint, call: Exclude<HubCall, { functionName: "fulfill" | "proposeResult" }>) =>
    serialized(async () => {
      checkStop();
      let prepared: Awaited<ReturnType<typeof prepareSend>>;
      try {
        prepared = await prepareSend(call);
      } catch (e) {
        const err = toVerityError(e);
        if (err instanceof ContractRevertError && err.errorName === "HubUnexpectedJobStatus") return undefined;
        throw err;
      }
      const { data, gas, nonce, chain } = prepared;
      let txHash: Hash;
      try {
        nextNonce = nonce + 1;
        txHash = await rpc(() => sendTransaction(walletClient, { account, chain, to: hub, data, nonce, gas }));
      } catch (e) {
        nextNonce = undefined;
        throw e;
      }
      log({ type: "proposal-action", jobId, action: call.functionName, txHash });
      const receipt = await rpc(() => waitForTransactionReceipt(publicClient, { hash: txHash, pollingInterval: pollMs }));
      session.gasUsed += receipt.gasUsed;
      return receipt;
    });

  /**
   * Settles a `submitted` job from the chain: its receipt (with `confirmations`), the hub's job status, and the
   * sender's nonces. A second transaction is only ever sent when the first can no longer fulfil the job: it was
   * mined without doing so, or its nonce is neither used nor pending (never broadcast, or dropped), in which case
   * the new transaction takes that same nonce and at most one of them can be mined.
   */
  const settle = async (jobId: bigint, output?: Tensor) => {
    for (;;) {
      checkStop();
      const rec = store!.get(jobId)!;
      if (rec.state !== "submitted") return;
      const from = rec.from ?? operator;
      const nonce = rec.nonce ?? 0;

      let reverted = false;
      if (rec.txHash) {
        const receipt = await getTransactionReceipt(publicClient, { hash: rec.txHash }).catch(() => undefined);
        if (receipt) {
          if (!(await isConfirmed(receipt.blockNumber))) {
            await sleep(pollMs);
            continue;
          }
          if (receipt.status === "success" && rec.mode === VerityMode.optimistic) {
            await proposalRecorded(jobId, rec.txHash, receipt.gasUsed, output);
            return;
          }
          if (receipt.status === "success") {
            await update(jobId, { state: "done", outcome: "fulfilled", gasUsed: receipt.gasUsed, detail: undefined });
            session.fulfilled++;
            session.gasUsed += receipt.gasUsed;
            log({ type: "job-fulfilled", jobId, txHash: rec.txHash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber, output });
            return;
          }
          reverted = true;
        }
      }

      const status = await jobStatus(jobId);
      if (rec.mode === VerityMode.optimistic && status !== "pending" && status !== "refunded" && status !== "none") {
        // Proposed (and maybe challenged or final since): by this node's transaction, or by another operator?
        const event = await proposalOf(jobId, rec.requestBlock);
        if (event && !(await isConfirmed(event.blockNumber))) {
          await sleep(pollMs);
          continue;
        }
        const byUs = event !== undefined && (rec.txHash ? event.transactionHash === rec.txHash : isAddressEqual(event.proposer, from));
        if (byUs) {
          const receipt = await rpc(() => getTransactionReceipt(publicClient, { hash: event.transactionHash }));
          await update(jobId, { txHash: event.transactionHash });
          await proposalRecorded(jobId, event.transactionHash, receipt.gasUsed, output);
          return;
        }
        await doneElsewhere(jobId, `another operator (${event?.proposer ?? "unknown"}) proposed first`, event?.transactionHash);
      }
      if (status === "fulfilled") {
        const [event] = await rpc(() =>
          getContractEvents(publicClient, {
            address: hub,
            abi: inferenceHubAbi,
            eventName: "InferenceFulfilled",
            args: { jobId },
            fromBlock: rec.requestBlock,
            toBlock: "latest",
            strict: true,
          }),
        );
        if (event && !(await isConfirmed(event.blockNumber))) {
          await sleep(pollMs);
          continue;
        }
        const byUs =
          event !== undefined &&
          (rec.txHash
            ? event.transactionHash === rec.txHash
            : isAddressEqual((await rpc(() => getTransaction(publicClient, { hash: event.transactionHash }))).from, from));
        if (byUs) {
          const receipt = await rpc(() => getTransactionReceipt(publicClient, { hash: event.transactionHash }));
          await update(jobId, { state: "done", outcome: "fulfilled", txHash: event.transactionHash, gasUsed: receipt.gasUsed, detail: undefined });
          session.fulfilled++;
          session.gasUsed += receipt.gasUsed;
          log({ type: "job-fulfilled", jobId, txHash: event.transactionHash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber, output });
          return;
        }
        await doneElsewhere(jobId, "fulfilled by another transaction", event?.transactionHash);
      }
      if (status !== "pending") {
        await skip(jobId, "not-pending", `the hub says the job is ${status}`);
      }

      // Pending on chain. Where is our transaction?
      const [mined, pending] = await Promise.all([
        rpc(() => getTransactionCount(publicClient, { address: from, blockTag: "latest" })),
        rpc(() => getTransactionCount(publicClient, { address: from, blockTag: "pending" })),
      ]);
      if (mined > nonce) {
        await retryAfterSubmit(
          jobId,
          reverted
            ? `the fulfil transaction ${rec.txHash} reverted and the job is still pending`
            : `nonce ${nonce} was used without fulfilling the job (transaction replaced or reverted)`,
        );
        return;
      }
      if (pending > nonce) {
        // Still in the mempool: wait for it.
        await sleep(pollMs);
        continue;
      }
      await retryAfterSubmit(jobId, `the fulfil transaction (nonce ${nonce}) never reached the chain: sending it again`);
      return;
    }
  };

  /** One job, from whatever state it is in, to its next resting state. */
  const work = async (jobId: bigint) => {
    const rec = store!.get(jobId);
    if (!rec) return;
    try {
      if (rec.state === "submitted") await settle(jobId);
      else if (rec.state === "voted") await tally(jobId);
      else if (rec.state === "proposed") await followProposal(jobId);
      else await serve(jobId);
    } catch (e) {
      if (e instanceof Settled) return;
      const current = store!.get(jobId)!;
      if (e instanceof Interrupted) {
        // A clean stop is not a failed attempt.
        if (startedHere.has(jobId) && current.state === "running") await update(jobId, { attempts: Math.max(0, current.attempts - 1) }).catch(() => undefined);
        log({ type: "job-interrupted", jobId, state: current.state });
        return;
      }
      await fail(jobId, toVerityError(e) as Error).catch((err: unknown) => log({ type: "node-error", error: err as Error }));
    } finally {
      startedHere.delete(jobId);
    }
  };

  /** Starts work on open jobs, earliest deadline first, up to `concurrency` at once. */
  const dispatch = () => {
    if (!store || stopping) return;
    const now = Date.now();
    const open = store
      .inState(OPEN_STATES)
      .filter(([id, r]) => !inFlight.has(id) && (r.retryAt === undefined || r.retryAt <= now))
      .sort(([a, ra], [b, rb]) => (ra.deadline !== rb.deadline ? (ra.deadline < rb.deadline ? -1 : 1) : a < b ? -1 : 1));
    for (const [jobId] of open) {
      if (inFlight.size >= concurrency) break;
      const p = work(jobId).finally(() => {
        inFlight.delete(jobId);
        dispatch();
      });
      inFlight.set(jobId, p);
    }
  };

  // ───────────────────────────────────────── scanning ─────────────────────────────────────────

  /** Records every served-model request up to the latest confirmed block as `seen`, range by range. */
  const scan = async () => {
    const s = store!;
    const latest = await latestBlockNumber();
    const safeHead = latest - BigInt(confirmations - 1);
    if (safeHead < 0n) return;
    scanFrom ??= options.fromBlock ?? (s.lastBlock !== undefined ? s.lastBlock + 1n : safeHead);
    let from: bigint = scanFrom;
    while (from <= safeHead && !stopping) {
      const to: bigint = from + maxRange - 1n < safeHead ? from + maxRange - 1n : safeHead;
      const logs = await rpc(() =>
        getContractEvents(publicClient, {
          address: hub,
          abi: inferenceHubAbi,
          eventName: "InferenceRequested",
          args: { modelId: modelIds },
          fromBlock: from,
          toBlock: to,
          strict: true,
        }),
      );
      const seen: RequestedJob[] = [];
      for (const l of logs) {
        if (l.blockNumber === null || l.transactionHash === null || l.logIndex === null) continue; // pending: not confirmed
        const req = requestedJobFromLog({ ...l, blockNumber: l.blockNumber, transactionHash: l.transactionHash, logIndex: l.logIndex });
        if (s.get(req.jobId)) continue;
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
        seen.push(req);
      }
      if (s.lastBlock === undefined || to > s.lastBlock) s.lastBlock = to;
      s.prune(BigInt(Math.floor(Date.now() / 1000)));
      await s.save();
      for (const req of seen) {
        log({
          type: "job-seen",
          jobId: req.jobId,
          modelId: req.job.modelId,
          version: req.job.version,
          mode: req.job.mode,
          blockNumber: req.requested.blockNumber,
        });
      }
      log({ type: "blocks-scanned", fromBlock: from, toBlock: to, jobs: seen.length });
      scanFrom = to + 1n;
      from = scanFrom;
    }
  };

  const tick = () =>
    oneTickAtATime(async () => {
      await openStore();
      if (stopping) return;
      dispatch(); // settle what the last run left open while scanning
      await scan();
      dispatch();
    });

  /** Waits until no job is in flight and none is ready to start. */
  const drain = async () => {
    for (;;) {
      dispatch();
      if (inFlight.size === 0) return;
      await Promise.race(inFlight.values());
    }
  };

  const stats = (): OperatorStats => ({
    running: started && !stopping,
    lastBlock: store?.lastBlock,
    inFlight: inFlight.size,
    jobs: store?.counts() ?? { seen: 0, running: 0, submitted: 0, voted: 0, proposed: 0, done: 0, skipped: 0, failed: 0 },
    session: { ...session },
  });

  return {
    async start() {
      if (stopping) throw new OperatorConfigError("this node was stopped: create a new one");
      if (started) return;
      await openStore();
      started = true;
      loop = (async () => {
        while (!stopping) {
          try {
            await tick();
          } catch (e) {
            log({ type: "node-error", error: toVerityError(e) as Error });
          }
          await sleep(pollMs);
        }
      })();
    },

    async runOnce() {
      if (stopping) throw new OperatorConfigError("this node was stopped: create a new one");
      await tick();
      await drain();
    },

    stop() {
      stopped ??= (async () => {
        stopping = true;
        for (const w of [...wakers]) w();
        await opening?.catch(() => undefined);
        await loop;
        await tickTail;
        await Promise.allSettled([...inFlight.values()]);
        await sendTail;
        if (store) {
          await store.save();
          store.unlock();
        }
        for (const p of sessions.values()) {
          await p.then((s) => s.release()).catch(() => undefined);
        }
        sessions.clear();
        // snarkjs keeps BN254 worker threads alive; they would hold the process open.
        if (usedZk) await releaseZkWorkers();
        started = false;
        log({ type: "node-stopped", stats: stats() });
      })();
      return stopped;
    },

    stats,
  };
}
