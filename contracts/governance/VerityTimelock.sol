// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title VerityTimelock
/// @notice OpenZeppelin's TimelockController, unchanged, as the owner of the hub, the operator registry and the ZK
/// verifier: every governance call is scheduled by a proposer, waits `getMinDelay()` seconds in public view, and is
/// then executed by an executor (anyone, when the executor role is granted to the zero address). Users who disagree
/// with a scheduled change have the delay to leave.
contract VerityTimelock is TimelockController {
    /// @param minDelay Seconds between scheduling and executing (the timelock itself can change it, through itself).
    /// @param proposers Accounts that schedule (and cancel) calls.
    /// @param executors Accounts that execute ready calls; include the zero address to let anyone execute.
    /// @param admin An optional extra admin for the initial role setup (zero for none: the timelock administers
    /// itself).
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
