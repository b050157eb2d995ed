/**
 * Finding 2, ZK part (copied proofs): a Groth16 proof of the MLP circuit bound neither the job nor the submitter.
 * A front-runner who copied a pending `fulfill(zk)`'s proof from the mempool took the operator fee, and a proof read
 * from an old fulfilment's calldata fulfilled any later job with the same version and input. The circuit now takes
 * `jobId` and `submitter` (the account that calls the hub) as public inputs, and ZkVerifier passes `job.jobId` and
 * `job.submitter`, so a copied proof fails with `ZkProofInvalid`.
 * Finding 7, ZK verifier side (any Groth16 verifier): a version's Groth16 verifier was any address its model owner
 * named, and the verifying key hash it declared was never checked against it. ZkVerifier now calls a version's
 * verifier only when governance allowed its runtime code hash for the version's key hash (`ZkCircuitNotAllowed`),
 * and `checkRequest` lets a mode refuse at request time a job that no proof could settle.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ethers as E } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { encodeTensor, tensor } from "../../sdk/src/encoding/tensor.js";
import { releaseZkWorkers } from "../../sdk/src/proofs/zk.js";
import { JobStatus, expectRefused, jobLedger } from "../helpers/hub.js";
import { MODEL_FEE, OPERATOR_REWARD, type JobStruct, type TeeSetup } from "../helpers/verity.js";
import {
  IRIS_INPUT,
  type ProofTuple,
  type ZkSetup,
  ZK_VERSION,
  codeHashOf,
  deployWithZkModel,
  prove,
  zkFulfillArgs,
  zkRequest,
} from "../helpers/zk.js";

const { ethers, networkHelpers } = await network.create();
const NATIVE = E.ZeroAddress;
const Role = { Input: 0n, Output: 1n } as const;

/** Runtime code that answers every call with a 32-byte `true`: a Groth16 "verifier" that accepts anything. */
const ACCEPT_ALL_RUNTIME = "0x600160005260206000f3";
/** Its creation code: copy the 10 runtime bytes to memory and return them. */
const ACCEPT_ALL_CREATION = `0x600a600c600039600a6000f3${ACCEPT_ALL_RUNTIME.slice(2)}`;

async function fixture() {
  return deployWithZkModel(ethers);
}

/** Everything a refused fulfilment could move for one job: its slot, the credits of everyone involved. */
async function ledger(c: ZkSetup, jobId: bigint, job: JobStruct, frontRunner: HardhatEthersSigner) {
  return {
    ...(await jobLedger(c as unknown as TeeSetup, jobId, job)),
    frontRunner: await c.hub.creditOf(frontRunner.address, NATIVE),
  };
}

/**
 * Sends `send`, expects ZkVerifier's `error(...args)`, and checks that no balance (but the gas of a mined refusal),
 * no credit and the job's slot moved.
 */
async function expectZkRefused(
  c: ZkSetup,
  jobId: bigint,
  job: JobStruct,
  send: () => Promise<unknown>,
  error: string,
  args: unknown[],
) {
  const before = await ledger(c, jobId, job, c.other);
  expect(before.status).to.equal(JobStatus.Pending);
  await expectRefused(c as unknown as TeeSetup, send, c.zk, error, args, [
    c.requester.address,
    c.operator.address,
    c.other.address,
    c.treasury.address,
  ]);
  expect(await ledger(c, jobId, job, c.other)).to.deep.equal(before);
}

/** Expects a ZK request for IRIS_INPUT against `version` to be refused with ZkVerifier's error, escrowing nothing. */
async function expectRequestRefused(c: ZkSetup, version: number, error: string, args: unknown[]) {
  await expectRefused(c as unknown as TeeSetup, () => zkRequest(c, IRIS_INPUT, { version }), c.zk, error, args, [c.requester.address]);
}

/** The `fulfill` arguments of a transaction, decoded from its calldata as anyone watching the chain can. */
function fulfilArgsOf(c: ZkSetup, data: string) {
  const parsed = c.hub.interface.parseTransaction({ data });
  expect(parsed?.name).to.equal("fulfill");
  const [jobId, job, result, attestation] = parsed!.args;
  const res = (result as E.Result).toObject() as { output: string; outputURI: string; outputHash: string };
  return [jobId as bigint, (job as E.Result).toObject() as JobStruct, res, attestation as string] as const;
}

/** Deploys the accept-anything verifier (from `from`, e.g. a model owner) and returns its address. */
async function deployAcceptAll(from: HardhatEthersSigner): Promise<string> {
  const receipt = await (await from.sendTransaction({ data: ACCEPT_ALL_CREATION })).wait();
  const address = receipt!.contractAddress!;
  expect(await ethers.provider.getCode(address)).to.equal(ACCEPT_ALL_RUNTIME);
  return address;
}

describe("security: copied ZK proofs and unvetted Groth16 verifiers (findings 2 and 7)", function () {
  this.timeout(120_000);
  after(releaseZkWorkers);

  describe("a proof is bound to its submitter (front-running)", function () {
    it("refuses a front-runner's copy of a pending fulfill(zk), mined ahead of it; the operator's own fulfil lands and is paid", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await zkRequest(c, IRIS_INPUT);
      const proved = await prove(c.weights, IRIS_INPUT, { jobId, submitter: c.operator.address });
      const groth16 = await c.groth16.getAddress();
      const hubBalance = await ethers.provider.getBalance(await c.hub.getAddress());
      const frontRunnerBalance = await ethers.provider.getBalance(c.other.address);

      await ethers.provider.send("evm_setAutomine", [false]);
      let honestHash: string;
      let copyHash: string;
      try {
        // The operator broadcasts its fulfilment: it sits in the mempool.
        const honest = await c.hub.connect(c.operator).fulfill(...zkFulfillArgs(jobId, job, proved), { gasLimit: 1_000_000n });
        honestHash = honest.hash;
        const seen = await ethers.provider.getTransaction(honestHash);
        expect(seen!.blockNumber, "still pending").to.equal(null);
        // The front-runner copies its calldata and outbids it.
        const copied = fulfilArgsOf(c, seen!.data);
        const copy = await c.hub.connect(c.other).fulfill(...copied, {
          gasLimit: 1_000_000n,
          maxFeePerGas: seen!.maxFeePerGas! * 2n,
          maxPriorityFeePerGas: seen!.maxPriorityFeePerGas! * 2n + 1n,
        });
        copyHash = copy.hash;
        await networkHelpers.mine();
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }

      const copyReceipt = (await ethers.provider.getTransactionReceipt(copyHash))!;
      const honestReceipt = (await ethers.provider.getTransactionReceipt(honestHash))!;
      expect(copyReceipt.blockNumber).to.equal(honestReceipt.blockNumber);
      expect(copyReceipt.index, "the copy ran first: a real front-run").to.be.lessThan(honestReceipt.index);
      expect(copyReceipt.status, "the copy reverted").to.equal(0);
      expect(honestReceipt.status, "the operator's fulfilment landed").to.equal(1);
      // The copy's error, replayed on the state it ran on (the block before, since it ran first).
      const copied = fulfilArgsOf(c, (await ethers.provider.getTransaction(copyHash))!.data);
      await expect(c.hub.connect(c.other).fulfill.staticCall(...copied, { blockTag: copyReceipt.blockNumber - 1 }))
        .to.be.revertedWithCustomError(c.zk, "ZkProofInvalid")
        .withArgs(jobId, groth16);

      // The front-runner paid its gas and got nothing; the operator is credited; the escrow stayed in the hub.
      expect(await ethers.provider.getBalance(c.other.address)).to.equal(
        frontRunnerBalance - copyReceipt.gasUsed * copyReceipt.gasPrice,
      );
      expect(await c.hub.creditOf(c.other.address, NATIVE)).to.equal(0n);
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(OPERATOR_REWARD);
      expect(await c.hub.modelEarnings(c.modelId, NATIVE)).to.equal(MODEL_FEE);
      expect(await ethers.provider.getBalance(await c.hub.getAddress())).to.equal(hubBalance);
      const [fulfilled] = await c.hub.queryFilter(c.hub.filters.InferenceFulfilled(jobId), honestReceipt.blockNumber);
      expect(fulfilled!.args.operator).to.equal(c.operator.address);
      expect(fulfilled!.transactionHash).to.equal(honestHash);
      expect((await c.hub.getJob(jobId))[0]).to.equal(JobStatus.Fulfilled);
    });

    it("refuses the copied proof sent on its own, moving nothing; then the operator fulfils and gets the fee", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const { jobId, job } = await zkRequest(c, IRIS_INPUT);
      const proved = await prove(c.weights, IRIS_INPUT, { jobId, submitter: c.operator.address });
      const args = zkFulfillArgs(jobId, job, proved);
      await expectZkRefused(
        c, jobId, job,
        () => c.hub.connect(c.other).fulfill(...args, { gasLimit: 1_000_000n }),
        "ZkProofInvalid", [jobId, await c.groth16.getAddress()],
      );
      const before = await c.hub.creditOf(c.operator.address, NATIVE);
      await expect(c.hub.connect(c.operator).fulfill(...args))
        .to.emit(c.hub, "InferenceFulfilled")
        .withArgs(jobId, c.operator.address, E.keccak256(encodeTensor(proved.output)), encodeTensor(proved.output), "");
      expect((await c.hub.creditOf(c.operator.address, NATIVE)) - before).to.equal(OPERATOR_REWARD);
      expect(await c.hub.creditOf(c.other.address, NATIVE)).to.equal(0n);
    });
  });

  describe("a proof is bound to its job (replay)", function () {
    it("refuses the proof read from job 1's fulfil calldata for job 2 (same version and input), from anyone", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const first = await zkRequest(c, IRIS_INPUT);
      const second = await zkRequest(c, IRIS_INPUT);
      expect(second.job.version).to.equal(first.job.version);
      expect(second.job.inputHash).to.equal(first.job.inputHash);
      const proved = await prove(c.weights, IRIS_INPUT, { jobId: first.jobId, submitter: c.operator.address });
      const tx = await c.hub.connect(c.operator).fulfill(...zkFulfillArgs(first.jobId, first.job, proved));
      await tx.wait();

      // Anyone reads the attestation from the chain and presents it for the second job.
      const [, , result, attestation] = fulfilArgsOf(c, (await ethers.provider.getTransaction(tx.hash))!.data);
      const groth16 = await c.groth16.getAddress();
      for (const sender of [c.operator, c.other]) {
        await expectZkRefused(
          c, second.jobId, second.job,
          () => c.hub.connect(sender).fulfill(second.jobId, second.job, result, attestation, { gasLimit: 1_000_000n }),
          "ZkProofInvalid", [second.jobId, groth16],
        );
      }
      // The second job needs its own proof.
      const own = await prove(c.weights, IRIS_INPUT, { jobId: second.jobId, submitter: c.operator.address });
      await c.hub.connect(c.operator).fulfill(...zkFulfillArgs(second.jobId, second.job, own));
      expect((await c.hub.getJob(second.jobId))[0]).to.equal(JobStatus.Fulfilled);
      expect(await c.hub.creditOf(c.operator.address, NATIVE)).to.equal(2n * OPERATOR_REWARD);
    });
  });

  describe("only Groth16 verifiers governance allowed, for the key they embed", function () {
    it("refuses a request for a version naming an accept-anything verifier, escrowing nothing", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const acceptAll = await deployAcceptAll(c.modelOwner);
      const version = await c.zkVersion({ artifactHash: E.id("accept anything"), zkVerifier: acceptAll });
      // Refused at request (the hub asks the ZK verifier, `checkRequest`): no job exists to fulfil with an empty proof.
      await expectRequestRefused(c, version, "ZkCircuitNotAllowed", [acceptAll, E.keccak256(ACCEPT_ALL_RUNTIME), c.vkHash]);
    });

    it("refuses a request for a version naming the real verifier with a verifying key hash it does not embed", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const groth16 = await c.groth16.getAddress();
      const otherKey = E.id("some other verifying key");
      const version = await c.zkVersion({ artifactHash: E.id("wrong key hash"), zkVerifyingKeyHash: otherKey });
      await expectRequestRefused(c, version, "ZkCircuitNotAllowed", [groth16, c.groth16CodeHash, otherKey]);
    });

    it("refuses a fulfilment, even with a valid proof, once governance disallowed the circuit after the request", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const groth16 = await c.groth16.getAddress();
      const { jobId, job } = await zkRequest(c, IRIS_INPUT);
      const proved = await prove(c.weights, IRIS_INPUT, { jobId, submitter: c.operator.address });
      await c.zk.connect(c.governance).setCircuitAllowed(c.groth16CodeHash, c.vkHash, false);
      await expectZkRefused(
        c, jobId, job,
        () => c.hub.connect(c.operator).fulfill(...zkFulfillArgs(jobId, job, proved), { gasLimit: 1_000_000n }),
        "ZkCircuitNotAllowed", [groth16, c.groth16CodeHash, c.vkHash],
      );
    });

    it("allows by code, not address: another deployment of the allowed verifier serves its version", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const copy = await ethers.deployContract("Groth16VerifierMlp", [], c.modelOwner);
      expect(await codeHashOf(ethers, await copy.getAddress())).to.equal(c.groth16CodeHash);
      const version = await c.zkVersion({ artifactHash: E.id("second deployment"), zkVerifier: await copy.getAddress() });
      const { jobId, job } = await zkRequest(c, IRIS_INPUT, { version });
      const proved = await prove(c.weights, IRIS_INPUT, { jobId, submitter: c.operator.address });
      await c.hub.connect(c.operator).fulfill(...zkFulfillArgs(jobId, job, proved));
      expect((await c.hub.getJob(jobId))[0]).to.equal(JobStatus.Fulfilled);
    });
  });

  describe("checkRequest refuses a request no proof could settle", function () {
    it("refuses inputs outside the circuit's domain with the tensor errors verification uses", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const hub = await c.hub.getAddress();
      const cases: [string, string, string, unknown[]][] = [
        ["int16 [1,4]", encodeTensor(tensor("int16", [1, 4], [82, 56, 22, 3])), "ZkUnexpectedTensorType", [Role.Input, 5n, [1n, 4n], 3n, [1n, 4n]]],
        ["int8 [1,5]", encodeTensor(tensor("int8", [1, 5], [82, 56, 22, 3, 0])), "ZkUnexpectedTensorType", [Role.Input, 3n, [1n, 5n], 3n, [1n, 4n]]],
        ["int8 [4]", encodeTensor(tensor("int8", [4], [82, 56, 22, 3])), "ZkUnexpectedTensorType", [Role.Input, 3n, [4n], 3n, [1n, 4n]]],
        ["not canonical (a trailing byte)", `${encodeTensor(tensor("int8", [1, 4], [82, 56, 22, 3]))}00`, "ZkTensorNotCanonical", [Role.Input, 16n]],
        ["empty (input by URI)", "0x", "ZkTensorNotCanonical", [Role.Input, 0n]],
      ];
      for (const [name, bytes, error, args] of cases) {
        await expect(c.zk["checkRequest(address,bytes32,uint32,bytes)"](hub, c.modelId, ZK_VERSION, bytes), name)
          .to.be.revertedWithCustomError(c.zk, error)
          .withArgs(...args);
      }
      await c.zk["checkRequest(address,bytes32,uint32,bytes)"](hub, c.modelId, ZK_VERSION, encodeTensor(IRIS_INPUT));
    });

    it("refuses versions whose circuit is not allowed: an accept-anything verifier, a wrong key hash, no circuit", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const hub = await c.hub.getAddress();
      const input = encodeTensor(IRIS_INPUT);
      const acceptAll = await deployAcceptAll(c.modelOwner);
      const permissive = await c.zkVersion({ artifactHash: E.id("accept anything"), zkVerifier: acceptAll });
      const otherKey = E.id("some other verifying key");
      const wrongKey = await c.zkVersion({ artifactHash: E.id("wrong key hash"), zkVerifyingKeyHash: otherKey });
      const cases: [string, number, unknown[]][] = [
        ["accept-anything verifier", permissive, [acceptAll, E.keccak256(ACCEPT_ALL_RUNTIME), c.vkHash]],
        ["wrong key hash", wrongKey, [await c.groth16.getAddress(), c.groth16CodeHash, otherKey]],
        ["a version without a ZK circuit", 1, [E.ZeroAddress, E.ZeroHash, E.ZeroHash]],
        ["an unknown version", 99, [E.ZeroAddress, E.ZeroHash, E.ZeroHash]],
      ];
      for (const [name, version, args] of cases) {
        await expect(c.zk["checkRequest(address,bytes32,uint32,bytes)"](hub, c.modelId, version, input), name)
          .to.be.revertedWithCustomError(c.zk, "ZkCircuitNotAllowed")
          .withArgs(...args);
      }
      // Once governance disallows the repo circuit, its version is refused too.
      await c.zk.connect(c.governance).setCircuitAllowed(c.groth16CodeHash, c.vkHash, false);
      await expect(c.zk["checkRequest(address,bytes32,uint32,bytes)"](hub, c.modelId, ZK_VERSION, input))
        .to.be.revertedWithCustomError(c.zk, "ZkCircuitNotAllowed")
        .withArgs(await c.groth16.getAddress(), c.groth16CodeHash, c.vkHash);
    });
  });

  describe("the allow-list is governance's alone", function () {
    it("refuses setCircuitAllowed from anyone but governance (a model owner cannot allow its own verifier)", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const acceptAll = await deployAcceptAll(c.modelOwner);
      const codehash = await codeHashOf(ethers, acceptAll);
      for (const who of [c.modelOwner, c.other, c.operator]) {
        await expect(c.zk.connect(who).setCircuitAllowed(codehash, c.vkHash, true))
          .to.be.revertedWithCustomError(c.zk, "OwnableUnauthorizedAccount")
          .withArgs(who.address);
        await expect(c.zk.connect(who).setCircuitAllowed(c.groth16CodeHash, c.vkHash, false))
          .to.be.revertedWithCustomError(c.zk, "OwnableUnauthorizedAccount")
          .withArgs(who.address);
      }
      expect(await c.zk.isCircuitAllowed(codehash, c.vkHash)).to.equal(false);
      expect(await c.zk.isCircuitAllowed(c.groth16CodeHash, c.vkHash)).to.equal(true);
    });

    it("refuses renounceOwnership (ZkRenounceDisabled for governance, Ownable's error for others) and keeps the owner", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      await expect(c.zk.connect(c.governance).renounceOwnership()).to.be.revertedWithCustomError(c.zk, "ZkRenounceDisabled");
      await expect(c.zk.connect(c.other).renounceOwnership())
        .to.be.revertedWithCustomError(c.zk, "OwnableUnauthorizedAccount")
        .withArgs(c.other.address);
      expect(await c.zk.owner()).to.equal(c.governance.address);
    });

    it("hands the allow-list over in two steps (Ownable2Step): only the new owner updates it after acceptance", async function () {
      const c = await networkHelpers.loadFixture(fixture);
      const next = c.treasury;
      await c.zk.connect(c.governance).transferOwnership(next.address);
      expect(await c.zk.owner()).to.equal(c.governance.address);
      expect(await c.zk.pendingOwner()).to.equal(next.address);
      await expect(c.zk.connect(c.other).acceptOwnership())
        .to.be.revertedWithCustomError(c.zk, "OwnableUnauthorizedAccount")
        .withArgs(c.other.address);
      await c.zk.connect(next).acceptOwnership();
      expect(await c.zk.owner()).to.equal(next.address);
      await expect(c.zk.connect(c.governance).setCircuitAllowed(c.groth16CodeHash, c.vkHash, false))
        .to.be.revertedWithCustomError(c.zk, "OwnableUnauthorizedAccount")
        .withArgs(c.governance.address);
      await expect(c.zk.connect(next).setCircuitAllowed(c.groth16CodeHash, c.vkHash, false))
        .to.emit(c.zk, "ZkCircuitPolicyUpdated")
        .withArgs(c.groth16CodeHash, c.vkHash, false);
    });
  });
});
