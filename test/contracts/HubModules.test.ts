/**
 * The hub as a verifier-agnostic escrow: a job is committed to the verifier of its mode at request time
 * (`Job.verifier`), only that verifier may hold, settle, unlock or slash for it, and governance changing a mode's
 * verifier affects later jobs only (finding F8). Driven by TestModule (contracts/test/TestModule.sol), a settlement
 * module a test steers call by call, plugged in as mode 5's verifier.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ethers as ethersLib } from "ethers";
import type { TestModule } from "../../types/ethers-contracts/index.js";
import { encodeTensor } from "../../sdk/src/encoding/tensor.js";
import { releaseZkWorkers } from "../../sdk/src/proofs/zk.js";
import {
  MODE_OPTIMISTIC,
  MODE_QUORUM,
  MODE_TEE,
  MODE_ZK,
  MODEL_FEE,
  OPERATOR_REWARD,
  KEY_STAKE,
  OUTPUT,
  deployWithTeeModel,
  inlineResult,
  makeRequest,
  modeBit,
  parseRequested,
  teeFulfillArgs,
  versionParams,
  type JobStruct,
  type TeeSetup,
} from "../helpers/verity.js";
import { BPS, NATIVE, expectRefused, storedCommitment } from "../helpers/hub.js";
import { IRIS_INPUT, deployWithZkModel, prove, zkFulfillArgs, zkRequest } from "../helpers/zk.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

const MODE_5 = 5;
const MODULE_VERSION = 3;
const FEE = MODEL_FEE + OPERATOR_REWARD;
const ONE = ethersLib.parseEther("1");
const HALF = ethersLib.parseEther("0.5");
/** The fixture operator also has KEY_STAKE bonded and locked behind its enclave key, on top of its free 1 ETH. */
const KEY = KEY_STAKE;
const Status = { None: 0n, Pending: 1n, Fulfilled: 2n, Refunded: 3n, Proposed: 4n, Challenged: 5n } as const;

/** The TEE fixture plus two TestModules: `module` is mode 5's verifier (version 3 supports mode 5), `rogue` is not. */
async function fixture() {
  const c = await deployWithTeeModel(ethers);
  const module = (await ethers.deployContract("TestModule")) as unknown as TestModule;
  const rogue = (await ethers.deployContract("TestModule")) as unknown as TestModule;
  await c.hub.setVerifier(MODE_5, await module.getAddress());
  await c.models.connect(c.modelOwner).publishVersion(c.modelId, versionParams({ artifactHash: ethersLib.id("mode 5"), modes: modeBit(MODE_5) }));
  return { ...c, module, rogue };
}

type Setup = Awaited<ReturnType<typeof fixture>>;

async function moduleJob(c: Setup, overrides: Parameters<typeof makeRequest>[1] = {}) {
  const req = await makeRequest(c, { version: MODULE_VERSION, mode: MODE_5, params: 7n, ...overrides });
  const receipt = await (await c.hub.connect(c.requester).requestInference(req, { value: req.fee })).wait();
  return parseRequested(c, receipt!);
}

/** Calls the hub's `fn(...args)` from `module` (with `value`). */
function viaModule(c: Setup, module: TestModule, fn: string, args: unknown[], value = 0n) {
  const data = (c.hub.interface as ethersLib.Interface).encodeFunctionData(fn, args);
  return async () => module.exec(await c.hub.getAddress(), data, { value });
}

/** The job's slot, the stake records and slash credits of the operator and `other`, the burn. */
async function state(c: Setup, jobId: bigint) {
  const accounts = [c.operator.address, c.other.address];
  return {
    job: [...(await c.hub.getJob(jobId))],
    credits: await Promise.all(accounts.map((a) => c.hub.creditOf(a, NATIVE))),
    stakes: await Promise.all(accounts.map(async (a) => [...(await c.operators.getOperator(a))])),
    slashCredits: await Promise.all(accounts.map((a) => c.operators.slashCreditOf(a))),
    burned: await c.operators.burned(),
  };
}

async function expectModuleRefused(
  c: Setup,
  jobId: bigint,
  send: () => Promise<unknown>,
  source: ethersLib.BaseContract,
  error: string,
  args: unknown[],
) {
  const before = await state(c, jobId);
  await expectRefused(c as unknown as TeeSetup, send, source, error, args, [
    c.requester.address,
    c.operator.address,
    c.other.address,
    await c.module.getAddress(),
    await c.operators.getAddress(),
  ]);
  expect(await state(c, jobId)).to.deep.equal(before);
}

describe("InferenceHub settlement modules (hold, settle, unlockStake, slashStake, depositFor) and committed verifiers", function () {
  this.timeout(120_000);
  after(releaseZkWorkers);

  describe("requests", function () {
    it("commits each job to its mode's verifier, which vets the request (checkRequest)", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { job } = await moduleJob(c);
      expect(job.verifier).to.equal(await c.module.getAddress());
      const tee = parseRequested(c, (await (await c.hub.connect(c.requester).requestInference(await makeRequest(c), { value: FEE })).wait())!);
      expect(tee.job.verifier).to.equal(await c.enclaves.getAddress());
      await c.module.setRefuseRequests(true);
      const req = await makeRequest(c, { version: MODULE_VERSION, mode: MODE_5, params: 7n });
      await expectRefused(c, () => c.hub.connect(c.requester).requestInference(req, { value: FEE }), c.module, "TestModuleRefused", [
        c.modelId, BigInt(MODULE_VERSION), 7n,
      ]);
    });

    it("refuses a request of a mode without a verifier (HubNoVerifier)", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      await c.hub.setVerifier(MODE_5, ethersLib.ZeroAddress);
      const req = await makeRequest(c, { version: MODULE_VERSION, mode: MODE_5 });
      await expectRefused(c, () => c.hub.connect(c.requester).requestInference(req, { value: FEE }), c.hub, "HubNoVerifier", [BigInt(MODE_5)]);
    });

    it("fulfils through the job's verifier when it checks evidence itself", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await moduleJob(c);
      await expect(c.hub.connect(c.other).fulfill(jobId, job, inlineResult(), "0x"))
        .to.emit(c.hub, "InferenceFulfilled")
        .withArgs(jobId, c.other.address, ethersLib.keccak256(OUTPUT), OUTPUT, "");
      expect(await c.hub.creditOf(c.other.address, NATIVE)).to.equal(OPERATOR_REWARD);
    });

    it("refuses a result its verifier accepts but credits to nobody (HubNoOperator)", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await moduleJob(c);
      await c.module.setCreditNobody(true);
      await expectModuleRefused(c, jobId, () => c.hub.connect(c.other).fulfill(jobId, job, inlineResult(), "0x"), c.hub, "HubNoOperator", []);
      expect((await c.hub.getJob(jobId))[0]).to.equal(Status.Pending);
    });
  });

  describe("access: only the job's own verifier", function () {
    it("refuses hold, settle, unlockStake and slashStake from an account and from another module (HubNotJobVerifier)", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await moduleJob(c);
      const verifier = await c.module.getAddress();
      const rogue = await c.rogue.getAddress();
      const calls: [string, unknown[]][] = [
        ["hold", [jobId, job, Status.Proposed, c.operator.address, HALF]],
        ["settle", [jobId, job, c.other.address, inlineResult()]],
        ["unlockStake", [jobId, job, c.operator.address, HALF]],
        ["slashStake", [jobId, job, c.operator.address, HALF, c.other.address, 0n]],
      ];
      for (const [fn, args] of calls) {
        await expectModuleRefused(c, jobId, () => c.hub.connect(c.other).getFunction(fn)(...args), c.hub, "HubNotJobVerifier", [jobId, verifier, c.other.address]);
        await expectModuleRefused(c, jobId, viaModule(c, c.rogue, fn, args), c.hub, "HubNotJobVerifier", [jobId, verifier, rogue]);
      }
    });

    it("refuses them for a TEE job to anyone, the mode 5 module included: its verifier is the enclave registry", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const tee = parseRequested(c, (await (await c.hub.connect(c.requester).requestInference(await makeRequest(c), { value: FEE })).wait())!);
      const registry = await c.enclaves.getAddress();
      await expectModuleRefused(
        c, tee.jobId, viaModule(c, c.module, "hold", [tee.jobId, tee.job, Status.Proposed, c.operator.address, HALF]),
        c.hub, "HubNotJobVerifier", [tee.jobId, registry, await c.module.getAddress()],
      );
      await expectModuleRefused(
        c, tee.jobId, viaModule(c, c.module, "slashStake", [tee.jobId, tee.job, c.operator.address, HALF, c.other.address, 0n]),
        c.hub, "HubNotJobVerifier", [tee.jobId, registry, await c.module.getAddress()],
      );
    });

    it("refuses an unknown job and a job that does not match its commitment (a forged verifier field)", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await moduleJob(c);
      const tee = parseRequested(c, (await (await c.hub.connect(c.requester).requestInference(await makeRequest(c), { value: FEE })).wait())!);
      await expectModuleRefused(c, 99n, viaModule(c, c.module, "hold", [99n, job, Status.Proposed, c.operator.address, 0n]), c.hub, "HubUnknownJob", [99n]);
      // Claiming a TEE job for the module by rewriting its verifier does not match the commitment.
      const forged = { ...tee.job, verifier: await c.module.getAddress() };
      await expectModuleRefused(c, tee.jobId, viaModule(c, c.module, "hold", [tee.jobId, forged, Status.Proposed, c.operator.address, HALF]), c.hub, "HubCommitmentMismatch", [tee.jobId]);
      await expectModuleRefused(c, jobId, viaModule(c, c.module, "settle", [jobId, { ...job, fee: 1n }, c.other.address, inlineResult()]), c.hub, "HubCommitmentMismatch", [jobId]);
    });
  });

  describe("hold", function () {
    it("moves a pending job to Proposed, locks the staker's stake, and emits JobHeld", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await moduleJob(c);
      const module = await c.module.getAddress();
      const tx = await viaModule(c, c.module, "hold", [jobId, job, Status.Proposed, c.operator.address, HALF])();
      await expect(tx).to.emit(c.hub, "JobHeld").withArgs(jobId, module, Status.Proposed);
      await expect(tx).to.emit(c.operators, "StakeLocked").withArgs(c.operator.address, jobId, HALF, KEY + HALF);
      expect((await c.hub.getJob(jobId))[1]).to.equal(await storedCommitment(c, jobId, job, Status.Proposed));
      expect([...(await c.operators.getOperator(c.operator.address))]).to.deep.equal([ONE + KEY, KEY + HALF, 0n, 0n]);
      // Proposed -> Challenged, with nothing more locked (a zero amount makes no registry call).
      const challenge = await viaModule(c, c.module, "hold", [jobId, job, Status.Challenged, ethersLib.ZeroAddress, 0n])();
      await expect(challenge).to.emit(c.hub, "JobHeld").withArgs(jobId, module, Status.Challenged);
      await expect(challenge).to.not.emit(c.operators, "StakeLocked");
      expect((await c.hub.getJob(jobId))[0]).to.equal(Status.Challenged);
    });

    it("moves a pending job straight to Challenged", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await moduleJob(c);
      await expect(viaModule(c, c.module, "hold", [jobId, job, Status.Challenged, c.operator.address, 1n])())
        .to.emit(c.hub, "JobHeld")
        .withArgs(jobId, await c.module.getAddress(), Status.Challenged);
      expect((await c.operators.getOperator(c.operator.address)).locked).to.equal(KEY + 1n);
    });

    it("refuses every other transition (HubInvalidHold)", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await moduleJob(c);
      const hold = (to: bigint) => viaModule(c, c.module, "hold", [jobId, job, to, c.operator.address, 0n]);
      for (const to of [Status.None, Status.Pending, Status.Fulfilled, Status.Refunded]) {
        await expectModuleRefused(c, jobId, hold(to), c.hub, "HubInvalidHold", [jobId, Status.Pending, to]);
      }
      await hold(Status.Proposed)();
      for (const to of [Status.None, Status.Pending, Status.Fulfilled, Status.Refunded, Status.Proposed]) {
        await expectModuleRefused(c, jobId, hold(to), c.hub, "HubInvalidHold", [jobId, Status.Proposed, to]);
      }
      await hold(Status.Challenged)();
      for (const to of [Status.Proposed, Status.Challenged]) {
        await expectModuleRefused(c, jobId, hold(to), c.hub, "HubInvalidHold", [jobId, Status.Challenged, to]);
      }
      await viaModule(c, c.module, "settle", [jobId, job, c.other.address, inlineResult()])();
      for (const to of [Status.Proposed, Status.Challenged]) {
        await expectModuleRefused(c, jobId, hold(to), c.hub, "HubInvalidHold", [jobId, Status.Fulfilled, to]);
      }
      const expired = await moduleJob(c);
      await time.increaseTo((expired.job.deadline as bigint) + 1n);
      await c.hub.refund(expired.jobId, expired.job);
      await expectModuleRefused(
        c, expired.jobId, viaModule(c, c.module, "hold", [expired.jobId, expired.job, Status.Proposed, c.operator.address, 0n]),
        c.hub, "HubInvalidHold", [expired.jobId, Status.Refunded, Status.Proposed],
      );
    });

    it("refuses to take a pending job past its deadline, but moves a held one on after it", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await moduleJob(c);
      const held = await moduleJob(c);
      await viaModule(c, c.module, "hold", [held.jobId, held.job, Status.Proposed, c.operator.address, 0n])();
      await time.increaseTo((job.deadline as bigint) + 1n);
      for (const to of [Status.Proposed, Status.Challenged]) {
        await expectModuleRefused(c, jobId, viaModule(c, c.module, "hold", [jobId, job, to, c.operator.address, 0n]), c.hub, "HubJobExpired", [jobId, job.deadline]);
      }
      await viaModule(c, c.module, "hold", [held.jobId, held.job, Status.Challenged, c.operator.address, 0n])();
    });

    it("refuses a lock beyond the staker's free stake with the registry's error", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await moduleJob(c);
      await expectModuleRefused(
        c, jobId, viaModule(c, c.module, "hold", [jobId, job, Status.Proposed, c.operator.address, ONE + 1n]),
        c.operators, "OperatorInsufficientStake", [c.operator.address, ONE + 1n, ONE],
      );
      await expectModuleRefused(
        c, jobId, viaModule(c, c.module, "hold", [jobId, job, Status.Proposed, c.other.address, 1n]),
        c.operators, "OperatorInsufficientStake", [c.other.address, 1n, 0n],
      );
    });

    it("keeps a held job from refund and fulfil (HubJobNotPending)", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await moduleJob(c);
      await viaModule(c, c.module, "hold", [jobId, job, Status.Proposed, c.operator.address, 0n])();
      await expectModuleRefused(c, jobId, () => c.hub.fulfill(jobId, job, inlineResult(), "0x"), c.hub, "HubJobNotPending", [jobId, Status.Proposed]);
      await time.increaseTo((job.deadline as bigint) + 1n);
      await expectModuleRefused(c, jobId, () => c.hub.refund(jobId, job), c.hub, "HubJobNotPending", [jobId, Status.Proposed]);
    });
  });

  describe("settle", function () {
    it("records a held job's result like fulfil: operator, model and treasury credited, InferenceFulfilled, callback", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      await c.hub.setProtocolFee(1_000);
      const req = await makeRequest(c, { version: MODULE_VERSION, mode: MODE_5, params: 7n, callbackGasLimit: 200_000 });
      const { jobId, job } = parseRequested(c, (await (await c.consumer.connect(c.requester).ask(req, { value: FEE })).wait())!);
      await viaModule(c, c.module, "hold", [jobId, job, Status.Proposed, c.operator.address, 0n])();
      // After the deadline too: a held job settles whenever its module says so.
      await time.increaseTo((job.deadline as bigint) + 1n);
      const tx = await viaModule(c, c.module, "settle", [jobId, job, c.other.address, inlineResult()])();
      await expect(tx).to.emit(c.hub, "InferenceFulfilled").withArgs(jobId, c.other.address, ethersLib.keccak256(OUTPUT), OUTPUT, "");
      await expect(tx).to.emit(c.consumer, "ResultReceived").withArgs(jobId, ethersLib.keccak256(OUTPUT), OUTPUT);
      const protocol = (OPERATOR_REWARD * 1_000n) / BPS;
      expect(await c.hub.creditOf(c.other.address, NATIVE)).to.equal(OPERATOR_REWARD - protocol);
      expect(await c.hub.creditOf(c.treasury.address, NATIVE)).to.equal(protocol);
      expect(await c.hub.modelEarnings(c.modelId, NATIVE)).to.equal(MODEL_FEE);
      expect((await c.hub.getJob(jobId))[0]).to.equal(Status.Fulfilled);
    });

    it("settles a challenged job, with an output by URI", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await moduleJob(c);
      await viaModule(c, c.module, "hold", [jobId, job, Status.Challenged, c.operator.address, 0n])();
      const hash = ethersLib.id("large output");
      await expect(viaModule(c, c.module, "settle", [jobId, job, c.operator.address, { output: "0x", outputURI: "ipfs://o", outputHash: hash }])())
        .to.emit(c.hub, "InferenceFulfilled")
        .withArgs(jobId, c.operator.address, hash, "0x", "ipfs://o");
    });

    it("refuses to settle a pending job, a settled one, a zero operator and malformed outputs", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await moduleJob(c);
      const settle = (operator: string, result: ReturnType<typeof inlineResult>) =>
        viaModule(c, c.module, "settle", [jobId, job, operator, result]);
      await expectModuleRefused(c, jobId, settle(c.other.address, inlineResult()), c.hub, "HubUnexpectedJobStatus", [jobId, Status.Pending, Status.Proposed]);
      await viaModule(c, c.module, "hold", [jobId, job, Status.Proposed, c.operator.address, 0n])();
      await expectModuleRefused(c, jobId, settle(ethersLib.ZeroAddress, inlineResult()), c.hub, "HubNoOperator", []);
      await expectModuleRefused(c, jobId, settle(c.other.address, { output: "0x", outputURI: "", outputHash: ethersLib.ZeroHash }), c.hub, "HubInvalidOutput", []);
      const wrong = ethersLib.id("not the output");
      await expectModuleRefused(c, jobId, settle(c.other.address, { output: OUTPUT, outputURI: "", outputHash: wrong }), c.hub, "HubOutputHashMismatch", [
        wrong, ethersLib.keccak256(OUTPUT),
      ]);
      await settle(c.other.address, inlineResult())();
      await expectModuleRefused(c, jobId, settle(c.other.address, inlineResult()), c.hub, "HubUnexpectedJobStatus", [jobId, Status.Fulfilled, Status.Proposed]);
    });
  });

  describe("unlockStake and slashStake", function () {
    async function held() {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await moduleJob(c);
      await viaModule(c, c.module, "hold", [jobId, job, Status.Proposed, c.operator.address, HALF])();
      return { c, jobId, job };
    }

    it("unlocks locked stake for a held job", async function () {
      const { c, jobId, job } = await held();
      await expect(viaModule(c, c.module, "unlockStake", [jobId, job, c.operator.address, HALF])())
        .to.emit(c.operators, "StakeUnlocked")
        .withArgs(c.operator.address, jobId, HALF, KEY);
      expect([...(await c.operators.getOperator(c.operator.address))]).to.deep.equal([ONE + KEY, KEY, 0n, 0n]);
    });

    it("slashes locked stake: part credited to the recipient, part burned; returns the total", async function () {
      const { c, jobId, job } = await held();
      const data = c.hub.interface.encodeFunctionData("slashStake", [jobId, job, c.operator.address, 3n, c.other.address, 2n]);
      const returned = await c.module.exec.staticCall(await c.hub.getAddress(), data);
      expect(c.hub.interface.decodeFunctionResult("slashStake", returned)[0]).to.equal(5n);
      await expect(c.module.exec(await c.hub.getAddress(), data))
        .to.emit(c.operators, "OperatorSlashed")
        .withArgs(c.operator.address, jobId, 3n, c.other.address, 2n);
      expect([...(await c.operators.getOperator(c.operator.address))]).to.deep.equal([ONE + KEY - 5n, KEY + HALF - 5n, 0n, 0n]);
      expect(await c.operators.slashCreditOf(c.other.address)).to.equal(3n);
      expect(await c.operators.burned()).to.equal(2n);
      await expect(c.operators.connect(c.other).withdrawSlashCredit()).to.changeEtherBalance(ethers, c.other, 3n);
    });

    it("refuses more than the locked stake (OperatorLockTooSmall), and either call for a job that is not held", async function () {
      const { c, jobId, job } = await held();
      // The registry checks the operator's whole lock (here HALF for the job and KEY behind its enclave key).
      await expectModuleRefused(c, jobId, viaModule(c, c.module, "unlockStake", [jobId, job, c.operator.address, KEY + HALF + 1n]), c.operators, "OperatorLockTooSmall", [
        c.operator.address, KEY + HALF + 1n, KEY + HALF,
      ]);
      await expectModuleRefused(
        c, jobId, viaModule(c, c.module, "slashStake", [jobId, job, c.operator.address, KEY + HALF, c.other.address, 1n]),
        c.operators, "OperatorLockTooSmall", [c.operator.address, KEY + HALF + 1n, KEY + HALF],
      );
      const pending = await moduleJob(c);
      for (const [fn, args] of [
        ["unlockStake", [pending.jobId, pending.job, c.operator.address, 1n]],
        ["slashStake", [pending.jobId, pending.job, c.operator.address, 1n, c.other.address, 0n]],
      ] as const) {
        await expectModuleRefused(c, pending.jobId, viaModule(c, c.module, fn, [...args]), c.hub, "HubUnexpectedJobStatus", [
          pending.jobId, Status.Pending, Status.Proposed,
        ]);
      }
    });
  });

  describe("depositFor", function () {
    it("credits the native value to the account and emits Deposited; withdraw pays it", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const tx = c.hub.connect(c.other).depositFor(c.operator.address, { value: 123n });
      await expect(tx).to.emit(c.hub, "Deposited").withArgs(c.operator.address, c.other.address, 123n);
      await expect(tx).to.changeEtherBalances(ethers, [c.hub, c.other], [123n, -123n]);
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(123n);
      await expect(viaModule(c, c.module, "depositFor", [c.operator.address], 7n)())
        .to.emit(c.hub, "Deposited")
        .withArgs(c.operator.address, await c.module.getAddress(), 7n);
      await expect(c.hub.connect(c.operator).withdraw(NATIVE)).to.changeEtherBalance(ethers, c.operator, 130n);
    });

    it("refuses a zero value and the zero address (HubInvalidDeposit)", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      await expectRefused(c, () => c.hub.connect(c.other).depositFor(c.operator.address, { value: 0n }), c.hub, "HubInvalidDeposit", [], [c.other.address]);
      await expectRefused(c, () => c.hub.connect(c.other).depositFor(ethersLib.ZeroAddress, { value: 1n }), c.hub, "HubInvalidDeposit", [], [c.other.address]);
      expect(await c.hub.creditOf(ethersLib.ZeroAddress, NATIVE)).to.equal(0n);
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(0n);
    });
  });

  describe("setVerifier affects later jobs only (finding F8)", function () {
    it("keeps a job with the module it was requested under; a job requested after goes to the new one", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const before = await moduleJob(c);
      await c.hub.setVerifier(MODE_5, await c.rogue.getAddress());
      const after = await moduleJob(c);
      expect(before.job.verifier).to.equal(await c.module.getAddress());
      expect(after.job.verifier).to.equal(await c.rogue.getAddress());
      // The new verifier cannot touch the earlier job; the old one still settles it.
      await expectModuleRefused(
        c, before.jobId, viaModule(c, c.rogue, "hold", [before.jobId, before.job, Status.Proposed, c.operator.address, HALF]),
        c.hub, "HubNotJobVerifier", [before.jobId, await c.module.getAddress(), await c.rogue.getAddress()],
      );
      await viaModule(c, c.module, "hold", [before.jobId, before.job, Status.Proposed, c.operator.address, 0n])();
      await viaModule(c, c.module, "settle", [before.jobId, before.job, c.operator.address, inlineResult()])();
      // And the other way round for the later job.
      await expectModuleRefused(
        c, after.jobId, viaModule(c, c.module, "hold", [after.jobId, after.job, Status.Proposed, c.operator.address, 0n]),
        c.hub, "HubNotJobVerifier", [after.jobId, await c.rogue.getAddress(), await c.module.getAddress()],
      );
      await viaModule(c, c.rogue, "hold", [after.jobId, after.job, Status.Proposed, c.operator.address, 0n])();
    });

    it("verifies a ZK job requested before setVerifier(2, other) with its own ZK verifier, and one requested after with the new one", async function () {
      const c = await deployWithZkModel(ethers);
      const permissive = (await ethers.deployContract("TestModule")) as unknown as TestModule;
      const before = await zkRequest(c, IRIS_INPUT);
      expect(before.job.verifier).to.equal(await c.zk.getAddress());
      await expect(c.hub.setVerifier(MODE_ZK, await permissive.getAddress()))
        .to.emit(c.hub, "VerifierUpdated")
        .withArgs(MODE_ZK, await c.zk.getAddress(), await permissive.getAddress());
      const after = await zkRequest(c, IRIS_INPUT);
      expect(after.job.verifier).to.equal(await permissive.getAddress());
      // The earlier job still needs a proof: the permissive verifier's "anything goes" does not reach it.
      await expect(c.hub.connect(c.other).fulfill(before.jobId, before.job, inlineResult(), "0x"))
        .to.be.revertedWithCustomError(c.zk, "ZkMalformedAttestation")
        .withArgs(0n);
      const proved = await prove(c.weights, IRIS_INPUT, { jobId: before.jobId, submitter: c.operator.address });
      await expect(c.hub.connect(c.operator).fulfill(...zkFulfillArgs(before.jobId, before.job, proved)))
        .to.emit(c.hub, "InferenceFulfilled")
        .withArgs(before.jobId, c.operator.address, ethersLib.keccak256(encodeTensor(proved.output)), encodeTensor(proved.output), "");
      // The later one is the new verifier's.
      await expect(c.hub.connect(c.other).fulfill(after.jobId, after.job, inlineResult(), "0x"))
        .to.emit(c.hub, "InferenceFulfilled")
        .withArgs(after.jobId, c.other.address, ethersLib.keccak256(OUTPUT), OUTPUT, "");
    });

    it("refuses to change the TEE and QUORUM verifiers (the enclave and operator registries, built in)", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      for (const [mode, registry] of [[MODE_TEE, await c.enclaves.getAddress()], [MODE_QUORUM, await c.operators.getAddress()]] as const) {
        await expect(c.hub.setVerifier(mode, await c.module.getAddress()))
          .to.be.revertedWithCustomError(c.hub, "HubBuiltInMode")
          .withArgs(mode);
        expect(await c.hub.verifierOf(mode)).to.equal(registry);
      }
      expect(await c.hub.verifierOf(MODE_OPTIMISTIC)).to.equal(ethersLib.ZeroAddress);
      expect(await c.hub.verifierOf(MODE_5)).to.equal(await c.module.getAddress());
    });

    it("keeps fulfilling a TEE job with the registry whatever governance does", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = parseRequested(c, (await (await c.hub.connect(c.requester).requestInference(await makeRequest(c), { value: FEE })).wait())!);
      expect(job.verifier).to.equal(await c.enclaves.getAddress());
      await c.hub.setVerifier(MODE_5, ethersLib.ZeroAddress);
      await expect(c.hub.fulfill(...(await teeFulfillArgs(c, jobId, job as JobStruct)))).to.emit(c.hub, "InferenceFulfilled");
    });
  });
});
