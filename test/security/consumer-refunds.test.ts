/**
 * Finding 11 (smaller items), the consumer's side: `InferenceConsumer` gave a dApp no way to take refunds out by
 * default and was never told of refunds. It now has `refundExpired` (refunds one of its own expired jobs and calls
 * `_onInferenceRefunded`) and `collectRefunds` (pulls its credited refunds from the hub into itself).
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ethers as E } from "ethers";
import { MODEL_FEE, OPERATOR_REWARD, deployWithTeeModel, makeRequest, parseRequested, request } from "../helpers/verity.js";

const FEE = MODEL_FEE + OPERATOR_REWARD;
const { ethers, networkHelpers } = await network.create();

async function expiredConsumerJob() {
  const c = await deployWithTeeModel(ethers);
  const req = await makeRequest(c, { callbackGasLimit: 100_000 });
  const { jobId, job } = parseRequested(c, (await (await c.consumer.connect(c.requester).ask(req, { value: FEE })).wait())!);
  await networkHelpers.time.increaseTo((job.deadline as bigint) + 1n);
  return { c, jobId, job };
}

describe("security: a consumer's refunds (finding 11)", function () {
  it("refunds its own expired job, is told of it, and collects the fee into itself", async function () {
    const { c, jobId, job } = await networkHelpers.loadFixture(expiredConsumerJob);
    const consumer = await c.consumer.getAddress();
    await expect(c.consumer.connect(c.other).refundExpired(jobId, job)).to.emit(c.hub, "InferenceRefunded").withArgs(jobId, consumer, E.ZeroAddress, FEE);
    expect(await c.consumer.refundedFee(jobId)).to.equal(FEE);
    const before = await ethers.provider.getBalance(consumer);
    await expect(c.consumer.connect(c.other).collectRefunds(E.ZeroAddress)).to.emit(c.consumer, "ConsumerRefundsCollected").withArgs(E.ZeroAddress, FEE);
    expect(await ethers.provider.getBalance(consumer)).to.equal(before + FEE);
    expect(await c.hub.creditOf(consumer, E.ZeroAddress)).to.equal(0n);
  });

  it("refuses to refund a job it did not request, and changes nothing", async function () {
    const { c } = await networkHelpers.loadFixture(expiredConsumerJob);
    const other = await request(c); // requested by an account, not the consumer
    await networkHelpers.time.increaseTo((other.job.deadline as bigint) + 1n);
    await expect(c.consumer.refundExpired(other.jobId, other.job))
      .to.be.revertedWithCustomError(c.consumer, "ConsumerNotRequester")
      .withArgs(other.jobId, c.requester.address);
    expect((await c.hub.getJob(other.jobId)).status).to.equal(1n);
    expect(await c.consumer.refundedFee(other.jobId)).to.equal(0n);
  });

  it("refuses to refund before the deadline (the hub's HubJobNotExpired comes through)", async function () {
    const c = await deployWithTeeModel(ethers);
    const req = await makeRequest(c, { callbackGasLimit: 100_000 });
    const { jobId, job } = parseRequested(c, (await (await c.consumer.connect(c.requester).ask(req, { value: FEE })).wait())!);
    await expect(c.consumer.refundExpired(jobId, job)).to.be.revertedWithCustomError(c.hub, "HubJobNotExpired").withArgs(jobId, job.deadline);
    expect(await c.consumer.refundedFee(jobId)).to.equal(0n);
  });
});
