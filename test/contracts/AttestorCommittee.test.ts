/**
 * The AttestorCommittee, the default attestation verifier: k of n governance-approved attestors sign (EIP-712)
 * `AttestorApproval(teeType, evidenceHash, measurement, key, operator, expiresAt)`; the proof is their 65-byte
 * signatures, signers strictly ascending. Governance rotates attestors and the threshold (a removed attestor's
 * signature stops counting at once) and cannot renounce ownership. Every refusal is checked with its arguments and
 * with the committee's state unchanged.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ethers as ethersLib } from "ethers";
import type { AttestorCommittee } from "../../types/ethers-contracts/index.js";
import { APPROVAL_TYPES, MEASUREMENT, TEE_NITRO, TEE_TDX, attestorApproval, byAddress, committeeDomain, now, type AttestationClaim } from "../helpers/verity.js";
import { signersAt } from "../helpers/registries.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

/** Five attestor wallets, ascending by address; the committee starts with the first three, threshold 2. */
const WALLETS = byAddress([1, 2, 3, 4, 5].map((n) => new ethersLib.Wallet(ethersLib.id(`committee attestor ${n}`))));
const [A, B, C, D, E] = WALLETS as [ethersLib.Wallet, ethersLib.Wallet, ethersLib.Wallet, ethersLib.Wallet, ethersLib.Wallet];
const outsider = new ethersLib.Wallet(ethersLib.id("not an attestor"));
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

async function committeeFixture() {
  const [governance, other] = await signersAt(ethers, 0, 4);
  const committee = (await ethers.deployContract("AttestorCommittee", [
    governance.address,
    [A.address, B.address, C.address],
    2n,
  ])) as unknown as AttestorCommittee;
  const c = { ethers, committee };
  const claim: AttestationClaim = {
    teeType: TEE_NITRO,
    evidenceHash: ethersLib.id("evidence"),
    measurement: MEASUREMENT,
    key: new ethersLib.Wallet(ethersLib.id("enclave key 1")).address,
    operator: other.address,
    expiresAt: (await now(c)) + 7n * 24n * 3600n,
  };
  return { ...c, governance, other, claim };
}

type Setup = Awaited<ReturnType<typeof committeeFixture>>;

/** The committee's state: attestors (sorted), threshold, owner. */
async function state(c: Setup) {
  return {
    attestors: [...(await c.committee.attestors())].sort(),
    threshold: await c.committee.threshold(),
    owner: await c.committee.owner(),
    pending: await c.committee.pendingOwner(),
  };
}

/** The proof signed by `signers` for the fixture's claim (or `claim`), ascending unless `sort` is false. */
const proofOf = (c: Setup, signers: ethersLib.Wallet[], claim = c.claim, sort = true) => attestorApproval(c, claim, signers, sort);

/** A call of `verifyAttestation` is refused with `error(...args)`. */
async function expectRejected(c: Setup, proof: string, error: string, args: unknown[], claim = c.claim) {
  await expect(c.committee.verifyAttestation(claim, proof))
    .to.be.revertedWithCustomError(c.committee, error)
    .withArgs(...args);
}

/** A governance call is refused with `error(...args)` and the committee's state is unchanged. */
async function expectGovernanceRefused(c: Setup, send: () => Promise<unknown>, error: string, args: unknown[]) {
  const before = await state(c);
  await expect(send())
    .to.be.revertedWithCustomError(c.committee, error)
    .withArgs(...args);
  expect(await state(c)).to.deep.equal(before);
}

describe("AttestorCommittee", function () {
  describe("deployment", function () {
    it("starts with the given owner, attestors and threshold, emitting AttestorUpdated and ThresholdUpdated", async function () {
      const c = await loadFixture(committeeFixture);
      const tx = c.committee.deploymentTransaction()!;
      for (const a of [A, B, C]) await expect(tx).to.emit(c.committee, "AttestorUpdated").withArgs(a.address, true);
      await expect(tx).to.emit(c.committee, "ThresholdUpdated").withArgs(0n, 2n);
      expect(await state(c)).to.deep.equal({
        attestors: [A.address, B.address, C.address].sort(),
        threshold: 2n,
        owner: c.governance.address,
        pending: ethersLib.ZeroAddress,
      });
      for (const a of [A, B, C]) expect(await c.committee.isAttestor(a.address)).to.equal(true);
      for (const a of [D, outsider]) expect(await c.committee.isAttestor(a.address)).to.equal(false);
      expect(await c.committee.MAX_ATTESTORS()).to.equal(32n);
      expect(await c.committee.APPROVAL_TYPEHASH()).to.equal(
        ethersLib.id("AttestorApproval(uint8 teeType,bytes32 evidenceHash,bytes32 measurement,address key,address operator,uint64 expiresAt)"),
      );
      const { chainId } = await ethers.provider.getNetwork();
      const [, name, version, domainChainId, verifyingContract] = await c.committee.eip712Domain();
      expect([name, version, domainChainId, verifyingContract]).to.deep.equal(["Verity AttestorCommittee", "1", chainId, await c.committee.getAddress()]);
    });

    it("refuses a threshold of zero or above the attestors, no attestors, a zero or duplicate attestor, more than 32", async function () {
      const [governance] = await signersAt(ethers, 0);
      const factory = await ethers.getContractFactory("AttestorCommittee");
      const three = [A.address, B.address, C.address];
      const deploy = (attestors: string[], threshold: bigint) => factory.deploy(governance.address, attestors, threshold);
      await expect(deploy(three, 0n)).to.be.revertedWithCustomError(factory, "CommitteeInvalidThreshold").withArgs(0n, 3n);
      await expect(deploy(three, 4n)).to.be.revertedWithCustomError(factory, "CommitteeInvalidThreshold").withArgs(4n, 3n);
      await expect(deploy([], 1n)).to.be.revertedWithCustomError(factory, "CommitteeInvalidThreshold").withArgs(1n, 0n);
      await expect(deploy([A.address, ethersLib.ZeroAddress], 1n))
        .to.be.revertedWithCustomError(factory, "CommitteeInvalidAttestorUpdate").withArgs(ethersLib.ZeroAddress, true);
      await expect(deploy([A.address, B.address, A.address], 1n))
        .to.be.revertedWithCustomError(factory, "CommitteeInvalidAttestorUpdate").withArgs(A.address, true);
      const many = Array.from({ length: 33 }, (_, i) => ethersLib.getAddress(ethersLib.toBeHex(i + 1, 20)));
      await expect(deploy(many, 1n)).to.be.revertedWithCustomError(factory, "CommitteeInvalidThreshold").withArgs(0n, 33n);
      const committee = await deploy(many.slice(0, 32), 32n);
      expect(await committee.getFunction("threshold")()).to.equal(32n);
    });
  });

  describe("verifyAttestation", function () {
    it("accepts any k of n attestors (and all n), returning the claim's expiry and the signers ascending", async function () {
      const c = await loadFixture(committeeFixture);
      for (const signers of [[A, B], [A, C], [B, C], [A, B, C]]) {
        const [validUntil, attestors] = await c.committee.verifyAttestation(c.claim, await proofOf(c, signers));
        expect(validUntil).to.equal(c.claim.expiresAt);
        expect([...attestors]).to.deep.equal(signers.map((s) => s.address));
      }
      // Any claim its attestors signed: a TDX one here.
      const tdx = { ...c.claim, teeType: TEE_TDX, measurement: ethersLib.id("a TDX measurement") };
      expect((await c.committee.verifyAttestation(tdx, await proofOf(c, [B, C], tdx)))[0]).to.equal(tdx.expiresAt);
    });

    it("refuses fewer signatures than the threshold (CommitteeBelowThreshold)", async function () {
      const c = await loadFixture(committeeFixture);
      for (const s of [A, B, C]) await expectRejected(c, await proofOf(c, [s]), "CommitteeBelowThreshold", [1n, 2n]);
      await c.committee.setThreshold(3n);
      await expectRejected(c, await proofOf(c, [A, C]), "CommitteeBelowThreshold", [2n, 3n]);
    });

    it("refuses a duplicate signer and signers out of order (CommitteeSignersNotAscending)", async function () {
      const c = await loadFixture(committeeFixture);
      const [sigA, sigB] = [await proofOf(c, [A]), await proofOf(c, [B])];
      await expectRejected(c, ethersLib.concat([sigA, sigA]), "CommitteeSignersNotAscending", [1n, A.address]);
      await expectRejected(c, ethersLib.concat([sigB, sigA]), "CommitteeSignersNotAscending", [1n, A.address]);
      await expectRejected(c, await proofOf(c, [C, B, A], c.claim, false), "CommitteeSignersNotAscending", [1n, B.address]);
      await expectRejected(c, ethersLib.concat([sigA, sigB, sigB]), "CommitteeSignersNotAscending", [2n, B.address]);
    });

    it("refuses a non-attestor's signature, a malformed one and a malleated (high-s) one (CommitteeNotAttestor)", async function () {
      const c = await loadFixture(committeeFixture);
      const sorted = byAddress([A, outsider]);
      const at = sorted.findIndex((w) => w.address === outsider.address);
      await expectRejected(c, await proofOf(c, [A, outsider]), "CommitteeNotAttestor", [BigInt(at), outsider.address]);
      await expectRejected(c, await proofOf(c, [D, E]), "CommitteeNotAttestor", [0n, D.address]);
      const zero = ethersLib.hexlify(new Uint8Array(65));
      await expectRejected(c, ethersLib.concat([await proofOf(c, [A]), zero]), "CommitteeNotAttestor", [1n, ethersLib.ZeroAddress]);
      // The same signature with s' = n - s (and v flipped) recovers to A too, but is refused as malleable.
      const sig = ethersLib.Signature.from(await proofOf(c, [A]));
      const highS = ethersLib.concat([sig.r, ethersLib.toBeHex(SECP256K1_N - BigInt(sig.s), 32), ethersLib.toBeHex(sig.v === 27 ? 28 : 27, 1)]);
      await expectRejected(c, ethersLib.concat([highS, await proofOf(c, [B])]), "CommitteeNotAttestor", [0n, ethersLib.ZeroAddress]);
    });

    it("refuses a proof that is not whole 65-byte signatures, or more than 32 (CommitteeMalformedProof)", async function () {
      const c = await loadFixture(committeeFixture);
      const two = await proofOf(c, [A, B]);
      for (const proof of ["0x", ethersLib.dataSlice(two, 0, 64), ethersLib.concat([two, "0x00"]), ethersLib.dataSlice(two, 0, 129)]) {
        await expectRejected(c, proof, "CommitteeMalformedProof", [BigInt(ethersLib.dataLength(proof))]);
      }
      const tooMany = ethersLib.concat(Array.from({ length: 33 }, () => ethersLib.dataSlice(two, 0, 65)));
      await expectRejected(c, tooMany, "CommitteeMalformedProof", [33n * 65n]);
    });

    it("refuses an approval whose expiry is not in the future (CommitteeApprovalExpired)", async function () {
      const c = await loadFixture(committeeFixture);
      for (const expiresAt of [0n, (await now(c)) - 1n, await now(c)]) {
        const claim = { ...c.claim, expiresAt };
        await expectRejected(c, await proofOf(c, [A, B], claim), "CommitteeApprovalExpired", [expiresAt], claim);
      }
      await time.increaseTo(c.claim.expiresAt);
      await expectRejected(c, await proofOf(c, [A, B]), "CommitteeApprovalExpired", [c.claim.expiresAt]);
    });

    it("binds every field of the claim: a signature for another claim recovers to a non-attestor", async function () {
      const c = await loadFixture(committeeFixture);
      const domain = await committeeDomain(c);
      for (const change of [
        { teeType: TEE_TDX },
        { evidenceHash: ethersLib.id("other evidence") },
        { measurement: ethersLib.id("other measurement") },
        { key: outsider.address },
        { operator: c.governance.address },
        { expiresAt: c.claim.expiresAt + 1n },
      ]) {
        const proof = await proofOf(c, [A, B], { ...c.claim, ...change });
        const recovered = ethersLib.verifyTypedData(domain, APPROVAL_TYPES, c.claim, ethersLib.dataSlice(proof, 0, 65));
        await expectRejected(c, proof, "CommitteeNotAttestor", [0n, recovered]);
      }
      // Another committee's domain (another address, another chain).
      for (const other of [{ verifyingContract: c.governance.address }, { chainId: 1n }]) {
        const signatures = await Promise.all([A, B].map((w) => w.signTypedData({ ...domain, ...other }, APPROVAL_TYPES, c.claim)));
        const recovered = ethersLib.verifyTypedData(domain, APPROVAL_TYPES, c.claim, signatures[0]!);
        await expectRejected(c, ethersLib.concat(signatures), "CommitteeNotAttestor", [0n, recovered]);
      }
    });

    it("approvalDigest is the EIP-712 hash of the claim under the committee's domain", async function () {
      const c = await loadFixture(committeeFixture);
      for (const claim of [c.claim, { ...c.claim, teeType: TEE_TDX, expiresAt: 1n }]) {
        expect(await c.committee.approvalDigest(claim)).to.equal(ethersLib.TypedDataEncoder.hash(await committeeDomain(c), APPROVAL_TYPES, claim));
      }
    });
  });

  describe("rotation (setAttestor, setThreshold)", function () {
    it("stops counting a removed attestor's signature at once; a new attestor's counts", async function () {
      const c = await loadFixture(committeeFixture);
      const proof = await proofOf(c, [A, B]);
      await c.committee.verifyAttestation(c.claim, proof);
      await expect(c.committee.setAttestor(A.address, false)).to.emit(c.committee, "AttestorUpdated").withArgs(A.address, false);
      expect(await c.committee.isAttestor(A.address)).to.equal(false);
      await expectRejected(c, proof, "CommitteeNotAttestor", [0n, A.address]);
      await expect(c.committee.setAttestor(D.address, true)).to.emit(c.committee, "AttestorUpdated").withArgs(D.address, true);
      const [, signers] = await c.committee.verifyAttestation(c.claim, await proofOf(c, [B, D]));
      expect([...signers]).to.deep.equal([B.address, D.address]);
      expect([...(await c.committee.attestors())].sort()).to.deep.equal([B.address, C.address, D.address].sort());
    });

    it("sets the threshold between 1 and the number of attestors, emitting ThresholdUpdated", async function () {
      const c = await loadFixture(committeeFixture);
      await expect(c.committee.setThreshold(3n)).to.emit(c.committee, "ThresholdUpdated").withArgs(2n, 3n);
      await expect(c.committee.setThreshold(1n)).to.emit(c.committee, "ThresholdUpdated").withArgs(3n, 1n);
      expect((await c.committee.verifyAttestation(c.claim, await proofOf(c, [C])))[0]).to.equal(c.claim.expiresAt);
      for (const threshold of [0n, 4n]) {
        await expectGovernanceRefused(c, () => c.committee.setThreshold(threshold), "CommitteeInvalidThreshold", [threshold, 3n]);
      }
    });

    it("refuses adding the zero address or an attestor twice, removing a stranger, or removing below the threshold", async function () {
      const c = await loadFixture(committeeFixture);
      await expectGovernanceRefused(c, () => c.committee.setAttestor(ethersLib.ZeroAddress, true), "CommitteeInvalidAttestorUpdate", [ethersLib.ZeroAddress, true]);
      await expectGovernanceRefused(c, () => c.committee.setAttestor(ethersLib.ZeroAddress, false), "CommitteeInvalidAttestorUpdate", [ethersLib.ZeroAddress, false]);
      await expectGovernanceRefused(c, () => c.committee.setAttestor(B.address, true), "CommitteeInvalidAttestorUpdate", [B.address, true]);
      await expectGovernanceRefused(c, () => c.committee.setAttestor(D.address, false), "CommitteeInvalidAttestorUpdate", [D.address, false]);
      await c.committee.setThreshold(3n);
      await expectGovernanceRefused(c, () => c.committee.setAttestor(C.address, false), "CommitteeInvalidThreshold", [3n, 2n]);
    });

    it("refuses a 33rd attestor", async function () {
      const c = await loadFixture(committeeFixture);
      for (let i = 1; i <= 29; i++) await c.committee.setAttestor(ethersLib.getAddress(ethersLib.toBeHex(i, 20)), true);
      expect((await c.committee.attestors()).length).to.equal(32);
      await expectGovernanceRefused(c, () => c.committee.setAttestor(D.address, true), "CommitteeInvalidThreshold", [2n, 33n]);
    });
  });

  describe("ownership", function () {
    it("lets only governance rotate (OwnableUnauthorizedAccount), and nobody renounce", async function () {
      const c = await loadFixture(committeeFixture);
      for (const send of [
        () => c.committee.connect(c.other).setAttestor(D.address, true),
        () => c.committee.connect(c.other).setAttestor(A.address, false),
        () => c.committee.connect(c.other).setThreshold(1n),
        () => c.committee.connect(c.other).renounceOwnership(),
        () => c.committee.connect(c.other).transferOwnership(c.other.address),
      ]) {
        await expectGovernanceRefused(c, send, "OwnableUnauthorizedAccount", [c.other.address]);
      }
      const before = await state(c);
      await expect(c.committee.renounceOwnership()).to.be.revertedWithCustomError(c.committee, "CommitteeRenounceDisabled");
      expect(await state(c)).to.deep.equal(before);
    });

    it("hands ownership over in two steps", async function () {
      const c = await loadFixture(committeeFixture);
      await c.committee.transferOwnership(c.other.address);
      expect(await c.committee.owner()).to.equal(c.governance.address);
      await c.committee.connect(c.other).acceptOwnership();
      expect(await c.committee.owner()).to.equal(c.other.address);
      await expect(c.committee.setThreshold(1n))
        .to.be.revertedWithCustomError(c.committee, "OwnableUnauthorizedAccount")
        .withArgs(c.governance.address);
      await c.committee.connect(c.other).setThreshold(1n);
    });
  });
});
