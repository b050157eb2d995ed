import { expect } from "chai";
import { network } from "hardhat";
import { ethers as ethersLib } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NativeRefuser } from "../../types/ethers-contracts/index.js";
import { encodeTensor } from "../../sdk/src/encoding/tensor.js";
import { releaseZkWorkers } from "../../sdk/src/proofs/zk.js";
import { type ProveMlpReturnType } from "../../sdk/src/prover/prove.js";
import { MODE_OPTIMISTIC, MODE_TEE, MODE_ZK, OUTPUT, type JobStruct } from "../helpers/verity.js";
import { NATIVE, expectRefused } from "../helpers/hub.js";
import { IRIS_INPUT, prove, proofTuple, zkAttestation } from "../helpers/zk.js";
import {
  BOND,
  FEE,
  MAX_CHALLENGE_WINDOW,
  MIN_CHALLENGE_WINDOW,
  SLASH,
  Status,
  TOKEN_FEE,
  WINDOW,
  WRONG_OUTPUT,
  consumerRequest,
  deployWithAllModes,
  inline,
  modeRequest,
  optimisticParams,
  resolution,
  type ModesSetup,
} from "../helpers/modes.js";
import { encodeProofForSolidity } from "../../sdk/src/proofs/zk.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

const PARAMS = optimisticParams(); // 1 hour window, 0.1 ETH bonds, 0.5 ETH slash
const WRONG = encodeTensor(WRONG_OUTPUT);
const ZERO_PROPOSAL = [ethersLib.ZeroAddress, 0n, ethersLib.ZeroHash, ethersLib.ZeroAddress];

async function fixture() {
  return deployWithAllModes(ethers);
}

describe("OPTIMISTIC mode (bonded proposal, challenge settled by a ZK proof, slashing)", function () {
  this.timeout(60_000);
  let proved: ProveMlpReturnType;
  let TRUE: string;

  before(async function () {
    const c = await networkHelpers.loadFixture(fixture);
    proved = await prove(c.weights, IRIS_INPUT);
    TRUE = encodeTensor(proved.output);
  });
  after(releaseZkWorkers);

  /** A pending optimistic job (native fee) and the fixture. */
  async function optimisticJob(params = PARAMS, opts: Parameters<typeof modeRequest>[3] = {}) {
    const c = await networkHelpers.loadFixture(fixture);
    const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, params, opts);
    return { c, jobId, job };
  }

  async function propose(c: ModesSetup, jobId: bigint, job: JobStruct, output: string, from: HardhatEthersSigner = c.operator) {
    const tx = await c.hub.connect(from).proposeResult(jobId, job, inline(output), { value: BOND });
    const closesAt = BigInt((await tx.getBlock())!.timestamp) + WINDOW;
    return { tx, closesAt };
  }

  async function proposed(output: string, params = PARAMS) {
    const { c, jobId, job } = await optimisticJob(params);
    const { closesAt } = await propose(c, jobId, job, output);
    return { c, jobId, job, closesAt };
  }

  async function challenged(output: string) {
    const p = await proposed(output);
    const tx = await p.c.hub.connect(p.c.challenger).challenge(p.jobId, p.job, { value: BOND });
    const resolveBy = BigInt((await tx.getBlock())!.timestamp) + WINDOW;
    return { ...p, resolveBy };
  }

  /** Hub credits and registry records that a refused call must not move. */
  async function ledger(c: ModesSetup, jobId: bigint) {
    const accounts = [c.operator, c.challenger, c.requester, c.other, c.treasury];
    return {
      job: await c.hub.getJob(jobId),
      proposal: await c.hub.getProposal(jobId),
      credits: await Promise.all(accounts.map((a) => c.hub.creditOf(a.address, NATIVE))),
      model: await c.hub.modelEarnings(c.modelId, NATIVE),
      stake: await c.operators.getOperator(c.operator.address),
      slashCredit: await c.operators.slashCreditOf(c.challenger.address),
    };
  }

  async function expectOptimisticRefused(
    c: ModesSetup,
    jobId: bigint,
    send: () => Promise<unknown>,
    error: string,
    args: unknown[],
    source: { interface: ethersLib.Interface } = c.hub,
  ) {
    const before = await ledger(c, jobId);
    await expectRefused(c, send, source as never, error, args, [c.requester.address, c.operator.address, c.challenger.address]);
    expect(await ledger(c, jobId)).to.deep.equal(before);
  }

  describe("requests", function () {
    it("packs the window in the low 32 bits, the bond above and the slash amount in the top 128 bits", async function () {
      const params = optimisticParams(MAX_CHALLENGE_WINDOW, (1n << 96n) - 1n, (1n << 128n) - 1n);
      const { job } = await optimisticJob(params);
      expect(job.params).to.equal(params);
      const { job: min } = await optimisticJob(optimisticParams(MIN_CHALLENGE_WINDOW, 1n, 0n));
      expect(min.params).to.equal(MIN_CHALLENGE_WINDOW | (1n << 32n));
    });

    for (const [name, params] of [
      ["no params", 0n],
      ["a window below 10 minutes", optimisticParams(MIN_CHALLENGE_WINDOW - 1n)],
      ["a window above 7 days", optimisticParams(MAX_CHALLENGE_WINDOW + 1n)],
      ["a zero bond", optimisticParams(WINDOW, 0n)],
    ] as const) {
      it(`refuses ${name} with HubInvalidParams`, async function () {
        const c = await networkHelpers.loadFixture(fixture);
        await expectRefused(c, () => modeRequest(c, MODE_OPTIMISTIC, params), c.hub, "HubInvalidParams", [
          BigInt(MODE_OPTIMISTIC),
          params,
        ]);
      });
    }

    it("is built in: challenges are settled by the ZK mode's verifier, and governance cannot set one", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      expect(await c.hub.verifierOf(MODE_OPTIMISTIC)).to.equal(await c.zk.getAddress());
      await expect(c.hub.setVerifier(MODE_OPTIMISTIC, c.other.address))
        .to.be.revertedWithCustomError(c.hub, "HubBuiltInMode")
        .withArgs(MODE_OPTIMISTIC);
    });
  });

  describe("proposeResult", function () {
    it("takes the bond, records the proposal and emits ResultProposed, crediting nothing yet", async function () {
      const { c, jobId, job } = await optimisticJob();
      const before = await ledger(c, jobId);
      const { tx, closesAt } = await propose(c, jobId, job, TRUE);
      await expect(tx)
        .to.emit(c.hub, "ResultProposed")
        .withArgs(jobId, c.operator.address, ethersLib.keccak256(TRUE), BOND, closesAt, TRUE, "");
      // (The matcher leaves the transaction fee out.)
      await expect(tx).to.changeEtherBalances(ethers, [c.hub, c.operator], [BOND, -BOND]);
      await expect(tx).to.not.emit(c.hub, "InferenceFulfilled");
      expect((await c.hub.getJob(jobId)).status).to.equal(Status.Proposed);
      expect(await c.hub.getProposal(jobId)).to.deep.equal([c.operator.address, closesAt, ethersLib.keccak256(TRUE), ethersLib.ZeroAddress]);
      const after = await ledger(c, jobId);
      expect([after.credits, after.model]).to.deep.equal([before.credits, before.model]);
    });

    it("accepts a proposal at exactly the deadline", async function () {
      const { c, jobId, job } = await optimisticJob();
      await time.setNextBlockTimestamp(job.deadline as bigint);
      await expect(c.hub.connect(c.operator).proposeResult(jobId, job, inline(TRUE), { value: BOND }))
        .to.emit(c.hub, "ResultProposed")
        .withArgs(jobId, c.operator.address, ethersLib.keccak256(TRUE), BOND, (job.deadline as bigint) + WINDOW, TRUE, "");
    });

    it("refuses an output given by URI: OPTIMISTIC results are delivered inline, so no later caller picks the form", async function () {
      const { c, jobId, job } = await optimisticJob();
      const hash = ethersLib.id("large output");
      await expectOptimisticRefused(
        c,
        jobId,
        () => c.hub.connect(c.operator).proposeResult(jobId, job, { output: "0x", outputURI: "ipfs://o", outputHash: hash }, { value: BOND }),
        "HubOutputNotInline",
        [jobId],
      );
    });

    it("refuses a proposal after the deadline: the job can only be refunded", async function () {
      const { c, jobId, job } = await optimisticJob();
      await time.increaseTo((job.deadline as bigint) + 1n);
      await expectOptimisticRefused(c, jobId, () => propose(c, jobId, job, TRUE), "HubJobExpired", [jobId, job.deadline]);
      await expect(c.hub.refund(jobId, job)).to.emit(c.hub, "InferenceRefunded");
    });

    it("refuses a bond other than the job's", async function () {
      const { c, jobId, job } = await optimisticJob();
      for (const value of [0n, BOND - 1n, BOND + 1n]) {
        await expectOptimisticRefused(
          c,
          jobId,
          () => c.hub.connect(c.operator).proposeResult(jobId, job, inline(TRUE), { value }),
          "HubWrongBond",
          [jobId, BOND, value],
        );
      }
    });

    it("refuses an unstaked proposer, and one with less bonded stake than the slash amount", async function () {
      const { c, jobId, job } = await optimisticJob();
      await expectOptimisticRefused(c, jobId, () => propose(c, jobId, job, TRUE, c.unstaked), "HubProposerStakeTooLow", [
        jobId,
        c.unstaked.address,
        0n,
        SLASH,
      ]);
      await expectOptimisticRefused(c, jobId, () => propose(c, jobId, job, TRUE, c.smallStake), "HubProposerStakeTooLow", [
        jobId,
        c.smallStake.address,
        ethersLib.parseEther("0.1"),
        SLASH,
      ]);
      await expectOptimisticRefused(c, jobId, () => propose(c, jobId, job, TRUE, c.unbonding), "HubProposerStakeTooLow", [
        jobId,
        c.unbonding.address,
        0n,
        SLASH,
      ]);
    });

    it("needs some stake even when the job slashes nothing", async function () {
      const { c, jobId, job } = await optimisticJob(optimisticParams(WINDOW, BOND, 0n));
      await expectOptimisticRefused(c, jobId, () => propose(c, jobId, job, TRUE, c.unstaked), "HubProposerStakeTooLow", [
        jobId,
        c.unstaked.address,
        0n,
        1n,
      ]);
      await propose(c, jobId, job, TRUE, c.smallStake);
    });

    it("refuses a second proposal, a proposal for a non-optimistic job, and fulfil of an optimistic job", async function () {
      const { c, jobId, job } = await optimisticJob();
      await expectOptimisticRefused(
        c,
        jobId,
        () => c.hub.fulfill(jobId, job, inline(TRUE), "0x"),
        "HubOptimisticJob",
        [jobId],
      );
      await propose(c, jobId, job, TRUE);
      await expectOptimisticRefused(c, jobId, () => propose(c, jobId, job, TRUE, c.quorum[0]!), "HubJobNotPending", [jobId, Status.Proposed]);
      const tee = await modeRequest(c, MODE_TEE, 0n);
      await expectOptimisticRefused(c, tee.jobId, () => propose(c, tee.jobId, tee.job, TRUE), "HubNotOptimistic", [
        tee.jobId,
        BigInt(MODE_TEE),
      ]);
    });

    it("refuses a refund of a proposed job after its deadline: it finalizes instead", async function () {
      const { c, jobId, job } = await proposed(TRUE);
      await time.increaseTo((job.deadline as bigint) + 1n);
      await expectOptimisticRefused(c, jobId, () => c.hub.refund(jobId, job), "HubJobNotPending", [jobId, Status.Proposed]);
    });
  });

  describe("finalize (unchallenged)", function () {
    it("after the window: credits the fee and the bond back to the proposer, emits ResultFinalized and InferenceFulfilled", async function () {
      const { c, jobId, job, closesAt } = await proposed(TRUE);
      await time.setNextBlockTimestamp(closesAt + 1n);
      const tx = c.hub.connect(c.other).finalize(jobId, job, inline(TRUE));
      await expect(tx).to.emit(c.hub, "ResultFinalized").withArgs(jobId, c.operator.address, ethersLib.keccak256(TRUE), BOND, false);
      await expect(tx)
        .to.emit(c.hub, "InferenceFulfilled")
        .withArgs(jobId, c.operator.address, ethersLib.keccak256(TRUE), TRUE, "");
      await expect(tx).to.changeEtherBalance(ethers, c.hub, 0n);
      const share = FEE - (job.modelFee as bigint);
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(share + BOND);
      expect(await c.hub.modelEarnings(c.modelId, NATIVE)).to.equal(job.modelFee);
      expect((await c.hub.getJob(jobId)).status).to.equal(Status.Fulfilled);
      expect(await c.hub.getProposal(jobId)).to.deep.equal(ZERO_PROPOSAL);
      // The proposer withdraws the fee and its bond in one go.
      await expect(c.hub.connect(c.operator).withdraw(NATIVE)).to.emit(c.hub, "Withdrawn").withArgs(c.operator.address, NATIVE, share + BOND);
    });

    it("refuses to finalize during the window, up to and including its last second", async function () {
      const { c, jobId, job, closesAt } = await proposed(TRUE);
      await expectOptimisticRefused(c, jobId, () => c.hub.finalize(jobId, job, inline(TRUE)), "HubChallengeWindowOpen", [jobId, closesAt]);
      await time.setNextBlockTimestamp(closesAt);
      await expectOptimisticRefused(c, jobId, () => c.hub.finalize(jobId, job, inline(TRUE)), "HubChallengeWindowOpen", [jobId, closesAt]);
    });

    it("refuses to finalize with a result other than the proposed one", async function () {
      const { c, jobId, job, closesAt } = await proposed(TRUE);
      await time.increaseTo(closesAt + 1n);
      await expectOptimisticRefused(c, jobId, () => c.hub.finalize(jobId, job, inline(WRONG)), "HubProposalOutputMismatch", [
        jobId,
        ethersLib.keccak256(TRUE),
        ethersLib.keccak256(WRONG),
      ]);
    });

    it("refuses to finalize a pending job, a challenged one, and twice", async function () {
      const { c, jobId, job } = await optimisticJob();
      await expectOptimisticRefused(c, jobId, () => c.hub.finalize(jobId, job, inline(TRUE)), "HubUnexpectedJobStatus", [
        jobId,
        Status.Pending,
        Status.Proposed,
      ]);
      const ch = await challenged(TRUE);
      await time.increaseTo(ch.resolveBy + 1n);
      await expectOptimisticRefused(ch.c, ch.jobId, () => ch.c.hub.finalize(ch.jobId, ch.job, inline(TRUE)), "HubUnexpectedJobStatus", [
        ch.jobId,
        Status.Challenged,
        Status.Proposed,
      ]);
      const p = await proposed(TRUE);
      await time.increaseTo(p.closesAt + 1n);
      await p.c.hub.finalize(p.jobId, p.job, inline(TRUE));
      await expectOptimisticRefused(p.c, p.jobId, () => p.c.hub.finalize(p.jobId, p.job, inline(TRUE)), "HubUnexpectedJobStatus", [
        p.jobId,
        Status.Fulfilled,
        Status.Proposed,
      ]);
    });

    it("finalizes after the job's deadline: only the proposal had to come before it", async function () {
      const { c, jobId, job } = await optimisticJob(optimisticParams(MAX_CHALLENGE_WINDOW));
      await propose(c, jobId, job, TRUE);
      await time.increase(MAX_CHALLENGE_WINDOW + 1n);
      expect(BigInt(await time.latest())).to.be.greaterThan(job.deadline as bigint);
      await expect(c.hub.finalize(jobId, job, inline(TRUE))).to.emit(c.hub, "ResultFinalized");
    });

    it("calls the consumer back only at finality, with the output", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await consumerRequest(c, MODE_OPTIMISTIC, PARAMS);
      await propose(c, jobId, job, TRUE);
      expect(await c.consumer.resultCount()).to.equal(0n);
      await time.increase(WINDOW + 1n);
      await expect(c.hub.finalize(jobId, job, inline(TRUE)))
        .to.emit(c.consumer, "ResultReceived")
        .withArgs(jobId, ethersLib.keccak256(TRUE), TRUE);
      expect(await c.consumer.resultCount()).to.equal(1n);
    });
  });

  describe("challenge", function () {
    it("takes the challenger's bond within the window and emits ResultChallenged", async function () {
      const { c, jobId, job, closesAt } = await proposed(WRONG);
      await time.setNextBlockTimestamp(closesAt); // the last second of the window
      const tx = await c.hub.connect(c.challenger).challenge(jobId, job, { value: BOND });
      await expect(tx)
        .to.emit(c.hub, "ResultChallenged")
        .withArgs(jobId, c.challenger.address, c.operator.address, ethersLib.keccak256(WRONG), BOND, closesAt + WINDOW);
      await expect(tx).to.changeEtherBalance(ethers, c.hub, BOND);
      expect((await c.hub.getJob(jobId)).status).to.equal(Status.Challenged);
      expect(await c.hub.getProposal(jobId)).to.deep.equal([c.operator.address, closesAt + WINDOW, ethersLib.keccak256(WRONG), c.challenger.address]);
    });

    it("refuses a challenge after the window", async function () {
      const { c, jobId, job, closesAt } = await proposed(WRONG);
      await time.setNextBlockTimestamp(closesAt + 1n);
      await expectOptimisticRefused(
        c,
        jobId,
        () => c.hub.connect(c.challenger).challenge(jobId, job, { value: BOND }),
        "HubChallengeWindowClosed",
        [jobId, closesAt],
      );
    });

    it("refuses a challenge by the proposer, with a wrong bond, a second challenge, and one of a pending job", async function () {
      const { c, jobId, job } = await optimisticJob();
      await expectOptimisticRefused(c, jobId, () => c.hub.connect(c.challenger).challenge(jobId, job, { value: BOND }), "HubUnexpectedJobStatus", [
        jobId,
        Status.Pending,
        Status.Proposed,
      ]);
      await propose(c, jobId, job, WRONG);
      await expectOptimisticRefused(c, jobId, () => c.hub.connect(c.operator).challenge(jobId, job, { value: BOND }), "HubSelfChallenge", [
        jobId,
        c.operator.address,
      ]);
      await expectOptimisticRefused(c, jobId, () => c.hub.connect(c.challenger).challenge(jobId, job, { value: BOND - 1n }), "HubWrongBond", [
        jobId,
        BOND,
        BOND - 1n,
      ]);
      await c.hub.connect(c.challenger).challenge(jobId, job, { value: BOND });
      await expectOptimisticRefused(c, jobId, () => c.hub.connect(c.other).challenge(jobId, job, { value: BOND }), "HubUnexpectedJobStatus", [
        jobId,
        Status.Challenged,
        Status.Proposed,
      ]);
    });

    it("calls no consumer back while challenged", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await consumerRequest(c, MODE_OPTIMISTIC, PARAMS);
      await propose(c, jobId, job, WRONG);
      await c.hub.connect(c.challenger).challenge(jobId, job, { value: BOND });
      await time.increase(WINDOW * 3n);
      expect(await c.consumer.resultCount()).to.equal(0n);
    });
  });

  describe("resolveChallenge", function () {
    it("a wrong result proven wrong: the proposer is slashed, the challenger paid, the requester gets the true output", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await consumerRequest(c, MODE_OPTIMISTIC, PARAMS);
      await propose(c, jobId, job, WRONG);
      await c.hub.connect(c.challenger).challenge(jobId, job, { value: BOND });
      const stakeBefore = (await c.operators.getOperator(c.operator.address)).stake;
      const { result, attestation } = resolution(proved);
      const tx = c.hub.connect(c.other).resolveChallenge(jobId, job, result, attestation);
      const trueHash = ethersLib.keccak256(TRUE);
      await expect(tx)
        .to.emit(c.hub, "ChallengeResolved")
        .withArgs(jobId, c.operator.address, c.challenger.address, false, ethersLib.keccak256(WRONG), trueHash, 2n * BOND, SLASH, c.other.address);
      await expect(tx).to.emit(c.hub, "ResultFinalized").withArgs(jobId, c.challenger.address, trueHash, 2n * BOND, true);
      await expect(tx).to.emit(c.hub, "InferenceFulfilled").withArgs(jobId, c.challenger.address, trueHash, TRUE, "");
      await expect(tx).to.emit(c.operators, "OperatorSlashed").withArgs(c.operator.address, jobId, SLASH, c.challenger.address);
      // The consumer receives the proven output, not the proposed one.
      await expect(tx).to.emit(c.consumer, "ResultReceived").withArgs(jobId, trueHash, TRUE);
      expect(await c.consumer.outputOf(jobId)).to.equal(TRUE);
      expect((await c.hub.getJob(jobId)).status).to.equal(Status.Fulfilled);
      expect(await c.hub.getProposal(jobId)).to.deep.equal(ZERO_PROPOSAL);
      // Challenger: both bonds and the operator share in the hub, the slash in the registry.
      const share = FEE - (job.modelFee as bigint);
      expect(await c.hub.creditOf(c.challenger.address, NATIVE)).to.equal(2n * BOND + share);
      expect(await c.operators.slashCreditOf(c.challenger.address)).to.equal(SLASH);
      expect((await c.operators.getOperator(c.operator.address)).stake).to.equal(stakeBefore - SLASH);
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(0n);
      await expect(c.hub.connect(c.challenger).withdraw(NATIVE)).to.changeEtherBalance(ethers, c.challenger, 2n * BOND + share);
      await expect(c.operators.connect(c.challenger).withdrawSlashCredit()).to.changeEtherBalance(ethers, c.challenger, SLASH);
    });

    it("an honest result challenged: the challenger loses its bond to the proposer, nobody is slashed", async function () {
      const { c, jobId, job } = await challenged(TRUE);
      const stakeBefore = await c.operators.getOperator(c.operator.address);
      const { result, attestation } = resolution(proved);
      const tx = c.hub.connect(c.operator).resolveChallenge(jobId, job, result, attestation);
      const trueHash = ethersLib.keccak256(TRUE);
      await expect(tx)
        .to.emit(c.hub, "ChallengeResolved")
        .withArgs(jobId, c.operator.address, c.challenger.address, true, trueHash, trueHash, 2n * BOND, 0n, c.operator.address);
      await expect(tx).to.emit(c.hub, "ResultFinalized").withArgs(jobId, c.operator.address, trueHash, 2n * BOND, true);
      await expect(tx).to.not.emit(c.operators, "OperatorSlashed");
      const share = FEE - (job.modelFee as bigint);
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(2n * BOND + share);
      expect(await c.hub.creditOf(c.challenger.address, NATIVE)).to.equal(0n);
      expect(await c.operators.getOperator(c.operator.address)).to.deep.equal(stakeBefore);
      expect(await c.operators.slashCreditOf(c.challenger.address)).to.equal(0n);
    });

    it("slashes unbonding stake too, and no more than the proposer has", async function () {
      const { c, jobId, job } = await challenged(WRONG);
      // The fixture's operator has 1 ETH: it unbonds 0.8 of it after proposing, leaving 0.2 bonded.
      await c.operators.connect(c.operator).requestUnstake(ethersLib.parseEther("0.8"));
      const { result, attestation } = resolution(proved);
      await expect(c.hub.resolveChallenge(jobId, job, result, attestation))
        .to.emit(c.operators, "OperatorSlashed")
        .withArgs(c.operator.address, jobId, SLASH, c.challenger.address);
      const op = await c.operators.getOperator(c.operator.address);
      expect([op.stake, op.unbonding]).to.deep.equal([0n, ethersLib.parseEther("0.5")]);

      // With no bonded stake left (0.5 unbonding only), it cannot propose again, even for a job that slashes nothing.
      const again = await modeRequest(c, MODE_OPTIMISTIC, optimisticParams(WINDOW, BOND, 0n));
      await expect(propose(c, again.jobId, again.job, WRONG))
        .to.be.revertedWithCustomError(c.hub, "HubProposerStakeTooLow")
        .withArgs(again.jobId, c.operator.address, 0n, 1n);
    });

    it("takes what is left when the proposer withdrew stake before the resolution", async function () {
      const { c, jobId, job } = await optimisticJob(optimisticParams(MAX_CHALLENGE_WINDOW, BOND, SLASH));
      await propose(c, jobId, job, WRONG);
      await c.hub.connect(c.challenger).challenge(jobId, job, { value: BOND });
      await c.operators.connect(c.operator).requestUnstake(ethersLib.parseEther("0.9"));
      await time.increase(7n * 24n * 3600n); // the unbonding delay (equal to the window here)
      await c.operators.connect(c.operator).withdrawStake();
      const { result, attestation } = resolution(proved);
      await expect(c.hub.resolveChallenge(jobId, job, result, attestation))
        .to.emit(c.hub, "ChallengeResolved")
        .withArgs(jobId, c.operator.address, c.challenger.address, false, ethersLib.keccak256(WRONG), ethersLib.keccak256(TRUE), 2n * BOND, ethersLib.parseEther("0.1"), c.governance.address);
      expect(await c.operators.slashCreditOf(c.challenger.address)).to.equal(ethersLib.parseEther("0.1"));
    });

    it("resolves after the job's deadline and after the resolution period, until someone expires the challenge", async function () {
      const { c, jobId, job, resolveBy } = await challenged(WRONG);
      await time.increaseTo(resolveBy + 100n);
      expect(BigInt(await time.latest())).to.be.greaterThan(job.deadline as bigint);
      const { result, attestation } = resolution(proved);
      await expect(c.hub.resolveChallenge(jobId, job, result, attestation)).to.emit(c.hub, "ResultFinalized");
    });

    it("pays a challenger that refuses the native currency by credit: neither resolution nor slash is blocked", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const refuser = (await ethers.deployContract("NativeRefuser")) as unknown as NativeRefuser;
      const refuserAddress = await refuser.getAddress();
      const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, PARAMS);
      await propose(c, jobId, job, WRONG);
      const hub = await c.hub.getAddress();
      await refuser.exec(hub, c.hub.interface.encodeFunctionData("challenge", [jobId, job]), { value: BOND });
      const { result, attestation } = resolution(proved);
      await expect(c.hub.resolveChallenge(jobId, job, result, attestation))
        .to.emit(c.operators, "OperatorSlashed")
        .withArgs(c.operator.address, jobId, SLASH, refuserAddress);
      const share = FEE - (job.modelFee as bigint);
      expect(await c.hub.creditOf(refuserAddress, NATIVE)).to.equal(2n * BOND + share);
      expect(await c.operators.slashCreditOf(refuserAddress)).to.equal(SLASH);
      // Its withdrawals fail at the push, and its credits stay.
      await expect(refuser.exec(hub, c.hub.interface.encodeFunctionData("withdraw", [NATIVE])))
        .to.be.revertedWithCustomError(c.hub, "HubNativeTransferFailed")
        .withArgs(refuserAddress, 2n * BOND + share);
      expect(await c.hub.creditOf(refuserAddress, NATIVE)).to.equal(2n * BOND + share);
    });

    describe("refusals (nothing moves)", function () {
      it("refuses a proof that does not verify", async function () {
        const { c, jobId, job } = await challenged(WRONG);
        const { result } = resolution(proved);
        const p = proofTuple(encodeProofForSolidity(proved.proof));
        const bad = zkAttestation({ ...p, a: [p.a[0], p.a[1] + 1n] }, encodeTensor(IRIS_INPUT), TRUE);
        await expectOptimisticRefused(c, jobId, () => c.hub.resolveChallenge(jobId, job, result, bad, { gasLimit: 2_000_000n }), "ZkProofInvalid", [
          jobId,
          await c.groth16.getAddress(),
        ], c.zk);
      });

      it("refuses a proof of the proposed wrong output (there is none: the proof is for the true one)", async function () {
        const { c, jobId, job } = await challenged(WRONG);
        const p = proofTuple(encodeProofForSolidity(proved.proof));
        const attestation = zkAttestation(p, encodeTensor(IRIS_INPUT), WRONG);
        await expectOptimisticRefused(c, jobId, () => c.hub.resolveChallenge(jobId, job, inline(WRONG), attestation, { gasLimit: 2_000_000n }), "ZkProofInvalid", [
          jobId,
          await c.groth16.getAddress(),
        ], c.zk);
      });

      it("refuses a result whose hash is not the proof's output", async function () {
        const { c, jobId, job } = await challenged(WRONG);
        const { attestation } = resolution(proved);
        await expectOptimisticRefused(c, jobId, () => c.hub.resolveChallenge(jobId, job, inline(OUTPUT), attestation), "ZkOutputHashMismatch", [
          jobId,
          ethersLib.keccak256(OUTPUT),
          ethersLib.keccak256(TRUE),
        ], c.zk);
      });

      it("refuses to resolve an unchallenged proposal, and twice", async function () {
        const { c, jobId, job } = await proposed(WRONG);
        const { result, attestation } = resolution(proved);
        await expectOptimisticRefused(c, jobId, () => c.hub.resolveChallenge(jobId, job, result, attestation), "HubUnexpectedJobStatus", [
          jobId,
          Status.Proposed,
          Status.Challenged,
        ]);
        await c.hub.connect(c.challenger).challenge(jobId, job, { value: BOND });
        await c.hub.resolveChallenge(jobId, job, result, attestation);
        await expectOptimisticRefused(c, jobId, () => c.hub.resolveChallenge(jobId, job, result, attestation), "HubUnexpectedJobStatus", [
          jobId,
          Status.Fulfilled,
          Status.Challenged,
        ]);
      });

      it("refuses to resolve when the ZK mode has no verifier", async function () {
        const { c, jobId, job } = await challenged(WRONG);
        await c.hub.setVerifier(MODE_ZK, ethersLib.ZeroAddress);
        const { result, attestation } = resolution(proved);
        await expectOptimisticRefused(c, jobId, () => c.hub.resolveChallenge(jobId, job, result, attestation), "HubNoVerifier", [BigInt(MODE_ZK)]);
      });
    });
  });

  describe("expireChallenge (nobody could prove anything)", function () {
    it("after the resolution period: both bonds back, the fee refunded, the job Refunded", async function () {
      const { c, jobId, job, resolveBy } = await challenged(WRONG);
      await expectOptimisticRefused(c, jobId, () => c.hub.expireChallenge(jobId, job), "HubResolutionOpen", [jobId, resolveBy]);
      await time.setNextBlockTimestamp(resolveBy);
      await expectOptimisticRefused(c, jobId, () => c.hub.expireChallenge(jobId, job), "HubResolutionOpen", [jobId, resolveBy]);
      await time.setNextBlockTimestamp(resolveBy + 1n);
      const tx = c.hub.connect(c.other).expireChallenge(jobId, job);
      await expect(tx).to.emit(c.hub, "ChallengeExpired").withArgs(jobId, c.operator.address, c.challenger.address, BOND);
      await expect(tx).to.emit(c.hub, "InferenceRefunded").withArgs(jobId, c.requester.address, NATIVE, FEE);
      await expect(tx).to.not.emit(c.hub, "InferenceFulfilled");
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(BOND);
      expect(await c.hub.creditOf(c.challenger.address, NATIVE)).to.equal(BOND);
      expect(await c.hub.creditOf(c.requester.address, NATIVE)).to.equal(FEE);
      expect(await c.hub.modelEarnings(c.modelId, NATIVE)).to.equal(0n);
      expect((await c.hub.getJob(jobId)).status).to.equal(Status.Refunded);
      expect(await c.hub.getProposal(jobId)).to.deep.equal(ZERO_PROPOSAL);
      const { result, attestation } = resolution(proved);
      await expect(c.hub.resolveChallenge(jobId, job, result, attestation))
        .to.be.revertedWithCustomError(c.hub, "HubUnexpectedJobStatus")
        .withArgs(jobId, Status.Refunded, Status.Challenged);
    });

    it("refunds an ERC-20 fee in the token and the bonds in the native currency", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const token = await c.token.getAddress();
      const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, PARAMS, { token: true });
      await propose(c, jobId, job, WRONG);
      await c.hub.connect(c.challenger).challenge(jobId, job, { value: BOND });
      await time.increase(2n * WINDOW + 1n);
      await expect(c.hub.expireChallenge(jobId, job)).to.emit(c.hub, "InferenceRefunded").withArgs(jobId, c.requester.address, token, TOKEN_FEE);
      expect(await c.hub.creditOf(c.requester.address, token)).to.equal(TOKEN_FEE);
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(BOND);
    });

    it("refuses to expire a job that is not challenged", async function () {
      const { c, jobId, job } = await proposed(WRONG);
      await time.increase(3n * WINDOW);
      await expectOptimisticRefused(c, jobId, () => c.hub.expireChallenge(jobId, job), "HubUnexpectedJobStatus", [
        jobId,
        Status.Proposed,
        Status.Challenged,
      ]);
    });
  });

  it("credits an ERC-20 fee in the token at finality and the bonds in the native currency", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const token = await c.token.getAddress();
    const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, PARAMS, { token: true });
    await propose(c, jobId, job, WRONG);
    await c.hub.connect(c.challenger).challenge(jobId, job, { value: BOND });
    const { result, attestation } = resolution(proved);
    await c.hub.resolveChallenge(jobId, job, result, attestation);
    expect(await c.hub.creditOf(c.challenger.address, token)).to.equal((job.fee as bigint) - (job.modelFee as bigint));
    expect(await c.hub.creditOf(c.challenger.address, NATIVE)).to.equal(2n * BOND);
    expect(await c.hub.modelEarnings(c.modelId, token)).to.equal(job.modelFee);
  });
});
