import onnxProto from "onnx-proto";
import { VerityError } from "../errors/index.js";
import {
  MNIST_BATCH_DIM,
  MNIST_CLASSES,
  MNIST_LABELS,
  MNIST_LABELS_METADATA_KEY,
  MNIST_ONNX_INPUT,
  MNIST_ONNX_OUTPUT,
  MNIST_PIXELS,
  type MnistIntWeights,
  mnistArch,
  validateMnistIntWeights,
} from "./mnist.js";

const { onnx } = onnxProto;

/**
 * ONNX files of the MNIST classifiers, built by hand with onnx-proto as ./onnx.ts builds the Iris model's. The
 * bytes depend only on the weights (no timestamps, no tool versions), so their keccak256 is a stable artifact hash.
 */
export const MNIST_ONNX_OPSET = 15;
export const MNIST_ONNX_IR_VERSION = 8;

/** Float MLP weights (row-major): logits = relu(x·w1 + b1)·w2 + b2. Stored as float32 in the ONNX file. */
export type MnistFloatWeights = {
  hidden: number;
  /** [784][H] */
  w1: Float32Array;
  /** [H] */
  b1: Float32Array;
  /** [H][10] */
  w2: Float32Array;
  /** [10] */
  b2: Float32Array;
};

type DataType = number;
const { FLOAT, INT8, INT32, UINT8 } = onnx.TensorProto.DataType;

function initializer(name: string, dims: number[], dataType: DataType, values: Float32Array | Int32Array | Int8Array) {
  // raw_data is little-endian by the ONNX spec; DataView writes it so whatever the host's byte order.
  const width = values.BYTES_PER_ELEMENT;
  const raw = new Uint8Array(values.length * width);
  const view = new DataView(raw.buffer);
  values.forEach((v: number, i: number) => {
    if (values instanceof Float32Array) view.setFloat32(i * 4, v, true);
    else if (values instanceof Int32Array) view.setInt32(i * 4, v, true);
    else view.setInt8(i, v);
  });
  return onnx.TensorProto.create({ name, dims, dataType, rawData: raw });
}

/** A [batch, n] tensor type whose first dimension is the symbolic `batch`. */
function batchedValueInfo(name: string, elemType: DataType, n: number) {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: [{ dimParam: MNIST_BATCH_DIM }, { dimValue: n }] } } },
  });
}

function node(opType: string, inputs: string[], output: string, to?: DataType) {
  return onnx.NodeProto.create({
    name: `${opType}_${output}`,
    opType,
    input: inputs,
    output: [output],
    domain: "",
    attribute: to === undefined ? [] : [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: to }],
  });
}

function model(graph: InstanceType<typeof onnx.GraphProto>, docString: string): Uint8Array {
  const m = onnx.ModelProto.create({
    irVersion: MNIST_ONNX_IR_VERSION,
    opsetImport: [{ domain: "", version: MNIST_ONNX_OPSET }],
    producerName: "verity",
    docString,
    graph,
    metadataProps: [{ key: MNIST_LABELS_METADATA_KEY, value: MNIST_LABELS.join(",") }],
  });
  // protobufjs hands back a Buffer in Node; copy to a plain Uint8Array so callers see one type everywhere.
  return new Uint8Array(onnx.ModelProto.encode(m).finish());
}

/**
 * Builds the float32 model: `image` float32 [batch, 784] (pixels 0..1) to `logits` float32 [batch, 10] by MatMul,
 * Add, Relu, MatMul, Add; the labels "0".."9" are in metadata_props under `verity.labels`.
 *
 * @example
 * const bytes = buildMnistFloatOnnx(weights); // ort.InferenceSession.create(bytes)
 */
export function buildMnistFloatOnnx(w: MnistFloatWeights): Uint8Array {
  const H = w.hidden;
  const arch = mnistArch(H, "f32");
  const sizes: [string, Float32Array, number][] = [
    ["w1", w.w1, MNIST_PIXELS * H],
    ["b1", w.b1, H],
    ["w2", w.w2, H * MNIST_CLASSES],
    ["b2", w.b2, MNIST_CLASSES],
  ];
  for (const [name, a, n] of sizes) {
    if (!(a instanceof Float32Array) || a.length !== n) throw new VerityError(`${name} must be a Float32Array of ${n} values.`);
    if (!a.every(Number.isFinite)) throw new VerityError(`${name} holds a value that is not finite.`);
  }
  const graph = onnx.GraphProto.create({
    name: arch,
    node: [
      node("MatMul", [MNIST_ONNX_INPUT, "W1"], "xw1"),
      node("Add", ["xw1", "b1"], "a"),
      node("Relu", ["a"], "h"),
      node("MatMul", ["h", "W2"], "hw2"),
      node("Add", ["hw2", "b2"], MNIST_ONNX_OUTPUT),
    ],
    initializer: [
      initializer("W1", [MNIST_PIXELS, H], FLOAT, w.w1),
      initializer("b1", [H], FLOAT, w.b1),
      initializer("W2", [H, MNIST_CLASSES], FLOAT, w.w2),
      initializer("b2", [MNIST_CLASSES], FLOAT, w.b2),
    ],
    input: [batchedValueInfo(MNIST_ONNX_INPUT, FLOAT, MNIST_PIXELS)],
    output: [batchedValueInfo(MNIST_ONNX_OUTPUT, FLOAT, MNIST_CLASSES)],
  });
  return model(graph, `${arch}: logits = relu(image·W1 + b1)·W2 + b2, float32; image = pixel / 255`);
}

/**
 * Builds the int8 model: `image` uint8 [batch, 784] (pixel bytes) to `logits` int32 [batch, 10]. The image and the
 * int8 weights are cast to int32, then int32 MatMul, Add, Relu, Div by 2^shift, MatMul, Add. ONNX Runtime's
 * integer Div truncates toward zero; it follows Relu, so it equals the reference's floor. Throws
 * {@link VerityError} for weights that {@link validateMnistIntWeights} refuses.
 *
 * @example
 * const bytes = buildMnistInt8Onnx(weights); // agrees with mnistIntForward(weights, image) on every image
 */
export function buildMnistInt8Onnx(w: MnistIntWeights): Uint8Array {
  validateMnistIntWeights(w);
  const H = w.hidden;
  const arch = mnistArch(H, "int8");
  const graph = onnx.GraphProto.create({
    name: arch,
    node: [
      node("Cast", ["W1"], "W1_i32", INT32),
      node("Cast", ["W2"], "W2_i32", INT32),
      node("Cast", [MNIST_ONNX_INPUT], "x", INT32),
      node("MatMul", ["x", "W1_i32"], "xw1"),
      node("Add", ["xw1", "b1"], "a"),
      node("Relu", ["a"], "a_relu"),
      node("Div", ["a_relu", "shift"], "h"),
      node("MatMul", ["h", "W2_i32"], "hw2"),
      node("Add", ["hw2", "b2"], MNIST_ONNX_OUTPUT),
    ],
    initializer: [
      initializer("W1", [MNIST_PIXELS, H], INT8, w.w1),
      initializer("b1", [H], INT32, w.b1),
      initializer("W2", [H, MNIST_CLASSES], INT8, w.w2),
      initializer("b2", [MNIST_CLASSES], INT32, w.b2),
      initializer("shift", [], INT32, Int32Array.of(2 ** w.shift)),
    ],
    input: [batchedValueInfo(MNIST_ONNX_INPUT, UINT8, MNIST_PIXELS)],
    output: [batchedValueInfo(MNIST_ONNX_OUTPUT, INT32, MNIST_CLASSES)],
  });
  return model(
    graph,
    `${arch}: logits = floor(relu(image·W1 + b1) / 2^${w.shift})·W2 + b2, all int32; ` +
      `image = round(pixel * 255) as uint8; W1, W2 int8`,
  );
}
