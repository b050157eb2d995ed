import { expect } from "chai";
import { network } from "hardhat";
import { ethers as ethersLib } from "ethers";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import type { FeeOnTransferToken, HostileConsumer, InferenceHub } from "../../types/ethers-contracts/index.js";
import { encodeTensor, tensor } from "../../sdk/src/encoding/tensor.js";
import {
  INPUT,
  MEASUREMENT,
  MODE_TEE,
  MODE_ZK,
  MODEL_FEE,
  OPERATOR_REWARD,
  OTHER_MEASUREMENT,
  OUTPUT,
  TEE_NITRO,
  TOKEN_MODEL_FEE,
  deployWithTeeModel,
  inlineResult,
  makeRequest,
  modeBit,
  now,
  parseRequested,
  request,
  signResult,
  teeAttestation,
  teeFulfillArgs,
  versionParams,
  type JobStruct,
  type TeeSetup,
} from "../helpers/verity.js";
import {
  BPS,
  JobStatus,
  NATIVE,
  expectRefused,
  fulfillArgs,
  jobLedger,
  registerEnclave,
  resultSigner,
  storedCommitment,
} from "../helpers/hub.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

const FEE = MODEL_FEE + OPERATOR_REWARD;
const THIRTY_DAYS = 30n * 24n * 3600n;
const MAX_CALLBACK_GAS = 2_000_000n;
const OTHER_OUTPUT = encodeTensor(tensor("int32", [1, 3], [0, 8, 12]));
const URI_HASH = ethersLib.id("large tensor bytes");

async function teeHubFixture() {
  return deployWithTeeModel(ethers);
}

async function hostileConsumerFixture() {
  const c = await deployWithTeeModel(ethers);
  const hostile = (await ethers.deployContract("HostileConsumer", [
    await c.hub.getAddress(),
  ])) as unknown as HostileConsumer;
  return { ...c, hostile };
}

async function feeOnTransferFixture() {
  const c = await deployWithTeeModel(ethers);
  const fot = (await ethers.deployContract("FeeOnTransferToken")) as unknown as FeeOnTransferToken;
  await c.models
    .connect(c.modelOwner)
    .publishVersion(
      c.modelId,
      versionParams({ artifactHash: ethersLib.id("model v3"), feeToken: await fot.getAddress(), fee: 1_000n }),
    );
  await fot.mint(c.requester.address, 1_000_000n);
  await fot.connect(c.requester).approve(await c.hub.getAddress(), ethersLib.MaxUint256);
  return { ...c, fot };
}

const Behaviour = { Revert: 0, BurnAllGas: 1, HugeRevertData: 2, HugeReturnData: 3, Reenter: 4 } as const;

/** Requests a job through the hostile consumer (fee sent as value) with the given callback gas. */
async function hostileJob(c: TeeSetup & { hostile: HostileConsumer }, behaviour: number, callbackGasLimit = 500_000n) {
  await c.hostile.configure(behaviour, "0x");
  const req = await makeRequest(c, { callbackGasLimit });
  const receipt = await (await c.hostile.ask(req, { value: req.fee })).wait();
  return parseRequested(c, receipt!);
}

function callbackFailures(hub: InferenceHub, receipt: ethersLib.TransactionReceipt) {
  return receipt.logs
    .map((log) => hub.interface.parseLog(log))
    .filter((parsed) => parsed?.name === "CallbackFailed")
    .map((parsed) => parsed!.args);
}

/** Asserts that a fulfilment is refused with the error and that the job's slot and every credit it touches stay. */
async function expectFulfillRefused(
  c: TeeSetup,
  args: readonly unknown[],
  errorSource: ethersLib.BaseContract,
  error: string,
  errorArgs: unknown[],
) {
  const [jobId, job] = args as [bigint, JobStruct];
  const before = await jobLedger(c, jobId, job);
  await expectRefused(
    c,
    () => c.hub.connect(c.operator).fulfill(...(args as Parameters<InferenceHub["fulfill"]>)),
    errorSource,
    error,
    errorArgs,
    [c.requester.address, c.operator.address],
  );
  expect(await jobLedger(c, jobId, job)).to.deep.equal(before);
}

describe("InferenceHub", function () {
  describe("requestInference", function () {
    it("escrows a native fee and commits the whole job with status Pending", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const req = await makeRequest(c);
      const tx = c.hub.connect(c.requester).requestInference(req, { value: FEE });
      await expect(tx).to.changeEtherBalances(ethers, [c.requester, c.hub], [-FEE, FEE]);
      const { jobId, job } = parseRequested(c, (await (await tx).wait())!);

      expect(jobId).to.equal(1n);
      expect(await c.hub.jobCount()).to.equal(1n);
      expect(job).to.deep.equal({
        requester: c.requester.address,
        modelId: c.modelId,
        version: 1n,
        mode: BigInt(MODE_TEE),
        deadline: req.deadline,
        callback: ethersLib.ZeroAddress,
        callbackGasLimit: 0n,
        feeToken: NATIVE,
        fee: FEE,
        modelFee: MODEL_FEE,
        protocolFeeBps: 0n,
        inputHash: ethersLib.keccak256(INPUT),
        params: 0n,
        verifier: await c.enclaves.getAddress(),
      });
      await expect(tx)
        .to.emit(c.hub, "InferenceRequested")
        .withArgs(jobId, c.modelId, c.requester.address, anyValue, INPUT, "");
      const [status, commitment] = await c.hub.getJob(jobId);
      expect(status).to.equal(JobStatus.Pending);
      expect(commitment).to.equal(await storedCommitment(c, jobId, job, JobStatus.Pending));
      expect(commitment).to.equal(ethersLib.toBeHex((BigInt(await c.hub.jobCommitment(jobId, job)) & ~0xffn) | 1n, 32));
    });

    it("pulls an ERC-20 fee for a token-priced version", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const fee = TOKEN_MODEL_FEE + 1_000n;
      const req = await makeRequest(c, { version: 2, fee });
      const tx = c.hub.connect(c.requester).requestInference(req);
      await expect(tx).to.changeTokenBalances(ethers, c.token, [c.requester, c.hub], [-fee, fee]);
      await expect(tx).to.changeEtherBalance(ethers, c.hub, 0n);
      const { jobId, job } = parseRequested(c, (await (await tx).wait())!);
      expect(job.feeToken).to.equal(await c.token.getAddress());
      expect(job.fee).to.equal(fee);
      expect(job.modelFee).to.equal(TOKEN_MODEL_FEE);
      expect((await c.hub.getJob(jobId)).status).to.equal(JobStatus.Pending);
    });

    it("accepts an input given by URI and hash and commits that hash", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const req = await makeRequest(c, { input: "0x", inputURI: "ipfs://input", inputHash: URI_HASH });
      const tx = c.hub.connect(c.requester).requestInference(req, { value: FEE });
      await expect(tx)
        .to.emit(c.hub, "InferenceRequested")
        .withArgs(1n, c.modelId, c.requester.address, anyValue, "0x", "ipfs://input");
      const { job } = parseRequested(c, (await (await tx).wait())!);
      expect(job.inputHash).to.equal(URI_HASH);
    });

    it("accepts an inline input with its matching hash", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const { job } = await request(c, { inputHash: ethersLib.keccak256(INPUT) });
      expect(job.inputHash).to.equal(ethersLib.keccak256(INPUT));
    });

    it("accepts a fee equal to the model fee, a deadline 30 days out and the maximum callback gas", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const t = (await now(c)) + 10n;
      await time.setNextBlockTimestamp(t);
      // A callback must be the requester: the consumer asks for itself.
      const req = await makeRequest(c, { fee: MODEL_FEE, deadline: t + THIRTY_DAYS, callbackGasLimit: MAX_CALLBACK_GAS });
      const { job } = parseRequested(c, (await (await c.consumer.connect(c.requester).ask(req, { value: MODEL_FEE })).wait())!);
      expect(job.fee).to.equal(MODEL_FEE);
      expect(job.deadline).to.equal(t + THIRTY_DAYS);
      expect(job.callbackGasLimit).to.equal(MAX_CALLBACK_GAS);
    });

    describe("refusals (nothing is escrowed, no job is created)", function () {
      it("refuses requests while paused", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        await c.hub.setPaused(true);
        const req = await makeRequest(c);
        await expectRefused(
          c,
          () => c.hub.connect(c.requester).requestInference(req, { value: FEE }),
          c.hub,
          "HubPaused",
          [],
        );
      });

      it("refuses an unknown model version", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const req = await makeRequest(c, { version: 3 });
        await expectRefused(
          c,
          () => c.hub.connect(c.requester).requestInference(req, { value: FEE }),
          c.hub,
          "HubUnknownModelVersion",
          [c.modelId, 3n],
        );
        const unknownModel = await makeRequest(c, { modelId: ethersLib.id("no such model") });
        await expectRefused(
          c,
          () => c.hub.connect(c.requester).requestInference(unknownModel, { value: FEE }),
          c.hub,
          "HubUnknownModelVersion",
          [ethersLib.id("no such model"), 1n],
        );
      });

      it("refuses a deprecated version", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        await c.models.connect(c.modelOwner).deprecateVersion(c.modelId, 1);
        const req = await makeRequest(c);
        await expectRefused(
          c,
          () => c.hub.connect(c.requester).requestInference(req, { value: FEE }),
          c.hub,
          "HubVersionDeprecated",
          [c.modelId, 1n],
        );
      });

      it("refuses a mode the version does not support, mode 0 and modes above 7", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        for (const mode of [MODE_ZK, 0, 8, 255]) {
          const req = await makeRequest(c, { mode });
          await expectRefused(
            c,
            () => c.hub.connect(c.requester).requestInference(req, { value: FEE }),
            c.hub,
            "HubModeNotSupported",
            [c.modelId, 1n, BigInt(mode)],
          );
        }
      });

      it("refuses mode parameters for a TEE job", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const req = await makeRequest(c, { params: 3n });
        await expectRefused(
          c,
          () => c.hub.connect(c.requester).requestInference(req, { value: FEE }),
          c.hub,
          "HubInvalidParams",
          [BigInt(MODE_TEE), 3n],
        );
      });

      for (const [name, offset] of [
        ["in the past", -1n],
        ["equal to the block time", 0n],
        ["more than 30 days ahead", THIRTY_DAYS + 1n],
      ] as const) {
        it(`refuses a deadline ${name}`, async function () {
          const c = await networkHelpers.loadFixture(teeHubFixture);
          const t = (await now(c)) + 100n;
          const req = await makeRequest(c, { deadline: t + offset });
          await expectRefused(
            c,
            async () => {
              await time.setNextBlockTimestamp(t);
              return c.hub.connect(c.requester).requestInference(req, { value: FEE, gasLimit: 1_000_000 });
            },
            c.hub,
            "HubInvalidDeadline",
            [t + offset, t, t + THIRTY_DAYS],
          );
        });
      }

      it("refuses a fee below the model fee", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const req = await makeRequest(c, { fee: MODEL_FEE - 1n });
        await expectRefused(
          c,
          () => c.hub.connect(c.requester).requestInference(req, { value: MODEL_FEE - 1n }),
          c.hub,
          "HubFeeTooLow",
          [MODEL_FEE - 1n, MODEL_FEE],
        );
      });

      it("refuses a native value other than the fee", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const req = await makeRequest(c);
        for (const value of [0n, FEE - 1n, FEE + 1n]) {
          await expectRefused(
            c,
            () => c.hub.connect(c.requester).requestInference(req, { value }),
            c.hub,
            "HubWrongValue",
            [FEE, value],
          );
        }
      });

      it("refuses native value sent with an ERC-20 fee", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const req = await makeRequest(c, { version: 2, fee: TOKEN_MODEL_FEE });
        await expectRefused(
          c,
          () => c.hub.connect(c.requester).requestInference(req, { value: 1n }),
          c.hub,
          "HubWrongValue",
          [0n, 1n],
        );
      });

      it("refuses a fee-on-transfer token that delivers less than the fee", async function () {
        const c = await networkHelpers.loadFixture(feeOnTransferFixture);
        const req = await makeRequest(c, { version: 3, fee: 1_000n });
        const fotBefore = [await c.fot.balanceOf(c.requester.address), await c.fot.balanceOf(await c.hub.getAddress())];
        await expectRefused(c, () => c.hub.connect(c.requester).requestInference(req), c.hub, "HubTokenTransferShort", [
          await c.fot.getAddress(),
          1_000n,
          990n,
        ]);
        expect([
          await c.fot.balanceOf(c.requester.address),
          await c.fot.balanceOf(await c.hub.getAddress()),
        ]).to.deep.equal(fotBefore);
      });

      it("refuses a request without input, and an input URI without its hash", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        for (const overrides of [
          { input: "0x", inputURI: "", inputHash: ethersLib.ZeroHash },
          { input: "0x", inputURI: "", inputHash: URI_HASH },
          { input: "0x", inputURI: "ipfs://input", inputHash: ethersLib.ZeroHash },
        ]) {
          const req = await makeRequest(c, overrides);
          await expectRefused(
            c,
            () => c.hub.connect(c.requester).requestInference(req, { value: FEE }),
            c.hub,
            "HubInvalidInput",
            [],
          );
        }
      });

      it("refuses both an inline input and an input URI", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const req = await makeRequest(c, { inputURI: "ipfs://input" });
        await expectRefused(
          c,
          () => c.hub.connect(c.requester).requestInference(req, { value: FEE }),
          c.hub,
          "HubInvalidInput",
          [],
        );
      });

      it("refuses an input hash that does not match the inline input", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const req = await makeRequest(c, { inputHash: URI_HASH });
        await expectRefused(
          c,
          () => c.hub.connect(c.requester).requestInference(req, { value: FEE }),
          c.hub,
          "HubInputHashMismatch",
          [URI_HASH, ethersLib.keccak256(INPUT)],
        );
      });

      it("refuses a callback that is not a contract (the requester naming itself from an account with no code)", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const req = await makeRequest(c, { callback: c.requester.address, callbackGasLimit: 100_000 });
        await expectRefused(
          c,
          () => c.hub.connect(c.requester).requestInference(req, { value: FEE }),
          c.hub,
          "HubInvalidCallback",
          [c.requester.address, 100_000n],
        );
      });

      it("refuses a callback gas limit without a callback", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const req = await makeRequest(c, { callbackGasLimit: 5 });
        await expectRefused(
          c,
          () => c.hub.connect(c.requester).requestInference(req, { value: FEE }),
          c.hub,
          "HubInvalidCallback",
          [ethersLib.ZeroAddress, 5n],
        );
      });

      it("refuses callback gas above MAX_CALLBACK_GAS", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        expect(await c.hub.MAX_CALLBACK_GAS()).to.equal(MAX_CALLBACK_GAS);
        const req = await makeRequest(c, { callbackGasLimit: MAX_CALLBACK_GAS + 1n });
        await expectRefused(
          c,
          () => c.consumer.connect(c.requester).ask(req, { value: FEE }),
          c.hub,
          "HubCallbackGasTooHigh",
          [MAX_CALLBACK_GAS + 1n, MAX_CALLBACK_GAS],
        );
      });
    });
  });

  describe("fulfill", function () {
    it("records the result and credits operator, model and nothing to the treasury at a zero protocol fee", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const { jobId, job } = await request(c);
      const tx = c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
      await expect(tx)
        .to.emit(c.hub, "InferenceFulfilled")
        .withArgs(jobId, c.operator.address, ethersLib.keccak256(OUTPUT), OUTPUT, "");
      await expect(tx).to.changeEtherBalance(ethers, c.hub, 0n);
      const ledger = await jobLedger(c, jobId, job);
      expect(ledger.status).to.equal(JobStatus.Fulfilled);
      expect(ledger.commitment).to.equal(await storedCommitment(c, jobId, job, JobStatus.Fulfilled));
      expect(ledger.operator).to.equal(OPERATOR_REWARD);
      expect(ledger.model).to.equal(MODEL_FEE);
      expect(ledger.treasury).to.equal(0n);
      expect(ledger.requester).to.equal(0n);
    });

    it("credits the treasury the protocol share of the operator's part when a protocol fee is set", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      await c.hub.setProtocolFee(1_500);
      const { jobId, job } = await request(c);
      expect(job.protocolFeeBps).to.equal(1_500n);
      await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
      const protocolShare = (OPERATOR_REWARD * 1_500n) / BPS;
      const ledger = await jobLedger(c, jobId, job);
      expect(ledger.treasury).to.equal(protocolShare);
      expect(ledger.operator).to.equal(FEE - MODEL_FEE - protocolShare);
      expect(ledger.model).to.equal(MODEL_FEE);
      expect(ledger.treasury + ledger.operator + ledger.model).to.equal(FEE);
    });

    it("credits ERC-20 fees in the token", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      await c.hub.setProtocolFee(2_000);
      const fee = TOKEN_MODEL_FEE + 1_001n;
      const { jobId, job } = await request(c, { version: 2, fee });
      await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
      const token = await c.token.getAddress();
      const protocolShare = (1_001n * 2_000n) / BPS;
      expect(await c.hub.creditOf(c.treasury.address, token)).to.equal(protocolShare);
      expect(await c.hub.creditOf(c.operator.address, token)).to.equal(1_001n - protocolShare);
      expect(await c.hub.modelEarnings(c.modelId, token)).to.equal(TOKEN_MODEL_FEE);
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(0n);
    });

    it("accepts an output given by URI and hash", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const { jobId, job } = await request(c);
      const sig = await signResult(c, c.enclave, {
        jobId,
        modelId: c.modelId,
        version: 1,
        inputHash: job.inputHash as string,
        outputHash: URI_HASH,
        outputURIHash: ethersLib.id("ipfs://output"),
      });
      const result = { output: "0x", outputURI: "ipfs://output", outputHash: URI_HASH };
      await expect(c.hub.connect(c.operator).fulfill(jobId, job, result, teeAttestation(sig)))
        .to.emit(c.hub, "InferenceFulfilled")
        .withArgs(jobId, c.operator.address, URI_HASH, "0x", "ipfs://output");
      expect((await c.hub.getJob(jobId)).status).to.equal(JobStatus.Fulfilled);
    });

    it("accepts an inline output with its matching hash", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const { jobId, job } = await request(c);
      const [, , , attestation] = await teeFulfillArgs(c, jobId, job);
      const result = { ...inlineResult(), outputHash: ethersLib.keccak256(OUTPUT) };
      await c.hub.connect(c.operator).fulfill(jobId, job, result, attestation);
      expect((await c.hub.getJob(jobId)).status).to.equal(JobStatus.Fulfilled);
    });

    it("accepts a result at exactly the deadline", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const { jobId, job } = await request(c);
      await time.setNextBlockTimestamp(job.deadline as bigint);
      await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
      expect((await c.hub.getJob(jobId)).status).to.equal(JobStatus.Fulfilled);
    });

    it("accepts a result from any address: the enclave signature decides who is credited", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const { jobId, job } = await request(c);
      await c.hub.connect(c.other).fulfill(...(await teeFulfillArgs(c, jobId, job)));
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(OPERATOR_REWARD);
      expect(await c.hub.creditOf(c.other.address, NATIVE)).to.equal(0n);
    });

    describe("refusals (job, slot and credits unchanged)", function () {
      it("refuses a second fulfilment", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const { jobId, job } = await request(c);
        const args = await teeFulfillArgs(c, jobId, job);
        await c.hub.connect(c.operator).fulfill(...args);
        await expectFulfillRefused(c, args, c.hub, "HubJobNotPending", [jobId, JobStatus.Fulfilled]);
      });

      it("refuses a job whose fields were tampered with", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const { jobId, job } = await request(c);
        const tampered: JobStruct[] = [
          { ...job, fee: (job.fee as bigint) * 10n },
          { ...job, modelFee: 0n },
          { ...job, protocolFeeBps: 0n + 1n },
          { ...job, deadline: (job.deadline as bigint) + 1n },
          { ...job, requester: c.other.address },
          { ...job, inputHash: URI_HASH },
        ];
        for (const t of tampered) {
          await expectFulfillRefused(c, await teeFulfillArgs(c, jobId, t), c.hub, "HubCommitmentMismatch", [jobId]);
        }
        expect((await c.hub.getJob(jobId)).status).to.equal(JobStatus.Pending);
      });

      it("refuses an unknown job", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const { jobId, job } = await request(c);
        await expectFulfillRefused(c, await teeFulfillArgs(c, jobId + 1n, job), c.hub, "HubUnknownJob", [jobId + 1n]);
      });

      it("refuses an expired job", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const { jobId, job } = await request(c);
        await time.increaseTo((job.deadline as bigint) + 1n);
        await expectFulfillRefused(c, await teeFulfillArgs(c, jobId, job), c.hub, "HubJobExpired", [jobId, job.deadline]);
      });

      it("rejects a signature from an unregistered key", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const { jobId, job } = await request(c);
        const stranger = new ethersLib.Wallet(ethersLib.id("stranger"));
        await expectFulfillRefused(
          c,
          await fulfillArgs(c, jobId, job, { enclave: stranger }),
          c.tee,
          "TeeUnknownKey",
          [stranger.address],
        );
      });

      it("rejects a signature from a revoked measurement", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const { jobId, job } = await request(c);
        await c.enclaves.revokeMeasurement(MEASUREMENT);
        await expectFulfillRefused(c, await teeFulfillArgs(c, jobId, job), c.tee, "TeeMeasurementNotApproved", [
          MEASUREMENT,
          2n,
        ]);
      });

      it("rejects a measurement the model owner has not allowed for the version", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        await c.enclaves.approveMeasurement(OTHER_MEASUREMENT, TEE_NITRO);
        const enclave2 = await registerEnclave(c, "enclave key 2", { measurement: OTHER_MEASUREMENT });
        // Allowed for version 2 only.
        await c.tee.connect(c.modelOwner).setMeasurementAllowed(c.modelId, 2, OTHER_MEASUREMENT, true);
        const { jobId, job } = await request(c);
        await expectFulfillRefused(
          c,
          await fulfillArgs(c, jobId, job, { enclave: enclave2 }),
          c.tee,
          "TeeMeasurementNotAllowed",
          [c.modelId, 1n, OTHER_MEASUREMENT],
        );
      });

      it("rejects a measurement the model owner disallowed after the request", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const { jobId, job } = await request(c);
        await c.tee.connect(c.modelOwner).setMeasurementAllowed(c.modelId, 1, MEASUREMENT, false);
        await expectFulfillRefused(c, await teeFulfillArgs(c, jobId, job), c.tee, "TeeMeasurementNotAllowed", [
          c.modelId,
          1n,
          MEASUREMENT,
        ]);
      });

      it("rejects a signature from a key its operator revoked", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const { jobId, job } = await request(c);
        await c.enclaves.connect(c.operator).revokeEnclaveKey(c.enclave.address);
        await expectFulfillRefused(c, await teeFulfillArgs(c, jobId, job), c.tee, "TeeUnknownKey", [
          c.enclave.address,
        ]);
      });

      it("rejects a signature over another output (it recovers to a stranger)", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const { jobId, job } = await request(c);
        const args = await fulfillArgs(c, jobId, job, { signedOutputHash: ethersLib.keccak256(OTHER_OUTPUT) });
        const signer = await resultSigner(c, jobId, job, ethersLib.keccak256(OUTPUT), args[3]);
        expect(signer).to.not.equal(c.enclave.address);
        await expectFulfillRefused(c, args, c.tee, "TeeUnknownKey", [signer]);
      });

      it("rejects a valid signature replayed on another job", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const first = await request(c);
        const second = await request(c);
        const [, , result, attestation] = await teeFulfillArgs(c, first.jobId, first.job);
        const signer = await resultSigner(c, second.jobId, second.job, ethersLib.keccak256(OUTPUT), attestation);
        await expectFulfillRefused(c, [second.jobId, second.job, result, attestation], c.tee, "TeeUnknownKey", [
          signer,
        ]);
        // The signature still works for the job it was made for, once.
        await c.hub.connect(c.operator).fulfill(first.jobId, first.job, result, attestation);
        await expectFulfillRefused(c, [first.jobId, first.job, result, attestation], c.hub, "HubJobNotPending", [
          first.jobId,
          JobStatus.Fulfilled,
        ]);
      });

      it("rejects a signature made for another chain", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const { jobId, job } = await request(c);
        const args = await fulfillArgs(c, jobId, job, { domain: { chainId: 1n } });
        const signer = await resultSigner(c, jobId, job, ethersLib.keccak256(OUTPUT), args[3]);
        expect(signer).to.not.equal(c.enclave.address);
        await expectFulfillRefused(c, args, c.tee, "TeeUnknownKey", [signer]);
      });

      it("rejects a signature made for another hub", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const { jobId, job } = await request(c);
        const args = await fulfillArgs(c, jobId, job, { domain: { verifyingContract: await c.operators.getAddress() } });
        const signer = await resultSigner(c, jobId, job, ethersLib.keccak256(OUTPUT), args[3]);
        expect(signer).to.not.equal(c.enclave.address);
        await expectFulfillRefused(c, args, c.tee, "TeeUnknownKey", [signer]);
      });

      it("rejects an attestation that is not a 65-byte signature", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const { jobId, job } = await request(c);
        const [, , result, attestation] = await teeFulfillArgs(c, jobId, job);
        for (const bad of [
          "0x",
          ethersLib.dataSlice(attestation, 0, 64),
          ethersLib.concat([attestation, "0x00"]),
          ethersLib.concat([MEASUREMENT, attestation]),
        ]) {
          await expectFulfillRefused(c, [jobId, job, result, bad], c.tee, "TeeInvalidAttestationLength", [
            BigInt(ethersLib.dataLength(bad)),
          ]);
        }
      });

      it("rejects a garbage signature", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const { jobId, job } = await request(c);
        const [, , result, attestation] = await teeFulfillArgs(c, jobId, job);
        const sig = ethersLib.Signature.from(attestation);
        const secp256k1n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
        const highS = ethersLib.concat([
          sig.r,
          ethersLib.toBeHex(secp256k1n - BigInt(sig.s), 32),
          ethersLib.toBeHex(sig.v === 27 ? 28 : 27, 1),
        ]);
        for (const garbage of [
          ethersLib.hexlify(new Uint8Array(65)),
          ethersLib.concat([sig.r, sig.s, "0x05"]),
          highS,
        ]) {
          await expectFulfillRefused(c, [jobId, job, result, garbage], c.tee, "TeeInvalidSignature", []);
        }
      });

      it("refuses an output given both inline and by URI, or not at all", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const { jobId, job } = await request(c);
        const [, , , attestation] = await teeFulfillArgs(c, jobId, job);
        for (const result of [
          { output: OUTPUT, outputURI: "ipfs://output", outputHash: ethersLib.ZeroHash },
          { output: "0x", outputURI: "", outputHash: ethersLib.ZeroHash },
          { output: "0x", outputURI: "", outputHash: URI_HASH },
          { output: "0x", outputURI: "ipfs://output", outputHash: ethersLib.ZeroHash },
        ]) {
          await expectFulfillRefused(c, [jobId, job, result, attestation], c.hub, "HubInvalidOutput", []);
        }
      });

      it("refuses an output hash that does not match the inline output", async function () {
        const c = await networkHelpers.loadFixture(teeHubFixture);
        const { jobId, job } = await request(c);
        const [, , , attestation] = await teeFulfillArgs(c, jobId, job);
        const result = { output: OUTPUT, outputURI: "", outputHash: URI_HASH };
        await expectFulfillRefused(c, [jobId, job, result, attestation], c.hub, "HubOutputHashMismatch", [
          URI_HASH,
          ethersLib.keccak256(OUTPUT),
        ]);
      });

      it("refuses a job whose mode has no verifier, at request time (HubNoVerifier)", async function () {
        // Mode 5 has no verifier until governance sets one (QUORUM, which this test used before, is now verified
        // by the operator registry, built in like TEE). The request is refused before the fee is taken, so no job
        // is ever left that nobody can fulfil.
        const MODE_5 = 5;
        const c = await networkHelpers.loadFixture(teeHubFixture);
        await c.models
          .connect(c.modelOwner)
          .publishVersion(
            c.modelId,
            versionParams({ artifactHash: ethersLib.id("mode 5"), modes: modeBit(MODE_5) }),
          );
        const req = await makeRequest(c, { version: 3, mode: MODE_5, params: 2n, fee: MODEL_FEE });
        await expectRefused(c, () => c.hub.connect(c.requester).requestInference(req, { value: MODEL_FEE }), c.hub, "HubNoVerifier", [
          BigInt(MODE_5),
        ]);
      });
    });
  });

  describe("callbacks", function () {
    it("delivers the result to an ExampleConsumer that asked through `ask`", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const consumer = await c.consumer.getAddress();
      const req = await makeRequest(c, { callbackGasLimit: 300_000 });
      const askTx = c.consumer.connect(c.other).ask(req, { value: FEE });
      await expect(askTx).to.changeEtherBalances(ethers, [c.other, c.hub], [-FEE, FEE]);
      const { jobId, job } = parseRequested(c, (await (await askTx).wait())!);
      expect(job.requester).to.equal(consumer);
      expect(job.callback).to.equal(consumer);

      const tx = c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
      await expect(tx).to.emit(c.consumer, "ResultReceived").withArgs(jobId, ethersLib.keccak256(OUTPUT), OUTPUT);
      await expect(tx).to.not.emit(c.hub, "CallbackFailed");
      expect(await c.consumer.outputOf(jobId)).to.equal(OUTPUT);
      expect(await c.consumer.outputHashOf(jobId)).to.equal(ethersLib.keccak256(OUTPUT));
      expect(await c.consumer.resultCount()).to.equal(1n);
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(OPERATOR_REWARD);
    });

    it("calls the consumer back with the output hash and empty bytes for a URI output", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const req = await makeRequest(c, { callbackGasLimit: 300_000 });
      const { jobId, job } = parseRequested(c, (await (await c.consumer.connect(c.requester).ask(req, { value: FEE })).wait())!);
      const sig = await signResult(c, c.enclave, {
        jobId,
        modelId: c.modelId,
        version: 1,
        inputHash: job.inputHash as string,
        outputHash: URI_HASH,
        outputURIHash: ethersLib.id("ipfs://output"),
      });
      const result = { output: "0x", outputURI: "ipfs://output", outputHash: URI_HASH };
      await expect(c.hub.connect(c.operator).fulfill(jobId, job, result, teeAttestation(sig)))
        .to.emit(c.consumer, "ResultReceived")
        .withArgs(jobId, URI_HASH, "0x");
    });

    it("refuses a callback from anyone but the hub", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      await expect(c.consumer.connect(c.other).onInferenceResult(1n, URI_HASH, OUTPUT))
        .to.be.revertedWithCustomError(c.consumer, "ConsumerOnlyHub")
        .withArgs(c.other.address);
      expect(await c.consumer.resultCount()).to.equal(0n);
    });

    it("records a reverting callback in CallbackFailed with its revert data and keeps the result", async function () {
      const c = await networkHelpers.loadFixture(hostileConsumerFixture);
      const { jobId, job } = await hostileJob(c, Behaviour.Revert);
      const tx = c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
      const reason = ethersLib.concat([
        ethersLib.id("Error(string)").slice(0, 10),
        ethersLib.AbiCoder.defaultAbiCoder().encode(["string"], ["consumer says no"]),
      ]);
      await expect(tx)
        .to.emit(c.hub, "CallbackFailed")
        .withArgs(jobId, await c.hostile.getAddress(), reason);
      await expect(tx).to.emit(c.hub, "InferenceFulfilled");
      expect((await c.hub.getJob(jobId)).status).to.equal(JobStatus.Fulfilled);
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(OPERATOR_REWARD);
      expect(await c.hub.modelEarnings(c.modelId, NATIVE)).to.equal(MODEL_FEE);
      // The callback's own state change was rolled back.
      expect(await c.hostile.callbacks()).to.equal(0n);
    });

    it("gives a gas-burning callback exactly its limit and still records the result", async function () {
      const c = await networkHelpers.loadFixture(hostileConsumerFixture);
      const limit = 500_000n;
      const { jobId, job } = await hostileJob(c, Behaviour.BurnAllGas, limit);
      const tx = await c.hub
        .connect(c.operator)
        .fulfill(...(await teeFulfillArgs(c, jobId, job)), { gasLimit: 5_000_000 });
      const receipt = (await tx.wait())!;
      expect(receipt.status).to.equal(1);
      expect(receipt.gasUsed).to.be.greaterThan(limit);
      expect(receipt.gasUsed).to.be.lessThan(limit + 200_000n);
      const failures = callbackFailures(c.hub, receipt);
      expect(failures).to.have.length(1);
      expect(failures[0]!.reason).to.equal("0x");
      expect((await c.hub.getJob(jobId)).status).to.equal(JobStatus.Fulfilled);
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(OPERATOR_REWARD);
    });

    it("caps the revert data copied into CallbackFailed at 256 bytes", async function () {
      const c = await networkHelpers.loadFixture(hostileConsumerFixture);
      expect(await c.hub.MAX_CALLBACK_RETURN_BYTES()).to.equal(256n);
      const { jobId, job } = await hostileJob(c, Behaviour.HugeRevertData, 1_000_000n);
      const tx = c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
      const receipt = (await (await tx).wait())!;
      const failures = callbackFailures(c.hub, receipt);
      expect(failures).to.have.length(1);
      expect(failures[0]!.callback).to.equal(await c.hostile.getAddress());
      // The consumer reverted with 200,000 bytes of its memory; the hub kept the first 256.
      expect(ethersLib.dataLength(failures[0]!.reason)).to.equal(256);
      expect(ethersLib.dataSlice(failures[0]!.reason, 0x40, 0x60)).to.equal(ethersLib.toBeHex(0x80, 32));
      expect(receipt.gasUsed).to.be.lessThan(1_000_000n + 200_000n);
      expect((await c.hub.getJob(jobId)).status).to.equal(JobStatus.Fulfilled);
    });

    it("ignores huge return data from a successful callback", async function () {
      const c = await networkHelpers.loadFixture(hostileConsumerFixture);
      const { jobId, job } = await hostileJob(c, Behaviour.HugeReturnData, 1_000_000n);
      const tx = c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
      await expect(tx).to.not.emit(c.hub, "CallbackFailed");
      await expect(tx).to.emit(c.hub, "InferenceFulfilled");
      expect(await c.hostile.callbacks()).to.equal(1n);
      expect((await c.hub.getJob(jobId)).status).to.equal(JobStatus.Fulfilled);
    });

    describe("reentrancy from the callback (checks-effects-interactions: every effect is booked first)", function () {
      type Hostile = Awaited<ReturnType<typeof hostileConsumerFixture>>;

      /** Fulfils a Reenter job whose callback makes `call` (built from the job) into the hub. */
      async function reenter(c: Hostile, call: (jobId: bigint, job: JobStruct) => Promise<string>) {
        const { jobId, job } = await hostileJob(c, Behaviour.Reenter);
        await c.hostile.configure(Behaviour.Reenter, await call(jobId, job));
        const tx = c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
        await expect(tx).to.not.emit(c.hub, "CallbackFailed");
        expect(await c.hostile.callbacks()).to.equal(1n);
        expect((await c.hub.getJob(jobId)).status).to.equal(JobStatus.Fulfilled);
        return { jobId, job, receipt: (await (await tx).wait())! };
      }

      async function expectHubHolds(c: Hostile, amount: bigint) {
        expect(await ethers.provider.getBalance(await c.hub.getAddress())).to.equal(amount);
      }

      it("a callback re-entering fulfil for its own job finds it already fulfilled", async function () {
        const c = await networkHelpers.loadFixture(hostileConsumerFixture);
        const { jobId } = await reenter(c, async (id, job) =>
          c.hub.interface.encodeFunctionData("fulfill", [...(await teeFulfillArgs(c, id, job))]),
        );
        expect(await c.hostile.reentrySucceeded()).to.equal(false);
        expect(await c.hostile.reentryError()).to.equal(
          c.hub.interface.encodeErrorResult("HubJobNotPending", [jobId, JobStatus.Fulfilled]),
        );
        expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(OPERATOR_REWARD);
        expect(await c.hub.modelEarnings(c.modelId, NATIVE)).to.equal(MODEL_FEE);
        await expectHubHolds(c, FEE);
      });

      it("a callback re-entering refund for its own job finds it already fulfilled", async function () {
        const c = await networkHelpers.loadFixture(hostileConsumerFixture);
        const { jobId } = await reenter(c, async (id, job) => c.hub.interface.encodeFunctionData("refund", [id, job]));
        expect(await c.hostile.reentrySucceeded()).to.equal(false);
        expect(await c.hostile.reentryError()).to.equal(
          c.hub.interface.encodeErrorResult("HubJobNotPending", [jobId, JobStatus.Fulfilled]),
        );
        expect(await c.hub.creditOf(await c.hostile.getAddress(), NATIVE)).to.equal(0n);
        await expectHubHolds(c, FEE);
      });

      it("a callback fulfilling another pending job credits each job exactly once", async function () {
        const c = await networkHelpers.loadFixture(hostileConsumerFixture);
        const other = await request(c);
        const args = await teeFulfillArgs(c, other.jobId, other.job);
        await reenter(c, async () => c.hub.interface.encodeFunctionData("fulfill", [...args]));
        expect(await c.hostile.reentrySucceeded()).to.equal(true);
        expect((await c.hub.getJob(other.jobId)).status).to.equal(JobStatus.Fulfilled);
        expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(2n * OPERATOR_REWARD);
        expect(await c.hub.modelEarnings(c.modelId, NATIVE)).to.equal(2n * MODEL_FEE);
        await expectHubHolds(c, 2n * FEE);
        await expectFulfillRefused(c, args, c.hub, "HubJobNotPending", [other.jobId, JobStatus.Fulfilled]);
      });

      it("a callback refunding another expired job credits its requester exactly once", async function () {
        const c = await networkHelpers.loadFixture(hostileConsumerFixture);
        const expiring = await request(c, { deadline: (await now(c)) + 60n });
        await c.hostile.configure(
          Behaviour.Reenter,
          c.hub.interface.encodeFunctionData("refund", [expiring.jobId, expiring.job]),
        );
        const req = await makeRequest(c, { callbackGasLimit: 500_000n });
        const { jobId, job } = parseRequested(c, (await (await c.hostile.ask(req, { value: FEE })).wait())!);
        await time.increaseTo((expiring.job.deadline as bigint) + 1n);
        await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
        expect(await c.hostile.reentrySucceeded()).to.equal(true);
        expect((await c.hub.getJob(expiring.jobId)).status).to.equal(JobStatus.Refunded);
        expect(await c.hub.creditOf(c.requester.address, NATIVE)).to.equal(FEE);
        await expectRefused(c, () => c.hub.refund(expiring.jobId, expiring.job), c.hub, "HubJobNotPending", [
          expiring.jobId,
          JobStatus.Refunded,
        ]);
        expect(await c.hub.creditOf(c.requester.address, NATIVE)).to.equal(FEE);
        await expectHubHolds(c, 2n * FEE);
      });

      it("a callback withdrawing its own credit is paid exactly that credit, once", async function () {
        const c = await networkHelpers.loadFixture(hostileConsumerFixture);
        const hostile = await c.hostile.getAddress();
        // The consumer is owed a refund of an earlier job of its own.
        await c.hostile.configure(Behaviour.Reenter, "0x");
        const earlier = parseRequested(
          c,
          (await (
            await c.hostile.ask(await makeRequest(c, { callbackGasLimit: 100_000n, deadline: (await now(c)) + 60n }), {
              value: FEE,
            })
          ).wait())!,
        );
        await time.increaseTo((earlier.job.deadline as bigint) + 1n);
        await c.hub.refund(earlier.jobId, earlier.job);
        expect(await c.hub.creditOf(hostile, NATIVE)).to.equal(FEE);
        const { receipt } = await reenter(c, async () => c.hub.interface.encodeFunctionData("withdraw", [NATIVE]));
        expect(await c.hostile.reentrySucceeded()).to.equal(true);
        const withdrawn = receipt.logs.map((l) => c.hub.interface.parseLog(l)).filter((l) => l?.name === "Withdrawn");
        expect(withdrawn.map((l) => [...l!.args])).to.deep.equal([[hostile, NATIVE, FEE]]);
        expect(await c.hub.creditOf(hostile, NATIVE)).to.equal(0n);
        expect(await ethers.provider.getBalance(hostile)).to.equal(FEE);
        // Left in the hub: the second job's fee, now credited to operator and model.
        await expectHubHolds(c, FEE);
        expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(OPERATOR_REWARD);
      });

      it("a callback cannot withdraw the model's earnings", async function () {
        const c = await networkHelpers.loadFixture(hostileConsumerFixture);
        const hostile = await c.hostile.getAddress();
        await reenter(c, async () => c.hub.interface.encodeFunctionData("withdrawModelEarnings", [c.modelId, NATIVE]));
        expect(await c.hostile.reentrySucceeded()).to.equal(false);
        expect(await c.hostile.reentryError()).to.equal(
          c.hub.interface.encodeErrorResult("HubNotModelOwner", [c.modelId, hostile]),
        );
        expect(await c.hub.modelEarnings(c.modelId, NATIVE)).to.equal(MODEL_FEE);
      });
    });

    it("refuses a fulfilment without enough gas to give the callback its full limit", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const limit = 1_000_000n;
      const req = await makeRequest(c, { callbackGasLimit: limit });
      const { jobId, job } = parseRequested(c, (await (await c.consumer.connect(c.requester).ask(req, { value: FEE })).wait())!);
      const args = await teeFulfillArgs(c, jobId, job);
      // The least transaction gas the hub accepts (eth_estimateGas stops within a tolerance of it, so search).
      let refused = limit / 2n;
      let estimate = await c.hub.connect(c.operator).fulfill.estimateGas(...args);
      while (estimate - refused > 1n) {
        const mid = (refused + estimate) / 2n;
        try {
          await c.hub.connect(c.operator).fulfill.staticCall(...args, { gasLimit: mid });
          estimate = mid;
        } catch {
          refused = mid;
        }
      }
      const required = limit + limit / 63n + 2_700n + 12_000n;
      const before = await jobLedger(c, jobId, job);
      await expect(c.hub.connect(c.operator).fulfill(...args, { gasLimit: refused }))
        .to.be.revertedWithCustomError(c.hub, "HubInsufficientGasForCallback")
        .withArgs(jobId, required, anyValue);
      expect(await jobLedger(c, jobId, job)).to.deep.equal(before);
      expect(await c.consumer.resultCount()).to.equal(0n);
      // With the least accepted gas the callback runs.
      await c.hub.connect(c.operator).fulfill(...args, { gasLimit: estimate });
      expect(await c.consumer.outputOf(jobId)).to.equal(OUTPUT);
    });

    it("gives the callback its full limit even at the least gas the fulfilment accepts", async function () {
      const c = await networkHelpers.loadFixture(hostileConsumerFixture);
      const fulfil = async (jobId: bigint, job: JobStruct, gasLimit: bigint, output = OUTPUT) => {
        const tx = await c.hub
          .connect(c.operator)
          .fulfill(...(await teeFulfillArgs(c, jobId, job, output)), { gasLimit });
        return callbackFailures(c.hub, (await tx.wait())!).length === 0;
      };
      // The least callback gas limit with which the HugeReturnData callback (a fixed-cost memory expansion)
      // succeeds when the operator sends plenty of gas.
      let lo = 50_000n;
      let hi = 400_000n;
      while (hi - lo > 1n) {
        const mid = (lo + hi) / 2n;
        const { jobId, job } = await hostileJob(c, Behaviour.HugeReturnData, mid);
        if (await fulfil(jobId, job, 5_000_000n)) hi = mid;
        else lo = mid;
      }
      const exactLimit = hi;
      // With that limit and a 1 kB output, find the least transaction gas the hub accepts...
      const output = ethersLib.hexlify(ethersLib.randomBytes(1_000));
      const { jobId, job } = await hostileJob(c, Behaviour.HugeReturnData, exactLimit);
      const args = await teeFulfillArgs(c, jobId, job, output);
      let refused = (await c.hub.connect(c.operator).fulfill.estimateGas(...args)) / 2n;
      let accepted = 5_000_000n;
      while (accepted - refused > 1n) {
        const mid = (refused + accepted) / 2n;
        try {
          await c.hub.connect(c.operator).fulfill.estimateGas(...args, { gasLimit: mid });
          accepted = mid;
        } catch {
          refused = mid;
        }
      }
      await expect(c.hub.connect(c.operator).fulfill(...args, { gasLimit: refused }))
        .to.be.revertedWithCustomError(c.hub, "HubInsufficientGasForCallback")
        .withArgs(jobId, exactLimit + exactLimit / 63n + 2_700n + 12_000n, anyValue);
      // ...and there the callback still gets its whole limit.
      expect(await fulfil(jobId, job, accepted, output)).to.equal(true);
      expect((await c.hub.getJob(jobId)).status).to.equal(JobStatus.Fulfilled);
    });
  });

  describe("refund", function () {
    it("credits the requester the whole fee after the deadline, and withdraw pays it", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      await c.hub.setProtocolFee(1_000);
      const { jobId, job } = await request(c);
      await time.increaseTo((job.deadline as bigint) + 1n);
      await expect(c.hub.connect(c.other).refund(jobId, job))
        .to.emit(c.hub, "InferenceRefunded")
        .withArgs(jobId, c.requester.address, NATIVE, FEE);
      const ledger = await jobLedger(c, jobId, job);
      expect(ledger.status).to.equal(JobStatus.Refunded);
      expect(ledger.commitment).to.equal(await storedCommitment(c, jobId, job, JobStatus.Refunded));
      expect(ledger.requester).to.equal(FEE);
      expect([ledger.operator, ledger.model, ledger.treasury]).to.deep.equal([0n, 0n, 0n]);

      const tx = c.hub.connect(c.requester).withdraw(NATIVE);
      await expect(tx).to.changeEtherBalances(ethers, [c.requester, c.hub], [FEE, -FEE]);
      await expect(tx).to.emit(c.hub, "Withdrawn").withArgs(c.requester.address, NATIVE, FEE);
      expect(await c.hub.creditOf(c.requester.address, NATIVE)).to.equal(0n);
    });

    it("refunds an ERC-20 fee in the token", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const { jobId, job } = await request(c, { version: 2, fee: TOKEN_MODEL_FEE });
      await time.increaseTo((job.deadline as bigint) + 1n);
      await c.hub.refund(jobId, job);
      const token = await c.token.getAddress();
      expect(await c.hub.creditOf(c.requester.address, token)).to.equal(TOKEN_MODEL_FEE);
      await expect(c.hub.connect(c.requester).withdraw(token)).to.changeTokenBalances(
        ethers,
        c.token,
        [c.requester, c.hub],
        [TOKEN_MODEL_FEE, -TOKEN_MODEL_FEE],
      );
    });

    it("refuses a refund before and at the deadline", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const { jobId, job } = await request(c);
      const before = await jobLedger(c, jobId, job);
      await expect(c.hub.refund(jobId, job))
        .to.be.revertedWithCustomError(c.hub, "HubJobNotExpired")
        .withArgs(jobId, job.deadline);
      await time.setNextBlockTimestamp(job.deadline as bigint);
      await expect(c.hub.refund(jobId, job, { gasLimit: 500_000 }))
        .to.be.revertedWithCustomError(c.hub, "HubJobNotExpired")
        .withArgs(jobId, job.deadline);
      expect(await jobLedger(c, jobId, job)).to.deep.equal(before);
    });

    it("refuses a second refund", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const { jobId, job } = await request(c);
      await time.increaseTo((job.deadline as bigint) + 1n);
      await c.hub.refund(jobId, job);
      const before = await jobLedger(c, jobId, job);
      await expectRefused(c, () => c.hub.refund(jobId, job), c.hub, "HubJobNotPending", [jobId, JobStatus.Refunded]);
      expect(await jobLedger(c, jobId, job)).to.deep.equal(before);
      expect(before.requester).to.equal(FEE);
    });

    it("refuses to refund a fulfilled job", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const { jobId, job } = await request(c);
      await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
      await time.increaseTo((job.deadline as bigint) + 1n);
      const before = await jobLedger(c, jobId, job);
      await expectRefused(c, () => c.hub.refund(jobId, job), c.hub, "HubJobNotPending", [jobId, JobStatus.Fulfilled]);
      expect(await jobLedger(c, jobId, job)).to.deep.equal(before);
    });

    it("refuses to fulfil a refunded job", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const { jobId, job } = await request(c);
      const args = await teeFulfillArgs(c, jobId, job);
      await time.increaseTo((job.deadline as bigint) + 1n);
      await c.hub.refund(jobId, job);
      await expectFulfillRefused(c, args, c.hub, "HubJobNotPending", [jobId, JobStatus.Refunded]);
    });

    it("refuses a refund to a requester other than the committed one", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const { jobId, job } = await request(c);
      await time.increaseTo((job.deadline as bigint) + 1n);
      await expectRefused(
        c,
        () => c.hub.connect(c.other).refund(jobId, { ...job, requester: c.other.address }),
        c.hub,
        "HubCommitmentMismatch",
        [jobId],
      );
      await expectRefused(c, () => c.hub.refund(jobId + 1n, job), c.hub, "HubUnknownJob", [jobId + 1n]);
      expect(await c.hub.creditOf(c.other.address, NATIVE)).to.equal(0n);
      expect((await c.hub.getJob(jobId)).status).to.equal(JobStatus.Pending);
    });
  });

  describe("withdraw", function () {
    it("pays an operator's native credit exactly once", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const { jobId, job } = await request(c);
      await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
      const tx = c.hub.connect(c.operator).withdraw(NATIVE);
      await expect(tx).to.changeEtherBalances(ethers, [c.operator, c.hub], [OPERATOR_REWARD, -OPERATOR_REWARD]);
      await expect(tx).to.emit(c.hub, "Withdrawn").withArgs(c.operator.address, NATIVE, OPERATOR_REWARD);
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(0n);
      await expectRefused(
        c,
        () => c.hub.connect(c.operator).withdraw(NATIVE),
        c.hub,
        "HubNothingToWithdraw",
        [c.operator.address, NATIVE],
        [c.operator.address],
      );
    });

    it("pays ERC-20 credits exactly", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      await c.hub.setProtocolFee(500);
      const fee = TOKEN_MODEL_FEE + 10_000n;
      const { jobId, job } = await request(c, { version: 2, fee });
      await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
      const token = await c.token.getAddress();
      const protocolShare = (10_000n * 500n) / BPS;
      const tx = c.hub.connect(c.operator).withdraw(token);
      await expect(tx).to.changeTokenBalances(
        ethers,
        c.token,
        [c.operator, c.hub],
        [10_000n - protocolShare, -(10_000n - protocolShare)],
      );
      await expect(tx)
        .to.emit(c.hub, "Withdrawn")
        .withArgs(c.operator.address, token, 10_000n - protocolShare);
      await expect(c.hub.connect(c.treasury).withdraw(token)).to.changeTokenBalances(
        ethers,
        c.token,
        [c.treasury, c.hub],
        [protocolShare, -protocolShare],
      );
      expect(await c.token.balanceOf(await c.hub.getAddress())).to.equal(TOKEN_MODEL_FEE);
    });

    it("refuses a withdrawal with nothing credited", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      await request(c);
      for (const token of [NATIVE, await c.token.getAddress()]) {
        await expectRefused(
          c,
          () => c.hub.connect(c.other).withdraw(token),
          c.hub,
          "HubNothingToWithdraw",
          [c.other.address, token],
          [c.other.address],
        );
      }
    });

    it("pays model earnings to the model owner", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const { jobId, job } = await request(c);
      await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
      const tx = c.hub.connect(c.modelOwner).withdrawModelEarnings(c.modelId, NATIVE);
      await expect(tx).to.changeEtherBalances(ethers, [c.modelOwner, c.hub], [MODEL_FEE, -MODEL_FEE]);
      await expect(tx)
        .to.emit(c.hub, "ModelEarningsWithdrawn")
        .withArgs(c.modelId, c.modelOwner.address, NATIVE, MODEL_FEE);
      expect(await c.hub.modelEarnings(c.modelId, NATIVE)).to.equal(0n);
      await expectRefused(
        c,
        () => c.hub.connect(c.modelOwner).withdrawModelEarnings(c.modelId, NATIVE),
        c.hub,
        "HubNothingToWithdraw",
        [c.modelOwner.address, NATIVE],
        [c.modelOwner.address],
      );
    });

    it("refuses model earnings to anyone but the current model owner", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const { jobId, job } = await request(c);
      await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
      for (const who of [c.other, c.operator, c.governance]) {
        await expectRefused(
          c,
          () => c.hub.connect(who).withdrawModelEarnings(c.modelId, NATIVE),
          c.hub,
          "HubNotModelOwner",
          [c.modelId, who.address],
          [who.address],
        );
      }
      const unknown = ethersLib.id("no such model");
      await expectRefused(
        c,
        () => c.hub.connect(c.other).withdrawModelEarnings(unknown, NATIVE),
        c.hub,
        "HubNotModelOwner",
        [unknown, c.other.address],
        [c.other.address],
      );
      expect(await c.hub.modelEarnings(c.modelId, NATIVE)).to.equal(MODEL_FEE);
    });

    it("pays model earnings to the new owner after a two-step ownership transfer", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const { jobId, job } = await request(c);
      await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
      await c.hub.connect(c.modelOwner).transferModelOwnership(c.modelId, c.other.address);
      // Pending owner cannot withdraw yet.
      await expectRefused(
        c,
        () => c.hub.connect(c.other).withdrawModelEarnings(c.modelId, NATIVE),
        c.hub,
        "HubNotModelOwner",
        [c.modelId, c.other.address],
        [c.other.address],
      );
      await c.hub.connect(c.other).acceptModelOwnership(c.modelId);
      await expectRefused(
        c,
        () => c.hub.connect(c.modelOwner).withdrawModelEarnings(c.modelId, NATIVE),
        c.hub,
        "HubNotModelOwner",
        [c.modelId, c.modelOwner.address],
        [c.modelOwner.address],
      );
      await expect(c.hub.connect(c.other).withdrawModelEarnings(c.modelId, NATIVE)).to.changeEtherBalances(
        ethers,
        [c.other, c.hub],
        [MODEL_FEE, -MODEL_FEE],
      );
    });
  });

  describe("governance", function () {
    it("sets the verifier of a mode and emits VerifierUpdated", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const v1 = await c.operators.getAddress();
      await expect(c.hub.setVerifier(MODE_ZK, v1))
        .to.emit(c.hub, "VerifierUpdated")
        .withArgs(MODE_ZK, ethersLib.ZeroAddress, v1);
      expect(await c.hub.verifierOf(MODE_ZK)).to.equal(v1);
      await expect(c.hub.setVerifier(MODE_ZK, ethersLib.ZeroAddress))
        .to.emit(c.hub, "VerifierUpdated")
        .withArgs(MODE_ZK, v1, ethersLib.ZeroAddress);
      expect(await c.hub.verifierOf(MODE_ZK)).to.equal(ethersLib.ZeroAddress);
    });

    it("refuses verifiers for mode 0, modes above 7 and the built-in TEE and QUORUM modes", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const v = await c.operators.getAddress();
      for (const mode of [0, 8]) {
        await expect(c.hub.setVerifier(mode, v))
          .to.be.revertedWithCustomError(c.hub, "HubModeNotSupported")
          .withArgs(ethersLib.ZeroHash, 0, mode);
      }
      for (const [mode, builtIn] of [[MODE_TEE, await c.enclaves.getAddress()], [3, v]] as const) {
        await expect(c.hub.setVerifier(mode, c.other.address))
          .to.be.revertedWithCustomError(c.hub, "HubBuiltInMode")
          .withArgs(mode);
        expect(await c.hub.verifierOf(mode)).to.equal(builtIn);
      }
    });

    it("lets only the owner change verifiers, fees, treasury and pause", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const calls = [
        () => c.hub.connect(c.other).setVerifier(MODE_ZK, c.other.address),
        () => c.hub.connect(c.other).setProtocolFee(100),
        () => c.hub.connect(c.other).setTreasury(c.other.address),
        () => c.hub.connect(c.other).setPaused(true),
      ];
      for (const call of calls) {
        await expect(call())
          .to.be.revertedWithCustomError(c.hub, "OwnableUnauthorizedAccount")
          .withArgs(c.other.address);
      }
      expect(await c.hub.verifierOf(MODE_ZK)).to.equal(ethersLib.ZeroAddress);
      expect(await c.hub.protocolFeeBps()).to.equal(0n);
      expect(await c.hub.treasury()).to.equal(c.treasury.address);
      expect(await c.hub.paused()).to.equal(false);
    });

    it("sets the protocol fee up to 2000 bps, applying it to later requests only", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const early = await request(c);
      await expect(c.hub.setProtocolFee(2_000)).to.emit(c.hub, "ProtocolFeeUpdated").withArgs(0, 2_000);
      await expect(c.hub.setProtocolFee(2_001))
        .to.be.revertedWithCustomError(c.hub, "HubProtocolFeeTooHigh")
        .withArgs(2_001);
      expect(await c.hub.protocolFeeBps()).to.equal(2_000n);
      const late = await request(c);
      expect(early.job.protocolFeeBps).to.equal(0n);
      expect(late.job.protocolFeeBps).to.equal(2_000n);
      await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, early.jobId, early.job)));
      expect(await c.hub.creditOf(c.treasury.address, NATIVE)).to.equal(0n);
      await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, late.jobId, late.job)));
      expect(await c.hub.creditOf(c.treasury.address, NATIVE)).to.equal((OPERATOR_REWARD * 2_000n) / BPS);
    });

    it("sets the treasury, refusing the zero address, and credits protocol fees to the new one", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      await expect(c.hub.setTreasury(ethersLib.ZeroAddress)).to.be.revertedWithCustomError(c.hub, "HubZeroAddress");
      await expect(c.hub.setTreasury(c.other.address))
        .to.emit(c.hub, "TreasuryUpdated")
        .withArgs(c.treasury.address, c.other.address);
      await c.hub.setProtocolFee(1_000);
      const { jobId, job } = await request(c);
      await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
      expect(await c.hub.creditOf(c.other.address, NATIVE)).to.equal((OPERATOR_REWARD * 1_000n) / BPS);
      expect(await c.hub.creditOf(c.treasury.address, NATIVE)).to.equal(0n);
    });

    it("refuses a zero operator registry, enclave registry or treasury at deployment", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const factory = await ethers.getContractFactory("InferenceHub");
      const [operators, enclaves] = [await c.operators.getAddress(), await c.enclaves.getAddress()];
      for (const args of <[string, string, string][]>[
        [ethersLib.ZeroAddress, enclaves, c.treasury.address],
        [operators, ethersLib.ZeroAddress, c.treasury.address],
        [operators, enclaves, ethersLib.ZeroAddress],
      ]) {
        await expect(factory.deploy(c.governance.address, ...args)).to.be.revertedWithCustomError(c.hub, "HubZeroAddress");
      }
    });

    it("still fulfils and refunds pending jobs while paused, and accepts requests again once unpaused", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const toFulfill = await request(c);
      const toRefund = await request(c, { deadline: (await now(c)) + 60n });
      await expect(c.hub.setPaused(true)).to.emit(c.hub, "PausedUpdated").withArgs(false, true);
      expect(await c.hub.paused()).to.equal(true);
      await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, toFulfill.jobId, toFulfill.job)));
      await time.increaseTo((toRefund.job.deadline as bigint) + 1n);
      await c.hub.refund(toRefund.jobId, toRefund.job);
      expect((await c.hub.getJob(toFulfill.jobId)).status).to.equal(JobStatus.Fulfilled);
      expect((await c.hub.getJob(toRefund.jobId)).status).to.equal(JobStatus.Refunded);
      // Withdrawals are not paused either.
      await expect(c.hub.connect(c.requester).withdraw(NATIVE)).to.changeEtherBalance(ethers, c.requester, FEE);
      await expect(c.hub.setPaused(false)).to.emit(c.hub, "PausedUpdated").withArgs(true, false);
      const { jobId } = await request(c);
      expect(jobId).to.equal(3n);
    });

    it("exposes its registries, treasury and the EIP-712 domain of result signatures", async function () {
      const c = await networkHelpers.loadFixture(teeHubFixture);
      const hub = await c.hub.getAddress();
      const { chainId } = await ethers.provider.getNetwork();
      expect(await c.hub.verifierOf(MODE_TEE)).to.equal(await c.enclaves.getAddress());
      expect(await c.hub.enclaveRegistry()).to.equal(await c.enclaves.getAddress());
      expect(await c.hub.operatorRegistry()).to.equal(await c.operators.getAddress());
      expect(await c.hub.modelRegistry()).to.equal(hub);
      expect(await c.hub.treasury()).to.equal(c.treasury.address);
      expect(await c.hub.owner()).to.equal(c.governance.address);
      expect(await c.hub.domainSeparator()).to.equal(
        ethersLib.TypedDataEncoder.hashDomain({ name: "Verity", version: "1", chainId, verifyingContract: hub }),
      );
      const [, name, version, domainChainId, verifyingContract] = await c.hub.eip712Domain();
      expect([name, version, domainChainId, verifyingContract]).to.deep.equal(["Verity", "1", chainId, hub]);
      expect(await c.hub.MAX_PROTOCOL_FEE_BPS()).to.equal(2_000n);
      expect(await c.hub.MAX_DEADLINE_DELAY()).to.equal(THIRTY_DAYS);
      const [status, commitment] = await c.hub.getJob(1n);
      expect(status).to.equal(JobStatus.None);
      expect(commitment).to.equal(ethersLib.ZeroHash);
    });
  });
});
