import { isAddress, isHex } from "viem";
import { InvalidParameterError } from "../errors/request.js";

/**
 * Run-time checks of action parameters: plain-JavaScript callers pass numbers for bigints, strings for numbers and
 * arrays for tensors, and TypeScript cannot stop them. Each checker throws {@link InvalidParameterError} naming
 * the action and the parameter, and converts nothing. `optional: true` lets `undefined` (left out) through.
 * Pure functions: no client is called.
 */

type Optional = { optional?: boolean | undefined };

const MAX_UINT256 = 2n ** 256n - 1n;

function refuse(action: string, parameter: string, expected: string, received: unknown, hint?: string): never {
  throw new InvalidParameterError({ action, parameter, expected, received, hint });
}

/** A bound for a message: `2^64-1` for the large uint maxima, else the number itself. */
function bound(b: bigint | number): string {
  const n = BigInt(b);
  return n > 0xffffffffn && ((n + 1n) & n) === 0n ? `2^${(n + 1n).toString(2).length - 1}-1` : String(n);
}

/**
 * The call's arguments: a viem client first (anything with `request`), then one parameter object (non-null, not
 * an array). Check this first: the other checkers read fields of `parameters`.
 */
export function expectParameters(action: string, client: unknown, parameters: unknown): void {
  if (typeof client !== "object" || client === null || typeof (client as { request?: unknown }).request !== "function") {
    refuse(action, "client", "a viem Client", client, `Actions take the client first: ${action}(client, { ... }), or use client.extend(verityActions({ hub })).`);
  }
  if (typeof parameters !== "object" || parameters === null || Array.isArray(parameters)) {
    refuse(action, "parameters", "an object of named parameters", parameters, `Call ${action}(client, { ... }) with one object.`);
  }
}

/** A bigint in `min..max` (default 0..2^256-1: ids, amounts and block numbers are never negative). */
export function expectBigint(
  action: string,
  parameter: string,
  value: unknown,
  { optional, min = 0n, max = MAX_UINT256 }: Optional & { min?: bigint; max?: bigint } = {},
): void {
  if (value === undefined && optional) return;
  if (typeof value !== "bigint") {
    refuse(action, parameter, "a bigint (e.g. 1n)", value, "Write bigints with the n suffix (1n) or convert with BigInt(x): numbers and strings are refused.");
  }
  if (value < min || value > max) refuse(action, parameter, `a bigint in ${bound(min)}..${bound(max)}`, value);
}

/** A number: an integer in `min..max` (default 0..2^53-1), or with `integer: false` any finite number in range. */
export function expectNumber(
  action: string,
  parameter: string,
  value: unknown,
  { optional, min = 0, max = Number.MAX_SAFE_INTEGER, integer = true }: Optional & { min?: number; max?: number; integer?: boolean } = {},
): void {
  if (value === undefined && optional) return;
  const kind = integer ? "an integer" : "a number";
  if (typeof value !== "number") {
    refuse(action, parameter, `${kind} (a JavaScript number, e.g. ${Math.max(min, 1)})`, value, "Pass a plain number: bigints and strings are refused.");
  }
  if ((integer ? !Number.isInteger(value) : !Number.isFinite(value)) || value < min || value > max) {
    refuse(action, parameter, `${kind} in ${bound(min)}..${bound(max)}`, value);
  }
}

/** An address: 0x and 40 hex digits, checksummed or all one case (`isAddress`, strict: a wrong checksum is refused). */
export function expectAddress(action: string, parameter: string, value: unknown, { optional }: Optional = {}): void {
  if (value === undefined && optional) return;
  if (typeof value !== "string" || !isAddress(value, { strict: true })) {
    refuse(action, parameter, "an address (0x and 40 hex digits)", value, "Pass a 20-byte address, EIP-55 checksummed or all lowercase.");
  }
}

/** Hex: 0x and an even number of hex digits; with `size`, exactly that many bytes (32 for a hash or an id). */
export function expectHex(action: string, parameter: string, value: unknown, { optional, size }: Optional & { size?: number } = {}): void {
  if (value === undefined && optional) return;
  const expected = size === undefined ? "hex bytes (0x and an even number of hex digits)" : `${size} bytes of hex (0x and ${size * 2} hex digits)`;
  if (typeof value !== "string" || !isHex(value, { strict: true }) || value.length % 2 !== 0) refuse(action, parameter, expected, value);
  if (size !== undefined && value.length !== 2 + size * 2) {
    refuse(action, parameter, expected, value, size === 32 ? "Pass the whole 32-byte value (e.g. a keccak256 hash), not a shortened one." : undefined);
  }
}

/** A string; with `nonEmpty`, at least one character. */
export function expectString(action: string, parameter: string, value: unknown, { optional, nonEmpty }: Optional & { nonEmpty?: boolean } = {}): void {
  if (value === undefined && optional) return;
  if (typeof value !== "string" || (nonEmpty && value.length === 0)) refuse(action, parameter, nonEmpty ? "a non-empty string" : "a string", value);
}

/** An http(s) URL (an operator's server). */
export function expectHttpUrl(action: string, parameter: string, value: unknown): void {
  if (typeof value !== "string" || !/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(value)) {
    refuse(action, parameter, 'an http(s) URL, e.g. "http://127.0.0.1:8787"', value);
  }
}

/** A boolean: `true` or `false` (not 0, 1 or "false"). */
export function expectBoolean(action: string, parameter: string, value: unknown, { optional }: Optional = {}): void {
  if (value === undefined && optional) return;
  if (typeof value !== "boolean") refuse(action, parameter, "a boolean (true or false)", value);
}

/** A function (a callback). */
export function expectFunction(action: string, parameter: string, value: unknown, { optional }: Optional = {}): void {
  if (value === undefined && optional) return;
  if (typeof value !== "function") refuse(action, parameter, "a function", value);
}

/** A non-null object that is not an array; `expected` says which (e.g. `an object { verifier, modelCommitment, verifyingKeyHash }`). */
export function expectObject(action: string, parameter: string, value: unknown, { optional, expected = "an object" }: Optional & { expected?: string } = {}): void {
  if (value === undefined && optional) return;
  if (typeof value !== "object" || value === null || Array.isArray(value)) refuse(action, parameter, expected, value);
}

/** An array (its items are checked by the caller, named `parameter[i]`). */
export function expectArray(action: string, parameter: string, value: unknown, { optional, expected = "an array" }: Optional & { expected?: string } = {}): void {
  if (value === undefined && optional) return;
  if (!Array.isArray(value)) refuse(action, parameter, expected, value);
}

/** One of a few literal values (`"exact"`, `"max"` or `false`), compared with `===`. */
export function expectOneOf(action: string, parameter: string, value: unknown, choices: readonly unknown[], { optional }: Optional = {}): void {
  if (value === undefined && optional) return;
  if (!choices.includes(value)) {
    refuse(action, parameter, `one of ${choices.map((c) => (typeof c === "string" ? JSON.stringify(c) : String(c))).join(", ")}`, value);
  }
}

/**
 * An account: an address, or an object with an `address` (a viem Account). With `signs`, an account that signs
 * locally: an object with `address` and a `signTypedData` function (e.g. `privateKeyToAccount(key)`).
 */
export function expectAccount(action: string, parameter: string, value: unknown, { optional, signs }: Optional & { signs?: boolean } = {}): void {
  if (value === undefined && optional) return;
  if (typeof value === "string" && !signs) return expectAddress(action, parameter, value);
  const expected = signs ? "a local account with address and signTypedData (e.g. privateKeyToAccount(key))" : "an account (a viem Account or an address)";
  expectObject(action, parameter, value, { expected });
  expectAddress(action, `${parameter}.address`, (value as { address?: unknown }).address);
  if (signs) expectFunction(action, `${parameter}.signTypedData`, (value as { signTypedData?: unknown }).signTypedData);
}
