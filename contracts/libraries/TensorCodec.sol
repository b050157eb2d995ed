// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title TensorCodec
/// @notice Reads the canonical tensor encoding shared by the contracts, the SDK, the operator node and the
/// circuits (sdk/src/encoding/tensor.ts):
/// ```
/// byte 0        format version, always 0x01
/// byte 1        dtype code: 1 int8, 2 int16, 3 int32, 4 int64, 5 uint8
/// byte 2        rank r (0..8)
/// 3 .. 3+4r     r dimensions, uint32 big-endian, each >= 1
/// then          prod(dims) values, big-endian two's complement, width of the dtype
/// ```
/// Nothing may follow the last value, so every tensor has exactly one encoding.
library TensorCodec {
    uint8 internal constant FORMAT_VERSION = 1;
    uint8 internal constant DTYPE_INT8 = 1;
    uint8 internal constant DTYPE_INT16 = 2;
    uint8 internal constant DTYPE_INT32 = 3;
    uint8 internal constant DTYPE_INT64 = 4;
    uint8 internal constant DTYPE_UINT8 = 5;
    uint256 internal constant MAX_RANK = 8;

    /// @notice Byte width of a dtype's values, or 0 for an unknown code.
    function valueWidth(uint8 dtype) internal pure returns (uint256) {
        if (dtype == DTYPE_INT8 || dtype == DTYPE_UINT8) return 1;
        if (dtype == DTYPE_INT16) return 2;
        if (dtype == DTYPE_INT32) return 4;
        if (dtype == DTYPE_INT64) return 8;
        return 0;
    }

    /// @notice Parses a tensor's header and checks that the bytes are a canonical encoding (known version, dtype
    /// and rank, no zero dimension, exactly as many value bytes as the shape holds). Any value bit pattern is
    /// valid for the dtype, so the values are not read.
    /// @param data The tensor bytes.
    /// @return canonical Whether `data` is a canonical tensor encoding; `dtype` and `shape` are meaningful only then.
    /// @return dtype The dtype code.
    /// @return shape The dimensions.
    function decodeHeader(bytes calldata data)
        internal
        pure
        returns (bool canonical, uint8 dtype, uint32[] memory shape)
    {
        uint256 length = data.length;
        if (length < 3 || uint8(data[0]) != FORMAT_VERSION) return (false, 0, shape);
        dtype = uint8(data[1]);
        uint256 width = valueWidth(dtype);
        uint256 rank = uint8(data[2]);
        if (width == 0 || rank > MAX_RANK) return (false, dtype, shape);
        uint256 headerLength = 3 + 4 * rank;
        if (length < headerLength) return (false, dtype, shape);
        shape = new uint32[](rank);
        // The value bytes must number width * prod(dims). Compare while multiplying: once the running product
        // exceeds the bytes available the encoding cannot be canonical, which also keeps the product small.
        uint256 available = length - headerLength;
        uint256 size = width;
        for (uint256 i; i < rank; ++i) {
            uint32 d = uint32(bytes4(data[3 + 4 * i:7 + 4 * i]));
            if (d == 0) return (false, dtype, shape);
            shape[i] = d;
            size *= d; // <= available * 2^32 < 2^256: no overflow
            if (size > available) return (false, dtype, shape);
        }
        canonical = size == available;
    }
}
