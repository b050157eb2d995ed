// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title TensorCodec
/// @notice Reads the canonical tensor encoding, format version 2, shared by the contracts, the SDK, the operator
/// node and the circuits (sdk/src/encoding/tensor.ts, where the format is written down in full):
/// ```
/// byte 0        format version, 0x02
/// byte 1        dtype: ONNX's TensorProto.DataType code (1 float32, 2 uint8, 3 int8, 4 uint16, 5 int16, 6 int32,
///               7 int64, 9 bool, 10 float16, 11 float64, 12 uint32, 13 uint64, 16 bfloat16)
/// byte 2        rank r (0..8)
/// 3 .. 3+4r     r dimensions, uint32 little-endian, each >= 1
/// then          prod(dims) values, little-endian, the width of the dtype
/// ```
/// Nothing may follow the last value. The contracts read integer tensors only (every bit pattern is a value);
/// the SDK also checks what makes a bool or float tensor canonical (0/1 bytes, the one NaN).
library TensorCodec {
    uint8 internal constant FORMAT_VERSION = 2;
    uint8 internal constant DTYPE_FLOAT32 = 1;
    uint8 internal constant DTYPE_UINT8 = 2;
    uint8 internal constant DTYPE_INT8 = 3;
    uint8 internal constant DTYPE_UINT16 = 4;
    uint8 internal constant DTYPE_INT16 = 5;
    uint8 internal constant DTYPE_INT32 = 6;
    uint8 internal constant DTYPE_INT64 = 7;
    uint8 internal constant DTYPE_BOOL = 9;
    uint8 internal constant DTYPE_FLOAT16 = 10;
    uint8 internal constant DTYPE_FLOAT64 = 11;
    uint8 internal constant DTYPE_UINT32 = 12;
    uint8 internal constant DTYPE_UINT64 = 13;
    uint8 internal constant DTYPE_BFLOAT16 = 16;
    uint256 internal constant MAX_RANK = 8;

    /// @notice Byte width of a dtype's values, or 0 for an unknown code.
    function valueWidth(uint8 dtype) internal pure returns (uint256) {
        if (dtype == DTYPE_INT8 || dtype == DTYPE_UINT8 || dtype == DTYPE_BOOL) return 1;
        if (dtype == DTYPE_INT16 || dtype == DTYPE_UINT16 || dtype == DTYPE_FLOAT16 || dtype == DTYPE_BFLOAT16) return 2;
        if (dtype == DTYPE_INT32 || dtype == DTYPE_UINT32 || dtype == DTYPE_FLOAT32) return 4;
        if (dtype == DTYPE_INT64 || dtype == DTYPE_UINT64 || dtype == DTYPE_FLOAT64) return 8;
        return 0;
    }

    /// @notice Parses a tensor's header and checks that the bytes have the canonical layout (known version, dtype
    /// and rank, no zero dimension, exactly as many value bytes as the shape holds). The values are not read.
    /// @param data The tensor bytes.
    /// @return canonical Whether `data` has the canonical layout; `dtype` and `shape` are meaningful only then.
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
            uint32 d = _uint32LittleEndian(bytes4(data[3 + 4 * i:7 + 4 * i]));
            if (d == 0) return (false, dtype, shape);
            shape[i] = d;
            size *= d; // <= available * 2^32 < 2^256: no overflow
            if (size > available) return (false, dtype, shape);
        }
        canonical = size == available;
    }

    /// @notice Reverses the byte order of a 256-bit word: byte i (from the most significant) moves to byte 31 - i.
    /// A little-endian field read with `calldataload` comes out in its own order after this.
    function reverseBytes(uint256 v) internal pure returns (uint256) {
        v = ((v >> 8) & 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff)
            | ((v & 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff) << 8);
        v = ((v >> 16) & 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff)
            | ((v & 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff) << 16);
        v = ((v >> 32) & 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff)
            | ((v & 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff) << 32);
        v = ((v >> 64) & 0x0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff)
            | ((v & 0x0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff) << 64);
        return (v >> 128) | (v << 128);
    }

    function _uint32LittleEndian(bytes4 b) private pure returns (uint32) {
        uint32 v = uint32(b);
        return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
    }
}
