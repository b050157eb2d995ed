// The attestation protocol's definitions: TEE types, measurements, the key binding, evidence bytes and hashes.
// contracts/ uses the same definitions; sdk/src/attestation/README.md documents them.
import { type Address, type Hex, concat, hashTypedData, keccak256 } from "viem";
import { AttestationParameterError } from "../errors/attestation.js";
import { asBytes, describe, toHex } from "./internal.js";

/** TEE types, as numbered on chain. */
export const TeeType = { AwsNitro: 1, IntelTdx: 2 } as const;
export type TeeType = (typeof TeeType)[keyof typeof TeeType];

/** Size of one Nitro PCR (SHA-384) and of one TDX measurement register (MRTD, RTMR0..3). */
export const MEASUREMENT_REGISTER_BYTES = 48;

/** A PCR or measurement register: 48 bytes, as `0x` hex or bytes. */
export type RegisterLike = Hex | Uint8Array;

/** Nitro PCRs by index (0, 1 and 2 are required), as a record or an array. */
export type NitroPcrsLike = Readonly<Record<number, RegisterLike>> | readonly RegisterLike[];

/** The TDX measurement registers that make up a TDX measurement. */
export type TdxRegisters = {
  mrTd: RegisterLike;
  rtMr0: RegisterLike;
  rtMr1: RegisterLike;
  rtMr2: RegisterLike;
  rtMr3: RegisterLike;
};

function register(name: string, value: RegisterLike | undefined): Hex {
  const bytes = asBytes(value);
  if (!bytes || bytes.length !== MEASUREMENT_REGISTER_BYTES) {
    throw new AttestationParameterError({
      parameter: name,
      reason: `expected ${MEASUREMENT_REGISTER_BYTES} bytes (hex or bytes), got ${
        bytes ? `${bytes.length} bytes` : describe(value)
      }`,
    });
  }
  return toHex(bytes);
}

/**
 * The measurement governance approves for a Nitro enclave image:
 * `keccak256(0x01 || PCR0 || PCR1 || PCR2)`, each PCR its 48 raw bytes.
 *
 * @example
 * nitroMeasurement({ 0: pcr0, 1: pcr1, 2: pcr2 }) // 0x…
 */
export function nitroMeasurement(pcrs: NitroPcrsLike): Hex {
  const get = (i: number) => (pcrs as Readonly<Record<number, RegisterLike>>)[i];
  return keccak256(
    concat(["0x01", register("pcrs[0]", get(0)), register("pcrs[1]", get(1)), register("pcrs[2]", get(2))])
  );
}

/**
 * The measurement governance approves for a TDX trust domain:
 * `keccak256(0x02 || MRTD || RTMR0 || RTMR1 || RTMR2 || RTMR3)`, each register its 48 raw bytes.
 */
export function tdxMeasurement({ mrTd, rtMr0, rtMr1, rtMr2, rtMr3 }: TdxRegisters): Hex {
  return keccak256(
    concat([
      "0x02",
      register("mrTd", mrTd),
      register("rtMr0", rtMr0),
      register("rtMr1", rtMr1),
      register("rtMr2", rtMr2),
      register("rtMr3", rtMr3),
    ])
  );
}

/** EIP-712 domain name and version of enclave key bindings (the EnclaveRegistry's domain). */
export const ENCLAVE_REGISTRY_DOMAIN = { name: "Verity EnclaveRegistry", version: "1" } as const;

/** EIP-712 types of the key binding an enclave puts in its evidence: `EnclaveKeyBinding(address key,address operator)`. */
export const enclaveKeyBindingTypes = {
  EnclaveKeyBinding: [
    { name: "key", type: "address" },
    { name: "operator", type: "address" },
  ],
} as const;

export type EnclaveKeyBindingParameters = {
  /** The chain the EnclaveRegistry is on. */
  chainId: number | bigint;
  /** The EnclaveRegistry contract (the EIP-712 verifying contract). */
  enclaveRegistry: Address;
  /** The enclave's signing key (its address). */
  key: Address;
  /** The operator that registers the enclave. */
  operator: Address;
};

/**
 * The 32-byte digest an enclave's evidence must carry to bind its key to an operator: the EIP-712 hash of
 * `EnclaveKeyBinding(key, operator)` under `{ name: "Verity EnclaveRegistry", version: "1", chainId, verifyingContract }`.
 * Nitro: `user_data` is exactly these 32 bytes. TDX: `report_data` is these 32 bytes then 32 zero bytes.
 *
 * @example
 * const binding = enclaveKeyBindingDigest({ chainId: 31337, enclaveRegistry, key: enclave.address, operator });
 */
export function enclaveKeyBindingDigest({ chainId, enclaveRegistry, key, operator }: EnclaveKeyBindingParameters): Hex {
  return hashTypedData({
    domain: { ...ENCLAVE_REGISTRY_DOMAIN, chainId, verifyingContract: enclaveRegistry },
    types: enclaveKeyBindingTypes,
    primaryType: "EnclaveKeyBinding",
    message: { key, operator },
  });
}

/**
 * PCR0, PCR1, PCR2 of development evidence (what the node makes outside a real enclave): the SHA-384 of the UTF-8
 * strings "verity development enclave PCR0", "verity development enclave PCR1", "verity development enclave PCR2"
 * (test/attestation/constants.test.ts recomputes them).
 */
export const DEVELOPMENT_PCRS = {
  0: "0xe0cd0a16d2a7654f08d10f35f8b484bba58ead1950ccd7a3a11020ebc377113c3403b7e0bd786c878a7f36c74868b262",
  1: "0xa89c645dfdf407dd9250e7c248f86d0a3981f02e29c519f417571c0e600330a968cb402ad749b4c1d67c3166842b95c0",
  2: "0x91c84c944a12f262906d908ef8984c58c0580980884e2c94035cdedf6edcb07ed0f365998c50d82eb6536f7fe54a2d04",
} as const satisfies Record<0 | 1 | 2, Hex>;

/** `nitroMeasurement(DEVELOPMENT_PCRS)`: refused unless a verifier is given `allowDevelopment: true`. */
export const DEVELOPMENT_MEASUREMENT: Hex = nitroMeasurement(DEVELOPMENT_PCRS);

/**
 * AWS Nitro Enclaves root certificate G1 (CN=aws.nitro-enclaves, O=Amazon, OU=AWS, C=US; valid 2019-10-28 to
 * 2049-10-28), published by AWS as AWS_NitroEnclaves_Root-G1.zip. SHA-256 of its DER:
 * 64:1A:03:21:A3:E2:44:EF:E4:56:46:31:95:D6:06:31:7E:D7:CD:CC:3C:17:56:E0:98:93:F3:C6:8F:79:BB:5B.
 */
export const AWS_NITRO_ROOT_G1_PEM = `-----BEGIN CERTIFICATE-----
MIICETCCAZagAwIBAgIRAPkxdWgbkK/hHUbMtOTn+FYwCgYIKoZIzj0EAwMwSTEL
MAkGA1UEBhMCVVMxDzANBgNVBAoMBkFtYXpvbjEMMAoGA1UECwwDQVdTMRswGQYD
VQQDDBJhd3Mubml0cm8tZW5jbGF2ZXMwHhcNMTkxMDI4MTMyODA1WhcNNDkxMDI4
MTQyODA1WjBJMQswCQYDVQQGEwJVUzEPMA0GA1UECgwGQW1hem9uMQwwCgYDVQQL
DANBV1MxGzAZBgNVBAMMEmF3cy5uaXRyby1lbmNsYXZlczB2MBAGByqGSM49AgEG
BSuBBAAiA2IABPwCVOumCMHzaHDimtqQvkY4MpJzbolL//Zy2YlES1BR5TSksfbb
48C8WBoyt7F2Bw7eEtaaP+ohG2bnUs990d0JX28TcPQXCEPZ3BABIeTPYwEoCWZE
h8l5YoQwTcU/9KNCMEAwDwYDVR0TAQH/BAUwAwEB/zAdBgNVHQ4EFgQUkCW1DdkF
R+eWw5b6cp3PmanfS5YwDgYDVR0PAQH/BAQDAgGGMAoGCCqGSM49BAMDA2kAMGYC
MQCjfy+Rocm9Xue4YnwWmNJVA44fA0P5W2OpYow9OYCVRaEevL8uO1XYru5xtMPW
rfMCMQCi85sWBbJwKKXdS6BptQFuZbT73o/gBh1qUxl/nNr12UO8Yfwr6wPLb+6N
IwLz3/Y=
-----END CERTIFICATE-----
`;

/** SHA-256 of the DER of {@link AWS_NITRO_ROOT_G1_PEM}. */
export const AWS_NITRO_ROOT_G1_FINGERPRINT: Hex = "0x641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b";

/**
 * SHA-256 of the DER of Intel's SGX root CA (CN=Intel SGX Root CA, valid to 2049-12-31), the root dcap-qvl pins and
 * the default root of {@link verifyTdxEvidence}.
 */
export const INTEL_SGX_ROOT_CA_FINGERPRINT: Hex = "0x44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";

/** Default `maxAgeSeconds` of a Nitro document: 3 hours (the life of its leaf certificate). */
export const NITRO_MAX_AGE_SECONDS = 3 * 3600;
/** How far in the future a Nitro document's timestamp may be (clock skew): 5 minutes. */
export const NITRO_MAX_FUTURE_SECONDS = 5 * 60;

/** The `format` of TDX evidence JSON. */
export const TDX_EVIDENCE_FORMAT = "verity-tdx-evidence/v1";

/** Evidence hash, as stored on chain: `keccak256` of the evidence bytes (Nitro: the COSE_Sign1 document; TDX: the JSON). */
export function evidenceHash(evidence: Uint8Array): Hex {
  if (!(evidence instanceof Uint8Array)) {
    throw new AttestationParameterError({ parameter: "evidence", reason: `expected bytes, got ${describe(evidence)}` });
  }
  return keccak256(evidence);
}
