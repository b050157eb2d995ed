// Test and development attestation authorities: they issue real COSE_Sign1 documents in the AWS Nitro format, signed
// by a P-384 chain root -> intermediate -> per-document leaf, as AWS's are. Verified with their own root pinned
// (`verifyNitroDocument(doc, { roots: [authority.rootPem] })`); the AWS root never accepts them.
import { encode } from "cbor2";
import type { Hex } from "viem";
import { AttestationParameterError } from "../errors/attestation.js";
import { DEVELOPMENT_PCRS, MEASUREMENT_REGISTER_BYTES, type NitroPcrsLike, type RegisterLike } from "./constants.js";
import { DEVELOPMENT_AUTHORITY } from "./development.js";
import {
  type Clock,
  type WebCryptoKey,
  type WebCryptoKeyPair,
  asBytes,
  describe,
  fingerprint,
  optionBytes,
  pemBlocks,
  toDate,
  toPem,
} from "./internal.js";
import { COSE_ALG_ES384, coseSign1SigStructure } from "./nitro.js";
import { webCrypto, x509 } from "./x509.js";

const P384 = { name: "ECDSA", namedCurve: "P-384" } as const;
const ES384 = { name: "ECDSA", hash: "SHA-384" } as const;
/** AWS's leaf certificates are valid from about a minute before the document to about 3 hours after it. */
const LEAF_BEFORE_MS = 60_000;
const LEAF_AFTER_MS = 3 * 3600_000;
/** Nitro documents carry PCR0..PCR15. */
const PCR_COUNT = 16;

export type NitroAuthorityOptions = {
  /** Common name of the root; the intermediate is "<name> intermediate". Default "Verity test Nitro root". */
  commonName?: string | undefined;
  /** Validity of the root and the intermediate. Default 2020-01-01 to 2100-01-01. */
  notBefore?: Date | undefined;
  notAfter?: Date | undefined;
};

export type IssueNitroDocumentParameters = {
  /** PCRs by index, 48 bytes each; missing indices of 0..15 are zero. Default DEVELOPMENT_PCRS. */
  pcrs?: NitroPcrsLike | undefined;
  /** `user_data`: the key binding, enclaveKeyBindingDigest(...) (32 bytes); at most 512 bytes. */
  userData: Hex | Uint8Array;
  /** `public_key`, at most 1024 bytes. */
  publicKey?: Hex | Uint8Array | undefined;
  /** `nonce`, at most 512 bytes. */
  nonce?: Hex | Uint8Array | undefined;
  /** The document's time (the leaf certificate is valid from 1 minute before to 3 hours after it). */
  timestamp: Clock;
  /** Default "i-00000000000000000-enc0000000000000000". */
  moduleId?: string | undefined;
};

export type NitroAuthority = {
  /** The root certificate, PEM: pin it with `verifyNitroDocument(doc, { roots: [rootPem] })`. */
  rootPem: string;
  /** SHA-256 of the root's DER. */
  rootFingerprint: Hex;
  /** Issues a signed Nitro-format attestation document (the raw COSE_Sign1 bytes). */
  issueDocument(parameters: IssueNitroDocumentParameters): Promise<Uint8Array>;
};

const randomSerial = () => {
  const bytes = webCrypto().getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01; // positive, no leading zero byte
  return Array.from(bytes, (b: number) => b.toString(16).padStart(2, "0")).join("");
};

const generateKey = async (extractable = false): Promise<WebCryptoKeyPair> =>
  (await webCrypto().subtle.generateKey(P384, extractable, ["sign", "verify"])) as WebCryptoKeyPair;

const caExtensions = async (publicKey: WebCryptoKey, pathLength?: number) => [
  new x509.BasicConstraintsExtension(true, pathLength, true),
  new x509.KeyUsagesExtension(
    x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
    true
  ),
  await x509.SubjectKeyIdentifierExtension.create(publicKey, false, webCrypto()),
];

/** Makes a self-signed P-384 root. Exported for the one-off generation of DEVELOPMENT_AUTHORITY. */
export async function createRootCertificate({
  commonName,
  notBefore,
  notAfter,
  keys,
}: {
  commonName: string;
  notBefore: Date;
  notAfter: Date;
  keys: WebCryptoKeyPair;
}): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: `CN=${commonName}, O=Verity, OU=Attestation test authority`,
      notBefore,
      notAfter,
      keys,
      signingAlgorithm: ES384,
      extensions: await caExtensions(keys.publicKey),
    },
    webCrypto()
  );
}

function pcrBytes(pcrs: NitroPcrsLike): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  for (let i = 0; i < PCR_COUNT; i++) out.set(i, new Uint8Array(MEASUREMENT_REGISTER_BYTES));
  const entries: [number, RegisterLike][] = Array.isArray(pcrs)
    ? (pcrs as readonly RegisterLike[]).map((v, i) => [i, v])
    : Object.entries(pcrs as Record<number, RegisterLike>).map(([k, v]) => [Number(k), v]);
  for (const [i, value] of entries) {
    if (!Number.isInteger(i) || i < 0 || i > 31)
      throw new AttestationParameterError({ parameter: "pcrs", reason: `PCR index ${i} is not 0..31` });
    out.set(i, optionBytes(`pcrs[${i}]`, value, MEASUREMENT_REGISTER_BYTES));
  }
  for (const i of [0, 1, 2]) {
    if (!entries.some(([k]) => k === i))
      throw new AttestationParameterError({ parameter: "pcrs", reason: `PCR${i} is required` });
  }
  return new Map([...out].sort(([a], [b]) => a - b));
}

function optionalField(parameter: string, value: Hex | Uint8Array | undefined, max: number): Uint8Array | null {
  if (value === undefined) return null;
  const bytes = asBytes(value);
  if (!bytes || bytes.length > max) {
    throw new AttestationParameterError({
      parameter,
      reason: `expected at most ${max} bytes (hex or bytes), got ${describe(value)}`,
    });
  }
  return bytes;
}

async function authorityFrom({
  root,
  rootKey,
  commonName,
  notBefore,
  notAfter,
}: {
  root: x509.X509Certificate;
  rootKey: WebCryptoKey;
  commonName: string;
  notBefore: Date;
  notAfter: Date;
}): Promise<NitroAuthority> {
  const crypto = webCrypto();
  const intermediateKeys = await generateKey();
  const intermediate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: `CN=${commonName} intermediate, O=Verity, OU=Attestation test authority`,
      issuer: root.subject,
      notBefore,
      notAfter,
      publicKey: intermediateKeys.publicKey,
      signingKey: rootKey,
      signingAlgorithm: ES384,
      extensions: await caExtensions(intermediateKeys.publicKey, 0),
    },
    crypto
  );
  const rootDer = new Uint8Array(root.rawData);
  const intermediateDer = new Uint8Array(intermediate.rawData);

  async function issueDocument(parameters: IssueNitroDocumentParameters): Promise<Uint8Array> {
    if (typeof parameters !== "object" || parameters === null) {
      throw new AttestationParameterError({
        parameter: "parameters",
        reason: "expected { pcrs, userData, timestamp, ... }",
      });
    }
    const time = toDate(parameters.timestamp, "timestamp");
    const moduleId = parameters.moduleId ?? "i-00000000000000000-enc0000000000000000";
    if (typeof moduleId !== "string" || moduleId.length === 0) {
      throw new AttestationParameterError({ parameter: "moduleId", reason: "expected a non-empty string" });
    }
    const pcrs = pcrBytes(parameters.pcrs ?? DEVELOPMENT_PCRS);
    const userData = optionalField("userData", parameters.userData, 512);
    if (userData === null)
      throw new AttestationParameterError({ parameter: "userData", reason: "is required (the key binding)" });
    const publicKey = optionalField("publicKey", parameters.publicKey, 1024);
    const nonce = optionalField("nonce", parameters.nonce, 512);

    const leafKeys = await generateKey();
    const leaf = await x509.X509CertificateGenerator.create(
      {
        serialNumber: randomSerial(),
        subject: `CN=${moduleId}, O=Verity, OU=Attestation test authority`,
        issuer: intermediate.subject,
        notBefore: new Date(time.getTime() - LEAF_BEFORE_MS),
        notAfter: new Date(time.getTime() + LEAF_AFTER_MS),
        publicKey: leafKeys.publicKey,
        signingKey: intermediateKeys.privateKey,
        signingAlgorithm: ES384,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        ],
      },
      crypto
    );
    const payload = encode(
      new Map<string, unknown>([
        ["module_id", moduleId],
        ["digest", "SHA384"],
        ["timestamp", time.getTime()],
        ["pcrs", pcrs],
        ["certificate", new Uint8Array(leaf.rawData)],
        ["cabundle", [rootDer, intermediateDer]],
        ["public_key", publicKey],
        ["user_data", userData],
        ["nonce", nonce],
      ])
    );
    const protectedHeader = encode(new Map([[1, COSE_ALG_ES384]]));
    const signature = new Uint8Array(
      await crypto.subtle.sign(
        ES384,
        leafKeys.privateKey,
        new Uint8Array(coseSign1SigStructure(protectedHeader, payload))
      )
    );
    return encode([protectedHeader, new Map(), payload, signature]);
  }

  return { rootPem: toPem(rootDer), rootFingerprint: fingerprint(rootDer), issueDocument };
}

/**
 * A fresh test attestation authority: a self-signed P-384 root and an intermediate, whose keys live only in memory.
 * Documents it issues verify with `roots: [authority.rootPem]` and with nothing else.
 *
 * @example
 * const authority = await createNitroAuthority();
 * const document = await authority.issueDocument({ pcrs, userData: binding, timestamp: new Date() });
 * await verifyNitroDocument(document, { now: new Date(), roots: [authority.rootPem], binding });
 */
export async function createNitroAuthority(options: NitroAuthorityOptions = {}): Promise<NitroAuthority> {
  const commonName = options.commonName ?? "Verity test Nitro root";
  const notBefore = options.notBefore ?? new Date("2020-01-01T00:00:00Z");
  const notAfter = options.notAfter ?? new Date("2100-01-01T00:00:00Z");
  const keys = await generateKey();
  const root = await createRootCertificate({ commonName, notBefore, notAfter, keys });
  return authorityFrom({ root, rootKey: keys.privateKey, commonName, notBefore, notAfter });
}

/**
 * The published development authority (DEVELOPMENT_AUTHORITY): what the node signs Nitro-format evidence with when it
 * runs outside a real enclave. INSECURE: its root private key is public, so anyone can forge its documents, with any
 * PCRs. Verifiers refuse them unless given its root in `roots` AND `allowDevelopment: true`; production never does.
 * Each call makes a fresh intermediate (and each document a fresh leaf) under the fixed root.
 */
export async function developmentAuthority(): Promise<NitroAuthority> {
  const crypto = webCrypto();
  const [rootDer] = pemBlocks(DEVELOPMENT_AUTHORITY.rootCertificatePem);
  const [keyDer] = pemBlocks(DEVELOPMENT_AUTHORITY.rootPrivateKeyPem, "PRIVATE KEY");
  const root = new x509.X509Certificate(new Uint8Array(rootDer!));
  const rootKey = await crypto.subtle.importKey("pkcs8", new Uint8Array(keyDer!), P384, false, ["sign"]);
  return authorityFrom({
    root,
    rootKey,
    commonName: "Verity development Nitro root",
    notBefore: root.notBefore,
    notAfter: root.notAfter,
  });
}
