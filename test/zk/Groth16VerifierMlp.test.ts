import { expect } from "chai";
import { network } from "hardhat";
import { BN254_SCALAR_FIELD, encodeProofForSolidity, releaseZkWorkers, zkPublicSignals } from "../../sdk/src/proofs/zk.js";
import { proveMlp } from "../../sdk/src/prover/prove.js";
import { ARTIFACTS, input, randomWeights } from "./helpers.js";
import { tensor } from "../../sdk/src/encoding/tensor.js";

const { ethers } = await network.create();
const deployVerifier = () => ethers.deployContract("Groth16VerifierMlp");

type Pair = [bigint, bigint];
type Call = { a: Pair; b: [Pair, Pair]; c: Pair; signals: [bigint, bigint, bigint, bigint, bigint] };
const JOB_ID = 7n;
const SUBMITTER = "0x00000000000000000000000000000000000000A1" as const;

describe("Groth16VerifierMlp (generated Solidity verifier)", function () {
  const weights = randomWeights(7);
  const x = input([-128, 127, 3, -9]);
  let verifier: Awaited<ReturnType<typeof deployVerifier>>;
  let call: Call;

  before(async function () {
    verifier = await deployVerifier();
    const { proof, publicSignals } = await proveMlp({ weights, input: x, artifacts: ARTIFACTS, jobId: JOB_ID, submitter: SUBMITTER });
    const { a, b, c } = encodeProofForSolidity(proof);
    call = { a: [...a], b: [[...b[0]], [...b[1]]], c: [...c], signals: [...publicSignals] };
  });
  after(releaseZkWorkers);

  const verify = (p: Call, overrides: { gasLimit?: bigint } = {}) =>
    verifier.verifyProof.staticCall(p.a, p.b, p.c, p.signals, overrides);

  it("accepts a real proof with its public signals", async function () {
    expect(await verify(call)).to.equal(true);
  });

  it("costs under 255k gas as a transaction for 5 public signals", async function () {
    const [sender] = await ethers.getSigners();
    const data = verifier.interface.encodeFunctionData("verifyProof", [call.a, call.b, call.c, call.signals]);
    const receipt = await (await sender!.sendTransaction({ to: await verifier.getAddress(), data })).wait();
    expect(receipt!.status).to.equal(1);
    expect(receipt!.gasUsed).to.be.lessThan(255_000n);
    console.log(`      verifyProof as a transaction: ${receipt!.gasUsed} gas`);
  });

  it("rejects the proof with another input, output, commitment, job id or submitter in the public signals", async function () {
    const other = zkPublicSignals({
      input: input([-128, 127, 3, -8]),
      output: tensor("int32", [1, 3], [0, 0, 0]),
      commitment: 1n,
      jobId: JOB_ID + 1n,
      submitter: "0x00000000000000000000000000000000000000a2",
    });
    for (let i = 0; i < 5; i++) {
      const signals: Call["signals"] = [...call.signals];
      signals[i] = other[i]!;
      expect(await verify({ ...call, signals }), `signal ${i} replaced`).to.equal(false);
    }
  });

  it("rejects a tampered proof (a swapped for c)", async function () {
    expect(await verify({ ...call, a: call.c, c: call.a })).to.equal(false);
  });

  it("returns false for an off-curve point within a bounded gas limit", async function () {
    // The pairing precompile fails on an off-curve point and burns the gas it was given: callers bound it.
    expect(await verify({ ...call, a: [call.a[0], call.a[1] + 1n] }, { gasLimit: 2_000_000n })).to.equal(false);
  });

  it("rejects a public signal at or above the field modulus", async function () {
    const signals: Call["signals"] = [...call.signals];
    signals[1] += BN254_SCALAR_FIELD;
    expect(await verify({ ...call, signals })).to.equal(false);
  });
});
