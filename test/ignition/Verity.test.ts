import { expect } from "chai";
import { network } from "hardhat";
import { ethers as E } from "ethers";
import VerityModule from "../../ignition/modules/Verity.js";
import { groth16VerifierMlpCodeHash, groth16VerifierMlpVkeyHash } from "../../sdk/src/bytecode.js";

const { ethers, ignition, networkHelpers } = await network.create();

const DAY = 24n * 3600n;
const PROPOSER_ROLE = E.id("PROPOSER_ROLE");
const CANCELLER_ROLE = E.id("CANCELLER_ROLE");
const EXECUTOR_ROLE = E.id("EXECUTOR_ROLE");

/** What `ignition.deploy(VerityModule)` returns. */
type Deployed = Awaited<ReturnType<typeof deployVerity>>;
/** Deploys the module with `parameters`; `attestors` (required) defaults to the deployer, as a local deployment. */
const deployVerity = async (parameters: Record<string, unknown> = {}) => {
  const [deployer] = await ethers.getSigners();
  return ignition.deploy(VerityModule, { parameters: { Verity: { attestors: [deployer!.address], ...parameters } } as never });
};
/** The deployment's failure message (undefined if it succeeded). */
const failureOf = (parameters: Record<string, unknown>) =>
  ignition.deploy(VerityModule, { parameters: { Verity: parameters } as never }).then(
    () => undefined,
    (e: Error) => e.message,
  );

/** `fn(...args)` on a deployed contract, as a view. */
const read = (contract: { getFunction(name: string): (...args: unknown[]) => Promise<unknown> }, fn: string, ...args: unknown[]) =>
  contract.getFunction(fn)(...args);

/** The ids and calldata of a timelocked `hub.setProtocolFee(bps)`. */
async function feeCall(d: Deployed, bps: number) {
  const target = await d.hub.getAddress();
  const data = d.hub.interface.encodeFunctionData("setProtocolFee", [bps]);
  return { target, data, args: [target, 0n, data, E.ZeroHash, E.ZeroHash] as const };
}

describe("Ignition module Verity", function () {
  this.timeout(120_000);

  it("deploys the hub, both registries, the committee, ZK verifier and game wired to each other, all owned by the timelock", async function () {
    const [deployer] = await ethers.getSigners();
    const d = await deployVerity();
    const [hub, registry, enclaves, committee, zk, game, groth16, timelock] = await Promise.all(
      [d.hub, d.operatorRegistry, d.enclaveRegistry, d.attestorCommittee, d.zkVerifier, d.optimisticGame, d.groth16VerifierMlp, d.timelock].map((x) =>
        x.getAddress(),
      ),
    );
    expect(await read(d.operatorRegistry, "hub")).to.equal(hub);
    expect(await read(d.hub, "operatorRegistry")).to.equal(registry);
    expect(await read(d.hub, "modelRegistry")).to.equal(hub);
    expect(await read(d.hub, "verifierOf", 1)).to.equal(enclaves);
    expect(await read(d.hub, "verifierOf", 3)).to.equal(registry);
    // The TEE mode: the enclave registry, tied to the hub and the operator registry, asking the committee.
    expect(await read(d.hub, "enclaveRegistry")).to.equal(enclaves);
    expect(await read(d.operatorRegistry, "enclaveRegistry")).to.equal(enclaves);
    expect(await read(d.enclaveRegistry, "hub")).to.equal(hub);
    expect(await read(d.enclaveRegistry, "operatorRegistry")).to.equal(registry);
    expect(await read(d.enclaveRegistry, "attestationVerifier", 1)).to.equal(committee);
    expect(await read(d.enclaveRegistry, "attestationVerifier", 2)).to.equal(committee);
    expect(await read(d.enclaveRegistry, "keyLifetime")).to.equal(7n * DAY);
    expect(await read(d.enclaveRegistry, "minTeeStake")).to.equal(10n ** 17n);
    expect(await read(d.attestorCommittee, "attestors")).to.deep.equal([deployer!.address]);
    expect(await read(d.attestorCommittee, "threshold")).to.equal(1n);
    expect(await read(d.operatorRegistry, "disputeVerifier")).to.equal(zk);
    expect(await read(d.hub, "verifierOf", 2)).to.equal(zk);
    expect(await read(d.hub, "verifierOf", 4)).to.equal(game);
    expect(await read(d.optimisticGame, "hub")).to.equal(hub);
    expect(await read(d.optimisticGame, "zkVerifier")).to.equal(zk);
    expect(await read(d.optimisticGame, "minBond")).to.equal(10n ** 16n);
    // The reference circuit is allowed, by the code hash of the deployed Groth16 verifier and its key.
    expect(E.keccak256(await ethers.provider.getCode(groth16!))).to.equal(groth16VerifierMlpCodeHash);
    expect(await read(d.zkVerifier, "isCircuitAllowed", groth16VerifierMlpCodeHash, groth16VerifierMlpVkeyHash)).to.equal(true);
    expect(await read(d.hub, "treasury")).to.equal(deployer!.address);
    expect(await read(d.operatorRegistry, "unbondingDelay")).to.equal(7n * DAY);
    // Governance is the timelock: it owns all five, with nothing pending.
    for (const owned of [d.hub, d.operatorRegistry, d.enclaveRegistry, d.attestorCommittee, d.zkVerifier]) {
      expect(await read(owned, "owner")).to.equal(timelock);
      expect(await read(owned, "pendingOwner")).to.equal(E.ZeroAddress);
    }
    expect(await read(d.timelock, "getMinDelay")).to.equal(2n * DAY);
    // With the default governor (the deployer), the deployer schedules and cancels; anyone executes.
    expect(await read(d.timelock, "hasRole", PROPOSER_ROLE, deployer!.address)).to.equal(true);
    expect(await read(d.timelock, "hasRole", CANCELLER_ROLE, deployer!.address)).to.equal(true);
    expect(await read(d.timelock, "hasRole", EXECUTOR_ROLE, E.ZeroAddress)).to.equal(true);
    // The deployer is no admin: only the timelock administers its roles.
    const admin = await read(d.timelock, "DEFAULT_ADMIN_ROLE");
    expect(await read(d.timelock, "hasRole", admin, deployer!.address)).to.equal(false);
    expect(await read(d.timelock, "hasRole", admin, timelock)).to.equal(true);
  });

  it("takes the treasury, stake token, unbonding delay, governor, governance delay, minimum bond and TEE settings as parameters", async function () {
    const [deployer, treasury, governor] = await ethers.getSigners();
    const token = await ethers.deployContract("TestToken", ["Stake", "STK"]);
    const attestors = [1, 2, 3].map((n) => new E.Wallet(E.id(`attestor ${n}`)).address);
    const d = await deployVerity({
      treasury: treasury!.address,
      stakeToken: await token.getAddress(),
      unbondingDelay: 6n * DAY,
      governor: governor!.address,
      governanceDelay: 3n * DAY,
      minBond: 123n,
      attestors,
      attestorThreshold: 2n,
      keyLifetime: 2n * DAY,
      minTeeStake: 5n,
    });
    expect([...((await read(d.attestorCommittee, "attestors")) as string[])].sort()).to.deep.equal([...attestors].sort());
    expect(await read(d.attestorCommittee, "threshold")).to.equal(2n);
    expect(await read(d.attestorCommittee, "isAttestor", deployer!.address)).to.equal(false);
    expect(await read(d.enclaveRegistry, "keyLifetime")).to.equal(2n * DAY);
    expect(await read(d.enclaveRegistry, "minTeeStake")).to.equal(5n);
    expect(await read(d.hub, "treasury")).to.equal(treasury!.address);
    expect(await read(d.operatorRegistry, "stakeToken")).to.equal(await token.getAddress());
    expect(await read(d.operatorRegistry, "unbondingDelay")).to.equal(6n * DAY);
    expect(await read(d.optimisticGame, "minBond")).to.equal(123n);
    expect(await read(d.timelock, "getMinDelay")).to.equal(3n * DAY);
    // The governor holds the proposer and canceller roles; the deployer holds none.
    for (const role of [PROPOSER_ROLE, CANCELLER_ROLE]) {
      expect(await read(d.timelock, "hasRole", role, governor!.address)).to.equal(true);
      expect(await read(d.timelock, "hasRole", role, deployer!.address)).to.equal(false);
    }
  });

  it("refuses an unbonding delay shorter than the longest dispute, and a key lifetime outside 1 hour .. 30 days", async function () {
    const [deployer] = await ethers.getSigners();
    const attestors = [deployer!.address];
    expect(await failureOf({ attestors, unbondingDelay: 3600n })).to.match(/OperatorInvalidUnbondingDelay\(3600\)/);
    expect(await failureOf({ attestors, keyLifetime: 31n * DAY })).to.match(/EnclaveInvalidKeyLifetime\(2678400\)/);
  });

  it("requires at least one attestor and a threshold they can meet, refusing before anything is deployed", async function () {
    const [deployer] = await ethers.getSigners();
    const nonce = await ethers.provider.getTransactionCount(deployer!.address);
    // No attestors given: Ignition refuses before sending anything (it cannot default a list to the deployer).
    expect(await failureOf({})).to.match(/attestors/);
    // None, or fewer than the threshold: the committee, deployed first, refuses.
    expect(await failureOf({ attestors: [] })).to.match(/CommitteeInvalidThreshold\(1, 0\)/);
    expect(await failureOf({ attestors: [deployer!.address], attestorThreshold: 2n })).to.match(/CommitteeInvalidThreshold\(2, 1\)/);
    expect(await failureOf({ attestors: [deployer!.address], attestorThreshold: 0n })).to.match(/CommitteeInvalidThreshold\(0, 1\)/);
    expect(await failureOf({ attestors: [E.ZeroAddress] })).to.match(/CommitteeInvalidAttestorUpdate/);
    // Every other contract waits for the committee: no transaction was sent.
    expect(await ethers.provider.getTransactionCount(deployer!.address)).to.equal(nonce);
  });

  describe("governance through the timelock", function () {
    async function governed() {
      const [deployer, , governor, stranger] = await ethers.getSigners();
      const d = await deployVerity({ governor: governor!.address, governanceDelay: DAY });
      return { d, deployer: deployer!, governor: governor!, stranger: stranger! };
    }

    it("executes a call the governor scheduled only once the delay has passed", async function () {
      const { d, governor, stranger } = await governed();
      const timelock = d.timelock.connect(governor);
      const { args } = await feeCall(d, 500);
      const id = await read(d.timelock, "hashOperation", ...args);
      // Shorter than the minimum delay: refused.
      await expect(timelock.getFunction("schedule")(...args, DAY - 1n))
        .to.be.revertedWithCustomError(d.timelock, "TimelockInsufficientDelay")
        .withArgs(DAY - 1n, DAY);
      await timelock.getFunction("schedule")(...args, DAY);
      const readyAt = (await read(d.timelock, "getTimestamp", id)) as bigint;
      // Not before the delay: the operation is still waiting (anyone may execute, but only when it is ready).
      const READY = E.toBeHex(1n << 2n, 32);
      await expect(d.timelock.connect(stranger).getFunction("execute")(...args))
        .to.be.revertedWithCustomError(d.timelock, "TimelockUnexpectedOperationState")
        .withArgs(id, READY);
      await networkHelpers.time.setNextBlockTimestamp(readyAt - 1n);
      await expect(d.timelock.connect(stranger).getFunction("execute")(...args))
        .to.be.revertedWithCustomError(d.timelock, "TimelockUnexpectedOperationState")
        .withArgs(id, READY);
      expect(await read(d.hub, "protocolFeeBps")).to.equal(0n);
      // After it, anyone executes, and the hub sees the timelock as its owner.
      await networkHelpers.time.setNextBlockTimestamp(readyAt);
      await expect(d.timelock.connect(stranger).getFunction("execute")(...args))
        .to.emit(d.hub, "ProtocolFeeUpdated")
        .withArgs(0, 500);
      expect(await read(d.hub, "protocolFeeBps")).to.equal(500n);
      expect(await read(d.timelock, "isOperationDone", id)).to.equal(true);
    });

    it("refuses scheduling by anyone but the governor, the deployer included", async function () {
      const { d, deployer, stranger } = await governed();
      const { args } = await feeCall(d, 500);
      for (const who of [deployer, stranger]) {
        await expect(d.timelock.connect(who).getFunction("schedule")(...args, DAY))
          .to.be.revertedWithCustomError(d.timelock, "AccessControlUnauthorizedAccount")
          .withArgs(who.address, PROPOSER_ROLE);
      }
    });

    it("refuses direct owner calls from the deployer (OwnableUnauthorizedAccount)", async function () {
      const { d, deployer } = await governed();
      const calls: [typeof d.hub, string, unknown[]][] = [
        [d.hub, "setProtocolFee", [500]],
        [d.hub, "setPaused", [true]],
        [d.hub, "setVerifier", [2, deployer.address]],
        [d.operatorRegistry, "setUnbondingDelay", [10n * DAY]],
        [d.enclaveRegistry, "approveMeasurement", [E.id("a measurement"), 1]],
        [d.enclaveRegistry, "setAttestationVerifier", [1, deployer.address]],
        [d.attestorCommittee, "setAttestor", [deployer.address, true]],
        [d.attestorCommittee, "setThreshold", [1n]],
        [d.zkVerifier, "setCircuitAllowed", [groth16VerifierMlpCodeHash, groth16VerifierMlpVkeyHash, false]],
      ];
      for (const [contract, fn, args] of calls) {
        await expect(contract.connect(deployer).getFunction(fn)(...args))
          .to.be.revertedWithCustomError(contract, "OwnableUnauthorizedAccount")
          .withArgs(deployer.address);
      }
      expect(await read(d.hub, "paused")).to.equal(false);
    });

    it("approves a measurement and rotates an attestor only through the timelock, after the delay", async function () {
      const { d, governor, stranger } = await governed();
      const measurement = E.id("a measurement");
      const attestor = new E.Wallet(E.id("a new attestor")).address;
      const targets = [await d.enclaveRegistry.getAddress(), await d.attestorCommittee.getAddress()];
      const payloads = [
        d.enclaveRegistry.interface.encodeFunctionData("approveMeasurement", [measurement, 1]),
        d.attestorCommittee.interface.encodeFunctionData("setAttestor", [attestor, true]),
      ];
      const args = [targets, [0n, 0n], payloads, E.ZeroHash, E.ZeroHash] as const;
      await d.timelock.connect(governor).getFunction("scheduleBatch")(...args, DAY);
      await expect(d.timelock.connect(stranger).getFunction("executeBatch")(...args)).to.be.revertedWithCustomError(
        d.timelock,
        "TimelockUnexpectedOperationState",
      );
      await networkHelpers.time.increase(DAY);
      await d.timelock.connect(stranger).getFunction("executeBatch")(...args);
      expect(await read(d.enclaveRegistry, "getMeasurement", measurement)).to.deep.equal([1n, 1n]);
      expect(await read(d.attestorCommittee, "isAttestor", attestor)).to.equal(true);
    });
  });
});
