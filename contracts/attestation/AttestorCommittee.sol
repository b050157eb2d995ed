// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IAttestorCommittee} from "../interfaces/IAttestorCommittee.sol";
import {IAttestationVerifier} from "../interfaces/IAttestationVerifier.sol";

/// @title AttestorCommittee
/// @notice k-of-n attestors vouch that they verified an enclave's attestation evidence (see IAttestorCommittee).
contract AttestorCommittee is IAttestorCommittee, Ownable2Step, EIP712 {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice The most attestors a committee has, and so the most signatures a proof carries.
    uint256 public constant MAX_ATTESTORS = 32;
    /// @notice The EIP-712 type an attestor signs.
    bytes32 public constant APPROVAL_TYPEHASH = keccak256(
        "AttestorApproval(uint8 teeType,bytes32 evidenceHash,bytes32 measurement,address key,address operator,uint64 expiresAt)"
    );
    uint256 private constant _SIGNATURE_LENGTH = 65;

    EnumerableSet.AddressSet private _attestors;
    uint256 private _threshold;

    /// @param governance The owner: rotates attestors and the threshold.
    /// @param attestors_ The first attestors.
    /// @param threshold_ How many must sign, between 1 and `attestors_.length`.
    constructor(address governance, address[] memory attestors_, uint256 threshold_)
        Ownable(governance)
        EIP712("Verity AttestorCommittee", "1")
    {
        for (uint256 i; i < attestors_.length; ++i) {
            _setAttestor(attestors_[i], true);
        }
        _setThreshold(threshold_);
    }

    /// @inheritdoc IAttestorCommittee
    function setAttestor(address attestor, bool allowed) external onlyOwner {
        _setAttestor(attestor, allowed);
        uint256 count = _attestors.length();
        if (_threshold > count) revert CommitteeInvalidThreshold(_threshold, count);
    }

    /// @inheritdoc IAttestorCommittee
    function setThreshold(uint256 threshold_) external onlyOwner {
        _setThreshold(threshold_);
    }

    /// @notice Disabled: governance cannot renounce ownership (always reverts with `CommitteeRenounceDisabled`).
    function renounceOwnership() public view override onlyOwner {
        revert CommitteeRenounceDisabled();
    }

    /// @inheritdoc IAttestationVerifier
    /// @dev `proof` is 65-byte (r, s, v) signatures of `approvalDigest(claim)`, signers strictly ascending.
    function verifyAttestation(AttestationClaim calldata claim, bytes calldata proof)
        external
        view
        returns (uint64 validUntil, address[] memory signers)
    {
        uint256 length = proof.length;
        if (length == 0 || length % _SIGNATURE_LENGTH != 0 || length / _SIGNATURE_LENGTH > MAX_ATTESTORS) {
            revert CommitteeMalformedProof(length);
        }
        if (claim.expiresAt <= block.timestamp) revert CommitteeApprovalExpired(claim.expiresAt);
        uint256 count = length / _SIGNATURE_LENGTH;
        if (count < _threshold) revert CommitteeBelowThreshold(count, _threshold);
        bytes32 digest = _approvalDigest(claim);
        signers = new address[](count);
        address previous;
        for (uint256 i; i < count; ++i) {
            (address signer,,) = ECDSA.tryRecover(digest, proof[i * _SIGNATURE_LENGTH:(i + 1) * _SIGNATURE_LENGTH]);
            if (signer == address(0) || !_attestors.contains(signer)) revert CommitteeNotAttestor(i, signer);
            if (signer <= previous) revert CommitteeSignersNotAscending(i, signer);
            signers[i] = signer;
            previous = signer;
        }
        validUntil = claim.expiresAt;
    }

    /// @inheritdoc IAttestorCommittee
    function approvalDigest(AttestationClaim calldata claim) external view returns (bytes32) {
        return _approvalDigest(claim);
    }

    /// @inheritdoc IAttestorCommittee
    function attestors() external view returns (address[] memory) {
        return _attestors.values();
    }

    /// @inheritdoc IAttestorCommittee
    function isAttestor(address account) external view returns (bool) {
        return _attestors.contains(account);
    }

    /// @inheritdoc IAttestorCommittee
    function threshold() external view returns (uint256) {
        return _threshold;
    }

    function _approvalDigest(AttestationClaim calldata claim) private view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    APPROVAL_TYPEHASH,
                    claim.teeType,
                    claim.evidenceHash,
                    claim.measurement,
                    claim.key,
                    claim.operator,
                    claim.expiresAt
                )
            )
        );
    }

    function _setAttestor(address attestor, bool allowed) private {
        bool changed = allowed ? _attestors.add(attestor) : _attestors.remove(attestor);
        if (attestor == address(0) || !changed) revert CommitteeInvalidAttestorUpdate(attestor, allowed);
        if (_attestors.length() > MAX_ATTESTORS) revert CommitteeInvalidThreshold(_threshold, _attestors.length());
        emit AttestorUpdated(attestor, allowed);
    }

    function _setThreshold(uint256 threshold_) private {
        uint256 count = _attestors.length();
        if (threshold_ == 0 || threshold_ > count) revert CommitteeInvalidThreshold(threshold_, count);
        emit ThresholdUpdated(_threshold, threshold_);
        _threshold = threshold_;
    }
}
