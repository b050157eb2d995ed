// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IResultVerifier} from "./IResultVerifier.sol";

/// @title IZkVerifier
/// @notice ZK mode for the "mlp-4-8-3-int8" architecture (circuits/mlp_4_8_3.circom): a result counts when a
/// Groth16 proof shows that the model committed to by the job's model version maps the job's input to the claimed
/// output. The Groth16 verifier contract and the model commitment are read from the version in the model registry
/// (the hub that calls `verifyResult`).
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
/// ```
///
/// @dev Events: `verifyResult` is a view (the hub emits `InferenceFulfilled`, the proof is in its calldata), so the
/// only event is the deployment record `ZkVerifierDeployed`.
interface IZkVerifier is IResultVerifier {
    /// @notice Which tensor of the attestation an error is about.
    enum TensorRole {
        Input,
        Output
    }

    /// @notice Emitted once, by the constructor, so indexers can discover the verifier and its parameters.
    /// @param architecture The model architecture it verifies (`keccak256("mlp-4-8-3-int8")`).
    /// @param proofGasCap The gas given to the Groth16 verifier call.
    event ZkVerifierDeployed(bytes32 indexed architecture, uint256 proofGasCap);

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
    /// the model commitment (a free bytes32 in the registry) can reach this; the packed tensors are below 2^96.
    /// @param index 0 commitment, 1 packedInput, 2 packedOutput.
    /// @param value The signal.
    error ZkPublicSignalOutOfField(uint256 index, uint256 value);

    /// @notice Fewer than `PROOF_GAS_CAP` gas would reach the Groth16 verifier, so its answer could not be trusted
    /// to mean "invalid": send the transaction with more gas.
    /// @param available Gas left before the call.
    /// @param required Gas needed before the call.
    error ZkInsufficientGas(uint256 available, uint256 required);

    /// @notice The Groth16 verifier rejected the proof for these public signals (wrong input, output or model, a
    /// tampered or off-curve proof), failed, or ran out of its gas cap.
    /// @param jobId The job.
    /// @param zkVerifier The version's Groth16 verifier that was called.
    error ZkProofInvalid(uint256 jobId, address zkVerifier);

    /// @notice The gas given to the version's Groth16 verifier. A snarkjs verifier with 3 public signals needs
    /// about 205k (4-pair pairing 181k, 3 scalar multiplications 18k); an invalid curve point makes the pairing
    /// precompile consume all the gas it is given, so the cap bounds what a bad proof (or a hostile verifier
    /// contract) can burn.
    function PROOF_GAS_CAP() external view returns (uint256);

    /// @notice The public signals a proof must carry for these tensors and model commitment, computed exactly as
    /// `verifyResult` does (same checks, same errors, role-tagged). For tooling and tests.
    /// @param input Canonical int8 [1,4] tensor bytes.
    /// @param output Canonical int32 [1,3] tensor bytes.
    /// @param commitment The model commitment.
    /// @return signals [commitment, packedInput, packedOutput].
    function publicSignals(bytes calldata input, bytes calldata output, bytes32 commitment)
        external
        pure
        returns (uint256[3] memory signals);
}
