/**
 * Finding 5 (self-challenge): a proposer of a wrong answer could challenge it from a second account, to occupy the one
 * challenge slot and keep honest challengers out, then lose nothing: the overturned proposal's bond and slash went to
 * the challenger, that is to itself. Now the one who proves the true output (the resolver, bound into the ZK proof)
 * is paid the fee and the proposer's bond, the challenger gets back its own bond and half the slash, and the other
 * half is burned. A proposer and its second account therefore end poorer by the proposer's bond and half the slash
 * (`BOND + SLASH / 2`), the honest resolver is paid, and a challenge from the proposer's own account is refused.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ethers as E } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { releaseZkWorkers } from "../../sdk/src/proofs/zk.js";
import { BOND, FEE, SLASH, Status, deployWithAllModes, modeRequest, resolutionFor, type ModesSetup } from "../helpers/modes.js";
import { NATIVE } from "../helpers/hub.js";
import { MODE_OPTIMISTIC } from "../helpers/verity.js";
import { PARAMS, WRONG, challenge, expectDisputeRefused, propose } from "../helpers/optimistic.js";

const { ethers, networkHelpers } = await network.create();

async function fixture() {
  const c = await deployWithAllModes(ethers);
  const signers = await ethers.getSigners();
  const sock = signers[15]!; // the proposer's second account
  return { ...c, sock };
}

/** What an account is worth in the system: wallet, hub credit, slash credit, and its stake record. */
async function worth(c: ModesSetup, who: HardhatEthersSigner) {
  const op = await c.operators.getOperator(who.address);
  return (
    (await ethers.provider.getBalance(who.address)) +
    (await c.hub.creditOf(who.address, NATIVE)) +
    (await c.operators.slashCreditOf(who.address)) +
    op.stake +
    op.unbonding
  );
}

/** Gas paid by `accounts` in the blocks after `sinceBlock`. */
async function gasPaidSince(sinceBlock: number, accounts: string[]) {
  let paid = 0n;
  const latest = await ethers.provider.getBlockNumber();
  for (let b = sinceBlock + 1; b <= latest; b++) {
    const block = await ethers.provider.getBlock(b, true);
    for (const tx of block!.prefetchedTransactions) {
      if (!accounts.includes(tx.from)) continue;
      const receipt = await ethers.provider.getTransactionReceipt(tx.hash);
      paid += receipt!.gasUsed * receipt!.gasPrice;
    }
  }
  return paid;
}

describe("security: self-challenge (finding 5)", function () {
  this.timeout(120_000);
  after(releaseZkWorkers);

  it("leaves a proposer and its second account poorer by its bond and half the slash, and pays the honest resolver", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, PARAMS);
    const share = FEE - (job.modelFee as bigint);
    const pair = [c.operator, c.sock];
    const start = await ethers.provider.getBlockNumber();
    const before = (await worth(c, c.operator)) + (await worth(c, c.sock));
    const resolverBefore = await worth(c, c.other);
    const burnedBefore = await c.operators.burned();

    // The attack: propose a wrong answer and take the one challenge slot from the second account at once.
    await propose(c, jobId, job, WRONG);
    await challenge(c, jobId, job, c.sock);
    await expect(c.game.connect(c.challenger).challenge(jobId, job, { value: BOND }))
      .to.be.revertedWithCustomError(c.game, "GameAlreadyChallenged")
      .withArgs(jobId, c.sock.address);

    // An honest resolver proves the true output within the resolution period.
    const { result, attestation } = await resolutionFor(c, jobId, c.other.address);
    const tx = await c.game.connect(c.other).resolveChallenge(jobId, job, result, attestation);
    await expect(tx)
      .to.emit(c.game, "ChallengeResolved")
      .withArgs(jobId, c.operator.address, c.sock.address, false, E.keccak256(WRONG), E.keccak256(result.output), SLASH / 2n, SLASH - SLASH / 2n, c.other.address);
    const resolverGas = (await tx.wait())!.gasUsed * (await tx.wait())!.gasPrice;

    // The pair: both bonds posted, the second account's bond back, the stake slashed, half the slash credited back.
    const pairGas = await gasPaidSince(start, pair.map((p) => p.address));
    const after = (await worth(c, c.operator)) + (await worth(c, c.sock));
    expect(after + pairGas - before).to.equal(-(BOND + SLASH / 2n));
    expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(0n);
    expect(await c.hub.creditOf(c.sock.address, NATIVE)).to.equal(BOND);
    expect(await c.operators.slashCreditOf(c.sock.address)).to.equal(SLASH / 2n);
    // The resolver: the operator share of the fee and the proposer's bond, less its gas.
    expect(await c.hub.creditOf(c.other.address, NATIVE)).to.equal(share + BOND);
    expect((await worth(c, c.other)) - resolverBefore).to.equal(share + BOND - resolverGas);
    // The other half of the slash is gone for good, and the requester got the true output.
    expect((await c.operators.burned()) - burnedBefore).to.equal(SLASH - SLASH / 2n);
    expect((await c.hub.getJob(jobId))[0]).to.equal(Status.Fulfilled);
  });

  it("leaves the pair poorer by half the slash even when its second account resolves the challenge itself", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, PARAMS);
    const share = FEE - (job.modelFee as bigint);
    const start = await ethers.provider.getBlockNumber();
    const before = (await worth(c, c.operator)) + (await worth(c, c.sock));
    await propose(c, jobId, job, WRONG);
    await challenge(c, jobId, job, c.sock);
    const { result, attestation } = await resolutionFor(c, jobId, c.sock.address);
    await c.game.connect(c.sock).resolveChallenge(jobId, job, result, attestation);
    const pairGas = await gasPaidSince(start, [c.operator.address, c.sock.address]);
    const after = (await worth(c, c.operator)) + (await worth(c, c.sock));
    // It earns the fee for the true output, and the burn takes half the slash.
    expect(after + pairGas - before).to.equal(share - (SLASH - SLASH / 2n));
    expect(share < SLASH - SLASH / 2n, "the burn outweighs the fee").to.equal(true);
  });

  it("refuses a challenge from the proposer's own account (GameSelfChallenge), moving nothing", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, PARAMS);
    await propose(c, jobId, job, WRONG);
    await expectDisputeRefused(c, jobId, () => c.game.connect(c.operator).challenge(jobId, job, { value: BOND }), c.game, "GameSelfChallenge", [
      jobId, c.operator.address,
    ]);
    expect((await c.hub.getJob(jobId))[0]).to.equal(Status.Proposed);
    // An honest challenger can still take the slot.
    await challenge(c, jobId, job);
  });
});
