import {
  type Account,
  type Address,
  type Hash,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type WalletClient,
  isAddressEqual,
  parseEventLogs,
  zeroAddress,
} from "viem";
import { readContract, waitForTransactionReceipt } from "viem/actions";
import { inferenceHubAbi, operatorRegistryAbi, optimisticGameAbi } from "../abis.js";
import { challengeResult } from "../actions/challengeResult.js";
import { resolveChallenge } from "../actions/resolveChallenge.js";
import { withdraw } from "../actions/withdraw.js";
import { withdrawSlashCredit } from "../actions/withdrawSlashCredit.js";
import { VerityMode } from "../constants.js";
import { decodeOptimisticParams } from "../encoding/params.js";
import type { Tensor } from "../encoding/tensor.js";
import { ContractRevertError } from "../errors/contract.js";
import { toVerityError, withVerityErrors } from "../errors/decode.js";
import { TransactionRevertedError } from "../errors/job.js";
import type { RequestedJob } from "../internal/jobs.js";
import type { MlpWeights } from "../model/mlp.js";
import { OperatorConfigError } from "./errors.js";
import { createRuntime } from "./execute.js";
import { type Service, createServiceLoop, safeLogger } from "./loop.js";
import { versionIndex } from "./models.js";
import { createBlockScanner } from "./scanner.js";

/** A model version the watcher checks: its integer weights prove the true output when a proposal is wrong. */
export type WatchedModel = {
  modelId: Hex;
  version: number;
  /** The weights the version's ZK circuit commits to (their Poseidon commitment must be its `zkModelCommitment`). */
  weights: MlpWeights;
  /** The circuit's wasm/zkey directory (default circuits/build). */
  artifactsDir?: string | undefined;
};

export type WatcherOptions = {
  /** Reads the chain: logs, job status, versions, receipts. */
  publicClient: PublicClient;
  /** The challenger's account: it posts the bonds, sends the proofs, and is credited what it wins. */
  walletClient: WalletClient;
  /** The InferenceHub. */
  hub: Address;
  /**
   * The OPTIMISTIC dispute game whose proposals to watch (default: the hub's `verifierOf(4)` when the watcher
   * starts). Proposals of jobs committed to another game are ignored.
   */
  game?: Address | undefined;
  /** The model versions to watch. Proposals for other versions are ignored. */
  models: readonly WatchedModel[];
  /** Base directory of relative `file:` model URIs (default `process.cwd()`). */
  modelDir?: string | undefined;
  /** First block to scan (default: the latest block when the watcher starts). */
  fromBlock?: bigint | undefined;
  /** Milliseconds between polls (default 2,000). */
  pollingIntervalMs?: number | undefined;
  /** Largest block range per `eth_getLogs` (default 2,000). */
  maxBlockRange?: number | undefined;
  /** HTTP timeout for model and input URIs, in ms (default 30,000). */
  fetchTimeoutMs?: number | undefined;
  /** Withdraw what a won challenge credits (bonds and fee from the hub, slashed stake from the registry); default true. */
  withdraw?: boolean | undefined;
  /** Structured progress events (see {@link WatcherEvent}). Exceptions thrown by the logger are ignored. */
  logger?: ((event: WatcherEvent) => void) | undefined;
};

/** What the watcher reports. */
export type WatcherEvent =
  | { type: "watcher-started"; hub: Address; game: Address; challenger: Address; chainId: number }
  | { type: "proposal-seen"; jobId: bigint; proposer: Address; outputHash: Hex; challengeWindowEnd: bigint }
  /** The proposal was re-executed: `correct` when its output is ONNX Runtime's. */
  | { type: "proposal-checked"; jobId: bigint; correct: boolean; proposedOutputHash: Hex; trueOutputHash: Hex; trueOutput: Tensor | undefined }
  | { type: "proposal-ignored"; jobId: bigint; reason: string }
  | { type: "proposal-challenged"; jobId: bigint; txHash: Hash; bond: bigint }
  /**
   * A wrong proposal someone else already challenged (maybe the proposer's own second account, to keep honest
   * challengers out): this watcher resolves it with a proof bound to itself instead, and is paid the fee and the
   * proposer's bond for it.
   */
  | { type: "challenge-found"; jobId: bigint; challenger: Address; resolveBy: bigint }
  | {
      type: "challenge-resolved";
      jobId: bigint;
      txHash: Hash;
      proposalUpheld: boolean;
      /** The challenger (this watcher, or the account whose challenge it resolved). */
      challenger: Address;
      /** Locked stake taken from the proposer and credited to the challenger (registry slash credit). */
      slashed: bigint;
      /** Locked stake taken from the proposer and burned. */
      burned: bigint;
      /** Bonds the game credited to this watcher at the hub (besides the fee's operator share when overturned). */
      bondsCredited: bigint;
    }
  | { type: "credits-withdrawn"; jobId: bigint; hub: { token: Address; amount: bigint; txHash: Hash }[]; slashCredit: bigint; slashTxHash: Hash | undefined }
  | { type: "watcher-error"; jobId: bigint | undefined; error: Error }
  | { type: "watcher-stopped"; stats: WatcherStats };

export type WatcherStats = {
  running: boolean;
  /** Last block scanned. */
  lastBlock: bigint | undefined;
  proposalsChecked: number;
  challenged: number;
  /** Challenges this watcher resolved with its proofs (its own, and others' on wrong proposals). */
  resolved: number;
  /** Wrong proposals this watcher proved wrong. */
  won: number;
  /** Stake slashed from wrong proposers and credited to this watcher as challenger. */
  slashed: bigint;
};

/**
 * The watcher: `start` polls until `stop`, which waits for the proposal in hand and releases the ONNX sessions and
 * the prover's worker threads; `runOnce` scans up to the latest block and handles every new proposal.
 */
export type Watcher = Service<WatcherStats>;

/**
 * Creates a watcher (a "fisherman") for OPTIMISTIC jobs: it watches the dispute game's `ResultProposed` (the game
 * given, or the hub's `verifierOf(4)` at start) for the model versions it knows, re-executes each proposal's job
 * with ONNX Runtime (the model fetched by the version's URI and checked against its artifact hash), and when the
 * proposed output is not the model's, proves the true output with Groth16 (`proveMlp`, bound to this account, after
 * checking its weights against the version's commitment) BEFORE posting anything, then challenges with the job's
 * bond and settles the challenge with the proof (`resolveChallenge`) within the resolution period: the resolver
 * (this watcher) is credited the fee and the proposer's bond, the challenger (also this watcher) its bond back and
 * half the proposer's locked `slashAmount` (the other half is burned), and the true output becomes the job's
 * result. A wrong proposal someone else already challenged (the proposer's own second account, say) is resolved
 * the same way, without a challenge of its own. It then withdraws what it won (bonds and fee from the hub, the
 * slashed stake from the registry).
 *
 * It keeps no state file: each pass reads the job's status on chain, so after a restart it picks up a challenge
 * (this account's or another's, on a wrong proposal: it resolves it) and never challenges a job twice (a second
 * challenge reverts in simulation and is not sent).
 *
 * @example
 * ```ts
 * import { createWatcher, loadIrisModel } from "verity-inference-node";
 * const watcher = createWatcher({
 *   publicClient, walletClient, hub,
 *   models: [{ modelId, version: 1, weights: loadIrisModel().weights }],
 *   logger: (e) => console.log(e.type, "jobId" in e ? e.jobId : ""),
 * });
 * await watcher.start();
 * ```
 */
export function createWatcher(options: WatcherOptions): Watcher {
  const { publicClient, walletClient, hub } = options;
  const account: Account | undefined = walletClient.account;
  if (!account) throw new OperatorConfigError("the wallet client has no account (the challenger posts bonds and proofs)");
  if (options.models.length === 0) throw new OperatorConfigError("no models to watch");
  const challenger = account.address;
  const chainOpt = walletClient.chain ?? null;
  const pollMs = options.pollingIntervalMs ?? 2_000;
  const withdrawCredits = options.withdraw ?? true;
  const watched = versionIndex(options.models);
  const { modelIds } = watched;
  const log = safeLogger(options.logger);
  const { chain, exec } = createRuntime({ publicClient, hub, modelDir: options.modelDir, fetchTimeoutMs: options.fetchTimeoutMs });
  const requests = new Map<bigint, RequestedJob>();
  /** Proposals handled (correct, or challenged and resolved, or not ours to handle): never looked at again. */
  const handled = new Set<bigint>();
  /** Proposals met but not settled yet (retried on each pass). */
  const open = new Map<bigint, { proposer: Address; outputHash: Hex; blockNumber: bigint }>();
  const stats: Omit<WatcherStats, "running" | "lastBlock"> = { proposalsChecked: 0, challenged: 0, resolved: 0, won: 0, slashed: 0n };
  let announced = false;
  let watchedGame: Promise<Address> | undefined;
  /** The dispute game watched: given, else the hub's OPTIMISTIC verifier (read once). */
  const gameOf = () => {
    watchedGame ??= options.game !== undefined ? Promise.resolve(options.game) : chain.verifierOf(VerityMode.optimistic);
    watchedGame.catch(() => (watchedGame = undefined));
    return watchedGame;
  };
  /** Proposals already reported as checked. */
  const checkedOnce = new Set<bigint>();

  const loop = createServiceLoop({
    name: "watcher",
    pollMs,
    tick: () => tick(),
    onError: (e) => log({ type: "watcher-error", jobId: undefined, error: toVerityError(e) as Error }),
  });
  /** Scans `ResultProposed` (and the requests of watched models) up to the latest block. */
  const scanner = createBlockScanner({
    chain,
    maxBlockRange: BigInt(options.maxBlockRange ?? 2_000),
    stopping: () => loop.stopping,
    startBlock: (latest) => options.fromBlock ?? latest,
    onRange: async (fromBlock, toBlock) => {
      const game = await gameOf();
      const [requested, proposals] = await Promise.all([chain.requests(modelIds, fromBlock, toBlock), chain.proposals(game, fromBlock, toBlock)]);
      for (const req of requested) requests.set(req.jobId, req);
      for (const { jobId, proposer, outputHash, challengeWindowEnd, blockNumber } of proposals) {
        if (handled.has(jobId) || open.has(jobId)) continue;
        open.set(jobId, { proposer, outputHash, blockNumber });
        log({ type: "proposal-seen", jobId, proposer, outputHash, challengeWindowEnd });
      }
    },
  });

  /** The job's request (from this run's scan, else looked up by id). */
  const getRequest = async (jobId: bigint): Promise<RequestedJob | undefined> => {
    const cached = requests.get(jobId);
    if (cached) return cached;
    const req = await chain.request(jobId, 0n, "latest");
    if (req) requests.set(jobId, req);
    return req;
  };

  const confirm = async (hash: Hash, action: string): Promise<TransactionReceipt> => {
    const receipt = await withVerityErrors(() => waitForTransactionReceipt(publicClient, { hash, pollingInterval: pollMs }));
    if (receipt.status !== "success") throw new TransactionRevertedError({ hash, action });
    return receipt;
  };

  /** Withdraws what this account is credited: bonds and fees from the hub (native and the job's fee token), slashed stake. */
  const withdrawAll = async (jobId: bigint, feeToken: Address) => {
    const hubPaid: { token: Address; amount: bigint; txHash: Hash }[] = [];
    for (const token of feeToken === zeroAddress ? [zeroAddress] : [zeroAddress, feeToken]) {
      const amount = await withVerityErrors(() =>
        readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "creditOf", args: [challenger, token] }),
      );
      if (amount === 0n) continue;
      const txHash = await withdraw(walletClient, { hub, token, account, chain: chainOpt });
      await confirm(txHash, "withdraw");
      hubPaid.push({ token, amount, txHash });
    }
    const registry = await chain.operatorRegistry();
    const slashCredit = await withVerityErrors(() =>
      readContract(publicClient, { address: registry, abi: operatorRegistryAbi, functionName: "slashCreditOf", args: [challenger] }),
    );
    let slashTxHash: Hash | undefined;
    if (slashCredit > 0n) {
      slashTxHash = await withdrawSlashCredit(walletClient, { operatorRegistry: registry, account, chain: chainOpt });
      await confirm(slashTxHash, "withdrawSlashCredit");
    }
    if (hubPaid.length > 0 || slashTxHash) {
      log({ type: "credits-withdrawn", jobId, hub: hubPaid, slashCredit, slashTxHash });
    }
  };

  /** Whether `err` is a revert of the game named one of `names`. */
  const refused = (err: unknown, ...names: string[]) =>
    err instanceof ContractRevertError && err.errorName !== undefined && names.includes(err.errorName);

  /** One proposal, from whatever state it is in on chain, as far as it can go now. */
  const handle = async (jobId: bigint) => {
    const seen = open.get(jobId)!;
    const game = await gameOf();
    const req = await getRequest(jobId);
    const model = req && watched.get(req.job.modelId, req.job.version);
    if (!req || !model || req.job.mode !== VerityMode.optimistic || !isAddressEqual(req.job.verifier, game)) {
      handled.add(jobId);
      return;
    }
    const { job } = req;
    const [status, proposal, block] = await Promise.all([chain.jobStatus(jobId), chain.proposal(game, jobId), chain.latestBlock()]);
    const ignore = (reason: string) => {
      handled.add(jobId);
      log({ type: "proposal-ignored", jobId, reason });
    };
    if (status !== "proposed" && status !== "challenged") return void handled.add(jobId);
    if (isAddressEqual(proposal.proposer, challenger)) return ignore("this account proposed it");
    const proposed = status === "proposed";
    if (block.timestamp > proposal.closesAt) {
      return ignore(
        proposed
          ? `its challenge window closed at ${proposal.closesAt}`
          : `the resolution period of its challenge by ${proposal.challenger} closed at ${proposal.closesAt}: the proposal stands`,
      );
    }

    // Re-execute with ONNX Runtime.
    const computed = await exec.run(req);
    const trueOutputHash = computed.outputHash;
    const correct = trueOutputHash === seen.outputHash.toLowerCase();
    if (!checkedOnce.has(jobId)) {
      checkedOnce.add(jobId);
      stats.proposalsChecked++;
      log({ type: "proposal-checked", jobId, correct, proposedOutputHash: seen.outputHash, trueOutputHash, trueOutput: computed.output });
    }
    if (correct) {
      if (!proposed && !isAddressEqual(proposal.challenger, challenger)) {
        return ignore(`challenged by ${proposal.challenger}, but the proposal is right: its proposer defends it, or it stands`);
      }
      return void handled.add(jobId);
    }

    // Wrong: prove the true output first (never challenge what cannot be proven), bound to this account, which
    // sends resolveChallenge; then challenge (unless someone already did) and resolve.
    const proven = await exec.prove(req, model, { submitter: challenger, inputBytes: computed.inputBytes, expected: computed.output });
    if (loop.stopping) return;

    let challengerOf = proposal.challenger;
    if (proposed) {
      const { bond } = decodeOptimisticParams(job.params);
      try {
        const txHash = await challengeResult(walletClient, { hub, jobId, job, account, chain: chainOpt });
        await confirm(txHash, "challenge");
        stats.challenged++;
        challengerOf = challenger;
        log({ type: "proposal-challenged", jobId, txHash, bond });
      } catch (e) {
        const err = toVerityError(e);
        if (refused(err, "GameChallengeWindowClosed")) return ignore("its challenge window closed before this watcher could challenge");
        // Someone else challenged first: resolve their challenge (next pass reads it).
        if (refused(err, "GameAlreadyChallenged", "HubUnexpectedJobStatus", "HubInvalidHold")) return;
        throw err;
      }
    } else if (!isAddressEqual(proposal.challenger, challenger)) {
      log({ type: "challenge-found", jobId, challenger: proposal.challenger, resolveBy: proposal.closesAt });
    }

    let txHash: Hash;
    try {
      txHash = await resolveChallenge(walletClient, {
        hub,
        jobId,
        job,
        output: proven.outputBytes,
        attestation: proven.attestation,
        account,
        chain: chainOpt,
      });
    } catch (e) {
      const err = toVerityError(e);
      if (refused(err, "GameNoProposal")) return ignore("someone else resolved the challenge first");
      if (refused(err, "GameResolutionClosed")) return ignore("the resolution period closed before this watcher could resolve");
      throw err;
    }
    const receipt = await confirm(txHash, "resolveChallenge");
    handled.add(jobId);
    const [resolved] = parseEventLogs({ abi: optimisticGameAbi, eventName: "ChallengeResolved", logs: receipt.logs }).filter((l) =>
      isAddressEqual(l.address, game),
    );
    const bondsCredited = parseEventLogs({ abi: inferenceHubAbi, eventName: "Deposited", logs: receipt.logs })
      .filter((l) => isAddressEqual(l.address, hub) && isAddressEqual(l.args.account, challenger))
      .reduce((sum, l) => sum + l.args.amount, 0n);
    const upheld = resolved?.args.proposalUpheld ?? false;
    const slashed = resolved?.args.slashed ?? 0n;
    stats.resolved++;
    if (!upheld) {
      stats.won++;
      if (isAddressEqual(challengerOf, challenger)) stats.slashed += slashed;
    }
    log({
      type: "challenge-resolved",
      jobId,
      txHash,
      proposalUpheld: upheld,
      challenger: resolved?.args.challenger ?? challengerOf,
      slashed,
      burned: resolved?.args.burned ?? 0n,
      bondsCredited,
    });
    if (withdrawCredits) await withdrawAll(jobId, job.feeToken);
  };

  async function tick() {
    if (!announced) {
      announced = true;
      log({ type: "watcher-started", hub, game: await gameOf(), challenger, chainId: await chain.chainId() });
    }
    await scanner.scan();
    // One proposal at a time: transactions leave in order, and proofs do not compete for the CPU.
    for (const jobId of [...open.keys()].sort((a, b) => (a < b ? -1 : 1))) {
      if (loop.stopping) break;
      try {
        await handle(jobId);
      } catch (e) {
        log({ type: "watcher-error", jobId, error: toVerityError(e) as Error });
      }
      if (handled.has(jobId)) open.delete(jobId);
    }
  }

  const currentStats = (): WatcherStats => ({ running: loop.running, lastBlock: scanner.lastBlock, ...stats });

  return {
    start: () => loop.start(),
    runOnce: () => loop.tick(),
    stop: () =>
      loop.stop(async () => {
        await exec.release();
        log({ type: "watcher-stopped", stats: currentStats() });
      }),
    stats: currentStats,
  };
}
