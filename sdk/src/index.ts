/**
 * The Verity SDK (`import { verityActions } from "verity-inference"`): viem actions to register models, request and
 * deliver inferences, and re-verify results from chain data. Light: no Node-only imports (no fs, ONNX Runtime
 * or snarkjs), so a browser dApp can use it. The operator node is verity-inference-node.
 */

// ABIs (also `verity-inference/abis`)
export {
  inferenceHubAbi,
  modelRegistryAbi,
  operatorRegistryAbi,
  enclaveRegistryAbi,
  attestorCommitteeAbi,
  attestationVerifierAbi,
  teeVerifierAbi,
  zkVerifierAbi,
  resultVerifierAbi,
  inferenceConsumerAbi,
  exampleConsumerAbi,
  erc20Abi,
  groth16VerifierMlpAbi,
  optimisticGameAbi,
  batchSettlementAbi,
  verityTimelockAbi,
} from "./abis.js";

// constants and types
export {
  VerityMode,
  MAX_MODE,
  modeNumber,
  modeLabel,
  modesBitmask,
  modesFromBitmask,
  JOB_STATUSES,
  MEASUREMENT_STATUSES,
  MAX_DEADLINE_DELAY,
  MAX_CALLBACK_GAS,
  RESULT_DOMAIN,
  ENCLAVE_REGISTRY_DOMAIN,
  ATTESTOR_COMMITTEE_DOMAIN,
  KEY_STATUSES,
  resultTypes,
  quorumVoteTypes,
  enclaveKeyRegistrationTypes,
  attestorApprovalTypes,
  ZERO_HASH,
  type ModeName,
  type ModeLike,
  type JobStatus,
  type MeasurementStatus,
  type KeyStatus,
} from "./constants.js";
export {
  type JobStruct,
  type EventLocation,
  type Job,
  type ModelVersion,
  type WriteParameters,
  type JobWriteParameters,
  type VerityClient,
} from "./types.js";

// attestation: the protocol's definitions (the evidence verifiers are in `verity-inference/attestation`, loaded lazily by
// verifyJob, so this entry stays light)
export {
  TeeType,
  nitroMeasurement,
  tdxMeasurement,
  enclaveKeyBindingTypes,
  enclaveKeyBindingDigest,
  evidenceHash,
  DEVELOPMENT_MEASUREMENT,
  DEVELOPMENT_PCRS,
  AWS_NITRO_ROOT_G1_PEM,
  AWS_NITRO_ROOT_G1_FINGERPRINT,
  INTEL_SGX_ROOT_CA_FINGERPRINT,
  type NitroPcrsLike,
  type TdxRegisters,
  type EnclaveKeyBindingParameters,
} from "./attestation/constants.js";

// encoding
export {
  TENSOR_FORMAT_VERSION,
  TENSOR_SET_FORMAT,
  MAX_TENSOR_RANK,
  MAX_TENSOR_SET_SIZE,
  DTYPE_CODES,
  DTYPES,
  dtypeWidth,
  isFloatDType,
  shapeSize,
  validateTensor,
  encodeTensor,
  encodeTensorBytes,
  decodeTensor,
  hashTensor,
  tensorsEqual,
  encodeTensorSet,
  encodeTensorSetBytes,
  decodeTensorSet,
  hashTensorSet,
  tensor,
  tensorValues,
  toFloat16Bits,
  fromFloat16Bits,
  toBfloat16Bits,
  fromBfloat16Bits,
  type DType,
  type Tensor,
  type TensorValues,
  type TensorValuesOf,
} from "./encoding/tensor.js";
export {
  IO_SIGNATURE_FORMAT,
  MAX_IO_SIGNATURE_BYTES,
  DEFAULT_GRID_FRACTION_BITS,
  IoSignatureError,
  type IoSignatureErrorType,
  ModelInputError,
  type ModelInputErrorType,
  canonicalizeOutputs,
  checkInputs,
  checkSignatureModes,
  decodeIoSignature,
  describeIoSignature,
  encodeIoSignature,
  hashIoSignature,
  ioSignature,
  isCanonicalOutput,
  type IoSignature,
  type IoTensorSpec,
  type OutputCanonicalization,
} from "./encoding/ioSignature.js";
export {
  modelIdOf,
} from "./encoding/ids.js";
export {
  MAX_QUORUM,
  MIN_CHALLENGE_WINDOW,
  MAX_CHALLENGE_WINDOW,
  quorumParams,
  optimisticParams,
  decodeQuorumParams,
  decodeOptimisticParams,
  quorumParamsProblem,
  optimisticParamsProblem,
  type QuorumParams,
  type OptimisticParams,
} from "./encoding/params.js";
export {
  jobCommitment,
  storedJobCommitment,
  splitStoredCommitment,
  commitmentMatches,
  proposalCommitment,
} from "./encoding/commitment.js";

// errors: each class with its narrowable type (`err.name` tells them apart)
export {
  AccountRequiredError, type AccountRequiredErrorType,
  ContractRevertError, type ContractRevertErrorType,
  DeadlinePassedError, type DeadlinePassedErrorType,
  DeadlineTooFarError, type DeadlineTooFarErrorType,
  FeeTooLowError, type FeeTooLowErrorType,
  HubNotFoundError, type HubNotFoundErrorType,
  HubPausedError, type HubPausedErrorType,
  InsufficientAllowanceError, type InsufficientAllowanceErrorType,
  InsufficientBalanceError, type InsufficientBalanceErrorType,
  InvalidAttestationError, type InvalidAttestationErrorType,
  InvalidCallbackError, type InvalidCallbackErrorType,
  InvalidDataError, type InvalidDataErrorType,
  InvalidParameterError, type InvalidParameterErrorType,
  InvalidParamsError, type InvalidParamsErrorType,
  IoSignatureUnavailableError, type IoSignatureUnavailableErrorType,
  NoServingOperatorError, type NoServingOperatorErrorType,
  InvalidReceiptError, type InvalidReceiptErrorType,
  BatchDocumentError, type BatchDocumentErrorType,
  InferenceHttpError, type InferenceHttpErrorType,
  InsufficientDepositError, type InsufficientDepositErrorType,
  InvalidQuorumVoteError, type InvalidQuorumVoteErrorType,
  JobExpiredError, type JobExpiredErrorType,
  JobModeMismatchError, type JobModeMismatchErrorType,
  JobNotFoundError, type JobNotFoundErrorType,
  JobRefundedError, type JobRefundedErrorType,
  ModeNotSupportedError, type ModeNotSupportedErrorType,
  NoProposalError, type NoProposalErrorType,
  QuorumNotReachedError, type QuorumNotReachedErrorType,
  RpcUnreachableError, type RpcUnreachableErrorType,
  TensorEncodingError, type TensorEncodingErrorType,
  TransactionRevertedError, type TransactionRevertedErrorType,
  UnknownDisputeGameError, type UnknownDisputeGameErrorType,
  UnknownModelVersionError, type UnknownModelVersionErrorType,
  VerificationModeNotSupportedError, type VerificationModeNotSupportedErrorType,
  VerityError, type VerityErrorType,
  VersionDeprecatedError, type VersionDeprecatedErrorType,
  WaitTimeoutError, type WaitTimeoutErrorType,
  toVerityError,
  verityErrorsAbi,
} from "./errors/index.js";
// The ZK error classes, encodings and proof verification are in `verity-inference/zk` (sdk/src/zk.ts), loaded
// only by who needs them; the light entry names their types.
export type {
  ZkProofErrorType, ZkWeightsErrorType, ZkTensorErrorType, ZkPublicSignalsErrorType, ZkProofFormatErrorType,
  ZkVerifyingKeyErrorType, ZkProvingErrorType, ZkSetupErrorType,
} from "./errors/zk.js";

// proofs (pure)
export {
  resultTypedData,
  resultDigest,
  recoverResultSigner,
  parseTeeAttestation,
  encodeTeeAttestation,
  enclaveKeyRegistrationTypedData,
  attestorApprovalTypedData,
  attestorApprovalDigest,
  signAttestorApproval,
  encodeAttestorApprovals,
  type AttestationClaim,
  type AttestorSignature,
  type ResultMessage,
  type TeeAttestation,
} from "./proofs/tee.js";
export {
  SECP256K1_HALF_ORDER,
  signatureProblem,
  jobStatementTypedData,
  type JobStatement,
} from "./proofs/signatures.js";
export {
  QUORUM_ENTRY_BYTES,
  quorumVoteTypedData,
  quorumVoteDigest,
  signQuorumVote,
  recoverQuorumVoteSigner,
  isValidQuorumVote,
  encodeQuorumAttestation,
  parseQuorumAttestation,
  type QuorumVoteMessage,
  type QuorumVote,
} from "./proofs/quorum.js";
export {
  verifyQuorumJobData,
  type QuorumVerifyCheckName,
  type QuorumVerifyCheck,
  type QuorumJobData,
  type QuorumSignerReport,
  type QuorumReport,
  type VerifyQuorumJobReport,
} from "./proofs/verifyQuorumJob.js";
export {
  verifyTeeJobData,
  recoverTeeSigner,
  fetchEvidence,
  quoteEvidenceUri,
  type EvidenceFetcher,
  type TeeAttestationPolicy,
  type TeeKeyAttestation,
  type TeeVerifyCheckName,
  type TeeVerifyCheck,
  type TeeVerifyJobReport,
  type TeeRegistryState,
  type TeeSignerRecovery,
  type TeeJobData,
} from "./proofs/verifyTeeJob.js";
// The report of every mode. ZK: types only here; the ZK code (and its pairing library) loads lazily, for ZK jobs.
export type { VerifyCheckName, VerifyCheck, Verdict, VerifyJobReport } from "./proofs/report.js";
export type { JobDataBase } from "./proofs/checks.js";
export type {
  ZkAttestationCheckName,
  ZkVerifyCheckName,
  ZkVerifyCheck,
  ZkCircuit,
  VerifyZkJobReport,
  ZkJobData,
  ZkVerifyingKeys,
  ZkVerifyingKeyLoader,
} from "./proofs/verifyZkJob.js";
export type { Groth16Proof, Groth16VerifyingKey, SolidityGroth16Proof, ZkJobBinding } from "./proofs/zk.js";
export type { ZkAttestation } from "./proofs/zkAttestation.js";
// OPTIMISTIC: types only here; its checks (a resolution's ZK proof) load lazily, for OPTIMISTIC jobs.
export type {
  OptimisticVerifyCheckName,
  OptimisticVerifyCheck,
  OptimisticJobData,
  OptimisticOutcome,
  OptimisticPayout,
  OptimisticReport,
  OptimisticState,
  VerifyOptimisticJobReport,
} from "./proofs/verifyOptimisticJob.js";

// actions
export {
  approveMeasurement,
  type ApproveMeasurementParameters,
  type ApproveMeasurementReturnType,
  type ApproveMeasurementErrorType,
} from "./actions/approveMeasurement.js";
export {
  challengeResult,
  type ChallengeResultParameters,
  type ChallengeResultReturnType,
  type ChallengeResultErrorType,
} from "./actions/challengeResult.js";
export {
  commitProposal,
  type CommitProposalParameters,
  type CommitProposalReturnType,
  type CommitProposalErrorType,
} from "./actions/commitProposal.js";
export {
  deprecateVersion,
  type DeprecateVersionParameters,
  type DeprecateVersionReturnType,
  type DeprecateVersionErrorType,
} from "./actions/deprecateVersion.js";
export {
  expireChallenge,
  type ExpireChallengeParameters,
  type ExpireChallengeReturnType,
  type ExpireChallengeErrorType,
} from "./actions/expireChallenge.js";
export {
  finalizeResult,
  type FinalizeResultParameters,
  type FinalizeResultReturnType,
  type FinalizeResultErrorType,
} from "./actions/finalizeResult.js";
export {
  prepareQuorumFulfillment,
  fulfillQuorum,
  type FulfillQuorumParameters,
  type FulfillQuorumReturnType,
  type FulfillQuorumErrorType,
} from "./actions/fulfillQuorum.js";
export {
  fulfillQuorumSync,
  type FulfillQuorumSyncParameters,
  type FulfillQuorumSyncReturnType,
  type FulfillQuorumSyncErrorType,
} from "./actions/fulfillQuorumSync.js";
export {
  prepareTeeFulfillment,
  fulfillTee,
  type TeeSigner,
  type FulfillTeeParameters,
  type FulfillTeeReturnType,
  type FulfillTeeErrorType,
} from "./actions/fulfillTee.js";
export {
  fulfillTeeSync,
  type FulfillTeeSyncParameters,
  type FulfillTeeSyncReturnType,
  type FulfillTeeSyncErrorType,
} from "./actions/fulfillTeeSync.js";
export {
  prepareZkFulfillment,
  fulfillZk,
  type FulfillZkParameters,
  type FulfillZkReturnType,
  type FulfillZkErrorType,
} from "./actions/fulfillZk.js";
export {
  getJob,
  type GetJobParameters,
  type GetJobReturnType,
  type GetJobErrorType,
} from "./actions/getJob.js";
export {
  getJobHistory,
  describeJobEvent,
  type GetJobHistoryParameters,
  type GetJobHistoryReturnType,
  type GetJobHistoryErrorType,
  type JobHistoryEvent,
  type JobHistoryEventKind,
} from "./actions/getJobHistory.js";
export {
  listJobs,
  type ListJobsParameters,
  type ListJobsReturnType,
  type ListJobsErrorType,
  type JobSummary,
} from "./actions/listJobs.js";
export {
  getModelVersion,
  type GetModelVersionParameters,
  type GetModelVersionReturnType,
  type GetModelVersionErrorType,
} from "./actions/getModelVersion.js";
export {
  getIoSignature,
  type GetIoSignatureParameters,
  type GetIoSignatureReturnType,
  type GetIoSignatureErrorType,
} from "./actions/getIoSignature.js";
export {
  getServingOperators,
  type GetServingOperatorsParameters,
  type GetServingOperatorsReturnType,
  type GetServingOperatorsErrorType,
  type ServingOperator,
} from "./actions/getServingOperators.js";
// BATCH mode: HTTP inference with signed receipts, vouchers, settlement and receipt verification.
export {
  depositBatch,
  type DepositBatchParameters,
  type DepositBatchReturnType,
  type DepositBatchErrorType,
} from "./actions/depositBatch.js";
export {
  requestBatchWithdrawal,
  type RequestBatchWithdrawalParameters,
  type RequestBatchWithdrawalReturnType,
  type RequestBatchWithdrawalErrorType,
} from "./actions/requestBatchWithdrawal.js";
export {
  withdrawBatch,
  type WithdrawBatchParameters,
  type WithdrawBatchReturnType,
  type WithdrawBatchErrorType,
} from "./actions/withdrawBatch.js";
export {
  bondBatch,
  type BondBatchParameters,
  type BondBatchReturnType,
  type BondBatchErrorType,
} from "./actions/bondBatch.js";
export {
  claimVoucher,
  type ClaimVoucherParameters,
  type ClaimVoucherReturnType,
  type ClaimVoucherErrorType,
} from "./actions/claimVoucher.js";
export {
  settleBatch,
  type SettleBatchParameters,
  type SettleBatchReturnType,
  type SettleBatchErrorType,
} from "./actions/settleBatch.js";
export {
  getChannel,
  type GetChannelParameters,
  type GetChannelReturnType,
  type GetChannelErrorType,
} from "./actions/getChannel.js";
export {
  infer,
  type InferParameters,
  type InferReturnType,
  type InferErrorType,
} from "./actions/infer.js";
export {
  verifyReceipt,
  type VerifyReceiptParameters,
  type VerifyReceiptReturnType,
  type ReceiptCheckName,
  type VerifyReceiptErrorType,
} from "./actions/verifyReceipt.js";
export {
  type Receipt,
  type ReceiptJson,
  type Voucher,
  type BatchRoot,
  type BatchDocument,
  BATCH_DOCUMENT_FORMAT,
  batchDomain,
  batchDomainSeparator,
  receiptTypes,
  voucherTypes,
  batchRootTypes,
  receiptTypedData,
  voucherTypedData,
  batchRootTypedData,
  receiptDigest,
  voucherDigest,
  receiptLeaf,
  receiptLeafValues,
  receiptTree,
  type ReceiptTree,
  receiptProof,
  receiptToJson,
  receiptFromJson,
  recoverReceiptSigner,
  recoverVoucherSigner,
  encodeBatchDocument,
  parseBatchDocument,
  RECEIPT_LEAF_ENCODING,
} from "./proofs/batch.js";
export {
  announceService,
  DEFAULT_SERVICE_PERIOD_SECONDS,
  MAX_SERVICE_PERIOD_SECONDS,
  type AnnounceServiceParameters,
  type AnnounceServiceReturnType,
  type AnnounceServiceErrorType,
} from "./actions/announceService.js";
export {
  getOptimisticJobData,
  type GetOptimisticJobDataParameters,
  type GetOptimisticJobDataReturnType,
  type GetOptimisticJobDataErrorType,
} from "./actions/getOptimisticJobData.js";
export {
  getProposal,
  type GetProposalParameters,
  type GetProposalReturnType,
  type GetProposalErrorType,
} from "./actions/getProposal.js";
export {
  getQuorumJobData,
  type GetQuorumJobDataParameters,
  type GetQuorumJobDataReturnType,
  type GetQuorumJobDataErrorType,
} from "./actions/getQuorumJobData.js";
export {
  getTeeJobData,
  type GetTeeJobDataParameters,
  type GetTeeJobDataReturnType,
  type GetTeeJobDataErrorType,
} from "./actions/getTeeJobData.js";
export {
  getZkJobData,
  type GetZkJobDataParameters,
  type GetZkJobDataReturnType,
  type GetZkJobDataErrorType,
} from "./actions/getZkJobData.js";
export {
  prepareProposal,
  proposeResult,
  type ProposeResultParameters,
  type ProposeResultReturnType,
  type ProposeResultErrorType,
} from "./actions/proposeResult.js";
export {
  proposeResultSync,
  type ProposeResultSyncParameters,
  type ProposeResultSyncReturnType,
  type ProposeResultSyncErrorType,
} from "./actions/proposeResultSync.js";
export {
  versionParams,
  publishVersion,
  type PublishVersionParameters,
  type PublishVersionReturnType,
  type PublishVersionErrorType,
} from "./actions/publishVersion.js";
export {
  publishVersionSync,
  type PublishVersionSyncParameters,
  type PublishVersionSyncReturnType,
  type PublishVersionSyncErrorType,
} from "./actions/publishVersionSync.js";
export {
  refund,
  type RefundParameters,
  type RefundReturnType,
  type RefundErrorType,
} from "./actions/refund.js";
export {
  registerEnclaveKey,
  type EnclaveKeyProof,
  type EnclaveAttestationParameters,
  type RegisterEnclaveKeyParameters,
  type RegisterEnclaveKeyReturnType,
  type RegisterEnclaveKeyErrorType,
} from "./actions/registerEnclaveKey.js";
export {
  getEnclaveKeyHistory,
  type EnclaveKeyEvent,
  type GetEnclaveKeyHistoryParameters,
  type GetEnclaveKeyHistoryReturnType,
  type GetEnclaveKeyHistoryErrorType,
} from "./actions/getEnclaveKeyHistory.js";
export {
  reattestEnclaveKey,
  type ReattestEnclaveKeyParameters,
  type ReattestEnclaveKeyReturnType,
  type ReattestEnclaveKeyErrorType,
} from "./actions/reattestEnclaveKey.js";
export {
  revokeEnclaveKey,
  type RevokeEnclaveKeyParameters,
  type RevokeEnclaveKeyReturnType,
  type RevokeEnclaveKeyErrorType,
} from "./actions/revokeEnclaveKey.js";
export {
  publishVerifyingKey,
  type PublishVerifyingKeyParameters,
  type PublishVerifyingKeyReturnType,
  type PublishVerifyingKeyErrorType,
} from "./actions/publishVerifyingKey.js";
export {
  releaseEnclaveKey,
  type ReleaseEnclaveKeyParameters,
  type ReleaseEnclaveKeyReturnType,
  type ReleaseEnclaveKeyErrorType,
} from "./actions/releaseEnclaveKey.js";
export {
  disputeTeeResult,
  type DisputeTeeResultParameters,
  type DisputeTeeResultReturnType,
  type DisputeTeeResultErrorType,
} from "./actions/disputeTeeResult.js";
export {
  registerModel,
  type RegisterModelParameters,
  type RegisterModelReturnType,
  type RegisterModelErrorType,
} from "./actions/registerModel.js";
export {
  registerModelSync,
  type RegisterModelSyncParameters,
  type RegisterModelSyncReturnType,
  type RegisterModelSyncErrorType,
} from "./actions/registerModelSync.js";
export {
  prepareInferenceRequest,
  sendInferenceRequest,
  requestInference,
  type RequestInferenceParameters,
  type RequestInferenceReturnType,
  type RequestInferenceErrorType,
  type InferenceRequestStruct,
  type PreparedInferenceRequest,
} from "./actions/requestInference.js";
export {
  requestInferenceSync,
  type RequestInferenceSyncParameters,
  type RequestInferenceSyncReturnType,
  type RequestInferenceSyncErrorType,
} from "./actions/requestInferenceSync.js";
export {
  prepareResolution,
  resolveChallenge,
  type ResolveChallengeParameters,
  type ResolveChallengeReturnType,
  type ResolveChallengeErrorType,
} from "./actions/resolveChallenge.js";
export {
  revokeMeasurement,
  type RevokeMeasurementParameters,
  type RevokeMeasurementReturnType,
  type RevokeMeasurementErrorType,
} from "./actions/revokeMeasurement.js";
export {
  setMeasurementAllowed,
  type SetMeasurementAllowedParameters,
  type SetMeasurementAllowedReturnType,
  type SetMeasurementAllowedErrorType,
} from "./actions/setMeasurementAllowed.js";
export {
  stake,
  type StakeParameters,
  type StakeReturnType,
  type StakeErrorType,
} from "./actions/stake.js";
export {
  verifyJob,
  type VerifyJobParameters,
  type VerifyJobReturnType,
  type VerifyJobErrorType,
} from "./actions/verifyJob.js";
export {
  waitForResult,
  defaultPollingInterval,
  LOCAL_POLLING_INTERVAL,
  MAX_DEFAULT_POLLING_INTERVAL,
  type WaitForResultParameters,
  type WaitForResultReturnType,
  type WaitForResultErrorType,
} from "./actions/waitForResult.js";
export {
  watchJobs,
  type WatchJobsParameters,
  type WatchJobsReturnType,
  type WatchJobsErrorType,
} from "./actions/watchJobs.js";
export {
  withdraw,
  type WithdrawParameters,
  type WithdrawReturnType,
  type WithdrawErrorType,
} from "./actions/withdraw.js";
export {
  withdrawModelEarnings,
  type WithdrawModelEarningsParameters,
  type WithdrawModelEarningsReturnType,
  type WithdrawModelEarningsErrorType,
} from "./actions/withdrawModelEarnings.js";
export {
  withdrawSlashCredit,
  type WithdrawSlashCreditParameters,
  type WithdrawSlashCreditReturnType,
  type WithdrawSlashCreditErrorType,
} from "./actions/withdrawSlashCredit.js";

export type { TensorData } from "./internal/data.js";
export type { JobWriteErrorType, WriteErrorType } from "./errors/write.js";
export type { ProofOrAttestation } from "./internal/groth16.js";
export type { RequestedJob } from "./internal/jobs.js";
export type { ApproveMode } from "./internal/allowance.js";

// decorator and deployment
export {
  verityActions,
  type VerityActionsConfig,
  type VerityActions,
} from "./decorators/verity.js";
export {
  deployVerity,
  DEFAULT_MIN_BOND,
  DEFAULT_MIN_TEE_STAKE,
  DEFAULT_KEY_LIFETIME,
  type DeployVerityParameters,
  type VerityDeployment,
} from "./deploy.js";
