import onnxProto from "onnx-proto";
import { MLP_ARCH, MLP_HIDDEN, MLP_INPUTS, MLP_OUTPUTS, MLP_SHIFT, type MlpWeights, validateMlpWeights } from "./mlp.js";

const { onnx } = onnxProto;

/** ONNX opset and IR version of the files {@link buildMlpOnnx} writes (both load in onnxruntime-node 1.30). */
export const MLP_ONNX_OPSET = 15;
export const MLP_ONNX_IR_VERSION = 8;
/** Name of the graph input (int8 [1, MLP_INPUTS], the job's input tensor as it is) and output (int32 [1, MLP_OUTPUTS]). */
export const MLP_ONNX_INPUT = "x";
export const MLP_ONNX_OUTPUT = "y";

const INT32 = onnx.TensorProto.DataType.INT32;

function int32Initializer(name: string, dims: number[], values: readonly bigint[]): InstanceType<typeof onnx.TensorProto> {
  // raw_data is little-endian by the ONNX spec; DataView makes that explicit whatever the host's byte order.
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setInt32(i * 4, Number(v), true));
  return onnx.TensorProto.create({ name, dims, dataType: INT32, rawData: raw });
}

function valueInfo(name: string, elemType: number, dims: number[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((dimValue) => ({ dimValue })) } } },
  });
}

function node(opType: string, inputs: string[], output: string) {
  return onnx.NodeProto.create({ name: `${opType}_${output}`, opType, input: inputs, output: [output], domain: "" });
}

/**
 * Builds the ONNX file of an {@link MLP_ARCH} model: the int8 input cast to int32, then int32 MatMul, Add, Relu, Div
 * by 2^MLP_SHIFT, MatMul, Add.
 * ONNX Runtime's integer Div truncates toward zero; it follows Relu, so it equals the reference's floor.
 * The bytes depend only on the weights (no timestamps, no tool versions), so keccak256 of them is a stable
 * artifact hash.
 */
/** The Iris classes in logit order (models/iris-mlp.json's `classes`), stored in the file's `verity.labels`. */
export const MLP_CLASS_LABELS = ["setosa", "versicolor", "virginica"] as const;

export function buildMlpOnnx(weights: MlpWeights): Uint8Array {
  validateMlpWeights(weights);
  const graph = onnx.GraphProto.create({
    name: MLP_ARCH,
    node: [
      // The input is the job's int8 tensor itself; the arithmetic is int32 (exact: no product or sum overflows).
      onnx.NodeProto.create({
        name: "Cast_x32",
        opType: "Cast",
        input: [MLP_ONNX_INPUT],
        output: ["x32"],
        domain: "",
        attribute: [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: INT32 }],
      }),
      node("MatMul", ["x32", "W1"], "xw1"),
      node("Add", ["xw1", "b1"], "a"),
      node("Relu", ["a"], "a_relu"),
      node("Div", ["a_relu", "shift"], "h"),
      node("MatMul", ["h", "W2"], "hw2"),
      node("Add", ["hw2", "b2"], MLP_ONNX_OUTPUT),
    ],
    initializer: [
      int32Initializer("W1", [MLP_INPUTS, MLP_HIDDEN], weights.w1.flat()),
      int32Initializer("b1", [MLP_HIDDEN], weights.b1),
      int32Initializer("W2", [MLP_HIDDEN, MLP_OUTPUTS], weights.w2.flat()),
      int32Initializer("b2", [MLP_OUTPUTS], weights.b2),
      int32Initializer("shift", [], [1n << BigInt(MLP_SHIFT)]),
    ],
    input: [valueInfo(MLP_ONNX_INPUT, onnx.TensorProto.DataType.INT8, [1, MLP_INPUTS])],
    output: [valueInfo(MLP_ONNX_OUTPUT, INT32, [1, MLP_OUTPUTS])],
  });
  const model = onnx.ModelProto.create({
    irVersion: MLP_ONNX_IR_VERSION,
    opsetImport: [{ domain: "", version: MLP_ONNX_OPSET }],
    producerName: "verity",
    // Class labels, comma-separated, for `verity model publish` to put in the version's IO signature.
    metadataProps: [{ key: "verity.labels", value: MLP_CLASS_LABELS.join(",") }],
    docString: `${MLP_ARCH}: y = floor(relu(x·W1 + b1) / 2^${MLP_SHIFT})·W2 + b2, x int8, all arithmetic int32`,
    graph,
  });
  // protobufjs hands back a Buffer in Node; copy to a plain Uint8Array so callers see one type everywhere.
  return new Uint8Array(onnx.ModelProto.encode(model).finish());
}
