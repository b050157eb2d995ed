import { type Hex, bytesToHex, hexToBytes, keccak256 } from "viem";
import { TensorEncodingError } from "../errors/tensor.js";
import { type Tensor, decodeTensor, decodeTensorAt, encodeTensorBytes } from "./tensor.js";

// Sets of named tensors, a model's several inputs or outputs (./tensor.ts holds the single tensor), and a job's data
// as either. tensor.ts re-exports everything here.

/** First byte of an encoded set of named tensors (0x10 | the tensor format version). */
export const TENSOR_SET_FORMAT = 0x12;
export const MAX_TENSOR_SET_SIZE = 1024;
const NAME = /^[\p{L}\p{N}_.:/-]{1,}$/u;

/**
 * The canonical encoding of a set of named tensors (a model's inputs or outputs):
 * ```
 * byte 0        0x12
 * bytes 1..2    n, the number of tensors (uint16 little-endian, 1..1024)
 * n entries, by name in ascending byte order, names unique:
 *   1 byte      L, the name's UTF-8 length (1..255), then the name (letters, digits, _ . : / -)
 *   4 bytes     the tensor's encoded length (uint32 little-endian), then its canonical encoding
 * ```
 * Nothing follows the last entry. Its keccak256 is the set's hash.
 */
export function encodeTensorSetBytes(set: Readonly<Record<string, Tensor>>): Uint8Array {
  if (typeof set !== "object" || set === null || Array.isArray(set)) throw new TensorEncodingError("a tensor set must be an object { name: tensor }");
  const enc = new TextEncoder();
  const entries = Object.entries(set).map(([name, t]) => {
    if (!NAME.test(name)) throw new TensorEncodingError(`tensor name ${JSON.stringify(name)} is not 1..255 letters, digits, _ . : / -`);
    const nameBytes = enc.encode(name);
    if (nameBytes.length > 255) throw new TensorEncodingError(`tensor name ${JSON.stringify(name)} is longer than 255 bytes`);
    let bytes: Uint8Array;
    try {
      bytes = encodeTensorBytes(t);
    } catch (err) {
      throw new TensorEncodingError(`tensor "${name}": ${(err as Error).message.replace(/^Malformed tensor: /, "").replace(/\.$/, "")}`);
    }
    return { nameBytes, bytes };
  });
  if (entries.length < 1 || entries.length > MAX_TENSOR_SET_SIZE) throw new TensorEncodingError(`a tensor set holds 1..${MAX_TENSOR_SET_SIZE} tensors, not ${entries.length}`);
  entries.sort((a, b) => compareBytes(a.nameBytes, b.nameBytes));
  const total = 3 + entries.reduce((s, e) => s + 1 + e.nameBytes.length + 4 + e.bytes.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out[0] = TENSOR_SET_FORMAT;
  view.setUint16(1, entries.length, true);
  let o = 3;
  for (const e of entries) {
    out[o] = e.nameBytes.length;
    out.set(e.nameBytes, o + 1);
    o += 1 + e.nameBytes.length;
    view.setUint32(o, e.bytes.length, true);
    out.set(e.bytes, o + 4);
    o += 4 + e.bytes.length;
  }
  return out;
}

/** {@link encodeTensorSetBytes} as hex. */
export function encodeTensorSet(set: Readonly<Record<string, Tensor>>): Hex {
  return bytesToHex(encodeTensorSetBytes(set));
}

/** Decodes a canonical set of named tensors; throws {@link TensorEncodingError} for anything else. */
export function decodeTensorSet(data: Hex | Uint8Array): Record<string, Tensor> {
  const bytes = typeof data === "string" ? hexToBytes(data) : data;
  if (bytes.length < 3 || bytes[0] !== TENSOR_SET_FORMAT) throw new TensorEncodingError(`not a tensor set (it starts 0x${(bytes[0] ?? 0).toString(16).padStart(2, "0")}, expected 0x12)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint16(1, true);
  if (n < 1 || n > MAX_TENSOR_SET_SIZE) throw new TensorEncodingError(`a tensor set holds 1..${MAX_TENSOR_SET_SIZE} tensors, not ${n}`);
  const dec = new TextDecoder("utf-8", { fatal: true });
  const out: Record<string, Tensor> = {};
  let o = 3;
  let previous: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    if (o + 1 > bytes.length) throw new TensorEncodingError(`the set ends before entry ${i}`);
    const len = bytes[o]!;
    const nameBytes = bytes.subarray(o + 1, o + 1 + len);
    if (len === 0 || o + 1 + len + 4 > bytes.length) throw new TensorEncodingError(`entry ${i}'s name is empty or runs past the end`);
    let name: string;
    try {
      name = dec.decode(nameBytes);
    } catch {
      throw new TensorEncodingError(`entry ${i}'s name is not UTF-8`);
    }
    if (!NAME.test(name)) throw new TensorEncodingError(`tensor name ${JSON.stringify(name)} is not 1..255 letters, digits, _ . : / -`);
    if (previous && compareBytes(previous, nameBytes) >= 0) throw new TensorEncodingError(`tensor names are not in strictly ascending order at "${name}"`);
    previous = nameBytes;
    o += 1 + len;
    const size = view.getUint32(o, true);
    o += 4;
    if (o + size > bytes.length) throw new TensorEncodingError(`tensor "${name}" runs past the end of the set`);
    try {
      out[name] = decodeTensorAt(bytes, o, o + size);
    } catch (err) {
      throw new TensorEncodingError(`tensor "${name}": ${(err as Error).message.replace(/^Malformed tensor: /, "").replace(/\.$/, "")}`);
    }
    o += size;
  }
  if (o !== bytes.length) throw new TensorEncodingError(`${bytes.length - o} bytes follow the last tensor of the set`);
  return out;
}

/** keccak256 of a set's canonical encoding. */
export function hashTensorSet(set: Readonly<Record<string, Tensor>>): Hex {
  return keccak256(encodeTensorSetBytes(set));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Whether bytes are a set of named tensors (they start 0x12) rather than one tensor. */
export function isTensorSetBytes(data: Hex | Uint8Array): boolean {
  return typeof data === "string" ? data.slice(0, 4).toLowerCase() === "0x12" : data[0] === TENSOR_SET_FORMAT;
}

/** A job's input or output bytes: one tensor, or a set of named tensors. */
export type TensorData = { tensor: Tensor; tensors?: undefined } | { tensor?: undefined; tensors: Record<string, Tensor> };

/** Decodes a job's input or output: one canonical tensor or a canonical set; throws {@link TensorEncodingError}. */
export function decodeTensorData(data: Hex | Uint8Array): TensorData {
  return isTensorSetBytes(data) ? { tensors: decodeTensorSet(data) } : { tensor: decodeTensor(data) };
}

/** A one-line description: `float32 [1,3]` for a tensor, `{ image: float32 [1,784], ... }` for a set. */
export function describeTensorData(d: TensorData): string {
  const one = (t: Tensor) => `${t.dtype} [${t.shape.join(",")}]`;
  return d.tensor ? one(d.tensor) : `{ ${Object.entries(d.tensors!).map(([n, t]) => `${n}: ${one(t)}`).join(", ")} }`;
}
