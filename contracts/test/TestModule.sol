// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IModeVerifier} from "../interfaces/IModeVerifier.sol";
import {NativeRefuser} from "./NativeRefuser.sol";

/// @title TestModule
/// @notice A mode verifier that accepts every request and every result (crediting the submitter), and calls
/// anything through `exec` (NativeRefuser's): a settlement module driven by a test (hold, settle, unlockStake,
/// slashStake with any arguments), or a permissive verifier governance might plug in. Tests only.
contract TestModule is IModeVerifier, NativeRefuser {
    /// @notice `checkRequest` refuses while `refuseRequests` is set.
    error TestModuleRefused(bytes32 modelId, uint32 version, uint256 params);

    /// @notice Whether `checkRequest` refuses.
    bool public refuseRequests;
    /// @notice Whether `verifyResult` accepts but credits nobody (an empty operator list).
    bool public creditNobody;

    /// @notice Makes `checkRequest` refuse (or accept again).
    function setRefuseRequests(bool refuse) external {
        refuseRequests = refuse;
    }

    /// @notice Makes `verifyResult` return no operator (or the submitter again).
    function setCreditNobody(bool nobody) external {
        creditNobody = nobody;
    }

    /// @inheritdoc IModeVerifier
    function checkRequest(bytes32 modelId, uint32 version, uint256 params, bytes calldata) external view {
        if (refuseRequests) revert TestModuleRefused(modelId, version, params);
    }

    /// @notice Accepts any attestation and credits the account that called the hub (nobody when `creditNobody`).
    function verifyResult(Job calldata job, bytes calldata) external view returns (address[] memory operators) {
        if (creditNobody) return operators;
        operators = new address[](1);
        operators[0] = job.submitter;
    }
}
