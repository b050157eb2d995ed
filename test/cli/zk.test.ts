/** `verity zk`: proving and verifying with the committed circuit (no chain), and the setup's refusals. */
import { expect } from "chai";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { encodeTensor, tensor } from "../../sdk/src/encoding/tensor.js";
import { loadIrisModel } from "../../sdk/src/model/iris.js";
import { mlpForward } from "../../sdk/src/model/mlp.js";
import { tempDir, verity } from "./helpers.js";

/** The job binding every proof here is made for. */
const SUBMITTER = "0x00000000000000000000000000000000000000A1";
const BOUND = ["--job-id", "7", "--submitter", SUBMITTER];

describe("verity zk", function () {
  this.timeout(60_000);
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let proofFile: string;

  before(async () => {
    tmp = await tempDir("verity-cli-zk-");
    proofFile = path.join(tmp.dir, "proof.json");
  });
  after(async () => {
    await tmp?.remove();
  });

  it("proves the reference model on Iris features, for a job and its submitter, and prints the proof as JSON", async () => {
    const run = await verity(["zk", "prove", "--input", "5.1,3.5,1.4,0.2", ...BOUND], {});
    expect(run.code, run.stderr).to.equal(0);
    const out = JSON.parse(run.stdout) as {
      proof: { protocol: string };
      publicSignals: string[];
      output: string;
      prediction: string;
      jobId: string;
      submitter: string;
    };
    expect(out.proof.protocol).to.equal("groth16");
    expect(out.publicSignals).to.have.length(5);
    expect(out.publicSignals.slice(3)).to.deep.equal(["7", BigInt(SUBMITTER).toString()]);
    expect([out.jobId, out.submitter]).to.deep.equal(["7", SUBMITTER]);
    const expected = mlpForward(loadIrisModel().weights, [82n, 56n, 22n, 3n]);
    expect(out.output).to.equal(encodeTensor(tensor("int32", [1, 3], expected)));
    expect(out.prediction).to.equal("setosa");
    await writeFile(proofFile, run.stdout);
  });

  it("verifies that proof against the verifying key (exit 0)", async () => {
    const run = await verity(["zk", "verify", proofFile], {});
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.contain("VALID").and.contain("int8 [1,4] [82, 56, 22, 3]").and.contain(`7, submitted by ${SUBMITTER}`);
  });

  it("rejects the proof for another job or another submitter (exit 1)", async () => {
    for (const [index, value] of [[3, "8"], [4, BigInt("0x00000000000000000000000000000000000000A2").toString()]] as const) {
      const proof = JSON.parse(await readFile(proofFile, "utf8")) as { publicSignals: string[] };
      proof.publicSignals[index] = value;
      const forged = path.join(tmp.dir, `forged-binding-${index}.json`);
      await writeFile(forged, JSON.stringify(proof));
      const run = await verity(["zk", "verify", forged, "--json"], {});
      expect(run.code).to.equal(1);
      expect(JSON.parse(run.stdout).valid).to.equal(false);
    }
  });

  it("zk prove needs the job id, and the submitter or a key whose account submits", async () => {
    const noJob = await verity(["zk", "prove", "--input", "5.1,3.5,1.4,0.2", "--submitter", SUBMITTER], {});
    expect(noJob.code).to.not.equal(0);
    expect(noJob.stderr).to.contain("--job-id");
    const noSubmitter = await verity(["zk", "prove", "--input", "5.1,3.5,1.4,0.2", "--job-id", "7"], {});
    expect(noSubmitter.code).to.equal(1);
    expect(noSubmitter.stderr).to.contain("bound to the account that will send it").and.contain("--submitter");
    const bad = await verity(["zk", "prove", "--input", "5.1,3.5,1.4,0.2", "--job-id", "7", "--submitter", "0x1234"], {});
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.contain("--submitter").and.contain("is not an address");
  });

  it("rejects the proof for another output (exit 1)", async () => {
    const proof = JSON.parse(await readFile(proofFile, "utf8")) as { publicSignals: string[] };
    proof.publicSignals[2] = (BigInt(proof.publicSignals[2]!) + 1n).toString();
    const forged = path.join(tmp.dir, "forged.json");
    await writeFile(forged, JSON.stringify(proof));
    const run = await verity(["zk", "verify", forged, "--json"], {});
    expect(run.code).to.equal(1);
    expect(JSON.parse(run.stdout).valid).to.equal(false);
  });

  it("refuses a file that is not a proof, and a malformed proof, with a clear message", async () => {
    const notProof = path.join(tmp.dir, "other.json");
    await writeFile(notProof, JSON.stringify({ hello: "world" }));
    const a = await verity(["zk", "verify", notProof], {});
    expect(a.code).to.equal(1);
    expect(a.stderr).to.contain('no "proof" and "publicSignals"');
    const proof = JSON.parse(await readFile(proofFile, "utf8")) as { proof: { pi_a: string[] } };
    proof.proof.pi_a = ["1"];
    const bad = path.join(tmp.dir, "bad.json");
    await writeFile(bad, JSON.stringify(proof));
    const b = await verity(["zk", "verify", bad], {});
    expect(b.code).to.equal(1);
    expect(b.stderr).to.contain("Malformed Groth16 proof");
  });

  it("zk setup refuses a Powers of Tau file that does not exist, before compiling anything", async () => {
    const run = await verity(["zk", "setup", "--ptau", path.join(tmp.dir, "missing.ptau")], {});
    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain("missing.ptau does not exist");
    expect(run.ms).to.be.lessThan(5_000);
  });

  it("zk prove says how to create missing circuit artifacts", async () => {
    const run = await verity(["zk", "prove", "--input", "5.1,3.5,1.4,0.2", ...BOUND, "--artifacts", tmp.dir], {});
    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain("does not exist").and.contain("verity zk setup");
  });
});
