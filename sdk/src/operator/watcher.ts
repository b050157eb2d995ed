import {
  type Account,
  type Address,
  type Hash,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type WalletClient,
  isAddressEqual,
  keccak256,
  parseEventLogs,
  toHex,
  zeroAddress,
} from "viem";
import { getBlock, getBlockNumber, getChainId, getContractEvents, readContract, waitForTransactionReceipt } from "viem/actions";
import { inferenceHubAbi, operatorRegistryAbi } from "../abis.js";
import { challengeResult } from "../actions/challengeResult.js";
import { resolveChallenge } from "../actions/resolveChallenge.js";
import { withdraw } from "../actions/withdraw.js";
import { withdrawSlashCredit } from "../actions/withdrawSlashCredit.js";
import { VerityMode } from "../constants.js";
import { decodeOptimisticParams } from "../encoding/params.js";
import { type Tensor, decodeTensor, encodeTensor } from "../encoding/tensor.js";
import { ContractRevertError } from "../errors/contract.js";
import { toVerityError, withVerityErrors } from "../errors/decode.js";
import { TransactionRevertedError } from "../errors/job.js";
import { type RequestedJob, requestedJobFromLog } from "../internal/jobs.js";
import type { MlpWeights } from "../model/mlp.js";
import { modelCommitment, proveMlp, releaseZkWorkers } from "../proofs/zk.js";
import type { ModelVersion } from "../types.js";
import { OperatorConfigError, ResultMismatchError, ZkCommitmentMismatchError } from "./errors.js";
import { fetchArtifact } from "./fetchModel.js";
import { type ModelSession, loadModel, runMlp } from "./runtime.js";
import { zkArtifactsIn } from "./zk.js";

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

export type Watcher = {
  /** Polls until {@link stop}. */
  start(): Promise<void>;
  /** Stops polling, waits for the proposal in hand, releases ONNX sessions and the prover's worker threads. */
  stop(): Promise<void>;
  /** One pass: scan up to the latest block and handle every new proposal; waits for it all. */
  runOnce(): Promise<void>;
  stats(): WatcherStats;
};

const versionKey = (modelId: Hex, version: number) => `${modelId.toLowerCase()}/${version}`;

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
  const pollMs = options.pollingIntervalMs ?? 2_000;
  const maxRange = BigInt(options.maxBlockRange ?? 2_000);
  const modelDir = options.modelDir ?? process.cwd();
  const withdrawCredits = options.withdraw ?? true;
  const watched = new Map<string, WatchedModel>();
  for (const m of options.models) watched.set(versionKey(m.modelId, m.version), m);
  const modelIds = [...new Set(options.models.map((m) => m.modelId.toLowerCase() as Hex))];

  const log = (event: WatcherEvent) => {
    try {
      options.logger?.(event);
    } catch {
      // A logger must not break the watcher.
    }
  };
  const rpc = <T>(fn: () => Promise<T>) => withVerityErrors(fn);

  let started = false;
  let stopping = false;
  let stopped: Promise<void> | undefined;
  let loop: Promise<void> | undefined;
  let scanFrom: bigint | undefined;
  let tickTail: Promise<unknown> = Promise.resolve();
  let usedZk = false;
  let wake: (() => void) | undefined;
  let announced = false;
  const requests = new Map<bigint, RequestedJob>();
  /** Proposals handled (correct, or challenged and resolved, or not ours to handle): never looked at again. */
  const handled = new Set<bigint>();
  /** Proposals met but not settled yet (retried on each pass). */
  const open = new Map<bigint, { proposer: Address; outputHash: Hex; blockNumber: bigint }>();
  const versions = new Map<string, Promise<ModelVersion>>();
  const sessions = new Map<string, Promise<ModelSession>>();
  const stats: Omit<WatcherStats, "running" | "lastBlock"> = { proposalsChecked: 0, challenged: 0, won: 0, slashed: 0n };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopping) return resolve();
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });

  const getVersion = (modelId: Hex, version: number) => {
    const key = versionKey(modelId, version);
    let p = versions.get(key);
    if (!p) {
      p = rpc(() => readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "getVersion", args: [modelId, version] })).then(
        (v) => ({ ...v }),
      );
      p.catch(() => versions.delete(key));
      versions.set(key, p);
    }
    return p;
  };

  const getSession = (modelId: Hex, version: number) => {
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
      p.catch(() => sessions.delete(key));
      sessions.set(key, p);
    }
    return p;
  };

  /** The job's request (from this run's scan, else looked up by id). */
  const getRequest = async (jobId: bigint): Promise<RequestedJob | undefined> => {
    const cached = requests.get(jobId);
    if (cached) return cached;
    const [l] = await rpc(() =>
      getContractEvents(publicClient, {
        address: hub,
        abi: inferenceHubAbi,
        eventName: "InferenceRequested",
        args: { jobId },
        fromBlock: 0n,
        toBlock: "latest",
        strict: true,
      }),
    );
    if (!l) return undefined;
    const req = requestedJobFromLog(l);
    requests.set(jobId, req);
    return req;
  };

  const confirm = async (hash: Hash, action: string): Promise<TransactionReceipt> => {
    const receipt = await rpc(() => waitForTransactionReceipt(publicClient, { hash, pollingInterval: pollMs }));
    if (receipt.status !== "success") throw new TransactionRevertedError({ hash, action });
    return receipt;
  };

  /** Withdraws what this account is credited: bonds and fees from the hub (native and the job's fee token), slashed stake. */
  const withdrawAll = async (jobId: bigint, feeToken: Address) => {
    const hubPaid: { token: Address; amount: bigint; txHash: Hash }[] = [];
    for (const token of feeToken === zeroAddress ? [zeroAddress] : [zeroAddress, feeToken]) {
      const amount = await rpc(() =>
        readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "creditOf", args: [challenger, token] }),
      );
      if (amount === 0n) continue;
      const txHash = await withdraw(walletClient, { hub, token, account, chain: walletClient.chain ?? null });
      await confirm(txHash, "withdraw");
      hubPaid.push({ token, amount, txHash });
    }
    const registry = await rpc(() => readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "operatorRegistry" }));
    const slashCredit = await rpc(() =>
      readContract(publicClient, { address: registry, abi: operatorRegistryAbi, functionName: "slashCreditOf", args: [challenger] }),
    );
    let slashTxHash: Hash | undefined;
    if (slashCredit > 0n) {
      slashTxHash = await withdrawSlashCredit(walletClient, { operatorRegistry: registry, account, chain: walletClient.chain ?? null });
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
    const model = req && watched.get(versionKey(req.job.modelId, req.job.version));
    if (!req || !model || req.job.mode !== VerityMode.optimistic) {
      handled.add(jobId);
      return;
    }
    const { job } = req;
    const [[statusCode], proposal, block] = await Promise.all([
      rpc(() => readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "getJob", args: [jobId] })),
      rpc(() => readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "getProposal", args: [jobId] })),
      rpc(() => getBlock(publicClient, { blockTag: "latest" })),
    ]);
    const proposed = statusCode === 4;
    const challengedByUs = statusCode === 5 && isAddressEqual(proposal.challenger, challenger);
    if (!proposed && !challengedByUs) {
      handled.add(jobId);
      if (statusCode === 5) log({ type: "proposal-ignored", jobId, reason: `already challenged by ${proposal.challenger}` });
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
    const onnx = await getSession(job.modelId, job.version);
    const inputBytes: Hex =
      req.input ??
      toHex(
        await fetchArtifact({
          uri: req.inputURI ?? "",
          expectedHash: job.inputHash,
          what: "input",
          allowedSchemes: ["https", "http", "data"],
          timeoutMs: options.fetchTimeoutMs,
          maxBytes: 16 * 1024 * 1024,
        }),
      );
    const input = decodeTensor(inputBytes);
    const output = await runMlp(onnx, input);
    const outputBytes = encodeTensor(output);
    const trueOutputHash = keccak256(outputBytes);
    const correct = trueOutputHash === seen.outputHash.toLowerCase();
    if (proposed) {
      stats.proposalsChecked++;
      log({ type: "proposal-checked", jobId, correct, proposedOutputHash: seen.outputHash, trueOutputHash, trueOutput: output });
    }
    if (correct && proposed) {
      handled.add(jobId);
      return;
    }

    // Wrong: prove the true output first (never challenge what cannot be proven), then challenge and resolve.
    const v = await getVersion(job.modelId, job.version);
    const commitment = toHex(await modelCommitment(model.weights), { size: 32 });
    if (commitment.toLowerCase() !== v.zkModelCommitment.toLowerCase()) {
      throw new ZkCommitmentMismatchError({ modelId: job.modelId, version: job.version, expected: v.zkModelCommitment, actual: commitment });
    }
    usedZk = true;
    const proved = await proveMlp({ weights: model.weights, input, artifacts: zkArtifactsIn(model.artifactsDir) });
    if (proved.output.values.some((x, i) => x !== output.values[i])) {
      throw new ResultMismatchError({ jobId, onnx: output.values, proved: proved.output.values });
    }
    if (stopping) return;

    if (proposed) {
      const { bond } = decodeOptimisticParams(job.params);
      let txHash: Hash;
      try {
        txHash = await challengeResult(walletClient, { hub, jobId, job, account, chain: walletClient.chain ?? null });
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
      output: outputBytes,
      input: inputBytes,
      proof: proved.proof,
      account,
      chain: walletClient.chain ?? null,
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

  /** Scans `ResultProposed` (and the requests of watched models) up to the latest block. */
  const scan = async () => {
    const latest = await rpc(() => getBlockNumber(publicClient, { cacheTime: 0 }));
    scanFrom ??= options.fromBlock ?? latest;
    let from = scanFrom;
    while (from <= latest && !stopping) {
      const to = from + maxRange - 1n < latest ? from + maxRange - 1n : latest;
      const range = { address: hub, abi: inferenceHubAbi, fromBlock: from, toBlock: to, strict: true } as const;
      const [requested, proposals] = await Promise.all([
        rpc(() => getContractEvents(publicClient, { ...range, eventName: "InferenceRequested", args: { modelId: modelIds } })),
        rpc(() => getContractEvents(publicClient, { ...range, eventName: "ResultProposed" })),
      ]);
      for (const l of requested) {
        if (l.blockNumber === null || l.transactionHash === null || l.logIndex === null) continue;
        const req = requestedJobFromLog({ ...l, blockNumber: l.blockNumber, transactionHash: l.transactionHash, logIndex: l.logIndex });
        requests.set(req.jobId, req);
      }
      for (const l of proposals) {
        const { jobId, proposer, outputHash, challengeWindowEnd } = l.args;
        if (handled.has(jobId) || open.has(jobId)) continue;
        open.set(jobId, { proposer, outputHash, blockNumber: l.blockNumber ?? to });
        log({ type: "proposal-seen", jobId, proposer, outputHash, challengeWindowEnd: BigInt(challengeWindowEnd) });
      }
      scanFrom = to + 1n;
      from = scanFrom;
    }
  };

  const tick = () => {
    const run = tickTail.then(async () => {
      if (!announced) {
        announced = true;
        log({ type: "watcher-started", hub, challenger, chainId: await rpc(() => getChainId(publicClient)) });
      }
      await scan();
      // One proposal at a time: transactions leave in order, and proofs do not compete for the CPU.
      for (const jobId of [...open.keys()].sort((a, b) => (a < b ? -1 : 1))) {
        if (stopping) break;
        try {
          await handle(jobId);
        } catch (e) {
          log({ type: "watcher-error", jobId, error: toVerityError(e) as Error });
        }
        if (handled.has(jobId)) open.delete(jobId);
      }
    });
    tickTail = run.catch(() => undefined);
    return run;
  };

  const currentStats = (): WatcherStats => ({ running: started && !stopping, lastBlock: scanFrom === undefined ? undefined : scanFrom - 1n, ...stats });

  return {
    async start() {
      if (stopping) throw new OperatorConfigError("this watcher was stopped: create a new one");
      if (started) return;
      started = true;
      loop = (async () => {
        while (!stopping) {
          try {
            await tick();
          } catch (e) {
            log({ type: "watcher-error", jobId: undefined, error: toVerityError(e) as Error });
          }
          await sleep(pollMs);
        }
      })();
    },
    async runOnce() {
      if (stopping) throw new OperatorConfigError("this watcher was stopped: create a new one");
      await tick();
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        wake?.();
        await loop;
        await tickTail;
        for (const p of sessions.values()) await p.then((s) => s.release()).catch(() => undefined);
        sessions.clear();
        if (usedZk) await releaseZkWorkers();
        started = false;
        log({ type: "watcher-stopped", stats: currentStats() });
      })();
      return stopped;
    },
    stats: currentStats,
  };
}
