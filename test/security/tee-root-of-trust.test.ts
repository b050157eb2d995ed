/**
 * The TEE root of trust (review finding: "anyone can register an enclave key"). The OperatorRegistry used to take any
 * key its operator signed for, on a measurement and an attestation document hash nobody checked, with no stake: an
 * attacker with many accounts could register keys of its own, sign any output, and be paid for it, losing nothing.
 * Now a key lives in the EnclaveRegistry only if the TEE type's attestation verifier (a k-of-n AttestorCommittee)
 * vouches for evidence naming the key, the measurement and the operator; the key proves possession for that
 * operator; stake of the operator is locked behind it; it expires; governance can revoke its measurement; and a ZK
 * proof that a result it signed is wrong slashes all of that stake. Every refusal here is checked with its error's
 * arguments and with keys, stakes, locks, slash credits and balances unchanged.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ethers as E } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { releaseZkWorkers } from "../../sdk/src/proofs/zk.js";
import {
  ATTESTORS,
  EVIDENCE_HASH,
  KEY_RELEASE_DELAY,
  KEY_STAKE,
  MEASUREMENT,
  MIN_TEE_STAKE,
  MODE_TEE,
  OPERATOR_STAKE,
  TEE_NITRO,
  attestorApproval,
  byAddress,
  committeeDomain,
  deployWithTeeModel,
  enclaveDomain,
  enclaveRegistration,
  KEY_REGISTRATION_TYPES,
  APPROVAL_TYPES,
  now,
  reattestation,
  request,
  type Core,
  type RegisterEnclaveOptions,
  type TeeSetup,
} from "../helpers/verity.js";
import { JobStatus, expectRefused, fulfillArgs } from "../helpers/hub.js";
import {
  WRONG_TEE_OUTPUT,
  deployWithTeeDisputes,
  expectKeyRefused,
  signedTeeJob,
  teeDisputeArgs,
  teeSignature,
} from "../helpers/enclaves.js";
import { modeRequest } from "../helpers/modes.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const KeyStatus = { None: 0n, Active: 1n, Revoked: 2n, Slashed: 3n, Released: 4n } as const;
/** The attacker's own "attestors" and enclave keys: wallets it controls. */
const FAKE_ATTESTORS = [1, 2, 3].map((n) => new E.Wallet(E.id(`attacker attestor ${n}`)));
const attackerKey = (i: number) => new E.Wallet(E.id(`attacker enclave key ${i}`));

/** The TEE fixture plus the attacker's five accounts (signers 15-19), none staked, and a pending TEE job. */
async function teeSystem() {
  const c = await deployWithTeeModel(ethers);
  const signers = await ethers.getSigners();
  const sybils = signers.slice(15, 20) as HardhatEthersSigner[];
  if (sybils.length !== 5) throw new Error("the network needs 20 accounts");
  const job = await request(c, { deadline: (await now(c)) + 20n * 24n * 3600n });
  return { ...c, sybils, attacker: sybils[0]!, pending: job };
}

type System = Awaited<ReturnType<typeof teeSystem>>;

/** The attacker staked 1 ETH: enough stake, so only the attestation stands in its way. */
async function stakedAttacker() {
  const c = await teeSystem();
  await c.operators.connect(c.attacker).stake(E.parseEther("1"), { value: E.parseEther("1") });
  return c;
}

async function disputes() {
  return deployWithTeeDisputes(ethers);
}

/** Registering `key` from `from` with the given overrides is refused with `error(...args)`, nothing moved. */
async function expectRegistrationRefused(
  c: Core,
  from: HardhatEthersSigner,
  key: E.Wallet,
  o: RegisterEnclaveOptions & { proof?: string; keyProof?: string },
  source: { interface: E.Interface },
  error: string,
  args: unknown[],
) {
  const r = await enclaveRegistration(c, key, { operator: from, ...o });
  const keyProof = o.keyProof ?? r.keyProof;
  const proof = o.proof ?? r.proof;
  await expectKeyRefused(
    c, () => c.enclaves.connect(from).registerEnclaveKey(r.registration, keyProof, proof),
    source as never, error, args, [key.address], [from.address, c.operator.address],
  );
}

/** A fulfilment of the pending job signed by `key` is refused with the TEE check's `error(...args)`. */
async function expectFulfilRefused(c: System, key: E.Wallet, from: HardhatEthersSigner, error: string, args: unknown[]) {
  const { jobId, job } = c.pending;
  await expectRefused(c as unknown as TeeSetup, async () => c.hub.connect(from).fulfill(...(await fulfillArgs(c as unknown as TeeSetup, jobId, job, { enclave: key }))), c.tee, error, args, [
    c.requester.address, from.address, c.operator.address,
  ]);
  expect((await c.hub.getJob(jobId)).status).to.equal(JobStatus.Pending);
}

describe("security: the TEE root of trust (enclave keys need attested evidence, stake, freshness)", function () {
  this.timeout(240_000);
  after(releaseZkWorkers);

  describe("(a) no stake, no key", function () {
    it("refuses every unstaked account of a sybil attacker, even with a real committee approval, and so its results", async function () {
      const c = await loadFixture(teeSystem);
      for (const [i, sybil] of c.sybils.entries()) {
        await expectRegistrationRefused(c, sybil, attackerKey(i), {}, c.operators, "OperatorInsufficientStake", [sybil.address, MIN_TEE_STAKE, 0n]);
        expect(await c.enclaves.activeEnclaveOperator(attackerKey(i).address, MEASUREMENT)).to.equal(E.ZeroAddress);
        await expectFulfilRefused(c, attackerKey(i), sybil, "TeeUnknownKey", [attackerKey(i).address]);
      }
    });

    it("refuses dust: less than the least stake, or more than the account's free stake", async function () {
      const c = await loadFixture(teeSystem);
      const [dust, small] = c.sybils as [HardhatEthersSigner, HardhatEthersSigner];
      await c.operators.connect(dust).stake(1n, { value: 1n });
      await expectRegistrationRefused(c, dust, attackerKey(0), { stake: 1n }, c.enclaves, "EnclaveStakeTooLow", [1n, MIN_TEE_STAKE]);
      const half = MIN_TEE_STAKE / 2n;
      await c.operators.connect(small).stake(half, { value: half });
      await expectRegistrationRefused(c, small, attackerKey(1), {}, c.operators, "OperatorInsufficientStake", [small.address, MIN_TEE_STAKE, half]);
    });

    it("backs keys with a stake only up to its size: locked stake backs no second key and cannot be unstaked", async function () {
      const c = await loadFixture(stakedAttacker);
      const ONE = E.parseEther("1");
      const all = await enclaveRegistration(c, attackerKey(0), { operator: c.attacker, stake: ONE });
      await c.enclaves.connect(c.attacker).registerEnclaveKey(all.registration, all.keyProof, all.proof);
      await expectRegistrationRefused(c, c.attacker, attackerKey(1), {}, c.operators, "OperatorInsufficientStake", [c.attacker.address, MIN_TEE_STAKE, 0n]);
      await expectKeyRefused(c, () => c.operators.connect(c.attacker).requestUnstake(1n), c.operators, "OperatorInsufficientStake", [
        c.attacker.address, 1n, 0n,
      ], [attackerKey(0).address], [c.attacker.address]);
    });
  });

  describe("(b) no committee approval, no key", function () {
    it("refuses a key without approval, with approvals from non-attestors, or from 1 of the 2 attestors needed", async function () {
      const c = await loadFixture(stakedAttacker);
      const key = attackerKey(0);
      const base = await enclaveRegistration(c, key, { operator: c.attacker });
      const claim = {
        teeType: TEE_NITRO, evidenceHash: EVIDENCE_HASH, measurement: MEASUREMENT, key: key.address,
        operator: c.attacker.address, expiresAt: base.registration.expiresAt,
      };
      const [first] = byAddress(FAKE_ATTESTORS);
      const [honest] = byAddress(ATTESTORS);
      const mixed = byAddress([honest!, FAKE_ATTESTORS[0]!]);
      const cases: [string, string, unknown[]][] = [
        ["0x", "CommitteeMalformedProof", [0n]],
        [await attestorApproval(c, claim, FAKE_ATTESTORS.slice(0, 2)), "CommitteeNotAttestor", [0n, byAddress(FAKE_ATTESTORS.slice(0, 2))[0]!.address]],
        [await attestorApproval(c, claim, FAKE_ATTESTORS), "CommitteeNotAttestor", [0n, first!.address]],
        [await attestorApproval(c, claim, [honest!]), "CommitteeBelowThreshold", [1n, 2n]],
        [await attestorApproval(c, claim, mixed), "CommitteeNotAttestor", [BigInt(mixed.indexOf(FAKE_ATTESTORS[0]!)), FAKE_ATTESTORS[0]!.address]],
        [E.concat([await attestorApproval(c, claim, [honest!]), await attestorApproval(c, claim, [honest!])]), "CommitteeSignersNotAscending", [1n, honest!.address]],
      ];
      for (const [proof, error, args] of cases) {
        await expectRegistrationRefused(c, c.attacker, key, { proof }, c.committee, error, args);
      }
      await expectFulfilRefused(c, key, c.attacker, "TeeUnknownKey", [key.address]);
    });

    it("refuses an approval made under another committee's or another chain's domain", async function () {
      const c = await loadFixture(stakedAttacker);
      const key = attackerKey(0);
      const base = await enclaveRegistration(c, key, { operator: c.attacker });
      const claim = {
        teeType: TEE_NITRO, evidenceHash: EVIDENCE_HASH, measurement: MEASUREMENT, key: key.address,
        operator: c.attacker.address, expiresAt: base.registration.expiresAt,
      };
      const domain = await committeeDomain(c);
      for (const other of [{ verifyingContract: await c.enclaves.getAddress() }, { chainId: 10n }]) {
        const sigs = await Promise.all(byAddress(ATTESTORS.slice(0, 2)).map((a) => a.signTypedData({ ...domain, ...other }, APPROVAL_TYPES, claim)));
        const recovered = E.verifyTypedData(domain, APPROVAL_TYPES, claim, sigs[0]!);
        await expectRegistrationRefused(c, c.attacker, key, { proof: E.concat(sigs) }, c.committee, "CommitteeNotAttestor", [0n, recovered]);
      }
    });
  });

  describe("(c) evidence approved for one operator does not register the key for another", function () {
    it("refuses B's copy of A's registration (the key proof names A) and B's key with A's approval (the approval names A)", async function () {
      const c = await loadFixture(stakedAttacker);
      const key = attackerKey(7);
      // A (the fixture's operator) has its evidence approved and its key proof; B (the attacker) copies both.
      const a = await enclaveRegistration(c, key, { operator: c.operator });
      const domain = await enclaveDomain(c);
      const asB = { operator: c.attacker.address, teeType: TEE_NITRO, measurement: MEASUREMENT, evidenceHash: EVIDENCE_HASH };
      const recoveredProof = E.verifyTypedData(domain, KEY_REGISTRATION_TYPES, asB, a.keyProof);
      await expectKeyRefused(c, () => c.enclaves.connect(c.attacker).registerEnclaveKey(a.registration, a.keyProof, a.proof), c.enclaves, "EnclaveKeyProofInvalid", [
        key.address, recoveredProof,
      ], [key.address], [c.attacker.address, c.operator.address]);
      // B even holds the key (its proof names B), but the attestors vouched for A.
      const b = await enclaveRegistration(c, key, { operator: c.attacker, expiresAt: a.registration.expiresAt });
      const claimB = { ...asB, key: key.address, expiresAt: a.registration.expiresAt };
      const recoveredApproval = E.verifyTypedData(await committeeDomain(c), APPROVAL_TYPES, claimB, E.dataSlice(a.proof, 0, 65));
      await expectKeyRefused(c, () => c.enclaves.connect(c.attacker).registerEnclaveKey(b.registration, b.keyProof, a.proof), c.committee, "CommitteeNotAttestor", [
        0n, recoveredApproval,
      ], [key.address], [c.attacker.address, c.operator.address]);
      // A's own registration still goes through: the attempts burned nothing.
      await c.enclaves.connect(c.operator).registerEnclaveKey(a.registration, a.keyProof, a.proof);
      expect(await c.enclaves.activeEnclaveOperator(key.address, MEASUREMENT)).to.equal(c.operator.address);
    });

    it("refuses another operator's re-attestation of a key it does not own", async function () {
      const c = await loadFixture(stakedAttacker);
      const args = await reattestation(c, c.enclave, { operator: c.attacker });
      await expectKeyRefused(c, () => c.enclaves.connect(c.attacker).reattestEnclaveKey(...args), c.enclaves, "EnclaveKeyNotOwned", [
        c.enclave.address, c.attacker.address,
      ], [c.enclave.address], [c.attacker.address, c.operator.address]);
    });
  });

  describe("(d) an expired key signs nothing until re-attested", function () {
    it("refuses its results with TeeKeyExpired, and accepts them again after reattestEnclaveKey", async function () {
      const c = await loadFixture(teeSystem);
      const expiresAt = BigInt((await c.enclaves.getEnclaveKey(c.enclave.address)).expiresAt);
      await time.increaseTo(expiresAt + 1n);
      await expectFulfilRefused(c, c.enclave, c.operator, "TeeKeyExpired", [c.enclave.address, expiresAt]);
      await c.enclaves.connect(c.operator).reattestEnclaveKey(...(await reattestation(c, c.enclave)));
      const { jobId, job } = c.pending;
      await expect(c.hub.connect(c.operator).fulfill(...(await fulfillArgs(c as unknown as TeeSetup, jobId, job))))
        .to.emit(c.hub, "InferenceFulfilled");
    });
  });

  describe("(e) a measurement governance revoked signs nothing", function () {
    it("refuses its keys' results (TeeMeasurementNotApproved), their re-attestation and new keys on it; the stake is released as usual", async function () {
      const c = await loadFixture(stakedAttacker);
      await c.enclaves.connect(c.governance).revokeMeasurement(MEASUREMENT);
      await expectFulfilRefused(c, c.enclave, c.operator, "TeeMeasurementNotApproved", [MEASUREMENT, 2n]);
      const args = await reattestation(c, c.enclave);
      await expectKeyRefused(c, () => c.enclaves.connect(c.operator).reattestEnclaveKey(...args), c.enclaves, "EnclaveMeasurementNotApproved", [
        MEASUREMENT,
      ], [c.enclave.address]);
      await expectRegistrationRefused(c, c.attacker, attackerKey(0), {}, c.enclaves, "EnclaveMeasurementNotApproved", [MEASUREMENT]);
      // Not a slash: the operator revokes and gets its stake back after the delay.
      await c.enclaves.connect(c.operator).revokeEnclaveKey(c.enclave.address);
      await time.increase(KEY_RELEASE_DELAY);
      await expect(c.enclaves.connect(c.operator).releaseEnclaveKey(c.enclave.address))
        .to.emit(c.enclaves, "EnclaveKeyReleased").withArgs(c.enclave.address, c.operator.address, KEY_STAKE);
    });
  });

  describe("(f) a TEE result proven wrong slashes the key", function () {
    /** The operator's stake record, the disputer's slash credit and the burn. */
    async function money(c: Awaited<ReturnType<typeof disputes>>, disputer: string) {
      const op = await c.operators.getOperator(c.operator.address);
      return { stake: op.stake, locked: op.locked, credit: await c.operators.slashCreditOf(disputer), burned: await c.operators.burned() };
    }

    it("slashes all the key's stake with a real Groth16 proof of the true output: half to the disputer, half burned; the key is dead", async function () {
      const c = await loadFixture(disputes);
      const { jobId, job, signature } = await signedTeeJob(c);
      const disputer = c.challenger;
      const { args, provenOutput } = await teeDisputeArgs(c, jobId, job, signature, disputer.address);
      const before = await money(c, disputer.address);
      expect(before.locked).to.equal(KEY_STAKE);

      const tx = await c.enclaves.connect(disputer).disputeTeeResult(...args);
      await expect(tx)
        .to.emit(c.enclaves, "TeeResultDisputed")
        .withArgs(jobId, c.enclave.address, c.operator.address, E.keccak256(WRONG_TEE_OUTPUT), E.keccak256(provenOutput), disputer.address);
      const half = KEY_STAKE / 2n;
      await expect(tx)
        .to.emit(c.operators, "OperatorSlashed")
        .withArgs(c.operator.address, jobId, half, disputer.address, KEY_STAKE - half);
      expect(await money(c, disputer.address)).to.deep.equal({
        stake: before.stake - KEY_STAKE, locked: 0n, credit: half, burned: before.burned + KEY_STAKE - half,
      });
      const key = await c.enclaves.getEnclaveKey(c.enclave.address);
      expect([key.status, key.stake]).to.deep.equal([KeyStatus.Slashed, 0n]);
      expect(await c.enclaves.activeEnclaveOperator(c.enclave.address, MEASUREMENT)).to.equal(E.ZeroAddress);
      // The disputer is paid its half; the other half never leaves the registry.
      await expect(c.operators.connect(disputer).withdrawSlashCredit()).to.changeEtherBalance(ethers, disputer, half);

      // The key signs nothing any more.
      const next = await signedTeeJob(c, WRONG_TEE_OUTPUT).then(
        () => { throw new Error("a slashed key's result was accepted"); },
        (e: Error) => e,
      );
      expect(next.message).to.match(/TeeUnknownKey/);
      // A second dispute finds nothing to slash.
      await expectKeyRefused(c, () => c.enclaves.connect(disputer).disputeTeeResult(...args), c.enclaves, "EnclaveDisputeKeyNotSlashable", [
        c.enclave.address, KeyStatus.Slashed,
      ], [c.enclave.address], [c.operator.address, disputer.address]);
    });

    it("refuses a dispute whose proven output is the one the key signed (EnclaveDisputeOutputsAgree)", async function () {
      const c = await loadFixture(disputes);
      const honest = await signedTeeJob(c, WRONG_TEE_OUTPUT);
      const { provenOutput } = await teeDisputeArgs(c, honest.jobId, honest.job, honest.signature, c.challenger.address);
      // A job the enclave answered truly.
      const { jobId, job, signature } = await signedTeeJob(c, provenOutput);
      const { args } = await teeDisputeArgs(c, jobId, job, signature, c.challenger.address, provenOutput);
      await expectKeyRefused(c, () => c.enclaves.connect(c.challenger).disputeTeeResult(...args), c.enclaves, "EnclaveDisputeOutputsAgree", [
        jobId, E.keccak256(provenOutput),
      ], [c.enclave.address], [c.operator.address, c.challenger.address]);
    });

    it("gives the operator no escape: revoking keeps the stake locked and slashable, no early release, no unstaking", async function () {
      const c = await loadFixture(disputes);
      const { jobId, job, signature } = await signedTeeJob(c);
      // The operator sees its wrong answer published and tries to leave with the stake.
      await c.enclaves.connect(c.operator).revokeEnclaveKey(c.enclave.address);
      const releaseAt = (await c.enclaves.getEnclaveKey(c.enclave.address)).releaseAt;
      expect(releaseAt).to.equal((await now(c)) + KEY_RELEASE_DELAY);
      const keys = [c.enclave.address];
      const accounts = [c.operator.address, c.challenger.address];
      await expectKeyRefused(c, () => c.enclaves.connect(c.operator).releaseEnclaveKey(c.enclave.address), c.enclaves, "EnclaveKeyNotReleasable", [
        c.enclave.address, KeyStatus.Revoked, releaseAt,
      ], keys, accounts);
      await expectKeyRefused(c, () => c.operators.connect(c.operator).requestUnstake(OPERATOR_STAKE + KEY_STAKE), c.operators, "OperatorInsufficientStake", [
        c.operator.address, OPERATOR_STAKE + KEY_STAKE, OPERATOR_STAKE,
      ], keys, accounts);
      await time.setNextBlockTimestamp(releaseAt - 1n);
      await expectKeyRefused(c, () => c.enclaves.connect(c.operator).releaseEnclaveKey(c.enclave.address), c.enclaves, "EnclaveKeyNotReleasable", [
        c.enclave.address, KeyStatus.Revoked, releaseAt,
      ], keys, accounts);
      // Within the delay, the proof still takes all of it.
      const { args } = await teeDisputeArgs(c, jobId, job, signature, c.challenger.address);
      await expect(c.enclaves.connect(c.challenger).disputeTeeResult(...args))
        .to.emit(c.operators, "OperatorSlashed")
        .withArgs(c.operator.address, jobId, KEY_STAKE / 2n, c.challenger.address, KEY_STAKE - KEY_STAKE / 2n);
      // And there is nothing left to release.
      await time.increaseTo(releaseAt + 1n);
      await expectKeyRefused(c, () => c.enclaves.connect(c.operator).releaseEnclaveKey(c.enclave.address), c.enclaves, "EnclaveKeyNotReleasable", [
        c.enclave.address, KeyStatus.Slashed, 0n,
      ], keys, accounts);
      expect((await c.operators.getOperator(c.operator.address)).locked).to.equal(0n);
    });

    it("slashes on a signature alone: a wrong result the key signed but nobody submitted", async function () {
      const c = await loadFixture(disputes);
      const pending = await modeRequest(c, MODE_TEE, 0n);
      const signature = await teeSignature(c, pending.jobId, pending.job, WRONG_TEE_OUTPUT);
      const { args } = await teeDisputeArgs(c, pending.jobId, pending.job, signature, c.challenger.address);
      await expect(c.enclaves.connect(c.challenger).disputeTeeResult(...args)).to.emit(c.enclaves, "TeeResultDisputed");
      expect((await c.enclaves.getEnclaveKey(c.enclave.address)).status).to.equal(KeyStatus.Slashed);
      expect((await c.hub.getJob(pending.jobId)).status).to.equal(JobStatus.Pending);
    });
  });
});
