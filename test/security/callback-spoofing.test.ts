/**
 * Finding 1 (callback spoofing): anyone could request a job with an input of their choosing and name a victim
 * consumer as the callback, which then took the result as the answer to a question it never asked. The hub now
 * accepts a callback only when it is the requester itself.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ethers as E } from "ethers";
import { expectRefused } from "../helpers/hub.js";
import { MODEL_FEE, OPERATOR_REWARD, type TeeSetup, deployWithTeeModel, makeRequest, parseRequested, teeFulfillArgs } from "../helpers/verity.js";

const FEE = MODEL_FEE + OPERATOR_REWARD;
const { ethers, networkHelpers } = await network.create();

async function victimAndAttacker() {
  const c = await deployWithTeeModel(ethers);
  const attacker = await ethers.deployContract("SpoofingRequester");
  return { ...c, attacker };
}

describe("security: callback spoofing (finding 1)", function () {
  it("refuses an account's request that names another contract (a victim consumer) as its callback", async function () {
    const c = await networkHelpers.loadFixture(victimAndAttacker);
    const victim = await c.consumer.getAddress();
    const req = await makeRequest(c, { callback: victim, callbackGasLimit: 200_000 });
    await expectRefused(c as TeeSetup, () => c.hub.connect(c.other).requestInference(req, { value: FEE }), c.hub, "HubCallbackNotRequester", [
      victim,
      c.other.address,
    ], [c.other.address]);
    expect(await c.consumer.resultCount()).to.equal(0n);
  });

  it("refuses an attacker contract's request that names a victim consumer: nothing is escrowed, no job exists", async function () {
    const c = await networkHelpers.loadFixture(victimAndAttacker);
    const victim = await c.consumer.getAddress();
    const req = await makeRequest(c, { callbackGasLimit: 200_000 });
    await expectRefused(
      c as TeeSetup,
      () => c.attacker.connect(c.other).requestFor(c.hub, req, victim, { value: FEE }),
      c.hub,
      "HubCallbackNotRequester",
      [victim, await c.attacker.getAddress()],
      [c.other.address],
    );
    expect(await c.hub.jobCount()).to.equal(0n);
    expect(await ethers.provider.getBalance(await c.attacker.getAddress())).to.equal(0n);
  });

  it("still delivers a consumer the results of the jobs it asked for itself", async function () {
    const c = await networkHelpers.loadFixture(victimAndAttacker);
    const req = await makeRequest(c, { callbackGasLimit: 200_000 });
    const { jobId, job } = parseRequested(c, (await (await c.consumer.connect(c.other).ask(req, { value: FEE })).wait())!);
    expect(job.requester).to.equal(await c.consumer.getAddress());
    await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
    expect(await c.consumer.resultCount()).to.equal(1n);
    expect(await c.consumer.outputHashOf(jobId)).to.equal(E.keccak256((await teeFulfillArgs(c, jobId, job))[2].output));
  });
});
