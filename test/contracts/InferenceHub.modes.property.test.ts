import { expect } from "chai";
import { network } from "hardhat";
import fc from "fast-check";
import { ethers as ethersLib } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { encodeTensor } from "../../sdk/src/encoding/tensor.js";
import { releaseZkWorkers } from "../../sdk/src/proofs/zk.js";
import { type ProveMlpReturnType } from "../../sdk/src/prover/prove.js";
import { MODE_OPTIMISTIC, MODE_QUORUM, now, type JobStruct } from "../helpers/verity.js";
import { BPS, NATIVE } from "../helpers/hub.js";
import { IRIS_INPUT, prove } from "../helpers/zk.js";
import {
  FEE,
  MIN_BOND,
  SALT,
  TOKEN_FEE,
  WRONG_OUTPUT,
  ascending,
  deployWithAllModes,
  inline,
  modeRequest,
  optimisticParams,
  quorumFulfillArgs,
  quorumParams,
  resolutionFor,
  type ModesSetup,
} from "../helpers/modes.js";

/**
 * Money conservation across the QUORUM and OPTIMISTIC modes: fees split among quorum signers, committed proposals
 * with their bonds and stake locks, challenges, ZK-settled resolutions, slashing (half credited, half burned),
 * expired challenges, refunds and withdrawals from both the hub and the operator registry. After every step, every
 * on-chain credit, earning, stake, lock and slash credit equals the model's, the game holds exactly the open bonds,
 * the hub exactly escrow + credits + earnings, the registry exactly stakes + unbonding + slash credits + the burn,
 * and what came in (fees, bonds, stakes) equals what is held plus what left.
 */

const { ethers, networkHelpers } = await network.create();

const MIN_STAKE = ethersLib.parseEther("0.5");
const WINDOWS = [600n, 3600n];

type Step =
  | { kind: "request"; optimistic: boolean; inToken: boolean; extra: bigint; by: number; k: number; w: number; bond: bigint; slash: bigint; deadlineDelay: number }
  // Moves one open job on by what its phase and the clock allow (see `act`).
  | { kind: "act"; pick: number; k: number; who: number; wrong: boolean; challenge: boolean }
  | { kind: "withdraw"; who: number; inToken: boolean; owed: boolean }
  | { kind: "withdrawSlash"; who: number }
  | { kind: "stake"; who: number; amount: bigint }
  | { kind: "unstake"; who: number; permille: number }
  | { kind: "protocolFee"; bps: number }
  | { kind: "wait"; seconds: number };

const pick = fc.nat();
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("request" as const),
      optimistic: fc.boolean(),
      inToken: fc.boolean(),
      extra: fc.bigInt({ min: 0n, max: 10n ** 16n }),
      by: fc.integer({ min: 0, max: 1 }),
      k: fc.integer({ min: 1, max: 3 }),
      w: fc.integer({ min: 0, max: 1 }),
      // Mostly at least the game's minimum, sometimes below it (the request is then refused).
      bond: fc.oneof(
        { weight: 6, arbitrary: fc.bigInt({ min: MIN_BOND, max: 10n ** 17n }) },
        { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: MIN_BOND - 1n }) },
      ),
      // Mostly within a proposer's 1 ETH, sometimes beyond it (the proposal is then refused for lack of free stake).
      slash: fc.oneof(
        { weight: 5, arbitrary: fc.bigInt({ min: 1n, max: 5n * 10n ** 17n }) },
        { weight: 1, arbitrary: fc.bigInt({ min: 10n ** 18n, max: 2n * 10n ** 18n }) },
      ),
      deadlineDelay: fc.integer({ min: 60, max: 4 * 3600 }),
    }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant("act" as const),
      pick,
      k: fc.integer({ min: 1, max: 3 }),
      who: fc.integer({ min: 0, max: 1 }),
      wrong: fc.boolean(),
      challenge: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("withdraw" as const), who: fc.nat(), inToken: fc.boolean(), owed: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("withdrawSlash" as const), who: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("stake" as const), who: fc.integer({ min: 0, max: 1 }), amount: fc.bigInt({ min: 1n, max: 10n ** 18n }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("unstake" as const), who: fc.integer({ min: 0, max: 1 }), permille: fc.integer({ min: 1, max: 1000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("protocolFee" as const), bps: fc.integer({ min: 0, max: 2_000 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("wait" as const), seconds: fc.integer({ min: 1, max: 1800 }) }) },
);

type Phase = "pending" | "proposed" | "challenged";
type OpenJob = {
  job: JobStruct;
  currency: string;
  optimistic: boolean;
  phase: Phase;
  bond: bigint;
  slash: bigint;
  window: bigint;
  proposer?: HardhatEthersSigner;
  challenger?: HardhatEthersSigner;
  wrong?: boolean;
  closesAt?: bigint;
};

/** The model: what the hub and the registry should hold and owe. */
class Ledger {
  jobs = new Map<bigint, OpenJob>();
  credits = new Map<string, bigint>(); // `${account}/${currency}`
  earnings = new Map<string, bigint>();
  stakes = new Map<string, { stake: bigint; locked: bigint; unbonding: bigint }>();
  slashCredits = new Map<string, bigint>();
  hubIn = new Map<string, bigint>(); // fees, and bonds the game paid out, per currency
  hubOut = new Map<string, bigint>();
  gameIn = 0n; // bonds posted
  gameOut = 0n; // bonds paid out (into the hub)
  staked = 0n;
  slashOut = 0n;
  burned = 0n;

  static add(m: Map<string, bigint>, k: string, v: bigint) {
    m.set(k, (m.get(k) ?? 0n) + v);
  }
  credit(account: string, currency: string, amount: bigint) {
    Ledger.add(this.credits, `${account}/${currency}`, amount);
  }
  creditOf(account: string, currency: string) {
    return this.credits.get(`${account}/${currency}`) ?? 0n;
  }
  stakeOf(a: string) {
    return this.stakes.get(a) ?? { stake: 0n, locked: 0n, unbonding: 0n };
  }
  escrow(currency: string) {
    let sum = 0n;
    for (const j of this.jobs.values()) if (j.currency === currency) sum += j.job.fee as bigint;
    return sum;
  }
  openBonds() {
    let sum = 0n;
    for (const j of this.jobs.values()) sum += j.phase === "proposed" ? j.bond : j.phase === "challenged" ? 2n * j.bond : 0n;
    return sum;
  }
  /** A bond the game credits at the hub. */
  payBond(account: string, amount: bigint) {
    this.credit(account, NATIVE, amount);
    Ledger.add(this.hubIn, NATIVE, amount);
    this.gameOut += amount;
  }
  lock(a: string, delta: bigint) {
    const s = this.stakeOf(a);
    this.stakes.set(a, { ...s, locked: s.locked + delta });
  }
  /** Fee split of a final job: model, protocol, operators (first gets the dust). */
  distribute(job: JobStruct, currency: string, operators: string[], treasury: string) {
    const rest = (job.fee as bigint) - (job.modelFee as bigint);
    const protocol = (rest * (job.protocolFeeBps as bigint)) / BPS;
    const share = rest - protocol;
    const each = share / BigInt(operators.length);
    Ledger.add(this.earnings, currency, job.modelFee as bigint);
    this.credit(treasury, currency, protocol);
    operators.forEach((o, i) => this.credit(o, currency, i === 0 ? share - each * BigInt(operators.length - 1) : each));
  }
}

describe("InferenceHub and OperatorRegistry money conservation across QUORUM and OPTIMISTIC (property)", function () {
  this.timeout(600_000);
  let proved: ProveMlpReturnType;

  async function fixture() {
    const c = await deployWithAllModes(ethers);
    await c.token.mint(c.other.address, 10n ** 24n);
    await c.token.connect(c.other).approve(await c.hub.getAddress(), ethersLib.MaxUint256);
    return c;
  }

  before(async function () {
    const c = await networkHelpers.loadFixture(fixture);
    // The true output (a resolution's proof is made per job and resolver, below).
    proved = await prove(c.weights, IRIS_INPUT, { jobId: 1n, submitter: c.other.address });
  });
  after(releaseZkWorkers);

  it("never creates or loses a wei, token unit or stake across fees, bonds, challenges, slashes and withdrawals", async function () {
    const RUNS = 24;
    const STEPS = 40;
    let steps = 0;
    const seen = new Set<string>();
    const trueOutput = encodeTensor(proved.output);
    const wrongOutput = encodeTensor(WRONG_OUTPUT);

    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: STEPS, maxLength: STEPS }), async (sequence) => {
        const c = await networkHelpers.loadFixture(fixture);
        const token = await c.token.getAddress();
        const currencyOf = (inToken: boolean) => (inToken ? token : NATIVE);
        const proposers = [c.operator, c.quorum[0]!];
        const challengers = [c.challenger, c.quorum[1]!];
        const signers = c.quorum.slice(2);
        const everyone = [c.requester, c.other, c.operator, c.challenger, c.treasury, ...c.quorum];
        const model = new Ledger();
        // Stakes the fixture made, as the model's starting point (the operator's includes the stake locked behind
        // its enclave key, which no step here touches).
        const lockedAtStart = new Map<string, bigint>();
        for (const a of [c.operator, ...c.quorum, c.smallStake, c.unbonding]) {
          const op = await c.operators.getOperator(a.address);
          lockedAtStart.set(a.address, op.locked);
          model.stakes.set(a.address, { stake: op.stake, locked: op.locked, unbonding: op.unbonding });
          model.staked += op.stake + op.unbonding;
        }
        model.hubIn.set(NATIVE, await ethers.provider.getBalance(await c.hub.getAddress()));
        model.hubIn.set(token, await c.token.balanceOf(await c.hub.getAddress()));

        const at = async () => {
          const t = (await now(c)) + 1n;
          await networkHelpers.time.setNextBlockTimestamp(t);
          return t;
        };
        const choose = <T>(xs: T[], i: number) => xs[i % xs.length]!;
        const settle = (jobId: bigint, operator: string) => {
          const j = model.jobs.get(jobId)!;
          model.distribute(j.job, j.currency, [operator], c.treasury.address);
          model.jobs.delete(jobId);
        };

        const run = async (step: Step): Promise<string> => {
          switch (step.kind) {
            case "request": {
              const from = [c.requester, c.other][step.by]!;
              const fee = step.inToken ? TOKEN_FEE + (step.extra % 10n ** 8n) : FEE + step.extra;
              const window = WINDOWS[step.w]!;
              const params = step.optimistic ? optimisticParams(window, step.bond, step.slash) : quorumParams(step.k, MIN_STAKE);
              const t = await at();
              const send = () =>
                modeRequest(c, step.optimistic ? MODE_OPTIMISTIC : MODE_QUORUM, params, {
                  token: step.inToken,
                  fee,
                  from,
                  deadline: t + BigInt(step.deadlineDelay),
                });
              if (step.optimistic && step.bond < MIN_BOND) {
                await expect(send()).to.be.revertedWithCustomError(c.game, "GameBondTooLow").withArgs(step.bond, MIN_BOND);
                return "request refused (bond)";
              }
              const { jobId, job } = await send();
              model.jobs.set(jobId, {
                job,
                currency: currencyOf(step.inToken),
                optimistic: step.optimistic,
                phase: "pending",
                bond: step.bond,
                slash: step.slash,
                window,
              });
              Ledger.add(model.hubIn, currencyOf(step.inToken), fee);
              return `request ${step.optimistic ? "optimistic" : "quorum"}`;
            }
            case "act": {
              if (model.jobs.size === 0) return "skip";
              const [jobId, j] = choose([...model.jobs.entries()], step.pick);
              const t = await at();
              const live = (j.job.deadline as bigint) >= t;
              if (j.phase === "pending" && !live) {
                await c.hub.connect(c.other).refund(jobId, j.job);
                model.credit(j.job.requester as string, j.currency, j.job.fee as bigint);
                model.jobs.delete(jobId);
                return "refund";
              }
              if (j.phase === "pending" && !j.optimistic) {
                const k = Number((j.job.params as bigint) & 0xffn);
                const chosen = ascending(signers.slice(0, Math.max(k, step.k)));
                await c.hub.connect(c.other).fulfill(...(await quorumFulfillArgs(c, jobId, j.job, chosen, trueOutput)));
                model.distribute(j.job, j.currency, chosen.map((s) => s.address), c.treasury.address);
                model.jobs.delete(jobId);
                return chosen.length > 1 ? "quorum fulfil (split)" : "quorum fulfil";
              }
              if (j.phase === "pending") {
                // Committed at t, revealed at t + 1, which must still be by the deadline.
                if ((j.job.deadline as bigint) === t) return "skip";
                const who = proposers[step.who]!;
                const s = model.stakeOf(who.address);
                const free = s.stake - s.locked;
                const output = step.wrong ? wrongOutput : trueOutput;
                const commitment = await c.game.proposalCommitment(jobId, who.address, ethersLib.keccak256(output), SALT);
                await c.game.connect(who).commitProposal(jobId, commitment);
                await networkHelpers.time.setNextBlockTimestamp(t + 1n);
                const send = () => c.game.connect(who).proposeResult(jobId, j.job, inline(output), SALT, { value: j.bond });
                if (free < j.slash) {
                  await expect(send())
                    .to.be.revertedWithCustomError(c.operators, "OperatorInsufficientStake")
                    .withArgs(who.address, j.slash, free);
                  return "propose refused (stake)";
                }
                await send();
                Object.assign(j, { phase: "proposed", proposer: who, wrong: step.wrong, closesAt: t + 1n + j.window });
                model.lock(who.address, j.slash);
                model.gameIn += j.bond;
                return step.wrong ? "propose wrong" : "propose right";
              }
              const output = j.wrong ? wrongOutput : trueOutput;
              if (j.phase === "proposed" && t > j.closesAt!) {
                await c.game.connect(c.other).finalize(jobId, j.job, inline(output));
                model.payBond(j.proposer!.address, j.bond);
                model.lock(j.proposer!.address, -j.slash);
                settle(jobId, j.proposer!.address);
                return j.wrong ? "finalize (an unchallenged wrong result stands)" : "finalize";
              }
              if (j.phase === "proposed") {
                const who = challengers.find((x) => x !== j.proposer && (step.challenge || x === challengers[step.who]))!;
                if (!step.challenge && !j.wrong) return "let it ride";
                await c.game.connect(who).challenge(jobId, j.job, { value: j.bond });
                Object.assign(j, { phase: "challenged", challenger: who, closesAt: t + j.window });
                model.gameIn += j.bond;
                return "challenge";
              }
              // Challenged: once the resolution period is over the proposal can only expire (when the step says so).
              if (t > j.closesAt!) {
                if (!step.challenge) return "leave expired";
                await c.game.connect(c.other).expireChallenge(jobId, j.job, inline(output));
                model.payBond(j.proposer!.address, 2n * j.bond);
                model.lock(j.proposer!.address, -j.slash);
                settle(jobId, j.proposer!.address);
                return "expire";
              }
              if (!step.wrong) return "leave unresolved";
              const { result: proofResult, attestation: proofAttestation } = await resolutionFor(c, jobId, c.other.address);
              await c.game.connect(c.other).resolveChallenge(jobId, j.job, proofResult, proofAttestation);
              if (!j.wrong) {
                // Upheld: the proposer keeps its bond, the resolver takes the challenger's.
                model.payBond(j.proposer!.address, j.bond);
                model.payBond(c.other.address, j.bond);
                model.lock(j.proposer!.address, -j.slash);
                settle(jobId, j.proposer!.address);
                return "resolve upheld";
              }
              // Overturned: the resolver takes the fee and the proposer's bond, the challenger gets its bond back and
              // half the slash; the other half is burned.
              model.payBond(j.challenger!.address, j.bond);
              model.payBond(c.other.address, j.bond);
              const s = model.stakeOf(j.proposer!.address);
              model.stakes.set(j.proposer!.address, { stake: s.stake - j.slash, locked: s.locked - j.slash, unbonding: s.unbonding });
              const toChallenger = j.slash / 2n;
              Ledger.add(model.slashCredits, j.challenger!.address, toChallenger);
              model.burned += j.slash - toChallenger;
              settle(jobId, c.other.address);
              return "resolve overturned";
            }
            case "withdraw": {
              const currency = currencyOf(step.inToken);
              // Half the time someone who is owed something, if anyone is.
              const owedSome = everyone.filter((a) => model.creditOf(a.address, currency) > 0n);
              const who = step.owed && owedSome.length > 0 ? choose(owedSome, step.who) : choose(everyone, step.who);
              const owed = model.creditOf(who.address, currency);
              await at();
              if (owed === 0n) {
                await expect(c.hub.connect(who).withdraw(currency)).to.be.revertedWithCustomError(c.hub, "HubNothingToWithdraw");
                return "nothing to withdraw";
              }
              await expect(c.hub.connect(who).withdraw(currency)).to.emit(c.hub, "Withdrawn").withArgs(who.address, currency, owed);
              model.credit(who.address, currency, -owed);
              Ledger.add(model.hubOut, currency, owed);
              return "withdraw";
            }
            case "withdrawSlash": {
              const who = challengers[step.who]!;
              const owed = model.slashCredits.get(who.address) ?? 0n;
              await at();
              if (owed === 0n) {
                await expect(c.operators.connect(who).withdrawSlashCredit()).to.be.revertedWithCustomError(c.operators, "OperatorNoSlashCredit");
                return "no slash credit";
              }
              await expect(c.operators.connect(who).withdrawSlashCredit()).to.emit(c.operators, "SlashCreditWithdrawn").withArgs(who.address, owed);
              model.slashCredits.set(who.address, 0n);
              model.slashOut += owed;
              return "withdraw slash credit";
            }
            case "stake": {
              const who = proposers[step.who]!;
              await at();
              await c.operators.connect(who).stake(step.amount, { value: step.amount });
              const s = model.stakeOf(who.address);
              model.stakes.set(who.address, { ...s, stake: s.stake + step.amount });
              model.staked += step.amount;
              return "stake";
            }
            case "unstake": {
              // Often a proposer with an open proposal: its locked stake cannot leave.
              const proposing = [...model.jobs.values()].filter((j) => j.proposer).map((j) => j.proposer!);
              const who = proposing.length > 0 && step.permille % 2 === 1 ? choose(proposing, step.permille) : proposers[step.who]!;
              const s = model.stakeOf(who.address);
              const free = s.stake - s.locked;
              await at();
              if (s.locked > 0n && step.permille % 3 === 0) {
                await expect(c.operators.connect(who).requestUnstake(s.stake))
                  .to.be.revertedWithCustomError(c.operators, "OperatorInsufficientStake")
                  .withArgs(who.address, s.stake, free);
                return "unstake refused (locked)";
              }
              const amount = (free * BigInt(step.permille)) / 1000n;
              if (amount === 0n) return "skip";
              await c.operators.connect(who).requestUnstake(amount);
              model.stakes.set(who.address, { ...s, stake: s.stake - amount, unbonding: s.unbonding + amount });
              return "unstake";
            }
            case "protocolFee":
              await c.hub.setProtocolFee(step.bps);
              return "protocol fee";
            case "wait":
              await networkHelpers.time.increase(step.seconds);
              return "wait";
          }
        };

        const check = async () => {
          const hub = await c.hub.getAddress();
          for (const currency of [NATIVE, token]) {
            let held = model.escrow(currency);
            for (const a of everyone) {
              const onChain = await c.hub.creditOf(a.address, currency);
              expect(onChain, `credit of ${a.address} in ${currency}`).to.equal(model.creditOf(a.address, currency));
              held += onChain;
            }
            const earned = await c.hub.modelEarnings(c.modelId, currency);
            expect(earned).to.equal(model.earnings.get(currency) ?? 0n);
            held += earned;
            const balance = currency === NATIVE ? await ethers.provider.getBalance(hub) : await c.token.balanceOf(hub);
            expect(balance, `hub balance in ${currency}`).to.equal(held);
            expect(model.hubIn.get(currency) ?? 0n, `hub in = held + out (${currency})`).to.equal(balance + (model.hubOut.get(currency) ?? 0n));
          }
          const gameBalance = await ethers.provider.getBalance(await c.game.getAddress());
          expect(gameBalance, "game balance = open bonds").to.equal(model.openBonds());
          expect(model.gameIn, "bonds in = held + paid out").to.equal(gameBalance + model.gameOut);
          let inRegistry = model.burned;
          expect(await c.operators.burned()).to.equal(model.burned);
          for (const [a, s] of model.stakes) {
            const op = await c.operators.getOperator(a);
            expect([op.stake, op.locked, op.unbonding], `stake of ${a}`).to.deep.equal([s.stake, s.locked, s.unbonding]);
            inRegistry += s.stake + s.unbonding;
          }
          for (const ch of challengers) {
            const credit = model.slashCredits.get(ch.address) ?? 0n;
            expect(await c.operators.slashCreditOf(ch.address)).to.equal(credit);
            inRegistry += credit;
          }
          const registryBalance = await ethers.provider.getBalance(await c.operators.getAddress());
          expect(registryBalance, "registry balance").to.equal(inRegistry);
          expect(model.staked, "staked = held + slash credits withdrawn").to.equal(registryBalance + model.slashOut);
          // Every open proposal's slash amount is locked (on top of what was locked at the start).
          for (const p of proposers) {
            const locked = [...model.jobs.values()].filter((j) => j.proposer === p).reduce((sum, j) => sum + j.slash, lockedAtStart.get(p.address) ?? 0n);
            expect((await c.operators.getOperator(p.address)).locked).to.equal(locked);
          }
          for (const [jobId, j] of model.jobs) {
            const status = { pending: 1n, proposed: 4n, challenged: 5n }[j.phase];
            expect((await c.hub.getJob(jobId)).status).to.equal(status);
          }
        };

        await check();
        for (const step of sequence) {
          seen.add(await run(step));
          await check();
          steps++;
        }
      }),
      { numRuns: RUNS, seed: 7 }, // fixed seed: the path-coverage check below must not depend on luck
    );
    expect(steps).to.equal(RUNS * STEPS);
    for (const path of [
      "request quorum",
      "request optimistic",
      "request refused (bond)",
      "quorum fulfil (split)",
      "propose right",
      "propose wrong",
      "propose refused (stake)",
      "challenge",
      "resolve upheld",
      "resolve overturned",
      "finalize",
      "expire",
      "refund",
      "withdraw",
      "withdraw slash credit",
      "unstake refused (locked)",
    ]) {
      expect(seen, `no step took the path "${path}"`).to.include(path);
    }
  });
});
