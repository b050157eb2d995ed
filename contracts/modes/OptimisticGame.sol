// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IInferenceHub} from "../interfaces/IInferenceHub.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IOptimisticGame} from "../interfaces/IOptimisticGame.sol";
import {IResultVerifier} from "../interfaces/IResultVerifier.sol";
import {IZkVerifier} from "../interfaces/IZkVerifier.sol";
import {ModeParams} from "../libraries/ModeParams.sol";

/// @title OptimisticGame
/// @notice The OPTIMISTIC mode's dispute game (see IOptimisticGame for the rules and the payout table). The hub
/// commits every OPTIMISTIC job to the game that was its mode's verifier at request time, and only that game can
/// hold, settle, unlock or slash for it; the game in turn is deployed with the one ZK verifier that settles its
/// challenges, so a job's dispute verifier is fixed when it is requested.
/// @dev Bonds are held here while a proposal is open and paid out through `hub.depositFor`, so every payout is
/// withdrawn from the hub. The game's native balance is always the sum of the open proposals' bonds (one bond per
/// proposal, two once challenged). Storage per open proposal: proposer | closesAt, outputHash, challenger.
contract OptimisticGame is IOptimisticGame {
    /// @dev The delivery form of inline output: keccak256 of the empty URI.
    bytes32 private constant _INLINE_OUTPUT = keccak256("");

    IInferenceHub private immutable _hub;
    IZkVerifier private immutable _zk;
    uint256 private immutable _minBond;

    mapping(uint256 jobId => Proposal) private _proposals;
    mapping(bytes32 commitment => uint256 blockNumber) private _commits;

    /// @param hub_ The hub whose OPTIMISTIC jobs the game settles (also the model registry).
    /// @param zkVerifier_ The ZK verifier that settles challenges.
    /// @param minBond_ The least bond a request may ask for: it should cover the gas of a resolution (about
    /// 330,000) at the chain's usual gas price, since the loser's bond pays the resolver.
    constructor(address hub_, address zkVerifier_, uint256 minBond_) {
        if (hub_ == address(0) || zkVerifier_ == address(0)) revert GameZeroAddress();
        _hub = IInferenceHub(hub_);
        _zk = IZkVerifier(zkVerifier_);
        _minBond = minBond_ == 0 ? 1 : minBond_;
    }

    // ─────────────────────────────────────────── the hub's calls ──────────────────────────────────

    /// @notice Always reverts with `GameUseProposals`: an OPTIMISTIC job is settled by its game, not by `fulfill`.
    /// @param job The job the hub was asked to fulfil.
    function verifyResult(Job calldata job, bytes calldata) external pure returns (address[] memory) {
        revert GameUseProposals(job.jobId);
    }

    /// @notice Refuses OPTIMISTIC requests a challenge could not be resolved for: parameters out of range (a window
    /// of 10 minutes .. 3 days, a bond of at least `minBond`, a non-zero slash amount), an input given by URI, or a
    /// version whose circuit governance has not allowed or whose domain the input is outside (the ZK verifier's
    /// errors). The hub calls it with each OPTIMISTIC request; anyone may call it to check terms first.
    /// @param modelId The model.
    /// @param version The version.
    /// @param params The request's parameters.
    /// @param input The inline input.
    function checkRequest(bytes32 modelId, uint32 version, uint256 params, bytes calldata input) external view {
        (, uint256 bond, uint256 slashAmount) = ModeParams.optimistic(params);
        if (!ModeParams.isValidOptimistic(params) || slashAmount == 0) revert GameInvalidParams(params);
        if (bond < _minBond) revert GameBondTooLow(bond, _minBond);
        if (input.length == 0) revert GameInputNotInline();
        _zk.checkRequest(address(_hub), modelId, version, input);
    }

    // ───────────────────────────────────────────── proposals ──────────────────────────────────────

    /// @inheritdoc IOptimisticGame
    function commitProposal(uint256 jobId, bytes32 commitment) external {
        if (_commits[commitment] == 0) _commits[commitment] = block.number;
        emit ProposalCommitted(jobId, msg.sender, commitment);
    }

    /// @inheritdoc IOptimisticGame
    /// @custom:security The hub checks the job against its commitment, that this game is its verifier, that it is
    /// pending and before its deadline, and locks the stake (reverting with the registry's error when the free stake
    /// is short). Its only external calls are to the hub, which calls only the registry.
    function proposeResult(
        uint256 jobId,
        IInferenceHub.Job calldata job,
        IInferenceHub.Result calldata result,
        bytes32 salt
    ) external payable {
        Proposal storage p = _proposals[jobId];
        if (p.proposer != address(0)) revert GameAlreadyProposed(jobId, p.proposer);
        (uint256 window, uint256 bond, uint256 slashAmount) = ModeParams.optimistic(job.params);
        if (msg.value != bond) revert GameWrongBond(jobId, bond, msg.value);
        bytes32 outputHash = _inlineOutputHash(jobId, result);
        bytes32 commitment = keccak256(abi.encode(jobId, msg.sender, outputHash, salt));
        uint256 committedAt = _commits[commitment];
        if (committedAt == 0) revert GameNotCommitted(jobId, msg.sender, commitment);
        if (committedAt >= block.number) revert GameCommitTooRecent(jobId, committedAt);
        delete _commits[commitment];

        uint64 closesAt = _closingTime(window);
        p.proposer = msg.sender;
        p.closesAt = closesAt;
        p.outputHash = outputHash;
        emit ResultProposed(jobId, msg.sender, outputHash, bond, closesAt, result.output);
        _hub.hold(jobId, job, IInferenceHub.JobStatus.Proposed, msg.sender, slashAmount);
    }

    /// @inheritdoc IOptimisticGame
    function challenge(uint256 jobId, IInferenceHub.Job calldata job) external payable {
        Proposal storage p = _proposals[jobId];
        address proposer = p.proposer;
        if (proposer == address(0)) revert GameNoProposal(jobId);
        if (p.challenger != address(0)) revert GameAlreadyChallenged(jobId, p.challenger);
        uint64 closesAt = p.closesAt;
        if (block.timestamp > closesAt) revert GameChallengeWindowClosed(jobId, closesAt);
        if (msg.sender == proposer) revert GameSelfChallenge(jobId, proposer);
        (uint256 window, uint256 bond,) = ModeParams.optimistic(job.params);
        if (msg.value != bond) revert GameWrongBond(jobId, bond, msg.value);

        uint64 resolveBy = _closingTime(window);
        p.closesAt = resolveBy;
        p.challenger = msg.sender;
        emit ResultChallenged(jobId, msg.sender, proposer, p.outputHash, bond, resolveBy);
        _hub.hold(jobId, job, IInferenceHub.JobStatus.Challenged, address(0), 0);
    }

    /// @inheritdoc IOptimisticGame
    /// @custom:security The proposal is deleted before any external call. The ZK verifier is a STATICCALL; the hub
    /// checks the job and makes the consumer callback, last.
    function resolveChallenge(
        uint256 jobId,
        IInferenceHub.Job calldata job,
        IInferenceHub.Result calldata result,
        bytes calldata attestation
    ) external {
        Proposal memory p = _proposals[jobId];
        if (p.challenger == address(0)) {
            if (p.proposer == address(0)) revert GameNoProposal(jobId);
            revert GameNotChallenged(jobId);
        }
        if (block.timestamp > p.closesAt) revert GameResolutionClosed(jobId, p.closesAt);
        bytes32 outputHash = _inlineOutputHash(jobId, result);
        _verifyProof(jobId, job, outputHash, attestation);
        delete _proposals[jobId];
        address operator = _payOut(jobId, job, p, outputHash);
        _hub.settle(jobId, job, operator, result);
    }

    /// @inheritdoc IOptimisticGame
    function finalize(uint256 jobId, IInferenceHub.Job calldata job, IInferenceHub.Result calldata result) external {
        Proposal memory p = _proposals[jobId];
        if (p.proposer == address(0)) revert GameNoProposal(jobId);
        if (p.challenger != address(0)) revert GameAlreadyChallenged(jobId, p.challenger);
        if (block.timestamp <= p.closesAt) revert GameChallengeWindowOpen(jobId, p.closesAt);
        bytes32 outputHash = _proposedOutput(jobId, p, result);
        delete _proposals[jobId];

        (, uint256 bond, uint256 slashAmount) = ModeParams.optimistic(job.params);
        _hub.unlockStake(jobId, job, p.proposer, slashAmount);
        _pay(p.proposer, bond, address(0), 0);
        emit ResultFinalized(jobId, p.proposer, outputHash, bond, false);
        _hub.settle(jobId, job, p.proposer, result);
    }

    /// @inheritdoc IOptimisticGame
    function expireChallenge(uint256 jobId, IInferenceHub.Job calldata job, IInferenceHub.Result calldata result)
        external
    {
        Proposal memory p = _proposals[jobId];
        if (p.challenger == address(0)) {
            if (p.proposer == address(0)) revert GameNoProposal(jobId);
            revert GameNotChallenged(jobId);
        }
        if (block.timestamp <= p.closesAt) revert GameResolutionOpen(jobId, p.closesAt);
        bytes32 outputHash = _proposedOutput(jobId, p, result);
        delete _proposals[jobId];

        (, uint256 bond, uint256 slashAmount) = ModeParams.optimistic(job.params);
        _hub.unlockStake(jobId, job, p.proposer, slashAmount);
        _pay(p.proposer, 2 * bond, address(0), 0);
        emit ChallengeExpired(jobId, p.proposer, p.challenger, bond);
        emit ResultFinalized(jobId, p.proposer, outputHash, 2 * bond, true);
        _hub.settle(jobId, job, p.proposer, result);
    }

    // ──────────────────────────────────────────────── views ───────────────────────────────────────

    /// @inheritdoc IOptimisticGame
    function getProposal(uint256 jobId) external view returns (Proposal memory) {
        return _proposals[jobId];
    }

    /// @inheritdoc IOptimisticGame
    function proposalCommitment(uint256 jobId, address proposer, bytes32 outputHash, bytes32 salt)
        external
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(jobId, proposer, outputHash, salt));
    }

    /// @inheritdoc IOptimisticGame
    function commitmentBlock(bytes32 commitment) external view returns (uint256) {
        return _commits[commitment];
    }

    /// @inheritdoc IOptimisticGame
    function hub() external view returns (address) {
        return address(_hub);
    }

    /// @inheritdoc IOptimisticGame
    function zkVerifier() external view returns (address) {
        return address(_zk);
    }

    /// @inheritdoc IOptimisticGame
    function minBond() external view returns (uint256) {
        return _minBond;
    }

    /// @inheritdoc IOptimisticGame
    function zkCircuitOf(bytes32 modelId, uint32 version) external view returns (address, bytes32) {
        return IModelRegistry(address(_hub)).zkCircuitOf(modelId, version);
    }

    /// @inheritdoc IOptimisticGame
    function zkCircuit(bytes32 modelId, uint32 version) external view returns (address, bytes32, bytes32) {
        return IModelRegistry(address(_hub)).zkCircuit(modelId, version);
    }

    // ────────────────────────────────────────────── internals ─────────────────────────────────────

    /// @dev The hash of an inline result (`GameOutputNotInline` otherwise, or when the given hash disagrees).
    function _inlineOutputHash(uint256 jobId, IInferenceHub.Result calldata result) private pure returns (bytes32 h) {
        if (bytes(result.outputURI).length != 0 || result.output.length == 0) revert GameOutputNotInline(jobId);
        h = keccak256(result.output);
        if (result.outputHash != bytes32(0) && result.outputHash != h) revert GameOutputNotInline(jobId);
    }

    function _proposedOutput(uint256 jobId, Proposal memory p, IInferenceHub.Result calldata result)
        private
        pure
        returns (bytes32 outputHash)
    {
        outputHash = _inlineOutputHash(jobId, result);
        if (outputHash != p.outputHash) revert GameProposalOutputMismatch(jobId, p.outputHash, outputHash);
    }

    /// @dev Reverts unless `attestation` proves `outputHash` for the job, bound to the caller.
    function _verifyProof(uint256 jobId, IInferenceHub.Job calldata job, bytes32 outputHash, bytes calldata attestation)
        private
        view
    {
        _zk.verifyResult(
            IResultVerifier.Job({
                jobId: jobId,
                modelId: job.modelId,
                version: job.version,
                inputHash: job.inputHash,
                outputHash: outputHash,
                params: job.params,
                submitter: msg.sender,
                outputURIHash: _INLINE_OUTPUT
            }),
            attestation
        );
    }

    /// @dev Pays out a resolved challenge (the payout table) and returns who is credited the fee.
    function _payOut(uint256 jobId, IInferenceHub.Job calldata job, Proposal memory p, bytes32 outputHash)
        private
        returns (address operator)
    {
        (, uint256 bond, uint256 slashAmount) = ModeParams.optimistic(job.params);
        bool upheld = outputHash == p.outputHash;
        uint256 slashed;
        uint256 burned;
        if (upheld) {
            operator = p.proposer;
            _hub.unlockStake(jobId, job, p.proposer, slashAmount);
            _pay(p.proposer, bond, msg.sender, bond);
        } else {
            operator = msg.sender;
            slashed = slashAmount / 2;
            burned = slashAmount - slashed;
            _hub.slashStake(jobId, job, p.proposer, slashed, p.challenger, burned);
            _pay(p.challenger, bond, msg.sender, bond);
        }
        emit ChallengeResolved(
            jobId, p.proposer, p.challenger, upheld, p.outputHash, outputHash, slashed, burned, msg.sender
        );
        // The operator is also credited the other bond when it is the account that proved (see `_pay`).
        uint256 credited = msg.sender == (upheld ? p.proposer : p.challenger) ? 2 * bond : bond;
        emit ResultFinalized(jobId, operator, outputHash, credited, true);
    }

    /// @dev The last second of a challenge window or resolution period that starts now.
    function _closingTime(uint256 window) private view returns (uint64) {
        // Cannot overflow: the window is below 2^32 seconds (ModeParams) and block time far below 2^63.
        unchecked {
            return uint64(block.timestamp + window);
        }
    }

    /// @dev Credits bonds at the hub: `a` to `to`, and `b` to `other` (skipped when zero); one deposit when both
    /// go to the same account.
    function _pay(address to, uint256 a, address other, uint256 b) private {
        if (other == to) {
            a += b;
            b = 0;
        }
        _hub.depositFor{value: a}(to);
        if (b != 0) _hub.depositFor{value: b}(other);
    }
}
