import { expect } from "chai";
import { network } from "hardhat";
import { ethers as ethersLib } from "ethers";
import { deployWithTeeModel, now, versionParams } from "../helpers/verity.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const TEE = 1 << 1;
const QUORUM = 1 << 3;
const HOUR = 3600n;
const MAX_PERIOD = 30n * 24n * HOUR;

/** A TEE version (1) and a TEE + QUORUM version (3) of one model; the operator is staked, `other` is not. */
async function fixture() {
  const c = await deployWithTeeModel(ethers);
  await c.models.connect(c.modelOwner).publishVersion(c.modelId, versionParams({ artifactHash: ethersLib.id("model v3"), modes: TEE | QUORUM }));
  return c;
}
type C = Awaited<ReturnType<typeof fixture>>;

/** Asserts a refusal with `error(...args)` that leaves the caller's announcement as it was. */
async function refused(c: C, who: ethersLib.Signer, version: number, send: () => Promise<unknown>, error: string, args: unknown[]) {
  const before = await c.operators.serviceOf(await who.getAddress(), c.modelId, version);
  await expect(send()).to.be.revertedWithCustomError(c.operators, error).withArgs(...args);
  expect(await c.operators.serviceOf(await who.getAddress(), c.modelId, version)).to.deep.equal(before);
}

describe("OperatorRegistry: service announcements", function () {
  it("records an announcement, emits ServiceAnnounced, and replaces it with the next one", async function () {
    const c = await loadFixture(fixture);
    const until = (await now(c)) + 6n * HOUR;
    await expect(c.operators.connect(c.operator).announceService(c.modelId, 3, TEE | QUORUM, until))
      .to.emit(c.operators, "ServiceAnnounced")
      .withArgs(c.operator.address, c.modelId, 3, TEE | QUORUM, until);
    expect(await c.operators.serviceOf(c.operator.address, c.modelId, 3)).to.deep.equal([BigInt(TEE | QUORUM), until]);
    expect(await c.operators.serviceOf(c.operator.address, c.modelId, 1)).to.deep.equal([0n, 0n]);
    await c.operators.connect(c.operator).announceService(c.modelId, 3, TEE, until + HOUR);
    expect(await c.operators.serviceOf(c.operator.address, c.modelId, 3)).to.deep.equal([BigInt(TEE), until + HOUR]);
  });

  it("lapses on its own: serviceOf reads nothing once `until` has passed", async function () {
    const c = await loadFixture(fixture);
    const until = (await now(c)) + HOUR;
    await c.operators.connect(c.operator).announceService(c.modelId, 1, TEE, until);
    await time.increaseTo(until);
    expect(await c.operators.serviceOf(c.operator.address, c.modelId, 1)).to.deep.equal([0n, 0n]);
  });

  it("withdraws with modes 0 (whatever until says)", async function () {
    const c = await loadFixture(fixture);
    await c.operators.connect(c.operator).announceService(c.modelId, 1, TEE, (await now(c)) + HOUR);
    await expect(c.operators.connect(c.operator).announceService(c.modelId, 1, 0, 12345))
      .to.emit(c.operators, "ServiceAnnounced")
      .withArgs(c.operator.address, c.modelId, 1, 0, 0);
    expect(await c.operators.serviceOf(c.operator.address, c.modelId, 1)).to.deep.equal([0n, 0n]);
  });

  it("attack: an account with no stake cannot announce (sybil announcements cost stake), nor withdraw", async function () {
    const c = await loadFixture(fixture);
    const until = (await now(c)) + HOUR;
    await refused(c, c.other, 1, () => c.operators.connect(c.other).announceService(c.modelId, 1, TEE, until), "ServiceNotStaked", [c.other.address]);
    await refused(c, c.other, 1, () => c.operators.connect(c.other).announceService(c.modelId, 1, 0, 0), "ServiceNotStaked", [c.other.address]);
  });

  it("refuses an unknown or deprecated version, and modes the version does not offer", async function () {
    const c = await loadFixture(fixture);
    const until = (await now(c)) + HOUR;
    const op = c.operators.connect(c.operator);
    await refused(c, c.operator, 9, () => op.announceService(c.modelId, 9, TEE, until), "ServiceUnknownVersion", [c.modelId, 9]);
    const unknown = ethersLib.id("no such model");
    await expect(op.announceService(unknown, 1, TEE, until)).to.be.revertedWithCustomError(c.operators, "ServiceUnknownVersion").withArgs(unknown, 1);
    await refused(c, c.operator, 1, () => op.announceService(c.modelId, 1, TEE | QUORUM, until), "ServiceInvalidModes", [TEE | QUORUM, TEE]);
    await refused(c, c.operator, 1, () => op.announceService(c.modelId, 1, 1, until), "ServiceInvalidModes", [1, TEE]);
    await c.models.connect(c.modelOwner).deprecateVersion(c.modelId, 2);
    await refused(c, c.operator, 2, () => op.announceService(c.modelId, 2, TEE, until), "ServiceUnknownVersion", [c.modelId, 2]);
  });

  it("refuses an announcement that lapses now, in the past, or more than 30 days ahead", async function () {
    const c = await loadFixture(fixture);
    const op = c.operators.connect(c.operator);
    const t = (await now(c)) + 1n; // the next block's time
    await time.setNextBlockTimestamp(t);
    await expect(op.announceService(c.modelId, 1, TEE, t)).to.be.revertedWithCustomError(c.operators, "ServiceInvalidUntil").withArgs(t, t + MAX_PERIOD);
    await time.setNextBlockTimestamp(t + 1n);
    await expect(op.announceService(c.modelId, 1, TEE, t + 2n + MAX_PERIOD))
      .to.be.revertedWithCustomError(c.operators, "ServiceInvalidUntil")
      .withArgs(t + 2n + MAX_PERIOD, t + 1n + MAX_PERIOD);
    await time.setNextBlockTimestamp(t + 2n);
    await op.announceService(c.modelId, 1, TEE, t + 2n + MAX_PERIOD);
    expect((await c.operators.serviceOf(c.operator.address, c.modelId, 1))[1]).to.equal(t + 2n + MAX_PERIOD);
  });

  it("moves no funds: an announcement leaves stakes and the registry's balance as they were", async function () {
    const c = await loadFixture(fixture);
    const registry = await c.operators.getAddress();
    const [balance, record] = [await ethers.provider.getBalance(registry), await c.operators.getOperator(c.operator.address)];
    await c.operators.connect(c.operator).announceService(c.modelId, 1, TEE, (await now(c)) + HOUR);
    expect(await ethers.provider.getBalance(registry)).to.equal(balance);
    expect(await c.operators.getOperator(c.operator.address)).to.deep.equal(record);
  });
});
