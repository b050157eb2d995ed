import { expect } from "chai";
import { network } from "hardhat";
import { ethers as ethersLib } from "ethers";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { type Tensor, encodeTensor, tensor } from "../../sdk/src/encoding/tensor.js";
import { BN254_BASE_FIELD, BN254_SCALAR_FIELD, encodeProofForSolidity, releaseZkWorkers, zkPublicSignals } from "../../sdk/src/proofs/zk.js";
import { type ProveMlpReturnType, modelCommitment } from "../../sdk/src/prover/prove.js";
import { INPUT, MODEL_FEE, MODE_ZK, OPERATOR_REWARD } from "../helpers/verity.js";
import {
  IRIS_INPUT,
  type ProofTuple,
  type ZkSetup,
  ZK_VERSION,
  bytes32,
  deployWithZkModel,
  proofTuple,
  prove,
  zkFulfillArgs,
  zkRequest,
} from "../helpers/zk.js";
import { randomWeights, rng } from "../zk/helpers.js";

const { ethers, networkHelpers } = await network.create();
const NATIVE = ethersLib.ZeroAddress;
const PENDING = 1n;
const FULFILLED = 2n;
const PROOF_GAS_CAP = 400_000n;
/** PROOF_GAS_CAP + PROOF_GAS_CAP / 63 + 5,000: the gas ZkVerifier wants left before calling the Groth16 verifier. */
const GAS_BEFORE_PROOF = 411_349n;
const Role = { Input: 0n, Output: 1n } as const;
const OTHER_INPUT = tensor("int8", [1, 4], [-128, 127, 0, -5]);
const OTHER_WEIGHTS = randomWeights(5);

async function zkFixture() {
  return deployWithZkModel(ethers);
}

/** Everything a refused fulfilment must leave as it was: escrow, job status, every credit. */
async function ledger(c: ZkSetup, jobId: bigint) {
  const accounts = [c.operator, c.other, c.requester, c.treasury, c.modelOwner].map((s) => s!.address);
  return {
    hubBalance: await ethers.provider.getBalance(await c.hub.getAddress()),
    status: (await c.hub.getJob(jobId))[0],
    credits: await Promise.all(accounts.map((a) => c.hub.creditOf(a, NATIVE))),
    modelEarnings: await c.hub.modelEarnings(c.modelId, NATIVE),
  };
}

type FulfillArgs = ReturnType<typeof zkFulfillArgs>;

/**
 * Sends `fulfill(...args)` as a mined transaction (explicit gas limit, so no estimate short-circuits it), expects
 * the ZkVerifier custom error (with args when given), a reverted receipt, and an untouched ledger.
 */
async function expectRefused(
  c: ZkSetup,
  args: FulfillArgs,
  error: string,
  errorArgs?: unknown[],
  gasLimit = 1_000_000n,
) {
  const jobId = args[0];
  const before = await ledger(c, jobId);
  expect(before.status).to.equal(PENDING);
  const matcher = expect(c.hub.connect(c.operator!).fulfill(...args, { gasLimit })).to.be.revertedWithCustomError(
    c.zk,
    error,
  );
  await (errorArgs ? matcher.withArgs(...errorArgs) : matcher);
  const receipt = await lastReceipt();
  expect(receipt.status, "the refused fulfil was mined and reverted").to.equal(0);
  expect(receipt.from).to.equal(c.operator!.address);
  expect(await ledger(c, jobId)).to.deep.equal(before);
  return receipt;
}

async function lastReceipt() {
  const block = await ethers.provider.getBlock("latest");
  return (await ethers.provider.getTransactionReceipt(block!.transactions.at(-1)!))!;
}

const int32Output = (values: (number | bigint)[]) => tensor("int32", [1, 3], values);

describe("ZkVerifier (ZK mode through the hub)", function () {
  this.timeout(60_000);
  let irisProof: ProveMlpReturnType; // Iris weights, IRIS_INPUT
  let otherInputProof: ProveMlpReturnType; // Iris weights, OTHER_INPUT
  let otherModelProof: ProveMlpReturnType; // OTHER_WEIGHTS, IRIS_INPUT
  let proof: ProofTuple;

  before(async function () {
    const c = await networkHelpers.loadFixture(zkFixture);
    // One after the other: concurrent first proofs would each build a snarkjs curve (and its worker threads),
    // and releaseZkWorkers can only end the one that ends up global.
    irisProof = await prove(c.weights, IRIS_INPUT);
    otherInputProof = await prove(c.weights, OTHER_INPUT);
    otherModelProof = await prove(OTHER_WEIGHTS, IRIS_INPUT);
    proof = proofTuple(encodeProofForSolidity(irisProof.proof));
  });
  after(releaseZkWorkers);

  async function irisJob() {
    const c = await networkHelpers.loadFixture(zkFixture);
    const { jobId, job } = await zkRequest(c, IRIS_INPUT);
    return { c, jobId, job };
  }

  describe("a valid proof", function () {
    it("fulfils the job, credits the submitting operator and emits InferenceFulfilled", async function () {
      const { c, jobId, job } = await irisJob();
      const before = await ledger(c, jobId);
      const output = encodeTensor(irisProof.output);
      await expect(c.hub.connect(c.operator!).fulfill(...zkFulfillArgs(jobId, job, irisProof)))
        .to.emit(c.hub, "InferenceFulfilled")
        .withArgs(jobId, c.operator!.address, ethersLib.keccak256(output), output, "");
      const after = await ledger(c, jobId);
      expect(after.status).to.equal(FULFILLED);
      expect(after.credits[0]! - before.credits[0]!).to.equal(OPERATOR_REWARD);
      expect(after.modelEarnings - before.modelEarnings).to.equal(MODEL_FEE);
      expect(after.hubBalance).to.equal(before.hubBalance);
    });

    it("is the SDK's proof of the Iris model: the on-chain version holds its commitment and verifying-key hash", async function () {
      const c = await networkHelpers.loadFixture(zkFixture);
      const v = await c.hub.getVersion(c.modelId, ZK_VERSION);
      expect(v.zkVerifier).to.equal(await c.groth16.getAddress());
      expect(v.zkModelCommitment).to.equal(bytes32(irisProof.commitment));
      expect(v.zkVerifyingKeyHash).to.equal(c.vkHash);
      expect(await c.hub.verifierOf(MODE_ZK)).to.equal(await c.zk.getAddress());
    });

    it("credits whoever submits it: the proof does not bind the submitter (documented front-running caveat)", async function () {
      const { c, jobId, job } = await irisJob();
      await expect(c.hub.connect(c.other!).fulfill(...zkFulfillArgs(jobId, job, irisProof)))
        .to.emit(c.hub, "InferenceFulfilled")
        .withArgs(jobId, c.other!.address, anyValue, anyValue, "");
      expect(await c.hub.creditOf(c.other!.address, NATIVE)).to.equal(OPERATOR_REWARD);
      expect(await c.hub.creditOf(c.operator!.address, NATIVE)).to.equal(0n);
    });

    it("serves every job with the same model version and input: a proof binds model, input and output, not the job", async function () {
      const { c, jobId, job } = await irisJob();
      const second = await zkRequest(c, IRIS_INPUT);
      await c.hub.connect(c.operator!).fulfill(...zkFulfillArgs(jobId, job, irisProof));
      await c.hub.connect(c.operator!).fulfill(...zkFulfillArgs(second.jobId, second.job, irisProof));
      expect((await c.hub.getJob(second.jobId))[0]).to.equal(FULFILLED);
      expect(await c.hub.creditOf(c.operator!.address, NATIVE)).to.equal(2n * OPERATOR_REWARD);
    });

    it("is checked against the version's own commitment: another model's proof fulfils a version committing to it", async function () {
      const c = await networkHelpers.loadFixture(zkFixture);
      const version = await c.zkVersion({
        artifactHash: ethersLib.id("other weights"),
        zkModelCommitment: bytes32(await modelCommitment(OTHER_WEIGHTS)),
      });
      const { jobId, job } = await zkRequest(c, IRIS_INPUT, { version });
      await c.hub.connect(c.operator!).fulfill(...zkFulfillArgs(jobId, job, otherModelProof));
      expect((await c.hub.getJob(jobId))[0]).to.equal(FULFILLED);
    });
  });

  describe("public signals", function () {
    it("packs input and output exactly like the SDK's zkPublicSignals, on hundreds of tensors with edge values", async function () {
      const c = await networkHelpers.loadFixture(zkFixture);
      const r = rng(99);
      const i8 = [-128n, -1n, 0n, 1n, 127n];
      const i32 = [-(1n << 31n), -1n, 0n, 1n, (1n << 31n) - 1n];
      const cases: [Tensor, Tensor][] = [];
      for (let k = 0; k < 25; k++) {
        cases.push([
          tensor("int8", [1, 4], [0, 1, 2, 3].map((j) => i8[(k + j) % 5]!)),
          int32Output([0, 1, 2].map((j) => i32[(k * 3 + j) % 5]!)),
        ]);
      }
      for (let k = 0; k < 175; k++) {
        cases.push([
          tensor("int8", [1, 4], [0, 1, 2, 3].map(() => r(256n) - 128n)),
          int32Output([0, 1, 2].map(() => r(1n << 32n) - (1n << 31n))),
        ]);
      }
      const commitment = irisProof.commitment;
      for (const [x, y] of cases) {
        const onChain = await c.zk.publicSignals(encodeTensor(x), encodeTensor(y), bytes32(commitment));
        expect([...onChain], `x=${x.values} y=${y.values}`).to.deep.equal([
          ...zkPublicSignals({ input: x, output: y, commitment }),
        ]);
      }
      expect(cases.length).to.equal(200);
    });

    it("match the proof's own public signals for the Iris sample", async function () {
      const c = await networkHelpers.loadFixture(zkFixture);
      const onChain = await c.zk.publicSignals(
        encodeTensor(IRIS_INPUT),
        encodeTensor(irisProof.output),
        bytes32(irisProof.commitment),
      );
      expect([...onChain]).to.deep.equal([...irisProof.publicSignals]);
    });

    it("refuses a version whose commitment is not below the field modulus (an alias of a valid one)", async function () {
      const c = await networkHelpers.loadFixture(zkFixture);
      const aliased = irisProof.commitment + BN254_SCALAR_FIELD;
      const version = await c.zkVersion({ artifactHash: ethersLib.id("aliased"), zkModelCommitment: bytes32(aliased) });
      const { jobId, job } = await zkRequest(c, IRIS_INPUT, { version });
      await expectRefused(
        c, zkFulfillArgs(jobId, job, irisProof),
        "ZkPublicSignalOutOfField", [0n, aliased],
      );
    });

    it("guards every signal against the modulus; the packed tensors cannot reach it (tested by direct call)", async function () {
      // Only the commitment (a free bytes32 in the registry) can be >= r. packedInput < 2^32 and
      // packedOutput < 2^96 by construction, so their guard is unreachable: show the largest packings are < r.
      const c = await networkHelpers.loadFixture(zkFixture);
      const maxIn = encodeTensor(tensor("int8", [1, 4], [127, 127, 127, 127]));
      const maxOut = encodeTensor(int32Output([(1n << 31n) - 1n, (1n << 31n) - 1n, (1n << 31n) - 1n]));
      const top = await c.zk.publicSignals(maxIn, maxOut, bytes32(BN254_SCALAR_FIELD - 1n));
      expect([...top]).to.deep.equal([BN254_SCALAR_FIELD - 1n, (1n << 32n) - 1n, (1n << 96n) - 1n]);
      for (const bad of [BN254_SCALAR_FIELD, ethersLib.MaxUint256]) {
        await expect(c.zk.publicSignals(maxIn, maxOut, bytes32(bad)))
          .to.be.revertedWithCustomError(c.zk, "ZkPublicSignalOutOfField")
          .withArgs(0n, bad);
      }
    });
  });

  describe("refuses, with escrow, status and credits untouched,", function () {
    it("a tampered proof", async function () {
      const { c, jobId, job } = await irisJob();
      const groth16 = await c.groth16.getAddress();
      const negatedA: ProofTuple = { ...proof, a: [proof.a[0], BN254_BASE_FIELD - proof.a[1]] };
      for (const bad of [{ ...proof, a: proof.c, c: proof.a }, negatedA, { ...proof, b: [proof.b[1], proof.b[0]] as ProofTuple["b"] }]) {
        await expectRefused(
        c, zkFulfillArgs(jobId, job, irisProof, { proof: bad }),
          "ZkProofInvalid", [jobId, groth16],
        );
      }
    });

    it("a proof for another input (with the job's input bytes)", async function () {
      const { c, jobId, job } = await irisJob();
      // The other input's proof, presented with the job's input and the job's correct output.
      const args = zkFulfillArgs(jobId, job, otherInputProof, {
        input: encodeTensor(IRIS_INPUT),
        output: encodeTensor(irisProof.output),
      });
      await expectRefused(c, args, "ZkProofInvalid", [jobId, await c.groth16.getAddress()]);
    });

    it("a proof for another output (a claimed output the model does not give)", async function () {
      const { c, jobId, job } = await irisJob();
      const [y0, y1, y2] = irisProof.output.values;
      for (const wrong of [int32Output([y0! + 1n, y1!, y2!]), int32Output([y2!, y1!, y0!]), int32Output([0, 0, 0])]) {
        const args = zkFulfillArgs(jobId, job, irisProof, { output: encodeTensor(wrong) });
        await expectRefused(c, args, "ZkProofInvalid", [jobId, await c.groth16.getAddress()]);
      }
    });

    it("a proof for another model commitment (either way round)", async function () {
      const c = await networkHelpers.loadFixture(zkFixture);
      const version = await c.zkVersion({
        artifactHash: ethersLib.id("other weights"),
        zkModelCommitment: bytes32(await modelCommitment(OTHER_WEIGHTS)),
      });
      const groth16 = await c.groth16.getAddress();
      const other = await zkRequest(c, IRIS_INPUT, { version });
      await expectRefused(
        c, zkFulfillArgs(other.jobId, other.job, irisProof),
        "ZkProofInvalid", [other.jobId, groth16],
      );
      const iris = await zkRequest(c, IRIS_INPUT);
      await expectRefused(
        c, zkFulfillArgs(iris.jobId, iris.job, otherModelProof),
        "ZkProofInvalid", [iris.jobId, groth16],
      );
    });

    it("an off-curve point, burning no more than the proof gas cap", async function () {
      const { c, jobId, job } = await irisJob();
      const offCurve: ProofTuple = { ...proof, a: [proof.a[0], proof.a[1] + 1n] };
      const gasLimit = 3_000_000n;
      const receipt = await expectRefused(
        c, zkFulfillArgs(jobId, job, irisProof, { proof: offCurve }),
        "ZkProofInvalid", [jobId, await c.groth16.getAddress()], gasLimit,
      );
      // The pairing precompile consumed the whole cap (an unbounded call would have burnt ~2.9M gas).
      expect(receipt!.gasUsed).to.be.greaterThan(PROOF_GAS_CAP);
      expect(receipt!.gasUsed).to.be.lessThan(PROOF_GAS_CAP + 100_000n);
    });

    it("too little gas for the capped proof check, with the gas it needs", async function () {
      const { c, jobId, job } = await irisJob();
      await expectRefused(c, zkFulfillArgs(jobId, job, irisProof), "ZkInsufficientGas", [anyValue, GAS_BEFORE_PROOF], 350_000n);
    });

    it("input bytes that are not the job's input", async function () {
      const { c, jobId, job } = await irisJob();
      const other = encodeTensor(OTHER_INPUT);
      await expectRefused(
        c, zkFulfillArgs(jobId, job, otherInputProof),
        "ZkInputHashMismatch", [jobId, job.inputHash, ethersLib.keccak256(other)],
      );
    });

    it("output bytes that are not the result's output", async function () {
      const { c, jobId, job } = await irisJob();
      const result = encodeTensor(int32Output([1, 2, 3]));
      const attested = encodeTensor(irisProof.output);
      await expectRefused(
        c, zkFulfillArgs(jobId, job, irisProof, { resultOutput: result }),
        "ZkOutputHashMismatch", [jobId, ethersLib.keccak256(result), ethersLib.keccak256(attested)],
      );
    });

    const wrongInputs: [string, string, bigint, bigint[]][] = [
      ["int8 [4] (rank 1)", encodeTensor(tensor("int8", [4], [82, 56, 22, 3])), 1n, [4n]],
      ["int8 [1,5]", encodeTensor(tensor("int8", [1, 5], [82, 56, 22, 3, 0])), 1n, [1n, 5n]],
      ["int8 [4,1]", encodeTensor(tensor("int8", [4, 1], [82, 56, 22, 3])), 1n, [4n, 1n]],
      ["int16 [1,4]", encodeTensor(tensor("int16", [1, 4], [82, 56, 22, 3])), 2n, [1n, 4n]],
      ["uint8 [1,4]", encodeTensor(tensor("uint8", [1, 4], [82, 56, 22, 3])), 5n, [1n, 4n]],
    ];
    for (const [name, bytes, dtype, shape] of wrongInputs) {
      it(`an input tensor of the wrong type: ${name}`, async function () {
        const c = await networkHelpers.loadFixture(zkFixture);
        const { jobId, job } = await zkRequest(c, bytes);
        await expectRefused(
        c, zkFulfillArgs(jobId, job, irisProof, { input: bytes }),
          "ZkUnexpectedTensorType", [Role.Input, dtype, shape, 1n, [1n, 4n]],
        );
      });
    }

    const wrongOutputs: [string, string, bigint, bigint[]][] = [
      ["int32 [3] (rank 1)", encodeTensor(tensor("int32", [3], [1, 2, 3])), 3n, [3n]],
      ["int32 [1,4]", encodeTensor(tensor("int32", [1, 4], [1, 2, 3, 4])), 3n, [1n, 4n]],
      ["int64 [1,3]", encodeTensor(tensor("int64", [1, 3], [1, 2, 3])), 4n, [1n, 3n]],
      ["int8 [1,3]", encodeTensor(tensor("int8", [1, 3], [1, 2, 3])), 1n, [1n, 3n]],
    ];
    for (const [name, bytes, dtype, shape] of wrongOutputs) {
      it(`an output tensor of the wrong type: ${name}`, async function () {
        const { c, jobId, job } = await irisJob();
        await expectRefused(
        c, zkFulfillArgs(jobId, job, irisProof, { output: bytes }),
          "ZkUnexpectedTensorType", [Role.Output, dtype, shape, 3n, [1n, 3n]],
        );
      });
    }

    it("input and output bytes that are not canonical tensors", async function () {
      const c = await networkHelpers.loadFixture(zkFixture);
      const canonical = encodeTensor(IRIS_INPUT);
      const badInputs = [
        INPUT, // a rank-0 int32 header followed by 11 bytes instead of 4
        ethersLib.concat([canonical, "0x00"]), // a trailing byte
        "0x02" + canonical.slice(4), // format version 2
        "0x0109" + canonical.slice(6), // unknown dtype code 9
      ];
      for (const bytes of badInputs) {
        const { jobId, job } = await zkRequest(c, bytes);
        await expectRefused(
        c, zkFulfillArgs(jobId, job, irisProof, { input: bytes }),
          "ZkTensorNotCanonical", [Role.Input, BigInt(ethersLib.dataLength(bytes))],
        );
      }
      const { jobId, job } = await zkRequest(c, IRIS_INPUT);
      const truncated = encodeTensor(irisProof.output).slice(0, -2);
      await expectRefused(
        c, zkFulfillArgs(jobId, job, irisProof, { output: truncated }),
        "ZkTensorNotCanonical", [Role.Output, 22n],
      );
    });

    it("an attestation that is not abi.encode(a, b, c, input, output)", async function () {
      const { c, jobId, job } = await irisJob();
      const good = zkFulfillArgs(jobId, job, irisProof);
      const att = ethersLib.getBytes(good[3]);
      const words = (n: number, v: bigint) => {
        const copy = new Uint8Array(att);
        copy.set(ethersLib.getBytes(bytes32(v)), n * 32);
        return ethersLib.hexlify(copy);
      };
      const bad = [
        ethersLib.hexlify(att.slice(0, 256)), // the proof alone
        ethersLib.hexlify(att.slice(0, 0x17f)), // one byte short of the smallest layout
        words(8, BigInt(att.length)), // input offset past the end
        words(9, ethersLib.MaxUint256), // output offset overflowing
        words(10, 1n << 64n), // input length past the end
      ];
      for (const attestation of bad) {
        await expectRefused(
          c, [good[0], good[1], good[2], attestation] as const,
          "ZkMalformedAttestation", [BigInt(ethersLib.dataLength(attestation))],
        );
      }
    });
  });

  it("reports its gas cap and announced itself at deployment", async function () {
    const c = await networkHelpers.loadFixture(zkFixture);
    expect(await c.zk.PROOF_GAS_CAP()).to.equal(PROOF_GAS_CAP);
    const events = await c.zk.queryFilter(c.zk.filters.ZkVerifierDeployed());
    expect(events).to.have.length(1);
    expect(events[0]!.args.architecture).to.equal(ethersLib.id("mlp-4-8-3-int8"));
    expect(events[0]!.args.proofGasCap).to.equal(PROOF_GAS_CAP);
  });
});
