/**
 * Attestation evidence: the protocol's definitions (TEE types, measurements, key binding, evidence bytes), the
 * verifiers of AWS Nitro documents and Intel TDX quotes, and the test/development authorities. Pure TypeScript on
 * WebCrypto; the TDX verifier loads @phala/dcap-qvl on first use. See README.md beside this file.
 */
export {
  TeeType,
  MEASUREMENT_REGISTER_BYTES,
  nitroMeasurement,
  tdxMeasurement,
  ENCLAVE_REGISTRY_DOMAIN,
  enclaveKeyBindingTypes,
  enclaveKeyBindingDigest,
  DEVELOPMENT_PCRS,
  DEVELOPMENT_MEASUREMENT,
  AWS_NITRO_ROOT_G1_PEM,
  AWS_NITRO_ROOT_G1_FINGERPRINT,
  INTEL_SGX_ROOT_CA_FINGERPRINT,
  NITRO_MAX_AGE_SECONDS,
  NITRO_MAX_FUTURE_SECONDS,
  TDX_EVIDENCE_FORMAT,
  evidenceHash,
  type RegisterLike,
  type NitroPcrsLike,
  type TdxRegisters,
  type EnclaveKeyBindingParameters,
} from "./constants.js";
export { DEVELOPMENT_AUTHORITY, DEVELOPMENT_ROOT_PEM, DEVELOPMENT_ROOT_FINGERPRINT } from "./development.js";
export {
  encodeTdxEvidence,
  decodeTdxEvidence,
  normalizeTdxCollateral,
  type TdxCollateral,
  type TdxEvidenceInput,
} from "./evidence.js";
export {
  verifyNitroDocument,
  parseNitroDocument,
  type NitroVerifyOptions,
  type NitroEvidence,
  type NitroDocument,
} from "./nitro.js";
export { verifyTdxEvidence, intelSgxRootCaDer, type TdxVerifyOptions, type TdxEvidence } from "./tdx.js";
export { verifyEvidence, type VerifyEvidenceOptions, type VerifiedEvidence } from "./verify.js";
export {
  createNitroAuthority,
  developmentAuthority,
  type NitroAuthority,
  type NitroAuthorityOptions,
  type IssueNitroDocumentParameters,
} from "./authority.js";
export type { Clock } from "./internal.js";
export {
  createTdxAuthority,
  TDX_DEFAULT_TD_ATTRIBUTES,
  type TdxAuthority,
  type TdxAuthorityOptions,
  type IssueTdxQuoteParameters,
  type TdxQuote,
} from "./tdxAuthority.js";
