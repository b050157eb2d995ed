// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAttestationVerifier} from "./IAttestationVerifier.sol";

/// @title IAttestorCommittee
/// @notice The default attestation verifier, usable on any EVM chain: `threshold` of the governance-approved
/// attestors sign (EIP-712, domain `{ "Verity AttestorCommittee", "1", chainId, committee }`)
/// `AttestorApproval(teeType, evidenceHash, measurement, key, operator, expiresAt)` after verifying the evidence
/// with the SDK (`verity attestor verify|sign`): authentic to the vendor's root, fresh, not a debug enclave, and
/// binding the key and operator. Governance rotates attestors and the threshold; a signature counts only while its
/// signer is an attestor, so a removed attestor can vouch for no new key.
interface IAttestorCommittee is IAttestationVerifier {
    /// @notice Emitted when governance adds or removes an attestor.
    /// @param attestor The attestor.
    /// @param allowed Whether it is an attestor now.
    event AttestorUpdated(address indexed attestor, bool allowed);
    /// @notice Emitted when governance changes how many attestors must sign.
    /// @param oldThreshold The previous threshold.
    /// @param newThreshold The new threshold.
    event ThresholdUpdated(uint256 oldThreshold, uint256 newThreshold);

    /// @notice The attestor is zero, already in the committee (when adding), or not in it (when removing).
    /// @param attestor The attestor.
    /// @param allowed What was asked.
    error CommitteeInvalidAttestorUpdate(address attestor, bool allowed);
    /// @notice The threshold must be between 1 and the number of attestors (at most `MAX_ATTESTORS`).
    /// @param threshold The threshold it would be.
    /// @param attestors The number of attestors it would have.
    error CommitteeInvalidThreshold(uint256 threshold, uint256 attestors);
    /// @notice The proof is not a whole number of 65-byte signatures, or has more than `MAX_ATTESTORS`.
    /// @param length Its length in bytes.
    error CommitteeMalformedProof(uint256 length);
    /// @notice A signature is malformed or recovers to an account that is not an attestor.
    /// @param index Its position in the proof.
    /// @param signer Who it recovers to (zero when malformed).
    error CommitteeNotAttestor(uint256 index, address signer);
    /// @notice Signers must be strictly ascending, so none counts twice.
    /// @param index The position of the signature out of order.
    /// @param signer Its signer.
    error CommitteeSignersNotAscending(uint256 index, address signer);
    /// @notice Fewer attestors signed than the threshold.
    /// @param signatures How many signed.
    /// @param threshold How many must.
    error CommitteeBelowThreshold(uint256 signatures, uint256 threshold);
    /// @notice The approval's expiry is not in the future.
    /// @param expiresAt The expiry signed.
    error CommitteeApprovalExpired(uint64 expiresAt);
    /// @notice Governance cannot renounce ownership of the committee.
    error CommitteeRenounceDisabled();

    /// @notice Adds or removes an attestor. Only governance. Removing one may not leave fewer attestors than the
    /// threshold.
    /// @param attestor The attestor.
    /// @param allowed Whether it is an attestor.
    function setAttestor(address attestor, bool allowed) external;

    /// @notice Sets how many attestors must sign an approval. Only governance.
    /// @param threshold Between 1 and the number of attestors.
    function setThreshold(uint256 threshold) external;

    /// @notice The EIP-712 digest attestors sign for a claim.
    /// @param claim The claim.
    function approvalDigest(AttestationClaim calldata claim) external view returns (bytes32);

    /// @notice The attestors, in no particular order.
    function attestors() external view returns (address[] memory);

    /// @notice Whether an account is an attestor.
    /// @param account The account.
    function isAttestor(address account) external view returns (bool);

    /// @notice How many attestors must sign.
    function threshold() external view returns (uint256);
}
