/**
 * Node-side attestation: where an operator gets evidence for its enclave key (a TEE, or development evidence on local
 * chains), and the claim / approval hand-off with the attestors. See README.md beside this file.
 */
export { type EvidenceSource, type EvidenceRequest } from "./source.js";
export { DevelopmentSource, type DevelopmentSourceOptions } from "./development.js";
export { CommandSource, USER_DATA_PLACEHOLDER, type CommandSourceOptions } from "./command.js";
export { TdxConfigfsSource, TSM_REPORT_DIR, type TdxConfigfsSourceOptions, type TsmFileSystem } from "./tdx.js";
export { detectEvidenceSource, NSM_DEVICE, type DetectEvidenceSourceOptions } from "./detect.js";
export {
  CLAIM_FORMAT,
  APPROVAL_FORMAT,
  attestationPolicy,
  gatherAttestation,
  checkAttestationClaim,
  signClaim,
  approvalProblem,
  claimOf,
  claimJson,
  approvalJson,
  parseClaimDocument,
  parseApprovalDocument,
  type ClaimDocument,
  type ApprovalDocument,
  type ClaimCheck,
  type ClaimCheckName,
  type ClaimReport,
  type CheckClaimParameters,
  type GatherAttestationParameters,
} from "./claim.js";
