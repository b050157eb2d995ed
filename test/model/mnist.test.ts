import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import onnxProto from "onnx-proto";
import { keccak256 } from "viem";
import { tensor } from "../../sdk/src/encoding/tensor.js";
import { VerityError } from "../../sdk/src/errors/index.js";
import {
  MNIST_BATCH_DIM,
  MNIST_CLASSES,
  MNIST_FLOAT_ONNX_PATH,
  MNIST_INT8_ONNX_PATH,
  MNIST_LABELS,
  MNIST_LABELS_METADATA_KEY,
  MNIST_MODEL_JSON_PATH,
  MNIST_PIXELS,
  MNIST_SAMPLES,
  type MnistIntWeights,
  loadMnistData,
  loadMnistModel,
  mnistFloatInput,
  mnistImage,
  mnistIntForward,
  mnistIntForwardBigint,
  mnistIntWeightsFromOnnx,
  mnistSplit,
  predictDigits,
  quantizeMnistPixels,
  validateMnistIntWeights,
} from "../../sdk/src/model/mnist.js";
import { MNIST_ONNX_IR_VERSION, MNIST_ONNX_OPSET, buildMnistInt8Onnx } from "../../sdk/src/model/mnistOnnx.js";
import {
  type MnistSession,
  loadMnistSession,
  mnistBatch,
  mnistOnnxAccuracy,
  runMnist,
  runMnistSamples,
} from "../../sdk/src/model/mnistRuntime.js";
import { mnistFloatForward, trainMnistModel } from "../../sdk/src/model/trainMnist.js";

const { onnx } = onnxProto;

describe("MNIST digit classifier", function () {
  this.timeout(120_000);
  const data = loadMnistData();
  const model = loadMnistModel();
  const t = model.metadata.training;
  const split = mnistSplit(data.labels, t.testSize, t.splitSeed);
  const trainIdx = split.train.slice(0, t.trainSize);
  let floatSession: MnistSession;
  let int8Session: MnistSession;

  before(async () => {
    floatSession = await loadMnistSession(model.floatOnnx);
    int8Session = await loadMnistSession(model.int8Onnx);
  });

  after(async () => {
    await floatSession?.release();
    await int8Session?.release();
  });

  describe("data and split", () => {
    it("reads all 10,000 digits of the mnist package in its per-digit order, as the bytes its values encode", () => {
      const mnist = createRequire(import.meta.url)("mnist") as { length: number; get(i: number): number[] }[];
      expect(data.count).to.equal(MNIST_SAMPLES);
      let offset = 0;
      for (let d = 0; d < MNIST_CLASSES; d++) {
        expect(Array.from(data.labels.subarray(offset, offset + mnist[d]!.length)).every((l) => l === d)).to.equal(true);
        for (const i of [0, mnist[d]!.length - 1]) {
          const values = mnist[d]!.get(i);
          const bytes = mnistImage(data, offset + i);
          expect(Array.from(bytes)).to.deep.equal(values.map((v) => Math.round(v * 255)));
          expect(values.every((v, p) => Math.abs(bytes[p]! / 255 - v) <= 0.0005 + 1e-9)).to.equal(true);
        }
        offset += mnist[d]!.length;
      }
      expect(offset).to.equal(MNIST_SAMPLES);
    });

    it("reproduces the recorded held-out split from its seed: disjoint, covering every sample, stratified", () => {
      expect(split.test).to.deep.equal(t.testIndices);
      expect(split.test).to.have.length(t.testSize);
      expect(split.train).to.have.length(MNIST_SAMPLES - t.testSize);
      const test = new Set(split.test);
      expect(split.train.filter((s) => test.has(s))).to.deep.equal([]);
      expect(new Set([...split.train, ...split.test]).size).to.equal(MNIST_SAMPLES);
      for (let c = 0; c < MNIST_CLASSES; c++) {
        const inClass = Array.from(data.labels).filter((l) => l === c).length;
        const inTest = split.test.filter((s) => data.labels[s] === c).length;
        expect(inTest).to.equal(t.testPerClass[c]);
        expect(Math.abs(inTest - (inClass * t.testSize) / MNIST_SAMPLES), `class ${c}`).to.be.below(1);
      }
    });

    it("gives the same split for the same seed and another for another seed", () => {
      expect(mnistSplit(data.labels, t.testSize, t.splitSeed)).to.deep.equal(split);
      expect(mnistSplit(data.labels, t.testSize, t.splitSeed + 1).test).to.not.deep.equal(split.test);
    });

    it("refuses a test size that leaves no training or no test samples, and labels outside 0..9", () => {
      expect(() => mnistSplit(data.labels, 0, 1)).to.throw(VerityError, "Test set size 0 is not an integer in 1..9999.");
      expect(() => mnistSplit(data.labels, 10_000, 1)).to.throw(VerityError, "Test set size 10000");
      expect(() => mnistSplit([1, 2, 10], 1, 1)).to.throw(VerityError, "Label 10 of sample 2 is not 0..9.");
    });
  });

  describe("committed files", () => {
    it("have the keccak256 and sizes models/mnist.json records", () => {
      const f32 = readFileSync(MNIST_FLOAT_ONNX_PATH);
      const i8 = readFileSync(MNIST_INT8_ONNX_PATH);
      expect(keccak256(f32)).to.equal(model.metadata.float.keccak256);
      expect(keccak256(i8)).to.equal(model.metadata.int8.keccak256);
      expect(f32.length).to.equal(model.metadata.float.bytes);
      expect(i8.length).to.equal(model.metadata.int8.bytes);
      expect(model.metadata.float.arch).to.equal("mlp-784-128-10-f32");
      expect(model.metadata.int8.arch).to.equal("mlp-784-128-10-int8");
    });

    it("are refused by loadMnistModel when an ONNX file does not match the record", () => {
      const dir = mkdtempSync(path.join(tmpdir(), "verity-mnist-"));
      try {
        copyFileSync(MNIST_MODEL_JSON_PATH, path.join(dir, "mnist.json"));
        copyFileSync(MNIST_FLOAT_ONNX_PATH, path.join(dir, model.metadata.float.file));
        const altered = Uint8Array.from(model.int8Onnx);
        altered[altered.length - 1]! ^= 1;
        writeFileSync(path.join(dir, model.metadata.int8.file), altered);
        expect(() => loadMnistModel(path.join(dir, "mnist.json"))).to.throw(VerityError, "mnist-mlp-int8.onnx has keccak256");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    for (const [kind, file, elem] of [
      ["float", MNIST_FLOAT_ONNX_PATH, "FLOAT"],
      ["int8", MNIST_INT8_ONNX_PATH, "UINT8"],
    ] as const) {
      it(`${kind}: carries the labels 0..9 in metadata_props and takes image [batch, 784] to logits [batch, 10]`, () => {
        const m = onnx.ModelProto.decode(readFileSync(file));
        expect(m.metadataProps.map((p) => [p.key, p.value])).to.deep.equal([[MNIST_LABELS_METADATA_KEY, "0,1,2,3,4,5,6,7,8,9"]]);
        expect(Number(m.irVersion)).to.equal(MNIST_ONNX_IR_VERSION);
        expect(m.opsetImport.map((o) => Number(o.version))).to.deep.equal([MNIST_ONNX_OPSET]);
        const io = (v: onnxProto.onnx.IValueInfoProto) => ({
          name: v.name,
          elemType: v.type?.tensorType?.elemType,
          dims: v.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue)),
        });
        expect((m.graph?.input ?? []).map(io)).to.deep.equal([
          { name: "image", elemType: onnx.TensorProto.DataType[elem], dims: [MNIST_BATCH_DIM, MNIST_PIXELS] },
        ]);
        const out = kind === "float" ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.INT32;
        expect((m.graph?.output ?? []).map(io)).to.deep.equal([{ name: "logits", elemType: out, dims: [MNIST_BATCH_DIM, MNIST_CLASSES] }]);
        expect(model.labels).to.deep.equal([...MNIST_LABELS]);
      });
    }
  });

  describe("accuracy in ONNX Runtime", () => {
    it("float: reaches the recorded accuracies, at least 97% on the held-out set", async () => {
      const test = await mnistOnnxAccuracy(floatSession, data, split.test, "float32");
      const train = await mnistOnnxAccuracy(floatSession, data, trainIdx, "float32");
      expect(test).to.deep.equal(model.metadata.accuracy.float.test);
      expect(train).to.deep.equal(model.metadata.accuracy.float.train);
      expect(test.accuracy).to.be.at.least(0.97);
    });

    it("int8: reaches the recorded accuracies on the held-out and training sets", async () => {
      const test = await mnistOnnxAccuracy(int8Session, data, split.test, "uint8");
      const train = await mnistOnnxAccuracy(int8Session, data, trainIdx, "uint8");
      expect(test).to.deep.equal(model.metadata.accuracy.int8.test);
      expect(train).to.deep.equal(model.metadata.accuracy.int8.train);
      expect(test.accuracy).to.be.at.least(0.96);
    });

    it("float: ONNX Runtime's float32 logits are within 1e-3 of the TypeScript forward pass on every held-out sample", async () => {
      const floatWeights = (() => {
        const m = onnx.ModelProto.decode(model.floatOnnx);
        const get = (name: string) => {
          const raw = m.graph?.initializer?.find((i) => i.name === name)?.rawData;
          if (!raw) throw new Error(`the float model lacks the initializer ${name}`);
          return new Float32Array(Uint8Array.from(raw).buffer);
        };
        return { hidden: t.hidden, w1: get("W1"), b1: get("b1"), w2: get("W2"), b2: get("b2") };
      })();
      const logits = await runMnistSamples(floatSession, data, split.test, "float32");
      let worst = 0;
      split.test.forEach((s, r) => {
        const ref = mnistFloatForward(floatWeights, mnistImage(data, s));
        for (let k = 0; k < MNIST_CLASSES; k++) worst = Math.max(worst, Math.abs(ref[k]! - logits[r * MNIST_CLASSES + k]!));
      });
      expect(worst).to.be.below(1e-3);
    });
  });

  describe("int8 model vs the exact integer reference", () => {
    it("gives exactly the reference logits on every one of the held-out samples", async () => {
      const logits = await runMnistSamples(int8Session, data, split.test, "uint8");
      expect(logits).to.be.instanceOf(Int32Array);
      const mismatched = split.test.filter((s, r) => {
        const ref = mnistIntForward(model.int8Weights, mnistImage(data, s));
        return ref.some((v, k) => v !== logits[r * MNIST_CLASSES + k]);
      });
      expect(mismatched).to.deep.equal([]);
    });

    it("the number reference equals the bigint reference (no precision lost) on held-out samples and extreme images", () => {
      const images = [
        ...split.test.slice(0, 20).map((s) => mnistImage(data, s)),
        new Uint8Array(MNIST_PIXELS),
        new Uint8Array(MNIST_PIXELS).fill(255),
      ];
      for (const img of images)
        expect(Array.from(mnistIntForward(model.int8Weights, img), BigInt)).to.deep.equal(mnistIntForwardBigint(model.int8Weights, img));
    });

    it("gives the reference logits for random weights within the validated bounds and random images, blank and saturated ones", async () => {
      const H = 4;
      const int8 = (n: number) => fc.array(fc.integer({ min: -128, max: 127 }), { minLength: n, maxLength: n }).map((a) => Int8Array.from(a));
      const bias = (n: number) => fc.array(fc.integer({ min: -(2 ** 20), max: 2 ** 20 }), { minLength: n, maxLength: n }).map((a) => Int32Array.from(a));
      const weightsArb = fc.record({
        hidden: fc.constant(H),
        shift: fc.integer({ min: 8, max: 16 }),
        w1: int8(MNIST_PIXELS * H),
        b1: bias(H),
        w2: int8(H * MNIST_CLASSES),
        b2: bias(MNIST_CLASSES),
      });
      const image = fc.oneof(
        fc.uint8Array({ minLength: MNIST_PIXELS, maxLength: MNIST_PIXELS }),
        fc.constant(new Uint8Array(MNIST_PIXELS)),
        fc.constant(new Uint8Array(MNIST_PIXELS).fill(255)),
      );
      await fc.assert(
        fc.asyncProperty(weightsArb, fc.array(image, { minLength: 1, maxLength: 3 }), async (weights: MnistIntWeights, images) => {
          const session = await loadMnistSession(buildMnistInt8Onnx(weights));
          try {
            const batch = new Uint8Array(images.length * MNIST_PIXELS);
            images.forEach((img, r) => batch.set(img, r * MNIST_PIXELS));
            const y = await runMnist(session, tensor("uint8", [images.length, MNIST_PIXELS], batch));
            images.forEach((img, r) => {
              expect(Array.from(y.values.subarray(r * MNIST_CLASSES, (r + 1) * MNIST_CLASSES))).to.deep.equal(
                Array.from(mnistIntForward(weights, img)),
              );
            });
          } finally {
            await session.release();
          }
        }),
        { numRuns: 40 },
      );
    });

    it("refuses weights that could overflow int32 or have the wrong shapes", () => {
      const w = model.int8Weights;
      expect(() => validateMnistIntWeights({ ...w, b1: Int32Array.from(w.b1, (_, j) => (j === 3 ? 2 ** 31 - 1 : 0)) })).to.throw(
        VerityError,
        "Hidden unit 3 can reach",
      );
      expect(() => validateMnistIntWeights({ ...w, shift: 0 })).to.throw(VerityError, "can leave int32");
      expect(() => validateMnistIntWeights({ ...w, w2: new Int8Array(5) })).to.throw(VerityError, "w2 must be an Int8Array of 1280 values.");
      expect(() => validateMnistIntWeights({ ...w, b1: Float64Array.from(w.b1) as unknown as Int32Array })).to.throw(VerityError, "b1 must be an Int32Array");
    });
  });

  describe("inputs, outputs and the symbolic batch dimension", () => {
    const samples = () => split.test.slice(0, 2);

    it("runs batches of 2 and of 1 on both models, each row equal to the sample run alone", async () => {
      for (const [session, dtype] of [
        [int8Session, "uint8"],
        [floatSession, "float32"],
      ] as const) {
        const [a, b] = samples() as [number, number];
        const two = await runMnist(session, mnistBatch(data, [a, b], dtype));
        expect(two.shape).to.deep.equal([2, MNIST_CLASSES]);
        const one = await runMnist(session, mnistBatch(data, [a], dtype));
        const oneB = await runMnist(session, mnistBatch(data, [b], dtype));
        expect(one.shape).to.deep.equal([1, MNIST_CLASSES]);
        const rows = [Array.from(one.values), Array.from(oneB.values)];
        const got = [Array.from(two.values.subarray(0, 10)), Array.from(two.values.subarray(10))];
        if (dtype === "uint8") expect(got).to.deep.equal(rows);
        else got.flat().forEach((v, i) => expect(Math.abs(Number(v) - Number(rows.flat()[i]!)), `logit ${i}`).to.be.below(1e-4)); // plain numbers: Hardhat's chai matchers take closeTo for bigints
        expect(predictDigits(two).map((p) => p.label)).to.deep.equal([a, b].map((s) => String(data.labels[s])));
      }
    });

    it("quantizes pixels 0..1 to the nearest bytes and refuses bad pixels", () => {
      const s = split.test[0]!;
      const pixels = Array.from(mnistImage(data, s), (v) => v / 255);
      expect(quantizeMnistPixels(pixels)).to.deep.equal(tensor("uint8", [1, MNIST_PIXELS], mnistImage(data, s).slice()));
      const edge = new Array<number>(MNIST_PIXELS).fill(0);
      edge[0] = 0.7 / 255;
    edge[2] = 254.4 / 255;
      edge[1] = 1;
      expect(Array.from(quantizeMnistPixels(edge).values.subarray(0, 3))).to.deep.equal([1, 255, 254]);
      expect(() => quantizeMnistPixels([0, 1])).to.throw(VerityError, "Expected 784 pixels, got 2.");
      edge[5] = 1.5;
      expect(() => quantizeMnistPixels(edge)).to.throw(VerityError, "Pixel 5 (1.5) is not a number in 0..1.");
      edge[5] = Number.NaN;
      expect(() => quantizeMnistPixels(edge)).to.throw(VerityError, "Pixel 5 (NaN) is not a number in 0..1.");
    });

    it("builds the float model's input from pixels 0..1, equal to the batch helper's tensor, and refuses bad pixels", async () => {
      const s = split.test[1]!;
      const x = mnistFloatInput(Array.from(mnistImage(data, s), (v) => v / 255));
      expect(x.dtype).to.equal("float32");
      expect(x.shape).to.deep.equal([1, MNIST_PIXELS]);
      expect(x).to.deep.equal(mnistBatch(data, [s], "float32"));
      expect(() => mnistFloatInput(new Array<number>(MNIST_PIXELS).fill(-0.1))).to.throw(VerityError, "Pixel 0 (-0.1) is not a number in 0..1.");
    });

    it("refuses sample ids outside the data, non-byte pixels for the int8 reference, and a file that is not the int8 model", () => {
      expect(() => mnistImage(data, 10_000)).to.throw(VerityError, "Sample index 10000 is outside 0..9999.");
      expect(() => mnistBatch(data, [0, -1], "uint8")).to.throw(VerityError, "Sample index -1 is outside 0..9999.");
      const bad = new Array<number>(MNIST_PIXELS).fill(0);
      bad[7] = 256;
      expect(() => mnistIntForward(model.int8Weights, bad)).to.throw(VerityError, "Pixel 7 (256) is not a byte.");
      expect(() => mnistIntForward(model.int8Weights, [1, 2])).to.throw(VerityError, "Expected 784 pixel bytes, got 2.");
      expect(() => mnistIntWeightsFromOnnx(model.floatOnnx)).to.throw(VerityError, "The ONNX graph has ops [MatMul, Add, Relu, MatMul, Add]");
      expect(() => loadMnistModel(path.join(tmpdir(), "no-such-dir", "mnist.json"))).to.throw(VerityError, "Cannot read the MNIST model file");
    });

    it("refuses an input tensor of the wrong dtype or shape, and logits that are not [batch, 10]", async () => {
      await expectReject(runMnist(int8Session, tensor("int8", [1, MNIST_PIXELS], new Int8Array(MNIST_PIXELS))), "got int8 [1,784]");
      await expectReject(runMnist(floatSession, tensor("float32", [1, 28, 28], new Float32Array(MNIST_PIXELS))), "got float32 [1,28,28]");
      await expectReject(runMnist(int8Session, tensor("float32", [1, MNIST_PIXELS], new Float32Array(MNIST_PIXELS))), "ONNX Runtime failed");
      expect(() => predictDigits(tensor("int32", [1, 3], [1, 2, 3]))).to.throw(VerityError, "got int32 [1,3]");
      expect(predictDigits(tensor("int32", [1, 10], [0, 0, 0, 9, 9, 0, 0, 0, 0, 0]))).to.deep.equal([{ index: 3, label: "3" }]);
    });
  });

  describe("training", () => {
    it("retrains a small configuration to byte-identical ONNX and JSON files (deterministic)", () => {
      const tiny = { hidden: 8, epochs: 1, limitTrain: 400 };
      const a = trainMnistModel(tiny);
      const b = trainMnistModel(tiny);
      expect(Buffer.from(a.floatOnnx).equals(Buffer.from(b.floatOnnx))).to.equal(true);
      expect(Buffer.from(a.int8Onnx).equals(Buffer.from(b.int8Onnx))).to.equal(true);
      expect(a.json).to.equal(b.json);
      expect(a.metadata.int8.keccak256).to.equal(keccak256(a.int8Onnx));
      expect(a.metadata.training.trainSize).to.equal(400);
      const c = trainMnistModel({ ...tiny, initSeed: 12 });
      expect(Buffer.from(c.floatOnnx).equals(Buffer.from(a.floatOnnx))).to.equal(false);
    });

    it("refuses options out of range", () => {
      expect(() => trainMnistModel({ hidden: 0 })).to.throw(VerityError, "Option hidden (0) is not a positive integer.");
      expect(() => trainMnistModel({ maxShift: 9 })).to.throw(VerityError, "Option maxShift (9) is not an integer in 0..4.");
      expect(() => trainMnistModel({ learningRate: -1 })).to.throw(VerityError, "learningRate (-1)");
    });
  });
});

async function expectReject(p: Promise<unknown>, message: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(VerityError);
    expect((e as Error).message).to.include(message);
    return;
  }
  expect.fail(`expected a VerityError including "${message}"`);
}
