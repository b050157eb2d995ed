// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IModelRegistry
/// @notice Permissionless registry of AI models and their immutable, content-addressed versions.
/// A model is identified by `keccak256(abi.encode(registrant, name))`; its versions are numbered from 1 and each
/// is pinned by the hash of its model file (`artifactHash`). Only the deprecated flag of a version ever changes.
interface IModelRegistry {
    /// @notice What a model owner publishes for a version.
    /// @param artifactHash keccak256 of the model file (e.g. the ONNX bytes); unique within the model.
    /// @param uri Where the model file can be fetched (file:, https:, ipfs:...). Operators check the hash.
    /// @param modes Bitmask of supported verification modes, `1 << mode` (see VerityTypes).
    /// @param feeToken The fee currency: address(0) for the native currency, otherwise an ERC-20.
    /// @param fee The model owner's fee per inference, in `feeToken` units (at most 2^88 - 1).
    /// @param zkVerifier Groth16 verifier contract of the model's circuit (ZK and OPTIMISTIC modes), or zero.
    /// @param zkModelCommitment The circuit's public commitment to the model weights, or zero.
    /// @param zkVerifyingKeyHash keccak256 of the verifying key's canonical encoding, or zero.
    /// @param ioSignature The version's interface: the canonical JSON document (format `verity-io/1`) naming its
    /// input and output tensors (dtypes, shapes with symbolic dimensions), the output canonicalization every
    /// operator applies before hashing, and class labels. The registry stores its keccak256 and this event carries
    /// it in full; the SDK decodes it strictly and checks it against the hash.
    struct VersionParams {
        bytes32 artifactHash;
        string uri;
        uint8 modes;
        address feeToken;
        uint256 fee;
        address zkVerifier;
        bytes32 zkModelCommitment;
        bytes32 zkVerifyingKeyHash;
        bytes ioSignature;
    }

    /// @notice A published version as stored (`ioSignatureHash` is keccak256 of the published `ioSignature`).
    struct Version {
        bytes32 artifactHash;
        string uri;
        uint8 modes;
        bool deprecated;
        address feeToken;
        uint256 fee;
        address zkVerifier;
        bytes32 zkModelCommitment;
        bytes32 zkVerifyingKeyHash;
        uint64 publishedAt;
        bytes32 ioSignatureHash;
    }

    /// @notice Emitted when a model is registered.
    /// @param modelId The new model's identifier.
    /// @param owner The registrant, its first owner.
    /// @param name The model's name.
    event ModelRegistered(bytes32 indexed modelId, address indexed owner, string name);

    /// @notice Emitted when a version is published; carries every field of the version.
    /// @param modelId The model.
    /// @param version The new version number.
    /// @param artifactHash keccak256 of the model file.
    /// @param params Everything published with the version.
    event VersionPublished(bytes32 indexed modelId, uint32 indexed version, bytes32 indexed artifactHash, VersionParams params);

    /// @notice Emitted when a version is deprecated: it accepts no new requests; pending jobs still complete.
    /// @param modelId The model.
    /// @param version The deprecated version.
    event VersionDeprecated(bytes32 indexed modelId, uint32 indexed version);

    /// @notice Emitted when the owner starts a two-step ownership transfer.
    /// @param modelId The model.
    /// @param owner The current owner.
    /// @param pendingOwner The account that must accept.
    event ModelOwnershipTransferStarted(bytes32 indexed modelId, address indexed owner, address indexed pendingOwner);

    /// @notice Emitted when the pending owner accepts the model.
    /// @param modelId The model.
    /// @param previousOwner The old owner.
    /// @param newOwner The new owner.
    event ModelOwnershipTransferred(bytes32 indexed modelId, address indexed previousOwner, address indexed newOwner);

    /// @notice The name is empty or longer than 64 bytes.
    /// @param length The name's length in bytes.
    error ModelInvalidName(uint256 length);
    /// @notice The caller already registered a model with this name.
    /// @param modelId The existing model.
    error ModelAlreadyRegistered(bytes32 modelId);
    /// @notice No model has this identifier.
    /// @param modelId The unknown identifier.
    error ModelUnknown(bytes32 modelId);
    /// @notice The caller is not the model's owner.
    /// @param modelId The model.
    /// @param caller The caller.
    error ModelNotOwner(bytes32 modelId, address caller);
    /// @notice The caller is not the model's pending owner.
    /// @param modelId The model.
    /// @param caller The caller.
    error ModelNotPendingOwner(bytes32 modelId, address caller);
    /// @notice The model has no such version.
    /// @param modelId The model.
    /// @param version The missing version.
    error ModelUnknownVersion(bytes32 modelId, uint32 version);
    /// @notice The version is already deprecated.
    /// @param modelId The model.
    /// @param version The version.
    error ModelVersionDeprecated(bytes32 modelId, uint32 version);
    /// @notice A version of this model already has this artifact hash.
    /// @param modelId The model.
    /// @param artifactHash The duplicate hash.
    /// @param version The version that has it.
    error ModelDuplicateArtifact(bytes32 modelId, bytes32 artifactHash, uint32 version);
    /// @notice The artifact hash is zero or the URI is empty or longer than 512 bytes.
    error ModelInvalidArtifact();
    /// @notice The modes bitmask is empty or names a mode that does not exist.
    /// @param modes The bitmask given.
    error ModelInvalidModes(uint8 modes);
    /// @notice The fee does not fit 88 bits.
    /// @param fee The fee given.
    error ModelFeeTooLarge(uint256 fee);
    /// @notice ZK or OPTIMISTIC mode was declared without a verifier, commitment and key hash, or ZK fields were
    /// given for a version without those modes.
    /// @param modes The bitmask given.
    error ModelInvalidZkCircuit(uint8 modes);
    /// @notice The IO signature document is empty or longer than 16,384 bytes.
    /// @param length Its length in bytes.
    error ModelInvalidIoSignature(uint256 length);

    /// @notice Registers a model owned by the caller.
    /// @param name A name of 1 to 64 bytes, unique among the caller's models.
    /// @return modelId `keccak256(abi.encode(msg.sender, name))`.
    function registerModel(string calldata name) external returns (bytes32 modelId);

    /// @notice Publishes a new immutable version of a model. Only the model owner.
    /// @param modelId The model.
    /// @param params The version's content and terms.
    /// @return version The new version number (1, 2, ...).
    function publishVersion(bytes32 modelId, VersionParams calldata params) external returns (uint32 version);

    /// @notice Marks a version deprecated so it accepts no new requests. Only the model owner. Irreversible.
    /// @param modelId The model.
    /// @param version The version.
    function deprecateVersion(bytes32 modelId, uint32 version) external;

    /// @notice Starts a two-step transfer of the model to `newOwner` (zero cancels). Only the model owner.
    /// @param modelId The model.
    /// @param newOwner The account that must call `acceptModelOwnership`.
    function transferModelOwnership(bytes32 modelId, address newOwner) external;

    /// @notice Completes a transfer started by `transferModelOwnership`. Only the pending owner.
    /// @param modelId The model.
    function acceptModelOwnership(bytes32 modelId) external;

    /// @notice The model's current owner (zero if unknown).
    /// @param modelId The model.
    function ownerOf(bytes32 modelId) external view returns (address);

    /// @notice The model's pending owner (zero if none).
    /// @param modelId The model.
    function pendingOwnerOf(bytes32 modelId) external view returns (address);

    /// @notice The model's name, owner and number of versions.
    /// @param modelId The model.
    function getModel(bytes32 modelId) external view returns (address owner, string memory name, uint32 versionCount);

    /// @notice A version's full record. Reverts with `ModelUnknownVersion` if absent.
    /// @param modelId The model.
    /// @param version The version.
    function getVersion(bytes32 modelId, uint32 version) external view returns (Version memory);

    /// @notice The ZK circuit of a version, read from two storage slots (the ZK verifier's per-fulfilment read;
    /// `getVersion` reads seven). Zero values when the version does not exist or has no ZK circuit.
    /// @param modelId The model.
    /// @param version The version.
    /// @return zkVerifier The Groth16 verifier contract of the version's circuit.
    /// @return zkModelCommitment The circuit's public commitment to the model weights.
    function zkCircuitOf(bytes32 modelId, uint32 version)
        external
        view
        returns (address zkVerifier, bytes32 zkModelCommitment);

    /// @notice The ZK circuit of a version with its verifying key hash, read from three storage slots (the ZK
    /// verifier's per-fulfilment read: it checks that governance allows the verifier contract for that key). Zero
    /// values when the version does not exist or has no ZK circuit.
    /// @param modelId The model.
    /// @param version The version.
    /// @return zkVerifier The Groth16 verifier contract of the version's circuit.
    /// @return zkModelCommitment The circuit's public commitment to the model weights.
    /// @return zkVerifyingKeyHash The hash of the verifying key the version declares (`vkeyHash` in
    /// sdk/src/proofs/zk.ts).
    function zkCircuit(bytes32 modelId, uint32 version)
        external
        view
        returns (address zkVerifier, bytes32 zkModelCommitment, bytes32 zkVerifyingKeyHash);

    /// @notice The terms the hub needs to accept a request, read from one storage slot.
    /// @param modelId The model.
    /// @param version The version.
    /// @return feeToken The fee currency.
    /// @return fee The model owner's fee.
    /// @return activeModes The supported modes, or 0 when the version is deprecated or does not exist.
    function requestTerms(bytes32 modelId, uint32 version)
        external
        view
        returns (address feeToken, uint256 fee, uint8 activeModes);

    /// @notice The version with this artifact hash, or 0.
    /// @param modelId The model.
    /// @param artifactHash The model file's hash.
    function versionOfArtifact(bytes32 modelId, bytes32 artifactHash) external view returns (uint32);
}
