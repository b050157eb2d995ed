// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IEnclaveRegistry} from "./interfaces/IEnclaveRegistry.sol";
import {IAttestationVerifier} from "./interfaces/IAttestationVerifier.sol";
import {IOperatorRegistry} from "./interfaces/IOperatorRegistry.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IInferenceHub} from "./interfaces/IInferenceHub.sol";
import {IResultVerifier} from "./interfaces/IResultVerifier.sol";
import {TeeVerifier} from "./verifiers/TeeVerifier.sol";
import {VerityTypes} from "./libraries/VerityTypes.sol";

/// @title EnclaveRegistry
/// @notice Enclave keys, their attestation and the stake behind them, and code measurements: the TEE mode's
/// verifier (it inherits TeeVerifier), see IEnclaveRegistry.
contract EnclaveRegistry is IEnclaveRegistry, TeeVerifier, Ownable2Step, ReentrancyGuardTransient, EIP712 {
    /// @notice How long a key's stake stays locked after the key stopped signing, so every result it signed can be
    /// disputed at least this long: the OperatorRegistry's `MIN_UNBONDING_DELAY` (6 days).
    uint64 public constant KEY_RELEASE_DELAY = uint64(2 * VerityTypes.MAX_CHALLENGE_WINDOW);
    /// @notice The EIP-712 type an enclave key signs to prove its operator's enclave holds it.
    bytes32 public constant ENCLAVE_KEY_REGISTRATION_TYPEHASH = keccak256(
        "EnclaveKeyRegistration(address operator,uint8 teeType,bytes32 measurement,bytes32 evidenceHash)"
    );
    /// @notice The EIP-712 type whose digest an enclave's evidence carries (see `keyBindingDigest`).
    bytes32 public constant ENCLAVE_KEY_BINDING_TYPEHASH = keccak256("EnclaveKeyBinding(address key,address operator)");
    uint64 private constant _MIN_KEY_LIFETIME = 1 hours;
    uint64 private constant _MAX_KEY_LIFETIME = 30 days;

    /// @dev Read on every TEE verification, one slot: operator (160) | measurementId (32) | expiresAt (40) |
    /// active (8).
    struct _KeyBinding {
        address operator;
        uint32 measurementId;
        uint40 expiresAt;
        bool active;
    }

    /// @dev A measurement's status, compact id (assigned on first approval, from 1) and TEE type: one slot.
    struct _Measurement {
        MeasurementStatus status;
        uint32 id;
        uint8 teeType;
    }

    address private immutable _operators;
    address private _hub;
    uint64 private _keyLifetime;
    uint256 private _minTeeStake;
    uint32 private _measurementCount;

    mapping(address key => _KeyBinding) private _bindings;
    mapping(address key => EnclaveKey) private _keys;
    mapping(bytes32 measurement => _Measurement) private _measurements;
    /// @dev Status by compact id, read on every TEE verification.
    mapping(uint32 measurementId => MeasurementStatus) private _statusById;
    mapping(uint32 measurementId => bytes32) private _measurementById;
    mapping(uint8 teeType => address) private _attestationVerifiers;

    /// @param governance The owner: approves measurements, sets attestation verifiers, the key lifetime, the least
    /// stake and the hub; may revoke a key.
    /// @param operators_ The OperatorRegistry holding the stakes (it must name this registry, `setEnclaveRegistry`).
    /// @param keyLifetime_ The longest a key lives on one attestation, 1 hour .. 30 days.
    /// @param minTeeStake_ The least stake behind a key.
    constructor(address governance, address operators_, uint64 keyLifetime_, uint256 minTeeStake_)
        Ownable(governance)
        EIP712("Verity EnclaveRegistry", "1")
    {
        if (operators_ == address(0)) revert EnclaveZeroAddress();
        _operators = operators_;
        _setKeyLifetime(keyLifetime_);
        emit MinTeeStakeUpdated(0, minTeeStake_);
        _minTeeStake = minTeeStake_;
    }

    // ───────────────────────────────────────── verification ───────────────────────────────────────

    /// @inheritdoc IResultVerifier
    /// @dev The TEE check (TeeVerifier): one slot for the key (operator, measurement, expiry, active), one for the
    /// measurement's status, one for the model owner's policy. A key is active only while its stake is locked, so
    /// the stake needs no read here.
    function verifyResult(Job calldata job, bytes calldata attestation)
        external
        view
        returns (address[] memory operators)
    {
        operators = _verifyTee(job, attestation);
        // Return abi.encode(operators) in place (the array's words are already clean addresses): the word before
        // the array becomes the offset. Nothing runs after `return`, so that word's previous content (possibly the
        // zero slot, hence no "memory-safe" tag) is not needed again.
        assembly {
            let start := sub(operators, 0x20)
            mstore(start, 0x20)
            return(start, add(0x40, shl(5, mload(operators))))
        }
    }

    // ───────────────────────────────────────── enclave keys ───────────────────────────────────────

    /// @inheritdoc IEnclaveRegistry
    function registerEnclaveKey(KeyRegistration calldata registration, bytes calldata keyProof, bytes calldata proof)
        external
        nonReentrant
    {
        address key = registration.key;
        if (key == address(0) || _keys[key].status != KeyStatus.None) revert EnclaveKeyUnavailable(key);
        _Measurement memory m = _approvedMeasurement(registration.measurement);
        if (registration.teeType == 0 || registration.teeType != m.teeType) {
            revert EnclaveInvalidTeeType(registration.teeType, m.teeType);
        }
        uint256 minimum = _minTeeStake == 0 ? 1 : _minTeeStake;
        if (registration.stake < minimum) revert EnclaveStakeTooLow(registration.stake, minimum);
        uint128 stake = SafeCast.toUint128(registration.stake);

        EnclaveKey storage k = _keys[key];
        k.operator = msg.sender;
        k.teeType = registration.teeType;
        k.status = KeyStatus.Active;
        k.registeredAt = uint40(block.timestamp);
        k.measurement = registration.measurement;
        k.stake = stake;
        emit EnclaveKeyRegistered(key, msg.sender, registration.teeType, registration.measurement, stake);
        _checkKeyProof(key, registration.evidenceHash, keyProof);
        uint40 expiresAt = _attest(key, registration.evidenceHash, registration.evidenceURI, registration.expiresAt, proof);
        _bindings[key] =
            _KeyBinding({operator: msg.sender, measurementId: m.id, expiresAt: expiresAt, active: true});
        // Reverts with OperatorInsufficientStake when the operator's free stake is short.
        IOperatorRegistry(_operators).lock(msg.sender, stake, 0);
    }

    /// @inheritdoc IEnclaveRegistry
    function reattestEnclaveKey(
        address key,
        bytes32 evidenceHash,
        string calldata evidenceURI,
        uint64 expiresAt,
        bytes calldata keyProof,
        bytes calldata proof
    ) external {
        EnclaveKey storage k = _keys[key];
        if (k.status != KeyStatus.Active || k.operator != msg.sender) revert EnclaveKeyNotOwned(key, msg.sender);
        _approvedMeasurement(k.measurement);
        _checkKeyProof(key, evidenceHash, keyProof);
        _bindings[key].expiresAt = _attest(key, evidenceHash, evidenceURI, expiresAt, proof);
    }

    /// @inheritdoc IEnclaveRegistry
    function revokeEnclaveKey(address key) external {
        EnclaveKey storage k = _keys[key];
        if (k.status != KeyStatus.Active || (k.operator != msg.sender && owner() != msg.sender)) {
            revert EnclaveKeyNotOwned(key, msg.sender);
        }
        // It signed nothing after its expiry, so its results are covered from the earlier of now and then.
        uint256 stoppedAt = block.timestamp < k.expiresAt ? block.timestamp : k.expiresAt;
        uint40 releaseAt = uint40(stoppedAt + KEY_RELEASE_DELAY);
        k.status = KeyStatus.Revoked;
        k.releaseAt = releaseAt;
        _bindings[key].active = false;
        emit EnclaveKeyRevoked(key, k.operator, msg.sender, releaseAt);
    }

    /// @inheritdoc IEnclaveRegistry
    function releaseEnclaveKey(address key) external nonReentrant {
        EnclaveKey storage k = _keys[key];
        if (k.operator != msg.sender) revert EnclaveKeyNotOwned(key, msg.sender);
        KeyStatus status = k.status;
        uint256 releaseAt = status == KeyStatus.Revoked
            ? k.releaseAt
            : status == KeyStatus.Active ? uint256(k.expiresAt) + KEY_RELEASE_DELAY : 0;
        if (releaseAt == 0 || block.timestamp < releaseAt) {
            revert EnclaveKeyNotReleasable(key, status, uint64(releaseAt));
        }
        uint256 stake = k.stake;
        k.status = KeyStatus.Released;
        k.stake = 0;
        _bindings[key].active = false;
        emit EnclaveKeyReleased(key, msg.sender, stake);
        IOperatorRegistry(_operators).unlock(msg.sender, stake, 0);
    }

    /// @inheritdoc IEnclaveRegistry
    function disputeTeeResult(
        uint256 jobId,
        IInferenceHub.Job calldata job,
        bytes32 signedOutputHash,
        bytes32 outputURIHash,
        bytes calldata signature,
        IInferenceHub.Result calldata trueResult,
        bytes calldata proof
    ) external nonReentrant {
        _checkTeeJob(jobId, job);
        address key = _resultSigner(jobId, job, signedOutputHash, outputURIHash, signature);
        KeyStatus status = _keys[key].status;
        if (status != KeyStatus.Active && status != KeyStatus.Revoked) revert EnclaveDisputeKeyNotSlashable(key, status);
        bytes32 provenOutputHash = _proveDispute(jobId, job, signedOutputHash, trueResult, proof);
        _slashKey(jobId, key, signedOutputHash, provenOutputHash);
    }

    // ────────────────────────────────────────── governance ────────────────────────────────────────

    /// @inheritdoc IEnclaveRegistry
    function approveMeasurement(bytes32 measurement, uint8 teeType) external onlyOwner {
        MeasurementStatus status = _measurements[measurement].status;
        if (measurement == bytes32(0) || status != MeasurementStatus.Unknown) {
            revert EnclaveMeasurementInvalidStatus(measurement, status);
        }
        if (teeType == 0) revert EnclaveInvalidTeeType(0, 0);
        uint32 id = ++_measurementCount;
        _measurements[measurement] = _Measurement({status: MeasurementStatus.Approved, id: id, teeType: teeType});
        _statusById[id] = MeasurementStatus.Approved;
        _measurementById[id] = measurement;
        emit MeasurementApproved(measurement, teeType);
    }

    /// @inheritdoc IEnclaveRegistry
    function revokeMeasurement(bytes32 measurement) external onlyOwner {
        _Measurement storage m = _measurements[measurement];
        if (m.status != MeasurementStatus.Approved) revert EnclaveMeasurementInvalidStatus(measurement, m.status);
        m.status = MeasurementStatus.Revoked;
        _statusById[m.id] = MeasurementStatus.Revoked;
        emit MeasurementRevoked(measurement);
    }

    /// @inheritdoc IEnclaveRegistry
    function setAttestationVerifier(uint8 teeType, address verifier) external onlyOwner {
        if (teeType == 0) revert EnclaveInvalidTeeType(0, 0);
        emit AttestationVerifierUpdated(teeType, _attestationVerifiers[teeType], verifier);
        _attestationVerifiers[teeType] = verifier;
    }

    /// @inheritdoc IEnclaveRegistry
    function setKeyLifetime(uint64 lifetime) external onlyOwner {
        _setKeyLifetime(lifetime);
    }

    /// @inheritdoc IEnclaveRegistry
    function setMinTeeStake(uint256 minStake) external onlyOwner {
        emit MinTeeStakeUpdated(_minTeeStake, minStake);
        _minTeeStake = minStake;
    }

    /// @inheritdoc IEnclaveRegistry
    function setHub(address hub_) external onlyOwner {
        if (_hub != address(0)) revert EnclaveHubAlreadySet(_hub);
        if (hub_ == address(0)) revert EnclaveZeroAddress();
        emit HubUpdated(address(0), hub_);
        _hub = hub_;
    }

    /// @notice Disabled: governance cannot renounce ownership (always reverts with `EnclaveRenounceDisabled`).
    function renounceOwnership() public view override onlyOwner {
        revert EnclaveRenounceDisabled();
    }

    // ──────────────────────────────────────────── views ───────────────────────────────────────────

    /// @inheritdoc IEnclaveRegistry
    function keyBindingDigest(address key, address operator) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(ENCLAVE_KEY_BINDING_TYPEHASH, key, operator)));
    }

    /// @inheritdoc IEnclaveRegistry
    function getEnclaveKey(address key) external view returns (EnclaveKey memory) {
        return _keys[key];
    }

    /// @inheritdoc IEnclaveRegistry
    function activeEnclaveOperator(address key, bytes32 measurement) external view returns (address) {
        _KeyBinding memory b = _bindings[key];
        if (!b.active || block.timestamp > b.expiresAt) return address(0);
        if (_statusById[b.measurementId] != MeasurementStatus.Approved) return address(0);
        if (_measurementById[b.measurementId] != measurement) return address(0);
        return b.operator;
    }

    /// @inheritdoc IEnclaveRegistry
    function signingOperator(address key) external view returns (address) {
        _KeyBinding memory b = _bindings[key];
        if (!b.active || block.timestamp > b.expiresAt) return address(0);
        if (_statusById[b.measurementId] != MeasurementStatus.Approved) return address(0);
        return b.operator;
    }

    /// @inheritdoc IEnclaveRegistry
    function getMeasurement(bytes32 measurement) external view returns (MeasurementStatus, uint8) {
        _Measurement memory m = _measurements[measurement];
        return (m.status, m.teeType);
    }

    /// @inheritdoc IEnclaveRegistry
    function measurementStatus(bytes32 measurement) external view returns (MeasurementStatus) {
        return _measurements[measurement].status;
    }

    /// @inheritdoc IEnclaveRegistry
    function attestationVerifier(uint8 teeType) external view returns (address) {
        return _attestationVerifiers[teeType];
    }

    /// @inheritdoc IEnclaveRegistry
    function keyLifetime() external view returns (uint64) {
        return _keyLifetime;
    }

    /// @inheritdoc IEnclaveRegistry
    function minTeeStake() external view returns (uint256) {
        return _minTeeStake;
    }

    /// @inheritdoc IEnclaveRegistry
    function hub() external view returns (address) {
        return _hub;
    }

    /// @inheritdoc IEnclaveRegistry
    function operatorRegistry() external view returns (address) {
        return _operators;
    }

    /// @inheritdoc IEnclaveRegistry
    function zkCircuitOf(bytes32 modelId, uint32 version) external view returns (address, bytes32) {
        return IModelRegistry(_hub).zkCircuitOf(modelId, version);
    }

    /// @inheritdoc IEnclaveRegistry
    function zkCircuit(bytes32 modelId, uint32 version) external view returns (address, bytes32, bytes32) {
        return IModelRegistry(_hub).zkCircuit(modelId, version);
    }

    // ─────────────────────────────────────── TeeVerifier hooks ─────────────────────────────────────

    /// @dev One slot for the key binding, one for the measurement status.
    function _enclaveOperator(address key) internal view override returns (address, uint32) {
        _KeyBinding memory b = _bindings[key];
        if (!b.active) revert TeeUnknownKey(key);
        if (block.timestamp > b.expiresAt) revert TeeKeyExpired(key, b.expiresAt);
        MeasurementStatus status = _statusById[b.measurementId];
        if (status != MeasurementStatus.Approved) {
            revert TeeMeasurementNotApproved(_measurementById[b.measurementId], uint8(status));
        }
        return (b.operator, b.measurementId);
    }

    function _measurementId(bytes32 measurement) internal view override returns (uint32) {
        return _measurements[measurement].id;
    }

    function _measurementHash(uint32 measurementId) internal view override returns (bytes32) {
        return _measurementById[measurementId];
    }

    /// @dev The hub is the model registry.
    function _modelRegistry() internal view override returns (IModelRegistry) {
        return IModelRegistry(_hub);
    }

    // ────────────────────────────────────────── internals ─────────────────────────────────────────

    /// @dev Checks the evidence with the TEE type's verifier, records its hash and the key's new expiry, and emits
    /// `EnclaveKeyAttested`.
    function _attest(
        address key,
        bytes32 evidenceHash,
        string calldata evidenceURI,
        uint64 expiresAt,
        bytes calldata proof
    ) private returns (uint40 keyExpiresAt) {
        (address verifier, uint64 validUntil, address[] memory attestors) =
            _verifyEvidence(key, evidenceHash, expiresAt, proof);
        uint256 expiry = validUntil < expiresAt ? validUntil : expiresAt;
        uint256 latest = block.timestamp + _keyLifetime;
        if (expiry > latest) expiry = latest;
        if (expiry <= block.timestamp) revert EnclaveAttestationExpired(uint64(expiry));
        keyExpiresAt = uint40(expiry);
        EnclaveKey storage k = _keys[key];
        k.expiresAt = keyExpiresAt;
        k.evidenceHash = evidenceHash;
        emit EnclaveKeyAttested(key, k.operator, evidenceHash, evidenceURI, verifier, attestors, keyExpiresAt);
    }

    /// @dev Asks the key's TEE type's attestation verifier about the evidence.
    function _verifyEvidence(address key, bytes32 evidenceHash, uint64 expiresAt, bytes calldata proof)
        private
        view
        returns (address verifier, uint64 validUntil, address[] memory attestors)
    {
        EnclaveKey storage k = _keys[key];
        uint8 teeType = k.teeType;
        verifier = _attestationVerifiers[teeType];
        if (verifier == address(0)) revert EnclaveNoAttestationVerifier(teeType);
        (validUntil, attestors) = IAttestationVerifier(verifier).verifyAttestation(
            IAttestationVerifier.AttestationClaim({
                teeType: teeType,
                evidenceHash: evidenceHash,
                measurement: k.measurement,
                key: key,
                operator: k.operator,
                expiresAt: expiresAt
            }),
            proof
        );
    }

    /// @dev Reverts unless `keyProof` is the key's signature of its registration over `evidenceHash`.
    function _checkKeyProof(address key, bytes32 evidenceHash, bytes calldata keyProof) private view {
        EnclaveKey storage k = _keys[key];
        bytes32 digest = _hashTypedDataV4(
            keccak256(
                abi.encode(ENCLAVE_KEY_REGISTRATION_TYPEHASH, k.operator, k.teeType, k.measurement, evidenceHash)
            )
        );
        (address recovered,,) = ECDSA.tryRecover(digest, keyProof);
        if (recovered != key) revert EnclaveKeyProofInvalid(key, recovered);
    }

    function _approvedMeasurement(bytes32 measurement) private view returns (_Measurement memory m) {
        m = _measurements[measurement];
        if (m.status != MeasurementStatus.Approved) revert EnclaveMeasurementNotApproved(measurement);
    }

    /// @dev The key that signed `signedOutputHash` for the job (under the hub's domain).
    function _resultSigner(
        uint256 jobId,
        IInferenceHub.Job calldata job,
        bytes32 signedOutputHash,
        bytes32 outputURIHash,
        bytes calldata signature
    ) private view returns (address) {
        if (signature.length != 65) revert TeeInvalidAttestationLength(signature.length);
        return _recover(
            _resultDigest(_hub, jobId, job.modelId, job.version, job.inputHash, signedOutputHash, outputURIHash),
            signature
        );
    }

    /// @dev Deactivates the key and slashes all its stake: half to the caller, half burned.
    function _slashKey(uint256 jobId, address key, bytes32 signedOutputHash, bytes32 provenOutputHash) private {
        EnclaveKey storage k = _keys[key];
        uint256 stake = k.stake;
        address operator = k.operator;
        k.status = KeyStatus.Slashed;
        k.stake = 0;
        _bindings[key].active = false;
        emit TeeResultDisputed(jobId, key, operator, signedOutputHash, provenOutputHash, msg.sender);
        uint256 toDisputer = stake / 2;
        IOperatorRegistry(_operators).slash(operator, toDisputer, msg.sender, stake - toDisputer, jobId);
    }

    /// @dev Reverts unless `job` is a TEE job of this registry known to the hub.
    function _checkTeeJob(uint256 jobId, IInferenceHub.Job calldata job) private view {
        (, bytes32 stored) = IInferenceHub(_hub).getJob(jobId);
        bytes32 commitment = IInferenceHub(_hub).jobCommitment(jobId, job);
        if (
            stored == bytes32(0) || (stored ^ commitment) >> 8 != 0 || job.mode != VerityTypes.MODE_TEE
                || job.verifier != address(this)
        ) revert EnclaveDisputeInvalidJob(jobId);
    }

    /// @dev Reverts unless `proof` proves `trueResult` (inline, not `signedOutputHash`) for the job and the caller.
    function _proveDispute(
        uint256 jobId,
        IInferenceHub.Job calldata job,
        bytes32 signedOutputHash,
        IInferenceHub.Result calldata trueResult,
        bytes calldata proof
    ) private view returns (bytes32 provenOutputHash) {
        address verifier = IOperatorRegistry(_operators).disputeVerifier();
        if (verifier == address(0)) revert EnclaveNoDisputeVerifier();
        if (bytes(trueResult.outputURI).length != 0) revert EnclaveDisputeOutputNotInline(jobId);
        provenOutputHash = keccak256(trueResult.output);
        if (provenOutputHash == signedOutputHash) revert EnclaveDisputeOutputsAgree(jobId, provenOutputHash);
        IResultVerifier(verifier).verifyResult(
            Job({
                jobId: jobId,
                modelId: job.modelId,
                version: job.version,
                inputHash: job.inputHash,
                outputHash: provenOutputHash,
                params: 0,
                submitter: msg.sender,
                outputURIHash: keccak256("")
            }),
            proof
        );
    }

    function _setKeyLifetime(uint64 lifetime) private {
        if (lifetime < _MIN_KEY_LIFETIME || lifetime > _MAX_KEY_LIFETIME) revert EnclaveInvalidKeyLifetime(lifetime);
        emit KeyLifetimeUpdated(_keyLifetime, lifetime);
        _keyLifetime = lifetime;
    }
}
