import { VerityMode, modeLabel } from "../constants.js";
import { InvalidParamsError } from "../errors/request.js";

/**
 * The `params` word of a request, for the modes that take parameters, packed exactly as
 * contracts/libraries/ModeParams.sol unpacks it (pure functions):
 * ```
 * QUORUM      params = k | minStake << 8                        k 1..32, minStake < 2^128
 * OPTIMISTIC  params = window | bond << 32 | slashAmount << 128   window 600 s..3 days, 0 < bond < 2^96,
 *                                                                 0 < slashAmount < 2^128
 * ```
 * The OPTIMISTIC dispute game also asks, at request time, for a bond of at least its `minBond()`.
 */

/** The largest quorum a request may ask for, and the most votes an attestation may carry (`VerityTypes.MAX_QUORUM`). */
export const MAX_QUORUM = 32;
/** The shortest challenge window (and resolution period) of an OPTIMISTIC job, in seconds. */
export const MIN_CHALLENGE_WINDOW = 600n;
/** The longest challenge window (and resolution period) of an OPTIMISTIC job, in seconds. */
export const MAX_CHALLENGE_WINDOW = 3n * 24n * 3600n;

const U8 = (1n << 8n) - 1n;
const U32 = (1n << 32n) - 1n;
const U96 = (1n << 96n) - 1n;
const U128 = (1n << 128n) - 1n;

/** A QUORUM job's parameters. */
export type QuorumParams = {
  /** Distinct staked operators that must sign the same output (1..32). */
  k: number | bigint;
  /** The least bonded stake each signer must have, in stake-token units (default 0: any non-zero stake). */
  minStake?: bigint | undefined;
};

/** An OPTIMISTIC job's parameters. */
export type OptimisticParams = {
  /** Challenge window in seconds (600..259,200: 10 minutes to 3 days); also the time a challenge has to be resolved. */
  window: number | bigint;
  /**
   * Native-currency bond of the proposer, and of a challenger (non-zero, below 2^96; the dispute game refuses one
   * below its `minBond()`).
   */
  bond: bigint;
  /**
   * Stake locked from the proposer while its proposal is open, and taken if it is proven wrong (half to the
   * challenger, half burned): non-zero, below 2^128.
   */
  slashAmount: bigint;
};

/**
 * The `params` word of a QUORUM request: `k | minStake << 8`. Throws {@link InvalidParamsError} for a k outside
 * 1..32 or a minimum stake of 2^128 or more (the hub would refuse them with `HubInvalidParams`).
 *
 * @example
 * ```ts
 * await requestInference(client, { hub, modelId, version, mode: "quorum", params: quorumParams({ k: 3, minStake: parseEther("1") }), input, fee });
 * ```
 */
export function quorumParams({ k, minStake = 0n }: QuorumParams): bigint {
  const kk = BigInt(k);
  const fail = (reason: string) => new InvalidParamsError({ mode: VerityMode.quorum, reason });
  if (kk < 1n || kk > BigInt(MAX_QUORUM)) throw fail(`k = ${kk} is outside 1..${MAX_QUORUM}`);
  if (minStake < 0n || minStake > U128) throw fail(`minStake = ${minStake} is outside 0..2^128-1`);
  return kk | (minStake << 8n);
}

/**
 * The `params` word of an OPTIMISTIC request: `window | bond << 32 | slashAmount << 128`. Throws
 * {@link InvalidParamsError} for a window outside 10 minutes..3 days, a zero bond or one of 2^96 or more, or a
 * slash amount of zero or of 2^128 or more (the dispute game would refuse them with `GameInvalidParams`).
 *
 * @example
 * ```ts
 * const params = optimisticParams({ window: 3600, bond: parseEther("0.1"), slashAmount: parseEther("0.5") });
 * ```
 */
export function optimisticParams({ window, bond, slashAmount }: OptimisticParams): bigint {
  const w = BigInt(window);
  const fail = (reason: string) => new InvalidParamsError({ mode: VerityMode.optimistic, reason });
  if (w < MIN_CHALLENGE_WINDOW || w > MAX_CHALLENGE_WINDOW) {
    throw fail(`the window of ${w} s is outside ${MIN_CHALLENGE_WINDOW}..${MAX_CHALLENGE_WINDOW} s`);
  }
  if (bond <= 0n || bond > U96) throw fail(`the bond ${bond} is outside 1..2^96-1`);
  if (typeof slashAmount !== "bigint" || slashAmount <= 0n || slashAmount > U128) {
    throw fail(`the slash amount ${String(slashAmount)} is outside 1..2^128-1 (a proposal must lock stake)`);
  }
  return w | (bond << 32n) | (slashAmount << 128n);
}

/** Unpacks a QUORUM `params` word (no validation: see {@link quorumParamsProblem}). */
export function decodeQuorumParams(params: bigint): { k: number; minStake: bigint } {
  return { k: Number(params & U8), minStake: params >> 8n };
}

/** Unpacks an OPTIMISTIC `params` word (no validation: see {@link optimisticParamsProblem}). */
export function decodeOptimisticParams(params: bigint): { window: bigint; bond: bigint; slashAmount: bigint } {
  return { window: params & U32, bond: (params >> 32n) & U96, slashAmount: params >> 128n };
}

/** Why the hub would refuse a QUORUM `params` word (`ModeParams.isValidQuorum`), or undefined when it is valid. */
export function quorumParamsProblem(params: bigint): string | undefined {
  if (params < 0n) return "params are negative";
  const { k } = decodeQuorumParams(params);
  if (k === 0 || k > MAX_QUORUM) return `k = ${k} (the low 8 bits) is outside 1..${MAX_QUORUM}`;
  if (params >> 136n !== 0n) return "the minimum stake does not fit in 128 bits (bits 136 and above must be zero)";
  return undefined;
}

/**
 * Why the hub and the dispute game would refuse an OPTIMISTIC `params` word (`ModeParams.isValidOptimistic`, and the
 * game's non-zero slash amount), or undefined. The game's `minBond()` is checked on chain.
 */
export function optimisticParamsProblem(params: bigint): string | undefined {
  if (params < 0n) return "params are negative";
  if (params >> 256n !== 0n) return "params do not fit in 256 bits";
  const { window, bond } = decodeOptimisticParams(params);
  if (window < MIN_CHALLENGE_WINDOW || window > MAX_CHALLENGE_WINDOW) {
    return `the challenge window of ${window} s is outside ${MIN_CHALLENGE_WINDOW}..${MAX_CHALLENGE_WINDOW} s`;
  }
  if (bond === 0n) return "the bond is zero";
  if (params >> 128n === 0n) return "the slash amount is zero (a proposal must lock stake)";
  return undefined;
}

/**
 * The packed `params` word of a request, checked as the hub checks it (`HubInvalidParams`): none for TEE and ZK, a
 * valid quorum or optimistic word for those modes. Throws {@link InvalidParamsError} with the reason.
 */
export function requestParams(mode: number, given: QuorumParams | OptimisticParams | bigint | undefined): bigint {
  if (given !== undefined && typeof given !== "bigint") {
    const isQuorum = "k" in given;
    if (mode !== (isQuorum ? VerityMode.quorum : VerityMode.optimistic)) {
      throw new InvalidParamsError({
        mode,
        reason: `${isQuorum ? "quorum" : "optimistic"} parameters were given for a ${modeLabel(mode)} request`,
      });
    }
    return isQuorum ? quorumParams(given) : optimisticParams(given as OptimisticParams);
  }
  const params = given ?? 0n;
  if (mode === VerityMode.tee || mode === VerityMode.zk) {
    if (params !== 0n) throw new InvalidParamsError({ mode, params });
  } else if (mode === VerityMode.quorum || mode === VerityMode.optimistic) {
    const problem = mode === VerityMode.quorum ? quorumParamsProblem(params) : optimisticParamsProblem(params);
    if (params === 0n) {
      throw new InvalidParamsError({
        mode,
        params,
        reason: mode === VerityMode.quorum ? "a QUORUM job needs { k, minStake }" : "an OPTIMISTIC job needs { window, bond, slashAmount }",
      });
    }
    if (problem !== undefined) throw new InvalidParamsError({ mode, params, reason: problem });
  }
  return params;
}
