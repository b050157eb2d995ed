// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {InferenceConsumer} from "../consumer/InferenceConsumer.sol";
import {IInferenceHub} from "../interfaces/IInferenceHub.sol";
import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";

/// @title ExampleConsumer
/// @notice A dApp that asks for a classification and stores the answer. Used by tests, the demo and the README.
contract ExampleConsumer is InferenceConsumer {
    /// @notice Emitted when a result arrives.
    event ResultReceived(uint256 indexed jobId, bytes32 outputHash, bytes output);

    mapping(uint256 jobId => bytes32) public outputHashOf;
    mapping(uint256 jobId => bytes) public outputOf;
    uint256 public resultCount;

    constructor(IInferenceHub hub) InferenceConsumer(hub) {}

    /// @notice Requests an inference paid from this contract's balance (send the fee along for native fees).
    function ask(IInferenceHub.Request memory request) external payable returns (uint256) {
        return _requestInference(request);
    }

    /// @notice Jobs refunded through `refundExpired`, and their fee.
    mapping(uint256 jobId => uint256) public refundedFee;

    function _onInferenceRefunded(uint256 jobId, address, uint256 fee) internal override {
        refundedFee[jobId] = fee;
    }

    function _onInferenceResult(uint256 jobId, bytes32 outputHash, bytes calldata output) internal override {
        outputHashOf[jobId] = outputHash;
        outputOf[jobId] = output;
        ++resultCount;
        emit ResultReceived(jobId, outputHash, output);
    }

    receive() external payable {}
}

/// @title HostileConsumer
/// @notice Misbehaves in its callback in one of several ways, to test that the hub survives each.
contract HostileConsumer is InferenceConsumer {
    enum Behaviour {
        Revert,
        BurnAllGas,
        HugeRevertData,
        HugeReturnData,
        Reenter
    }

    Behaviour public behaviour;
    bytes public reentryCall;
    bool public reentrySucceeded;
    bytes public reentryError;
    uint256 public callbacks;

    constructor(IInferenceHub hub) InferenceConsumer(hub) {}

    function configure(Behaviour b, bytes calldata call) external {
        behaviour = b;
        reentryCall = call;
    }

    function ask(IInferenceHub.Request memory request) external payable returns (uint256) {
        return _requestInference(request);
    }

    function _onInferenceResult(uint256, bytes32, bytes calldata) internal override {
        ++callbacks;
        Behaviour b = behaviour;
        if (b == Behaviour.Revert) revert("consumer says no");
        if (b == Behaviour.BurnAllGas) {
            while (true) {}
        }
        if (b == Behaviour.HugeRevertData) {
            assembly {
                revert(0, 200000)
            }
        }
        if (b == Behaviour.HugeReturnData) {
            assembly {
                return(0, 200000)
            }
        }
        (bool ok, bytes memory err) = address(inferenceHub).call(reentryCall);
        reentrySucceeded = ok;
        reentryError = err;
    }

    receive() external payable {}
}

/// @title GasProbeConsumer
/// @notice Requests for itself and records, at the first opcode of its callback, how much gas it was given.
contract GasProbeConsumer is IInferenceConsumer {
    IInferenceHub public immutable hub;
    uint256 public gasAtEntry;
    uint256 public outputLength;

    constructor(IInferenceHub hub_) {
        hub = hub_;
    }

    function ask(IInferenceHub.Request memory request) external payable returns (uint256) {
        request.callback = address(this);
        return hub.requestInference{value: msg.value}(request);
    }

    function onInferenceResult(uint256, bytes32, bytes calldata output) external {
        uint256 g = gasleft();
        gasAtEntry = g;
        outputLength = output.length;
    }
}

/// @title SpoofingRequester
/// @notice An attacker's contract: requests a job naming another contract as the callback.
contract SpoofingRequester {
    function requestFor(IInferenceHub hub, IInferenceHub.Request memory request, address victim) external payable returns (uint256) {
        request.callback = victim;
        return hub.requestInference{value: msg.value}(request);
    }
}
