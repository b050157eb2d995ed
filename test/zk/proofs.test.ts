import { readFileSync } from "node:fs";
import { expect } from "chai";
import { tensor } from "../../sdk/src/encoding/tensor.js";
import {
  ZkProofFormatError,
  ZkProvingError,
  ZkPublicSignalsError,
  ZkVerifyingKeyError,
} from "../../sdk/src/errors/zk.js";
import { mlpForward } from "../../sdk/src/model/mlp.js";
import { BN254_BASE_FIELD, BN254_SCALAR_FIELD, type Groth16Proof, type Groth16VerifyingKey, encodeProofForSolidity, releaseZkWorkers, verifyMlpProof, vkeyHash, zkPublicSignals } from "../../sdk/src/proofs/zk.js";
import { type ProveMlpReturnType, modelCommitment, proveMlp } from "../../sdk/src/prover/prove.js";
import { ARTIFACTS, input, inputs, irisWeights, loadVkey, randomWeights, rejection } from "./helpers.js";

const weights = randomWeights(42);
const artifacts = { wasm: ARTIFACTS.wasm, zkey: ARTIFACTS.zkey };
/** The job binding of every proof here: a job id and the account that would submit it. */
const binding = { jobId: 3n, submitter: "0x0000000000000000000000000000000000000B0b" } as const;

describe("zk proofs (proveMlp / verifyMlpProof)", function () {
  let vkey: Groth16VerifyingKey;
  let commitment: bigint;
  let sample: ProveMlpReturnType;
  const x = input([17, -128, 127, 0]);

  before(async function () {
    vkey = loadVkey();
    commitment = await modelCommitment(weights);
    sample = await proveMlp({ weights, input: x, artifacts, ...binding });
  });
  after(releaseZkWorkers);

  it("proves mlpForward's output for a sample of inputs, edge values included, and the proofs verify", async function () {
    for (const xi of inputs(3, 3)) {
      const { proof, publicSignals, output, commitment: c } = await proveMlp({ weights, input: xi, artifacts, ...binding });
      expect(Array.from(output.values, BigInt)).to.deep.equal(mlpForward(weights, xi.values));
      expect(c).to.equal(commitment);
      expect(publicSignals).to.deep.equal(zkPublicSignals({ input: xi, output, commitment, ...binding }));
      expect(
        await verifyMlpProof({ proof, publicSignals: zkPublicSignals({ input: xi, output, commitment, ...binding }), vkey })
      ).to.equal(true);
    }
  });

  it("proves an inference of the trained Iris model under its own commitment", async function () {
    const iris = irisWeights();
    const flower = input([81, 56, 22, 3]); // 5.1, 3.5, 1.4, 0.2 cm at inputScale 16: a setosa
    const { proof, output } = await proveMlp({ weights: iris, input: flower, artifacts, ...binding });
    expect(Array.from(output.values, BigInt)).to.deep.equal(mlpForward(iris, flower.values));
    const signals = zkPublicSignals({ input: flower, output, commitment: await modelCommitment(iris), ...binding });
    expect(await verifyMlpProof({ proof, publicSignals: signals, vkey })).to.equal(true);
  });

  it("proves from artifact bytes as well as file paths (the browser path)", async function () {
    const bytes = {
      wasm: new Uint8Array(readFileSync(ARTIFACTS.wasm)),
      zkey: new Uint8Array(readFileSync(ARTIFACTS.zkey)),
    };
    const { proof, publicSignals } = await proveMlp({ weights, input: x, artifacts: bytes, ...binding });
    expect(publicSignals).to.deep.equal(sample.publicSignals);
    expect(await verifyMlpProof({ proof, publicSignals, vkey })).to.equal(true);
  });

  it("accepts public signals as decimal strings, as snarkjs writes them", async function () {
    const strings = sample.publicSignals.map(String);
    expect(await verifyMlpProof({ proof: sample.proof, publicSignals: strings, vkey })).to.equal(true);
  });

  it("rejects the proof checked against another input", async function () {
    const other = zkPublicSignals({ input: input([17, -128, 127, 1]), output: sample.output, commitment, ...binding });
    expect(await verifyMlpProof({ proof: sample.proof, publicSignals: other, vkey })).to.equal(false);
  });

  it("rejects the proof checked against another output", async function () {
    const values = Array.from(sample.output.values as Int32Array);
    values[2] = values[2]! + 1;
    const other = zkPublicSignals({ input: x, output: tensor("int32", [1, 3], values), commitment, ...binding });
    expect(await verifyMlpProof({ proof: sample.proof, publicSignals: other, vkey })).to.equal(false);
  });

  it("rejects the proof checked against another model commitment", async function () {
    const otherCommitment = await modelCommitment(randomWeights(43));
    const other = zkPublicSignals({ input: x, output: sample.output, commitment: otherCommitment, ...binding });
    expect(await verifyMlpProof({ proof: sample.proof, publicSignals: other, vkey })).to.equal(false);
  });

  it("binds the job: its signals carry jobId and submitter, and it is rejected for another job or another submitter", async function () {
    expect(sample.publicSignals[3]).to.equal(binding.jobId);
    expect(sample.publicSignals[4]).to.equal(BigInt(binding.submitter));
    const output = sample.output;
    for (const other of [
      { jobId: binding.jobId + 1n, submitter: binding.submitter },
      { jobId: 0n, submitter: binding.submitter },
      { jobId: binding.jobId, submitter: "0x0000000000000000000000000000000000000B0c" as const },
      { jobId: binding.jobId, submitter: "0x0000000000000000000000000000000000000000" as const },
    ]) {
      const signals = zkPublicSignals({ input: x, output, commitment, ...other });
      expect(await verifyMlpProof({ proof: sample.proof, publicSignals: signals, vkey }), JSON.stringify(other, (_, v) => String(v))).to.equal(false);
    }
  });

  it("refuses a job binding that is not a field element and an address, before proving", async function () {
    for (const [bad, pattern] of [
      [{ jobId: BN254_SCALAR_FIELD, submitter: binding.submitter }, /jobId .* is not a bigint in 0..r-1/],
      [{ jobId: -1n, submitter: binding.submitter }, /jobId -1 is not a bigint in 0..r-1/],
      [{ jobId: 1, submitter: binding.submitter }, /jobId 1 is not a bigint/],
      [{ jobId: 1n, submitter: "0x1234" }, /submitter 0x1234 is not an address/],
    ] as const) {
      const e = await rejection(proveMlp({ weights, input: x, artifacts, ...(bad as unknown as typeof binding) }));
      expect(e).to.be.instanceOf(ZkPublicSignalsError);
      expect(e.message).to.match(pattern);
      expect(() => zkPublicSignals({ input: x, output: sample.output, commitment, ...(bad as unknown as typeof binding) })).to.throw(
        ZkPublicSignalsError,
        pattern,
      );
    }
  });

  it("rejects a tampered proof: a point swapped in from another proof, or moved off the curve", async function () {
    const otherProof = (await proveMlp({ weights, input: input([1, 2, 3, 4]), artifacts, ...binding })).proof;
    const swapped: Groth16Proof = { ...sample.proof, pi_c: otherProof.pi_c };
    expect(await verifyMlpProof({ proof: swapped, publicSignals: sample.publicSignals, vkey })).to.equal(false);
    const offCurve: Groth16Proof = {
      ...sample.proof,
      pi_a: [sample.proof.pi_a[0]!, String(BigInt(sample.proof.pi_a[1]!) + 1n), "1"],
    };
    expect(await verifyMlpProof({ proof: offCurve, publicSignals: sample.publicSignals, vkey })).to.equal(false);
  });

  it("agrees with snarkjs (the reference verifier) on valid, rebound, swapped and negated proofs", async function () {
    const snarkjs = (await import("snarkjs")) as { groth16: { verify: (vk: unknown, s: string[], p: unknown) => Promise<boolean> } };
    const other = await proveMlp({ weights, input: input([1, 2, 3, 4]), artifacts, ...binding });
    const negate = (y: string) => String((BN254_BASE_FIELD - BigInt(y)) % BN254_BASE_FIELD);
    const cases: [string, Groth16Proof, readonly bigint[]][] = [
      ["valid", sample.proof, sample.publicSignals],
      ["another valid", other.proof, other.publicSignals],
      ["another job", sample.proof, [...sample.publicSignals.slice(0, 3), sample.publicSignals[3]! + 1n, sample.publicSignals[4]!]],
      ["the other's signals", sample.proof, other.publicSignals],
      ["A from another proof", { ...sample.proof, pi_a: other.proof.pi_a }, sample.publicSignals],
      ["B from another proof", { ...sample.proof, pi_b: other.proof.pi_b }, sample.publicSignals],
      ["-A", { ...sample.proof, pi_a: [sample.proof.pi_a[0]!, negate(sample.proof.pi_a[1]!), "1"] }, sample.publicSignals],
    ];
    for (const [name, proof, signals] of cases) {
      const reference = await snarkjs.groth16.verify(vkey, signals.map(String), proof);
      expect(await verifyMlpProof({ proof, publicSignals: signals, vkey }), name).to.equal(reference);
      expect(reference, name).to.equal(name.includes("valid"));
    }
  });

  it("throws a clear error for public signals at or above the field modulus (they would alias smaller values)", async function () {
    const aliased = [sample.publicSignals[0] + BN254_SCALAR_FIELD, ...sample.publicSignals.slice(1)];
    const call = verifyMlpProof({ proof: sample.proof, publicSignals: aliased, vkey });
    {
      const e = await rejection(call);
      expect(e).to.be.instanceOf(ZkPublicSignalsError);
      expect(e.message).to.match(/signal 0 .* is not below the field modulus r/);
    }
    const atR = [sample.publicSignals[0], BN254_SCALAR_FIELD, ...sample.publicSignals.slice(2)];
    {
      const e = await rejection(verifyMlpProof({ proof: sample.proof, publicSignals: atR, vkey }));
      expect(e).to.be.instanceOf(ZkPublicSignalsError);
      expect(e.message).to.match(/signal 1/);
    }
    const jobAtR = [...sample.publicSignals.slice(0, 3), BN254_SCALAR_FIELD, sample.publicSignals[4]];
    {
      const e = await rejection(verifyMlpProof({ proof: sample.proof, publicSignals: jobAtR, vkey }));
      expect(e).to.be.instanceOf(ZkPublicSignalsError);
      expect(e.message).to.match(/signal 3/);
    }
  });

  it("throws for the wrong number of public signals or non-integer signals", async function () {
    {
      const e = await rejection(
        verifyMlpProof({ proof: sample.proof, publicSignals: sample.publicSignals.slice(0, 3), vkey })
      );
      expect(e).to.be.instanceOf(ZkPublicSignalsError);
      expect(e.message).to.match(/expected 5 values, got 3/);
    }
    {
      const e = await rejection(verifyMlpProof({ proof: sample.proof, publicSignals: ["1", "-2", "3", "4", "5"], vkey }));
      expect(e).to.be.instanceOf(ZkPublicSignalsError);
      expect(e.message).to.match(/signal 1 \(-2\) is not a non-negative integer/);
    }
  });

  it("throws for a malformed proof or a verifying key of another kind", async function () {
    const noC = { ...sample.proof, pi_c: [] } as Groth16Proof;
    {
      const e = await rejection(verifyMlpProof({ proof: noC, publicSignals: sample.publicSignals, vkey }));
      expect(e).to.be.instanceOf(ZkProofFormatError);
      expect(e.message).to.match(/pi_c/);
    }
    const plonk = { ...vkey, protocol: "plonk" };
    {
      const e = await rejection(
        verifyMlpProof({ proof: sample.proof, publicSignals: sample.publicSignals, vkey: plonk })
      );
      expect(e).to.be.instanceOf(ZkVerifyingKeyError);
      expect(e.message).to.match(/protocol is plonk/);
    }
  });

  it("reports missing proving artifacts as a ZkProvingError", async function () {
    {
      const e = await rejection(
        proveMlp({ weights, input: x, artifacts: { wasm: ARTIFACTS.wasm, zkey: "/nonexistent/mlp.zkey" }, ...binding })
      );
      expect(e).to.be.instanceOf(ZkProvingError);
      expect(e.message).to.match(/ZK proving failed/);
    }
  });

  it("encodes a proof for Solidity with the two limbs of each G2 coordinate swapped", function () {
    const { a, b, c } = encodeProofForSolidity(sample.proof);
    const p = sample.proof;
    expect(a).to.deep.equal([BigInt(p.pi_a[0]!), BigInt(p.pi_a[1]!)]);
    expect(b).to.deep.equal([
      [BigInt(p.pi_b[0]![1]!), BigInt(p.pi_b[0]![0]!)],
      [BigInt(p.pi_b[1]![1]!), BigInt(p.pi_b[1]![0]!)],
    ]);
    expect(c).to.deep.equal([BigInt(p.pi_c[0]!), BigInt(p.pi_c[1]!)]);
  });

  it("hashes the verifying key's numbers only: JSON formatting does not change vkeyHash, any number does", function () {
    const h = vkeyHash(vkey);
    expect(h).to.match(/^0x[0-9a-f]{64}$/);
    const { IC, ...rest } = vkey;
    const reordered = JSON.parse(JSON.stringify({ IC, ...rest, vk_alphabeta_12: [] }, null, 4)) as Groth16VerifyingKey;
    expect(vkeyHash(reordered)).to.equal(h);
    const changed = structuredClone(vkey) as { IC: string[][] } & Groth16VerifyingKey;
    changed.IC[3]![0] = String(BigInt(changed.IC[3]![0]!) + 1n);
    expect(vkeyHash(changed)).to.not.equal(h);
  });
});
