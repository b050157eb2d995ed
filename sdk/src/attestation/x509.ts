// X.509 for the attestation verifiers: the one place that imports @peculiar/x509.
//
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API: it throws at load
// time without it ("tsyringe requires a reflect polyfill"). `reflect-metadata/lite` adds that API to the global
// `Reflect` (and nothing else); it must be imported before @peculiar/x509, so every other module imports X.509 from
// here, never from "@peculiar/x509" directly.
import "reflect-metadata/lite";
import * as x509 from "@peculiar/x509";
import type { Hex } from "viem";
import { AttestationCertificateError, AttestationExpiredError, AttestationRootError } from "../errors/attestation.js";
import { type WebCrypto, buffer, bytesEqual, fingerprint } from "./internal.js";

export { x509 };

/** The WebCrypto implementation (`globalThis.crypto`: browsers, Node >= 19, Deno, Bun, workers). */
export function webCrypto(): WebCrypto {
  const crypto = globalThis.crypto;
  if (!crypto?.subtle) throw new Error("WebCrypto (globalThis.crypto.subtle) is not available in this runtime");
  return crypto;
}

/** Parses one DER certificate; a malformed one is an {@link AttestationCertificateError}. */
export function parseCertificate(der: Uint8Array, what: string): x509.X509Certificate {
  try {
    const cert = new x509.X509Certificate(buffer(der));
    // Touch the fields the checks use, so a certificate that parses but lacks them fails here.
    const fields = [cert.subject, cert.issuer, cert.notBefore, cert.notAfter, cert.publicKey.algorithm];
    if (fields.some((f) => f === undefined)) throw new Error("missing fields");
    return cert;
  } catch (e) {
    throw new AttestationCertificateError({ reason: `${what} is not a valid X.509 certificate`, cause: e as Error });
  }
}

function isCa(cert: x509.X509Certificate): boolean {
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  if (!bc?.ca) return false;
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  return !ku || (ku.usages & x509.KeyUsageFlags.keyCertSign) !== 0;
}

/** Throws {@link AttestationExpiredError} unless `now` lies in the certificate's validity period. */
export function checkValidity(cert: x509.X509Certificate, now: Date, what: string): void {
  const { notBefore, notAfter } = cert;
  if (now < notBefore || now > notAfter) {
    throw new AttestationExpiredError({
      what: `${what} certificate ${cert.subject}`,
      code: now > notAfter ? "expired" : "not-yet-valid",
      now,
      notBefore,
      notAfter,
    });
  }
}

/**
 * Verifies a chain given root first: `chain[0]` must be byte-equal to one of `pinned` (DER), then each certificate
 * must name the previous one as issuer, be signed by its key, and the previous one must be a CA; every certificate
 * (the root too) must be valid at `now`. Returns the parsed chain and the root's fingerprint.
 */
export async function verifyChain({
  chain,
  pinned,
  now,
  names,
}: {
  chain: readonly Uint8Array[];
  pinned: readonly Uint8Array[];
  now: Date;
  /** What to call certificate `i` in messages. */
  names: (i: number) => string;
}): Promise<{ certificates: x509.X509Certificate[]; rootFingerprint: Hex }> {
  const crypto = webCrypto();
  const rootDer = chain[0]!;
  const root = parseCertificate(rootDer, names(0));
  const rootFingerprint = fingerprint(rootDer);
  if (!pinned.some((p) => bytesEqual(p, rootDer))) {
    throw new AttestationRootError({
      fingerprint: rootFingerprint,
      subject: root.subject,
      pinned: pinned.map(fingerprint),
    });
  }
  checkValidity(root, now, names(0));
  const certificates = [root];
  for (let i = 1; i < chain.length; i++) {
    const issuer = certificates[i - 1]!;
    const cert = parseCertificate(chain[i]!, names(i));
    if (!isCa(issuer)) {
      throw new AttestationCertificateError({
        reason: `${names(i - 1)} is not a CA but issues ${names(i)}`,
        subject: issuer.subject,
      });
    }
    if (cert.issuer !== issuer.subject) {
      throw new AttestationCertificateError({
        reason: `${names(i)} names issuer "${cert.issuer}", not the previous certificate "${issuer.subject}"`,
        subject: cert.subject,
      });
    }
    let signed = false;
    try {
      signed = await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true }, crypto);
    } catch (e) {
      throw new AttestationCertificateError({
        reason: `${names(i)}'s signature cannot be checked`,
        subject: cert.subject,
        cause: e as Error,
      });
    }
    if (!signed) {
      throw new AttestationCertificateError({
        reason: `${names(i)} is not signed by ${names(i - 1)}`,
        subject: cert.subject,
      });
    }
    checkValidity(cert, now, names(i));
    certificates.push(cert);
  }
  return { certificates, rootFingerprint };
}
