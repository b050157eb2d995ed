// Small pure helpers of the attestation verifiers: the clock, bytes and hex, PEM. No I/O, no Node built-ins.
import { type Hex, bytesToHex, hexToBytes, isHex, sha256 } from "viem";
import { AttestationParameterError } from "../errors/attestation.js";

/** WebCrypto's types, from the global `crypto` (the project's lib has no DOM types; this works with and without). */
export type WebCrypto = typeof globalThis.crypto;
export type WebCryptoKey = Awaited<ReturnType<WebCrypto["subtle"]["importKey"]>>;
export type WebCryptoKeyPair = { publicKey: WebCryptoKey; privateKey: WebCryptoKey };

/** A point in time: a `Date`, or unix seconds as a number or bigint (e.g. a block timestamp). */
export type Clock = Date | bigint | number;

/** The clock as a valid `Date`; throws {@link AttestationParameterError} for anything else (it is required). */
export function toDate(now: Clock, parameter = "now"): Date {
  let ms: number;
  if (now instanceof Date) ms = now.getTime();
  else if (typeof now === "bigint") ms = now >= 0n && now < 8_640_000_000_000n ? Number(now) * 1000 : Number.NaN;
  else if (typeof now === "number") ms = now * 1000;
  else
    throw new AttestationParameterError({ parameter, reason: `expected a Date or unix seconds, got ${describe(now)}` });
  if (!Number.isFinite(ms) || ms < 0 || ms > 8.64e15) {
    throw new AttestationParameterError({ parameter, reason: `not a valid time (${String(now)})` });
  }
  return new Date(ms);
}

/** `Date` -> unix seconds (fractional). */
export const unixSeconds = (date: Date): number => date.getTime() / 1000;

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Map) return "a map";
  return typeof value;
}

/** Bytes from `Uint8Array` or `0x` hex; `undefined` if neither. A copy: the caller may not mutate ours. */
export function asBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (typeof value === "string" && isHex(value, { strict: true }) && value.length % 2 === 0) return hexToBytes(value);
  return undefined;
}

/** Bytes of an option (hex or bytes) or an {@link AttestationParameterError}; `length` checks the size. */
export function optionBytes(parameter: string, value: unknown, length?: number): Uint8Array {
  const bytes = asBytes(value);
  if (!bytes)
    throw new AttestationParameterError({
      parameter,
      reason: `expected 0x-prefixed hex or bytes, got ${describe(value)}`,
    });
  if (length !== undefined && bytes.length !== length) {
    throw new AttestationParameterError({ parameter, reason: `expected ${length} bytes, got ${bytes.length}` });
  }
  return bytes;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export const toHex = (bytes: Uint8Array): Hex => bytesToHex(bytes);

/** SHA-256 of a certificate's DER, as `0x` hex: the fingerprint roots are named by. */
export const fingerprint = (der: Uint8Array): Hex => sha256(der);

/** A copy whose buffer is a plain `ArrayBuffer` (what WebCrypto's `BufferSource` wants). */
export const buffer = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes);

export function base64ToBytes(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) throw new Error("not base64");
  const binary = atob(clean);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\s]*?)-----END \1-----/g;

/** Every `label` block of a PEM text, as DER. */
export function pemBlocks(pem: string, label = "CERTIFICATE"): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const match of pem.matchAll(PEM_BLOCK)) if (match[1] === label) out.push(base64ToBytes(match[2]!));
  return out;
}

export function toPem(der: Uint8Array, label = "CERTIFICATE"): string {
  const lines = bytesToBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
