// The committed ZK artifacts (circuits/build/, contracts/zk/Groth16VerifierMlp.sol) must be the ones the circuit
// source produces. A circuit edited without re-running the setup fails here, with the command to run.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import {
  type ZkManifest,
  ZK_VERIFIER_PATH,
  compileCircuit,
  digestFile,
  exportVerifierSource,
  readZkManifest,
  renderVerifier,
} from "../../sdk/src/prover/setup.js";
import { type Groth16VerifyingKey, ZK_PUBLIC_SIGNALS, releaseZkWorkers, vkeyHash } from "../../sdk/src/proofs/zk.js";
import { ARTIFACTS, ROOT, loadVkey } from "./helpers.js";

const RERUN = "run `npm run zk:setup` and commit circuits/build/ and contracts/zk/";

describe("zk committed artifacts", function () {
  let manifest: ZkManifest;
  let work: string;
  let compiled: Awaited<ReturnType<typeof compileCircuit>>;

  before(async function () {
    manifest = await readZkManifest(ROOT);
    work = await mkdtemp(path.join(tmpdir(), "verity-zk-test-"));
    compiled = await compileCircuit({ root: ROOT, outDir: work });
  });
  after(async function () {
    await rm(work, { recursive: true, force: true });
    await releaseZkWorkers();
  });

  it("were generated from the current circuit source", async function () {
    const source = await digestFile(ROOT, manifest.source.path);
    expect(source.sha256, `circuits/mlp_4_8_3.circom changed since the last setup: ${RERUN}`).to.equal(
      manifest.source.sha256
    );
  });

  it("hold the r1cs and wasm that the circuit compiles to now (same constraints, same hashes)", async function () {
    const r1cs = await digestFile(ROOT, compiled.r1cs);
    const wasm = await digestFile(ROOT, compiled.wasm);
    expect(compiled.constraints, `constraint count changed: ${RERUN}`).to.equal(manifest.constraints);
    expect(r1cs.sha256, `the compiled r1cs differs from the one the zkey was made for: ${RERUN}`).to.equal(
      manifest.r1cs.sha256
    );
    expect(wasm.sha256, `the compiled witness generator differs from circuits/build/mlp_4_8_3.wasm: ${RERUN}`).to.equal(
      manifest.wasm.sha256
    );
  });

  it("match the hashes recorded in circuits/build/manifest.json", async function () {
    for (const [file, recorded] of [
      [ARTIFACTS.wasm, manifest.wasm],
      [ARTIFACTS.zkey, manifest.zkey],
      [ARTIFACTS.r1cs, manifest.r1cs],
    ] as const) {
      expect(
        (await digestFile(ROOT, file)).sha256,
        `${path.relative(ROOT, file)} was changed by hand: ${RERUN}`
      ).to.equal(recorded.sha256);
    }
  });

  it("have a verifying key that is the zkey's, with the manifest's vkeyHash", async function () {
    const snarkjs = await import("snarkjs");
    const fromZkey = (await snarkjs.zKey.exportVerificationKey(ARTIFACTS.zkey)) as Groth16VerifyingKey;
    const committed = loadVkey();
    expect(vkeyHash(committed), `verification_key.json does not match the zkey: ${RERUN}`).to.equal(vkeyHash(fromZkey));
    expect(vkeyHash(committed)).to.equal(manifest.verificationKey.vkeyHash);
    expect(committed.nPublic, "commitment, packedInput, packedOutput, jobId, submitter").to.equal(ZK_PUBLIC_SIGNALS);
    expect(manifest.publicSignals).to.deep.equal(["commitment", "packedInput", "packedOutput", "jobId", "submitter"]);
  });

  it("have a Solidity verifier generated from the committed zkey", async function () {
    const expected = renderVerifier(await exportVerifierSource(ARTIFACTS.zkey), manifest);
    const committed = await readFile(path.join(ROOT, ZK_VERIFIER_PATH), "utf8");
    expect(committed === expected, `${ZK_VERIFIER_PATH} is stale or edited: ${RERUN}`).to.equal(true);
    expect(committed).to.include(`vkeyHash:  ${manifest.verificationKey.vkeyHash}`);
  });
});
