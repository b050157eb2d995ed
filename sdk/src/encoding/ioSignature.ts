import { type Hex, bytesToHex, hexToBytes, isHex, keccak256 } from "viem";
import { VerityMode } from "../constants.js";
import { VerityError } from "../errors/base.js";
import {
  DTYPES,
  type DType,
  MAX_TENSOR_RANK,
  type Tensor,
  fromBfloat16Bits,
  fromFloat16Bits,
  isFloatDType,
  tensorsEqual,
  toBfloat16Bits,
  toFloat16Bits,
  validateTensor,
} from "./tensor.js";

/**
 * A model version's IO signature: the names, dtypes and shapes of its inputs and outputs, how its outputs are
 * canonicalized before hashing, and optional class labels. Its canonical encoding is a JSON document (README, Data
 * formats); the registry stores `keccak256(document)` as the version's `ioSignatureHash` and the `VersionPublished`
 * event carries the document, so any client can read back what a version takes and returns from chain data alone.
 *
 * ```
 * {"canonicalization":{"fractionBits":6,"kind":"grid"},"format":"verity-io/1",
 *  "inputs":[{"dtype":"float32","name":"image","shape":["batch",784]}],
 *  "labels":{"logits":["0","1","2","3","4","5","6","7","8","9"]},
 *  "outputs":[{"dtype":"float32","name":"logits","shape":["batch",10]}]}
 * ```
 * (one line, no whitespace). Keys are sorted; inputs, outputs and label keys are sorted by name (UTF-8 byte order,
 * as in a set of named tensors); `labels` is omitted when there are none. A dimension is a size (1..2^32-1), a
 * symbol such as `"batch"` (every tensor naming it gives it the same size), or `null` (any size).
 */
export const IO_SIGNATURE_FORMAT = "verity-io/1";
/** The largest IO signature document the registry accepts, in bytes. */
export const MAX_IO_SIGNATURE_BYTES = 16_384;
/**
 * Fraction bits of the grid float outputs are rounded to by default: multiples of 1/64. Measured (bench/agreement.ts):
 * across seven ONNX Runtime configurations, no held-out MNIST digit split at 7 bits or fewer, 0.15% at 8, 25% at 16;
 * one bit of margin below the finest grid with no split. test/operator/agreement.test.ts checks it.
 */
export const DEFAULT_GRID_FRACTION_BITS = 6;
/** The most inputs, or outputs, a signature names. */
export const MAX_IO_TENSORS = 64;
/** The longest tensor name, or label, in UTF-8 bytes (a set of named tensors allows 255). */
export const MAX_IO_NAME_BYTES = 128;
/** The longest symbolic dimension, in UTF-8 bytes. */
export const MAX_IO_SYMBOL_BYTES = 64;
/** The most labels an output has. */
export const MAX_IO_LABELS = 65_536;
/** The largest grid: 52 fraction bits, beyond which float64 rounding is the identity on every value that matters. */
export const MAX_GRID_FRACTION_BITS = 52;

/** A dimension: a fixed size, a symbol shared by the tensors that name it (`"batch"`), or `null` for any size. */
export type IoDimension = number | string | null;
/** One input or output of a version. */
export type IoTensorSpec = { name: string; dtype: DType; shape: readonly IoDimension[] };
/**
 * What operators apply to a version's outputs before hashing them: `exact` leaves them unchanged; `grid` rounds
 * every float value to the nearest multiple of 2^-fractionBits (ties to even, in float64, stored back in the
 * tensor's dtype; -0 becomes +0; NaN and ±Infinity stay). Integer and bool outputs are never changed.
 */
export type OutputCanonicalization = { kind: "exact" } | { kind: "grid"; fractionBits: number };
/** A normalized IO signature (what {@link ioSignature} and {@link decodeIoSignature} return). */
export type IoSignature = {
  inputs: readonly IoTensorSpec[];
  outputs: readonly IoTensorSpec[];
  canonicalization: OutputCanonicalization;
  labels?: Readonly<Record<string, readonly string[]>>;
};
/** What {@link ioSignature} takes: a negative size or `""` is a free dimension; `canonicalization` has a default. */
export type IoSignatureParameters = {
  inputs: readonly { name: string; dtype: DType; shape: readonly (number | string | null)[] }[];
  outputs: readonly { name: string; dtype: DType; shape: readonly (number | string | null)[] }[];
  canonicalization?: OutputCanonicalization | undefined;
  labels?: Readonly<Record<string, readonly string[]>> | undefined;
};

/** An IO signature that is malformed, not canonical, or unsound for the modes a version offers. */
export class IoSignatureError extends VerityError {
  override name = "IoSignatureError";
  constructor(reason: string) {
    super(`Invalid IO signature: ${reason}.`, { metaMessages: ["The IO signature format is in README, Data formats (sdk/src/encoding/ioSignature.ts)."] });
  }
}
export type IoSignatureErrorType = IoSignatureError & { name: "IoSignatureError" };

/** A tensor handed to a model is valid but not what the model takes (a name, dtype or shape). */
export class ModelInputError extends VerityError {
  override name = "ModelInputError";
  constructor(reason: string, expected: string) {
    super(`Model input rejected: ${reason}.`, { details: `The model takes ${expected}.` });
  }
}
export type ModelInputErrorType = ModelInputError & { name: "ModelInputError" };

// ─────────────────────────────────────────── building ─────────────────────────────────────────────────

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder("utf-8", { fatal: true });
const DTYPE_SET = new Set<string>(DTYPES);

/** Compares two strings by their UTF-8 bytes (code point order), the order of a set of named tensors. */
function byUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** Checks a name-like string: a well-formed (no lone surrogate), non-empty string of at most `max` UTF-8 bytes. */
function checkText(v: unknown, what: string, max: number): string {
  if (typeof v !== "string" || v.length === 0) throw new IoSignatureError(`${what} must be a non-empty string, got ${JSON.stringify(v) ?? String(v)}`);
  const bytes = utf8.encode(v);
  if (utf8Strict.decode(bytes) !== v) throw new IoSignatureError(`${what} ${JSON.stringify(v)} is not well-formed Unicode (a lone surrogate)`);
  if (bytes.length > max) throw new IoSignatureError(`${what} ${JSON.stringify(v.slice(0, 24))}… is ${bytes.length} bytes, the most is ${max}`);
  return v;
}

function normalizeSpec(raw: unknown, what: string): IoTensorSpec {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new IoSignatureError(`${what} must be an object { name, dtype, shape }`);
  const s = raw as Record<string, unknown>;
  const name = checkText(s.name, `the name of ${what}`, MAX_IO_NAME_BYTES);
  const tensor = `${what.split(" ")[0]} "${name}"`;
  if (typeof s.dtype !== "string" || !DTYPE_SET.has(s.dtype)) {
    throw new IoSignatureError(`${tensor} has dtype ${JSON.stringify(s.dtype) ?? String(s.dtype)}: one of ${DTYPES.join(", ")}`);
  }
  if (!Array.isArray(s.shape)) throw new IoSignatureError(`the shape of ${tensor} must be an array of dimensions`);
  if (s.shape.length > MAX_TENSOR_RANK) throw new IoSignatureError(`${tensor} has rank ${s.shape.length}, the most is ${MAX_TENSOR_RANK}`);
  const shape = s.shape.map((d: unknown): IoDimension => {
    if (d === null || d === "") return null;
    if (typeof d === "string") return checkText(d, `a dimension symbol of ${tensor}`, MAX_IO_SYMBOL_BYTES);
    if (typeof d === "number" && Number.isInteger(d)) {
      if (d < 0) return null;
      if (d >= 1 && d <= 0xffffffff) return d;
    }
    throw new IoSignatureError(`${tensor} has dimension ${String(d)}: a size 1..2^32-1, a symbol such as "batch", or null`);
  });
  return { name, dtype: s.dtype as DType, shape };
}

function normalizeSpecs(raw: unknown, role: "input" | "output"): IoTensorSpec[] {
  if (!Array.isArray(raw)) throw new IoSignatureError(`the ${role}s must be an array of { name, dtype, shape }`);
  if (raw.length === 0 || raw.length > MAX_IO_TENSORS) throw new IoSignatureError(`a model has 1 to ${MAX_IO_TENSORS} ${role}s, got ${raw.length}`);
  const specs = raw.map((r, i) => normalizeSpec(r, `${role} ${i}`)).sort((a, b) => byUtf8(a.name, b.name));
  for (let i = 1; i < specs.length; i++) {
    if (specs[i]!.name === specs[i - 1]!.name) throw new IoSignatureError(`two ${role}s are named "${specs[i]!.name}"`);
  }
  return specs;
}

function normalizeCanonicalization(raw: unknown, outputs: readonly IoTensorSpec[]): OutputCanonicalization {
  if (raw === undefined) {
    return outputs.some((o) => isFloatDType(o.dtype)) ? { kind: "grid", fractionBits: DEFAULT_GRID_FRACTION_BITS } : { kind: "exact" };
  }
  if (typeof raw !== "object" || raw === null) throw new IoSignatureError(`the canonicalization must be { kind: "exact" } or { kind: "grid", fractionBits }`);
  const c = raw as Record<string, unknown>;
  if (c.kind === "exact" && Object.keys(c).length === 1) return { kind: "exact" };
  if (c.kind === "grid" && Object.keys(c).length === 2) {
    const b = c.fractionBits;
    if (typeof b === "number" && Number.isInteger(b) && b >= 0 && b <= MAX_GRID_FRACTION_BITS) return { kind: "grid", fractionBits: b };
    throw new IoSignatureError(`the grid has ${String(b)} fraction bits: an integer from 0 to ${MAX_GRID_FRACTION_BITS}`);
  }
  throw new IoSignatureError(`the canonicalization ${JSON.stringify(raw)} is not { kind: "exact" } or { kind: "grid", fractionBits }`);
}

function normalizeLabels(raw: unknown, outputs: readonly IoTensorSpec[]): Record<string, string[]> | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new IoSignatureError("the labels must map an output's name to its class names");
  const keys = Object.keys(raw).sort(byUtf8);
  if (keys.length === 0) return undefined;
  const labels: Record<string, string[]> = {};
  for (const key of keys) {
    const out = outputs.find((o) => o.name === key);
    if (!out) throw new IoSignatureError(`there are labels for "${key}", which is not an output`);
    const list = (raw as Record<string, unknown>)[key];
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_IO_LABELS) {
      throw new IoSignatureError(`the labels of output "${key}" must be a list of 1 to ${MAX_IO_LABELS} names`);
    }
    const last = out.shape[out.shape.length - 1];
    if (out.shape.length === 0) throw new IoSignatureError(`output "${key}" is a scalar, it has no classes to label`);
    if (typeof last === "number" && last !== list.length) {
      throw new IoSignatureError(`output "${key}" has ${last} classes (its last dimension) but ${list.length} labels`);
    }
    labels[key] = list.map((l, i) => checkText(l, `label ${i} of output "${key}"`, MAX_IO_NAME_BYTES));
  }
  return labels;
}

/**
 * Builds a normalized IO signature: inputs and outputs sorted by name, free dimensions (`null`, a negative size or
 * `""`, as ONNX writes them) as `null`, and the default canonicalization when none is given (exact when every
 * output is an integer or bool, else the grid of {@link DEFAULT_GRID_FRACTION_BITS} fraction bits). Throws
 * {@link IoSignatureError} for a bad name (1..128 bytes, unique), dtype, rank (at most 8), dimension, grid or label.
 *
 * @example
 * ```ts
 * const sig = ioSignature({
 *   inputs: [{ name: "image", dtype: "float32", shape: ["batch", 784] }],
 *   outputs: [{ name: "logits", dtype: "float32", shape: ["batch", 10] }],
 *   labels: { logits: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] },
 * }); // canonicalization: { kind: "grid", fractionBits: 6 }
 * ```
 */
export function ioSignature(parameters: IoSignatureParameters): IoSignature {
  if (typeof parameters !== "object" || parameters === null) throw new IoSignatureError("give { inputs, outputs, canonicalization?, labels? }");
  const inputs = normalizeSpecs(parameters.inputs, "input");
  const outputs = normalizeSpecs(parameters.outputs, "output");
  const canonicalization = normalizeCanonicalization(parameters.canonicalization, outputs);
  const labels = normalizeLabels(parameters.labels, outputs);
  return { inputs, outputs, canonicalization, ...(labels ? { labels } : {}) };
}

// ─────────────────────────────────────────── encoding ─────────────────────────────────────────────────

const specJson = (s: IoTensorSpec) => `{"dtype":${JSON.stringify(s.dtype)},"name":${JSON.stringify(s.name)},"shape":${JSON.stringify(s.shape)}}`;

/**
 * The canonical document of an IO signature (normalized first, see {@link ioSignature}), as hex bytes: what
 * `publishVersion` sends and the registry hashes. Throws {@link IoSignatureError} when it is invalid or larger than
 * {@link MAX_IO_SIGNATURE_BYTES}.
 */
export function encodeIoSignature(signature: IoSignature | IoSignatureParameters): Hex {
  const sig = ioSignature(signature);
  const c = sig.canonicalization;
  const canonicalization = c.kind === "exact" ? `{"kind":"exact"}` : `{"fractionBits":${c.fractionBits},"kind":"grid"}`;
  const labels = sig.labels
    ? `,"labels":{${Object.entries(sig.labels)
        .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
        .join(",")}}`
    : "";
  const json =
    `{"canonicalization":${canonicalization},"format":${JSON.stringify(IO_SIGNATURE_FORMAT)},` +
    `"inputs":[${sig.inputs.map(specJson).join(",")}]${labels},"outputs":[${sig.outputs.map(specJson).join(",")}]}`;
  const bytes = utf8.encode(json);
  if (bytes.length > MAX_IO_SIGNATURE_BYTES) throw new IoSignatureError(`the document is ${bytes.length} bytes, the most is ${MAX_IO_SIGNATURE_BYTES}`);
  return bytesToHex(bytes);
}

const DOCUMENT_KEYS = new Set(["canonicalization", "format", "inputs", "labels", "outputs"]);
const SPEC_KEYS = new Set(["dtype", "name", "shape"]);

/**
 * Decodes an IO signature document strictly: valid UTF-8 and JSON, the `verity-io/1` format, no unknown keys, a
 * valid signature, and bytes equal to its canonical encoding (so a document has one meaning and one hash). Throws
 * {@link IoSignatureError} saying what is wrong; it never guesses.
 */
export function decodeIoSignature(document: Hex | Uint8Array): IoSignature {
  let bytes: Uint8Array;
  if (document instanceof Uint8Array) bytes = document;
  else if (typeof document === "string" && isHex(document, { strict: true }) && document.length % 2 === 0) bytes = hexToBytes(document);
  else throw new IoSignatureError("the document must be bytes: a Uint8Array or an even-length 0x-prefixed hex string");
  if (bytes.length === 0 || bytes.length > MAX_IO_SIGNATURE_BYTES) {
    throw new IoSignatureError(`the document is ${bytes.length} bytes: 1 to ${MAX_IO_SIGNATURE_BYTES}`);
  }
  let text: string;
  try {
    text = utf8Strict.decode(bytes);
  } catch {
    throw new IoSignatureError("the document is not valid UTF-8");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new IoSignatureError(`the document is not JSON (${(e as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new IoSignatureError("the document is not a JSON object");
  const doc = json as Record<string, unknown>;
  const unknown = Object.keys(doc).find((k) => !DOCUMENT_KEYS.has(k));
  if (unknown !== undefined) throw new IoSignatureError(`the document has an unknown key "${unknown}"`);
  if (doc.format !== IO_SIGNATURE_FORMAT) {
    throw new IoSignatureError(`the document's format is ${JSON.stringify(doc.format) ?? "missing"}, this SDK reads "${IO_SIGNATURE_FORMAT}"`);
  }
  if (doc.canonicalization === undefined) throw new IoSignatureError("the document has no canonicalization");
  for (const role of ["inputs", "outputs"] as const) {
    const list = doc[role];
    if (!Array.isArray(list)) continue; // ioSignature() names the problem
    for (const s of list) {
      const extra = s && typeof s === "object" ? Object.keys(s).find((k) => !SPEC_KEYS.has(k)) : undefined;
      if (extra !== undefined) throw new IoSignatureError(`a tensor of the ${role} has an unknown key "${extra}"`);
    }
  }
  if (doc.labels !== undefined && (typeof doc.labels !== "object" || doc.labels === null || Object.keys(doc.labels).length === 0)) {
    throw new IoSignatureError("the document's labels must be omitted, not empty");
  }
  const signature = ioSignature(doc as IoSignatureParameters);
  if (bytesToHex(bytes) !== encodeIoSignature(signature)) {
    throw new IoSignatureError("the document is not in canonical form (key order, whitespace, sorting, null dimensions or escapes differ)");
  }
  return signature;
}

/** `keccak256` of an IO signature's canonical document (what the registry stores as `ioSignatureHash`), or of given bytes. */
export function hashIoSignature(signature: IoSignature | IoSignatureParameters | Hex | Uint8Array): Hex {
  if (typeof signature === "string" || signature instanceof Uint8Array) return keccak256(signature);
  return keccak256(encodeIoSignature(signature));
}

// ─────────────────────────────────────────── inputs ───────────────────────────────────────────────────

const showShape = (shape: readonly IoDimension[]) => `[${shape.map((d) => (d === null ? "?" : String(d))).join(",")}]`;
const describeSpec = (s: IoTensorSpec) => `${s.dtype} ${showShape(s.shape)}`;
const specsOf = (s: IoSignature | readonly IoTensorSpec[]): readonly IoTensorSpec[] => (Array.isArray(s) ? s : (s as IoSignature).inputs);

/**
 * Checks named input tensors against a signature's inputs (or a list of specs) and returns the sizes its symbolic
 * dimensions take. Throws {@link ModelInputError} naming the tensor: an unknown or missing input, another dtype or
 * rank, a fixed dimension of another size, or a symbol (say `batch`) given two sizes; a malformed tensor throws
 * `TensorEncodingError`.
 */
export function checkInputs(signature: IoSignature | readonly IoTensorSpec[], inputs: Readonly<Record<string, Tensor>>): Map<string, number> {
  const specs = specsOf(signature);
  const expected = specs.map((s) => `"${s.name}" ${describeSpec(s)}`).join(", ");
  if (typeof inputs !== "object" || inputs === null || Array.isArray(inputs)) {
    throw new ModelInputError("the inputs are not a record of named tensors", `the inputs ${expected}`);
  }
  const names = new Set(specs.map((s) => s.name));
  for (const name of Object.keys(inputs)) {
    if (!names.has(name)) throw new ModelInputError(`there is no input "${name}"`, `the inputs ${expected}`);
  }
  const symbols = new Map<string, number>();
  for (const spec of specs) {
    const what = `input "${spec.name}"`;
    if (!Object.hasOwn(inputs, spec.name)) throw new ModelInputError(`${what} is missing`, `the inputs ${expected}`);
    const t = inputs[spec.name]!;
    validateTensor(t);
    if (t.dtype !== spec.dtype) throw new ModelInputError(`${what} is ${t.dtype}`, `${what} as ${describeSpec(spec)}`);
    if (t.shape.length !== spec.shape.length) throw new ModelInputError(`${what} has shape [${t.shape.join(",")}]`, `${what} as ${describeSpec(spec)}`);
    spec.shape.forEach((d, i) => {
      const got = t.shape[i]!;
      if (typeof d === "number" && d !== got) throw new ModelInputError(`${what} has shape [${t.shape.join(",")}]`, `${what} as ${describeSpec(spec)}`);
      if (typeof d === "string") {
        const bound = symbols.get(d);
        if (bound !== undefined && bound !== got) {
          throw new ModelInputError(`${what} gives dimension "${d}" the size ${got}, another input gave it ${bound}`, `one size for "${d}" across the inputs`);
        }
        symbols.set(d, got);
      }
    });
  }
  return symbols;
}

// ─────────────────────────────────────────── outputs ──────────────────────────────────────────────────

/** `x` rounded to the nearest multiple of 2^-bits, ties to even, in float64 (exact: scaling by 2^bits is exact). */
function roundToGrid(x: number, bits: number): number {
  if (!Number.isFinite(x)) return x;
  if (Math.abs(x) >= 2 ** (52 - bits)) return x; // already a multiple: its ulp is at least 2^-bits
  const v = x * 2 ** bits;
  const f = Math.floor(v);
  const d = v - f;
  const k = d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  const r = k / 2 ** bits;
  return r === 0 ? 0 : r; // -0 becomes +0
}

function gridTensor(t: Tensor, bits: number): Tensor {
  switch (t.dtype) {
    case "float32":
      return { dtype: "float32", shape: [...t.shape], values: t.values.map((x) => roundToGrid(x, bits)) };
    case "float64":
      return { dtype: "float64", shape: [...t.shape], values: t.values.map((x) => roundToGrid(x, bits)) };
    // Rounding a half-precision value to a grid gives a value of the format again (it needs no more bits).
    case "float16":
      return { dtype: "float16", shape: [...t.shape], values: t.values.map((h) => toFloat16Bits(roundToGrid(fromFloat16Bits(h), bits))) };
    case "bfloat16":
      return { dtype: "bfloat16", shape: [...t.shape], values: t.values.map((h) => toBfloat16Bits(roundToGrid(fromBfloat16Bits(h), bits))) };
    default:
      return t;
  }
}

/**
 * Applies a version's output canonicalization to a model's named outputs (what every operator hashes): checks the
 * names, dtypes and shapes against the signature, then, for a grid, rounds float values (see
 * {@link OutputCanonicalization}). Returns new tensors; the arguments are not changed. Throws
 * {@link IoSignatureError} when the outputs are not the signature's.
 */
export function canonicalizeOutputs(signature: IoSignature, outputs: Readonly<Record<string, Tensor>>): Record<string, Tensor> {
  const names = Object.keys(outputs);
  const declared = signature.outputs.map((s) => s.name);
  const extra = names.find((n) => !declared.includes(n));
  if (extra !== undefined) throw new IoSignatureError(`the model returned an output "${extra}" the signature does not declare`);
  const symbols = new Map<string, number>();
  const result: Record<string, Tensor> = {};
  for (const spec of signature.outputs) {
    if (!Object.hasOwn(outputs, spec.name)) throw new IoSignatureError(`the model returned no output "${spec.name}"`);
    const t = outputs[spec.name]!;
    validateTensor(t);
    const sizesDiffer = spec.shape.some((d, i) => {
      if (typeof d === "number") return d !== t.shape[i];
      if (typeof d === "string") {
        const bound = symbols.get(d);
        symbols.set(d, t.shape[i]!);
        return bound !== undefined && bound !== t.shape[i];
      }
      return false;
    });
    if (t.dtype !== spec.dtype || t.shape.length !== spec.shape.length || sizesDiffer) {
      throw new IoSignatureError(`output "${spec.name}" is ${t.dtype} [${t.shape.join(",")}], the signature declares ${describeSpec(spec)}`);
    }
    const c = signature.canonicalization;
    result[spec.name] = c.kind === "grid" && isFloatDType(t.dtype) ? gridTensor(t, c.fractionBits) : t;
  }
  return result;
}

/** Whether named outputs are already canonical under the signature (canonicalizing them changes nothing). */
export function isCanonicalOutput(signature: IoSignature, outputs: Readonly<Record<string, Tensor>>): boolean {
  const canonical = canonicalizeOutputs(signature, outputs);
  return Object.keys(canonical).every((name) => tensorsEqual(canonical[name]!, outputs[name]!));
}

// ─────────────────────────────────────────── modes and display ────────────────────────────────────────

/**
 * Refuses a version whose outputs its modes cannot agree on: QUORUM and OPTIMISTIC compare the output hashes of
 * operators on different machines, whose float results differ in the last bits, so a float output compared exactly
 * would split honest operators (and let a challenger "overturn" an honest claim). Throws {@link IoSignatureError}.
 */
export function checkSignatureModes(signature: IoSignature, modes: readonly number[]): void {
  if (signature.canonicalization.kind !== "exact") return;
  const floats = signature.outputs.filter((o) => isFloatDType(o.dtype)).map((o) => `"${o.name}"`);
  const agreeing = modes.filter((m) => m === VerityMode.quorum || m === VerityMode.optimistic);
  if (floats.length > 0 && agreeing.length > 0) {
    const names = agreeing.map((m) => (m === VerityMode.quorum ? "QUORUM" : "OPTIMISTIC")).join(" and ");
    throw new IoSignatureError(
      `the float outputs ${floats.join(", ")} are compared exactly, which operators on different machines cannot agree on in ${names}: ` +
        `canonicalize them to a grid, or offer only TEE or ZK`,
    );
  }
}

function describeLabels(labels: readonly string[]): string {
  if (labels.length <= 5) return `labels ${labels.join(", ")}`;
  return `${labels.length} labels ${labels.slice(0, 2).join(", ")}, …, ${labels[labels.length - 1]}`;
}

/**
 * A short human description of a signature, one line per tensor and one for the canonicalization:
 * `in  image float32 [batch,784]`, `out logits float32 [batch,10] (10 labels 0, 1, …, 9)`, `outputs … (grid:6)`.
 */
export function describeIoSignature(signature: IoSignature): string {
  const lines = signature.inputs.map((s) => `in  ${s.name} ${describeSpec(s)}`);
  for (const s of signature.outputs) {
    const labels = signature.labels?.[s.name];
    lines.push(`out ${s.name} ${describeSpec(s)}${labels ? ` (${describeLabels(labels)})` : ""}`);
  }
  const c = signature.canonicalization;
  lines.push(c.kind === "exact" ? "outputs compared exactly" : `outputs rounded to multiples of 2^-${c.fractionBits} (grid:${c.fractionBits})`);
  return lines.join("\n");
}
