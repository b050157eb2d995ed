import type { Hex } from "viem";
import { VerityError } from "./base.js";

const FORMATS_DOC = "The evidence formats and the checks are described in sdk/src/attestation/README.md.";

/**
 * Machine-readable reason of an {@link AttestationError}; each subclass uses the codes listed on it.
 * Stable: callers may switch on it.
 */
export type AttestationErrorCode =
  // AttestationFormatError
  | "malformed"
  | "unsupported"
  | "not-tdx"
  | "unverifiable"
  // AttestationParameterError
  | "invalid-parameter"
  // AttestationSignatureError
  | "signature"
  // AttestationCertificateError
  | "certificate"
  // AttestationRootError
  | "untrusted-root"
  // AttestationExpiredError
  | "expired"
  | "not-yet-valid"
  | "too-old"
  | "in-future"
  // AttestationDebugError
  | "debug"
  // AttestationMeasurementError
  | "not-approved"
  | "development"
  // AttestationBindingError
  | "binding"
  // AttestationTcbError
  | "tcb-status"
  | "tcb-mismatch";

type AttestationErrorOptions = {
  code: AttestationErrorCode;
  cause?: Error | undefined;
  details?: string | undefined;
  metaMessages: string[];
};

/**
 * Base of every error of attestation evidence verification (sdk/src/attestation). `code` says why, in a
 * machine-readable form; the subclass says which check refused the evidence.
 */
export class AttestationError extends VerityError {
  override name = "AttestationError";
  readonly code: AttestationErrorCode;
  constructor(message: string, { code, cause, details, metaMessages }: AttestationErrorOptions) {
    super(message, {
      ...(cause ? { cause } : {}),
      ...(details ? { details } : {}),
      metaMessages,
    });
    this.code = code;
  }
}
export type AttestationErrorType = AttestationError & { name: "AttestationError" };

/**
 * The evidence cannot be understood: not CBOR, not a COSE_Sign1 Nitro document, a field missing or of the wrong
 * type or size, not TDX evidence JSON, not a TDX quote (`code: "not-tdx"`, e.g. an SGX quote), an algorithm or
 * version this verifier does not support (`"unsupported"`), or a verifier failure it cannot classify
 * (`"unverifiable"`). Nothing was verified.
 */
export class AttestationFormatError extends AttestationError {
  override name = "AttestationFormatError";
  constructor({
    reason,
    code = "malformed",
    cause,
  }: {
    reason: string;
    code?: "malformed" | "unsupported" | "not-tdx" | "unverifiable";
    cause?: Error | undefined;
  }) {
    super(`Malformed attestation evidence: ${reason}.`, {
      code,
      cause,
      metaMessages:
        code === "not-tdx"
          ? [
              "verifyTdxEvidence takes Intel TDX quotes only (quote version 4, TEE type 0x81); SGX quotes are not accepted.",
              FORMATS_DOC,
            ]
          : [
              "Pass the raw COSE_Sign1 bytes of an AWS Nitro attestation document, or TDX evidence in the verity-tdx-evidence/v1 JSON format (encodeTdxEvidence).",
              FORMATS_DOC,
            ],
    });
  }
}
export type AttestationFormatErrorType = AttestationFormatError & { name: "AttestationFormatError" };

/** A verifier option is missing or invalid (the clock, a root certificate, a binding digest, a measurement). */
export class AttestationParameterError extends AttestationError {
  override name = "AttestationParameterError";
  readonly parameter: string;
  constructor({ parameter, reason }: { parameter: string; reason: string }) {
    super(`Invalid attestation verifier option \`${parameter}\`: ${reason}.`, {
      code: "invalid-parameter",
      metaMessages: [
        "`now` is required: a Date, or unix seconds as a number or bigint (the block time when checking old evidence).",
        FORMATS_DOC,
      ],
    });
    this.parameter = parameter;
  }
}
export type AttestationParameterErrorType = AttestationParameterError & { name: "AttestationParameterError" };

/**
 * A signature over the evidence does not verify: the COSE_Sign1 ES384 signature of a Nitro document, or the
 * quote, QE report, TCB info or QE identity signature of TDX evidence. The evidence was altered or forged.
 */
export class AttestationSignatureError extends AttestationError {
  override name = "AttestationSignatureError";
  constructor({ reason, cause }: { reason: string; cause?: Error | undefined }) {
    super(`Attestation signature is invalid: ${reason}.`, {
      code: "signature",
      cause,
      metaMessages: [
        "The evidence was altered after it was signed, or was not signed by the key its certificate names.",
        "Fetch the evidence again from its source (the evidence URI) and check that its keccak256 matches the evidenceHash on chain.",
      ],
    });
  }
}
export type AttestationSignatureErrorType = AttestationSignatureError & { name: "AttestationSignatureError" };

/** A certificate of the chain is malformed, is not a CA where it issues, or is not signed by its issuer. */
export class AttestationCertificateError extends AttestationError {
  override name = "AttestationCertificateError";
  readonly subject: string | undefined;
  constructor({ reason, subject, cause }: { reason: string; subject?: string | undefined; cause?: Error | undefined }) {
    super(`Attestation certificate chain is invalid: ${reason}${subject ? ` (certificate ${subject})` : ""}.`, {
      code: "certificate",
      cause,
      metaMessages: [
        "Each certificate must be signed by the one before it, from the pinned root to the leaf that signs the evidence.",
        "The chain was altered, or the evidence was assembled from parts of different documents.",
      ],
    });
    this.subject = subject;
  }
}
export type AttestationCertificateErrorType = AttestationCertificateError & { name: "AttestationCertificateError" };

/** The certificate chain does not start at a pinned root (the AWS Nitro root G1, Intel's SGX root CA, or `roots`). */
export class AttestationRootError extends AttestationError {
  override name = "AttestationRootError";
  /** SHA-256 of the DER of the root the evidence presents. */
  readonly fingerprint: Hex;
  readonly subject: string | undefined;
  readonly pinned: readonly Hex[];
  constructor({
    fingerprint,
    subject,
    pinned,
  }: {
    fingerprint: Hex;
    subject?: string | undefined;
    pinned: readonly Hex[];
  }) {
    super(`Attestation evidence chains to an untrusted root ${subject ? `${subject} ` : ""}(SHA-256 ${fingerprint}).`, {
      code: "untrusted-root",
      details: `Pinned roots (SHA-256): ${pinned.join(", ") || "none"}.`,
      metaMessages: [
        "Production evidence must chain to the AWS Nitro Enclaves root G1 (AWS_NITRO_ROOT_G1_PEM) or to Intel's SGX root CA.",
        "For a test or development authority, pass its root in `roots` (Nitro) or `rootCaDer` (TDX); never do so in production.",
      ],
    });
    this.fingerprint = fingerprint;
    this.subject = subject;
    this.pinned = pinned;
  }
}
export type AttestationRootErrorType = AttestationRootError & { name: "AttestationRootError" };

/**
 * Not valid at `now`: a certificate outside its validity (`"expired"`, `"not-yet-valid"`), TDX collateral (TCB info,
 * QE identity) past its next update or not yet issued, or a Nitro document older than `maxAgeSeconds`
 * (`"too-old"`) or more than 5 minutes in the future (`"in-future"`).
 */
export class AttestationExpiredError extends AttestationError {
  override name = "AttestationExpiredError";
  readonly now: Date;
  readonly notBefore: Date | undefined;
  readonly notAfter: Date | undefined;
  constructor({
    what,
    code,
    now,
    notBefore,
    notAfter,
    cause,
  }: {
    what: string;
    code: "expired" | "not-yet-valid" | "too-old" | "in-future";
    now: Date;
    notBefore?: Date | undefined;
    notAfter?: Date | undefined;
    cause?: Error | undefined;
  }) {
    const bounds = [notBefore && `from ${notBefore.toISOString()}`, notAfter && `until ${notAfter.toISOString()}`];
    const window = bounds.some(Boolean) ? ` (valid ${bounds.filter(Boolean).join(" ")})` : "";
    const state = {
      expired: "has expired",
      "not-yet-valid": "is not yet valid",
      "too-old": "is too old",
      "in-future": "is dated in the future",
    }[code];
    super(`${what} ${state} as of ${now.toISOString()}${window}.`, {
      code,
      cause,
      metaMessages: [
        "`now` is the time the evidence is judged at: the block time for evidence registered on chain, else the current time.",
        code === "too-old" || code === "in-future"
          ? "Ask the enclave for a fresh attestation document, or raise `maxAgeSeconds` when checking old evidence on purpose."
          : "Fetch fresh evidence (a new attestation document, or current TDX collateral from the PCCS).",
      ],
    });
    this.now = now;
    this.notBefore = notBefore;
    this.notAfter = notAfter;
  }
}
export type AttestationExpiredErrorType = AttestationExpiredError & { name: "AttestationExpiredError" };

/** The evidence comes from a debug-mode enclave (Nitro: PCR0, PCR1, PCR2 all zero; TDX: TD attribute DEBUG set). */
export class AttestationDebugError extends AttestationError {
  override name = "AttestationDebugError";
  readonly tee: "nitro" | "tdx";
  constructor({ tee, reason }: { tee: "nitro" | "tdx"; reason?: string | undefined }) {
    super(
      tee === "nitro"
        ? "Attestation document comes from a debug-mode Nitro enclave (PCR0, PCR1 and PCR2 are all zero)."
        : `TDX quote comes from a debug TD${reason ? `: ${reason}` : " (TD attribute TUD.DEBUG is set)"}.`,
      {
        code: "debug",
        metaMessages: [
          "A debug enclave's memory can be read by its host: its attestation proves nothing about the code it runs.",
          tee === "nitro"
            ? "Run the enclave without --debug-mode, or pass `allowDebug: true` in tests only."
            : "Launch the TD without the DEBUG attribute; debug TDs cannot be accepted (dcap-qvl refuses them).",
        ],
      }
    );
    this.tee = tee;
  }
}
export type AttestationDebugErrorType = AttestationDebugError & { name: "AttestationDebugError" };

/**
 * The measurement is refused: not in `approvedMeasurements` (`"not-approved"`), or it is the published development
 * measurement (or chains to the development root) without `allowDevelopment` (`"development"`).
 */
export class AttestationMeasurementError extends AttestationError {
  override name = "AttestationMeasurementError";
  readonly measurement: Hex;
  constructor({ measurement, code }: { measurement: Hex; code: "not-approved" | "development" }) {
    super(
      code === "development"
        ? `Attestation evidence is development evidence (measurement ${measurement}): anyone can forge it.`
        : `Measurement ${measurement} is not approved.`,
      {
        code,
        metaMessages:
          code === "development"
            ? [
                "Development evidence is signed by the published, insecure DEVELOPMENT_AUTHORITY: it proves nothing.",
                "Pass `allowDevelopment: true` only on local development chains; production policy refuses it.",
              ]
            : [
                "Governance approves measurements on chain: nitroMeasurement(pcrs) or tdxMeasurement(report).",
                "Check that the enclave runs the approved image, or have its measurement approved first.",
              ],
      }
    );
    this.measurement = measurement;
  }
}
export type AttestationMeasurementErrorType = AttestationMeasurementError & { name: "AttestationMeasurementError" };

/** The evidence does not carry the expected key-binding digest (Nitro `user_data`, TDX `report_data`). */
export class AttestationBindingError extends AttestationError {
  override name = "AttestationBindingError";
  readonly expected: Hex;
  readonly actual: Hex | undefined;
  constructor({ expected, actual, field }: { expected: Hex; actual: Hex | undefined; field: string }) {
    super(
      `Attestation evidence does not bind the expected key: ${field} is ${actual ?? "absent"}, expected ${expected}.`,
      {
        code: "binding",
        metaMessages: [
          "The enclave must put enclaveKeyBindingDigest({ chainId, enclaveRegistry, key, operator }) in its evidence (Nitro user_data: the 32 bytes; TDX report_data: the 32 bytes then 32 zero bytes).",
          "Check the chain id, the EnclaveRegistry address, the enclave key and the operator address.",
        ],
      }
    );
    this.expected = expected;
    this.actual = actual;
  }
}
export type AttestationBindingErrorType = AttestationBindingError & { name: "AttestationBindingError" };

/**
 * The TDX platform's TCB is not accepted: its status is not in `acceptedTcbStatuses` or is invalid (`"tcb-status"`),
 * or the collateral does not describe this platform or quoting enclave (`"tcb-mismatch"`).
 */
export class AttestationTcbError extends AttestationError {
  override name = "AttestationTcbError";
  readonly status: string | undefined;
  readonly advisoryIds: readonly string[];
  constructor({
    reason,
    status,
    advisoryIds = [],
    accepted,
    code = "tcb-status",
    cause,
  }: {
    reason?: string | undefined;
    status?: string | undefined;
    advisoryIds?: readonly string[] | undefined;
    accepted?: readonly string[] | undefined;
    code?: "tcb-status" | "tcb-mismatch";
    cause?: Error | undefined;
  }) {
    super(
      reason
        ? `TDX TCB check failed: ${reason}.`
        : `TDX TCB status ${status} is not accepted${accepted ? ` (accepted: ${accepted.join(", ")})` : ""}.`,
      {
        code,
        cause,
        ...(advisoryIds.length > 0 ? { details: `Intel advisories: ${advisoryIds.join(", ")}.` } : {}),
        metaMessages:
          code === "tcb-mismatch"
            ? ["The collateral was fetched for another platform (FMSPC) or quoting enclave: fetch it for this quote."]
            : [
                "Update the platform's microcode, SEAM module and configuration, then attest again.",
                "Or accept this status explicitly with `acceptedTcbStatuses` if the advisories do not matter to you.",
              ],
      }
    );
    this.status = status;
    this.advisoryIds = advisoryIds;
  }
}
export type AttestationTcbErrorType = AttestationTcbError & { name: "AttestationTcbError" };
