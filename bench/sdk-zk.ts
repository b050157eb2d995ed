/**
 * Off-chain cost of the ZK mode with the SDK (sdk/src/proofs/zk.ts) on this machine: Groth16 proving
 * (`proveMlp`: witness + proof) and JS verification (`verifyMlpProof`) of the Iris model, as warm medians (one
 * untimed run first builds the curve and its worker threads; the wasm and zkey are held in memory, as a prover
 * would), plus the circuit's constraint count from circuits/build/manifest.json.
 *
 *   const { provingMsMedian, verifyMsMedian, constraints } = await measureZkSdk();
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { loadIrisModel } from "../sdk/src/model/iris.js";
import { type Groth16VerifyingKey, releaseZkWorkers, verifyMlpProof } from "../sdk/src/proofs/zk.js";
import { proveMlp } from "../sdk/src/prover/prove.js";
import { tensor } from "../sdk/src/encoding/tensor.js";

const build = (file: string) => new URL(`../circuits/build/${file}`, import.meta.url);

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export async function measureZkSdk(
  runs = 10,
): Promise<{ provingMsMedian: number; verifyMsMedian: number; constraints: number }> {
  const manifest = JSON.parse(readFileSync(build("manifest.json"), "utf8")) as { constraints: number };
  const vkey = JSON.parse(readFileSync(build("verification_key.json"), "utf8")) as Groth16VerifyingKey;
  const artifacts = {
    wasm: new Uint8Array(readFileSync(build("mlp_4_8_3.wasm"))),
    zkey: new Uint8Array(readFileSync(build("mlp_4_8_3.zkey"))),
  };
  const { weights } = loadIrisModel();
  const proving: number[] = [];
  const verifying: number[] = [];
  try {
    for (let i = 0; i <= runs; i++) {
      // A different input each run (same shape), so nothing is cached between runs.
      const input = tensor("int8", [1, 4], [82 - i, 56, 22 + i, 3]);
      let t = performance.now();
      const { proof, publicSignals } = await proveMlp({
        weights, input, artifacts, jobId: BigInt(i + 1), submitter: "0x00000000000000000000000000000000000000A1",
      });
      const proveMs = performance.now() - t;
      t = performance.now();
      const ok = await verifyMlpProof({ proof, publicSignals, vkey });
      const verifyMs = performance.now() - t;
      if (!ok) throw new Error(`the proof of run ${i} did not verify`);
      if (i === 0) continue; // warm-up
      proving.push(proveMs);
      verifying.push(verifyMs);
    }
  } finally {
    await releaseZkWorkers();
  }
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    provingMsMedian: round(median(proving)),
    verifyMsMedian: round(median(verifying)),
    constraints: manifest.constraints,
  };
}
