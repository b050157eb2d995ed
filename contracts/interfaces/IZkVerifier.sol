// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IModeVerifier} from "./IModeVerifier.sol";

/// @title IZkVerifier
/// @notice ZK mode for the "mlp-4-8-3-int8" architecture (circuits/mlp_4_8_3.circom): a result counts when a
/// Groth16 proof shows that the model committed to by the job's model version maps the job's input to the claimed
/// output, for this job and this submitter. The Groth16 verifier contract, the model commitment and the verifying key
/// hash are read from the version in the model registry (the hub that calls `verifyResult`).
///
/// Circuits: a version's Groth16 verifier counts only if governance allowed its runtime code hash together with the
/// version's declared verifying key hash (`setCircuitAllowed`): a model owner cannot name a verifier that accepts
/// anything, nor declare a verifying key other than the one the verifier embeds.
///
/// Attestation: `abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c, bytes input, bytes output)`
/// - `a`, `b`, `c`: the proof as the snarkjs Solidity verifier takes it (`b` with each G2 coordinate's limbs in
///   EIP-197 order, see `encodeProofForSolidity` in sdk/src/proofs/zk.ts);
/// - `input`: the canonical input tensor bytes (int8, shape [1,4]); `keccak256(input)` must be the job's
///   `inputHash` (the hub keeps only the hash, so the bytes travel with the proof);
/// - `output`: the canonical output tensor bytes (int32, shape [1,3]); `keccak256(output)` must be the claimed
///   `outputHash`.
///
/// Public signals, in the circuit's order (identical to `zkPublicSignals` in sdk/src/proofs/zk.ts):
/// ```
/// commitment   = uint256(version.zkModelCommitment)
/// packedInput  = sum_{i=0..3} (x[i] + 128)   * 2^(8i)
/// packedOutput = sum_{k=0..2} (y[k] + 2^31)  * 2^(32k)
/// jobId        = job.jobId
/// submitter    = uint256(uint160(job.submitter))      the account that called the hub (and is credited)
/// ```
/// The last two bind a proof to one job and one sender: a proof copied from a pending transaction fails for the
/// copier's account, and one read from an old fulfilment fails for any other job.
///
/// @dev Events: `verifyResult` is a view (the hub emits `InferenceFulfilled`, the proof is in its calldata), so the
/// events are the deployment record `ZkVerifierDeployed` and governance's `ZkCircuitPolicyUpdated`.
interface IZkVerifier is IModeVerifier {
    /// @notice ZK requests take no mode parameters.
    /// @param params The parameters given.
    error ZkInvalidParams(uint256 params);
    /// @notice Which tensor of the attestation an error is about.
    enum TensorRole {
        Input,
        Output
    }

    /// @notice Emitted once, by the constructor, so indexers can discover the verifier and its parameters.
    /// @param architecture The model architecture it verifies (`keccak256("mlp-4-8-3-int8")`).
    /// @param proofGasCap The gas given to the Groth16 verifier call.
    event ZkVerifierDeployed(bytes32 indexed architecture, uint256 proofGasCap);

    /// @notice Governance allowed or disallowed a Groth16 verifier, by its runtime code hash, for the verifying key
    /// it embeds.
    /// @param codehash The verifier's runtime code hash (`EXTCODEHASH`).
    /// @param verifyingKeyHash The hash of the verifying key it embeds (`vkeyHash` in sdk/src/proofs/zk.ts).
    /// @param allowed Whether versions naming such a verifier and key hash are now verified.
    event ZkCircuitPolicyUpdated(bytes32 indexed codehash, bytes32 indexed verifyingKeyHash, bool allowed);

    /// @notice A verifying key was published, so that anyone can verify proofs from chain data alone (the SDK's
    /// `verifyJob` reads it). The key is self-authenticating: its hash is `keccak256(verifyingKey)`, the hash a model
    /// version records, so who published it does not matter.
    /// @param verifyingKeyHash `keccak256(verifyingKey)`.
    /// @param verifyingKey `abi.encode(uint256[2] alpha1, uint256[2][2] beta2, uint256[2][2] gamma2,
    /// uint256[2][2] delta2, uint256[2][] ic)` (`encodeVerifyingKey` in sdk/src/proofs/zk.ts).
    event ZkVerifyingKeyPublished(bytes32 indexed verifyingKeyHash, bytes verifyingKey);

    /// @notice `publishVerifyingKey` was given bytes that are not the canonical encoding of a verifying key with at
    /// least one IC point: 16 + 2n words, the dynamic array's offset 0x1e0 and its length n.
    /// @param length The length given, in bytes.
    error ZkVerifyingKeyMalformed(uint256 length);

    /// @notice The attestation is not `abi.encode(uint256[2], uint256[2][2], uint256[2], bytes, bytes)`: too short,
    /// or an offset or length points outside it.
    /// @param length The attestation's length in bytes.
    error ZkMalformedAttestation(uint256 length);

    /// @notice keccak256 of the attestation's input bytes is not the job's input hash.
    /// @param jobId The job.
    /// @param expected The job's `inputHash`.
    /// @param actual keccak256 of the input bytes given.
    error ZkInputHashMismatch(uint256 jobId, bytes32 expected, bytes32 actual);
    /// @notice A ZK result must be delivered inline: the attestation carries the output bytes, so a copier of the
    /// attestation cannot deliver it by URI and leave the consumer's callback without them.
    /// @param jobId The job.
    /// @param outputURIHash keccak256 of the URI given.
    error ZkOutputNotInline(uint256 jobId, bytes32 outputURIHash);

    /// @notice keccak256 of the attestation's output bytes is not the claimed output hash.
    /// @param jobId The job.
    /// @param expected The claimed `outputHash` (the hub's hash of the result).
    /// @param actual keccak256 of the output bytes given.
    error ZkOutputHashMismatch(uint256 jobId, bytes32 expected, bytes32 actual);

    /// @notice The bytes are not a canonical tensor encoding (see sdk/src/encoding/tensor.ts).
    /// @param role Input or output.
    /// @param length Their length in bytes.
    error ZkTensorNotCanonical(TensorRole role, uint256 length);

    /// @notice The tensor is canonical but not of the circuit's dtype and shape (input int8 [1,4], output int32
    /// [1,3]).
    /// @param role Input or output.
    /// @param dtype Its dtype code (1 int8, 2 int16, 3 int32, 4 int64, 5 uint8).
    /// @param shape Its shape.
    /// @param expectedDtype The dtype code the circuit takes.
    /// @param expectedShape The shape the circuit takes.
    error ZkUnexpectedTensorType(
        TensorRole role, uint8 dtype, uint32[] shape, uint8 expectedDtype, uint32[] expectedShape
    );

    /// @notice A public signal is not below the BN254 scalar field modulus, so it would alias another value. Only
    /// the model commitment (a free bytes32 in the registry) and the job id can reach this; the packed tensors are
    /// below 2^96 and the submitter below 2^160.
    /// @param index 0 commitment, 1 packedInput, 2 packedOutput, 3 jobId, 4 submitter.
    /// @param value The signal.
    error ZkPublicSignalOutOfField(uint256 index, uint256 value);

    /// @notice The version's Groth16 verifier is not allowed by governance for the verifying key hash the version
    /// declares (or the version has no ZK circuit: all three are zero).
    /// @param verifier The version's Groth16 verifier contract.
    /// @param codehash Its runtime code hash (zero for an account that does not exist).
    /// @param verifyingKeyHash The verifying key hash the version declares.
    error ZkCircuitNotAllowed(address verifier, bytes32 codehash, bytes32 verifyingKeyHash);

    /// @notice A circuit cannot be allowed with a zero code hash, the code hash of an account without code, or a zero
    /// verifying key hash.
    /// @param codehash The code hash given.
    /// @param verifyingKeyHash The verifying key hash given.
    error ZkInvalidCircuit(bytes32 codehash, bytes32 verifyingKeyHash);

    /// @notice The circuit is already allowed (or already not allowed): the update would change nothing.
    /// @param codehash The code hash given.
    /// @param verifyingKeyHash The verifying key hash given.
    /// @param allowed The state asked for, which is the current one.
    error ZkCircuitPolicyUnchanged(bytes32 codehash, bytes32 verifyingKeyHash, bool allowed);

    /// @notice Governance cannot renounce ownership: the circuit allow-list would be frozen for ever.
    error ZkRenounceDisabled();

    /// @notice Fewer than `PROOF_GAS_CAP` gas would reach the Groth16 verifier, so its answer could not be trusted
    /// to mean "invalid": send the transaction with more gas.
    /// @param available Gas left before the call.
    /// @param required Gas needed before the call.
    error ZkInsufficientGas(uint256 available, uint256 required);

    /// @notice The Groth16 verifier rejected the proof for these public signals (wrong input, output or model, a proof
    /// made for another job or another submitter, a tampered or off-curve proof), failed, or ran out of its gas cap.
    /// @param jobId The job.
    /// @param zkVerifier The version's Groth16 verifier that was called.
    error ZkProofInvalid(uint256 jobId, address zkVerifier);

    /// @notice The gas given to the version's Groth16 verifier. A snarkjs verifier with 5 public signals needs
    /// about 219k (4-pair pairing 181k, 5 scalar multiplications 31k); an invalid curve point makes the pairing
    /// precompile consume all the gas it is given, so the cap bounds what a bad proof (or a hostile verifier
    /// contract) can burn.
    function PROOF_GAS_CAP() external view returns (uint256);

    /// @notice Allows or disallows a Groth16 verifier, by its runtime code hash, for the verifying key it embeds.
    /// Only governance (the owner). Governance checks off chain that the code is a snarkjs Groth16 verifier of the
    /// mlp-4-8-3-int8 circuit's public signals (no `DELEGATECALL`, no `SELFDESTRUCT`) and that its constants are the
    /// key with that hash. Emits `ZkCircuitPolicyUpdated`.
    /// @param codehash The verifier's runtime code hash (`keccak256` of its deployed bytecode).
    /// @param verifyingKeyHash The hash of the verifying key it embeds (`vkeyHash` in sdk/src/proofs/zk.ts).
    /// @param allowed Whether versions naming such a verifier with this key hash are verified.
    function setCircuitAllowed(bytes32 codehash, bytes32 verifyingKeyHash, bool allowed) external;

    /// @notice Publishes a verifying key in an event, for verifiers off chain. Anyone may call it (the key is
    /// identified by its hash); it stores nothing. Emits `ZkVerifyingKeyPublished`.
    /// @param verifyingKey The key's canonical encoding (see `ZkVerifyingKeyPublished`).
    /// @return verifyingKeyHash `keccak256(verifyingKey)`.
    function publishVerifyingKey(bytes calldata verifyingKey) external returns (bytes32 verifyingKeyHash);

    /// @notice Whether governance allows a Groth16 verifier with this runtime code hash for this verifying key hash.
    /// @param codehash A runtime code hash.
    /// @param verifyingKeyHash A verifying key hash.
    /// @return allowed Whether it is allowed.
    function isCircuitAllowed(bytes32 codehash, bytes32 verifyingKeyHash) external view returns (bool allowed);

    /// @notice Reverts, with the errors `verifyResult` would use, unless a ZK proof can settle a job for this
    /// version and input: the version names an allowed circuit (`ZkCircuitNotAllowed`), its commitment is a field
    /// element (`ZkPublicSignalOutOfField`), and `input` is a canonical int8 [1,4] tensor (`ZkTensorNotCanonical`,
    /// `ZkUnexpectedTensorType`). For request-time checks by a mode whose jobs a proof settles (an OPTIMISTIC
    /// challenge), so that a job no proof could settle is refused before it is paid for.
    /// @param modelRegistry The model registry to read the version from (the hub). A non-registry makes the call
    /// revert without data.
    /// @param modelId The model.
    /// @param version The version.
    /// @param input The request's inline input bytes.
    function checkRequest(address modelRegistry, bytes32 modelId, uint32 version, bytes calldata input) external view;

    /// @notice The public signals a proof must carry for these tensors, model commitment and job binding, computed
    /// exactly as `verifyResult` does (same checks, same errors, role-tagged). For tooling and tests.
    /// @param input Canonical int8 [1,4] tensor bytes.
    /// @param output Canonical int32 [1,3] tensor bytes.
    /// @param commitment The model commitment.
    /// @param jobId The hub's job id.
    /// @param submitter The account that calls the hub with the proof.
    /// @return signals [commitment, packedInput, packedOutput, jobId, submitter].
    function publicSignals(
        bytes calldata input,
        bytes calldata output,
        bytes32 commitment,
        uint256 jobId,
        address submitter
    ) external pure returns (uint256[5] memory signals);
}
