import { type IoSignature, ioSignature } from "../encoding/ioSignature.js";
import { IRIS_CLASSES } from "./iris.js";
import { MNIST_BATCH_DIM, MNIST_CLASSES, MNIST_LABELS, MNIST_ONNX_INPUT, MNIST_ONNX_OUTPUT, MNIST_PIXELS } from "./mnist.js";
import { MLP_INPUTS, MLP_OUTPUTS } from "./mlp.js";
import { MLP_ONNX_INPUT, MLP_ONNX_OUTPUT } from "./onnx.js";

/**
 * The IO signatures of the models the project ships, as `verity model publish` reads them from the ONNX graphs
 * (test/model/signatures.test.ts checks they are the graphs'): what the demo, tests and benches publish.
 */

/** The Iris classifier (models/iris-mlp.onnx): int8 [1,4] features in, int32 [1,3] logits out, compared exactly. */
export const IRIS_IO_SIGNATURE: IoSignature = ioSignature({
  inputs: [{ name: MLP_ONNX_INPUT, dtype: "int8", shape: [1, MLP_INPUTS] }],
  outputs: [{ name: MLP_ONNX_OUTPUT, dtype: "int32", shape: [1, MLP_OUTPUTS] }],
  canonicalization: { kind: "exact" },
  labels: { [MLP_ONNX_OUTPUT]: [...IRIS_CLASSES] },
});

/**
 * The float32 MNIST classifier (models/mnist-mlp-f32.onnx): float32 [batch,784] pixels in, float32 [batch,10]
 * logits out, rounded to the default grid before hashing so operators on different machines agree.
 */
export const MNIST_FLOAT_IO_SIGNATURE: IoSignature = ioSignature({
  inputs: [{ name: MNIST_ONNX_INPUT, dtype: "float32", shape: [MNIST_BATCH_DIM, MNIST_PIXELS] }],
  outputs: [{ name: MNIST_ONNX_OUTPUT, dtype: "float32", shape: [MNIST_BATCH_DIM, MNIST_CLASSES] }],
  labels: { [MNIST_ONNX_OUTPUT]: [...MNIST_LABELS] },
});

/** The integer MNIST classifier (models/mnist-mlp-int8.onnx): uint8 pixels in, int32 logits out, exact. */
export const MNIST_INT8_IO_SIGNATURE: IoSignature = ioSignature({
  inputs: [{ name: MNIST_ONNX_INPUT, dtype: "uint8", shape: [MNIST_BATCH_DIM, MNIST_PIXELS] }],
  outputs: [{ name: MNIST_ONNX_OUTPUT, dtype: "int32", shape: [MNIST_BATCH_DIM, MNIST_CLASSES] }],
  canonicalization: { kind: "exact" },
  labels: { [MNIST_ONNX_OUTPUT]: [...MNIST_LABELS] },
});
