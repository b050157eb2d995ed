// Trains the MNIST digit classifier and writes models/mnist-mlp-f32.onnx, models/mnist-mlp-int8.onnx and
// models/mnist.json (deterministic: re-running gives identical bytes), then checks both files in ONNX Runtime: the
// accuracies it measures must equal the recorded ones, and the int8 logits must equal the exact reference on every
// held-out sample. Logic: sdk/src/model/trainMnist.ts. Run: npm run model:train-mnist
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import {
  MNIST_CLASSES,
  MNIST_FLOAT_ONNX_PATH,
  MNIST_INT8_ONNX_PATH,
  MNIST_MODEL_JSON_PATH,
  loadMnistData,
  mnistImage,
  mnistIntForward,
} from "../sdk/src/model/mnist.js";
import { loadMnistSession, mnistOnnxAccuracy, runMnistSamples } from "../sdk/src/model/mnistRuntime.js";
import { trainMnistModel } from "../sdk/src/model/trainMnist.js";

const started = performance.now();
const result = trainMnistModel({}, (e) =>
  console.log(`epoch ${String(e.epoch).padStart(3)}  loss ${e.loss.toFixed(4)}  augmented train accuracy ${(e.trainAccuracy * 100).toFixed(2)}%`),
);
const seconds = (performance.now() - started) / 1000;
const { metadata, floatOnnx, int8Onnx, json, split } = result;
mkdirSync(dirname(MNIST_MODEL_JSON_PATH), { recursive: true });
writeFileSync(MNIST_FLOAT_ONNX_PATH, floatOnnx);
writeFileSync(MNIST_INT8_ONNX_PATH, int8Onnx);
writeFileSync(MNIST_MODEL_JSON_PATH, json);

type Acc = { correct: number; total: number; accuracy: number };
const pct = (a: Acc) => `${(a.accuracy * 100).toFixed(2)}% (${a.correct}/${a.total})`;
const t = metadata.training;
console.log(`model      ${metadata.float.arch} / ${metadata.int8.arch} (shift ${metadata.int8.shift}), split seed ${t.splitSeed}, ${t.trainSize} train / ${t.testSize} held out`);
console.log(`float      train ${pct(metadata.accuracy.float.train)}  held out ${pct(metadata.accuracy.float.test)}`);
console.log(`int8       train ${pct(metadata.accuracy.int8.train)}  held out ${pct(metadata.accuracy.int8.test)}`);
console.log(`trained    in ${seconds.toFixed(1)} s (not recorded: the record is deterministic)`);
console.log(`wrote      ${MNIST_FLOAT_ONNX_PATH} (${floatOnnx.length} bytes, keccak256 ${metadata.float.keccak256})`);
console.log(`wrote      ${MNIST_INT8_ONNX_PATH} (${int8Onnx.length} bytes, keccak256 ${metadata.int8.keccak256})`);
console.log(`wrote      ${MNIST_MODEL_JSON_PATH}`);

// Check the written files in ONNX Runtime.
const data = loadMnistData();
const trainIdx = split.train.slice(0, t.trainSize);
const floatSession = await loadMnistSession(floatOnnx);
const int8Session = await loadMnistSession(int8Onnx);
const checks: [string, Acc, Acc][] = [
  ["float train", await mnistOnnxAccuracy(floatSession, data, trainIdx, "float32"), metadata.accuracy.float.train],
  ["float held out", await mnistOnnxAccuracy(floatSession, data, split.test, "float32"), metadata.accuracy.float.test],
  ["int8 train", await mnistOnnxAccuracy(int8Session, data, trainIdx, "uint8"), metadata.accuracy.int8.train],
  ["int8 held out", await mnistOnnxAccuracy(int8Session, data, split.test, "uint8"), metadata.accuracy.int8.test],
];
let failed = false;
for (const [what, ort, recorded] of checks) {
  const ok = ort.correct === recorded.correct;
  failed ||= !ok;
  console.log(`onnx       ${what}: ${pct(ort)} ${ok ? "= recorded" : `!= recorded ${pct(recorded)}`}`);
}
const logits = await runMnistSamples(int8Session, data, split.test, "uint8");
const mismatches = split.test.filter((s, r) => {
  const ref = mnistIntForward(result.intWeights, mnistImage(data, s));
  return ref.some((v, k) => v !== logits[r * MNIST_CLASSES + k]);
});
console.log(`onnx       int8 logits equal the exact reference on ${split.test.length - mismatches.length}/${split.test.length} held-out samples`);
await floatSession.release();
await int8Session.release();
if (failed || mismatches.length > 0) {
  console.error("ONNX Runtime disagrees with the training record: see above.");
  process.exit(1);
}
