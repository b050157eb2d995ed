// A namespace import: a default import of this CommonJS package is undefined when mocha require()s the TypeScript.
import * as ort from "onnxruntime-node";
import { type Tensor, tensor, validateTensor } from "../encoding/tensor.js";
import { VerityError } from "../errors/index.js";
import type { AccuracyCount } from "./iris.js";
import { MNIST_CLASSES, MNIST_ONNX_INPUT, MNIST_ONNX_OUTPUT, MNIST_PIXELS, type MnistData, argmax10 } from "./mnist.js";

/**
 * Running the MNIST models in ONNX Runtime (Node only: loads the native onnxruntime-node binding). The float model
 * takes float32 [batch, 784], the int8 model uint8 [batch, 784]; both return `logits` [batch, 10].
 */
export type MnistSession = ort.InferenceSession;

/**
 * Loads ONNX bytes of an MNIST model into a CPU session; throws {@link VerityError} if ONNX Runtime refuses them
 * or the graph lacks the `image` input or the `logits` output.
 *
 * @example
 * const session = await loadMnistSession(loadMnistModel().int8Onnx);
 */
export async function loadMnistSession(bytes: Uint8Array): Promise<MnistSession> {
  let session: MnistSession;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ["cpu"], logSeverityLevel: 3 });
  } catch (e) {
    throw new VerityError("ONNX Runtime could not load the MNIST model.", { details: (e as Error).message });
  }
  if (!session.inputNames.includes(MNIST_ONNX_INPUT) || !session.outputNames.includes(MNIST_ONNX_OUTPUT)) {
    await session.release();
    throw new VerityError(`The model does not take "${MNIST_ONNX_INPUT}" and return "${MNIST_ONNX_OUTPUT}".`);
  }
  return session;
}

/**
 * Runs a session on a batch of images: a float32 tensor [batch, 784] for the float model or a uint8 one for the
 * int8 model. Returns the logits, float32 or int32 [batch, 10]. Throws {@link VerityError} for any other input or
 * an unexpected output.
 *
 * @example
 * const y = await runMnist(session, quantizeMnistPixels(pixels)); // int32 [1, 10]
 */
export async function runMnist(session: MnistSession, input: Tensor): Promise<Tensor<"float32" | "int32">> {
  validateTensor(input);
  if ((input.dtype !== "float32" && input.dtype !== "uint8") || input.shape.length !== 2 || input.shape[1] !== MNIST_PIXELS)
    throw new VerityError(
      `Expected a float32 or uint8 image tensor of shape [batch,${MNIST_PIXELS}], got ${input.dtype} [${input.shape.join(",")}].`,
    );
  const batch = input.shape[0]!;
  const x = new ort.Tensor(input.dtype, input.values as Float32Array | Uint8Array, [batch, MNIST_PIXELS]);
  let results: ort.InferenceSession.ReturnType;
  try {
    results = await session.run({ [MNIST_ONNX_INPUT]: x });
  } catch (e) {
    throw new VerityError("ONNX Runtime failed to run the MNIST model.", { details: (e as Error).message });
  }
  const y = results[MNIST_ONNX_OUTPUT];
  if (!y || (y.type !== "float32" && y.type !== "int32") || y.dims.length !== 2 || y.dims[0] !== batch || y.dims[1] !== MNIST_CLASSES)
    throw new VerityError(`The model returned ${y ? `${y.type} [${y.dims.join(",")}]` : "no logits"}, expected [${batch},${MNIST_CLASSES}].`);
  return y.type === "float32"
    ? tensor("float32", [batch, MNIST_CLASSES], Float32Array.from(y.data as Float32Array))
    : tensor("int32", [batch, MNIST_CLASSES], Int32Array.from(y.data as Int32Array));
}

/**
 * The images of the given samples as one batch: float32 (byte / 255) for the float model, the bytes for the int8.
 */
export function mnistBatch(data: MnistData, idx: readonly number[], dtype: "float32" | "uint8"): Tensor<"float32" | "uint8"> {
  const values = dtype === "float32" ? new Float32Array(idx.length * MNIST_PIXELS) : new Uint8Array(idx.length * MNIST_PIXELS);
  idx.forEach((s, r) => {
    if (!Number.isInteger(s) || s < 0 || s >= data.count) throw new VerityError(`Sample index ${s} is outside 0..${data.count - 1}.`);
    const image = data.images.subarray(s * MNIST_PIXELS, (s + 1) * MNIST_PIXELS);
    if (dtype === "uint8") values.set(image, r * MNIST_PIXELS);
    else for (let i = 0; i < MNIST_PIXELS; i++) values[r * MNIST_PIXELS + i] = image[i]! / 255;
  });
  return tensor(dtype, [idx.length, MNIST_PIXELS], values);
}

/**
 * Runs a model over the given samples in ONNX Runtime (batches of `batchSize`) and returns all logits, row by row
 * ([samples, 10], float32 or int32 by the model).
 */
export async function runMnistSamples(
  session: MnistSession,
  data: MnistData,
  idx: readonly number[],
  dtype: "float32" | "uint8",
  batchSize = 500,
): Promise<Float32Array | Int32Array> {
  const parts: (Float32Array | Int32Array)[] = [];
  for (let start = 0; start < idx.length; start += batchSize)
    parts.push((await runMnist(session, mnistBatch(data, idx.slice(start, start + batchSize), dtype))).values);
  const out = dtype === "float32" ? new Float32Array(idx.length * MNIST_CLASSES) : new Int32Array(idx.length * MNIST_CLASSES);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** The accuracy of a model in ONNX Runtime on the given samples (the first maximum of the logits is the class). */
export async function mnistOnnxAccuracy(
  session: MnistSession,
  data: MnistData,
  idx: readonly number[],
  dtype: "float32" | "uint8",
): Promise<AccuracyCount> {
  const logits = await runMnistSamples(session, data, idx, dtype);
  let correct = 0;
  idx.forEach((s, r) => {
    if (argmax10(logits, r * MNIST_CLASSES) === data.labels[s]) correct++;
  });
  return { correct, total: idx.length, accuracy: correct / idx.length };
}
