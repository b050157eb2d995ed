/**
 * The EnclaveRegistry, the TEE mode's root of trust and verifier: measurements approved per TEE type, enclave keys
 * registered through the TEE type's attestation verifier (the fixture's 2-of-3 AttestorCommittee) with stake locked
 * in the OperatorRegistry behind them, re-attestation, revocation, release KEY_RELEASE_DELAY after a key stopped
 * signing, governance setters, views, the TEE check at fulfilment, model owners' measurement policies, and the
 * refusals of `disputeTeeResult` (the slashing itself is in test/security/tee-root-of-trust.test.ts). Every refusal
 * is checked with its error's arguments and with the key records, stakes, locks and balances unchanged.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ethers as ethersLib } from "ethers";
import { releaseZkWorkers } from "../../sdk/src/proofs/zk.js";
import type { EnclaveRegistry } from "../../types/ethers-contracts/index.js";
import {
  APPROVAL_TYPES,
  ATTESTORS,
  EVIDENCE_HASH,
  EVIDENCE_URI,
  KEY_LIFETIME,
  KEY_REGISTRATION_TYPES,
  KEY_RELEASE_DELAY,
  MEASUREMENT,
  MIN_TEE_STAKE,
  MODE_QUORUM,
  OPERATOR_REWARD,
  OTHER_MEASUREMENT,
  OUTPUT,
  TEE_NITRO,
  TEE_TDX,
  attestorApproval,
  byAddress,
  committeeDomain,
  deployCore,
  deployWithTeeModel,
  enclaveDomain,
  enclaveKeyProof,
  enclaveRegistration,
  now,
  reattestation,
  registerEnclave,
  request,
  signResult,
  teeFulfillArgs,
  type Core,
  type RegisterEnclaveOptions,
} from "../helpers/verity.js";
import { JobStatus, expectRefused } from "../helpers/hub.js";
import { defined, modelIdOf, plain, signersAt } from "../helpers/registries.js";
import {
  INLINE_URI_HASH,
  WRONG_TEE_OUTPUT,
  deployWithTeeDisputes,
  expectKeyRefused,
  signedTeeJob,
  teeDisputeArgs,
} from "../helpers/enclaves.js";
import { inline, modeRequest, quorumParams } from "../helpers/modes.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const ONE = ethersLib.parseEther("1");
const HOUR = 3600n;
const DAY = 24n * HOUR;
const KeyStatus = { None: 0n, Active: 1n, Revoked: 2n, Slashed: 3n, Released: 4n } as const;
const MeasurementStatus = { Unknown: 0n, Approved: 1n, Revoked: 2n } as const;
const TDX_MEASUREMENT = ethersLib.id("verity-enclave-tdx-v1");
const NEW_EVIDENCE = ethersLib.id("fresh attestation evidence");
const enclave = new ethersLib.Wallet(ethersLib.id("enclave key 1"));
const otherEnclave = new ethersLib.Wallet(ethersLib.id("enclave key 2"));
/** The fixture's attestors that sign by default (the first two), ascending. */
const DEFAULT_SIGNERS = byAddress(ATTESTORS.slice(0, 2)).map((a) => a.address);

// ─────────────────────────────────────────────── fixtures ───────────────────────────────────────────────

async function core() {
  return defined(await deployCore(ethers));
}

/** MEASUREMENT approved for Nitro, TDX_MEASUREMENT for TDX; the operator and `other` have 1 ETH bonded each. */
async function staked() {
  const c = await core();
  await c.enclaves.approveMeasurement(MEASUREMENT, TEE_NITRO);
  await c.enclaves.approveMeasurement(TDX_MEASUREMENT, TEE_TDX);
  await c.operators.connect(c.operator).stake(ONE, { value: ONE });
  await c.operators.connect(c.other).stake(ONE, { value: ONE });
  return c;
}

/** `staked` with `enclave` registered by the operator (MIN_TEE_STAKE locked), expiring KEY_LIFETIME after it. */
async function withKey() {
  const c = await staked();
  await registerEnclave(c, "enclave key 1");
  const key = await c.enclaves.getEnclaveKey(enclave.address);
  return { ...c, registeredAt: BigInt(key.registeredAt), expiresAt: BigInt(key.expiresAt) };
}

/** The TEE setup (MEASUREMENT allowed for v1 and v2) with OTHER_MEASUREMENT approved but not allowed. */
async function teeModel() {
  const c = defined(await deployWithTeeModel(ethers));
  await c.enclaves.approveMeasurement(OTHER_MEASUREMENT, TEE_NITRO);
  return c;
}

async function disputes() {
  return deployWithTeeDisputes(ethers);
}

/** The `registerEnclaveKey` call for `enclave` by the operator, with `o` and a registration field overridden. */
async function registration(c: Core, o: RegisterEnclaveOptions = {}, wallet = enclave) {
  return enclaveRegistration(c, wallet, o);
}

/** The address a key proof recovers to for a registration by `operator`. */
async function keyProofSigner(c: Core, proof: string, operator: string, teeType: number, measurement: string, evidenceHash: string) {
  return ethersLib.verifyTypedData(await enclaveDomain(c), KEY_REGISTRATION_TYPES, { operator, teeType, measurement, evidenceHash }, proof);
}

/** The address the first signature of a committee proof recovers to for `claim`. */
async function approvalSigner(c: Core, proof: string, claim: Parameters<typeof attestorApproval>[1]) {
  return ethersLib.verifyTypedData(await committeeDomain(c), APPROVAL_TYPES, claim, ethersLib.dataSlice(proof, 0, 65));
}

// ───────────────────────────────────────────────── tests ─────────────────────────────────────────────────

describe("EnclaveRegistry", function () {
  this.timeout(180_000);
  after(releaseZkWorkers);

  describe("deployment", function () {
    it("starts with the given governance, operator registry, key lifetime and least stake, and no hub", async function () {
      const [governance] = await signersAt(ethers, 0);
      const c = await loadFixture(core);
      const registry = await ethers.deployContract("EnclaveRegistry", [governance.address, await c.operators.getAddress(), 2n * DAY, 5n]);
      await expect(registry.deploymentTransaction()).to.emit(registry, "KeyLifetimeUpdated").withArgs(0n, 2n * DAY);
      await expect(registry.deploymentTransaction()).to.emit(registry, "MinTeeStakeUpdated").withArgs(0n, 5n);
      const r = registry as unknown as EnclaveRegistry;
      expect(await r.owner()).to.equal(governance.address);
      expect(await r.operatorRegistry()).to.equal(await c.operators.getAddress());
      expect(await r.keyLifetime()).to.equal(2n * DAY);
      expect(await r.minTeeStake()).to.equal(5n);
      expect(await r.hub()).to.equal(ethersLib.ZeroAddress);
      expect(await r.attestationVerifier(TEE_NITRO)).to.equal(ethersLib.ZeroAddress);
      expect(await r.KEY_RELEASE_DELAY()).to.equal(KEY_RELEASE_DELAY);
      expect(await r.ENCLAVE_KEY_REGISTRATION_TYPEHASH()).to.equal(
        ethersLib.id("EnclaveKeyRegistration(address operator,uint8 teeType,bytes32 measurement,bytes32 evidenceHash)"),
      );
      expect(await r.ENCLAVE_KEY_BINDING_TYPEHASH()).to.equal(ethersLib.id("EnclaveKeyBinding(address key,address operator)"));
      const { chainId } = await ethers.provider.getNetwork();
      const [, name, version, domainChainId, verifyingContract] = await r.eip712Domain();
      expect([name, version, domainChainId, verifyingContract]).to.deep.equal(["Verity EnclaveRegistry", "1", chainId, await r.getAddress()]);
    });

    it("is wired by the fixture: the hub, the committee for both TEE types, 7-day keys, 0.1 ETH least stake", async function () {
      const c = await loadFixture(core);
      expect(await c.enclaves.hub()).to.equal(await c.hub.getAddress());
      expect(await c.enclaves.attestationVerifier(TEE_NITRO)).to.equal(await c.committee.getAddress());
      expect(await c.enclaves.attestationVerifier(TEE_TDX)).to.equal(await c.committee.getAddress());
      expect(await c.enclaves.keyLifetime()).to.equal(KEY_LIFETIME);
      expect(await c.enclaves.minTeeStake()).to.equal(MIN_TEE_STAKE);
      expect(await c.hub.enclaveRegistry()).to.equal(await c.enclaves.getAddress());
    });

    it("refuses a zero operator registry and a key lifetime outside 1 hour .. 30 days", async function () {
      const [governance] = await signersAt(ethers, 0);
      const c = await loadFixture(core);
      const factory = await ethers.getContractFactory("EnclaveRegistry");
      await expect(factory.deploy(governance.address, ethersLib.ZeroAddress, DAY, 0n)).to.be.revertedWithCustomError(factory, "EnclaveZeroAddress");
      for (const lifetime of [0n, HOUR - 1n, 30n * DAY + 1n]) {
        await expect(factory.deploy(governance.address, await c.operators.getAddress(), lifetime, 0n))
          .to.be.revertedWithCustomError(factory, "EnclaveInvalidKeyLifetime")
          .withArgs(lifetime);
      }
    });
  });

  describe("registerEnclaveKey", function () {
    it("registers the key through the committee: records it, locks its stake, emits EnclaveKeyRegistered and EnclaveKeyAttested", async function () {
      const c = await loadFixture(staked);
      const t = (await now(c)) + 10n;
      const expiresAt = t + DAY; // the attestors' expiry, shorter than the key lifetime
      const { registration: r, keyProof, proof } = await registration(c, { expiresAt });
      await time.setNextBlockTimestamp(t);
      const tx = await c.enclaves.connect(c.operator).registerEnclaveKey(r, keyProof, proof);
      await expect(tx)
        .to.emit(c.enclaves, "EnclaveKeyRegistered")
        .withArgs(enclave.address, c.operator.address, TEE_NITRO, MEASUREMENT, MIN_TEE_STAKE);
      await expect(tx)
        .to.emit(c.enclaves, "EnclaveKeyAttested")
        .withArgs(enclave.address, c.operator.address, EVIDENCE_HASH, EVIDENCE_URI, await c.committee.getAddress(), DEFAULT_SIGNERS, expiresAt);
      await expect(tx).to.emit(c.operators, "StakeLocked").withArgs(c.operator.address, 0n, MIN_TEE_STAKE, MIN_TEE_STAKE);
      expect(plain(await c.enclaves.getEnclaveKey(enclave.address))).to.deep.equal([
        c.operator.address, BigInt(TEE_NITRO), KeyStatus.Active, t, expiresAt, MEASUREMENT, EVIDENCE_HASH, MIN_TEE_STAKE, 0n,
      ]);
      expect(plain(await c.operators.getOperator(c.operator.address))).to.deep.equal([ONE, MIN_TEE_STAKE, 0n, 0n]);
      expect(await c.enclaves.activeEnclaveOperator(enclave.address, MEASUREMENT)).to.equal(c.operator.address);
    });

    it("caps the key's expiry at keyLifetime from now when the attestors vouch for longer", async function () {
      const c = await loadFixture(staked);
      const t = (await now(c)) + 10n;
      const { registration: r, keyProof, proof } = await registration(c, { expiresAt: t + 20n * DAY });
      await time.setNextBlockTimestamp(t);
      await expect(c.enclaves.connect(c.operator).registerEnclaveKey(r, keyProof, proof))
        .to.emit(c.enclaves, "EnclaveKeyAttested")
        .withArgs(enclave.address, c.operator.address, EVIDENCE_HASH, EVIDENCE_URI, await c.committee.getAddress(), DEFAULT_SIGNERS, t + KEY_LIFETIME);
      expect((await c.enclaves.getEnclaveKey(enclave.address)).expiresAt).to.equal(t + KEY_LIFETIME);
    });

    it("accepts all three attestors, a TDX key, and locks exactly the stake offered", async function () {
      const c = await loadFixture(staked);
      const stake = ethersLib.parseEther("0.35");
      const { registration: r, keyProof, proof } = await registration(c, {
        teeType: TEE_TDX, measurement: TDX_MEASUREMENT, stake, signers: ATTESTORS,
      });
      await expect(c.enclaves.connect(c.operator).registerEnclaveKey(r, keyProof, proof))
        .to.emit(c.enclaves, "EnclaveKeyAttested")
        .withArgs(enclave.address, c.operator.address, EVIDENCE_HASH, EVIDENCE_URI, await c.committee.getAddress(), byAddress(ATTESTORS).map((a) => a.address), r.expiresAt);
      const key = await c.enclaves.getEnclaveKey(enclave.address);
      expect([key.teeType, key.measurement, key.stake]).to.deep.equal([BigInt(TEE_TDX), TDX_MEASUREMENT, stake]);
      expect((await c.operators.getOperator(c.operator.address)).locked).to.equal(stake);
      // A second key of the same operator adds its stake to the lock.
      await registerEnclave(c, "enclave key 2");
      expect((await c.operators.getOperator(c.operator.address)).locked).to.equal(stake + MIN_TEE_STAKE);
    });

    it("takes at least 1 wei of stake when governance sets no minimum", async function () {
      const c = await loadFixture(staked);
      await c.enclaves.setMinTeeStake(0n);
      const zero = await registration(c, { stake: 0n });
      await expectKeyRefused(c, () => c.enclaves.connect(c.operator).registerEnclaveKey(zero.registration, zero.keyProof, zero.proof), c.enclaves, "EnclaveStakeTooLow", [0n, 1n], [enclave.address]);
      await registerEnclave(c, "enclave key 1", { stake: 1n });
      expect((await c.operators.getOperator(c.operator.address)).locked).to.equal(1n);
    });

    describe("refusals (nothing registered, nothing locked)", function () {
      /** Sends the registration from `from` and expects the error; the key and `from`'s stake stay as they were. */
      async function refused(
        c: Core,
        r: Awaited<ReturnType<typeof registration>>,
        source: { interface: ethersLib.Interface },
        error: string,
        args: unknown[],
        from = c.operator,
      ) {
        await expectKeyRefused(
          c, () => c.enclaves.connect(from).registerEnclaveKey(r.registration, r.keyProof, r.proof),
          source as never, error, args, [r.registration.key], [from.address, c.operator.address],
        );
      }

      it("refuses the zero key", async function () {
        const c = await loadFixture(staked);
        const r = await registration(c);
        r.registration.key = ethersLib.ZeroAddress;
        await refused(c, r, c.enclaves, "EnclaveKeyUnavailable", [ethersLib.ZeroAddress]);
      });

      it("refuses a key registered before, by its operator or another, whatever its status since", async function () {
        const c = await loadFixture(withKey);
        await c.enclaves.approveMeasurement(OTHER_MEASUREMENT, TEE_NITRO);
        for (const [from, measurement] of [[c.operator, MEASUREMENT], [c.operator, OTHER_MEASUREMENT], [c.other, MEASUREMENT]] as const) {
          await refused(c, await registration(c, { operator: from, measurement }), c.enclaves, "EnclaveKeyUnavailable", [enclave.address], from);
        }
        // Revoked, then released: a key is registered once, ever.
        await c.enclaves.connect(c.operator).revokeEnclaveKey(enclave.address);
        await refused(c, await registration(c), c.enclaves, "EnclaveKeyUnavailable", [enclave.address]);
        await time.increase(KEY_RELEASE_DELAY);
        await c.enclaves.connect(c.operator).releaseEnclaveKey(enclave.address);
        await refused(c, await registration(c), c.enclaves, "EnclaveKeyUnavailable", [enclave.address]);
      });

      it("refuses a measurement governance never approved, and a revoked one", async function () {
        const c = await loadFixture(staked);
        const unknown = ethersLib.id("never approved");
        await refused(c, await registration(c, { measurement: unknown }), c.enclaves, "EnclaveMeasurementNotApproved", [unknown]);
        await c.enclaves.revokeMeasurement(MEASUREMENT);
        await refused(c, await registration(c), c.enclaves, "EnclaveMeasurementNotApproved", [MEASUREMENT]);
      });

      it("refuses TEE type zero and a TEE type other than the measurement's", async function () {
        const c = await loadFixture(staked);
        await refused(c, await registration(c, { teeType: 0 }), c.enclaves, "EnclaveInvalidTeeType", [0n, BigInt(TEE_NITRO)]);
        await refused(c, await registration(c, { teeType: TEE_TDX }), c.enclaves, "EnclaveInvalidTeeType", [BigInt(TEE_TDX), BigInt(TEE_NITRO)]);
        await refused(c, await registration(c, { teeType: TEE_NITRO, measurement: TDX_MEASUREMENT }), c.enclaves, "EnclaveInvalidTeeType", [
          BigInt(TEE_NITRO), BigInt(TEE_TDX),
        ]);
      });

      it("refuses a TEE type without an attestation verifier", async function () {
        const c = await loadFixture(staked);
        await c.enclaves.setAttestationVerifier(TEE_NITRO, ethersLib.ZeroAddress);
        await refused(c, await registration(c), c.enclaves, "EnclaveNoAttestationVerifier", [BigInt(TEE_NITRO)]);
        // A type governance approved a measurement for but never gave a verifier.
        const m3 = ethersLib.id("a third TEE type");
        await c.enclaves.approveMeasurement(m3, 3);
        await refused(c, await registration(c, { teeType: 3, measurement: m3 }), c.enclaves, "EnclaveNoAttestationVerifier", [3n]);
      });

      it("refuses a stake below the minimum, and one that does not fit 128 bits", async function () {
        const c = await loadFixture(staked);
        for (const stake of [0n, MIN_TEE_STAKE - 1n]) {
          await refused(c, await registration(c, { stake }), c.enclaves, "EnclaveStakeTooLow", [stake, MIN_TEE_STAKE]);
        }
        await refused(c, await registration(c, { stake: 1n << 128n }), c.enclaves, "SafeCastOverflowedUintDowncast", [128n, 1n << 128n]);
      });

      it("refuses a stake larger than the operator's free stake with the operator registry's OperatorInsufficientStake", async function () {
        const c = await loadFixture(withKey);
        const free = ONE - MIN_TEE_STAKE;
        await refused(c, await registration(c, { stake: free + 1n }, otherEnclave), c.operators, "OperatorInsufficientStake", [
          c.operator.address, free + 1n, free,
        ]);
        // Unbonding stake is not free either.
        await c.operators.connect(c.operator).requestUnstake(free);
        await refused(c, await registration(c, {}, otherEnclave), c.operators, "OperatorInsufficientStake", [c.operator.address, MIN_TEE_STAKE, 0n]);
        // Nor is an account that never staked.
        const [stranger] = await signersAt(ethers, 15);
        await refused(c, await registration(c, { operator: stranger }, otherEnclave), c.operators, "OperatorInsufficientStake", [
          stranger.address, MIN_TEE_STAKE, 0n,
        ], stranger);
      });

      it("refuses a key proof signed by another key, or for another operator, TEE type, measurement, evidence or domain", async function () {
        const c = await loadFixture(staked);
        const base = await registration(c);
        const expectBadProof = async (keyProof: string) => {
          const recovered = await keyProofSigner(c, keyProof, c.operator.address, TEE_NITRO, MEASUREMENT, EVIDENCE_HASH);
          expect(recovered).to.not.equal(enclave.address);
          await refused(c, { ...base, keyProof }, c.enclaves, "EnclaveKeyProofInvalid", [enclave.address, recovered]);
        };
        await expectBadProof(await enclaveKeyProof(c, otherEnclave, c.operator.address));
        await expectBadProof(await enclaveKeyProof(c, enclave, c.other.address));
        await expectBadProof(await enclaveKeyProof(c, enclave, c.operator.address, { teeType: TEE_TDX }));
        await expectBadProof(await enclaveKeyProof(c, enclave, c.operator.address, { measurement: OTHER_MEASUREMENT }));
        await expectBadProof(await enclaveKeyProof(c, enclave, c.operator.address, { evidenceHash: NEW_EVIDENCE }));
        const value = { operator: c.operator.address, teeType: TEE_NITRO, measurement: MEASUREMENT, evidenceHash: EVIDENCE_HASH };
        const domain = await enclaveDomain(c);
        await expectBadProof(await enclave.signTypedData({ ...domain, verifyingContract: await c.operators.getAddress() }, KEY_REGISTRATION_TYPES, value));
        await expectBadProof(await enclave.signTypedData({ ...domain, chainId: 1n }, KEY_REGISTRATION_TYPES, value));
        // The OperatorRegistry's old proof type (no TEE type, the attestation document's hash).
        await expectBadProof(await enclave.signTypedData(
          { ...domain, name: "Verity OperatorRegistry" },
          { EnclaveKeyRegistration: [{ name: "operator", type: "address" }, { name: "measurement", type: "bytes32" }, { name: "attestationDocHash", type: "bytes32" }] },
          { operator: c.operator.address, measurement: MEASUREMENT, attestationDocHash: EVIDENCE_HASH },
        ));
      });

      it("refuses a malformed key proof, which recovers to the zero address", async function () {
        const c = await loadFixture(staked);
        const base = await registration(c);
        for (const keyProof of ["0x", ethersLib.hexlify(new Uint8Array(64)), ethersLib.hexlify(new Uint8Array(65))]) {
          await refused(c, { ...base, keyProof }, c.enclaves, "EnclaveKeyProofInvalid", [enclave.address, ethersLib.ZeroAddress]);
        }
      });

      it("refuses an approval whose expiry has passed (CommitteeApprovalExpired)", async function () {
        const c = await loadFixture(staked);
        // In the past, and now (the transaction's block is later).
        const t = await now(c);
        for (const expiresAt of [t - DAY, t]) {
          await refused(c, await registration(c, { expiresAt }), c.committee, "CommitteeApprovalExpired", [expiresAt]);
        }
        // At the very second of the transaction's block.
        const exact = (await now(c)) + 10n;
        const r = await registration(c, { expiresAt: exact });
        await time.setNextBlockTimestamp(exact);
        await refused(c, r, c.committee, "CommitteeApprovalExpired", [exact]);
      });

      it("refuses an approval below the threshold, and one for another claim than the registration's", async function () {
        const c = await loadFixture(staked);
        await refused(c, await registration(c, { signers: [ATTESTORS[0]!] }), c.committee, "CommitteeBelowThreshold", [1n, 2n]);
        await refused(c, { ...(await registration(c)), proof: "0x" }, c.committee, "CommitteeMalformedProof", [0n]);
        const base = await registration(c);
        const claim = {
          teeType: TEE_NITRO, evidenceHash: EVIDENCE_HASH, measurement: MEASUREMENT, key: enclave.address,
          operator: c.operator.address, expiresAt: base.registration.expiresAt,
        };
        for (const other of [
          { teeType: TEE_TDX },
          { evidenceHash: NEW_EVIDENCE },
          { measurement: OTHER_MEASUREMENT },
          { key: otherEnclave.address },
          { operator: c.other.address },
          { expiresAt: claim.expiresAt + 1n },
        ]) {
          const proof = await attestorApproval(c, { ...claim, ...other });
          await refused(c, { ...base, proof }, c.committee, "CommitteeNotAttestor", [0n, await approvalSigner(c, proof, claim)]);
        }
      });
    });
  });

  describe("reattestEnclaveKey", function () {
    it("extends an active key's life with fresh evidence: EnclaveKeyAttested, new hash and expiry, stake untouched", async function () {
      const c = await loadFixture(withKey);
      await time.increase(3n * DAY);
      const args = await reattestation(c, enclave, { evidenceHash: NEW_EVIDENCE, expiresAt: (await now(c)) + 20n * DAY });
      const t = (await now(c)) + 5n;
      await time.setNextBlockTimestamp(t);
      const tx = await c.enclaves.connect(c.operator).reattestEnclaveKey(...args);
      await expect(tx)
        .to.emit(c.enclaves, "EnclaveKeyAttested")
        .withArgs(enclave.address, c.operator.address, NEW_EVIDENCE, EVIDENCE_URI, await c.committee.getAddress(), DEFAULT_SIGNERS, t + KEY_LIFETIME);
      await expect(tx).to.not.emit(c.enclaves, "EnclaveKeyRegistered");
      await expect(tx).to.not.emit(c.operators, "StakeLocked");
      expect(plain(await c.enclaves.getEnclaveKey(enclave.address))).to.deep.equal([
        c.operator.address, BigInt(TEE_NITRO), KeyStatus.Active, c.registeredAt, t + KEY_LIFETIME, MEASUREMENT, NEW_EVIDENCE, MIN_TEE_STAKE, 0n,
      ]);
      expect(plain(await c.operators.getOperator(c.operator.address))).to.deep.equal([ONE, MIN_TEE_STAKE, 0n, 0n]);
    });

    it("brings an expired key back, to the attestors' expiry when it is the earlier", async function () {
      const c = await loadFixture(withKey);
      await time.increaseTo(c.expiresAt + 1n);
      expect(await c.enclaves.activeEnclaveOperator(enclave.address, MEASUREMENT)).to.equal(ethersLib.ZeroAddress);
      const expiresAt = (await now(c)) + HOUR;
      await c.enclaves.connect(c.operator).reattestEnclaveKey(...(await reattestation(c, enclave, { expiresAt })));
      expect((await c.enclaves.getEnclaveKey(enclave.address)).expiresAt).to.equal(expiresAt);
      expect(await c.enclaves.activeEnclaveOperator(enclave.address, MEASUREMENT)).to.equal(c.operator.address);
    });

    it("refuses anyone but the key's operator, governance included, and an unknown key", async function () {
      const c = await loadFixture(withKey);
      for (const caller of [c.other, c.governance]) {
        const args = await reattestation(c, enclave, { operator: caller });
        await expectKeyRefused(c, () => c.enclaves.connect(caller).reattestEnclaveKey(...args), c.enclaves, "EnclaveKeyNotOwned", [
          enclave.address, caller.address,
        ], [enclave.address]);
      }
      const unknown = [otherEnclave.address, NEW_EVIDENCE, EVIDENCE_URI, (await now(c)) + DAY, "0x", "0x"] as const;
      await expectKeyRefused(c, () => c.enclaves.connect(c.operator).reattestEnclaveKey(...unknown), c.enclaves, "EnclaveKeyNotOwned", [
        otherEnclave.address, c.operator.address,
      ], [otherEnclave.address]);
    });

    it("refuses a revoked key and a released one", async function () {
      const c = await loadFixture(withKey);
      const args = await reattestation(c, enclave);
      await c.enclaves.connect(c.operator).revokeEnclaveKey(enclave.address);
      await expectKeyRefused(c, () => c.enclaves.connect(c.operator).reattestEnclaveKey(...args), c.enclaves, "EnclaveKeyNotOwned", [
        enclave.address, c.operator.address,
      ], [enclave.address]);
      await time.increase(KEY_RELEASE_DELAY);
      await c.enclaves.connect(c.operator).releaseEnclaveKey(enclave.address);
      const later = await reattestation(c, enclave);
      await expectKeyRefused(c, () => c.enclaves.connect(c.operator).reattestEnclaveKey(...later), c.enclaves, "EnclaveKeyNotOwned", [
        enclave.address, c.operator.address,
      ], [enclave.address]);
    });

    it("refuses a key whose measurement governance revoked", async function () {
      const c = await loadFixture(withKey);
      await c.enclaves.revokeMeasurement(MEASUREMENT);
      const args = await reattestation(c, enclave);
      await expectKeyRefused(c, () => c.enclaves.connect(c.operator).reattestEnclaveKey(...args), c.enclaves, "EnclaveMeasurementNotApproved", [
        MEASUREMENT,
      ], [enclave.address]);
    });

    it("refuses a key proof over other evidence, an approval of other evidence, an expired or short approval", async function () {
      const c = await loadFixture(withKey);
      const [key, evidenceHash, uri, expiresAt, keyProof, proof] = await reattestation(c, enclave, { evidenceHash: NEW_EVIDENCE });
      // The registration's key proof (over the first evidence hash).
      const oldProof = await enclaveKeyProof(c, enclave, c.operator.address);
      const recovered = await keyProofSigner(c, oldProof, c.operator.address, TEE_NITRO, MEASUREMENT, NEW_EVIDENCE);
      await expectKeyRefused(c, () => c.enclaves.connect(c.operator).reattestEnclaveKey(key, evidenceHash, uri, expiresAt, oldProof, proof), c.enclaves, "EnclaveKeyProofInvalid", [
        enclave.address, recovered,
      ], [enclave.address]);
      // The registration's approval (of the first evidence).
      const claim = { teeType: TEE_NITRO, evidenceHash: NEW_EVIDENCE, measurement: MEASUREMENT, key, operator: c.operator.address, expiresAt };
      const oldApproval = await attestorApproval(c, { ...claim, evidenceHash: EVIDENCE_HASH });
      await expectKeyRefused(c, () => c.enclaves.connect(c.operator).reattestEnclaveKey(key, evidenceHash, uri, expiresAt, keyProof, oldApproval), c.committee, "CommitteeNotAttestor", [
        0n, await approvalSigner(c, oldApproval, claim),
      ], [enclave.address]);
      const past = await now(c);
      const expired = await reattestation(c, enclave, { evidenceHash: NEW_EVIDENCE, expiresAt: past });
      await expectKeyRefused(c, () => c.enclaves.connect(c.operator).reattestEnclaveKey(...expired), c.committee, "CommitteeApprovalExpired", [past], [enclave.address]);
      const short = await reattestation(c, enclave, { evidenceHash: NEW_EVIDENCE, signers: [ATTESTORS[2]!] });
      await expectKeyRefused(c, () => c.enclaves.connect(c.operator).reattestEnclaveKey(...short), c.committee, "CommitteeBelowThreshold", [1n, 2n], [enclave.address]);
    });
  });

  describe("revokeEnclaveKey", function () {
    it("lets the operator revoke its key: EnclaveKeyRevoked, release KEY_RELEASE_DELAY later, the stake stays locked", async function () {
      const c = await loadFixture(withKey);
      const t = (await now(c)) + 100n;
      await time.setNextBlockTimestamp(t);
      await expect(c.enclaves.connect(c.operator).revokeEnclaveKey(enclave.address))
        .to.emit(c.enclaves, "EnclaveKeyRevoked")
        .withArgs(enclave.address, c.operator.address, c.operator.address, t + KEY_RELEASE_DELAY);
      const key = await c.enclaves.getEnclaveKey(enclave.address);
      expect([key.status, key.releaseAt, key.stake]).to.deep.equal([KeyStatus.Revoked, t + KEY_RELEASE_DELAY, MIN_TEE_STAKE]);
      expect(await c.enclaves.activeEnclaveOperator(enclave.address, MEASUREMENT)).to.equal(ethersLib.ZeroAddress);
      expect((await c.operators.getOperator(c.operator.address)).locked).to.equal(MIN_TEE_STAKE);
    });

    it("lets governance revoke a key known to be compromised", async function () {
      const c = await loadFixture(withKey);
      const t = (await now(c)) + 100n;
      await time.setNextBlockTimestamp(t);
      await expect(c.enclaves.connect(c.governance).revokeEnclaveKey(enclave.address))
        .to.emit(c.enclaves, "EnclaveKeyRevoked")
        .withArgs(enclave.address, c.operator.address, c.governance.address, t + KEY_RELEASE_DELAY);
      expect((await c.enclaves.getEnclaveKey(enclave.address)).status).to.equal(KeyStatus.Revoked);
    });

    it("counts an expired key's delay from its expiry", async function () {
      const c = await loadFixture(withKey);
      await time.increaseTo(c.expiresAt + DAY);
      await expect(c.enclaves.connect(c.operator).revokeEnclaveKey(enclave.address))
        .to.emit(c.enclaves, "EnclaveKeyRevoked")
        .withArgs(enclave.address, c.operator.address, c.operator.address, c.expiresAt + KEY_RELEASE_DELAY);
    });

    it("refuses anyone else, a second revocation and an unknown key", async function () {
      const c = await loadFixture(withKey);
      for (const caller of [c.other, c.requester, c.modelOwner]) {
        await expectKeyRefused(c, () => c.enclaves.connect(caller).revokeEnclaveKey(enclave.address), c.enclaves, "EnclaveKeyNotOwned", [
          enclave.address, caller.address,
        ], [enclave.address]);
      }
      await c.enclaves.connect(c.operator).revokeEnclaveKey(enclave.address);
      for (const caller of [c.operator, c.governance]) {
        await expectKeyRefused(c, () => c.enclaves.connect(caller).revokeEnclaveKey(enclave.address), c.enclaves, "EnclaveKeyNotOwned", [
          enclave.address, caller.address,
        ], [enclave.address]);
      }
      await expectKeyRefused(c, () => c.enclaves.connect(c.governance).revokeEnclaveKey(otherEnclave.address), c.enclaves, "EnclaveKeyNotOwned", [
        otherEnclave.address, c.governance.address,
      ], [otherEnclave.address]);
    });

    it("stops the key's results at once: fulfil is refused with TeeUnknownKey", async function () {
      const c = await loadFixture(teeModel);
      const { jobId, job } = await request(c);
      await c.enclaves.connect(c.operator).revokeEnclaveKey(c.enclave.address);
      await expectRefused(c, async () => c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job))), c.tee, "TeeUnknownKey", [
        c.enclave.address,
      ]);
      expect((await c.hub.getJob(jobId)).status).to.equal(JobStatus.Pending);
    });
  });

  describe("releaseEnclaveKey", function () {
    it("refuses a revoked key before its release time, and unlocks its stake from then on", async function () {
      const c = await loadFixture(withKey);
      await c.enclaves.connect(c.operator).revokeEnclaveKey(enclave.address);
      const releaseAt = (await c.enclaves.getEnclaveKey(enclave.address)).releaseAt;
      const release = () => c.enclaves.connect(c.operator).releaseEnclaveKey(enclave.address);
      await expectKeyRefused(c, release, c.enclaves, "EnclaveKeyNotReleasable", [enclave.address, KeyStatus.Revoked, releaseAt], [enclave.address]);
      await time.setNextBlockTimestamp(releaseAt - 1n);
      await expectKeyRefused(c, release, c.enclaves, "EnclaveKeyNotReleasable", [enclave.address, KeyStatus.Revoked, releaseAt], [enclave.address]);
      await time.setNextBlockTimestamp(releaseAt);
      const tx = await release();
      await expect(tx).to.emit(c.enclaves, "EnclaveKeyReleased").withArgs(enclave.address, c.operator.address, MIN_TEE_STAKE);
      await expect(tx).to.emit(c.operators, "StakeUnlocked").withArgs(c.operator.address, 0n, MIN_TEE_STAKE, 0n);
      const key = await c.enclaves.getEnclaveKey(enclave.address);
      expect([key.status, key.stake]).to.deep.equal([KeyStatus.Released, 0n]);
      expect(plain(await c.operators.getOperator(c.operator.address))).to.deep.equal([ONE, 0n, 0n, 0n]);
      // The whole stake can leave now.
      await c.operators.connect(c.operator).requestUnstake(ONE);
    });

    it("refuses an active key until KEY_RELEASE_DELAY after its expiry, then releases it", async function () {
      const c = await loadFixture(withKey);
      const releaseAt = c.expiresAt + KEY_RELEASE_DELAY;
      const release = () => c.enclaves.connect(c.operator).releaseEnclaveKey(enclave.address);
      await expectKeyRefused(c, release, c.enclaves, "EnclaveKeyNotReleasable", [enclave.address, KeyStatus.Active, releaseAt], [enclave.address]);
      await time.increaseTo(c.expiresAt + 1n);
      await expectKeyRefused(c, release, c.enclaves, "EnclaveKeyNotReleasable", [enclave.address, KeyStatus.Active, releaseAt], [enclave.address]);
      await time.setNextBlockTimestamp(releaseAt);
      await expect(release()).to.emit(c.enclaves, "EnclaveKeyReleased").withArgs(enclave.address, c.operator.address, MIN_TEE_STAKE);
      expect((await c.operators.getOperator(c.operator.address)).locked).to.equal(0n);
    });

    it("moves an active key's release with its re-attestation", async function () {
      const c = await loadFixture(withKey);
      await time.increase(DAY);
      await c.enclaves.connect(c.operator).reattestEnclaveKey(...(await reattestation(c, enclave)));
      const expiresAt = BigInt((await c.enclaves.getEnclaveKey(enclave.address)).expiresAt);
      await time.increaseTo(c.expiresAt + KEY_RELEASE_DELAY);
      await expectKeyRefused(c, () => c.enclaves.connect(c.operator).releaseEnclaveKey(enclave.address), c.enclaves, "EnclaveKeyNotReleasable", [
        enclave.address, KeyStatus.Active, expiresAt + KEY_RELEASE_DELAY,
      ], [enclave.address]);
    });

    it("refuses a second release, anyone but the operator, and an unknown key", async function () {
      const c = await loadFixture(withKey);
      await c.enclaves.connect(c.operator).revokeEnclaveKey(enclave.address);
      await time.increase(KEY_RELEASE_DELAY);
      for (const caller of [c.other, c.governance]) {
        await expectKeyRefused(c, () => c.enclaves.connect(caller).releaseEnclaveKey(enclave.address), c.enclaves, "EnclaveKeyNotOwned", [
          enclave.address, caller.address,
        ], [enclave.address]);
      }
      await c.enclaves.connect(c.operator).releaseEnclaveKey(enclave.address);
      await expectKeyRefused(c, () => c.enclaves.connect(c.operator).releaseEnclaveKey(enclave.address), c.enclaves, "EnclaveKeyNotReleasable", [
        enclave.address, KeyStatus.Released, 0n,
      ], [enclave.address]);
      await expectKeyRefused(c, () => c.enclaves.connect(c.operator).releaseEnclaveKey(otherEnclave.address), c.enclaves, "EnclaveKeyNotOwned", [
        otherEnclave.address, c.operator.address,
      ], [otherEnclave.address]);
    });
  });

  describe("the TEE check at fulfilment (verifyResult)", function () {
    it("accepts the key up to its expiry, refuses it after with TeeKeyExpired, and again once re-attested", async function () {
      const c = await loadFixture(teeModel);
      const expiresAt = BigInt((await c.enclaves.getEnclaveKey(c.enclave.address)).expiresAt);
      const early = await request(c, { deadline: expiresAt + DAY });
      const late = await request(c, { deadline: expiresAt + DAY });
      await time.setNextBlockTimestamp(expiresAt);
      await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, early.jobId, early.job)));
      await expectRefused(c, async () => c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, late.jobId, late.job))), c.tee, "TeeKeyExpired", [
        c.enclave.address, expiresAt,
      ]);
      await c.enclaves.connect(c.operator).reattestEnclaveKey(...(await reattestation(c, c.enclave)));
      await expect(c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, late.jobId, late.job)))).to.emit(c.hub, "InferenceFulfilled");
    });

    it("refuses a key whose measurement was revoked (TeeMeasurementNotApproved) and a released one (TeeUnknownKey)", async function () {
      const c = await loadFixture(teeModel);
      const { jobId, job } = await request(c, { deadline: (await now(c)) + 10n * DAY });
      await c.enclaves.revokeMeasurement(MEASUREMENT);
      await expectRefused(c, async () => c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job))), c.tee, "TeeMeasurementNotApproved", [
        MEASUREMENT, MeasurementStatus.Revoked,
      ]);
      await c.enclaves.connect(c.operator).revokeEnclaveKey(c.enclave.address);
      await time.increase(KEY_RELEASE_DELAY);
      await c.enclaves.connect(c.operator).releaseEnclaveKey(c.enclave.address);
      await expectRefused(c, async () => c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job))), c.tee, "TeeUnknownKey", [
        c.enclave.address,
      ]);
    });

    it("credits the key's operator, and counts a second key of the same operator on its own measurement", async function () {
      const c = await loadFixture(teeModel);
      const second = await registerEnclave(c, "enclave key 2", { measurement: OTHER_MEASUREMENT });
      await c.tee.connect(c.modelOwner).setMeasurementAllowed(c.modelId, 1, OTHER_MEASUREMENT, true);
      const { jobId, job } = await request(c);
      const sig = await signResult(c, second, {
        jobId, modelId: job.modelId as string, version: job.version as bigint, inputHash: job.inputHash as string, outputHash: ethersLib.keccak256(OUTPUT),
      });
      // Whoever submits it, the result is credited to the key's operator.
      await expect(c.hub.connect(c.other).fulfill(jobId, job, inline(OUTPUT), sig))
        .to.emit(c.hub, "InferenceFulfilled")
        .withArgs(jobId, c.operator.address, ethersLib.keccak256(OUTPUT), OUTPUT, "");
      expect(await c.hub.creditOf(c.operator.address, ethersLib.ZeroAddress)).to.equal(OPERATOR_REWARD);
      expect(await c.hub.creditOf(c.other.address, ethersLib.ZeroAddress)).to.equal(0n);
    });
  });

  describe("governance", function () {
    it("approves a measurement for a TEE type and revokes it, with events and statuses", async function () {
      const c = await loadFixture(core);
      expect(await c.enclaves.getMeasurement(MEASUREMENT)).to.deep.equal([MeasurementStatus.Unknown, 0n]);
      await expect(c.enclaves.approveMeasurement(MEASUREMENT, TEE_TDX)).to.emit(c.enclaves, "MeasurementApproved").withArgs(MEASUREMENT, TEE_TDX);
      expect(await c.enclaves.getMeasurement(MEASUREMENT)).to.deep.equal([MeasurementStatus.Approved, BigInt(TEE_TDX)]);
      expect(await c.enclaves.measurementStatus(MEASUREMENT)).to.equal(MeasurementStatus.Approved);
      await expect(c.enclaves.revokeMeasurement(MEASUREMENT)).to.emit(c.enclaves, "MeasurementRevoked").withArgs(MEASUREMENT);
      expect(await c.enclaves.getMeasurement(MEASUREMENT)).to.deep.equal([MeasurementStatus.Revoked, BigInt(TEE_TDX)]);
    });

    it("refuses approving the zero measurement, twice, after revocation, or for TEE type zero; revoking unknown or twice", async function () {
      const c = await loadFixture(core);
      const status = (m: string) => c.enclaves.getMeasurement(m);
      await expect(c.enclaves.approveMeasurement(ethersLib.ZeroHash, TEE_NITRO))
        .to.be.revertedWithCustomError(c.enclaves, "EnclaveMeasurementInvalidStatus").withArgs(ethersLib.ZeroHash, MeasurementStatus.Unknown);
      await expect(c.enclaves.approveMeasurement(MEASUREMENT, 0))
        .to.be.revertedWithCustomError(c.enclaves, "EnclaveInvalidTeeType").withArgs(0n, 0n);
      expect(await status(MEASUREMENT)).to.deep.equal([MeasurementStatus.Unknown, 0n]);
      await expect(c.enclaves.revokeMeasurement(MEASUREMENT))
        .to.be.revertedWithCustomError(c.enclaves, "EnclaveMeasurementInvalidStatus").withArgs(MEASUREMENT, MeasurementStatus.Unknown);
      await c.enclaves.approveMeasurement(MEASUREMENT, TEE_NITRO);
      await expect(c.enclaves.approveMeasurement(MEASUREMENT, TEE_TDX))
        .to.be.revertedWithCustomError(c.enclaves, "EnclaveMeasurementInvalidStatus").withArgs(MEASUREMENT, MeasurementStatus.Approved);
      expect(await status(MEASUREMENT)).to.deep.equal([MeasurementStatus.Approved, BigInt(TEE_NITRO)]);
      await c.enclaves.revokeMeasurement(MEASUREMENT);
      for (const send of [() => c.enclaves.revokeMeasurement(MEASUREMENT), () => c.enclaves.approveMeasurement(MEASUREMENT, TEE_NITRO)]) {
        await expect(send()).to.be.revertedWithCustomError(c.enclaves, "EnclaveMeasurementInvalidStatus").withArgs(MEASUREMENT, MeasurementStatus.Revoked);
      }
      expect(await status(MEASUREMENT)).to.deep.equal([MeasurementStatus.Revoked, BigInt(TEE_NITRO)]);
    });

    it("sets a TEE type's attestation verifier (zero: no new keys), refusing type zero", async function () {
      const c = await loadFixture(core);
      const committee = await c.committee.getAddress();
      await expect(c.enclaves.setAttestationVerifier(TEE_NITRO, c.other.address))
        .to.emit(c.enclaves, "AttestationVerifierUpdated").withArgs(TEE_NITRO, committee, c.other.address);
      await expect(c.enclaves.setAttestationVerifier(7, committee))
        .to.emit(c.enclaves, "AttestationVerifierUpdated").withArgs(7, ethersLib.ZeroAddress, committee);
      await expect(c.enclaves.setAttestationVerifier(TEE_NITRO, ethersLib.ZeroAddress))
        .to.emit(c.enclaves, "AttestationVerifierUpdated").withArgs(TEE_NITRO, c.other.address, ethersLib.ZeroAddress);
      expect(await c.enclaves.attestationVerifier(TEE_NITRO)).to.equal(ethersLib.ZeroAddress);
      expect(await c.enclaves.attestationVerifier(7)).to.equal(committee);
      await expect(c.enclaves.setAttestationVerifier(0, committee)).to.be.revertedWithCustomError(c.enclaves, "EnclaveInvalidTeeType").withArgs(0n, 0n);
      expect(await c.enclaves.attestationVerifier(0)).to.equal(ethersLib.ZeroAddress);
    });

    it("sets the key lifetime between 1 hour and 30 days, for later attestations", async function () {
      const c = await loadFixture(withKey);
      await expect(c.enclaves.setKeyLifetime(HOUR)).to.emit(c.enclaves, "KeyLifetimeUpdated").withArgs(KEY_LIFETIME, HOUR);
      await expect(c.enclaves.setKeyLifetime(30n * DAY)).to.emit(c.enclaves, "KeyLifetimeUpdated").withArgs(HOUR, 30n * DAY);
      for (const lifetime of [0n, HOUR - 1n, 30n * DAY + 1n]) {
        await expect(c.enclaves.setKeyLifetime(lifetime)).to.be.revertedWithCustomError(c.enclaves, "EnclaveInvalidKeyLifetime").withArgs(lifetime);
      }
      expect(await c.enclaves.keyLifetime()).to.equal(30n * DAY);
      // The registered key keeps its expiry; its next attestation may live 30 days.
      expect((await c.enclaves.getEnclaveKey(enclave.address)).expiresAt).to.equal(c.expiresAt);
      const t = (await now(c)) + 5n;
      const args = await reattestation(c, enclave, { expiresAt: t + 40n * DAY });
      await time.setNextBlockTimestamp(t);
      await c.enclaves.connect(c.operator).reattestEnclaveKey(...args);
      expect((await c.enclaves.getEnclaveKey(enclave.address)).expiresAt).to.equal(t + 30n * DAY);
    });

    it("sets the least stake for later registrations: a registered key keeps its stake", async function () {
      const c = await loadFixture(withKey);
      const min = ethersLib.parseEther("0.3");
      await expect(c.enclaves.setMinTeeStake(min)).to.emit(c.enclaves, "MinTeeStakeUpdated").withArgs(MIN_TEE_STAKE, min);
      expect(await c.enclaves.minTeeStake()).to.equal(min);
      const r = await registration(c, {}, otherEnclave);
      await expectKeyRefused(c, () => c.enclaves.connect(c.operator).registerEnclaveKey(r.registration, r.keyProof, r.proof), c.enclaves, "EnclaveStakeTooLow", [
        MIN_TEE_STAKE, min,
      ], [otherEnclave.address]);
      expect((await c.enclaves.getEnclaveKey(enclave.address)).stake).to.equal(MIN_TEE_STAKE);
      await c.enclaves.connect(c.operator).reattestEnclaveKey(...(await reattestation(c, enclave)));
    });

    it("sets the hub once, refusing zero and a change", async function () {
      const c = await loadFixture(core);
      const fresh = (await ethers.deployContract("EnclaveRegistry", [c.governance.address, await c.operators.getAddress(), DAY, 0n])) as unknown as EnclaveRegistry;
      await expect(fresh.setHub(ethersLib.ZeroAddress)).to.be.revertedWithCustomError(fresh, "EnclaveZeroAddress");
      await expect(fresh.setHub(c.other.address)).to.emit(fresh, "HubUpdated").withArgs(ethersLib.ZeroAddress, c.other.address);
      await expect(fresh.setHub(c.governance.address)).to.be.revertedWithCustomError(fresh, "EnclaveHubAlreadySet").withArgs(c.other.address);
      expect(await fresh.hub()).to.equal(c.other.address);
      const hub = await c.hub.getAddress();
      await expect(c.enclaves.setHub(c.other.address)).to.be.revertedWithCustomError(c.enclaves, "EnclaveHubAlreadySet").withArgs(hub);
    });

    it("lets only governance call its setters (OwnableUnauthorizedAccount), and nobody renounce ownership", async function () {
      const c = await loadFixture(withKey);
      const calls: [string, unknown[]][] = [
        ["approveMeasurement", [OTHER_MEASUREMENT, TEE_NITRO]],
        ["revokeMeasurement", [MEASUREMENT]],
        ["setAttestationVerifier", [TEE_NITRO, c.other.address]],
        ["setKeyLifetime", [HOUR]],
        ["setMinTeeStake", [0n]],
        ["setHub", [c.other.address]],
        ["renounceOwnership", []],
        ["transferOwnership", [c.other.address]],
      ];
      const before = [
        await c.enclaves.getMeasurement(MEASUREMENT), await c.enclaves.getMeasurement(OTHER_MEASUREMENT),
        await c.enclaves.attestationVerifier(TEE_NITRO), await c.enclaves.keyLifetime(), await c.enclaves.minTeeStake(),
        await c.enclaves.hub(), await c.enclaves.owner(), await c.enclaves.pendingOwner(),
      ];
      for (const caller of [c.operator, c.other, c.modelOwner]) {
        for (const [fn, args] of calls) {
          await expect(c.enclaves.connect(caller).getFunction(fn)(...args))
            .to.be.revertedWithCustomError(c.enclaves, "OwnableUnauthorizedAccount")
            .withArgs(caller.address);
        }
      }
      await expect(c.enclaves.renounceOwnership()).to.be.revertedWithCustomError(c.enclaves, "EnclaveRenounceDisabled");
      expect([
        await c.enclaves.getMeasurement(MEASUREMENT), await c.enclaves.getMeasurement(OTHER_MEASUREMENT),
        await c.enclaves.attestationVerifier(TEE_NITRO), await c.enclaves.keyLifetime(), await c.enclaves.minTeeStake(),
        await c.enclaves.hub(), await c.enclaves.owner(), await c.enclaves.pendingOwner(),
      ]).to.deep.equal(before);
      expect(await c.enclaves.owner()).to.equal(c.governance.address);
    });
  });

  describe("views", function () {
    it("getEnclaveKey: zero fields for an unknown key", async function () {
      const c = await loadFixture(core);
      expect(plain(await c.enclaves.getEnclaveKey(enclave.address))).to.deep.equal([
        ethersLib.ZeroAddress, 0n, KeyStatus.None, 0n, 0n, ethersLib.ZeroHash, ethersLib.ZeroHash, 0n, 0n,
      ]);
    });

    it("activeEnclaveOperator: the operator while the key is active and unexpired on its approved measurement; zero otherwise", async function () {
      const c = await loadFixture(withKey);
      await c.enclaves.approveMeasurement(OTHER_MEASUREMENT, TEE_NITRO);
      expect(await c.enclaves.activeEnclaveOperator(enclave.address, MEASUREMENT)).to.equal(c.operator.address);
      expect(await c.enclaves.activeEnclaveOperator(enclave.address, OTHER_MEASUREMENT)).to.equal(ethersLib.ZeroAddress);
      expect(await c.enclaves.activeEnclaveOperator(otherEnclave.address, MEASUREMENT)).to.equal(ethersLib.ZeroAddress);
      await time.increaseTo(c.expiresAt);
      expect(await c.enclaves.activeEnclaveOperator(enclave.address, MEASUREMENT)).to.equal(c.operator.address);
      await time.increase(1n);
      // Expired: zero, while the record is still Active (its operator may re-attest).
      expect(await c.enclaves.activeEnclaveOperator(enclave.address, MEASUREMENT)).to.equal(ethersLib.ZeroAddress);
      expect((await c.enclaves.getEnclaveKey(enclave.address)).status).to.equal(KeyStatus.Active);
      await c.enclaves.connect(c.operator).reattestEnclaveKey(...(await reattestation(c, enclave)));
      expect(await c.enclaves.activeEnclaveOperator(enclave.address, MEASUREMENT)).to.equal(c.operator.address);
      await c.enclaves.revokeMeasurement(MEASUREMENT);
      expect(await c.enclaves.activeEnclaveOperator(enclave.address, MEASUREMENT)).to.equal(ethersLib.ZeroAddress);
    });

    it("activeEnclaveOperator: zero once the key is revoked", async function () {
      const c = await loadFixture(withKey);
      await c.enclaves.connect(c.operator).revokeEnclaveKey(enclave.address);
      expect(await c.enclaves.activeEnclaveOperator(enclave.address, MEASUREMENT)).to.equal(ethersLib.ZeroAddress);
    });

    it("keyBindingDigest and resultDigest match ethers' EIP-712 encoding", async function () {
      const c = await loadFixture(core);
      const types = { EnclaveKeyBinding: [{ name: "key", type: "address" }, { name: "operator", type: "address" }] };
      for (const [key, operator] of [[enclave.address, c.operator.address], [otherEnclave.address, c.other.address]] as const) {
        expect(await c.enclaves.keyBindingDigest(key, operator)).to.equal(
          ethersLib.TypedDataEncoder.hash(await enclaveDomain(c), types, { key, operator }),
        );
      }
      expect(await c.enclaves.keyBindingDigest(enclave.address, c.operator.address)).to.not.equal(
        await c.enclaves.keyBindingDigest(enclave.address, c.other.address),
      );
      const { chainId } = await ethers.provider.getNetwork();
      const hub = await c.hub.getAddress();
      const r = { jobId: 7n, modelId: ethersLib.id("m"), version: 2, inputHash: ethersLib.id("i"), outputHash: ethersLib.id("o"), outputURIHash: INLINE_URI_HASH };
      expect(await c.enclaves.resultDigest(hub, r.jobId, r.modelId, r.version, r.inputHash, r.outputHash, r.outputURIHash)).to.equal(
        ethersLib.TypedDataEncoder.hash(
          { name: "Verity", version: "1", chainId, verifyingContract: hub },
          { Result: [
            { name: "jobId", type: "uint256" }, { name: "modelId", type: "bytes32" }, { name: "version", type: "uint32" },
            { name: "inputHash", type: "bytes32" }, { name: "outputHash", type: "bytes32" }, { name: "outputURIHash", type: "bytes32" },
          ] },
          r,
        ),
      );
    });
  });

  describe("TEE measurement policy (setMeasurementAllowed)", function () {
    it("lets the model owner allow a measurement for one version and emits TeeMeasurementPolicyUpdated", async function () {
      const c = await loadFixture(teeModel);
      expect(await c.tee.isMeasurementAllowed(c.modelId, 1, OTHER_MEASUREMENT)).to.equal(false);
      await expect(c.tee.connect(c.modelOwner).setMeasurementAllowed(c.modelId, 1, OTHER_MEASUREMENT, true))
        .to.emit(c.tee, "TeeMeasurementPolicyUpdated")
        .withArgs(c.modelId, 1, OTHER_MEASUREMENT, true);
      expect(await c.tee.isMeasurementAllowed(c.modelId, 1, OTHER_MEASUREMENT)).to.equal(true);
      expect(await c.tee.isMeasurementAllowed(c.modelId, 2, OTHER_MEASUREMENT)).to.equal(false);
    });

    it("lets the model owner disallow it again", async function () {
      const c = await loadFixture(teeModel);
      await expect(c.tee.connect(c.modelOwner).setMeasurementAllowed(c.modelId, 1, MEASUREMENT, false))
        .to.emit(c.tee, "TeeMeasurementPolicyUpdated")
        .withArgs(c.modelId, 1, MEASUREMENT, false);
      expect(await c.tee.isMeasurementAllowed(c.modelId, 1, MEASUREMENT)).to.equal(false);
      expect(await c.tee.isMeasurementAllowed(c.modelId, 2, MEASUREMENT)).to.equal(true);
    });

    it("rejects a caller who is not the model owner, including governance", async function () {
      const c = await loadFixture(teeModel);
      for (const caller of [c.other, c.governance, c.operator]) {
        await expect(c.tee.connect(caller).setMeasurementAllowed(c.modelId, 1, OTHER_MEASUREMENT, true))
          .to.be.revertedWithCustomError(c.tee, "TeeNotModelOwner")
          .withArgs(c.modelId, caller.address);
      }
      expect(await c.tee.isMeasurementAllowed(c.modelId, 1, OTHER_MEASUREMENT)).to.equal(false);
    });

    it("rejects an unknown model as not owned by the caller", async function () {
      const c = await loadFixture(teeModel);
      const unknown = modelIdOf(c.modelOwner.address, "no such model");
      await expect(c.tee.connect(c.modelOwner).setMeasurementAllowed(unknown, 1, MEASUREMENT, true))
        .to.be.revertedWithCustomError(c.tee, "TeeNotModelOwner")
        .withArgs(unknown, c.modelOwner.address);
      expect(await c.tee.isMeasurementAllowed(unknown, 1, MEASUREMENT)).to.equal(false);
    });

    it("rejects allowing a measurement for an unknown version with the hub's ModelUnknownVersion", async function () {
      const c = await loadFixture(teeModel);
      await expect(c.tee.connect(c.modelOwner).setMeasurementAllowed(c.modelId, 3, MEASUREMENT, true))
        .to.be.revertedWithCustomError(c.hub, "ModelUnknownVersion")
        .withArgs(c.modelId, 3);
      expect(await c.tee.isMeasurementAllowed(c.modelId, 3, MEASUREMENT)).to.equal(false);
    });

    it("rejects an update that changes nothing", async function () {
      const c = await loadFixture(teeModel);
      await expect(c.tee.connect(c.modelOwner).setMeasurementAllowed(c.modelId, 1, MEASUREMENT, true))
        .to.be.revertedWithCustomError(c.tee, "TeeInvalidPolicyUpdate")
        .withArgs(c.modelId, 1, MEASUREMENT);
      await expect(c.tee.connect(c.modelOwner).setMeasurementAllowed(c.modelId, 1, OTHER_MEASUREMENT, false))
        .to.be.revertedWithCustomError(c.tee, "TeeInvalidPolicyUpdate")
        .withArgs(c.modelId, 1, OTHER_MEASUREMENT);
      // Disallowing on a version that does not exist is such a no-op too.
      await expect(c.tee.connect(c.modelOwner).setMeasurementAllowed(c.modelId, 3, MEASUREMENT, false))
        .to.be.revertedWithCustomError(c.tee, "TeeInvalidPolicyUpdate")
        .withArgs(c.modelId, 3, MEASUREMENT);
      expect(await c.tee.isMeasurementAllowed(c.modelId, 1, MEASUREMENT)).to.equal(true);
      expect(await c.tee.isMeasurementAllowed(c.modelId, 1, OTHER_MEASUREMENT)).to.equal(false);
    });

    it("rejects a measurement governance never approved, and the zero measurement", async function () {
      const c = await loadFixture(teeModel);
      for (const measurement of [ethersLib.id("never approved"), ethersLib.ZeroHash]) {
        await expect(c.tee.connect(c.modelOwner).setMeasurementAllowed(c.modelId, 1, measurement, true))
          .to.be.revertedWithCustomError(c.tee, "TeeUnknownMeasurement")
          .withArgs(measurement);
        expect(await c.tee.isMeasurementAllowed(c.modelId, 1, measurement)).to.equal(false);
      }
    });

    it("lets the model owner disallow a measurement that governance has since revoked", async function () {
      const c = await loadFixture(teeModel);
      await c.enclaves.revokeMeasurement(MEASUREMENT);
      await expect(c.tee.connect(c.modelOwner).setMeasurementAllowed(c.modelId, 1, MEASUREMENT, false))
        .to.emit(c.tee, "TeeMeasurementPolicyUpdated")
        .withArgs(c.modelId, 1, MEASUREMENT, false);
      expect(await c.tee.isMeasurementAllowed(c.modelId, 1, MEASUREMENT)).to.equal(false);
    });

    it("follows model ownership: the new owner sets the policy, the old owner no longer can", async function () {
      const c = await loadFixture(teeModel);
      await c.models.connect(c.modelOwner).transferModelOwnership(c.modelId, c.other.address);
      await c.models.connect(c.other).acceptModelOwnership(c.modelId);
      await expect(c.tee.connect(c.modelOwner).setMeasurementAllowed(c.modelId, 1, OTHER_MEASUREMENT, true))
        .to.be.revertedWithCustomError(c.tee, "TeeNotModelOwner")
        .withArgs(c.modelId, c.modelOwner.address);
      await c.tee.connect(c.other).setMeasurementAllowed(c.modelId, 1, OTHER_MEASUREMENT, true);
      expect(await c.tee.isMeasurementAllowed(c.modelId, 1, OTHER_MEASUREMENT)).to.equal(true);
    });
  });

  describe("disputeTeeResult refusals (the slash itself: test/security/tee-root-of-trust.test.ts)", function () {
    it("refuses a job that is not a TEE job of this registry, unknown or tampered (EnclaveDisputeInvalidJob)", async function () {
      const c = await loadFixture(disputes);
      const { jobId, job, signature } = await signedTeeJob(c);
      const { args } = await teeDisputeArgs(c, jobId, job, signature, c.other.address);
      const [, , signed, uriHash, sig, result, proof] = args;
      const quorum = await modeRequest(c, MODE_QUORUM, quorumParams(1));
      for (const [id, j] of [
        [jobId + 100n, job],
        [jobId, { ...job, fee: 1n }],
        [jobId, { ...job, verifier: await c.operators.getAddress() }],
        [quorum.jobId, quorum.job],
      ] as const) {
        await expectKeyRefused(c, () => c.enclaves.connect(c.other).disputeTeeResult(id, j, signed, uriHash, sig, result, proof), c.enclaves, "EnclaveDisputeInvalidJob", [
          id,
        ], [c.enclave.address], [c.operator.address, c.other.address]);
      }
    });

    it("refuses a malformed signature, a key that is not slashable, an output by URI, and a proof bound to another disputer", async function () {
      const c = await loadFixture(disputes);
      const { jobId, job, signature } = await signedTeeJob(c);
      const { args } = await teeDisputeArgs(c, jobId, job, signature, c.other.address);
      const [, , signed, uriHash, sig, result, proof] = args;
      const dispute = (from: typeof c.other, o: Partial<{ sig: string; signed: string; result: typeof result; proof: string }> = {}) =>
        () => c.enclaves.connect(from).disputeTeeResult(jobId, job, o.signed ?? signed, uriHash, o.sig ?? sig, o.result ?? result, o.proof ?? proof);
      const keys = [c.enclave.address];
      const accounts = [c.operator.address, c.other.address, c.challenger.address];
      await expectKeyRefused(c, dispute(c.other, { sig: ethersLib.dataSlice(sig, 0, 64) }), c.enclaves, "TeeInvalidAttestationLength", [64n], keys, accounts);
      // A signature over another output recovers to no registered key.
      const stranger = ethersLib.recoverAddress(
        await c.enclaves.resultDigest(await c.hub.getAddress(), jobId, job.modelId as string, job.version as bigint, job.inputHash as string, ethersLib.keccak256(OUTPUT), INLINE_URI_HASH),
        sig,
      );
      await expectKeyRefused(c, dispute(c.other, { signed: ethersLib.keccak256(OUTPUT) }), c.enclaves, "EnclaveDisputeKeyNotSlashable", [stranger, KeyStatus.None], keys, accounts);
      await expectKeyRefused(c, dispute(c.other, { result: { ...result, outputURI: "ipfs://true-output" } }), c.enclaves, "EnclaveDisputeOutputNotInline", [jobId], keys, accounts);
      await expectKeyRefused(c, dispute(c.challenger), c.zk, "ZkProofInvalid", [jobId, await c.groth16.getAddress()], keys, accounts);
      expect(WRONG_TEE_OUTPUT).to.not.equal(result.output);
    });

    it("refuses without a dispute verifier in the operator registry (EnclaveNoDisputeVerifier)", async function () {
      const c = await loadFixture(teeModel);
      const { jobId, job } = await request(c);
      const [, , result, sig] = await teeFulfillArgs(c, jobId, job);
      await c.hub.connect(c.operator).fulfill(jobId, job, result, sig);
      await expectKeyRefused(
        c, () => c.enclaves.connect(c.other).disputeTeeResult(jobId, job, ethersLib.keccak256(OUTPUT), INLINE_URI_HASH, sig, inline(WRONG_TEE_OUTPUT), "0x"),
        c.enclaves, "EnclaveNoDisputeVerifier", [], [c.enclave.address], [c.operator.address, c.other.address],
      );
    });

    it("leaves a slashed key slashed: no re-attestation, revocation or release", async function () {
      const c = await loadFixture(disputes);
      const { jobId, job, signature } = await signedTeeJob(c);
      const { args } = await teeDisputeArgs(c, jobId, job, signature, c.other.address);
      const reattest = await reattestation(c, c.enclave);
      await c.enclaves.connect(c.other).disputeTeeResult(...args);
      expect((await c.enclaves.getEnclaveKey(c.enclave.address)).status).to.equal(KeyStatus.Slashed);
      const keys = [c.enclave.address];
      await expectKeyRefused(c, () => c.enclaves.connect(c.operator).reattestEnclaveKey(...reattest), c.enclaves, "EnclaveKeyNotOwned", [
        c.enclave.address, c.operator.address,
      ], keys);
      for (const caller of [c.operator, c.governance]) {
        await expectKeyRefused(c, () => c.enclaves.connect(caller).revokeEnclaveKey(c.enclave.address), c.enclaves, "EnclaveKeyNotOwned", [
          c.enclave.address, caller.address,
        ], keys);
      }
      await time.increase(KEY_LIFETIME + KEY_RELEASE_DELAY);
      await expectKeyRefused(c, () => c.enclaves.connect(c.operator).releaseEnclaveKey(c.enclave.address), c.enclaves, "EnclaveKeyNotReleasable", [
        c.enclave.address, KeyStatus.Slashed, 0n,
      ], keys);
    });
  });
});
