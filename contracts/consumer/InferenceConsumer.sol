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

    /// @notice Pulls this contract's credited balance from the hub: refunds of its expired jobs are credited to
    /// it as the requester. Call it from a function of your own (and forward the funds as your dApp needs).
    /// @param token The currency (zero for native; the contract must be able to receive it).
    /// @return amount The amount received.
    function _withdrawFromHub(address token) internal returns (uint256 amount) {
        return inferenceHub.withdraw(token);
    }

    /// @notice Receives a verified result.
    /// @param jobId The job.
    /// @param outputHash keccak256 of the output bytes.
    /// @param output The output bytes (empty when delivered by URI).
    function _onInferenceResult(uint256 jobId, bytes32 outputHash, bytes calldata output) internal virtual;
}
