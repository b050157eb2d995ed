import { type Address, type Hex, getAddress, isAddress, isHex, keccak256, parseUnits, size, toHex } from "viem";
import { type ModeName, VerityMode } from "../constants.js";
import { CliError } from "./errors.js";
import { formatTime } from "./format.js";

/**
 * Parsers for command-line values. Each throws a {@link CliError} naming the option and the expected form.
 */

export function parseAddress(value: string, what: string): Address {
  if (!isAddress(value, { strict: false })) throw new CliError(`${what} "${value}" is not an address (0x + 40 hex digits).`);
  return getAddress(value);
}

export function parsePrivateKey(value: string, what: string): Hex {
  const hex = (value.startsWith("0x") ? value : `0x${value}`) as Hex;
  // The key itself is never echoed back.
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new CliError(`${what} is not a private key (32 bytes of hex).`);
  return hex;
}

export function parseBytes32(value: string, what: string): Hex {
  if (!isHex(value, { strict: true }) || size(value) !== 32) {
    throw new CliError(`${what} "${value}" is not 32 bytes of hex (0x + 64 hex digits).`);
  }
  return value.toLowerCase() as Hex;
}

/**
 * A code measurement or document hash: 32 bytes of hex as is, or any other text as a label whose keccak256 is
 * the value (`verity-enclave-v1` -> keccak256("verity-enclave-v1")), the convention of the demo and the tests.
 */
export function parseLabelOrBytes32(value: string, what: string): Hex {
  if (value.startsWith("0x")) return parseBytes32(value, what);
  if (value.length === 0) throw new CliError(`${what} is empty.`);
  return keccak256(toHex(value));
}

export function parseInteger(value: string, what: string, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
  if (!/^\d+$/.test(value)) throw new CliError(`${what} "${value}" is not a whole number.`);
  const n = Number(value);
  if (n < min || n > max) throw new CliError(`${what} ${n} is not in ${min}..${max}.`);
  return n;
}

export function parseBigInt(value: string, what: string): bigint {
  if (!/^\d+$/.test(value)) throw new CliError(`${what} "${value}" is not a whole number.`);
  return BigInt(value);
}

/** A job id (decimal). */
export function parseJobId(value: string): bigint {
  if (!/^\d+$/.test(value) || value === "0") throw new CliError(`job id "${value}" is not a job number (1, 2, ...).`);
  return BigInt(value);
}

/** A model version (1, 2, ...; uint32). */
export function parseVersion(value: string): number {
  return parseInteger(value, "version", { min: 1, max: 2 ** 32 - 1 });
}

/**
 * An amount of a currency with `decimals` decimals: a decimal number of whole units (`0.003`), or an integer
 * of base units with a `wei` suffix (`3000000000000000wei`).
 */
export function parseAmount(value: string, decimals: number, what: string): bigint {
  const v = value.trim();
  const base = /^(\d+)\s*wei$/i.exec(v);
  if (base) return BigInt(base[1]!);
  if (!/^\d+(\.\d+)?$/.test(v) && !/^\.\d+$/.test(v)) {
    throw new CliError(`${what} "${value}" is not an amount: give a decimal number of whole units (0.003) or base units (3000wei).`);
  }
  const fraction = v.split(".")[1] ?? "";
  if (fraction.length > decimals) throw new CliError(`${what} "${value}" has more than ${decimals} decimals.`);
  return parseUnits(v.startsWith(".") ? `0${v}` : v, decimals);
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** A duration: `90s`, `10m`, `2h`, `7d`, or (when `plainSeconds`) a bare number of seconds. */
export function parseDuration(value: string, what: string, { plainSeconds = false } = {}): bigint {
  const m = /^(\d+)\s*([smhd])$/.exec(value.trim());
  if (m) return BigInt(m[1]!) * BigInt(UNIT_SECONDS[m[2]!]!);
  if (plainSeconds && /^\d+$/.test(value.trim())) return BigInt(value.trim());
  throw new CliError(
    `${what} "${value}" is not a duration: use a number with a unit, s m h or d (90s, 10m, 2h, 7d)${plainSeconds ? ", or seconds" : ""}.`,
  );
}

/** The hub's longest deadline: 30 days after the request's block (`InferenceHub.MAX_DEADLINE_DELAY`). */
export const MAX_DEADLINE_DELAY = 30n * 86_400n;
/**
 * The shortest deadline the CLI sends: the hub refuses a deadline its request's block has reached, and that block
 * comes some seconds after this check (and an operator skips a job due sooner than its `--min-time-left`, 30 s).
 */
export const MIN_DEADLINE_LEAD = 30n;

const DEADLINE_RANGE = "a deadline from 30 seconds to 30 days from now";

/**
 * A deadline, relative (`10m`, `2h`: counted from `now`) or absolute: Unix seconds (`1767225600`) or an ISO 8601
 * date (`2026-01-01T00:00:00Z`). Returns Unix seconds. `now` is the later of the chain's latest block time and
 * the wall clock: an idle node's last block can be minutes old, and the next block is stamped with the clock.
 * `chainTime` (the latest block's) bounds it: the SDK and the hub accept at most 30 days after it, so a
 * relative deadline a few seconds beyond is brought back to it (`capped`). Refuses, before anything is sent,
 * what the hub would refuse: a deadline in the past, sooner than {@link MIN_DEADLINE_LEAD}, or beyond 30 days.
 */
export function parseDeadline(value: string, { now, chainTime }: { now: bigint; chainTime: bigint }): { deadline: bigint; capped: boolean } {
  const v = value.trim();
  const latest = chainTime + MAX_DEADLINE_DELAY;
  const tooSoon = (what: string) =>
    new CliError(`--deadline ${what} is too soon: the request must be in a block before its deadline, so give ${DEADLINE_RANGE}.`, [
      "e.g. --deadline 10m (the default is 1h); operators skip jobs due within 30s",
    ]);
  const tooFar = (what: string) =>
    new CliError(`--deadline ${what} is too far: the hub accepts a deadline at most 30 days after the request's block, so give ${DEADLINE_RANGE}.`, [
      "e.g. --deadline 7d, or an ISO date within the next 30 days",
    ]);
  if (/^\d+\s*[smhd]$/.test(v)) {
    const duration = parseDuration(v, "--deadline");
    if (duration < MIN_DEADLINE_LEAD) throw tooSoon(v);
    if (duration > MAX_DEADLINE_DELAY) throw tooFar(v);
    const deadline = now + duration;
    if (deadline <= latest) return { deadline, capped: false };
    // The wall clock runs ahead of an idle chain's last block: 30 days from it is as far as can go.
    if (latest < now + MIN_DEADLINE_LEAD) throw tooFar(v);
    return { deadline: latest, capped: true };
  }
  let deadline: bigint;
  if (/^\d+$/.test(v)) deadline = BigInt(v);
  else {
    const ms = Date.parse(v);
    if (!(/^\d{4}-\d{2}-\d{2}/.test(v) && Number.isFinite(ms))) {
      throw new CliError(
        `--deadline "${value}" is not a deadline: give a duration from now (10m, 2h, 1d), Unix seconds, or an ISO date.`,
      );
    }
    deadline = BigInt(Math.floor(ms / 1000));
  }
  const shown = `${formatTime(deadline)} (${deadline})`;
  if (deadline <= now) {
    throw new CliError(`--deadline ${shown} is not in the future (it is now ${formatTime(now)}): give ${DEADLINE_RANGE}.`, [
      "give a duration from now instead: --deadline 10m, 2h, 1d",
    ]);
  }
  if (deadline < now + MIN_DEADLINE_LEAD) throw tooSoon(shown);
  if (deadline > latest) throw tooFar(shown);
  return { deadline, capped: false };
}

const MODE_NAMES = Object.keys(VerityMode) as ModeName[];

export function parseMode(value: string): ModeName {
  const v = value.trim().toLowerCase();
  if (!(MODE_NAMES as string[]).includes(v)) {
    throw new CliError(`mode "${value}" is not one of ${MODE_NAMES.join(", ")}.`);
  }
  return v as ModeName;
}

/** A comma-separated list of modes (`tee,zk`). */
export function parseModes(value: string): ModeName[] {
  const modes = value.split(",").map((s) => s.trim()).filter(Boolean).map(parseMode);
  if (modes.length === 0) throw new CliError("--modes is empty: give at least one mode (tee, zk, ...).");
  return [...new Set(modes)];
}

/** A comma-separated list of numbers (`5.1,3.5,1.4,0.2`). */
export function parseNumberList(value: string, what: string): number[] {
  const parts = value.split(",").map((s) => s.trim());
  const numbers = parts.map(Number);
  if (parts.some((p) => p === "") || numbers.some((n) => !Number.isFinite(n))) {
    throw new CliError(`${what} "${value}" is not a comma-separated list of numbers (5.1,3.5,1.4,0.2).`);
  }
  return numbers;
}

/** Hex bytes as given (`0x...`); decoding is left to the SDK so its error says what is wrong. */
export function parseHexBytes(value: string, what: string): Hex {
  const v = value.trim();
  const hex = (v.startsWith("0x") ? v : `0x${v}`) as Hex;
  if (!isHex(hex, { strict: true }) || hex.length % 2 !== 0) throw new CliError(`${what} is not hex bytes (0x...).`);
  return hex;
}

/** A TEE type by name: `nitro` (AWS Nitro, 1) or `tdx` (Intel TDX, 2); numbers 1 and 2 too. */
export function parseTee(value: string, what = "--tee"): { teeType: 1 | 2; name: "nitro" | "tdx"; label: string } {
  const v = value.trim().toLowerCase();
  if (v === "nitro" || v === "aws-nitro" || v === "1") return { teeType: 1, name: "nitro", label: "AWS Nitro" };
  if (v === "tdx" || v === "intel-tdx" || v === "2") return { teeType: 2, name: "tdx", label: "Intel TDX" };
  throw new CliError(`${what} "${value}" is not a TEE type: give nitro (AWS Nitro Enclaves) or tdx (Intel TDX).`);
}

/** The name of a TEE type number. */
export function teeLabel(teeType: number): string {
  return teeType === 1 ? "AWS Nitro" : teeType === 2 ? "Intel TDX" : `TEE type ${teeType}`;
}
