// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IResultVerifier} from "./IResultVerifier.sol";

/// @title IQuorumVerifier
/// @notice QUORUM mode: a result counts when at least k distinct operators, each with a free (unlocked) bonded stake
/// of at least the job's minimum (and non-zero), signed the same EIP-712 vote
/// `QuorumVote(uint256 jobId,bytes32 modelId,uint32 version,bytes32 inputHash,bytes32 outputHash,bytes32 outputURIHash)` under the hub's
/// domain `{name: "Verity", version: "1", chainId, verifyingContract: hub}` with their operator (staking) account.
/// k and the minimum stake come from the job's `params` (see libraries/ModeParams.sol: `k | minStake << 8`).
///
/// Attestation: the signers' entries concatenated, 85 bytes each, signers strictly ascending by address (which
/// makes the duplicate check one comparison):
/// ```
/// signer (20 bytes) | r (32) | s (32) | v (1)
/// ```
/// Every entry must hold: a signature that does not recover to its signer for this job's vote, a signer out of
/// order, or a signer below the stake rejects the whole attestation with an error naming the signer. The operator
/// share of the fee is split among all the signers (at least k, at most `MAX_QUORUM_SIGNERS`).
///
/// The OperatorRegistry implements it (it holds the stakes, so a quorum check is one call), next to the TEE check.
/// QUORUM is a built-in mode: the hub always routes it to its operator registry (`setVerifier(3, ...)` reverts with
/// `HubBuiltInMode`).
///
/// @dev Events: `verifyResult` is a view; the hub emits `InferenceFulfilled` and `OperatorsCredited` (the signers).
interface IQuorumVerifier is IResultVerifier {
    /// @notice The attestation is empty or not a whole number of 85-byte entries.
    /// @param length Its length in bytes.
    error QuorumMalformedAttestation(uint256 length);
    /// @notice The job's params are not a valid quorum (k of 0 or above `MAX_QUORUM_SIGNERS`, minimum stake too
    /// large). The hub refuses such requests, so this only guards direct callers.
    /// @param params The job's params.
    error QuorumInvalidParams(uint256 params);
    /// @notice Fewer signatures than the job's quorum.
    /// @param jobId The job.
    /// @param given Signatures given.
    /// @param required The job's k.
    error QuorumTooFewSigners(uint256 jobId, uint256 given, uint256 required);
    /// @notice More signatures than `MAX_QUORUM_SIGNERS`.
    /// @param jobId The job.
    /// @param given Signatures given.
    /// @param maximum `MAX_QUORUM_SIGNERS`.
    error QuorumTooManySigners(uint256 jobId, uint256 given, uint256 maximum);
    /// @notice A signature does not recover to its entry's signer for this job's vote: it signed another output (or
    /// job, model, input, hub, chain), or it is malformed (`recovered` is zero then).
    /// @param jobId The job.
    /// @param signer The entry's signer.
    /// @param recovered The address the signature recovers to for the claimed vote.
    error QuorumInvalidSignature(uint256 jobId, address signer, address recovered);
    /// @notice The same signer appears twice.
    /// @param jobId The job.
    /// @param signer The signer.
    error QuorumDuplicateSigner(uint256 jobId, address signer);
    /// @notice The signers are not in strictly ascending order.
    /// @param jobId The job.
    /// @param previous The entry before.
    /// @param signer The entry out of order.
    error QuorumSignersNotAscending(uint256 jobId, address previous, address signer);
    /// @notice A signer's bonded stake is zero (unstaked, or all of it unbonding) or below the larger of the job's
    /// minimum and the protocol's (`minQuorumStake`).
    /// @param jobId The job.
    /// @param signer The signer.
    /// @param stake Its bonded stake.
    /// @param minStake The minimum that applied.
    error QuorumStakeTooLow(uint256 jobId, address signer, uint256 stake, uint256 minStake);

    /// @notice The EIP-712 typehash of a quorum vote.
    function QUORUM_VOTE_TYPEHASH() external view returns (bytes32);

    /// @notice The most signatures an attestation may carry, and the largest k (`VerityTypes.MAX_QUORUM`).
    function MAX_QUORUM_SIGNERS() external view returns (uint256);

    /// @notice The EIP-712 digest an operator signs to vote for a result recorded by `hub`.
    /// @param hub The hub (the domain's verifyingContract).
    /// @param jobId The job.
    /// @param modelId The model.
    /// @param version The version.
    /// @param inputHash The input hash.
    /// @param outputHash The output hash voted for.
    /// @param outputURIHash keccak256 of the output URI (of "" for inline output): the delivery form voted for.
    function voteDigest(
        address hub,
        uint256 jobId,
        bytes32 modelId,
        uint32 version,
        bytes32 inputHash,
        bytes32 outputHash,
        bytes32 outputURIHash
    ) external view returns (bytes32);
}
