/**
 * Every dtype of the tensor encoding goes through ONNX Runtime and back unchanged: the encoding's dtype codes are
 * ONNX's own, and its typed arrays are the ones onnxruntime-node takes and returns. bfloat16, which ONNX Runtime's
 * JavaScript API cannot hold, is checked through ONNX Runtime's own Cast: its rounding is ours (nearest, ties to even).
 */
import { expect } from "chai";
import onnxProto from "onnx-proto";
import * as ort from "onnxruntime-node";
import { DTYPES, DTYPE_CODES, type DType, encodeTensor, fromBfloat16Bits, fromFloat16Bits, tensor, toBfloat16Bits, toFloat16Bits } from "../../sdk/src/encoding/tensor.js";

const { onnx } = onnxProto;

function valueInfo(name: string, elemType: number, dims: number[]) {
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape: { dim: dims.map((dimValue) => ({ dimValue })) } } } });
}

/** A one-graph ONNX model: `nodes` from input "x" (of `inType`) to output "y" (of `outType`). */
function model(nodes: InstanceType<typeof onnx.NodeProto>[], inType: number, outType: number, dims: number[]): Uint8Array {
  const graph = onnx.GraphProto.create({ name: "g", node: nodes, input: [valueInfo("x", inType, dims)], output: [valueInfo("y", outType, dims)] });
  const m = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: "", version: 15 }], producerName: "verity-test", graph });
  return new Uint8Array(onnx.ModelProto.encode(m).finish());
}

const SAMPLES: Record<DType, (number | bigint | boolean)[]> = {
  bool: [true, false, true, true, false, false],
  int8: [-128, -1, 0, 1, 42, 127],
  int16: [-32768, -1, 0, 1, 1234, 32767],
  int32: [-(2 ** 31), -1, 0, 1, 123456789, 2 ** 31 - 1],
  int64: [-(2n ** 63n), -1n, 0n, 1n, 2n ** 40n, 2n ** 63n - 1n],
  uint8: [0, 1, 2, 127, 128, 255],
  uint16: [0, 1, 2, 32768, 40000, 65535],
  uint32: [0, 1, 2, 2 ** 31, 3e9, 2 ** 32 - 1],
  uint64: [0n, 1n, 2n, 2n ** 63n, 2n ** 63n + 1n, 2n ** 64n - 1n],
  float16: [0, -0, 1.5, -65504, 2 ** -24, Number.POSITIVE_INFINITY],
  bfloat16: [0, -0, 1.5, -3.25, 2 ** -133, Number.NEGATIVE_INFINITY],
  float32: [0, -0, 1.5, -3.4e38, 1e-45, Number.NaN],
  float64: [0, -0, Math.PI, -1.7e308, 5e-324, Number.NaN],
};

describe("tensors through ONNX Runtime", function () {
  for (const dtype of DTYPES.filter((d) => d !== "bfloat16")) {
    it(`${dtype}: an Identity graph returns the same canonical tensor`, async function () {
      const t = tensor(dtype, [2, 3], SAMPLES[dtype]);
      const session = await ort.InferenceSession.create(model([onnx.NodeProto.create({ opType: "Identity", input: ["x"], output: ["y"] })], DTYPE_CODES[dtype], DTYPE_CODES[dtype], [2, 3]));
      try {
        const { y } = await session.run({ x: new ort.Tensor(dtype as never, t.values as never, [2, 3]) });
        expect(y!.type).to.equal(dtype);
        expect(encodeTensor(tensor(dtype, y!.dims, y!.data as never))).to.equal(encodeTensor(t));
      } finally {
        await session.release();
      }
    });
  }

  for (const [dtype, to, toBits, fromBits] of [
    ["bfloat16", onnx.TensorProto.DataType.BFLOAT16, toBfloat16Bits, fromBfloat16Bits],
    ["float16", onnx.TensorProto.DataType.FLOAT16, toFloat16Bits, fromFloat16Bits],
  ] as const) {
    it(`${dtype}: ONNX Runtime's Cast from float32 rounds as tensor() does (nearest, ties to even)`, async function () {
      // Ties and near-ties of the narrow format's grid, subnormals, overflow, signed zeros.
      const mant = dtype === "bfloat16" ? 7 : 10;
      const xs = Float32Array.from([
        1, 1 + 2 ** -(mant + 1), 1 + 3 * 2 ** -(mant + 1), 1 + 2 ** -(mant + 1) + 2 ** -20, -2.5, 0.1, -0, 1e-6, 3e38, 65519, 65520, 123.456,
      ]);
      const session = await ort.InferenceSession.create(
        model(
          [
            onnx.NodeProto.create({ opType: "Cast", input: ["x"], output: ["n"], attribute: [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: to }] }),
            onnx.NodeProto.create({ opType: "Cast", input: ["n"], output: ["y"], attribute: [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: onnx.TensorProto.DataType.FLOAT }] }),
          ],
          onnx.TensorProto.DataType.FLOAT,
          onnx.TensorProto.DataType.FLOAT,
          [xs.length],
        ),
      );
      try {
        const { y } = await session.run({ x: new ort.Tensor("float32", xs, [xs.length]) });
        const ours = Array.from(xs, (x) => fromBits(toBits(x)));
        expect(Array.from(y!.data as Float32Array)).to.deep.equal(ours);
      } finally {
        await session.release();
      }
    });
  }
});
