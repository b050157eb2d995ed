/**
 * `verity-inference-node`: the reference operator node and what it runs on. Node only (ONNX Runtime's native binding,
 * the file system, snarkjs for ZK proving); a dApp that only requests and verifies imports `verity` instead.
 */
export {
  createOperatorNode,
  operatorReward,
  type OperatorNode,
  type OperatorNodeOptions,
  type OperatorEvent,
  type OperatorStats,
  type ServedModel,
} from "./node.js";
export {
  createBatchServer,
  type BatchServer,
  type BatchServerOptions,
  type BatchServerEvent,
  type BatchServedModel,
} from "./batch/server.js";
export {
  createWatcher,
  type Watcher,
  type WatcherOptions,
  type WatcherEvent,
  type WatcherStats,
  type WatchedModel,
} from "./watcher.js";
export { publishVote, collectVotes, jobVotesDir, type CollectedVotes } from "./votes.js";
export {
  StateStore,
  readStateFile,
  OPEN_STATES,
  type JobRecord,
  type JobState,
  type SkipReason,
  type DoneOutcome,
} from "./store.js";
export {
  fetchArtifact,
  readUri,
  resolveFileUri,
  decodeDataUri,
  type FetchArtifactParameters,
  type UriScheme,
} from "./fetchModel.js";
export { encodeZkAttestation, zkArtifactsIn, DEFAULT_ZK_ARTIFACTS_DIR } from "../prover/artifacts.js";
export { zkVerifyingKeysFromFiles, REPO_VERIFYING_KEY_FILE } from "../prover/keys.js";
export {
  loadModel,
  runMlp,
  ModelInputError,
  type ModelInputErrorType,
  ModelRuntimeError,
  type ModelRuntimeErrorType,
  type ModelSession,
  type OnnxModel,
  type RuntimeOptions,
  type TensorSpec,
  checkModelInputs,
  jobInputs,
  jobOutputBytes,
  runModel,
} from "./runtime.js";
export {
  ArtifactFetchError,
  type ArtifactFetchErrorType,
  ArtifactHashMismatchError,
  type ArtifactHashMismatchErrorType,
  UnsupportedUriError,
  type UnsupportedUriErrorType,
  ZkCommitmentMismatchError,
  type ZkCommitmentMismatchErrorType,
  ResultMismatchError,
  type ResultMismatchErrorType,
  OperatorStateError,
  type OperatorStateErrorType,
  OperatorStateLockedError,
  type OperatorStateLockedErrorType,
  OperatorConfigError,
  type OperatorConfigErrorType,
  EvidenceSourceError,
  type EvidenceSourceErrorType,
  AttestationClaimError,
  type AttestationClaimErrorType,
} from "./errors.js";
// Attestation evidence from the enclave (or development evidence), and the claim / approval hand-off with attestors.
export * from "./attestation/index.js";
export { releaseZkWorkers } from "../proofs/zk.js";
export { proveMlp, modelCommitment, type ProveMlpReturnType } from "../prover/prove.js";
export { loadIrisModel, loadIrisOnnx, IRIS_MODEL_JSON_PATH, IRIS_MODEL_ONNX_PATH } from "../model/iris.js";
// The parts the node and the watcher are built from, for operators who compose their own service.
export { createChainReader, type ChainReader } from "./chain.js";
export { createModelCache, versionKey, type ModelCache, type ModelCacheOptions } from "./models.js";
export { createExecutor, type Executor, type Execution, type ProvenOutput, type ZkProver } from "./execute.js";
export { createBlockScanner, type BlockScanner, type BlockScannerOptions } from "./scanner.js";
export { createServiceLoop, createSerialQueue, Interrupted, type ServiceLoop, type ServiceLoopOptions } from "./loop.js";
export { createSubmitter, type Submitter, type SubmitterOptions, type HubCall } from "./submitter.js";
export { NODE_MODES, type NodeMode, type NodeContext, type ServingJob } from "./modes/index.js";
export { signingAccount, signingBackend, type SigningAccount } from "./signing.js";
