import { type Hex, bytesToHex, hexToBytes, keccak256 } from "viem";
import { TensorEncodingError } from "../errors/tensor.js";

/**
 * Canonical tensor encoding, format version 2, shared by the contracts (contracts/libraries/TensorCodec.sol), the
 * SDK, the operator node and the circuits. Every integer is little-endian, like ONNX's `raw_data` and every CPU the
 * node runs on, so encoding a tensor is a copy of its typed array.
 *
 * ```
 * byte 0        format version, 0x02
 * byte 1        dtype: ONNX's TensorProto.DataType code (see DTYPE_CODES)
 * byte 2        rank r (0..8)
 * 3 .. 3+4r     r dimensions, uint32 little-endian, each >= 1
 * then          prod(dims) values, little-endian, the width of the dtype:
 *                 integers two's complement; bool one byte, 0x00 or 0x01;
 *                 float16, bfloat16, float32, float64 IEEE 754 bit patterns, where a NaN is always the
 *                 positive quiet NaN with no payload (0x7e00, 0x7fc0, 0x7fc00000, 0x7ff8000000000000);
 *                 -0 is kept: it is another value than +0 (a version's output canonicalization may map it)
 * ```
 * A scalar has rank 0 and one value. Nothing may follow the last value. Every tensor has exactly one encoding (a
 * NaN's payload is not part of its value: the encoder writes the canonical NaN, the decoder refuses any other), so
 * `inputHash = keccak256(encodeTensor(t))` identifies it.
 *
 * A set of named tensors (a model's inputs or outputs) has its own canonical encoding, {@link encodeTensorSet}.
 */
export const TENSOR_FORMAT_VERSION = 2;
export const MAX_TENSOR_RANK = 8;

/** ONNX TensorProto.DataType codes of the dtypes Verity encodes. */
export const DTYPE_CODES = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
  bfloat16: 16,
} as const;
export type DType = keyof typeof DTYPE_CODES;
export const DTYPES = Object.keys(DTYPE_CODES) as DType[];

/** The typed array that holds each dtype's values (float16 and bfloat16: their 16-bit patterns). */
export type TensorValuesOf = {
  bool: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
  uint32: Uint32Array;
  uint64: BigUint64Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  float32: Float32Array;
  float64: Float64Array;
};
export type TensorValues = TensorValuesOf[DType];

/** A tensor: a dtype, a shape (row-major) and its values in the dtype's typed array. */
export type Tensor<D extends DType = DType> = D extends DType ? { dtype: D; shape: readonly number[]; values: TensorValuesOf[D] } : never;

type ArrayCtor = { new (length: number): TensorValues; readonly BYTES_PER_ELEMENT: number; name: string };
const ARRAY: Record<DType, ArrayCtor> = {
  bool: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  float32: Float32Array,
  float64: Float64Array,
} as unknown as Record<DType, ArrayCtor>;
const DTYPE_BY_CODE = new Map<number, DType>(Object.entries(DTYPE_CODES).map(([k, v]) => [v, k as DType]));
const INTEGER_RANGE: Partial<Record<DType, [bigint, bigint]>> = {
  int8: [-(2n ** 7n), 2n ** 7n - 1n],
  int16: [-(2n ** 15n), 2n ** 15n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint8: [0n, 2n ** 8n - 1n],
  uint16: [0n, 2n ** 16n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Byte width of one value of `dtype`. */
export function dtypeWidth(dtype: DType): number {
  return ARRAY[dtype].BYTES_PER_ELEMENT;
}

export function isFloatDType(dtype: DType): dtype is "float16" | "bfloat16" | "float32" | "float64" {
  return dtype === "float16" || dtype === "bfloat16" || dtype === "float32" || dtype === "float64";
}

/** Number of elements a shape holds (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

// ─────────────────────────────────────────── half precision ───────────────────────────────────────────

/**
 * The bit pattern of the binary floating-point format with `mantBits` and `expBits` nearest to `x`: rounded to
 * nearest, ties to even, from the exact double (no double rounding); overflow to infinity; NaN canonical.
 */
function toSmallFloatBits(x: number, mantBits: number, expBits: number): number {
  const bias = (1 << (expBits - 1)) - 1;
  const inf = ((1 << expBits) - 1) << mantBits;
  if (Number.isNaN(x)) return inf | (1 << (mantBits - 1));
  const sign = x < 0 || Object.is(x, -0) ? 1 << (mantBits + expBits) : 0;
  const a = Math.abs(x);
  if (a === Number.POSITIVE_INFINITY) return sign | inf;
  const emin = 1 - bias;
  // Subnormal (or zero): a multiple of 2^(emin - mantBits); a carry to 2^mantBits is the smallest normal's pattern.
  if (a < 2 ** emin) return sign | roundHalfEven(a * 2 ** (mantBits - emin));
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1;
  else if (2 ** (e + 1) <= a) e += 1;
  const bits = ((e + bias) << mantBits) + roundHalfEven((a / 2 ** e - 1) * 2 ** mantBits); // a carry moves the exponent
  return sign | Math.min(bits, inf);
}

function fromSmallFloatBits(h: number, mantBits: number, expBits: number): number {
  const bias = (1 << (expBits - 1)) - 1;
  const sign = (h >>> (mantBits + expBits)) & 1 ? -1 : 1;
  const exp = (h >>> mantBits) & ((1 << expBits) - 1);
  const mant = h & ((1 << mantBits) - 1);
  if (exp === 0) return sign * mant * 2 ** (1 - bias - mantBits);
  if (exp === (1 << expBits) - 1) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 2 ** mantBits) * 2 ** (exp - bias);
}

/** The float16 bit pattern nearest to `x` (round to nearest, ties to even; overflow to infinity; NaN canonical). */
export function toFloat16Bits(x: number): number {
  return toSmallFloatBits(x, 10, 5);
}

/** The number a float16 bit pattern holds. */
export function fromFloat16Bits(h: number): number {
  return fromSmallFloatBits(h, 10, 5);
}

/** The bfloat16 bit pattern nearest to `x` (round to nearest, ties to even; overflow to infinity; NaN canonical). */
export function toBfloat16Bits(x: number): number {
  return toSmallFloatBits(x, 7, 8);
}

/** The number a bfloat16 bit pattern holds. */
export function fromBfloat16Bits(h: number): number {
  return fromSmallFloatBits(h, 7, 8);
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

// ─────────────────────────────────────────── building tensors ─────────────────────────────────────────

type Input = ArrayLike<number | bigint | boolean> | TensorValues;

/**
 * Builds a tensor from plain values (numbers, bigints, booleans) or from a typed array of the dtype (used as is,
 * not copied). Integers must be integral and in the dtype's range, booleans 0/1/true/false; float16 and bfloat16
 * take numbers (rounded to nearest, ties to even) or their bit patterns as a Uint16Array. Throws
 * {@link TensorEncodingError} for anything else: nothing is clamped or wrapped.
 *
 * @example
 * ```ts
 * const x = tensor("int8", [1, 4], [82, 56, 22, 3]);
 * const audio = tensor.float32([1, 512], samples); // samples: a Float32Array
 * ```
 */
export function tensor<D extends DType>(dtype: D, shape: readonly number[], values: Input): Tensor<D> {
  if (!(dtype in DTYPE_CODES)) throw new TensorEncodingError(`unknown dtype "${String(dtype)}"`);
  const Ctor = ARRAY[dtype];
  let out: TensorValues;
  if (values instanceof (Ctor as unknown as typeof Uint8Array) && (dtype !== "bool" || values instanceof Uint8Array)) {
    out = values as TensorValues;
  } else {
    if (values === null || typeof values !== "object" || typeof (values as ArrayLike<unknown>).length !== "number") {
      throw new TensorEncodingError(`the values of a ${dtype} tensor must be an array or a typed array`);
    }
    const src = values as ArrayLike<number | bigint | boolean>;
    out = new Ctor(src.length);
    for (let i = 0; i < src.length; i++) (out as unknown as (number | bigint)[])[i] = convert(dtype, src[i], i);
  }
  const t = { dtype, shape: [...shape], values: out } as unknown as Tensor<D>;
  validateTensor(t);
  return t;
}

function convert(dtype: DType, v: unknown, i: number): number | bigint {
  const bad = (why: string) => new TensorEncodingError(`value ${i} (${describe(v)}) ${why}`);
  if (dtype === "bool") {
    if (v === true || v === 1 || v === 1n) return 1;
    if (v === false || v === 0 || v === 0n) return 0;
    throw bad("is not a boolean (true/false or 0/1)");
  }
  if (isFloatDType(dtype)) {
    if (typeof v !== "number") throw bad(`is not a number for a ${dtype} tensor`);
    if (dtype === "float16") return toFloat16Bits(v);
    if (dtype === "bfloat16") return toBfloat16Bits(v);
    return v;
  }
  const range = INTEGER_RANGE[dtype]!;
  let b: bigint;
  if (typeof v === "bigint") b = v;
  else if (typeof v === "number" && Number.isInteger(v)) b = BigInt(v);
  else throw bad(`is not an integer for a ${dtype} tensor`);
  if (b < range[0] || b > range[1]) throw bad(`is outside the ${dtype} range ${range[0]}..${range[1]}`);
  return dtype === "int64" || dtype === "uint64" ? b : Number(b);
}

function describe(v: unknown): string {
  return typeof v === "bigint" ? `${v}n` : typeof v === "string" ? JSON.stringify(v) : String(v);
}

/** `tensor.<dtype>(shape, values)`: {@link tensor} for one dtype, e.g. `tensor.float32([1, 3], [0.1, 0.2, 0.7])`. */
for (const d of DTYPES) (tensor as unknown as Record<string, unknown>)[d] = (shape: readonly number[], values: Input) => tensor(d, shape, values);
export declare namespace tensor {
  const bool: (shape: readonly number[], values: Input) => Tensor<"bool">;
  const int8: (shape: readonly number[], values: Input) => Tensor<"int8">;
  const int16: (shape: readonly number[], values: Input) => Tensor<"int16">;
  const int32: (shape: readonly number[], values: Input) => Tensor<"int32">;
  const int64: (shape: readonly number[], values: Input) => Tensor<"int64">;
  const uint8: (shape: readonly number[], values: Input) => Tensor<"uint8">;
  const uint16: (shape: readonly number[], values: Input) => Tensor<"uint16">;
  const uint32: (shape: readonly number[], values: Input) => Tensor<"uint32">;
  const uint64: (shape: readonly number[], values: Input) => Tensor<"uint64">;
  const float16: (shape: readonly number[], values: Input) => Tensor<"float16">;
  const bfloat16: (shape: readonly number[], values: Input) => Tensor<"bfloat16">;
  const float32: (shape: readonly number[], values: Input) => Tensor<"float32">;
  const float64: (shape: readonly number[], values: Input) => Tensor<"float64">;
}

/**
 * A tensor's values as plain JavaScript: numbers for every dtype but int64 and uint64 (bigints); float16 and
 * bfloat16 decoded from their bit patterns; bool as 0/1.
 */
export function tensorValues(t: Tensor): number[] | bigint[] {
  if (t.dtype === "float16") return Array.from(t.values, fromFloat16Bits);
  if (t.dtype === "bfloat16") return Array.from(t.values, fromBfloat16Bits);
  return Array.from(t.values as ArrayLike<number | bigint>) as number[] | bigint[];
}

/** Checks a tensor's dtype, shape and values (the dtype's typed array, as many as the shape holds, bool 0/1). */
export function validateTensor(t: Tensor): void {
  if (typeof t !== "object" || t === null) throw new TensorEncodingError("not a tensor object { dtype, shape, values }");
  if (!(t.dtype in DTYPE_CODES)) throw new TensorEncodingError(`unknown dtype "${String(t.dtype)}"`);
  if (!Array.isArray(t.shape)) throw new TensorEncodingError("the shape must be an array of dimensions");
  if (t.shape.length > MAX_TENSOR_RANK) throw new TensorEncodingError(`rank ${t.shape.length} exceeds the maximum of ${MAX_TENSOR_RANK}`);
  for (const d of t.shape) {
    if (!Number.isInteger(d) || d < 1 || d > 0xffffffff) throw new TensorEncodingError(`dimension ${String(d)} is not an integer in 1..2^32-1`);
  }
  const Ctor = ARRAY[t.dtype];
  if (!(t.values instanceof (Ctor as unknown as typeof Uint8Array))) {
    throw new TensorEncodingError(
      `the values of a ${t.dtype} tensor must be a ${Ctor.name}${Array.isArray(t.values) ? " (tensor(dtype, shape, values) converts an array)" : ""}`,
    );
  }
  const n = shapeSize(t.shape);
  if (t.values.length !== n) throw new TensorEncodingError(`shape [${t.shape.join(",")}] holds ${n} values but ${t.values.length} were given`);
  if (t.dtype === "bool") {
    const i = (t.values as Uint8Array).findIndex((v) => v > 1);
    if (i !== -1) throw new TensorEncodingError(`value ${i} of a bool tensor is ${t.values[i]}, not 0 or 1`);
  }
}

// ─────────────────────────────────────────── encoding ─────────────────────────────────────────────────

const NAN_BITS: Partial<Record<DType, bigint>> = { float16: 0x7e00n, bfloat16: 0x7fc0n, float32: 0x7fc00000n, float64: 0x7ff8000000000000n };

/** Encodes a tensor canonically, as bytes (see the format above). */
export function encodeTensorBytes(t: Tensor): Uint8Array {
  validateTensor(t);
  const width = dtypeWidth(t.dtype);
  const head = 3 + 4 * t.shape.length;
  const out = new Uint8Array(head + width * t.values.length);
  const view = new DataView(out.buffer);
  out[0] = TENSOR_FORMAT_VERSION;
  out[1] = DTYPE_CODES[t.dtype];
  out[2] = t.shape.length;
  t.shape.forEach((d, i) => view.setUint32(3 + 4 * i, d, true));
  const src = t.values as Exclude<TensorValues, never>;
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), head);
  } else {
    writeValuesSwapped(t, view, head);
  }
  if (isFloatDType(t.dtype)) canonicalizeNaNs(t.dtype, out, head, t.values.length);
  return out;
}

/** Encodes a tensor canonically, as hex (what the hub's calldata and events carry). */
export function encodeTensor(t: Tensor): Hex {
  return bytesToHex(encodeTensorBytes(t));
}

function writeValuesSwapped(t: Tensor, view: DataView, head: number): void {
  const w = dtypeWidth(t.dtype);
  for (let i = 0; i < t.values.length; i++) {
    const v = t.values[i]!;
    const o = head + i * w;
    if (typeof v === "bigint") view.setBigUint64(o, BigInt.asUintN(64, v), true);
    else if (t.dtype === "float32") view.setFloat32(o, v, true);
    else if (t.dtype === "float64") view.setFloat64(o, v, true);
    else if (w === 1) view.setUint8(o, v & 0xff);
    else if (w === 2) view.setUint16(o, v & 0xffff, true);
    else view.setUint32(o, v >>> 0, true);
  }
}

function canonicalizeNaNs(dtype: DType, out: Uint8Array, head: number, n: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (dtype === "float32") {
    for (let i = 0, o = head; i < n; i++, o += 4) {
      const b = view.getUint32(o, true);
      if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0 && b !== 0x7fc00000) view.setUint32(o, 0x7fc00000, true);
    }
  } else if (dtype === "float64") {
    for (let i = 0, o = head; i < n; i++, o += 8) {
      const hi = view.getUint32(o + 4, true);
      const lo = view.getUint32(o, true);
      if ((hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) !== 0 || lo !== 0) && !(hi === 0x7ff80000 && lo === 0)) {
        view.setUint32(o, 0, true);
        view.setUint32(o + 4, 0x7ff80000, true);
      }
    }
  } else {
    const [expMask, mantMask, nan] = dtype === "float16" ? [0x7c00, 0x03ff, 0x7e00] : [0x7f80, 0x007f, 0x7fc0];
    for (let i = 0, o = head; i < n; i++, o += 2) {
      const b = view.getUint16(o, true);
      if ((b & expMask) === expMask && (b & mantMask) !== 0 && b !== nan) view.setUint16(o, nan, true);
    }
  }
}

/** Decodes canonical tensor bytes; throws {@link TensorEncodingError} when they are not canonical. */
export function decodeTensor(data: Hex | Uint8Array): Tensor {
  const bytes = typeof data === "string" ? hexToBytes(data) : data;
  const t = decodeTensorAt(bytes, 0, bytes.length);
  return t;
}

/** Decodes the canonical tensor in `bytes[start, end)` (for sets of named tensors). @internal */
export function decodeTensorAt(bytes: Uint8Array, start: number, end: number): Tensor {
  const length = end - start;
  if (length < 3) throw new TensorEncodingError(`${length} bytes is too short for a tensor header`);
  if (bytes[start] !== TENSOR_FORMAT_VERSION) {
    throw new TensorEncodingError(
      `format version ${bytes[start]} is not supported (expected ${TENSOR_FORMAT_VERSION}${bytes[start] === 1 ? "; version 1, big-endian with five integer dtypes, was replaced by version 2" : ""})`,
    );
  }
  const dtype = DTYPE_BY_CODE.get(bytes[start + 1]!);
  if (!dtype) throw new TensorEncodingError(`unknown dtype code ${bytes[start + 1]}`);
  const rank = bytes[start + 2]!;
  if (rank > MAX_TENSOR_RANK) throw new TensorEncodingError(`rank ${rank} exceeds the maximum of ${MAX_TENSOR_RANK}`);
  const head = 3 + 4 * rank;
  if (length < head) throw new TensorEncodingError(`header declares rank ${rank} but the data ends early`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, length);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(3 + 4 * i, true);
    if (d < 1) throw new TensorEncodingError(`dimension ${i} is zero`);
    shape.push(d);
  }
  const width = dtypeWidth(dtype);
  const n = shapeSize(shape);
  const expected = head + width * n;
  if (length !== expected) throw new TensorEncodingError(`shape [${shape.join(",")}] of ${dtype} needs ${expected} bytes, got ${length}`);
  const Ctor = ARRAY[dtype];
  const values = new Ctor(n);
  const dst = new Uint8Array(values.buffer);
  dst.set(bytes.subarray(start + head, end));
  if (!LITTLE_ENDIAN) swapInPlace(dst, width);
  if (dtype === "bool") {
    const i = dst.findIndex((b) => b > 1);
    if (i !== -1) throw new TensorEncodingError(`value ${i} of a bool tensor is byte ${dst[i]}, not 0x00 or 0x01`);
  }
  if (isFloatDType(dtype)) {
    const i = firstOtherNaN(dtype, values.buffer as ArrayBuffer, n);
    if (i !== -1) throw new TensorEncodingError(`value ${i} is a NaN with a payload or sign: the canonical NaN is 0x${NAN_BITS[dtype]!.toString(16)}`);
  }
  return { dtype, shape, values } as Tensor;
}

function swapInPlace(b: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let o = 0; o < b.length; o += width) b.subarray(o, o + width).reverse();
}

/** Index of the first NaN other than the canonical one among `n` float values (native order), or -1. */
function firstOtherNaN(dtype: DType, buffer: ArrayBuffer, n: number): number {
  if (dtype === "float32") {
    const u = new Uint32Array(buffer, 0, n);
    for (let i = 0; i < n; i++) {
      const b = u[i]!;
      if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0 && b !== 0x7fc00000) return i;
    }
  } else if (dtype === "float64") {
    const u = new Uint32Array(buffer, 0, 2 * n);
    const [lo, hi] = LITTLE_ENDIAN ? [0, 1] : [1, 0];
    for (let i = 0; i < n; i++) {
      const h = u[2 * i + hi]!;
      const l = u[2 * i + lo]!;
      if ((h & 0x7ff00000) === 0x7ff00000 && ((h & 0xfffff) !== 0 || l !== 0) && !(h === 0x7ff80000 && l === 0)) return i;
    }
  } else {
    const [expMask, mantMask, nan] = dtype === "float16" ? [0x7c00, 0x03ff, 0x7e00] : [0x7f80, 0x007f, 0x7fc0];
    const u = new Uint16Array(buffer, 0, n);
    for (let i = 0; i < n; i++) {
      const b = u[i]!;
      if ((b & expMask) === expMask && (b & mantMask) !== 0 && b !== nan) return i;
    }
  }
  return -1;
}

/** keccak256 of the canonical encoding: the `inputHash` / `outputHash` recorded on chain. */
export function hashTensor(t: Tensor): Hex {
  return keccak256(encodeTensorBytes(t));
}

/** Whether two tensors are the same value (same canonical encoding). */
export function tensorsEqual(a: Tensor, b: Tensor): boolean {
  const x = encodeTensorBytes(a);
  const y = encodeTensorBytes(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

// Sets of named tensors live in ./tensorSet.ts; they are re-exported here, with the helpers for job data.
export {
  MAX_TENSOR_SET_SIZE,
  TENSOR_SET_FORMAT,
  type TensorData,
  decodeTensorData,
  decodeTensorSet,
  describeTensorData,
  isTensorSetBytes,
  encodeTensorSet,
  encodeTensorSetBytes,
  hashTensorSet,
} from "./tensorSet.js";
