// Evidence bytes: what is stored off chain (by URI) and hashed on chain (evidenceHash = keccak256 of the bytes).
// Nitro: the raw COSE_Sign1 document. TDX: UTF-8 JSON {"format":"verity-tdx-evidence/v1","quote":"0x…","collateral":{…}}.
import type { Hex } from "viem";
import { AttestationFormatError, AttestationParameterError } from "../errors/attestation.js";
import { TDX_EVIDENCE_FORMAT } from "./constants.js";
import { asBytes, describe, toHex } from "./internal.js";

/**
 * DCAP collateral of a TDX quote, as `@phala/dcap-qvl` takes it (and as PCCS `getCollateral` returns it): PEM issuer
 * chains, the TCB info and QE identity JSON as signed, their signatures and the CRLs as hex (no `0x`).
 */
export type TdxCollateral = {
  pck_crl_issuer_chain: string;
  root_ca_crl: string;
  pck_crl: string;
  tcb_info_issuer_chain: string;
  tcb_info: string;
  tcb_info_signature: string;
  qe_identity_issuer_chain: string;
  qe_identity: string;
  qe_identity_signature: string;
  /** The PCK certificate chain, when the quote does not carry it (certification data type other than 5). */
  pck_certificate_chain?: string;
};

/** A TDX quote with its collateral. */
export type TdxEvidenceInput = {
  quote: Uint8Array | Hex;
  /** TdxCollateral; byte fields may also be arrays of numbers, as dcap-qvl accepts. */
  collateral: TdxCollateral | Readonly<Record<string, unknown>>;
};

/** The collateral fields, in the order they are written (the order of dcap-qvl's sample collateral). */
const HEX_FIELDS = ["root_ca_crl", "pck_crl", "tcb_info_signature", "qe_identity_signature"] as const;
const FIELD_ORDER = [
  "pck_crl_issuer_chain",
  "root_ca_crl",
  "pck_crl",
  "tcb_info_issuer_chain",
  "tcb_info",
  "tcb_info_signature",
  "qe_identity_issuer_chain",
  "qe_identity",
  "qe_identity_signature",
  "pck_certificate_chain",
] as const;

function hexField(name: string, value: unknown, fail: (reason: string) => Error): string {
  if (typeof value === "string") {
    const hex = value.startsWith("0x") ? value.slice(2) : value;
    if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex))
      throw fail(`collateral.${name} is not hex`);
    return hex.toLowerCase();
  }
  if (Array.isArray(value) && value.length > 0 && value.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    return toHex(Uint8Array.from(value as number[])).slice(2);
  }
  throw fail(`collateral.${name} must be hex or an array of bytes, got ${describe(value)}`);
}

/**
 * The collateral in canonical form: every required field present, byte fields as lowercase hex without `0x`, no
 * unknown field, fields in a fixed order (so the same collateral always encodes to the same evidence bytes).
 */
export function normalizeTdxCollateral(
  collateral: unknown,
  fail: (reason: string) => Error = collateralParameterError
): TdxCollateral {
  if (typeof collateral !== "object" || collateral === null || Array.isArray(collateral)) {
    throw fail(`collateral must be an object, got ${describe(collateral)}`);
  }
  const input = collateral as Record<string, unknown>;
  const unknown = Object.keys(input).filter((k) => !(FIELD_ORDER as readonly string[]).includes(k));
  if (unknown.length > 0) throw fail(`collateral has unknown fields: ${unknown.join(", ")}`);
  const out: Record<string, string> = {};
  for (const name of FIELD_ORDER) {
    const value = input[name];
    if (name === "pck_certificate_chain" && value === undefined) continue;
    if ((HEX_FIELDS as readonly string[]).includes(name)) out[name] = hexField(name, value, fail);
    else if (typeof value === "string" && value.length > 0) out[name] = value;
    else throw fail(`collateral.${name} must be a non-empty string, got ${describe(value)}`);
  }
  return out as TdxCollateral;
}

const collateralParameterError = (reason: string) => new AttestationParameterError({ parameter: "collateral", reason });
const malformed = (reason: string) => new AttestationFormatError({ reason });

function quoteBytes(quote: unknown, fail: (reason: string) => Error): Uint8Array {
  const bytes = asBytes(quote);
  if (!bytes || bytes.length === 0) throw fail(`the quote must be bytes or 0x hex, got ${describe(quote)}`);
  return bytes;
}

/**
 * TDX evidence bytes: UTF-8 JSON `{"format":"verity-tdx-evidence/v1","quote":"0x<hex>","collateral":{…}}`, the
 * collateral in canonical form ({@link normalizeTdxCollateral}). Its keccak256 is the evidence hash.
 *
 * @example
 * const bytes = encodeTdxEvidence({ quote, collateral: await getCollateral(pccsUrl, quote) });
 */
export function encodeTdxEvidence({ quote, collateral }: TdxEvidenceInput): Uint8Array {
  const q = quoteBytes(quote, (reason) => new AttestationParameterError({ parameter: "quote", reason }));
  const json = JSON.stringify({
    format: TDX_EVIDENCE_FORMAT,
    quote: toHex(q),
    collateral: normalizeTdxCollateral(collateral),
  });
  return new TextEncoder().encode(json);
}

/** Parses TDX evidence bytes (the JSON of {@link encodeTdxEvidence}); throws {@link AttestationFormatError}. */
export function decodeTdxEvidence(evidence: Uint8Array): { quote: Uint8Array; collateral: TdxCollateral } {
  if (!(evidence instanceof Uint8Array)) throw malformed(`expected TDX evidence bytes, got ${describe(evidence)}`);
  if (evidence.length === 0) throw malformed("the TDX evidence is empty");
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(evidence));
  } catch (e) {
    throw new AttestationFormatError({
      reason: `TDX evidence is not UTF-8 JSON (${(e as Error).message})`,
      cause: e as Error,
    });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw malformed("TDX evidence JSON must be an object");
  const { format, quote, collateral, ...rest } = parsed as Record<string, unknown>;
  if (format !== TDX_EVIDENCE_FORMAT) {
    throw new AttestationFormatError({
      reason: `TDX evidence format is ${JSON.stringify(format)}, expected "${TDX_EVIDENCE_FORMAT}"`,
      code: format === undefined ? "malformed" : "unsupported",
    });
  }
  if (Object.keys(rest).length > 0) throw malformed(`TDX evidence has unknown fields: ${Object.keys(rest).join(", ")}`);
  if (typeof quote !== "string") throw malformed(`TDX evidence quote must be 0x hex, got ${describe(quote)}`);
  return { quote: quoteBytes(quote, malformed), collateral: normalizeTdxCollateral(collateral, malformed) };
}
