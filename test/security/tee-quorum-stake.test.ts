/**
 * Finding (issue 10 review): the same stake backed an enclave key and QUORUM votes, but a QUORUM dispute could not
 * reach it. QUORUM eligibility read the bonded stake including locked stake, while `disputeQuorum` slashes only free
 * and unbonding stake ("never locked stake"). With enclave keys an operator can lock all its stake for as long as it
 * re-attests, so it could keep signing QUORUM votes that a ZK-proven dispute could not slash.
 *
 * Fixed: a QUORUM vote counts only the signer's free stake (`stake - locked`, OperatorRegistry `_bondedStake`), so
 * such a vote is refused at fulfilment with `QuorumStakeTooLow`, naming the free stake (zero).
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ethers as E } from "ethers";
import { encodeTensor } from "../../sdk/src/encoding/tensor.js";
import { releaseZkWorkers } from "../../sdk/src/proofs/zk.js";
import {
  QUORUM_STAKE,
  WRONG_OUTPUT,
  ascending,
  deployWithAllModes,
  modeRequest,
  quorumFulfillArgs,
  quorumParams,
} from "../helpers/modes.js";
import { MODE_QUORUM, registerEnclave } from "../helpers/verity.js";

const { ethers, networkHelpers } = await network.create();
const WRONG = encodeTensor(WRONG_OUTPUT);
const MIN_STAKE = E.parseEther("0.4");

async function fixture() {
  return deployWithAllModes(ethers);
}

describe("security: stake locked behind enclave keys does not back QUORUM votes", function () {
  this.timeout(120_000);
  after(releaseZkWorkers);

  it("refuses a wrong QUORUM vote whose signers locked all their stake behind enclave keys, and keeps job and funds", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const signers = ascending(c.quorum.slice(0, 3));
    // Each signer locks its whole stake (1 ETH) behind an enclave key registered through the committee.
    for (const [i, s] of signers.entries()) {
      await registerEnclave(c, `quorum signer key ${i}`, { operator: s, stake: QUORUM_STAKE });
      expect((await c.operators.getOperator(s.address)).locked).to.equal(QUORUM_STAKE);
    }
    const { jobId, job } = await modeRequest(c, MODE_QUORUM, quorumParams(2, MIN_STAKE));
    const [statusBefore, commitmentBefore] = await c.hub.getJob(jobId);
    const stakesBefore = await Promise.all(signers.map(async (s) => (await c.operators.getOperator(s.address)).stake));
    await expect(c.hub.connect(c.operator).fulfill(...(await quorumFulfillArgs(c, jobId, job, signers, WRONG))))
      .to.be.revertedWithCustomError(c.operators, "QuorumStakeTooLow")
      .withArgs(jobId, signers[0]!.address, 0n, MIN_STAKE);
    expect(await c.hub.getJob(jobId)).to.deep.equal([statusBefore, commitmentBefore]);
    expect(await c.operators.bondedStakes(signers.map((s) => s.address))).to.deep.equal(signers.map(() => 0n));
    const stakesAfter = await Promise.all(signers.map(async (s) => (await c.operators.getOperator(s.address)).stake));
    expect(stakesAfter).to.deep.equal(stakesBefore);
  });
});
