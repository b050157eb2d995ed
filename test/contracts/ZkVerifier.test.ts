import { expect } from "chai";
import { network } from "hardhat";
import { ethers as ethersLib } from "ethers";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { type Tensor, encodeTensor, tensor } from "../../sdk/src/encoding/tensor.js";
import {
  BN254_BASE_FIELD,
  BN254_SCALAR_FIELD,
  decodeVerifyingKey,
  encodeProofForSolidity,
  releaseZkWorkers,
  vkeyHash,
  zkPublicSignals,
} from "../../sdk/src/proofs/zk.js";
import { type ProveMlpReturnType, modelCommitment } from "../../sdk/src/prover/prove.js";
import { groth16VerifierMlpCodeHash, groth16VerifierMlpVerifyingKey, groth16VerifierMlpVkeyHash } from "../../sdk/src/bytecode.js";
import { MODEL_FEE, MODE_ZK, OPERATOR_REWARD } from "../helpers/verity.js";
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

/**
 * Expects a ZK request for `input` (and `version`) to be refused at request time with the ZkVerifier custom error
 * (the hub asks the mode's verifier, `checkRequest`), escrowing nothing and creating no job.
 */
async function expectRequestRefused(c: ZkSetup, input: string, error: string, errorArgs: unknown[], version?: number) {
  const hub = await c.hub.getAddress();
  const before = [await ethers.provider.getBalance(hub), await c.hub.jobCount()];
  await expect(zkRequest(c, input, version === undefined ? {} : { version }))
    .to.be.revertedWithCustomError(c.zk, error)
    .withArgs(...errorArgs);
  expect([await ethers.provider.getBalance(hub), await c.hub.jobCount()]).to.deep.equal(before);
}

async function lastReceipt() {
  const block = await ethers.provider.getBlock("latest");
  return (await ethers.provider.getTransactionReceipt(block!.transactions.at(-1)!))!;
}

const int32Output = (values: (number | bigint)[]) => tensor("int32", [1, 3], values);

/** The first job id of a fresh fixture (the TEE and ZK fixtures request nothing). */
const FIRST_JOB = 1n;

describe("ZkVerifier (ZK mode through the hub)", function () {
  this.timeout(60_000);
  // Each proof is for the first job of a fresh fixture, submitted by the fixture's operator.
  let irisProof: ProveMlpReturnType; // Iris weights, IRIS_INPUT
  let otherInputProof: ProveMlpReturnType; // Iris weights, OTHER_INPUT
  let otherModelProof: ProveMlpReturnType; // OTHER_WEIGHTS, IRIS_INPUT
  let proof: ProofTuple;

  before(async function () {
    const c = await networkHelpers.loadFixture(zkFixture);
    const binding = { jobId: FIRST_JOB, submitter: c.operator!.address };
    // One after the other: concurrent first proofs would each build a snarkjs curve (and its worker threads),
    // and releaseZkWorkers can only end the one that ends up global.
    irisProof = await prove(c.weights, IRIS_INPUT, binding);
    otherInputProof = await prove(c.weights, OTHER_INPUT, binding);
    otherModelProof = await prove(OTHER_WEIGHTS, IRIS_INPUT, binding);
    proof = proofTuple(encodeProofForSolidity(irisProof.proof));
  });
  after(releaseZkWorkers);

  /** A fresh fixture and its first job, for IRIS_INPUT: the job the `before` proofs are bound to. */
  async function irisJob() {
    const c = await networkHelpers.loadFixture(zkFixture);
    const { jobId, job } = await zkRequest(c, IRIS_INPUT);
    expect(jobId).to.equal(FIRST_JOB);
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
      // Governance allowed that verifier's code for that key; the SDK's generated constants name the same pair.
      expect(await c.zk.isCircuitAllowed(c.groth16CodeHash, c.vkHash)).to.equal(true);
      expect(c.groth16CodeHash).to.equal(groth16VerifierMlpCodeHash);
      expect(c.vkHash).to.equal(groth16VerifierMlpVkeyHash);
      expect(await c.zk.owner()).to.equal(c.governance.address);
    });

    it("credits the account it was made for, whoever that is: a proof for another submitter lands from that account only", async function () {
      const { c, jobId, job } = await irisJob();
      const forOther = await prove(c.weights, IRIS_INPUT, { jobId, submitter: c.other!.address });
      await expectRefused(c, zkFulfillArgs(jobId, job, forOther), "ZkProofInvalid", [jobId, await c.groth16.getAddress()]);
      await expect(c.hub.connect(c.other!).fulfill(...zkFulfillArgs(jobId, job, forOther)))
        .to.emit(c.hub, "InferenceFulfilled")
        .withArgs(jobId, c.other!.address, anyValue, anyValue, "");
      expect(await c.hub.creditOf(c.other!.address, NATIVE)).to.equal(OPERATOR_REWARD);
      expect(await c.hub.creditOf(c.operator!.address, NATIVE)).to.equal(0n);
    });

    it("serves the one job it was made for: each job with the same version and input needs its own proof", async function () {
      const { c, jobId, job } = await irisJob();
      const second = await zkRequest(c, IRIS_INPUT);
      await c.hub.connect(c.operator!).fulfill(...zkFulfillArgs(jobId, job, irisProof));
      await expectRefused(
        c, zkFulfillArgs(second.jobId, second.job, irisProof),
        "ZkProofInvalid", [second.jobId, await c.groth16.getAddress()],
      );
      const own = await prove(c.weights, IRIS_INPUT, { jobId: second.jobId, submitter: c.operator!.address });
      await c.hub.connect(c.operator!).fulfill(...zkFulfillArgs(second.jobId, second.job, own));
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
    it("packs input, output and job binding exactly like the SDK's zkPublicSignals, on hundreds of cases with edge values", async function () {
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
      const jobIds = [0n, 1n, 2n ** 64n, BN254_SCALAR_FIELD - 1n];
      const submitters = [ethersLib.ZeroAddress, "0xFFfFfFffFFfffFFfFFfFFFFFffFFFffffFfFFFfF", c.operator!.address];
      let k = 0;
      for (const [x, y] of cases) {
        const jobId = k < 12 ? jobIds[k % 4]! : r(1n << 64n);
        const submitter = k < 12 ? submitters[k % 3]! : ethersLib.getAddress(bytes32(r(1n << 160n)).slice(26));
        k++;
        const onChain = await c.zk.publicSignals(encodeTensor(x), encodeTensor(y), bytes32(commitment), jobId, submitter);
        expect([...onChain], `x=${x.values} y=${y.values}`).to.deep.equal([
          ...zkPublicSignals({ input: x, output: y, commitment, jobId, submitter: submitter as `0x${string}` }),
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
        FIRST_JOB,
        c.operator!.address,
      );
      expect([...onChain]).to.deep.equal([...irisProof.publicSignals]);
      expect(onChain[3]).to.equal(FIRST_JOB);
      expect(onChain[4]).to.equal(BigInt(c.operator!.address));
    });

    it("refuses a version whose commitment is not below the field modulus (an alias of a valid one)", async function () {
      const c = await networkHelpers.loadFixture(zkFixture);
      const aliased = irisProof.commitment + BN254_SCALAR_FIELD;
      const version = await c.zkVersion({ artifactHash: ethersLib.id("aliased"), zkModelCommitment: bytes32(aliased) });
      // Refused at request: no proof could ever settle the job.
      await expectRequestRefused(c, encodeTensor(IRIS_INPUT), "ZkPublicSignalOutOfField", [0n, aliased], version);
    });

    it("guards every signal against the modulus; the packed tensors cannot reach it (tested by direct call)", async function () {
      // Only the commitment (a free bytes32 in the registry) and the job id can be >= r. packedInput < 2^32,
      // packedOutput < 2^96 and the submitter < 2^160 by construction: show the largest values are < r.
      const c = await networkHelpers.loadFixture(zkFixture);
      const maxIn = encodeTensor(tensor("int8", [1, 4], [127, 127, 127, 127]));
      const maxOut = encodeTensor(int32Output([(1n << 31n) - 1n, (1n << 31n) - 1n, (1n << 31n) - 1n]));
      const maxAddress = "0xFFfFfFffFFfffFFfFFfFFFFFffFFFffffFfFFFfF";
      const top = await c.zk.publicSignals(maxIn, maxOut, bytes32(BN254_SCALAR_FIELD - 1n), BN254_SCALAR_FIELD - 1n, maxAddress);
      expect([...top]).to.deep.equal([
        BN254_SCALAR_FIELD - 1n, (1n << 32n) - 1n, (1n << 96n) - 1n, BN254_SCALAR_FIELD - 1n, (1n << 160n) - 1n,
      ]);
      for (const bad of [BN254_SCALAR_FIELD, ethersLib.MaxUint256]) {
        await expect(c.zk.publicSignals(maxIn, maxOut, bytes32(bad), 1n, maxAddress))
          .to.be.revertedWithCustomError(c.zk, "ZkPublicSignalOutOfField")
          .withArgs(0n, bad);
        await expect(c.zk.publicSignals(maxIn, maxOut, bytes32(1n), bad, maxAddress))
          .to.be.revertedWithCustomError(c.zk, "ZkPublicSignalOutOfField")
          .withArgs(3n, bad);
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
      const [y0, y1, y2] = Array.from(irisProof.output.values as Int32Array, BigInt);
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
      // The other model's proof, made for this job and submitter: only the commitment differs.
      const otherModel = await prove(OTHER_WEIGHTS, IRIS_INPUT, { jobId: iris.jobId, submitter: c.operator!.address });
      await expectRefused(
        c, zkFulfillArgs(iris.jobId, iris.job, otherModel),
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
      // dtype codes are ONNX's: int8 3, int16 5, uint8 2, float32 1.
      ["int8 [4] (rank 1)", encodeTensor(tensor("int8", [4], [82, 56, 22, 3])), 3n, [4n]],
      ["int8 [1,5]", encodeTensor(tensor("int8", [1, 5], [82, 56, 22, 3, 0])), 3n, [1n, 5n]],
      ["int8 [4,1]", encodeTensor(tensor("int8", [4, 1], [82, 56, 22, 3])), 3n, [4n, 1n]],
      ["int16 [1,4]", encodeTensor(tensor("int16", [1, 4], [82, 56, 22, 3])), 5n, [1n, 4n]],
      ["uint8 [1,4]", encodeTensor(tensor("uint8", [1, 4], [82, 56, 22, 3])), 2n, [1n, 4n]],
      ["float32 [1,4]", encodeTensor(tensor("float32", [1, 4], [82, 56, 22, 3])), 1n, [1n, 4n]],
    ];
    for (const [name, bytes, dtype, shape] of wrongInputs) {
      it(`an input tensor of the wrong type: ${name} (already at request)`, async function () {
        const c = await networkHelpers.loadFixture(zkFixture);
        await expectRequestRefused(c, bytes, "ZkUnexpectedTensorType", [Role.Input, dtype, shape, 3n, [1n, 4n]]);
      });
    }

    const wrongOutputs: [string, string, bigint, bigint[]][] = [
      // int32 6, int64 7, int8 3, uint32 12.
      ["int32 [3] (rank 1)", encodeTensor(tensor("int32", [3], [1, 2, 3])), 6n, [3n]],
      ["int32 [1,4]", encodeTensor(tensor("int32", [1, 4], [1, 2, 3, 4])), 6n, [1n, 4n]],
      ["int64 [1,3]", encodeTensor(tensor("int64", [1, 3], [1, 2, 3])), 7n, [1n, 3n]],
      ["int8 [1,3]", encodeTensor(tensor("int8", [1, 3], [1, 2, 3])), 3n, [1n, 3n]],
      ["uint32 [1,3]", encodeTensor(tensor("uint32", [1, 3], [1, 2, 3])), 12n, [1n, 3n]],
    ];
    for (const [name, bytes, dtype, shape] of wrongOutputs) {
      it(`an output tensor of the wrong type: ${name}`, async function () {
        const { c, jobId, job } = await irisJob();
        await expectRefused(
        c, zkFulfillArgs(jobId, job, irisProof, { output: bytes }),
          "ZkUnexpectedTensorType", [Role.Output, dtype, shape, 6n, [1n, 3n]],
        );
      });
    }

    it("input and output bytes that are not canonical tensors", async function () {
      const c = await networkHelpers.loadFixture(zkFixture);
      const canonical = encodeTensor(IRIS_INPUT);
      const badInputs = [
        ethersLib.concat([canonical, "0x00"]), // a trailing byte
        "0x01" + canonical.slice(4), // format version 1 (big-endian, replaced by version 2)
        "0x0208" + canonical.slice(6), // unknown dtype code 8 (ONNX's string)
        "0x02030201000000" + "00000000" + "01020304", // a zero dimension
        "0x020302" + "00000001" + "00000004" + "01020304", // big-endian dimensions: 16M x 64M values, 4 bytes given
      ];
      // Inputs are refused at request already.
      for (const bytes of badInputs) {
        await expectRequestRefused(c, bytes, "ZkTensorNotCanonical", [Role.Input, BigInt(ethersLib.dataLength(bytes))]);
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

  describe("circuit allow-list (governance)", function () {
    it("allows and disallows a verifier's code for a key hash, with an event; a disallowed circuit verifies nothing", async function () {
      const { c, jobId, job } = await irisJob();
      const groth16 = await c.groth16.getAddress();
      await expect(c.zk.connect(c.governance).setCircuitAllowed(c.groth16CodeHash, c.vkHash, false))
        .to.emit(c.zk, "ZkCircuitPolicyUpdated")
        .withArgs(c.groth16CodeHash, c.vkHash, false);
      expect(await c.zk.isCircuitAllowed(c.groth16CodeHash, c.vkHash)).to.equal(false);
      await expectRefused(c, zkFulfillArgs(jobId, job, irisProof), "ZkCircuitNotAllowed", [groth16, c.groth16CodeHash, c.vkHash]);
      await expect(c.zk.connect(c.governance).setCircuitAllowed(c.groth16CodeHash, c.vkHash, true))
        .to.emit(c.zk, "ZkCircuitPolicyUpdated")
        .withArgs(c.groth16CodeHash, c.vkHash, true);
      await c.hub.connect(c.operator!).fulfill(...zkFulfillArgs(jobId, job, irisProof));
      expect((await c.hub.getJob(jobId))[0]).to.equal(FULFILLED);
    });

    it("refuses a zero code hash, the code hash of an account without code, a zero key hash, and an update that changes nothing", async function () {
      const c = await networkHelpers.loadFixture(zkFixture);
      const gov = c.zk.connect(c.governance);
      const emptyCode = ethersLib.keccak256("0x");
      for (const [codehash, vk] of [
        [ethersLib.ZeroHash, c.vkHash],
        [emptyCode, c.vkHash],
        [c.groth16CodeHash, ethersLib.ZeroHash],
      ] as const) {
        await expect(gov.setCircuitAllowed(codehash, vk, true))
          .to.be.revertedWithCustomError(c.zk, "ZkInvalidCircuit")
          .withArgs(codehash, vk);
      }
      await expect(gov.setCircuitAllowed(c.groth16CodeHash, c.vkHash, true))
        .to.be.revertedWithCustomError(c.zk, "ZkCircuitPolicyUnchanged")
        .withArgs(c.groth16CodeHash, c.vkHash, true);
      const other = ethersLib.id("another key");
      await expect(gov.setCircuitAllowed(c.groth16CodeHash, other, false))
        .to.be.revertedWithCustomError(c.zk, "ZkCircuitPolicyUnchanged")
        .withArgs(c.groth16CodeHash, other, false);
      expect(await c.zk.isCircuitAllowed(c.groth16CodeHash, c.vkHash)).to.equal(true);
      expect(await c.zk.isCircuitAllowed(c.groth16CodeHash, other)).to.equal(false);
    });

    it("checkRequest accepts an allowed version with a canonical int8 [1,4] input, reading the registry it is given", async function () {
      const c = await networkHelpers.loadFixture(zkFixture);
      const hub = await c.hub.getAddress();
      await c.zk["checkRequest(address,bytes32,uint32,bytes)"](hub, c.modelId, ZK_VERSION, encodeTensor(IRIS_INPUT));
      await c.zk["checkRequest(address,bytes32,uint32,bytes)"](hub, c.modelId, ZK_VERSION, encodeTensor(OTHER_INPUT));
      // A version without a ZK circuit (the TEE fixture's version 1): all zeros, never allowed.
      await expect(c.zk["checkRequest(address,bytes32,uint32,bytes)"](hub, c.modelId, 1, encodeTensor(IRIS_INPUT)))
        .to.be.revertedWithCustomError(c.zk, "ZkCircuitNotAllowed")
        .withArgs(ethersLib.ZeroAddress, ethersLib.ZeroHash, ethersLib.ZeroHash);
      // A commitment that is not a field element could never be proven against.
      const aliased = irisProof.commitment + BN254_SCALAR_FIELD;
      const version = await c.zkVersion({ artifactHash: ethersLib.id("aliased"), zkModelCommitment: bytes32(aliased) });
      await expect(c.zk["checkRequest(address,bytes32,uint32,bytes)"](hub, c.modelId, version, encodeTensor(IRIS_INPUT)))
        .to.be.revertedWithCustomError(c.zk, "ZkPublicSignalOutOfField")
        .withArgs(0n, aliased);
    });
  });

  describe("verifying key publication", function () {
    it("publishes a key in an event under its hash, for anyone, storing nothing", async function () {
      const c = await networkHelpers.loadFixture(zkFixture);
      // The reference circuit's key, published by an account with no role at all.
      await expect(c.zk.connect(c.other!).publishVerifyingKey(groth16VerifierMlpVerifyingKey))
        .to.emit(c.zk, "ZkVerifyingKeyPublished")
        .withArgs(groth16VerifierMlpVkeyHash, groth16VerifierMlpVerifyingKey);
      expect(await c.zk.publishVerifyingKey.staticCall(groth16VerifierMlpVerifyingKey)).to.equal(groth16VerifierMlpVkeyHash);
      // The event's bytes decode to the key the version's hash names.
      expect(vkeyHash(decodeVerifyingKey(groth16VerifierMlpVerifyingKey as `0x${string}`))).to.equal(groth16VerifierMlpVkeyHash);
    });

    it("refuses bytes that are not a key's canonical layout, with their length", async function () {
      const c = await networkHelpers.loadFixture(zkFixture);
      const key = ethersLib.getBytes(groth16VerifierMlpVerifyingKey);
      const word = (i: number, v: bigint) => {
        const b = Uint8Array.from(key);
        b.set(ethersLib.getBytes(ethersLib.toBeHex(v, 32)), i * 32);
        return ethersLib.hexlify(b);
      };
      const cases: [string, string][] = [
        ["empty", "0x"],
        ["no IC point", ethersLib.hexlify(key.slice(0, 16 * 32))],
        ["half a point", ethersLib.hexlify(key.slice(0, key.length - 32))],
        ["another offset of ic", word(14, 16n * 32n)],
        ["a count that is not the points given", word(15, 5n)],
      ];
      for (const [, bytes] of cases) {
        await expect(c.zk.publishVerifyingKey(bytes))
          .to.be.revertedWithCustomError(c.zk, "ZkVerifyingKeyMalformed")
          .withArgs(ethersLib.getBytes(bytes).length);
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
