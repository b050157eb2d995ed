// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IInferenceHub} from "./IInferenceHub.sol";

/// @title IOperatorRegistry
/// @notice Operators stake and unbond after a delay; the QUORUM mode's verifier. Stake is locked behind open claims
/// and slashed only through the modes: by the hub (for a job's settlement module) and by the EnclaveRegistry (for
/// the stake behind an enclave key, see IEnclaveRegistry). A slash makes no external call: the stake taken is
/// credited to the recipient, who pulls it with `withdrawSlashCredit`, so no recipient (one that refuses the
/// native currency, or a blocklisted token holder) can block it.
interface IOperatorRegistry {
    /// @notice An operator's stake. `locked` is the part of `stake` that backs open claims (an OPTIMISTIC proposal
    /// until it is final, an enclave key until its stake is released): it cannot be unstaked, and only it can be slashed. Unbonding stake is never slashed.
    /// @param stake Bonded stake, locked part included.
    /// @param locked Bonded stake locked by open claims (at most `stake`).
    /// @param unbonding Stake on its way out.
    /// @param unbondingReleaseAt When `unbonding` can be withdrawn.
    struct Operator {
        uint128 stake;
        uint128 locked;
        uint128 unbonding;
        uint64 unbondingReleaseAt;
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
    /// @notice Emitted when the hub slashes an operator's locked stake.
    /// @param operator The slashed operator.
    /// @param jobId The job whose dispute caused the slash.
    /// @param amount The amount credited to `recipient` (see `withdrawSlashCredit`).
    /// @param recipient Who was credited with it.
    /// @param burned The amount destroyed besides (kept by the registry for ever, see `burned()`).
    event OperatorSlashed(
        address indexed operator, uint256 indexed jobId, uint256 amount, address recipient, uint256 burned
    );
    /// @notice Emitted when governance changes the protocol's least stake for quorum signers.
    /// @param oldStake The previous minimum.
    /// @param newStake The new minimum.
    event MinQuorumStakeUpdated(uint256 oldStake, uint256 newStake);
    /// @notice Emitted once, when governance sets the ZK verifier that settles quorum disputes.
    /// @param verifier The ZK verifier.
    event DisputeVerifierSet(address verifier);
    /// @notice Emitted when a ZK proof of a job's true output slashes a quorum signer who voted for another output.
    /// @param jobId The job.
    /// @param signer The signer slashed (see `OperatorSlashed` for the amounts).
    /// @param signedOutputHash The output it voted for.
    /// @param provenOutputHash The output the proof is for.
    /// @param disputer Who proved it (credited half the slash).
    event QuorumVoteSlashed(
        uint256 indexed jobId, address indexed signer, bytes32 signedOutputHash, bytes32 provenOutputHash, address disputer
    );
    /// @notice Emitted when the hub locks bonded stake behind a claim.
    /// @param operator The operator.
    /// @param jobId The job the claim is for.
    /// @param amount The amount locked.
    /// @param locked The operator's locked stake afterwards.
    event StakeLocked(address indexed operator, uint256 indexed jobId, uint256 amount, uint256 locked);
    /// @notice Emitted when the hub releases locked stake.
    /// @param operator The operator.
    /// @param jobId The job the claim was for.
    /// @param amount The amount unlocked.
    /// @param locked The operator's locked stake afterwards.
    event StakeUnlocked(address indexed operator, uint256 indexed jobId, uint256 amount, uint256 locked);
    /// @notice Emitted when an account withdraws the slashed stake credited to it.
    /// @param account The account paid.
    /// @param amount The amount, in the staking asset.
    event SlashCreditWithdrawn(address indexed account, uint256 amount);
    /// @notice Emitted when governance changes the unbonding delay.
    /// @param oldDelay The previous delay in seconds.
    /// @param newDelay The new delay in seconds.
    event UnbondingDelayUpdated(uint64 oldDelay, uint64 newDelay);
    /// @notice Emitted once, when governance sets the EnclaveRegistry allowed to lock, unlock and slash the stake
    /// behind enclave keys.
    /// @param enclaveRegistry The EnclaveRegistry.
    event EnclaveRegistrySet(address enclaveRegistry);
    /// @notice Emitted once, when governance sets the BatchSettlement allowed to lock, unlock and slash the stake
    /// behind BATCH bonds.
    /// @param batchSettlement The BatchSettlement.
    event BatchSettlementSet(address batchSettlement);
    /// @notice Emitted when governance sets the hub allowed to slash.
    /// @param oldHub The previous hub.
    /// @param newHub The new hub.
    event HubUpdated(address oldHub, address newHub);
    /// @notice Emitted when an operator announces that it serves a model version, or (modes 0) that it stopped. An
    /// announcement is advisory: it lets requesters see before escrow that someone will serve a job; it binds nobody
    /// and moves no funds (an unserved job is still refunded after its deadline).
    /// @param operator The announcing operator (an account with bonded stake).
    /// @param modelId The model.
    /// @param version The version.
    /// @param modes The modes it serves the version in, a bitmask of `1 << mode` (0: it stopped serving it).
    /// @param until When the announcement lapses, in unix seconds (0 when withdrawn); a running node renews it.
    event ServiceAnnounced(address indexed operator, bytes32 indexed modelId, uint32 indexed version, uint8 modes, uint64 until);

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
    /// @notice The operator's locked stake is smaller than the amount to unlock or slash.
    /// @param operator The operator.
    /// @param amount The amount asked for.
    /// @param locked Its locked stake.
    error OperatorLockTooSmall(address operator, uint256 amount, uint256 locked);
    /// @notice The job is not a QUORUM job of this registry known to the hub (commitment mismatch, wrong mode or
    /// verifier).
    /// @param jobId The job.
    error QuorumDisputeInvalidJob(uint256 jobId);
    /// @notice The dispute period (the job's deadline plus `MIN_UNBONDING_DELAY`) is over.
    /// @param jobId The job.
    /// @param closedAt Its last second.
    error QuorumDisputeClosed(uint256 jobId, uint256 closedAt);
    /// @notice The proven output is the one the signers voted for: nothing to slash.
    /// @param jobId The job.
    /// @param outputHash The output.
    error QuorumDisputeOutputsAgree(uint256 jobId, bytes32 outputHash);
    /// @notice A quorum dispute's proven output must be inline.
    /// @param jobId The job.
    error QuorumDisputeOutputNotInline(uint256 jobId);
    /// @notice The signer was already slashed for a vote on this job.
    /// @param jobId The job.
    /// @param signer The signer.
    error QuorumSignerAlreadySlashed(uint256 jobId, address signer);
    /// @notice No ZK verifier is set to settle quorum disputes.
    error OperatorNoDisputeVerifier();
    /// @notice The dispute verifier is set once; it can never be pointed elsewhere (a new one could slash stakes).
    /// @param verifier The verifier already set.
    error OperatorDisputeVerifierAlreadySet(address verifier);
    /// @notice Only the hub (and, for `lock`, `unlock` and `slash`, the EnclaveRegistry and the BatchSettlement) may do this.
    /// @param caller The caller.
    error OperatorOnlyHub(address caller);
    /// @notice The EnclaveRegistry is set once; it can never be pointed elsewhere (a new one could slash stakes).
    /// @param enclaveRegistry The EnclaveRegistry already set.
    error OperatorEnclaveRegistryAlreadySet(address enclaveRegistry);
    /// @notice The BatchSettlement is set once; it can never be pointed elsewhere (a new one could slash stakes).
    /// @param batchSettlement The BatchSettlement already set.
    error OperatorBatchSettlementAlreadySet(address batchSettlement);
    /// @notice The hub is set once, at deployment; it can never be pointed elsewhere (a new hub could slash stakes).
    /// @param hub The hub already set.
    error OperatorHubAlreadySet(address hub);
    /// @notice Governance cannot renounce ownership of the registry.
    error OperatorRenounceDisabled();
    /// @notice The unbonding delay is outside `MIN_UNBONDING_DELAY` (6 days) .. 90 days.
    /// @param delay The delay given.
    error OperatorInvalidUnbondingDelay(uint64 delay);
    /// @notice A native-currency transfer failed.
    /// @param to The recipient.
    /// @param amount The amount.
    error OperatorNativeTransferFailed(address to, uint256 amount);
    /// @notice The account has no slashed stake credited to it.
    /// @param account The account.
    error OperatorNoSlashCredit(address account);

    /// @notice Only an account with bonded stake may announce a service.
    /// @param operator The caller.
    error ServiceNotStaked(address operator);
    /// @notice The version does not exist, is deprecated, or the hub is not set.
    /// @param modelId The model.
    /// @param version The version.
    error ServiceUnknownVersion(bytes32 modelId, uint32 version);
    /// @notice The announced modes are not a subset of the modes the version offers.
    /// @param modes The modes announced.
    /// @param offered The version's modes.
    error ServiceInvalidModes(uint8 modes, uint8 offered);
    /// @notice An announcement must lapse after the current block and at most `MAX_SERVICE_PERIOD` later.
    /// @param until The lapse time given.
    /// @param latest The latest lapse time allowed now.
    error ServiceInvalidUntil(uint64 until, uint256 latest);

    /// @notice Adds `amount` of the staking asset to the caller's bonded stake (send it as value when native).
    /// @param amount The amount.
    function stake(uint256 amount) external payable;

    /// @notice Moves `amount` of free (unlocked) bonded stake to unbonding; it can be withdrawn after the unbonding
    /// delay. A new request restarts the delay for the whole unbonding amount. Locked stake cannot be unstaked
    /// (`OperatorInsufficientStake` names the free amount).
    /// @param amount The amount.
    function requestUnstake(uint256 amount) external;

    /// @notice Pays out the caller's released unbonding stake.
    function withdrawStake() external;

    /// @notice Sets the unbonding delay for future unstake requests. Only governance.
    /// @param delay Seconds, between `MIN_UNBONDING_DELAY` (the longest OPTIMISTIC dispute: a challenge window and
    /// its resolution period) and 90 days.
    function setUnbondingDelay(uint64 delay) external;

    /// @notice Sets the hub, the only account allowed to slash. Only governance, and only once: a second call
    /// reverts with `OperatorHubAlreadySet`.
    /// @param hub The hub.
    function setHub(address hub) external;

    /// @notice Sets the EnclaveRegistry, allowed to lock, unlock and slash the stake behind enclave keys. Only
    /// governance, and only once: a second call reverts with `OperatorEnclaveRegistryAlreadySet`.
    /// @param enclaveRegistry The EnclaveRegistry.
    function setEnclaveRegistry(address enclaveRegistry) external;

    /// @notice Sets the BatchSettlement, allowed to lock, unlock and slash the stake behind BATCH bonds (with
    /// `jobId` 0). Only governance, and only once: a second call reverts with `OperatorBatchSettlementAlreadySet`.
    /// @param batchSettlement The BatchSettlement.
    function setBatchSettlement(address batchSettlement) external;

    /// @notice Locks `amount` of an operator's free bonded stake behind a claim for `jobId`. Only the hub (for the
    /// job's settlement module), the EnclaveRegistry (behind an enclave key, with `jobId` 0) or the BatchSettlement
    /// (behind a BATCH bond, with `jobId` 0). Makes no external call.
    /// @param operator The operator.
    /// @param amount The amount; reverts with `OperatorInsufficientStake` when more than the free stake.
    /// @param jobId The job (recorded in the event).
    function lock(address operator, uint256 amount, uint256 jobId) external;

    /// @notice Releases locked stake. Only the hub, the EnclaveRegistry or the BatchSettlement. Makes no external call.
    /// @param operator The operator.
    /// @param amount The amount; reverts with `OperatorLockTooSmall` when more than the locked stake.
    /// @param jobId The job (recorded in the event).
    function unlock(address operator, uint256 amount, uint256 jobId) external;

    /// @notice Takes `amount + burned` of an operator's locked stake: `amount` is credited to `recipient`, who
    /// withdraws it with `withdrawSlashCredit`, and `burned` stays in the registry for ever. Only the hub, the
    /// EnclaveRegistry or the BatchSettlement. Makes no external call.
    /// @param operator The operator.
    /// @param amount The amount credited.
    /// @param recipient Who is credited with it.
    /// @param burned The amount destroyed.
    /// @param jobId The job the slash is for (recorded in the event).
    /// @return slashed The amount taken in all.
    function slash(address operator, uint256 amount, address recipient, uint256 burned, uint256 jobId)
        external
        returns (uint256 slashed);

    /// @notice Slashes every signer of a wrong QUORUM vote. A vote is evidence by itself: `votes` (entries like a
    /// quorum attestation, `signer | r | s | v` ascending) signed `signedOutputHash` with `outputURIHash` for the job,
    /// and `proof` (the ZK mode's attestation, bound to the caller) proves the version's circuit maps the job's input
    /// to `trueResult`, another output. Each signer loses the larger of the job's `minStake` and `minQuorumStake`
    /// (or what it has: free bonded stake first, then unbonding, never stake locked for open claims): half credited to
    /// the caller, half burned. Anyone may call, until the job's deadline plus `MIN_UNBONDING_DELAY`; stake a signer
    /// unbonds after voting stays slashable that long. Makes no external call but views (hub, ZK verifier).
    /// @param jobId The job.
    /// @param job The job as emitted in the hub's `InferenceRequested`.
    /// @param signedOutputHash The output the signers voted for.
    /// @param outputURIHash The delivery form they voted for.
    /// @param votes The signers' entries.
    /// @param trueResult The true output, inline.
    /// @param proof The ZK attestation of `trueResult`, proven for this job and the caller.
    /// @return slashed The stake taken in all.
    function disputeQuorum(
        uint256 jobId,
        IInferenceHub.Job calldata job,
        bytes32 signedOutputHash,
        bytes32 outputURIHash,
        bytes calldata votes,
        IInferenceHub.Result calldata trueResult,
        bytes calldata proof
    ) external returns (uint256 slashed);

    /// @notice Sets the protocol's least bonded stake for quorum signers. Only governance.
    /// @param minStake The minimum, in stake-token units.
    function setMinQuorumStake(uint256 minStake) external;

    /// @notice Sets the ZK verifier that settles quorum disputes. Only governance, and only once.
    /// @param verifier The ZK verifier.
    function setDisputeVerifier(address verifier) external;

    /// @notice The protocol's least bonded stake for quorum signers.
    function minQuorumStake() external view returns (uint256);

    /// @notice The ZK verifier that settles quorum disputes (zero until set).
    function disputeVerifier() external view returns (address);

    /// @notice Whether `signer` was slashed for a vote on `jobId`.
    /// @param jobId The job.
    /// @param signer The signer.
    function quorumSlashed(uint256 jobId, address signer) external view returns (bool);

    /// @notice The hub's circuit for a version, presented to the ZK verifier (which reads circuits from its caller)
    /// during a quorum dispute.
    /// @param modelId The model.
    /// @param version The version.
    function zkCircuitOf(bytes32 modelId, uint32 version)
        external
        view
        returns (address verifier, bytes32 modelCommitment);

    /// @notice The hub's circuit for a version with its verifying key hash, presented to the ZK verifier (which
    /// reads circuits from its caller) during a quorum dispute.
    /// @param modelId The model.
    /// @param version The version.
    function zkCircuit(bytes32 modelId, uint32 version)
        external
        view
        returns (address verifier, bytes32 modelCommitment, bytes32 verifyingKeyHash);

    /// @notice Pays out the slashed stake credited to the caller, in the staking asset.
    /// @return amount The amount paid.
    function withdrawSlashCredit() external returns (uint256 amount);

    /// @notice The staking asset: address(0) for native currency, otherwise an ERC-20.
    function stakeToken() external view returns (address);

    /// @notice The current unbonding delay in seconds.
    function unbondingDelay() external view returns (uint64);

    /// @notice The hub allowed to slash.
    function hub() external view returns (address);

    /// @notice The EnclaveRegistry allowed to lock and slash the stake behind enclave keys (zero until set).
    function enclaveRegistry() external view returns (address);

    /// @notice The BatchSettlement allowed to lock and slash the stake behind BATCH bonds (zero until set).
    function batchSettlement() external view returns (address);

    /// @notice An operator's stake record.
    /// @param operator The operator.
    function getOperator(address operator) external view returns (Operator memory);

    /// @notice The stakes that count for QUORUM votes of several operators, in order: bonded stake that is not
    /// locked (behind an open OPTIMISTIC proposal or an enclave key), since only that can be slashed by a quorum
    /// dispute. Unbonding stake is not included.
    /// @param operators The operators.
    /// @return stakes Their free bonded stakes.
    function bondedStakes(address[] calldata operators) external view returns (uint256[] memory stakes);

    /// @notice Announces that the caller serves `version` of `modelId` in `modes` until `until` (emits
    /// `ServiceAnnounced`), replacing its previous announcement for that version; `modes` 0 withdraws it. The caller
    /// must have bonded stake; the modes must be offered by the version, which must exist and not be deprecated.
    /// @param modelId The model.
    /// @param version The version.
    /// @param modes Bitmask of `1 << mode`, a subset of the version's modes; 0 withdraws (then `until` is ignored).
    /// @param until When the announcement lapses: after this block, at most `MAX_SERVICE_PERIOD` (30 days) ahead.
    function announceService(bytes32 modelId, uint32 version, uint8 modes, uint64 until) external;

    /// @notice An operator's current announcement for a version (modes 0 when none, withdrawn, or lapsed).
    /// @param operator The operator.
    /// @param modelId The model.
    /// @param version The version.
    /// @return modes The modes announced, a bitmask of `1 << mode`.
    /// @return until When the announcement lapses (unix seconds).
    function serviceOf(address operator, bytes32 modelId, uint32 version) external view returns (uint8 modes, uint64 until);

    /// @notice Stake destroyed by slashes so far (held by the registry for ever).
    function burned() external view returns (uint256);

    /// @notice Slashed stake credited to an account and not yet withdrawn.
    /// @param account The account.
    function slashCreditOf(address account) external view returns (uint256);
}
