import { type Hex, bytesToHex, hexToBytes, keccak256 } from "viem";
import { TensorEncodingError } from "../errors/tensor.js";

/**
 * Canonical tensor encoding shared by the contracts, the SDK, the operator node and the circuits.
 *
 * ```
 * byte 0        format version, always 0x01
 * byte 1        dtype code (see {@link DTYPE_CODES})
 * byte 2        rank r (0..8)
 * 3 .. 3+4r     r dimensions, uint32 big-endian, each >= 1
 * then          prod(dims) values, big-endian two's complement, width of the dtype
 * ```
 * A scalar has rank 0 and one value. Nothing may follow the last value. Every tensor has exactly one
 * encoding, so `inputHash = keccak256(encodeTensor(t))` identifies it.
 */
export const TENSOR_FORMAT_VERSION = 1;
export const MAX_TENSOR_RANK = 8;

export const DTYPE_CODES = { int8: 1, int16: 2, int32: 3, int64: 4, uint8: 5 } as const;
export type DType = keyof typeof DTYPE_CODES;
const DTYPE_BYTES: Record<DType, number> = { int8: 1, int16: 2, int32: 4, int64: 8, uint8: 1 };
const DTYPE_BY_CODE = new Map<number, DType>(
  Object.entries(DTYPE_CODES).map(([k, v]) => [v, k as DType]),
);

export type Tensor = {
  dtype: DType;
  shape: readonly number[];
  /** Values in row-major order, as bigints so int64 is exact. */
  values: readonly bigint[];
};

function dtypeRange(dtype: DType): [bigint, bigint] {
  const bits = BigInt(DTYPE_BYTES[dtype] * 8);
  if (dtype === "uint8") return [0n, 255n];
  return [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
}

/** Number of elements a shape holds (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Checks a tensor's shape, dtype and value ranges; throws {@link TensorEncodingError} on the first fault. */
export function validateTensor(t: Tensor): void {
  if (!(t.dtype in DTYPE_CODES)) throw new TensorEncodingError(`unknown dtype "${String(t.dtype)}"`);
  if (t.shape.length > MAX_TENSOR_RANK)
    throw new TensorEncodingError(`rank ${t.shape.length} exceeds the maximum of ${MAX_TENSOR_RANK}`);
  for (const d of t.shape) {
    if (!Number.isInteger(d) || d < 1 || d > 0xffffffff)
      throw new TensorEncodingError(`dimension ${d} is not an integer in 1..2^32-1`);
  }
  const n = shapeSize(t.shape);
  if (t.values.length !== n)
    throw new TensorEncodingError(`shape [${t.shape.join(",")}] holds ${n} values but ${t.values.length} were given`);
  const [lo, hi] = dtypeRange(t.dtype);
  t.values.forEach((v, i) => {
    if (typeof v !== "bigint") throw new TensorEncodingError(`value ${i} is not a bigint`);
    if (v < lo || v > hi) throw new TensorEncodingError(`value ${i} (${v}) is outside ${t.dtype} range ${lo}..${hi}`);
  });
}

/** Encodes a tensor canonically. */
export function encodeTensor(t: Tensor): Hex {
  validateTensor(t);
  const width = DTYPE_BYTES[t.dtype];
  const out = new Uint8Array(3 + 4 * t.shape.length + width * t.values.length);
  const view = new DataView(out.buffer);
  out[0] = TENSOR_FORMAT_VERSION;
  out[1] = DTYPE_CODES[t.dtype];
  out[2] = t.shape.length;
  t.shape.forEach((d, i) => view.setUint32(3 + 4 * i, d));
  let o = 3 + 4 * t.shape.length;
  const mod = 1n << BigInt(width * 8);
  for (const v of t.values) {
    let u = v < 0n ? v + mod : v;
    for (let b = width - 1; b >= 0; b--) {
      out[o + b] = Number(u & 0xffn);
      u >>= 8n;
    }
    o += width;
  }
  return bytesToHex(out);
}

/** Decodes canonical tensor bytes; throws {@link TensorEncodingError} when they are not canonical. */
export function decodeTensor(data: Hex | Uint8Array): Tensor {
  const bytes = typeof data === "string" ? hexToBytes(data) : data;
  if (bytes.length < 3) throw new TensorEncodingError(`${bytes.length} bytes is too short for a tensor header`);
  if (bytes[0] !== TENSOR_FORMAT_VERSION)
    throw new TensorEncodingError(`format version ${bytes[0]} is not supported (expected ${TENSOR_FORMAT_VERSION})`);
  const dtype = DTYPE_BY_CODE.get(bytes[1]!);
  if (!dtype) throw new TensorEncodingError(`unknown dtype code ${bytes[1]}`);
  const rank = bytes[2]!;
  if (rank > MAX_TENSOR_RANK) throw new TensorEncodingError(`rank ${rank} exceeds the maximum of ${MAX_TENSOR_RANK}`);
  const headerLen = 3 + 4 * rank;
  if (bytes.length < headerLen) throw new TensorEncodingError(`header declares rank ${rank} but the data ends early`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(3 + 4 * i);
    if (d < 1) throw new TensorEncodingError(`dimension ${i} is zero`);
    shape.push(d);
  }
  const width = DTYPE_BYTES[dtype];
  const n = shapeSize(shape);
  const expected = headerLen + width * n;
  if (bytes.length !== expected)
    throw new TensorEncodingError(`shape [${shape.join(",")}] of ${dtype} needs ${expected} bytes, got ${bytes.length}`);
  const values: bigint[] = [];
  const mod = 1n << BigInt(width * 8);
  const signed = dtype !== "uint8";
  for (let i = 0, o = headerLen; i < n; i++, o += width) {
    let u = 0n;
    for (let b = 0; b < width; b++) u = (u << 8n) | BigInt(bytes[o + b]!);
    values.push(signed && u >= mod / 2n ? u - mod : u);
  }
  return { dtype, shape, values };
}

/** keccak256 of the canonical encoding: the `inputHash` / `outputHash` recorded on chain. */
export function hashTensor(t: Tensor): Hex {
  return keccak256(encodeTensor(t));
}

/** Convenience constructor from JS numbers. */
export function tensor(dtype: DType, shape: readonly number[], values: readonly (number | bigint)[]): Tensor {
  return { dtype, shape: [...shape], values: values.map((v) => BigInt(v)) };
}
