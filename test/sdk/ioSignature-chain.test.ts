/**
 * A version's IO signature on chain: published in full with the version, committed as a hash, read back and checked
 * by the SDK; requests whose input does not match are refused before anything is sent (nonce, balance and job count
 * unchanged); a version whose document is missing or forged is refused as unreadable, never guessed.
 */
import { expect } from "chai";
import { keccak256, parseEther, toHex, zeroAddress, zeroHash } from "viem";
import { writeContract } from "viem/actions";
import {
  IoSignatureError,
  IoSignatureUnavailableError,
  ModelInputError,
  decodeIoSignature,
  encodeIoSignature,
  getIoSignature,
  getModelVersion,
  hashIoSignature,
  inferenceHubAbi,
  ioSignature,
  publishVersionSync,
  registerModelSync,
  requestInferenceSync,
  tensor,
} from "../../sdk/src/index.js";
import { IRIS_IO_SIGNATURE, MNIST_FLOAT_IO_SIGNATURE } from "../../sdk/src/model/signatures.js";
import { FEE, INPUT, MODEL_FEE, connect, deployTeeSystem, mined, rejectsWith, sentState } from "./helpers.js";

describe("IO signatures on chain", function () {
  this.timeout(120_000);

  async function setup() {
    const c = await connect();
    const s = await deployTeeSystem(c);
    const { modelId: mnistId } = await registerModelSync(c.modelOwner, { hub: s.hub, name: "mnist-mlp-f32" });
    const { version: mnistVersion } = await publishVersionSync(c.modelOwner, {
      hub: s.hub,
      modelId: mnistId,
      artifactHash: keccak256(toHex("mnist file")),
      uri: "file:models/mnist-mlp-f32.onnx",
      modes: ["tee", "quorum"],
      fee: MODEL_FEE,
      ioSignature: MNIST_FLOAT_IO_SIGNATURE,
    });
    return { c, s, mnistId, mnistVersion };
  }

  /** What a refused request must leave unchanged: the requester's nonce, balance, the chain's height. */
  async function snapshot(c: Awaited<ReturnType<typeof connect>>) {
    const account = c.requester.account.address;
    return { ...(await sentState(c, account)), balance: await c.publicClient.getBalance({ address: account }) };
  }

  it("stores the document's hash and publishes the document; getIoSignature reads it back, checked", async function () {
    const { c, s, mnistId, mnistVersion } = await setup();
    const v = await getModelVersion(c.publicClient, { hub: s.hub, modelId: mnistId, version: mnistVersion });
    expect(v.ioSignatureHash).to.equal(hashIoSignature(MNIST_FLOAT_IO_SIGNATURE));
    expect(v.ioSignatureHash).to.equal(keccak256(encodeIoSignature(MNIST_FLOAT_IO_SIGNATURE)));
    const read = await getIoSignature(c.publicClient, { hub: s.hub, modelId: mnistId, version: mnistVersion });
    expect(encodeIoSignature(read)).to.equal(encodeIoSignature(MNIST_FLOAT_IO_SIGNATURE));
    expect(read.inputs[0]).to.deep.equal({ name: "image", dtype: "float32", shape: ["batch", 784] });
    expect(read.canonicalization.kind).to.equal("grid");
    expect(read.labels?.logits).to.have.length(10);
  });

  const mismatches: [string, Parameters<typeof requestInferenceSync>[1]["input"], RegExp][] = [
    ["another dtype", tensor.float64([1, 784], new Float64Array(784)), /input "image" is float64/],
    ["another width", tensor.float32([1, 783], new Float32Array(783)), /input "image" has shape \[1,783\]/],
    ["another rank", tensor.float32([784], new Float32Array(784)), /input "image" has shape \[784\]/],
    ["an unknown name", { tensors: { pixels: tensor.float32([1, 784], new Float32Array(784)) } }, /there is no input "pixels"/],
  ];
  for (const [what, input, message] of mismatches) {
    it(`refuses an input with ${what} before escrow, naming the tensor and what the model takes`, async function () {
      const { c, s, mnistId, mnistVersion } = await setup();
      const before = await snapshot(c);
      const err = await rejectsWith(
        requestInferenceSync(c.requester, { hub: s.hub, modelId: mnistId, version: mnistVersion, input, fee: FEE }),
        ModelInputError,
      );
      expect(err.shortMessage).to.match(message);
      expect(err.message).to.match(/The model takes .*"image" .*float32 \[batch,784\]/);
      expect(await snapshot(c)).to.deep.equal(before);
    });
  }

  it("accepts a matching input of any batch size (the symbolic dimension) and a named-tensor set", async function () {
    const { c, s, mnistId, mnistVersion } = await setup();
    const one = await requestInferenceSync(c.requester, {
      hub: s.hub, modelId: mnistId, version: mnistVersion, input: tensor.float32([1, 784], new Float32Array(784)), fee: FEE,
    });
    const three = await requestInferenceSync(c.requester, {
      hub: s.hub, modelId: mnistId, version: mnistVersion, input: { tensors: { image: tensor.float32([3, 784], new Float32Array(3 * 784)) } }, fee: FEE,
    });
    expect(three.jobId).to.equal(one.jobId + 1n);
  });

  it("refuses a single tensor for a model with several inputs, naming them", async function () {
    const { c, s } = await setup();
    const vad = ioSignature({
      inputs: [
        { name: "input", dtype: "float32", shape: ["batch", "sequence"] },
        { name: "sr", dtype: "int64", shape: [] },
      ],
      outputs: [{ name: "output", dtype: "float32", shape: ["batch", 1] }],
    });
    const { modelId } = await registerModelSync(c.modelOwner, { hub: s.hub, name: "vad" });
    const { version } = await publishVersionSync(c.modelOwner, {
      hub: s.hub, modelId, artifactHash: keccak256(toHex("vad")), uri: "file:vad.onnx", modes: ["tee"], ioSignature: vad,
    });
    const before = await snapshot(c);
    const err = await rejectsWith(
      requestInferenceSync(c.requester, { hub: s.hub, modelId, version, input: tensor.float32([1, 512], new Float32Array(512)), fee: FEE }),
      ModelInputError,
    );
    expect(err.message).to.match(/2 named inputs \("input", "sr"\)/);
    const missing = await rejectsWith(
      requestInferenceSync(c.requester, { hub: s.hub, modelId, version, input: { tensors: { input: tensor.float32([1, 512], new Float32Array(512)) } }, fee: FEE }),
      ModelInputError,
    );
    expect(missing.shortMessage).to.match(/input "sr" is missing/);
    expect(await snapshot(c)).to.deep.equal(before);
  });

  it("checks a signature the caller gives against the version's hash instead of reading logs", async function () {
    const { c, s, mnistId, mnistVersion } = await setup();
    const before = await snapshot(c);
    const err = await rejectsWith(
      requestInferenceSync(c.requester, {
        hub: s.hub, modelId: mnistId, version: mnistVersion, input: INPUT, fee: FEE, ioSignature: IRIS_IO_SIGNATURE,
      }),
      IoSignatureUnavailableError,
    );
    expect(err.shortMessage).to.match(/hashes to 0x[0-9a-f]{64}, the version commits to/);
    expect(await snapshot(c)).to.deep.equal(before);
  });

  it("refuses, as unreadable, a version whose published document is not a canonical IO signature", async function () {
    // Published straight to the contract (the SDK would refuse it): the registry cannot parse JSON, so the SDK must.
    const { c, s } = await setup();
    const { modelId } = await registerModelSync(c.modelOwner, { hub: s.hub, name: "garbled" });
    const params = {
      artifactHash: keccak256(toHex("garbled")), uri: "file:g.onnx", modes: 2, feeToken: zeroAddress, fee: 0n,
      zkVerifier: zeroAddress, zkModelCommitment: zeroHash, zkVerifyingKeyHash: zeroHash,
      ioSignature: toHex('{ "inputs": [] }'),
    };
    await mined(c, await writeContract(c.modelOwner, { address: s.hub, abi: inferenceHubAbi, functionName: "publishVersion", args: [modelId, params] }));
    const err = await rejectsWith(getIoSignature(c.publicClient, { hub: s.hub, modelId, version: 1 }), IoSignatureUnavailableError);
    expect(err.shortMessage).to.match(/not a canonical IO signature/);
    const before = await snapshot(c);
    await rejectsWith(requestInferenceSync(c.requester, { hub: s.hub, modelId, version: 1, input: INPUT, fee: FEE }), IoSignatureUnavailableError);
    expect(await snapshot(c)).to.deep.equal(before);
  });

  it("refuses to publish QUORUM or OPTIMISTIC for float outputs compared exactly (operators could not agree)", async function () {
    const { c, s, mnistId } = await setup();
    const exact = ioSignature({ ...MNIST_FLOAT_IO_SIGNATURE, canonicalization: { kind: "exact" } });
    const before = await sentState(c, c.modelOwner.account.address);
    const err = await rejectsWith(
      publishVersionSync(c.modelOwner, {
        hub: s.hub, modelId: mnistId, artifactHash: keccak256(toHex("exact")), uri: "file:m.onnx", modes: ["tee", "quorum"], ioSignature: exact,
      }),
      IoSignatureError,
    );
    expect(err.shortMessage).to.match(/quorum|QUORUM/);
    expect(await sentState(c, c.modelOwner.account.address)).to.deep.equal(before);
    // TEE alone is fine: one enclave computes the output, nobody has to reproduce it bit for bit.
    const { version } = await publishVersionSync(c.modelOwner, {
      hub: s.hub, modelId: mnistId, artifactHash: keccak256(toHex("exact")), uri: "file:m.onnx", modes: ["tee"], ioSignature: exact,
    });
    expect(decodeIoSignature(encodeIoSignature(await getIoSignature(c.publicClient, { hub: s.hub, modelId: mnistId, version }))).canonicalization).to.deep.equal({ kind: "exact" });
  });

  it("a model with several versions: each version's own document, even when published in one block range", async function () {
    const { c, s, mnistId } = await setup();
    const second = ioSignature({ ...MNIST_FLOAT_IO_SIGNATURE, canonicalization: { kind: "grid", fractionBits: 8 } });
    const { version } = await publishVersionSync(c.modelOwner, {
      hub: s.hub, modelId: mnistId, artifactHash: keccak256(toHex("mnist v2")), uri: "file:m2.onnx", modes: ["tee"], fee: parseEther("0"), ioSignature: second,
    });
    const [a, b] = await Promise.all([1, version].map((v) => getIoSignature(c.publicClient, { hub: s.hub, modelId: mnistId, version: v })));
    expect(a!.canonicalization).to.deep.equal({ kind: "grid", fractionBits: 6 });
    expect(b!.canonicalization).to.deep.equal({ kind: "grid", fractionBits: 8 });
  });
});
