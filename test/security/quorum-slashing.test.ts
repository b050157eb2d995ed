/**
 * Finding 9 (QUORUM had no economic security): nothing slashed a wrong vote, `minStake = 0` let 1-wei sybils form a
 * quorum, and a signer could leave right after voting. Now the registry has a protocol minimum stake for signers
 * (`minQuorumStake`, governance), and a signed vote is evidence by itself: `disputeQuorum` with the signers' votes and
 * a ZK proof (bound to the disputer) that the version's circuit maps the job's input to another output slashes each
 * signer the larger of the job's `minStake` and the protocol's, half to the disputer, half burned, taken from free
 * stake and then from unbonding stake. Disputes stay open for `MIN_UNBONDING_DELAY` after the job's deadline, and a
 * signer's unbonding stake stays slashable at least that long after its vote.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ethers as E } from "ethers";
import { encodeTensor } from "../../sdk/src/encoding/tensor.js";
import { releaseZkWorkers } from "../../sdk/src/proofs/zk.js";
import {
  Status,
  WRONG_OUTPUT,
  ascending,
  deployWithAllModes,
  modeRequest,
  quorumAttestation,
  quorumFulfillArgs,
  quorumParams,
  resolutionFor,
  votes,
} from "../helpers/modes.js";
import { MODE_QUORUM } from "../helpers/verity.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

const ONE = E.parseEther("1");
const WRONG = encodeTensor(WRONG_OUTPUT);
const INLINE = E.keccak256("0x");
const DAY = 24n * 3600n;

async function fixture() {
  return deployWithAllModes(ethers);
}

/** A 2-of-3 QUORUM job fulfilled with a wrong output by three of the fixture's quorum operators. */
async function wrongQuorumJob(c: Awaited<ReturnType<typeof fixture>>, minStake = E.parseEther("0.4")) {
  const { jobId, job } = await modeRequest(c, MODE_QUORUM, quorumParams(2, minStake));
  const signers = ascending(c.quorum.slice(0, 3));
  await c.hub.connect(c.operator).fulfill(...(await quorumFulfillArgs(c, jobId, job, signers, WRONG)));
  const attestation = quorumAttestation(await votes(c, jobId, job, signers, WRONG));
  return { jobId, job, signers, attestation };
}

async function stakesOf(c: Awaited<ReturnType<typeof fixture>>, accounts: { address: string }[]) {
  return Promise.all(accounts.map(async (a) => (await c.operators.getOperator(a.address)).stake));
}

describe("security: a wrong QUORUM vote is slashed (finding 9)", function () {
  this.timeout(180_000);
  after(releaseZkWorkers);

  it("refuses 1-wei sybils once governance sets a protocol minimum, whatever the job's minStake", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const sybils = [c.smallStake]; // 0.1 ETH bonded
    await expect(c.operators.setMinQuorumStake(ONE / 2n))
      .to.emit(c.operators, "MinQuorumStakeUpdated").withArgs(0n, ONE / 2n);
    const { jobId, job } = await modeRequest(c, MODE_QUORUM, quorumParams(1, 0n));
    const before = await c.hub.getJob(jobId);
    await expect(c.hub.connect(c.operator).fulfill(...(await quorumFulfillArgs(c, jobId, job, sybils, WRONG))))
      .to.be.revertedWithCustomError(c.operators, "QuorumStakeTooLow")
      .withArgs(jobId, c.smallStake.address, E.parseEther("0.1"), ONE / 2n);
    expect(await c.hub.getJob(jobId)).to.deep.equal(before);
    await expect(c.operators.connect(c.operator).setMinQuorumStake(1n))
      .to.be.revertedWithCustomError(c.operators, "OwnableUnauthorizedAccount").withArgs(c.operator.address);
  });

  it("slashes every signer of a wrong result with a ZK proof of the true output: half to the disputer, half burned", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const { jobId, job, signers, attestation } = await wrongQuorumJob(c);
    const disputer = c.challenger;
    const { result, attestation: proof, output } = await resolutionFor(c, jobId, disputer.address);
    const before = await stakesOf(c, signers);

    const tx = c.operators.connect(disputer).disputeQuorum(jobId, job, E.keccak256(WRONG), INLINE, attestation, result, proof);
    for (const s of signers) {
      await expect(tx).to.emit(c.operators, "QuorumVoteSlashed").withArgs(jobId, s.address, E.keccak256(WRONG), E.keccak256(output), disputer.address);
    }
    const each = E.parseEther("0.4");
    expect(await stakesOf(c, signers)).to.deep.equal(before.map((b) => b - each));
    expect(await c.operators.slashCreditOf(disputer.address)).to.equal((each / 2n) * 3n);
    expect(await c.operators.burned()).to.equal((each - each / 2n) * 3n);
    for (const s of signers) expect(await c.operators.quorumSlashed(jobId, s.address)).to.equal(true);

    // The same votes cannot be slashed twice.
    const again = await resolutionFor(c, jobId, disputer.address);
    await expect(c.operators.connect(disputer).disputeQuorum(jobId, job, E.keccak256(WRONG), INLINE, attestation, again.result, again.attestation))
      .to.be.revertedWithCustomError(c.operators, "QuorumSignerAlreadySlashed").withArgs(jobId, signers[0]!.address);
  });

  it("still slashes a signer that unstaked right after voting (its unbonding stake)", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const { jobId, job, signers, attestation } = await wrongQuorumJob(c);
    const leaver = signers[0]!;
    await c.operators.connect(leaver).requestUnstake(ONE);
    expect((await c.operators.getOperator(leaver.address)).unbonding).to.equal(ONE);
    const { result, attestation: proof } = await resolutionFor(c, jobId, c.challenger.address);
    await c.operators.connect(c.challenger).disputeQuorum(jobId, job, E.keccak256(WRONG), INLINE, attestation, result, proof);
    expect((await c.operators.getOperator(leaver.address)).unbonding).to.equal(ONE - E.parseEther("0.4"));
    // It cannot leave with it before the dispute period could have ended.
    await expect(c.operators.connect(leaver).withdrawStake()).to.be.revertedWithCustomError(c.operators, "OperatorUnbondingNotReleased");
  });

  it("refuses a dispute of the true output, a forged vote, a proof bound to someone else, and a late dispute, changing nothing", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const { jobId, job, signers, attestation } = await wrongQuorumJob(c);
    const disputer = c.challenger;
    const { result, attestation: proof, output } = await resolutionFor(c, jobId, disputer.address);
    const stakes = await stakesOf(c, signers);

    // The signers voted for the output proven: nothing to slash.
    const right = quorumAttestation(await votes(c, jobId, job, signers, output));
    await expect(c.operators.connect(disputer).disputeQuorum(jobId, job, E.keccak256(output), INLINE, right, result, proof))
      .to.be.revertedWithCustomError(c.operators, "QuorumDisputeOutputsAgree").withArgs(jobId, E.keccak256(output));
    // Votes for another output than claimed do not recover to their signers.
    const forged = quorumAttestation(await votes(c, jobId, job, signers, WRONG, E.keccak256("0x01")));
    await expect(c.operators.connect(disputer).disputeQuorum(jobId, job, E.keccak256(WRONG), INLINE, forged, result, proof))
      .to.be.revertedWithCustomError(c.operators, "QuorumInvalidSignature");
    // A proof made for the disputer cannot be used by a copier.
    await expect(c.operators.connect(c.unstaked).disputeQuorum(jobId, job, E.keccak256(WRONG), INLINE, attestation, result, proof))
      .to.be.revertedWithCustomError(c.zk, "ZkProofInvalid");
    // A job that is not this registry's QUORUM job.
    await expect(c.operators.connect(disputer).disputeQuorum(jobId, { ...job, params: BigInt(job.params) + 1n }, E.keccak256(WRONG), INLINE, attestation, result, proof))
      .to.be.revertedWithCustomError(c.operators, "QuorumDisputeInvalidJob").withArgs(jobId);
    // After the dispute period.
    const closesAt = BigInt(job.deadline) + 6n * DAY;
    await time.increaseTo(closesAt + 1n);
    await expect(c.operators.connect(disputer).disputeQuorum(jobId, job, E.keccak256(WRONG), INLINE, attestation, result, proof))
      .to.be.revertedWithCustomError(c.operators, "QuorumDisputeClosed").withArgs(jobId, closesAt);

    expect(await stakesOf(c, signers)).to.deep.equal(stakes);
    expect(await c.operators.slashCreditOf(disputer.address)).to.equal(0n);
    expect(await c.operators.burned()).to.equal(0n);
    expect((await c.hub.getJob(jobId))[0]).to.equal(Status.Fulfilled);
  });

  it("sets the dispute verifier once", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    await expect(c.operators.setDisputeVerifier(c.operator.address))
      .to.be.revertedWithCustomError(c.operators, "OperatorDisputeVerifierAlreadySet").withArgs(await c.zk.getAddress());
    expect(await c.operators.disputeVerifier()).to.equal(await c.zk.getAddress());
  });
});
