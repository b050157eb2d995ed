import { readFileSync } from "node:fs";
import type { Hex } from "viem";
import { type Tensor, tensor, validateTensor } from "../encoding/tensor.js";
import { VerityError } from "../errors/index.js";
import { MLP_ARCH, MLP_INPUTS, MLP_OUTPUTS, type MlpWeights, argmax, validateMlpWeights } from "./mlp.js";
import { packageFile } from "./packageFiles.js";

/**
 * The project's reference model: an "mlp-4-8-3-int8" Iris classifier trained by `npm run model:train`
 * (scripts/train-model.ts, logic in ./train.ts) and committed as models/iris-mlp.{json,onnx}.
 * Node only (reads files); the pure helpers {@link quantizeFeatures} and {@link predictClass} need no I/O.
 */
export const IRIS_CLASSES = ["setosa", "versicolor", "virginica"] as const;
export type IrisClass = (typeof IRIS_CLASSES)[number];
export const IRIS_FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"] as const;

/** Where the committed model files live, resolved from this module so any working directory works. */
export const IRIS_MODEL_JSON_PATH = packageFile("models", "iris-mlp.json");
export const IRIS_MODEL_ONNX_PATH = packageFile("models", "iris-mlp.onnx");

export type AccuracyCount = { correct: number; total: number; accuracy: number };
export type SplitAccuracy = { train: AccuracyCount; test: AccuracyCount };

/** The JSON form of models/iris-mlp.json (weights as JSON numbers: all are well inside 2^53). */
export type IrisModelFile = {
  name: string;
  arch: typeof MLP_ARCH;
  inputScale: number;
  inputQuantization: string;
  features: string[];
  classes: string[];
  weights: { w1: number[][]; b1: number[]; w2: number[][]; b2: number[] };
  training: {
    dataset: string;
    splitSeed: number;
    initSeed: number;
    trainSize: number;
    testSize: number;
    testIndices: number[];
    optimizer: string;
    learningRate: number;
    epochs: number;
    weightDecay: number;
  };
  accuracy: { float: SplitAccuracy; quantized: SplitAccuracy };
  artifact: { file: string; keccak256: Hex };
};

export type IrisModel = {
  weights: MlpWeights;
  inputScale: number;
  features: string[];
  classes: string[];
  /** The whole parsed file, for the training record, accuracies and artifact hash. */
  metadata: IrisModelFile;
};

/** Converts the JSON form of the weights to the bigint form {@link mlpForward} takes, checking the ranges. */
export function weightsFromJson(w: IrisModelFile["weights"]): MlpWeights {
  const big = (v: number) => {
    if (!Number.isSafeInteger(v)) throw new VerityError(`Model weight ${v} is not an integer.`);
    return BigInt(v);
  };
  const weights: MlpWeights = {
    w1: w.w1.map((row) => row.map(big)),
    b1: w.b1.map(big),
    w2: w.w2.map((row) => row.map(big)),
    b2: w.b2.map(big),
  };
  validateMlpWeights(weights);
  return weights;
}

/** The inverse of {@link weightsFromJson}. */
export function weightsToJson(w: MlpWeights): IrisModelFile["weights"] {
  return {
    w1: w.w1.map((row) => row.map(Number)),
    b1: w.b1.map(Number),
    w2: w.w2.map((row) => row.map(Number)),
    b2: w.b2.map(Number),
  };
}

/** Reads models/iris-mlp.json (or another file of the same form) into bigint weights plus metadata. */
export function loadIrisModel(path: string = IRIS_MODEL_JSON_PATH): IrisModel {
  const metadata = JSON.parse(readFileSync(path, "utf8")) as IrisModelFile;
  if (metadata.arch !== MLP_ARCH)
    throw new VerityError(`Model file ${path} has arch "${metadata.arch}", expected "${MLP_ARCH}".`);
  return {
    weights: weightsFromJson(metadata.weights),
    inputScale: metadata.inputScale,
    features: metadata.features,
    classes: metadata.classes,
    metadata,
  };
}

/** Reads the committed ONNX file (the bytes whose keccak256 is the on-chain artifact hash). */
export function loadIrisOnnx(path: string = IRIS_MODEL_ONNX_PATH): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** Rounds half away from zero, the rule recorded in the model file's `inputQuantization`. */
function roundHalfAway(v: number): number {
  return Math.sign(v) * Math.round(Math.abs(v));
}

/**
 * Quantizes measurements in cm to the model's canonical input tensor:
 * `x_q = clamp(round(x_cm * inputScale), -128, 127)`, int8, shape [1, 4].
 *
 * @example
 * quantizeFeatures([5.1, 3.5, 1.4, 0.2], 16) // int8 [1,4]: 82, 56, 22, 3
 */
export function quantizeFeatures(cm: readonly number[], inputScale: number): Tensor {
  if (cm.length !== MLP_INPUTS) throw new VerityError(`Expected ${MLP_INPUTS} features, got ${cm.length}.`);
  if (!(inputScale > 0) || !Number.isFinite(inputScale))
    throw new VerityError(`Input scale ${inputScale} is not a positive number.`);
  const values = cm.map((v, i) => {
    if (!Number.isFinite(v)) throw new VerityError(`Feature ${i} (${v}) is not a finite number.`);
    return Math.min(127, Math.max(-128, roundHalfAway(v * inputScale)));
  });
  return tensor("int8", [1, MLP_INPUTS], values);
}

/** The predicted class of a model output (int32 logits, shape [1, 3]); the first maximum wins, as in the circuit. */
export function predictClass(output: Tensor): { index: number; label: IrisClass } {
  validateTensor(output);
  if (output.dtype !== "int32" || output.shape.length !== 2 || output.shape[0] !== 1 || output.shape[1] !== MLP_OUTPUTS)
    throw new VerityError(
      `Expected int32 logits of shape [1,${MLP_OUTPUTS}], got ${output.dtype} [${output.shape.join(",")}].`,
    );
  const index = argmax(output.values as Int32Array);
  return { index, label: IRIS_CLASSES[index]! };
}
