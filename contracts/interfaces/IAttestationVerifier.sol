// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IAttestationVerifier
/// @notice Decides whether an enclave's attestation evidence was verified, for the EnclaveRegistry. One is
/// configured per TEE type (1 AWS Nitro, 2 Intel TDX). The default, on every chain, is the AttestorCommittee (k of n
/// governance-approved attestors sign that they verified the evidence off chain with the SDK); a chain with an
/// attestation precompile or an on-chain DCAP verifier plugs in behind the same interface, with the evidence itself
/// as `proof`.
///
/// The evidence (a Nitro COSE_Sign1 document, or a TDX quote with its collateral) is stored off chain by URI; the
/// claim names its keccak256 hash. The evidence binds the key: its `user_data` (Nitro) or the first 32 bytes of
/// its `report_data` (TDX) is `EnclaveRegistry.keyBindingDigest(key, operator)`. The measurement is
/// keccak256(0x01 ‖ PCR0 ‖ PCR1 ‖ PCR2) for Nitro and keccak256(0x02 ‖ MRTD ‖ RTMR0 ‖ RTMR1 ‖ RTMR2 ‖ RTMR3) for
/// TDX (48 bytes each); sdk/src/attestation/README.md has the formulas and the checks an attestor runs.
interface IAttestationVerifier {
    /// @notice What the registry asks a verifier to confirm about one piece of evidence.
    /// @param teeType The TEE type (1 AWS Nitro, 2 Intel TDX).
    /// @param evidenceHash keccak256 of the evidence bytes.
    /// @param measurement The measurement the evidence shows.
    /// @param key The enclave signing key the evidence binds.
    /// @param operator The operator the evidence binds.
    /// @param expiresAt The latest time the key may be used on this evidence.
    struct AttestationClaim {
        uint8 teeType;
        bytes32 evidenceHash;
        bytes32 measurement;
        address key;
        address operator;
        uint64 expiresAt;
    }

    /// @notice Reverts unless the claim's evidence was verified; a view, so a registration can never be changed by
    /// its verifier.
    /// @param claim The claim.
    /// @param proof What this verifier needs (the committee: its attestors' signatures; an on-chain verifier: the
    /// evidence itself).
    /// @return validUntil The latest time the key may stay active on this evidence (at most `claim.expiresAt`).
    /// @return attestors Who vouched for the evidence (the committee's signers; empty for an on-chain verifier).
    function verifyAttestation(AttestationClaim calldata claim, bytes calldata proof)
        external
        view
        returns (uint64 validUntil, address[] memory attestors);
}
