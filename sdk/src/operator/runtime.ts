import * as ort from "onnxruntime-node";
import { type Hex, hexToBytes } from "viem";
import {
  DTYPES,
  type DType,
  TENSOR_SET_FORMAT,
  type Tensor,
  decodeTensor,
  decodeTensorSet,
  encodeTensor,
  encodeTensorSet,
  tensor,
  validateTensor,
} from "../encoding/tensor.js";
import { VerityError } from "../errors/index.js";
import { type IoSignature, type IoTensorSpec, type OutputCanonicalization, ModelInputError, checkInputs, ioSignature } from "../encoding/ioSignature.js";
import { MLP_INPUTS, MLP_OUTPUTS } from "../model/mlp.js";
import { MLP_ONNX_INPUT, MLP_ONNX_OUTPUT } from "../model/onnx.js";

/**
 * ONNX Runtime for the operator node (Node only: this module loads the native onnxruntime-node binding, so it
 * belongs to the `verity-inference-node` package, never to the light `verity-inference` one).
 *
 * Any ONNX graph runs here: named inputs and outputs of every dtype Verity encodes (the encoding's typed arrays are
 * onnxruntime-node's own), checked against the graph's declared signature before ONNX Runtime sees them (names,
 * dtypes, ranks, fixed dimensions, and one size per symbolic dimension such as `batch`).
 */
export type ModelSession = ort.InferenceSession;

/** One input or output of a graph: its name, dtype and shape, a string for a symbolic dimension (`batch`). */
export type TensorSpec = { name: string; dtype: DType; shape: readonly (number | string)[] };

/** How ONNX Runtime runs a model. Defaults: CPU, ONNX Runtime's own thread counts, all graph optimizations. */
export type RuntimeOptions = {
  /** Threads within one operator (1..256). */
  intraOpNumThreads?: number | undefined;
  /** Threads across operators (1..256). */
  interOpNumThreads?: number | undefined;
  graphOptimizationLevel?: "disabled" | "basic" | "extended" | "all" | undefined;
  /** Execution providers in order of preference, e.g. ["cuda", "cpu"] where the CUDA provider is installed. */
  executionProviders?: readonly string[] | undefined;
};

/** A loaded model: its session and the signature its graph declares. */
export type OnnxModel = {
  session: ModelSession;
  inputs: readonly TensorSpec[];
  outputs: readonly TensorSpec[];
  release(): Promise<void>;
};
export { ModelInputError, type ModelInputErrorType } from "../encoding/ioSignature.js";

/** A model file that ONNX Runtime cannot load, whose graph is not the expected one, or whose output is malformed. */
export class ModelRuntimeError extends VerityError {
  override name = "ModelRuntimeError";
  constructor(reason: string) {
    super(`Model execution failed: ${reason}.`);
  }
}
export type ModelRuntimeErrorType = ModelRuntimeError & { name: "ModelRuntimeError" };

const ORT_TYPES = new Set<string>(DTYPES.filter((d) => d !== "bfloat16"));

function checkRuntimeOptions(o: RuntimeOptions): void {
  const threads = (v: unknown, name: string) => {
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 256)) {
      throw new ModelRuntimeError(`${name} is ${String(v)}: give an integer from 1 to 256`);
    }
  };
  threads(o.intraOpNumThreads, "intraOpNumThreads");
  threads(o.interOpNumThreads, "interOpNumThreads");
  if (o.graphOptimizationLevel !== undefined && !["disabled", "basic", "extended", "all"].includes(o.graphOptimizationLevel)) {
    throw new ModelRuntimeError(`graphOptimizationLevel is ${String(o.graphOptimizationLevel)}: disabled, basic, extended or all`);
  }
  if (o.executionProviders !== undefined && (!Array.isArray(o.executionProviders) || o.executionProviders.length === 0 || o.executionProviders.some((p) => typeof p !== "string"))) {
    throw new ModelRuntimeError("executionProviders must be a non-empty list of provider names, e.g. [\"cpu\"]");
  }
}

function specsOf(metadata: readonly ort.InferenceSession.ValueMetadata[], role: "input" | "output"): TensorSpec[] {
  return metadata.map((m) => {
    if (!m.isTensor) throw new ModelRuntimeError(`the graph's ${role} "${m.name}" is not a tensor (a sequence or map): Verity serves tensors`);
    if (!ORT_TYPES.has(m.type)) {
      const why = (m.type as string) === "bfloat16" ? "which ONNX Runtime's JavaScript API cannot hold" : "which Verity does not encode";
      throw new ModelRuntimeError(`the graph's ${role} "${m.name}" is a ${m.type} tensor, ${why}`);
    }
    return { name: m.name, dtype: m.type as DType, shape: [...m.shape] };
  });
}

/**
 * Loads ONNX model bytes into an inference session (CPU unless `options.executionProviders` says otherwise) and
 * reads the signature its graph declares. Throws {@link ModelRuntimeError} when ONNX Runtime cannot load them, or
 * when an input or output is not a tensor Verity can encode.
 */
export async function loadModel(bytes: Uint8Array, options: RuntimeOptions = {}): Promise<OnnxModel> {
  checkRuntimeOptions(options);
  let session: ModelSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: [...(options.executionProviders ?? ["cpu"])] as ort.InferenceSession.ExecutionProviderConfig[],
      logSeverityLevel: 3,
      ...(options.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: options.intraOpNumThreads }),
      ...(options.interOpNumThreads === undefined ? {} : { interOpNumThreads: options.interOpNumThreads }),
      ...(options.graphOptimizationLevel === undefined ? {} : { graphOptimizationLevel: options.graphOptimizationLevel }),
    });
  } catch (e) {
    throw new ModelRuntimeError(`ONNX Runtime could not load the model (${(e as Error).message})`);
  }
  try {
    const inputs = specsOf(session.inputMetadata, "input");
    const outputs = specsOf(session.outputMetadata, "output");
    return { session, inputs, outputs, release: () => session.release() };
  } catch (e) {
    await session.release();
    throw e;
  }
}

const describeSpec = (s: TensorSpec) => `${s.dtype} [${s.shape.join(",")}]`;

/**
 * Checks named input tensors against a graph's input signature and returns the sizes its symbolic dimensions take.
 * Throws {@link ModelInputError} naming the tensor: a missing or unknown input, another dtype or rank, a fixed
 * dimension of another size, or a symbolic dimension (say `batch`) given two sizes.
 */
export function checkModelInputs(specs: readonly TensorSpec[], inputs: Readonly<Record<string, Tensor>>): Map<string, number> {
  return checkInputs(specs.map(ioSpec), inputs);
}

/** A graph's tensor spec as an IO signature's: a free dimension (a negative size or "") is null. */
const ioSpec = (s: TensorSpec): IoTensorSpec => ({
  name: s.name,
  dtype: s.dtype,
  shape: s.shape.map((d) => (typeof d === "number" ? (d >= 0 ? d : null) : d === "" ? null : d)),
});

/**
 * The IO signature a graph declares (what `verity model publish` commits to): its inputs and outputs, the output
 * canonicalization (default: exact for integer and bool outputs, else the default grid) and class labels.
 */
export function signatureOfModel(
  model: Pick<OnnxModel, "inputs" | "outputs">,
  options: { canonicalization?: OutputCanonicalization | undefined; labels?: Record<string, readonly string[]> | undefined } = {},
): IoSignature {
  return ioSignature({
    inputs: model.inputs.map(ioSpec),
    outputs: model.outputs.map(ioSpec),
    ...(options.canonicalization === undefined ? {} : { canonicalization: options.canonicalization }),
    ...(options.labels === undefined ? {} : { labels: options.labels }),
  });
}

/**
 * Checks that a version's IO signature describes the loaded graph: the same input and output names, dtypes and
 * ranks, and every dimension the graph fixes fixed to the same size (the signature may fix a dimension the graph
 * leaves symbolic, e.g. `batch` = 1). Throws {@link ModelRuntimeError} naming the first difference: such a version
 * cannot be served.
 */
export function checkModelSignature(model: Pick<OnnxModel, "inputs" | "outputs">, signature: IoSignature): void {
  const compare = (role: "input" | "output", graph: readonly TensorSpec[], declared: readonly IoTensorSpec[]) => {
    const names = (l: readonly { name: string }[]) => l.map((s) => s.name).sort().join(", ");
    if (names(graph) !== names(declared)) {
      throw new ModelRuntimeError(`the graph's ${role}s are [${names(graph)}], the version's IO signature declares [${names(declared)}]`);
    }
    for (const g of graph) {
      const d = declared.find((s) => s.name === g.name)!;
      const fixedDiffers = g.shape.some((dim, i) => typeof dim === "number" && dim >= 0 && d.shape[i] !== dim);
      if (g.dtype !== d.dtype || g.shape.length !== d.shape.length || fixedDiffers) {
        const show = (shape: readonly unknown[]) => shape.map((x) => (x === null ? "?" : String(x))).join(",");
        throw new ModelRuntimeError(
          `the graph's ${role} "${g.name}" is ${g.dtype} [${show(g.shape)}], the version's IO signature declares ${d.dtype} [${show(d.shape)}]`,
        );
      }
    }
  };
  compare("input", model.inputs, signature.inputs);
  compare("output", model.outputs, signature.outputs);
}

/**
 * Runs a model on named input tensors and returns its named outputs as canonical tensors. The inputs are checked
 * first ({@link checkModelInputs}); an output that is not what the graph declares (dtype, rank, fixed dimensions)
 * throws {@link ModelRuntimeError}.
 *
 * @example
 * ```ts
 * const vad = await loadModel(readFileSync("silero_vad.onnx"));
 * const out = await runModel(vad, { input: tensor.float32([1, 512], frame), sr: tensor.int64([], [16000n]), h, c });
 * ```
 */
export async function runModel(model: OnnxModel, inputs: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
  checkModelInputs(model.inputs, inputs);
  const feeds: Record<string, ort.Tensor> = {};
  for (const spec of model.inputs) {
    const t = inputs[spec.name]!;
    feeds[spec.name] = new ort.Tensor(t.dtype as never, t.values as never, [...t.shape]);
  }
  let results: ort.InferenceSession.ReturnType;
  try {
    results = await model.session.run(feeds);
  } catch (e) {
    throw new ModelRuntimeError(`ONNX Runtime failed on the inputs (${(e as Error).message})`);
  }
  const out: Record<string, Tensor> = {};
  for (const spec of model.outputs) {
    const y = results[spec.name];
    if (!y) throw new ModelRuntimeError(`the session returned no "${spec.name}" output`);
    const fixed = spec.shape.every((d, i) => typeof d !== "number" || d < 0 || d === y.dims[i]);
    if (y.type !== spec.dtype || y.dims.length !== spec.shape.length || !fixed) {
      throw new ModelRuntimeError(`output "${spec.name}" is ${y.type} [${y.dims.join(",")}], the graph declares ${describeSpec(spec)}`);
    }
    out[spec.name] = tensor(spec.dtype, [...y.dims], y.data as never);
  }
  return out;
}

/**
 * A job's input bytes as the model's named inputs: a set of named tensors (`0x12...`, see encodeTensorSet) for any
 * model, or a single tensor for a model with one input. Throws {@link ModelInputError} otherwise.
 */
export function jobInputs(model: OnnxModel, bytes: Hex | Uint8Array): Record<string, Tensor> {
  const raw = typeof bytes === "string" ? hexToBytes(bytes) : bytes;
  if (raw[0] === TENSOR_SET_FORMAT) return decodeTensorSet(raw);
  if (model.inputs.length !== 1) {
    throw new ModelInputError(
      "the job's input is one tensor",
      `${model.inputs.length} named inputs (${model.inputs.map((s) => `"${s.name}"`).join(", ")}) as a set of named tensors (encodeTensorSet)`,
    );
  }
  return { [model.inputs[0]!.name]: decodeTensor(raw) };
}

/** A model's outputs as a job's output bytes: the single tensor of a one-output model, else the set of named tensors. */
export function jobOutputBytes(outputs: Readonly<Record<string, Tensor>>): Hex {
  const names = Object.keys(outputs);
  return names.length === 1 ? encodeTensor(outputs[names[0]!]!) : encodeTensorSet(outputs);
}

const EXPECTED_INPUT = `an int8 tensor of shape [1,${MLP_INPUTS}]`;

/**
 * Runs an "mlp-4-8-3-int8" model (the reference Iris model) on a canonical input tensor (int8, shape [1, 4]) and
 * returns the canonical output tensor (int32, shape [1, 3], the class logits).
 *
 * @example
 * const model = await loadModel(readFileSync("models/iris-mlp.onnx"));
 * const y = await runMlp(model, tensor("int8", [1, 4], [82, 56, 22, 3]));
 * // y = { dtype: "int32", shape: [1, 3], values: Int32Array [...] }
 */
export async function runMlp(model: OnnxModel, input: Tensor): Promise<Tensor> {
  validateTensor(input);
  if (input.dtype !== "int8") throw new ModelInputError(`dtype is ${input.dtype}`, EXPECTED_INPUT);
  if (input.shape.length !== 2 || input.shape[0] !== 1 || input.shape[1] !== MLP_INPUTS)
    throw new ModelInputError(`shape is [${input.shape.join(",")}]`, EXPECTED_INPUT);
  if (model.inputs.length !== 1 || model.inputs[0]!.name !== MLP_ONNX_INPUT || model.outputs.length !== 1 || model.outputs[0]!.name !== MLP_ONNX_OUTPUT) {
    throw new ModelRuntimeError(
      `the graph has inputs [${model.inputs.map((s) => s.name).join(", ")}] and outputs [${model.outputs.map((s) => s.name).join(", ")}], ` +
        `expected input "${MLP_ONNX_INPUT}" and output "${MLP_ONNX_OUTPUT}"`,
    );
  }
  const { [MLP_ONNX_OUTPUT]: y } = await runModel(model, { [MLP_ONNX_INPUT]: input });
  if (y!.dtype !== "int32" || y!.shape.length !== 2 || y!.shape[0] !== 1 || y!.shape[1] !== MLP_OUTPUTS) {
    throw new ModelRuntimeError(`output is ${y!.dtype} [${y!.shape.join(",")}], expected int32 [1,${MLP_OUTPUTS}]`);
  }
  return y!;
}
