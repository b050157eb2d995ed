/**
 * The `verity` command line, run in-process (`runCli`) against a real `hardhat node` process: deploy with
 * Ignition, models, governance, operator set-up, inference requests, job show / verify / audit, the operator
 * node, and every refusal a user can meet.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  type Address,
  type Hex,
  type PublicClient,
  createWalletClient,
  http,
  keccak256,
  parseEther,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { deployContract, getCode, readContract, waitForTransactionReceipt, writeContract } from "viem/actions";
import { erc20Abi, inferenceHubAbi, operatorRegistryAbi } from "../../sdk/src/abis.js";
import { fulfillTee } from "../../sdk/src/actions/fulfillTee.js";
import { getJob } from "../../sdk/src/actions/getJob.js";
import { testTokenBytecode } from "../../sdk/src/bytecode.js";
import { PACKAGE_ROOT } from "../../sdk/src/cli/context.js";
import { buildProgram, commandReference } from "../../sdk/src/cli/main.js";
import { decodeTensor, encodeTensor, tensor } from "../../sdk/src/encoding/tensor.js";
import { loadIrisModel } from "../../sdk/src/model/iris.js";
import { mlpForward } from "../../sdk/src/model/mlp.js";
import { type CliChain, type HardhatNode, expectNothingSent, freePort, hardhatKey, json, startCliChain, tempDir, verity } from "./helpers.js";

const KEYS = { governance: hardhatKey(0), owner: hardhatKey(1), operator: hardhatKey(2), requester: hardhatKey(3), enclave: hardhatKey(9) };
const MEASUREMENT = "verity-enclave-v1";
const IRIS = { setosa: "5.1,3.5,1.4,0.2", virginica: "6.3,3.3,6.0,2.5" };
const iris = loadIrisModel();

/** The reference model's logits for an input tensor (what an honest enclave returns). */
function logits(input: Hex) {
  return tensor("int32", [1, 3], mlpForward(iris.weights, decodeTensor(input).values));
}

describe("verity CLI against a hardhat node", function () {
  this.timeout(60_000);

  let chain: CliChain;
  let node: HardhatNode;
  let tmp: CliChain["tmp"];
  let env: Record<string, string>;
  let deploymentId: string;
  let publicClient: PublicClient;
  let hub: Address;
  let modelId: Hex;
  let tokenModelVersion: number;
  let firstJob: bigint;

  const as = (key: Hex) => ({ ...env, VERITY_PRIVATE_KEY: key });
  const operatorWallet = () =>
    createWalletClient({ account: privateKeyToAccount(KEYS.operator), transport: http(node.url) });

  /** Fulfils a job as the registered enclave would: the reference model's logits, signed with the enclave key. */
  async function fulfil(jobId: bigint) {
    const job = await getJob(publicClient, { hub, jobId });
    const hash = await fulfillTee(operatorWallet(), {
      hub,
      jobId,
      job: job.job,
      output: logits(job.input!),
      enclave: privateKeyToAccount(KEYS.enclave),
      chain: null,
    });
    const receipt = await waitForTransactionReceipt(publicClient, { hash });
    expect(receipt.status).to.equal("success");
  }

  before(async () => {
    chain = await startCliChain("cli-test");
    ({ node, tmp, env, deploymentId, publicClient } = chain);
  });

  after(async () => {
    await chain?.stop();
  });

  describe("set-up", () => {
    it("deploys the system with the Ignition module and writes deployments/<chainId>.json", async () => {
      const run = await verity(
        ["deploy", "--deployment-id", deploymentId, "--unbonding-delay", "7d", "--governance-delay", "1h", "--json"],
        as(KEYS.governance),
      );
      const out = json<{ hub: Address; operatorRegistry: Address; optimisticGame: Address; timelock: Address; chainId: number; reused: boolean }>(run);
      expect(out.chainId).to.equal(31337);
      expect(out.reused).to.equal(false);
      hub = out.hub;
      const file = JSON.parse(await readFile(path.join(tmp.dir, "31337.json"), "utf8"));
      expect(file).to.include({
        chainId: 31337,
        hub: out.hub,
        operatorRegistry: out.operatorRegistry,
        optimisticGame: out.optimisticGame,
        timelock: out.timelock,
      });
      expect(await readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "verifierOf", args: [4] })).to.equal(out.optimisticGame);
      expect(await readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "owner" })).to.equal(out.timelock);
      expect(BigInt(file.blockNumber)).to.be.greaterThan(0n);
      // The addresses are Ignition's own record of the deployment.
      const ignition = JSON.parse(
        await readFile(path.join(PACKAGE_ROOT, "ignition", "deployments", deploymentId, "deployed_addresses.json"), "utf8"),
      );
      expect(ignition["Verity#InferenceHub"]).to.equal(out.hub);
      expect(await readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "operatorRegistry" })).to.equal(
        out.operatorRegistry,
      );
    });

    it("deploying again reuses the recorded deployment, and refuses other options for it", async () => {
      const run = await verity(["deploy", "--deployment-id", deploymentId, "--unbonding-delay", "604800", "--governance-delay", "3600"], as(KEYS.governance));
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.contain("already deployed").and.contain(hub);
      const changed = await verity(["deploy", "--deployment-id", deploymentId, "--unbonding-delay", "8d", "--governance-delay", "1h"], as(KEYS.governance));
      expect(changed.code).to.equal(1);
      expect(changed.stderr).to.contain("reconciliation").and.contain("--reset");
    });

    it("deploys afresh over a local journal whose contracts are gone (a restarted node)", async () => {
      const staleDir = path.join(PACKAGE_ROOT, "ignition", "deployments", `${deploymentId}-stale`);
      const other = await tempDir("verity-cli-stale-");
      try {
        await mkdir(staleDir, { recursive: true });
        await writeFile(path.join(staleDir, "journal.jsonl"), '{"chainId":31337,"type":"DEPLOYMENT_INITIALIZE"}\n');
        await writeFile(
          path.join(staleDir, "deployed_addresses.json"),
          JSON.stringify({ "Verity#OperatorRegistry": "0x00000000000000000000000000000000000000aa", "Verity#InferenceHub": "0x00000000000000000000000000000000000000bb" }),
        );
        const run = await verity(["deploy", "--deployment-id", `${deploymentId}-stale`], { ...as(KEYS.governance), VERITY_DEPLOYMENTS_DIR: other.dir });
        expect(run.code, run.stderr).to.equal(0);
        expect(run.stderr).to.contain("not on this chain (restarted node?): deploying afresh");
        expect(run.stdout).to.contain("Verity deployed on chain 31337");
        const record = JSON.parse(await readFile(path.join(other.dir, "31337.json"), "utf8"));
        expect(record.hub).to.not.equal("0x00000000000000000000000000000000000000bb");
        expect(await getCode(publicClient, { address: record.hub })).to.not.equal(undefined);
      } finally {
        await rm(staleDir, { recursive: true, force: true });
        await other.remove();
      }
    });

    it("schedules a governance call through the timelock, refuses to execute it early, and executes it once ready", async () => {
      const measurement = keccak256(toHex(MEASUREMENT));
      const registry = await readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "operatorRegistry" });
      const status = () => readContract(publicClient, { address: registry, abi: operatorRegistryAbi, functionName: "measurementStatus", args: [measurement] });
      const out = json<{ status: string; operationId: Hex; timelock: Address; delay: string; readyAt: string; scheduleBlockNumber: string }>(
        await verity(["governance", "approve-measurement", MEASUREMENT, "--json"], as(KEYS.governance)),
      );
      expect(out.status).to.equal("scheduled");
      expect(out.operationId).to.match(/^0x[0-9a-f]{64}$/);
      expect(BigInt(out.delay)).to.equal(3600n);
      const scheduledAt = (await publicClient.getBlock({ blockNumber: BigInt(out.scheduleBlockNumber) })).timestamp;
      expect(BigInt(out.readyAt)).to.equal(scheduledAt + 3600n);
      expect(await status()).to.equal(0); // not approved yet
      const early = await verity(["governance", "execute", out.operationId], as(KEYS.requester));
      expect(early.code).to.equal(1);
      expect(early.stderr).to.contain(`operation ${out.operationId} is not ready: it can be executed from`);
      // Humans see the operation and when it can run.
      const again = await verity(["governance", "revoke-measurement", "another-measurement"], as(KEYS.governance));
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stdout).to.contain(`scheduled through timelock ${out.timelock}`).and.match(/earliest execution\s+\d{4}-/).and.contain("verity governance execute 0x");

      await publicClient.request({ method: "evm_increaseTime" as never, params: [3601] as never });
      await publicClient.request({ method: "evm_mine" as never, params: [] as never });
      // Anyone executes a ready operation (the executor role is open).
      const run = await verity(["governance", "execute", out.operationId], as(KEYS.requester));
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.contain(`operation ${out.operationId} executed through timelock ${out.timelock}`);
      expect(await status()).to.equal(1); // approved
      const twice = await verity(["governance", "execute", out.operationId], as(KEYS.requester));
      expect(twice.code).to.equal(1);
      expect(twice.stderr).to.contain("was already executed");
    });

    it("registers a model and publishes a version with the artifact hash of its file", async () => {
      const reg = json<{ modelId: Hex; name: string }>(await verity(["model", "register", "iris-mlp", "--json"], as(KEYS.owner)));
      expect(reg.name).to.equal("iris-mlp");
      modelId = reg.modelId;
      const onnx = await readFile(path.join(PACKAGE_ROOT, "models", "iris-mlp.onnx"));
      const pub = json<{ version: number; artifactHash: Hex; allowedMeasurements: Hex[] }>(
        await verity(
          ["model", "publish", modelId, "--file", "models/iris-mlp.onnx", "--uri", "file:models/iris-mlp.onnx",
            "--modes", "tee", "--fee", "0.001", "--allow-measurement", MEASUREMENT, "--json"],
          as(KEYS.owner),
        ),
      );
      expect(pub.version).to.equal(1);
      expect(pub.artifactHash).to.equal(keccak256(onnx));
      expect(pub.allowedMeasurements).to.deep.equal([keccak256(toHex(MEASUREMENT))]);
    });

    it("publishes a second version and deprecates it", async () => {
      const file = path.join(tmp.dir, "v2.onnx");
      await writeFile(file, "another model file");
      const pub = await verity(["model", "publish", modelId, "--file", file, "--uri", "file:v2.onnx", "--fee", "0.001"], as(KEYS.owner));
      expect(pub.code, pub.stderr).to.equal(0);
      expect(pub.stdout).to.contain("version 2 of model");
      const dep = await verity(["model", "deprecate", modelId, "--version", "2"], as(KEYS.owner));
      expect(dep.code, dep.stderr).to.equal(0);
      expect(dep.stdout).to.contain("version 2").and.contain("deprecated");
    });

    it("publishes a version priced in an ERC-20", async () => {
      const deployer = createWalletClient({ account: privateKeyToAccount(KEYS.governance), transport: http(node.url) });
      const hash = await deployContract(deployer, { abi: erc20Abi, bytecode: testTokenBytecode, args: ["Test USD", "TUSD"], chain: null });
      const token = (await waitForTransactionReceipt(publicClient, { hash })).contractAddress!;
      const requester = privateKeyToAccount(KEYS.requester).address;
      await waitForTransactionReceipt(publicClient, {
        hash: await writeContract(deployer, { address: token, abi: erc20Abi, functionName: "mint", args: [requester, parseEther("100")], chain: null }),
      });
      const file = path.join(tmp.dir, "v3.onnx");
      await writeFile(file, "a third model file");
      const pub = json<{ version: number; feeToken: Address }>(
        await verity(["model", "publish", modelId, "--file", file, "--uri", "file:v3.onnx", "--fee", "2.5", "--token", token,
          "--allow-measurement", MEASUREMENT, "--json"], as(KEYS.owner)),
      );
      expect(pub.feeToken.toLowerCase()).to.equal(token.toLowerCase());
      tokenModelVersion = pub.version;
    });

    it("lists the models and their versions as a table", async () => {
      const run = await verity(["model", "list"], env);
      expect(run.code, run.stderr).to.equal(0);
      const rows = run.stdout.trim().split("\n");
      expect(rows[0]).to.match(/^MODEL ID\s+NAME\s+OWNER\s+VERSION\s+MODES\s+FEE\s+STATUS\s+ARTIFACT/);
      expect(rows.filter((r) => r.startsWith(modelId))).to.have.length(3);
      expect(run.stdout).to.match(/iris-mlp .* 1 +TEE +0\.001 ETH +active/);
      expect(run.stdout).to.match(/ 2 +TEE +0\.001 ETH +deprecated/);
      expect(run.stdout).to.match(/ 3 +TEE +2\.5 TUSD +active/);
      const owner = privateKeyToAccount(KEYS.operator).address;
      const none = await verity(["model", "list", "--owner", owner], env);
      expect(none.stdout).to.contain(`no models registered by ${owner}`);
    });

    it("stakes an operator and registers its enclave key on the approved measurement", async () => {
      const stake = await verity(["operator", "stake", "1"], as(KEYS.operator));
      expect(stake.code, stake.stderr).to.equal(0);
      expect(stake.stdout).to.contain("staked 1 ETH").and.contain("1 ETH in total");
      const reg = await verity(["operator", "register-key", "--enclave-key", KEYS.enclave, "--measurement", MEASUREMENT], as(KEYS.operator));
      expect(reg.code, reg.stderr).to.equal(0);
      expect(reg.stdout).to.contain(`enclave key ${privateKeyToAccount(KEYS.enclave).address} registered`);
    });
  });

  describe("jobs", () => {
    it("requests an inference from Iris features and prints the job id", async () => {
      const run = await verity(["infer", modelId, "--version", "1", "--input", IRIS.setosa, "--fee", "0.003"], as(KEYS.requester));
      expect(run.code, run.stderr).to.equal(0);
      const m = /^job (\d+)$/m.exec(run.stdout);
      expect(m, run.stdout).to.not.equal(null);
      firstJob = BigInt(m![1]!);
      const job = await getJob(publicClient, { hub, jobId: firstJob });
      expect(job.status).to.equal("pending");
      // Quantized with the model file's input scale (16): 5.1 cm -> 82 ...
      expect(decodeTensor(job.input!).values).to.deep.equal([82n, 56n, 22n, 3n]);
      expect(job.job.fee).to.equal(parseEther("0.003"));
    });

    it("shows a pending job, and job verify exits 3 (pending)", async () => {
      const show = await verity(["job", "show", `${firstJob}`], env);
      expect(show.code, show.stderr).to.equal(0);
      expect(show.stdout).to.match(/status\s+pending/).and.contain("int8 [1,4] [82, 56, 22, 3]").and.contain("0.003 ETH");
      const verify = await verity(["job", "verify", `${firstJob}`], env);
      expect(verify.code).to.equal(3);
      expect(verify.stdout).to.contain("PENDING");
    });

    it("verifies an enclave-signed result: job verify exits 0 and job show prints the output and class", async () => {
      await fulfil(firstJob);
      const verify = await verity(["job", "verify", `${firstJob}`], env);
      expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
      expect(verify.stdout).to.contain("VALID");
      const show = await verity(["job", "show", `${firstJob}`], env);
      expect(show.stdout).to.match(/status\s+fulfilled/).and.match(/class\s+setosa/);
      const out = json<{ status: string; fulfillment: { operator: Address } }>(await verity(["job", "show", `${firstJob}`, "--json"], env));
      expect(out.status).to.equal("fulfilled");
      expect(out.fulfillment.operator).to.equal(privateKeyToAccount(KEYS.operator).address);
    });

    it("counts a result as pending until it has the confirmations asked for", async () => {
      const verify = await verity(["job", "verify", `${firstJob}`, "--confirmations", "50"], env);
      expect(verify.code).to.equal(3);
      expect(verify.stdout).to.match(/FAIL\s+finality/);
    });

    it("audits a job: the request, its fee split, the fulfilment and every verification check", async () => {
      const run = await verity(["job", "audit", `${firstJob}`], env);
      expect(run.code, run.stderr).to.equal(0);
      const requester = privateKeyToAccount(KEYS.requester).address;
      const operator = privateKeyToAccount(KEYS.operator).address;
      expect(run.stdout).to.contain(`requester      ${requester}`).and.contain('"iris-mlp"').and.contain("int8 [1,4] [82, 56, 22, 3]");
      expect(run.stdout).to.match(/model owner\s+0\.001 ETH/).and.match(/protocol\s+0 ETH/).and.match(/operator\s+0\.002 ETH/);
      expect(run.stdout).to.contain(`operator     ${operator}`).and.match(/class\s+setosa/);
      const report = json<{ verification: { verdict: string; checks: { name: string; ok: boolean; detail: string }[] } }>(
        await verity(["job", "audit", `${firstJob}`, "--json"], env),
      );
      expect(report.verification.verdict).to.equal("valid");
      expect(report.verification.checks.length).to.be.greaterThan(8);
      for (const check of report.verification.checks) {
        expect(run.stdout).to.match(new RegExp(`ok\\s+${check.name}\\s+`), `check ${check.name} missing from the audit`);
      }
    });

    it("infer --wait waits for the result and prints the logits and the predicted class", async () => {
      const before = await readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "jobCount" });
      const waiting = verity(["infer", modelId, "--version", "1", "--input", IRIS.virginica, "--fee", "0.003", "--wait"], as(KEYS.requester));
      let count = before;
      for (let i = 0; i < 100 && count === before; i++) {
        await new Promise((r) => setTimeout(r, 100));
        count = await readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "jobCount" });
      }
      expect(count).to.equal(before + 1n);
      await fulfil(count);
      const run = await waiting;
      expect(run.code, run.stderr).to.equal(0);
      const expected = logits(encodeTensor(tensor("int8", [1, 4], [101, 53, 96, 40])));
      expect(run.stdout).to.contain(`job ${count} fulfilled`).and.contain(`[${expected.values.join(", ")}]`).and.match(/class\s+virginica/);
    });

    it("pays an ERC-20 fee, approving the hub first", async () => {
      const out = json<{ jobId: string; approvalHash: Hex | undefined; fee: string }>(
        await verity(["infer", modelId, "--version", `${tokenModelVersion}`, "--input", IRIS.setosa, "--fee", "3", "--json"], as(KEYS.requester)),
      );
      expect(out.approvalHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(out.fee).to.equal(parseEther("3").toString());
    });

    it("operator run serves requests until stopped, then withdraw pays out its credit", async () => {
      const controller = new AbortController();
      const state = path.join(tmp.dir, "operator-state.json");
      const node$ = verity(["operator", "run", "--enclave-key", KEYS.enclave, "--model", `${modelId}:1`, "--state", state], as(KEYS.operator), {
        signal: controller.signal,
      });
      // Give the node its first scan, then request: it must pick the job up from new blocks.
      await new Promise((r) => setTimeout(r, 1_000));
      const req = await verity(["infer", modelId, "--version", "1", "--input", IRIS.setosa, "--fee", "0.003", "--json"], as(KEYS.requester));
      const jobId = BigInt(json<{ jobId: string }>(req).jobId);
      let status = "pending";
      for (let i = 0; i < 150 && status === "pending"; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await getJob(publicClient, { hub, jobId })).status;
      }
      controller.abort();
      const run = await node$;
      expect(status).to.equal("fulfilled");
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.contain("node started").and.contain(`job ${jobId}: fulfilled in block`).and.contain("node stopped");
      expect(JSON.parse(await readFile(state, "utf8"))).to.be.an("object");
      expect((await verity(["job", "verify", `${jobId}`], env)).code).to.equal(0);

      const withdraw = await verity(["operator", "withdraw"], as(KEYS.operator));
      expect(withdraw.code, withdraw.stderr).to.equal(0);
      expect(withdraw.stdout).to.contain("withdrew 0.006 ETH");
      const again = await verity(["operator", "withdraw"], as(KEYS.operator));
      expect(again.code).to.equal(0);
      expect(again.stdout).to.contain("nothing to withdraw");
    });

    it("the verity binary stops `operator run` cleanly on SIGTERM", async () => {
      const child = spawn(
        process.execPath,
        [path.join(PACKAGE_ROOT, "bin", "verity.mjs"), "operator", "run", "--enclave-key", KEYS.enclave, "--model", `${modelId}:1`,
          "--state", path.join(tmp.dir, "operator-bin.json")],
        { cwd: PACKAGE_ROOT, env: { PATH: process.env.PATH, ...as(KEYS.operator) }, stdio: ["ignore", "pipe", "pipe"] },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      for (let i = 0; i < 200 && !stdout.includes("node started"); i++) await new Promise((r) => setTimeout(r, 100));
      expect(stdout, stderr).to.contain("node started");
      child.kill("SIGTERM");
      expect(await exited, stderr).to.equal(0);
      expect(stdout).to.contain("node stopped");
      expect(stderr).to.contain("stopping");
    });
  });

  describe("refusals", () => {
    const requester = privateKeyToAccount(KEYS.requester).address;

    /** Runs a request that must be refused before anything is sent: no job, no fee spent, not even gas. */
    async function refused(argv: string[], message: RegExp) {
      await expectNothingSent(publicClient, hub, requester, async () => {
        const run = await verity(argv, as(KEYS.requester));
        expect(run.code, run.stdout).to.equal(1);
        expect(run.stderr).to.match(message);
        expect(run.stderr).to.not.match(/\n\s+at /, "no stack trace");
      });
    }

    it("refuses a request for an unknown model", async () => {
      await refused(["infer", keccak256(toHex("no such model")), "--version", "1", "--input", IRIS.setosa], /has no version 1[\s\S]*not registered/);
    });

    it("refuses a request for a deprecated version", async () => {
      await refused(["infer", modelId, "--version", "2", "--input", IRIS.setosa], /Version 2 .* is deprecated/);
    });

    it("refuses a fee below the model fee, in the fee's currency", async () => {
      await refused(["infer", modelId, "--version", "1", "--input", IRIS.setosa, "--fee", "0.0001"], /--fee 0\.0001 ETH is below the model fee of 0\.001 ETH/);
    });

    it("refuses a deadline in the past", async () => {
      await refused(["infer", modelId, "--version", "1", "--input", IRIS.setosa, "--deadline", "1700000000"], /--deadline .* is not in the future/);
    });

    it("refuses a malformed input tensor", async () => {
      await refused(["infer", modelId, "--version", "1", "--tensor", "0x0102"], /Malformed tensor/);
      await refused(["infer", modelId, "--version", "1", "--input", "5.1,3.5,1.4"], /Expected 4 features, got 3/);
    });

    it("refuses a mode the version does not support", async () => {
      await refused(["infer", modelId, "--version", "1", "--input", IRIS.setosa, "--mode", "zk"], /does not support the ZK mode[\s\S]*Supported modes: TEE/);
    });

    it("refuses a transaction without a private key and says how to give one", async () => {
      const run = await verity(["infer", modelId, "--version", "1", "--input", IRIS.setosa], env);
      expect(run.code).to.equal(1);
      expect(run.stderr).to.contain("needs a private key").and.contain("--key").and.contain("VERITY_PRIVATE_KEY");
    });

    it("fails fast with advice when the RPC cannot be reached", async () => {
      const port = await freePort();
      const run = await verity(["job", "show", "1"], { ...env, VERITY_RPC_URL: `http://127.0.0.1:${port}` });
      expect(run.code).to.equal(1);
      expect(run.stderr).to.contain(`cannot reach RPC at http://127.0.0.1:${port}`).and.contain("npx hardhat node --hostname 127.0.0.1");
      expect(run.stderr).to.not.match(/\n\s+at /);
      expect(run.ms).to.be.lessThan(3_000);
    });

    it("says where to get a hub when the chain has no deployment file", async () => {
      const empty = await tempDir("verity-cli-empty-");
      try {
        const run = await verity(["model", "list"], { ...env, VERITY_DEPLOYMENTS_DIR: empty.dir });
        expect(run.code).to.equal(1);
        expect(run.stderr).to.contain("no hub address for chain 31337").and.contain("verity deploy");
      } finally {
        await empty.remove();
      }
    });

    it("job verify exits 4 when the job cannot be checked", async () => {
      const run = await verity(["job", "verify", "999"], env);
      expect(run.code).to.equal(4);
      expect(run.stderr).to.contain("Job 999 does not exist");
    });

    it("refuses bad usage with exit code 2", async () => {
      const unknown = await verity(["frobnicate"], env);
      expect(unknown.code).to.equal(2);
      expect(unknown.stderr).to.contain("unknown command");
      const missing = await verity(["infer", modelId, "--input", IRIS.setosa], env);
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.contain("--version");
    });
  });
});

describe("verity --help", () => {
  it("lists every command", async () => {
    const run = await verity(["--help"], {});
    expect(run.code).to.equal(0);
    for (const command of [
      "deploy",
      "model register <name>",
      "model publish <modelId>",
      "model list",
      "infer <modelId>",
      "job show <jobId>",
      "job verify <jobId>",
      "job audit <jobId>",
      "operator run",
      "operator stake <amount>",
      "operator register-key",
      "operator withdraw",
      "zk setup",
      "zk prove",
      "zk verify <proof.json>",
      "governance approve-measurement <measurement>",
      "governance set-verifier <mode> <verifier>",
      "governance execute <operationId>",
    ]) {
      expect(run.stdout).to.contain(`verity ${command}`);
    }
    // The listing is generated from the program, so every registered command is in it.
    expect(commandReference(buildProgram()).split("\n")).to.have.length.greaterThan(15);
    const group = await verity(["job", "--help"], {});
    expect(group.stdout).to.contain("show").and.contain("verify").and.contain("audit");
  });
});
