/**
 * The `verity` command line, run in-process (`runCli`) against a real `hardhat node` process: deploy with
 * Ignition, models, governance, operator set-up (an enclave key attested through the attestor committee with
 * development evidence: operator attest, attestor verify / sign, register-key), inference requests, job show /
 * verify / audit down to the key's evidence, the operator node (and its enclave key's expiry), and every refusal a
 * user can meet.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
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
import { deployContract, getBalance, getBlockNumber, getCode, getTransactionCount, readContract, waitForTransactionReceipt, writeContract } from "viem/actions";
import { attestorCommitteeAbi, enclaveRegistryAbi, erc20Abi, inferenceHubAbi } from "../../sdk/src/abis.js";
import { DEVELOPMENT_MEASUREMENT } from "../../sdk/src/attestation/constants.js";
import { fulfillTee } from "../../sdk/src/actions/fulfillTee.js";
import { getJob } from "../../sdk/src/actions/getJob.js";
import { testTokenBytecode } from "../../sdk/src/bytecode.js";
import { PACKAGE_ROOT } from "../../sdk/src/cli/context.js";
import { quantizeInput } from "../../sdk/src/cli/infer.js";
import { buildProgram, commandReference } from "../../sdk/src/cli/main.js";
import { MAX_DEADLINE_DELAY, parseDeadline } from "../../sdk/src/cli/parse.js";
import { decodeTensor, encodeTensor, encodeTensorSet, tensor } from "../../sdk/src/encoding/tensor.js";
import { dump as dumpNpy } from "npyjs";
import { loadIrisModel } from "../../sdk/src/model/iris.js";
import { mlpForward } from "../../sdk/src/model/mlp.js";
import { IRIS_IO_SIGNATURE } from "../../sdk/src/model/signatures.js";

/** Writes the Iris IO signature as a JSON file, for `--io-signature` with a model file that is not ONNX. */
async function irisSignatureFile(dir: string): Promise<string> {
  const file = path.join(dir, "iris-signature.json");
  await writeFile(file, JSON.stringify(IRIS_IO_SIGNATURE));
  return file;
}
import { type CliChain, type HardhatNode, expectNothingSent, freePort, hardhatKey, json, startCliChain, tempDir, verity } from "./helpers.js";

const KEYS = {
  governance: hardhatKey(0),
  owner: hardhatKey(1),
  operator: hardhatKey(2),
  requester: hardhatKey(3),
  attestorA: hardhatKey(5),
  attestorB: hardhatKey(6),
  outsider: hardhatKey(7),
  enclave: hardhatKey(9),
  enclave2: hardhatKey(10),
  enclave3: hardhatKey(11),
};
const address = (key: Hex) => privateKeyToAccount(key).address;
/** The committee: two attestors, both must sign. */
const ATTESTOR_ARGS = ["--attestor", address(KEYS.attestorA), "--attestor", address(KEYS.attestorB), "--attestor-threshold", "2"];
/** The published development enclave's measurement: what `operator attest --dev` evidence shows. */
const MEASUREMENT = DEVELOPMENT_MEASUREMENT;
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
  let enclaveRegistry: Address;
  let claimFile: string;
  let approvals: string[];

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
        ["deploy", "--deployment-id", deploymentId, "--unbonding-delay", "7d", "--governance-delay", "1h", ...ATTESTOR_ARGS, "--json"],
        as(KEYS.governance),
      );
      const out = json<{
        hub: Address; operatorRegistry: Address; enclaveRegistry: Address; attestorCommittee: Address; optimisticGame: Address;
        timelock: Address; chainId: number; reused: boolean;
      }>(run);
      expect(out.chainId).to.equal(31337);
      expect(out.reused).to.equal(false);
      hub = out.hub;
      enclaveRegistry = out.enclaveRegistry;
      const file = JSON.parse(await readFile(path.join(tmp.dir, "31337.json"), "utf8"));
      expect(file).to.include({
        chainId: 31337,
        hub: out.hub,
        operatorRegistry: out.operatorRegistry,
        optimisticGame: out.optimisticGame,
        timelock: out.timelock,
        enclaveRegistry: out.enclaveRegistry,
        attestorCommittee: out.attestorCommittee,
      });
      expect(await readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "verifierOf", args: [4] })).to.equal(out.optimisticGame);
      // The TEE verifier is the enclave registry; its attestation verifier is the committee of the two attestors, 2 of 2.
      expect(await readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "verifierOf", args: [1] })).to.equal(out.enclaveRegistry);
      expect(await readContract(publicClient, { address: out.enclaveRegistry, abi: enclaveRegistryAbi, functionName: "attestationVerifier", args: [1] })).to.equal(
        out.attestorCommittee,
      );
      const members = await readContract(publicClient, { address: out.attestorCommittee, abi: attestorCommitteeAbi, functionName: "attestors" });
      expect([...members].sort()).to.deep.equal([address(KEYS.attestorA), address(KEYS.attestorB)].sort());
      expect(await readContract(publicClient, { address: out.attestorCommittee, abi: attestorCommitteeAbi, functionName: "threshold" })).to.equal(2n);
      expect(await readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "owner" })).to.equal(out.timelock);
      expect(BigInt(file.blockNumber)).to.be.greaterThan(0n);
      // The addresses are Ignition's own record of the deployment, in its journal beside deployments/<chainId>.json.
      const ignition = JSON.parse(
        await readFile(path.join(tmp.dir, "ignition", deploymentId, "deployed_addresses.json"), "utf8"),
      );
      expect(ignition["Verity#InferenceHub"]).to.equal(out.hub);
      expect(await readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "operatorRegistry" })).to.equal(
        out.operatorRegistry,
      );
    });

    it("deploying again reuses the recorded deployment, and refuses other options for it", async () => {
      const run = await verity(
        ["deploy", "--deployment-id", deploymentId, "--unbonding-delay", "604800", "--governance-delay", "3600", ...ATTESTOR_ARGS],
        as(KEYS.governance),
      );
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.contain("already deployed").and.contain(hub).and.match(/EnclaveRegistry\s+0x/).and.match(/AttestorCommittee\s+0x[0-9a-fA-F]{40} \(2 of 2/);
      const changed = await verity(
        ["deploy", "--deployment-id", deploymentId, "--unbonding-delay", "8d", "--governance-delay", "1h", ...ATTESTOR_ARGS],
        as(KEYS.governance),
      );
      expect(changed.code).to.equal(1);
      expect(changed.stderr).to.contain("reconciliation").and.contain("--reset");
    });

    it("deploys afresh over a local journal whose contracts are gone (a restarted node)", async () => {
      const other = await tempDir("verity-cli-stale-");
      const staleDir = path.join(other.dir, "ignition", `${deploymentId}-stale`);
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
      const measurement = MEASUREMENT;
      const status = () => readContract(publicClient, { address: enclaveRegistry, abi: enclaveRegistryAbi, functionName: "getMeasurement", args: [measurement] });
      const approve = await verity(["governance", "approve-measurement", MEASUREMENT, "--tee", "nitro", "--json"], as(KEYS.governance));
      const out = json<{
        status: string; operationId: Hex; timelock: Address; delay: string; readyAt: string; scheduleBlockNumber: string; teeType: number; warning: string;
      }>(approve);
      expect(out.teeType).to.equal(1);
      // The development measurement: anyone can forge its evidence, which the command says.
      expect(out.warning).to.contain("DEVELOPMENT_MEASUREMENT").and.contain("local chains only");
      expect(out.status).to.equal("scheduled");
      expect(out.operationId).to.match(/^0x[0-9a-f]{64}$/);
      expect(BigInt(out.delay)).to.equal(3600n);
      const scheduledAt = (await publicClient.getBlock({ blockNumber: BigInt(out.scheduleBlockNumber) })).timestamp;
      expect(BigInt(out.readyAt)).to.equal(scheduledAt + 3600n);
      expect(await status()).to.deep.equal([0, 0]); // not approved yet
      const early = await verity(["governance", "execute", out.operationId], as(KEYS.requester));
      expect(early.code).to.equal(1);
      expect(early.stderr).to.contain(`operation ${out.operationId} is not ready: it can be executed from`);
      // Humans see the operation and when it can run (an attestor's addition, left scheduled: never executed).
      const again = await verity(["governance", "attestor", "add", address(hardhatKey(8))], as(KEYS.governance));
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stdout).to.contain(`scheduled through timelock ${out.timelock}`).and.match(/earliest execution\s+\d{4}-/).and.contain("verity governance execute 0x");

      await publicClient.request({ method: "evm_increaseTime" as never, params: [3601] as never });
      await publicClient.request({ method: "evm_mine" as never, params: [] as never });
      // Anyone executes a ready operation (the executor role is open).
      const run = await verity(["governance", "execute", out.operationId], as(KEYS.requester));
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.contain(`operation ${out.operationId} executed through timelock ${out.timelock}`);
      expect(await status()).to.deep.equal([1, 1]); // approved, for AWS Nitro
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
      expect(pub.allowedMeasurements).to.deep.equal([MEASUREMENT]);
    });

    it("publishes a second version and deprecates it", async () => {
      const file = path.join(tmp.dir, "v2.onnx");
      await writeFile(file, "another model file");
      // Without a signature, a file that is not ONNX is refused: nothing is published.
      const refused = await verity(["model", "publish", modelId, "--file", file, "--uri", "file:v2.onnx", "--fee", "0.001"], as(KEYS.owner));
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.match(/is not a model Verity can serve[\s\S]*protobuf parsing failed/);
      const pub = await verity(
        ["model", "publish", modelId, "--file", file, "--uri", "file:v2.onnx", "--fee", "0.001", "--io-signature", await irisSignatureFile(tmp.dir)],
        as(KEYS.owner),
      );
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
          "--allow-measurement", MEASUREMENT, "--io-signature", await irisSignatureFile(tmp.dir), "--json"], as(KEYS.owner)),
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

    it("stakes an operator and registers its enclave key through the committee: attest, attestor verify and sign x2, register-key", async () => {
      const stake = await verity(["operator", "stake", "1"], as(KEYS.operator));
      expect(stake.code, stake.stderr).to.equal(0);
      expect(stake.stdout).to.contain("staked 1 ETH").and.contain("1 ETH in total");

      // The enclave (here outside one: development evidence) gathers evidence binding its key to the operator.
      const evidenceDir = path.join(tmp.dir, "evidence");
      const human = await verity(["operator", "attest", "--enclave-key", KEYS.enclave, "--dev", "--evidence-dir", evidenceDir, "--expires-in", "24h"], as(KEYS.operator));
      expect(human.code, human.stderr).to.equal(0);
      expect(human.stderr).to.contain("DEVELOPMENT evidence").and.contain("production policy refuses it");
      expect(human.stdout)
        .to.contain(`attestation evidence gathered for enclave key ${address(KEYS.enclave)}`)
        .and.contain("(DEVELOPMENT_MEASUREMENT: production policy refuses it)")
        .and.match(/committee\s+0x[0-9a-fA-F]{40} \(2 of 2 attestors must sign\)/)
        .and.contain("verity attestor sign");
      // The key from a file (what `ps` cannot show), with the newline an editor leaves.
      const enclaveKeyFile = path.join(tmp.dir, "enclave.key");
      await writeFile(enclaveKeyFile, `${KEYS.enclave}\n`);
      const attested = json<{ claimFile: string; evidenceFile: string; development: boolean; claim: Record<string, string | number> }>(
        await verity(["operator", "attest", "--enclave-key-file", enclaveKeyFile, "--dev", "--evidence-dir", evidenceDir, "--json"], as(KEYS.operator)),
      );
      claimFile = attested.claimFile;
      expect(attested.development).to.equal(true);
      expect(attested.claim).to.include({
        teeType: 1,
        measurement: MEASUREMENT,
        key: address(KEYS.enclave),
        operator: address(KEYS.operator),
        enclaveRegistry,
        chainId: 31337,
      });
      expect(attested.claim.evidenceURI).to.match(/^file:\/\/\//);
      const claim = JSON.parse(await readFile(claimFile, "utf8"));
      expect(claim.format).to.equal("verity-attestation-claim/v1");
      expect(keccak256(await readFile(attested.evidenceFile))).to.equal(claim.evidenceHash);

      // Attestors: production policy refuses development evidence; a local chain's accepts it, every check holding.
      const strict = await verity(["attestor", "verify", claimFile], env);
      expect(strict.code).to.equal(1);
      expect(strict.stdout)
        .to.contain("INVALID")
        .and.match(/FAIL\s+evidence\s+the evidence does not verify at \d+: Attestation evidence chains to an untrusted root CN=Verity development Nitro root/)
        .and.contain("accepted only with --allow-development");
      const verified = await verity(["attestor", "verify", claimFile, "--allow-development"], env);
      expect(verified.code, verified.stdout + verified.stderr).to.equal(0);
      expect(verified.stdout).to.contain("VALID: every check holds");
      for (const check of ["chain", "registry", "committee", "evidenceHash", "evidence", "measurement", "binding", "measurementApproval", "key", "expiry"]) {
        expect(verified.stdout).to.match(new RegExp(`ok\\s+${check}\\s+`), `check ${check}`);
      }
      expect(verified.stdout).to.contain(`binds key ${address(KEYS.enclave)} to operator ${address(KEYS.operator)}`);

      approvals = [];
      for (const [name, key] of [["a", KEYS.attestorA], ["b", KEYS.attestorB]] as const) {
        const out = path.join(tmp.dir, `approval-${name}.json`);
        // Attestor a's key in the environment, b's in a key file.
        const keyFile = path.join(tmp.dir, `attestor-${name}.key`);
        await writeFile(keyFile, `  ${key.slice(2)}\n\n`);
        const signed = await verity(
          ["attestor", "sign", claimFile, "--allow-development", "--out", out, ...(name === "a" ? [] : ["--attestor-key-file", keyFile])],
          name === "a" ? { ...env, VERITY_ATTESTOR_KEY: key } : env,
        );
        expect(signed.code, signed.stderr).to.equal(0);
        expect(signed.stdout).to.contain(`verified and signed by attestor ${address(key)}`);
        expect(JSON.parse(await readFile(out, "utf8"))).to.include({ attestor: address(key), evidenceHash: claim.evidenceHash });
        approvals.push(out);
      }

      const reg = await verity(
        ["operator", "register-key", claimFile, "--approval", approvals[0]!, "--approval", approvals[1]!, "--stake", "0.1", "--enclave-key", KEYS.enclave],
        as(KEYS.operator),
      );
      expect(reg.code, reg.stderr).to.equal(0);
      expect(reg.stdout)
        .to.contain(`enclave key ${address(KEYS.enclave)} registered for operator ${address(KEYS.operator)}`)
        .and.match(/stake\s+0\.1 ETH locked behind the key/)
        .and.contain(address(KEYS.attestorA))
        .and.contain(address(KEYS.attestorB))
        .and.match(/expires\s+\d{4}-/);
      const record = await readContract(publicClient, { address: enclaveRegistry, abi: enclaveRegistryAbi, functionName: "getEnclaveKey", args: [address(KEYS.enclave)] });
      expect(record).to.include({ operator: address(KEYS.operator), status: 1, teeType: 1, measurement: MEASUREMENT, evidenceHash: claim.evidenceHash, stake: parseEther("0.1") });
      expect(BigInt(record.expiresAt)).to.equal(BigInt(claim.expiresAt));
    });
  });

  describe("jobs", () => {
    it("says before escrow that nobody serves a version; operator announce and model operators show who does", async () => {
      const none = await verity(["model", "operators", modelId, "--version", "1"], env);
      expect(none.code, none.stderr).to.equal(0);
      expect(none.stdout).to.match(/no operator announces serving model 0x[0-9a-f]{64} version 1/);
      const requester = address(KEYS.requester);
      await expectNothingSent(publicClient, hub, requester, async () => {
        const run = await verity(["infer", modelId, "--version", "1", "--input", IRIS.setosa, "--fee", "0.003", "--require-serving"], as(KEYS.requester));
        expect(run.code).to.equal(1);
        expect(run.stderr).to.match(/No operator announces serving model 0x[0-9a-f]{64} version 1 in TEE mode/);
      });
      // An account without stake cannot announce (the registry's ServiceNotStaked, decoded).
      const unstaked = await verity(["operator", "announce", "--model", `${modelId}:1`], as(KEYS.requester));
      expect(unstaked.code).to.equal(1);
      expect(unstaked.stderr).to.contain("ServiceNotStaked");
      const announced = await verity(["operator", "announce", "--model", `${modelId}:1`, "--for", "2h"], as(KEYS.operator));
      expect(announced.code, announced.stderr).to.equal(0);
      expect(announced.stdout).to.match(/announced model 0x[0-9a-f]{64} version 1: TEE until about/);
      const listed = json<{ operators: { operator: string; modes: number[] }[] }>(await verity(["model", "operators", modelId, "--version", "1", "--json"], env));
      expect(listed.operators.map((o) => [o.operator.toLowerCase(), o.modes])).to.deep.equal([[address(KEYS.operator).toLowerCase(), [1]]]);
      const table = await verity(["model", "operators", modelId, "--version", "1", "--mode", "tee"], env);
      expect(table.stdout).to.match(/^OPERATOR\s+MODES\s+UNTIL\s+STAKE/).and.match(/TEE .* 1(\.0)? ETH/);
      const zk = await verity(["model", "operators", modelId, "--version", "1", "--mode", "zk"], env);
      expect(zk.stdout).to.match(/no operator announces .* in ZK mode/);
    });

    it("requests an inference from Iris features and prints the job id", async () => {
      const run = await verity(["infer", modelId, "--version", "1", "--input", IRIS.setosa, "--fee", "0.003"], as(KEYS.requester));
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr).to.not.contain("No operator announces"); // the operator announced it
      const m = /^job (\d+)$/m.exec(run.stdout);
      expect(m, run.stdout).to.not.equal(null);
      firstJob = BigInt(m![1]!);
      const job = await getJob(publicClient, { hub, jobId: firstJob });
      expect(job.status).to.equal("pending");
      // Quantized with the model file's input scale (16): 5.1 cm -> 82 ...
      expect(Array.from(decodeTensor(job.input!).values, BigInt)).to.deep.equal([82n, 56n, 22n, 3n]);
      expect(job.job.fee).to.equal(parseEther("0.003"));
    });

    it("requests an inference from input files: a NumPy .npy or JSON tensor, or named tensors for several inputs", async () => {
      const x = tensor("int8", [1, 4], [82, 56, 22, 3]);
      // The same tensor from a .npy file (NumPy's format, written with npyjs) and from a JSON file.
      await writeFile(path.join(tmp.dir, "x.npy"), new Uint8Array(dumpNpy(Int8Array.from([82, 56, 22, 3]), [1, 4])));
      await writeFile(path.join(tmp.dir, "x.json"), JSON.stringify({ dtype: "int8", shape: [1, 4], values: [82, 56, 22, 3] }));
      for (const file of ["x.npy", "x.json"]) {
        const run = await verity(["infer", modelId, "--version", "1", "--input-file", path.join(tmp.dir, file), "--fee", "0.003", "--json"], as(KEYS.requester));
        expect(run.code, run.stderr).to.equal(0);
        const job = await getJob(publicClient, { hub, jobId: BigInt(json<{ jobId: string }>(run).jobId) });
        expect(job.input, file).to.equal(encodeTensor(x));
      }
      // Several named inputs make a set of named tensors (what a model with several inputs takes).
      await writeFile(path.join(tmp.dir, "sr.json"), JSON.stringify({ dtype: "int64", shape: [], values: ["16000"] }));
      await writeFile(path.join(tmp.dir, "audio.npy"), new Uint8Array(dumpNpy(Float32Array.from([0.5, -0.25]), [1, 2])));
      // ... for a version whose signature takes them: published with --io-signature (version 4).
      const audioSignature = path.join(tmp.dir, "audio-signature.json");
      await writeFile(audioSignature, JSON.stringify({
        inputs: [{ name: "audio", dtype: "float32", shape: [1, null] }, { name: "sr", dtype: "int64", shape: [] }],
        outputs: [{ name: "probability", dtype: "float32", shape: [1, 1] }],
      }));
      await writeFile(path.join(tmp.dir, "vad.bin"), "a voice activity model");
      const v4 = await verity(
        ["model", "publish", modelId, "--file", path.join(tmp.dir, "vad.bin"), "--uri", "file:vad.bin", "--fee", "0.001", "--io-signature", audioSignature, "--json"],
        as(KEYS.owner),
      );
      expect(json<{ version: number; ioSignature: { canonicalization: unknown } }>(v4)).to.deep.include({ version: 4 });
      expect(json<{ ioSignature: { canonicalization: unknown } }>(v4).ioSignature.canonicalization).to.deep.equal({ kind: "grid", fractionBits: 6 });
      // Version 1 (Iris) takes one int8 tensor "x": named audio tensors are refused before anything is sent.
      const wrong = await verity(
        ["infer", modelId, "--version", "1", "--input-file", `sr=${path.join(tmp.dir, "sr.json")}`, "--input-file", `audio=${path.join(tmp.dir, "audio.npy")}`, "--fee", "0.003"],
        as(KEYS.requester),
      );
      expect(wrong.code).to.equal(1);
      expect(wrong.stderr).to.match(/there is no input "audio"[\s\S]*The model takes the inputs "x" int8 \[1,4\]/);
      const named = await verity(
        ["infer", modelId, "--version", "4", "--input-file", `sr=${path.join(tmp.dir, "sr.json")}`, "--input-file", `audio=${path.join(tmp.dir, "audio.npy")}`, "--fee", "0.003", "--json"],
        as(KEYS.requester),
      );
      expect(named.code, named.stderr).to.equal(0);
      const job = await getJob(publicClient, { hub, jobId: BigInt(json<{ jobId: string }>(named).jobId) });
      expect(job.input).to.equal(encodeTensorSet({ sr: tensor.int64([], [16000n]), audio: tensor.float32([1, 2], [0.5, -0.25]) }));
      // Refused before sending: a file that is no tensor, a value out of its dtype, two unnamed files.
      const nonce = await getTransactionCount(publicClient, { address: address(KEYS.requester) });
      await writeFile(path.join(tmp.dir, "bad.json"), JSON.stringify({ dtype: "int8", shape: [1], values: [300] }));
      for (const [args, message] of [
        [["--input-file", path.join(tmp.dir, "bad.json")], "value 0 (300) is outside the int8 range"],
        [["--input-file", path.join(tmp.dir, "x.npy"), "--input-file", path.join(tmp.dir, "x.json")], "has no name: with several inputs give each as name=path"],
        [["--input-file", path.join(tmp.dir, "missing.npy")], "cannot read"],
        [["--input-file", path.join(tmp.dir, "x.npy"), "--input", IRIS.setosa], "exactly one of --input"],
      ] as const) {
        const run = await verity(["infer", modelId, "--version", "1", ...args, "--fee", "0.003"], as(KEYS.requester));
        expect(run.code, message).to.not.equal(0);
        expect(run.stderr).to.contain(message);
      }
      expect(await getTransactionCount(publicClient, { address: address(KEYS.requester) })).to.equal(nonce);
    });

    it("shows a pending job, and job verify exits 3 (pending)", async () => {
      const show = await verity(["job", "show", `${firstJob}`], env);
      expect(show.code, show.stderr).to.equal(0);
      expect(show.stdout).to.match(/status\s+pending/).and.contain("int8 [1,4] [82, 56, 22, 3]").and.contain("0.003 ETH");
      const verify = await verity(["job", "verify", `${firstJob}`], env);
      expect(verify.code).to.equal(3);
      expect(verify.stdout).to.contain("PENDING");
    });

    it("verifies an enclave-signed result down to the key's evidence: job verify exits 0 with --allow-development", async () => {
      await fulfil(firstJob);
      // Production policy: the key's evidence is development evidence, so the job does not verify.
      const strict = await verity(["job", "verify", `${firstJob}`], env);
      expect(strict.code, strict.stdout + strict.stderr).to.equal(1);
      expect(strict.stdout).to.contain("INVALID").and.match(/FAIL\s+evidence\s+the evidence at file:.* does not verify: Attestation evidence chains to an untrusted root CN=Verity development Nitro root/);
      const verify = await verity(["job", "verify", `${firstJob}`, "--allow-development"], env);
      expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
      expect(verify.stdout).to.contain("VALID");
      expect(verify.stdout)
        .to.match(/ok\s+keyExpiry\s+the key's attestation was in force/)
        .and.match(/ok\s+evidence\s+AWS Nitro document 0x[0-9a-f]{64} \(file:.*\(DEVELOPMENT evidence\)/)
        .and.contain(`binds key ${address(KEYS.enclave)} to operator ${address(KEYS.operator)}`);
      const show = await verity(["job", "show", `${firstJob}`], env);
      expect(show.stdout).to.match(/status\s+fulfilled/).and.match(/class\s+setosa/);
      const out = json<{ status: string; fulfillment: { operator: Address } }>(await verity(["job", "show", `${firstJob}`, "--json"], env));
      expect(out.status).to.equal("fulfilled");
      expect(out.fulfillment.operator).to.equal(privateKeyToAccount(KEYS.operator).address);
    });

    it("counts a result as pending until it has the confirmations asked for", async () => {
      const verify = await verity(["job", "verify", `${firstJob}`, "--confirmations", "50", "--allow-development"], env);
      expect(verify.code).to.equal(3);
      expect(verify.stdout).to.match(/FAIL\s+finality/);
    });

    it("audits a job: the request, its fee split, the fulfilment and every verification check", async () => {
      const run = await verity(["job", "audit", `${firstJob}`, "--allow-development"], env);
      expect(run.code, run.stderr).to.equal(0);
      const requester = privateKeyToAccount(KEYS.requester).address;
      const operator = privateKeyToAccount(KEYS.operator).address;
      expect(run.stdout).to.contain(`requester      ${requester}`).and.contain('"iris-mlp"').and.contain("int8 [1,4] [82, 56, 22, 3]");
      expect(run.stdout).to.match(/model owner\s+0\.001 ETH/).and.match(/protocol\s+0 ETH/).and.match(/operator\s+0\.002 ETH/);
      expect(run.stdout).to.contain(`operator     ${operator}`).and.match(/class\s+setosa/);
      // The timeline (getJobHistory): the request and the recorded result, each with its block, time, tx and sender.
      expect(run.stdout).to.contain("Timeline (every event naming the job)");
      expect(run.stdout).to.match(new RegExp(`block \\d+ at \\S+, tx 0x[0-9a-f]{64} from ${requester}: requested by ${requester}: model 0x[0-9a-f]{64} version 1, TEE`));
      expect(run.stdout).to.match(new RegExp(`from ${operator}: result recorded: output 0x[0-9a-f]{64}, operator ${operator} credited`));
      const report = json<{ verification: { verdict: string; checks: { name: string; ok: boolean; detail: string }[] } }>(
        await verity(["job", "audit", `${firstJob}`, "--allow-development", "--json"], env),
      );
      expect(report.verification.verdict).to.equal("valid");
      expect(report.verification.checks.length).to.be.greaterThan(8);
      for (const check of report.verification.checks) {
        expect(run.stdout).to.match(new RegExp(`ok\\s+${check.name}\\s+`), `check ${check.name} missing from the audit`);
      }
      // The enclave key's whole story, from the enclave registry's events.
      expect(run.stdout).to.contain("Enclave key (from the enclave registry's events)");
      expect(run.stdout).to.match(/: active now, AWS Nitro, measurement 0x[0-9a-f]{64}, operator 0x/);
      expect(run.stdout).to.match(new RegExp(`registered by ${operator} with 0\\.1 ETH locked`));
      expect(run.stdout).to.match(/attested: evidence 0x[0-9a-f]{64} at file:/);
      const story = json<{ enclaveKey: { status: string; events: { kind: string }[] } }>(
        await verity(["job", "audit", `${firstJob}`, "--allow-development", "--json"], env),
      );
      expect(story.enclaveKey.status).to.equal("active");
      expect(story.enclaveKey.events.map((e) => e.kind).slice(0, 2)).to.deep.equal(["registered", "attested"]);
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
      expect((await verity(["job", "verify", `${jobId}`, "--allow-development"], env)).code).to.equal(0);

      const withdraw = await verity(["operator", "withdraw"], as(KEYS.operator));
      expect(withdraw.code, withdraw.stderr).to.equal(0);
      expect(withdraw.stdout).to.contain("withdrew 0.006 ETH");
      const again = await verity(["operator", "withdraw"], as(KEYS.operator));
      expect(again.code).to.equal(0);
      expect(again.stdout).to.contain("nothing to withdraw");
    });

    it("`verity job refund` credits an expired job nobody served to its requester, who gets it with `verity withdraw`", async () => {
      const requester = address(KEYS.requester);
      // The requester's key from a key file, not the environment or a flag.
      const keyFile = path.join(tmp.dir, "requester.key");
      await writeFile(keyFile, `${KEYS.requester}\n`);
      const req = json<{ jobId: string; requester: Address; deadline: string }>(
        await verity(["infer", modelId, "--version", "1", "--input", IRIS.setosa, "--fee", "0.003", "--deadline", "1m", "--key-file", keyFile, "--json"], env),
      );
      expect(req.requester).to.equal(requester);
      // Counted from the later of the latest block's time and the clock.
      expect(BigInt(req.deadline)).to.be.at.least(BigInt(Math.floor(Date.now() / 1000)) + 50n);
      const jobId = BigInt(req.jobId);
      // Before the deadline: refused with when it can be refunded, and nothing sent.
      const outsider = address(KEYS.outsider);
      const nonce = await getTransactionCount(publicClient, { address: outsider });
      const early = await verity(["job", "refund", `${jobId}`], as(KEYS.outsider));
      expect(early.code).to.equal(1);
      expect(early.stderr).to.contain(`job ${jobId} is open until its deadline`).and.contain("it can be refunded after that if nobody serves it");
      expect(await getTransactionCount(publicClient, { address: outsider })).to.equal(nonce);
      await publicClient.request({ method: "evm_increaseTime" as never, params: [120] as never });
      await publicClient.request({ method: "evm_mine" as never, params: [] as never });
      // Anyone may send it (here an outsider); the fee is credited to the requester.
      const refunded = await verity(["job", "refund", `${jobId}`, "--json"], as(KEYS.outsider));
      expect(refunded.code, refunded.stderr).to.equal(0);
      expect(json<{ requester: Address; amount: string }>(refunded)).to.include({ requester, amount: parseEther("0.003").toString() });
      const twice = await verity(["job", "refund", `${jobId}`], as(KEYS.outsider));
      expect(twice.code).to.equal(1);
      expect(twice.stderr).to.contain(`job ${jobId} was already refunded: 0.003 ETH to ${requester}`);

      const show = await verity(["job", "show", `${jobId}`], env);
      expect(show.code, show.stderr).to.equal(0);
      expect(show.stdout).to.match(/status\s+refunded/).and.match(new RegExp(`refunded\\s+0\\.003 ETH to ${requester}`));
      expect(show.stderr).to.contain(`the refund is credited to ${requester} at the hub, not sent: to receive it, run \`verity withdraw\``);
      const audit = await verity(["job", "audit", `${jobId}`, "--allow-development"], env);
      expect(audit.stdout).to.contain("run `verity withdraw`");

      const credit = () => readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "creditOf", args: [requester, "0x0000000000000000000000000000000000000000"] });
      expect(await credit()).to.equal(parseEther("0.003"));
      const before = await getBalance(publicClient, { address: requester });
      const withdrawn = json<{ account: Address; amount: string; transactionHash: Hex }>(await verity(["withdraw", "--json"], as(KEYS.requester)));
      expect(withdrawn).to.include({ account: requester, amount: parseEther("0.003").toString() });
      expect(await credit()).to.equal(0n);
      expect(await getBalance(publicClient, { address: requester })).to.be.greaterThan(before);
      const again = await verity(["withdraw"], as(KEYS.requester));
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stdout).to.contain(`nothing to withdraw: ${requester} has no ETH credited`);
    });

    it("the verity binary stops `operator run` cleanly on SIGTERM", async () => {
      // The enclave key from a file: `ps` shows the path, never the key.
      const keyFile = path.join(tmp.dir, "enclave-bin.key");
      await writeFile(keyFile, `${KEYS.enclave}\n`);
      const child = spawn(
        process.execPath,
        [path.join(PACKAGE_ROOT, "bin", "verity.mjs"), "operator", "run", "--enclave-key-file", keyFile, "--model", `${modelId}:1`,
          "--state", path.join(tmp.dir, "operator-bin.json")],
        { cwd: PACKAGE_ROOT, env: { PATH: process.env.PATH, ...as(KEYS.operator) }, stdio: ["ignore", "pipe", "pipe"] },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      for (let i = 0; i < 200 && !stdout.includes("node started"); i++) await new Promise((r) => setTimeout(r, 100));
      expect(stdout, stderr).to.contain("node started").and.contain(`enclave ${address(KEYS.enclave)}`);
      child.kill("SIGTERM");
      expect(await exited, stderr).to.equal(0);
      expect(stdout).to.contain("node stopped");
      expect(stderr).to.contain("stopping");
    });
  });

  describe("enclave keys: refusals", () => {
    const keyRecord = (key: Hex) =>
      readContract(publicClient, { address: enclaveRegistry, abi: enclaveRegistryAbi, functionName: "getEnclaveKey", args: [address(key)] });

    /** Runs a refusal and checks nothing changed on chain: no block, no spent gas, no key registered. */
    async function unchanged(refusal: () => Promise<unknown>) {
      const snapshot = () =>
        Promise.all([
          getBlockNumber(publicClient, { cacheTime: 0 }),
          getBalance(publicClient, { address: address(KEYS.operator) }),
          keyRecord(KEYS.enclave2),
          keyRecord(KEYS.enclave3),
        ]);
      const before = await snapshot();
      await refusal();
      expect(await snapshot()).to.deep.equal(before);
    }

    /** `operator attest --dev` for `key`: its claim file and evidence file. */
    async function attestDev(key: Hex, dir: string) {
      return json<{ claimFile: string; evidenceFile: string }>(
        await verity(["operator", "attest", "--enclave-key", key, "--dev", "--evidence-dir", dir, "--json"], as(KEYS.operator)),
      );
    }

    it("operator attest refuses outside an enclave without --dev, and says how to test locally", async () => {
      const dir = path.join(tmp.dir, "no-enclave");
      await unchanged(async () => {
        const run = await verity(["operator", "attest", "--enclave-key", KEYS.enclave2, "--evidence-dir", dir], as(KEYS.operator));
        expect(run.code).to.equal(1);
        expect(run.stderr)
          .to.contain("not inside an enclave: no /dev/nsm (AWS Nitro) and no /sys/kernel/config/tsm/report (Intel TDX configfs-tsm)")
          .and.contain("for local testing pass --dev")
          .and.contain("production policy refuses");
        expect(run.stderr).to.not.match(/\n\s+at /, "no stack trace");
        const tdx = await verity(["operator", "attest", "--enclave-key", KEYS.enclave2, "--tee", "tdx", "--evidence-dir", dir], as(KEYS.operator));
        expect(tdx.code).to.equal(1);
        expect(tdx.stderr).to.contain("not an Intel TDX guest with configfs-tsm");
      });
      expect(existsSync(dir)).to.equal(false);
    });

    it("attestor sign refuses evidence with one byte changed, and signs nothing", async () => {
      const dir = path.join(tmp.dir, "tampered");
      const { claimFile: tamperedClaim, evidenceFile } = await attestDev(KEYS.enclave2, dir);
      const bytes = await readFile(evidenceFile);
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x01;
      await writeFile(evidenceFile, bytes);
      const out = path.join(tmp.dir, "tampered-approval.json");
      await unchanged(async () => {
        const run = await verity(["attestor", "sign", tamperedClaim, "--allow-development", "--out", out], { ...env, VERITY_ATTESTOR_KEY: KEYS.attestorA });
        expect(run.code).to.equal(1);
        expect(run.stderr)
          .to.contain(`refusing to sign claim ${tamperedClaim}: it does not verify (evidenceHash)`)
          .and.match(/evidenceHash: the evidence at file:.* hashes to 0x[0-9a-f]{64}, not 0x[0-9a-f]{64} as the claim says: it was altered or replaced/)
          .and.contain("nothing was signed");
        expect(run.stderr).to.not.match(/\n\s+at /, "no stack trace");
        const check = await verity(["attestor", "verify", tamperedClaim, "--allow-development"], env);
        expect(check.code).to.equal(1);
        expect(check.stdout).to.match(/FAIL\s+evidenceHash/).and.match(/skip\s+evidence\s+not verified/);
      });
      expect(existsSync(out)).to.equal(false);
    });

    it("register-key with a non-attestor's approval fails with the decoded CommitteeNotAttestor, and registers nothing", async () => {
      const dir = path.join(tmp.dir, "outsider");
      const { claimFile: outsiderClaim } = await attestDev(KEYS.enclave3, dir);
      const member = path.join(tmp.dir, "outsider-a.json");
      const outsider = path.join(tmp.dir, "outsider-x.json");
      expect((await verity(["attestor", "sign", outsiderClaim, "--allow-development", "--out", member], { ...env, VERITY_ATTESTOR_KEY: KEYS.attestorA })).code).to.equal(0);
      const signed = await verity(["attestor", "sign", outsiderClaim, "--allow-development", "--out", outsider], { ...env, VERITY_ATTESTOR_KEY: KEYS.outsider });
      expect(signed.code, signed.stderr).to.equal(0);
      expect(signed.stderr).to.contain(`${address(KEYS.outsider)} is not an attestor of committee`);
      await unchanged(async () => {
        const run = await verity(
          ["operator", "register-key", outsiderClaim, "--approval", member, "--approval", outsider, "--stake", "0.1", "--enclave-key", KEYS.enclave3],
          as(KEYS.operator),
        );
        expect(run.code).to.equal(1);
        expect(run.stderr).to.match(/CommitteeNotAttestor\(uint256 index, address signer\)|CommitteeNotAttestor/).and.contain(address(KEYS.outsider));
        expect(run.stderr).to.not.match(/\n\s+at /, "no stack trace");
        // An approval of another claim is refused before anything is sent.
        const other = await verity(
          ["operator", "register-key", outsiderClaim, "--approval", member, "--approval", approvals[1]!, "--enclave-key", KEYS.enclave3],
          as(KEYS.operator),
        );
        expect(other.code).to.equal(1);
        expect(other.stderr).to.contain(`approval ${approvals[1]} does not approve this claim: it is not ${address(KEYS.attestorB)}'s signature of this claim`);
        // The claim's key, and no other.
        const wrongKey = await verity(["operator", "register-key", outsiderClaim, "--approval", member, "--enclave-key", KEYS.enclave2], as(KEYS.operator));
        expect(wrongKey.code).to.equal(1);
        expect(wrongKey.stderr).to.contain(`the claim is for enclave key ${address(KEYS.enclave3)}, but --enclave-key is ${address(KEYS.enclave2)}`);
      });
      expect((await keyRecord(KEYS.enclave3)).status).to.equal(0);
    });

    it("governance refuses attestor changes that could never run, before scheduling anything", async () => {
      await unchanged(async () => {
        const again = await verity(["governance", "attestor", "add", address(KEYS.attestorA)], as(KEYS.governance));
        expect(again.code).to.equal(1);
        expect(again.stderr).to.contain(`${address(KEYS.attestorA)} is already an attestor of committee`);
        const below = await verity(["governance", "attestor", "remove", address(KEYS.attestorB)], as(KEYS.governance));
        expect(below.code).to.equal(1);
        expect(below.stderr).to.contain("fewer than the threshold of 2").and.contain("verity governance attestor-threshold 1");
        const high = await verity(["governance", "attestor-threshold", "3"], as(KEYS.governance));
        expect(high.code).to.equal(1);
        expect(high.stderr).to.contain("<k> 3 is not in 1..2");
      });
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

    it("refuses a deadline too soon or beyond 30 days, saying the allowed range", async () => {
      const range = /give a deadline from 30 seconds to 30 days from now/;
      for (const [deadline, why] of [["1s", "too soon"], ["29s", "too soon"], ["31d", "too far"], ["800h", "too far"]]) {
        await refused(["infer", modelId, "--version", "1", "--input", IRIS.setosa, "--deadline", deadline!], new RegExp(`--deadline ${deadline} is ${why}: [^\n]*`));
        await refused(["infer", modelId, "--version", "1", "--input", IRIS.setosa, "--deadline", deadline!], range);
      }
      const inForty = new Date(Date.now() + 40 * 86_400_000).toISOString();
      await refused(["infer", modelId, "--version", "1", "--input", IRIS.setosa, "--deadline", inForty], /--deadline .* is too far: the hub accepts a deadline at most 30 days/);
      await refused(["infer", modelId, "--version", "1", "--input", IRIS.setosa, "--deadline", "1700000000"], range);
      const run = await verity(["infer", modelId, "--version", "1", "--input", IRIS.setosa, "--deadline", "1s"], as(KEYS.requester));
      expect(run.stderr).to.not.contain("HubInvalidDeadline");
      expect(run.stderr).to.contain("e.g. --deadline 10m");
    });

    it("refuses an --input value out of the model's int8 range, naming the value, its position and the range", async () => {
      await refused(
        ["infer", modelId, "--version", "1", "--input", "500,3.5,1.4,0.2"],
        /--input value 500 \(position 1 of 4, sepal length \(cm\)\) is out of range: the model takes -8 to 7\.9375 cm \(int8 -128\.\.127 at input scale 16\), and 500 would be 8000/,
      );
      await refused(["infer", modelId, "--version", "1", "--input", "5.1,3.5,1.4,-8.1"], /--input value -8\.1 \(position 4 of 4, petal width \(cm\)\) is out of range/);
      // The edges still fit.
      expect(Array.from(decodeTensor(encodeTensor(quantizeInput([7.95, -8, 0, 0], 16))).values, BigInt)).to.deep.equal([127n, -128n, 0n, 0n]);
    });

    it("reads keys from key files, and refuses a key given twice, an unreadable file or one without a key", async () => {
      const bad = path.join(tmp.dir, "not-a-key.txt");
      await writeFile(bad, "hello secret\n");
      const empty = path.join(tmp.dir, "empty.key");
      await writeFile(empty, "\n");
      const good = path.join(tmp.dir, "requester-2.key");
      await writeFile(good, KEYS.requester);
      const infer = ["infer", modelId, "--version", "1", "--input", IRIS.setosa];
      await refused([...infer, "--key-file", good, "--key", KEYS.requester], /give the key with one of --key or --key-file, not both/);
      await refused([...infer, "--key-file", path.join(tmp.dir, "missing.key")], /cannot read --key-file .*missing\.key: ENOENT/);
      await refused([...infer, "--key-file", bad], /--key-file .*not-a-key\.txt is not a private key \(32 bytes of hex\)/);
      await refused([...infer, "--key-file", empty], /--key-file .*empty\.key is empty/);
      const run = await verity([...infer, "--key-file", bad], env);
      expect(run.stderr).to.not.contain("hello secret");
      const sign = await verity(["attestor", "sign", claimFile, "--out", path.join(tmp.dir, "x.json"), "--attestor-key-file", bad], env);
      expect(sign.code).to.equal(1);
      expect(sign.stderr).to.match(/--attestor-key-file .*not-a-key\.txt is not a private key/);
      const missing = await verity(["attestor", "sign", claimFile, "--out", path.join(tmp.dir, "x.json")], env);
      expect(missing.stderr).to.contain("--attestor-key-file <path>").and.contain("VERITY_ATTESTOR_KEY");
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
      expect(run.stderr).to.contain("needs a private key").and.contain("--key-file <path>").and.contain("VERITY_PRIVATE_KEY").and.contain("out of `ps`");
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

  describe("enclave key expiry, revocation and release", () => {
    const K = address(KEYS.enclave);
    const travel = async (seconds: bigint) => {
      await publicClient.request({ method: "evm_increaseTime" as never, params: [Number(seconds)] as never });
      await publicClient.request({ method: "evm_mine" as never, params: [] as never });
    };
    const now = async () => (await publicClient.getBlock({ blockTag: "latest" })).timestamp;
    const expiresAt = async () =>
      BigInt((await readContract(publicClient, { address: enclaveRegistry, abi: enclaveRegistryAbi, functionName: "getEnclaveKey", args: [K] })).expiresAt);

    /** Requests a TEE job and runs the node once over its block. */
    async function requestAndServe(name: string) {
      const req = json<{ jobId: string; blockNumber: string }>(
        await verity(["infer", modelId, "--version", "1", "--input", IRIS.setosa, "--fee", "0.003", "--json"], as(KEYS.requester)),
      );
      const run = await verity(
        ["operator", "run", "--once", "--enclave-key", KEYS.enclave, "--model", `${modelId}:1`, "--state", path.join(tmp.dir, `${name}.json`), "--from-block", req.blockNumber],
        as(KEYS.operator),
      );
      expect(run.code, run.stderr).to.equal(0);
      return { jobId: BigInt(req.jobId), run };
    }

    it("the node warns within the hour before its key expires, and skips TEE jobs once it has expired", async () => {
      await travel((await expiresAt()) - (await now()) - 1800n);
      const warned = await requestAndServe("expiring");
      expect(warned.run.stdout).to.match(new RegExp(`warning: enclave key ${K} expires at .* \\(in (2\\d|30)m[^)]*\\) .*re-attest it`));
      expect(warned.run.stdout).to.contain(`job ${warned.jobId}: fulfilled in block`);

      await travel(3600n);
      const expired = await requestAndServe("expired");
      expect(expired.run.stdout).to.match(new RegExp(`job ${expired.jobId}: skipped \\(enclave-key-inactive\\): enclave key ${K}'s attestation expired at \\d+`));
      expect(expired.run.stdout).to.contain("re-attest it");
      expect((await getJob(publicClient, { hub, jobId: expired.jobId })).status).to.equal("pending");
    });

    it("revokes the key, refuses to release its stake during the dispute period, then releases it", async () => {
      const revoked = await verity(["operator", "revoke-key", K], as(KEYS.operator));
      expect(revoked.code, revoked.stderr).to.equal(0);
      expect(revoked.stdout).to.contain(`enclave key ${K} revoked: it signs nothing from now on; its 0.1 ETH of stake stays locked for disputes until`);
      const early = await verity(["operator", "release-key", K], as(KEYS.operator));
      expect(early.code).to.equal(1);
      expect(early.stderr).to.contain(`enclave key ${K}'s stake is locked for disputes until`);
      await travel(6n * 86400n);
      const released = await verity(["operator", "release-key", K], as(KEYS.operator));
      expect(released.code, released.stderr).to.equal(0);
      expect(released.stdout).to.contain(`released the 0.1 ETH of stake behind enclave key ${K}`);
      const again = await verity(["operator", "revoke-key", K], as(KEYS.operator));
      expect(again.code).to.equal(1);
      expect(again.stderr).to.contain("is released").and.contain("nothing to revoke");
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
      "operator attest",
      "operator register-key <claim.json> --approval <file>",
      "operator revoke-key <key>",
      "operator release-key <key>",
      "operator withdraw",
      "withdraw",
      "attestor verify <claim.json>",
      "attestor sign <claim.json> --out <file>",
      "governance attestor add <address>",
      "governance attestor remove <address>",
      "governance attestor-threshold <k>",
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

  it("says that key files or environment variables are preferred to key flags", async () => {
    const help = async (...argv: string[]) => (await verity([...argv, "--help"], {})).stdout.replace(/\s+/g, " ");
    const root = await help();
    expect(root)
      .to.contain("--key-file <path> the private key that signs transactions, read from a file holding it as hex (this or env VERITY_PRIVATE_KEY is preferred to --key, which `ps` shows)")
      .and.contain("--key <hex> the private key itself (shown by `ps`: prefer --key-file or env VERITY_PRIVATE_KEY)")
      .and.contain("Keys: give them in files (--key-file, --enclave-key-file, --attestor-key-file) or in the environment");
    expect(root).to.contain("verity withdraw [options] withdraw the key's credited balance from the hub: refunded fees");
    for (const cmd of [["operator", "run"], ["operator", "attest"], ["operator", "register-key"]]) {
      expect(await help(...cmd)).to.contain("--enclave-key-file <path>").and.contain("this or env VERITY_ENCLAVE_KEY is preferred to --enclave-key, which `ps` shows");
    }
    expect(await help("attestor", "sign")).to.contain("--attestor-key-file <path>").and.contain("this or env VERITY_ATTESTOR_KEY is preferred to --attestor-key");
  });
});

describe("verity: relative deadlines", () => {
  const t = 1_800_000_000n;

  it("counts from the later of the latest block's time and the clock", () => {
    // An idle node: its last block is 47 s old; the request's block will be stamped with the clock.
    expect(parseDeadline("10m", { now: t, chainTime: t - 47n })).to.deep.equal({ deadline: t + 600n, capped: false });
    expect(parseDeadline("30s", { now: t, chainTime: t - 47n }).deadline).to.equal(t + 30n);
    // 30 days from the clock is a little beyond 30 days from the last block: brought back to the hub's limit.
    expect(parseDeadline("30d", { now: t, chainTime: t - 47n })).to.deep.equal({ deadline: t - 47n + MAX_DEADLINE_DELAY, capped: true });
    expect(parseDeadline("2027-01-20T00:00:00Z", { now: t, chainTime: t }).deadline).to.equal(BigInt(Date.parse("2027-01-20T00:00:00Z") / 1000));
  });

  it("refuses what the hub would refuse, saying the range in human terms", () => {
    const at = { now: t, chainTime: t - 47n };
    expect(() => parseDeadline("1s", at)).to.throw(/--deadline 1s is too soon: .*give a deadline from 30 seconds to 30 days from now/);
    expect(() => parseDeadline(`${t + 10n}`, at)).to.throw(/is too soon/);
    expect(() => parseDeadline(`${t}`, at)).to.throw(/is not in the future/);
    expect(() => parseDeadline("31d", at)).to.throw(/--deadline 31d is too far: the hub accepts a deadline at most 30 days after the request's block/);
    expect(() => parseDeadline(`${t - 47n + MAX_DEADLINE_DELAY + 1n}`, at)).to.throw(/is too far/);
    expect(() => parseDeadline("soon", at)).to.throw(/is not a deadline/);
  });
});
