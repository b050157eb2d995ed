// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IInferenceHub} from "../interfaces/IInferenceHub.sol";

/// @title JobLayout
/// @notice The ABI layout of `IInferenceHub.Request` and `IInferenceHub.Job`, named once. A `Job` has only static
/// fields, so its calldata bytes are its ABI encoding: the hub hashes, copies and emits them in place. Every offset
/// the hub's assembly reads is a constant here, and the helpers below are the only code that walks the layout.
/// ```
/// Job (14 words)          Request (head, 11 words)
/// 0x000 requester         0x000 modelId
/// 0x020 modelId           0x020 version
/// 0x040 version           0x040 mode
/// 0x060 mode              0x060 deadline
/// 0x080 deadline          0x080 callback
/// 0x0a0 callback          0x0a0 callbackGasLimit
/// 0x0c0 callbackGasLimit  0x0c0 fee
/// 0x0e0 feeToken          0x0e0 params
/// 0x100 fee               0x100 inputHash
/// 0x120 modelFee          0x120 offset of input
/// 0x140 protocolFeeBps    0x140 offset of inputURI
/// 0x160 inputHash
/// 0x180 params
/// 0x1a0 verifier
/// ```
/// The commitment of a job is `keccak256(abi.encode(jobId, job))`: the job id, then the 14 words.
library JobLayout {
    /// @notice Offset of `Job.modelId`.
    uint256 internal constant MODEL_ID = 0x20;
    /// @notice Offset of `Job.version`.
    uint256 internal constant VERSION = 0x40;
    /// @notice Offset of `Job.inputHash`.
    uint256 internal constant INPUT_HASH = 0x160;
    /// @notice Offset of `Job.params`.
    uint256 internal constant PARAMS = 0x180;
    /// @notice Offset of `Job.verifier`.
    uint256 internal constant VERIFIER = 0x1a0;
    /// @notice Size of a `Job`'s encoding.
    uint256 internal constant JOB_SIZE = 0x1c0;
    /// @notice Size of `abi.encode(jobId, job)`, the bytes hashed into the commitment.
    uint256 internal constant COMMITTED_SIZE = 0x1e0;

    /// @notice `keccak256(abi.encode(jobId, job))`, hashed from the calldata in place.
    /// @param jobId The job id.
    /// @param job The job.
    function hash(uint256 jobId, IInferenceHub.Job calldata job) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, jobId)
            calldatacopy(add(ptr, 0x20), job, JOB_SIZE)
            h := keccak256(ptr, COMMITTED_SIZE)
        }
    }

    /// @notice Lays out `abi.encode(jobId, job)` for a new request at the free memory pointer and reserves it: the
    /// requester, the request's fields, and the terms the hub adds (fee token, model fee, protocol fee, input hash,
    /// verifier). Returns the commitment and the memory address of the job's first word (for `emitRequested`).
    /// Every request field copied here was range-checked by the caller.
    /// @param jobId The new job's id.
    /// @param request The request.
    /// @param terms The hub's words: feeToken, modelFee, protocolFeeBps, inputHash, verifier.
    function record(uint256 jobId, IInferenceHub.Request calldata request, uint256[5] memory terms)
        internal
        view
        returns (bytes32 commitment, uint256 j)
    {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, jobId)
            j := add(m, 0x20)
            mstore(j, caller()) // requester
            calldatacopy(add(j, 0x20), request, 0xc0) // modelId .. callbackGasLimit
            mstore(add(j, 0xe0), mload(terms)) // feeToken
            mstore(add(j, 0x100), calldataload(add(request, 0xc0))) // fee
            mstore(add(j, 0x120), mload(add(terms, 0x20))) // modelFee
            mstore(add(j, 0x140), mload(add(terms, 0x40))) // protocolFeeBps
            mstore(add(j, 0x160), mload(add(terms, 0x60))) // inputHash
            mstore(add(j, 0x180), calldataload(add(request, 0xe0))) // params
            mstore(add(j, 0x1a0), mload(add(terms, 0x80))) // verifier
            commitment := keccak256(m, COMMITTED_SIZE)
            // Reserve the words laid out here: `emitRequested` reads them after Solidity code has run.
            mstore(0x40, add(m, COMMITTED_SIZE))
        }
    }

    /// @notice Emits `InferenceRequested(jobId, modelId, requester, job, input, inputURI)` from the job words laid
    /// out at `j` by `record`, appending the input and its URI after them.
    /// @param j The memory address returned by `record`.
    /// @param jobId The job id.
    /// @param input The inline input.
    /// @param uri The input URI.
    function emitRequested(uint256 j, uint256 jobId, bytes calldata input, bytes calldata uri) internal {
        bytes32 topic0 = IInferenceHub.InferenceRequested.selector;
        assembly ("memory-safe") {
            // Event data: job (14 words), offset of input, offset of URI, input, URI.
            let inPadded := and(add(input.length, 0x1f), not(0x1f))
            mstore(add(j, JOB_SIZE), add(JOB_SIZE, 0x40))
            mstore(add(j, add(JOB_SIZE, 0x20)), add(JOB_SIZE, add(0x60, inPadded)))
            let p := add(j, add(JOB_SIZE, 0x40))
            mstore(p, input.length)
            if inPadded { mstore(add(p, inPadded), 0) }
            calldatacopy(add(p, 0x20), input.offset, input.length)
            p := add(add(p, 0x20), inPadded)
            let uriPadded := and(add(uri.length, 0x1f), not(0x1f))
            mstore(p, uri.length)
            if uriPadded { mstore(add(p, uriPadded), 0) }
            calldatacopy(add(p, 0x20), uri.offset, uri.length)
            p := add(add(p, 0x20), uriPadded)
            mstore(0x40, p)
            log4(j, sub(p, j), topic0, jobId, mload(add(j, MODEL_ID)), caller())
        }
    }

    /// @notice Writes `verifyResult(IResultVerifier.Job(...), attestation)` calldata for `job` at the free memory
    /// pointer (the IResultVerifier.Job's eight words, then the attestation's offset, length and bytes), reserves
    /// it, and returns where it starts and its size (the caller reads it from another assembly block).
    /// @param selector The verifier's selector.
    /// @param jobId The job id.
    /// @param job The job (checked against its commitment, so its words are the clean values hashed at request).
    /// @param outputHash The claimed output hash.
    /// @param outputURIHash The delivery form.
    /// @param attestation The evidence.
    function verifierCall(
        bytes4 selector,
        uint256 jobId,
        IInferenceHub.Job calldata job,
        bytes32 outputHash,
        bytes32 outputURIHash,
        bytes calldata attestation
    ) internal view returns (uint256 m, uint256 size) {
        assembly ("memory-safe") {
            m := mload(0x40)
            mstore(m, selector)
            mstore(add(m, 0x04), jobId)
            mstore(add(m, 0x24), calldataload(add(job, MODEL_ID)))
            mstore(add(m, 0x44), calldataload(add(job, VERSION)))
            mstore(add(m, 0x64), calldataload(add(job, INPUT_HASH)))
            mstore(add(m, 0x84), outputHash)
            mstore(add(m, 0xa4), calldataload(add(job, PARAMS)))
            mstore(add(m, 0xc4), caller())
            mstore(add(m, 0xe4), outputURIHash)
            mstore(add(m, 0x104), 0x120) // offset of `attestation` after the selector
            mstore(add(m, 0x124), attestation.length)
            size := add(0x144, and(add(attestation.length, 0x1f), not(0x1f)))
            mstore(add(m, sub(size, 0x20)), 0) // zero the padding of the last word
            calldatacopy(add(m, 0x144), attestation.offset, attestation.length)
            mstore(0x40, add(m, size))
        }
    }
}
