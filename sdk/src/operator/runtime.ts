import ort from "onnxruntime-node";
import { type Tensor, tensor, validateTensor } from "../encoding/tensor.js";
import { VerityError } from "../errors/index.js";
import { MLP_INPUTS, MLP_OUTPUTS } from "../model/mlp.js";
import { MLP_ONNX_INPUT, MLP_ONNX_OUTPUT } from "../model/onnx.js";

/**
 * ONNX Runtime for the operator node (Node only: this module loads the native onnxruntime-node binding, so it
 * belongs to the `verity-inference-node` package, never to the light `verity-inference` one).
 */
export type ModelSession = ort.InferenceSession;

/** A tensor handed to a model is valid but not what the model takes (dtype or shape). */
export class ModelInputError extends VerityError {
  override name = "ModelInputError";
  constructor(reason: string, expected: string) {
    super(`Model input rejected: ${reason}.`, { details: `The model takes ${expected}.` });
  }
}
export type ModelInputErrorType = ModelInputError & { name: "ModelInputError" };

/** A model file that ONNX Runtime cannot load, whose graph is not the expected one, or whose output is malformed. */
export class ModelRuntimeError extends VerityError {
  override name = "ModelRuntimeError";
  constructor(reason: string) {
    super(`Model execution failed: ${reason}.`);
  }
}
export type ModelRuntimeErrorType = ModelRuntimeError & { name: "ModelRuntimeError" };

/**
 * Loads ONNX model bytes into a CPU inference session. Throws {@link ModelRuntimeError} when ONNX Runtime cannot
 * load them or the graph lacks the "x" input / "y" output.
 */
export async function loadModel(bytes: Uint8Array): Promise<ModelSession> {
  let session: ModelSession;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ["cpu"], logSeverityLevel: 3 });
  } catch (e) {
    throw new ModelRuntimeError(`ONNX Runtime could not load the model (${(e as Error).message})`);
  }
  if (!session.inputNames.includes(MLP_ONNX_INPUT) || !session.outputNames.includes(MLP_ONNX_OUTPUT)) {
    throw new ModelRuntimeError(
      `the graph has inputs [${session.inputNames.join(", ")}] and outputs [${session.outputNames.join(", ")}], ` +
        `expected input "${MLP_ONNX_INPUT}" and output "${MLP_ONNX_OUTPUT}"`,
    );
  }
  return session;
}

const EXPECTED_INPUT = `an int8 tensor of shape [1,${MLP_INPUTS}]`;

/**
 * Runs an "mlp-4-8-3-int8" session on a canonical input tensor (int8, shape [1, 4]) and returns the canonical
 * output tensor (int32, shape [1, 3], the class logits). ORT sees int32 on both sides; the int8 values are
 * widened exactly.
 *
 * @example
 * const session = await loadModel(readFileSync("models/iris-mlp.onnx"));
 * const y = await runMlp(session, tensor("int8", [1, 4], [82, 56, 22, 3]));
 * // y = { dtype: "int32", shape: [1, 3], values: [...] }
 */
export async function runMlp(session: ModelSession, input: Tensor): Promise<Tensor> {
  validateTensor(input);
  if (input.dtype !== "int8") throw new ModelInputError(`dtype is ${input.dtype}`, EXPECTED_INPUT);
  if (input.shape.length !== 2 || input.shape[0] !== 1 || input.shape[1] !== MLP_INPUTS)
    throw new ModelInputError(`shape is [${input.shape.join(",")}]`, EXPECTED_INPUT);

  const x = new ort.Tensor("int32", Int32Array.from(input.values, Number), [1, MLP_INPUTS]);
  const results = await session.run({ [MLP_ONNX_INPUT]: x });
  const y = results[MLP_ONNX_OUTPUT];
  if (!y) throw new ModelRuntimeError(`the session returned no "${MLP_ONNX_OUTPUT}" output`);
  if (y.type !== "int32" || y.dims.length !== 2 || y.dims[0] !== 1 || y.dims[1] !== MLP_OUTPUTS)
    throw new ModelRuntimeError(`output is ${y.type} [${y.dims.join(",")}], expected int32 [1,${MLP_OUTPUTS}]`);
  const data = y.data as Int32Array;
  return tensor("int32", [1, MLP_OUTPUTS], Int32Array.from(data));
}
