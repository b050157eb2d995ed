// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IInferenceConsumer
/// @notice Implemented by contracts that receive inference results from the hub by callback.
interface IInferenceConsumer {
    /// @notice Called by the hub once a job's result is recorded, with exactly the gas the request asked for.
    /// A revert here is recorded by the hub in `CallbackFailed`; it never undoes the result.
    /// @param jobId The job.
    /// @param outputHash keccak256 of the canonical output tensor bytes.
    /// @param output The output tensor bytes, or empty when the operator delivered the output by URI.
    function onInferenceResult(uint256 jobId, bytes32 outputHash, bytes calldata output) external;
}
