/**
 * Finding 8 (governance can take everything), the parts fixed so far: the registry's hub is set once at deployment
 * (governance could point `setHub` at itself and slash every stake to itself), and neither the hub's nor the
 * registry's owner can renounce ownership (renouncing while paused froze requests for ever).
 * Finding 11 (smaller items): the hub has one `transferOwnership` and one `acceptOwnership` (its governance's);
 * a model's two-step transfer is `transferModelOwnership` / `acceptModelOwnership`.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ethers as E } from "ethers";
import { deployWithTeeModel } from "../helpers/verity.js";

const { ethers, networkHelpers } = await network.create();

async function system() {
  return deployWithTeeModel(ethers);
}

describe("security: governance powers (findings 8 and 11)", function () {
  it("refuses to point the registry at another hub (governance cannot slash stakes to itself)", async function () {
    const c = await networkHelpers.loadFixture(system);
    const hub = await c.hub.getAddress();
    const stakeBefore = (await c.operators.getOperator(c.operator.address)).stake;
    await expect(c.operators.connect(c.governance).setHub(c.governance.address))
      .to.be.revertedWithCustomError(c.operators, "OperatorHubAlreadySet")
      .withArgs(hub);
    expect(await c.operators.hub()).to.equal(hub);
    // Governance is not the hub, so it cannot slash.
    await expect(c.operators.connect(c.governance).slash(c.operator.address, stakeBefore, c.governance.address, 1n))
      .to.be.revertedWithCustomError(c.operators, "OperatorOnlyHub")
      .withArgs(c.governance.address);
    expect((await c.operators.getOperator(c.operator.address)).stake).to.equal(stakeBefore);
  });

  it("refuses renounceOwnership on the hub, even while paused, and keeps its owner", async function () {
    const c = await networkHelpers.loadFixture(system);
    await c.hub.connect(c.governance).setPaused(true);
    await expect(c.hub.connect(c.governance).renounceOwnership()).to.be.revertedWithCustomError(c.hub, "HubRenounceDisabled");
    expect(await c.hub.owner()).to.equal(c.governance.address);
    await c.hub.connect(c.governance).setPaused(false);
    expect(await c.hub.paused()).to.equal(false);
  });

  it("refuses renounceOwnership on the registry and keeps its owner", async function () {
    const c = await networkHelpers.loadFixture(system);
    const owner = await c.operators.owner();
    const signer = await ethers.getSigner(owner);
    await expect(c.operators.connect(signer).renounceOwnership()).to.be.revertedWithCustomError(c.operators, "OperatorRenounceDisabled");
    expect(await c.operators.owner()).to.equal(owner);
  });

  it("still refuses renounceOwnership from anyone but the owner with Ownable's own error", async function () {
    const c = await networkHelpers.loadFixture(system);
    await expect(c.hub.connect(c.other).renounceOwnership())
      .to.be.revertedWithCustomError(c.hub, "OwnableUnauthorizedAccount")
      .withArgs(c.other.address);
  });

  it("has no overloaded functions in the hub's ABI (ABI tools see one transferOwnership and one acceptOwnership)", async function () {
    const c = await networkHelpers.loadFixture(system);
    const names = c.hub.interface.fragments.filter((f): f is E.FunctionFragment => f.type === "function").map((f) => f.name);
    const overloaded = names.filter((n, i) => names.indexOf(n) !== i);
    expect(overloaded).to.deep.equal([]);
    expect(names).to.include.members(["transferOwnership", "acceptOwnership", "transferModelOwnership", "acceptModelOwnership"]);
  });
});
