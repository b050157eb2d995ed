import { expect } from "chai";
import { network } from "hardhat";
import { ethers as ethersLib } from "ethers";
import type { BatchSettlement } from "../../types/ethers-contracts/index.js";
import { encodeTensor } from "../../sdk/src/encoding/tensor.js";
import { encodeProofForSolidity, releaseZkWorkers } from "../../sdk/src/proofs/zk.js";
import { type ProveMlpReturnType } from "../../sdk/src/prover/prove.js";
import { KEY_STAKE, MEASUREMENT, OPERATOR_STAKE } from "../helpers/verity.js";
import { IRIS_INPUT, ZK_VERSION, prove, proofTuple, zkAttestation } from "../helpers/zk.js";
import { inOneBlock, outbid } from "../helpers/mempool.js";
import {
  BOND,
  BOND_RELEASE_DELAY,
  IRIS_INPUT_BYTES,
  MAX_BATCH,
  MAX_DELAY,
  MIN_BATCH_BOND,
  MIN_DELAY,
  PRICE,
  RECEIPT_TYPES,
  WITHDRAWAL_DELAY,
  WRONG_IRIS_OUTPUT,
  batchCommitment,
  batchDigest,
  batchLedger,
  calldataGas,
  deployBatch,
  expectBatchRefused,
  expectSolvent,
  highS,
  leafValues,
  makeReceipt,
  makeReceipts,
  receiptDigest,
  receiptTree,
  settle,
  signBatch,
  signReceipt,
  signedBatch,
  voucher,
  voucherDigest,
  zkReceipt,
  type BatchSetup,
  type Receipt,
} from "../helpers/batch.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const ONE = ethersLib.parseEther("1");
const ZERO = ethersLib.ZeroAddress;
/** A slash's halves: the requesters' credit (the lower half) and the burn. */
const TO_VICTIMS = BOND / 2n;
const BURNED = BOND - TO_VICTIMS;
/** A wallet no registry knows. */
const STRANGER_KEY = new ethersLib.Wallet(ethersLib.id("a key nobody registered"));

async function fixture() {
  return deployBatch(ethers);
}

async function fixtureWithoutDisputeVerifier() {
  return deployBatch(ethers, { disputeVerifier: false });
}

/** The timestamp of the block that mined `tx`. */
async function minedAt(tx: Promise<ethersLib.ContractTransactionResponse> | ethersLib.ContractTransactionResponse) {
  const receipt = (await (await tx).wait())!;
  return BigInt((await ethers.provider.getBlock(receipt.blockNumber))!.timestamp);
}

/** The address `signature` recovers to over `digest` (what the contract names when it is not the right one). */
const recovered = (digest: string, signature: string) => ethersLib.recoverAddress(digest, signature);

/** Events of `source` in a mined receipt, by name. */
function eventsOf(source: BatchSettlement, receipt: ethersLib.TransactionReceipt, name: string) {
  return receipt.logs.flatMap((log) => {
    try {
      const parsed = source.interface.parseLog(log);
      return parsed?.name === name ? [parsed.args.toArray()] : [];
    } catch {
      return [];
    }
  });
}

describe("BatchSettlement (BATCH mode: deposit channels, cumulative vouchers, bonded batch roots, receipt slashing)", function () {
  this.timeout(300_000);

  describe("deployment", function () {
    it("is wired to the hub, both registries and its delays, is the registry's BATCH module, and forwards the hub's circuits", async function () {
      const c = await loadFixture(fixture);
      const batch = await c.batch.getAddress();
      expect(await c.batch.hub()).to.equal(await c.hub.getAddress());
      expect(await c.batch.operatorRegistry()).to.equal(await c.operators.getAddress());
      expect(await c.batch.enclaveRegistry()).to.equal(await c.enclaves.getAddress());
      expect(await c.batch.minBond()).to.equal(MIN_BATCH_BOND);
      expect(await c.batch.withdrawalDelay()).to.equal(WITHDRAWAL_DELAY);
      expect(await c.batch.bondReleaseDelay()).to.equal(BOND_RELEASE_DELAY);
      expect(await c.operators.batchSettlement()).to.equal(batch);
      // The ZK verifier reads the version's circuit from its caller: BatchSettlement presents the hub's.
      for (const version of [1, ZK_VERSION]) {
        expect([...(await c.batch.zkCircuit(c.modelId, version))]).to.deep.equal([...(await c.hub.zkCircuit(c.modelId, version))]);
        expect([...(await c.batch.zkCircuitOf(c.modelId, version))]).to.deep.equal([...(await c.hub.zkCircuitOf(c.modelId, version))]);
      }
      expect((await c.batch.zkCircuitOf(c.modelId, ZK_VERSION))[0]).to.equal(await c.groth16.getAddress());
    });

    it("refuses a zero hub, operator registry or enclave registry (BatchZeroAddress)", async function () {
      const c = await loadFixture(fixture);
      const [hub, operators, enclaves] = [await c.hub.getAddress(), await c.operators.getAddress(), await c.enclaves.getAddress()];
      const factory = await ethers.getContractFactory("BatchSettlement");
      const cases: [string, string, string][] = [[ZERO, operators, enclaves], [hub, ZERO, enclaves], [hub, operators, ZERO]];
      for (const addresses of cases) {
        await expect(factory.deploy(...addresses, MIN_BATCH_BOND, WITHDRAWAL_DELAY, BOND_RELEASE_DELAY))
          .to.be.revertedWithCustomError(factory, "BatchZeroAddress")
          .withArgs();
      }
    });

    it("refuses a withdrawal or release delay outside 1 hour .. 30 days (BatchInvalidDelay), accepts both bounds, and takes a zero minimum bond as 1 wei", async function () {
      const c = await loadFixture(fixture);
      const addresses = [await c.hub.getAddress(), await c.operators.getAddress(), await c.enclaves.getAddress()] as const;
      const factory = await ethers.getContractFactory("BatchSettlement");
      for (const bad of [0n, MIN_DELAY - 1n, MAX_DELAY + 1n, 2n ** 64n - 1n]) {
        await expect(factory.deploy(...addresses, MIN_BATCH_BOND, bad, BOND_RELEASE_DELAY))
          .to.be.revertedWithCustomError(factory, "BatchInvalidDelay")
          .withArgs(bad);
        await expect(factory.deploy(...addresses, MIN_BATCH_BOND, WITHDRAWAL_DELAY, bad))
          .to.be.revertedWithCustomError(factory, "BatchInvalidDelay")
          .withArgs(bad);
      }
      const bounds = (await ethers.deployContract("BatchSettlement", [...addresses, 0n, MIN_DELAY, MAX_DELAY])) as unknown as BatchSettlement;
      expect(await bounds.minBond()).to.equal(1n);
      expect(await bounds.withdrawalDelay()).to.equal(MIN_DELAY);
      expect(await bounds.bondReleaseDelay()).to.equal(MAX_DELAY);
    });

    it("is set once in the registry by governance: a second one, or another caller, is refused; one the registry does not name cannot lock stake", async function () {
      const c = await loadFixture(fixture);
      const addresses = [await c.hub.getAddress(), await c.operators.getAddress(), await c.enclaves.getAddress()] as const;
      const rogue = (await ethers.deployContract("BatchSettlement", [...addresses, 1n, MIN_DELAY, MIN_DELAY])) as unknown as BatchSettlement;
      const rogueAddress = await rogue.getAddress();
      await expect(c.operators.setBatchSettlement(rogueAddress))
        .to.be.revertedWithCustomError(c.operators, "OperatorBatchSettlementAlreadySet")
        .withArgs(await c.batch.getAddress());
      await expect(c.operators.connect(c.other).setBatchSettlement(rogueAddress))
        .to.be.revertedWithCustomError(c.operators, "OwnableUnauthorizedAccount")
        .withArgs(c.other.address);
      expect(await c.operators.batchSettlement()).to.equal(await c.batch.getAddress());
      const before = await c.operators.getOperator(c.operator.address);
      await expect(rogue.connect(c.operator).bond(1n)).to.be.revertedWithCustomError(c.operators, "OperatorOnlyHub").withArgs(rogueAddress);
      expect(await c.operators.getOperator(c.operator.address)).to.deep.equal(before);
      expect((await rogue.bondOf(c.operator.address)).amount).to.equal(0n);
    });
  });

  describe("deposits and withdrawals", function () {
    it("credits deposits to the (requester, operator) channel and emits Deposited with the new balance", async function () {
      const c = await loadFixture(fixture);
      const op = c.operator.address;
      const first = c.batch.connect(c.requester).deposit(op, { value: ONE });
      await expect(first).to.emit(c.batch, "Deposited").withArgs(c.requester.address, op, ONE, ONE);
      await expect(first).to.changeEtherBalances(ethers, [c.requester, c.batch], [-ONE, ONE]);
      const half = ONE / 2n;
      await expect(c.batch.connect(c.requester).deposit(op, { value: half }))
        .to.emit(c.batch, "Deposited")
        .withArgs(c.requester.address, op, half, ONE + half);
      expect(await c.batch.channelOf(c.requester.address, op)).to.deep.equal([ONE + half, 0n, 0n, 0n]);
      // Another operator's channel, and the operator's channels with other requesters, are separate.
      expect(await c.batch.channelOf(c.requester.address, c.operator2.address)).to.deep.equal([0n, 0n, 0n, 0n]);
      expect(await c.batch.channelOf(c.other.address, op)).to.deep.equal([0n, 0n, 0n, 0n]);
      await expectSolvent(c, [[c.requester.address, op]]);
    });

    it("refuses a deposit for no operator, of nothing, or one the 128-bit balance cannot hold", async function () {
      const c = await loadFixture(fixture);
      const d = c.batch.connect(c.requester);
      await expectBatchRefused(c, () => d.deposit(ZERO, { value: ONE }), c.batch, "BatchZeroAddress", []);
      await expectBatchRefused(c, () => d.deposit(c.operator.address, { value: 0n }), c.batch, "BatchZeroAmount", []);
      // A whale with 2^128 wei: the channel cannot hold it (deposits are checked, so the balance stays exact).
      const huge = 2n ** 128n;
      await networkHelpers.setBalance(c.stranger.address, huge + ONE);
      await c.batch.connect(c.stranger).deposit(c.operator.address, { value: 1n });
      await expectBatchRefused(
        c,
        () => c.batch.connect(c.stranger).deposit(c.operator.address, { value: huge - 1n }),
        c.batch,
        "BatchAmountTooLarge",
        [huge - 1n],
        { extraChannels: [[c.stranger.address, c.operator.address]] },
      );
      await c.batch.connect(c.stranger).deposit(c.operator.address, { value: huge - 2n });
      expect((await c.batch.channelOf(c.stranger.address, c.operator.address)).balance).to.equal(huge - 1n);
    });

    it("pays a requested withdrawal only after withdrawalDelay (BatchWithdrawalLocked before), then clears it", async function () {
      const c = await loadFixture(fixture);
      const op = c.operator.address;
      const d = c.batch.connect(c.requester);
      await d.deposit(op, { value: ONE });
      await expectBatchRefused(c, () => d.withdraw(op), c.batch, "BatchWithdrawalLocked", [0n]);
      const amount = ethersLib.parseEther("0.4");
      const request = d.requestWithdrawal(op, amount);
      const unlockAt = (await minedAt(request)) + WITHDRAWAL_DELAY;
      await expect(request).to.emit(c.batch, "WithdrawalRequested").withArgs(c.requester.address, op, amount, unlockAt);
      expect(await c.batch.channelOf(c.requester.address, op)).to.deep.equal([ONE, 0n, amount, unlockAt]);
      await time.setNextBlockTimestamp(unlockAt - 1n);
      await expectBatchRefused(c, () => d.withdraw(op), c.batch, "BatchWithdrawalLocked", [unlockAt]);
      // Exactly at unlockAt it pays (the amount it returns is the one Withdrawn reports).
      await time.setNextBlockTimestamp(unlockAt);
      const tx = d.withdraw(op);
      await expect(tx).to.emit(c.batch, "Withdrawn").withArgs(c.requester.address, op, amount);
      await expect(tx).to.changeEtherBalances(ethers, [c.requester, c.batch], [amount, -amount]);
      expect(await c.batch.channelOf(c.requester.address, op)).to.deep.equal([ONE - amount, 0n, 0n, 0n]);
      await expectBatchRefused(c, () => d.withdraw(op), c.batch, "BatchWithdrawalLocked", [0n]);
      await expectSolvent(c, [[c.requester.address, op]]);
    });

    it("refuses a withdrawal request of nothing or of more than the balance; a new request replaces the pending one and restarts the delay", async function () {
      const c = await loadFixture(fixture);
      const op = c.operator.address;
      const d = c.batch.connect(c.requester);
      await d.deposit(op, { value: ONE });
      await expectBatchRefused(c, () => d.requestWithdrawal(op, 0n), c.batch, "BatchZeroAmount", []);
      await expectBatchRefused(c, () => d.requestWithdrawal(op, ONE + 1n), c.batch, "BatchWithdrawalTooLarge", [ONE + 1n, ONE]);
      await expectBatchRefused(c, () => d.requestWithdrawal(c.operator2.address, 1n), c.batch, "BatchWithdrawalTooLarge", [1n, 0n]);
      const firstUnlock = (await minedAt(d.requestWithdrawal(op, ONE))) + WITHDRAWAL_DELAY;
      await time.increaseTo(firstUnlock - 100n);
      const secondUnlock = (await minedAt(d.requestWithdrawal(op, ONE / 4n))) + WITHDRAWAL_DELAY;
      expect(await c.batch.channelOf(c.requester.address, op)).to.deep.equal([ONE, 0n, ONE / 4n, secondUnlock]);
      await time.setNextBlockTimestamp(firstUnlock);
      await expectBatchRefused(c, () => d.withdraw(op), c.batch, "BatchWithdrawalLocked", [secondUnlock]);
      await time.setNextBlockTimestamp(secondUnlock);
      await expect(d.withdraw(op)).to.changeEtherBalance(ethers, c.requester, ONE / 4n);
    });

    it("lets the operator front-run a withdrawal with its latest voucher: it is paid, the requester gets the rest", async function () {
      const c = await loadFixture(fixture);
      const op = c.operator.address;
      await c.batch.connect(c.requester).deposit(op, { value: ONE });
      // The requester owes 0.7 ETH (its voucher is with the operator) and asks for everything back.
      const owed = ethersLib.parseEther("0.7");
      const latest = await voucher(c, owed);
      const unlockAt = (await minedAt(c.batch.connect(c.requester).requestWithdrawal(op, ONE))) + WITHDRAWAL_DELAY;
      await time.increaseTo(unlockAt);
      const [opBefore, reqBefore] = [await ethers.provider.getBalance(op), await ethers.provider.getBalance(c.requester.address)];
      // The withdrawal is pending; the operator sees it and outbids it with its claim, in the same block.
      const [claimed, withdrawn] = await inOneBlock(ethers, async () => {
        const w = await c.batch.connect(c.requester).withdraw(op, { gasLimit: 200_000 });
        const claim = await c.batch.connect(c.operator).claim(latest.v, latest.signature, { gasLimit: 200_000, ...outbid(w) });
        return [claim.hash, w.hash];
      });
      expect([claimed!.status, withdrawn!.status]).to.deep.equal([1, 1]);
      expect(claimed!.blockNumber).to.equal(withdrawn!.blockNumber);
      expect(claimed!.index).to.be.below(withdrawn!.index);
      expect(eventsOf(c.batch, claimed!, "VoucherClaimed")).to.deep.equal([[c.requester.address, op, owed, owed]]);
      expect(eventsOf(c.batch, withdrawn!, "Withdrawn")).to.deep.equal([[c.requester.address, op, ONE - owed]]);
      const fee = (r: ethersLib.TransactionReceipt) => r.gasUsed * r.gasPrice;
      expect(await ethers.provider.getBalance(op)).to.equal(opBefore + owed - fee(claimed!));
      expect(await ethers.provider.getBalance(c.requester.address)).to.equal(reqBefore + ONE - owed - fee(withdrawn!));
      expect(await c.batch.channelOf(c.requester.address, op)).to.deep.equal([0n, owed, 0n, 0n]);
      await expectSolvent(c, [[c.requester.address, op]]);
    });

    it("pays nothing when claims took the whole balance first, and clears the request", async function () {
      const c = await loadFixture(fixture);
      const op = c.operator.address;
      await c.batch.connect(c.requester).deposit(op, { value: ONE });
      const unlockAt = (await minedAt(c.batch.connect(c.requester).requestWithdrawal(op, ONE))) + WITHDRAWAL_DELAY;
      const all = await voucher(c, ONE);
      await c.batch.connect(c.operator).claim(all.v, all.signature);
      await time.increaseTo(unlockAt);
      const tx = c.batch.connect(c.requester).withdraw(op);
      await expect(tx).to.emit(c.batch, "Withdrawn").withArgs(c.requester.address, op, 0n);
      await expect(tx).to.changeEtherBalances(ethers, [c.requester, c.batch], [0n, 0n]);
      expect(await c.batch.channelOf(c.requester.address, op)).to.deep.equal([0n, ONE, 0n, 0n]);
    });
  });

  describe("vouchers", function () {
    /** The requester's channel with the operator, funded with 1 ETH. */
    async function funded() {
      const c = await loadFixture(fixture);
      await c.batch.connect(c.requester).deposit(c.operator.address, { value: ONE });
      return c;
    }

    it("pays the operator exactly what each voucher adds to what was paid, whoever sends it", async function () {
      const c = await funded();
      const op = c.operator.address;
      const first = await voucher(c, ethersLib.parseEther("0.1"));
      expect(await c.batch.connect(c.stranger).claim.staticCall(first.v, first.signature)).to.equal(first.v.cumulativeAmount);
      const tx1 = c.batch.connect(c.stranger).claim(first.v, first.signature);
      await expect(tx1).to.emit(c.batch, "VoucherClaimed").withArgs(c.requester.address, op, first.v.cumulativeAmount, first.v.cumulativeAmount);
      await expect(tx1).to.changeEtherBalances(ethers, [c.operator, c.batch, c.requester, c.stranger], [
        first.v.cumulativeAmount, -first.v.cumulativeAmount, 0n, 0n,
      ]);
      const second = await voucher(c, ethersLib.parseEther("0.25"));
      const added = ethersLib.parseEther("0.15");
      const tx2 = c.batch.connect(c.stranger).claim(second.v, second.signature);
      await expect(tx2).to.emit(c.batch, "VoucherClaimed").withArgs(c.requester.address, op, second.v.cumulativeAmount, added);
      await expect(tx2).to.changeEtherBalances(ethers, [c.operator, c.batch], [added, -added]);
      expect(await c.batch.channelOf(c.requester.address, op)).to.deep.equal([ONE - second.v.cumulativeAmount, second.v.cumulativeAmount, 0n, 0n]);
      await expectSolvent(c, [[c.requester.address, op]]);
    });

    it("refuses a replayed voucher and an older one (VoucherAlreadyClaimed), paying nothing", async function () {
      const c = await funded();
      const older = await voucher(c, ethersLib.parseEther("0.1"));
      const latest = await voucher(c, ethersLib.parseEther("0.25"));
      await c.batch.connect(c.operator).claim(latest.v, latest.signature);
      const paid = latest.v.cumulativeAmount;
      for (const stale of [latest, older, await voucher(c, 0n)]) {
        await expectBatchRefused(
          c,
          () => c.batch.connect(c.operator).claim(stale.v, stale.signature),
          c.batch,
          "VoucherAlreadyClaimed",
          [stale.v.cumulativeAmount, paid],
        );
      }
    });

    it("refuses a voucher for more than the channel holds (VoucherExceedsDeposit: what it would pay, the balance), and pays it once topped up", async function () {
      const c = await funded();
      const over = await voucher(c, ONE + 1n);
      await expectBatchRefused(c, () => c.batch.connect(c.operator).claim(over.v, over.signature), c.batch, "VoucherExceedsDeposit", [ONE + 1n, ONE]);
      const part = await voucher(c, ethersLib.parseEther("0.4"));
      await c.batch.connect(c.operator).claim(part.v, part.signature);
      const big = await voucher(c, ethersLib.parseEther("1.5"));
      await expectBatchRefused(c, () => c.batch.connect(c.operator).claim(big.v, big.signature), c.batch, "VoucherExceedsDeposit", [
        ethersLib.parseEther("1.1"), ethersLib.parseEther("0.6"),
      ]);
      await c.batch.connect(c.requester).deposit(c.operator.address, { value: ONE / 2n });
      await expect(c.batch.connect(c.operator).claim(big.v, big.signature)).to.changeEtherBalance(ethers, c.operator, ethersLib.parseEther("1.1"));
      expect(await c.batch.channelOf(c.requester.address, c.operator.address)).to.deep.equal([0n, ethersLib.parseEther("1.5"), 0n, 0n]);
    });

    it("refuses a voucher its requester did not sign (VoucherInvalidSignature names who did)", async function () {
      const c = await funded();
      const op = c.operator.address;
      const amount = ethersLib.parseEther("0.5");
      // Signed by a stranger, or forged by the operator itself.
      for (const signer of [c.stranger, c.operator]) {
        const forged = await voucher(c, amount, op, signer);
        await expectBatchRefused(c, () => c.batch.connect(c.operator).claim(forged.v, forged.signature), c.batch, "VoucherInvalidSignature", [
          c.requester.address, signer.address,
        ]);
      }
      // The requester's signature for another contract (the hub's address in the domain) recovers to someone else.
      const v = { requester: c.requester.address, operator: op, cumulativeAmount: amount };
      const elsewhere = await c.requester.signTypedData({ ...c.domain, verifyingContract: await c.hub.getAddress() }, { Voucher: [
        { name: "requester", type: "address" }, { name: "operator", type: "address" }, { name: "cumulativeAmount", type: "uint256" },
      ] }, v);
      await expectBatchRefused(c, () => c.batch.connect(c.operator).claim(v, elsewhere), c.batch, "VoucherInvalidSignature", [
        c.requester.address, recovered(voucherDigest(c, v), elsewhere),
      ]);
      // A voucher naming another requester (whose channel is the stranger's), signed by the requester.
      const stranger = { ...v, requester: c.stranger.address };
      const sig = await c.requester.signTypedData(c.domain, { Voucher: [
        { name: "requester", type: "address" }, { name: "operator", type: "address" }, { name: "cumulativeAmount", type: "uint256" },
      ] }, stranger);
      await expectBatchRefused(c, () => c.batch.connect(c.operator).claim(stranger, sig), c.batch, "VoucherInvalidSignature", [
        c.stranger.address, c.requester.address,
      ]);
    });

    it("refuses malformed and malleable signatures, as signed by nobody (VoucherInvalidSignature with signer zero)", async function () {
      const c = await funded();
      const { v, signature } = await voucher(c, ethersLib.parseEther("0.5"));
      const sig = ethersLib.Signature.from(signature);
      const cases: [string, string][] = [
        ["empty", "0x"],
        ["64-byte compact form (EIP-2098)", sig.compactSerialized],
        ["66 bytes", ethersLib.concat([signature, "0x00"])],
        ["v = 29", ethersLib.concat([sig.r, sig.s, "0x1d"])],
        ["r = 0", ethersLib.concat([ethersLib.ZeroHash, sig.s, ethersLib.toBeHex(sig.v, 1)])],
        ["the high-s twin", highS(signature)],
      ];
      for (const [, bad] of cases) {
        await expectBatchRefused(c, () => c.batch.connect(c.operator).claim(v, bad), c.batch, "VoucherInvalidSignature", [c.requester.address, ZERO]);
      }
      // A voucher for the zero requester is refused the same way, whatever the signature.
      const zero = { ...v, requester: ZERO };
      await expectBatchRefused(c, () => c.batch.connect(c.operator).claim(zero, "0x"), c.batch, "VoucherInvalidSignature", [ZERO, ZERO]);
      // The genuine signature still pays.
      await expect(c.batch.connect(c.operator).claim(v, signature)).to.changeEtherBalance(ethers, c.operator, v.cumulativeAmount);
    });

    it("never spends one operator's channel for another: a voucher pays only its own channel, and cannot be re-pointed", async function () {
      const c = await funded();
      const [op, op2] = [c.operator.address, c.operator2.address];
      await c.batch.connect(c.requester).deposit(op2, { value: ONE });
      const channels: [string, string][] = [[c.requester.address, op], [c.requester.address, op2]];
      const all = await voucher(c, ONE);
      await c.batch.connect(c.stranger).claim(all.v, all.signature);
      expect(await c.batch.channelOf(c.requester.address, op2)).to.deep.equal([ONE, 0n, 0n, 0n]);
      // The operator's signature moved to operator 2's channel is no longer the requester's.
      const moved = { ...all.v, operator: op2 };
      await expectBatchRefused(c, () => c.batch.connect(c.operator2).claim(moved, all.signature), c.batch, "VoucherInvalidSignature", [
        c.requester.address, recovered(voucherDigest(c, moved), all.signature),
      ]);
      // A larger voucher on the drained channel cannot reach into operator 2's deposit.
      const more = await voucher(c, ONE + ONE / 2n);
      await expectBatchRefused(c, () => c.batch.connect(c.operator).claim(more.v, more.signature), c.batch, "VoucherExceedsDeposit", [ONE / 2n, 0n]);
      // Operator 2's own voucher pays from its channel only, starting from nothing paid.
      const theirs = await voucher(c, ONE / 4n, op2);
      await expect(c.batch.connect(c.operator2).claim(theirs.v, theirs.signature))
        .to.emit(c.batch, "VoucherClaimed")
        .withArgs(c.requester.address, op2, ONE / 4n, ONE / 4n);
      expect(await c.batch.channelOf(c.requester.address, op)).to.deep.equal([0n, ONE, 0n, 0n]);
      expect(await c.batch.channelOf(c.requester.address, op2)).to.deep.equal([ONE - ONE / 4n, ONE / 4n, 0n, 0n]);
      await expectSolvent(c, channels);
    });
  });

  describe("bonds", function () {
    /** The fixture operator's free stake: it staked OPERATOR_STAKE + KEY_STAKE; the key and the bond are locked. */
    const FREE = OPERATOR_STAKE - BOND;

    it("locks stake in the registry: BondPosted, the bond and the registry's lock grow together, sequences start at 1", async function () {
      const c = await loadFixture(fixture);
      const op = c.operator.address;
      expect(await c.batch.bondOf(op)).to.deep.equal([BOND, 1n, 0n]);
      const record = await c.operators.getOperator(op);
      expect([record.stake, record.locked]).to.deep.equal([OPERATOR_STAKE + KEY_STAKE, KEY_STAKE + BOND]);
      const more = ethersLib.parseEther("0.1");
      const tx = c.batch.connect(c.operator).bond(more);
      await expect(tx).to.emit(c.batch, "BondPosted").withArgs(op, more, BOND + more);
      await expect(tx).to.emit(c.operators, "StakeLocked").withArgs(op, 0n, more, KEY_STAKE + BOND + more);
      await expect(tx).to.changeEtherBalances(ethers, [c.operator, c.batch, c.operators], [0n, 0n, 0n]);
      expect(await c.batch.bondOf(op)).to.deep.equal([BOND + more, 1n, 0n]);
      expect((await c.operators.getOperator(op)).locked).to.equal(KEY_STAKE + BOND + more);
    });

    it("refuses a zero bond (BatchZeroAmount) and more than the free stake (the registry's OperatorInsufficientStake)", async function () {
      const c = await loadFixture(fixture);
      await expectBatchRefused(c, () => c.batch.connect(c.operator).bond(0n), c.batch, "BatchZeroAmount", []);
      await expectBatchRefused(c, () => c.batch.connect(c.operator).bond(FREE + 1n), c.operators, "OperatorInsufficientStake", [
        c.operator.address, FREE + 1n, FREE,
      ]);
      await expectBatchRefused(c, () => c.batch.connect(c.stranger).bond(1n), c.operators, "OperatorInsufficientStake", [c.stranger.address, 1n, 0n]);
      await c.batch.connect(c.operator).bond(FREE);
      expect((await c.batch.bondOf(c.operator.address)).amount).to.equal(OPERATOR_STAKE);
    });

    it("keeps bonded stake from being unstaked: the registry refuses more than the free part", async function () {
      const c = await loadFixture(fixture);
      await expectBatchRefused(c, () => c.operators.connect(c.operator).requestUnstake(FREE + 1n), c.operators, "OperatorInsufficientStake", [
        c.operator.address, FREE + 1n, FREE,
      ]);
      await c.operators.connect(c.operator).requestUnstake(FREE);
      const record = await c.operators.getOperator(c.operator.address);
      expect([record.stake, record.locked]).to.deep.equal([BOND + KEY_STAKE, BOND + KEY_STAKE]);
      expect(await c.batch.bondOf(c.operator.address)).to.deep.equal([BOND, 1n, 0n]);
    });

    it("stops settling at once when unbonding, and refuses more bond or a second unbond (BatchBondUnbonding)", async function () {
      const c = await loadFixture(fixture);
      const op = c.operator.address;
      await expectBatchRefused(c, () => c.batch.connect(c.stranger).unbond(), c.batch, "BatchBondTooLow", [c.stranger.address, 0n, MIN_BATCH_BOND]);
      const tx = c.batch.connect(c.operator).unbond();
      const releaseAt = (await minedAt(tx)) + BOND_RELEASE_DELAY;
      await expect(tx).to.emit(c.batch, "BondUnbonding").withArgs(op, releaseAt);
      expect(await c.batch.bondOf(op)).to.deep.equal([BOND, 1n, releaseAt]);
      const { batch, signature } = await signedBatch(c, makeReceipts(c, 1n, 3));
      await expectBatchRefused(c, () => c.batch.settleBatch(batch, signature), c.batch, "BatchBondUnbonding", [op, releaseAt]);
      await expectBatchRefused(c, () => c.batch.connect(c.operator).bond(1n), c.batch, "BatchBondUnbonding", [op, releaseAt]);
      await expectBatchRefused(c, () => c.batch.connect(c.operator).unbond(), c.batch, "BatchBondUnbonding", [op, releaseAt]);
    });

    it("releases the bond to free stake only once bondReleaseDelay has passed (BatchBondNotReleasable before), keeping the sequence", async function () {
      const c = await loadFixture(fixture);
      const op = c.operator.address;
      await settle(c, makeReceipts(c, 1n, 3));
      await expectBatchRefused(c, () => c.batch.connect(c.operator).releaseBond(), c.batch, "BatchBondNotReleasable", [op, 0n]);
      const releaseAt = (await minedAt(c.batch.connect(c.operator).unbond())) + BOND_RELEASE_DELAY;
      await time.setNextBlockTimestamp(releaseAt - 1n);
      await expectBatchRefused(c, () => c.batch.connect(c.operator).releaseBond(), c.batch, "BatchBondNotReleasable", [op, releaseAt]);
      await time.setNextBlockTimestamp(releaseAt);
      const tx = c.batch.connect(c.operator).releaseBond();
      await expect(tx).to.emit(c.batch, "BondReleased").withArgs(op, BOND);
      await expect(tx).to.emit(c.operators, "StakeUnlocked").withArgs(op, 0n, BOND, KEY_STAKE);
      const record = await c.operators.getOperator(op);
      expect([record.stake, record.locked]).to.deep.equal([OPERATOR_STAKE + KEY_STAKE, KEY_STAKE]);
      expect(await c.batch.bondOf(op)).to.deep.equal([0n, 4n, 0n]);
      await expectBatchRefused(c, () => c.batch.connect(c.operator).releaseBond(), c.batch, "BatchBondNotReleasable", [op, 0n]);
      // The released stake is free again; a new bond continues the operator's numbering.
      await c.operators.connect(c.operator).requestUnstake(FREE + BOND - MIN_BATCH_BOND);
      await c.batch.connect(c.operator).bond(MIN_BATCH_BOND);
      expect(await c.batch.bondOf(op)).to.deep.equal([MIN_BATCH_BOND, 4n, 0n]);
      const { batch, signature } = await signedBatch(c, makeReceipts(c, 1n, 3));
      await expectBatchRefused(c, () => c.batch.settleBatch(batch, signature), c.batch, "BatchOutOfSequence", [1n, 4n]);
      await settle(c, makeReceipts(c, 4n, 2));
      expect((await c.batch.bondOf(op)).nextSequence).to.equal(6n);
    });
  });

  describe("settleBatch", function () {
    it("settles a batch signed by the operator's account, sent by anyone: one commitment, BatchSettled, the next sequence", async function () {
      const c = await loadFixture(fixture);
      const op = c.operator.address;
      const { batch, signature } = await signedBatch(c, makeReceipts(c, 1n, 5));
      const tx = c.batch.connect(c.stranger).settleBatch(batch, signature);
      await expect(tx).to.emit(c.batch, "BatchSettled").withArgs(op, 1n, 5n, batch.root, op, batch.uri);
      await expect(tx).to.changeEtherBalances(ethers, [c.batch, c.operator, c.stranger], [0n, 0n, 0n]);
      expect(await c.batch.batchCommitment(op, 1n)).to.equal(batchCommitment(batch.root, 5n));
      expect(await c.batch.bondOf(op)).to.deep.equal([BOND, 6n, 0n]);
      const next = await settle(c, makeReceipts(c, 6n, 3));
      expect(await c.batch.batchCommitment(op, 6n)).to.equal(batchCommitment(next.batch.root, 3n));
      expect(await c.batch.batchCommitment(op, 2n)).to.equal(ethersLib.ZeroHash);
      expect((await c.batch.bondOf(op)).nextSequence).to.equal(9n);
      // Batches are per operator: operator 2 starts at 1.
      await settle(c, makeReceipts(c, 1n, 2, { operator: c.operator2.address }), { signer: c.operator2, from: c.operator2 });
      expect((await c.batch.bondOf(c.operator2.address)).nextSequence).to.equal(3n);
    });

    it("settles a batch signed by one of the operator's active enclave keys, naming the key", async function () {
      const c = await loadFixture(fixture);
      const { batch, signature } = await signedBatch(c, makeReceipts(c, 1n, 4), { signer: c.enclave });
      await expect(c.batch.connect(c.operator).settleBatch(batch, signature))
        .to.emit(c.batch, "BatchSettled")
        .withArgs(c.operator.address, 1n, 4n, batch.root, c.enclave.address, batch.uri);
      expect(await c.batch.batchCommitment(c.operator.address, 1n)).to.equal(batchCommitment(batch.root, 4n));
    });

    it("costs the same whatever the batch's size: 1 or 1,000 receipts (only the calldata's bytes differ)", async function () {
      const c = await loadFixture(fixture);
      const execution = async (first: bigint, n: number) => {
        const { batch, signature } = await signedBatch(c, makeReceipts(c, first, n));
        const tx = await c.batch.connect(c.operator).settleBatch(batch, signature);
        return Number((await tx.wait())!.gasUsed) - 21_000 - calldataGas(tx.data);
      };
      await execution(1n, 1); // warm-up: the operator's first batch
      const one = await execution(2n, 1);
      const thousand = await execution(3n, 1_000);
      expect(thousand).to.equal(one);
      expect(await execution(1_003n, 1)).to.equal(one);
    });

    it("refuses a root signed by a key that is not the operator's (BatchUnauthorizedSigner names the signer)", async function () {
      const c = await loadFixture(fixture);
      const op = c.operator.address;
      const receipts = makeReceipts(c, 1n, 5);
      for (const signer of [STRANGER_KEY, c.operator2, c.enclave2]) {
        const { batch, signature } = await signedBatch(c, receipts, { signer });
        await expectBatchRefused(c, () => c.batch.settleBatch(batch, signature), c.batch, "BatchUnauthorizedSigner", [op, signer.address]);
      }
      const { batch, signature } = await signedBatch(c, receipts);
      await expectBatchRefused(c, () => c.batch.settleBatch(batch, "0x1234"), c.batch, "BatchUnauthorizedSigner", [op, ZERO]);
      await expectBatchRefused(c, () => c.batch.settleBatch(batch, highS(signature)), c.batch, "BatchUnauthorizedSigner", [op, ZERO]);
      // The operator's signature over another URI (or root) is not a signature of this batch.
      for (const changed of [{ ...batch, uri: "ipfs://elsewhere" }, { ...batch, root: ethersLib.id("another root") }]) {
        await expectBatchRefused(c, () => c.batch.settleBatch(changed, signature), c.batch, "BatchUnauthorizedSigner", [
          op, recovered(batchDigest(c, changed), signature),
        ]);
      }
      await c.batch.settleBatch(batch, signature);
    });

    it("refuses a root signed by a revoked enclave key, or by one past its expiry (at the expiry itself it still signs)", async function () {
      const c = await loadFixture(fixture);
      await c.enclaves.connect(c.operator2).revokeEnclaveKey(c.enclave2.address);
      const revoked = await signedBatch(c, makeReceipts(c, 1n, 2, { operator: c.operator2.address }), { signer: c.enclave2 });
      await expectBatchRefused(c, () => c.batch.settleBatch(revoked.batch, revoked.signature), c.batch, "BatchUnauthorizedSigner", [
        c.operator2.address, c.enclave2.address,
      ]);
      const expiresAt = (await c.enclaves.getEnclaveKey(c.enclave.address)).expiresAt;
      const atExpiry = await signedBatch(c, makeReceipts(c, 1n, 2), { signer: c.enclave });
      await time.setNextBlockTimestamp(expiresAt);
      await c.batch.settleBatch(atExpiry.batch, atExpiry.signature);
      const after = await signedBatch(c, makeReceipts(c, 3n, 2), { signer: c.enclave });
      await time.setNextBlockTimestamp(expiresAt + 1n);
      await expectBatchRefused(c, () => c.batch.settleBatch(after.batch, after.signature), c.batch, "BatchUnauthorizedSigner", [
        c.operator.address, c.enclave.address,
      ], { sequences: [1n, 3n] });
      // The operator's own account still signs.
      await settle(c, makeReceipts(c, 3n, 2));
    });

    it("refuses a root signed by an active, unexpired key whose measurement governance revoked (the TEE mode's rule)", async function () {
      const c = await loadFixture(fixture);
      expect(await c.enclaves.signingOperator(c.enclave.address)).to.equal(c.operator.address);
      await c.enclaves.revokeMeasurement(MEASUREMENT);
      expect((await c.enclaves.getEnclaveKey(c.enclave.address)).status).to.equal(1n);
      expect(await c.enclaves.signingOperator(c.enclave.address)).to.equal(ZERO);
      const signed = await signedBatch(c, makeReceipts(c, 1n, 2), { signer: c.enclave });
      await expectBatchRefused(c, () => c.batch.settleBatch(signed.batch, signed.signature), c.batch, "BatchUnauthorizedSigner", [
        c.operator.address, c.enclave.address,
      ]);
      // What the key signed before still binds the operator: its receipts stay evidence.
      const a = makeReceipt(c, 1n);
      const b = { ...a, outputHash: ethersLib.keccak256(WRONG_IRIS_OUTPUT) };
      await c.batch.proveEquivocation(a, await signReceipt(c, c.enclave, a), b, await signReceipt(c, c.operator, b));
      expect(await c.batch.isSlashed(c.operator.address, 1n)).to.equal(true);
    });

    it("refuses a batch out of sequence: a gap, an overlap, or the same batch again (BatchOutOfSequence)", async function () {
      const c = await loadFixture(fixture);
      const gap = await signedBatch(c, makeReceipts(c, 2n, 3));
      await expectBatchRefused(c, () => c.batch.settleBatch(gap.batch, gap.signature), c.batch, "BatchOutOfSequence", [2n, 1n], { sequences: [1n, 2n] });
      const first = await settle(c, makeReceipts(c, 1n, 5));
      const sequences = [1n, 5n, 6n];
      await expectBatchRefused(c, () => c.batch.settleBatch(first.batch, first.signature), c.batch, "BatchOutOfSequence", [1n, 6n], { sequences });
      const overlap = await signedBatch(c, makeReceipts(c, 5n, 3));
      await expectBatchRefused(c, () => c.batch.settleBatch(overlap.batch, overlap.signature), c.batch, "BatchOutOfSequence", [5n, 6n], { sequences });
    });

    it("refuses an empty batch, one over 2^32 receipts, one without a URI or with a zero root (BatchInvalid), though properly signed", async function () {
      const c = await loadFixture(fixture);
      const receipts = makeReceipts(c, 1n, 5);
      const cases: [Parameters<typeof signedBatch>[2], bigint][] = [
        [{ count: 0n }, 0n],
        [{ count: MAX_BATCH + 1n }, MAX_BATCH + 1n],
        [{ uri: "" }, 5n],
        [{ root: ethersLib.ZeroHash }, 5n],
      ];
      for (const [o, count] of cases) {
        const { batch, signature } = await signedBatch(c, receipts, o);
        await expectBatchRefused(c, () => c.batch.settleBatch(batch, signature), c.batch, "BatchInvalid", [count]);
      }
      // 2^32 receipts is the largest batch.
      const largest = await signedBatch(c, receipts, { count: MAX_BATCH });
      await c.batch.settleBatch(largest.batch, largest.signature);
      expect((await c.batch.bondOf(c.operator.address)).nextSequence).to.equal(MAX_BATCH + 1n);
    });

    it("refuses to settle without a bond or with one under the minimum (BatchBondTooLow)", async function () {
      const c = await loadFixture(fixture);
      const none = await signedBatch(c, makeReceipts(c, 1n, 2, { operator: c.stranger.address }), { signer: c.stranger });
      await expectBatchRefused(c, () => c.batch.settleBatch(none.batch, none.signature), c.batch, "BatchBondTooLow", [
        c.stranger.address, 0n, MIN_BATCH_BOND,
      ]);
      await c.operators.connect(c.stranger).stake(MIN_BATCH_BOND, { value: MIN_BATCH_BOND });
      await c.batch.connect(c.stranger).bond(MIN_BATCH_BOND - 1n);
      const low = await signedBatch(c, makeReceipts(c, 1n, 2, { operator: c.stranger.address }), { signer: c.stranger });
      await expectBatchRefused(c, () => c.batch.settleBatch(low.batch, low.signature), c.batch, "BatchBondTooLow", [
        c.stranger.address, MIN_BATCH_BOND - 1n, MIN_BATCH_BOND,
      ]);
      await c.batch.connect(c.stranger).bond(1n);
      await c.batch.settleBatch(low.batch, low.signature);
      expect(await c.batch.batchCommitment(c.stranger.address, 1n)).to.equal(batchCommitment(low.batch.root, 2n));
    });

    it("attack: a copied settleBatch only settles the same operator's batch, once; the original then fails and no replay lands", async function () {
      const c = await loadFixture(fixture);
      const op = c.operator.address;
      const { batch, signature } = await signedBatch(c, makeReceipts(c, 1n, 5));
      const [copy, original] = await inOneBlock(ethers, async () => {
        const sent = await c.batch.connect(c.operator).settleBatch(batch, signature, { gasLimit: 200_000 });
        const seen = (await ethers.provider.getTransaction(sent.hash))!;
        const copied = await c.stranger.sendTransaction({ to: seen.to, data: seen.data, gasLimit: 200_000, ...outbid(seen) });
        return [copied.hash, sent.hash];
      });
      expect([copy!.status, original!.status]).to.deep.equal([1, 0]);
      expect(copy!.index).to.be.below(original!.index);
      // The copy settled exactly the operator's batch, signed by the operator: nothing in it is the copier's.
      expect(eventsOf(c.batch, copy!, "BatchSettled")).to.deep.equal([[op, 1n, 5n, batch.root, op, batch.uri]]);
      expect(await c.batch.batchCommitment(op, 1n)).to.equal(batchCommitment(batch.root, 5n));
      expect((await c.batch.bondOf(op)).nextSequence).to.equal(6n);
      // Replaying it is refused, and the signature settles nothing for another operator.
      await expectBatchRefused(c, () => c.batch.connect(c.stranger).settleBatch(batch, signature), c.batch, "BatchOutOfSequence", [1n, 6n]);
      const elsewhere = { ...batch, operator: c.operator2.address };
      await expectBatchRefused(c, () => c.batch.connect(c.stranger).settleBatch(elsewhere, signature), c.batch, "BatchUnauthorizedSigner", [
        c.operator2.address, recovered(batchDigest(c, elsewhere), signature),
      ]);
    });
  });

  describe("verifyReceipt", function () {
    /** Five receipts settled as batch 1..5, then three as batch 6..8. */
    async function settled() {
      const c = await loadFixture(fixture);
      const receipts = makeReceipts(c, 1n, 5);
      const first = await settle(c, receipts);
      const later = makeReceipts(c, 6n, 3);
      const second = await settle(c, later);
      return { c, receipts, first, later, second };
    }

    it("includes every receipt of a settled batch, each against its own batch", async function () {
      const { c, receipts, first, later, second } = await settled();
      for (const [i, r] of receipts.entries()) {
        expect(await c.batch.verifyReceipt(r, 1n, 5n, first.batch.root, first.tree.getProof(i))).to.equal(true);
      }
      for (const [i, r] of later.entries()) {
        expect(await c.batch.verifyReceipt(r, 6n, 3n, second.batch.root, second.tree.getProof(i))).to.equal(true);
      }
    });

    it("does not include a receipt with a forged proof or a tampered field", async function () {
      const { c, receipts, first } = await settled();
      const r = receipts[2]!;
      const proof = first.tree.getProof(2);
      const flipped = [...proof];
      flipped[0] = ethersLib.toBeHex(BigInt(flipped[0]!) ^ 1n, 32);
      for (const forged of [first.tree.getProof(1), flipped, proof.slice(1), [], [...proof, ethersLib.ZeroHash]]) {
        expect(await c.batch.verifyReceipt(r, 1n, 5n, first.batch.root, forged)).to.equal(false);
      }
      const tampered: Partial<Receipt>[] = [
        { requestId: ethersLib.id("another request") },
        { requester: c.stranger.address },
        { modelId: ethersLib.id("another model") },
        { version: 2 },
        { inputHash: ethersLib.id("another input") },
        { outputHash: ethersLib.keccak256(WRONG_IRIS_OUTPUT) },
        { price: r.price - 1n },
        { sequence: 4n },
        { time: r.time + 1n },
      ];
      for (const change of tampered) {
        expect(await c.batch.verifyReceipt({ ...r, ...change }, 1n, 5n, first.batch.root, proof)).to.equal(false);
      }
      // Another operator's name looks the batch up under that operator, where there is none.
      await expect(c.batch.verifyReceipt({ ...r, operator: c.operator2.address }, 1n, 5n, first.batch.root, proof))
        .to.be.revertedWithCustomError(c.batch, "BatchUnknown")
        .withArgs(c.operator2.address, 1n);
    });

    it("does not include a receipt the tree holds but whose sequence is outside the batch's range", async function () {
      const c = await loadFixture(fixture);
      // The operator signs a root over receipts 1..4 and one numbered 9, as the batch 1..5.
      const receipts = [...makeReceipts(c, 1n, 4), makeReceipt(c, 9n)];
      const { tree, batch } = await settle(c, receipts);
      const proof = tree.getProof(4);
      expect(receiptTree(receipts).root).to.equal(batch.root);
      expect(tree.verify(4, proof)).to.equal(true);
      expect(await c.batch.verifyReceipt(receipts[4]!, 1n, 5n, batch.root, proof)).to.equal(false);
      // Below the range too: receipts 0..4 settled as the batch 6..10.
      const low = makeReceipts(c, 0n, 5);
      const second = await settle(c, low, { firstSequence: 6n });
      expect(await c.batch.verifyReceipt(low[0]!, 6n, 5n, second.batch.root, second.tree.getProof(0))).to.equal(false);
      expect(await c.batch.verifyReceipt(receipts[0]!, 1n, 5n, batch.root, tree.getProof(0))).to.equal(true);
    });

    it("reverts BatchUnknown for a batch that was not settled: another root, count or first sequence", async function () {
      const { c, receipts, first } = await settled();
      const r = receipts[0]!;
      const proof = first.tree.getProof(0);
      const op = c.operator.address;
      const cases: [bigint, bigint, string, bigint][] = [
        [1n, 5n, ethersLib.id("another root"), 1n],
        [1n, 4n, first.batch.root, 1n],
        [1n, 6n, first.batch.root, 1n],
        [2n, 5n, first.batch.root, 2n],
        [9n, 5n, first.batch.root, 9n],
      ];
      for (const [firstSequence, count, root, named] of cases) {
        await expect(c.batch.verifyReceipt(r, firstSequence, count, root, proof))
          .to.be.revertedWithCustomError(c.batch, "BatchUnknown")
          .withArgs(op, named);
      }
    });
  });

  describe("slashing: equivocation", function () {
    /** Receipt `sequence` and a conflicting one (another output), signed by the operator's account and its key. */
    async function conflicting(c: BatchSetup, sequence = 3n) {
      const a = makeReceipt(c, sequence);
      const b = { ...a, outputHash: ethersLib.keccak256(WRONG_IRIS_OUTPUT) };
      return { a, b, sigA: await signReceipt(c, c.operator, a), sigB: await signReceipt(c, c.enclave, b) };
    }

    it("slashes the whole bond for two receipts of one sequence: half to the receipts' requester, half burned, nothing to the caller", async function () {
      const c = await loadFixture(fixture);
      const op = c.operator.address;
      await settle(c, makeReceipts(c, 1n, 5));
      const { a, b, sigA, sigB } = await conflicting(c);
      const [record, burned] = [await c.operators.getOperator(op), await c.operators.burned()];
      expect(await c.batch.isSlashed(op, 3n)).to.equal(false);
      expect(await c.batch.connect(c.prover).proveEquivocation.staticCall(a, sigA, b, sigB)).to.equal(BOND);
      const tx = c.batch.connect(c.prover).proveEquivocation(a, sigA, b, sigB);
      await expect(tx).to.emit(c.batch, "ReceiptSlashed").withArgs(op, 3n, c.prover.address, BOND, true);
      await expect(tx).to.emit(c.operators, "OperatorSlashed").withArgs(op, 0n, TO_VICTIMS, c.requester.address, BURNED);
      await expect(tx).to.changeEtherBalances(ethers, [c.batch, c.operators, c.requester, c.operator], [0n, 0n, 0n, 0n]);
      expect(await c.batch.bondOf(op)).to.deep.equal([0n, 6n, 0n]);
      expect(await c.batch.isSlashed(op, 3n)).to.equal(true);
      const after = await c.operators.getOperator(op);
      expect([after.stake, after.locked]).to.deep.equal([record.stake - BOND, record.locked - BOND]);
      expect(await c.operators.slashCreditOf(c.requester.address)).to.equal(TO_VICTIMS);
      expect(await c.operators.slashCreditOf(c.prover.address)).to.equal(0n);
      expect(await c.operators.burned()).to.equal(burned + BURNED);
      // The requester is paid by the registry; the operator can settle nothing more.
      await expect(c.operators.connect(c.requester).withdrawSlashCredit()).to.changeEtherBalance(ethers, c.requester, TO_VICTIMS);
      const next = await signedBatch(c, makeReceipts(c, 6n, 2));
      await expectBatchRefused(c, () => c.batch.settleBatch(next.batch, next.signature), c.batch, "BatchBondTooLow", [op, 0n, MIN_BATCH_BOND]);
    });

    it("splits the requesters' half between two requesters of the conflicting receipts (a quarter each)", async function () {
      const c = await loadFixture(fixture);
      const op = c.operator.address;
      const { a, sigA } = await conflicting(c);
      const b = { ...a, requester: c.other.address, outputHash: ethersLib.keccak256(WRONG_IRIS_OUTPUT) };
      const tx = c.batch.connect(c.prover).proveEquivocation(a, sigA, b, await signReceipt(c, c.enclave, b));
      const toA = TO_VICTIMS / 2n;
      await expect(tx).to.emit(c.operators, "OperatorSlashed").withArgs(op, 0n, toA, c.requester.address, BURNED);
      await expect(tx).to.emit(c.operators, "OperatorSlashed").withArgs(op, 0n, TO_VICTIMS - toA, c.other.address, 0n);
      expect(await c.operators.slashCreditOf(c.requester.address)).to.equal(toA);
      expect(await c.operators.slashCreditOf(c.other.address)).to.equal(TO_VICTIMS - toA);
      expect(await c.operators.slashCreditOf(c.prover.address)).to.equal(0n);
      expect((await c.batch.bondOf(op)).amount).to.equal(0n);
    });

    it("attack: a mempool copier of a pending equivocation proof lands first and gains nothing; the requester is paid all the same", async function () {
      const c = await loadFixture(fixture);
      const { a, b, sigA, sigB } = await conflicting(c);
      const [copy, original] = await inOneBlock(ethers, async () => {
        const sent = await c.batch.connect(c.prover).proveEquivocation(a, sigA, b, sigB, { gasLimit: 1_000_000 });
        const seen = (await ethers.provider.getTransaction(sent.hash))!;
        const copied = await c.stranger.sendTransaction({ to: seen.to, data: seen.data, gasLimit: 1_000_000, ...outbid(seen) });
        return [copied.hash, sent.hash];
      });
      expect([copy!.status, original!.status]).to.deep.equal([1, 0]);
      expect(copy!.index).to.be.below(original!.index);
      expect(await c.operators.slashCreditOf(c.stranger.address)).to.equal(0n);
      expect(await c.operators.slashCreditOf(c.prover.address)).to.equal(0n);
      expect(await c.operators.slashCreditOf(c.requester.address)).to.equal(TO_VICTIMS);
    });

    it("attack: an operator reporting its own equivocation first, from another account, still loses the whole bond", async function () {
      const c = await loadFixture(fixture);
      const op = c.operator.address;
      const { a, b, sigA, sigB } = await conflicting(c);
      const sybils = [c.operator, c.stranger];
      const before = await c.operators.getOperator(op);
      await c.batch.connect(c.stranger).proveEquivocation(a, sigA, b, sigB);
      const after = await c.operators.getOperator(op);
      expect(before.stake - after.stake).to.equal(BOND);
      for (const s of sybils) expect(await c.operators.slashCreditOf(s.address)).to.equal(0n);
      expect(await c.operators.slashCreditOf(c.requester.address)).to.equal(TO_VICTIMS);
    });

    it("refuses receipts that do not conflict (ReceiptsNotConflicting): one receipt twice, two sequences, two operators", async function () {
      const c = await loadFixture(fixture);
      const a = makeReceipt(c, 3n);
      const sigA = await signReceipt(c, c.operator, a);
      // The same receipt, signed once by the account and once by the key.
      await expectBatchRefused(c, async () => c.batch.proveEquivocation(a, sigA, a, await signReceipt(c, c.enclave, a)), c.batch, "ReceiptsNotConflicting", [3n, 3n]);
      await expectBatchRefused(c, () => c.batch.proveEquivocation(a, sigA, a, sigA), c.batch, "ReceiptsNotConflicting", [3n, 3n]);
      const later = { ...makeReceipt(c, 4n), outputHash: ethersLib.keccak256(WRONG_IRIS_OUTPUT) };
      await expectBatchRefused(c, async () => c.batch.proveEquivocation(a, sigA, later, await signReceipt(c, c.operator, later)), c.batch, "ReceiptsNotConflicting", [3n, 4n]);
      const theirs = { ...a, operator: c.operator2.address, outputHash: ethersLib.keccak256(WRONG_IRIS_OUTPUT) };
      await expectBatchRefused(c, async () => c.batch.proveEquivocation(a, sigA, theirs, await signReceipt(c, c.operator2, theirs)), c.batch, "ReceiptsNotConflicting", [3n, 3n]);
    });

    it("refuses a receipt signed by a key that is not the operator's (BatchUnauthorizedSigner names the signer)", async function () {
      const c = await loadFixture(fixture);
      const { a, b, sigA } = await conflicting(c);
      const op = c.operator.address;
      for (const signer of [STRANGER_KEY, c.operator2, c.enclave2]) {
        const sig = await signReceipt(c, signer, b);
        await expectBatchRefused(c, () => c.batch.proveEquivocation(a, sigA, b, sig), c.batch, "BatchUnauthorizedSigner", [op, signer.address]);
        await expectBatchRefused(c, () => c.batch.proveEquivocation(b, sig, a, sigA), c.batch, "BatchUnauthorizedSigner", [op, signer.address]);
      }
      await expectBatchRefused(c, () => c.batch.proveEquivocation(a, sigA, b, "0x"), c.batch, "BatchUnauthorizedSigner", [op, ZERO]);
      const sigB = await signReceipt(c, c.enclave, b);
      await expectBatchRefused(c, () => c.batch.proveEquivocation(a, sigA, b, highS(sigB)), c.batch, "BatchUnauthorizedSigner", [op, ZERO]);
      // A's signature does not carry over to B.
      await expectBatchRefused(c, () => c.batch.proveEquivocation(a, sigA, b, sigA), c.batch, "BatchUnauthorizedSigner", [
        op, recovered(receiptDigest(c, b), sigA),
      ]);
    });

    it("refuses the same offence twice (ReceiptAlreadySlashed), even against a bond posted later, and an operator with no bond (BatchNothingToSlash)", async function () {
      const c = await loadFixture(fixture);
      const op = c.operator.address;
      const first = await conflicting(c, 3n);
      await c.batch.connect(c.prover).proveEquivocation(first.a, first.sigA, first.b, first.sigB);
      await expectBatchRefused(c, () => c.batch.connect(c.other).proveEquivocation(first.a, first.sigA, first.b, first.sigB), c.batch, "ReceiptAlreadySlashed", [op, 3n]);
      const second = await conflicting(c, 4n);
      await expectBatchRefused(c, () => c.batch.connect(c.prover).proveEquivocation(second.a, second.sigA, second.b, second.sigB), c.batch, "BatchNothingToSlash", [op]);
      // The operator bonds again: the old evidence, and a third variant at the slashed sequence, take nothing.
      await c.operators.connect(c.operator).stake(BOND, { value: BOND });
      await c.batch.connect(c.operator).bond(BOND);
      const third = { ...first.a, time: first.a.time + 9n };
      const sigThird = await signReceipt(c, c.operator, third);
      for (const [x, sx, y, sy] of [
        [first.a, first.sigA, first.b, first.sigB],
        [first.b, first.sigB, first.a, first.sigA],
        [first.a, first.sigA, third, sigThird],
      ] as const) {
        await expectBatchRefused(c, () => c.batch.connect(c.prover).proveEquivocation(x, sx, y, sy), c.batch, "ReceiptAlreadySlashed", [op, 3n]);
      }
      expect((await c.batch.bondOf(op)).amount).to.equal(BOND);
      // A new offence at another sequence does take the new bond.
      await c.batch.connect(c.prover).proveEquivocation(second.a, second.sigA, second.b, second.sigB);
      expect(await c.batch.isSlashed(op, 4n)).to.equal(true);
      const a = makeReceipt(c, 1n, { operator: c.stranger.address });
      const b = { ...a, price: 0n };
      await expectBatchRefused(
        c,
        async () => c.batch.proveEquivocation(a, await signReceipt(c, c.stranger, a), b, await signReceipt(c, c.stranger, b)),
        c.batch,
        "BatchNothingToSlash",
        [c.stranger.address],
      );
    });

    it("holds a key to what it signed after it was revoked and expired, and keeps an unbonding bond slashable", async function () {
      const c = await loadFixture(fixture);
      const op = c.operator.address;
      const a = makeReceipt(c, 3n);
      const b = { ...a, time: a.time + 1n };
      const [sigA, sigB] = [await signReceipt(c, c.enclave, a), await signReceipt(c, c.enclave, b)];
      await c.enclaves.connect(c.operator).revokeEnclaveKey(c.enclave.address);
      const releaseAt = (await minedAt(c.batch.connect(c.operator).unbond())) + BOND_RELEASE_DELAY;
      await time.setNextBlockTimestamp(releaseAt - 1n);
      const key = await c.enclaves.getEnclaveKey(c.enclave.address);
      expect(key.expiresAt).to.be.below(releaseAt - 1n);
      await expect(c.batch.connect(c.prover).proveEquivocation(a, sigA, b, sigB))
        .to.emit(c.batch, "ReceiptSlashed")
        .withArgs(op, 3n, c.prover.address, BOND, true);
      expect(await c.batch.bondOf(op)).to.deep.equal([0n, 1n, 0n]);
      await expectBatchRefused(c, () => c.batch.connect(c.operator).releaseBond(), c.batch, "BatchBondNotReleasable", [op, 0n]);
    });
  });

  describe("slashing: a receipt proven wrong (Groth16, the ZK mode's attestation)", function () {
    const SEQUENCE = 11n;
    let proved: ProveMlpReturnType;
    let TRUE: string;
    let TRUE_HASH: string;
    let attestation: string;

    before(async function () {
      const c = await loadFixture(fixture);
      // A proof of the Iris model's true output for the fixture input, bound to job id 11 and the prover.
      proved = await prove(c.weights, IRIS_INPUT, { jobId: SEQUENCE, submitter: c.prover.address });
      TRUE = encodeTensor(proved.output);
      TRUE_HASH = ethersLib.keccak256(TRUE);
      attestation = zkAttestation(proofTuple(encodeProofForSolidity(proved.proof)), IRIS_INPUT_BYTES, TRUE);
    });
    after(releaseZkWorkers);

    it("slashes an operator whose receipt the proof shows wrong: half to the receipt's requester, half burned", async function () {
      const c = await loadFixture(fixture);
      const op = c.operator.address;
      expect(TRUE).to.not.equal(WRONG_IRIS_OUTPUT);
      const receipt = zkReceipt(c, SEQUENCE);
      const signature = await signReceipt(c, c.enclave, receipt);
      const [record, burned] = [await c.operators.getOperator(op), await c.operators.burned()];
      const prover = c.batch.connect(c.prover);
      expect(await prover.proveReceiptWrong.staticCall(receipt, signature, TRUE_HASH, attestation)).to.equal(BOND);
      const tx = prover.proveReceiptWrong(receipt, signature, TRUE_HASH, attestation);
      await expect(tx).to.emit(c.batch, "ReceiptSlashed").withArgs(op, SEQUENCE, c.prover.address, BOND, false);
      await expect(tx).to.emit(c.operators, "OperatorSlashed").withArgs(op, 0n, TO_VICTIMS, c.requester.address, BURNED);
      await expect(tx).to.changeEtherBalances(ethers, [c.batch, c.operators, c.operator], [0n, 0n, 0n]);
      expect((await c.batch.bondOf(op)).amount).to.equal(0n);
      const after = await c.operators.getOperator(op);
      expect([after.stake, after.locked]).to.deep.equal([record.stake - BOND, record.locked - BOND]);
      expect(await c.operators.slashCreditOf(c.requester.address)).to.equal(TO_VICTIMS);
      expect(await c.operators.slashCreditOf(c.prover.address)).to.equal(0n);
      expect(await c.operators.burned()).to.equal(burned + BURNED);
      await expectBatchRefused(c, () => prover.proveReceiptWrong(receipt, signature, TRUE_HASH, attestation), c.batch, "ReceiptAlreadySlashed", [op, SEQUENCE]);
      // Nor does the proof take a bond posted later, nor can the equivocation route slash the sequence again.
      await c.operators.connect(c.operator).stake(BOND, { value: BOND });
      await c.batch.connect(c.operator).bond(BOND);
      await expectBatchRefused(c, () => prover.proveReceiptWrong(receipt, signature, TRUE_HASH, attestation), c.batch, "ReceiptAlreadySlashed", [op, SEQUENCE]);
      const twin = { ...receipt, time: receipt.time + 1n };
      await expectBatchRefused(c, async () => c.batch.proveEquivocation(receipt, signature, twin, await signReceipt(c, c.operator, twin)), c.batch, "ReceiptAlreadySlashed", [
        op, SEQUENCE,
      ]);
    });

    it("refuses a receipt whose output is the proven one (ReceiptOutputsAgree), and a proof of another output than the one claimed", async function () {
      const c = await loadFixture(fixture);
      const right = zkReceipt(c, SEQUENCE, TRUE);
      const signature = await signReceipt(c, c.operator, right);
      const prover = c.batch.connect(c.prover);
      await expectBatchRefused(c, () => prover.proveReceiptWrong(right, signature, TRUE_HASH, attestation), c.batch, "ReceiptOutputsAgree", [TRUE_HASH]);
      // Claiming some other output for a right receipt: the attestation proves TRUE, not the claim.
      const claimed = ethersLib.keccak256(WRONG_IRIS_OUTPUT);
      await expectBatchRefused(c, () => prover.proveReceiptWrong(right, signature, claimed, attestation), c.zk, "ZkOutputHashMismatch", [
        SEQUENCE, claimed, TRUE_HASH,
      ]);
    });

    it("attack: a copied pending proof fails for the copier (ZkProofInvalid), and the prover's own lands", async function () {
      const c = await loadFixture(fixture);
      const receipt = zkReceipt(c, SEQUENCE);
      const signature = await signReceipt(c, c.operator, receipt);
      const groth16 = await c.groth16.getAddress();
      await expectBatchRefused(c, () => c.batch.connect(c.stranger).proveReceiptWrong(receipt, signature, TRUE_HASH, attestation), c.zk, "ZkProofInvalid", [
        SEQUENCE, groth16,
      ]);
      const [copy, original] = await inOneBlock(ethers, async () => {
        const sent = await c.batch.connect(c.prover).proveReceiptWrong(receipt, signature, TRUE_HASH, attestation, { gasLimit: 2_000_000 });
        const seen = (await ethers.provider.getTransaction(sent.hash))!;
        const copied = await c.stranger.sendTransaction({ to: seen.to, data: seen.data, gasLimit: 2_000_000, ...outbid(seen) });
        return [copied.hash, sent.hash];
      });
      expect([copy!.status, original!.status]).to.deep.equal([0, 1]);
      expect(copy!.index).to.be.below(original!.index);
      expect(await c.operators.slashCreditOf(c.stranger.address)).to.equal(0n);
      expect(await c.operators.slashCreditOf(c.requester.address)).to.equal(TO_VICTIMS);
    });

    it("refuses a proof made for another receipt's sequence (ZkProofInvalid)", async function () {
      const c = await loadFixture(fixture);
      const receipt = zkReceipt(c, SEQUENCE + 1n);
      const signature = await signReceipt(c, c.operator, receipt);
      await expectBatchRefused(c, () => c.batch.connect(c.prover).proveReceiptWrong(receipt, signature, TRUE_HASH, attestation), c.zk, "ZkProofInvalid", [
        SEQUENCE + 1n, await c.groth16.getAddress(),
      ]);
    });

    it("refuses a receipt of a version without a circuit (ZkCircuitNotAllowed)", async function () {
      const c = await loadFixture(fixture);
      const receipt = zkReceipt(c, SEQUENCE, WRONG_IRIS_OUTPUT, { version: 1 });
      const signature = await signReceipt(c, c.operator, receipt);
      expect((await c.hub.zkCircuit(c.modelId, 1))[0]).to.equal(ZERO);
      // EXTCODEHASH of the zero address: zero while the account is empty, keccak256("") once it holds anything.
      const empty = (await ethers.provider.getBalance(ZERO)) === 0n && (await ethers.provider.getTransactionCount(ZERO)) === 0;
      const codehash = empty ? ethersLib.ZeroHash : ethersLib.keccak256("0x");
      await expectBatchRefused(c, () => c.batch.connect(c.prover).proveReceiptWrong(receipt, signature, TRUE_HASH, attestation), c.zk, "ZkCircuitNotAllowed", [
        ZERO, codehash, ethersLib.ZeroHash,
      ]);
    });

    it("refuses a ZK fraud proof while the registry has no dispute verifier (BatchNoDisputeVerifier)", async function () {
      const c = await loadFixture(fixtureWithoutDisputeVerifier);
      expect(await c.operators.disputeVerifier()).to.equal(ZERO);
      const receipt = zkReceipt(c, SEQUENCE);
      const signature = await signReceipt(c, c.enclave, receipt);
      await expectBatchRefused(c, () => c.batch.connect(c.prover).proveReceiptWrong(receipt, signature, TRUE_HASH, attestation), c.batch, "BatchNoDisputeVerifier", []);
    });

    it("refuses a receipt the operator's keys did not sign (BatchUnauthorizedSigner)", async function () {
      const c = await loadFixture(fixture);
      const receipt = zkReceipt(c, SEQUENCE);
      for (const signer of [STRANGER_KEY, c.operator2, c.enclave2, c.prover]) {
        const signature = await signReceipt(c, signer, receipt);
        await expectBatchRefused(c, () => c.batch.connect(c.prover).proveReceiptWrong(receipt, signature, TRUE_HASH, attestation), c.batch, "BatchUnauthorizedSigner", [
          c.operator.address, signer.address,
        ]);
      }
    });
  });

  describe("encodings", function () {
    it("receiptDigest is ethers' EIP-712 hash of the Receipt and receiptLeaf StandardMerkleTree's leaf hash", async function () {
      const c = await loadFixture(fixture);
      const max = (bits: bigint) => 2n ** bits - 1n;
      const receipts: Receipt[] = [
        makeReceipt(c, 1n),
        zkReceipt(c, 42n),
        makeReceipt(c, max(64n), { version: Number(max(32n)), price: max(256n), time: max(64n), requester: c.stranger.address }),
        makeReceipt(c, 0n, {
          requestId: ethersLib.ZeroHash, requester: ZERO, operator: ZERO, modelId: ethersLib.ZeroHash, version: 0,
          inputHash: ethersLib.ZeroHash, outputHash: ethersLib.ZeroHash, price: 0n, time: 0n,
        }),
      ];
      const tree = receiptTree(receipts);
      for (const r of receipts) {
        expect(await c.batch.receiptDigest(r)).to.equal(receiptDigest(c, r));
        expect(await c.batch.receiptLeaf(r)).to.equal(tree.leafHash(leafValues(r)));
        // What a signer signs is what the contract recovers.
        expect(recovered(await c.batch.receiptDigest(r), await signReceipt(c, c.operator, r))).to.equal(c.operator.address);
      }
      expect(ethersLib.TypedDataEncoder.from(RECEIPT_TYPES).encodeType("Receipt")).to.equal(
        "Receipt(bytes32 requestId,address requester,address operator,bytes32 modelId,uint32 version,bytes32 inputHash,bytes32 outputHash,uint256 price,uint64 sequence,uint64 time)",
      );
      // The batch root's typed data: the operator's signature recovers to it over the ethers digest the contract checks.
      const { batch, signature } = await signedBatch(c, receipts.slice(0, 2));
      expect(recovered(batchDigest(c, batch), signature)).to.equal(c.operator.address);
      expect(recovered(batchDigest(c, batch), await signBatch(c, c.enclave, batch))).to.equal(c.enclave.address);
    });
  });
});
