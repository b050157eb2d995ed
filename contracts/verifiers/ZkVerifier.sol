// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IResultVerifier} from "../interfaces/IResultVerifier.sol";
import {IModeVerifier} from "../interfaces/IModeVerifier.sol";
import {IZkVerifier} from "../interfaces/IZkVerifier.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {TensorCodec} from "../libraries/TensorCodec.sol";

/// @title ZkVerifier
/// @notice Verifies Groth16 proofs of "mlp-4-8-3-int8" inferences for the ZK mode (see IZkVerifier for the
/// attestation and the public signals). Plug it into the hub with `setVerifier(2, zkVerifier)`, and allow the
/// Groth16 verifiers it may call with `setCircuitAllowed(codehash, verifyingKeyHash, true)`.
/// @dev Its only state is governance's circuit allow-list. The model registry is `msg.sender`, the hub calling
/// `verifyResult` (the hub inherits ModelRegistry), rather than an address fixed at deployment: the version read is
/// always the one the job was requested against, so a verifier plugged into the wrong hub cannot check proofs
/// against another registry's commitments, and one deployment serves any hub. It costs the same as an immutable
/// (CALLER vs PUSH), and the hub's account is already warm. A direct caller other than a hub only learns what its
/// own registry says.
///
/// Trust: the commitment comes from the model version, which its owner published and the requester chose. The
/// Groth16 verifier the version names is called only if governance allowed its runtime code hash for the verifying
/// key hash the version declares: a model owner cannot plug in a verifier that accepts anything, nor declare a key
/// (which off-chain re-verification uses) other than the one the verifier embeds. Governance vouches that the code
/// is a snarkjs verifier with those constants; a code hash pins the code, which cannot change while the contract
/// exists (the snarkjs verifier has no `DELEGATECALL` or `SELFDESTRUCT`).
///
/// @custom:security Front-running and replay: the proof's public signals include `job.jobId` and `job.submitter`
/// (the account that called the hub, which `verifyResult` credits). A proof copied from a pending `fulfill` does
/// not verify for the copier's account, and a proof read from an earlier fulfilment does not verify for another job
/// with the same version and input: both are refused with `ZkProofInvalid`.
contract ZkVerifier is IZkVerifier, Ownable2Step {
    /// @dev The delivery form of inline output: keccak256 of the empty URI.
    bytes32 private constant _INLINE_OUTPUT = keccak256("");

    /// @inheritdoc IZkVerifier
    /// @dev About 1.8 times what a 5-signal snarkjs verifier needs (~219k), leaving room for precompile repricing;
    /// a bad proof burns at most this (a refused off-curve fulfilment uses ~460k gas in all, whatever its limit).
    uint256 public constant PROOF_GAS_CAP = 400_000;
    /// @notice `keccak256("mlp-4-8-3-int8")`, the architecture whose circuit this verifier's public signals follow.
    bytes32 public constant ARCHITECTURE = keccak256("mlp-4-8-3-int8");

    /// @dev BN254 scalar field modulus r: every public signal must be below it.
    uint256 private constant _SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev Gas needed before the call so the callee gets the full cap: 63/64 rule, account access (warm since the
    /// code hash check; 2,600 if cold), and the few instructions in between.
    uint256 private constant _GAS_BEFORE_PROOF = PROOF_GAS_CAP + PROOF_GAS_CAP / 63 + 5_000;
    /// @dev `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[5])`, the snarkjs Groth16 verifier.
    bytes4 private constant _VERIFY_PROOF = 0x34baeab9;
    /// @dev The code hash of an account that exists but has no code.
    bytes32 private constant _EMPTY_CODEHASH = keccak256("");
    /// @dev a (2 words), b (4), c (2): the head of the attestation, copied as is into the verifier's calldata.
    uint256 private constant _PROOF_BYTES = 0x100;
    /// @dev Proof, two offsets, and the two length words at least.
    uint256 private constant _MIN_ATTESTATION_BYTES = 0x180;

    /// @dev Canonical int8 [1,4]: 11-byte header (version 2, dtype 3, rank 2, dims 1 and 4 little-endian), 4 bytes.
    uint256 private constant _INPUT_LENGTH = 15;
    uint256 private constant _INPUT_HEADER = 0x0203020100000004000000;
    /// @dev Canonical int32 [1,3]: 11-byte header (version 2, dtype 6, rank 2, dims 1 and 3 little-endian), then
    /// 12 bytes (three little-endian int32).
    uint256 private constant _OUTPUT_LENGTH = 23;
    uint256 private constant _OUTPUT_HEADER = 0x0206020100000003000000;

    /// @dev Governance's allow-list: Groth16 verifier runtime code hash => verifying key hash => allowed.
    /// A code hash embeds one verifying key, so one slot per code hash: the key it is allowed with, or zero.
    mapping(bytes32 codehash => bytes32 verifyingKeyHash) private _allowedKeys;

    /// @param governance The owner, who allows circuits (`setCircuitAllowed`); two-step transfers (Ownable2Step).
    constructor(address governance) Ownable(governance) {
        emit ZkVerifierDeployed(ARCHITECTURE, PROOF_GAS_CAP);
    }

    // ─────────────────────────────────────────── governance ───────────────────────────────────────────

    /// @inheritdoc IZkVerifier
    function setCircuitAllowed(bytes32 codehash, bytes32 verifyingKeyHash, bool allowed) external onlyOwner {
        if (codehash == bytes32(0) || codehash == _EMPTY_CODEHASH || verifyingKeyHash == bytes32(0)) {
            revert ZkInvalidCircuit(codehash, verifyingKeyHash);
        }
        if ((_allowedKeys[codehash] == verifyingKeyHash) == allowed) {
            revert ZkCircuitPolicyUnchanged(codehash, verifyingKeyHash, allowed);
        }
        _allowedKeys[codehash] = allowed ? verifyingKeyHash : bytes32(0);
        emit ZkCircuitPolicyUpdated(codehash, verifyingKeyHash, allowed);
    }

    /// @notice Disabled: governance cannot renounce ownership (always reverts with `ZkRenounceDisabled`), so the
    /// circuit allow-list always has someone to update it. Anyone else gets Ownable's `OwnableUnauthorizedAccount`.
    function renounceOwnership() public view override onlyOwner {
        revert ZkRenounceDisabled();
    }

    // ─────────────────────────────────────────── publication ──────────────────────────────────────────

    /// @inheritdoc IZkVerifier
    function publishVerifyingKey(bytes calldata verifyingKey) external returns (bytes32 verifyingKeyHash) {
        // Head: alpha (2 words), beta, gamma, delta (4 each), the offset of ic (0x1e0); then ic's length n >= 1 and
        // its 2n words.
        uint256 length = verifyingKey.length;
        if (length < 18 * 32 || (length - 16 * 32) % 64 != 0) revert ZkVerifyingKeyMalformed(length);
        if (uint256(bytes32(verifyingKey[14 * 32:15 * 32])) != 15 * 32) revert ZkVerifyingKeyMalformed(length);
        if (uint256(bytes32(verifyingKey[15 * 32:16 * 32])) != (length - 16 * 32) / 64) revert ZkVerifyingKeyMalformed(length);
        verifyingKeyHash = keccak256(verifyingKey);
        emit ZkVerifyingKeyPublished(verifyingKeyHash, verifyingKey);
    }

    // ───────────────────────────────────────────── reads ──────────────────────────────────────────────

    /// @inheritdoc IZkVerifier
    function isCircuitAllowed(bytes32 codehash, bytes32 verifyingKeyHash) external view returns (bool allowed) {
        return verifyingKeyHash != bytes32(0) && _allowedKeys[codehash] == verifyingKeyHash;
    }

    /// @inheritdoc IZkVerifier
    function checkRequest(address modelRegistry, bytes32 modelId, uint32 version, bytes calldata input)
        external
        view
    {
        (, uint256 commitment) = _allowedCircuitOf(IModelRegistry(modelRegistry), modelId, version);
        _checkField(0, commitment);
        _checkField(1, _packInput(input));
    }

    /// @inheritdoc IModeVerifier
    /// @dev The hub's check of a ZK request (the hub is the model registry): no parameters, an allowed circuit, and
    /// an inline input inside the circuit's domain (an input given by URI is checked only when proven).
    function checkRequest(bytes32 modelId, uint32 version, uint256 params, bytes calldata input) external view {
        if (params != 0) revert ZkInvalidParams(params);
        (, uint256 commitment) = _allowedCircuitOf(IModelRegistry(msg.sender), modelId, version);
        _checkField(0, commitment);
        if (input.length != 0) _checkField(1, _packInput(input));
    }

    /// @inheritdoc IResultVerifier
    /// @dev Checks, cheapest first: the attestation's layout, the tensors' hashes against the job, their dtype and
    /// shape, the version's circuit against governance's allow-list, the public signals against the field, then the
    /// proof with at most `PROOF_GAS_CAP` gas.
    /// @return operators `[job.submitter]`: the account the proof was made for (its `submitter` signal).
    function verifyResult(Job calldata job, bytes calldata attestation)
        external
        view
        returns (address[] memory operators)
    {
        if (job.outputURIHash != _INLINE_OUTPUT) revert ZkOutputNotInline(job.jobId, job.outputURIHash);
        uint256 packedInput;
        uint256 packedOutput;
        {
            (bytes calldata input, bytes calldata output) = _tensors(attestation);
            bytes32 h = keccak256(input);
            if (h != job.inputHash) revert ZkInputHashMismatch(job.jobId, job.inputHash, h);
            h = keccak256(output);
            if (h != job.outputHash) revert ZkOutputHashMismatch(job.jobId, job.outputHash, h);
            packedInput = _packInput(input);
            packedOutput = _packOutput(output);
        }

        (address zkVerifier, uint256 commitment) =
            _provingCircuitOf(IModelRegistry(msg.sender), job.modelId, job.version);
        _checkField(0, commitment);
        _checkField(1, packedInput);
        _checkField(2, packedOutput);
        _checkField(3, job.jobId);

        if (!_verifyProof(zkVerifier, attestation, commitment, packedInput, packedOutput, job)) {
            revert ZkProofInvalid(job.jobId, zkVerifier);
        }
        operators = new address[](1);
        operators[0] = job.submitter;
    }

    /// @inheritdoc IZkVerifier
    function publicSignals(
        bytes calldata input,
        bytes calldata output,
        bytes32 commitment,
        uint256 jobId,
        address submitter
    ) external pure returns (uint256[5] memory signals) {
        signals = [uint256(commitment), _packInput(input), _packOutput(output), jobId, uint256(uint160(submitter))];
        for (uint256 i = 0; i < 4; ++i) {
            _checkField(i, signals[i]);
        }
    }

    // ────────────────────────────────────────── internals ─────────────────────────────────────────

    /// @dev The version's Groth16 verifier and model commitment, from `registry` (`zkCircuit`: three storage reads),
    /// once the verifier's code hash is allowed with the version's verifying key hash (one more read). A version
    /// without a circuit gives zeros, which are never allowed. Used at request time.
    function _allowedCircuitOf(IModelRegistry registry, bytes32 modelId, uint32 version)
        private
        view
        returns (address zkVerifier, uint256 commitment)
    {
        bytes32 zkModelCommitment;
        bytes32 verifyingKeyHash;
        (zkVerifier, zkModelCommitment, verifyingKeyHash) = registry.zkCircuit(modelId, version);
        bytes32 codehash = zkVerifier.codehash;
        if (verifyingKeyHash == bytes32(0) || _allowedKeys[codehash] != verifyingKeyHash) {
            revert ZkCircuitNotAllowed(zkVerifier, codehash, verifyingKeyHash);
        }
        commitment = uint256(zkModelCommitment);
    }

    /// @dev The same at proving time, one storage read cheaper: the verifier's code hash must still be allowed (with
    /// any key: the version's declared key was checked against it when the job was requested, and a code hash embeds
    /// one key). The version's key hash is read only to name it in the error.
    function _provingCircuitOf(IModelRegistry registry, bytes32 modelId, uint32 version)
        private
        view
        returns (address zkVerifier, uint256 commitment)
    {
        bytes32 zkModelCommitment;
        (zkVerifier, zkModelCommitment) = registry.zkCircuitOf(modelId, version);
        bytes32 codehash = zkVerifier.codehash;
        if (_allowedKeys[codehash] == bytes32(0)) {
            (,, bytes32 verifyingKeyHash) = registry.zkCircuit(modelId, version);
            revert ZkCircuitNotAllowed(zkVerifier, codehash, verifyingKeyHash);
        }
        commitment = uint256(zkModelCommitment);
    }

    /// @dev The two `bytes` of `abi.encode(uint256[2], uint256[2][2], uint256[2], bytes, bytes)`, as calldata
    /// slices, with every offset and length checked against the attestation's bounds.
    function _tensors(bytes calldata attestation) private pure returns (bytes calldata input, bytes calldata output) {
        if (attestation.length < _MIN_ATTESTATION_BYTES) revert ZkMalformedAttestation(attestation.length);
        uint256 inputOffset;
        uint256 outputOffset;
        assembly ("memory-safe") {
            inputOffset := calldataload(add(attestation.offset, _PROOF_BYTES))
            outputOffset := calldataload(add(attestation.offset, add(_PROOF_BYTES, 0x20)))
        }
        input = _bytesAt(attestation, inputOffset);
        output = _bytesAt(attestation, outputOffset);
    }

    function _bytesAt(bytes calldata attestation, uint256 offset) private pure returns (bytes calldata data) {
        uint256 n = attestation.length; // >= _MIN_ATTESTATION_BYTES, so n - 0x20 does not underflow
        if (offset > n - 0x20) revert ZkMalformedAttestation(n);
        uint256 length;
        assembly ("memory-safe") {
            length := calldataload(add(attestation.offset, offset))
        }
        if (length > n - 0x20 - offset) revert ZkMalformedAttestation(n);
        data = attestation[offset + 0x20:offset + 0x20 + length];
    }

    /// @dev packedInput = sum_i (x_i + 128) * 2^(8i) of a canonical int8 [1,4] tensor: the value bytes x0..x3 read
    /// as one little-endian number, each byte's top bit flipped ((x + 128) mod 256).
    function _packInput(bytes calldata t) private pure returns (uint256 packed) {
        uint256 word;
        assembly ("memory-safe") {
            word := calldataload(t.offset)
        }
        if (t.length != _INPUT_LENGTH || word >> 168 != _INPUT_HEADER) {
            _rejectTensor(TensorRole.Input, t, TensorCodec.DTYPE_INT8, 4);
        }
        // Byte-reversed, byte i of the tensor has weight 2^(8i): the values (bytes 11..14) start at bit 88.
        packed = ((TensorCodec.reverseBytes(word) >> 88) & 0xffffffff) ^ 0x80808080;
    }

    /// @dev packedOutput = sum_k (y_k + 2^31) * 2^(32k) of a canonical int32 [1,3] tensor: the 12 value bytes read
    /// as one little-endian number (y0 in the lowest 32 bits), each value's sign bit flipped.
    function _packOutput(bytes calldata t) private pure returns (uint256 packed) {
        uint256 word;
        assembly ("memory-safe") {
            word := calldataload(t.offset)
        }
        if (t.length != _OUTPUT_LENGTH || word >> 168 != _OUTPUT_HEADER) {
            _rejectTensor(TensorRole.Output, t, TensorCodec.DTYPE_INT32, 3);
        }
        packed = ((TensorCodec.reverseBytes(word) >> 88) & type(uint96).max) ^ 0x800000008000000080000000;
    }

    /// @dev Reverts with the most precise error for tensor bytes that are not the expected canonical [1, n] tensor.
    function _rejectTensor(TensorRole role, bytes calldata t, uint8 expectedDtype, uint32 n) private pure {
        (bool canonical, uint8 dtype, uint32[] memory shape) = TensorCodec.decodeHeader(t);
        if (!canonical) revert ZkTensorNotCanonical(role, t.length);
        uint32[] memory expectedShape = new uint32[](2);
        expectedShape[0] = 1;
        expectedShape[1] = n;
        revert ZkUnexpectedTensorType(role, dtype, shape, expectedDtype, expectedShape);
    }

    /// @dev Reverts unless public signal `index` is below the field modulus. The packed tensors are below 2^96 by
    /// construction and the submitter below 2^160; the commitment is a free bytes32 in the registry and the job id a
    /// free uint256 to this contract. The tensors are checked too so the guard does not depend on that reasoning.
    function _checkField(uint256 index, uint256 value) private pure {
        if (value >= _SCALAR_FIELD) revert ZkPublicSignalOutOfField(index, value);
    }

    /// @dev Calls `zkVerifier.verifyProof(a, b, c, [commitment, packedInput, packedOutput, job.jobId,
    /// uint160(job.submitter)])` with exactly `PROOF_GAS_CAP` gas and accepts only a 32-byte `true`. A revert, an
    /// out-of-gas, an account without code or any other answer counts as invalid; the return data is never copied
    /// beyond one word. `job` is passed whole (its calldata offset) to stay within the stack.
    function _verifyProof(
        address zkVerifier,
        bytes calldata attestation,
        uint256 commitment,
        uint256 packedInput,
        uint256 packedOutput,
        Job calldata job
    ) private view returns (bool ok) {
        if (gasleft() < _GAS_BEFORE_PROOF) revert ZkInsufficientGas(gasleft(), _GAS_BEFORE_PROOF);
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, _VERIFY_PROOF)
            calldatacopy(add(p, 0x04), attestation.offset, _PROOF_BYTES)
            mstore(add(p, 0x104), commitment)
            mstore(add(p, 0x124), packedInput)
            mstore(add(p, 0x144), packedOutput)
            mstore(add(p, 0x164), calldataload(job)) // job.jobId
            // job.submitter (word 6 of the Job), as uint160
            mstore(add(p, 0x184), and(calldataload(add(job, 0xc0)), 0xffffffffffffffffffffffffffffffffffffffff))
            ok := staticcall(PROOF_GAS_CAP, zkVerifier, p, 0x1a4, 0x00, 0x20)
            ok := and(ok, and(eq(returndatasize(), 0x20), eq(mload(0x00), 1)))
        }
    }
}
