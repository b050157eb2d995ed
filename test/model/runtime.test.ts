import { expect } from "chai";
import onnxProto from "onnx-proto";
import { type Tensor, decodeTensor, encodeTensor, tensor } from "../../sdk/src/encoding/tensor.js";
import { TensorEncodingError, VerityError } from "../../sdk/src/errors/index.js";
import { loadIrisOnnx } from "../../sdk/src/model/iris.js";
import { ModelInputError, ModelRuntimeError, type ModelSession, loadModel, runMlp } from "../../sdk/src/operator/runtime.js";

const { onnx } = onnxProto;

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection, but the call succeeded");
}

describe("operator runtime (runMlp)", function () {
  this.timeout(20_000);
  let session: ModelSession;

  before(async () => {
    session = await loadModel(loadIrisOnnx());
  });

  it("returns a canonical int32 [1,3] tensor for a canonical int8 [1,4] input", async () => {
    const y = await runMlp(session, tensor("int8", [1, 4], [82, 56, 22, 3]));
    expect(y.dtype).to.equal("int32");
    expect(y.shape).to.deep.equal([1, 3]);
    expect(y.values).to.have.length(3);
    expect(y.values).to.be.instanceOf(Int32Array);
    expect(decodeTensor(encodeTensor(y)).values).to.deep.equal(y.values);
  });

  it("rejects an input of the wrong dtype with ModelInputError", async () => {
    const err = await rejection(runMlp(session, tensor("int32", [1, 4], [82, 56, 22, 3])));
    expect(err).to.be.instanceOf(ModelInputError);
    expect(err).to.be.instanceOf(VerityError);
    expect((err as ModelInputError).shortMessage).to.equal("Model input rejected: dtype is int32.");
    expect((err as ModelInputError).details).to.equal("The model takes an int8 tensor of shape [1,4].");
  });

  for (const shape of [[4], [1, 5], [2, 4], [1, 1, 4]]) {
    it(`rejects an int8 input of shape [${shape.join(",")}] with ModelInputError`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const err = await rejection(runMlp(session, tensor("int8", shape, new Array(n).fill(1))));
      expect(err).to.be.instanceOf(ModelInputError);
      expect((err as ModelInputError).shortMessage).to.equal(`Model input rejected: shape is [${shape.join(",")}].`);
    });
  }

  it("rejects a tensor whose values do not fit its dtype with TensorEncodingError", async () => {
    // Plain arrays (a JavaScript caller): the values must be the dtype's typed array.
    const bad = { dtype: "int8", shape: [1, 4], values: [1n, 2n, 128n, 3n] } as unknown as Tensor;
    const err = await rejection(runMlp(session, bad));
    expect(err).to.be.instanceOf(TensorEncodingError);
    expect((err as TensorEncodingError).shortMessage).to.equal(
      "Malformed tensor: the values of a int8 tensor must be a Int8Array (tensor(dtype, shape, values) converts an array).",
    );
    // And tensor() refuses what does not fit, rather than wrap it.
    expect(() => tensor("int8", [1, 4], [1, 2, 128, 3])).to.throw(TensorEncodingError, "value 2 (128) is outside the int8 range -128..127");
  });

  it("rejects a tensor whose value count does not match its shape with TensorEncodingError", async () => {
    const bad: Tensor = { dtype: "int8", shape: [1, 4], values: Int8Array.from([1, 2, 3]) };
    const err = await rejection(runMlp(session, bad));
    expect(err).to.be.instanceOf(TensorEncodingError);
    expect((err as TensorEncodingError).shortMessage).to.equal("Malformed tensor: shape [1,4] holds 4 values but 3 were given.");
  });

});

describe("operator runtime (loadModel)", function () {
  this.timeout(20_000);

  it("refuses bytes that are not an ONNX model with ModelRuntimeError", async () => {
    const err = await rejection(loadModel(new Uint8Array([1, 2, 3, 4])));
    expect(err).to.be.instanceOf(ModelRuntimeError);
    expect(err).to.be.instanceOf(VerityError);
    expect((err as ModelRuntimeError).shortMessage).to.match(/^Model execution failed: ONNX Runtime could not load the model \(.*protobuf.*\)\.$/);
  });

  it("refuses a valid ONNX model whose graph has no \"x\" input with ModelRuntimeError", async () => {
    // The Iris model with its input renamed: ORT loads it, but it is not the graph runMlp drives.
    const model = onnx.ModelProto.decode(loadIrisOnnx());
    model.graph!.input![0]!.name = "features";
    model.graph!.node![0]!.input![0] = "features";
    const err = await rejection(loadModel(onnx.ModelProto.encode(model).finish()));
    expect(err).to.be.instanceOf(ModelRuntimeError);
    expect((err as ModelRuntimeError).shortMessage).to.equal(
      'Model execution failed: the graph has inputs [features] and outputs [y], expected input "x" and output "y".',
    );
  });
});
