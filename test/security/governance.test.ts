/**
 * Finding 8 (governance can take everything), the parts fixed so far: the registry's hub is set once at deployment
 * (governance could point `setHub` at itself and slash every stake to itself), and neither the hub's nor the
 * registry's owner can renounce ownership (renouncing while paused froze requests for ever).
 * Finding 11 (smaller items): the hub has one `transferOwnership` and one `acceptOwnership` (its governance's);
 * a model's two-step transfer is `transferModelOwnership` / `acceptModelOwnership`.
 * Finding 8, verifiers: `setVerifier` changed the verifier of every pending job at once, so governance (or whoever
 * held its key) could plug in a verifier that accepts anything and fulfil requests already paid for with answers of
 * its choosing. Every job is now committed to the verifier of its mode at request time (`Job.verifier`, part of the
 * commitment): a new verifier only sees jobs requested after it, and TEE and QUORUM stay with the registry.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ethers as E } from "ethers";
import type { TestModule } from "../../types/ethers-contracts/index.js";
import { encodeTensor } from "../../sdk/src/encoding/tensor.js";
import { releaseZkWorkers } from "../../sdk/src/proofs/zk.js";
import { JobStatus, expectRefused, jobLedger } from "../helpers/hub.js";
import { MODE_QUORUM, MODE_TEE, MODE_ZK, OUTPUT, deployWithTeeModel, inlineResult, type TeeSetup } from "../helpers/verity.js";
import { IRIS_INPUT, deployWithZkModel, prove, zkFulfillArgs, zkRequest } from "../helpers/zk.js";

const { ethers, networkHelpers } = await network.create();

async function system() {
  return deployWithTeeModel(ethers);
}

/** The ZK system and an "evil" verifier that accepts every request and every result (TestModule). */
async function zkSystem() {
  const c = await deployWithZkModel(ethers);
  const evil = (await ethers.deployContract("TestModule")) as unknown as TestModule;
  return { ...c, evil };
}

describe("security: governance powers (findings 8 and 11)", function () {
  this.timeout(120_000);
  after(releaseZkWorkers);

  describe("a pending job keeps the verifier it was requested under (F8)", function () {
    it("refuses to fulfil a ZK job requested before setVerifier(2, evil) with the evil verifier's blessing; its proof still lands", async function () {
      const c = await networkHelpers.loadFixture(zkSystem);
      const { jobId, job } = await zkRequest(c, IRIS_INPUT);
      expect(job.verifier).to.equal(await c.zk.getAddress());
      // Governance (or whoever holds its key) plugs in a verifier that accepts anything...
      await c.hub.connect(c.governance).setVerifier(MODE_ZK, await c.evil.getAddress());
      expect(await c.hub.verifierOf(MODE_ZK)).to.equal(await c.evil.getAddress());
      // ...and tries to fulfil the paid, pending job with an answer of its choosing and no proof.
      const before = await jobLedger(c as unknown as TeeSetup, jobId, job);
      await expectRefused(
        c as unknown as TeeSetup,
        () => c.hub.connect(c.governance).fulfill(jobId, job, inlineResult(OUTPUT), "0x"),
        c.zk, "ZkMalformedAttestation", [0n],
        [c.requester.address, c.governance.address, c.operator.address],
      );
      // Rewriting the job's verifier field to the evil one does not match the commitment.
      const evil = await c.evil.getAddress();
      await expectRefused(
        c as unknown as TeeSetup,
        () => c.hub.connect(c.governance).fulfill(jobId, { ...job, verifier: evil }, inlineResult(OUTPUT), "0x"),
        c.hub, "HubCommitmentMismatch", [jobId],
        [c.requester.address, c.governance.address, c.operator.address],
      );
      expect(await jobLedger(c as unknown as TeeSetup, jobId, job)).to.deep.equal(before);
      expect(await c.hub.creditOf(c.governance.address, E.ZeroAddress)).to.equal(0n);
      // The job is still the ZK verifier's: the operator's proof fulfils it.
      const proved = await prove(c.weights, IRIS_INPUT, { jobId, submitter: c.operator.address });
      await expect(c.hub.connect(c.operator).fulfill(...zkFulfillArgs(jobId, job, proved)))
        .to.emit(c.hub, "InferenceFulfilled")
        .withArgs(jobId, c.operator.address, E.keccak256(encodeTensor(proved.output)), encodeTensor(proved.output), "");
      expect((await c.hub.getJob(jobId))[0]).to.equal(JobStatus.Fulfilled);
      // Only a job requested after the change, in full view of the requester, is the new verifier's.
      const later = await zkRequest(c, IRIS_INPUT);
      expect(later.job.verifier).to.equal(await c.evil.getAddress());
    });

    it("refuses to move TEE and QUORUM away from their registries (HubBuiltInMode)", async function () {
      const c = await networkHelpers.loadFixture(zkSystem);
      for (const [mode, registry] of [[MODE_TEE, c.enclaves], [MODE_QUORUM, c.operators]] as const) {
        await expect(c.hub.connect(c.governance).setVerifier(mode, await c.evil.getAddress()))
          .to.be.revertedWithCustomError(c.hub, "HubBuiltInMode")
          .withArgs(mode);
        expect(await c.hub.verifierOf(mode)).to.equal(await registry.getAddress());
      }
    });
  });

  it("refuses to point the registry at another hub (governance cannot slash stakes to itself)", async function () {
    const c = await networkHelpers.loadFixture(system);
    const hub = await c.hub.getAddress();
    const stakeBefore = (await c.operators.getOperator(c.operator.address)).stake;
    await expect(c.operators.connect(c.governance).setHub(c.governance.address))
      .to.be.revertedWithCustomError(c.operators, "OperatorHubAlreadySet")
      .withArgs(hub);
    expect(await c.operators.hub()).to.equal(hub);
    // Governance is not the hub, so it cannot slash.
    await expect(c.operators.connect(c.governance).slash(c.operator.address, stakeBefore, c.governance.address, 0n, 1n))
      .to.be.revertedWithCustomError(c.operators, "OperatorOnlyHub")
      .withArgs(c.governance.address);
    expect((await c.operators.getOperator(c.operator.address)).stake).to.equal(stakeBefore);
  });

  it("refuses to point the registry at another enclave registry, or the enclave registry at another hub", async function () {
    const c = await networkHelpers.loadFixture(system);
    const [enclaves, hub] = [await c.enclaves.getAddress(), await c.hub.getAddress()];
    const locked = (await c.operators.getOperator(c.operator.address)).locked;
    // A second enclave registry (one governance controls) could lock and slash stakes: set once, for ever.
    await expect(c.operators.connect(c.governance).setEnclaveRegistry(c.governance.address))
      .to.be.revertedWithCustomError(c.operators, "OperatorEnclaveRegistryAlreadySet")
      .withArgs(enclaves);
    await expect(c.enclaves.connect(c.governance).setHub(c.governance.address))
      .to.be.revertedWithCustomError(c.enclaves, "EnclaveHubAlreadySet")
      .withArgs(hub);
    expect(await c.operators.enclaveRegistry()).to.equal(enclaves);
    expect(await c.enclaves.hub()).to.equal(hub);
    // Governance is neither the hub nor the enclave registry: it cannot unlock a key's stake.
    await expect(c.operators.connect(c.governance).unlock(c.operator.address, locked, 0n))
      .to.be.revertedWithCustomError(c.operators, "OperatorOnlyHub")
      .withArgs(c.governance.address);
    expect((await c.operators.getOperator(c.operator.address)).locked).to.equal(locked);
  });

  it("refuses renounceOwnership on the hub, even while paused, and keeps its owner", async function () {
    const c = await networkHelpers.loadFixture(system);
    await c.hub.connect(c.governance).setPaused(true);
    await expect(c.hub.connect(c.governance).renounceOwnership()).to.be.revertedWithCustomError(c.hub, "HubRenounceDisabled");
    expect(await c.hub.owner()).to.equal(c.governance.address);
    await c.hub.connect(c.governance).setPaused(false);
    expect(await c.hub.paused()).to.equal(false);
  });

  it("refuses renounceOwnership on the registry and keeps its owner", async function () {
    const c = await networkHelpers.loadFixture(system);
    const owner = await c.operators.owner();
    const signer = await ethers.getSigner(owner);
    await expect(c.operators.connect(signer).renounceOwnership()).to.be.revertedWithCustomError(c.operators, "OperatorRenounceDisabled");
    expect(await c.operators.owner()).to.equal(owner);
  });

  it("still refuses renounceOwnership from anyone but the owner with Ownable's own error", async function () {
    const c = await networkHelpers.loadFixture(system);
    await expect(c.hub.connect(c.other).renounceOwnership())
      .to.be.revertedWithCustomError(c.hub, "OwnableUnauthorizedAccount")
      .withArgs(c.other.address);
  });

  it("has no overloaded functions in the hub's ABI (ABI tools see one transferOwnership and one acceptOwnership)", async function () {
    const c = await networkHelpers.loadFixture(system);
    const names = c.hub.interface.fragments.filter((f): f is E.FunctionFragment => f.type === "function").map((f) => f.name);
    const overloaded = names.filter((n, i) => names.indexOf(n) !== i);
    expect(overloaded).to.deep.equal([]);
    expect(names).to.include.members(["transferOwnership", "acceptOwnership", "transferModelOwnership", "acceptModelOwnership"]);
  });
});
