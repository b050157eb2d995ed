// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IOperatorRegistry
/// @notice Operators stake, register enclave signing keys bound to a code measurement, and unbond after a delay.
/// Governance approves and revokes measurements: revoking one disables every key registered on it at once.
/// Only the hub can slash. A slash makes no external call: the stake taken is credited to the recipient, who pulls
/// it with `withdrawSlashCredit`, so no recipient (one that refuses the native currency, or a blocklisted
/// token holder) can block it.
interface IOperatorRegistry {
    /// @notice Status of a code measurement.
    enum MeasurementStatus {
        Unknown,
        Approved,
        Revoked
    }

    /// @notice An operator's stake. `unbonding` can still be slashed until it is withdrawn.
    struct Operator {
        uint128 stake;
        uint128 unbonding;
        uint64 unbondingReleaseAt;
    }

    /// @notice An enclave signing key as registered.
    struct EnclaveKey {
        address operator;
        bytes32 measurement;
        bytes32 attestationDocHash;
        uint64 registeredAt;
        bool active;
    }

    /// @notice Emitted when an operator adds stake.
    /// @param operator The operator.
    /// @param amount The amount added.
    /// @param totalStake The operator's bonded stake afterwards.
    event Staked(address indexed operator, uint256 amount, uint256 totalStake);
    /// @notice Emitted when an operator starts unbonding stake.
    /// @param operator The operator.
    /// @param amount The amount moved to unbonding.
    /// @param releaseAt When the unbonding stake can be withdrawn.
    event UnstakeRequested(address indexed operator, uint256 amount, uint64 releaseAt);
    /// @notice Emitted when an operator withdraws released stake.
    /// @param operator The operator.
    /// @param amount The amount paid out.
    event StakeWithdrawn(address indexed operator, uint256 amount);
    /// @notice Emitted when the hub slashes an operator.
    /// @param operator The slashed operator.
    /// @param jobId The job whose dispute caused the slash.
    /// @param amount The amount taken (bonded first, then unbonding).
    /// @param recipient Who was credited with it (see `withdrawSlashCredit`).
    event OperatorSlashed(address indexed operator, uint256 indexed jobId, uint256 amount, address recipient);
    /// @notice Emitted when an account withdraws the slashed stake credited to it.
    /// @param account The account paid.
    /// @param amount The amount, in the staking asset.
    event SlashCreditWithdrawn(address indexed account, uint256 amount);
    /// @notice Emitted when an operator registers an enclave key.
    /// @param key The enclave's signing address.
    /// @param operator The operator running the enclave.
    /// @param measurement The enclave's code measurement.
    /// @param attestationDocHash Hash of the enclave's attestation document.
    event EnclaveKeyRegistered(
        address indexed key, address indexed operator, bytes32 indexed measurement, bytes32 attestationDocHash
    );
    /// @notice Emitted when an operator retires an enclave key.
    /// @param key The key.
    /// @param operator The operator.
    event EnclaveKeyRevoked(address indexed key, address indexed operator);
    /// @notice Emitted when governance approves a code measurement.
    /// @param measurement The measurement.
    event MeasurementApproved(bytes32 indexed measurement);
    /// @notice Emitted when governance revokes a code measurement; every key on it stops counting.
    /// @param measurement The measurement.
    event MeasurementRevoked(bytes32 indexed measurement);
    /// @notice Emitted when governance changes the unbonding delay.
    /// @param oldDelay The previous delay in seconds.
    /// @param newDelay The new delay in seconds.
    event UnbondingDelayUpdated(uint64 oldDelay, uint64 newDelay);
    /// @notice Emitted when governance sets the hub allowed to slash.
    /// @param oldHub The previous hub.
    /// @param newHub The new hub.
    event HubUpdated(address oldHub, address newHub);

    /// @notice The staking token delivered less than the amount (fee-on-transfer tokens are not supported).
    /// @param token The token.
    /// @param expected The amount.
    /// @param received What the registry received.
    error OperatorTokenTransferShort(address token, uint256 expected, uint256 received);
    /// @notice An amount of zero was given.
    error OperatorZeroAmount();
    /// @notice The native value sent does not match the amount (or value was sent for an ERC-20 stake).
    /// @param expected The value expected.
    /// @param actual The value sent.
    error OperatorWrongValue(uint256 expected, uint256 actual);
    /// @notice The amount exceeds what the operator has.
    /// @param operator The operator.
    /// @param requested The amount asked for.
    /// @param available The amount available.
    error OperatorInsufficientStake(address operator, uint256 requested, uint256 available);
    /// @notice The unbonding stake is not released yet.
    /// @param operator The operator.
    /// @param releaseAt When it will be.
    error OperatorUnbondingNotReleased(address operator, uint64 releaseAt);
    /// @notice The operator has no released stake to withdraw.
    /// @param operator The operator.
    error OperatorNothingToWithdraw(address operator);
    /// @notice The key is zero or already registered.
    /// @param key The key.
    error OperatorKeyUnavailable(address key);
    /// @notice The key's proof of possession does not recover to the key.
    /// @param key The key claimed.
    /// @param recovered The signer recovered from the proof.
    error OperatorKeyProofInvalid(address key, address recovered);
    /// @notice The key is not registered, or not to the caller, or already revoked.
    /// @param key The key.
    /// @param caller The caller.
    error OperatorKeyNotOwned(address key, address caller);
    /// @notice The measurement is not approved.
    /// @param measurement The measurement.
    error OperatorMeasurementNotApproved(bytes32 measurement);
    /// @notice The measurement is zero, or already approved, or revoked (revocation is final).
    /// @param measurement The measurement.
    /// @param status Its current status.
    error OperatorMeasurementInvalidStatus(bytes32 measurement, MeasurementStatus status);
    /// @notice Only the hub may slash.
    /// @param caller The caller.
    error OperatorOnlyHub(address caller);
    /// @notice The hub is set once, at deployment; it can never be pointed elsewhere (a new hub could slash stakes).
    /// @param hub The hub already set.
    error OperatorHubAlreadySet(address hub);
    /// @notice Governance cannot renounce ownership of the registry.
    error OperatorRenounceDisabled();
    /// @notice The unbonding delay is outside 1 hour .. 90 days.
    /// @param delay The delay given.
    error OperatorInvalidUnbondingDelay(uint64 delay);
    /// @notice A native-currency transfer failed.
    /// @param to The recipient.
    /// @param amount The amount.
    error OperatorNativeTransferFailed(address to, uint256 amount);
    /// @notice The account has no slashed stake credited to it.
    /// @param account The account.
    error OperatorNoSlashCredit(address account);

    /// @notice Adds `amount` of the staking asset to the caller's bonded stake (send it as value when native).
    /// @param amount The amount.
    function stake(uint256 amount) external payable;

    /// @notice Moves `amount` of bonded stake to unbonding; it can be withdrawn after the unbonding delay and
    /// stays slashable until then. A new request restarts the delay for the whole unbonding amount.
    /// @param amount The amount.
    function requestUnstake(uint256 amount) external;

    /// @notice Pays out the caller's released unbonding stake.
    function withdrawStake() external;

    /// @notice Registers an enclave signing key for the caller, bound to an approved measurement.
    /// @param key The enclave's signing address.
    /// @param measurement The enclave's code measurement (must be approved).
    /// @param attestationDocHash Hash of the enclave's attestation document.
    /// @param keyProof The key's EIP-712 signature of `EnclaveKeyRegistration(operator, measurement,
    /// attestationDocHash)` under this registry's domain, proving the operator controls the enclave key.
    function registerEnclaveKey(address key, bytes32 measurement, bytes32 attestationDocHash, bytes calldata keyProof)
        external;

    /// @notice Retires one of the caller's enclave keys.
    /// @param key The key.
    function revokeEnclaveKey(address key) external;

    /// @notice Approves a code measurement. Only governance.
    /// @param measurement The measurement.
    function approveMeasurement(bytes32 measurement) external;

    /// @notice Revokes an approved measurement, disabling every key on it. Only governance. Final.
    /// @param measurement The measurement.
    function revokeMeasurement(bytes32 measurement) external;

    /// @notice Sets the unbonding delay for future unstake requests. Only governance.
    /// @param delay Seconds, between 1 hour and 90 days.
    function setUnbondingDelay(uint64 delay) external;

    /// @notice Sets the hub, the only account allowed to slash. Only governance, and only once: a second call
    /// reverts with `OperatorHubAlreadySet`.
    /// @param hub The hub.
    function setHub(address hub) external;

    /// @notice Takes up to `amount` from an operator's stake (bonded first, then unbonding) and credits it to
    /// `recipient`, who withdraws it with `withdrawSlashCredit`. Only the hub. Makes no external call.
    /// @param operator The operator.
    /// @param amount The amount to take.
    /// @param recipient Who is credited with it.
    /// @param jobId The job the slash is for (recorded in the event).
    /// @return slashed The amount actually taken.
    function slash(address operator, uint256 amount, address recipient, uint256 jobId)
        external
        returns (uint256 slashed);

    /// @notice Pays out the slashed stake credited to the caller, in the staking asset.
    /// @return amount The amount paid.
    function withdrawSlashCredit() external returns (uint256 amount);

    /// @notice The operator behind an enclave key if the key is active, registered for `measurement`, and the
    /// measurement is approved; zero otherwise. (The TEE check itself looks the measurement up from the key.)
    /// @param key The enclave key.
    /// @param measurement The measurement the key claims.
    function activeEnclaveOperator(address key, bytes32 measurement) external view returns (address operator);

    /// @notice The staking asset: address(0) for native currency, otherwise an ERC-20.
    function stakeToken() external view returns (address);

    /// @notice The current unbonding delay in seconds.
    function unbondingDelay() external view returns (uint64);

    /// @notice The hub allowed to slash.
    function hub() external view returns (address);

    /// @notice An operator's stake record.
    /// @param operator The operator.
    function getOperator(address operator) external view returns (Operator memory);

    /// @notice The bonded stakes of several operators, in order (the QUORUM verifier's one call per attestation).
    /// Unbonding stake is not included.
    /// @param operators The operators.
    /// @return stakes Their bonded stakes.
    function bondedStakes(address[] calldata operators) external view returns (uint256[] memory stakes);

    /// @notice Slashed stake credited to an account and not yet withdrawn.
    /// @param account The account.
    function slashCreditOf(address account) external view returns (uint256);

    /// @notice An enclave key's record (zero fields if unknown).
    /// @param key The key.
    function getEnclaveKey(address key) external view returns (EnclaveKey memory);

    /// @notice A measurement's status.
    /// @param measurement The measurement.
    function measurementStatus(bytes32 measurement) external view returns (MeasurementStatus);
}
