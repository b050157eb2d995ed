/**
 * Finding 7, OPTIMISTIC side (any dispute verifier): a challenge was settled by whatever Groth16 verifier the job's
 * model version named, so a model owner could publish a version whose "verifier" accepts anything, and its accomplice
 * could challenge an honest proposal and "prove" a wrong output to slash the proposer. The game now refuses, at
 * request time, versions whose circuit governance has not allowed (the ZK verifier's `ZkCircuitNotAllowed`), and a
 * resolution is checked against the circuit of the job's own committed version by the ZK verifier the game was
 * deployed with, so no permissive verifier is ever called for a dispute.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ethers as E } from "ethers";
import { encodeTensor } from "../../sdk/src/encoding/tensor.js";
import { releaseZkWorkers } from "../../sdk/src/proofs/zk.js";
import { BOND, FEE, SLASH, Status, deployWithAllModes, inline, modeRequest, resolutionFor } from "../helpers/modes.js";
import { NATIVE } from "../helpers/hub.js";
import { KEY_STAKE, MODE_OPTIMISTIC, modeBit } from "../helpers/verity.js";
import { IRIS_INPUT, prove, zkAttestation } from "../helpers/zk.js";
import { ACCEPT_ALL_RUNTIME, PARAMS, WRONG, challenge, deployAcceptAll, expectDisputeRefused, propose } from "../helpers/optimistic.js";

const { ethers, networkHelpers } = await network.create();

/** Any proof at all: the accept-anything verifier does not look at it. */
const NO_PROOF = { a: [0n, 0n] as [bigint, bigint], b: [[0n, 0n], [0n, 0n]] as [[bigint, bigint], [bigint, bigint]], c: [0n, 0n] as [bigint, bigint] };

/** The all-modes fixture plus a version of the same model, published by its owner, whose verifier accepts anything. */
async function fixture() {
  const c = await deployWithAllModes(ethers);
  const acceptAll = await deployAcceptAll(c.modelOwner);
  const permissive = await c.zkVersion({ artifactHash: E.id("accepts anything"), modes: modeBit(MODE_OPTIMISTIC), zkVerifier: acceptAll });
  return { ...c, acceptAll, permissive };
}

describe("security: a model owner's own dispute verifier (finding 7)", function () {
  this.timeout(120_000);
  after(releaseZkWorkers);

  it("refuses an OPTIMISTIC request for a version naming an accept-anything verifier, escrowing nothing", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const v = await c.hub.getVersion(c.modelId, c.permissive);
    expect(v.zkVerifier).to.equal(c.acceptAll);
    const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 3600n;
    await expectDisputeRefused(
      c, 1n, () => c.hub.connect(c.requester).requestInference({
        modelId: c.modelId,
        version: c.permissive,
        mode: MODE_OPTIMISTIC,
        deadline,
        callback: E.ZeroAddress,
        callbackGasLimit: 0,
        fee: FEE,
        params: PARAMS,
        inputHash: E.ZeroHash,
        input: encodeTensor(IRIS_INPUT),
        inputURI: "",
      }, { value: FEE }),
      c.zk, "ZkCircuitNotAllowed", [c.acceptAll, E.keccak256(ACCEPT_ALL_RUNTIME), c.vkHash],
    );
    expect(await c.hub.jobCount()).to.equal(0n);
  });

  it("refuses a version naming the real verifier with a verifying key it does not embed", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const otherKey = E.id("some other verifying key");
    const wrongKey = await c.zkVersion({ artifactHash: E.id("wrong key"), modes: modeBit(MODE_OPTIMISTIC), zkVerifyingKeyHash: otherKey });
    await expect(c.game.checkRequest(c.modelId, wrongKey, PARAMS, encodeTensor(IRIS_INPUT)))
      .to.be.revertedWithCustomError(c.zk, "ZkCircuitNotAllowed")
      .withArgs(await c.groth16.getAddress(), c.groth16CodeHash, otherKey);
  });

  it("cannot slash an honest proposer: a resolution is checked against the job's own, allowed circuit", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, PARAMS);
    const proved = await prove(c.weights, IRIS_INPUT, { jobId, submitter: c.operator.address });
    const honest = encodeTensor(proved.output);
    await propose(c, jobId, job, honest);
    // The model owner's accomplice challenges, then "proves" a wrong output.
    await challenge(c, jobId, job);
    const forged = zkAttestation(NO_PROOF, encodeTensor(IRIS_INPUT), WRONG);
    // Against the job as committed: the version's real Groth16 verifier rejects the forged proof.
    await expectDisputeRefused(
      c, jobId, () => c.game.connect(c.challenger).resolveChallenge(jobId, job, inline(WRONG), forged, { gasLimit: 2_000_000n }),
      c.zk, "ZkProofInvalid", [jobId, await c.groth16.getAddress()],
    );
    // Naming the permissive version instead: the ZK verifier refuses its circuit before calling it.
    await expectDisputeRefused(
      c, jobId, () => c.game.connect(c.challenger).resolveChallenge(jobId, { ...job, version: c.permissive }, inline(WRONG), forged),
      c.zk, "ZkCircuitNotAllowed", [c.acceptAll, E.keccak256(ACCEPT_ALL_RUNTIME), c.vkHash],
    );
    expect((await c.hub.getJob(jobId))[0]).to.equal(Status.Challenged);
    expect((await c.operators.getOperator(c.operator.address)).locked).to.equal(KEY_STAKE + SLASH);

    // The honest proposer proves its own answer: upheld, not slashed, paid the fee and both bonds.
    const { result, attestation } = await resolutionFor(c, jobId, c.operator.address);
    await expect(c.game.connect(c.operator).resolveChallenge(jobId, job, result, attestation))
      .to.emit(c.game, "ChallengeResolved")
      .withArgs(jobId, c.operator.address, c.challenger.address, true, E.keccak256(honest), E.keccak256(honest), 0n, 0n, c.operator.address);
    expect([...(await c.operators.getOperator(c.operator.address))]).to.deep.equal([E.parseEther("1") + KEY_STAKE, KEY_STAKE, 0n, 0n]);
    expect(await c.operators.slashCreditOf(c.challenger.address)).to.equal(0n);
    expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(FEE - (job.modelFee as bigint) + 2n * BOND);
  });
});
