import { expect } from "chai";
import { network } from "hardhat";
import fc from "fast-check";
import type { ContractTransactionResponse } from "ethers";
import { deploySignerHubRegistry, gasCost, signersAt } from "../helpers/registries.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const DAY = 24n * 3600n;
const DELAY = 6n * DAY; // the shortest allowed delay (MIN_UNBONDING_DELAY), so random time jumps both hit and miss the release
const OPERATORS = 3;
const MAX_AMOUNT = 10n ** 18n;
const RUNS = 25;
const STEPS = 40;

type Command =
  | { kind: "stake"; op: number; amount: bigint }
  | { kind: "unstake"; op: number; permille: number } // of the bonded stake; 0 and more than the free part are refused
  | { kind: "withdraw"; op: number }
  | { kind: "wait"; seconds: bigint }
  | { kind: "lock"; op: number; permille: number } // of the bonded stake; more than the free part is refused
  | { kind: "unlock"; op: number; permille: number } // of the locked stake; above 1000 is refused
  | { kind: "slash"; op: number; permille: number; burnPermille: number }; // of the locked stake, credited / burned

const op = fc.integer({ min: 0, max: OPERATORS - 1 });
const permille = fc.integer({ min: 0, max: 1200 });
// Weighted so that sequences often reach the interesting states: locked and unbonding stake, released, slashed.
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("stake" as const), op, amount: fc.bigInt({ min: 1n, max: MAX_AMOUNT }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("unstake" as const), op, permille }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("withdraw" as const), op }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("wait" as const), seconds: fc.bigInt({ min: 0n, max: 3n * DELAY }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("lock" as const), op, permille }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("unlock" as const), op, permille }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("slash" as const), op, permille: fc.integer({ min: 0, max: 800 }), burnPermille: fc.integer({ min: 0, max: 600 }) }),
  },
);

/** A native-staked registry whose hub is a plain signer, three operators and a slash recipient that never sends. */
async function threeOperators() {
  const [governance, op0, op1, op2, slasher, recipient] = await signersAt(ethers, 0, 2, 3, 4, 6, 7);
  const registry = await deploySignerHubRegistry(ethers, governance, slasher, DELAY);
  return { registry, operators: [op0, op1, op2], slasher, recipient };
}

describe("OperatorRegistry money conservation (property)", function () {
  this.timeout(120_000);

  it("holds exactly the operators' stake, unbonding stake, slash credits and the burn, and loses or creates nothing, across random sequences", async function () {
    // How often the interesting paths ran, to check the generator reaches them.
    const reached = { withdrawals: 0, earlyWithdrawals: 0, lockedUnstakes: 0, slashes: 0, refusedSlashes: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: STEPS, maxLength: STEPS }), async (commands) => {
        const { registry, operators, slasher, recipient } = await loadFixture(threeOperators);
        const registryAddress = await registry.getAddress();
        // The expected record and native balance of each operator.
        const model = await Promise.all(
          operators.map(async (signer) => ({
            signer,
            stake: 0n,
            locked: 0n,
            unbonding: 0n,
            releaseAt: 0n,
            balance: await ethers.provider.getBalance(signer.address),
          })),
        );
        const recipientStart = await ethers.provider.getBalance(recipient.address);
        let staked = 0n;
        let withdrawn = 0n;
        let credited = 0n;
        let burned = 0n;
        // Every transaction gets an explicit timestamp, so the model knows whether a withdrawal is released.
        let clock = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
        const nextTimestamp = async () => {
          clock += 1n;
          await time.setNextBlockTimestamp(clock);
          return clock;
        };

        for (const cmd of commands) {
          if (cmd.kind === "wait") {
            clock += cmd.seconds;
            continue;
          }
          const m = model[cmd.op]!;
          const who = m.signer;
          const free = m.stake - m.locked;
          const payGas = async (tx: ContractTransactionResponse) => {
            m.balance -= await gasCost(tx);
          };
          const at = await nextTimestamp();
          if (cmd.kind === "stake") {
            const tx = await registry.connect(who).stake(cmd.amount, { value: cmd.amount });
            await expect(tx).to.emit(registry, "Staked").withArgs(who.address, cmd.amount, m.stake + cmd.amount);
            m.stake += cmd.amount;
            staked += cmd.amount;
            m.balance -= cmd.amount;
            await payGas(tx);
          } else if (cmd.kind === "unstake") {
            const amount = (m.stake * BigInt(cmd.permille)) / 1000n;
            const send = () => registry.connect(who).requestUnstake(amount);
            if (amount === 0n) {
              await expect(send()).to.be.revertedWithCustomError(registry, "OperatorZeroAmount");
            } else if (amount > free) {
              if (amount <= m.stake) reached.lockedUnstakes++;
              await expect(send())
                .to.be.revertedWithCustomError(registry, "OperatorInsufficientStake")
                .withArgs(who.address, amount, free);
            } else {
              const tx = await send();
              await expect(tx).to.emit(registry, "UnstakeRequested").withArgs(who.address, amount, at + DELAY);
              m.stake -= amount;
              m.unbonding += amount;
              m.releaseAt = at + DELAY;
              await payGas(tx);
            }
          } else if (cmd.kind === "withdraw") {
            const send = () => registry.connect(who).withdrawStake();
            if (m.unbonding === 0n) {
              await expect(send()).to.be.revertedWithCustomError(registry, "OperatorNothingToWithdraw").withArgs(who.address);
            } else if (at < m.releaseAt) {
              reached.earlyWithdrawals++;
              await expect(send())
                .to.be.revertedWithCustomError(registry, "OperatorUnbondingNotReleased")
                .withArgs(who.address, m.releaseAt);
            } else {
              const tx = await send();
              await expect(tx).to.emit(registry, "StakeWithdrawn").withArgs(who.address, m.unbonding);
              withdrawn += m.unbonding;
              reached.withdrawals++;
              m.balance += m.unbonding;
              m.unbonding = 0n;
              m.releaseAt = 0n;
              await payGas(tx);
            }
          } else if (cmd.kind === "lock") {
            const amount = (m.stake * BigInt(cmd.permille)) / 1000n;
            const send = () => registry.connect(slasher).lock(who.address, amount, at);
            if (amount > free) {
              await expect(send()).to.be.revertedWithCustomError(registry, "OperatorInsufficientStake").withArgs(who.address, amount, free);
            } else {
              await expect(send()).to.emit(registry, "StakeLocked").withArgs(who.address, at, amount, m.locked + amount);
              m.locked += amount;
            }
          } else if (cmd.kind === "unlock") {
            const amount = (m.locked * BigInt(cmd.permille)) / 1000n + (cmd.permille > 1000 ? 1n : 0n);
            const send = () => registry.connect(slasher).unlock(who.address, amount, at);
            if (amount > m.locked) {
              await expect(send()).to.be.revertedWithCustomError(registry, "OperatorLockTooSmall").withArgs(who.address, amount, m.locked);
            } else {
              await expect(send()).to.emit(registry, "StakeUnlocked").withArgs(who.address, at, amount, m.locked - amount);
              m.locked -= amount;
            }
          } else {
            // Credited and burned parts of the locked stake; together they may exceed it (then refused).
            const amount = (m.locked * BigInt(cmd.permille)) / 1000n;
            const burn = (m.locked * BigInt(cmd.burnPermille)) / 1000n;
            const send = () => registry.connect(slasher).slash(who.address, amount, recipient.address, burn, at);
            if (amount + burn > m.locked) {
              reached.refusedSlashes++;
              await expect(send()).to.be.revertedWithCustomError(registry, "OperatorLockTooSmall").withArgs(who.address, amount + burn, m.locked);
            } else {
              await expect(send()).to.emit(registry, "OperatorSlashed").withArgs(who.address, at, amount, recipient.address, burn);
              m.stake -= amount + burn;
              m.locked -= amount + burn;
              credited += amount;
              burned += burn;
              if (amount + burn > 0n) reached.slashes++;
            }
          }

          // The records match the model, and every wei is accounted for.
          const held = model.reduce((sum, o) => sum + o.stake + o.unbonding, 0n);
          for (const o of model) {
            const rec = await registry.getOperator(o.signer.address);
            expect([rec.stake, rec.locked, rec.unbonding, rec.unbondingReleaseAt]).to.deep.equal([o.stake, o.locked, o.unbonding, o.releaseAt]);
            expect(rec.locked <= rec.stake).to.equal(true);
            expect(await ethers.provider.getBalance(o.signer.address)).to.equal(o.balance);
          }
          // Slashes are credited to the recipient (pull payment) or burned, and stay in the registry.
          expect(await ethers.provider.getBalance(registryAddress)).to.equal(held + credited + burned);
          expect(staked - withdrawn - credited - burned).to.equal(held);
          expect(await registry.slashCreditOf(recipient.address)).to.equal(credited);
          expect(await registry.burned()).to.equal(burned);
          expect(await ethers.provider.getBalance(recipient.address)).to.equal(recipientStart);
        }
      }),
      { numRuns: RUNS },
    );
    expect(reached.withdrawals).to.be.greaterThan(0);
    expect(reached.earlyWithdrawals).to.be.greaterThan(0);
    expect(reached.lockedUnstakes).to.be.greaterThan(0);
    expect(reached.slashes).to.be.greaterThan(0);
    expect(reached.refusedSlashes).to.be.greaterThan(0);
  });
});
