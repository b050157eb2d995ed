// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IQuorumVerifier} from "../interfaces/IQuorumVerifier.sol";
import {ModeParams} from "../libraries/ModeParams.sol";
import {VerityTypes} from "../libraries/VerityTypes.sol";
import {HubSignatures} from "../libraries/HubSignatures.sol";

/// @title QuorumVerifier
/// @notice Verifies k-of-n operator signatures for the QUORUM mode (see IQuorumVerifier for the vote, the
/// attestation and the errors).
/// @dev Abstract, like TeeVerifier: it lives in the contract that holds the stakes (OperatorRegistry), which
/// supplies `_bondedStake` and routes `verifyResult` to `_verifyQuorum`. Each signer's stake is then one storage
/// read instead of a call into another contract: per signer, one ecrecover (3,000 gas), one cold stake slot (2,100)
/// and, in the hub, one credit.
///
/// The EIP-712 domain is the calling hub's (`verifyingContract = msg.sender`), so a vote binds one hub on one
/// chain, and the struct binds one job, model version, input and output.
///
/// @custom:security Front-running: a vote binds no submitter, but the signers (not the submitter) are credited, so
/// copying a pending `fulfill` gains nothing. Sybils: k counts distinct staked accounts; a requester who wants k
/// independent parties sets a minimum stake that makes k accounts expensive.
abstract contract QuorumVerifier is IQuorumVerifier {
    /// @inheritdoc IQuorumVerifier
    bytes32 public constant QUORUM_VOTE_TYPEHASH =
        keccak256(
            "QuorumVote(uint256 jobId,bytes32 modelId,uint32 version,bytes32 inputHash,bytes32 outputHash,bytes32 outputURIHash)"
        );
    /// @inheritdoc IQuorumVerifier
    uint256 public constant MAX_QUORUM_SIGNERS = VerityTypes.MAX_QUORUM;

    /// @dev signer (20) | r (32) | s (32) | v (1).
    uint256 private constant _ENTRY_BYTES = 85;

    /// @inheritdoc IQuorumVerifier
    function voteDigest(
        address hub,
        uint256 jobId,
        bytes32 modelId,
        uint32 version,
        bytes32 inputHash,
        bytes32 outputHash,
        bytes32 outputURIHash
    ) external view returns (bytes32) {
        return _voteDigest(hub, jobId, modelId, version, inputHash, outputHash, outputURIHash);
    }

    /// @dev `IResultVerifier.verifyResult` for a QUORUM job. Checks, cheapest first: the params and the
    /// attestation's size, then per entry its signature, its order and its signer's bonded stake.
    /// @return signers The signers, ascending; the hub splits the operator share among them.
    function _verifyQuorum(Job calldata job, bytes calldata attestation)
        internal
        view
        returns (address[] memory signers)
    {
        uint256 params = job.params;
        if (!ModeParams.isValidQuorum(params)) revert QuorumInvalidParams(params);
        (uint256 k, uint256 minStake) = ModeParams.quorum(params);
        uint256 length = attestation.length;
        if (length == 0 || length % _ENTRY_BYTES != 0) revert QuorumMalformedAttestation(length);
        uint256 n;
        // Cannot overflow or divide by zero: constant non-zero divisor.
        unchecked {
            n = length / _ENTRY_BYTES;
        }
        if (n < k) revert QuorumTooFewSigners(job.jobId, n, k);
        if (n > MAX_QUORUM_SIGNERS) revert QuorumTooManySigners(job.jobId, n, MAX_QUORUM_SIGNERS);

        signers = _signersOf(job.jobId, _voteDigestOf(job), attestation, n);
        // The job's minimum, and never below the protocol's: 1-wei sybils cannot form a quorum.
        uint256 floor = _minSignerStake();
        if (minStake > floor) floor = minStake;
        // Cannot overflow: i < n <= MAX_QUORUM_SIGNERS.
        unchecked {
            for (uint256 i; i < n; ++i) {
                address signer = signers[i];
                uint256 stake = _bondedStake(signer);
                if (stake == 0 || stake < floor) revert QuorumStakeTooLow(job.jobId, signer, stake, floor);
            }
        }
    }

    /// @dev The `n` signers of `attestation`'s entries, each checked to have signed `digest`, strictly ascending.
    function _signersOf(uint256 jobId, bytes32 digest, bytes calldata attestation, uint256 n)
        internal
        view
        returns (address[] memory signers)
    {
        signers = new address[](n);
        address previous;
        // Cannot overflow: i < n <= MAX_QUORUM_SIGNERS.
        unchecked {
            for (uint256 i; i < n; ++i) {
                (address signer, address recovered) = _entry(attestation, i, digest);
                if (recovered != signer || recovered == address(0)) {
                    revert QuorumInvalidSignature(jobId, signer, recovered);
                }
                if (signer <= previous) {
                    if (signer == previous) revert QuorumDuplicateSigner(jobId, signer);
                    revert QuorumSignersNotAscending(jobId, previous, signer);
                }
                // In bounds: i < n, the array's length.
                assembly ("memory-safe") {
                    mstore(add(signers, shl(5, add(i, 1))), signer)
                }
                previous = signer;
            }
        }
    }

    /// @dev The protocol's least bonded stake for any quorum signer (governance-set in the registry).
    function _minSignerStake() internal view virtual returns (uint256);

    /// @dev An operator's bonded stake (unbonding stake does not count).
    function _bondedStake(address operator) internal view virtual returns (uint256);

    /// @dev The vote digest of `job` under the calling hub's domain (one stack slot for the whole job).
    function _voteDigestOf(Job calldata job) private view returns (bytes32) {
        return _voteDigest(msg.sender, job.jobId, job.modelId, job.version, job.inputHash, job.outputHash, job.outputURIHash);
    }

    function _voteDigest(
        address hub,
        uint256 jobId,
        bytes32 modelId,
        uint32 version,
        bytes32 inputHash,
        bytes32 outputHash,
        bytes32 outputURIHash
    ) internal view returns (bytes32) {
        return HubSignatures.jobDigest(QUORUM_VOTE_TYPEHASH, hub, jobId, modelId, version, inputHash, outputHash, outputURIHash);
    }

    /// @dev The signer of entry `i` and the address its signature recovers to for `digest`, read straight from
    /// calldata. OpenZeppelin ECDSA's rules: s in the lower half of the order and v of 27 or 28, otherwise
    /// `recovered` is zero (as it is when the precompile finds no key).
    function _entry(bytes calldata attestation, uint256 i, bytes32 digest)
        private
        view
        returns (address signer, address recovered)
    {
        uint256 sig;
        assembly ("memory-safe") {
            let p := add(attestation.offset, mul(i, _ENTRY_BYTES))
            signer := shr(96, calldataload(p))
            sig := add(p, 20) // the signature follows the 20-byte signer
        }
        recovered = HubSignatures.recoverCalldata(digest, sig);
    }
}
