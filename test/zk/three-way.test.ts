// The three implementations of "mlp-4-8-3-int8" must agree bit for bit, or a TEE operator, a ZK prover and a
// verifier checking a result with the SDK would disagree on what the model outputs:
//   - the operator's ONNX Runtime session (sdk/src/operator/runtime.ts: loadModel + runMlp) on models/iris-mlp.onnx,
//   - the TypeScript reference mlpForward (sdk/src/model/mlp.ts),
//   - the ZK circuit (circuits/mlp_4_8_3.circom), through its witness: the packed output public signal.
// Witness-based (no proving), so hundreds of inputs run in seconds. The proofs themselves are tested in
// proofs.test.ts and, on chain, in test/contracts/ZkVerifier.test.ts.
import { expect } from "chai";
import { type Tensor, encodeTensor, tensor } from "../../sdk/src/encoding/tensor.js";
import { loadIrisModel, loadIrisOnnx, quantizeFeatures } from "../../sdk/src/model/iris.js";
import { type MlpWeights, mlpForward } from "../../sdk/src/model/mlp.js";
import { buildMlpOnnx } from "../../sdk/src/model/onnx.js";
import { loadIrisData } from "../../sdk/src/model/train.js";
import { type OnnxModel, loadModel, runMlp } from "../../sdk/src/operator/runtime.js";
import { packInput, unpackOutput } from "../../sdk/src/proofs/zk.js";
import { modelCommitment } from "../../sdk/src/prover/prove.js";
import { constantWeights, input, inputs, randomWeights, witnessCalculator } from "./helpers.js";

/** Every combination of the int8 edges -128, -1, 0, 1, 127 (625 inputs). */
function edgeInputs(): Tensor[] {
  const edges = [-128n, -1n, 0n, 1n, 127n];
  const out: Tensor[] = [];
  for (const a of edges) for (const b of edges) for (const c of edges) for (const d of edges) out.push(input([a, b, c, d]));
  return out;
}

describe("three-way agreement: ONNX Runtime, mlpForward and the ZK circuit", function () {
  this.timeout(60_000);
  let witness: Awaited<ReturnType<typeof witnessCalculator>>;

  before(async function () {
    witness = await witnessCalculator();
  });

  /** Runs the three on `x`; returns the common output tensor after asserting they are identical. */
  async function agree(session: OnnxModel, weights: MlpWeights, commitment: bigint, x: Tensor, what: string) {
    const ort = await runMlp(session, x);
    const reference = mlpForward(weights, x.values);
    const w = await witness(weights, x);
    const circuit = unpackOutput(w[3]!);
    const label = `${what}, x=[${x.values.join(", ")}]`;
    expect(Array.from(ort.values, BigInt), `ORT vs mlpForward, ${label}`).to.deep.equal(reference);
    expect(Array.from(circuit.values, BigInt), `circuit vs mlpForward, ${label}`).to.deep.equal(reference);
    // Same canonical bytes, so the same outputHash on chain whichever produced it.
    expect(encodeTensor(ort), label).to.equal(encodeTensor(circuit));
    expect(w[1], `commitment, ${label}`).to.equal(commitment);
    expect(w[2], `packedInput, ${label}`).to.equal(packInput(x));
    return ort;
  }

  describe("the operator's models/iris-mlp.onnx", function () {
    const iris = loadIrisModel();
    let session: OnnxModel;
    let commitment: bigint;

    before(async function () {
      session = await loadModel(loadIrisOnnx());
      commitment = await modelCommitment(iris.weights);
    });

    it("on all 150 quantized Iris samples", async function () {
      const { features } = loadIrisData();
      const classes = new Set<string>();
      for (const cm of features) {
        const y = await agree(session, iris.weights, commitment, quantizeFeatures(cm, iris.inputScale), "Iris sample");
        classes.add(y.values.join(","));
      }
      expect(features).to.have.length(150);
      expect(classes.size, "distinct logits").to.be.greaterThan(50);
    });

    it("on every input built from the int8 edges -128, -1, 0, 1, 127 (625 inputs)", async function () {
      const all = edgeInputs();
      for (const x of all) await agree(session, iris.weights, commitment, x, "edge input");
      expect(all).to.have.length(625);
    });

    it("on 200 seeded random int8 inputs", async function () {
      const all = inputs(2024, 200);
      for (const x of all) await agree(session, iris.weights, commitment, x, "random input");
      expect(all.length).to.be.greaterThanOrEqual(200);
    });
  });

  describe("ONNX graphs built from other weights (buildMlpOnnx), at the int8 and bias bounds", function () {
    // |bias| <= 2^20 - 1: the model's validateMlpWeights (and so buildMlpOnnx) excludes -2^20, which the circuit
    // and validateMlpWeights of sdk/src/proofs/zk.ts accept.
    const B = (1n << 20n) - 1n;
    const sets: [string, MlpWeights][] = [
      ["random #3", randomWeights(3)],
      ["all weights -128, biases -(2^20-1)", constantWeights(-128n, -B)],
      ["all weights 127, biases 2^20-1", constantWeights(127n, B)],
      ["all weights 127, biases -(2^20-1)", constantWeights(127n, -B)],
    ];
    for (const [name, weights] of sets) {
      it(`agree for ${name} on edge and random inputs`, async function () {
        const session = await loadModel(buildMlpOnnx(weights));
        const commitment = await modelCommitment(weights);
        const xs = [...inputs(7, 40), input([127, 127, 127, 127]), input([-128, -128, -128, -128])];
        for (const x of xs) await agree(session, weights, commitment, x, name);
        expect(xs.length).to.be.greaterThanOrEqual(40);
      });
    }
  });

  it("agree on the tensor the contracts hash: an int32 [1,3] output for an int8 [1,4] input", async function () {
    const session = await loadModel(loadIrisOnnx());
    const iris = loadIrisModel();
    const y = await agree(session, iris.weights, await modelCommitment(iris.weights), input([82, 56, 22, 3]), "fixture");
    expect(y.dtype).to.equal("int32");
    expect(y.shape).to.deep.equal([1, 3]);
    expect(encodeTensor(y)).to.equal(encodeTensor(tensor("int32", [1, 3], mlpForward(iris.weights, [82n, 56n, 22n, 3n]))));
  });
});
