// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title VerityTypes
/// @notice Constants shared by the hub, the registries and the verifiers.
library VerityTypes {
    /// @notice Verification modes. A model version's `modes` is a bitmask of `1 << mode`.
    uint8 internal constant MODE_TEE = 1;
    uint8 internal constant MODE_ZK = 2;
    uint8 internal constant MODE_QUORUM = 3;
    uint8 internal constant MODE_OPTIMISTIC = 4;
    /// @notice Highest mode number a version may declare (modes fit one byte as a bitmask).
    uint8 internal constant MAX_MODE = 7;

    /// @notice Basis-point denominator for the protocol fee.
    uint16 internal constant BPS = 10_000;

    /// @notice The largest quorum a QUORUM request may ask for, and the most signatures a quorum attestation may
    /// carry (the operator share is split among them, one credit each).
    uint256 internal constant MAX_QUORUM = 32;

    /// @notice The shortest challenge window an OPTIMISTIC request may ask for (also the resolution period).
    uint256 internal constant MIN_CHALLENGE_WINDOW = 10 minutes;
    /// @notice The longest challenge window an OPTIMISTIC request may ask for (also the resolution period).
    uint256 internal constant MAX_CHALLENGE_WINDOW = 3 days;
}
