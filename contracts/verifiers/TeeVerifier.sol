// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IResultVerifier} from "../interfaces/IResultVerifier.sol";
import {ITeeVerifier} from "../interfaces/ITeeVerifier.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";

/// @title TeeVerifier
/// @notice Verifies enclave-signed results for the TEE mode.
/// @dev Abstract: it lives in the contract that holds the enclave keys and measurement approvals
/// (OperatorRegistry), so a fulfilment makes one cold call for the whole TEE check instead of two. The inheriting
/// contract supplies `_enclaveOperator` and `_modelRegistry`.
///
/// The EIP-712 domain is the calling hub's (`{name: "Verity", version: "1", chainId, verifyingContract: hub}`,
/// with `hub = msg.sender`), so a signature is bound to one hub on one chain; the struct binds it to one job,
/// model version, input and output.
abstract contract TeeVerifier is ITeeVerifier {
    /// @inheritdoc ITeeVerifier
    bytes32 public constant RESULT_TYPEHASH =
        keccak256("Result(uint256 jobId,bytes32 modelId,uint32 version,bytes32 inputHash,bytes32 outputHash)");
    bytes32 private constant _DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant _NAME_HASH = keccak256("Verity");
    bytes32 private constant _VERSION_HASH = keccak256("1");
    uint256 private constant _ATTESTATION_LENGTH = 97;

    mapping(bytes32 policyKey => bool) private _allowed;

    /// @inheritdoc IResultVerifier
    function verifyResult(Job calldata job, bytes calldata attestation)
        external
        view
        returns (address[] memory operators)
    {
        if (attestation.length != _ATTESTATION_LENGTH) revert TeeInvalidAttestationLength(attestation.length);
        bytes32 measurement = bytes32(attestation[:32]);
        bytes32 digest = _resultDigest(msg.sender, job.jobId, job.modelId, job.version, job.inputHash, job.outputHash);
        (address key, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, attestation[32:]);
        if (err != ECDSA.RecoverError.NoError) revert TeeInvalidSignature();

        address operator = _enclaveOperator(key, measurement);
        if (!_allowed[_policyKey(job.modelId, job.version, measurement)]) {
            revert TeeMeasurementNotAllowed(job.modelId, job.version, measurement);
        }
        operators = new address[](1);
        operators[0] = operator;
    }

    /// @inheritdoc ITeeVerifier
    function setMeasurementAllowed(bytes32 modelId, uint32 version, bytes32 measurement, bool allowed) external {
        IModelRegistry models = _modelRegistry();
        if (models.ownerOf(modelId) != msg.sender) revert TeeNotModelOwner(modelId, msg.sender);
        bytes32 key = _policyKey(modelId, version, measurement);
        if (_allowed[key] == allowed || measurement == bytes32(0)) {
            revert TeeInvalidPolicyUpdate(modelId, version, measurement);
        }
        // Reverts with ModelUnknownVersion when the version does not exist.
        models.getVersion(modelId, version);
        _allowed[key] = allowed;
        emit TeeMeasurementPolicyUpdated(modelId, version, measurement, allowed);
    }

    /// @inheritdoc ITeeVerifier
    function isMeasurementAllowed(bytes32 modelId, uint32 version, bytes32 measurement) external view returns (bool) {
        return _allowed[_policyKey(modelId, version, measurement)];
    }

    /// @inheritdoc ITeeVerifier
    function resultDigest(
        address hub,
        uint256 jobId,
        bytes32 modelId,
        uint32 version,
        bytes32 inputHash,
        bytes32 outputHash
    ) external view returns (bytes32) {
        return _resultDigest(hub, jobId, modelId, version, inputHash, outputHash);
    }

    /// @dev The operator running `key` if the key is registered for `measurement`, active, and the measurement is
    /// approved; reverts with `TeeUnknownKey` or `TeeMeasurementNotApproved` otherwise.
    function _enclaveOperator(address key, bytes32 measurement) internal view virtual returns (address);

    /// @dev The model registry whose owners set measurement policies.
    function _modelRegistry() internal view virtual returns (IModelRegistry);

    function _resultDigest(
        address hub,
        uint256 jobId,
        bytes32 modelId,
        uint32 version,
        bytes32 inputHash,
        bytes32 outputHash
    ) private view returns (bytes32) {
        bytes32 domain = keccak256(abi.encode(_DOMAIN_TYPEHASH, _NAME_HASH, _VERSION_HASH, block.chainid, hub));
        bytes32 structHash = keccak256(abi.encode(RESULT_TYPEHASH, jobId, modelId, version, inputHash, outputHash));
        return MessageHashUtils.toTypedDataHash(domain, structHash);
    }

    function _policyKey(bytes32 modelId, uint32 version, bytes32 measurement) private pure returns (bytes32) {
        return keccak256(abi.encode(modelId, version, measurement));
    }
}
