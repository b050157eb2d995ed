import { expect } from "chai";
import { network } from "hardhat";
import { ethers as ethersLib } from "ethers";
import type { NativeRefuser, OptimisticGame } from "../../types/ethers-contracts/index.js";
import { encodeTensor, tensor } from "../../sdk/src/encoding/tensor.js";
import { encodeProofForSolidity, releaseZkWorkers } from "../../sdk/src/proofs/zk.js";
import { type ProveMlpReturnType } from "../../sdk/src/prover/prove.js";
import { KEY_STAKE, MODE_OPTIMISTIC, MODE_TEE, MODE_ZK, OUTPUT, modeBit, now, parseRequested, type JobStruct } from "../helpers/verity.js";
import { NATIVE } from "../helpers/hub.js";
import { IRIS_INPUT, prove, proofTuple, zkAttestation } from "../helpers/zk.js";
import { inOneBlock } from "../helpers/mempool.js";
import {
  ALL_MODES_VERSION,
  BOND,
  FEE,
  MAX_CHALLENGE_WINDOW,
  MIN_BOND,
  MIN_CHALLENGE_WINDOW,
  SALT,
  SLASH,
  Status,
  TOKEN_FEE,
  WINDOW,
  consumerRequest,
  deployWithAllModes,
  inline,
  modeRequest,
  optimisticParams,
  resolutionFor,
  type ModesSetup,
} from "../helpers/modes.js";
import {
  PARAMS,
  WRONG,
  ACCEPT_ALL_RUNTIME,
  ZERO_PROPOSAL,
  challenge,
  commit,
  commitmentOf,
  deployAcceptAll,
  expectDisputeRefused,
  minedAt,
  propose,
} from "../helpers/optimistic.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

const ONE = ethersLib.parseEther("1");
/** The fixture operator also has KEY_STAKE bonded and locked behind its enclave key, on top of its free 1 ETH. */
const KEY = KEY_STAKE;
/** Half the slash goes to the challenger, the rest is burned. */
const SLASHED = SLASH / 2n;
const BURNED = SLASH - SLASHED;
const Role = { Input: 0n, Output: 1n } as const;

async function fixture() {
  return deployWithAllModes(ethers);
}

/** A request for the all-modes version with raw input bytes or an input URI (native fee). */
async function rawRequest(c: ModesSetup, params: bigint, input: { bytes?: string; uri?: string; hash?: string }, version = ALL_MODES_VERSION) {
  const req = {
    modelId: c.modelId,
    version,
    mode: MODE_OPTIMISTIC,
    deadline: (await now(c)) + 3600n,
    callback: ethersLib.ZeroAddress,
    callbackGasLimit: 0,
    fee: FEE,
    params,
    inputHash: input.hash ?? ethersLib.ZeroHash,
    input: input.bytes ?? "0x",
    inputURI: input.uri ?? "",
  };
  return c.hub.connect(c.requester).requestInference(req, { value: FEE });
}

describe("OPTIMISTIC mode (the dispute game: committed proposals, bonded challenges settled by a ZK proof, locked stake)", function () {
  this.timeout(120_000);
  let proved: ProveMlpReturnType;
  let TRUE: string;
  let TRUE_HASH: string;
  const WRONG_HASH = ethersLib.keccak256(WRONG);

  before(async function () {
    const c = await networkHelpers.loadFixture(fixture);
    // The true output; each resolution below proves it for its own job and resolver (resolutionFor).
    proved = await prove(c.weights, IRIS_INPUT, { jobId: 1n, submitter: c.governance.address });
    TRUE = encodeTensor(proved.output);
    TRUE_HASH = ethersLib.keccak256(TRUE);
  });
  after(releaseZkWorkers);

  /** A pending optimistic job (native fee unless `opts.token`) and the fixture. */
  async function optimisticJob(params = PARAMS, opts: Parameters<typeof modeRequest>[3] = {}) {
    const c = await networkHelpers.loadFixture(fixture);
    const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, params, opts);
    return { c, jobId, job };
  }

  async function proposed(output: string, params = PARAMS) {
    const { c, jobId, job } = await optimisticJob(params);
    const { closesAt } = await propose(c, jobId, job, output);
    return { c, jobId, job, closesAt };
  }

  async function challenged(output: string) {
    const p = await proposed(output);
    const { resolveBy } = await challenge(p.c, p.jobId, p.job);
    return { ...p, resolveBy };
  }

  const share = (job: JobStruct) => (job.fee as bigint) - (job.modelFee as bigint);

  describe("requests (vetted by the game, which is mode 4's verifier)", function () {
    it("is the game: committed with each job, bound to the hub and the ZK verifier it was deployed with", async function () {
      const { c, job } = await optimisticJob();
      const game = await c.game.getAddress();
      expect(await c.hub.verifierOf(MODE_OPTIMISTIC)).to.equal(game);
      expect(job.verifier).to.equal(game);
      expect(await c.game.hub()).to.equal(await c.hub.getAddress());
      expect(await c.game.zkVerifier()).to.equal(await c.zk.getAddress());
      expect(await c.game.minBond()).to.equal(MIN_BOND);
      // It presents the hub's circuits to the ZK verifier, which reads them from its caller.
      expect([...(await c.game.zkCircuit(c.modelId, ALL_MODES_VERSION))]).to.deep.equal([...(await c.hub.zkCircuit(c.modelId, ALL_MODES_VERSION))]);
      expect([...(await c.game.zkCircuitOf(c.modelId, ALL_MODES_VERSION))]).to.deep.equal([...(await c.hub.zkCircuitOf(c.modelId, ALL_MODES_VERSION))]);
    });

    it("packs the window in the low 32 bits, the bond above and the slash amount in the top 128 bits", async function () {
      const params = optimisticParams(MAX_CHALLENGE_WINDOW, (1n << 96n) - 1n, (1n << 128n) - 1n);
      const { job } = await optimisticJob(params);
      expect(job.params).to.equal(params);
      const least = optimisticParams(MIN_CHALLENGE_WINDOW, MIN_BOND, 1n);
      const { job: min } = await optimisticJob(least);
      expect(min.params).to.equal(MIN_CHALLENGE_WINDOW | (MIN_BOND << 32n) | (1n << 128n));
    });

    for (const [name, params] of [
      ["no params", 0n],
      ["a window below 10 minutes", optimisticParams(MIN_CHALLENGE_WINDOW - 1n)],
      ["a window above 3 days", optimisticParams(MAX_CHALLENGE_WINDOW + 1n)],
      ["a zero bond", optimisticParams(WINDOW, 0n)],
      ["a zero slash amount (a proposal would risk nothing)", optimisticParams(WINDOW, BOND, 0n)],
    ] as const) {
      it(`refuses ${name} with GameInvalidParams`, async function () {
        const c = await networkHelpers.loadFixture(fixture);
        await expectDisputeRefused(c, 1n, () => modeRequest(c, MODE_OPTIMISTIC, params), c.game, "GameInvalidParams", [params]);
      });
    }

    it("refuses a bond below the game's minimum (it pays for a resolution): 1 wei and MIN_BOND - 1", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      for (const bond of [1n, MIN_BOND - 1n]) {
        const params = optimisticParams(WINDOW, bond, SLASH);
        await expectDisputeRefused(c, 1n, () => modeRequest(c, MODE_OPTIMISTIC, params), c.game, "GameBondTooLow", [bond, MIN_BOND]);
      }
      await modeRequest(c, MODE_OPTIMISTIC, optimisticParams(WINDOW, MIN_BOND, SLASH));
    });

    it("refuses an input given by URI (a dispute needs the input bytes to be provable)", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const input = encodeTensor(IRIS_INPUT);
      await expectDisputeRefused(
        c, 1n,
        () => rawRequest(c, PARAMS, { uri: "ipfs://input", hash: ethersLib.keccak256(input) }),
        c.game, "GameInputNotInline", [],
      );
    });

    it("refuses an input outside the circuit's domain, with the ZK verifier's errors", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const cases: [string, string, string, unknown[]][] = [
        ["int8 [1,5]", encodeTensor(tensor("int8", [1, 5], [82, 56, 22, 3, 0])), "ZkUnexpectedTensorType", [Role.Input, 3n, [1n, 5n], 3n, [1n, 4n]]],
        ["int16 [1,4]", encodeTensor(tensor("int16", [1, 4], [82, 56, 22, 3])), "ZkUnexpectedTensorType", [Role.Input, 5n, [1n, 4n], 3n, [1n, 4n]]],
        // A canonical int8 [1,4] with a trailing byte.
        ["not a canonical tensor", `${encodeTensor(tensor("int8", [1, 4], [82, 56, 22, 3]))}00`, "ZkTensorNotCanonical", [Role.Input, 16n]],
      ];
      for (const [, bytes, error, args] of cases) {
        await expectDisputeRefused(c, 1n, () => rawRequest(c, PARAMS, { bytes }), c.zk, error, args);
      }
    });

    it("refuses a version whose circuit governance has not allowed: a model owner's own verifier, or a disallowed one", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const acceptAll = await deployAcceptAll(c.modelOwner);
      const permissive = await c.zkVersion({ artifactHash: ethersLib.id("accept anything"), modes: modeBit(MODE_OPTIMISTIC), zkVerifier: acceptAll });
      const input = encodeTensor(IRIS_INPUT);
      await expectDisputeRefused(c, 1n, () => rawRequest(c, PARAMS, { bytes: input }, permissive), c.zk, "ZkCircuitNotAllowed", [
        acceptAll, ethersLib.keccak256(ACCEPT_ALL_RUNTIME), c.vkHash,
      ]);
      await c.zk.connect(c.governance).setCircuitAllowed(c.groth16CodeHash, c.vkHash, false);
      await expectDisputeRefused(c, 1n, () => modeRequest(c, MODE_OPTIMISTIC, PARAMS), c.zk, "ZkCircuitNotAllowed", [
        await c.groth16.getAddress(), c.groth16CodeHash, c.vkHash,
      ]);
    });

    it("answers checkRequest to anyone with the same verdicts (a view to check terms first)", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const input = encodeTensor(IRIS_INPUT);
      await c.game.checkRequest(c.modelId, ALL_MODES_VERSION, PARAMS, input);
      await expect(c.game.checkRequest(c.modelId, ALL_MODES_VERSION, optimisticParams(WINDOW, 1n), input))
        .to.be.revertedWithCustomError(c.game, "GameBondTooLow")
        .withArgs(1n, MIN_BOND);
      await expect(c.game.checkRequest(c.modelId, ALL_MODES_VERSION, PARAMS, "0x")).to.be.revertedWithCustomError(c.game, "GameInputNotInline");
    });

    it("refuses OPTIMISTIC requests once governance disables the mode (HubNoVerifier)", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      await c.hub.setVerifier(MODE_OPTIMISTIC, ethersLib.ZeroAddress);
      await expectDisputeRefused(c, 1n, () => modeRequest(c, MODE_OPTIMISTIC, PARAMS), c.hub, "HubNoVerifier", [BigInt(MODE_OPTIMISTIC)]);
    });

    it("refuses a zero hub or ZK verifier at deployment, and takes a zero minimum bond as 1 wei", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const [hub, zk] = [await c.hub.getAddress(), await c.zk.getAddress()];
      const factory = await ethers.getContractFactory("OptimisticGame");
      for (const args of [[ethersLib.ZeroAddress, zk, MIN_BOND], [hub, ethersLib.ZeroAddress, MIN_BOND]] as const) {
        await expect(factory.deploy(...args)).to.be.revertedWithCustomError(factory, "GameZeroAddress");
      }
      const game = (await ethers.deployContract("OptimisticGame", [hub, zk, 0n])) as unknown as OptimisticGame;
      expect(await game.minBond()).to.equal(1n);
    });
  });

  describe("commit-reveal", function () {
    it("records a commitment's first block and emits ProposalCommitted; a repeat does not move it", async function () {
      const { c, jobId } = await optimisticJob();
      const commitment = await commitmentOf(c, jobId, TRUE, c.operator.address);
      expect(commitment).to.equal(
        ethersLib.keccak256(ethersLib.AbiCoder.defaultAbiCoder().encode(["uint256", "address", "bytes32", "bytes32"], [jobId, c.operator.address, TRUE_HASH, SALT])),
      );
      const tx = await c.game.connect(c.operator).commitProposal(jobId, commitment);
      await expect(tx).to.emit(c.game, "ProposalCommitted").withArgs(jobId, c.operator.address, commitment);
      const block = BigInt((await tx.wait())!.blockNumber);
      expect(await c.game.commitmentBlock(commitment)).to.equal(block);
      await expect(c.game.connect(c.other).commitProposal(jobId, commitment)).to.emit(c.game, "ProposalCommitted").withArgs(jobId, c.other.address, commitment);
      expect(await c.game.commitmentBlock(commitment)).to.equal(block);
    });

    it("consumes the commitment on reveal", async function () {
      const { c, jobId, job } = await optimisticJob();
      const commitment = await commitmentOf(c, jobId, TRUE, c.operator.address);
      await propose(c, jobId, job, TRUE);
      expect(await c.game.commitmentBlock(commitment)).to.equal(0n);
    });

    it("refuses a reveal without a commitment (GameNotCommitted names the commitment it hashes to)", async function () {
      const { c, jobId, job } = await optimisticJob();
      const commitment = await commitmentOf(c, jobId, TRUE, c.operator.address);
      await expectDisputeRefused(
        c, jobId,
        () => c.game.connect(c.operator).proposeResult(jobId, job, inline(TRUE), SALT, { value: BOND }),
        c.game, "GameNotCommitted", [jobId, c.operator.address, commitment],
      );
    });

    it("refuses a reveal with another salt, another output, or from another account than the commitment names", async function () {
      const { c, jobId, job } = await optimisticJob();
      await commit(c, jobId, TRUE);
      const otherSalt = ethersLib.id("another salt");
      await expectDisputeRefused(
        c, jobId,
        () => c.game.connect(c.operator).proposeResult(jobId, job, inline(TRUE), otherSalt, { value: BOND }),
        c.game, "GameNotCommitted", [jobId, c.operator.address, await commitmentOf(c, jobId, TRUE, c.operator.address, otherSalt)],
      );
      await expectDisputeRefused(
        c, jobId,
        () => c.game.connect(c.operator).proposeResult(jobId, job, inline(WRONG), SALT, { value: BOND }),
        c.game, "GameNotCommitted", [jobId, c.operator.address, await commitmentOf(c, jobId, WRONG, c.operator.address)],
      );
      // A staked copier reusing the operator's output and salt: its own commitment would name itself.
      const copier = c.quorum[0]!;
      await expectDisputeRefused(
        c, jobId,
        () => c.game.connect(copier).proposeResult(jobId, job, inline(TRUE), SALT, { value: BOND }),
        c.game, "GameNotCommitted", [jobId, copier.address, await commitmentOf(c, jobId, TRUE, copier.address)],
        [copier.address],
      );
      await propose(c, jobId, job, TRUE);
    });

    it("refuses a reveal in the commitment's own block (GameCommitTooRecent); it lands one block later", async function () {
      const { c, jobId, job } = await optimisticJob();
      const commitment = await commitmentOf(c, jobId, TRUE, c.operator.address);
      const balance = await ethers.provider.getBalance(c.operator.address);
      const [commitReceipt, revealReceipt] = await inOneBlock(ethers, async () => {
        const sent = await c.game.connect(c.operator).commitProposal(jobId, commitment, { gasLimit: 100_000n });
        const block = BigInt(await ethers.provider.getBlockNumber()) + 1n;
        // On the pending block, which holds the commitment: too recent.
        await expect(c.game.connect(c.operator).proposeResult.staticCall(jobId, job, inline(TRUE), SALT, { value: BOND, blockTag: "pending" }))
          .to.be.revertedWithCustomError(c.game, "GameCommitTooRecent")
          .withArgs(jobId, block);
        const reveal = await c.game.connect(c.operator).proposeResult(jobId, job, inline(TRUE), SALT, { value: BOND, gasLimit: 1_000_000n });
        return [sent.hash, reveal.hash];
      });
      expect(revealReceipt!.blockNumber).to.equal(commitReceipt!.blockNumber);
      expect([commitReceipt!.status, revealReceipt!.status]).to.deep.equal([1, 0]);
      // It paid its gas only: no bond taken, nothing locked, nothing proposed.
      const gas = [commitReceipt!, revealReceipt!].reduce((s, r) => s + r.gasUsed * r.gasPrice, 0n);
      expect(await ethers.provider.getBalance(c.operator.address)).to.equal(balance - gas);
      expect(await c.game.getProposal(jobId)).to.deep.equal(ZERO_PROPOSAL);
      expect((await c.operators.getOperator(c.operator.address)).locked).to.equal(KEY);
      expect(await c.game.commitmentBlock(commitment)).to.equal(BigInt(commitReceipt!.blockNumber));
      await expect(c.game.connect(c.operator).proposeResult(jobId, job, inline(TRUE), SALT, { value: BOND })).to.emit(c.game, "ResultProposed");
    });
  });

  describe("proposeResult", function () {
    it("takes the bond, locks the slash amount of stake, holds the job and emits ResultProposed, crediting nothing yet", async function () {
      const { c, jobId, job } = await optimisticJob();
      const game = await c.game.getAddress();
      await commit(c, jobId, TRUE);
      const creditBefore = await c.hub.creditOf(c.operator.address, NATIVE);
      const tx = await c.game.connect(c.operator).proposeResult(jobId, job, inline(TRUE), SALT, { value: BOND });
      const closesAt = (await minedAt(tx)) + WINDOW;
      await expect(tx).to.emit(c.game, "ResultProposed").withArgs(jobId, c.operator.address, TRUE_HASH, BOND, closesAt, TRUE);
      await expect(tx).to.emit(c.hub, "JobHeld").withArgs(jobId, game, Status.Proposed);
      await expect(tx).to.emit(c.operators, "StakeLocked").withArgs(c.operator.address, jobId, SLASH, KEY + SLASH);
      await expect(tx).to.changeEtherBalances(ethers, [c.game, c.operator, c.hub], [BOND, -BOND, 0n]);
      await expect(tx).to.not.emit(c.hub, "InferenceFulfilled");
      expect((await c.hub.getJob(jobId)).status).to.equal(Status.Proposed);
      expect(await c.game.getProposal(jobId)).to.deep.equal([c.operator.address, closesAt, TRUE_HASH, ethersLib.ZeroAddress]);
      expect([...(await c.operators.getOperator(c.operator.address))]).to.deep.equal([ONE + KEY, KEY + SLASH, 0n, 0n]);
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(creditBefore);
      expect(await c.hub.modelEarnings(c.modelId, NATIVE)).to.equal(0n);
    });

    it("accepts a proposal at exactly the deadline, and refuses one after it (the job can only be refunded)", async function () {
      const { c, jobId, job } = await optimisticJob();
      const deadline = job.deadline as bigint;
      await commit(c, jobId, TRUE);
      await time.setNextBlockTimestamp(deadline);
      await expect(c.game.connect(c.operator).proposeResult(jobId, job, inline(TRUE), SALT, { value: BOND }))
        .to.emit(c.game, "ResultProposed")
        .withArgs(jobId, c.operator.address, TRUE_HASH, BOND, deadline + WINDOW, TRUE);

      const late = await modeRequest(c, MODE_OPTIMISTIC, PARAMS);
      await commit(c, late.jobId, TRUE);
      await time.increaseTo((late.job.deadline as bigint) + 1n);
      await expectDisputeRefused(
        c, late.jobId,
        () => c.game.connect(c.operator).proposeResult(late.jobId, late.job, inline(TRUE), SALT, { value: BOND }),
        c.hub, "HubJobExpired", [late.jobId, late.job.deadline],
      );
      await expect(c.hub.refund(late.jobId, late.job)).to.emit(c.hub, "InferenceRefunded");
    });

    it("refuses an output given by URI, an empty output, and an output hash that disagrees (GameOutputNotInline)", async function () {
      const { c, jobId, job } = await optimisticJob();
      await commit(c, jobId, TRUE);
      for (const result of [
        { output: "0x", outputURI: "ipfs://o", outputHash: TRUE_HASH },
        { output: TRUE, outputURI: "ipfs://o", outputHash: ethersLib.ZeroHash },
        { output: "0x", outputURI: "", outputHash: ethersLib.ZeroHash },
        { output: TRUE, outputURI: "", outputHash: WRONG_HASH },
      ]) {
        await expectDisputeRefused(
          c, jobId, () => c.game.connect(c.operator).proposeResult(jobId, job, result, SALT, { value: BOND }),
          c.game, "GameOutputNotInline", [jobId],
        );
      }
      // With the matching hash given, it lands.
      await c.game.connect(c.operator).proposeResult(jobId, job, { output: TRUE, outputURI: "", outputHash: TRUE_HASH }, SALT, { value: BOND });
    });

    it("refuses a bond other than the job's", async function () {
      const { c, jobId, job } = await optimisticJob();
      await commit(c, jobId, TRUE);
      for (const value of [0n, BOND - 1n, BOND + 1n]) {
        await expectDisputeRefused(
          c, jobId, () => c.game.connect(c.operator).proposeResult(jobId, job, inline(TRUE), SALT, { value }),
          c.game, "GameWrongBond", [jobId, BOND, value],
        );
      }
    });

    it("refuses a proposer without the slash amount of free stake: unstaked, too small, all unbonding", async function () {
      const { c, jobId, job } = await optimisticJob();
      for (const [who, free] of [[c.unstaked, 0n], [c.smallStake, ethersLib.parseEther("0.1")], [c.unbonding, 0n]] as const) {
        await commit(c, jobId, TRUE, who);
        await expectDisputeRefused(
          c, jobId, () => c.game.connect(who).proposeResult(jobId, job, inline(TRUE), SALT, { value: BOND }),
          c.operators, "OperatorInsufficientStake", [who.address, SLASH, free], [who.address],
        );
      }
    });

    it("locks stake per proposal: one stake backs concurrent proposals only up to its size", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const jobs = [];
      for (let i = 0; i < 3; i++) jobs.push(await modeRequest(c, MODE_OPTIMISTIC, PARAMS));
      await propose(c, jobs[0]!.jobId, jobs[0]!.job, TRUE);
      await propose(c, jobs[1]!.jobId, jobs[1]!.job, TRUE);
      expect((await c.operators.getOperator(c.operator.address)).locked).to.equal(KEY + 2n * SLASH);
      const third = jobs[2]!;
      await commit(c, third.jobId, TRUE);
      await expectDisputeRefused(
        c, third.jobId, () => c.game.connect(c.operator).proposeResult(third.jobId, third.job, inline(TRUE), SALT, { value: BOND }),
        c.operators, "OperatorInsufficientStake", [c.operator.address, SLASH, 0n],
      );
      // A top-up frees room for it.
      await c.operators.connect(c.operator).stake(SLASH, { value: SLASH });
      await c.game.connect(c.operator).proposeResult(third.jobId, third.job, inline(TRUE), SALT, { value: BOND });
      expect((await c.operators.getOperator(c.operator.address)).locked).to.equal(KEY + 3n * SLASH);
    });

    it("keeps locked stake from leaving: requestUnstake releases only the free part", async function () {
      const { c, jobId } = await proposed(TRUE);
      await expectDisputeRefused(c, jobId, () => c.operators.connect(c.operator).requestUnstake(ONE), c.operators, "OperatorInsufficientStake", [
        c.operator.address, ONE, ONE - SLASH,
      ]);
      await c.operators.connect(c.operator).requestUnstake(ONE - SLASH);
      expect([...(await c.operators.getOperator(c.operator.address))].slice(0, 3)).to.deep.equal([KEY + SLASH, KEY + SLASH, ONE - SLASH]);
    });

    it("refuses a second proposal (GameAlreadyProposed), and fulfil or refund of a proposed job", async function () {
      const { c, jobId, job } = await proposed(TRUE);
      const second = c.quorum[0]!;
      await commit(c, jobId, TRUE, second);
      await expectDisputeRefused(
        c, jobId, () => c.game.connect(second).proposeResult(jobId, job, inline(TRUE), SALT, { value: BOND }),
        c.game, "GameAlreadyProposed", [jobId, c.operator.address], [second.address],
      );
      await expectDisputeRefused(c, jobId, () => c.hub.fulfill(jobId, job, inline(TRUE), "0x"), c.hub, "HubJobNotPending", [jobId, Status.Proposed]);
      await time.increaseTo((job.deadline as bigint) + 1n);
      await expectDisputeRefused(c, jobId, () => c.hub.refund(jobId, job), c.hub, "HubJobNotPending", [jobId, Status.Proposed]);
    });

    it("refuses fulfil of an OPTIMISTIC job: the game answers GameUseProposals", async function () {
      const { c, jobId, job } = await optimisticJob();
      await expectDisputeRefused(c, jobId, () => c.hub.connect(c.operator).fulfill(jobId, job, inline(TRUE), "0x"), c.game, "GameUseProposals", [jobId]);
    });

    it("refuses a proposal for a job that is not the game's, and for a tampered job", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const tee = await modeRequest(c, MODE_TEE, 0n);
      expect(tee.job.verifier).to.equal(await c.enclaves.getAddress());
      const teeJob = { ...tee.job, params: PARAMS };
      await commit(c, tee.jobId, TRUE);
      await expectDisputeRefused(
        c, tee.jobId, () => c.game.connect(c.operator).proposeResult(tee.jobId, teeJob, inline(TRUE), SALT, { value: BOND }),
        c.hub, "HubCommitmentMismatch", [tee.jobId],
      );
      // Passed as it is (no bond: its params are zero), it names the enclave registry as its verifier: the hub refuses the game.
      await expectDisputeRefused(
        c, tee.jobId, () => c.game.connect(c.operator).proposeResult(tee.jobId, tee.job, inline(TRUE), SALT, { value: 0n }),
        c.hub, "HubNotJobVerifier", [tee.jobId, await c.enclaves.getAddress(), await c.game.getAddress()],
      );
      const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, PARAMS);
      await commit(c, jobId, TRUE);
      await expectDisputeRefused(
        c, jobId, () => c.game.connect(c.operator).proposeResult(jobId, { ...job, fee: 1n }, inline(TRUE), SALT, { value: BOND }),
        c.hub, "HubCommitmentMismatch", [jobId],
      );
      await expectDisputeRefused(
        c, 99n, () => c.game.connect(c.operator).proposeResult(99n, job, inline(TRUE), SALT, { value: BOND }),
        c.game, "GameNotCommitted", [99n, c.operator.address, await commitmentOf(c, 99n, TRUE, c.operator.address)],
      );
    });
  });

  describe("finalize (unchallenged)", function () {
    it("after the window: the fee and the bond to the proposer, its stake unlocked, InferenceFulfilled", async function () {
      const { c, jobId, job, closesAt } = await proposed(TRUE);
      await time.setNextBlockTimestamp(closesAt + 1n);
      const tx = c.game.connect(c.other).finalize(jobId, job, inline(TRUE));
      await expect(tx).to.emit(c.game, "ResultFinalized").withArgs(jobId, c.operator.address, TRUE_HASH, BOND, false);
      await expect(tx).to.emit(c.hub, "InferenceFulfilled").withArgs(jobId, c.operator.address, TRUE_HASH, TRUE, "");
      await expect(tx).to.emit(c.hub, "Deposited").withArgs(c.operator.address, await c.game.getAddress(), BOND);
      await expect(tx).to.emit(c.operators, "StakeUnlocked").withArgs(c.operator.address, jobId, SLASH, KEY);
      await expect(tx).to.changeEtherBalances(ethers, [c.game, c.hub], [-BOND, BOND]);
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(share(job) + BOND);
      expect(await c.hub.modelEarnings(c.modelId, NATIVE)).to.equal(job.modelFee);
      expect((await c.hub.getJob(jobId)).status).to.equal(Status.Fulfilled);
      expect(await c.game.getProposal(jobId)).to.deep.equal(ZERO_PROPOSAL);
      expect([...(await c.operators.getOperator(c.operator.address))]).to.deep.equal([ONE + KEY, KEY, 0n, 0n]);
      // The proposer withdraws the fee and its bond in one go.
      await expect(c.hub.connect(c.operator).withdraw(NATIVE)).to.emit(c.hub, "Withdrawn").withArgs(c.operator.address, NATIVE, share(job) + BOND);
    });

    it("refuses to finalize during the window, up to and including its last second", async function () {
      const { c, jobId, job, closesAt } = await proposed(TRUE);
      await expectDisputeRefused(c, jobId, () => c.game.finalize(jobId, job, inline(TRUE)), c.game, "GameChallengeWindowOpen", [jobId, closesAt]);
      await time.setNextBlockTimestamp(closesAt);
      await expectDisputeRefused(c, jobId, () => c.game.finalize(jobId, job, inline(TRUE)), c.game, "GameChallengeWindowOpen", [jobId, closesAt]);
    });

    it("refuses to finalize with a result other than the proposed one", async function () {
      const { c, jobId, job, closesAt } = await proposed(TRUE);
      await time.increaseTo(closesAt + 1n);
      await expectDisputeRefused(c, jobId, () => c.game.finalize(jobId, job, inline(WRONG)), c.game, "GameProposalOutputMismatch", [
        jobId, TRUE_HASH, WRONG_HASH,
      ]);
      await expectDisputeRefused(c, jobId, () => c.game.finalize(jobId, job, { output: "0x", outputURI: "ipfs://o", outputHash: TRUE_HASH }), c.game, "GameOutputNotInline", [jobId]);
    });

    it("refuses to finalize a job without a proposal, a challenged one, and twice", async function () {
      const { c, jobId, job } = await optimisticJob();
      await expectDisputeRefused(c, jobId, () => c.game.finalize(jobId, job, inline(TRUE)), c.game, "GameNoProposal", [jobId]);
      const ch = await challenged(TRUE);
      await time.increaseTo(ch.resolveBy + 1n);
      await expectDisputeRefused(ch.c, ch.jobId, () => ch.c.game.finalize(ch.jobId, ch.job, inline(TRUE)), ch.c.game, "GameAlreadyChallenged", [
        ch.jobId, ch.c.challenger.address,
      ]);
      const p = await proposed(TRUE);
      await time.increaseTo(p.closesAt + 1n);
      await p.c.game.finalize(p.jobId, p.job, inline(TRUE));
      await expectDisputeRefused(p.c, p.jobId, () => p.c.game.finalize(p.jobId, p.job, inline(TRUE)), p.c.game, "GameNoProposal", [p.jobId]);
      // Proposing again is refused by the hub: the job is final.
      await commit(p.c, p.jobId, TRUE);
      await expectDisputeRefused(
        p.c, p.jobId, () => p.c.game.connect(p.c.operator).proposeResult(p.jobId, p.job, inline(TRUE), SALT, { value: BOND }),
        p.c.hub, "HubInvalidHold", [p.jobId, Status.Fulfilled, Status.Proposed],
      );
    });

    it("finalizes after the job's deadline: only the proposal had to come before it", async function () {
      const { c, jobId, job } = await optimisticJob(optimisticParams(MAX_CHALLENGE_WINDOW));
      await propose(c, jobId, job, TRUE);
      await time.increase(MAX_CHALLENGE_WINDOW + 1n);
      expect(BigInt(await time.latest())).to.be.greaterThan(job.deadline as bigint);
      await expect(c.game.finalize(jobId, job, inline(TRUE))).to.emit(c.game, "ResultFinalized");
    });

    it("calls the consumer back only at finality, with the output", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await consumerRequest(c, MODE_OPTIMISTIC, PARAMS);
      await propose(c, jobId, job, TRUE);
      expect(await c.consumer.resultCount()).to.equal(0n);
      await time.increase(WINDOW + 1n);
      await expect(c.game.finalize(jobId, job, inline(TRUE))).to.emit(c.consumer, "ResultReceived").withArgs(jobId, TRUE_HASH, TRUE);
      expect(await c.consumer.resultCount()).to.equal(1n);
      expect(await c.consumer.outputOf(jobId)).to.equal(TRUE);
    });

    it("credits an ERC-20 fee in the token and the bond in the native currency", async function () {
      const { c, jobId, job } = await optimisticJob(PARAMS, { token: true });
      const token = await c.token.getAddress();
      const { closesAt } = await propose(c, jobId, job, TRUE);
      await time.increaseTo(closesAt + 1n);
      await c.game.finalize(jobId, job, inline(TRUE));
      expect(await c.hub.creditOf(c.operator.address, token)).to.equal(TOKEN_FEE - (job.modelFee as bigint));
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(BOND);
      expect(await c.hub.modelEarnings(c.modelId, token)).to.equal(job.modelFee);
    });
  });

  describe("challenge", function () {
    it("takes the challenger's bond within the window, up to its last second, and emits ResultChallenged", async function () {
      const { c, jobId, job, closesAt } = await proposed(WRONG);
      await time.setNextBlockTimestamp(closesAt);
      const tx = await c.game.connect(c.challenger).challenge(jobId, job, { value: BOND });
      await expect(tx).to.emit(c.game, "ResultChallenged").withArgs(jobId, c.challenger.address, c.operator.address, WRONG_HASH, BOND, closesAt + WINDOW);
      await expect(tx).to.emit(c.hub, "JobHeld").withArgs(jobId, await c.game.getAddress(), Status.Challenged);
      await expect(tx).to.changeEtherBalances(ethers, [c.game, c.challenger], [BOND, -BOND]);
      await expect(tx).to.not.emit(c.operators, "StakeLocked");
      expect((await c.hub.getJob(jobId)).status).to.equal(Status.Challenged);
      expect(await c.game.getProposal(jobId)).to.deep.equal([c.operator.address, closesAt + WINDOW, WRONG_HASH, c.challenger.address]);
      expect((await c.operators.getOperator(c.operator.address)).locked).to.equal(KEY + SLASH);
    });

    it("refuses a challenge after the window", async function () {
      const { c, jobId, job, closesAt } = await proposed(WRONG);
      await time.setNextBlockTimestamp(closesAt + 1n);
      await expectDisputeRefused(c, jobId, () => c.game.connect(c.challenger).challenge(jobId, job, { value: BOND }), c.game, "GameChallengeWindowClosed", [
        jobId, closesAt,
      ]);
    });

    it("refuses a challenge of a job without a proposal, by the proposer, with a wrong bond, and a second challenge", async function () {
      const { c, jobId, job } = await optimisticJob();
      await expectDisputeRefused(c, jobId, () => c.game.connect(c.challenger).challenge(jobId, job, { value: BOND }), c.game, "GameNoProposal", [jobId]);
      await propose(c, jobId, job, WRONG);
      await expectDisputeRefused(c, jobId, () => c.game.connect(c.operator).challenge(jobId, job, { value: BOND }), c.game, "GameSelfChallenge", [
        jobId, c.operator.address,
      ]);
      for (const value of [0n, BOND - 1n, BOND + 1n]) {
        await expectDisputeRefused(c, jobId, () => c.game.connect(c.challenger).challenge(jobId, job, { value }), c.game, "GameWrongBond", [jobId, BOND, value]);
      }
      await expectDisputeRefused(c, jobId, () => c.game.connect(c.challenger).challenge(jobId, { ...job, fee: 1n }, { value: BOND }), c.hub, "HubCommitmentMismatch", [jobId]);
      await challenge(c, jobId, job);
      await expectDisputeRefused(c, jobId, () => c.game.connect(c.other).challenge(jobId, job, { value: BOND }), c.game, "GameAlreadyChallenged", [
        jobId, c.challenger.address,
      ]);
    });

    it("calls no consumer back while challenged", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await consumerRequest(c, MODE_OPTIMISTIC, PARAMS);
      await propose(c, jobId, job, WRONG);
      await challenge(c, jobId, job);
      await time.increase(WINDOW * 3n);
      expect(await c.consumer.resultCount()).to.equal(0n);
    });
  });

  describe("resolveChallenge", function () {
    it("overturned: the resolver gets the fee and the proposer's bond, the challenger its bond and half the slash, half is burned", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await consumerRequest(c, MODE_OPTIMISTIC, PARAMS);
      await propose(c, jobId, job, WRONG);
      await challenge(c, jobId, job);
      const { result, attestation } = await resolutionFor(c, jobId, c.other.address);
      const tx = c.game.connect(c.other).resolveChallenge(jobId, job, result, attestation);
      await expect(tx)
        .to.emit(c.game, "ChallengeResolved")
        .withArgs(jobId, c.operator.address, c.challenger.address, false, WRONG_HASH, TRUE_HASH, SLASHED, BURNED, c.other.address);
      await expect(tx).to.emit(c.game, "ResultFinalized").withArgs(jobId, c.other.address, TRUE_HASH, BOND, true);
      await expect(tx).to.emit(c.hub, "InferenceFulfilled").withArgs(jobId, c.other.address, TRUE_HASH, TRUE, "");
      await expect(tx).to.emit(c.operators, "OperatorSlashed").withArgs(c.operator.address, jobId, SLASHED, c.challenger.address, BURNED);
      await expect(tx).to.changeEtherBalances(ethers, [c.game, c.hub, c.operators], [-2n * BOND, 2n * BOND, 0n]);
      // The consumer receives the proven output, not the proposed one.
      await expect(tx).to.emit(c.consumer, "ResultReceived").withArgs(jobId, TRUE_HASH, TRUE);
      expect(await c.consumer.outputOf(jobId)).to.equal(TRUE);
      expect((await c.hub.getJob(jobId)).status).to.equal(Status.Fulfilled);
      expect(await c.game.getProposal(jobId)).to.deep.equal(ZERO_PROPOSAL);
      expect(await c.hub.creditOf(c.other.address, NATIVE)).to.equal(share(job) + BOND);
      expect(await c.hub.creditOf(c.challenger.address, NATIVE)).to.equal(BOND);
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(0n);
      expect(await c.operators.slashCreditOf(c.challenger.address)).to.equal(SLASHED);
      expect(await c.operators.burned()).to.equal(BURNED);
      expect([...(await c.operators.getOperator(c.operator.address))]).to.deep.equal([ONE + KEY - SLASH, KEY, 0n, 0n]);
      await expect(c.hub.connect(c.challenger).withdraw(NATIVE)).to.changeEtherBalance(ethers, c.challenger, BOND);
      await expect(c.operators.connect(c.challenger).withdrawSlashCredit()).to.changeEtherBalance(ethers, c.challenger, SLASHED);
    });

    it("overturned and resolved by the challenger: it gets the fee and both bonds", async function () {
      const { c, jobId, job } = await challenged(WRONG);
      const { result, attestation } = await resolutionFor(c, jobId, c.challenger.address);
      const tx = c.game.connect(c.challenger).resolveChallenge(jobId, job, result, attestation);
      await expect(tx).to.emit(c.game, "ResultFinalized").withArgs(jobId, c.challenger.address, TRUE_HASH, 2n * BOND, true);
      await expect(tx).to.emit(c.hub, "Deposited").withArgs(c.challenger.address, await c.game.getAddress(), 2n * BOND);
      expect(await c.hub.creditOf(c.challenger.address, NATIVE)).to.equal(share(job) + 2n * BOND);
      expect(await c.operators.slashCreditOf(c.challenger.address)).to.equal(SLASHED);
    });

    it("upheld: the proposer gets the fee and its bond, the resolver the challenger's bond, nobody is slashed", async function () {
      const { c, jobId, job } = await challenged(TRUE);
      const { result, attestation } = await resolutionFor(c, jobId, c.other.address);
      const tx = c.game.connect(c.other).resolveChallenge(jobId, job, result, attestation);
      await expect(tx)
        .to.emit(c.game, "ChallengeResolved")
        .withArgs(jobId, c.operator.address, c.challenger.address, true, TRUE_HASH, TRUE_HASH, 0n, 0n, c.other.address);
      await expect(tx).to.emit(c.game, "ResultFinalized").withArgs(jobId, c.operator.address, TRUE_HASH, BOND, true);
      await expect(tx).to.emit(c.hub, "InferenceFulfilled").withArgs(jobId, c.operator.address, TRUE_HASH, TRUE, "");
      await expect(tx).to.emit(c.operators, "StakeUnlocked").withArgs(c.operator.address, jobId, SLASH, KEY);
      await expect(tx).to.not.emit(c.operators, "OperatorSlashed");
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(share(job) + BOND);
      expect(await c.hub.creditOf(c.other.address, NATIVE)).to.equal(BOND);
      expect(await c.hub.creditOf(c.challenger.address, NATIVE)).to.equal(0n);
      expect([...(await c.operators.getOperator(c.operator.address))]).to.deep.equal([ONE + KEY, KEY, 0n, 0n]);
      expect(await c.operators.slashCreditOf(c.challenger.address)).to.equal(0n);
      expect(await c.operators.burned()).to.equal(0n);
      expect(await ethers.provider.getBalance(await c.game.getAddress())).to.equal(0n);
    });

    it("upheld and resolved by the proposer: it gets the fee and both bonds", async function () {
      const { c, jobId, job } = await challenged(TRUE);
      const { result, attestation } = await resolutionFor(c, jobId, c.operator.address);
      const tx = c.game.connect(c.operator).resolveChallenge(jobId, job, result, attestation);
      await expect(tx).to.emit(c.game, "ResultFinalized").withArgs(jobId, c.operator.address, TRUE_HASH, 2n * BOND, true);
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(share(job) + 2n * BOND);
    });

    it("overturned and resolved by the proposer itself: it keeps the fee and its bond but loses the whole slash", async function () {
      const { c, jobId, job } = await challenged(WRONG);
      const { result, attestation } = await resolutionFor(c, jobId, c.operator.address);
      await expect(c.game.connect(c.operator).resolveChallenge(jobId, job, result, attestation))
        .to.emit(c.game, "ResultFinalized")
        .withArgs(jobId, c.operator.address, TRUE_HASH, BOND, true);
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(share(job) + BOND);
      expect(await c.hub.creditOf(c.challenger.address, NATIVE)).to.equal(BOND);
      expect((await c.operators.getOperator(c.operator.address)).stake).to.equal(ONE + KEY - SLASH);
    });

    it("resolves after the job's deadline, up to the last second of the resolution period", async function () {
      const { c, jobId, job, resolveBy } = await challenged(WRONG);
      const { result, attestation } = await resolutionFor(c, jobId, c.governance.address);
      await time.setNextBlockTimestamp(resolveBy);
      expect(resolveBy).to.be.greaterThan(job.deadline as bigint);
      await expect(c.game.resolveChallenge(jobId, job, result, attestation)).to.emit(c.game, "ResultFinalized");
    });

    it("refuses a resolution after the resolution period (GameResolutionClosed): the proposal can only expire", async function () {
      const { c, jobId, job, resolveBy } = await challenged(WRONG);
      const { result, attestation } = await resolutionFor(c, jobId, c.governance.address);
      await time.setNextBlockTimestamp(resolveBy + 1n);
      await expectDisputeRefused(c, jobId, () => c.game.resolveChallenge(jobId, job, result, attestation), c.game, "GameResolutionClosed", [jobId, resolveBy]);
      await expect(c.game.expireChallenge(jobId, job, inline(WRONG))).to.emit(c.game, "ChallengeExpired");
    });

    it("keeps the ZK verifier the game was deployed with: disabling mode 2 does not stop a resolution", async function () {
      const { c, jobId, job } = await challenged(WRONG);
      await c.hub.setVerifier(MODE_ZK, ethersLib.ZeroAddress);
      const { result, attestation } = await resolutionFor(c, jobId, c.governance.address);
      await expect(c.game.resolveChallenge(jobId, job, result, attestation))
        .to.emit(c.game, "ChallengeResolved")
        .withArgs(jobId, c.operator.address, c.challenger.address, false, WRONG_HASH, TRUE_HASH, SLASHED, BURNED, c.governance.address);
    });

    it("pays a challenger that refuses the native currency by credit: neither resolution nor slash is blocked", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const refuser = (await ethers.deployContract("NativeRefuser")) as unknown as NativeRefuser;
      const refuserAddress = await refuser.getAddress();
      const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, PARAMS);
      await propose(c, jobId, job, WRONG);
      const game = await c.game.getAddress();
      await refuser.exec(game, c.game.interface.encodeFunctionData("challenge", [jobId, job]), { value: BOND });
      const { result, attestation } = await resolutionFor(c, jobId, c.governance.address);
      await expect(c.game.resolveChallenge(jobId, job, result, attestation))
        .to.emit(c.operators, "OperatorSlashed")
        .withArgs(c.operator.address, jobId, SLASHED, refuserAddress, BURNED);
      expect(await c.hub.creditOf(refuserAddress, NATIVE)).to.equal(BOND);
      expect(await c.operators.slashCreditOf(refuserAddress)).to.equal(SLASHED);
      // Its withdrawals fail at the push, and its credits stay.
      const hub = await c.hub.getAddress();
      await expect(refuser.exec(hub, c.hub.interface.encodeFunctionData("withdraw", [NATIVE])))
        .to.be.revertedWithCustomError(c.hub, "HubNativeTransferFailed")
        .withArgs(refuserAddress, BOND);
      expect(await c.hub.creditOf(refuserAddress, NATIVE)).to.equal(BOND);
    });

    it("credits an ERC-20 fee in the token at finality and the bonds in the native currency", async function () {
      const { c, jobId, job } = await optimisticJob(PARAMS, { token: true });
      const token = await c.token.getAddress();
      await propose(c, jobId, job, WRONG);
      await challenge(c, jobId, job);
      const { result, attestation } = await resolutionFor(c, jobId, c.challenger.address);
      await c.game.connect(c.challenger).resolveChallenge(jobId, job, result, attestation);
      expect(await c.hub.creditOf(c.challenger.address, token)).to.equal(TOKEN_FEE - (job.modelFee as bigint));
      expect(await c.hub.creditOf(c.challenger.address, NATIVE)).to.equal(2n * BOND);
      expect(await c.hub.modelEarnings(c.modelId, token)).to.equal(job.modelFee);
    });

    describe("refusals (nothing moves)", function () {
      it("refuses a proof that does not verify, and one of the proposed wrong output", async function () {
        const { c, jobId, job } = await challenged(WRONG);
        const { result } = await resolutionFor(c, jobId, c.governance.address);
        const p = proofTuple(encodeProofForSolidity(proved.proof));
        const bad = zkAttestation({ ...p, a: [p.a[0], p.a[1] + 1n] }, encodeTensor(IRIS_INPUT), TRUE);
        const groth16 = await c.groth16.getAddress();
        await expectDisputeRefused(c, jobId, () => c.game.resolveChallenge(jobId, job, result, bad, { gasLimit: 2_000_000n }), c.zk, "ZkProofInvalid", [jobId, groth16]);
        const forWrong = zkAttestation(p, encodeTensor(IRIS_INPUT), WRONG);
        await expectDisputeRefused(c, jobId, () => c.game.resolveChallenge(jobId, job, inline(WRONG), forWrong, { gasLimit: 2_000_000n }), c.zk, "ZkProofInvalid", [jobId, groth16]);
      });

      it("refuses a proof made for another resolver (copied from a pending resolution)", async function () {
        const { c, jobId, job } = await challenged(WRONG);
        const { result, attestation } = await resolutionFor(c, jobId, c.other.address);
        await expectDisputeRefused(
          c, jobId, () => c.game.connect(c.governance).resolveChallenge(jobId, job, result, attestation, { gasLimit: 2_000_000n }),
          c.zk, "ZkProofInvalid", [jobId, await c.groth16.getAddress()],
        );
      });

      it("refuses a result whose hash is not the proof's output, and a result by URI", async function () {
        const { c, jobId, job } = await challenged(WRONG);
        const { attestation } = await resolutionFor(c, jobId, c.governance.address);
        await expectDisputeRefused(c, jobId, () => c.game.resolveChallenge(jobId, job, inline(OUTPUT), attestation), c.zk, "ZkOutputHashMismatch", [
          jobId, ethersLib.keccak256(OUTPUT), TRUE_HASH,
        ]);
        await expectDisputeRefused(
          c, jobId, () => c.game.resolveChallenge(jobId, job, { output: "0x", outputURI: "ipfs://o", outputHash: TRUE_HASH }, attestation),
          c.game, "GameOutputNotInline", [jobId],
        );
      });

      it("refuses a tampered job", async function () {
        const { c, jobId, job } = await challenged(WRONG);
        const { result, attestation } = await resolutionFor(c, jobId, c.governance.address);
        await expectDisputeRefused(c, jobId, () => c.game.resolveChallenge(jobId, { ...job, fee: 1n }, result, attestation), c.hub, "HubCommitmentMismatch", [jobId]);
      });

      it("refuses to resolve a job without a proposal, an unchallenged proposal, and twice", async function () {
        const { c, jobId, job } = await optimisticJob();
        const { result, attestation } = await resolutionFor(c, jobId, c.governance.address);
        await expectDisputeRefused(c, jobId, () => c.game.resolveChallenge(jobId, job, result, attestation), c.game, "GameNoProposal", [jobId]);
        await propose(c, jobId, job, WRONG);
        await expectDisputeRefused(c, jobId, () => c.game.resolveChallenge(jobId, job, result, attestation), c.game, "GameNotChallenged", [jobId]);
        await challenge(c, jobId, job);
        await c.game.resolveChallenge(jobId, job, result, attestation);
        await expectDisputeRefused(c, jobId, () => c.game.resolveChallenge(jobId, job, result, attestation), c.game, "GameNoProposal", [jobId]);
      });
    });
  });

  describe("expireChallenge (nobody resolved the challenge)", function () {
    it("after the resolution period: the proposal stands, the proposer gets the fee and both bonds, its stake unlocked", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await consumerRequest(c, MODE_OPTIMISTIC, PARAMS);
      await propose(c, jobId, job, WRONG);
      const { resolveBy } = await challenge(c, jobId, job);
      await expectDisputeRefused(c, jobId, () => c.game.expireChallenge(jobId, job, inline(WRONG)), c.game, "GameResolutionOpen", [jobId, resolveBy]);
      await time.setNextBlockTimestamp(resolveBy);
      await expectDisputeRefused(c, jobId, () => c.game.expireChallenge(jobId, job, inline(WRONG)), c.game, "GameResolutionOpen", [jobId, resolveBy]);
      await time.setNextBlockTimestamp(resolveBy + 1n);
      const tx = c.game.connect(c.other).expireChallenge(jobId, job, inline(WRONG));
      await expect(tx).to.emit(c.game, "ChallengeExpired").withArgs(jobId, c.operator.address, c.challenger.address, BOND);
      await expect(tx).to.emit(c.game, "ResultFinalized").withArgs(jobId, c.operator.address, WRONG_HASH, 2n * BOND, true);
      await expect(tx).to.emit(c.hub, "InferenceFulfilled").withArgs(jobId, c.operator.address, WRONG_HASH, WRONG, "");
      await expect(tx).to.emit(c.operators, "StakeUnlocked").withArgs(c.operator.address, jobId, SLASH, KEY);
      await expect(tx).to.emit(c.consumer, "ResultReceived").withArgs(jobId, WRONG_HASH, WRONG);
      await expect(tx).to.changeEtherBalances(ethers, [c.game, c.hub], [-2n * BOND, 2n * BOND]);
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(share(job) + 2n * BOND);
      expect(await c.hub.creditOf(c.challenger.address, NATIVE)).to.equal(0n);
      expect(await c.hub.creditOf(c.requester.address, NATIVE)).to.equal(0n);
      expect(await c.hub.modelEarnings(c.modelId, NATIVE)).to.equal(job.modelFee);
      expect((await c.hub.getJob(jobId)).status).to.equal(Status.Fulfilled);
      expect(await c.game.getProposal(jobId)).to.deep.equal(ZERO_PROPOSAL);
      expect([...(await c.operators.getOperator(c.operator.address))]).to.deep.equal([ONE + KEY, KEY, 0n, 0n]);
      const { result, attestation } = await resolutionFor(c, jobId, c.governance.address);
      await expect(c.game.resolveChallenge(jobId, job, result, attestation)).to.be.revertedWithCustomError(c.game, "GameNoProposal").withArgs(jobId);
    });

    it("refuses an expiry with a result other than the proposed one", async function () {
      const { c, jobId, job, resolveBy } = await challenged(WRONG);
      await time.increaseTo(resolveBy + 1n);
      await expectDisputeRefused(c, jobId, () => c.game.expireChallenge(jobId, job, inline(TRUE)), c.game, "GameProposalOutputMismatch", [
        jobId, WRONG_HASH, TRUE_HASH,
      ]);
    });

    it("refuses to expire a job without a proposal, or whose proposal is not challenged", async function () {
      const { c, jobId, job } = await optimisticJob();
      await expectDisputeRefused(c, jobId, () => c.game.expireChallenge(jobId, job, inline(WRONG)), c.game, "GameNoProposal", [jobId]);
      await propose(c, jobId, job, WRONG);
      await time.increase(3n * WINDOW);
      await expectDisputeRefused(c, jobId, () => c.game.expireChallenge(jobId, job, inline(WRONG)), c.game, "GameNotChallenged", [jobId]);
    });

    it("credits an ERC-20 fee in the token and both bonds in the native currency", async function () {
      const { c, jobId, job } = await optimisticJob(PARAMS, { token: true });
      const token = await c.token.getAddress();
      await propose(c, jobId, job, WRONG);
      const { resolveBy } = await challenge(c, jobId, job);
      await time.increaseTo(resolveBy + 1n);
      await c.game.expireChallenge(jobId, job, inline(WRONG));
      expect(await c.hub.creditOf(c.operator.address, token)).to.equal(TOKEN_FEE - (job.modelFee as bigint));
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(2n * BOND);
    });
  });

  describe("the hub's module API is the game's alone for its jobs", function () {
    it("refuses hold, settle, unlockStake and slashStake from anyone but the job's verifier", async function () {
      const { c, jobId, job } = await proposed(WRONG);
      const game = await c.game.getAddress();
      const calls: [string, () => Promise<unknown>][] = [
        ["hold", () => c.hub.connect(c.other).hold(jobId, job, Status.Challenged, c.operator.address, 0n)],
        ["settle", () => c.hub.connect(c.other).settle(jobId, job, c.other.address, inline(TRUE))],
        ["unlockStake", () => c.hub.connect(c.other).unlockStake(jobId, job, c.operator.address, SLASH)],
        ["slashStake", () => c.hub.connect(c.other).slashStake(jobId, job, c.operator.address, SLASH, c.other.address, 0n)],
      ];
      for (const [, send] of calls) {
        await expectDisputeRefused(c, jobId, send, c.hub, "HubNotJobVerifier", [jobId, game, c.other.address]);
      }
    });

    it("leaves a request's parse to the hub: the job carries the game as its verifier", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { receipt } = await modeRequest(c, MODE_OPTIMISTIC, PARAMS);
      expect(parseRequested(c, receipt).job.verifier).to.equal(await c.game.getAddress());
    });
  });
});
