import { expect } from "chai";
import { network } from "hardhat";
import { ethers as ethersLib } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ModelRegistry } from "../../types/ethers-contracts/index.js";
import {
  deployCore,
  MODE_OPTIMISTIC,
  MODE_QUORUM,
  MODE_TEE,
  MODE_ZK,
  MODEL_FEE,
  modeBit,
  now,
  TOKEN_MODEL_FEE,
  versionParams,
} from "../helpers/verity.js";
import { defined, modelIdOf, modelSnapshot, signersAt } from "../helpers/registries.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture } = networkHelpers;

const NAME = "iris-mlp";
const MAX_UINT88 = (1n << 88n) - 1n;
const ZK_FIELDS = {
  zkVerifier: ethersLib.getAddress("0x00000000000000000000000000000000000000fe"),
  zkModelCommitment: ethersLib.id("zk model commitment"),
  zkVerifyingKeyHash: ethersLib.id("zk verifying key"),
};

type Params = ReturnType<typeof versionParams>;
const paramsTuple = (p: Params) => [
  p.artifactHash,
  p.uri,
  p.modes,
  p.feeToken,
  p.fee,
  p.zkVerifier,
  p.zkModelCommitment,
  p.zkVerifyingKeyHash,
  p.ioSignature,
];

/** The deployed system: the hub is the model registry. */
async function core() {
  return defined(await deployCore(ethers));
}

/** A model with two versions: v1 TEE with a native fee, v2 TEE+QUORUM with an ERC-20 fee. */
async function modelWithVersions() {
  const c = defined(await deployCore(ethers));
  await c.models.connect(c.modelOwner).registerModel(NAME);
  const modelId = modelIdOf(c.modelOwner.address, NAME);
  const v1 = versionParams();
  const v2 = versionParams({
    artifactHash: ethersLib.id("model v2"),
    uri: "ipfs://bafy-model-v2",
    modes: modeBit(MODE_TEE, MODE_QUORUM),
    feeToken: await c.token.getAddress(),
    fee: TOKEN_MODEL_FEE,
  });
  await c.models.connect(c.modelOwner).publishVersion(modelId, v1);
  const v1PublishedAt = await now(c);
  await c.models.connect(c.modelOwner).publishVersion(modelId, v2);
  return { ...c, modelId, v1, v2, v1PublishedAt };
}

type Fixture = Awaited<ReturnType<typeof modelWithVersions>>;

// A model's own two-step ownership (the hub's governance has transferOwnership/acceptOwnership of its own).
const transferModel = (c: Fixture, from: HardhatEthersSigner, modelId: string, to: string) =>
  c.models.connect(from).transferModelOwnership(modelId, to);
const acceptModel = (c: Fixture, from: HardhatEthersSigner, modelId: string) =>
  c.models.connect(from).acceptModelOwnership(modelId);

/** Asserts `send` is refused with `error(...args)` and that nothing the registry stores about the model changed. */
async function expectRefused(
  c: Fixture,
  modelId: string,
  send: () => Promise<unknown>,
  error: string,
  args?: unknown[],
) {
  const before = await modelSnapshot(c.models, modelId);
  const assertion = expect(send()).to.be.revertedWithCustomError(c.models, error);
  await (args ? assertion.withArgs(...args) : assertion);
  expect(await modelSnapshot(c.models, modelId)).to.deep.equal(before);
}

describe("ModelRegistry (inherited by InferenceHub)", function () {
  describe("registerModel", function () {
    it("derives the id from keccak256(abi.encode(registrant, name)) and returns it", async function () {
      const c = await loadFixture(core);
      const id = await c.models.connect(c.modelOwner).registerModel.staticCall(NAME);
      expect(id).to.equal(modelIdOf(c.modelOwner.address, NAME));
    });

    it("records the registrant as owner with the name and no versions, and emits ModelRegistered", async function () {
      const c = await loadFixture(core);
      const id = modelIdOf(c.modelOwner.address, NAME);
      await expect(c.models.connect(c.modelOwner).registerModel(NAME))
        .to.emit(c.models, "ModelRegistered")
        .withArgs(id, c.modelOwner.address, NAME);
      const [owner, name, versionCount] = await c.models.getModel(id);
      expect([owner, name, versionCount]).to.deep.equal([c.modelOwner.address, NAME, 0n]);
      expect(await c.models.ownerOf(id)).to.equal(c.modelOwner.address);
      expect(await c.models.pendingOwnerOf(id)).to.equal(ethersLib.ZeroAddress);
    });

    it("gives the same name a different id for each registrant", async function () {
      const c = await loadFixture(core);
      await c.models.connect(c.modelOwner).registerModel(NAME);
      await c.models.connect(c.other).registerModel(NAME);
      expect(await c.models.ownerOf(modelIdOf(c.modelOwner.address, NAME))).to.equal(c.modelOwner.address);
      expect(await c.models.ownerOf(modelIdOf(c.other.address, NAME))).to.equal(c.other.address);
    });

    it("accepts a name of exactly 64 bytes", async function () {
      const c = await loadFixture(core);
      const name = "n".repeat(64);
      await c.models.connect(c.modelOwner).registerModel(name);
      expect((await c.models.getModel(modelIdOf(c.modelOwner.address, name)))[1]).to.equal(name);
    });

    it("rejects an empty name", async function () {
      const c = await loadFixture(core);
      await expect(c.models.connect(c.modelOwner).registerModel(""))
        .to.be.revertedWithCustomError(c.models, "ModelInvalidName")
        .withArgs(0);
      expect(await c.models.ownerOf(modelIdOf(c.modelOwner.address, ""))).to.equal(ethersLib.ZeroAddress);
    });

    it("rejects a name longer than 64 bytes", async function () {
      const c = await loadFixture(core);
      const name = "n".repeat(65);
      await expect(c.models.connect(c.modelOwner).registerModel(name))
        .to.be.revertedWithCustomError(c.models, "ModelInvalidName")
        .withArgs(65);
      expect(await c.models.ownerOf(modelIdOf(c.modelOwner.address, name))).to.equal(ethersLib.ZeroAddress);
    });

    it("counts the name's length in UTF-8 bytes, not characters", async function () {
      const c = await loadFixture(core);
      const name = "é".repeat(33); // 33 characters, 66 bytes
      await expect(c.models.connect(c.modelOwner).registerModel(name))
        .to.be.revertedWithCustomError(c.models, "ModelInvalidName")
        .withArgs(66);
    });

    it("rejects registering the same name twice and keeps the existing model", async function () {
      const c = await loadFixture(modelWithVersions);
      await expectRefused(
        c,
        c.modelId,
        () => c.models.connect(c.modelOwner).registerModel(NAME),
        "ModelAlreadyRegistered",
        [c.modelId],
      );
    });

    it("keeps the name taken by its registrant after the model is transferred away", async function () {
      const c = await loadFixture(modelWithVersions);
      await transferModel(c, c.modelOwner, c.modelId, c.other.address);
      await acceptModel(c, c.other, c.modelId);
      await expectRefused(
        c,
        c.modelId,
        () => c.models.connect(c.modelOwner).registerModel(NAME),
        "ModelAlreadyRegistered",
        [c.modelId],
      );
    });
  });

  describe("publishVersion", function () {
    it("numbers versions 1, 2, 3 and returns the new number", async function () {
      const c = await loadFixture(modelWithVersions);
      const p3 = versionParams({ artifactHash: ethersLib.id("model v3") });
      expect(await c.models.connect(c.modelOwner).publishVersion.staticCall(c.modelId, p3)).to.equal(3n);
      await c.models.connect(c.modelOwner).publishVersion(c.modelId, p3);
      expect((await c.models.getModel(c.modelId))[2]).to.equal(3n);
      expect(await c.models.versionOfArtifact(c.modelId, c.v1.artifactHash)).to.equal(1n);
      expect(await c.models.versionOfArtifact(c.modelId, c.v2.artifactHash)).to.equal(2n);
      expect(await c.models.versionOfArtifact(c.modelId, p3.artifactHash)).to.equal(3n);
    });

    it("stores every field of the version, the publication time and deprecated = false", async function () {
      const c = await loadFixture(modelWithVersions);
      const v = await c.models.getVersion(c.modelId, 1);
      expect(v.artifactHash).to.equal(c.v1.artifactHash);
      expect(v.uri).to.equal(c.v1.uri);
      expect(v.modes).to.equal(BigInt(c.v1.modes));
      expect(v.deprecated).to.equal(false);
      expect(v.feeToken).to.equal(ethersLib.ZeroAddress);
      expect(v.fee).to.equal(MODEL_FEE);
      expect(v.zkVerifier).to.equal(ethersLib.ZeroAddress);
      expect(v.zkModelCommitment).to.equal(ethersLib.ZeroHash);
      expect(v.zkVerifyingKeyHash).to.equal(ethersLib.ZeroHash);
      expect(v.publishedAt).to.equal(c.v1PublishedAt);
      expect(v.ioSignatureHash).to.equal(ethersLib.keccak256(c.v1.ioSignature));
      const v2 = await c.models.getVersion(c.modelId, 2);
      expect([v2.uri, v2.modes, v2.feeToken, v2.fee]).to.deep.equal([
        c.v2.uri,
        BigInt(c.v2.modes),
        c.v2.feeToken,
        TOKEN_MODEL_FEE,
      ]);
    });

    it("stores the ZK circuit of a ZK + OPTIMISTIC version", async function () {
      const c = await loadFixture(modelWithVersions);
      const p = versionParams({ artifactHash: ethersLib.id("zk model"), modes: modeBit(MODE_ZK, MODE_OPTIMISTIC), ...ZK_FIELDS });
      await c.models.connect(c.modelOwner).publishVersion(c.modelId, p);
      const v = await c.models.getVersion(c.modelId, 3);
      expect([v.modes, v.zkVerifier, v.zkModelCommitment, v.zkVerifyingKeyHash]).to.deep.equal([
        BigInt(p.modes),
        ZK_FIELDS.zkVerifier,
        ZK_FIELDS.zkModelCommitment,
        ZK_FIELDS.zkVerifyingKeyHash,
      ]);
    });

    it("emits VersionPublished with every published parameter", async function () {
      const c = await loadFixture(modelWithVersions);
      const p = versionParams({
        artifactHash: ethersLib.id("model v3"),
        uri: "https://models.example/v3.onnx",
        modes: modeBit(MODE_ZK, MODE_TEE),
        fee: 7n,
        ...ZK_FIELDS,
      });
      await expect(c.models.connect(c.modelOwner).publishVersion(c.modelId, p))
        .to.emit(c.models, "VersionPublished")
        .withArgs(c.modelId, 3, p.artifactHash, paramsTuple(p));
    });

    it("accepts a URI of exactly 512 bytes, a fee of 2^88 - 1 and the highest mode bit", async function () {
      const c = await loadFixture(modelWithVersions);
      const p = versionParams({ artifactHash: ethersLib.id("edge"), uri: "u".repeat(512), fee: MAX_UINT88, modes: 1 << 7 });
      await c.models.connect(c.modelOwner).publishVersion(c.modelId, p);
      const v = await c.models.getVersion(c.modelId, 3);
      expect([v.uri.length, v.fee, v.modes]).to.deep.equal([512, MAX_UINT88, 128n]);
    });

    it("accepts an IO signature of exactly 16,384 bytes and stores its hash; the event carries the document", async function () {
      const c = await loadFixture(modelWithVersions);
      const document = ethersLib.hexlify(ethersLib.toUtf8Bytes("s".repeat(16_384)));
      const p = versionParams({ artifactHash: ethersLib.id("big signature"), ioSignature: document });
      await expect(c.models.connect(c.modelOwner).publishVersion(c.modelId, p))
        .to.emit(c.models, "VersionPublished")
        .withArgs(c.modelId, 3, p.artifactHash, paramsTuple(p));
      expect((await c.models.getVersion(c.modelId, 3)).ioSignatureHash).to.equal(ethersLib.keccak256(document));
    });

    for (const [what, length] of [["an empty IO signature", 0], ["an IO signature longer than 16,384 bytes", 16_385]] as const) {
      it(`rejects ${what}, naming its length`, async function () {
        const c = await loadFixture(modelWithVersions);
        const p = versionParams({ artifactHash: ethersLib.id("model v3"), ioSignature: ethersLib.hexlify(new Uint8Array(length).fill(0x61)) });
        await expectRefused(
          c,
          c.modelId,
          () => c.models.connect(c.modelOwner).publishVersion(c.modelId, p),
          "ModelInvalidIoSignature",
          [length],
        );
        expect(await c.models.versionOfArtifact(c.modelId, p.artifactHash)).to.equal(0n);
      });
    }

    it("accepts an artifact hash already used by another model", async function () {
      const c = await loadFixture(modelWithVersions);
      await c.models.connect(c.other).registerModel(NAME);
      const otherId = modelIdOf(c.other.address, NAME);
      await c.models.connect(c.other).publishVersion(otherId, c.v1);
      expect(await c.models.versionOfArtifact(otherId, c.v1.artifactHash)).to.equal(1n);
    });

    it("rejects a publisher who is not the model owner", async function () {
      const c = await loadFixture(modelWithVersions);
      const p = versionParams({ artifactHash: ethersLib.id("model v3") });
      await expectRefused(c, c.modelId, () => c.models.connect(c.other).publishVersion(c.modelId, p), "ModelNotOwner", [
        c.modelId,
        c.other.address,
      ]);
      expect(await c.models.versionOfArtifact(c.modelId, p.artifactHash)).to.equal(0n);
    });

    it("rejects the hub's governance owner: model ownership is separate from hub ownership", async function () {
      const c = await loadFixture(modelWithVersions);
      const p = versionParams({ artifactHash: ethersLib.id("model v3") });
      await expectRefused(
        c,
        c.modelId,
        () => c.models.connect(c.governance).publishVersion(c.modelId, p),
        "ModelNotOwner",
        [c.modelId, c.governance.address],
      );
    });

    it("rejects an unknown model", async function () {
      const c = await loadFixture(modelWithVersions);
      const unknown = modelIdOf(c.other.address, "nothing");
      await expectRefused(c, unknown, () => c.models.connect(c.other).publishVersion(unknown, versionParams()), "ModelUnknown", [
        unknown,
      ]);
    });

    const invalidArtifacts: [string, Partial<Params>][] = [
      ["a zero artifact hash", { artifactHash: ethersLib.ZeroHash }],
      ["an empty URI", { uri: "" }],
      ["a URI longer than 512 bytes", { uri: "u".repeat(513) }],
    ];
    for (const [what, overrides] of invalidArtifacts) {
      it(`rejects ${what}`, async function () {
        const c = await loadFixture(modelWithVersions);
        const p = versionParams({ artifactHash: ethersLib.id("model v3"), ...overrides });
        await expectRefused(c, c.modelId, () => c.models.connect(c.modelOwner).publishVersion(c.modelId, p), "ModelInvalidArtifact");
      });
    }

    it("rejects an artifact hash already published for the model, naming the version that has it", async function () {
      const c = await loadFixture(modelWithVersions);
      const p = versionParams({ artifactHash: c.v2.artifactHash, uri: "file:other.onnx" });
      await expectRefused(
        c,
        c.modelId,
        () => c.models.connect(c.modelOwner).publishVersion(c.modelId, p),
        "ModelDuplicateArtifact",
        [c.modelId, c.v2.artifactHash, 2],
      );
    });

    it("rejects re-publishing the artifact of a deprecated version", async function () {
      const c = await loadFixture(modelWithVersions);
      await c.models.connect(c.modelOwner).deprecateVersion(c.modelId, 1);
      await expectRefused(
        c,
        c.modelId,
        () => c.models.connect(c.modelOwner).publishVersion(c.modelId, c.v1),
        "ModelDuplicateArtifact",
        [c.modelId, c.v1.artifactHash, 1],
      );
    });

    const invalidModes: [string, number][] = [
      ["no mode at all (0)", 0],
      ["bit 0, which is not a mode", 1],
      ["bit 0 together with a valid mode", 1 | modeBit(MODE_TEE)],
    ];
    for (const [what, modes] of invalidModes) {
      it(`rejects modes with ${what}`, async function () {
        const c = await loadFixture(modelWithVersions);
        const p = versionParams({ artifactHash: ethersLib.id("model v3"), modes });
        await expectRefused(
          c,
          c.modelId,
          () => c.models.connect(c.modelOwner).publishVersion(c.modelId, p),
          "ModelInvalidModes",
          [modes],
        );
      });
    }

    it("rejects a fee of 2^88, which does not fit the packed terms", async function () {
      const c = await loadFixture(modelWithVersions);
      const p = versionParams({ artifactHash: ethersLib.id("model v3"), fee: MAX_UINT88 + 1n });
      await expectRefused(
        c,
        c.modelId,
        () => c.models.connect(c.modelOwner).publishVersion(c.modelId, p),
        "ModelFeeTooLarge",
        [MAX_UINT88 + 1n],
      );
    });

    for (const mode of [MODE_ZK, MODE_OPTIMISTIC]) {
      for (const missing of Object.keys(ZK_FIELDS) as (keyof typeof ZK_FIELDS)[]) {
        it(`rejects mode ${mode === MODE_ZK ? "ZK" : "OPTIMISTIC"} without ${missing}`, async function () {
          const c = await loadFixture(modelWithVersions);
          const zero = missing === "zkVerifier" ? ethersLib.ZeroAddress : ethersLib.ZeroHash;
          const modes = modeBit(mode);
          const p = versionParams({ artifactHash: ethersLib.id("model v3"), modes, ...ZK_FIELDS, [missing]: zero });
          await expectRefused(
            c,
            c.modelId,
            () => c.models.connect(c.modelOwner).publishVersion(c.modelId, p),
            "ModelInvalidZkCircuit",
            [modes],
          );
        });
      }
    }

    for (const given of Object.keys(ZK_FIELDS) as (keyof typeof ZK_FIELDS)[]) {
      it(`rejects ${given} on a version without ZK or OPTIMISTIC mode`, async function () {
        const c = await loadFixture(modelWithVersions);
        const modes = modeBit(MODE_TEE, MODE_QUORUM);
        const p = versionParams({ artifactHash: ethersLib.id("model v3"), modes, [given]: ZK_FIELDS[given] });
        await expectRefused(
          c,
          c.modelId,
          () => c.models.connect(c.modelOwner).publishVersion(c.modelId, p),
          "ModelInvalidZkCircuit",
          [modes],
        );
      });
    }
  });

  describe("deprecateVersion", function () {
    it("sets the deprecated flag, zeroes the active modes in requestTerms and emits VersionDeprecated", async function () {
      const c = await loadFixture(modelWithVersions);
      await expect(c.models.connect(c.modelOwner).deprecateVersion(c.modelId, 2))
        .to.emit(c.models, "VersionDeprecated")
        .withArgs(c.modelId, 2);
      const v = await c.models.getVersion(c.modelId, 2);
      expect(v.deprecated).to.equal(true);
      expect(v.modes).to.equal(BigInt(c.v2.modes)); // the published modes stay on record
      expect([...(await c.models.requestTerms(c.modelId, 2))]).to.deep.equal([c.v2.feeToken, TOKEN_MODEL_FEE, 0n]);
    });

    it("leaves the other versions active", async function () {
      const c = await loadFixture(modelWithVersions);
      await c.models.connect(c.modelOwner).deprecateVersion(c.modelId, 2);
      expect((await c.models.getVersion(c.modelId, 1)).deprecated).to.equal(false);
      expect([...(await c.models.requestTerms(c.modelId, 1))]).to.deep.equal([
        ethersLib.ZeroAddress,
        MODEL_FEE,
        BigInt(c.v1.modes),
      ]);
    });

    it("rejects deprecating a version twice", async function () {
      const c = await loadFixture(modelWithVersions);
      await c.models.connect(c.modelOwner).deprecateVersion(c.modelId, 1);
      await expectRefused(
        c,
        c.modelId,
        () => c.models.connect(c.modelOwner).deprecateVersion(c.modelId, 1),
        "ModelVersionDeprecated",
        [c.modelId, 1],
      );
    });

    for (const version of [0, 3]) {
      it(`rejects unknown version ${version}`, async function () {
        const c = await loadFixture(modelWithVersions);
        await expectRefused(
          c,
          c.modelId,
          () => c.models.connect(c.modelOwner).deprecateVersion(c.modelId, version),
          "ModelUnknownVersion",
          [c.modelId, version],
        );
      });
    }

    it("rejects a caller who is not the model owner", async function () {
      const c = await loadFixture(modelWithVersions);
      await expectRefused(
        c,
        c.modelId,
        () => c.models.connect(c.other).deprecateVersion(c.modelId, 1),
        "ModelNotOwner",
        [c.modelId, c.other.address],
      );
    });

    it("rejects an unknown model", async function () {
      const c = await loadFixture(modelWithVersions);
      const unknown = ethersLib.id("no such model");
      await expect(c.models.connect(c.modelOwner).deprecateVersion(unknown, 1))
        .to.be.revertedWithCustomError(c.models, "ModelUnknown")
        .withArgs(unknown);
    });
  });

  describe("two-step ownership", function () {
    it("records the pending owner on transferOwnership without changing the owner", async function () {
      const c = await loadFixture(modelWithVersions);
      await expect(transferModel(c, c.modelOwner, c.modelId, c.other.address))
        .to.emit(c.models, "ModelOwnershipTransferStarted")
        .withArgs(c.modelId, c.modelOwner.address, c.other.address);
      expect(await c.models.ownerOf(c.modelId)).to.equal(c.modelOwner.address);
      expect(await c.models.pendingOwnerOf(c.modelId)).to.equal(c.other.address);
    });

    it("hands the model over when the pending owner accepts, and clears the pending owner", async function () {
      const c = await loadFixture(modelWithVersions);
      await transferModel(c, c.modelOwner, c.modelId, c.other.address);
      await expect(acceptModel(c, c.other, c.modelId))
        .to.emit(c.models, "ModelOwnershipTransferred")
        .withArgs(c.modelId, c.modelOwner.address, c.other.address);
      expect(await c.models.ownerOf(c.modelId)).to.equal(c.other.address);
      expect(await c.models.pendingOwnerOf(c.modelId)).to.equal(ethersLib.ZeroAddress);
      expect((await c.models.getModel(c.modelId))[0]).to.equal(c.other.address);
    });

    it("lets the new owner publish and deprecate, and refuses the old owner", async function () {
      const c = await loadFixture(modelWithVersions);
      await transferModel(c, c.modelOwner, c.modelId, c.other.address);
      await acceptModel(c, c.other, c.modelId);
      const p3 = versionParams({ artifactHash: ethersLib.id("model v3") });
      const p4 = versionParams({ artifactHash: ethersLib.id("model v4") });
      await expectRefused(c, c.modelId, () => c.models.connect(c.modelOwner).publishVersion(c.modelId, p4), "ModelNotOwner", [
        c.modelId,
        c.modelOwner.address,
      ]);
      await expectRefused(c, c.modelId, () => c.models.connect(c.modelOwner).deprecateVersion(c.modelId, 1), "ModelNotOwner", [
        c.modelId,
        c.modelOwner.address,
      ]);
      await expectRefused(c, c.modelId, () => transferModel(c, c.modelOwner, c.modelId, c.modelOwner.address), "ModelNotOwner", [
        c.modelId,
        c.modelOwner.address,
      ]);
      await c.models.connect(c.other).publishVersion(c.modelId, p3);
      await c.models.connect(c.other).deprecateVersion(c.modelId, 1);
      expect((await c.models.getModel(c.modelId))[2]).to.equal(3n);
      expect((await c.models.getVersion(c.modelId, 1)).deprecated).to.equal(true);
    });

    it("rejects acceptance by anyone but the pending owner", async function () {
      const c = await loadFixture(modelWithVersions);
      await transferModel(c, c.modelOwner, c.modelId, c.other.address);
      for (const caller of [c.requester, c.modelOwner]) {
        await expectRefused(c, c.modelId, () => acceptModel(c, caller, c.modelId), "ModelNotPendingOwner", [
          c.modelId,
          caller.address,
        ]);
      }
    });

    it("rejects acceptance when no transfer was started", async function () {
      const c = await loadFixture(modelWithVersions);
      await expectRefused(c, c.modelId, () => acceptModel(c, c.other, c.modelId), "ModelNotPendingOwner", [
        c.modelId,
        c.other.address,
      ]);
    });

    it("rejects acceptance of an unknown model", async function () {
      const c = await loadFixture(modelWithVersions);
      const unknown = ethersLib.id("no such model");
      await expectRefused(c, unknown, () => acceptModel(c, c.other, unknown), "ModelUnknown", [unknown]);
    });

    it("cancels a pending transfer when the owner transfers to zero", async function () {
      const c = await loadFixture(modelWithVersions);
      await transferModel(c, c.modelOwner, c.modelId, c.other.address);
      await expect(transferModel(c, c.modelOwner, c.modelId, ethersLib.ZeroAddress))
        .to.emit(c.models, "ModelOwnershipTransferStarted")
        .withArgs(c.modelId, c.modelOwner.address, ethersLib.ZeroAddress);
      expect(await c.models.pendingOwnerOf(c.modelId)).to.equal(ethersLib.ZeroAddress);
      await expectRefused(c, c.modelId, () => acceptModel(c, c.other, c.modelId), "ModelNotPendingOwner", [
        c.modelId,
        c.other.address,
      ]);
    });

    it("replaces the pending owner when the owner starts a new transfer", async function () {
      const c = await loadFixture(modelWithVersions);
      await transferModel(c, c.modelOwner, c.modelId, c.other.address);
      await transferModel(c, c.modelOwner, c.modelId, c.requester.address);
      await expectRefused(c, c.modelId, () => acceptModel(c, c.other, c.modelId), "ModelNotPendingOwner", [
        c.modelId,
        c.other.address,
      ]);
      await acceptModel(c, c.requester, c.modelId);
      expect(await c.models.ownerOf(c.modelId)).to.equal(c.requester.address);
    });

    it("rejects transferOwnership from a non-owner", async function () {
      const c = await loadFixture(modelWithVersions);
      await expectRefused(c, c.modelId, () => transferModel(c, c.other, c.modelId, c.other.address), "ModelNotOwner", [
        c.modelId,
        c.other.address,
      ]);
    });

    it("rejects transferOwnership of an unknown model", async function () {
      const c = await loadFixture(modelWithVersions);
      const unknown = ethersLib.id("no such model");
      await expectRefused(c, unknown, () => transferModel(c, c.other, unknown, c.other.address), "ModelUnknown", [unknown]);
    });

    it("does not touch the hub's own governance owner", async function () {
      const c = await loadFixture(modelWithVersions);
      await transferModel(c, c.modelOwner, c.modelId, c.other.address);
      await acceptModel(c, c.other, c.modelId);
      expect(await c.hub.owner()).to.equal(c.governance.address);
      expect(await c.hub.pendingOwner()).to.equal(ethersLib.ZeroAddress);
    });
  });

  describe("views", function () {
    it("getModel rejects an unknown model", async function () {
      const c = await loadFixture(core);
      const unknown = ethersLib.id("no such model");
      await expect(c.models.getModel(unknown)).to.be.revertedWithCustomError(c.models, "ModelUnknown").withArgs(unknown);
    });

    it("ownerOf and pendingOwnerOf return zero for an unknown model", async function () {
      const c = await loadFixture(core);
      const unknown = ethersLib.id("no such model");
      expect(await c.models.ownerOf(unknown)).to.equal(ethersLib.ZeroAddress);
      expect(await c.models.pendingOwnerOf(unknown)).to.equal(ethersLib.ZeroAddress);
    });

    it("getVersion rejects version 0 and versions past the last", async function () {
      const c = await loadFixture(modelWithVersions);
      for (const version of [0, 3]) {
        await expect(c.models.getVersion(c.modelId, version))
          .to.be.revertedWithCustomError(c.models, "ModelUnknownVersion")
          .withArgs(c.modelId, version);
      }
    });

    it("versionOfArtifact returns the version, or 0 for an unknown artifact or model", async function () {
      const c = await loadFixture(modelWithVersions);
      expect(await c.models.versionOfArtifact(c.modelId, c.v2.artifactHash)).to.equal(2n);
      expect(await c.models.versionOfArtifact(c.modelId, ethersLib.id("unknown file"))).to.equal(0n);
      expect(await c.models.versionOfArtifact(ethersLib.id("no such model"), c.v1.artifactHash)).to.equal(0n);
    });

    it("requestTerms returns the fee token, fee and modes of a published version", async function () {
      const c = await loadFixture(modelWithVersions);
      expect([...(await c.models.requestTerms(c.modelId, 1))]).to.deep.equal([ethersLib.ZeroAddress, MODEL_FEE, BigInt(c.v1.modes)]);
      expect([...(await c.models.requestTerms(c.modelId, 2))]).to.deep.equal([c.v2.feeToken, TOKEN_MODEL_FEE, BigInt(c.v2.modes)]);
    });

    it("requestTerms returns zeros, without reverting, for an unknown version or model", async function () {
      const c = await loadFixture(modelWithVersions);
      const zeros = [ethersLib.ZeroAddress, 0n, 0n];
      expect([...(await c.models.requestTerms(c.modelId, 3))]).to.deep.equal(zeros);
      expect([...(await c.models.requestTerms(c.modelId, 0))]).to.deep.equal(zeros);
      expect([...(await c.models.requestTerms(ethersLib.id("no such model"), 1))]).to.deep.equal(zeros);
    });
  });

  describe("stand-alone deployment", function () {
    async function standalone() {
      const [owner] = await signersAt(ethers, 0);
      const registry = (await ethers.deployContract("ModelRegistry")) as unknown as ModelRegistry;
      return { registry, owner };
    }

    it("registers a model and publishes a version without a hub", async function () {
      const { registry, owner } = await loadFixture(standalone);
      await registry.registerModel(NAME);
      const id = modelIdOf(owner.address, NAME);
      await expect(registry.publishVersion(id, versionParams()))
        .to.emit(registry, "VersionPublished")
        .withArgs(id, 1, versionParams().artifactHash, paramsTuple(versionParams()));
      expect((await registry.getVersion(id, 1)).uri).to.equal(versionParams().uri);
    });
  });
});
