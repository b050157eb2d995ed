// AWS Nitro Enclaves attestation documents: COSE_Sign1 (RFC 9052) over a CBOR payload, signed with ES384 by a
// leaf certificate that chains to the AWS Nitro Enclaves root G1 through the document's `cabundle`.
// The format and the checks follow AWS's "Verifying the root of trust"; sdk/src/attestation/README.md lists them.
import { Tag, decode, encode } from "cbor2";
import type { Hex } from "viem";
import {
  AttestationBindingError,
  AttestationDebugError,
  AttestationExpiredError,
  AttestationFormatError,
  AttestationMeasurementError,
  AttestationParameterError,
  AttestationSignatureError,
} from "../errors/attestation.js";
import {
  AWS_NITRO_ROOT_G1_PEM,
  DEVELOPMENT_MEASUREMENT,
  MEASUREMENT_REGISTER_BYTES,
  NITRO_MAX_AGE_SECONDS,
  NITRO_MAX_FUTURE_SECONDS,
  TeeType,
  nitroMeasurement,
} from "./constants.js";
import { DEVELOPMENT_ROOT_FINGERPRINT } from "./development.js";
import {
  type Clock,
  type WebCryptoKey,
  buffer,
  bytesEqual,
  describe,
  optionBytes,
  pemBlocks,
  toDate,
  toHex,
} from "./internal.js";
import { verifyChain, webCrypto } from "./x509.js";

/** COSE algorithm ES384 (ECDSA with SHA-384 on P-384), the only one Nitro documents use. */
export const COSE_ALG_ES384 = -35;
/** CBOR tag of a COSE_Sign1 message (optional on Nitro documents, which are untagged). */
export const COSE_SIGN1_TAG = 18;

const CBOR_OPTIONS = { preferMap: true, rejectDuplicateKeys: true, ignoreGlobalTags: true } as const;

/** The fields of a Nitro attestation document, parsed but NOT verified: use {@link verifyNitroDocument} to trust them. */
export type NitroDocument = {
  /** The COSE protected header, as encoded (a bstr holding `{1: -35}`). */
  protectedHeader: Uint8Array;
  /** The COSE payload, as encoded (a bstr holding the attestation map). */
  payload: Uint8Array;
  /** The 96-byte ES384 signature (r || s). */
  signature: Uint8Array;
  moduleId: string;
  digest: "SHA384";
  /** Milliseconds since the unix epoch, as in the document. */
  timestampMs: number;
  pcrs: Map<number, Uint8Array>;
  certificate: Uint8Array;
  cabundle: Uint8Array[];
  publicKey?: Uint8Array;
  userData?: Uint8Array;
  nonce?: Uint8Array;
};

export type NitroVerifyOptions = {
  /** The time to judge the document at (required): a Date, or unix seconds; the block time for old evidence. */
  now: Clock;
  /** Root certificates (PEM) the chain may start at. Default: [AWS_NITRO_ROOT_G1_PEM]. */
  roots?: readonly string[] | undefined;
  /** The document's timestamp must be at most this old at `now`. Default: 3 hours (10,800 s). */
  maxAgeSeconds?: number | undefined;
  /** Accept a debug-mode enclave (PCR0, PCR1, PCR2 all zero). Default false: never in production. */
  allowDebug?: boolean | undefined;
  /** Accept development evidence (DEVELOPMENT_MEASUREMENT or the development root). Default false: never in production. */
  allowDevelopment?: boolean | undefined;
  /** When given, the measurement (nitroMeasurement of PCR0..2) must be one of these. */
  approvedMeasurements?: readonly Hex[] | undefined;
  /** When given, `user_data` must be exactly these 32 bytes (enclaveKeyBindingDigest). */
  binding?: Hex | undefined;
};

/** A verified Nitro attestation document. */
export type NitroEvidence = {
  teeType: typeof TeeType.AwsNitro;
  /** `nitroMeasurement(pcrs)`: what governance approves. */
  measurement: Hex;
  /** Every PCR of the document by index, 48 bytes each. */
  pcrs: Record<number, Hex>;
  moduleId: string;
  timestamp: Date;
  digest: "SHA384";
  /** The leaf certificate that signed the document. */
  certificate: { subject: string; notBefore: Date; notAfter: Date };
  /** SHA-256 of the root certificate's DER (AWS_NITRO_ROOT_G1_FINGERPRINT for real documents). */
  rootFingerprint: Hex;
  userData?: Hex;
  publicKey?: Hex;
  nonce?: Hex;
  /** PCR0, PCR1 and PCR2 are all zero: a debug-mode enclave (only with `allowDebug`). */
  debug: boolean;
  /** Development evidence: DEVELOPMENT_MEASUREMENT, or signed by the development root (only with `allowDevelopment`). */
  development: boolean;
};

const malformed = (reason: string, cause?: unknown) =>
  new AttestationFormatError({ reason, cause: cause instanceof Error ? cause : undefined });

function decodeCbor(bytes: Uint8Array, what: string): unknown {
  try {
    return decode(bytes, CBOR_OPTIONS);
  } catch (e) {
    throw malformed(`${what} is not valid CBOR (${(e as Error).message})`, e);
  }
}

function bstr(value: unknown, field: string, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): Uint8Array {
  if (!(value instanceof Uint8Array)) throw malformed(`${field} must be a byte string, got ${describe(value)}`);
  if (value.length < min || value.length > max) {
    throw malformed(`${field} must be ${min === max ? `${min}` : `${min} to ${max}`} bytes, got ${value.length}`);
  }
  return value;
}

/** An optional byte-string field: absent or null is `undefined`. */
function optionalBstr(map: Map<unknown, unknown>, field: string, min: number, max: number): Uint8Array | undefined {
  const value = map.get(field);
  return value === undefined || value === null ? undefined : bstr(value, field, { min, max });
}

/**
 * Parses a Nitro attestation document (COSE_Sign1, tagged 18 or not) and checks its structure: the protected header
 * says ES384, the payload has every field AWS defines with its type and size. Verifies nothing: the result is
 * untrusted until {@link verifyNitroDocument} has checked it. Throws {@link AttestationFormatError}.
 */
export function parseNitroDocument(document: Uint8Array): NitroDocument {
  if (!(document instanceof Uint8Array)) throw malformed(`expected the document's bytes, got ${describe(document)}`);
  if (document.length === 0) throw malformed("the document is empty");
  let cose = decodeCbor(document, "the document");
  if (cose instanceof Tag) {
    if (cose.tag !== COSE_SIGN1_TAG) throw malformed(`CBOR tag ${String(cose.tag)} is not COSE_Sign1 (tag 18)`);
    cose = cose.contents;
  }
  if (!Array.isArray(cose) || cose.length !== 4) {
    throw malformed(`a COSE_Sign1 document is an array of 4 items, got ${describe(cose)}`);
  }
  const [protectedHeader, unprotectedHeader, payload, signature] = cose as unknown[];
  bstr(protectedHeader, "the protected header", { min: 1 });
  if (!(unprotectedHeader instanceof Map))
    throw malformed(`the unprotected header must be a map, got ${describe(unprotectedHeader)}`);
  bstr(payload, "the payload", { min: 1 });
  bstr(signature, "the signature", { min: 96, max: 96 });

  const header = decodeCbor(protectedHeader as Uint8Array, "the protected header");
  if (!(header instanceof Map)) throw malformed(`the protected header must be a map, got ${describe(header)}`);
  if (header.get(1) !== COSE_ALG_ES384) {
    throw new AttestationFormatError({
      reason: `the COSE algorithm is ${String(header.get(1))}, not ES384 (-35)`,
      code: "unsupported",
    });
  }
  if (header.has(2))
    throw new AttestationFormatError({ reason: "the protected header has critical parameters", code: "unsupported" });

  const body = decodeCbor(payload as Uint8Array, "the payload");
  if (!(body instanceof Map)) throw malformed(`the payload must be a map, got ${describe(body)}`);
  const moduleId = body.get("module_id");
  if (typeof moduleId !== "string" || moduleId.length === 0)
    throw malformed(`module_id must be a non-empty text string, got ${describe(moduleId)}`);
  const digest = body.get("digest");
  if (digest !== "SHA384") {
    throw new AttestationFormatError({
      reason: `digest is ${JSON.stringify(digest)}, not "SHA384"`,
      code: "unsupported",
    });
  }
  const rawTimestamp = body.get("timestamp");
  const timestampMs = typeof rawTimestamp === "bigint" ? Number(rawTimestamp) : rawTimestamp;
  if (typeof timestampMs !== "number" || !Number.isSafeInteger(timestampMs) || timestampMs <= 0) {
    throw malformed(`timestamp must be a positive integer (milliseconds), got ${describe(rawTimestamp)}`);
  }
  const rawPcrs = body.get("pcrs");
  if (!(rawPcrs instanceof Map) || rawPcrs.size < 1 || rawPcrs.size > 32)
    throw malformed("pcrs must be a map of 1 to 32 PCRs");
  const pcrs = new Map<number, Uint8Array>();
  for (const [index, value] of rawPcrs) {
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index > 31) {
      throw malformed(`a PCR index must be an integer 0..31, got ${String(index)}`);
    }
    pcrs.set(index, bstr(value, `PCR${index}`, { min: MEASUREMENT_REGISTER_BYTES, max: MEASUREMENT_REGISTER_BYTES }));
  }
  for (const i of [0, 1, 2]) if (!pcrs.has(i)) throw malformed(`PCR${i} is missing`);
  const certificate = bstr(body.get("certificate"), "certificate", { min: 1, max: 1024 * 16 });
  const rawBundle = body.get("cabundle");
  if (!Array.isArray(rawBundle) || rawBundle.length === 0)
    throw malformed("cabundle must be a non-empty array of certificates");
  const cabundle = rawBundle.map((c, i) => bstr(c, `cabundle[${i}]`, { min: 1, max: 1024 * 16 }));
  const publicKey = optionalBstr(body, "public_key", 1, 1024);
  const userData = optionalBstr(body, "user_data", 0, 512);
  const nonce = optionalBstr(body, "nonce", 0, 512);
  return {
    protectedHeader: protectedHeader as Uint8Array,
    payload: payload as Uint8Array,
    signature: signature as Uint8Array,
    moduleId,
    digest,
    timestampMs,
    pcrs,
    certificate,
    cabundle,
    ...(publicKey ? { publicKey } : {}),
    ...(userData ? { userData } : {}),
    ...(nonce ? { nonce } : {}),
  };
}

/** The bytes a COSE_Sign1 signature covers: `["Signature1", protected, h'', payload]` (RFC 9052 section 4.4). */
export function coseSign1SigStructure(protectedHeader: Uint8Array, payload: Uint8Array): Uint8Array {
  return encode(["Signature1", protectedHeader, new Uint8Array(0), payload]);
}

function parseRoots(roots: readonly string[] | undefined): Uint8Array[] {
  if (roots === undefined) return pemBlocks(AWS_NITRO_ROOT_G1_PEM);
  if (!Array.isArray(roots) || roots.length === 0) {
    throw new AttestationParameterError({
      parameter: "roots",
      reason: "expected a non-empty array of PEM certificates",
    });
  }
  return roots.flatMap((pem, i) => {
    const blocks = typeof pem === "string" ? pemBlocks(pem) : [];
    if (blocks.length === 0)
      throw new AttestationParameterError({ parameter: `roots[${i}]`, reason: "no PEM certificate in it" });
    return blocks;
  });
}

export function checkMeasurementOptions(approved: readonly Hex[] | undefined): Hex[] | undefined {
  if (approved === undefined) return undefined;
  if (!Array.isArray(approved))
    throw new AttestationParameterError({ parameter: "approvedMeasurements", reason: "expected an array of bytes32" });
  return approved.map((m, i) => toHex(optionBytes(`approvedMeasurements[${i}]`, m, 32)));
}

/**
 * Verifies an AWS Nitro Enclaves attestation document as of `now`, and returns what it attests. Checks, in order,
 * each with its own error: the COSE_Sign1 structure ({@link AttestationFormatError}); the certificate chain, from a
 * pinned root (`cabundle[0]` byte-equal to one of `roots`, {@link AttestationRootError}) through `cabundle` to the leaf
 * `certificate`, each signed by the previous ({@link AttestationCertificateError}) and valid at `now`
 * ({@link AttestationExpiredError}); the ES384 signature by the leaf's key ({@link AttestationSignatureError}); the
 * document's age ({@link AttestationExpiredError}); debug mode ({@link AttestationDebugError}); development evidence and
 * `approvedMeasurements` ({@link AttestationMeasurementError}); `binding` ({@link AttestationBindingError}).
 *
 * @example
 * const evidence = await verifyNitroDocument(document, {
 *   now: block.timestamp,
 *   approvedMeasurements: [measurement],
 *   binding: enclaveKeyBindingDigest({ chainId, enclaveRegistry, key, operator }),
 * });
 */
export async function verifyNitroDocument(document: Uint8Array, options: NitroVerifyOptions): Promise<NitroEvidence> {
  if (typeof options !== "object" || options === null) {
    throw new AttestationParameterError({ parameter: "options", reason: "expected { now, ... }" });
  }
  const now = toDate(options.now);
  const pinned = parseRoots(options.roots);
  const maxAgeSeconds = options.maxAgeSeconds ?? NITRO_MAX_AGE_SECONDS;
  if (typeof maxAgeSeconds !== "number" || !(maxAgeSeconds >= 0) || !Number.isFinite(maxAgeSeconds)) {
    throw new AttestationParameterError({
      parameter: "maxAgeSeconds",
      reason: `expected a non-negative number, got ${String(maxAgeSeconds)}`,
    });
  }
  const approved = checkMeasurementOptions(options.approvedMeasurements);
  const binding = options.binding === undefined ? undefined : optionBytes("binding", options.binding, 32);

  // 1. Structure.
  const doc = parseNitroDocument(document);

  // 2. Certificate chain: pinned root -> cabundle[1..] -> leaf certificate, each valid at `now`.
  const chain = [...doc.cabundle, doc.certificate];
  const { certificates, rootFingerprint } = await verifyChain({
    chain,
    pinned,
    now,
    names: (i) =>
      i === chain.length - 1 ? "the leaf certificate" : i === 0 ? "the root (cabundle[0])" : `cabundle[${i}]`,
  });
  const leaf = certificates[certificates.length - 1]!;

  // 3. COSE signature by the leaf's P-384 key over Sig_structure.
  const crypto = webCrypto();
  let key: WebCryptoKey;
  try {
    key = await crypto.subtle.importKey(
      "spki",
      buffer(new Uint8Array(leaf.publicKey.rawData)),
      { name: "ECDSA", namedCurve: "P-384" },
      false,
      ["verify"]
    );
  } catch (e) {
    throw new AttestationSignatureError({
      reason: "the leaf certificate's key is not a P-384 ECDSA key",
      cause: e as Error,
    });
  }
  const signed = await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-384" },
    key,
    buffer(doc.signature),
    buffer(coseSign1SigStructure(doc.protectedHeader, doc.payload))
  );
  if (!signed) {
    throw new AttestationSignatureError({
      reason: `the COSE_Sign1 ES384 signature does not verify with the key of ${leaf.subject}`,
    });
  }

  // 4. Freshness of the document itself.
  const timestamp = new Date(doc.timestampMs);
  const ageMs = now.getTime() - doc.timestampMs;
  if (ageMs > maxAgeSeconds * 1000) {
    throw new AttestationExpiredError({
      what: `The attestation document of ${timestamp.toISOString()} (maxAgeSeconds ${maxAgeSeconds})`,
      code: "too-old",
      now,
    });
  }
  if (-ageMs > NITRO_MAX_FUTURE_SECONDS * 1000) {
    throw new AttestationExpiredError({
      what: `The attestation document of ${timestamp.toISOString()}`,
      code: "in-future",
      now,
    });
  }

  // 5. Policy: debug, development, approved measurement, key binding.
  const pcr = (i: number) => doc.pcrs.get(i)!;
  const debug = [0, 1, 2].every((i) => pcr(i).every((b) => b === 0));
  if (debug && !options.allowDebug) throw new AttestationDebugError({ tee: "nitro" });
  const measurement = nitroMeasurement([pcr(0), pcr(1), pcr(2)]);
  const development = measurement === DEVELOPMENT_MEASUREMENT || rootFingerprint === DEVELOPMENT_ROOT_FINGERPRINT;
  if (development && !options.allowDevelopment)
    throw new AttestationMeasurementError({ measurement, code: "development" });
  if (approved && !approved.includes(measurement))
    throw new AttestationMeasurementError({ measurement, code: "not-approved" });
  if (binding && !(doc.userData && bytesEqual(doc.userData, binding))) {
    throw new AttestationBindingError({
      expected: toHex(binding),
      actual: doc.userData && toHex(doc.userData),
      field: "user_data",
    });
  }

  const pcrs: Record<number, Hex> = {};
  for (const [i, value] of [...doc.pcrs].sort(([a], [b]) => a - b)) pcrs[i] = toHex(value);
  return {
    teeType: TeeType.AwsNitro,
    measurement,
    pcrs,
    moduleId: doc.moduleId,
    timestamp,
    digest: doc.digest,
    certificate: { subject: leaf.subject, notBefore: leaf.notBefore, notAfter: leaf.notAfter },
    rootFingerprint,
    ...(doc.userData ? { userData: toHex(doc.userData) } : {}),
    ...(doc.publicKey ? { publicKey: toHex(doc.publicKey) } : {}),
    ...(doc.nonce ? { nonce: toHex(doc.nonce) } : {}),
    debug,
    development,
  };
}
