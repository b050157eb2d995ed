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
import { inferenceHubAbi, operatorRegistryAbi } from "../abis.js";
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
  | { type: "watcher-started"; hub: Address; challenger: Address; chainId: number }
  | { type: "proposal-seen"; jobId: bigint; proposer: Address; outputHash: Hex; challengeWindowEnd: bigint }
  /** The proposal was re-executed: `correct` when its output is ONNX Runtime's. */
  | { type: "proposal-checked"; jobId: bigint; correct: boolean; proposedOutputHash: Hex; trueOutputHash: Hex; trueOutput: Tensor }
  | { type: "proposal-ignored"; jobId: bigint; reason: string }
  | { type: "proposal-challenged"; jobId: bigint; txHash: Hash; bond: bigint }
  | {
      type: "challenge-resolved";
      jobId: bigint;
      txHash: Hash;
      proposalUpheld: boolean;
      /** Stake taken from the proposer and credited to this challenger. */
      slashed: bigint;
      /** Both bonds, credited to the winner. */
      bondsAwarded: bigint;
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
  /** Challenges this watcher won (the proposal was proven wrong). */
  won: number;
  /** Stake slashed from wrong proposers and credited to this watcher. */
  slashed: bigint;
};

/**
 * The watcher: `start` polls until `stop`, which waits for the proposal in hand and releases the ONNX sessions and
 * the prover's worker threads; `runOnce` scans up to the latest block and handles every new proposal.
 */
export type Watcher = Service<WatcherStats>;

/**
 * Creates a watcher (a "fisherman") for OPTIMISTIC jobs: it watches `ResultProposed` for the model versions it
 * knows, re-executes each proposal's job with ONNX Runtime (the model fetched by the version's URI and checked
 * against its artifact hash), and when the proposed output is not the model's, proves the true output with
 * Groth16 (`proveMlp`, after checking its weights against the version's commitment) BEFORE posting anything, then
 * challenges with the job's bond and settles the challenge with the proof (`resolveChallenge`): the dishonest
 * proposer loses its bond and `slashAmount` of its stake to the watcher, and the true output becomes the job's
 * result. It then withdraws what it won (bonds and fee from the hub, the slashed stake from the registry).
 *
 * It keeps no state file: each pass reads the job's status on chain, so after a restart it picks up a challenge it
 * made (challenged by this account: it resolves it) and never challenges a job twice (a second challenge reverts
 * in simulation and is not sent).
 *
 * @example
 * ```ts
 * import { createWatcher, loadIrisModel } from "verity/operator";
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
  const stats: Omit<WatcherStats, "running" | "lastBlock"> = { proposalsChecked: 0, challenged: 0, won: 0, slashed: 0n };
  let announced = false;

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
      const [requested, proposals] = await Promise.all([chain.requests(modelIds, fromBlock, toBlock), chain.proposals(fromBlock, toBlock)]);
      for (const req of requested) requests.set(req.jobId, req);
      for (const { jobId, proposer, outputHash, challengeWindowEnd, blockNumber } of proposals) {
        if (handled.has(jobId) || open.has(jobId)) continue;
        open.set(jobId, { proposer, outputHash, blockNumber });
        log({ type: "proposal-seen", jobId, proposer, outputHash, challengeWindowEnd: BigInt(challengeWindowEnd) });
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

  /** One proposal, from whatever state it is in on chain, as far as it can go now. */
  const handle = async (jobId: bigint) => {
    const seen = open.get(jobId)!;
    const req = await getRequest(jobId);
    const model = req && watched.get(req.job.modelId, req.job.version);
    if (!req || !model || req.job.mode !== VerityMode.optimistic) {
      handled.add(jobId);
      return;
    }
    const { job } = req;
    const [status, proposal, block] = await Promise.all([chain.jobStatus(jobId), chain.proposal(jobId), chain.latestBlock()]);
    const proposed = status === "proposed";
    const challengedByUs = status === "challenged" && isAddressEqual(proposal.challenger, challenger);
    if (!proposed && !challengedByUs) {
      handled.add(jobId);
      if (status === "challenged") log({ type: "proposal-ignored", jobId, reason: `already challenged by ${proposal.challenger}` });
      return;
    }
    if (isAddressEqual(proposal.proposer, challenger)) {
      handled.add(jobId);
      log({ type: "proposal-ignored", jobId, reason: "this account proposed it" });
      return;
    }
    if (proposed && block.timestamp > proposal.closesAt) {
      handled.add(jobId);
      log({ type: "proposal-ignored", jobId, reason: `its challenge window closed at ${proposal.closesAt}` });
      return;
    }

    // Re-execute with ONNX Runtime.
    const computed = await exec.run(req);
    const trueOutputHash = computed.outputHash;
    const correct = trueOutputHash === seen.outputHash.toLowerCase();
    if (proposed) {
      stats.proposalsChecked++;
      log({ type: "proposal-checked", jobId, correct, proposedOutputHash: seen.outputHash, trueOutputHash, trueOutput: computed.output });
    }
    if (correct && proposed) {
      handled.add(jobId);
      return;
    }

    // Wrong: prove the true output first (never challenge what cannot be proven), then challenge and resolve.
    const proven = await exec.prove(req, model, { inputBytes: computed.inputBytes, expected: computed.output });
    if (loop.stopping) return;

    if (proposed) {
      const { bond } = decodeOptimisticParams(job.params);
      let txHash: Hash;
      try {
        txHash = await challengeResult(walletClient, { hub, jobId, job, account, chain: chainOpt });
      } catch (e) {
        const err = toVerityError(e);
        // Someone else challenged first, or the window closed: look again on the next pass.
        if (err instanceof ContractRevertError && (err.errorName === "HubUnexpectedJobStatus" || err.errorName === "HubChallengeWindowClosed")) return;
        throw err;
      }
      await confirm(txHash, "challenge");
      stats.challenged++;
      log({ type: "proposal-challenged", jobId, txHash, bond });
    }
    const txHash = await resolveChallenge(walletClient, {
      hub,
      jobId,
      job,
      output: proven.outputBytes,
      attestation: proven.attestation,
      account,
      chain: chainOpt,
    });
    const receipt = await confirm(txHash, "resolveChallenge");
    handled.add(jobId);
    const [resolved] = parseEventLogs({ abi: inferenceHubAbi, eventName: "ChallengeResolved", logs: receipt.logs });
    const upheld = resolved?.args.proposalUpheld ?? false;
    const slashed = resolved?.args.slashed ?? 0n;
    if (!upheld) {
      stats.won++;
      stats.slashed += slashed;
    }
    log({ type: "challenge-resolved", jobId, txHash, proposalUpheld: upheld, slashed, bondsAwarded: resolved?.args.bondsAwarded ?? 0n });
    if (withdrawCredits) await withdrawAll(jobId, job.feeToken);
  };

  async function tick() {
    if (!announced) {
      announced = true;
      log({ type: "watcher-started", hub, challenger, chainId: await chain.chainId() });
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
