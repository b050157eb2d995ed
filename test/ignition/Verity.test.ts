import { expect } from "chai";
import { network } from "hardhat";
import VerityModule from "../../ignition/modules/Verity.js";

const { ethers, ignition } = await network.create();

describe("Ignition module Verity", () => {
  it("deploys the hub and the operator registry wired to each other, with the deployer as governance", async () => {
    const [deployer] = await ethers.getSigners();
    if (!deployer) throw new Error("no signer");
    const { hub, operatorRegistry } = await ignition.deploy(VerityModule);
    const hubAddress = await hub.getAddress();
    const registryAddress = await operatorRegistry.getAddress();
    expect(await operatorRegistry.getFunction("hub")()).to.equal(hubAddress);
    expect(await hub.getFunction("operatorRegistry")()).to.equal(registryAddress);
    expect(await hub.getFunction("verifierOf")(1)).to.equal(registryAddress);
    expect(await hub.getFunction("modelRegistry")()).to.equal(hubAddress);
    expect(await hub.getFunction("owner")()).to.equal(deployer.address);
    expect(await operatorRegistry.getFunction("owner")()).to.equal(deployer.address);
    expect(await hub.getFunction("treasury")()).to.equal(deployer.address);
    expect(await operatorRegistry.getFunction("unbondingDelay")()).to.equal(7n * 24n * 3600n);
  });

  it("takes the treasury, stake token and unbonding delay as parameters", async () => {
    const [, treasury] = await ethers.getSigners();
    if (!treasury) throw new Error("no second signer");
    const token = await ethers.deployContract("TestToken", ["Stake", "STK"]);
    const { hub, operatorRegistry } = await ignition.deploy(VerityModule, {
      parameters: { Verity: { treasury: treasury.address, stakeToken: await token.getAddress(), unbondingDelay: 3600n } },
    });
    expect(await hub.getFunction("treasury")()).to.equal(treasury.address);
    expect(await operatorRegistry.getFunction("stakeToken")()).to.equal(await token.getAddress());
    expect(await operatorRegistry.getFunction("unbondingDelay")()).to.equal(3600n);
  });
});
