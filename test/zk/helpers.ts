// Shared fixtures for the ZK tests: committed artifacts, seeded random weights, a fast witness calculator and a
// small R1CS reader to check witnesses against the constraints.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { MLP_BIAS_BOUND, MLP_HIDDEN, MLP_INPUTS, MLP_OUTPUTS, type MlpWeights } from "../../sdk/src/model/mlp.js";
import type { Groth16VerifyingKey, ZkJobBinding } from "../../sdk/src/proofs/zk.js";
import { mlpCircuitInput } from "../../sdk/src/proofs/zk.js";
import { type Tensor, tensor } from "../../sdk/src/encoding/tensor.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BUILD = path.join(ROOT, "circuits/build");
export const ARTIFACTS = {
  wasm: path.join(BUILD, "mlp_4_8_3.wasm"),
  zkey: path.join(BUILD, "mlp_4_8_3.zkey"),
  r1cs: path.join(BUILD, "mlp_4_8_3.r1cs"),
};
export const loadVkey = (): Groth16VerifyingKey =>
  JSON.parse(readFileSync(path.join(BUILD, "verification_key.json"), "utf8")) as Groth16VerifyingKey;

/** mulberry32: a small seeded PRNG, so failures reproduce. */
export function rng(seed: number): (n: bigint) => bigint {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (n) => BigInt(Math.floor(next() * Number(n)));
}

export function randomWeights(seed: number): MlpWeights {
  const r = rng(seed);
  const int8 = () => r(256n) - 128n;
  const bias = () => r(2n * MLP_BIAS_BOUND) - MLP_BIAS_BOUND;
  return {
    w1: Array.from({ length: MLP_INPUTS }, () => Array.from({ length: MLP_HIDDEN }, int8)),
    b1: Array.from({ length: MLP_HIDDEN }, bias),
    w2: Array.from({ length: MLP_HIDDEN }, () => Array.from({ length: MLP_OUTPUTS }, int8)),
    b2: Array.from({ length: MLP_OUTPUTS }, bias),
  };
}

/** Weights with every value at one bound: stresses the range checks and the intermediate bounds. */
export function constantWeights(w: bigint, b: bigint): MlpWeights {
  return {
    w1: Array.from({ length: MLP_INPUTS }, () => Array(MLP_HIDDEN).fill(w)),
    b1: Array(MLP_HIDDEN).fill(b),
    w2: Array.from({ length: MLP_HIDDEN }, () => Array(MLP_OUTPUTS).fill(w)),
    b2: Array(MLP_OUTPUTS).fill(b),
  };
}

export const input = (values: readonly (number | bigint)[]): Tensor => tensor("int8", [1, 4], values);

/** Edge inputs plus `n` seeded random ones. */
export function inputs(seed: number, n: number): Tensor[] {
  const r = rng(seed);
  const edges = [
    [-128, -128, -128, -128],
    [127, 127, 127, 127],
    [0, 0, 0, 0],
    [-128, 127, -128, 127],
    [127, -128, 0, -1],
    [1, -1, 1, -1],
  ];
  return [
    ...edges.map(input),
    ...Array.from({ length: n }, () => input(Array.from({ length: 4 }, () => r(256n) - 128n))),
  ];
}

/** The job binding the witness tests use unless they give one. */
export const TEST_BINDING: ZkJobBinding = { jobId: 1n, submitter: "0x00000000000000000000000000000000000000A1" };

/**
 * The full witness (index 0 is the constant 1; 1..5 are commitment, packedInput, packedOutput, jobId, submitter),
 * for `binding` (default {@link TEST_BINDING}).
 */
export async function witnessCalculator(): Promise<(w: MlpWeights, x: Tensor, binding?: ZkJobBinding) => Promise<bigint[]>> {
  const wc = await WitnessCalculatorBuilder(new Uint8Array(readFileSync(ARTIFACTS.wasm)));
  return (w, x, binding = TEST_BINDING) => wc.calculateWitness(mlpCircuitInput(w, x, binding), true);
}

// ---------------------------------------------------------------------------------------------------------------
// R1CS reader (iden3 r1cs format: header section 1, constraints section 2, coefficients little-endian, normal form)
// ---------------------------------------------------------------------------------------------------------------

type Lc = Map<number, bigint>;
export type R1cs = { prime: bigint; nWires: number; constraints: [Lc, Lc, Lc][] };

export function readR1cs(file: string): R1cs {
  const d = readFileSync(file);
  if (d.subarray(0, 4).toString("latin1") !== "r1cs") throw new Error(`${file} is not an r1cs file`);
  const le = (o: number, n: number) => {
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(d[o + i]!);
    return v;
  };
  const nSections = d.readUInt32LE(8);
  const sections = new Map<number, number>();
  for (let s = 0, o = 12; s < nSections; s++) {
    sections.set(d.readUInt32LE(o), o + 12);
    o += 12 + Number(d.readBigUInt64LE(o + 4));
  }
  let o = sections.get(1)!;
  const n8 = d.readUInt32LE(o);
  const prime = le(o + 4, n8);
  o += 4 + n8;
  const nWires = d.readUInt32LE(o);
  const nConstraints = d.readUInt32LE(o + 24);
  o = sections.get(2)!;
  const readLc = (): Lc => {
    const n = d.readUInt32LE(o);
    o += 4;
    const lc: Lc = new Map();
    for (let i = 0; i < n; i++) {
      lc.set(d.readUInt32LE(o), le(o + 4, n8));
      o += 4 + n8;
    }
    return lc;
  };
  const constraints: [Lc, Lc, Lc][] = [];
  for (let c = 0; c < nConstraints; c++) constraints.push([readLc(), readLc(), readLc()]);
  return { prime, nWires, constraints };
}

/** Indices of the constraints a witness violates ((A·w)(B·w) != C·w mod p). */
export function violatedConstraints(r1cs: R1cs, w: readonly bigint[], only?: Iterable<number>): number[] {
  const p = r1cs.prime;
  const dot = (lc: Lc) => {
    let s = 0n;
    for (const [i, c] of lc) s += c * w[i]!;
    return s % p;
  };
  const bad: number[] = [];
  for (const idx of only ?? r1cs.constraints.keys()) {
    const [a, b, c] = r1cs.constraints[idx]!;
    if ((dot(a) * dot(b) - dot(c)) % p !== 0n) bad.push(idx);
  }
  return bad;
}

/** Awaits `p` and returns the error it rejects with, or throws when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the promise to reject, but it resolved");
}

/** The trained reference model (models/iris-mlp.json), as bigint weights. */
export function irisWeights(): MlpWeights {
  const file = JSON.parse(readFileSync(path.join(ROOT, "models/iris-mlp.json"), "utf8")) as {
    weights: { w1: number[][]; b1: number[]; w2: number[][]; b2: number[] };
  };
  const big = (v: number[]) => v.map((n) => BigInt(n));
  const { w1, b1, w2, b2 } = file.weights;
  return { w1: w1.map(big), b1: big(b1), w2: w2.map(big), b2: big(b2) };
}
