// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title HubSignatures
/// @notice EIP-712 digests of job statements under a hub's domain `{name: "Verity", version: "1", chainId, hub}`,
/// and signature recovery from calldata, shared by the TEE and QUORUM verifiers.
library HubSignatures {
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant NAME_HASH = keccak256("Verity");
    bytes32 internal constant VERSION_HASH = keccak256("1");
    /// @dev secp256k1 order / 2: OpenZeppelin ECDSA refuses a larger s (malleable signatures).
    uint256 internal constant MAX_S = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @dev The hub's EIP-712 domain separator on this chain.
    function domainSeparator(address hub) internal view returns (bytes32 domain) {
        bytes32 domainTypehash = DOMAIN_TYPEHASH;
        bytes32 nameHash = NAME_HASH;
        bytes32 versionHash = VERSION_HASH;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, domainTypehash)
            mstore(add(m, 0x20), nameHash)
            mstore(add(m, 0x40), versionHash)
            mstore(add(m, 0x60), chainid())
            mstore(add(m, 0x80), hub)
            domain := keccak256(m, 0xa0)
        }
    }

    /// @dev The delivery form of inline output: keccak256 of the empty URI.
    bytes32 internal constant INLINE_OUTPUT = keccak256("");

    /// @dev keccak256("\x19\x01" || domainSeparator(hub) || keccak256(abi.encode(typehash, jobId, modelId, version,
    /// inputHash, outputHash, outputURIHash))), built in scratch memory. `typehash` names a struct with exactly those
    /// six fields; `outputURIHash` is keccak256 of the output URI (of "" for inline output): the delivery form.
    function jobDigest(
        bytes32 typehash,
        address hub,
        uint256 jobId,
        bytes32 modelId,
        uint32 version,
        bytes32 inputHash,
        bytes32 outputHash,
        bytes32 outputURIHash
    ) internal view returns (bytes32 digest) {
        bytes32 domain = domainSeparator(hub);
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, typehash)
            mstore(add(m, 0x20), jobId)
            mstore(add(m, 0x40), modelId)
            mstore(add(m, 0x60), version)
            mstore(add(m, 0x80), inputHash)
            mstore(add(m, 0xa0), outputHash)
            mstore(add(m, 0xc0), outputURIHash)
            let structHash := keccak256(m, 0xe0)
            mstore(m, 0x1901)
            mstore(add(m, 0x20), domain)
            mstore(add(m, 0x40), structHash)
            digest := keccak256(add(m, 0x1e), 0x42)
        }
    }

    /// @dev ecrecover of the 65-byte (r, s, v) signature at calldata offset `sig`, with OpenZeppelin ECDSA's rules
    /// (s in the lower half of the order, v of 27 or 28); zero when malformed or when the precompile finds no key.
    function recoverCalldata(bytes32 digest, uint256 sig) internal view returns (address signer) {
        assembly ("memory-safe") {
            let s := calldataload(add(sig, 0x20))
            let v := byte(0, calldataload(add(sig, 0x40)))
            let m := mload(0x40)
            mstore(m, digest)
            mstore(add(m, 0x20), v)
            mstore(add(m, 0x40), calldataload(sig))
            mstore(add(m, 0x60), s)
            mstore(0x00, 0)
            if and(iszero(gt(s, MAX_S)), or(eq(v, 27), eq(v, 28))) {
                pop(staticcall(gas(), 0x01, m, 0x80, 0x00, 0x20))
                signer := mload(0x00)
            }
        }
    }
}
