import { expect } from "chai";
import fc from "fast-check";
import { tensor } from "../../sdk/src/encoding/tensor.js";
import { loadIrisModel, loadIrisOnnx, quantizeFeatures } from "../../sdk/src/model/iris.js";
import { MLP_BIAS_BOUND, MLP_HIDDEN, MLP_INPUTS, MLP_OUTPUTS, type MlpWeights, mlpForward } from "../../sdk/src/model/mlp.js";
import { buildMlpOnnx } from "../../sdk/src/model/onnx.js";
import { loadIrisData } from "../../sdk/src/model/train.js";
import { type OnnxModel, loadModel, runMlp } from "../../sdk/src/operator/runtime.js";

// ONNX Runtime must agree with the bigint reference (and so with the ZK circuit) on every input, bit for bit.
describe("ONNX model vs the bigint reference mlpForward", function () {
  this.timeout(60_000);
  const model = loadIrisModel();
  let session: OnnxModel;

  before(async () => {
    session = await loadModel(loadIrisOnnx());
  });

  async function expectAgreement(s: OnnxModel, weights: MlpWeights, x: bigint[]) {
    const y = await runMlp(s, tensor("int8", [1, MLP_INPUTS], x));
    expect(y.dtype).to.equal("int32");
    expect(y.shape).to.deep.equal([1, MLP_OUTPUTS]);
    expect(Array.from(y.values, BigInt), `input [${x.join(", ")}]`).to.deep.equal(mlpForward(weights, x));
  }

  it("gives the reference logits on every one of the 150 Iris samples", async () => {
    const data = loadIrisData();
    expect(data.features).to.have.length(150);
    for (const cm of data.features) {
      await expectAgreement(session, model.weights, Array.from(quantizeFeatures(cm, model.inputScale).values as Int8Array, BigInt));
    }
  });

  it("gives the reference logits on every input built from the int8 edges -128, -1, 0, 1, 127 (625 inputs)", async () => {
    const edges = [-128n, -1n, 0n, 1n, 127n];
    let checked = 0;
    for (const a of edges)
      for (const b of edges)
        for (const c of edges)
          for (const d of edges) {
            await expectAgreement(session, model.weights, [a, b, c, d]);
            checked++;
          }
    expect(checked).to.equal(625);
  });

  it("gives the reference logits on random int8 inputs", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: -128, max: 127 }), { minLength: 4, maxLength: 4 }), async (xs) => {
        await expectAgreement(session, model.weights, xs.map(BigInt));
      }),
      { numRuns: 400 },
    );
  });

  it("gives the reference logits for random weights at the int8 and bias bounds, not just the Iris ones", async () => {
    const int8 = fc.integer({ min: -128, max: 127 }).map(BigInt);
    const bound = Number(MLP_BIAS_BOUND) - 1;
    const bias = fc.integer({ min: -bound, max: bound }).map(BigInt);
    const weightsArb = fc.record({
      w1: fc.array(fc.array(int8, { minLength: MLP_HIDDEN, maxLength: MLP_HIDDEN }), { minLength: MLP_INPUTS, maxLength: MLP_INPUTS }),
      b1: fc.array(bias, { minLength: MLP_HIDDEN, maxLength: MLP_HIDDEN }),
      w2: fc.array(fc.array(int8, { minLength: MLP_OUTPUTS, maxLength: MLP_OUTPUTS }), { minLength: MLP_HIDDEN, maxLength: MLP_HIDDEN }),
      b2: fc.array(bias, { minLength: MLP_OUTPUTS, maxLength: MLP_OUTPUTS }),
    });
    const input = fc.array(int8, { minLength: MLP_INPUTS, maxLength: MLP_INPUTS });
    await fc.assert(
      fc.asyncProperty(weightsArb, fc.array(input, { minLength: 1, maxLength: 5 }), async (weights, inputs) => {
        const s = await loadModel(buildMlpOnnx(weights));
        try {
          for (const x of inputs) await expectAgreement(s, weights, x);
        } finally {
          await s.release();
        }
      }),
      { numRuns: 60 },
    );
  });
});
