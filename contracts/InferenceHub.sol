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
import {IModeVerifier} from "./interfaces/IModeVerifier.sol";
import {JobLayout} from "./libraries/JobLayout.sol";
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
/// Every job is committed to the verifier of its mode when requested (`Job.verifier`), so governance changing a mode's
/// verifier affects only later jobs. TEE results are verified by the enclave registry and QUORUM results by the
/// operator registry (both built in); other modes by their verifier, which either checks evidence (`fulfill`) or is
/// a settlement module that settles its own jobs through `hold`, `settle`, `unlockStake` and `slashStake` (the OPTIMISTIC dispute game). Fees are credited
/// (pull payments). The hub's native balance is always: escrowed fees + credits + model earnings.
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
    bytes32 private constant _STATUS_MASK = bytes32(uint256(0xff));

    /// @dev Read on every request, one slot: jobCount (64) | protocolFeeBps (16) | paused (8).
    struct _HubState {
        uint64 jobCount;
        uint16 protocolFeeBps;
        bool paused;
    }

    address private immutable _operators;
    address private immutable _enclaves;

    _HubState private _state;
    address private _treasury;
    mapping(uint8 mode => IResultVerifier) private _verifiers;
    mapping(uint256 jobId => bytes32 commitmentAndStatus) private _jobs;
    mapping(address account => mapping(address token => uint256)) private _credits;
    mapping(bytes32 modelId => mapping(address token => uint256)) private _modelEarnings;

    /// @param governance The owner: sets verifiers, the protocol fee and treasury, pauses requests.
    /// @param operators_ The operator registry: verifies QUORUM results, holds the stakes modules lock.
    /// @param enclaves_ The enclave registry: verifies TEE results.
    /// @param treasury_ The account credited with protocol fees.
    constructor(address governance, address operators_, address enclaves_, address treasury_)
        Ownable(governance)
        EIP712("Verity", "1")
    {
        if (operators_ == address(0) || enclaves_ == address(0) || treasury_ == address(0)) revert HubZeroAddress();
        _operators = operators_;
        _enclaves = enclaves_;
        _treasury = treasury_;
    }

    // ────────────────────────────────────────── requests ──────────────────────────────────────────

    /// @inheritdoc IInferenceHub
    function requestInference(Request calldata request) external payable returns (uint256 jobId) {
        _HubState memory state = _state;
        if (state.paused) revert HubPaused();

        (address feeToken, uint256 modelFee, uint8 activeModes) = _requestTerms(request.modelId, request.version);
        address verifier = _checkRequest(request, activeModes, modelFee);
        bytes32 inputHash = _inputHash(request);

        // Cannot overflow: 2^64 jobs is out of reach.
        unchecked {
            jobId = ++state.jobCount;
        }
        _state.jobCount = state.jobCount;

        (bytes32 commitment, uint256 j) = JobLayout.record(
            jobId,
            request,
            [
                uint256(uint160(feeToken)),
                modelFee,
                state.protocolFeeBps,
                uint256(inputHash),
                uint256(uint160(verifier))
            ]
        );
        _jobs[jobId] = _withStatus(commitment, JobStatus.Pending);
        JobLayout.emitRequested(j, jobId, request.input, bytes(request.inputURI));

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
        bytes32 outputHash = _outputHash(result.output, bytes(result.outputURI), result.outputHash);
        address[] memory operators =
            _verify(job.verifier, jobId, job, outputHash, keccak256(bytes(result.outputURI)), attestation);
        if (operators.length == 0) revert HubNoOperator();
        _record(jobId, job, operators, outputHash, result);
    }

    // ───────────────────────────────────────── settlement modules ─────────────────────────────────

    /// @inheritdoc IInferenceHub
    /// @custom:security The caller is the job's committed verifier. The only external call is to the operator
    /// registry fixed at deployment (it makes none).
    function hold(uint256 jobId, Job calldata job, JobStatus status, address staker, uint256 lockAmount) external {
        (bytes32 stored, JobStatus from) = _moduleJob(jobId, job);
        bool allowed = status == JobStatus.Challenged
            ? from == JobStatus.Pending || from == JobStatus.Proposed
            : status == JobStatus.Proposed && from == JobStatus.Pending;
        if (!allowed) revert HubInvalidHold(jobId, from, status);
        if (from == JobStatus.Pending && block.timestamp > job.deadline) revert HubJobExpired(jobId, job.deadline);
        _jobs[jobId] = _withStatus(stored, status);
        emit JobHeld(jobId, msg.sender, status);
        if (lockAmount != 0) IOperatorRegistry(_operators).lock(staker, lockAmount, jobId);
    }

    /// @inheritdoc IInferenceHub
    /// @custom:security The caller is the job's committed verifier, which checked the result. The consumer callback
    /// comes last, after every state change, as in `fulfill`.
    function settle(uint256 jobId, Job calldata job, address operator, Result calldata result) external {
        bytes32 stored = _heldJob(jobId, job);
        if (operator == address(0)) revert HubNoOperator();
        _jobs[jobId] = _withStatus(stored, JobStatus.Fulfilled);
        address[] memory operators = new address[](1);
        operators[0] = operator;
        _record(jobId, job, operators, _outputHash(result.output, bytes(result.outputURI), result.outputHash), result);
    }

    /// @inheritdoc IInferenceHub
    function unlockStake(uint256 jobId, Job calldata job, address staker, uint256 amount) external {
        _heldJob(jobId, job);
        IOperatorRegistry(_operators).unlock(staker, amount, jobId);
    }

    /// @inheritdoc IInferenceHub
    function slashStake(
        uint256 jobId,
        Job calldata job,
        address staker,
        uint256 amount,
        address recipient,
        uint256 burned
    ) external returns (uint256 slashed) {
        _heldJob(jobId, job);
        slashed = IOperatorRegistry(_operators).slash(staker, amount, recipient, burned, jobId);
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
    function depositFor(address account) external payable {
        if (msg.value == 0 || account == address(0)) revert HubInvalidDeposit();
        _credits[account][address(0)] += msg.value;
        emit Deposited(account, msg.sender, msg.value);
    }

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
        if (mode == VerityTypes.MODE_TEE || mode == VerityTypes.MODE_QUORUM) revert HubBuiltInMode(mode);
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
        return JobLayout.hash(jobId, job);
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
        if (mode == VerityTypes.MODE_TEE) return _enclaves;
        if (mode == VerityTypes.MODE_QUORUM) return _operators;
        return address(_verifiers[mode]);
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
    function enclaveRegistry() external view returns (address) {
        return _enclaves;
    }

    /// @inheritdoc IInferenceHub
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ────────────────────────────────────────── internals ─────────────────────────────────────────

    /// @dev Checks a request and returns the verifier the job is committed to. TEE takes no parameters and QUORUM
    /// valid ones (libraries/ModeParams.sol); any other mode's verifier checks the request itself (`checkRequest`),
    /// so a job that mode could never settle is refused up front.
    function _checkRequest(Request calldata request, uint8 activeModes, uint256 modelFee)
        private
        view
        returns (address verifier)
    {
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
        uint256 params = request.params;
        if (mode == VerityTypes.MODE_TEE || mode == VerityTypes.MODE_QUORUM) {
            bool valid = mode == VerityTypes.MODE_TEE ? params == 0 : ModeParams.isValidQuorum(params);
            if (!valid) revert HubInvalidParams(mode, params);
            return mode == VerityTypes.MODE_TEE ? _enclaves : _operators;
        }
        verifier = address(_verifiers[mode]);
        if (verifier == address(0)) revert HubNoVerifier(mode);
        IModeVerifier(verifier).checkRequest(request.modelId, request.version, params, request.input);
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

    /// @dev The stored slot and status of `(jobId, job)`, after checking `job` against its commitment.
    function _stored(uint256 jobId, Job calldata job) private view returns (bytes32 stored, JobStatus status) {
        stored = _jobs[jobId];
        if (stored == bytes32(0)) revert HubUnknownJob(jobId);
        if ((stored ^ JobLayout.hash(jobId, job)) & ~_STATUS_MASK != 0) revert HubCommitmentMismatch(jobId);
        status = JobStatus(uint8(uint256(stored & _STATUS_MASK)));
    }

    function _checkPending(uint256 jobId, Job calldata job) private view returns (bytes32 stored) {
        JobStatus status;
        (stored, status) = _stored(jobId, job);
        if (status != JobStatus.Pending) revert HubJobNotPending(jobId, status);
    }

    /// @dev A job the caller settles: the caller must be its committed verifier.
    function _moduleJob(uint256 jobId, Job calldata job) private view returns (bytes32 stored, JobStatus status) {
        (stored, status) = _stored(jobId, job);
        if (msg.sender != job.verifier) revert HubNotJobVerifier(jobId, job.verifier, msg.sender);
    }

    /// @dev A job the caller holds (Proposed or Challenged) and settles.
    function _heldJob(uint256 jobId, Job calldata job) private view returns (bytes32 stored) {
        JobStatus status;
        (stored, status) = _moduleJob(jobId, job);
        if (status != JobStatus.Proposed && status != JobStatus.Challenged) {
            revert HubUnexpectedJobStatus(jobId, status, JobStatus.Proposed);
        }
    }

    /// @dev Records a verified result: the fee to the operators, `InferenceFulfilled`, then the callback.
    function _record(
        uint256 jobId,
        Job calldata job,
        address[] memory operators,
        bytes32 outputHash,
        Result calldata result
    ) private {
        _distributeFee(jobId, job, operators);
        bytes calldata output = result.output;
        _emitFulfilled(jobId, operators[0], outputHash, output, bytes(result.outputURI));
        if (job.callback != address(0)) _callBack(jobId, job, outputHash, output);
    }

    function _withStatus(bytes32 stored, JobStatus status) private pure returns (bytes32) {
        return (stored & ~_STATUS_MASK) | bytes32(uint256(uint8(status)));
    }

    /// @dev Calls `verifier.verifyResult(IResultVerifier.Job(...), attestation)` with calldata laid out by
    /// `JobLayout.verifierCall` and decodes the returned `address[]`; a verifier's revert is re-thrown as is, so its
    /// custom error reaches the caller. Equivalent to the high-level call, about 1,000 gas cheaper.
    function _verify(
        address verifier,
        uint256 jobId,
        Job calldata job,
        bytes32 outputHash,
        bytes32 outputURIHash,
        bytes calldata attestation
    ) private view returns (address[] memory operators) {
        (uint256 m, uint256 size) = JobLayout.verifierCall(
            IResultVerifier.verifyResult.selector, jobId, job, outputHash, outputURIHash, attestation
        );
        assembly ("memory-safe") {
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
}
