/**
 * Finding 6 (free challenges): an OPTIMISTIC request could ask for a 1-wei bond, an input no proof could ever be made
 * for (outside the circuit's domain, or only by URI), and a challenge nobody resolved refunded everyone, so a
 * challenger could stall any honest proposal for free; and the dispute verifier was whatever mode 2's verifier was at
 * resolution time. Now the game vets every request (`GameBondTooLow`, `GameInputNotInline`, the ZK verifier's domain
 * errors), a challenge nobody resolves expires in the proposer's favour (it is credited both bonds), and the verifier
 * that settles a dispute is fixed at request time: the job commits the game, the game its ZK verifier.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ethers as E } from "ethers";
import type { TestModule } from "../../types/ethers-contracts/index.js";
import { encodeTensor, tensor } from "../../sdk/src/encoding/tensor.js";
import { releaseZkWorkers } from "../../sdk/src/proofs/zk.js";
import {
  ALL_MODES_VERSION,
  BOND,
  FEE,
  MIN_BOND,
  SLASH,
  Status,
  WINDOW,
  deployWithAllModes,
  inline,
  modeRequest,
  optimisticParams,
  resolutionFor,
} from "../helpers/modes.js";
import { NATIVE } from "../helpers/hub.js";
import { KEY_STAKE, MODE_OPTIMISTIC, MODE_ZK, now } from "../helpers/verity.js";
import { IRIS_INPUT, prove } from "../helpers/zk.js";
import { PARAMS, WRONG, challenge, expectDisputeRefused, propose } from "../helpers/optimistic.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;
const Role = { Input: 0n } as const;

async function fixture() {
  const c = await deployWithAllModes(ethers);
  const evil = (await ethers.deployContract("TestModule")) as unknown as TestModule;
  return { ...c, evil };
}

describe("security: free challenges and a dispute verifier fixed at request (finding 6)", function () {
  this.timeout(120_000);
  after(releaseZkWorkers);

  describe("requests a dispute could not be settled for are refused up front", function () {
    it("refuses a 1-wei bond (GameBondTooLow), escrowing nothing", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const params = optimisticParams(WINDOW, 1n, SLASH);
      await expectDisputeRefused(c, 1n, () => modeRequest(c, MODE_OPTIMISTIC, params), c.game, "GameBondTooLow", [1n, MIN_BOND]);
      expect(await c.hub.jobCount()).to.equal(0n);
    });

    it("refuses an input outside the circuit's domain (an int8 [1,5] tensor), escrowing nothing", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      await expectDisputeRefused(
        c, 1n, () => modeRequest(c, MODE_OPTIMISTIC, PARAMS, { input: tensor("int8", [1, 5], [82, 56, 22, 3, 0]) }),
        c.zk, "ZkUnexpectedTensorType", [Role.Input, 3n, [1n, 5n], 3n, [1n, 4n]],
      );
    });

    it("refuses an input given by URI (GameInputNotInline), escrowing nothing", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const req = {
        modelId: c.modelId,
        version: ALL_MODES_VERSION,
        mode: MODE_OPTIMISTIC,
        deadline: (await now(c)) + 3600n,
        callback: E.ZeroAddress,
        callbackGasLimit: 0,
        fee: FEE,
        params: PARAMS,
        inputHash: E.keccak256(encodeTensor(IRIS_INPUT)),
        input: "0x",
        inputURI: "ipfs://an-input-nobody-can-prove",
      };
      await expectDisputeRefused(c, 1n, () => c.hub.connect(c.requester).requestInference(req, { value: FEE }), c.game, "GameInputNotInline", []);
    });
  });

  it("makes a challenge nobody resolves cost the challenger its bond: the honest proposal stands", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, PARAMS);
    const proved = await prove(c.weights, IRIS_INPUT, { jobId, submitter: c.other.address });
    const output = encodeTensor(proved.output);
    await propose(c, jobId, job, output);
    const challengerBefore = await ethers.provider.getBalance(c.challenger.address);
    // The attack: stall an honest proposal with a challenge nobody will ever resolve.
    const { tx, resolveBy } = await challenge(c, jobId, job);
    const gas = (await tx.wait())!.gasUsed * (await tx.wait())!.gasPrice;
    await time.increaseTo(resolveBy + 1n);
    await expect(c.game.connect(c.other).expireChallenge(jobId, job, inline(output)))
      .to.emit(c.game, "ChallengeExpired")
      .withArgs(jobId, c.operator.address, c.challenger.address, BOND);
    // The proposer is paid the fee and both bonds; the challenger is out its bond (and its gas), nothing comes back.
    expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(FEE - (job.modelFee as bigint) + 2n * BOND);
    expect(await c.hub.creditOf(c.challenger.address, NATIVE)).to.equal(0n);
    expect(await c.operators.slashCreditOf(c.challenger.address)).to.equal(0n);
    expect(await ethers.provider.getBalance(c.challenger.address)).to.equal(challengerBefore - BOND - gas);
    expect((await c.operators.getOperator(c.operator.address)).locked).to.equal(KEY_STAKE);
    expect((await c.hub.getJob(jobId))[0]).to.equal(Status.Fulfilled);
  });

  describe("the verifier that settles a dispute is the one committed at request", function () {
    it("ignores a new mode 2 verifier mid-dispute: the game resolves with its own ZK verifier", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, PARAMS);
      await propose(c, jobId, job, WRONG);
      await challenge(c, jobId, job);
      // Mode 2 now accepts anything; a "resolution" with no proof must still fail against the game's verifier.
      await c.hub.setVerifier(MODE_ZK, await c.evil.getAddress());
      await expectDisputeRefused(c, jobId, () => c.game.connect(c.challenger).resolveChallenge(jobId, job, inline(WRONG), "0x"), c.zk, "ZkMalformedAttestation", [0n]);
      expect(await c.game.zkVerifier()).to.equal(await c.zk.getAddress());
      const { result, attestation } = await resolutionFor(c, jobId, c.other.address);
      await expect(c.game.connect(c.other).resolveChallenge(jobId, job, result, attestation)).to.emit(c.game, "ChallengeResolved");
    });

    it("ignores a new mode 4 verifier mid-dispute: the job keeps its game, the new one cannot settle or slash it", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, PARAMS);
      await propose(c, jobId, job, WRONG);
      await challenge(c, jobId, job);
      const evil = await c.evil.getAddress();
      await c.hub.setVerifier(MODE_OPTIMISTIC, evil);
      expect(job.verifier).to.equal(await c.game.getAddress());
      const hub = await c.hub.getAddress();
      const game = await c.game.getAddress();
      // The new verifier tries to settle the job for the challenger and slash the proposer to itself.
      for (const data of [
        c.hub.interface.encodeFunctionData("settle", [jobId, job, c.challenger.address, inline(WRONG)]),
        c.hub.interface.encodeFunctionData("slashStake", [jobId, job, c.operator.address, SLASH, evil, 0n]),
        c.hub.interface.encodeFunctionData("unlockStake", [jobId, job, c.operator.address, SLASH]),
      ]) {
        await expectDisputeRefused(c, jobId, () => c.evil.exec(hub, data), c.hub, "HubNotJobVerifier", [jobId, game, evil], [evil]);
      }
      // A game deployed later, even with the same ZK verifier, has no say over the job either.
      const later = await ethers.deployContract("OptimisticGame", [hub, await c.zk.getAddress(), MIN_BOND]);
      await expect(later.getFunction("expireChallenge")(jobId, job, inline(WRONG)))
        .to.be.revertedWithCustomError(c.game, "GameNoProposal")
        .withArgs(jobId);
      // The job's own game still settles it.
      const { result, attestation } = await resolutionFor(c, jobId, c.other.address);
      await expect(c.game.connect(c.other).resolveChallenge(jobId, job, result, attestation)).to.emit(c.game, "ChallengeResolved");
      expect((await c.hub.getJob(jobId))[0]).to.equal(Status.Fulfilled);
    });
  });
});
