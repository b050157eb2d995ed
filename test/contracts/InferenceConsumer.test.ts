import { expect } from "chai";
import { network } from "hardhat";
import { ethers as E } from "ethers";
import { deployWithTeeModel, MODE_TEE, MODEL_FEE, INPUT, teeFulfillArgs, parseRequested } from "../helpers/verity.js";

const { ethers, networkHelpers } = await network.create();

async function consumerJob() {
  const c = await deployWithTeeModel(ethers);
  const fee = MODEL_FEE * 3n;
  const deadline = BigInt(await networkHelpers.time.latest()) + 600n;
  const tx = await c.consumer.connect(c.requester).ask(
    { modelId: c.modelId, version: 1, mode: MODE_TEE, deadline, callback: E.ZeroAddress, callbackGasLimit: 150_000,
      fee, params: 0n, inputHash: E.ZeroHash, input: INPUT, inputURI: "" },
    { value: fee },
  );
  const { jobId, job } = parseRequested(c, (await tx.wait())!);
  return { c, jobId, job, fee };
}

describe("InferenceConsumer", () => {
  it("requests with itself as requester and callback, and stores the verified result it is called back with", async () => {
    const { c, jobId, job } = await networkHelpers.loadFixture(consumerJob);
    expect(job.requester).to.equal(await c.consumer.getAddress());
    expect(job.callback).to.equal(await c.consumer.getAddress());
    await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
    expect(await c.consumer.resultCount()).to.equal(1n);
    expect(await c.consumer.outputHashOf(jobId)).to.equal(E.keccak256((await teeFulfillArgs(c, jobId, job))[2].output));
  });

  it("refuses a callback from anyone but the hub", async () => {
    const { c } = await networkHelpers.loadFixture(consumerJob);
    await expect(c.consumer.connect(c.other).onInferenceResult(1n, E.ZeroHash, "0x"))
      .to.be.revertedWithCustomError(c.consumer, "ConsumerOnlyHub")
      .withArgs(c.other.address);
    expect(await c.consumer.resultCount()).to.equal(0n);
  });

  it("pulls the refund of an expired job back from the hub", async () => {
    const { c, jobId, job, fee } = await networkHelpers.loadFixture(consumerJob);
    await networkHelpers.time.increase(601);
    await c.hub.connect(c.other).refund(jobId, job);
    const consumer = await c.consumer.getAddress();
    expect(await c.hub.creditOf(consumer, E.ZeroAddress)).to.equal(fee);
    const before = await ethers.provider.getBalance(consumer);
    await c.consumer.collectRefunds(E.ZeroAddress);
    expect(await ethers.provider.getBalance(consumer)).to.equal(before + fee);
    expect(await c.hub.creditOf(consumer, E.ZeroAddress)).to.equal(0n);
  });
});
