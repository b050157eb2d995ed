/**
 * The ZK mode's pure parts (`import { vkeyHash } from "verity-inference/zk"`): the verifying key's hash and canonical
 * encoding (what `ZkVerifier.publishVerifyingKey` publishes), the public signals' packing, Groth16 proof
 * verification (snarkjs, loaded on first use) and the ZK errors. `verifyJob` loads this module itself for ZK and
 * OPTIMISTIC jobs; import it to verify a proof or publish a key by hand. Proving is in verity-inference-node.
 */
export {
  BN254_BASE_FIELD,
  BN254_SCALAR_FIELD,
  ZK_CIRCUIT_NAME,
  ZK_INPUT_SHAPE,
  ZK_OUTPUT_SHAPE,
  ZK_PUBLIC_SIGNALS,
  decodeVerifyingKey,
  encodeProofForSolidity,
  encodeVerifyingKey,
  jobBindingSignals,
  packInput,
  packOutput,
  verifyMlpProof,
  vkeyHash,
  zkPublicSignals,
  type Groth16Proof,
  type Groth16VerifyingKey,
  type SolidityGroth16Proof,
  type VerifyMlpProofParameters,
  type ZkJobBinding,
  type ZkPublicSignals,
} from "./proofs/zk.js";
export {
  ZkProofError,
  ZkProofFormatError,
  ZkProvingError,
  ZkPublicSignalsError,
  ZkSetupError,
  ZkTensorError,
  ZkVerifyingKeyError,
  ZkWeightsError,
} from "./errors/zk.js";
// The ZK attestation in a fulfil transaction's calldata (the proof, input and output): what an explorer shows.
export { parseZkAttestation, type ZkAttestation } from "./proofs/zkAttestation.js";
