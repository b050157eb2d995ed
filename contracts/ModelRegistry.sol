// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {VerityTypes} from "./libraries/VerityTypes.sol";

/// @title ModelRegistry
/// @notice Permissionless registry of models and their immutable, content-addressed versions.
/// @dev The InferenceHub inherits this registry, so a request reads its version's terms from one packed slot
/// (`_Terms`) of the hub's own storage instead of making a cold call to another contract (about 3,300 gas less
/// per request). It can also be deployed on its own.
contract ModelRegistry is IModelRegistry {
    /// @dev One slot: feeToken (160) | fee (88) | activeModes (8). `activeModes` is zeroed on deprecation so
    /// the hub learns "not accepting requests" from the same slot.
    struct _Terms {
        address feeToken;
        uint88 fee;
        uint8 activeModes;
    }

    struct _VersionRecord {
        _Terms terms; // slot 0
        bytes32 artifactHash; // slot 1
        // slot 2: zkVerifier (160) | modes (8) | deprecated (8) | publishedAt (64)
        address zkVerifier;
        uint8 modes;
        bool deprecated;
        uint64 publishedAt;
        bytes32 zkModelCommitment; // slot 3
        bytes32 zkVerifyingKeyHash; // slot 4
        bytes32 ioSignatureHash; // slot 5
        string uri; // slot 6+
    }

    struct _ModelRecord {
        address owner; // slot 0: owner (160) | versionCount (32)
        uint32 versionCount;
        address pendingOwner; // slot 1
        string name; // slot 2+
    }

    uint256 private constant _MAX_NAME_LENGTH = 64;
    uint256 private constant _MAX_URI_LENGTH = 512;
    uint256 private constant _MAX_IO_SIGNATURE_LENGTH = 16_384;
    uint8 private constant _ZK_MODES = uint8(1 << VerityTypes.MODE_ZK) | uint8(1 << VerityTypes.MODE_OPTIMISTIC);
    /// @dev Valid mode bits: 1..MAX_MODE (bit 0 is not a mode).
    uint8 private constant _VALID_MODES = 0xFE;

    mapping(bytes32 modelId => _ModelRecord) private _models;
    mapping(bytes32 modelId => mapping(uint32 version => _VersionRecord)) private _versions;
    mapping(bytes32 modelId => mapping(bytes32 artifactHash => uint32 version)) private _artifactVersion;

    modifier onlyModelOwner(bytes32 modelId) {
        _checkModelOwner(modelId);
        _;
    }

    // ─────────────────────────────────────────── writes ───────────────────────────────────────────

    /// @inheritdoc IModelRegistry
    function registerModel(string calldata name) external returns (bytes32 modelId) {
        uint256 len = bytes(name).length;
        if (len == 0 || len > _MAX_NAME_LENGTH) revert ModelInvalidName(len);
        modelId = keccak256(abi.encode(msg.sender, name));
        if (_models[modelId].owner != address(0)) revert ModelAlreadyRegistered(modelId);
        _ModelRecord storage m = _models[modelId];
        m.owner = msg.sender;
        m.name = name;
        emit ModelRegistered(modelId, msg.sender, name);
    }

    /// @inheritdoc IModelRegistry
    function publishVersion(bytes32 modelId, VersionParams calldata params)
        external
        onlyModelOwner(modelId)
        returns (uint32 version)
    {
        _validateVersion(modelId, params);
        _ModelRecord storage m = _models[modelId];
        // Cannot overflow in practice: 2^32 - 1 versions would cost more gas than any chain has.
        unchecked {
            version = ++m.versionCount;
        }
        _VersionRecord storage v = _versions[modelId][version];
        v.terms = _Terms({feeToken: params.feeToken, fee: uint88(params.fee), activeModes: params.modes});
        v.artifactHash = params.artifactHash;
        v.zkVerifier = params.zkVerifier;
        v.modes = params.modes;
        v.publishedAt = uint64(block.timestamp);
        v.zkModelCommitment = params.zkModelCommitment;
        v.zkVerifyingKeyHash = params.zkVerifyingKeyHash;
        v.ioSignatureHash = keccak256(params.ioSignature);
        v.uri = params.uri;
        _artifactVersion[modelId][params.artifactHash] = version;
        emit VersionPublished(modelId, version, params.artifactHash, params);
    }

    /// @inheritdoc IModelRegistry
    function deprecateVersion(bytes32 modelId, uint32 version) external onlyModelOwner(modelId) {
        _VersionRecord storage v = _existingVersion(modelId, version);
        if (v.deprecated) revert ModelVersionDeprecated(modelId, version);
        v.deprecated = true;
        v.terms.activeModes = 0;
        emit VersionDeprecated(modelId, version);
    }

    /// @inheritdoc IModelRegistry
    function transferModelOwnership(bytes32 modelId, address newOwner) external onlyModelOwner(modelId) {
        _models[modelId].pendingOwner = newOwner;
        emit ModelOwnershipTransferStarted(modelId, msg.sender, newOwner);
    }

    /// @inheritdoc IModelRegistry
    function acceptModelOwnership(bytes32 modelId) external {
        _ModelRecord storage m = _models[modelId];
        if (m.owner == address(0)) revert ModelUnknown(modelId);
        if (m.pendingOwner != msg.sender) revert ModelNotPendingOwner(modelId, msg.sender);
        address previous = m.owner;
        m.owner = msg.sender;
        delete m.pendingOwner;
        emit ModelOwnershipTransferred(modelId, previous, msg.sender);
    }

    // ─────────────────────────────────────────── reads ────────────────────────────────────────────

    /// @inheritdoc IModelRegistry
    function ownerOf(bytes32 modelId) external view returns (address) {
        return _models[modelId].owner;
    }

    /// @inheritdoc IModelRegistry
    function pendingOwnerOf(bytes32 modelId) external view returns (address) {
        return _models[modelId].pendingOwner;
    }

    /// @inheritdoc IModelRegistry
    function getModel(bytes32 modelId) external view returns (address owner, string memory name, uint32 versionCount) {
        _ModelRecord storage m = _models[modelId];
        if (m.owner == address(0)) revert ModelUnknown(modelId);
        return (m.owner, m.name, m.versionCount);
    }

    /// @inheritdoc IModelRegistry
    function getVersion(bytes32 modelId, uint32 version) external view returns (Version memory out) {
        _VersionRecord storage v = _existingVersion(modelId, version);
        out = Version({
            artifactHash: v.artifactHash,
            uri: v.uri,
            modes: v.modes,
            deprecated: v.deprecated,
            feeToken: v.terms.feeToken,
            fee: v.terms.fee,
            zkVerifier: v.zkVerifier,
            zkModelCommitment: v.zkModelCommitment,
            zkVerifyingKeyHash: v.zkVerifyingKeyHash,
            publishedAt: v.publishedAt,
            ioSignatureHash: v.ioSignatureHash
        });
    }

    /// @inheritdoc IModelRegistry
    function zkCircuitOf(bytes32 modelId, uint32 version)
        external
        view
        returns (address zkVerifier, bytes32 zkModelCommitment)
    {
        _VersionRecord storage v = _versions[modelId][version];
        return (v.zkVerifier, v.zkModelCommitment);
    }

    /// @inheritdoc IModelRegistry
    function zkCircuit(bytes32 modelId, uint32 version)
        external
        view
        returns (address zkVerifier, bytes32 zkModelCommitment, bytes32 zkVerifyingKeyHash)
    {
        _VersionRecord storage v = _versions[modelId][version];
        return (v.zkVerifier, v.zkModelCommitment, v.zkVerifyingKeyHash);
    }

    /// @inheritdoc IModelRegistry
    function requestTerms(bytes32 modelId, uint32 version)
        external
        view
        returns (address feeToken, uint256 fee, uint8 activeModes)
    {
        return _requestTerms(modelId, version);
    }

    /// @inheritdoc IModelRegistry
    function versionOfArtifact(bytes32 modelId, bytes32 artifactHash) external view returns (uint32) {
        return _artifactVersion[modelId][artifactHash];
    }

    // ────────────────────────────────────────── internals ─────────────────────────────────────────

    function _requestTerms(bytes32 modelId, uint32 version)
        internal
        view
        returns (address feeToken, uint256 fee, uint8 activeModes)
    {
        _Terms memory t = _versions[modelId][version].terms;
        return (t.feeToken, t.fee, t.activeModes);
    }

    /// @dev Whether the version exists (published), deprecated or not.
    function _versionExists(bytes32 modelId, uint32 version) internal view returns (bool) {
        return _versions[modelId][version].artifactHash != bytes32(0);
    }

    function _modelOwner(bytes32 modelId) internal view returns (address) {
        return _models[modelId].owner;
    }

    function _checkModelOwner(bytes32 modelId) private view {
        address owner = _models[modelId].owner;
        if (owner == address(0)) revert ModelUnknown(modelId);
        if (owner != msg.sender) revert ModelNotOwner(modelId, msg.sender);
    }

    function _existingVersion(bytes32 modelId, uint32 version) private view returns (_VersionRecord storage v) {
        v = _versions[modelId][version];
        if (v.artifactHash == bytes32(0)) revert ModelUnknownVersion(modelId, version);
    }

    function _validateVersion(bytes32 modelId, VersionParams calldata p) private view {
        uint256 uriLength = bytes(p.uri).length;
        if (p.artifactHash == bytes32(0) || uriLength == 0 || uriLength > _MAX_URI_LENGTH) {
            revert ModelInvalidArtifact();
        }
        uint32 existing = _artifactVersion[modelId][p.artifactHash];
        if (existing != 0) revert ModelDuplicateArtifact(modelId, p.artifactHash, existing);
        if (p.modes == 0 || p.modes & ~_VALID_MODES != 0) revert ModelInvalidModes(p.modes);
        if (p.fee > type(uint88).max) revert ModelFeeTooLarge(p.fee);
        bool needsZk = p.modes & _ZK_MODES != 0;
        bool hasZk = p.zkVerifier != address(0) && p.zkModelCommitment != bytes32(0) && p.zkVerifyingKeyHash != bytes32(0);
        bool anyZk = p.zkVerifier != address(0) || p.zkModelCommitment != bytes32(0) || p.zkVerifyingKeyHash != bytes32(0);
        if (needsZk ? !hasZk : anyZk) revert ModelInvalidZkCircuit(p.modes);
        uint256 ioLength = p.ioSignature.length;
        if (ioLength == 0 || ioLength > _MAX_IO_SIGNATURE_LENGTH) revert ModelInvalidIoSignature(ioLength);
    }
}
