// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ITeeVerifier} from "../interfaces/ITeeVerifier.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {HubSignatures} from "../libraries/HubSignatures.sol";

/// @title TeeVerifier
/// @notice Verifies enclave-signed results for the TEE mode.
/// @dev Abstract: it lives in the contract that holds the enclave keys and measurement approvals
/// (EnclaveRegistry), so a fulfilment makes one cold call for the whole TEE check. The inheriting contract supplies
/// `_enclaveOperator` and `_modelRegistry`, and routes `verifyResult` to `_verifyTee`.
///
/// The EIP-712 domain is the calling hub's (`{name: "Verity", version: "1", chainId, verifyingContract: hub}`,
/// with `hub = msg.sender`), so a signature is bound to one hub on one chain; the struct binds it to one job,
/// model version, input and output.
abstract contract TeeVerifier is ITeeVerifier {
    /// @inheritdoc ITeeVerifier
    bytes32 public constant RESULT_TYPEHASH =
        keccak256(
            "Result(uint256 jobId,bytes32 modelId,uint32 version,bytes32 inputHash,bytes32 outputHash,bytes32 outputURIHash)"
        );
    uint256 private constant _ATTESTATION_LENGTH = 65;

    mapping(bytes32 policyKey => bool) private _allowed;

    /// @dev `IResultVerifier.verifyResult` for a TEE job: the attestation is the enclave's 65-byte signature.
    function _verifyTee(Job calldata job, bytes calldata attestation)
        internal
        view
        returns (address[] memory operators)
    {
        if (attestation.length != _ATTESTATION_LENGTH) revert TeeInvalidAttestationLength(attestation.length);
        bytes32 digest =
            _resultDigest(msg.sender, job.jobId, job.modelId, job.version, job.inputHash, job.outputHash, job.outputURIHash);
        address key = _recover(digest, attestation);

        (address operator, uint32 measurementId) = _enclaveOperator(key);
        if (!_allowed[_policyKey(job.modelId, job.version, measurementId)]) {
            revert TeeMeasurementNotAllowed(job.modelId, job.version, _measurementHash(measurementId));
        }
        operators = new address[](1);
        operators[0] = operator;
    }

    /// @inheritdoc ITeeVerifier
    function setMeasurementAllowed(bytes32 modelId, uint32 version, bytes32 measurement, bool allowed) external {
        IModelRegistry models = _modelRegistry();
        if (models.ownerOf(modelId) != msg.sender) revert TeeNotModelOwner(modelId, msg.sender);
        uint32 measurementId = _measurementId(measurement);
        if (measurementId == 0) revert TeeUnknownMeasurement(measurement);
        bytes32 key = _policyKey(modelId, version, measurementId);
        if (_allowed[key] == allowed) revert TeeInvalidPolicyUpdate(modelId, version, measurement);
        // Reverts with ModelUnknownVersion when the version does not exist.
        models.getVersion(modelId, version);
        _allowed[key] = allowed;
        emit TeeMeasurementPolicyUpdated(modelId, version, measurement, allowed);
    }

    /// @inheritdoc ITeeVerifier
    function isMeasurementAllowed(bytes32 modelId, uint32 version, bytes32 measurement) external view returns (bool) {
        uint32 measurementId = _measurementId(measurement);
        return measurementId != 0 && _allowed[_policyKey(modelId, version, measurementId)];
    }

    /// @inheritdoc ITeeVerifier
    function resultDigest(
        address hub,
        uint256 jobId,
        bytes32 modelId,
        uint32 version,
        bytes32 inputHash,
        bytes32 outputHash,
        bytes32 outputURIHash
    ) external view returns (bytes32) {
        return _resultDigest(hub, jobId, modelId, version, inputHash, outputHash, outputURIHash);
    }

    /// @dev The operator running `key` and the id of the key's measurement, if the key is active, unexpired and its
    /// measurement approved; reverts with `TeeUnknownKey`, `TeeKeyExpired` or `TeeMeasurementNotApproved` otherwise.
    function _enclaveOperator(address key) internal view virtual returns (address operator, uint32 measurementId);

    /// @dev The registry's compact id of a measurement (0 if it was never approved).
    function _measurementId(bytes32 measurement) internal view virtual returns (uint32);

    /// @dev The measurement with a compact id.
    function _measurementHash(uint32 measurementId) internal view virtual returns (bytes32);

    /// @dev The model registry whose owners set measurement policies.
    function _modelRegistry() internal view virtual returns (IModelRegistry);

    function _resultDigest(
        address hub,
        uint256 jobId,
        bytes32 modelId,
        uint32 version,
        bytes32 inputHash,
        bytes32 outputHash,
        bytes32 outputURIHash
    ) internal view returns (bytes32) {
        return HubSignatures.jobDigest(RESULT_TYPEHASH, hub, jobId, modelId, version, inputHash, outputHash, outputURIHash);
    }

    /// @dev The signer of the 65-byte (r, s, v) signature, read straight from calldata (HubSignatures' rules).
    function _recover(bytes32 digest, bytes calldata signature) internal view returns (address signer) {
        uint256 offset;
        assembly ("memory-safe") {
            offset := signature.offset
        }
        signer = HubSignatures.recoverCalldata(digest, offset);
        if (signer == address(0)) revert TeeInvalidSignature();
    }

    function _policyKey(bytes32 modelId, uint32 version, uint32 measurement) private pure returns (bytes32 h) {
        // keccak256(abi.encode(modelId, version, measurementId)) in scratch memory.
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, modelId)
            mstore(add(m, 0x20), version)
            mstore(add(m, 0x40), measurement)
            h := keccak256(m, 0x60)
        }
    }
}
