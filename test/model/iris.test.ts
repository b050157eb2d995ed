import { readFileSync } from "node:fs";
import { expect } from "chai";
import { keccak256 } from "viem";
import { tensor } from "../../sdk/src/encoding/tensor.js";
import { VerityError } from "../../sdk/src/errors/index.js";
import {
  IRIS_MODEL_JSON_PATH,
  IRIS_MODEL_ONNX_PATH,
  loadIrisModel,
  loadIrisOnnx,
  predictClass,
  quantizeFeatures,
} from "../../sdk/src/model/iris.js";
import { MLP_ARCH } from "../../sdk/src/model/mlp.js";
import { loadIrisData, stratifiedSplit, trainIrisModel } from "../../sdk/src/model/train.js";
import { loadModel, runMlp } from "../../sdk/src/operator/runtime.js";

describe("Iris reference model", function () {
  this.timeout(60_000);
  const model = loadIrisModel();
  const data = loadIrisData();

  it("loads the committed model file as mlp-4-8-3-int8 with the three Iris classes", () => {
    expect(model.metadata.arch).to.equal(MLP_ARCH);
    expect(model.classes).to.deep.equal(["setosa", "versicolor", "virginica"]);
    expect(model.features).to.have.length(4);
    expect(model.inputScale).to.be.a("number").and.be.greaterThan(0);
  });

  it("records the held-out split that its split seed reproduces (stratified, 10 per class, disjoint from train)", () => {
    const split = stratifiedSplit(data.labels, 10, model.metadata.training.splitSeed);
    expect(split.test).to.deep.equal(model.metadata.training.testIndices);
    expect(split.train).to.have.length(120);
    for (const c of [0, 1, 2]) expect(split.test.filter((s) => data.labels[s] === c)).to.have.length(10);
    expect(split.train.filter((s) => split.test.includes(s))).to.deep.equal([]);
  });

  it("reaches the recorded quantized accuracy, >= 90% on the held-out test set, when run in ONNX Runtime", async () => {
    const session = await loadModel(loadIrisOnnx());
    const split = stratifiedSplit(data.labels, 10, model.metadata.training.splitSeed);
    const correct = async (idx: number[]) => {
      let n = 0;
      for (const s of idx) {
        const y = await runMlp(session, quantizeFeatures(data.features[s]!, model.inputScale));
        if (predictClass(y).index === data.labels[s]) n++;
      }
      return n;
    };
    const test = await correct(split.test);
    const train = await correct(split.train);
    expect(test).to.equal(model.metadata.accuracy.quantized.test.correct);
    expect(train).to.equal(model.metadata.accuracy.quantized.train.correct);
    expect(test / split.test.length).to.be.at.least(0.9);
    expect(model.metadata.accuracy.quantized.test.accuracy).to.equal(test / split.test.length);
  });

  it("retrains to byte-identical ONNX and JSON (deterministic training)", () => {
    const a = trainIrisModel();
    const b = trainIrisModel();
    expect(Buffer.from(a.onnx).equals(Buffer.from(b.onnx))).to.equal(true);
    expect(a.json).to.equal(b.json);
    expect(a.artifactHash).to.equal(keccak256(a.onnx));
  });

  it("matches the committed models/iris-mlp.onnx and .json (a stale committed file fails here: run npm run model:train)", () => {
    const fresh = trainIrisModel();
    const committedOnnx = readFileSync(IRIS_MODEL_ONNX_PATH);
    expect(committedOnnx.equals(Buffer.from(fresh.onnx)), "models/iris-mlp.onnx is stale").to.equal(true);
    expect(readFileSync(IRIS_MODEL_JSON_PATH, "utf8"), "models/iris-mlp.json is stale").to.equal(fresh.json);
    expect(model.metadata.artifact.keccak256).to.equal(keccak256(committedOnnx));
  });

  it("quantizes cm to int8 with the input scale, rounding half away from zero and clamping to -128..127", () => {
    expect(quantizeFeatures([5.1, 3.5, 1.4, 0.2], 16)).to.deep.equal(tensor("int8", [1, 4], [82, 56, 22, 3]));
    expect(Array.from(quantizeFeatures([100, -100, 0.5 / 16, -0.5 / 16], 16).values, BigInt)).to.deep.equal([127n, -128n, 1n, -1n]);
  });

  it("refuses features of the wrong count or that are not finite numbers", () => {
    expect(() => quantizeFeatures([1, 2, 3], 16)).to.throw(VerityError, "Expected 4 features, got 3.");
    expect(() => quantizeFeatures([1, 2, Number.NaN, 4], 16)).to.throw(VerityError, "Feature 2 (NaN) is not a finite number.");
  });

  it("predicts the first maximum of the logits and refuses logits that are not int32 [1,3]", () => {
    expect(predictClass(tensor("int32", [1, 3], [5, 9, 9]))).to.deep.equal({ index: 1, label: "versicolor" });
    expect(() => predictClass(tensor("int8", [1, 3], [1, 2, 3]))).to.throw(
      VerityError,
      "Expected int32 logits of shape [1,3], got int8 [1,3].",
    );
  });
});
