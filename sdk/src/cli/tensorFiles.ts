import { readFileSync } from "node:fs";
import { parse as parseNpy } from "npyjs";
import { DTYPES, type DType, type Tensor, tensor } from "../encoding/tensor.js";
import { CliError } from "./errors.js";

/** NumPy `descr` kinds (without the byte order) and the dtype each is. */
const NPY_DTYPES: Record<string, DType> = {
  b1: "bool",
  i1: "int8",
  u1: "uint8",
  i2: "int16",
  u2: "uint16",
  i4: "int32",
  u4: "uint32",
  i8: "int64",
  u8: "uint64",
  f2: "float16",
  f4: "float32",
  f8: "float64",
};

/**
 * Reads one tensor from a file: a NumPy `.npy` array (C order, little-endian or one-byte values; every dtype the
 * tensor encoding has but bfloat16, which NumPy lacks) or a `.json` object `{ "dtype", "shape", "values" }` (values
 * as numbers, or decimal strings for int64 and uint64). Throws {@link CliError} saying what is wrong.
 */
export function readTensorFile(path: string, shown: string = path): Tensor {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new CliError(`cannot read ${shown}: ${(err as Error).message}`);
  }
  if (path.endsWith(".npy")) return npyTensor(bytes, shown);
  if (path.endsWith(".json")) return jsonTensor(bytes, shown);
  throw new CliError(`${shown} is neither a .npy nor a .json file`, ['give a NumPy array (np.save) or a JSON tensor {"dtype":"float32","shape":[1,3],"values":[...]}']);
}

function npyTensor(bytes: Buffer, shown: string): Tensor {
  // The header's descr says the byte order; npyjs reads the values natively (little-endian here).
  const header = bytes.subarray(0, Math.min(bytes.length, 256)).toString("latin1");
  const descr = /'descr':\s*'([<>|=])([a-z]\d+)'/.exec(header);
  if (!header.startsWith("\x93NUMPY") || !descr) throw new CliError(`${shown} is not a NumPy .npy file (no \\x93NUMPY header with a descr)`);
  if (descr[1] === ">") throw new CliError(`${shown} is a big-endian array: save it little-endian (arr.astype(arr.dtype.newbyteorder("<")))`);
  const dtype = NPY_DTYPES[descr[2]!];
  if (!dtype) throw new CliError(`${shown} holds NumPy dtype ${descr[2]}, which Verity does not encode`, [`supported: ${Object.keys(NPY_DTYPES).join(", ")}`]);
  let npy;
  try {
    npy = parseNpy(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, { convertFloat16: false });
  } catch (err) {
    throw new CliError(`${shown} is not a readable .npy file: ${(err as Error).message}`);
  }
  if (npy.fortranOrder) throw new CliError(`${shown} is in Fortran order: save it in C order (np.ascontiguousarray)`);
  const data = npy.data as unknown as ArrayLike<number | bigint>;
  try {
    // float16 comes as its bit patterns (Uint16Array), bool as bytes (Uint8Array): both what tensor() takes.
    return tensor(dtype, npy.shape, dtype === "bool" ? Array.from(data as ArrayLike<number>, (v) => v !== 0) : (data as never));
  } catch (err) {
    throw new CliError(`${shown}: ${(err as Error).message}`);
  }
}

function jsonTensor(bytes: Buffer, shown: string): Tensor {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new CliError(`${shown} is not JSON: ${(err as Error).message}`);
  }
  const t = doc as { dtype?: unknown; shape?: unknown; values?: unknown };
  if (typeof t !== "object" || t === null || typeof t.dtype !== "string" || !Array.isArray(t.shape) || !Array.isArray(t.values)) {
    throw new CliError(`${shown} must hold a tensor {"dtype": "...", "shape": [...], "values": [...]}`);
  }
  if (!DTYPES.includes(t.dtype as DType)) throw new CliError(`${shown}: unknown dtype "${t.dtype}"`, [`dtypes: ${DTYPES.join(", ")}`]);
  const dtype = t.dtype as DType;
  const wide = dtype === "int64" || dtype === "uint64";
  const values = (t.values as unknown[]).map((v) => (wide && (typeof v === "string" || typeof v === "number") ? BigInt(v) : v)) as (number | bigint | boolean)[];
  try {
    return tensor(dtype, t.shape as number[], values);
  } catch (err) {
    throw new CliError(`${shown}: ${(err as Error).message}`);
  }
}

/**
 * The job input of `--input-file` options: one `path` for a model with one input, or `name=path` for each named
 * input of a model with several (a set of named tensors). Throws {@link CliError} for a mix or a repeated name.
 */
export function inputFromFiles(
  specs: readonly string[],
  resolve: (path: string) => string,
): Tensor | { tensors: Record<string, Tensor> } {
  const named = specs.map((s) => {
    const eq = s.indexOf("=");
    return eq > 0 && !s.slice(0, eq).includes("/") ? { name: s.slice(0, eq), path: s.slice(eq + 1) } : { name: undefined, path: s };
  });
  if (named.length === 1 && named[0]!.name === undefined) return readTensorFile(resolve(named[0]!.path), named[0]!.path);
  const tensors: Record<string, Tensor> = {};
  for (const { name, path } of named) {
    if (name === undefined) throw new CliError(`--input-file ${path} has no name: with several inputs give each as name=path`);
    if (name in tensors) throw new CliError(`--input-file gives input "${name}" twice`);
    tensors[name] = readTensorFile(resolve(path), path);
  }
  return { tensors };
}
