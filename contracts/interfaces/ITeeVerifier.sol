// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IResultVerifier} from "./IResultVerifier.sol";

/// @title ITeeVerifier
/// @notice TEE mode: a result counts when an enclave key signed `Result(jobId, modelId, version, inputHash,
/// outputHash, outputURIHash)` under the hub's EIP-712 domain, and the key is active in the EnclaveRegistry: its
/// attestation evidence was verified for a code measurement governance approved, it has not expired, its
/// operator's stake is locked behind it, and the model owner allowed the measurement for the model version.
/// The attestation is the 65-byte signature (r, s, v); the key's measurement is looked up in the registry.
interface ITeeVerifier is IResultVerifier {
    /// @notice Emitted when a model owner allows or disallows a measurement for a model version.
    /// @param modelId The model.
    /// @param version The version.
    /// @param measurement The enclave code measurement.
    /// @param allowed Whether results from enclaves with this measurement count for the version.
    event TeeMeasurementPolicyUpdated(
        bytes32 indexed modelId, uint32 indexed version, bytes32 indexed measurement, bool allowed
    );

    /// @notice The attestation is not 65 bytes.
    /// @param length Its length.
    error TeeInvalidAttestationLength(uint256 length);
    /// @notice The signature is malformed (bad length, high s, or recovers to nobody).
    error TeeInvalidSignature();
    /// @notice The recovered key is not registered, or was revoked or slashed.
    /// @param key The recovered signer.
    error TeeUnknownKey(address key);
    /// @notice The key's attestation has expired; its operator must re-attest it (`reattestEnclaveKey`).
    /// @param key The key.
    /// @param expiresAt When it expired.
    error TeeKeyExpired(address key, uint64 expiresAt);
    /// @notice The measurement is not approved by governance (unknown or revoked).
    /// @param measurement The measurement.
    /// @param status Its status in the EnclaveRegistry (0 unknown, 2 revoked).
    error TeeMeasurementNotApproved(bytes32 measurement, uint8 status);
    /// @notice The model owner has not allowed the measurement for this model version.
    /// @param modelId The model.
    /// @param version The version.
    /// @param measurement The measurement.
    error TeeMeasurementNotAllowed(bytes32 modelId, uint32 version, bytes32 measurement);
    /// @notice Only the model's owner may change its measurement policy.
    /// @param modelId The model.
    /// @param caller The caller.
    error TeeNotModelOwner(bytes32 modelId, address caller);
    /// @notice The measurement was never approved by governance, so no policy can name it.
    /// @param measurement The measurement.
    error TeeUnknownMeasurement(bytes32 measurement);
    /// @notice The policy already has this value.
    /// @param modelId The model.
    /// @param version The version.
    /// @param measurement The measurement.
    error TeeInvalidPolicyUpdate(bytes32 modelId, uint32 version, bytes32 measurement);

    /// @notice Allows or disallows results from enclaves with `measurement` for a model version. Only the model
    /// owner. A model version's file never changes; this policy lets its owner follow enclave software updates.
    /// @param modelId The model.
    /// @param version The version.
    /// @param measurement The measurement.
    /// @param allowed The new policy.
    function setMeasurementAllowed(bytes32 modelId, uint32 version, bytes32 measurement, bool allowed) external;

    /// @notice Whether results from `measurement` count for the model version.
    /// @param modelId The model.
    /// @param version The version.
    /// @param measurement The measurement.
    function isMeasurementAllowed(bytes32 modelId, uint32 version, bytes32 measurement) external view returns (bool);

    /// @notice The EIP-712 typehash of a result.
    function RESULT_TYPEHASH() external view returns (bytes32);

    /// @notice The EIP-712 digest an enclave signs for a result recorded by `hub`.
    /// @param hub The hub (the domain's verifyingContract).
    /// @param jobId The job.
    /// @param modelId The model.
    /// @param version The version.
    /// @param inputHash The input hash.
    /// @param outputHash The output hash.
    /// @param outputURIHash keccak256 of the output URI (of "" for inline output): the delivery form.
    function resultDigest(
        address hub,
        uint256 jobId,
        bytes32 modelId,
        uint32 version,
        bytes32 inputHash,
        bytes32 outputHash,
        bytes32 outputURIHash
    ) external view returns (bytes32);
}
