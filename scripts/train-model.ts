// Trains the reference Iris model and writes models/iris-mlp.json and models/iris-mlp.onnx (deterministic:
// re-running gives identical bytes). Logic: sdk/src/model/train.ts. Run: npm run model:train
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { IRIS_MODEL_JSON_PATH, IRIS_MODEL_ONNX_PATH } from "../sdk/src/model/iris.js";
import { trainIrisModel } from "../sdk/src/model/train.js";

const { model, json, onnx, artifactHash } = trainIrisModel();
mkdirSync(dirname(IRIS_MODEL_JSON_PATH), { recursive: true });
writeFileSync(IRIS_MODEL_JSON_PATH, json);
writeFileSync(IRIS_MODEL_ONNX_PATH, onnx);

const pct = (a: { correct: number; total: number; accuracy: number }) =>
  `${(a.accuracy * 100).toFixed(2)}% (${a.correct}/${a.total})`;
const { float, quantized } = model.accuracy;
console.log(`model      ${model.arch}, input scale ${model.inputScale}, split seed ${model.training.splitSeed}`);
console.log(`float      train ${pct(float.train)}  test ${pct(float.test)}`);
console.log(`quantized  train ${pct(quantized.train)}  test ${pct(quantized.test)}`);
console.log(`wrote      ${IRIS_MODEL_JSON_PATH}`);
console.log(`wrote      ${IRIS_MODEL_ONNX_PATH} (${onnx.length} bytes)`);
console.log(`artifact   keccak256 ${artifactHash}`);
