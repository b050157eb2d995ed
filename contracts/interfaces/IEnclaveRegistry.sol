// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ITeeVerifier} from "./ITeeVerifier.sol";
import {IInferenceHub} from "./IInferenceHub.sol";

/// @title IEnclaveRegistry
/// @notice Enclave signing keys and code measurements: the TEE mode's root of trust, and its verifier.
///
/// A key's life: governance approves a measurement for a TEE type (`approveMeasurement`). The operator's enclave
/// makes attestation evidence that binds its key (`keyBindingDigest(key, operator)` in the evidence's
/// `user_data`/`report_data`); the operator stores it at a URI and registers the key (`registerEnclaveKey`) with
/// the key's proof of possession, the evidence hash and URI, the proof the TEE type's `IAttestationVerifier` needs
/// (by default k-of-n attestor signatures), and stake of at least `minTeeStake`, which is locked in the
/// OperatorRegistry while the key lives. The key is active until it expires (at most `keyLifetime` after each
/// attestation; `reattestEnclaveKey` extends it with fresh evidence), is revoked (by its operator or governance),
/// or is slashed. Its stake is released `KEY_RELEASE_DELAY` after the key stopped signing, so every result it
/// signed can be disputed for at least that long: `disputeTeeResult` with a ZK proof of a job's true output slashes
/// a key that signed another output (half to the disputer, half burned) and deactivates it.
interface IEnclaveRegistry is ITeeVerifier {
    /// @notice Status of a code measurement.
    enum MeasurementStatus {
        Unknown,
        Approved,
        Revoked
    }

    /// @notice Status of an enclave key. An Active key whose expiry has passed signs nothing until re-attested.
    enum KeyStatus {
        None,
        Active,
        Revoked,
        Slashed,
        Released
    }

    /// @notice What an operator submits to register a key.
    /// @param key The enclave's signing address.
    /// @param teeType The TEE type (1 AWS Nitro, 2 Intel TDX); must be the measurement's.
    /// @param measurement The enclave's code measurement (approved by governance).
    /// @param evidenceHash keccak256 of the attestation evidence bytes.
    /// @param evidenceURI Where the evidence is stored (emitted, not stored).
    /// @param stake The operator's bonded stake to lock behind the key (at least `minTeeStake`).
    /// @param expiresAt The expiry the attestation verifier vouched for.
    struct KeyRegistration {
        address key;
        uint8 teeType;
        bytes32 measurement;
        bytes32 evidenceHash;
        string evidenceURI;
        uint256 stake;
        uint64 expiresAt;
    }

    /// @notice An enclave key's record.
    /// @param operator The operator running the enclave.
    /// @param teeType The TEE type.
    /// @param status The key's status.
    /// @param registeredAt When it was registered.
    /// @param expiresAt When its current attestation expires.
    /// @param measurement The enclave's code measurement.
    /// @param evidenceHash Hash of the evidence of its latest attestation.
    /// @param stake The stake locked behind it (zero once released or slashed).
    /// @param releaseAt When a revoked key's stake can be released (zero while active).
    struct EnclaveKey {
        address operator;
        uint8 teeType;
        KeyStatus status;
        uint40 registeredAt;
        uint40 expiresAt;
        bytes32 measurement;
        bytes32 evidenceHash;
        uint128 stake;
        uint40 releaseAt;
    }

    /// @notice Emitted when an operator registers an enclave key (followed by its `EnclaveKeyAttested`).
    /// @param key The enclave's signing address.
    /// @param operator The operator running the enclave.
    /// @param teeType The TEE type.
    /// @param measurement The enclave's code measurement.
    /// @param stake The stake locked behind the key.
    event EnclaveKeyRegistered(
        address indexed key, address indexed operator, uint8 teeType, bytes32 indexed measurement, uint256 stake
    );
    /// @notice Emitted when a key's attestation evidence is accepted: at registration and at every re-attestation.
    /// @param key The key.
    /// @param operator Its operator.
    /// @param evidenceHash keccak256 of the evidence bytes.
    /// @param evidenceURI Where the evidence is stored.
    /// @param verifier The attestation verifier that accepted it.
    /// @param attestors Who vouched for it (the committee's signers).
    /// @param expiresAt When the key expires on this evidence.
    event EnclaveKeyAttested(
        address indexed key,
        address indexed operator,
        bytes32 evidenceHash,
        string evidenceURI,
        address verifier,
        address[] attestors,
        uint64 expiresAt
    );
    /// @notice Emitted when a key is revoked; it signs nothing from now on.
    /// @param key The key.
    /// @param operator Its operator.
    /// @param by Who revoked it (the operator or governance).
    /// @param releaseAt When its stake can be released.
    event EnclaveKeyRevoked(address indexed key, address indexed operator, address by, uint64 releaseAt);
    /// @notice Emitted when a key's stake is unlocked in the OperatorRegistry.
    /// @param key The key.
    /// @param operator Its operator.
    /// @param stake The stake unlocked.
    event EnclaveKeyReleased(address indexed key, address indexed operator, uint256 stake);
    /// @notice Emitted when a ZK proof of a job's true output slashes a key that signed another output.
    /// @param jobId The job.
    /// @param key The key; it is deactivated.
    /// @param operator Its operator (see the OperatorRegistry's `OperatorSlashed` for the amounts).
    /// @param signedOutputHash The output the key signed.
    /// @param provenOutputHash The output the proof is for.
    /// @param disputer Who proved it (credited half the stake).
    event TeeResultDisputed(
        uint256 indexed jobId,
        address indexed key,
        address indexed operator,
        bytes32 signedOutputHash,
        bytes32 provenOutputHash,
        address disputer
    );
    /// @notice Emitted when governance approves a code measurement for a TEE type.
    /// @param measurement The measurement.
    /// @param teeType Its TEE type.
    event MeasurementApproved(bytes32 indexed measurement, uint8 teeType);
    /// @notice Emitted when governance revokes a code measurement; every key on it stops counting.
    /// @param measurement The measurement.
    event MeasurementRevoked(bytes32 indexed measurement);
    /// @notice Emitted when governance sets the attestation verifier of a TEE type (for later registrations).
    /// @param teeType The TEE type.
    /// @param oldVerifier The previous verifier.
    /// @param newVerifier The new verifier (zero: no new keys of this type).
    event AttestationVerifierUpdated(uint8 indexed teeType, address oldVerifier, address newVerifier);
    /// @notice Emitted when governance changes the longest a key lives on one attestation.
    /// @param oldLifetime The previous lifetime in seconds.
    /// @param newLifetime The new lifetime in seconds.
    event KeyLifetimeUpdated(uint64 oldLifetime, uint64 newLifetime);
    /// @notice Emitted when governance changes the least stake behind a key (for later registrations).
    /// @param oldStake The previous minimum.
    /// @param newStake The new minimum.
    event MinTeeStakeUpdated(uint256 oldStake, uint256 newStake);
    /// @notice Emitted once, when governance sets the hub.
    /// @param oldHub Zero.
    /// @param newHub The hub.
    event HubUpdated(address oldHub, address newHub);

    /// @notice The key is zero or was registered before (a key is registered once, ever).
    /// @param key The key.
    error EnclaveKeyUnavailable(address key);
    /// @notice The key's proof of possession does not recover to the key.
    /// @param key The key claimed.
    /// @param recovered The signer recovered from the proof.
    error EnclaveKeyProofInvalid(address key, address recovered);
    /// @notice The key is not active, or the caller may not act on it (its operator; for revocation also
    /// governance).
    /// @param key The key.
    /// @param caller The caller.
    error EnclaveKeyNotOwned(address key, address caller);
    /// @notice The key's stake cannot be released yet (or was already released or slashed).
    /// @param key The key.
    /// @param status Its status.
    /// @param releaseAt When it can be (zero when never).
    error EnclaveKeyNotReleasable(address key, KeyStatus status, uint64 releaseAt);
    /// @notice The measurement is not approved (unknown or revoked).
    /// @param measurement The measurement.
    error EnclaveMeasurementNotApproved(bytes32 measurement);
    /// @notice The measurement is zero, or already approved, or revoked (revocation is final).
    /// @param measurement The measurement.
    /// @param status Its current status.
    error EnclaveMeasurementInvalidStatus(bytes32 measurement, MeasurementStatus status);
    /// @notice The TEE type is zero, or not the measurement's.
    /// @param teeType The TEE type given.
    /// @param expected The measurement's TEE type (zero when the type itself is invalid).
    error EnclaveInvalidTeeType(uint8 teeType, uint8 expected);
    /// @notice No attestation verifier is set for the TEE type.
    /// @param teeType The TEE type.
    error EnclaveNoAttestationVerifier(uint8 teeType);
    /// @notice The stake offered is below the protocol's minimum (or zero).
    /// @param stake The stake offered.
    /// @param minimum The least stake, at least 1.
    error EnclaveStakeTooLow(uint256 stake, uint256 minimum);
    /// @notice The attestation's expiry is not in the future.
    /// @param expiresAt The expiry.
    error EnclaveAttestationExpired(uint64 expiresAt);
    /// @notice The key lifetime is outside 1 hour .. 30 days.
    /// @param lifetime The lifetime given.
    error EnclaveInvalidKeyLifetime(uint64 lifetime);
    /// @notice The hub is set once; it can never be pointed elsewhere.
    /// @param hub The hub already set.
    error EnclaveHubAlreadySet(address hub);
    /// @notice An address argument is zero.
    error EnclaveZeroAddress();
    /// @notice Governance cannot renounce ownership of the registry.
    error EnclaveRenounceDisabled();
    /// @notice The job is not a TEE job of this registry known to the hub.
    /// @param jobId The job.
    error EnclaveDisputeInvalidJob(uint256 jobId);
    /// @notice The proven output is the one the key signed: nothing to slash.
    /// @param jobId The job.
    /// @param outputHash The output.
    error EnclaveDisputeOutputsAgree(uint256 jobId, bytes32 outputHash);
    /// @notice A dispute's proven output must be inline.
    /// @param jobId The job.
    error EnclaveDisputeOutputNotInline(uint256 jobId);
    /// @notice The key's stake is no longer locked (released or already slashed): the dispute period is over.
    /// @param key The key.
    /// @param status Its status.
    error EnclaveDisputeKeyNotSlashable(address key, KeyStatus status);
    /// @notice The OperatorRegistry has no ZK dispute verifier set.
    error EnclaveNoDisputeVerifier();

    /// @notice Registers an enclave key for the caller (the operator) and locks `registration.stake` of its free
    /// bonded stake behind it. The key becomes active once the TEE type's attestation verifier accepts `proof` for
    /// the evidence; it expires at the earlier of the verifier's expiry and `keyLifetime` from now.
    /// @param registration The key, its TEE type, measurement, evidence hash and URI, stake and expiry.
    /// @param keyProof The key's EIP-712 signature of `EnclaveKeyRegistration(operator, teeType, measurement,
    /// evidenceHash)` under this registry's domain, proving the operator's enclave holds the key.
    /// @param proof What the attestation verifier needs (the committee: attestor signatures, ascending signers).
    /// @custom:security Its external calls: a view of the attestation verifier, then the OperatorRegistry's lock
    /// (set at deployment, makes none).
    function registerEnclaveKey(KeyRegistration calldata registration, bytes calldata keyProof, bytes calldata proof)
        external;

    /// @notice Extends an active key's life with fresh evidence (same measurement). Only its operator.
    /// @param key The key.
    /// @param evidenceHash keccak256 of the new evidence.
    /// @param evidenceURI Where it is stored.
    /// @param expiresAt The expiry the verifier vouched for.
    /// @param keyProof The key's registration signature over the new evidence hash.
    /// @param proof What the attestation verifier needs.
    function reattestEnclaveKey(
        address key,
        bytes32 evidenceHash,
        string calldata evidenceURI,
        uint64 expiresAt,
        bytes calldata keyProof,
        bytes calldata proof
    ) external;

    /// @notice Revokes an active key at once. Its operator, or governance (a key known to be compromised).
    /// @param key The key.
    function revokeEnclaveKey(address key) external;

    /// @notice Unlocks a key's stake in the OperatorRegistry, `KEY_RELEASE_DELAY` after the key stopped signing
    /// (revoked, or expired without re-attestation). Only its operator.
    /// @param key The key.
    function releaseEnclaveKey(address key) external;

    /// @notice Slashes the key that signed `signedOutputHash` for a TEE job whose true output `proof` proves to be
    /// another: all the stake behind the key, half credited to the caller, half burned; the key is deactivated.
    /// A signature is evidence by itself, recorded or not. Anyone may call while the key's stake is locked.
    /// @param jobId The job.
    /// @param job The job as emitted in the hub's `InferenceRequested`.
    /// @param signedOutputHash The output the key signed.
    /// @param outputURIHash The delivery form it signed.
    /// @param signature The key's 65-byte result signature.
    /// @param trueResult The true output, inline.
    /// @param proof The ZK attestation of `trueResult`, proven for this job and the caller.
    /// @custom:security Its external calls are views (hub, OperatorRegistry, ZK verifier) and then the
    /// OperatorRegistry's slash (makes none); the key is deactivated before it.
    function disputeTeeResult(
        uint256 jobId,
        IInferenceHub.Job calldata job,
        bytes32 signedOutputHash,
        bytes32 outputURIHash,
        bytes calldata signature,
        IInferenceHub.Result calldata trueResult,
        bytes calldata proof
    ) external;

    /// @notice Approves a code measurement for a TEE type. Only governance.
    /// @param measurement The measurement (see IAttestationVerifier for the formula).
    /// @param teeType Its TEE type.
    function approveMeasurement(bytes32 measurement, uint8 teeType) external;

    /// @notice Revokes an approved measurement, disabling every key on it. Only governance. Final.
    /// @param measurement The measurement.
    function revokeMeasurement(bytes32 measurement) external;

    /// @notice Sets the attestation verifier of a TEE type, for later registrations. Only governance.
    /// @param teeType The TEE type.
    /// @param verifier The verifier (zero: no new keys of this type).
    function setAttestationVerifier(uint8 teeType, address verifier) external;

    /// @notice Sets the longest a key lives on one attestation. Only governance.
    /// @param lifetime Seconds, between 1 hour and 30 days.
    function setKeyLifetime(uint64 lifetime) external;

    /// @notice Sets the least stake behind a key, for later registrations. Only governance.
    /// @param minStake The minimum, in stake-token units.
    function setMinTeeStake(uint256 minStake) external;

    /// @notice Sets the hub (whose domain results are signed under, whose model owners set policies). Only
    /// governance, once.
    /// @param hub The hub.
    function setHub(address hub) external;

    /// @notice The digest an enclave's evidence must carry to bind its key to its operator here: the EIP-712 hash
    /// of `EnclaveKeyBinding(key, operator)` under this registry's domain.
    /// @param key The key.
    /// @param operator The operator.
    function keyBindingDigest(address key, address operator) external view returns (bytes32);

    /// @notice A key's record (zero fields if unknown).
    /// @param key The key.
    function getEnclaveKey(address key) external view returns (EnclaveKey memory);

    /// @notice The operator behind a key if it is active, unexpired, registered for `measurement`, and the
    /// measurement approved; zero otherwise.
    /// @param key The key.
    /// @param measurement The measurement the key claims.
    function activeEnclaveOperator(address key, bytes32 measurement) external view returns (address operator);

    /// @notice The operator behind a key if it signs now: active, unexpired, and its measurement still approved;
    /// zero otherwise. The BATCH mode's test for a key signing a batch root.
    /// @param key The key.
    function signingOperator(address key) external view returns (address operator);

    /// @notice A measurement's status and TEE type.
    /// @param measurement The measurement.
    function getMeasurement(bytes32 measurement) external view returns (MeasurementStatus status, uint8 teeType);

    /// @notice A measurement's status.
    /// @param measurement The measurement.
    function measurementStatus(bytes32 measurement) external view returns (MeasurementStatus);

    /// @notice The attestation verifier of a TEE type (zero when none).
    /// @param teeType The TEE type.
    function attestationVerifier(uint8 teeType) external view returns (address);

    /// @notice The longest a key lives on one attestation, in seconds.
    function keyLifetime() external view returns (uint64);

    /// @notice The least stake behind a key.
    function minTeeStake() external view returns (uint256);

    /// @notice The hub.
    function hub() external view returns (address);

    /// @notice The OperatorRegistry holding the stakes.
    function operatorRegistry() external view returns (address);

    /// @notice The hub's circuit for a version, presented to the ZK verifier during a dispute.
    /// @param modelId The model.
    /// @param version The version.
    function zkCircuitOf(bytes32 modelId, uint32 version)
        external
        view
        returns (address verifier, bytes32 modelCommitment);

    /// @notice The hub's circuit for a version with its verifying key hash, presented to the ZK verifier.
    /// @param modelId The model.
    /// @param version The version.
    function zkCircuit(bytes32 modelId, uint32 version)
        external
        view
        returns (address verifier, bytes32 modelCommitment, bytes32 verifyingKeyHash);
}
