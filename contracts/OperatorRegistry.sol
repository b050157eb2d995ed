// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IOperatorRegistry} from "./interfaces/IOperatorRegistry.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {QuorumVerifier} from "./verifiers/QuorumVerifier.sol";
import {IResultVerifier} from "./interfaces/IResultVerifier.sol";
import {VerityTypes} from "./libraries/VerityTypes.sol";
import {ModeParams} from "./libraries/ModeParams.sol";
import {IInferenceHub} from "./interfaces/IInferenceHub.sol";

/// @title OperatorRegistry
/// @notice Stakes of Verity operators, and the verifier of the QUORUM mode (it inherits QuorumVerifier), since a
/// quorum check is a lookup of the stakes held here. Enclave keys live in the EnclaveRegistry, which locks stake
/// here behind each key.
contract OperatorRegistry is IOperatorRegistry, QuorumVerifier, Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice The shortest unbonding delay: the longest OPTIMISTIC dispute (a challenge window and its resolution
    /// period), so stake can never leave before a dispute about a claim it backed has ended.
    uint64 public constant MIN_UNBONDING_DELAY = uint64(2 * VerityTypes.MAX_CHALLENGE_WINDOW);
    uint64 private constant _MAX_UNBONDING_DELAY = 90 days;
    /// @notice The longest an announcement of service lasts before the operator must renew it.
    uint64 public constant MAX_SERVICE_PERIOD = 30 days;

    /// @dev An operator's announcement for one version: one slot.
    struct Service {
        uint8 modes;
        uint64 until;
    }

    address private immutable _stakeToken;
    address private _hub;
    uint64 private _unbondingDelay;
    address private _enclaves;
    address private _batches;

    mapping(address operator => Operator) private _operators;
    /// @dev Slashed stake owed to recipients (pull payments: a slash never calls out).
    mapping(address account => uint256) private _slashCredits;
    uint256 private _burned;
    uint256 private _minQuorumStake;
    address private _disputeVerifier;
    mapping(uint256 jobId => mapping(address signer => bool)) private _quorumSlashed;
    mapping(address operator => mapping(bytes32 modelId => mapping(uint32 version => Service))) private _services;

    /// @param governance The owner: sets the hub, the EnclaveRegistry, the unbonding delay and the quorum minimum.
    /// @param stakeToken_ address(0) to stake the native currency, otherwise an ERC-20.
    /// @param unbondingDelay_ Initial unbonding delay in seconds.
    constructor(address governance, address stakeToken_, uint64 unbondingDelay_) Ownable(governance) {
        _stakeToken = stakeToken_;
        _setUnbondingDelay(unbondingDelay_);
    }

    // ─────────────────────────────────────────── staking ──────────────────────────────────────────

    /// @inheritdoc IOperatorRegistry
    function stake(uint256 amount) external payable nonReentrant {
        if (amount == 0) revert OperatorZeroAmount();
        if (_stakeToken == address(0)) {
            if (msg.value != amount) revert OperatorWrongValue(amount, msg.value);
        } else {
            if (msg.value != 0) revert OperatorWrongValue(0, msg.value);
            uint256 before = IERC20(_stakeToken).balanceOf(address(this));
            IERC20(_stakeToken).safeTransferFrom(msg.sender, address(this), amount);
            uint256 received = IERC20(_stakeToken).balanceOf(address(this)) - before;
            if (received != amount) revert OperatorTokenTransferShort(_stakeToken, amount, received);
        }
        Operator storage op = _operators[msg.sender];
        uint256 total = op.stake + amount;
        // Stake and unbonding together stay below 2^128: SafeCast reverts with the offending value otherwise.
        SafeCast.toUint128(total + op.unbonding);
        op.stake = uint128(total);
        emit Staked(msg.sender, amount, total);
    }

    /// @inheritdoc IOperatorRegistry
    function requestUnstake(uint256 amount) external {
        if (amount == 0) revert OperatorZeroAmount();
        Operator storage op = _operators[msg.sender];
        uint256 free = op.stake - op.locked;
        if (amount > free) revert OperatorInsufficientStake(msg.sender, amount, free);
        // Cannot underflow: checked above. Cannot overflow: unbonding + stake <= uint128 max by construction.
        unchecked {
            op.stake -= uint128(amount);
            op.unbonding += uint128(amount);
        }
        uint64 releaseAt = uint64(block.timestamp) + _unbondingDelay;
        op.unbondingReleaseAt = releaseAt;
        emit UnstakeRequested(msg.sender, amount, releaseAt);
    }

    function withdrawStake() external nonReentrant {
        Operator storage op = _operators[msg.sender];
        uint256 amount = op.unbonding;
        if (amount == 0) revert OperatorNothingToWithdraw(msg.sender);
        if (block.timestamp < op.unbondingReleaseAt) {
            revert OperatorUnbondingNotReleased(msg.sender, op.unbondingReleaseAt);
        }
        op.unbonding = 0;
        op.unbondingReleaseAt = 0;
        emit StakeWithdrawn(msg.sender, amount);
        _pay(msg.sender, amount);
    }

    /// @inheritdoc IOperatorRegistry
    function lock(address operator, uint256 amount, uint256 jobId) external {
        _onlyModule();
        Operator storage op = _operators[operator];
        uint256 locked = op.locked;
        uint256 free = op.stake - locked;
        if (amount > free) revert OperatorInsufficientStake(operator, amount, free);
        // Cannot overflow: locked + amount <= stake < 2^128.
        unchecked {
            locked += amount;
        }
        op.locked = uint128(locked);
        emit StakeLocked(operator, jobId, amount, locked);
    }

    /// @inheritdoc IOperatorRegistry
    function unlock(address operator, uint256 amount, uint256 jobId) external {
        _onlyModule();
        Operator storage op = _operators[operator];
        uint256 locked = op.locked;
        if (amount > locked) revert OperatorLockTooSmall(operator, amount, locked);
        unchecked {
            locked -= amount;
        }
        op.locked = uint128(locked);
        emit StakeUnlocked(operator, jobId, amount, locked);
    }

    /// @inheritdoc IOperatorRegistry
    function slash(address operator, uint256 amount, address recipient, uint256 burned_, uint256 jobId)
        external
        returns (uint256 slashed)
    {
        _onlyModule();
        Operator storage op = _operators[operator];
        slashed = amount + burned_;
        uint256 locked = op.locked;
        if (slashed > locked) revert OperatorLockTooSmall(operator, slashed, locked);
        // Cannot underflow: slashed <= locked <= stake. Cannot overflow: the credits are backed by stake this
        // registry holds, so every credit and stake together stay below the asset's supply.
        unchecked {
            op.locked = uint128(locked - slashed);
            op.stake -= uint128(slashed);
            if (amount != 0) _slashCredits[recipient] += amount;
            _burned += burned_;
        }
        emit OperatorSlashed(operator, jobId, amount, recipient, burned_);
    }

    /// @inheritdoc IOperatorRegistry
    /// @custom:security Its external calls are views: the hub (the job's commitment) and the ZK verifier (set once).
    function disputeQuorum(
        uint256 jobId,
        IInferenceHub.Job calldata job,
        bytes32 signedOutputHash,
        bytes32 outputURIHash,
        bytes calldata votes,
        IInferenceHub.Result calldata trueResult,
        bytes calldata proof
    ) external nonReentrant returns (uint256 slashed) {
        _checkQuorumJob(jobId, job);
        bytes32 provenOutputHash = _proveDispute(jobId, job, signedOutputHash, trueResult, proof);
        address[] memory signers = _disputedSigners(jobId, job, signedOutputHash, outputURIHash, votes);
        (, uint256 amount) = ModeParams.quorum(job.params);
        uint256 floor = _minQuorumStake;
        if (floor > amount) amount = floor;
        for (uint256 i; i < signers.length; ++i) {
            slashed += _slashVoter(jobId, signers[i], amount);
            emit QuorumVoteSlashed(jobId, signers[i], signedOutputHash, provenOutputHash, msg.sender);
        }
    }

    function withdrawSlashCredit() external nonReentrant returns (uint256 amount) {
        amount = _slashCredits[msg.sender];
        if (amount == 0) revert OperatorNoSlashCredit(msg.sender);
        delete _slashCredits[msg.sender];
        emit SlashCreditWithdrawn(msg.sender, amount);
        _pay(msg.sender, amount);
    }

    // ───────────────────────────────────────── verification ───────────────────────────────────────

    /// @inheritdoc IResultVerifier
    /// @dev The QUORUM mode's check (signer entries, see QuorumVerifier); the hub calls it for QUORUM jobs.
    function verifyResult(Job calldata job, bytes calldata attestation)
        external
        view
        returns (address[] memory operators)
    {
        operators = _verifyQuorum(job, attestation);
        // Return abi.encode(operators) in place (the array's words are already clean addresses): the word before
        // the array becomes the offset. Nothing runs after `return`, so that word's previous content (possibly the
        // zero slot, hence no "memory-safe" tag) is not needed again.
        assembly {
            let start := sub(operators, 0x20)
            mstore(start, 0x20)
            return(start, add(0x40, shl(5, mload(operators))))
        }
    }

    // ─────────────────────────────────────── announcements ────────────────────────────────────────

    /// @inheritdoc IOperatorRegistry
    function announceService(bytes32 modelId, uint32 version, uint8 modes, uint64 until) external {
        if (_operators[msg.sender].stake == 0) revert ServiceNotStaked(msg.sender);
        if (modes == 0) {
            delete _services[msg.sender][modelId][version];
            emit ServiceAnnounced(msg.sender, modelId, version, 0, 0);
            return;
        }
        if (_hub == address(0)) revert ServiceUnknownVersion(modelId, version);
        IModelRegistry.Version memory v;
        try IModelRegistry(_hub).getVersion(modelId, version) returns (IModelRegistry.Version memory found) {
            v = found;
        } catch {
            revert ServiceUnknownVersion(modelId, version);
        }
        if (v.deprecated) revert ServiceUnknownVersion(modelId, version);
        if (modes & ~v.modes != 0) revert ServiceInvalidModes(modes, v.modes);
        uint256 latest = block.timestamp + MAX_SERVICE_PERIOD;
        if (until <= block.timestamp || until > latest) revert ServiceInvalidUntil(until, latest);
        _services[msg.sender][modelId][version] = Service(modes, until);
        emit ServiceAnnounced(msg.sender, modelId, version, modes, until);
    }

    /// @inheritdoc IOperatorRegistry
    function serviceOf(address operator, bytes32 modelId, uint32 version) external view returns (uint8 modes, uint64 until) {
        Service memory s = _services[operator][modelId][version];
        if (s.until <= block.timestamp) return (0, 0);
        return (s.modes, s.until);
    }

    // ────────────────────────────────────────── governance ────────────────────────────────────────

    /// @inheritdoc IOperatorRegistry
    function setUnbondingDelay(uint64 delay) external onlyOwner {
        _setUnbondingDelay(delay);
    }

    /// @inheritdoc IOperatorRegistry
    function setHub(address hub_) external onlyOwner {
        if (_hub != address(0)) revert OperatorHubAlreadySet(_hub);
        if (hub_ == address(0)) revert OperatorOnlyHub(address(0));
        emit HubUpdated(address(0), hub_);
        _hub = hub_;
    }

    /// @inheritdoc IOperatorRegistry
    function setEnclaveRegistry(address enclaveRegistry_) external onlyOwner {
        if (_enclaves != address(0)) revert OperatorEnclaveRegistryAlreadySet(_enclaves);
        if (enclaveRegistry_ == address(0)) revert OperatorOnlyHub(address(0));
        emit EnclaveRegistrySet(enclaveRegistry_);
        _enclaves = enclaveRegistry_;
    }

    /// @inheritdoc IOperatorRegistry
    function setBatchSettlement(address batchSettlement_) external onlyOwner {
        if (_batches != address(0)) revert OperatorBatchSettlementAlreadySet(_batches);
        if (batchSettlement_ == address(0)) revert OperatorOnlyHub(address(0));
        emit BatchSettlementSet(batchSettlement_);
        _batches = batchSettlement_;
    }

    /// @inheritdoc IOperatorRegistry
    function setMinQuorumStake(uint256 minStake) external onlyOwner {
        emit MinQuorumStakeUpdated(_minQuorumStake, minStake);
        _minQuorumStake = minStake;
    }

    /// @inheritdoc IOperatorRegistry
    function setDisputeVerifier(address verifier) external onlyOwner {
        if (_disputeVerifier != address(0)) revert OperatorDisputeVerifierAlreadySet(_disputeVerifier);
        if (verifier == address(0)) revert OperatorNoDisputeVerifier();
        emit DisputeVerifierSet(verifier);
        _disputeVerifier = verifier;
    }

    /// @notice Disabled: governance cannot renounce ownership (always reverts with `OperatorRenounceDisabled`).
    function renounceOwnership() public view override onlyOwner {
        revert OperatorRenounceDisabled();
    }

    // ──────────────────────────────────────────── views ───────────────────────────────────────────

    /// @dev QuorumVerifier hook: one storage read (stake and locked share a slot). A vote counts the free stake
    /// only: stake locked behind open claims or enclave keys backs those, and a quorum dispute cannot take it.
    function _bondedStake(address operator) internal view override returns (uint256) {
        return _freeStake(_operators[operator]);
    }

    /// @inheritdoc IOperatorRegistry
    function stakeToken() external view returns (address) {
        return _stakeToken;
    }

    /// @inheritdoc IOperatorRegistry
    function unbondingDelay() external view returns (uint64) {
        return _unbondingDelay;
    }

    /// @inheritdoc IOperatorRegistry
    function hub() external view returns (address) {
        return _hub;
    }

    /// @inheritdoc IOperatorRegistry
    function enclaveRegistry() external view returns (address) {
        return _enclaves;
    }

    /// @inheritdoc IOperatorRegistry
    function batchSettlement() external view returns (address) {
        return _batches;
    }

    /// @inheritdoc IOperatorRegistry
    function getOperator(address operator) external view returns (Operator memory) {
        return _operators[operator];
    }

    /// @inheritdoc IOperatorRegistry
    function bondedStakes(address[] calldata operators) external view returns (uint256[] memory stakes) {
        uint256 n = operators.length;
        stakes = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            stakes[i] = _freeStake(_operators[operators[i]]);
        }
    }

    /// @inheritdoc IOperatorRegistry
    function minQuorumStake() external view returns (uint256) {
        return _minQuorumStake;
    }

    /// @inheritdoc IOperatorRegistry
    function disputeVerifier() external view returns (address) {
        return _disputeVerifier;
    }

    /// @inheritdoc IOperatorRegistry
    function quorumSlashed(uint256 jobId, address signer) external view returns (bool) {
        return _quorumSlashed[jobId][signer];
    }

    /// @inheritdoc IOperatorRegistry
    function zkCircuitOf(bytes32 modelId, uint32 version) external view returns (address, bytes32) {
        return IModelRegistry(_hub).zkCircuitOf(modelId, version);
    }

    /// @inheritdoc IOperatorRegistry
    function zkCircuit(bytes32 modelId, uint32 version) external view returns (address, bytes32, bytes32) {
        return IModelRegistry(_hub).zkCircuit(modelId, version);
    }

    /// @inheritdoc IOperatorRegistry
    function burned() external view returns (uint256) {
        return _burned;
    }

    /// @inheritdoc IOperatorRegistry
    function slashCreditOf(address account) external view returns (uint256) {
        return _slashCredits[account];
    }

    // ────────────────────────────────────────── internals ─────────────────────────────────────────

    /// @dev Reverts unless `job` is a QUORUM job of this registry, known to the hub, within its dispute period.
    function _checkQuorumJob(uint256 jobId, IInferenceHub.Job calldata job) private view {
        (, bytes32 stored) = IInferenceHub(_hub).getJob(jobId);
        bytes32 commitment = IInferenceHub(_hub).jobCommitment(jobId, job);
        if (
            stored == bytes32(0) || (stored ^ commitment) >> 8 != 0 || job.mode != VerityTypes.MODE_QUORUM
                || job.verifier != address(this)
        ) revert QuorumDisputeInvalidJob(jobId);
        uint256 closesAt = uint256(job.deadline) + MIN_UNBONDING_DELAY;
        if (block.timestamp > closesAt) revert QuorumDisputeClosed(jobId, closesAt);
    }

    /// @dev Reverts unless `proof` proves `trueResult` (inline, not `signedOutputHash`) for the job and the caller.
    function _proveDispute(
        uint256 jobId,
        IInferenceHub.Job calldata job,
        bytes32 signedOutputHash,
        IInferenceHub.Result calldata trueResult,
        bytes calldata proof
    ) private view returns (bytes32 provenOutputHash) {
        address verifier = _disputeVerifier;
        if (verifier == address(0)) revert OperatorNoDisputeVerifier();
        if (bytes(trueResult.outputURI).length != 0) revert QuorumDisputeOutputNotInline(jobId);
        provenOutputHash = keccak256(trueResult.output);
        if (provenOutputHash == signedOutputHash) revert QuorumDisputeOutputsAgree(jobId, provenOutputHash);
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

    /// @dev Slashes one wrong voter once per job: half of what it has (up to `amount`) to the caller, half burned.
    function _slashVoter(uint256 jobId, address signer, uint256 amount) private returns (uint256 taken) {
        if (_quorumSlashed[jobId][signer]) revert QuorumSignerAlreadySlashed(jobId, signer);
        _quorumSlashed[jobId][signer] = true;
        taken = _takeUnlocked(signer, amount);
        uint256 toDisputer = taken / 2;
        // Cannot overflow: the credits are backed by stake this registry holds.
        unchecked {
            if (toDisputer != 0) _slashCredits[msg.sender] += toDisputer;
            _burned += taken - toDisputer;
        }
        emit OperatorSlashed(signer, jobId, toDisputer, msg.sender, taken - toDisputer);
    }

    /// @dev The signers of `votes` for `signedOutputHash` on the job (under the hub's domain).
    function _disputedSigners(
        uint256 jobId,
        IInferenceHub.Job calldata job,
        bytes32 signedOutputHash,
        bytes32 outputURIHash,
        bytes calldata votes
    ) private view returns (address[] memory) {
        uint256 length = votes.length;
        if (length == 0 || length % 85 != 0 || length / 85 > MAX_QUORUM_SIGNERS) {
            revert QuorumMalformedAttestation(length);
        }
        bytes32 digest =
            _voteDigest(_hub, jobId, job.modelId, job.version, job.inputHash, signedOutputHash, outputURIHash);
        return _signersOf(jobId, digest, votes, length / 85);
    }

    /// @dev Takes up to `amount` of an operator's free bonded stake, then of its unbonding stake (never locked stake).
    function _takeUnlocked(address operator, uint256 amount) private returns (uint256 taken) {
        Operator storage op = _operators[operator];
        uint256 free = op.stake - op.locked;
        uint256 fromStake = amount < free ? amount : free;
        uint256 rest = amount - fromStake;
        uint256 fromUnbonding = rest < op.unbonding ? rest : op.unbonding;
        // Cannot underflow: each part is at most the balance it is taken from.
        unchecked {
            op.stake -= uint128(fromStake);
            op.unbonding -= uint128(fromUnbonding);
            taken = fromStake + fromUnbonding;
        }
    }

    /// @dev Bonded stake not locked behind a claim or a key. Cannot underflow: locked <= stake.
    function _freeStake(Operator storage op) private view returns (uint256) {
        unchecked {
            return op.stake - op.locked;
        }
    }

    /// @dev Lock, unlock and slash: the hub (for the job's settlement module) or the EnclaveRegistry (for keys).
    function _onlyModule() private view {
        if (msg.sender != _hub && msg.sender != _enclaves && msg.sender != _batches) revert OperatorOnlyHub(msg.sender);
    }

    function _minSignerStake() internal view override returns (uint256) {
        return _minQuorumStake;
    }

    function _setUnbondingDelay(uint64 delay) private {
        if (delay < MIN_UNBONDING_DELAY || delay > _MAX_UNBONDING_DELAY) revert OperatorInvalidUnbondingDelay(delay);
        emit UnbondingDelayUpdated(_unbondingDelay, delay);
        _unbondingDelay = delay;
    }

    function _pay(address to, uint256 amount) private {
        if (_stakeToken == address(0)) {
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert OperatorNativeTransferFailed(to, amount);
        } else {
            IERC20(_stakeToken).safeTransfer(to, amount);
        }
    }
}
