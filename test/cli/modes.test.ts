/**
 * `verity infer` with QUORUM and OPTIMISTIC parameters, `job show` of such jobs, refusals of malformed parameters
 * (nothing sent), and `verity operator watch` (help, refusals, a short run stopped by the abort signal), against a
 * real `hardhat node` process.
 */
import { expect } from "chai";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { type Address, type Hex, type PublicClient, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { getJob } from "../../sdk/src/actions/getJob.js";
import { VerityMode } from "../../sdk/src/constants.js";
import { optimisticParams, quorumParams } from "../../sdk/src/encoding/params.js";
import { IRIS_IO_SIGNATURE } from "../../sdk/src/model/signatures.js";
import { type CliChain, expectNothingSent, hardhatKey, json, startCliChain, verity } from "./helpers.js";

const KEYS = { governance: hardhatKey(0), owner: hardhatKey(1), watcher: hardhatKey(4), requester: hardhatKey(3) };
const SETOSA = "5.1,3.5,1.4,0.2";

describe("verity: QUORUM and OPTIMISTIC jobs, operator watch", function () {
  this.timeout(90_000);

  let chain: CliChain;
  let env: Record<string, string>;
  let publicClient: PublicClient;
  let hub: Address;
  let modelId: Hex;
  const as = (key: Hex) => chain.as(key);

  before(async () => {
    chain = await startCliChain("cli-modes");
    ({ env, publicClient } = chain);
    hub = json<{ hub: Address }>(await verity(["deploy", "--deployment-id", chain.deploymentId, "--json"], as(KEYS.governance))).hub;
    modelId = json<{ modelId: Hex }>(await verity(["model", "register", "iris-mlp", "--json"], as(KEYS.owner))).modelId;
    // Version 1: every mode but ZK, with the reference circuit (OPTIMISTIC challenges are settled by its proofs).
    const pub = await verity(
      ["model", "publish", modelId, "--file", "models/iris-mlp.onnx", "--uri", "file:models/iris-mlp.onnx", "--modes", "tee,quorum,optimistic",
        "--fee", "0.001", "--zk-weights", "models/iris-mlp.json", "--zk-vkey", "circuits/build/verification_key.json"],
      as(KEYS.owner),
    );
    expect(pub.code, pub.stderr).to.equal(0);
    // Version 2: TEE only (another file, the Iris interface given with --io-signature).
    const signature = path.join(chain.tmp.dir, "iris-signature.json");
    await writeFile(signature, JSON.stringify(IRIS_IO_SIGNATURE));
    const tee = await verity(
      ["model", "publish", modelId, "--file", "models/iris-mlp.json", "--uri", "file:models/iris-mlp.json", "--fee", "0.001", "--io-signature", signature],
      as(KEYS.owner),
    );
    expect(tee.code, tee.stderr).to.equal(0);
  });

  after(async () => {
    await chain?.stop();
  });

  describe("infer with mode parameters", () => {
    it("requests a QUORUM job with --quorum-k and --min-stake; job show gives the mode and its params", async () => {
      const run = await verity(
        ["infer", modelId, "--version", "1", "--input", SETOSA, "--fee", "0.003", "--mode", "quorum", "--quorum-k", "3", "--min-stake", "0.5"],
        as(KEYS.requester),
      );
      expect(run.code, run.stderr).to.equal(0);
      const m = /^job (\d+)$/m.exec(run.stdout);
      expect(m, run.stdout).to.not.equal(null);
      const jobId = BigInt(m![1]!);
      expect(run.stderr).to.match(/params\s+k = 3, min stake 0\.5 ETH/);

      const job = await getJob(publicClient, { hub, jobId });
      expect(job.job.mode).to.equal(VerityMode.quorum);
      expect(job.job.params).to.equal(quorumParams({ k: 3, minStake: parseEther("0.5") }));

      const show = await verity(["job", "show", `${jobId}`], env);
      expect(show.code, show.stderr).to.equal(0);
      expect(show.stdout).to.match(/mode\s+QUORUM/).and.match(/params\s+k = 3, min stake 0\.5 ETH/);
      const shown = json<{ modeParams: { k: number; minStake: string } }>(await verity(["job", "show", `${jobId}`, "--json"], env));
      expect(shown.modeParams).to.deep.equal({ k: 3, minStake: parseEther("0.5").toString() });
    });

    it("requests an OPTIMISTIC job with --window, --bond and --slash; job show gives the mode and its params", async () => {
      const out = json<{ jobId: string; mode: string; params: string }>(
        await verity(
          ["infer", modelId, "--version", "1", "--input", SETOSA, "--fee", "0.003", "--mode", "optimistic",
            "--window", "1h", "--bond", "0.01", "--slash", "0.1", "--json"],
          as(KEYS.requester),
        ),
      );
      const expected = optimisticParams({ window: 3600, bond: parseEther("0.01"), slashAmount: parseEther("0.1") });
      expect(out.mode).to.equal("OPTIMISTIC");
      expect(out.params).to.equal(expected.toString());
      const job = await getJob(publicClient, { hub, jobId: BigInt(out.jobId) });
      expect(job.job.params).to.equal(expected);

      const show = await verity(["job", "show", out.jobId], env);
      expect(show.code, show.stderr).to.equal(0);
      expect(show.stdout).to.match(/mode\s+OPTIMISTIC/).and.match(/params\s+window 1h, bond 0\.01 ETH, slash 0\.1 ETH/);
    });
  });

  describe("refusals of malformed parameters (nothing sent)", () => {
    const requester = privateKeyToAccount(KEYS.requester).address;

    async function refused(extra: string[], message: RegExp) {
      await expectNothingSent(publicClient, hub, requester, async () => {
        const run = await verity(["infer", modelId, "--version", "1", "--input", SETOSA, "--fee", "0.003", ...extra], as(KEYS.requester));
        expect(run.code, run.stdout + run.stderr).to.equal(1);
        expect(run.stderr).to.match(message);
        expect(run.stderr).to.not.match(/\n\s+at /, "no stack trace");
      });
    }

    it("refuses a quorum of k = 0 (or above 32), and a quorum without k", async () => {
      await refused(["--mode", "quorum", "--quorum-k", "0"], /--quorum-k 0 is not in 1\.\.32/);
      await refused(["--mode", "quorum", "--quorum-k", "33"], /--quorum-k 33 is not in 1\.\.32/);
      await refused(["--mode", "quorum"], /--mode quorum needs --quorum-k/);
      await refused(["--mode", "quorum", "--quorum-k", "2", "--min-stake", "lots"], /--min-stake "lots" is not an amount/);
    });

    it("refuses a challenge window too short or too long, a zero bond or slash, and optimistic without its options", async () => {
      await refused(["--mode", "optimistic", "--window", "5m", "--bond", "0.01", "--slash", "0.1"], /--window 5m \(5m\) is outside 10m\.\.3d/);
      await refused(["--mode", "optimistic", "--window", "4d", "--bond", "0.01", "--slash", "0.1"], /--window 4d \(4d\) is outside 10m\.\.3d/);
      await refused(["--mode", "optimistic", "--window", "1h", "--bond", "0", "--slash", "0.1"], /--bond must be above zero/);
      await refused(["--mode", "optimistic", "--window", "1h", "--bond", "0.01", "--slash", "0"], /--slash must be above zero/);
      await refused(["--mode", "optimistic", "--window", "1h", "--bond", "0.01"], /--mode optimistic needs --window <duration>, --bond <amount> and --slash <amount>/);
    });

    it("refuses, at request time, a bond below the dispute game's minimum (GameBondTooLow)", async () => {
      await refused(["--mode", "optimistic", "--window", "1h", "--bond", "0.001", "--slash", "0.1"], /GameBondTooLow\(bond: 1000000000000000, minimum: 10000000000000000\)/);
    });

    it("refuses one mode's options with another mode", async () => {
      await refused(["--mode", "tee", "--quorum-k", "3"], /--quorum-k is not for --mode tee/);
      await refused(["--mode", "quorum", "--quorum-k", "3", "--window", "1h", "--bond", "1"], /--window, --bond are not for --mode quorum/);
    });
  });

  describe("operator watch", () => {
    it("--help lists its options", async () => {
      const run = await verity(["operator", "watch", "--help"], {});
      expect(run.code).to.equal(0);
      for (const option of ["--model <id:version>", "--zk-weights <json>", "--zk-artifacts <dir>", "--state <file>", "--model-dir <dir>",
        "--from-block <n>", "--no-withdraw", "--once"]) {
        expect(run.stdout).to.contain(option);
      }
      const root = await verity(["--help"], {});
      expect(root.stdout).to.contain("verity operator watch --model <id:version> --zk-weights <json> [options]");
    });

    it("refuses a version without the OPTIMISTIC mode before watching", async () => {
      const run = await verity(["operator", "watch", "--model", `${modelId}:2`, "--zk-weights", "models/iris-mlp.json",
        "--state", path.join(chain.tmp.dir, "refused.json")], as(KEYS.watcher));
      expect(run.code).to.equal(1);
      expect(run.stderr).to.contain("does not support the OPTIMISTIC mode");
    });

    it("starts, watches and stops cleanly on abort, recording where to resume", async () => {
      const state = path.join(chain.tmp.dir, "watcher.json");
      const controller = new AbortController();
      const watching = verity(["operator", "watch", "--model", `${modelId}:1`, "--zk-weights", "models/iris-mlp.json", "--state", state],
        as(KEYS.watcher), { signal: controller.signal });
      await new Promise((r) => setTimeout(r, 2_000));
      controller.abort();
      const run = await watching;
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.contain("watcher started on chain 31337").and.contain(`hub ${hub}`).and.contain("watcher stopped: 0 proposal(s) checked");
      expect(run.stderr).to.contain("stopping...");
      const saved = JSON.parse(await readFile(state, "utf8"));
      expect(saved).to.include({ chainId: 31337, hub });
      expect(BigInt(saved.lastBlock)).to.be.greaterThan(0n);

      // The next run resumes after the last block scanned.
      const once = await verity(["operator", "watch", "--model", `${modelId}:1`, "--zk-weights", "models/iris-mlp.json", "--state", state, "--once"],
        as(KEYS.watcher));
      expect(once.code, once.stderr).to.equal(0);
      expect(once.stdout).to.contain(`from block ${BigInt(saved.lastBlock) + 1n}`).and.contain("watcher stopped");
    });
  });
});
