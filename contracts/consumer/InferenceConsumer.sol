// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";
import {IInferenceHub} from "../interfaces/IInferenceHub.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";

/// @title InferenceConsumer
/// @notice Base for dApps that request inferences and receive results by callback. Inherit it, call
/// `_requestInference` and implement `_onInferenceResult`.
/// @dev `onInferenceResult` only accepts calls from the hub. The hub gives it exactly the gas the request asked
/// for; keep `_onInferenceResult` within that budget, since a revert there is recorded, not retried.
abstract contract InferenceConsumer is IInferenceConsumer {
    using SafeERC20 for IERC20;

    /// @notice The callback came from an account other than the hub.
    /// @param caller The caller.
    error ConsumerOnlyHub(address caller);
    /// @notice `refundExpired` was given a job this consumer did not request.
    /// @param jobId The job.
    /// @param requester Its requester.
    error ConsumerNotRequester(uint256 jobId, address requester);

    /// @notice Emitted when credited refunds are pulled from the hub into this contract.
    /// @param token The currency.
    /// @param amount The amount.
    event ConsumerRefundsCollected(address indexed token, uint256 amount);

    /// @notice The hub this consumer talks to.
    IInferenceHub public immutable inferenceHub;

    /// @param hub The hub.
    constructor(IInferenceHub hub) {
        inferenceHub = hub;
    }

    /// @inheritdoc IInferenceConsumer
    function onInferenceResult(uint256 jobId, bytes32 outputHash, bytes calldata output) external {
        if (msg.sender != address(inferenceHub)) revert ConsumerOnlyHub(msg.sender);
        _onInferenceResult(jobId, outputHash, output);
    }

    /// @notice Requests an inference with this contract as the callback, paying `request.fee` from this
    /// contract's balance (native value, or an ERC-20 approved to the hub here).
    /// @param request The request; `callback` is overwritten with this contract.
    /// @return jobId The job.
    function _requestInference(IInferenceHub.Request memory request) internal returns (uint256 jobId) {
        request.callback = address(this);
        (address feeToken,,) =
            IModelRegistry(inferenceHub.modelRegistry()).requestTerms(request.modelId, request.version);
        if (feeToken == address(0)) {
            return inferenceHub.requestInference{value: request.fee}(request);
        }
        IERC20(feeToken).forceApprove(address(inferenceHub), request.fee);
        return inferenceHub.requestInference(request);
    }

    /// @notice Refunds one of this consumer's expired jobs through the hub (its fee is credited to this contract,
    /// the requester) and tells the dApp with `_onInferenceRefunded`. Anyone may call it once the deadline passed.
    /// @custom:security The hub's `refund` makes no external call; `_onInferenceRefunded` runs after it.
    /// @param jobId The job.
    /// @param job The job as emitted in `InferenceRequested` (its requester must be this contract).
    function refundExpired(uint256 jobId, IInferenceHub.Job calldata job) external {
        if (job.requester != address(this)) revert ConsumerNotRequester(jobId, job.requester);
        inferenceHub.refund(jobId, job);
        _onInferenceRefunded(jobId, job.feeToken, job.fee);
    }

    /// @notice Pulls this contract's credited balance from the hub into this contract: refunds of its expired jobs
    /// are credited to it as the requester. Anyone may call it (the funds only ever move to this contract); the dApp
    /// decides what to do with them. A native refund needs this contract to accept value (a `receive` function).
    /// @param token The currency (zero for native).
    /// @return amount The amount received.
    function collectRefunds(address token) external returns (uint256 amount) {
        amount = _withdrawFromHub(token);
        emit ConsumerRefundsCollected(token, amount);
    }

    /// @notice Pulls this contract's credited balance from the hub (see `collectRefunds`).
    /// @param token The currency (zero for native; the contract must be able to receive it).
    /// @return amount The amount received.
    function _withdrawFromHub(address token) internal returns (uint256 amount) {
        return inferenceHub.withdraw(token);
    }

    /// @notice Told when one of this consumer's jobs was refunded through `refundExpired` (override to react,
    /// e.g. mark the question unanswered). Default: nothing.
    /// @param jobId The job.
    /// @param feeToken The fee's currency.
    /// @param fee The fee credited back to this contract.
    function _onInferenceRefunded(uint256 jobId, address feeToken, uint256 fee) internal virtual {}

    /// @notice Receives a verified result.
    /// @param jobId The job.
    /// @param outputHash keccak256 of the output bytes.
    /// @param output The output bytes (empty when delivered by URI).
    function _onInferenceResult(uint256 jobId, bytes32 outputHash, bytes calldata output) internal virtual;
}
