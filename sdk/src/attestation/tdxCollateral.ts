// The collateral side of TDX verification: the pinned root at the end of every collateral chain, the CRLs' signers
// and freshness (dcap-qvl reads CRLs without checking them), and dcap-qvl's plain Error messages mapped to the SDK's
// attestation errors. Used by tdx.ts.
import {
  AttestationCertificateError,
  AttestationDebugError,
  AttestationError,
  AttestationExpiredError,
  AttestationFormatError,
  AttestationRootError,
  AttestationSignatureError,
  AttestationTcbError,
} from "../errors/attestation.js";
import type { TdxCollateral } from "./evidence.js";
import { bytesEqual, fingerprint, optionBytes, pemBlocks } from "./internal.js";
import { parseCertificate, verifyChain, webCrypto, x509 } from "./x509.js";

/**
 * A chain (PEM) must end at the pinned root: its last certificate is the root itself, or is signed by it (dcap-qvl
 * checks that). A chain that ends at another self-signed certificate chains to another root.
 */
export function checkChainRoot(pem: string, what: string, root: Uint8Array): void {
  let certs: Uint8Array[];
  try {
    certs = pemBlocks(pem);
  } catch (e) {
    throw new AttestationCertificateError({ reason: `${what} is not valid PEM`, cause: e as Error });
  }
  if (certs.length === 0) throw new AttestationCertificateError({ reason: `${what} has no certificate` });
  const last = certs[certs.length - 1]!;
  if (bytesEqual(last, root)) return;
  const cert = parseCertificate(last, `the last certificate of ${what}`);
  if (cert.issuer === cert.subject) {
    throw new AttestationRootError({
      fingerprint: fingerprint(last),
      subject: cert.subject,
      pinned: [fingerprint(root)],
    });
  }
}

/**
 * The CRLs, which dcap-qvl only reads (it checks serial numbers against them but not who signed them or when):
 * `root_ca_crl` must be issued and signed by the root, `pck_crl` by the CA that issued the PCK certificate, whose
 * chain (`pck_crl_issuer_chain`) must end at the root; both must be current at `now`. Without this, stale or
 * forged CRLs would hide a revoked PCK certificate.
 */
export async function checkCrls(collateral: TdxCollateral, pckChain: string, root: Uint8Array, now: Date): Promise<void> {
  const crypto = webCrypto();
  const rootCert = parseCertificate(root, "rootCaDer");
  const pckLeaf = parseCertificate(pemBlocks(pckChain)[0]!, "the PCK certificate");
  const issuerChain = pemBlocks(collateral.pck_crl_issuer_chain).reverse();
  if (!bytesEqual(issuerChain[0]!, root)) issuerChain.unshift(root);
  const { certificates } = await verifyChain({
    chain: issuerChain,
    pinned: [root],
    now,
    names: (i) => (i === 0 ? "the root CA" : `pck_crl_issuer_chain[${issuerChain.length - 1 - i}]`),
  });
  const pckCa = certificates[certificates.length - 1]!;
  const crls: [string, string, x509.X509Certificate][] = [
    ["root_ca_crl", collateral.root_ca_crl, rootCert],
    ["pck_crl", collateral.pck_crl, pckCa],
  ];
  for (const [name, hex, issuer] of crls) {
    let crl: x509.X509Crl;
    try {
      crl = new x509.X509Crl(new Uint8Array(optionBytes(name, `0x${hex}`)));
      if (!crl.issuer || !(crl.thisUpdate instanceof Date)) throw new Error("missing issuer or thisUpdate");
    } catch (e) {
      throw new AttestationCertificateError({ reason: `collateral.${name} is not a valid CRL`, cause: e as Error });
    }
    if (crl.issuer !== issuer.subject) {
      throw new AttestationCertificateError({
        reason: `collateral.${name} is issued by "${crl.issuer}", expected "${issuer.subject}"`,
      });
    }
    let signed = false;
    try {
      signed = await crl.verify({ publicKey: issuer }, crypto);
    } catch {
      signed = false;
    }
    if (!signed)
      throw new AttestationCertificateError({ reason: `collateral.${name} is not signed by ${issuer.subject}` });
    if (now < crl.thisUpdate || (crl.nextUpdate && now > crl.nextUpdate)) {
      throw new AttestationExpiredError({
        what: `The CRL collateral.${name}`,
        code: now < crl.thisUpdate ? "not-yet-valid" : "expired",
        now,
        notBefore: crl.thisUpdate,
        notAfter: crl.nextUpdate,
      });
    }
  }
  if (pckLeaf.issuer !== pckCa.subject) {
    throw new AttestationCertificateError({
      reason: `collateral.pck_crl is the CRL of "${pckCa.subject}", but the PCK certificate is issued by "${pckLeaf.issuer}"`,
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// dcap-qvl's errors -> ours

type Rule = [RegExp, (message: string, e: Error) => AttestationError];

function collateralWindow(collateral: TdxCollateral, field: "tcb_info" | "qe_identity") {
  try {
    const json = JSON.parse(collateral[field]) as { issueDate?: string; nextUpdate?: string };
    return {
      notBefore: json.issueDate ? new Date(json.issueDate) : undefined,
      notAfter: json.nextUpdate ? new Date(json.nextUpdate) : undefined,
    };
  } catch {
    return {};
  }
}

/** Maps an error dcap-qvl 0.3.9 throws (it throws plain `Error`s; the message is all there is) to ours. */
export function mapDcapError(e: unknown, collateral: TdxCollateral, now: Date): AttestationError {
  if (e instanceof AttestationError) return e;
  const error = e instanceof Error ? e : new Error(String(e));
  const message = error.message;
  const rules: Rule[] = [
    [
      /Debug mode is enabled/,
      () => new AttestationDebugError({ tee: "tdx", reason: "dcap-qvl: debug mode is enabled" }),
    ],
    [/TCB status is invalid: (\w+)/, (m) => new AttestationTcbError({ status: /: (\w+)/.exec(m)![1], cause: error })],
    [
      /No matching TCB level|ISVSVN .* below minimum|No TCB levels/,
      (m) => new AttestationTcbError({ reason: m, cause: error }),
    ],
    [
      /Fmspc mismatch|non-(TDX|SGX) TCB info|Unsupported QE Identity|QE (MRSIGNER|ISVPRODID|MISCSELECT|ATTRIBUTES) mismatch|No (SGX|TDX) components/,
      (m) => new AttestationTcbError({ reason: m, code: "tcb-mismatch", cause: error }),
    ],
    [
      /Reserved bits in TD attributes|SEPT_VE_DISABLE|Invalid mr service td/,
      (m) => new AttestationTcbError({ reason: `TD attributes refused: ${m}`, cause: error }),
    ],
    [
      /TCBInfo (expired|issue date is in the future)/,
      (m) =>
        new AttestationExpiredError({
          what: "The TCB info of the collateral",
          code: /future/.test(m) ? "not-yet-valid" : "expired",
          now,
          ...collateralWindow(collateral, "tcb_info"),
          cause: error,
        }),
    ],
    [
      /QE Identity (expired|issue date is in the future)/,
      (m) =>
        new AttestationExpiredError({
          what: "The QE identity of the collateral",
          code: /future/.test(m) ? "not-yet-valid" : "expired",
          now,
          ...collateralWindow(collateral, "qe_identity"),
          cause: error,
        }),
    ],
    [
      /expired or not yet valid/,
      () =>
        new AttestationExpiredError({
          what: "A certificate of the PCK or collateral chain",
          code: "expired",
          now,
          cause: error,
        }),
    ],
    [
      /Signature is invalid for (tcb_info|qe_identity|qe_report)|ISV enclave report signature is invalid|QE report hash mismatch/,
      (m) => new AttestationSignatureError({ reason: `dcap-qvl: ${m}`, cause: error }),
    ],
    [
      /certificate chain|CaUsedAsEndEntity|chain is too short|revoked|Failed to extract PCK|Intel extension|OID .* is missing|length mismatch|Invalid certificate|Unsupported DCAP PCK cert/,
      (m) => new AttestationCertificateError({ reason: `dcap-qvl: ${m}`, cause: error }),
    ],
    [
      /Unsupported|must have version|Invalid TEE type/,
      (m) => new AttestationFormatError({ reason: `dcap-qvl: ${m}`, code: "unsupported", cause: error }),
    ],
    [
      /Failed to decode|Not enough data|Key length is invalid/,
      (m) =>
        new AttestationFormatError({
          reason: `dcap-qvl: ${m}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}`,
          cause: error,
        }),
    ],
  ];
  for (const [pattern, make] of rules) if (pattern.test(message)) return make(message, error);
  return new AttestationFormatError({
    reason: `dcap-qvl could not verify the evidence: ${message}`,
    code: "unverifiable",
    cause: error,
  });
}
