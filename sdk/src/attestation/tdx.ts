// Intel TDX DCAP quotes (version 4, TEE type 0x81) with their collateral, verified by @phala/dcap-qvl (quote, QE
// report, TCB info and QE identity signatures, the PCK and collateral certificate chains and CRLs, TCB levels), and
// by this module (structure first, the pinned root, the TCB status policy, debug, measurement, key binding).
// dcap-qvl is CommonJS and uses Node's crypto: it is imported lazily, so the Nitro path never loads it.
import type { Hex } from "viem";
import {
  AttestationBindingError,
  AttestationCertificateError,
  AttestationDebugError,
  AttestationExpiredError,
  AttestationFormatError,
  AttestationMeasurementError,
  AttestationParameterError,
  AttestationRootError,
  AttestationSignatureError,
  AttestationTcbError,
} from "../errors/attestation.js";
import { TeeType, tdxMeasurement } from "./constants.js";
import { type TdxCollateral, type TdxEvidenceInput, decodeTdxEvidence, normalizeTdxCollateral } from "./evidence.js";
import {
  type Clock,
  asBytes,
  bytesEqual,
  describe,
  fingerprint,
  optionBytes,
  toDate,
  toHex,
  unixSeconds,
} from "./internal.js";
import { checkMeasurementOptions } from "./nitro.js";
import { parseCertificate } from "./x509.js";
import { checkChainRoot, checkCrls, mapDcapError } from "./tdxCollateral.js";

export { mapDcapError } from "./tdxCollateral.js";

/** Quote header: version (u16 LE), attestation key type (u16 LE), TEE type (u32 LE), ... 48 bytes in all. */
const HEADER_BYTES = 48;
const TD_REPORT10_BYTES = 584;
export const TDX_QUOTE_VERSION = 4;
export const TDX_TEE_TYPE = 0x81;
const SGX_TEE_TYPE = 0x00;
const ECDSA_P256_ATTESTATION_KEY = 2;
/** TD attributes byte 0 bit 0: TUD.DEBUG. */
const TD_ATTRIBUTE_DEBUG = 0x01;

export type TdxVerifyOptions = {
  /** The time to judge the evidence at (required): a Date, or unix seconds; the block time for old evidence. */
  now: Clock;
  /** The root CA certificate (DER) every chain must end at. Default: Intel's SGX root CA, as dcap-qvl pins it. */
  rootCaDer?: Uint8Array | undefined;
  /** TCB statuses accepted. Default ["UpToDate"]. */
  acceptedTcbStatuses?: readonly string[] | undefined;
  /**
   * Accept a debug TD. Has no effect with dcap-qvl 0.3.9, which refuses debug TDs itself: debug TDX evidence is
   * always refused with AttestationDebugError.
   */
  allowDebug?: boolean | undefined;
  /** When given, the measurement (tdxMeasurement of MRTD, RTMR0..3) must be one of these. */
  approvedMeasurements?: readonly Hex[] | undefined;
  /** When given, `report_data` must be these 32 bytes followed by 32 zero bytes (enclaveKeyBindingDigest). */
  binding?: Hex | undefined;
};

/** A verified TDX quote. */
export type TdxEvidence = {
  teeType: typeof TeeType.IntelTdx;
  /** `tdxMeasurement(...)`: what governance approves. */
  measurement: Hex;
  mrTd: Hex;
  rtMr: [Hex, Hex, Hex, Hex];
  /** The 64 bytes of `report_data`. */
  reportData: Hex;
  /** The 8 bytes of TD attributes. */
  tdAttributes: Hex;
  tcbStatus: string;
  advisoryIds: string[];
  /** SHA-256 of the pinned root CA's DER (INTEL_SGX_ROOT_CA_FINGERPRINT by default). */
  rootFingerprint: Hex;
  debug: boolean;
};

/** The TD report fields the policy looks at. */
export type TdxReportFields = {
  mrTd: Uint8Array;
  rtMr0: Uint8Array;
  rtMr1: Uint8Array;
  rtMr2: Uint8Array;
  rtMr3: Uint8Array;
  reportData: Uint8Array;
  tdAttributes: Uint8Array;
};

// ---------------------------------------------------------------------------------------------------------------
// dcap-qvl, loaded on first use

type Dcap = typeof import("@phala/dcap-qvl");
let dcapModule: Promise<Dcap> | undefined;
function loadDcap(): Promise<Dcap> {
  dcapModule ??= import("@phala/dcap-qvl").then((m) => ((m as { default?: Dcap }).default ?? m) as Dcap);
  return dcapModule;
}

/** The default root: the Intel SGX root CA that dcap-qvl pins (DER). Loads dcap-qvl. */
export async function intelSgxRootCaDer(): Promise<Uint8Array> {
  return new Uint8Array((await loadDcap()).constants.TRUSTED_ROOT_CA_DER);
}

// ---------------------------------------------------------------------------------------------------------------
// Checks before dcap-qvl: structure, the pinned root, the CRLs

const u16 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number) => (u16(b, at) | (u16(b, at + 2) << 16)) >>> 0;

/** Checks the quote header: a TDX quote (TEE type 0x81), version 4, ECDSA P-256 attestation key. */
export function checkTdxQuoteHeader(quote: Uint8Array): void {
  if (quote.length < HEADER_BYTES + TD_REPORT10_BYTES + 4) {
    throw new AttestationFormatError({
      reason: `a TDX quote is at least ${HEADER_BYTES + TD_REPORT10_BYTES + 4} bytes, got ${quote.length}`,
    });
  }
  const version = u16(quote, 0);
  const keyType = u16(quote, 2);
  const teeType = u32(quote, 4);
  if (teeType !== TDX_TEE_TYPE) {
    const kind = teeType === SGX_TEE_TYPE ? "an SGX quote" : "a quote";
    throw new AttestationFormatError({
      reason: `not a TDX quote: ${kind} (TEE type 0x${teeType
        .toString(16)
        .padStart(2, "0")}, version ${version}); expected TEE type 0x81`,
      code: "not-tdx",
    });
  }
  if (version !== TDX_QUOTE_VERSION) {
    throw new AttestationFormatError({
      reason: `TDX quote version ${version} is not supported (expected 4)`,
      code: "unsupported",
    });
  }
  if (keyType !== ECDSA_P256_ATTESTATION_KEY) {
    throw new AttestationFormatError({
      reason: `attestation key type ${keyType} is not supported (expected 2, ECDSA P-256)`,
      code: "unsupported",
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Policy after dcap-qvl

type TdxPolicy = {
  acceptedTcbStatuses: readonly string[];
  allowDebug: boolean;
  approvedMeasurements: readonly Hex[] | undefined;
  binding: Uint8Array | undefined;
};

/**
 * The policy on a verified quote, in order: TCB status accepted ({@link AttestationTcbError}), not a debug TD
 * ({@link AttestationDebugError}), measurement approved ({@link AttestationMeasurementError}), report_data is the
 * binding then 32 zero bytes ({@link AttestationBindingError}). Returns the measurement and the debug flag.
 */
export function checkTdxPolicy(
  report: TdxReportFields,
  { status, advisoryIds }: { status: string; advisoryIds: readonly string[] },
  policy: TdxPolicy
): { measurement: Hex; debug: boolean } {
  if (!policy.acceptedTcbStatuses.includes(status)) {
    throw new AttestationTcbError({ status, advisoryIds, accepted: policy.acceptedTcbStatuses });
  }
  const debug = (report.tdAttributes[0]! & TD_ATTRIBUTE_DEBUG) !== 0;
  if (debug && !policy.allowDebug) throw new AttestationDebugError({ tee: "tdx" });
  const measurement = tdxMeasurement(report);
  if (policy.approvedMeasurements && !policy.approvedMeasurements.includes(measurement)) {
    throw new AttestationMeasurementError({ measurement, code: "not-approved" });
  }
  if (policy.binding) {
    const expected = new Uint8Array(64);
    expected.set(policy.binding);
    if (!bytesEqual(report.reportData, expected)) {
      throw new AttestationBindingError({
        expected: toHex(expected),
        actual: toHex(report.reportData),
        field: "report_data",
      });
    }
  }
  return { measurement, debug };
}

// ---------------------------------------------------------------------------------------------------------------

function evidenceInput(evidence: Uint8Array | TdxEvidenceInput): { quote: Uint8Array; collateral: TdxCollateral } {
  if (evidence instanceof Uint8Array) return decodeTdxEvidence(evidence);
  if (typeof evidence !== "object" || evidence === null) {
    throw new AttestationFormatError({
      reason: `expected TDX evidence bytes or { quote, collateral }, got ${describe(evidence)}`,
    });
  }
  const quote = asBytes(evidence.quote);
  if (!quote || quote.length === 0)
    throw new AttestationFormatError({ reason: `the quote must be bytes or 0x hex, got ${describe(evidence.quote)}` });
  const collateral = normalizeTdxCollateral(evidence.collateral, (reason) => new AttestationFormatError({ reason }));
  return { quote, collateral };
}

/**
 * Verifies Intel TDX evidence as of `now`: evidence bytes (the verity-tdx-evidence/v1 JSON) or `{ quote, collateral }`.
 * Checks, in order: the structure (a version 4 TDX quote, not SGX: {@link AttestationFormatError}); that every chain
 * ends at the pinned root ({@link AttestationRootError}); then dcap-qvl's verification (signatures:
 * {@link AttestationSignatureError}; certificates and CRLs: {@link AttestationCertificateError}; collateral and
 * certificates valid at `now`: {@link AttestationExpiredError}; TCB: {@link AttestationTcbError}; debug:
 * {@link AttestationDebugError}); then the policy ({@link checkTdxPolicy}).
 *
 * @example
 * const evidence = await verifyTdxEvidence(evidenceBytes, { now: block.timestamp, approvedMeasurements, binding });
 */
export async function verifyTdxEvidence(
  evidence: Uint8Array | TdxEvidenceInput,
  options: TdxVerifyOptions
): Promise<TdxEvidence> {
  if (typeof options !== "object" || options === null) {
    throw new AttestationParameterError({ parameter: "options", reason: "expected { now, ... }" });
  }
  const now = toDate(options.now);
  const accepted = options.acceptedTcbStatuses ?? ["UpToDate"];
  if (!Array.isArray(accepted) || accepted.some((s) => typeof s !== "string")) {
    throw new AttestationParameterError({
      parameter: "acceptedTcbStatuses",
      reason: "expected an array of TCB status names",
    });
  }
  const approvedMeasurements = checkMeasurementOptions(options.approvedMeasurements);
  const binding = options.binding === undefined ? undefined : optionBytes("binding", options.binding, 32);
  if (options.rootCaDer !== undefined && !(options.rootCaDer instanceof Uint8Array && options.rootCaDer.length > 0)) {
    throw new AttestationParameterError({
      parameter: "rootCaDer",
      reason: `expected the root certificate's DER bytes, got ${describe(options.rootCaDer)}`,
    });
  }

  // 1. Structure, before loading dcap-qvl.
  const { quote, collateral } = evidenceInput(evidence);
  checkTdxQuoteHeader(quote);

  const dcap = await loadDcap();
  // dcap-qvl works on Buffers (its own `buffer` import: Node's Buffer, or the polyfill a bundler provides).
  const DcapBuffer = dcap.constants.TRUSTED_ROOT_CA_DER.constructor as typeof Buffer;
  const root = options.rootCaDer
    ? new Uint8Array(options.rootCaDer)
    : new Uint8Array(dcap.constants.TRUSTED_ROOT_CA_DER);
  parseCertificate(root, "rootCaDer");

  // 2. The pinned root: the PCK chain (from the collateral, else the quote) and both collateral issuer chains.
  let parsed: InstanceType<Dcap["Quote"]>;
  try {
    parsed = dcap.Quote.parse(DcapBuffer.from(quote));
  } catch (e) {
    throw mapDcapError(new Error("Failed to decode quote", { cause: e }), collateral, now);
  }
  let pckChain = collateral.pck_certificate_chain;
  if (pckChain === undefined) {
    try {
      pckChain = new TextDecoder().decode(parsed.rawCertChain());
    } catch (e) {
      throw new AttestationCertificateError({
        reason: "the quote carries no PCK certificate chain and the collateral has none",
        cause: e as Error,
      });
    }
  }
  checkChainRoot(pckChain, "the PCK certificate chain", root);
  checkChainRoot(collateral.tcb_info_issuer_chain, "collateral.tcb_info_issuer_chain", root);
  checkChainRoot(collateral.qe_identity_issuer_chain, "collateral.qe_identity_issuer_chain", root);
  checkChainRoot(collateral.pck_crl_issuer_chain, "collateral.pck_crl_issuer_chain", root);
  await checkCrls(collateral, pckChain, root, now);

  // 3. dcap-qvl: signatures, chains, CRLs, collateral validity, TCB levels, TD attributes.
  let verified: InstanceType<Dcap["VerifiedReport"]>;
  try {
    verified = dcap.QuoteVerifier.newWithRootCa(DcapBuffer.from(root)).verify(
      DcapBuffer.from(quote),
      collateral,
      Math.floor(unixSeconds(now))
    );
  } catch (e) {
    throw mapDcapError(e, collateral, now);
  }
  const td = verified.report.asTd10();
  if (!td || verified.report.isSgx())
    throw new AttestationFormatError({ reason: "dcap-qvl did not return a TD report", code: "not-tdx" });
  const report: TdxReportFields = {
    mrTd: new Uint8Array(td.mrTd),
    rtMr0: new Uint8Array(td.rtMr0),
    rtMr1: new Uint8Array(td.rtMr1),
    rtMr2: new Uint8Array(td.rtMr2),
    rtMr3: new Uint8Array(td.rtMr3),
    reportData: new Uint8Array(td.reportData),
    tdAttributes: new Uint8Array(td.tdAttributes),
  };

  // 4. Policy.
  const status = String(verified.status);
  const advisoryIds = [...verified.advisory_ids];
  const { measurement, debug } = checkTdxPolicy(
    report,
    { status, advisoryIds },
    {
      acceptedTcbStatuses: accepted,
      allowDebug: options.allowDebug === true,
      approvedMeasurements,
      binding,
    }
  );
  return {
    teeType: TeeType.IntelTdx,
    measurement,
    mrTd: toHex(report.mrTd),
    rtMr: [toHex(report.rtMr0), toHex(report.rtMr1), toHex(report.rtMr2), toHex(report.rtMr3)],
    reportData: toHex(report.reportData),
    tdAttributes: toHex(report.tdAttributes),
    tcbStatus: status,
    advisoryIds,
    rootFingerprint: fingerprint(root),
    debug,
  };
}
