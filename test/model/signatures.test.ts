import { expect } from "chai";
import { encodeIoSignature } from "../../sdk/src/encoding/ioSignature.js";
import { loadIrisOnnx } from "../../sdk/src/model/iris.js";
import { loadMnistModel } from "../../sdk/src/model/mnist.js";
import { IRIS_IO_SIGNATURE, MNIST_FLOAT_IO_SIGNATURE, MNIST_INT8_IO_SIGNATURE } from "../../sdk/src/model/signatures.js";
import { modelSignatureOf } from "../../sdk/src/cli/modelSignature.js";
import { checkModelSignature, loadModel, signatureOfModel } from "../../sdk/src/operator/runtime.js";

describe("the shipped models' IO signatures are their graphs'", function () {
  this.timeout(30_000);
  const mnist = loadMnistModel();
  const cases = [
    ["iris-mlp.onnx", () => loadIrisOnnx(), IRIS_IO_SIGNATURE],
    ["mnist-mlp-f32.onnx", () => mnist.floatOnnx, MNIST_FLOAT_IO_SIGNATURE],
    ["mnist-mlp-int8.onnx", () => mnist.int8Onnx, MNIST_INT8_IO_SIGNATURE],
  ] as const;
  for (const [file, bytes, signature] of cases) {
    it(`${file}: the graph, its labels metadata and \`verity model publish\`'s reading give the shipped signature`, async function () {
      const model = await loadModel(bytes());
      try {
        expect(signatureOfModel(model, { labels: signature.labels })).to.deep.equal(signature);
        checkModelSignature(model, signature);
        const published = await modelSignatureOf(bytes(), { file, resolvePath: (p) => p });
        expect(encodeIoSignature(published)).to.equal(encodeIoSignature(signature));
      } finally {
        await model.release();
      }
    });
  }
});
