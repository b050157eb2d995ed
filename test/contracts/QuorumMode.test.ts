import { expect } from "chai";
import { network } from "hardhat";
import { ethers as ethersLib } from "ethers";
import type { InferenceHub } from "../../types/ethers-contracts/index.js";
import { encodeTensor } from "../../sdk/src/encoding/tensor.js";
import { MODE_QUORUM, MODE_TEE, OUTPUT, type JobStruct } from "../helpers/verity.js";
import { BPS, NATIVE, expectRefused } from "../helpers/hub.js";
import {
  FEE,
  QUORUM_STAKE,
  Status,
  TOKEN_FEE,
  WRONG_OUTPUT,
  ascending,
  consumerRequest,
  deployWithAllModes,
  inline,
  modeRequest,
  quorumAttestation,
  quorumFulfillArgs,
  quorumParams,
  signVote,
  votes,
  type ModesSetup,
} from "../helpers/modes.js";

const { ethers, networkHelpers } = await network.create();

const MIN_STAKE = ethersLib.parseEther("0.5");
const OTHER_OUTPUT = encodeTensor(WRONG_OUTPUT);
const ENTRY_BYTES = 85;

async function fixture() {
  return deployWithAllModes(ethers);
}

/** A 3-of-n job (minimum stake 0.5 ETH) and three of the five quorum operators, ascending. */
async function threeOfFive(opts: Parameters<typeof modeRequest>[3] = {}) {
  const c = await networkHelpers.loadFixture(fixture);
  const { jobId, job } = await modeRequest(c, MODE_QUORUM, quorumParams(3, MIN_STAKE), opts);
  return { c, jobId, job, signers: ascending(c.quorum.slice(0, 3)) };
}

/** Everything a refused fulfilment must leave as it was: the job's slot and every credit it could touch. */
async function ledger(c: ModesSetup, jobId: bigint, job: JobStruct) {
  const token = job.feeToken as string;
  const accounts = [...c.quorum, c.operator, c.requester, c.treasury, c.unstaked, c.smallStake, c.unbonding];
  return {
    job: await c.hub.getJob(jobId),
    credits: await Promise.all(accounts.map((a) => c.hub.creditOf(a.address, token))),
    model: await c.hub.modelEarnings(c.modelId, token),
  };
}

/** Asserts that `fulfill(...args)` is refused with the registry's (or hub's) error and that nothing moved. */
async function expectQuorumRefused(
  c: ModesSetup,
  args: readonly [bigint, JobStruct, ReturnType<typeof inline>, string],
  error: string,
  errorArgs: unknown[],
  source: { interface: ethersLib.Interface } = c.operators,
) {
  const before = await ledger(c, args[0], args[1]);
  await expectRefused(
    c,
    () => c.hub.connect(c.operator).fulfill(...(args as unknown as Parameters<InferenceHub["fulfill"]>)),
    source as never,
    error,
    errorArgs,
    [c.requester.address, c.operator.address],
  );
  expect(await ledger(c, args[0], args[1])).to.deep.equal(before);
  expect((await c.hub.getJob(args[0])).status).to.equal(Status.Pending);
}

const resultOf = (output: string) => inline(output);

describe("QUORUM mode (k-of-n staked operator signatures, verified by the operator registry)", function () {
  describe("requests", function () {
    it("packs k in the low 8 bits and the minimum stake above, and commits them with the job", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const params = quorumParams(32, (1n << 128n) - 1n);
      const { job } = await modeRequest(c, MODE_QUORUM, params);
      expect(job.params).to.equal(params);
      expect(job.mode).to.equal(BigInt(MODE_QUORUM));
    });

    for (const [name, params] of [
      ["no params at all", 0n],
      ["k = 0 with a minimum stake", quorumParams(0, MIN_STAKE)],
      ["k above MAX_QUORUM (32)", quorumParams(33)],
      ["a minimum stake that no uint128 stake can reach", quorumParams(3, 1n << 128n)],
    ] as const) {
      it(`refuses ${name} with HubInvalidParams and escrows nothing`, async function () {
        const c = await networkHelpers.loadFixture(fixture);
        await expectRefused(
          c,
          () => modeRequest(c, MODE_QUORUM, params),
          c.hub,
          "HubInvalidParams",
          [BigInt(MODE_QUORUM), params],
        );
      });
    }

    it("is built in: verified by the operator registry, and governance cannot replace it", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      expect(await c.hub.verifierOf(MODE_QUORUM)).to.equal(await c.operators.getAddress());
      await expect(c.hub.setVerifier(MODE_QUORUM, c.other.address))
        .to.be.revertedWithCustomError(c.hub, "HubBuiltInMode")
        .withArgs(MODE_QUORUM);
      expect(await c.operators.MAX_QUORUM_SIGNERS()).to.equal(32n);
    });
  });

  describe("fulfil", function () {
    it("records a result signed by k distinct staked operators and splits the operator share among them", async function () {
      const { c, jobId, job, signers } = await threeOfFive();
      const tx = c.hub.connect(c.other).fulfill(...(await quorumFulfillArgs(c, jobId, job, signers, OUTPUT)));
      const share = FEE - (job.modelFee as bigint);
      const each = share / 3n;
      await expect(tx)
        .to.emit(c.hub, "InferenceFulfilled")
        .withArgs(jobId, signers[0]!.address, ethersLib.keccak256(OUTPUT), OUTPUT, "");
      await expect(tx)
        .to.emit(c.hub, "OperatorsCredited")
        .withArgs(jobId, signers.map((s) => s.address), each);
      expect((await c.hub.getJob(jobId)).status).to.equal(Status.Fulfilled);
      for (const s of signers) expect(await c.hub.creditOf(s.address, NATIVE)).to.equal(each + (s === signers[0] ? share - 3n * each : 0n));
      // The submitter is not credited: the votes name the operators.
      expect(await c.hub.creditOf(c.other.address, NATIVE)).to.equal(0n);
      expect(await c.hub.modelEarnings(c.modelId, NATIVE)).to.equal(job.modelFee);
    });

    it("splits the fee with its rounding dust to the first (lowest) signer, after the model and protocol shares", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      await c.hub.setProtocolFee(1_000);
      const rest = 1_000_004n;
      const fee = (await c.hub.requestTerms(c.modelId, 4)).fee + rest;
      const { jobId, job } = await modeRequest(c, MODE_QUORUM, quorumParams(3), { fee });
      const signers = ascending(c.quorum.slice(1, 4));
      await c.hub.fulfill(...(await quorumFulfillArgs(c, jobId, job, signers, OUTPUT)));
      const protocol = (rest * 1_000n) / BPS; // 100,000
      const share = rest - protocol; // 900,004
      const each = share / 3n; // 300,001, and 1 of dust
      expect(share - 3n * each).to.equal(1n);
      const credits = await Promise.all(signers.map((s) => c.hub.creditOf(s.address, NATIVE)));
      expect(credits).to.deep.equal([share - 2n * each, each, each]);
      expect(credits.reduce((a, b) => a + b, 0n)).to.equal(share);
      expect(await c.hub.creditOf(c.treasury.address, NATIVE)).to.equal(protocol);
      expect(await c.hub.modelEarnings(c.modelId, NATIVE)).to.equal(job.modelFee);
    });

    it("gives the rounding dust of an uneven split to the lowest signer (ERC-20 fee)", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const token = await c.token.getAddress();
      const { jobId, job } = await modeRequest(c, MODE_QUORUM, quorumParams(3), { token: true, fee: TOKEN_FEE + 1n });
      const signers = ascending(c.quorum.slice(0, 3));
      await c.hub.fulfill(...(await quorumFulfillArgs(c, jobId, job, signers, OUTPUT)));
      const share = (job.fee as bigint) - (job.modelFee as bigint); // 1,000,001: 333,333 each, 2 of dust
      const each = share / 3n;
      const dust = share - 3n * each;
      expect(dust).to.equal(2n);
      const credits = await Promise.all(signers.map((s) => c.hub.creditOf(s.address, token)));
      expect(credits).to.deep.equal([each + dust, each, each]);
      expect(await c.hub.creditOf(signers[0]!.address, NATIVE)).to.equal(0n);
    });

    it("accepts more than k signatures and credits every signer", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await modeRequest(c, MODE_QUORUM, quorumParams(2, MIN_STAKE));
      const signers = ascending(c.quorum);
      const tx = c.hub.fulfill(...(await quorumFulfillArgs(c, jobId, job, signers, OUTPUT)));
      const share = FEE - (job.modelFee as bigint);
      await expect(tx)
        .to.emit(c.hub, "OperatorsCredited")
        .withArgs(jobId, signers.map((s) => s.address), share / 5n);
    });

    it("counts any non-zero bonded stake when the minimum stake is zero", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await modeRequest(c, MODE_QUORUM, quorumParams(2));
      const signers = ascending([c.smallStake, c.quorum[0]!]);
      await c.hub.fulfill(...(await quorumFulfillArgs(c, jobId, job, signers, OUTPUT)));
      expect((await c.hub.getJob(jobId)).status).to.equal(Status.Fulfilled);
    });

    it("accepts a 1-of-1 quorum and credits the one signer without OperatorsCredited", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await modeRequest(c, MODE_QUORUM, quorumParams(1, QUORUM_STAKE));
      const tx = c.hub.fulfill(...(await quorumFulfillArgs(c, jobId, job, [c.quorum[2]!], OUTPUT)));
      await expect(tx).to.emit(c.hub, "InferenceFulfilled").withArgs(jobId, c.quorum[2]!.address, ethersLib.keccak256(OUTPUT), OUTPUT, "");
      await expect(tx).to.not.emit(c.hub, "OperatorsCredited");
    });

    it("accepts an output given by URI and hash, the votes signing that hash", async function () {
      const { c, jobId, job, signers } = await threeOfFive();
      const hash = ethersLib.id("large output");
      const attestation = quorumAttestation(await votes(c, jobId, job, signers, "0x", hash, "ipfs://out"));
      await expect(c.hub.fulfill(jobId, job, { output: "0x", outputURI: "ipfs://out", outputHash: hash }, attestation))
        .to.emit(c.hub, "InferenceFulfilled")
        .withArgs(jobId, signers[0]!.address, hash, "0x", "ipfs://out");
    });

    it("calls a consumer back with the quorum's output", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await consumerRequest(c, MODE_QUORUM, quorumParams(3, MIN_STAKE));
      const tx = c.hub.fulfill(...(await quorumFulfillArgs(c, jobId, job, ascending(c.quorum.slice(2)), OUTPUT)));
      await expect(tx).to.emit(c.consumer, "ResultReceived").withArgs(jobId, ethersLib.keccak256(OUTPUT), OUTPUT);
      expect(await c.consumer.outputOf(jobId)).to.equal(OUTPUT);
    });

    it("uses the EIP-712 QuorumVote digest under the hub's domain", async function () {
      const { c, jobId, job } = await threeOfFive();
      const { chainId } = await ethers.provider.getNetwork();
      const hub = await c.hub.getAddress();
      const outputHash = ethersLib.keccak256(OUTPUT);
      const expected = ethersLib.TypedDataEncoder.hash(
        { name: "Verity", version: "1", chainId, verifyingContract: hub },
        {
          QuorumVote: [
            { name: "jobId", type: "uint256" },
            { name: "modelId", type: "bytes32" },
            { name: "version", type: "uint32" },
            { name: "inputHash", type: "bytes32" },
            { name: "outputHash", type: "bytes32" },
            { name: "outputURIHash", type: "bytes32" },
          ],
        },
        { jobId, modelId: job.modelId, version: job.version, inputHash: job.inputHash, outputHash, outputURIHash: ethersLib.keccak256("0x") },
      );
      expect(await c.operators.voteDigest(hub, jobId, job.modelId, job.version, job.inputHash, outputHash, ethersLib.keccak256("0x"))).to.equal(expected);
      expect(await c.operators.QUORUM_VOTE_TYPEHASH()).to.equal(
        ethersLib.id("QuorumVote(uint256 jobId,bytes32 modelId,uint32 version,bytes32 inputHash,bytes32 outputHash,bytes32 outputURIHash)"),
      );
    });
  });

  describe("refusals (job, slot and credits unchanged)", function () {
    it("refuses fewer signatures than k", async function () {
      const { c, jobId, job, signers } = await threeOfFive();
      const args = await quorumFulfillArgs(c, jobId, job, signers.slice(0, 2), OUTPUT);
      await expectQuorumRefused(c, args, "QuorumTooFewSigners", [jobId, 2n, 3n]);
    });

    it("refuses a duplicate signer, naming it", async function () {
      const { c, jobId, job, signers } = await threeOfFive();
      const entries = await votes(c, jobId, job, [signers[0]!, signers[1]!], OUTPUT);
      const attestation = quorumAttestation([entries[0]!, entries[1]!, entries[1]!], false);
      await expectQuorumRefused(c, [jobId, job, resultOf(OUTPUT), attestation], "QuorumDuplicateSigner", [jobId, signers[1]!.address]);
    });

    it("refuses signers out of ascending order, naming the pair", async function () {
      const { c, jobId, job, signers } = await threeOfFive();
      const entries = await votes(c, jobId, job, signers, OUTPUT);
      const attestation = quorumAttestation([entries[0]!, entries[2]!, entries[1]!], false);
      await expectQuorumRefused(c, [jobId, job, resultOf(OUTPUT), attestation], "QuorumSignersNotAscending", [
        jobId,
        signers[2]!.address,
        signers[1]!.address,
      ]);
    });

    it("refuses an unstaked signer, naming it with its zero stake", async function () {
      const { c, jobId, job, signers } = await threeOfFive();
      const args = await quorumFulfillArgs(c, jobId, job, ascending([signers[0]!, signers[1]!, c.unstaked]), OUTPUT);
      await expectQuorumRefused(c, args, "QuorumStakeTooLow", [jobId, c.unstaked.address, 0n, MIN_STAKE]);
    });

    it("refuses a signer whose bonded stake is below the job's minimum", async function () {
      const { c, jobId, job, signers } = await threeOfFive();
      const args = await quorumFulfillArgs(c, jobId, job, ascending([signers[0]!, signers[1]!, c.smallStake]), OUTPUT);
      await expectQuorumRefused(c, args, "QuorumStakeTooLow", [jobId, c.smallStake.address, ethersLib.parseEther("0.1"), MIN_STAKE]);
    });

    it("refuses a signer whose stake is all unbonding, even with a zero minimum", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await modeRequest(c, MODE_QUORUM, quorumParams(2));
      const args = await quorumFulfillArgs(c, jobId, job, ascending([c.quorum[0]!, c.unbonding]), OUTPUT);
      await expectQuorumRefused(c, args, "QuorumStakeTooLow", [jobId, c.unbonding.address, 0n, 0n]);
    });

    it("refuses a signer that unstaked after the request (stakes count at fulfilment)", async function () {
      const { c, jobId, job, signers } = await threeOfFive();
      await c.operators.connect(signers[1]!).requestUnstake(QUORUM_STAKE - MIN_STAKE + 1n);
      const args = await quorumFulfillArgs(c, jobId, job, signers, OUTPUT);
      await expectQuorumRefused(c, args, "QuorumStakeTooLow", [jobId, signers[1]!.address, MIN_STAKE - 1n, MIN_STAKE]);
    });

    it("refuses signers that disagree on the output, naming the dissenter", async function () {
      const { c, jobId, job, signers } = await threeOfFive();
      const agree = await votes(c, jobId, job, [signers[0]!, signers[2]!], OUTPUT);
      const [dissent] = await votes(c, jobId, job, [signers[1]!], OTHER_OUTPUT);
      const attestation = quorumAttestation([agree[0]!, dissent!, agree[1]!]);
      // The dissenter's signature is over another output: for the claimed one it recovers to a stranger.
      const recovered = ethersLib.recoverAddress(
        await c.operators.voteDigest(await c.hub.getAddress(), jobId, job.modelId, job.version, job.inputHash, ethersLib.keccak256(OUTPUT), ethersLib.keccak256("0x")),
        dissent!.signature,
      );
      expect(recovered).to.not.equal(signers[1]!.address);
      await expectQuorumRefused(c, [jobId, job, resultOf(OUTPUT), attestation], "QuorumInvalidSignature", [
        jobId,
        signers[1]!.address,
        recovered,
      ]);
      // Claiming the dissenter's output instead fails on the first of the majority.
      const other = await c.operators.voteDigest(await c.hub.getAddress(), jobId, job.modelId, job.version, job.inputHash, ethersLib.keccak256(OTHER_OUTPUT), ethersLib.keccak256("0x"));
      await expectQuorumRefused(c, [jobId, job, resultOf(OTHER_OUTPUT), attestation], "QuorumInvalidSignature", [
        jobId,
        signers[0]!.address,
        ethersLib.recoverAddress(other, agree[0]!.signature),
      ]);
    });

    it("refuses an entry that names a signer other than the one who signed", async function () {
      const { c, jobId, job, signers } = await threeOfFive();
      const entries = await votes(c, jobId, job, signers, OUTPUT);
      const forged = { signer: c.quorum[4]!.address, signature: entries[2]!.signature };
      const attestation = quorumAttestation([entries[0]!, entries[1]!, forged]);
      // Wherever the forged entry sorts to, the error names the claimed signer and the one who really signed.
      await expectQuorumRefused(c, [jobId, job, resultOf(OUTPUT), attestation], "QuorumInvalidSignature", [
        jobId,
        c.quorum[4]!.address,
        signers[2]!.address,
      ]);
    });

    it("refuses votes replayed from another job", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const a = await modeRequest(c, MODE_QUORUM, quorumParams(1));
      const b = await modeRequest(c, MODE_QUORUM, quorumParams(1));
      const [, , , attestation] = await quorumFulfillArgs(c, a.jobId, a.job, [c.quorum[0]!], OUTPUT);
      const digest = await c.operators.voteDigest(await c.hub.getAddress(), b.jobId, b.job.modelId, b.job.version, b.job.inputHash, ethersLib.keccak256(OUTPUT), ethersLib.keccak256("0x"));
      const recovered = ethersLib.recoverAddress(digest, ethersLib.dataSlice(attestation, 20));
      await expectQuorumRefused(c, [b.jobId, b.job, resultOf(OUTPUT), attestation], "QuorumInvalidSignature", [
        b.jobId,
        c.quorum[0]!.address,
        recovered,
      ]);
    });

    it("refuses votes signed for another hub or another chain", async function () {
      const { c, jobId, job, signers } = await threeOfFive();
      const outputHash = ethersLib.keccak256(OUTPUT);
      const vote = { jobId, modelId: job.modelId as string, version: job.version as bigint, inputHash: job.inputHash as string, outputHash };
      const digest = await c.operators.voteDigest(await c.hub.getAddress(), jobId, job.modelId, job.version, job.inputHash, outputHash, ethersLib.keccak256("0x"));
      const honest = await votes(c, jobId, job, [signers[1]!, signers[2]!], OUTPUT);
      for (const domain of [{ verifyingContract: c.other.address }, { chainId: 1n }]) {
        const signature = await signVote(c, signers[0]!, vote, domain);
        const attestation = quorumAttestation([{ signer: signers[0]!.address, signature }, ...honest]);
        await expectQuorumRefused(c, [jobId, job, resultOf(OUTPUT), attestation], "QuorumInvalidSignature", [
          jobId,
          signers[0]!.address,
          ethersLib.recoverAddress(digest, signature),
        ]);
      }
    });

    it("refuses a malformed signature (high s, bad v) as recovering to nobody", async function () {
      const { c, jobId, job, signers } = await threeOfFive();
      const entries = await votes(c, jobId, job, signers, OUTPUT);
      const sig = ethersLib.Signature.from(entries[0]!.signature);
      const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const highS = ethersLib.concat([sig.r, ethersLib.toBeHex(N - BigInt(sig.s), 32), sig.v === 27 ? "0x1c" : "0x1b"]);
      const badV = ethersLib.concat([sig.r, sig.s, "0x1d"]);
      for (const signature of [highS, badV]) {
        const attestation = quorumAttestation([{ signer: signers[0]!.address, signature }, entries[1]!, entries[2]!]);
        await expectQuorumRefused(c, [jobId, job, resultOf(OUTPUT), attestation], "QuorumInvalidSignature", [
          jobId,
          signers[0]!.address,
          ethersLib.ZeroAddress,
        ]);
      }
    });

    it("refuses an entry naming the zero address with a signature that recovers to nobody", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await modeRequest(c, MODE_QUORUM, quorumParams(1));
      const attestation = ethersLib.concat([ethersLib.ZeroAddress, ethersLib.ZeroHash, ethersLib.ZeroHash, "0x1b"]);
      await expectQuorumRefused(c, [jobId, job, resultOf(OUTPUT), attestation], "QuorumInvalidSignature", [
        jobId,
        ethersLib.ZeroAddress,
        ethersLib.ZeroAddress,
      ]);
    });

    it("refuses an attestation that is empty or not a whole number of 85-byte entries (a TEE signature too)", async function () {
      const { c, jobId, job, signers } = await threeOfFive();
      const good = quorumAttestation(await votes(c, jobId, job, signers, OUTPUT));
      for (const attestation of ["0x", ethersLib.dataSlice(good, 0, 3 * ENTRY_BYTES - 1), ethersLib.concat([good, "0x00"]), ethersLib.dataSlice(good, 20, 85)]) {
        await expectQuorumRefused(c, [jobId, job, resultOf(OUTPUT), attestation], "QuorumMalformedAttestation", [
          BigInt(ethersLib.dataLength(attestation)),
        ]);
      }
    });

    it("refuses more than MAX_QUORUM_SIGNERS (32) signatures", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const wallets = Array.from({ length: 33 }, (_, i) => new ethersLib.Wallet(ethersLib.id(`quorum wallet ${i}`), ethers.provider));
      for (const w of wallets) {
        await c.governance.sendTransaction({ to: w.address, value: ethersLib.parseEther("1") });
        await c.operators.connect(w).stake(1n, { value: 1n });
      }
      const { jobId, job } = await modeRequest(c, MODE_QUORUM, quorumParams(32));
      const vote = { jobId, modelId: job.modelId as string, version: job.version as bigint, inputHash: job.inputHash as string, outputHash: ethersLib.keccak256(OUTPUT) };
      const entries = await Promise.all(wallets.map(async (w) => ({ signer: w.address, signature: await signVote(c, w, vote) })));
      await expectQuorumRefused(c, [jobId, job, resultOf(OUTPUT), quorumAttestation(entries)], "QuorumTooManySigners", [jobId, 33n, 32n]);
      // 32 of them are a valid 32-of-32 quorum.
      const tx = c.hub.fulfill(jobId, job, resultOf(OUTPUT), quorumAttestation(entries.slice(0, 32)));
      await expect(tx).to.emit(c.hub, "OperatorsCredited");
    });

    it("does not take a quorum attestation for a TEE job, nor a TEE signature for a quorum job", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const tee = await modeRequest(c, MODE_TEE, 0n);
      const [, , , quorumSig] = await quorumFulfillArgs(c, tee.jobId, tee.job, [c.quorum[0]!], OUTPUT);
      await expectQuorumRefused(c, [tee.jobId, tee.job, resultOf(OUTPUT), quorumSig], "TeeInvalidAttestationLength", [85n], c.tee);
      const { jobId, job } = await modeRequest(c, MODE_QUORUM, quorumParams(1));
      const teeSig = ethersLib.dataSlice(quorumSig, 20);
      await expectQuorumRefused(c, [jobId, job, resultOf(OUTPUT), teeSig], "QuorumMalformedAttestation", [65n]);
    });

    it("refuses a second fulfilment of a recorded quorum job", async function () {
      const { c, jobId, job, signers } = await threeOfFive();
      const args = await quorumFulfillArgs(c, jobId, job, signers, OUTPUT);
      await c.hub.fulfill(...args);
      await expect(c.hub.fulfill(...args))
        .to.be.revertedWithCustomError(c.hub, "HubJobNotPending")
        .withArgs(jobId, Status.Fulfilled);
    });
  });
});
