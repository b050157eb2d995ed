/**
 * Attestation test fixtures (test/fixtures/attestation, see PROVENANCE.md there) with their pinned clocks, and
 * helpers to tamper with evidence bytes and to assert which error a verifier threw.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import type { AttestationError } from "../../sdk/src/errors/attestation.js";

const DIR = join(import.meta.dirname, "..", "fixtures", "attestation");
const read = (name: string) => new Uint8Array(readFileSync(join(DIR, name)));
const readText = (name: string) => readFileSync(join(DIR, name), "utf8");

/** A real Nitro document with its pinned clock and the facts PROVENANCE.md records. */
export type NitroFixture = {
  name: string;
  document: Uint8Array;
  now: Date;
  pcr0Prefix: string;
  moduleId: string;
  timestamp: Date;
  leafNotAfter: Date;
};

export const NITRO_FIXTURES: NitroFixture[] = [
  {
    name: "nitro-og-evm-2026-02-12.b64",
    document: new Uint8Array(Buffer.from(readText("nitro-og-evm-2026-02-12.b64").trim(), "base64")),
    now: new Date("2026-02-12T18:00:00Z"),
    pcr0Prefix: "0x9baef839",
    moduleId: "i-0340e0cb833504eb6-enc019c12d31f78864d",
    timestamp: new Date(1770918962724),
    leafNotAfter: new Date("2026-02-12T20:56:02Z"),
  },
  {
    name: "nitro-evervault-2022-10-13.cbor",
    document: read("nitro-evervault-2022-10-13.cbor"),
    now: new Date("2022-10-13T09:00:00Z"),
    pcr0Prefix: "0xf4d48b81",
    moduleId: "i-020b6af9246d90e92-enc0183d09086c24190",
    timestamp: new Date(1665651482136),
    leafNotAfter: new Date("2022-10-13T11:58:02Z"),
  },
];

export const NITRO_DEBUG = {
  document: read("nitro-evervault-debug-2022-10-12.cbor"),
  now: new Date("2022-10-12T14:00:00Z"),
};

export const AWS_ROOT_PEM = readText("aws-nitro-root-g1.pem");

/** The TDX sample: a v4 quote with its collateral; TCB info valid 2025-06-19T10:16:03Z to 2025-07-19T10:16:03Z. */
export const TDX = {
  quote: read("dcap-tdx_quote"),
  collateral: JSON.parse(readText("dcap-tdx_quote_collateral.json")) as Record<string, string>,
  /** 2025-07-01T00:00:00Z */
  now: 1751328000,
};

export const SGX = {
  quote: read("dcap-sgx_quote"),
  collateral: JSON.parse(readText("dcap-sgx_quote_collateral.json")) as Record<string, string>,
};

/** Offsets in a TDX v4 quote: 48-byte header, then the TD report 1.0. */
export const TD_REPORT_OFFSET = 48;
export const TD_REPORT = { mrTd: 136, tdAttributes: 120, reportData: 520 } as const;

/** Index of `needle` in `haystack` at or after `from`, or -1. */
export function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** A copy with the byte at `at` XORed with `mask`. */
export function flip(bytes: Uint8Array, at: number, mask = 0x01): Uint8Array {
  if (at < 0 || at >= bytes.length) throw new Error(`offset ${at} outside ${bytes.length} bytes`);
  const out = bytes.slice();
  out[at]! ^= mask;
  return out;
}

/** Awaits `promise` and asserts it rejects with the error class `name` (and `code` when given); returns the error. */
export async function rejects<E extends AttestationError = AttestationError>(
  promise: Promise<unknown>,
  name: string,
  code?: string
): Promise<E> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${name}, but it resolved`).to.be.instanceOf(Error);
  const e = error as E;
  expect(e.name, e.message).to.equal(name);
  if (code !== undefined) expect(e.code, e.message).to.equal(code);
  return e;
}

export const sameHex = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
