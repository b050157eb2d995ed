/**
 * The end-to-end demo on Hardhat's in-process chain, from each user's side, through the SDK and the reference
 * operator node: deploy with the Ignition module, register the reference Iris model (TEE and ZK modes), start an
 * operator node, request classifications of held-out Iris flowers, wait, re-verify every job with `verifyJob`
 * from chain data alone, and print the predictions with their verdicts and one job's story.
 *
 *   make demo      (or: npm run demo)
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { network } from "hardhat";
import { type Address, type Hex, keccak256, numberToHex, parseEther, toHex, formatEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  type Job,
  decodeTensor,
  getJob,
  modeLabel,
  modelIdOf,
  tensor,
  verityActions,
} from "../sdk/src/index.js";
import { createOperatorNode, loadIrisModel } from "../sdk/src/operator/index.js";
import { modelCommitment, releaseZkWorkers, vkeyHash } from "../sdk/src/proofs/zk.js";
import { zkVerifyingKeysFromFiles } from "../sdk/src/proofs/zkKeys.js";
import { loadIrisData, stratifiedSplit, DEFAULT_TRAIN_OPTIONS } from "../sdk/src/model/train.js";
import { IRIS_CLASSES, quantizeFeatures, predictClass } from "../sdk/src/model/iris.js";
import VerityModule from "../ignition/modules/Verity.js";

const step = (n: number, text: string) => console.log(`\n[${n}] ${text}`);
const connection = await network.create();
const { viem, ignition } = connection;
const publicClient = await viem.getPublicClient();
const [governance, owner, operator, requester] = await viem.getWalletClients();
if (!governance || !owner || !operator || !requester) throw new Error("the demo needs four funded accounts");

step(1, "Deploy with the Ignition module: hub (also the model registry), operator registry (TEE verifier), ZK verifiers");
const deployed = await ignition.deploy(VerityModule);
const address = async (c: { getAddress(): Promise<string> }) => (await c.getAddress()) as Address;
const hub = await address(deployed.hub);
const operatorRegistry = await address(deployed.operatorRegistry);
const groth16 = await address(deployed.groth16VerifierMlp);
console.log(`    InferenceHub ${hub}\n    OperatorRegistry ${operatorRegistry}\n    Groth16VerifierMlp ${groth16}`);
const bind = verityActions({ hub, operatorRegistry });
const wait = (hash: Hex) => publicClient.waitForTransactionReceipt({ hash });

step(2, "Model owner: register the Iris classifier and publish version 1 (TEE and ZK), pinned by the ONNX file's hash");
const model = loadIrisModel();
const onnx = readFileSync("models/iris-mlp.onnx");
const commitment = await modelCommitment(model.weights);
const vkey = JSON.parse(readFileSync("circuits/build/verification_key.json", "utf8"));
const measurement = keccak256(toHex("verity-reference-enclave-v1"));
const ownerV = owner.extend(bind);
const { modelId } = await ownerV.registerModelSync({ name: "iris-mlp" });
await ownerV.publishVersionSync({
  modelId, artifactHash: keccak256(onnx), uri: "file:models/iris-mlp.onnx", modes: ["tee", "zk"], fee: parseEther("0.001"),
  zk: { verifier: groth16, modelCommitment: numberToHex(commitment, { size: 32 }), verifyingKeyHash: vkeyHash(vkey) },
});
console.log(`    model ${modelId} (= ${modelIdOf(owner.account.address, "iris-mlp") === modelId ? "keccak(owner, name)" : "?"})`);
console.log(`    artifact ${keccak256(onnx)}, ${onnx.length} bytes; held-out accuracy ${(model.metadata.accuracy.quantized.test.accuracy * 100).toFixed(1)}%`);

step(3, "Governance approves the enclave build; the operator stakes and registers its enclave key; the owner allows the build");
await wait(await governance.extend(bind).approveMeasurement({ measurement }));
const operatorV = operator.extend(bind);
await wait(await operatorV.stake({ amount: parseEther("1") }));
const enclave = privateKeyToAccount(keccak256(toHex("demo enclave key")));
await wait(await operatorV.registerEnclaveKey({ enclave, measurement, attestationDocHash: keccak256(toHex("attestation document")) }));
await wait(await ownerV.setMeasurementAllowed({ modelId, version: 1, measurement }));
console.log(`    operator ${operator.account.address} staked 1 ETH; enclave key ${enclave.address}`);

step(4, "Start the reference operator node (ONNX Runtime for TEE, Groth16 proving for ZK)");
const stateDir = mkdtempSync(path.join(tmpdir(), "verity-demo-"));
const node = createOperatorNode({
  publicClient, walletClient: operator, hub, enclave,
  models: [{ modelId, version: 1, zk: { weights: model.weights } }],
  stateFile: path.join(stateDir, "operator.json"), pollingIntervalMs: 50,
  logger: (e) => {
    if (e.type === "job-fulfilled") console.log(`    operator: job ${e.jobId} fulfilled in block ${e.blockNumber} (${e.gasUsed} gas)`);
    if (e.type === "job-skipped" || e.type === "job-failed") console.log(`    operator: job ${e.jobId} ${e.type}`);
  },
});
const running = node.start();

step(5, "A dApp requests classifications of six held-out Iris flowers (five TEE, one ZK) and waits for each");
const data = loadIrisData();
const heldOut = stratifiedSplit(data.labels, DEFAULT_TRAIN_OPTIONS.testPerClass, DEFAULT_TRAIN_OPTIONS.splitSeed).test;
const picks = [0, 1, 10, 11, 20, 21].map((i) => heldOut[i]!);
const requesterV = requester.extend(bind);
const jobs: { jobId: bigint; mode: "tee" | "zk"; cm: number[]; truth: string }[] = [];
for (const [n, idx] of picks.entries()) {
  const mode = n === picks.length - 1 ? "zk" : "tee";
  const cm = data.features[idx]!;
  const { jobId } = await requesterV.requestInferenceSync({
    modelId, version: 1, mode, input: quantizeFeatures(cm, model.inputScale), fee: parseEther("0.003"),
  });
  jobs.push({ jobId, mode, cm, truth: IRIS_CLASSES[data.labels[idx]!]! });
  console.log(`    job ${jobId}: ${mode.toUpperCase()} request for a flower of ${cm.join(", ")} cm`);
}
const results = await Promise.all(jobs.map((j) => requesterV.waitForResult({ jobId: j.jobId, timeout: 120_000, pollingInterval: 50 })));

step(6, "An auditor re-verifies every job from chain data alone (verifyJob)");
const auditor = publicClient.extend(bind);
const zkVerifyingKeys = zkVerifyingKeysFromFiles();
console.log(`\n    job  mode  flower (cm)          truth       prediction  logits                 verdict  checks`);
let correct = 0;
for (const [i, j] of jobs.entries()) {
  const report = await auditor.verifyJob({ jobId: j.jobId, zkVerifyingKeys });
  const output = results[i]!.output!;
  const predicted = predictClass(output).label;
  if (predicted === j.truth) correct++;
  const passed = report.checks.filter((c) => c.ok).length;
  console.log(
    `    ${String(j.jobId).padEnd(4)} ${j.mode.toUpperCase().padEnd(5)} ${j.cm.join(", ").padEnd(20)} ${j.truth.padEnd(11)} ${predicted.padEnd(11)} ${`[${output.values.join(", ")}]`.padEnd(22)} ${report.verdict.padEnd(8)} ${passed}/${report.checks.length}`,
  );
  if (report.verdict !== "valid") for (const c of report.checks.filter((c) => !c.ok)) console.log(`         failed ${c.name}: ${c.detail}`);
}
console.log(`\n    ${correct}/${jobs.length} predictions match the true species.`);

step(7, `The story of job ${jobs.at(-1)!.jobId} (ZK), from events`);
const story: Job = await getJob(publicClient, { hub, jobId: jobs.at(-1)!.jobId });
const report = await auditor.verifyJob({ jobId: story.jobId, zkVerifyingKeys });
console.log(`    requested  block ${story.requested.blockNumber} by ${story.job.requester}: model ${story.job.modelId.slice(0, 10)}… v${story.job.version}, ${modeLabel(story.job.mode)}`);
console.log(`               input ${story.input} = ${JSON.stringify(decodeTensor(story.input!).values.map(Number))}, fee ${formatEther(story.job.fee)} ETH (model ${formatEther(story.job.modelFee)})`);
console.log(`    fulfilled  block ${story.fulfillment!.blockNumber} by operator ${story.fulfillment!.operator}, output ${story.fulfillment!.output}`);
for (const c of report.checks) console.log(`    check ${c.ok ? "ok  " : "FAIL"} ${c.name.padEnd(16)} ${c.detail}`);

await node.stop();
await running;
await releaseZkWorkers();
rmSync(stateDir, { recursive: true, force: true });
void tensor;
console.log(`\nDemo complete: ${jobs.length} inferences requested, attested or proven, recorded and re-verified.`);
