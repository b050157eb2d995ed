/**
 * Finding 2, OPTIMISTIC part (copied proposals): a proposal carried its answer in the clear, so a staked operator
 * watching the mempool could copy an honest proposal, outbid it, and take the fee for work it never did. Proposals are
 * now commit-reveal: `commitProposal(jobId, keccak256(jobId, proposer, outputHash, salt))` first, then in a later
 * block `proposeResult(..., salt)` from the committed account. A copier's reveal names the copier, for which there is
 * no commitment (`GameNotCommitted`), and a commitment made on seeing the reveal is from the same block
 * (`GameCommitTooRecent`).
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ethers as E } from "ethers";
import { encodeTensor } from "../../sdk/src/encoding/tensor.js";
import { releaseZkWorkers } from "../../sdk/src/proofs/zk.js";
import { BOND, SALT, Status, WINDOW, deployWithAllModes, inline, modeRequest, type ModesSetup } from "../helpers/modes.js";
import { MODE_OPTIMISTIC, type JobStruct } from "../helpers/verity.js";
import { IRIS_INPUT, prove } from "../helpers/zk.js";
import { inOneBlock, outbid } from "../helpers/mempool.js";
import { PARAMS, commit, commitmentOf, disputeAccounts, disputeLedger, expectDisputeRefused, minedAt } from "../helpers/optimistic.js";

const { ethers, networkHelpers } = await network.create();

async function fixture() {
  return deployWithAllModes(ethers);
}

/** The `proposeResult` arguments of a transaction, decoded from its calldata as anyone watching the mempool can. */
function revealArgsOf(c: ModesSetup, data: string) {
  const parsed = c.game.interface.parseTransaction({ data });
  expect(parsed?.name).to.equal("proposeResult");
  const [jobId, job, result, salt] = parsed!.args;
  const res = (result as E.Result).toObject() as { output: string; outputURI: string; outputHash: string };
  return [jobId as bigint, (job as E.Result).toObject() as JobStruct, res, salt as string] as const;
}

/** The custom error a mined, reverted transaction raised (its revert data, from the node's trace). */
async function revertOf(c: ModesSetup, hash: string) {
  const trace = (await ethers.provider.send("debug_traceTransaction", [hash, { disableStorage: true, disableMemory: true, disableStack: true }])) as {
    failed: boolean;
    returnValue: string;
  };
  expect(trace.failed).to.equal(true);
  const data = trace.returnValue.startsWith("0x") ? trace.returnValue : `0x${trace.returnValue}`;
  const error = c.game.interface.parseError(data);
  return { name: error?.name, args: error ? [...error.args] : [] };
}

describe("security: copied OPTIMISTIC proposals (finding 2)", function () {
  this.timeout(120_000);
  after(releaseZkWorkers);

  async function honestJob() {
    const c = await networkHelpers.loadFixture(fixture);
    const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, PARAMS);
    const proved = await prove(c.weights, IRIS_INPUT, { jobId, submitter: c.other.address });
    const output = encodeTensor(proved.output);
    const copier = c.quorum[0]!; // staked 1 ETH: it could back the proposal
    // The honest operator committed in an earlier block.
    await commit(c, jobId, output);
    return { c, jobId, job, output, copier };
  }

  it("refuses a staked copier's copy of a pending reveal, mined ahead of it; the honest proposal lands", async function () {
    const { c, jobId, job, output, copier } = await honestJob();
    const accounts = disputeAccounts(c, [copier.address]);
    const copierBalance = await ethers.provider.getBalance(copier.address);
    const copierStake = [...(await c.operators.getOperator(copier.address))];

    const [honestReceipt, copyReceipt] = await inOneBlock(ethers, async () => {
      // The operator broadcasts its reveal: it sits in the mempool, answer and salt in the clear.
      const honest = await c.game.connect(c.operator).proposeResult(jobId, job, inline(output), SALT, { value: BOND, gasLimit: 1_000_000n });
      const seen = (await ethers.provider.getTransaction(honest.hash))!;
      expect(seen.blockNumber, "still pending").to.equal(null);
      // The copier replays its arguments from its own account and outbids it.
      const copy = await c.game.connect(copier).proposeResult(...revealArgsOf(c, seen.data), { value: BOND, gasLimit: 1_000_000n, ...outbid(seen) });
      return [honest.hash, copy.hash];
    });
    if (!honestReceipt || !copyReceipt) throw new Error("not mined");
    expect(copyReceipt.blockNumber).to.equal(honestReceipt.blockNumber);
    expect(copyReceipt.index, "the copy ran first: a real front-run").to.be.lessThan(honestReceipt.index);
    expect([copyReceipt.status, honestReceipt.status]).to.deep.equal([0, 1]);
    expect(await revertOf(c, copyReceipt.hash)).to.deep.equal({
      name: "GameNotCommitted",
      args: [jobId, copier.address, await commitmentOf(c, jobId, output, copier.address)],
    });

    // The copier paid its gas and nothing else: no bond taken, no stake locked.
    expect(await ethers.provider.getBalance(copier.address)).to.equal(copierBalance - copyReceipt.gasUsed * copyReceipt.gasPrice);
    expect([...(await c.operators.getOperator(copier.address))]).to.deep.equal(copierStake);
    // The honest proposal is the job's.
    expect([...(await c.game.getProposal(jobId))].slice(0, 1)).to.deep.equal([c.operator.address]);
    expect((await c.hub.getJob(jobId))[0]).to.equal(Status.Proposed);
    expect(await ethers.provider.getBalance(await c.game.getAddress())).to.equal(BOND);
    expect((await disputeLedger(c, jobId, accounts)).stakes[accounts.indexOf(copier.address)]).to.deep.equal(copierStake);
  });

  it("refuses the copied reveal sent on its own, moving nothing (GameNotCommitted)", async function () {
    const { c, jobId, job, output, copier } = await honestJob();
    await expectDisputeRefused(
      c, jobId, () => c.game.connect(copier).proposeResult(jobId, job, inline(output), SALT, { value: BOND }),
      c.game, "GameNotCommitted", [jobId, copier.address, await commitmentOf(c, jobId, output, copier.address)],
      [copier.address],
    );
    const tx = await c.game.connect(c.operator).proposeResult(jobId, job, inline(output), SALT, { value: BOND });
    await expect(tx)
      .to.emit(c.game, "ResultProposed")
      .withArgs(jobId, c.operator.address, E.keccak256(output), BOND, (await minedAt(tx)) + WINDOW, output);
  });

  it("refuses a copier that commits on seeing the reveal and reveals in the same block (GameCommitTooRecent)", async function () {
    const { c, jobId, job, output, copier } = await honestJob();
    const copierBalance = await ethers.provider.getBalance(copier.address);
    const copierStake = [...(await c.operators.getOperator(copier.address))];
    const commitment = await commitmentOf(c, jobId, output, copier.address);

    const [commitReceipt, revealReceipt, honestReceipt] = await inOneBlock(ethers, async () => {
      const honest = await c.game.connect(c.operator).proposeResult(jobId, job, inline(output), SALT, { value: BOND, gasLimit: 1_000_000n });
      const seen = (await ethers.provider.getTransaction(honest.hash))!;
      // It commits to the answer it read, then reveals, both ahead of the honest reveal.
      const copyCommit = await c.game.connect(copier).commitProposal(jobId, commitment, { gasLimit: 100_000n, ...outbid(seen) });
      const copyReveal = await c.game.connect(copier).proposeResult(...revealArgsOf(c, seen.data), { value: BOND, gasLimit: 1_000_000n, ...outbid(seen) });
      return [copyCommit.hash, copyReveal.hash, honest.hash];
    });
    expect(new Set([commitReceipt!.blockNumber, revealReceipt!.blockNumber, honestReceipt!.blockNumber]).size).to.equal(1);
    expect(revealReceipt!.index).to.be.lessThan(honestReceipt!.index);
    expect([commitReceipt!.status, revealReceipt!.status, honestReceipt!.status]).to.deep.equal([1, 0, 1]);
    expect(await revertOf(c, revealReceipt!.hash)).to.deep.equal({ name: "GameCommitTooRecent", args: [jobId, BigInt(commitReceipt!.blockNumber)] });

    const gas = [commitReceipt!, revealReceipt!].reduce((s, r) => s + r.gasUsed * r.gasPrice, 0n);
    expect(await ethers.provider.getBalance(copier.address)).to.equal(copierBalance - gas);
    expect([...(await c.operators.getOperator(copier.address))]).to.deep.equal(copierStake);
    expect((await c.game.getProposal(jobId)).proposer).to.equal(c.operator.address);
  });
});
