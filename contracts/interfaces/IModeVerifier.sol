// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IResultVerifier} from "./IResultVerifier.sol";

/// @title IModeVerifier
/// @notice The verifier of a mode the hub does not verify itself (every mode but TEE and QUORUM). Besides verifying
/// results, it vets each request of its mode: the hub calls `checkRequest` before it accepts the fee, so a job the
/// mode could never settle (parameters out of range, an input outside a circuit's domain, a circuit governance did
/// not allow) is refused up front rather than left to expire.
interface IModeVerifier is IResultVerifier {
    /// @notice Reverts with the verifier's own custom error unless a request with these terms can be settled.
    /// Called by the hub, which is also the model registry (`msg.sender`), with STATICCALL semantics.
    /// @param modelId The model.
    /// @param version The version.
    /// @param params The request's mode parameters.
    /// @param input The inline input bytes (empty when the input is given by URI).
    function checkRequest(bytes32 modelId, uint32 version, uint256 params, bytes calldata input) external view;
}
