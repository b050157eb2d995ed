// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IResultVerifier} from "../interfaces/IResultVerifier.sol";
import {ITeeVerifier} from "../interfaces/ITeeVerifier.sol";
import {IOperatorRegistry} from "../interfaces/IOperatorRegistry.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";

/// @title TeeVerifier
/// @notice Verifies enclave-signed results for the TEE mode.
/// @dev The EIP-712 domain is the hub's (`{name: "Verity", version: "1", chainId, verifyingContract: hub}`), so a
/// signature is bound to one hub on one chain; the struct binds it to one job, model version, input and output.
contract TeeVerifier is ITeeVerifier {
    /// @inheritdoc ITeeVerifier
    bytes32 public constant RESULT_TYPEHASH =
        keccak256("Result(uint256 jobId,bytes32 modelId,uint32 version,bytes32 inputHash,bytes32 outputHash)");
    bytes32 private constant _DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    uint256 private constant _ATTESTATION_LENGTH = 97;

    address private immutable _hub;
    IOperatorRegistry private immutable _operators;
    IModelRegistry private immutable _models;
    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomainSeparator;

    mapping(bytes32 policyKey => bool) private _allowed;

    /// @param hub_ The hub whose EIP-712 domain results are signed under.
    /// @param operators_ The operator registry holding enclave keys and measurement approvals.
    /// @param models_ The model registry (model ownership for policy updates).
    constructor(address hub_, IOperatorRegistry operators_, IModelRegistry models_) {
        _hub = hub_;
        _operators = operators_;
        _models = models_;
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = _buildDomainSeparator();
    }

    /// @inheritdoc IResultVerifier
    function verifyResult(Job calldata job, bytes calldata attestation)
        external
        view
        returns (address[] memory operators)
    {
        if (attestation.length != _ATTESTATION_LENGTH) revert TeeInvalidAttestationLength(attestation.length);
        bytes32 measurement = bytes32(attestation[:32]);
        bytes32 digest = _resultDigest(job.jobId, job.modelId, job.version, job.inputHash, job.outputHash);
        (address key, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, attestation[32:]);
        if (err != ECDSA.RecoverError.NoError) revert TeeInvalidSignature();

        address operator = _operators.activeEnclaveOperator(key, measurement);
        if (operator == address(0)) _revertInactive(key, measurement);
        if (!_allowed[_policyKey(job.modelId, job.version, measurement)]) {
            revert TeeMeasurementNotAllowed(job.modelId, job.version, measurement);
        }
        operators = new address[](1);
        operators[0] = operator;
    }

    /// @inheritdoc ITeeVerifier
    function setMeasurementAllowed(bytes32 modelId, uint32 version, bytes32 measurement, bool allowed) external {
        if (_models.ownerOf(modelId) != msg.sender) revert TeeNotModelOwner(modelId, msg.sender);
        bytes32 key = _policyKey(modelId, version, measurement);
        if (_allowed[key] == allowed || measurement == bytes32(0)) {
            revert TeeInvalidPolicyUpdate(modelId, version, measurement);
        }
        // Reverts with ModelUnknownVersion when the version does not exist.
        _models.getVersion(modelId, version);
        _allowed[key] = allowed;
        emit TeeMeasurementPolicyUpdated(modelId, version, measurement, allowed);
    }

    /// @inheritdoc ITeeVerifier
    function isMeasurementAllowed(bytes32 modelId, uint32 version, bytes32 measurement) external view returns (bool) {
        return _allowed[_policyKey(modelId, version, measurement)];
    }

    /// @inheritdoc ITeeVerifier
    function resultDigest(uint256 jobId, bytes32 modelId, uint32 version, bytes32 inputHash, bytes32 outputHash)
        external
        view
        returns (bytes32)
    {
        return _resultDigest(jobId, modelId, version, inputHash, outputHash);
    }

    /// @dev Failure path only: say precisely why the key does not count.
    function _revertInactive(address key, bytes32 measurement) private view {
        IOperatorRegistry.MeasurementStatus status = _operators.measurementStatus(measurement);
        IOperatorRegistry.EnclaveKey memory k = _operators.getEnclaveKey(key);
        if (k.operator == address(0) || !k.active || k.measurement != measurement) {
            revert TeeUnknownKey(key, measurement);
        }
        revert TeeMeasurementNotApproved(measurement, uint8(status));
    }

    function _resultDigest(uint256 jobId, bytes32 modelId, uint32 version, bytes32 inputHash, bytes32 outputHash)
        private
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(RESULT_TYPEHASH, jobId, modelId, version, inputHash, outputHash));
        return MessageHashUtils.toTypedDataHash(_domainSeparator(), structHash);
    }

    function _domainSeparator() private view returns (bytes32) {
        return block.chainid == _cachedChainId ? _cachedDomainSeparator : _buildDomainSeparator();
    }

    function _buildDomainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(_DOMAIN_TYPEHASH, keccak256("Verity"), keccak256("1"), block.chainid, _hub));
    }

    function _policyKey(bytes32 modelId, uint32 version, bytes32 measurement) private pure returns (bytes32) {
        return keccak256(abi.encode(modelId, version, measurement));
    }
}
