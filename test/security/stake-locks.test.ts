/**
 * Finding 4 (unlocked stake): an OPTIMISTIC proposal only checked that the proposer had the slash amount of bonded
 * stake. The same stake backed any number of concurrent proposals (each wrong one was slashable for less and less),
 * a proposer could request an unstake right after proposing and leave before a dispute ended, and the unbonding
 * delay could be set shorter than a dispute. Now a proposal locks `slashAmount` of the proposer's free stake until the
 * game unlocks or slashes it (`OperatorInsufficientStake` names the free amount), `requestUnstake` releases only free
 * stake, slashes take only locked stake, and the unbonding delay is at least `MIN_UNBONDING_DELAY`, the longest
 * dispute (a 3-day challenge window and its 3-day resolution period).
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ethers as E } from "ethers";
import { encodeTensor } from "../../sdk/src/encoding/tensor.js";
import { releaseZkWorkers } from "../../sdk/src/proofs/zk.js";
import { BOND, MAX_CHALLENGE_WINDOW, SALT, Status, deployWithAllModes, inline, modeRequest, optimisticParams, resolutionFor } from "../helpers/modes.js";
import { KEY_STAKE, MODE_OPTIMISTIC, UNBONDING_DELAY } from "../helpers/verity.js";
import { IRIS_INPUT, prove } from "../helpers/zk.js";
import { WRONG, challenge, commit, expectDisputeRefused, propose } from "../helpers/optimistic.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

const ONE = E.parseEther("1");
const DAY = 24n * 3600n;

async function fixture() {
  return deployWithAllModes(ethers);
}

describe("security: stake locked behind proposals (finding 4)", function () {
  this.timeout(120_000);
  after(releaseZkWorkers);

  it("refuses a second concurrent proposal that the proposer's remaining free stake cannot back", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    // The fixture's operator has 1 ETH free (and KEY_STAKE locked behind its enclave key); each job can slash 0.6 ETH.
    const slash = E.parseEther("0.6");
    const params = optimisticParams(3600n, BOND, slash);
    const first = await modeRequest(c, MODE_OPTIMISTIC, params);
    const second = await modeRequest(c, MODE_OPTIMISTIC, params);
    await propose(c, first.jobId, first.job, WRONG);
    expect((await c.operators.getOperator(c.operator.address)).locked).to.equal(KEY_STAKE + slash);

    // The attack: back a second wrong answer with the same 1 ETH (together they could lose 1.2 ETH).
    await commit(c, second.jobId, WRONG);
    await expectDisputeRefused(
      c, second.jobId,
      () => c.game.connect(c.operator).proposeResult(second.jobId, second.job, inline(WRONG), SALT, { value: BOND }),
      c.operators, "OperatorInsufficientStake", [c.operator.address, slash, ONE - slash],
    );
    expect((await c.hub.getJob(second.jobId))[0]).to.equal(Status.Pending);
    expect([...(await c.operators.getOperator(c.operator.address))]).to.deep.equal([ONE + KEY_STAKE, KEY_STAKE + slash, 0n, 0n]);
  });

  it("refuses to unstake locked stake right after proposing, so a wrong proposal is slashed in full", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, optimisticParams());
    await propose(c, jobId, job, WRONG);
    const slash = E.parseEther("0.5");

    // The attack: propose a wrong answer, then take the stake out before anyone can prove it wrong.
    await expectDisputeRefused(c, jobId, () => c.operators.connect(c.operator).requestUnstake(ONE), c.operators, "OperatorInsufficientStake", [
      c.operator.address, ONE, ONE - slash,
    ]);
    // Only the free half can leave; the locked half stays behind the proposal.
    await c.operators.connect(c.operator).requestUnstake(ONE - slash);
    expect([...(await c.operators.getOperator(c.operator.address))].slice(0, 3)).to.deep.equal([KEY_STAKE + slash, KEY_STAKE + slash, ONE - slash]);

    // The dispute ends and the whole slash amount is taken from the locked stake.
    await challenge(c, jobId, job);
    const { result, attestation } = await resolutionFor(c, jobId, c.other.address);
    await expect(c.game.connect(c.other).resolveChallenge(jobId, job, result, attestation))
      .to.emit(c.operators, "OperatorSlashed")
      .withArgs(c.operator.address, jobId, slash / 2n, c.challenger.address, slash - slash / 2n);
    expect([...(await c.operators.getOperator(c.operator.address))].slice(0, 3)).to.deep.equal([KEY_STAKE, KEY_STAKE, ONE - slash]);
    expect(await c.operators.slashCreditOf(c.challenger.address)).to.equal(slash / 2n);
    expect(await c.operators.burned()).to.equal(slash - slash / 2n);
    // The free half is the operator's again after the delay.
    await time.increase(UNBONDING_DELAY);
    await expect(c.operators.connect(c.operator).withdrawStake()).to.emit(c.operators, "StakeWithdrawn").withArgs(c.operator.address, ONE - slash);
  });

  it("refuses an unbonding delay shorter than the longest dispute, at deployment and from governance", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const longest = 2n * MAX_CHALLENGE_WINDOW;
    expect(await c.operators.MIN_UNBONDING_DELAY()).to.equal(longest);
    expect(longest).to.equal(6n * DAY);
    for (const delay of [0n, 3600n, MAX_CHALLENGE_WINDOW, longest - 1n]) {
      await expect(c.operators.connect(c.governance).setUnbondingDelay(delay))
        .to.be.revertedWithCustomError(c.operators, "OperatorInvalidUnbondingDelay")
        .withArgs(delay);
      const factory = await ethers.getContractFactory("OperatorRegistry");
      await expect(factory.deploy(c.governance.address, E.ZeroAddress, delay))
        .to.be.revertedWithCustomError(factory, "OperatorInvalidUnbondingDelay")
        .withArgs(delay);
    }
    expect(await c.operators.unbondingDelay()).to.equal(UNBONDING_DELAY);
    await c.operators.connect(c.governance).setUnbondingDelay(longest);

    // At the shortest delay, stake unbonded when a longest-window proposal is made is released only once its
    // dispute (window, then resolution period) is over.
    const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, optimisticParams(MAX_CHALLENGE_WINDOW));
    const proved = await prove(c.weights, IRIS_INPUT, { jobId, submitter: c.other.address });
    const { closesAt } = await propose(c, jobId, job, encodeTensor(proved.output));
    await c.operators.connect(c.operator).requestUnstake(E.parseEther("0.5"));
    const releaseAt = (await c.operators.getOperator(c.operator.address)).unbondingReleaseAt;
    await time.setNextBlockTimestamp(closesAt);
    const { resolveBy } = await challenge(c, jobId, job);
    expect(releaseAt > resolveBy, "released after the dispute").to.equal(true);
    await expect(c.operators.connect(c.operator).withdrawStake())
      .to.be.revertedWithCustomError(c.operators, "OperatorUnbondingNotReleased")
      .withArgs(c.operator.address, releaseAt);
  });
});
