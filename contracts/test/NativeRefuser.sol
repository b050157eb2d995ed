// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title NativeRefuser
/// @notice An account that refuses the native currency (no receive or fallback) but can make calls, with value,
/// through `exec`: a challenger, slash recipient or operator that cannot be paid by a push. Tests only.
contract NativeRefuser {
    /// @notice Calls `target` with `data` and `msg.value`, bubbling up a revert.
    function exec(address target, bytes calldata data) external payable returns (bytes memory result) {
        bool ok;
        (ok, result) = target.call{value: msg.value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }
}
