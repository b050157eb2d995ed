import { expect } from "chai";
import { network } from "hardhat";
import { ethers as ethersLib } from "ethers";
import type { NativeRefuser, OperatorRegistry, TestToken } from "../../types/ethers-contracts/index.js";
import { deployCore, now, UNBONDING_DELAY } from "../helpers/verity.js";
import {
  defined,
  deploySignerHubRegistry,
  deployTokenStakedRegistry,
  gasCost,
  moneySnapshot,
  plain,
  signersAt,
} from "../helpers/registries.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const ONE = ethersLib.parseEther("1");
const HOUR = 3600n;
const DAY = 24n * HOUR;
/** The shortest unbonding delay: the longest OPTIMISTIC dispute, a 3-day window and its 3-day resolution period. */
const MIN_DELAY = 6n * DAY;
const JOB_ID = 42n;
/** Asserts `send` is refused with `error(...args)` and that no record, native or token balance moved. */
async function expectRefusedKeepingFunds(
  registry: OperatorRegistry,
  accounts: string[],
  send: () => Promise<unknown>,
  errorSource: { interface: ethersLib.Interface },
  error: string,
  args: unknown[],
  token?: TestToken,
) {
  const before = await moneySnapshot(ethers, registry, accounts, token);
  await expect(send())
    .to.be.revertedWithCustomError(errorSource, error)
    .withArgs(...args);
  expect(await moneySnapshot(ethers, registry, accounts, token)).to.deep.equal(before);
}

// ─────────────────────────────────────────────── fixtures ───────────────────────────────────────────────

async function core() {
  return defined(await deployCore(ethers));
}

/** The operator has 1 ETH bonded. */
async function staked() {
  const c = defined(await deployCore(ethers));
  await c.operators.connect(c.operator).stake(ONE, { value: ONE });
  return c;
}

/** The operator has 0.6 ETH bonded and 0.4 ETH unbonding. */
async function unbonding() {
  const c = await staked();
  await c.operators.connect(c.operator).requestUnstake(ethersLib.parseEther("0.4"));
  const releaseAt = (await now(c)) + UNBONDING_DELAY;
  return { ...c, releaseAt };
}

/** A native-staked registry whose hub is a plain signer; the operator has 0.6 ETH bonded and 0.4 ETH unbonding. */
async function signerHub() {
  const c = defined(await deployCore(ethers));
  const [slasher, recipient] = await signersAt(ethers, 6, 7);
  const registry = await deploySignerHubRegistry(ethers, c.governance, slasher);
  await registry.connect(c.operator).stake(ONE, { value: ONE });
  await registry.connect(c.operator).requestUnstake(ethersLib.parseEther("0.4"));
  return { ...c, registry, slasher, recipient };
}

/** An ERC-20-staked registry (TestToken) whose hub is a plain signer; the operator holds and approved 1000 tokens. */
async function erc20() {
  const c = defined(await deployCore(ethers));
  const [slasher] = await signersAt(ethers, 6);
  const { registry, token } = await deployTokenStakedRegistry(ethers, [c.operator]);
  await registry.setHub(slasher.address);
  return { ...c, registry, stakeToken: token, slasher };
}

// ───────────────────────────────────────────────── tests ─────────────────────────────────────────────────

describe("OperatorRegistry", function () {
  describe("deployment", function () {
    it("starts with the given governance, stake token and unbonding delay, and no hub or enclave registry", async function () {
      const [governance] = await signersAt(ethers, 0);
      const registry = await ethers.deployContract("OperatorRegistry", [governance.address, ethersLib.ZeroAddress, MIN_DELAY]);
      await expect(registry.deploymentTransaction()).to.emit(registry, "UnbondingDelayUpdated").withArgs(0, MIN_DELAY);
      expect(await registry.owner()).to.equal(governance.address);
      expect(await registry.stakeToken()).to.equal(ethersLib.ZeroAddress);
      expect(await registry.unbondingDelay()).to.equal(MIN_DELAY);
      expect(await registry.MIN_UNBONDING_DELAY()).to.equal(MIN_DELAY);
      expect(await registry.burned()).to.equal(0n);
      expect(await registry.hub()).to.equal(ethersLib.ZeroAddress);
      expect(await registry.enclaveRegistry()).to.equal(ethersLib.ZeroAddress);
    });

    it("rejects an initial unbonding delay outside 6 days (the longest dispute) .. 90 days", async function () {
      const [governance] = await signersAt(ethers, 0);
      const factory = await ethers.getContractFactory("OperatorRegistry");
      for (const delay of [0n, HOUR, MIN_DELAY - 1n, 90n * DAY + 1n]) {
        await expect(factory.deploy(governance.address, ethersLib.ZeroAddress, delay))
          .to.be.revertedWithCustomError(factory, "OperatorInvalidUnbondingDelay")
          .withArgs(delay);
      }
    });
  });

  describe("stake (native currency)", function () {
    it("adds the value to the bonded stake and emits Staked with the new total", async function () {
      const c = await loadFixture(core);
      const registry = await c.operators.getAddress();
      const balanceBefore = await ethers.provider.getBalance(c.operator.address);
      const first = await c.operators.connect(c.operator).stake(ONE, { value: ONE });
      await expect(first).to.emit(c.operators, "Staked").withArgs(c.operator.address, ONE, ONE);
      const half = ONE / 2n;
      const second = await c.operators.connect(c.operator).stake(half, { value: half });
      await expect(second).to.emit(c.operators, "Staked").withArgs(c.operator.address, half, ONE + half);
      expect((await c.operators.getOperator(c.operator.address)).stake).to.equal(ONE + half);
      expect(await ethers.provider.getBalance(registry)).to.equal(ONE + half);
      expect(await ethers.provider.getBalance(c.operator.address)).to.equal(
        balanceBefore - ONE - half - (await gasCost(first)) - (await gasCost(second)),
      );
    });

    it("keeps new bonded stake apart from stake already unbonding", async function () {
      const c = await loadFixture(unbonding);
      await c.operators.connect(c.operator).stake(ONE, { value: ONE });
      const op = await c.operators.getOperator(c.operator.address);
      expect([op.stake, op.unbonding]).to.deep.equal([ethersLib.parseEther("1.6"), ethersLib.parseEther("0.4")]);
    });

    for (const [what, value] of [
      ["below", ONE - 1n],
      ["above", ONE + 1n],
    ] as const) {
      it(`rejects a value ${what} the amount and keeps every balance`, async function () {
        const c = await loadFixture(staked);
        await expectRefusedKeepingFunds(
          c.operators,
          [c.operator.address],
          () => c.operators.connect(c.operator).stake(ONE, { value }),
          c.operators,
          "OperatorWrongValue",
          [ONE, value],
        );
      });
    }

    it("rejects a zero amount, with or without value, and keeps every balance", async function () {
      const c = await loadFixture(staked);
      for (const value of [0n, 1n]) {
        const before = await moneySnapshot(ethers, c.operators, [c.operator.address]);
        await expect(c.operators.connect(c.operator).stake(0, { value })).to.be.revertedWithCustomError(
          c.operators,
          "OperatorZeroAmount",
        );
        expect(await moneySnapshot(ethers, c.operators, [c.operator.address])).to.deep.equal(before);
      }
    });
  });

  describe("stake (ERC-20)", function () {
    it("pulls the tokens from the operator and emits Staked", async function () {
      const c = await loadFixture(erc20);
      const held = await c.stakeToken.balanceOf(c.operator.address);
      await expect(c.registry.connect(c.operator).stake(ONE))
        .to.emit(c.registry, "Staked")
        .withArgs(c.operator.address, ONE, ONE);
      expect(await c.stakeToken.balanceOf(await c.registry.getAddress())).to.equal(ONE);
      expect(await c.stakeToken.balanceOf(c.operator.address)).to.equal(held - ONE);
      expect(await ethers.provider.getBalance(await c.registry.getAddress())).to.equal(0n);
      expect(await c.registry.stakeToken()).to.equal(await c.stakeToken.getAddress());
    });

    it("rejects native value sent with an ERC-20 stake and keeps every balance", async function () {
      const c = await loadFixture(erc20);
      await expectRefusedKeepingFunds(
        c.registry,
        [c.operator.address],
        () => c.registry.connect(c.operator).stake(ONE, { value: 1n }),
        c.registry,
        "OperatorWrongValue",
        [0n, 1n],
        c.stakeToken,
      );
    });

    it("rejects a stake the operator has not approved and keeps every balance", async function () {
      const c = await loadFixture(erc20);
      await c.stakeToken.mint(c.other.address, ONE);
      await expectRefusedKeepingFunds(
        c.registry,
        [c.other.address],
        () => c.registry.connect(c.other).stake(ONE),
        c.stakeToken,
        "ERC20InsufficientAllowance",
        [await c.registry.getAddress(), 0n, ONE],
        c.stakeToken,
      );
    });

    it("rejects a stake whose bonded plus unbonding total would not fit 128 bits", async function () {
      const c = await loadFixture(erc20);
      const max = 1n << 128n;
      await c.stakeToken.mint(c.operator.address, max);
      await c.registry.connect(c.operator).stake(ONE);
      await c.registry.connect(c.operator).requestUnstake(ONE / 2n);
      const amount = max - ONE; // bonded 0.5 + amount + unbonding 0.5 = 2^128
      await expectRefusedKeepingFunds(
        c.registry,
        [c.operator.address],
        () => c.registry.connect(c.operator).stake(amount),
        c.registry,
        "SafeCastOverflowedUintDowncast",
        [128, max],
        c.stakeToken,
      );
    });

    it("pays a withdrawal in tokens", async function () {
      const c = await loadFixture(erc20);
      await c.registry.connect(c.operator).stake(ONE);
      await c.registry.connect(c.operator).requestUnstake(ONE);
      await time.increase(UNBONDING_DELAY);
      const held = await c.stakeToken.balanceOf(c.operator.address);
      await expect(c.registry.connect(c.operator).withdrawStake())
        .to.emit(c.registry, "StakeWithdrawn")
        .withArgs(c.operator.address, ONE);
      expect(await c.stakeToken.balanceOf(c.operator.address)).to.equal(held + ONE);
      expect(await c.stakeToken.balanceOf(await c.registry.getAddress())).to.equal(0n);
    });

    it("credits a slash in tokens and pays it in tokens on withdrawSlashCredit", async function () {
      const c = await loadFixture(erc20);
      await c.registry.connect(c.operator).stake(ONE);
      await c.registry.connect(c.slasher).lock(c.operator.address, ONE / 2n, JOB_ID);
      await c.registry.connect(c.slasher).slash(c.operator.address, ONE / 4n, c.treasury.address, ONE / 8n, JOB_ID);
      expect(await c.registry.slashCreditOf(c.treasury.address)).to.equal(ONE / 4n);
      expect(await c.stakeToken.balanceOf(await c.registry.getAddress())).to.equal(ONE);
      await expect(c.registry.connect(c.treasury).withdrawSlashCredit())
        .to.emit(c.registry, "SlashCreditWithdrawn")
        .withArgs(c.treasury.address, ONE / 4n);
      expect(await c.stakeToken.balanceOf(c.treasury.address)).to.equal(ONE / 4n);
      // The burned part stays in the registry for ever.
      expect(await c.stakeToken.balanceOf(await c.registry.getAddress())).to.equal(ONE - ONE / 4n);
      expect(await c.registry.burned()).to.equal(ONE / 8n);
    });
  });

  describe("requestUnstake", function () {
    it("moves stake to unbonding with releaseAt = now + delay and emits UnstakeRequested", async function () {
      const c = await loadFixture(staked);
      const amount = ethersLib.parseEther("0.3");
      const tx = await c.operators.connect(c.operator).requestUnstake(amount);
      const releaseAt = (await now(c)) + UNBONDING_DELAY;
      await expect(tx).to.emit(c.operators, "UnstakeRequested").withArgs(c.operator.address, amount, releaseAt);
      const op = await c.operators.getOperator(c.operator.address);
      expect([op.stake, op.unbonding, op.unbondingReleaseAt]).to.deep.equal([ONE - amount, amount, releaseAt]);
      expect(await ethers.provider.getBalance(await c.operators.getAddress())).to.equal(ONE);
    });

    it("restarts the delay for the whole unbonding amount on a new request", async function () {
      const c = await loadFixture(unbonding);
      await time.increase(DAY);
      await c.operators.connect(c.operator).requestUnstake(ethersLib.parseEther("0.1"));
      const op = await c.operators.getOperator(c.operator.address);
      expect(op.unbonding).to.equal(ethersLib.parseEther("0.5"));
      expect(op.unbondingReleaseAt).to.equal((await now(c)) + UNBONDING_DELAY);
    });

    it("uses the delay in force when the request is made", async function () {
      const c = await loadFixture(staked);
      await c.operators.setUnbondingDelay(MIN_DELAY);
      await c.operators.connect(c.operator).requestUnstake(ONE);
      expect((await c.operators.getOperator(c.operator.address)).unbondingReleaseAt).to.equal((await now(c)) + MIN_DELAY);
    });

    it("rejects more than the bonded stake", async function () {
      const c = await loadFixture(unbonding);
      const bonded = ethersLib.parseEther("0.6");
      await expectRefusedKeepingFunds(
        c.operators,
        [c.operator.address],
        () => c.operators.connect(c.operator).requestUnstake(bonded + 1n),
        c.operators,
        "OperatorInsufficientStake",
        [c.operator.address, bonded + 1n, bonded],
      );
    });

    it("rejects an operator without stake", async function () {
      const c = await loadFixture(staked);
      await expectRefusedKeepingFunds(
        c.operators,
        [c.other.address],
        () => c.operators.connect(c.other).requestUnstake(1n),
        c.operators,
        "OperatorInsufficientStake",
        [c.other.address, 1n, 0n],
      );
    });

    it("rejects a zero amount", async function () {
      const c = await loadFixture(staked);
      const before = await moneySnapshot(ethers, c.operators, [c.operator.address]);
      await expect(c.operators.connect(c.operator).requestUnstake(0)).to.be.revertedWithCustomError(
        c.operators,
        "OperatorZeroAmount",
      );
      expect(await moneySnapshot(ethers, c.operators, [c.operator.address])).to.deep.equal(before);
    });
  });

  describe("withdrawStake", function () {
    it("refuses before release, naming releaseAt, and keeps every balance", async function () {
      const c = await loadFixture(unbonding);
      await time.increase(UNBONDING_DELAY / 2n);
      await expectRefusedKeepingFunds(
        c.operators,
        [c.operator.address],
        () => c.operators.connect(c.operator).withdrawStake(),
        c.operators,
        "OperatorUnbondingNotReleased",
        [c.operator.address, c.releaseAt],
      );
    });

    it("refuses one second before releaseAt and pays at releaseAt", async function () {
      const c = await loadFixture(unbonding);
      await time.setNextBlockTimestamp(c.releaseAt - 1n);
      await expect(c.operators.connect(c.operator).withdrawStake())
        .to.be.revertedWithCustomError(c.operators, "OperatorUnbondingNotReleased")
        .withArgs(c.operator.address, c.releaseAt);
      await time.setNextBlockTimestamp(c.releaseAt);
      await expect(c.operators.connect(c.operator).withdrawStake())
        .to.emit(c.operators, "StakeWithdrawn")
        .withArgs(c.operator.address, ethersLib.parseEther("0.4"));
    });

    it("pays exactly the unbonding amount, clears it and leaves the bonded stake", async function () {
      const c = await loadFixture(unbonding);
      await time.increase(UNBONDING_DELAY);
      const registry = await c.operators.getAddress();
      const amount = ethersLib.parseEther("0.4");
      const [operatorBefore, registryBefore] = await Promise.all([
        ethers.provider.getBalance(c.operator.address),
        ethers.provider.getBalance(registry),
      ]);
      const tx = await c.operators.connect(c.operator).withdrawStake();
      await expect(tx).to.emit(c.operators, "StakeWithdrawn").withArgs(c.operator.address, amount);
      expect(await ethers.provider.getBalance(c.operator.address)).to.equal(operatorBefore + amount - (await gasCost(tx)));
      expect(await ethers.provider.getBalance(registry)).to.equal(registryBefore - amount);
      const op = await c.operators.getOperator(c.operator.address);
      expect([op.stake, op.unbonding, op.unbondingReleaseAt]).to.deep.equal([ethersLib.parseEther("0.6"), 0n, 0n]);
    });

    it("rejects a second withdrawal with nothing left", async function () {
      const c = await loadFixture(unbonding);
      await time.increase(UNBONDING_DELAY);
      await c.operators.connect(c.operator).withdrawStake();
      await expectRefusedKeepingFunds(
        c.operators,
        [c.operator.address],
        () => c.operators.connect(c.operator).withdrawStake(),
        c.operators,
        "OperatorNothingToWithdraw",
        [c.operator.address],
      );
    });

    it("rejects an operator with only bonded stake", async function () {
      const c = await loadFixture(staked);
      await expectRefusedKeepingFunds(
        c.operators,
        [c.operator.address],
        () => c.operators.connect(c.operator).withdrawStake(),
        c.operators,
        "OperatorNothingToWithdraw",
        [c.operator.address],
      );
    });
  });

  describe("lock, unlock and slash (the hub's, for the claims its settlement modules hold)", function () {
    const HALF = ethersLib.parseEther("0.5");
    const BONDED = ethersLib.parseEther("0.6");

    /** signerHub with 0.5 ETH of the operator's 0.6 ETH bonded stake locked for JOB_ID. */
    async function locked() {
      const c = await signerHub();
      await c.registry.connect(c.slasher).lock(c.operator.address, HALF, JOB_ID);
      return c;
    }

    it("rejects lock, unlock and slash from any caller but the hub, including governance, and keeps every balance", async function () {
      const c = await loadFixture(staked);
      for (const caller of [c.governance, c.operator, c.other]) {
        for (const send of [
          () => c.operators.connect(caller).lock(c.operator.address, ONE, JOB_ID),
          () => c.operators.connect(caller).unlock(c.operator.address, 0n, JOB_ID),
          () => c.operators.connect(caller).slash(c.operator.address, ONE, c.other.address, 0n, JOB_ID),
        ]) {
          await expectRefusedKeepingFunds(c.operators, [c.operator.address, c.other.address], send, c.operators, "OperatorOnlyHub", [caller.address]);
        }
      }
      expect(await c.operators.slashCreditOf(c.other.address)).to.equal(0n);
    });

    it("locks free bonded stake, adding up, and emits StakeLocked with the new total", async function () {
      const c = await loadFixture(signerHub);
      await expect(c.registry.connect(c.slasher).lock(c.operator.address, HALF, JOB_ID))
        .to.emit(c.registry, "StakeLocked")
        .withArgs(c.operator.address, JOB_ID, HALF, HALF);
      await expect(c.registry.connect(c.slasher).lock(c.operator.address, BONDED - HALF, JOB_ID + 1n))
        .to.emit(c.registry, "StakeLocked")
        .withArgs(c.operator.address, JOB_ID + 1n, BONDED - HALF, BONDED);
      expect(plain(await c.registry.getOperator(c.operator.address))).to.deep.equal([BONDED, BONDED, ethersLib.parseEther("0.4"), (await c.registry.getOperator(c.operator.address)).unbondingReleaseAt]);
      // Locked stake no longer counts for QUORUM votes: a quorum dispute could not take it.
      expect(await c.registry.bondedStakes([c.operator.address])).to.deep.equal([0n]);
    });

    it("refuses a lock beyond the free stake (unbonding stake is not free) and keeps every balance", async function () {
      const c = await loadFixture(locked);
      const free = BONDED - HALF;
      await expectRefusedKeepingFunds(c.registry, [c.operator.address], () => c.registry.connect(c.slasher).lock(c.operator.address, free + 1n, JOB_ID), c.registry, "OperatorInsufficientStake", [
        c.operator.address, free + 1n, free,
      ]);
      await expectRefusedKeepingFunds(c.registry, [c.other.address], () => c.registry.connect(c.slasher).lock(c.other.address, 1n, JOB_ID), c.registry, "OperatorInsufficientStake", [
        c.other.address, 1n, 0n,
      ]);
    });

    it("unlocks, emitting StakeUnlocked, and refuses more than is locked (OperatorLockTooSmall)", async function () {
      const c = await loadFixture(locked);
      await expectRefusedKeepingFunds(c.registry, [c.operator.address], () => c.registry.connect(c.slasher).unlock(c.operator.address, HALF + 1n, JOB_ID), c.registry, "OperatorLockTooSmall", [
        c.operator.address, HALF + 1n, HALF,
      ]);
      await expect(c.registry.connect(c.slasher).unlock(c.operator.address, HALF, JOB_ID))
        .to.emit(c.registry, "StakeUnlocked")
        .withArgs(c.operator.address, JOB_ID, HALF, 0n);
      expect((await c.registry.getOperator(c.operator.address)).locked).to.equal(0n);
      // Now it can be unstaked.
      await c.registry.connect(c.operator).requestUnstake(BONDED);
      expect((await c.registry.getOperator(c.operator.address)).stake).to.equal(0n);
    });

    it("keeps locked stake from unbonding: requestUnstake takes only the free part", async function () {
      const c = await loadFixture(locked);
      const free = BONDED - HALF;
      await expectRefusedKeepingFunds(c.registry, [c.operator.address], () => c.registry.connect(c.operator).requestUnstake(free + 1n), c.registry, "OperatorInsufficientStake", [
        c.operator.address, free + 1n, free,
      ]);
      await c.registry.connect(c.operator).requestUnstake(free);
      const op = await c.registry.getOperator(c.operator.address);
      expect([op.stake, op.locked, op.unbonding]).to.deep.equal([HALF, HALF, ethersLib.parseEther("0.5")]);
    });

    it("slashes locked stake: credits the recipient, burns the rest, emits OperatorSlashed, pays on withdrawSlashCredit", async function () {
      const c = await loadFixture(locked);
      const amount = ethersLib.parseEther("0.3");
      const burn = ethersLib.parseEther("0.1");
      const registry = await c.registry.getAddress();
      const [recipientBefore, registryBefore] = await Promise.all([
        ethers.provider.getBalance(c.recipient.address),
        ethers.provider.getBalance(registry),
      ]);
      expect(await c.registry.connect(c.slasher).slash.staticCall(c.operator.address, amount, c.recipient.address, burn, JOB_ID)).to.equal(amount + burn);
      await expect(c.registry.connect(c.slasher).slash(c.operator.address, amount, c.recipient.address, burn, JOB_ID))
        .to.emit(c.registry, "OperatorSlashed")
        .withArgs(c.operator.address, JOB_ID, amount, c.recipient.address, burn);
      const op = await c.registry.getOperator(c.operator.address);
      // Taken from the locked stake only; the unbonding stake is untouched.
      expect([op.stake, op.locked, op.unbonding]).to.deep.equal([BONDED - amount - burn, HALF - amount - burn, ethersLib.parseEther("0.4")]);
      expect(await c.registry.burned()).to.equal(burn);
      // A pull payment: nothing moves until the recipient withdraws.
      expect(await c.registry.slashCreditOf(c.recipient.address)).to.equal(amount);
      expect(await ethers.provider.getBalance(c.recipient.address)).to.equal(recipientBefore);
      expect(await ethers.provider.getBalance(registry)).to.equal(registryBefore);
      const tx = await c.registry.connect(c.recipient).withdrawSlashCredit();
      await expect(tx).to.emit(c.registry, "SlashCreditWithdrawn").withArgs(c.recipient.address, amount);
      expect(await ethers.provider.getBalance(c.recipient.address)).to.equal(recipientBefore + amount - (await gasCost(tx)));
      // The burned part never leaves.
      expect(await ethers.provider.getBalance(registry)).to.equal(registryBefore - amount);
      expect(await c.registry.slashCreditOf(c.recipient.address)).to.equal(0n);
    });

    it("refuses a slash beyond the locked stake, the burned part included (OperatorLockTooSmall), and keeps every balance", async function () {
      const c = await loadFixture(locked);
      for (const [amount, burn] of [[HALF + 1n, 0n], [HALF, 1n], [0n, HALF + 1n]] as const) {
        await expectRefusedKeepingFunds(
          c.registry, [c.operator.address, c.recipient.address],
          () => c.registry.connect(c.slasher).slash(c.operator.address, amount, c.recipient.address, burn, JOB_ID),
          c.registry, "OperatorLockTooSmall", [c.operator.address, amount + burn, HALF],
        );
      }
      // An operator with nothing locked cannot be slashed at all, whatever its stake.
      await expectRefusedKeepingFunds(
        c.registry, [c.other.address],
        () => c.registry.connect(c.slasher).slash(c.other.address, 1n, c.recipient.address, 0n, JOB_ID),
        c.registry, "OperatorLockTooSmall", [c.other.address, 1n, 0n],
      );
      expect(await c.registry.burned()).to.equal(0n);
    });

    it("adds up the slashes credited to one recipient, and records a slash that only burns", async function () {
      const c = await loadFixture(locked);
      await c.registry.connect(c.slasher).slash(c.operator.address, 1n, c.recipient.address, 0n, JOB_ID);
      await c.registry.connect(c.slasher).slash(c.operator.address, 2n, c.recipient.address, 0n, JOB_ID + 1n);
      await expect(c.registry.connect(c.slasher).slash(c.operator.address, 0n, c.recipient.address, 4n, JOB_ID + 2n))
        .to.emit(c.registry, "OperatorSlashed")
        .withArgs(c.operator.address, JOB_ID + 2n, 0n, c.recipient.address, 4n);
      expect(await c.registry.slashCreditOf(c.recipient.address)).to.equal(3n);
      expect(await c.registry.burned()).to.equal(4n);
      expect((await c.registry.getOperator(c.operator.address)).locked).to.equal(HALF - 7n);
    });

    it("records a zero slash and pays nothing", async function () {
      const c = await loadFixture(signerHub);
      await expect(c.registry.connect(c.slasher).slash(c.other.address, 0n, c.recipient.address, 0n, JOB_ID))
        .to.emit(c.registry, "OperatorSlashed")
        .withArgs(c.other.address, JOB_ID, 0n, c.recipient.address, 0n);
      expect(await c.registry.slashCreditOf(c.recipient.address)).to.equal(0n);
      expect(await ethers.provider.getBalance(await c.registry.getAddress())).to.equal(ONE);
    });

    it("refuses withdrawSlashCredit with nothing credited, and a second withdrawal", async function () {
      const c = await loadFixture(locked);
      await expectRefusedKeepingFunds(
        c.registry,
        [c.operator.address, c.recipient.address],
        () => c.registry.connect(c.recipient).withdrawSlashCredit(),
        c.registry,
        "OperatorNoSlashCredit",
        [c.recipient.address],
      );
      await c.registry.connect(c.slasher).slash(c.operator.address, 5n, c.recipient.address, 0n, JOB_ID);
      await c.registry.connect(c.recipient).withdrawSlashCredit();
      await expect(c.registry.connect(c.recipient).withdrawSlashCredit())
        .to.be.revertedWithCustomError(c.registry, "OperatorNoSlashCredit")
        .withArgs(c.recipient.address);
    });

    it("never reduces what the operator has unbonding", async function () {
      const c = await loadFixture(locked);
      await c.registry.connect(c.slasher).slash(c.operator.address, HALF, c.recipient.address, 0n, JOB_ID);
      await time.increase(UNBONDING_DELAY);
      await expect(c.registry.connect(c.operator).withdrawStake())
        .to.emit(c.registry, "StakeWithdrawn")
        .withArgs(c.operator.address, ethersLib.parseEther("0.4"));
      // What is left is the free bonded stake and the recipient's credit.
      expect(await ethers.provider.getBalance(await c.registry.getAddress())).to.equal(BONDED);
      await c.registry.connect(c.recipient).withdrawSlashCredit();
      expect(await ethers.provider.getBalance(await c.registry.getAddress())).to.equal(BONDED - HALF);
    });

    it("is never blocked by a recipient that refuses the native currency: the slash is credited", async function () {
      const c = await loadFixture(locked);
      const refuser = (await ethers.deployContract("NativeRefuser")) as unknown as NativeRefuser;
      const refuserAddress = await refuser.getAddress();
      const registry = await c.registry.getAddress();
      await expect(c.registry.connect(c.slasher).slash(c.operator.address, ONE / 2n, refuserAddress, 0n, JOB_ID))
        .to.emit(c.registry, "OperatorSlashed")
        .withArgs(c.operator.address, JOB_ID, ONE / 2n, refuserAddress, 0n);
      expect((await c.registry.getOperator(c.operator.address)).stake).to.equal(ethersLib.parseEther("0.1"));
      expect(await c.registry.slashCreditOf(refuserAddress)).to.equal(ONE / 2n);
      // Its own withdrawal fails (it cannot receive), and the credit stays for a later attempt.
      const withdraw = c.registry.interface.encodeFunctionData("withdrawSlashCredit");
      await expect(refuser.exec(registry, withdraw))
        .to.be.revertedWithCustomError(c.registry, "OperatorNativeTransferFailed")
        .withArgs(refuserAddress, ONE / 2n);
      expect(await c.registry.slashCreditOf(refuserAddress)).to.equal(ONE / 2n);
      expect(await ethers.provider.getBalance(registry)).to.equal(ONE);
    });

    it("lets only the hub slash: governance cannot point the registry at another hub", async function () {
      const c = await loadFixture(locked);
      await expect(c.registry.setHub(c.other.address))
        .to.be.revertedWithCustomError(c.registry, "OperatorHubAlreadySet")
        .withArgs(c.slasher.address);
      await expectRefusedKeepingFunds(
        c.registry,
        [c.operator.address, c.recipient.address],
        () => c.registry.connect(c.other).slash(c.operator.address, HALF, c.recipient.address, 0n, JOB_ID),
        c.registry,
        "OperatorOnlyHub",
        [c.other.address],
      );
      expect(await c.registry.hub()).to.equal(c.slasher.address);
    });
  });

  describe("bondedStakes", function () {
    it("returns each operator's bonded stake in order, without unbonding stake, zero for strangers", async function () {
      const c = await loadFixture(signerHub);
      await c.registry.connect(c.other).stake(3n, { value: 3n });
      expect(await c.registry.bondedStakes([c.other.address, c.operator.address, c.recipient.address, c.other.address])).to.deep.equal([
        3n,
        ethersLib.parseEther("0.6"),
        0n,
        3n,
      ]);
      expect(await c.registry.bondedStakes([])).to.deep.equal([]);
    });
  });

  describe("setUnbondingDelay", function () {
    it("accepts 6 days and 90 days and emits UnbondingDelayUpdated with the old and new delay", async function () {
      const c = await loadFixture(core);
      await expect(c.operators.setUnbondingDelay(MIN_DELAY)).to.emit(c.operators, "UnbondingDelayUpdated").withArgs(UNBONDING_DELAY, MIN_DELAY);
      await expect(c.operators.setUnbondingDelay(90n * DAY)).to.emit(c.operators, "UnbondingDelayUpdated").withArgs(MIN_DELAY, 90n * DAY);
      expect(await c.operators.unbondingDelay()).to.equal(90n * DAY);
    });

    for (const delay of [0n, HOUR, MIN_DELAY - 1n, 90n * DAY + 1n]) {
      it(`rejects a delay of ${delay} seconds`, async function () {
        const c = await loadFixture(core);
        await expect(c.operators.setUnbondingDelay(delay))
          .to.be.revertedWithCustomError(c.operators, "OperatorInvalidUnbondingDelay")
          .withArgs(delay);
        expect(await c.operators.unbondingDelay()).to.equal(UNBONDING_DELAY);
      });
    }

    it("rejects anyone but governance", async function () {
      const c = await loadFixture(core);
      await expect(c.operators.connect(c.operator).setUnbondingDelay(MIN_DELAY))
        .to.be.revertedWithCustomError(c.operators, "OwnableUnauthorizedAccount")
        .withArgs(c.operator.address);
      expect(await c.operators.unbondingDelay()).to.equal(UNBONDING_DELAY);
    });
  });

  describe("setHub", function () {
    it("sets the hub once and emits HubUpdated from the zero address", async function () {
      const c = await loadFixture(core);
      const fresh = (await ethers.deployContract("OperatorRegistry", [c.governance.address, ethersLib.ZeroAddress, MIN_DELAY])) as unknown as typeof c.operators;
      await expect(fresh.setHub(c.other.address)).to.emit(fresh, "HubUpdated").withArgs(ethersLib.ZeroAddress, c.other.address);
      expect(await fresh.hub()).to.equal(c.other.address);
    });

    it("refuses the zero address as hub", async function () {
      const c = await loadFixture(core);
      const fresh = (await ethers.deployContract("OperatorRegistry", [c.governance.address, ethersLib.ZeroAddress, MIN_DELAY])) as unknown as typeof c.operators;
      await expect(fresh.setHub(ethersLib.ZeroAddress)).to.be.revertedWithCustomError(fresh, "OperatorOnlyHub").withArgs(ethersLib.ZeroAddress);
      expect(await fresh.hub()).to.equal(ethersLib.ZeroAddress);
    });

    it("refuses to change the hub once set, and keeps it", async function () {
      const c = await loadFixture(core);
      const hub = await c.hub.getAddress();
      await expect(c.operators.setHub(c.other.address)).to.be.revertedWithCustomError(c.operators, "OperatorHubAlreadySet").withArgs(hub);
      expect(await c.operators.hub()).to.equal(hub);
    });

    it("rejects anyone but governance", async function () {
      const c = await loadFixture(core);
      await expect(c.operators.connect(c.other).setHub(c.other.address))
        .to.be.revertedWithCustomError(c.operators, "OwnableUnauthorizedAccount")
        .withArgs(c.other.address);
      expect(await c.operators.hub()).to.equal(await c.hub.getAddress());
    });
  });

  describe("setEnclaveRegistry (the EnclaveRegistry locks, unlocks and slashes the stake behind enclave keys)", function () {
    async function fresh() {
      const c = defined(await deployCore(ethers));
      const registry = (await ethers.deployContract("OperatorRegistry", [c.governance.address, ethersLib.ZeroAddress, MIN_DELAY])) as unknown as OperatorRegistry;
      return { ...c, registry };
    }

    it("is wired by the fixture: the registry names the EnclaveRegistry, which names the registry", async function () {
      const c = await loadFixture(core);
      expect(await c.operators.enclaveRegistry()).to.equal(await c.enclaves.getAddress());
      expect(await c.enclaves.operatorRegistry()).to.equal(await c.operators.getAddress());
    });

    it("sets it once and emits EnclaveRegistrySet", async function () {
      const c = await loadFixture(fresh);
      expect(await c.registry.enclaveRegistry()).to.equal(ethersLib.ZeroAddress);
      await expect(c.registry.setEnclaveRegistry(c.other.address)).to.emit(c.registry, "EnclaveRegistrySet").withArgs(c.other.address);
      expect(await c.registry.enclaveRegistry()).to.equal(c.other.address);
    });

    it("refuses the zero address, and any change once set, keeping it", async function () {
      const c = await loadFixture(fresh);
      await expect(c.registry.setEnclaveRegistry(ethersLib.ZeroAddress))
        .to.be.revertedWithCustomError(c.registry, "OperatorOnlyHub")
        .withArgs(ethersLib.ZeroAddress);
      expect(await c.registry.enclaveRegistry()).to.equal(ethersLib.ZeroAddress);
      await c.registry.setEnclaveRegistry(c.other.address);
      for (const next of [c.governance.address, c.other.address]) {
        await expect(c.registry.setEnclaveRegistry(next))
          .to.be.revertedWithCustomError(c.registry, "OperatorEnclaveRegistryAlreadySet")
          .withArgs(c.other.address);
      }
      expect(await c.registry.enclaveRegistry()).to.equal(c.other.address);
    });

    it("rejects anyone but governance", async function () {
      const c = await loadFixture(fresh);
      await expect(c.registry.connect(c.other).setEnclaveRegistry(c.other.address))
        .to.be.revertedWithCustomError(c.registry, "OwnableUnauthorizedAccount")
        .withArgs(c.other.address);
      expect(await c.registry.enclaveRegistry()).to.equal(ethersLib.ZeroAddress);
    });

    it("lets the enclave registry lock, unlock and slash (jobId 0 for key locks) besides the hub, and nobody else", async function () {
      const c = await loadFixture(signerHub);
      const [enclaves] = await signersAt(ethers, 8);
      await c.registry.setEnclaveRegistry(enclaves.address);
      const amount = ethersLib.parseEther("0.2");
      await expect(c.registry.connect(enclaves).lock(c.operator.address, amount, 0n))
        .to.emit(c.registry, "StakeLocked")
        .withArgs(c.operator.address, 0n, amount, amount);
      // The hub's locks add up with the key's.
      await c.registry.connect(c.slasher).lock(c.operator.address, 1n, JOB_ID);
      expect((await c.registry.getOperator(c.operator.address)).locked).to.equal(amount + 1n);
      await expect(c.registry.connect(enclaves).unlock(c.operator.address, 1n, 0n))
        .to.emit(c.registry, "StakeUnlocked")
        .withArgs(c.operator.address, 0n, 1n, amount);
      await expect(c.registry.connect(enclaves).slash(c.operator.address, 3n, c.recipient.address, 4n, 0n))
        .to.emit(c.registry, "OperatorSlashed")
        .withArgs(c.operator.address, 0n, 3n, c.recipient.address, 4n);
      expect(await c.registry.slashCreditOf(c.recipient.address)).to.equal(3n);
      expect(await c.registry.burned()).to.equal(4n);
      expect((await c.registry.getOperator(c.operator.address)).locked).to.equal(amount - 7n);
      // Beyond the free stake it is refused like the hub's.
      const free = ethersLib.parseEther("0.6") - 7n - (amount - 7n);
      await expectRefusedKeepingFunds(c.registry, [c.operator.address], () => c.registry.connect(enclaves).lock(c.operator.address, free + 1n, 0n), c.registry, "OperatorInsufficientStake", [
        c.operator.address, free + 1n, free,
      ]);
      for (const caller of [c.governance, c.other]) {
        await expectRefusedKeepingFunds(c.registry, [c.operator.address], () => c.registry.connect(caller).unlock(c.operator.address, 1n, 0n), c.registry, "OperatorOnlyHub", [
          caller.address,
        ]);
      }
    });
  });
});

describe("OperatorRegistry with a fee-on-transfer stake token", () => {
  it("refuses a stake that arrives short, and keeps the operator's stake and tokens", async () => {
    const { ethers: e } = await network.create();
    const [gov, op] = await e.getSigners();
    const fot = await e.deployContract("FeeOnTransferToken");
    const registry = await e.deployContract("OperatorRegistry", [gov!.address, await fot.getAddress(), MIN_DELAY]);
    await fot.getFunction("mint")(op!.address, 1000n);
    await fot.connect(op!).getFunction("approve")(await registry.getAddress(), 1000n);
    await expect(registry.connect(op!).getFunction("stake")(1000n))
      .to.be.revertedWithCustomError(registry, "OperatorTokenTransferShort")
      .withArgs(await fot.getAddress(), 1000n, 990n);
    expect((await registry.getFunction("getOperator")(op!.address)).stake).to.equal(0n);
    expect(await fot.getFunction("balanceOf")(op!.address)).to.equal(1000n);
  });
});
