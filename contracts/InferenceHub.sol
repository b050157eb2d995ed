// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IInferenceHub} from "./interfaces/IInferenceHub.sol";
import {IInferenceConsumer} from "./interfaces/IInferenceConsumer.sol";
import {IOperatorRegistry} from "./interfaces/IOperatorRegistry.sol";
import {ModelRegistry} from "./ModelRegistry.sol";
import {IResultVerifier} from "./interfaces/IResultVerifier.sol";
import {VerityTypes} from "./libraries/VerityTypes.sol";
import {ModeParams} from "./libraries/ModeParams.sol";

/// @title InferenceHub
/// @notice Accepts inference requests with fee escrow and records results only with an attestation that the
/// verifier of the job's mode accepts.
/// @dev The hub is also the ModelRegistry (inherited, so request terms are read from its own storage).
/// Storage per job is one slot: `keccak256(abi.encode(jobId, job))` with its lowest byte replaced by the
/// status. Everything else is in events. The EIP-712 domain `{name: "Verity", version: "1", chainId, hub}` is the
/// domain every result signature is made under.
///
/// TEE and QUORUM results are verified by the operator registry (built in); OPTIMISTIC challenges by the ZK mode's
/// verifier. OPTIMISTIC jobs add one `Proposal` record (two slots, a third once challenged) while they await
/// finality; it is deleted when the job is final. Bonds are in the native currency and, like fees, are credited
/// (pull payments). The hub's native balance is always: escrowed fees + open bonds + credits + model earnings.
contract InferenceHub is IInferenceHub, ModelRegistry, Ownable2Step, ReentrancyGuardTransient, EIP712 {
    using SafeERC20 for IERC20;

    /// @notice The most gas a request may ask for its callback.
    uint32 public constant MAX_CALLBACK_GAS = 2_000_000;
    /// @notice The most revert data of a failed callback that is copied into `CallbackFailed`.
    uint256 public constant MAX_CALLBACK_RETURN_BYTES = 256;
    /// @notice The highest protocol fee, in basis points of the operator's share.
    uint16 public constant MAX_PROTOCOL_FEE_BPS = 2_000;
    /// @notice The furthest a deadline may lie in the future.
    uint64 public constant MAX_DEADLINE_DELAY = 30 days;
    /// @dev Gas kept back for the work after the callback returns (event, bookkeeping).
    uint256 private constant _CALLBACK_RESERVE = 12_000;
    /// @dev What the CALL itself costs before the callee's gas is set aside: a cold account access (EIP-2929),
    /// with room for the few opcodes between the check and the call.
    uint256 private constant _CALLBACK_CALL_COST = 2_600 + 100;
    /// @dev The delivery form of inline output: keccak256 of the empty URI.
    bytes32 private constant _INLINE_OUTPUT = keccak256("");
    bytes32 private constant _STATUS_MASK = bytes32(uint256(0xff));

    /// @dev Read on every request, one slot: jobCount (64) | protocolFeeBps (16) | paused (8).
    struct _HubState {
        uint64 jobCount;
        uint16 protocolFeeBps;
        bool paused;
    }

    address private immutable _operators;

    _HubState private _state;
    address private _treasury;
    mapping(uint8 mode => IResultVerifier) private _verifiers;
    mapping(uint256 jobId => bytes32 commitmentAndStatus) private _jobs;
    mapping(address account => mapping(address token => uint256)) private _credits;
    mapping(bytes32 modelId => mapping(address token => uint256)) private _modelEarnings;
    /// @dev OPTIMISTIC jobs awaiting finality: proposer | closesAt (slot 0), outputHash (1), challenger (2).
    mapping(uint256 jobId => Proposal) private _proposals;

    /// @param governance The owner: sets verifiers, the protocol fee and treasury, pauses requests.
    /// @param operators_ The operator registry (slashing in dispute modes).
    /// @param treasury_ The account credited with protocol fees.
    constructor(address governance, address operators_, address treasury_)
        Ownable(governance)
        EIP712("Verity", "1")
    {
        if (operators_ == address(0) || treasury_ == address(0)) revert HubZeroAddress();
        _operators = operators_;
        _treasury = treasury_;
    }

    // ────────────────────────────────────────── requests ──────────────────────────────────────────

    /// @inheritdoc IInferenceHub
    function requestInference(Request calldata request) external payable returns (uint256 jobId) {
        _HubState memory state = _state;
        if (state.paused) revert HubPaused();

        (address feeToken, uint256 modelFee, uint8 activeModes) = _requestTerms(request.modelId, request.version);
        _checkRequest(request, activeModes, modelFee);
        bytes32 inputHash = _inputHash(request);

        // Cannot overflow: 2^64 jobs is out of reach.
        unchecked {
            jobId = ++state.jobCount;
        }
        _state.jobCount = state.jobCount;

        _recordJob(jobId, request, feeToken, modelFee, state.protocolFeeBps, inputHash);

        _collectFee(feeToken, request.fee);
    }

    // ───────────────────────────────────────── fulfilment ─────────────────────────────────────────

    /// @inheritdoc IInferenceHub
    /// @custom:security Checks-effects-interactions without a lock: the verifier is called with STATICCALL (it
    /// cannot change state), and the consumer callback, the only state-changing external call, comes after every
    /// state change (status, credits, event). A callback that re-enters finds the job already fulfilled and its
    /// credits booked. It runs with exactly `job.callbackGasLimit` gas, its return data is never copied beyond
    /// `MAX_CALLBACK_RETURN_BYTES`, and its failure is recorded, not propagated.
    function fulfill(uint256 jobId, Job calldata job, Result calldata result, bytes calldata attestation) external {
        {
            bytes32 stored = _checkPending(jobId, job);
            if (block.timestamp > job.deadline) revert HubJobExpired(jobId, job.deadline);
            // Written before the verifier runs; a failed verification reverts it with everything else.
            _jobs[jobId] = _withStatus(stored, JobStatus.Fulfilled);
        }
        bytes calldata output = result.output;
        bytes32 outputHash = _outputHash(output, bytes(result.outputURI), result.outputHash);
        address[] memory operators =
            _verify(_verifierOf(jobId, job.mode), jobId, job, outputHash, keccak256(bytes(result.outputURI)), attestation);
        if (operators.length == 0) revert HubNoOperator();

        _distributeFee(jobId, job, operators);
        _emitFulfilled(jobId, operators[0], outputHash, output, bytes(result.outputURI));

        if (job.callback != address(0)) _callBack(jobId, job, outputHash, output);
    }

    // ─────────────────────────────────────── optimistic mode ──────────────────────────────────────

    /// @inheritdoc IInferenceHub
    /// @custom:security The only external call is a STATICCALL to the operator registry (the proposer's stake).
    function proposeResult(uint256 jobId, Job calldata job, Result calldata result) external payable {
        (uint256 window, uint256 bond) = _checkProposal(jobId, job);
        bytes32 outputHash = _inlineOutputHash(jobId, result);
        uint64 closesAt = _closingTime(window);
        Proposal storage p = _proposals[jobId];
        p.proposer = msg.sender;
        p.closesAt = closesAt;
        p.outputHash = outputHash;
        emit ResultProposed(jobId, msg.sender, outputHash, bond, closesAt, result.output, result.outputURI);
    }

    /// @inheritdoc IInferenceHub
    /// @custom:security Makes no external call.
    function challenge(uint256 jobId, Job calldata job) external payable {
        bytes32 stored = _checkStatus(jobId, job, JobStatus.Proposed);
        Proposal storage p = _proposals[jobId];
        address proposer = p.proposer;
        uint64 closesAt = p.closesAt;
        if (block.timestamp > closesAt) revert HubChallengeWindowClosed(jobId, closesAt);
        if (msg.sender == proposer) revert HubSelfChallenge(jobId, proposer);
        (uint256 window, uint256 bond,) = ModeParams.optimistic(job.params);
        if (msg.value != bond) revert HubWrongBond(jobId, bond, msg.value);

        uint64 resolveBy = _closingTime(window);
        _jobs[jobId] = _withStatus(stored, JobStatus.Challenged);
        p.closesAt = resolveBy;
        p.challenger = msg.sender;
        emit ResultChallenged(jobId, msg.sender, proposer, p.outputHash, bond, resolveBy);
    }

    /// @inheritdoc IInferenceHub
    /// @custom:security The verifier is a STATICCALL; the status is written before it. The slash is a call to the
    /// operator registry fixed at deployment, which makes no external call (it credits the challenger). The
    /// consumer callback comes last, after every state change. A proposer can challenge itself from a second
    /// account to keep its bond and stake from a third party; it cannot stop the true output from being recorded,
    /// since anyone can resolve with the proof.
    function resolveChallenge(uint256 jobId, Job calldata job, Result calldata result, bytes calldata attestation)
        external
    {
        {
            bytes32 stored = _checkStatus(jobId, job, JobStatus.Challenged);
            // Written before the verifier runs; a failed verification reverts it with everything else.
            _jobs[jobId] = _withStatus(stored, JobStatus.Fulfilled);
        }
        bytes32 outputHash = _inlineOutputHash(jobId, result);
        _verify(_verifierOf(jobId, VerityTypes.MODE_ZK), jobId, job, outputHash, _INLINE_OUTPUT, attestation);

        address winner = _settleChallenge(jobId, job.params, outputHash);
        _settle(jobId, job, winner, outputHash, result);
    }

    /// @inheritdoc IInferenceHub
    function finalize(uint256 jobId, Job calldata job, Result calldata result) external {
        bytes32 stored = _checkStatus(jobId, job, JobStatus.Proposed);
        Proposal storage p = _proposals[jobId];
        address proposer = p.proposer;
        uint64 closesAt = p.closesAt;
        if (block.timestamp <= closesAt) revert HubChallengeWindowOpen(jobId, closesAt);
        bytes32 outputHash = _inlineOutputHash(jobId, result);
        bytes32 proposed = p.outputHash;
        if (outputHash != proposed) revert HubProposalOutputMismatch(jobId, proposed, outputHash);

        _jobs[jobId] = _withStatus(stored, JobStatus.Fulfilled);
        // Slot 2 (challenger) is already zero for an unchallenged proposal.
        p.proposer = address(0);
        p.closesAt = 0;
        p.outputHash = bytes32(0);
        (, uint256 bond,) = ModeParams.optimistic(job.params);
        _credits[proposer][address(0)] += bond;
        emit ResultFinalized(jobId, proposer, outputHash, bond, false);
        _settle(jobId, job, proposer, outputHash, result);
    }

    /// @inheritdoc IInferenceHub
    /// @custom:security Makes no external call: bonds and fee are credited.
    function expireChallenge(uint256 jobId, Job calldata job) external {
        bytes32 stored = _checkStatus(jobId, job, JobStatus.Challenged);
        Proposal memory p = _proposals[jobId];
        if (block.timestamp <= p.closesAt) revert HubResolutionOpen(jobId, p.closesAt);

        _jobs[jobId] = _withStatus(stored, JobStatus.Refunded);
        delete _proposals[jobId];
        (, uint256 bond,) = ModeParams.optimistic(job.params);
        _credits[p.proposer][address(0)] += bond;
        _credits[p.challenger][address(0)] += bond;
        _credits[job.requester][job.feeToken] += job.fee;
        emit ChallengeExpired(jobId, p.proposer, p.challenger, bond);
        emit InferenceRefunded(jobId, job.requester, job.feeToken, job.fee);
    }

    /// @inheritdoc IInferenceHub
    /// @custom:security Makes no external call: the fee is credited, and paid out by `withdraw`.
    function refund(uint256 jobId, Job calldata job) external {
        bytes32 stored = _checkPending(jobId, job);
        if (block.timestamp <= job.deadline) revert HubJobNotExpired(jobId, job.deadline);
        _jobs[jobId] = _withStatus(stored, JobStatus.Refunded);
        _credits[job.requester][job.feeToken] += job.fee;
        emit InferenceRefunded(jobId, job.requester, job.feeToken, job.fee);
    }

    // ────────────────────────────────────────── payments ──────────────────────────────────────────

    /// @inheritdoc IInferenceHub
    function withdraw(address token) external nonReentrant returns (uint256 amount) {
        amount = _credits[msg.sender][token];
        if (amount == 0) revert HubNothingToWithdraw(msg.sender, token);
        delete _credits[msg.sender][token];
        emit Withdrawn(msg.sender, token, amount);
        _pay(token, msg.sender, amount);
    }

    /// @inheritdoc IInferenceHub
    function withdrawModelEarnings(bytes32 modelId, address token) external nonReentrant returns (uint256 amount) {
        if (_modelOwner(modelId) != msg.sender) revert HubNotModelOwner(modelId, msg.sender);
        amount = _modelEarnings[modelId][token];
        if (amount == 0) revert HubNothingToWithdraw(msg.sender, token);
        delete _modelEarnings[modelId][token];
        emit ModelEarningsWithdrawn(modelId, msg.sender, token, amount);
        _pay(token, msg.sender, amount);
    }

    // ────────────────────────────────────────── governance ────────────────────────────────────────

    /// @inheritdoc IInferenceHub
    function setVerifier(uint8 mode, address verifier) external onlyOwner {
        if (mode == 0 || mode > VerityTypes.MAX_MODE) revert HubModeNotSupported(bytes32(0), 0, mode);
        if (mode == VerityTypes.MODE_TEE || mode == VerityTypes.MODE_QUORUM || mode == VerityTypes.MODE_OPTIMISTIC) {
            revert HubBuiltInMode(mode);
        }
        emit VerifierUpdated(mode, address(_verifiers[mode]), verifier);
        _verifiers[mode] = IResultVerifier(verifier);
    }

    /// @notice Disabled: governance cannot renounce ownership (always reverts with `HubRenounceDisabled`), so the
    /// hub can never be left paused for ever, nor its fee settings frozen.
    function renounceOwnership() public view override onlyOwner {
        revert HubRenounceDisabled();
    }

    /// @inheritdoc IInferenceHub
    function setProtocolFee(uint16 bps) external onlyOwner {
        if (bps > MAX_PROTOCOL_FEE_BPS) revert HubProtocolFeeTooHigh(bps);
        emit ProtocolFeeUpdated(_state.protocolFeeBps, bps);
        _state.protocolFeeBps = bps;
    }

    /// @inheritdoc IInferenceHub
    function setTreasury(address treasury_) external onlyOwner {
        if (treasury_ == address(0)) revert HubZeroAddress();
        emit TreasuryUpdated(_treasury, treasury_);
        _treasury = treasury_;
    }

    /// @inheritdoc IInferenceHub
    function setPaused(bool paused_) external onlyOwner {
        emit PausedUpdated(_state.paused, paused_);
        _state.paused = paused_;
    }

    // ──────────────────────────────────────────── views ───────────────────────────────────────────

    /// @inheritdoc IInferenceHub
    function getJob(uint256 jobId) external view returns (JobStatus status, bytes32 commitment) {
        commitment = _jobs[jobId];
        status = JobStatus(uint8(uint256(commitment & _STATUS_MASK)));
    }

    /// @inheritdoc IInferenceHub
    function jobCommitment(uint256 jobId, Job calldata job) external pure returns (bytes32) {
        return _hashJob(jobId, job);
    }

    /// @inheritdoc IInferenceHub
    function creditOf(address account, address token) external view returns (uint256) {
        return _credits[account][token];
    }

    /// @inheritdoc IInferenceHub
    function modelEarnings(bytes32 modelId, address token) external view returns (uint256) {
        return _modelEarnings[modelId][token];
    }

    /// @inheritdoc IInferenceHub
    function verifierOf(uint8 mode) external view returns (address) {
        if (mode == VerityTypes.MODE_TEE || mode == VerityTypes.MODE_QUORUM) return _operators;
        if (mode == VerityTypes.MODE_OPTIMISTIC) return address(_verifiers[VerityTypes.MODE_ZK]);
        return address(_verifiers[mode]);
    }

    /// @inheritdoc IInferenceHub
    function getProposal(uint256 jobId) external view returns (Proposal memory) {
        return _proposals[jobId];
    }

    /// @inheritdoc IInferenceHub
    function jobCount() external view returns (uint256) {
        return _state.jobCount;
    }

    /// @inheritdoc IInferenceHub
    function protocolFeeBps() external view returns (uint16) {
        return _state.protocolFeeBps;
    }

    /// @inheritdoc IInferenceHub
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc IInferenceHub
    function paused() external view returns (bool) {
        return _state.paused;
    }

    /// @inheritdoc IInferenceHub
    function modelRegistry() external view returns (address) {
        return address(this);
    }

    /// @inheritdoc IInferenceHub
    function operatorRegistry() external view returns (address) {
        return _operators;
    }

    /// @inheritdoc IInferenceHub
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ────────────────────────────────────────── internals ─────────────────────────────────────────

    function _checkRequest(Request calldata request, uint8 activeModes, uint256 modelFee) private view {
        if (activeModes == 0) {
            if (_versionExists(request.modelId, request.version)) {
                revert HubVersionDeprecated(request.modelId, request.version);
            }
            revert HubUnknownModelVersion(request.modelId, request.version);
        }
        uint8 mode = request.mode;
        if (mode == 0 || mode > VerityTypes.MAX_MODE || activeModes & (1 << mode) == 0) {
            revert HubModeNotSupported(request.modelId, request.version, mode);
        }
        if (request.params != 0 || mode == VerityTypes.MODE_QUORUM || mode == VerityTypes.MODE_OPTIMISTIC) {
            _checkParams(mode, request.params);
        }
        uint64 latest = uint64(block.timestamp) + MAX_DEADLINE_DELAY;
        if (request.deadline <= block.timestamp || request.deadline > latest) {
            revert HubInvalidDeadline(request.deadline, uint64(block.timestamp), latest);
        }
        if (request.fee < modelFee) revert HubFeeTooLow(request.fee, modelFee);
        if (request.callback == address(0)) {
            if (request.callbackGasLimit != 0) revert HubInvalidCallback(address(0), request.callbackGasLimit);
        } else {
            // A consumer only ever receives results of jobs it requested itself.
            if (request.callback != msg.sender) revert HubCallbackNotRequester(request.callback, msg.sender);
            if (request.callback.code.length == 0) {
                revert HubInvalidCallback(request.callback, request.callbackGasLimit);
            }
            if (request.callbackGasLimit > MAX_CALLBACK_GAS) {
                revert HubCallbackGasTooHigh(request.callbackGasLimit, MAX_CALLBACK_GAS);
            }
        }
    }

    /// @dev TEE and ZK take no parameters; QUORUM and OPTIMISTIC require valid ones (libraries/ModeParams.sol);
    /// modes above OPTIMISTIC are defined by their verifiers.
    function _checkParams(uint8 mode, uint256 params) private pure {
        bool valid;
        if (mode == VerityTypes.MODE_QUORUM) valid = ModeParams.isValidQuorum(params);
        else if (mode == VerityTypes.MODE_OPTIMISTIC) valid = ModeParams.isValidOptimistic(params);
        else valid = mode > VerityTypes.MODE_OPTIMISTIC;
        if (!valid) revert HubInvalidParams(mode, params);
    }

    function _inputHash(Request calldata request) private pure returns (bytes32 h) {
        if (request.input.length != 0) {
            if (bytes(request.inputURI).length != 0) revert HubInvalidInput();
            h = keccak256(request.input);
            if (request.inputHash != bytes32(0) && request.inputHash != h) {
                revert HubInputHashMismatch(request.inputHash, h);
            }
        } else {
            if (bytes(request.inputURI).length == 0 || request.inputHash == bytes32(0)) revert HubInvalidInput();
            h = request.inputHash;
        }
    }

    function _outputHash(bytes calldata output, bytes calldata uri, bytes32 given) private pure returns (bytes32 h) {
        if (output.length != 0) {
            if (uri.length != 0) revert HubInvalidOutput();
            h = keccak256(output);
            if (given != bytes32(0) && given != h) revert HubOutputHashMismatch(given, h);
        } else {
            if (uri.length == 0 || given == bytes32(0)) revert HubInvalidOutput();
            h = given;
        }
    }

    /// @dev The hash of an OPTIMISTIC result, which must be inline (`HubOutputNotInline` otherwise).
    function _inlineOutputHash(uint256 jobId, Result calldata result) private pure returns (bytes32) {
        if (bytes(result.outputURI).length != 0) revert HubOutputNotInline(jobId);
        return _outputHash(result.output, bytes(result.outputURI), result.outputHash);
    }

    /// @dev `emit InferenceFulfilled(jobId, operator, outputHash, output, uri)`, encoded by hand (saves a copy).
    function _emitFulfilled(
        uint256 jobId,
        address operator,
        bytes32 outputHash,
        bytes calldata output,
        bytes calldata uri
    ) private {
        bytes32 topic0 = InferenceFulfilled.selector;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, outputHash)
            mstore(add(m, 0x20), 0x60)
            let outPadded := and(add(output.length, 0x1f), not(0x1f))
            mstore(add(m, 0x40), add(0x80, outPadded))
            let p := add(m, 0x60)
            mstore(p, output.length)
            if outPadded { mstore(add(p, outPadded), 0) }
            calldatacopy(add(p, 0x20), output.offset, output.length)
            p := add(add(p, 0x20), outPadded)
            let uriPadded := and(add(uri.length, 0x1f), not(0x1f))
            mstore(p, uri.length)
            if uriPadded { mstore(add(p, uriPadded), 0) }
            calldatacopy(add(p, 0x20), uri.offset, uri.length)
            p := add(add(p, 0x20), uriPadded)
            log3(m, sub(p, m), topic0, jobId, operator)
        }
    }

    function _collectFee(address feeToken, uint256 fee) private {
        if (feeToken == address(0)) {
            if (msg.value != fee) revert HubWrongValue(fee, msg.value);
        } else {
            if (msg.value != 0) revert HubWrongValue(0, msg.value);
            if (fee != 0) {
                uint256 before = IERC20(feeToken).balanceOf(address(this));
                IERC20(feeToken).safeTransferFrom(msg.sender, address(this), fee);
                uint256 received = IERC20(feeToken).balanceOf(address(this)) - before;
                if (received != fee) revert HubTokenTransferShort(feeToken, fee, received);
            }
        }
    }

    function _checkPending(uint256 jobId, Job calldata job) private view returns (bytes32 stored) {
        stored = _jobs[jobId];
        if (stored == bytes32(0)) revert HubUnknownJob(jobId);
        if ((stored ^ _hashJob(jobId, job)) & ~_STATUS_MASK != 0) revert HubCommitmentMismatch(jobId);
        JobStatus status = JobStatus(uint8(uint256(stored & _STATUS_MASK)));
        if (status != JobStatus.Pending) revert HubJobNotPending(jobId, status);
    }

    /// @dev TEE and QUORUM are verified by the operator registry (it holds the enclave keys and the stakes). The
    /// OPTIMISTIC mode never has a verifier of its own (`setVerifier` refuses it), so `fulfill` of such a job lands
    /// on the zero address here and is told to propose instead.
    function _verifierOf(uint256 jobId, uint8 mode) private view returns (address verifier) {
        bool builtIn = mode == VerityTypes.MODE_TEE || mode == VerityTypes.MODE_QUORUM;
        verifier = builtIn ? _operators : address(_verifiers[mode]);
        if (verifier == address(0)) {
            if (mode == VerityTypes.MODE_OPTIMISTIC) revert HubOptimisticJob(jobId);
            revert HubNoVerifier(mode);
        }
    }

    /// @dev Checks a proposal (pending OPTIMISTIC job before its deadline, the bond sent, the caller's stake) and
    /// marks the job Proposed.
    function _checkProposal(uint256 jobId, Job calldata job) private returns (uint256 window, uint256 bond) {
        bytes32 stored = _checkPending(jobId, job);
        if (job.mode != VerityTypes.MODE_OPTIMISTIC) revert HubNotOptimistic(jobId, job.mode);
        if (block.timestamp > job.deadline) revert HubJobExpired(jobId, job.deadline);
        uint256 slashAmount;
        (window, bond, slashAmount) = ModeParams.optimistic(job.params);
        if (msg.value != bond) revert HubWrongBond(jobId, bond, msg.value);
        uint256 stake = IOperatorRegistry(_operators).getOperator(msg.sender).stake;
        uint256 required = slashAmount == 0 ? 1 : slashAmount;
        if (stake < required) revert HubProposerStakeTooLow(jobId, msg.sender, stake, required);
        _jobs[jobId] = _withStatus(stored, JobStatus.Proposed);
    }

    /// @dev Like `_checkPending`, for the OPTIMISTIC statuses.
    function _checkStatus(uint256 jobId, Job calldata job, JobStatus expected) private view returns (bytes32 stored) {
        stored = _jobs[jobId];
        if (stored == bytes32(0)) revert HubUnknownJob(jobId);
        if ((stored ^ _hashJob(jobId, job)) & ~_STATUS_MASK != 0) revert HubCommitmentMismatch(jobId);
        JobStatus status = JobStatus(uint8(uint256(stored & _STATUS_MASK)));
        if (status != expected) revert HubUnexpectedJobStatus(jobId, status, expected);
    }

    /// @dev The last second of a challenge window or resolution period that starts now.
    function _closingTime(uint256 window) private view returns (uint64) {
        // Cannot overflow: the window is below 2^32 seconds (ModeParams) and block time far below 2^63.
        unchecked {
            return uint64(block.timestamp + window);
        }
    }

    /// @dev Pays out a challenge whose true output `provenOutputHash` was just proven: both bonds to the winner, the
    /// proposer's stake slashed to the challenger when the proposal was wrong. Deletes the proposal.
    function _settleChallenge(uint256 jobId, uint256 params, bytes32 provenOutputHash)
        private
        returns (address winner)
    {
        Proposal memory p = _proposals[jobId];
        delete _proposals[jobId];
        (, uint256 bond, uint256 slashAmount) = ModeParams.optimistic(params);
        bool upheld = provenOutputHash == p.outputHash;
        winner = upheld ? p.proposer : p.challenger;
        // Cannot overflow: bond < 2^96 (ModeParams).
        uint256 bonds;
        unchecked {
            bonds = 2 * bond;
        }
        _credits[winner][address(0)] += bonds;
        uint256 slashed;
        if (!upheld && slashAmount != 0) {
            slashed = IOperatorRegistry(_operators).slash(p.proposer, slashAmount, p.challenger, jobId);
        }
        emit ChallengeResolved(
            jobId, p.proposer, p.challenger, upheld, p.outputHash, provenOutputHash, bonds, slashed, msg.sender
        );
        emit ResultFinalized(jobId, winner, provenOutputHash, bonds, true);
    }

    /// @dev Makes an OPTIMISTIC job's result final: the fee to `operator`, `InferenceFulfilled`, the callback.
    function _settle(uint256 jobId, Job calldata job, address operator, bytes32 outputHash, Result calldata result)
        private
    {
        address[] memory operators = new address[](1);
        operators[0] = operator;
        _distributeFee(jobId, job, operators);
        bytes calldata output = result.output;
        _emitFulfilled(jobId, operator, outputHash, output, bytes(result.outputURI));
        if (job.callback != address(0)) _callBack(jobId, job, outputHash, output);
    }

    function _withStatus(bytes32 stored, JobStatus status) private pure returns (bytes32) {
        return (stored & ~_STATUS_MASK) | bytes32(uint256(uint8(status)));
    }

    /// @dev Calls `verifier.verifyResult(IResultVerifier.Job(...), attestation)` with hand-built calldata (the Job's
    /// eight words, then the attestation's offset, length and bytes) and
    /// decodes the returned `address[]`; a verifier's revert is re-thrown as is, so its custom error reaches the
    /// caller. Equivalent to the high-level call, about 1,000 gas cheaper.
    function _verify(
        address verifier,
        uint256 jobId,
        Job calldata job,
        bytes32 outputHash,
        bytes32 outputURIHash,
        bytes calldata attestation
    ) private view returns (address[] memory operators) {
        bytes4 selector = IResultVerifier.verifyResult.selector;
        // The job's words were checked against the commitment, so they are the clean values hashed at request.
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, selector)
            mstore(add(m, 0x04), jobId)
            mstore(add(m, 0x24), calldataload(add(job, 0x20))) // modelId
            mstore(add(m, 0x44), calldataload(add(job, 0x40))) // version
            mstore(add(m, 0x64), calldataload(add(job, 0x160))) // inputHash
            mstore(add(m, 0x84), outputHash)
            mstore(add(m, 0xa4), calldataload(add(job, 0x180))) // params
            mstore(add(m, 0xc4), caller())
            mstore(add(m, 0xe4), outputURIHash)
            mstore(add(m, 0x104), 0x120) // offset of `attestation` after the selector
            mstore(add(m, 0x124), attestation.length)
            let size := add(0x144, and(add(attestation.length, 0x1f), not(0x1f)))
            mstore(add(m, sub(size, 0x20)), 0) // zero the padding of the last word
            calldatacopy(add(m, 0x144), attestation.offset, attestation.length)
            if iszero(staticcall(gas(), verifier, m, size, 0, 0)) {
                returndatacopy(m, 0, returndatasize())
                revert(m, returndatasize())
            }
            // Expect abi.encode(address[]): [0x20][n][n words]. Anything else yields an empty array.
            let n := 0
            if iszero(lt(returndatasize(), 0x40)) {
                returndatacopy(m, 0, 0x40)
                if eq(mload(m), 0x20) {
                    n := mload(add(m, 0x20))
                    if or(gt(n, 0xffff), gt(add(0x40, mul(n, 0x20)), returndatasize())) { n := 0 }
                }
            }
            operators := m
            mstore(operators, n)
            returndatacopy(add(operators, 0x20), 0x40, mul(n, 0x20))
            mstore(0x40, add(add(operators, 0x20), mul(n, 0x20)))
            // Clean the upper bits of each address.
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let p := add(operators, mul(add(i, 1), 0x20))
                mstore(p, and(mload(p), 0xffffffffffffffffffffffffffffffffffffffff))
            }
        }
    }

    /// @dev Model fee to the model, `protocolFeeBps` of the rest to the treasury, the remainder to the operators
    /// (split evenly, the first gets the rounding dust). Zero amounts write nothing.
    function _distributeFee(uint256 jobId, Job calldata job, address[] memory operators) private {
        address token = job.feeToken;
        uint256 modelFee = job.modelFee;
        // Cannot underflow: `fee >= modelFee` was checked at request time, and protocolFee <= rest. Cannot
        // overflow: every credit is backed by tokens the hub holds, so their sum is at most a token's supply, and
        // rest * bps < 2^256 because fees are amounts the hub received (bps <= 2,000).
        unchecked {
            uint256 rest = job.fee - modelFee;
            uint256 protocolFee = rest * job.protocolFeeBps / VerityTypes.BPS;
            uint256 operatorShare = rest - protocolFee;
            if (modelFee != 0) _modelEarnings[job.modelId][token] += modelFee;
            if (protocolFee != 0) _credits[_treasury][token] += protocolFee;
            uint256 n = operators.length;
            uint256 each = operatorShare / n;
            _credits[operators[0]][token] += operatorShare - each * (n - 1);
            if (n > 1) {
                for (uint256 i = 1; i < n; ++i) {
                    _credits[operators[i]][token] += each;
                }
                emit OperatorsCredited(jobId, operators, each);
            }
        }
    }

    function _callBack(uint256 jobId, Job calldata job, bytes32 outputHash, bytes calldata output) private {
        uint256 gasLimit = job.callbackGasLimit;
        bytes memory data = abi.encodeCall(IInferenceConsumer.onInferenceResult, (jobId, outputHash, output));
        address callback = job.callback;
        // Checked right before the CALL, after the output was copied: EIP-150 passes at most 63/64 of the gas left
        // once the call's own cost (a cold account access) is paid, so the callee gets its full limit and an
        // operator cannot make a callback fail by sending too little gas, whatever the output's size.
        uint256 required = gasLimit + gasLimit / 63 + _CALLBACK_CALL_COST + _CALLBACK_RESERVE;
        uint256 available = gasleft();
        if (available < required) revert HubInsufficientGasForCallback(jobId, required, available);
        bool success;
        bytes memory reason;
        assembly ("memory-safe") {
            success := call(gasLimit, callback, 0, add(data, 0x20), mload(data), 0, 0)
            if iszero(success) {
                let size := returndatasize()
                if gt(size, MAX_CALLBACK_RETURN_BYTES) { size := MAX_CALLBACK_RETURN_BYTES }
                reason := mload(0x40)
                mstore(reason, size)
                returndatacopy(add(reason, 0x20), 0, size)
                mstore(0x40, add(add(reason, 0x20), and(add(size, 0x1f), not(0x1f))))
            }
        }
        if (!success) emit CallbackFailed(jobId, callback, reason);
    }

    function _pay(address token, address to, uint256 amount) private {
        if (token == address(0)) {
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert HubNativeTransferFailed(to, amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }

    /// @dev Lays out `abi.encode(jobId, job)` once in memory: its hash is the commitment, and the same bytes
    /// (from `job` on, followed by the input and its URI) are the data of `InferenceRequested`. Equivalent to
    /// building a `Job` in memory, hashing `abi.encode(jobId, job)` and emitting the event, with one encoding
    /// instead of two. Every request field read here was range-checked by the accessors in `_checkRequest`.
    function _recordJob(
        uint256 jobId,
        Request calldata request,
        address feeToken,
        uint256 modelFee,
        uint16 protocolFeeBps,
        bytes32 inputHash
    ) private {
        bytes32 commitment;
        uint256 j;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, jobId)
            j := add(m, 0x20)
            mstore(j, caller()) // requester
            mstore(add(j, 0x20), calldataload(request)) // modelId
            mstore(add(j, 0x40), calldataload(add(request, 0x20))) // version
            mstore(add(j, 0x60), calldataload(add(request, 0x40))) // mode
            mstore(add(j, 0x80), calldataload(add(request, 0x60))) // deadline
            mstore(add(j, 0xa0), calldataload(add(request, 0x80))) // callback
            mstore(add(j, 0xc0), calldataload(add(request, 0xa0))) // callbackGasLimit
            mstore(add(j, 0xe0), feeToken)
            mstore(add(j, 0x100), calldataload(add(request, 0xc0))) // fee
            mstore(add(j, 0x120), modelFee)
            mstore(add(j, 0x140), protocolFeeBps)
            mstore(add(j, 0x160), inputHash)
            mstore(add(j, 0x180), calldataload(add(request, 0xe0))) // params
            commitment := keccak256(m, 0x1c0)
            // Reserve the words laid out here: `_emitRequested` reads them after Solidity code has run.
            mstore(0x40, add(m, 0x1c0))
        }
        _jobs[jobId] = (commitment & ~_STATUS_MASK) | bytes32(uint256(uint8(JobStatus.Pending)));
        _emitRequested(j, jobId, request.input, bytes(request.inputURI));
    }

    /// @dev Emits `InferenceRequested` from the job words laid out at `j` by `_recordJob`.
    function _emitRequested(uint256 j, uint256 jobId, bytes calldata input, bytes calldata uri) private {
        bytes32 topic0 = InferenceRequested.selector;
        assembly ("memory-safe") {
            // Event data: job (13 words), offset of input, offset of URI, input, URI.
            let inPadded := and(add(input.length, 0x1f), not(0x1f))
            mstore(add(j, 0x1a0), 0x1e0)
            mstore(add(j, 0x1c0), add(0x200, inPadded))
            let p := add(j, 0x1e0)
            mstore(p, input.length)
            if inPadded { mstore(add(p, inPadded), 0) }
            calldatacopy(add(p, 0x20), input.offset, input.length)
            p := add(add(p, 0x20), inPadded)
            let uriPadded := and(add(uri.length, 0x1f), not(0x1f))
            mstore(p, uri.length)
            if uriPadded { mstore(add(p, uriPadded), 0) }
            calldatacopy(add(p, 0x20), uri.offset, uri.length)
            p := add(add(p, 0x20), uriPadded)
            log4(j, sub(p, j), topic0, jobId, mload(add(j, 0x20)), caller())
        }
    }

    function _hashJob(uint256 jobId, Job calldata job) private pure returns (bytes32 h) {
        // A Job has only static fields, so its calldata bytes are its ABI encoding: hash them in place.
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, jobId)
            calldatacopy(add(ptr, 0x20), job, 0x1a0)
            h := keccak256(ptr, 0x1c0)
        }
    }
}
