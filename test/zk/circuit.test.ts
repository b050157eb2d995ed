import { expect } from "chai";
import fc from "fast-check";
import { tensor } from "../../sdk/src/encoding/tensor.js";
import { ZkTensorError, ZkWeightsError } from "../../sdk/src/errors/zk.js";
import { MLP_BIAS_BOUND, type MlpWeights, mlpForward } from "../../sdk/src/model/mlp.js";
import { BN254_SCALAR_FIELD, packInput, packModelWeights, packOutput, unpackInput, unpackOutput, zkPublicSignals } from "../../sdk/src/proofs/zk.js";
import { modelCommitment } from "../../sdk/src/prover/prove.js";
import {
  ARTIFACTS,
  type R1cs,
  TEST_BINDING,
  constantWeights,
  input,
  inputs,
  irisWeights,
  randomWeights,
  readR1cs,
  violatedConstraints,
  witnessCalculator,
} from "./helpers.js";

const B = MLP_BIAS_BOUND;

// Weight sets: seeded random ones and every combination of extreme weights and extreme biases.
const WEIGHT_SETS: [string, MlpWeights][] = [
  ["trained Iris model (models/iris-mlp.json)", irisWeights()],
  ...[1, 2, 3, 4].map((s): [string, MlpWeights] => [`random #${s}`, randomWeights(s)]),
  ["all weights -128, biases -2^20", constantWeights(-128n, -B)],
  ["all weights -128, biases 2^20-1", constantWeights(-128n, B - 1n)],
  ["all weights 127, biases 2^20-1", constantWeights(127n, B - 1n)],
  ["all weights 127, biases -2^20", constantWeights(127n, -B)],
  ["all zero", constantWeights(0n, 0n)],
];

describe("zk circuit mlp_4_8_3 (witness)", function () {
  let witness: Awaited<ReturnType<typeof witnessCalculator>>;
  let r1cs: R1cs;

  before(async function () {
    witness = await witnessCalculator();
    r1cs = readR1cs(ARTIFACTS.r1cs);
  });

  it("outputs mlpForward's logits and the packed input for hundreds of inputs, edge values included", async function () {
    let checked = 0;
    for (const [name, weights] of WEIGHT_SETS) {
      for (const x of inputs(checked + 7, 60)) {
        const w = await witness(weights, x);
        const expected = tensor("int32", [1, 3], mlpForward(weights, x.values));
        expect(w[2], `${name}, x=${x.values}`).to.equal(packInput(x));
        expect(Array.from(unpackOutput(w[3]!).values, BigInt), `${name}, x=${x.values}`).to.deep.equal(Array.from(expected.values, BigInt));
        expect(w[3]).to.equal(packOutput(expected));
        checked++;
      }
    }
    expect(checked).to.be.greaterThanOrEqual(500);
  });

  it("carries the job binding as public signals 4 and 5 (jobId, submitter), unchanged, for any value", async function () {
    const weights = randomWeights(3);
    const x = input([5, -3, 127, 0]);
    const reference = await witness(weights, x);
    for (const binding of [
      { jobId: 0n, submitter: "0x0000000000000000000000000000000000000000" },
      { jobId: 1n, submitter: "0xFFfFfFffFFfffFFfFFfFFFFFffFFFffffFfFFFfF" },
      { jobId: BN254_SCALAR_FIELD - 1n, submitter: "0x00000000000000000000000000000000000000A1" },
    ] as const) {
      const w = await witness(weights, x, binding);
      expect(w[4]).to.equal(binding.jobId);
      expect(w[5]).to.equal(BigInt(binding.submitter));
      // The binding takes no part in the model's arithmetic: commitment and tensors are the same.
      expect(w.slice(1, 4)).to.deep.equal(reference.slice(1, 4));
      expect(violatedConstraints(r1cs, w)).to.deep.equal([]);
    }
    expect(reference[4]).to.equal(TEST_BINDING.jobId);
  });

  it("computes the same model commitment as modelCommitment in TypeScript", async function () {
    for (const [name, weights] of WEIGHT_SETS) {
      const w = await witness(weights, input([1, 2, 3, 4]));
      expect(w[1], name).to.equal(await modelCommitment(weights));
    }
  });

  it("gives different commitments to weights that differ in one value", async function () {
    const base = randomWeights(11);
    const c0 = await modelCommitment(base);
    const tweaks: ((w: MlpWeights) => void)[] = [
      (w) => (w.w1[0]![0]! === 127n ? (w.w1[0]![0] = 126n) : (w.w1[0]![0]! += 1n)),
      (w) => (w.w2[7]![2]! === 127n ? (w.w2[7]![2] = 126n) : (w.w2[7]![2]! += 1n)),
      (w) => (w.b1[3]! += w.b1[3]! > 0n ? -1n : 1n),
      (w) => (w.b2[2]! += w.b2[2]! > 0n ? -1n : 1n),
    ];
    for (const tweak of tweaks) {
      const w = structuredClone(base);
      tweak(w);
      expect(await modelCommitment(w)).to.not.equal(c0);
    }
  });

  it("has an R1CS that the honest witness satisfies and where changing any single signal breaks a constraint", async function () {
    const weights = randomWeights(5);
    const w = await witness(weights, input([100, -7, 0, 127]));
    expect(w.length).to.equal(r1cs.nWires);
    expect(violatedConstraints(r1cs, w)).to.deep.equal([]);
    // Which constraints touch each wire, so each perturbation only re-checks those.
    const touching = new Map<number, number[]>();
    r1cs.constraints.forEach((abc, idx) => {
      for (const lc of abc) for (const wire of lc.keys()) touching.set(wire, [...(touching.get(wire) ?? []), idx]);
    });
    const free: number[] = [];
    for (let i = 1; i < w.length; i++) {
      const t = [...w];
      t[i] = (t[i]! + 1n) % r1cs.prime;
      if (violatedConstraints(r1cs, t, new Set(touching.get(i) ?? [])).length === 0) free.push(i);
    }
    expect(free, "witness signals no constraint pins down").to.deep.equal([]);
  });

  it("rejects a witness whose packedOutput claims relu(a) = 0 for positive pre-activations", async function () {
    // Every hidden pre-activation positive and large: h = floor(a / 128) > 0 for all units.
    const weights = constantWeights(1n, 1000n);
    const w = await witness(weights, input([10, 10, 10, 10]));
    expect(violatedConstraints(r1cs, w)).to.deep.equal([]);
    // Forge an output as if every h were 0: y = b2. Only the three output signals change; the constraints fail.
    const forged = [...w];
    forged[3] = packOutput(tensor("int32", [1, 3], [1000n, 1000n, 1000n]));
    expect(forged[3]).to.not.equal(w[3]);
    expect(violatedConstraints(r1cs, forged).length).to.be.greaterThan(0);
  });

  it("refuses weights out of range before computing a witness", async function () {
    const bad = randomWeights(1);
    bad.w1[2]![5] = 128n;
    expect(() => packModelWeights(bad)).to.throw(ZkWeightsError, /w1\[2\]\[5\] = 128/);
    const badBias = randomWeights(1);
    badBias.b2[0] = B;
    expect(() => packModelWeights(badBias)).to.throw(ZkWeightsError, /b2\[0\]/);
    const badShape = randomWeights(1);
    badShape.w2.pop();
    expect(() => packModelWeights(badShape)).to.throw(ZkWeightsError, /w2 must have 8 rows/);
  });
});

describe("zk public signal packing", function () {
  it("packs and unpacks every int8 input and int32 output losslessly", function () {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -128, max: 127 }), { minLength: 4, maxLength: 4 }), (xs) => {
        const t = input(xs);
        const packed = packInput(t);
        return packed >= 0n && packed < 1n << 32n && Array.from(unpackInput(packed).values as Int8Array).every((v, i) => v === xs[i]);
      }),
      { numRuns: 500 }
    );
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 3, maxLength: 3 }), (ys) => {
        const t = tensor("int32", [1, 3], ys);
        return Array.from(unpackOutput(packOutput(t)).values as Int32Array).every((v, i) => v === ys[i]);
      }),
      { numRuns: 500 }
    );
  });

  it("packs the documented layout: (x_i + 128) << 8i and (y_k + 2^31) << 32k", function () {
    expect(packInput(input([-128, -128, -128, -128]))).to.equal(0n);
    expect(packInput(input([127, 127, 127, 127]))).to.equal(0xffffffffn);
    expect(packInput(input([0, 1, -1, -128]))).to.equal(0x007f8180n);
    expect(packOutput(tensor("int32", [1, 3], [0, -1, -(2 ** 31)]))).to.equal((0x7fffffffn << 32n) | 0x80000000n);
  });

  it("refuses tensors of another dtype or shape, since their bytes (and hash) differ", function () {
    expect(() => packInput(tensor("int8", [4], [1, 2, 3, 4]))).to.throw(
      ZkTensorError,
      /shape is \[4\], expected \[1,4\]/
    );
    expect(() => packInput(tensor("int16", [1, 4], [1, 2, 3, 4]))).to.throw(ZkTensorError, /dtype is int16/);
    // tensor() cannot build an int8 128; a hand-made object with wider values is refused by the packing itself.
    expect(() => packInput({ dtype: "int8", shape: [1, 4], values: new Int16Array([1, 2, 3, 128]) } as never)).to.throw(
      ZkTensorError,
      /value 3 = 128 is outside -128..127/
    );
    expect(() => packOutput(tensor("int32", [1, 4], [1, 2, 3, 4]))).to.throw(ZkTensorError, /expected \[1,3\]/);
    expect(() => unpackOutput(1n << 96n)).to.throw(ZkTensorError, /not a 96-bit value/);
  });

  it("refuses a commitment that is not a field element", function () {
    const args = { input: input([1, 2, 3, 4]), output: tensor("int32", [1, 3], [1, 2, 3]), ...TEST_BINDING };
    expect(zkPublicSignals({ ...args, commitment: 5n })).to.deep.equal([
      5n,
      packInput(args.input),
      packOutput(args.output),
      TEST_BINDING.jobId,
      BigInt(TEST_BINDING.submitter),
    ]);
    expect(() => zkPublicSignals({ ...args, commitment: BN254_SCALAR_FIELD })).to.throw(
      /commitment .* is not in 0..r-1/
    );
  });
});
