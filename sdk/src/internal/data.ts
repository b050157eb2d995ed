import { type Hex, bytesToHex, isHex, keccak256, size } from "viem";
import { type Tensor, decodeTensorData, encodeTensor, encodeTensorSet } from "../encoding/tensor.js";
import { InvalidDataError, describeValue } from "../errors/request.js";
import { TensorEncodingError } from "../errors/tensor.js";
import { ZERO_HASH } from "../constants.js";

/**
 * Tensor data for a request or result: a Tensor, a model's named tensors (`{ tensors: { name: Tensor } }`), their
 * canonical bytes (one tensor or a set of named tensors), or where they live off chain.
 */
export type TensorData = Tensor | { tensors: Readonly<Record<string, Tensor>> } | Hex | Uint8Array | { uri: string; hash: Hex };

/** Inline bytes (`uri` empty) or a URI with its hash (`bytes` empty), as the hub takes them. */
export type NormalizedData = { bytes: Hex; uri: string; hash: Hex };

/**
 * Checks tensor data locally and puts it in the hub's shape. Inline data must be a canonical tensor encoding
 * (throws `TensorEncodingError` otherwise); a URI needs a non-zero 32-byte hash. Anything else (a plain array, a
 * number, nothing) is refused with `InvalidDataError` saying what was given, never a `TypeError`.
 */
export function normalizeTensorData(data: TensorData, what: "input" | "output"): NormalizedData {
  const given: unknown = data;
  if (Array.isArray(given)) {
    throw new InvalidDataError(
      `the ${what} is a plain array (${describeValue(given)}): build a Tensor with tensor(dtype, shape, values), e.g. tensor("int8", [1, 4], [82, 56, 22, 3])`,
    );
  }
  if (typeof given !== "string" && (typeof given !== "object" || given === null)) {
    throw new InvalidDataError(`the ${what} must be a Tensor, its canonical bytes (hex or Uint8Array) or { uri, hash }, got ${describeValue(given)}`);
  }
  if (data instanceof Uint8Array) return normalizeTensorData(bytesToHex(data), what);
  if (typeof data === "string") {
    if (!isHex(data, { strict: true })) throw new InvalidDataError(`the ${what} is not hex`);
    if (size(data) === 0) throw new InvalidDataError(`the ${what} is empty`);
    decodeTensorData(data); // one canonical tensor, or a canonical set of named tensors
    return { bytes: data, uri: "", hash: keccak256(data) };
  }
  if ("dtype" in data) {
    // encodeTensor validates it all (the dtype's typed array, the shape, the values), naming what is wrong.
    let bytes: Hex;
    try {
      bytes = encodeTensor(data);
    } catch (err) {
      if (err instanceof TensorEncodingError) {
        throw new TensorEncodingError(`the ${what}: ${err.shortMessage.replace(/^Malformed tensor: /, "").replace(/\.$/, "")}`);
      }
      throw err;
    }
    return { bytes, uri: "", hash: keccak256(bytes) };
  }
  if ("tensors" in data) {
    let bytes: Hex;
    try {
      bytes = encodeTensorSet(data.tensors);
    } catch (err) {
      if (err instanceof TensorEncodingError) {
        throw new TensorEncodingError(`the ${what}: ${err.shortMessage.replace(/^Malformed tensor: /, "").replace(/\.$/, "")}`);
      }
      throw err;
    }
    return { bytes, uri: "", hash: keccak256(bytes) };
  }
  if (!("uri" in data)) {
    throw new InvalidDataError(
      `the ${what} is ${describeValue(data)}: neither a Tensor { dtype, shape, values }, named tensors { tensors: { name: Tensor } }, nor { uri, hash }`,
    );
  }
  if (typeof data.uri !== "string" || data.uri.length === 0) throw new InvalidDataError(`the ${what} URI is empty`);
  if (!isHex(data.hash, { strict: true }) || size(data.hash) !== 32 || data.hash === ZERO_HASH) {
    throw new InvalidDataError(`the ${what} given by URI needs its keccak256 hash (32 bytes, non-zero)`);
  }
  return { bytes: "0x", uri: data.uri, hash: data.hash };
}

/** The hub's `Result` struct for normalized data: inline bytes with a zero hash (the hub hashes them), or URI + hash. */
export function resultStruct(data: NormalizedData): { output: Hex; outputURI: string; outputHash: Hex } {
  // The hub hashes inline output itself: a zero hash costs less calldata gas than repeating it.
  return { output: data.bytes, outputURI: data.uri, outputHash: data.uri === "" ? ZERO_HASH : data.hash };
}
