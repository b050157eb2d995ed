import { readContract } from "viem/actions";
import { operatorRegistryAbi } from "../abis.js";
import { type ModeName, VerityMode } from "../constants.js";
import {
  MAX_CHALLENGE_WINDOW,
  MAX_QUORUM,
  MIN_CHALLENGE_WINDOW,
  decodeOptimisticParams,
  decodeQuorumParams,
  optimisticParams,
  quorumParams,
} from "../encoding/params.js";
import { withVerityErrors } from "../errors/decode.js";
import { InvalidParamsError } from "../errors/request.js";
import type { JobStruct } from "../types.js";
import type { CliContext } from "./context.js";
import { CliError } from "./errors.js";
import { type Currency, formatAmount, formatDuration } from "./format.js";
import { parseAmount, parseDuration, parseInteger } from "./parse.js";

/**
 * The `params` of QUORUM and OPTIMISTIC requests from `verity infer`'s options, packed by the SDK's helpers
 * ({@link quorumParams}, {@link optimisticParams}), and their description in `verity job show`.
 */

export type ModeParamOptions = { quorumK?: string; minStake?: string; window?: string; bond?: string; slash?: string };

const QUORUM_FLAGS = ["quorumK", "minStake"] as const;
const OPTIMISTIC_FLAGS = ["window", "bond", "slash"] as const;
const FLAG: Record<keyof ModeParamOptions, string> = {
  quorumK: "--quorum-k",
  minStake: "--min-stake",
  window: "--window",
  bond: "--bond",
  slash: "--slash",
};

/** The currency stakes (and so `--min-stake` and `--slash`) are counted in: the registry's stake token. */
export async function stakeCurrency(ctx: CliContext): Promise<Currency> {
  const [registry, { publicClient }] = await Promise.all([ctx.operatorRegistry(), ctx.connect()]);
  const token = await withVerityErrors(() => readContract(publicClient, { address: registry, abi: operatorRegistryAbi, functionName: "stakeToken" }));
  return ctx.currency(token);
}

/** Options of one mode given with another mode: refused before anything else is read. */
export function checkModeParamFlags(mode: ModeName, o: ModeParamOptions): void {
  const given = (keys: readonly (keyof ModeParamOptions)[]) => keys.filter((k) => o[k] !== undefined).map((k) => FLAG[k]);
  const quorum = given(QUORUM_FLAGS);
  const optimistic = given(OPTIMISTIC_FLAGS);
  const misplaced = [...(mode === "quorum" ? [] : quorum), ...(mode === "optimistic" ? [] : optimistic)];
  if (misplaced.length > 0) {
    throw new CliError(`${misplaced.join(", ")} ${misplaced.length > 1 ? "are" : "is"} not for --mode ${mode}.`, [
      "--quorum-k and --min-stake go with --mode quorum; --window, --bond and --slash with --mode optimistic",
    ]);
  }
  if (mode === "quorum" && o.quorumK === undefined) {
    throw new CliError("--mode quorum needs --quorum-k <k>: how many distinct staked operators must sign the same output.", [
      `e.g. --quorum-k 3 --min-stake 0.5 (k from 1 to ${MAX_QUORUM})`,
    ]);
  }
  if (mode === "optimistic" && (o.window === undefined || o.bond === undefined || o.slash === undefined)) {
    throw new CliError("--mode optimistic needs --window <duration>, --bond <amount> and --slash <amount>.", [
      "e.g. --window 1h --bond 0.01 --slash 0.1 (a proposal locks the slash amount of the proposer's stake)",
    ]);
  }
}

/**
 * The packed `params` word for the mode (0 for TEE and ZK). Each value is checked with the option's name in the
 * message; the SDK helper packs the word (and would refuse anything the hub refuses).
 */
export async function modeParamsFromOptions(ctx: CliContext, mode: ModeName, o: ModeParamOptions): Promise<bigint> {
  checkModeParamFlags(mode, o);
  try {
    if (mode === "quorum") {
      const k = parseInteger(o.quorumK!, "--quorum-k", { min: 1, max: MAX_QUORUM });
      const minStake = o.minStake === undefined ? 0n : parseAmount(o.minStake, (await stakeCurrency(ctx)).decimals, "--min-stake");
      return quorumParams({ k, minStake });
    }
    if (mode === "optimistic") {
      const window = parseDuration(o.window!, "--window", { plainSeconds: true });
      if (window < MIN_CHALLENGE_WINDOW || window > MAX_CHALLENGE_WINDOW) {
        throw new CliError(
          `--window ${o.window} (${formatDuration(window)}) is outside ${formatDuration(MIN_CHALLENGE_WINDOW)}..${formatDuration(MAX_CHALLENGE_WINDOW)}.`,
          ["the challenge window (and the time a challenge has to be resolved) is 10 minutes to 3 days: e.g. --window 1h"],
        );
      }
      const bond = parseAmount(o.bond!, 18, "--bond");
      if (bond === 0n) throw new CliError("--bond must be above zero: the proposer and a challenger each post it.");
      const slashAmount = parseAmount(o.slash!, (await stakeCurrency(ctx)).decimals, "--slash");
      if (slashAmount === 0n) throw new CliError("--slash must be above zero: a proposal locks that much of the proposer's stake.");
      return optimisticParams({ window, bond, slashAmount });
    }
    return 0n;
  } catch (err) {
    // What the CLI's own checks let through and the SDK refuses (e.g. a value too large for its bits).
    if (err instanceof InvalidParamsError) throw new CliError(err.shortMessage, ["see `verity infer --help` for the mode options"]);
    throw err;
  }
}

/** The job's mode parameters, decoded: what `job show --json` adds to the job. */
export function decodedModeParams(job: Pick<JobStruct, "mode" | "params">) {
  if (job.mode === VerityMode.quorum) return decodeQuorumParams(job.params);
  if (job.mode === VerityMode.optimistic) return decodeOptimisticParams(job.params);
  return undefined;
}

/** One line for `job show`: `k = 3, min stake 0.5 ETH` or `window 1h, bond 0.01 ETH, slash 0.1 ETH`; undefined for TEE/ZK. */
export function describeModeParams(job: Pick<JobStruct, "mode" | "params">, stake: Currency): string | undefined {
  if (job.mode === VerityMode.quorum) {
    const { k, minStake } = decodeQuorumParams(job.params);
    return `k = ${k}, min stake ${formatAmount(minStake, stake)}`;
  }
  if (job.mode === VerityMode.optimistic) {
    const { window, bond, slashAmount } = decodeOptimisticParams(job.params);
    return `window ${formatDuration(window)}, bond ${formatAmount(bond, NATIVE)}, slash ${formatAmount(slashAmount, stake)}`;
  }
  return undefined;
}

const NATIVE: Currency = { token: "0x0000000000000000000000000000000000000000", symbol: "ETH", decimals: 18, native: true };
