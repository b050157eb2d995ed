import { expect } from "chai";
import { type Hex, keccak256, toHex } from "viem";
import { loadIrisOnnx } from "../../../sdk/src/model/iris.js";
import { ArtifactHashMismatchError, ZkCommitmentMismatchError } from "../../../sdk/src/operator/errors.js";
import { createModelCache } from "../../../sdk/src/operator/models.js";
import { runMlp } from "../../../sdk/src/operator/runtime.js";
import { modelCommitment } from "../../../sdk/src/prover/prove.js";
import {
  type Connection,
  FLOWERS,
  IRIS,
  ROOT,
  chainOf,
  connect,
  deployOperatorSystem,
  modelCacheOf,
  rejection,
  trueOutput,
} from "./helpers.js";

/** The Iris weights with one output bias moved: a different model, with a different commitment. */
const ALTERED = { ...IRIS.weights, b2: IRIS.weights.b2.map((b, i) => (i === 0 ? b + 1n : b)) };

describe("operator parts: model cache", function () {
  let c: Connection;
  const system = () => deployOperatorSystem(c);
  before(async function () {
    c = await connect();
  });

  it("loads the version's model once: a second call gets the same session, and the version is read once", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const chain = chainOf(c, s);
    let reads = 0;
    const models = createModelCache({
      chain: { version: (modelId: Hex, v: number) => (reads++, chain.version(modelId, v)), ioSignature: chain.ioSignature },
      modelDir: ROOT,
    });
    try {
      const first = models.session(s.modelId, s.version);
      const second = models.session(s.modelId, s.version);
      expect(second).to.equal(first);
      const session = await first;
      expect(await models.session(s.modelId, s.version)).to.equal(session);
      expect(reads).to.equal(1);
      expect(await runMlp(session, FLOWERS[0]!)).to.deep.equal(trueOutput(FLOWERS[0]!));
    } finally {
      await models.release();
    }
  });

  it("refuses a version whose file does not match its artifact hash, and tries again on the next call", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const models = modelCacheOf(c, s);
    const recorded = await models.version(s.modelId, s.wrongVersion);
    const first = models.session(s.modelId, s.wrongVersion);
    const err = await rejection(first);
    expect(err).to.be.instanceOf(ArtifactHashMismatchError);
    expect(err).to.include({ uri: "file:models/iris-mlp.onnx", expected: recorded.artifactHash, actual: keccak256(loadIrisOnnx()) });

    const second = models.session(s.modelId, s.wrongVersion);
    expect(second).not.to.equal(first); // the failure was not cached
    expect(await rejection(second)).to.be.instanceOf(ArtifactHashMismatchError);
  });

  it("accepts the ZK weights the version commits to", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    await modelCacheOf(c, s).checkZkCommitment(s.modelId, s.version, IRIS.weights);
  });

  it("refuses altered ZK weights with ZkCommitmentMismatchError naming both commitments, and does not cache the refusal", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const models = modelCacheOf(c, s);
    const { zkModelCommitment } = await models.version(s.modelId, s.version);
    const altered = toHex(await modelCommitment(ALTERED), { size: 32 });
    expect(altered).not.to.equal(zkModelCommitment);

    const err = await rejection(models.checkZkCommitment(s.modelId, s.version, ALTERED));
    expect(err).to.be.instanceOf(ZkCommitmentMismatchError);
    expect(err.message).to.include(zkModelCommitment).and.to.include(altered);
    // The right weights are then checked afresh (a refusal is not remembered).
    await models.checkZkCommitment(s.modelId, s.version, IRIS.weights);
  });

  it("checks each set of weights: altered weights are refused even after the right ones passed", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const models = modelCacheOf(c, s);
    await models.checkZkCommitment(s.modelId, s.version, IRIS.weights);
    expect(await rejection(models.checkZkCommitment(s.modelId, s.version, ALTERED))).to.be.instanceOf(ZkCommitmentMismatchError);
  });
});
