/**
 * The canonical tensor encoding, format version 2 (sdk/src/encoding/tensor.ts): every dtype round-trips, the byte
 * layout is the documented one, NaN and -0 are handled as written down, half-precision conversion rounds to
 * nearest even, and everything that is not canonical is refused with TensorEncodingError. Sets of named tensors too.
 */
import { expect } from "chai";
import fc from "fast-check";
import { bytesToHex, hexToBytes, keccak256 } from "viem";
import {
  DTYPES,
  DTYPE_CODES,
  type DType,
  type Tensor,
  decodeTensor,
  decodeTensorSet,
  dtypeWidth,
  encodeTensor,
  encodeTensorBytes,
  encodeTensorSet,
  fromBfloat16Bits,
  fromFloat16Bits,
  hashTensor,
  hashTensorSet,
  tensor,
  tensorValues,
  tensorsEqual,
  toBfloat16Bits,
  toFloat16Bits,
} from "../../sdk/src/encoding/tensor.js";
import { TensorEncodingError } from "../../sdk/src/errors/tensor.js";

/** Random values of a dtype, edge values included (fast-check). */
function valuesOf(dtype: DType): fc.Arbitrary<(number | bigint | boolean)[]> {
  const ints: Record<string, [number, number]> = {
    int8: [-128, 127],
    int16: [-32768, 32767],
    int32: [-(2 ** 31), 2 ** 31 - 1],
    uint8: [0, 255],
    uint16: [0, 65535],
    uint32: [0, 2 ** 32 - 1],
  };
  const list = <T>(a: fc.Arbitrary<T>) => fc.array(a, { minLength: 1, maxLength: 24 });
  if (dtype in ints) return list(fc.integer({ min: ints[dtype]![0], max: ints[dtype]![1] }));
  if (dtype === "int64") return list(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
  if (dtype === "uint64") return list(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
  if (dtype === "bool") return list(fc.boolean());
  if (dtype === "float32") return list(fc.float({ noDefaultInfinity: false }).map((x) => Math.fround(x)));
  return list(fc.double());
}

describe("tensor encoding, format version 2", function () {
  it("round-trips every dtype, any shape up to rank 8, edge values included (property)", function () {
    for (const dtype of DTYPES) {
      fc.assert(
        fc.property(valuesOf(dtype), fc.integer({ min: 0, max: 3 }), (values, extraRank) => {
          // A shape [n, 1, 1, ...] of rank 1..4 holding the values.
          const shape = [values.length, ...Array(extraRank).fill(1)];
          const t = tensor(dtype, shape, values);
          const bytes = encodeTensorBytes(t);
          expect(bytes.length).to.equal(3 + 4 * shape.length + dtypeWidth(dtype) * values.length);
          const back = decodeTensor(bytes);
          expect(back.dtype).to.equal(dtype);
          expect(back.shape).to.deep.equal(shape);
          expect(bytesToHex(encodeTensorBytes(back))).to.equal(bytesToHex(bytes));
          expect(tensorsEqual(back, t)).to.equal(true);
        }),
        { numRuns: 60 },
      );
    }
  });

  it("has the documented layout: version 2, ONNX dtype code, rank, little-endian dims and values", function () {
    expect(encodeTensor(tensor("int8", [1, 4], [82, 56, 22, -3]))).to.equal("0x0203020100000004000000523816fd");
    expect(encodeTensor(tensor("int32", [1, 3], [1, -2, 0x01020304]))).to.equal("0x020602010000000300000001000000feffffff04030201");
    expect(encodeTensor(tensor("float32", [], [1]))).to.equal("0x0201000000803f"); // a scalar: rank 0
    expect(encodeTensor(tensor("bool", [2], [true, false]))).to.equal("0x02090102000000" + "0100");
    expect(encodeTensor(tensor("uint64", [1], [2n ** 64n - 1n]))).to.equal("0x020d0101000000" + "ff".repeat(8));
    expect(encodeTensor(tensor("float16", [1], [1]))).to.equal("0x020a0101000000003c");
    expect(encodeTensor(tensor("bfloat16", [1], [1]))).to.equal("0x02100101000000803f");
    // The codes are ONNX's TensorProto.DataType.
    expect(DTYPE_CODES).to.deep.equal({
      float32: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11, uint32: 12, uint64: 13, bfloat16: 16,
    });
    expect(hashTensor(tensor("int8", [1, 4], [82, 56, 22, -3]))).to.equal(keccak256("0x0203020100000004000000523816fd"));
  });

  it("writes every NaN as the one canonical NaN, refuses any other NaN when decoding, and keeps -0 apart from +0", function () {
    const payloadNaN = new Float32Array(new Uint32Array([0xffc00001]).buffer); // a negative NaN with a payload
    expect(encodeTensor(tensor("float32", [1], payloadNaN))).to.equal(encodeTensor(tensor("float32", [1], [Number.NaN])));
    expect(encodeTensor(tensor("float32", [1], [Number.NaN]))).to.equal("0x0201010100000000" + "00c07f");
    expect(encodeTensor(tensor("float64", [1], [Number.NaN]))).to.equal("0x020b0101000000" + "000000000000f87f");
    expect(encodeTensor(tensor("float16", [1], [Number.NaN]))).to.equal("0x020a010100000000" + "7e");
    expect(encodeTensor(tensor("bfloat16", [1], [Number.NaN]))).to.equal("0x02100101000000" + "c07f");
    for (const [bytes, what] of [
      ["0x02010101000000" + "0100c07f", "float32 NaN with a payload"],
      ["0x02010101000000" + "0000c0ff", "negative float32 NaN"],
      ["0x020b0101000000" + "010000000000f87f", "float64 NaN with a payload"],
      ["0x020a0101000000" + "017e", "float16 NaN with a payload"],
    ] as const) {
      expect(() => decodeTensor(bytes as `0x${string}`), what).to.throw(TensorEncodingError, "the canonical NaN is");
    }
    const minusZero = encodeTensor(tensor("float32", [1], [-0]));
    expect(minusZero).to.equal("0x0201010100000000" + "000080");
    expect(minusZero).to.not.equal(encodeTensor(tensor("float32", [1], [0])));
    expect(Object.is(decodeTensor(minusZero).values[0], -0)).to.equal(true);
    // Infinities are values like any other.
    expect(tensorValues(decodeTensor(encodeTensor(tensor("float64", [2], [Infinity, -Infinity]))))).to.deep.equal([Infinity, -Infinity]);
  });

  it("converts to and from float16 and bfloat16 exactly: every bit pattern round-trips, rounding is to nearest even", function () {
    for (let h = 0; h < 0x10000; h++) {
      const x16 = fromFloat16Bits(h);
      const xb = fromBfloat16Bits(h);
      if (Number.isNaN(x16)) expect(toFloat16Bits(x16)).to.equal(0x7e00);
      else expect(toFloat16Bits(x16), `float16 0x${h.toString(16)}`).to.equal(h);
      if (Number.isNaN(xb)) expect(toBfloat16Bits(xb)).to.equal(0x7fc0);
      else expect(toBfloat16Bits(xb), `bfloat16 0x${h.toString(16)}`).to.equal(h);
    }
    expect(toFloat16Bits(65504)).to.equal(0x7bff); // the largest finite float16
    expect(toFloat16Bits(65519.99)).to.equal(0x7bff);
    expect(toFloat16Bits(65520)).to.equal(0x7c00); // the tie rounds to even: infinity
    expect(toFloat16Bits(2 ** -24)).to.equal(0x0001); // the smallest subnormal
    expect(toFloat16Bits(2 ** -25)).to.equal(0x0000); // a tie between 0 and it: even is 0
    expect(toFloat16Bits(1 + 2 ** -11)).to.equal(0x3c00); // a tie between 1 and the next: even is 1
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).to.equal(0x3c02); // a tie between odd and even: up
    expect(toFloat16Bits(-0)).to.equal(0x8000);
    expect(toBfloat16Bits(1 + 2 ** -8)).to.equal(0x3f80); // tie to even
    expect(toBfloat16Bits(1 + 3 * 2 ** -8)).to.equal(0x3f82);
    expect(toBfloat16Bits(3.4e38 * 2)).to.equal(0x7f80); // overflow: infinity
    // No double rounding: a double just above a bfloat16 tie rounds up, though it rounds to the tie as a float32.
    expect(toBfloat16Bits(1 + 2 ** -8 + 2 ** -40)).to.equal(0x3f81);
  });

  it("tensor() refuses values that do not fit the dtype instead of wrapping or clamping them", function () {
    const cases: [DType, unknown[], RegExp][] = [
      ["int8", [128], /value 0 \(128\) is outside the int8 range -128..127/],
      ["uint8", [-1], /value 0 \(-1\) is outside the uint8 range 0..255/],
      ["int32", [1.5], /value 0 \(1.5\) is not an integer for a int32 tensor/],
      ["int64", [2n ** 63n], /outside the int64 range/],
      ["uint64", [-1n], /outside the uint64 range/],
      ["bool", [2], /value 0 \(2\) is not a boolean/],
      ["float32", ["1"], /value 0 \("1"\) is not a number for a float32 tensor/],
      ["int16", [Number.NaN], /is not an integer/],
    ];
    for (const [dtype, values, message] of cases) {
      expect(() => tensor(dtype, [values.length], values as number[]), dtype).to.throw(TensorEncodingError, message);
    }
    expect(() => tensor("int8", [1, 4], [1, 2, 3])).to.throw(TensorEncodingError, "shape [1,4] holds 4 values but 3 were given");
    expect(() => tensor("int8" as DType, [0], [])).to.throw(TensorEncodingError, "dimension 0 is not an integer in 1..2^32-1");
    expect(() => tensor("complex64" as DType, [1], [1])).to.throw(TensorEncodingError, 'unknown dtype "complex64"');
    expect(() => tensor("int8", Array(9).fill(1), [1])).to.throw(TensorEncodingError, "rank 9 exceeds the maximum of 8");
    // A typed array of another dtype is converted value by value (and checked); one of the dtype is used as is.
    const own = new Int8Array([1, 2]);
    expect(tensor("int8", [2], own).values).to.equal(own);
    expect(() => tensor("int8", [1], new Int16Array([300]))).to.throw(TensorEncodingError, "outside the int8 range");
    // tensor.<dtype> shorthands.
    expect(tensor.float32([1, 2], [0.5, 0.25]).dtype).to.equal("float32");
    expect(encodeTensor(tensor.int8([1], [7]))).to.equal(encodeTensor(tensor("int8", [1], [7])));
  });

  it("refuses bytes that are not canonical, saying why", function () {
    const good = hexToBytes(encodeTensor(tensor("int8", [1, 4], [1, 2, 3, 4])));
    const cases: [string, Uint8Array | string, RegExp][] = [
      ["empty", new Uint8Array(), /0 bytes is too short/],
      ["version 1", Uint8Array.from([1, ...good.slice(1)]), /format version 1 is not supported .*replaced by version 2/],
      ["unknown dtype", Uint8Array.from([2, 8, ...good.slice(2)]), /unknown dtype code 8/],
      ["rank 9", Uint8Array.from([2, 3, 9]), /rank 9 exceeds/],
      ["short header", good.slice(0, 6), /ends early/],
      ["zero dimension", Uint8Array.from([2, 3, 1, 0, 0, 0, 0]), /dimension 0 is zero/],
      ["trailing byte", Uint8Array.from([...good, 0]), /needs 15 bytes, got 16/],
      ["missing byte", good.slice(0, -1), /needs 15 bytes, got 14/],
      ["bool byte 2", "0x02090101000000" + "02", /not 0x00 or 0x01/],
    ];
    for (const [what, bytes, message] of cases) expect(() => decodeTensor(bytes as Uint8Array), what).to.throw(TensorEncodingError, message);
    // A value array of the wrong kind (a plain JavaScript caller) is refused, not coerced.
    const plain = { dtype: "float32", shape: [2], values: [1, 2] } as unknown as Tensor;
    expect(() => encodeTensor(plain)).to.throw(TensorEncodingError, "must be a Float32Array (tensor(dtype, shape, values) converts an array)");
  });

  it("encodes a 1,000,000-element float32 tensor and decodes it back (the bench measures the time)", function () {
    const data = new Float32Array(1_000_000).map((_, i) => Math.sin(i));
    const bytes = encodeTensorBytes(tensor.float32([1000, 1000], data));
    expect(bytes.length).to.equal(3 + 8 + 4_000_000);
    expect(tensorsEqual(decodeTensor(bytes), tensor.float32([1000, 1000], data))).to.equal(true);
  });
});

describe("sets of named tensors", function () {
  const x = tensor.float32([1, 2], [0.5, -1]);
  const sr = tensor.int64([], [16000n]);
  const state = tensor.float32([2, 1, 2], [0, 0, 0, 0]);

  it("encode by name in byte order, whatever the object's key order, and round-trip", function () {
    const a = encodeTensorSet({ x, sr, state });
    const b = encodeTensorSet({ state, x, sr });
    expect(a).to.equal(b);
    expect(a.slice(0, 8)).to.equal("0x120300"); // format 0x12, three tensors
    const back = decodeTensorSet(a);
    expect(Object.keys(back)).to.deep.equal(["sr", "state", "x"]);
    expect(tensorsEqual(back.x!, x) && tensorsEqual(back.sr!, sr) && tensorsEqual(back.state!, state)).to.equal(true);
    expect(hashTensorSet({ x, sr, state })).to.equal(keccak256(a));
  });

  it("refuses bad names, empty sets and bytes that are not a canonical set", function () {
    expect(() => encodeTensorSet({})).to.throw(TensorEncodingError, "a tensor set holds 1..1024 tensors, not 0");
    expect(() => encodeTensorSet({ "has space": x })).to.throw(TensorEncodingError, 'tensor name "has space"');
    expect(() => encodeTensorSet({ y: { dtype: "int8", shape: [1], values: [1] } as unknown as Tensor })).to.throw(TensorEncodingError, 'tensor "y": the values of a int8 tensor');
    const two = hexToBytes(encodeTensorSet({ a: x, b: x }));
    // Swap the two names: now out of order.
    const swapped = Uint8Array.from(two);
    const second = 3 + 1 + 1 + 4 + encodeTensorBytes(x).length;
    swapped[4] = 0x62;
    swapped[second + 1] = 0x61;
    expect(() => decodeTensorSet(swapped)).to.throw(TensorEncodingError, "not in strictly ascending order");
    expect(() => decodeTensorSet(Uint8Array.from([...two, 0]))).to.throw(TensorEncodingError, "1 bytes follow the last tensor");
    expect(() => decodeTensorSet(encodeTensor(x))).to.throw(TensorEncodingError, "not a tensor set");
    expect(() => decodeTensorSet(two.slice(0, -2))).to.throw(TensorEncodingError, 'tensor "b" runs past the end');
  });
});
