import { type Account, type Address, type Hex, type LocalAccount } from "viem";
import { VerityMode, modeLabel, modesFromBitmask } from "../constants.js";
import { operatorShare } from "../encoding/fees.js";
import { ContractRevertError } from "../errors/contract.js";
import { toVerityError } from "../errors/decode.js";
import type { RequestedJob } from "../internal/jobs.js";
import { NODE_ANNOUNCE_PERIOD_SECONDS, createAnnouncer } from "./announce.js";
import { OperatorConfigError } from "./errors.js";
import { createEnclaveKeyWatch } from "./enclaveKey.js";
import { createRuntime } from "./execute.js";
import { MAX_ATTEMPTS, Settled, createJobBook } from "./jobs.js";
import { Interrupted, createServiceLoop, safeLogger } from "./loop.js";
import { NODE_MODES, type NodeContext, quorumVoteCounted } from "./modes/index.js";
import { versionIndex } from "./models.js";
import { createBlockScanner } from "./scanner.js";
import { createSettler } from "./settle.js";
import { OPEN_STATES, type StateStore } from "./store.js";
import { type RecordedCall, type Submitter, createSubmitter } from "./submitter.js";
import type { OperatorEvent, OperatorNode, OperatorNodeOptions, OperatorStats, ServedModel } from "./types.js";

export type { OperatorEvent, OperatorNode, OperatorNodeOptions, OperatorStats, ServedModel } from "./types.js";

/**
 * The operator's share of a job's fee, as the hub credits it: (fee - modelFee) less protocolFeeBps of it.
 * @deprecated Use `operatorShare` (encoding/fees.ts), which this is.
 */
export const operatorReward = (job: Parameters<typeof operatorShare>[0]): bigint => operatorShare(job);

/**
 * Creates the reference operator node: it watches the hub for `InferenceRequested` (polling `eth_getLogs` over
 * block ranges, so an RPC restart loses nothing), and for each job of a served model version: checks mode, reward,
 * time left and (QUORUM, OPTIMISTIC) its stake; fetches the model by the version's URI and checks keccak256 of it
 * against the version's artifactHash; runs it with ONNX Runtime; and then, by mode:
 * - TEE: checks its enclave key is active, this operator's and unexpired at the job's registry (warning an hour
 *   before it expires), signs the result with it and fulfils;
 * - ZK: proves it with Groth16 and fulfils;
 * - QUORUM: signs a vote with its staking account (`voteAccount`) and publishes it in `votesDir`; once k valid
 *   votes of staked operators agree with its output, the lowest signer submits them all (the others record that
 *   their vote counted);
 * - OPTIMISTIC: checks the job's dispute game (and its ZK verifier) is the one it trusts, commits to its output,
 *   reveals it with the job's bond in a later block (the salt is persisted before the commitment leaves, so a restart
 *   reveals the same commitment), finalizes once the challenge window is over, and, when challenged, proves its
 *   output (with ZK weights) to settle the challenge in its favour (else expires it: the proposal stands).
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
 * import { createOperatorNode, loadIrisModel } from "verity-inference-node";
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
  const confirmations = options.confirmations ?? 1;
  const concurrency = options.concurrency ?? 4;
  const minReward = options.minOperatorReward ?? 0n;
  const minTimeLeft = BigInt(options.minTimeLeftSec ?? 30);
  const pollMs = options.pollingIntervalMs ?? 2_000;
  const maxRange = BigInt(options.maxBlockRange ?? 2_000);
  if (!Number.isInteger(confirmations) || confirmations < 1) throw new OperatorConfigError(`confirmations ${confirmations} must be an integer >= 1`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new OperatorConfigError(`concurrency ${concurrency} must be an integer >= 1`);
  if (maxRange < 1n) throw new OperatorConfigError(`maxBlockRange ${options.maxBlockRange} must be >= 1`);
  if (options.models.length === 0) throw new OperatorConfigError("no models to serve");

  const servedModels = versionIndex(options.models);
  const { modelIds } = servedModels;
  const log = safeLogger(options.logger);

  // ── the parts ──
  const { chain, models, exec } = createRuntime({ publicClient, hub, modelDir: options.modelDir, fetchTimeoutMs: options.fetchTimeoutMs, runtime: options.runtime });
  const submitter = createSubmitter({ publicClient, walletClient, account, hub, pollMs });
  const jobs = createJobBook({
    stateFile: options.stateFile,
    hub,
    pollMs,
    log,
    voteCounted: (jobId, rec) => quorumVoteCounted({ chain, voteAccount }, jobId, rec),
  });
  const loop = createServiceLoop({ name: "node", pollMs, tick: () => tick(), onError: (e) => log({ type: "node-error", error: toVerityError(e) as Error }) });
  const scanner = createBlockScanner({
    chain,
    confirmations,
    maxBlockRange: maxRange,
    stopping: () => loop.stopping,
    startBlock: (safeHead) => options.fromBlock ?? (jobs.store.lastBlock !== undefined ? jobs.store.lastBlock + 1n : safeHead),
    onRange: async (fromBlock, toBlock) => {
      const seen = (await chain.requests(modelIds, fromBlock, toBlock)).filter((req) => jobs.see(req));
      await jobs.scanned(toBlock);
      for (const req of seen) {
        const { jobId, job } = req;
        log({ type: "job-seen", jobId, modelId: job.modelId, version: job.version, mode: job.mode, blockNumber: req.requested.blockNumber });
      }
      log({ type: "blocks-scanned", fromBlock, toBlock, jobs: seen.length });
    },
  });

  let trusted: Promise<{ game: Address; zkVerifier: Address }> | undefined;
  /** The OPTIMISTIC dispute game this node trusts and its ZK verifier: configured, else the hub's at start. */
  const trustedDispute = () => {
    trusted ??= (async () => {
      const [game, zkVerifier] = await Promise.all([
        options.optimistic?.game ?? chain.verifierOf(VerityMode.optimistic),
        options.optimistic?.zkVerifier ?? chain.verifierOf(VerityMode.zk),
      ]);
      return { game, zkVerifier };
    })();
    trusted.catch(() => (trusted = undefined));
    return trusted;
  };

  const request = async (jobId: bigint): Promise<RequestedJob> => {
    const cached = jobs.requests.get(jobId);
    if (cached) return cached;
    const rec = jobs.get(jobId);
    const req = await chain.request(jobId, rec.requestBlock);
    if (!req) throw new Error(`job ${jobId}: no InferenceRequested event in block ${rec.requestBlock} (reorganized?)`);
    jobs.requests.set(jobId, req);
    return req;
  };

  /**
   * Sends the job's one value-bearing transaction (a `fulfill`, or an OPTIMISTIC `proposeResult` with its bond), one
   * transaction at a time: re-checks that the job is pending, simulates the call (a revert is decoded:
   * HubJobNotPending means someone else was first), takes the next nonce, records `submitted` (with the hash when
   * the account signs locally), and only then broadcasts.
   */
  const submit = (jobId: bigint, call: RecordedCall) =>
    submitter.exclusive(async () => {
      loop.checkStop();
      const status = await chain.jobStatus(jobId);
      if (status !== "pending") await jobs.notPending(jobId, status, "while this node computed");
      let prepared: Awaited<ReturnType<Submitter["prepare"]>>;
      try {
        prepared = await submitter.prepare(call);
      } catch (e) {
        const err = toVerityError(e);
        if (err instanceof ContractRevertError && (err.errorName === "HubJobNotPending" || err.errorName === "GameAlreadyProposed")) {
          await jobs.notPending(jobId, await chain.jobStatus(jobId), `(refused with ${err.errorName})`);
        }
        if (err instanceof ContractRevertError && err.errorName === "HubJobExpired") {
          await jobs.skip(jobId, "deadline-too-close", "the deadline passed before the transaction could be sent (HubJobExpired)");
        }
        throw err;
      }
      await submitter.broadcast(prepared, {
        onSigned: async ({ from, nonce, txHash }) => {
          await jobs.update(jobId, { state: "submitted", from, nonce, txHash });
          log({ type: "job-submitted", jobId, txHash, nonce });
        },
        onHash: async (txHash) => {
          await jobs.update(jobId, { txHash });
        },
      });
    });

  const ctx: NodeContext = {
    hub,
    account,
    operator,
    walletClient,
    enclave,
    enclaveKey: enclave ? createEnclaveKeyWatch({ publicClient, key: enclave.address, operator, log }) : undefined,
    voteAccount,
    votesDir,
    quorumFallbackMs: options.quorumFallbackMs ?? 30_000,
    pollMs,
    trustedDispute,
    confirmations,
    chain,
    models,
    exec,
    jobs,
    submitter,
    loop,
    log,
    served: (job) => servedModels.get(job.modelId, job.version),
    request,
    submit,
    settle: (jobId, output) => settle(jobId, output),
  };
  const announceOptions = options.announce === false ? undefined : (options.announce ?? {});
  const announcePeriod = announceOptions?.periodSeconds ?? NODE_ANNOUNCE_PERIOD_SECONDS;
  if (!Number.isInteger(announcePeriod) || announcePeriod < 60 || announcePeriod > 30 * 24 * 3600) {
    throw new OperatorConfigError(`announce.periodSeconds ${announcePeriod} must be an integer from 60 to 2,592,000 (30 days)`);
  }
  const announcer = announceOptions
    ? createAnnouncer({
        chain,
        submitter,
        operator,
        targets: options.models,
        // The version's modes this node is set up for (an enclave key for TEE, ZK weights, a votes directory...).
        modesFor: (t, versionModes) => {
          const model = servedModels.get(t.modelId, t.version)!;
          return modesFromBitmask(versionModes).filter((m) => NODE_MODES.get(m)?.problem(ctx, model) === undefined);
        },
        log,
        periodSeconds: announcePeriod,
      })
    : undefined;
  const settle = createSettler({
    chain,
    jobs,
    loop,
    submitter,
    confirmations,
    pollMs,
    log,
    hooksFor: (mode) => {
      const m = NODE_MODES.get(mode);
      return {
        mined: m?.mined && ((jobId, txHash, gasUsed, output) => m.mined!(ctx, jobId, txHash, gasUsed, output)),
        landed: m?.landed && ((jobId, rec, status, output) => m.landed!(ctx, jobId, rec, status, output)),
      };
    },
  });

  // ── serving a job ──

  /** seen/running → (checks) → running → compute → the mode delivers (submitted, voted...) → settled. */
  const serve = async (jobId: bigint) => {
    const rec = jobs.get(jobId);
    const req = await request(jobId);
    const { job } = req;
    const model = ctx.served(job);
    if (!model) {
      await jobs.skip(jobId, "model-not-served", `version ${job.version} of model ${job.modelId} is not served by this node`);
      return;
    }
    const mode = NODE_MODES.get(job.mode);
    const unsupported = mode ? mode.problem(ctx, model) : `this node serves ${[...NODE_MODES.keys()].map(modeLabel).join(", ")} jobs`;
    if (!mode || unsupported !== undefined) {
      return jobs.skip(jobId, "mode-unsupported", `the ${modeLabel(job.mode)} mode is not served: ${unsupported}`);
    }
    const reward = mode.reward ? mode.reward(job) : operatorShare(job);
    if (reward < minReward) {
      await jobs.skip(jobId, "reward-too-low", `operator reward ${reward} is below the minimum of ${minReward} (fee token ${job.feeToken})`);
    }
    const [status, block] = await Promise.all([chain.jobStatus(jobId), chain.latestBlock()]);
    if (status === "fulfilled") await jobs.doneElsewhere(jobId, "the hub already records a result for this job");
    if (status !== "pending") await jobs.skip(jobId, "not-pending", `the hub says the job is ${status}`);
    const left = job.deadline - block.timestamp;
    if (left < minTimeLeft) {
      await jobs.skip(jobId, "deadline-too-close", `${left} s of chain time left before the deadline, ${minTimeLeft} s needed`);
    }
    const distrust = await mode.vet?.(ctx, job);
    if (typeof distrust === "string") await jobs.skip(jobId, "untrusted-verifier", distrust);
    else if (distrust !== undefined) await jobs.skip(jobId, distrust.reason, distrust.detail);
    const stake = mode.stake?.(ctx, job);
    if (stake) {
      const bonded = stake.free ? (await chain.freeStake(stake.who)) : (await chain.bondedStakes([stake.who]))[0];
      if (bonded === undefined || bonded === 0n || bonded < stake.required) {
        const kind = stake.free ? "free (unlocked) bonded" : "bonded";
        await jobs.skip(
          jobId,
          "stake-too-low",
          `${stake.who} has ${bonded ?? 0n} ${kind} stake; the job needs ${stake.required > 0n ? `at least ${stake.required}` : "a non-zero stake"} ${stake.purpose}`,
        );
      }
    }

    if (rec.attempts >= MAX_ATTEMPTS) {
      // Started this often without finishing: something (the model?) may be taking the node down each time.
      await jobs.giveUp(jobId, `started ${rec.attempts} times without finishing`);
      return;
    }
    loop.checkStop();
    const attempt = rec.attempts + 1;
    await jobs.update(jobId, { state: "running", attempts: attempt, retryAt: undefined });
    startedHere.add(jobId);
    log({ type: "job-started", jobId, mode: job.mode, attempt });

    // The model first: a file that is not the committed one stops everything before any signature.
    const computed = await exec.run(req, () => loop.checkStop());
    loop.checkStop();
    await mode.deliver(ctx, { jobId, req, model, computed });
  };

  // ── the worker pool ──

  const inFlight = new Map<bigint, Promise<void>>();
  /** Jobs this worker pool moved to `running` in the current attempt. */
  const startedHere = new Set<bigint>();

  /** One job, from whatever state it is in, to its next resting state. */
  const work = async (jobId: bigint) => {
    const rec = jobs.store.get(jobId);
    if (!rec) return;
    try {
      const resume =
        rec.state === "voted" || rec.state === "committed" || rec.state === "proposed" ? NODE_MODES.get(rec.mode)?.resume?.[rec.state] : undefined;
      if (rec.state === "submitted") await settle(jobId);
      else if (resume) await resume(ctx, jobId);
      else await serve(jobId);
    } catch (e) {
      if (e instanceof Settled) return;
      const current = jobs.get(jobId);
      if (e instanceof Interrupted) {
        // A clean stop is not a failed attempt.
        if (startedHere.has(jobId) && current.state === "running") await jobs.update(jobId, { attempts: Math.max(0, current.attempts - 1) }).catch(() => undefined);
        log({ type: "job-interrupted", jobId, state: current.state });
        return;
      }
      await jobs.fail(jobId, toVerityError(e) as Error).catch((err: unknown) => log({ type: "node-error", error: err as Error }));
    } finally {
      startedHere.delete(jobId);
    }
  };

  /** Starts work on open jobs, earliest deadline first, up to `concurrency` at once. */
  const dispatch = () => {
    if (!jobs.isOpen || loop.stopping) return;
    const now = Date.now();
    const open = jobs.store
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

  /** Waits until no job is in flight and none is ready to start. */
  const drain = async () => {
    for (;;) {
      dispatch();
      if (inFlight.size === 0) return;
      await Promise.race(inFlight.values());
    }
  };

  // ── lifecycle ──

  let opening: Promise<StateStore> | undefined;
  const openStore = (): Promise<StateStore> => {
    opening ??= (async () => {
      const chainId = await chain.chainId();
      const s = await jobs.open(chainId);
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

  async function tick() {
    await openStore();
    if (loop.stopping) return;
    dispatch(); // settle what the last run left open while scanning
    await scanner.scan();
    dispatch();
    // After the scan: the first scan's start block is the head when the node started, not after an announcement.
    await announcer?.tick();
  }

  const stats = (): OperatorStats => ({
    running: loop.running,
    lastBlock: jobs.isOpen ? jobs.store.lastBlock : undefined,
    inFlight: inFlight.size,
    jobs: jobs.counts(),
    session: { ...jobs.session },
  });

  return {
    start: () => loop.start(openStore),
    async runOnce() {
      await loop.tick();
      await drain();
    },
    stop: () =>
      loop.stop(async () => {
        await opening?.catch(() => undefined);
        await Promise.allSettled([...inFlight.values()]);
        if (announceOptions?.withdrawOnStop) await announcer?.withdraw();
        await submitter.idle();
        await jobs.close();
        // Releases the ONNX sessions and snarkjs's BN254 worker threads (they would hold the process open).
        await exec.release();
        log({ type: "node-stopped", stats: stats() });
      }),
    stats,
  };
}
