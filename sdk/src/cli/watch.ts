import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { type Address, type Hex, isAddressEqual, zeroAddress } from "viem";
import { VerityMode } from "../constants.js";
import type { CliContext } from "./context.js";
import { CliError } from "./errors.js";
import { type Currency, formatAmount, formatTensor, formatTime, toJson } from "./format.js";
import type { Action } from "./action.js";
import { stakeCurrency } from "./modeParams.js";
import { parseAddress, parseBigInt } from "./parse.js";
import { collectList, parseServed, servePollingMs, shortError, stamped, untilAborted, zkProver } from "./serve.js";

type WatchOptions = {
  model: string[];
  zkWeights: string;
  zkArtifacts?: string;
  state?: string;
  modelDir?: string;
  fromBlock?: string;
  withdraw: boolean;
  once?: boolean;
  game?: string;
};

type WatcherEvent = import("../operator/watcher.js").WatcherEvent;

export function registerWatch(operator: Command, action: Action): void {
  operator
    .command("watch")
    .description(
      "watch OPTIMISTIC proposals at the dispute game: re-execute each one, challenge a wrong one (or resolve another's challenge of it) with a ZK proof of the true output, withdraw the winnings; Ctrl-C stops cleanly",
    )
    .requiredOption("--model <id:version>", "a model version to watch, <modelId>:<version> (repeatable or comma-separated)", collectList)
    .requiredOption("--zk-weights <json>", "the weights the versions' ZK circuit commits to, to prove the true output (models/iris-mlp.json)")
    .option("--zk-artifacts <dir>", "the circuit's wasm and zkey (default circuits/build)")
    .option("--state <file>", "where the watcher records the block to resume from (default .verity/watcher-<chainId>.json)")
    .option("--model-dir <dir>", "base folder of relative file: model URIs (default: the working directory)")
    .option("--from-block <n>", "scan for proposals from this block (default: where the state file left off, else the latest)")
    .option("--game <address>", "the OPTIMISTIC dispute game to watch (default: the hub's verifier of mode 4)")
    .option("--no-withdraw", "leave won bonds, fees and slashed stake credited instead of withdrawing them")
    .option("--once", "one pass (scan, check and settle what was found) and exit")
    .action(action(watch));
}

async function watch(ctx: CliContext, _args: string[], o: WatchOptions): Promise<void> {
  const served = o.model.map(parseServed);
  const explicitFrom = o.fromBlock === undefined ? undefined : parseBigInt(o.fromBlock, "--from-block");
  const game = o.game === undefined ? undefined : parseAddress(o.game, "--game");
  const zk = (await zkProver(ctx, o))!;

  const [walletClient, hub, { publicClient, chainId }] = await Promise.all([ctx.wallet(), ctx.hub(), ctx.connect()]);
  await checkWatchedVersions(ctx, hub, served, zk.weights, o.zkWeights);
  const state = new WatchState(ctx.resolvePath(o.state ?? `.verity/watcher-${chainId}.json`), chainId, hub);
  const fromBlock = explicitFrom ?? state.resumeBlock();
  const currencies = { native: await ctx.currency(zeroAddress), stake: await stakeCurrency(ctx) };
  // The ONNX Runtime and the prover load only for this command.
  const { createWatcher } = await import("../operator/watcher.js");

  const watcher = createWatcher({
    publicClient,
    walletClient,
    hub,
    game,
    models: served.map((s) => ({ ...s, ...zk })),
    modelDir: o.modelDir === undefined ? ctx.cwd : ctx.resolvePath(o.modelDir),
    fromBlock,
    pollingIntervalMs: servePollingMs(chainId),
    withdraw: o.withdraw,
    logger: (event) => {
      state.record(event, watcher.stats().lastBlock);
      ctx.out(ctx.json ? toJson(event, { compact: true }) : formatWatcherEvent(event, currencies, served.length, fromBlock));
    },
  });

  try {
    if (o.once) {
      await watcher.runOnce();
    } else {
      await watcher.start();
      if (!ctx.json) ctx.note("watching; press Ctrl-C to stop (a challenge in hand is finished first)");
      await untilAborted(ctx.io.signal);
      ctx.note("stopping...");
    }
  } finally {
    await watcher.stop();
    state.save(watcher.stats().lastBlock);
  }
}

/** Refuses, before anything runs, a version that has no OPTIMISTIC mode or whose circuit the weights cannot prove. */
async function checkWatchedVersions(
  ctx: CliContext,
  hub: Address,
  served: { modelId: Hex; version: number }[],
  weights: import("../model/mlp.js").MlpWeights,
  weightsFile: string,
): Promise<void> {
  const { publicClient } = await ctx.connect();
  // The watcher's own model cache makes the same check before it proves anything.
  const [{ createChainReader }, { createModelCache }, { ZkCommitmentMismatchError }] = await Promise.all([
    import("../operator/chain.js"),
    import("../operator/models.js"),
    import("../operator/errors.js"),
  ]);
  const models = createModelCache({ chain: createChainReader({ publicClient, hub }), modelDir: ctx.cwd });
  for (const { modelId, version } of served) {
    const v = await models.version(modelId, version);
    if ((v.modes & (1 << VerityMode.optimistic)) === 0) {
      throw new CliError(`version ${version} of model ${modelId} does not support the OPTIMISTIC mode: it has no proposals to watch.`);
    }
    try {
      await models.checkZkCommitment(modelId, version, weights);
    } catch (err) {
      if (!(err instanceof ZkCommitmentMismatchError)) throw err;
      throw new CliError(
        `--zk-weights ${weightsFile} do not match version ${version} of model ${modelId}: ${err.details}`,
        ["a wrong proposal can only be challenged with a proof under the version's own circuit: give the weights it was published with"],
      );
    }
  }
}

// ------------------------------------------------------------------------------------------------ state

type OpenProposal = { from: bigint; closesAt: bigint; challenged: boolean };

/**
 * The watcher keeps no state (it reads every job's status on chain); this file only says where to resume scanning:
 * the block after the last one scanned, or the earliest block of a proposal not settled yet (re-seeing a settled
 * proposal is harmless). Written atomically on every event and at stop.
 */
class WatchState {
  readonly #file: string;
  readonly #chainId: number;
  readonly #hub: Address;
  readonly #open = new Map<string, OpenProposal>();
  #lastBlock: bigint | undefined;

  constructor(file: string, chainId: number, hub: Address) {
    this.#file = file;
    this.#chainId = chainId;
    this.#hub = hub;
    if (!existsSync(file)) return;
    let saved: { chainId?: number; hub?: string; lastBlock?: string; open?: Record<string, { from: string; closesAt: string; challenged: boolean }> };
    try {
      saved = JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      throw new CliError(`the watcher state file ${file} is not JSON: ${(err as Error).message}`, ["remove it, or give another --state"]);
    }
    if (saved.chainId !== chainId || typeof saved.hub !== "string" || !isAddressEqual(saved.hub as Address, hub)) {
      throw new CliError(`the watcher state file ${file} is for hub ${saved.hub} on chain ${saved.chainId}, not ${hub} on chain ${chainId}.`, [
        "give another --state for this hub",
      ]);
    }
    this.#lastBlock = saved.lastBlock === undefined ? undefined : BigInt(saved.lastBlock);
    for (const [jobId, p] of Object.entries(saved.open ?? {})) {
      this.#open.set(jobId, { from: BigInt(p.from), closesAt: BigInt(p.closesAt), challenged: p.challenged });
    }
  }

  /** The block to resume from, or undefined (start at the latest block). */
  resumeBlock(): bigint | undefined {
    let from = this.#lastBlock === undefined ? undefined : this.#lastBlock + 1n;
    for (const p of this.#open.values()) if (from === undefined || p.from < from) from = p.from;
    return from;
  }

  record(event: WatcherEvent, lastBlock: bigint | undefined): void {
    const key = "jobId" in event && event.jobId !== undefined ? `${event.jobId}` : undefined;
    if (event.type === "proposal-seen") {
      // Seen while scanning the range after `lastBlock`: the proposal is in it.
      const from = lastBlock === undefined ? 0n : lastBlock + 1n;
      const known = this.#open.get(key!);
      this.#open.set(key!, { from: known && known.from < from ? known.from : from, closesAt: event.challengeWindowEnd, challenged: known?.challenged ?? false });
    } else if (event.type === "proposal-challenged" || event.type === "challenge-found") {
      const p = this.#open.get(key!);
      if (p) p.challenged = true;
    } else if (event.type === "challenge-resolved" || event.type === "proposal-ignored" || (event.type === "proposal-checked" && event.correct)) {
      this.#open.delete(key!);
    }
    if (event.type !== "watcher-stopped") this.save(lastBlock);
  }

  save(lastBlock: bigint | undefined): void {
    if (lastBlock !== undefined) this.#lastBlock = lastBlock;
    // A proposal whose window has closed unchallenged (or that was for another model) needs no rescan.
    const now = BigInt(Math.floor(Date.now() / 1000));
    for (const [jobId, p] of this.#open) if (!p.challenged && p.closesAt < now) this.#open.delete(jobId);
    const data = {
      chainId: this.#chainId,
      hub: this.#hub,
      lastBlock: this.#lastBlock,
      open: Object.fromEntries(this.#open),
    };
    mkdirSync(path.dirname(this.#file), { recursive: true });
    const tmp = `${this.#file}.tmp`;
    writeFileSync(tmp, `${toJson(data)}\n`);
    renameSync(tmp, this.#file);
  }
}

// ------------------------------------------------------------------------------------------------ output

/** One line per watcher event. */
export function formatWatcherEvent(
  e: WatcherEvent,
  currencies: { native: Currency; stake: Currency },
  models: number,
  fromBlock: bigint | undefined,
): string {
  const eth = (amount: bigint) => formatAmount(amount, currencies.native);
  const line = (() => {
    switch (e.type) {
      case "watcher-started":
        return `watcher started on chain ${e.chainId}: hub ${e.hub}, dispute game ${e.game}, challenger ${e.challenger}, ${models} model version(s), from block ${fromBlock ?? "latest"}`;
      case "proposal-seen":
        return `job ${e.jobId}: result proposed by ${e.proposer} (output ${e.outputHash.slice(0, 10)}…), challengeable until ${formatTime(e.challengeWindowEnd)}`;
      case "proposal-checked":
        return e.correct
          ? `job ${e.jobId}: proposal checked: correct (${e.trueOutput ? formatTensor(e.trueOutput) : e.trueOutputHash})`
          : `job ${e.jobId}: proposal is WRONG: the model gives ${e.trueOutput ? formatTensor(e.trueOutput) : "another output"} (${e.trueOutputHash.slice(0, 10)}…); proving it`;
      case "proposal-ignored":
        return `job ${e.jobId}: ignored: ${e.reason}`;
      case "proposal-challenged":
        return `job ${e.jobId}: challenged with a bond of ${eth(e.bond)} (tx ${e.txHash})`;
      case "challenge-found":
        return `job ${e.jobId}: the WRONG proposal is already challenged by ${e.challenger}: resolving it with this watcher's proof (due by ${formatTime(e.resolveBy)})`;
      case "challenge-resolved":
        return e.proposalUpheld
          ? `job ${e.jobId}: challenge resolved: the proposal was right; the proposer keeps the fee and its bond, ${eth(e.bondsCredited)} of bonds to this resolver (tx ${e.txHash})`
          : `job ${e.jobId}: proposal proven wrong: the fee and ${eth(e.bondsCredited)} of bonds to this resolver; ` +
              `${formatAmount(e.slashed, currencies.stake)} of the proposer's stake to the challenger ${e.challenger}, ${formatAmount(e.burned, currencies.stake)} burned (tx ${e.txHash})`;
      case "credits-withdrawn": {
        const paid = e.hub.map((p) => (p.token === zeroAddress ? eth(p.amount) : `${p.amount} base units of ${p.token}`));
        if (e.slashTxHash) paid.push(`${formatAmount(e.slashCredit, currencies.stake)} of slashed stake`);
        return `job ${e.jobId}: withdrew ${paid.join(" and ")}`;
      }
      case "watcher-error":
        return `${e.jobId === undefined ? "" : `job ${e.jobId}: `}error: ${shortError(e.error)}`;
      case "watcher-stopped":
        return `watcher stopped: ${e.stats.proposalsChecked} proposal(s) checked, ${e.stats.challenged} challenged, ${e.stats.resolved} resolved, ${e.stats.won} proven wrong, ${formatAmount(e.stats.slashed, currencies.stake)} slashed to this challenger; last block ${e.stats.lastBlock ?? "none"}`;
      default:
        return toJson(e, { compact: true });
    }
  })();
  return stamped(line);
}
