// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VerityTypes} from "./VerityTypes.sol";

/// @title ModeParams
/// @notice The packing of a request's `params` word for the modes that take parameters. The hub validates them at
/// request time (`HubInvalidParams` otherwise); the verifiers and the hub unpack them at fulfilment.
/// ```
/// QUORUM      params = k | minStake << 8
///             k         bits 0..7     signatures required, 1..MAX_QUORUM
///             minStake  bits 8..135   least bonded stake a signer must have (stake-token units); every signer
///                                     must have a non-zero bonded stake even when minStake is 0
///             bits 136..255 must be zero
/// OPTIMISTIC  params = window | bond << 32 | slashAmount << 128
///             window       bits 0..31     challenge window in seconds, MIN_CHALLENGE_WINDOW..MAX_CHALLENGE_WINDOW;
///                                         also the time a challenge has to be resolved
///             bond         bits 32..127   native-currency bond of the proposer, and of a challenger; non-zero
///             slashAmount  bits 128..255  stake taken from a proposer proven wrong (stake-token units); the
///                                         proposer needs at least this much bonded stake (and some) to propose
/// ```
library ModeParams {
    /// @notice The quorum size and minimum stake of a QUORUM job.
    /// @param params The job's params.
    /// @return k Signatures required.
    /// @return minStake Least bonded stake per signer.
    function quorum(uint256 params) internal pure returns (uint256 k, uint256 minStake) {
        k = params & 0xff;
        minStake = params >> 8;
    }

    /// @notice Whether `params` is a valid QUORUM parameter word.
    /// @param params The word.
    function isValidQuorum(uint256 params) internal pure returns (bool) {
        uint256 k = params & 0xff;
        return k != 0 && k <= VerityTypes.MAX_QUORUM && params >> 136 == 0;
    }

    /// @notice The challenge window, bond and slash amount of an OPTIMISTIC job.
    /// @param params The job's params.
    /// @return window Challenge window (and resolution period) in seconds.
    /// @return bond Native-currency bond of the proposer and of a challenger.
    /// @return slashAmount Stake taken from a proposer proven wrong.
    function optimistic(uint256 params) internal pure returns (uint256 window, uint256 bond, uint256 slashAmount) {
        window = params & 0xffffffff;
        bond = (params >> 32) & type(uint96).max;
        slashAmount = params >> 128;
    }

    /// @notice Whether `params` is a valid OPTIMISTIC parameter word.
    /// @param params The word.
    function isValidOptimistic(uint256 params) internal pure returns (bool) {
        (uint256 window, uint256 bond,) = optimistic(params);
        return window >= VerityTypes.MIN_CHALLENGE_WINDOW && window <= VerityTypes.MAX_CHALLENGE_WINDOW && bond != 0;
    }
}
