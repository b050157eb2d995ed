// A test Intel TDX attestation authority: an Intel-like DCAP PKI (root CA, PCK platform CA, PCK certificate with the
// SGX extensions, TCB signing certificate, signed TCB info and QE identity, signed CRLs) whose keys live only in
// memory, and a quoting enclave that issues version 4 TDX quotes under it. Its quotes verify with
// `verifyTdxEvidence(..., { rootCaDer: authority.rootCaDer })` (dcap-qvl's full verification) and with nothing else:
// Intel's root never accepts them. For tests only.
import type { Hex } from "viem";
import { AttestationParameterError } from "../errors/attestation.js";
import { MEASUREMENT_REGISTER_BYTES, type RegisterLike } from "./constants.js";
import type { TdxCollateral } from "./evidence.js";
import { type Clock, type WebCryptoKeyPair, fingerprint, optionBytes, toDate, toHex, toPem } from "./internal.js";
import { webCrypto, x509 } from "./x509.js";

const P256 = { name: "ECDSA", namedCurve: "P-256" } as const;
const ES256 = { name: "ECDSA", hash: "SHA-256" } as const;

/** Intel's QE vendor id (as in real quotes). */
const INTEL_QE_VENDOR_ID = "939a7233f79c4ca9940a0db3957f0607";
/** TD attributes with SEPT_VE_DISABLE (bit 28) set and DEBUG clear: what dcap-qvl requires. */
export const TDX_DEFAULT_TD_ATTRIBUTES: Hex = "0x0000001000000000";
const DAY_MS = 24 * 3600_000;

/** The SGX PCK certificate extension (1.2.840.113741.1.13.1) and its parts, as dcap-qvl reads them. */
const SGX_OID = "1.2.840.113741.1.13.1";

export type TdxAuthorityOptions = {
  /** The root's common name (the other certificates are named after it). Default "Verity test Intel SGX Root CA". */
  commonName?: string | undefined;
  /** Validity of the certificates. Default 2020-01-01 to 2100-01-01. */
  notBefore?: Date | undefined;
  notAfter?: Date | undefined;
  /** The platform's FMSPC (6 bytes). Default 0xb0c06f000000 (as the dcap-qvl sample). */
  fmspc?: Hex | undefined;
  /** The platform's CPUSVN (16 bytes), in the PCK certificate and the UpToDate TCB level. */
  cpuSvn?: Hex | undefined;
  /** The PCE SVN in the PCK certificate and the UpToDate TCB level. Default 11. */
  pceSvn?: number | undefined;
  /** The TDX module's TEE_TCB_SVN (16 bytes), in quotes and the UpToDate TCB level. */
  teeTcbSvn?: Hex | undefined;
};

export type IssueTdxQuoteParameters = {
  /** MRTD (48 bytes). */
  mrTd: RegisterLike;
  /** RTMR0..3 (48 bytes each). */
  rtMr: readonly [RegisterLike, RegisterLike, RegisterLike, RegisterLike];
  /** `report_data` (64 bytes): for Verity, enclaveKeyBindingDigest(...) followed by 32 zero bytes. */
  reportData: Hex | Uint8Array;
  /** TD attributes (8 bytes). Default TDX_DEFAULT_TD_ATTRIBUTES (SEPT_VE_DISABLE, not debug). */
  tdAttributes?: Hex | Uint8Array | undefined;
  /**
   * The time the collateral is made for: the TCB info, QE identity and CRLs are issued a day before it and are
   * valid 30 days after it (Intel's window). Default: now.
   */
  timestamp?: Clock | undefined;
};

export type TdxQuote = { quote: Uint8Array; collateral: TdxCollateral };

export type TdxAuthority = {
  /** The root CA certificate (DER): `verifyTdxEvidence(evidence, { rootCaDer })`. */
  rootCaDer: Uint8Array;
  /** The root, PEM. */
  rootPem: string;
  /** SHA-256 of the root's DER (what `TdxEvidence.rootFingerprint` reports). */
  rootFingerprint: Hex;
  /** Issues a version 4 TDX quote (signed by the authority's quoting enclave) with its collateral. */
  issueQuote(parameters: IssueTdxQuoteParameters): Promise<TdxQuote>;
  /** The collateral alone, valid around `timestamp` (default now). */
  collateral(timestamp?: Clock): Promise<TdxCollateral>;
};

// ---------------------------------------------------------------------------------------------------------------
// DER, just what the SGX extension needs

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v >>= 8) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}
const tlv = (tag: number, content: readonly number[]): number[] => [tag, ...derLength(content.length), ...content];
function oid(text: string): number[] {
  const [a, b, ...rest] = text.split(".").map(Number);
  const out = [a! * 40 + b!];
  for (const n of rest) {
    const bytes = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) bytes.unshift((v & 0x7f) | 0x80);
    out.push(...bytes);
  }
  return tlv(0x06, out);
}
const octets = (bytes: Uint8Array) => tlv(0x04, [...bytes]);
function integer(n: number): number[] {
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  if (bytes.length === 0 || bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(0x02, bytes);
}
const enumerated = (n: number) => tlv(0x0a, [n]);
const sequence = (...items: number[][]) => tlv(0x30, items.flat());
const item = (id: string, value: number[]) => sequence(oid(id), value);

/** The SGX extension of a PCK certificate: PPID, TCB (16 components, PCESVN, CPUSVN), PCE-ID, FMSPC, SGX type. */
function sgxExtension({
  ppid,
  cpuSvn,
  pceSvn,
  pceId,
  fmspc,
}: {
  ppid: Uint8Array;
  cpuSvn: Uint8Array;
  pceSvn: number;
  pceId: Uint8Array;
  fmspc: Uint8Array;
}): Uint8Array {
  const components = Array.from(cpuSvn, (svn, i) => item(`${SGX_OID}.2.${i + 1}`, integer(svn)));
  const tcb = sequence(...components, item(`${SGX_OID}.2.17`, integer(pceSvn)), item(`${SGX_OID}.2.18`, octets(cpuSvn)));
  return new Uint8Array(
    sequence(
      item(`${SGX_OID}.1`, octets(ppid)),
      item(`${SGX_OID}.2`, tcb),
      item(`${SGX_OID}.3`, octets(pceId)),
      item(`${SGX_OID}.4`, octets(fmspc)),
      item(`${SGX_OID}.5`, enumerated(0)) // SGX type: Standard
    )
  );
}

// ---------------------------------------------------------------------------------------------------------------

const randomSerial = () => {
  const bytes = webCrypto().getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return Array.from(bytes, (b: number) => b.toString(16).padStart(2, "0")).join("");
};
const generateKey = async (): Promise<WebCryptoKeyPair> =>
  (await webCrypto().subtle.generateKey(P256, false, ["sign", "verify"])) as WebCryptoKeyPair;
const sign = async (key: WebCryptoKeyPair, data: Uint8Array): Promise<Uint8Array> =>
  new Uint8Array(await webCrypto().subtle.sign(ES256, key.privateKey, new Uint8Array(data))); // r || s, 64 bytes
const hex = (bytes: Uint8Array) => toHex(bytes).slice(2);
const concatBytes = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const u16le = (n: number) => new Uint8Array([n & 0xff, (n >> 8) & 0xff]);
const u32le = (n: number) => new Uint8Array([n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff]);
const fixed = (text: string) => new TextEncoder().encode(text);
async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await webCrypto().subtle.digest("SHA-256", new Uint8Array(bytes)));
}
/** Deterministic filler bytes (SHA-256 of a label, repeated). */
async function filler(label: string, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 32) out.set((await sha256(fixed(`${label} ${i}`))).subarray(0, Math.min(32, length - i)), i);
  return out;
}
const isoSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

function optionHex(parameter: string, value: Hex | undefined, fallback: string, length: number): Uint8Array {
  return optionBytes(parameter, value ?? `0x${fallback}`, length);
}

/**
 * A fresh test Intel TDX authority (P-256 throughout, as Intel's): root CA -> PCK platform CA -> PCK certificate of
 * one platform, and root -> TCB signing certificate, with a quoting enclave whose attestation key the PCK key
 * certifies. Quotes it issues verify with `verifyTdxEvidence(q, { now, rootCaDer: authority.rootCaDer })`.
 *
 * @example
 * const authority = await createTdxAuthority();
 * const { quote, collateral } = await authority.issueQuote({ mrTd, rtMr, reportData: concat([binding, zeros32]) });
 * await verifyTdxEvidence({ quote, collateral }, { now: new Date(), rootCaDer: authority.rootCaDer, binding });
 */
export async function createTdxAuthority(options: TdxAuthorityOptions = {}): Promise<TdxAuthority> {
  const crypto = webCrypto();
  const commonName = options.commonName ?? "Verity test Intel SGX Root CA";
  const notBefore = options.notBefore ?? new Date("2020-01-01T00:00:00Z");
  const notAfter = options.notAfter ?? new Date("2100-01-01T00:00:00Z");
  const fmspc = optionHex("fmspc", options.fmspc, "b0c06f000000", 6);
  const cpuSvn = optionHex("cpuSvn", options.cpuSvn, "03030202040100050000000000000000", 16);
  const teeTcbSvn = optionHex("teeTcbSvn", options.teeTcbSvn, "06010300000000000000000000000000", 16);
  const pceSvn = options.pceSvn ?? 11;
  if (!Number.isInteger(pceSvn) || pceSvn < 0 || pceSvn > 0xffff) {
    throw new AttestationParameterError({ parameter: "pceSvn", reason: "expected an integer 0..65535" });
  }
  const pceId = new Uint8Array(2);
  const name = (cn: string) => `CN=${cn}, O=Verity, OU=Attestation test authority, L=Santa Clara, ST=CA, C=US`;
  const base = commonName.replace(/ Root CA$/, "");

  const caExtensions = async (publicKey: WebCryptoKeyPair["publicKey"], pathLength: number) => [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(publicKey, false, crypto),
  ];
  const leafExtensions = (usages: x509.KeyUsageFlags) => [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usages, true),
  ];

  // Root CA (self-signed), PCK platform CA, TCB signing certificate.
  const rootKeys = await generateKey();
  const root = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: name(commonName),
      notBefore,
      notAfter,
      keys: rootKeys,
      signingAlgorithm: ES256,
      extensions: await caExtensions(rootKeys.publicKey, 1),
    },
    crypto
  );
  const pckCaKeys = await generateKey();
  const pckCa = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: name(`${base} PCK Platform CA`),
      issuer: root.subject,
      notBefore,
      notAfter,
      publicKey: pckCaKeys.publicKey,
      signingKey: rootKeys.privateKey,
      signingAlgorithm: ES256,
      extensions: await caExtensions(pckCaKeys.publicKey, 0),
    },
    crypto
  );
  const tcbKeys = await generateKey();
  const tcbSigning = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: name(`${base} TCB Signing`),
      issuer: root.subject,
      notBefore,
      notAfter,
      publicKey: tcbKeys.publicKey,
      signingKey: rootKeys.privateKey,
      signingAlgorithm: ES256,
      extensions: leafExtensions(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation),
    },
    crypto
  );

  // The platform: its PCK key and certificate, with the SGX extension.
  const pckKeys = await generateKey();
  const pck = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: name(`${base} PCK Certificate`),
      issuer: pckCa.subject,
      notBefore,
      notAfter,
      publicKey: pckKeys.publicKey,
      signingKey: pckCaKeys.privateKey,
      signingAlgorithm: ES256,
      extensions: [
        ...leafExtensions(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation),
        new x509.Extension(
          SGX_OID,
          false,
          sgxExtension({ ppid: await filler(`${commonName} PPID`, 16), cpuSvn, pceSvn, pceId, fmspc })
        ),
      ],
    },
    crypto
  );

  // The quoting enclave (TD_QE): its identity and its attestation key.
  const qeMrSigner = await filler(`${commonName} QE MRSIGNER`, 32);
  const qeMrEnclave = await filler(`${commonName} QE MRENCLAVE`, 32);
  const qeIsvProdId = 2;
  const qeIsvSvn = 4;
  const attestationKeys = (await crypto.subtle.generateKey(P256, true, ["sign", "verify"])) as WebCryptoKeyPair;
  const attestationPublicKey = new Uint8Array(await crypto.subtle.exportKey("raw", attestationKeys.publicKey)).subarray(1);

  const rootDer = new Uint8Array(root.rawData);
  const pem = (c: x509.X509Certificate) => toPem(new Uint8Array(c.rawData));
  const rootPem = toPem(rootDer);
  const pckChain = `${pem(pck)}${pem(pckCa)}${rootPem}`;

  async function collateral(timestamp: Clock = new Date()): Promise<TdxCollateral> {
    const t = toDate(timestamp, "timestamp").getTime();
    const issued = t - DAY_MS;
    const next = t + 30 * DAY_MS;
    const tcbLevel = (status: string, sgx: Uint8Array, pcesvn: number, tdx: Uint8Array, date: string) => ({
      tcb: {
        sgxtcbcomponents: Array.from(sgx, (svn) => ({ svn })),
        pcesvn,
        tdxtcbcomponents: Array.from(tdx, (svn) => ({ svn })),
      },
      tcbDate: date,
      tcbStatus: status,
      ...(status === "UpToDate" ? {} : { advisoryIDs: ["INTEL-SA-00000"] }),
    });
    const tcbInfo = JSON.stringify({
      id: "TDX",
      version: 3,
      issueDate: isoSeconds(issued),
      nextUpdate: isoSeconds(next),
      fmspc: hex(fmspc).toUpperCase(),
      pceId: hex(pceId).toUpperCase(),
      tcbType: 0,
      tcbEvaluationDataNumber: 17,
      tdxModule: { mrsigner: "00".repeat(48), attributes: "0000000000000000", attributesMask: "FFFFFFFFFFFFFFFF" },
      tdxModuleIdentities: [],
      tcbLevels: [
        tcbLevel("UpToDate", cpuSvn, pceSvn, teeTcbSvn, "2024-03-13T00:00:00Z"),
        tcbLevel("OutOfDate", new Uint8Array(16), 0, new Uint8Array(16), "2018-01-04T00:00:00Z"),
      ],
    });
    const qeIdentity = JSON.stringify({
      id: "TD_QE",
      version: 2,
      issueDate: isoSeconds(issued),
      nextUpdate: isoSeconds(next),
      tcbEvaluationDataNumber: 17,
      miscselect: "00000000",
      miscselectMask: "FFFFFFFF",
      attributes: "11000000000000000000000000000000",
      attributesMask: "FBFFFFFFFFFFFFFF0000000000000000",
      mrsigner: hex(qeMrSigner).toUpperCase(),
      isvprodid: qeIsvProdId,
      tcbLevels: [{ tcb: { isvsvn: qeIsvSvn }, tcbDate: "2024-03-13T00:00:00Z", tcbStatus: "UpToDate" }],
    });
    const crl = async (issuer: x509.X509Certificate, key: WebCryptoKeyPair) =>
      new Uint8Array(
        (
          await x509.X509CrlGenerator.create(
            {
              issuer: issuer.subject,
              thisUpdate: new Date(issued),
              nextUpdate: new Date(next),
              signingKey: key.privateKey,
              signingAlgorithm: ES256,
            },
            crypto
          )
        ).rawData
      );
    return {
      pck_crl_issuer_chain: `${pem(pckCa)}${rootPem}`,
      root_ca_crl: hex(await crl(root, rootKeys)),
      pck_crl: hex(await crl(pckCa, pckCaKeys)),
      tcb_info_issuer_chain: `${pem(tcbSigning)}${rootPem}`,
      tcb_info: tcbInfo,
      tcb_info_signature: hex(await sign(tcbKeys, fixed(tcbInfo))),
      qe_identity_issuer_chain: `${pem(tcbSigning)}${rootPem}`,
      qe_identity: qeIdentity,
      qe_identity_signature: hex(await sign(tcbKeys, fixed(qeIdentity))),
    };
  }

  async function issueQuote(parameters: IssueTdxQuoteParameters): Promise<TdxQuote> {
    if (typeof parameters !== "object" || parameters === null) {
      throw new AttestationParameterError({ parameter: "parameters", reason: "expected { mrTd, rtMr, reportData }" });
    }
    const register = (p: string, v: RegisterLike) => optionBytes(p, v, MEASUREMENT_REGISTER_BYTES);
    const mrTd = register("mrTd", parameters.mrTd);
    if (!Array.isArray(parameters.rtMr) || parameters.rtMr.length !== 4) {
      throw new AttestationParameterError({ parameter: "rtMr", reason: "expected RTMR0..3 (4 registers)" });
    }
    const rtMr = parameters.rtMr.map((r, i) => register(`rtMr[${i}]`, r));
    const reportData = optionBytes("reportData", parameters.reportData, 64);
    const tdAttributes = optionBytes("tdAttributes", parameters.tdAttributes ?? TDX_DEFAULT_TD_ATTRIBUTES, 8);

    // Header (48 bytes): version 4, ECDSA P-256 attestation key, TEE type TDX, QE SVN, PCE SVN, QE vendor, user data.
    const header = concatBytes(
      u16le(4),
      u16le(2),
      u32le(0x81),
      u16le(0),
      u16le(0),
      optionBytes("qeVendorId", `0x${INTEL_QE_VENDOR_ID}`, 16),
      await filler(`${commonName} QE ID`, 16),
      new Uint8Array(4)
    );
    // TD report 1.0 (584 bytes).
    const zeros = (n: number) => new Uint8Array(n);
    const body = concatBytes(
      teeTcbSvn,
      await filler(`${commonName} MRSEAM`, 48),
      zeros(48), // MRSIGNERSEAM (Intel's TDX module: zero)
      zeros(8), // SEAMATTRIBUTES
      tdAttributes,
      optionBytes("xfam", "0xe702060000000000", 8),
      mrTd,
      zeros(48), // MRCONFIGID
      zeros(48), // MROWNER
      zeros(48), // MROWNERCONFIG
      ...rtMr,
      reportData
    );
    const signature = await sign(attestationKeys, concatBytes(header, body));

    // QE report (an SGX enclave report, 384 bytes) whose report data is SHA-256(attestation key || QE auth data).
    const qeAuthData = Uint8Array.from({ length: 32 }, (_, i) => i);
    const qeReportData = concatBytes(await sha256(concatBytes(attestationPublicKey, qeAuthData)), zeros(32));
    const qeReport = concatBytes(
      cpuSvn,
      u32le(0), // MISCSELECT
      zeros(28),
      optionBytes("qeAttributes", "0x1500000000000000e700000000000000", 16),
      qeMrEnclave,
      zeros(32),
      qeMrSigner,
      zeros(96),
      u16le(qeIsvProdId),
      u16le(qeIsvSvn),
      zeros(60),
      qeReportData
    );
    const qeReportSignature = await sign(pckKeys, qeReport);
    // Certification data type 5: the PCK chain, PEM, NUL-terminated (as Intel's QE writes it).
    const chain = fixed(`${pckChain}\0`);
    const qeCertification = concatBytes(
      qeReport,
      qeReportSignature,
      u16le(qeAuthData.length),
      qeAuthData,
      u16le(5),
      u32le(chain.length),
      chain
    );
    // Signature data: signature, attestation key, certification data type 6 (QE report certification data).
    const authData = concatBytes(signature, attestationPublicKey, u16le(6), u32le(qeCertification.length), qeCertification);
    const quote = concatBytes(header, body, u32le(authData.length), authData);
    return { quote, collateral: await collateral(parameters.timestamp ?? new Date()) };
  }

  return { rootCaDer: rootDer, rootPem, rootFingerprint: fingerprint(rootDer), issueQuote, collateral };
}
