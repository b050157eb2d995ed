/**
 * The BATCH mode's HTTP server under load on loopback (autocannon), on this machine. Prints a table and writes
 * bench/http.json.
 *
 * Set-up: Hardhat's in-process network, the system deployed with the SDK, the Iris model published, the operator
 * staked and bonded, a requester with a deposit. The server (sdk/src/operator/batch/server.ts) runs the real ONNX
 * model, signs an EIP-712 receipt per call with the operator's key (libsecp256k1 where its binding loads: `signing`
 * says which), writes it to its journal (group commit:
 * one write and one fdatasync for the receipts that arrived meanwhile) before answering, and settles by count.
 * The requester pays ahead with one voucher covering every call (a client that signs a voucher per call adds one
 * signature recovery per call on the server).
 *
 * - `receiptsPerSecond`, `latencyMsP50`, `latencyMsP99`: autocannon (its CLI, in its own process), CONNECTIONS
 *   connections, MAX_REQUESTS requests, after a warm-up; every 2xx response is a signed, journaled receipt. The
 *   median of RUNS runs (by rate), with the slowest and fastest run's rates.
 * - `requests`, `errors`, `non2xx`: over all runs; errors should be 0.
 * - `settledBatches`, `settledReceipts`: batches of BATCH_SIZE settled during and after the run (one transaction each).
 *
 *   npm run bench:http
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { network } from "hardhat";
import { type PublicClient, type WalletClient, createWalletClient, custom, keccak256, parseEther, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { waitForTransactionReceipt } from "viem/actions";
import {
  batchDomain,
  bondBatch,
  deployVerity,
  depositBatch,
  encodeTensor,
  publishVersionSync,
  registerModelSync,
  stake,
  voucherTypedData,
} from "../sdk/src/index.js";
import { loadIrisModel, loadIrisOnnx, quantizeFeatures } from "../sdk/src/model/iris.js";
import { IRIS_IO_SIGNATURE } from "../sdk/src/model/signatures.js";
import { type BatchServerEvent, createBatchServer, signingAccount } from "../sdk/src/operator/index.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Concurrent connections (VERITY_BENCH_CONNECTIONS to change): more fill each journal group commit. */
const CONNECTIONS = Number(process.env.VERITY_BENCH_CONNECTIONS ?? 16);
const DURATION_S = 10;
const MAX_REQUESTS = 20_000;
/** Measured runs: the median one is reported (a shared 2-core machine varies by a third between runs). */
const RUNS = 3;
const BATCH_SIZE = 10_000;
const PRICE = parseEther("0.000001");

const { viem, provider } = await network.create();
const keyOf = (seed: string) => keccak256(toHex(seed));
const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
const [governance, modelOwner] = (await viem.getWalletClients()) as unknown as WalletClient[];
const local = async (seed: string) => {
  const account = privateKeyToAccount(keyOf(seed));
  await provider.request({ method: "hardhat_setBalance", params: [account.address, toHex(parseEther("100"))] });
  return createWalletClient({ account, chain: publicClient.chain, transport: custom(provider) });
};
const operator = await local("bench http operator");
const requester = await local("bench http requester");
const mined = async (hash: `0x${string}`) => {
  const r = await waitForTransactionReceipt(publicClient, { hash });
  if (r.status !== "success") throw new Error(`${hash} reverted`);
};

const deployment = await deployVerity(governance!, publicClient);
const { hub, operatorRegistry, batchSettlement } = deployment;
const { modelId } = await registerModelSync(modelOwner!, { hub, name: "iris-mlp" });
const { version } = await publishVersionSync(modelOwner!, {
  hub, modelId, artifactHash: keccak256(loadIrisOnnx()), uri: "file:models/iris-mlp.onnx", modes: ["tee"], ioSignature: IRIS_IO_SIGNATURE,
});
await mined(await stake(operator, { operatorRegistry, amount: parseEther("1") }));
await mined(await bondBatch(operator, { batchSettlement, amount: parseEther("0.1") }));
await mined(await depositBatch(requester, { batchSettlement, operator: operator.account!.address, amount: parseEther("1") }));

const dir = mkdtempSync(path.join(tmpdir(), "verity-bench-http-"));
const events: BatchServerEvent[] = [];
// The operator's key signs the receipts, in libsecp256k1 where its binding loads (signingAccount).
const signer = signingAccount(keyOf("bench http operator"));
const server = createBatchServer({
  publicClient,
  walletClient: operator,
  hub,
  batchSettlement,
  signer,
  models: [{ modelId, version, price: PRICE }],
  journalFile: path.join(dir, "receipts.jsonl"),
  batchesDir: path.join(dir, "batches"),
  modelDir: ROOT,
  port: 0,
  batch: { maxReceipts: BATCH_SIZE, maxAgeMs: 3_600_000 },
  // One ONNX Runtime thread: a tiny model gains nothing from a pool, whose spinning threads take the CPU from HTTP.
  runtime: { intraOpNumThreads: 1 },
  logger: (e) => events.push(e),
});
const { url } = await server.start();

// One voucher paying ahead for every call of the run (and the warm-up).
const requesterAddress = requester.account!.address;
const cumulativeAmount = PRICE * BigInt(RUNS * MAX_REQUESTS + 1_000);
const signature = await requester.signTypedData({
  account: requester.account!,
  ...voucherTypedData(batchDomain(publicClient.chain!.id, batchSettlement), { requester: requesterAddress, operator: operator.account!.address, cumulativeAmount }),
});
const input = encodeTensor(quantizeFeatures([5.1, 3.5, 1.4, 0.2], loadIrisModel().inputScale));
const body = (voucher?: unknown) =>
  JSON.stringify({ requestId: keccak256(toHex("bench")), requester: requesterAddress, modelId, version, input, ...(voucher ? { voucher } : {}) });
const first = await fetch(`${url}/v1/infer`, { method: "POST", headers: { "content-type": "application/json" }, body: body({ cumulativeAmount: cumulativeAmount.toString(), signature }) });
if (first.status !== 200) throw new Error(`warm-up call answered ${first.status}: ${await first.text()}`);

/** autocannon in its own process (its CLI, JSON out), so the load generator does not share the server's thread. */
const run = (duration: number, amount: number): Promise<AutocannonResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, "node_modules/autocannon/autocannon.js"), "--json", "-c", `${CONNECTIONS}`, "-d", `${duration}`, "-a", `${amount}`,
        "-m", "POST", "-H", "content-type=application/json", "-b", body(), `${url}/v1/infer`],
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as AutocannonResult) : reject(new Error(`autocannon exited ${code}`))));
  });
type AutocannonResult = {
  requests: { total: number; average: number };
  latency: { p50: number; p99: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
};
await run(2, 500); // warm-up: JIT, ONNX session, journal
const runs: AutocannonResult[] = [];
for (let i = 0; i < RUNS; i++) runs.push(await run(DURATION_S, MAX_REQUESTS));
const rate = (r: AutocannonResult) => Math.round(r.requests.total / r.duration);
runs.sort((a, b) => rate(a) - rate(b));
const result = runs[Math.floor(RUNS / 2)]!;
await server.flush();
await server.stop();
rmSync(dir, { recursive: true, force: true });

const settled = events.filter((e) => e.type === "batch-settled");
const results = {
  receiptsPerSecond: rate(result),
  receiptsPerSecondMin: rate(runs[0]!),
  receiptsPerSecondMax: rate(runs[RUNS - 1]!),
  latencyMsP50: result.latency.p50,
  latencyMsP99: result.latency.p99,
  requests: runs.reduce((n, r) => n + r.requests.total, 0),
  errors: runs.reduce((n, r) => n + r.errors + r.timeouts, 0),
  non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
  settledBatches: settled.length,
  settledReceipts: settled.reduce((n, e) => n + Number(e.count), 0),
  settleGasPerBatch: settled.length ? Number(settled[0]!.gasUsed) : 0,
  connections: CONNECTIONS,
  signing: signer.backend,
};
const width = Math.max(...Object.keys(results).map((k) => k.length));
console.log(`${"measure".padEnd(width)}  value`);
for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(width)}  ${typeof v === "number" ? v.toLocaleString("en-US") : v}`);
console.log(`(Iris on loopback, median of ${RUNS} runs of ${CONNECTIONS} connections, ${DURATION_S} s or ${MAX_REQUESTS} requests, receipts signed by the operator key and fdatasync'd before each response)`);
writeFileSync(path.join(ROOT, "bench/http.json"), `${JSON.stringify(results, null, 2)}\n`);
console.log("wrote bench/http.json");
