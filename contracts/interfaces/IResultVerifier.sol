// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IResultVerifier
/// @notice One verifier contract per verification mode. The hub hands every result to the verifier of the job's
/// mode; the verifier either returns the operators that produced the result or reverts with its own custom error.
/// @dev Verifiers are called with STATICCALL semantics (`view`), so they cannot re-enter the hub or move funds.
interface IResultVerifier {
    /// @notice The facts of a job that a verifier checks an attestation against. All of them were committed at
    /// request time except `outputHash`, which the operator claims.
    /// @param jobId The hub's job identifier.
    /// @param modelId The model the requester asked for.
    /// @param version The model version the requester asked for.
    /// @param inputHash keccak256 of the canonical input tensor bytes.
    /// @param outputHash keccak256 of the canonical output tensor bytes claimed by the operator.
    /// @param params Mode parameters committed with the request (quorum threshold and minimum stake, or zero).
    /// @param submitter The account that called `fulfill` (credited by modes whose evidence names no operator).
    /// @param outputURIHash The delivery form: keccak256 of the output URI (of the empty string for inline output).
    /// Evidence must commit to it, so whoever re-sends an operator's attestation cannot strip the output bytes the
    /// consumer's callback receives, or point the URI elsewhere.
    struct Job {
        uint256 jobId;
        bytes32 modelId;
        uint32 version;
        bytes32 inputHash;
        bytes32 outputHash;
        uint256 params;
        address submitter;
        bytes32 outputURIHash;
    }

    /// @notice Verifies `attestation` for `job`; reverts with a custom error naming the fault when it does not hold.
    /// @param job The committed job facts and the claimed output hash.
    /// @param attestation Mode-specific evidence (signature, proof, signature set).
    /// @return operators The operators credited with the result; the operator share of the fee is split among them.
    function verifyResult(Job calldata job, bytes calldata attestation) external view returns (address[] memory operators);
}
