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
import { type Address, type Hex, createWalletClient, custom, keccak256, numberToHex, parseEther, toHex, formatEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  type Job,
  decodeTensor,
  encodeTensor,
  getJob,
  inferenceHubAbi,
  modeLabel,
  modelIdOf,
  operatorRegistryAbi,
  optimisticParams,
  quorumParams,
  tensor,
  toVerityError,
  verityActions,
} from "../sdk/src/index.js";
import { createOperatorNode, createWatcher, loadIrisModel } from "../sdk/src/operator/index.js";
import { releaseZkWorkers, vkeyHash } from "../sdk/src/proofs/zk.js";
import { modelCommitment } from "../sdk/src/prover/prove.js";
import { zkVerifyingKeysFromFiles } from "../sdk/src/prover/keys.js";
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

step(2, "Model owner: register the Iris classifier and publish version 1 (TEE, ZK, QUORUM, OPTIMISTIC), pinned by the file's hash");
const model = loadIrisModel();
const onnx = readFileSync("models/iris-mlp.onnx");
const commitment = await modelCommitment(model.weights);
const vkey = JSON.parse(readFileSync("circuits/build/verification_key.json", "utf8"));
const measurement = keccak256(toHex("verity-reference-enclave-v1"));
const ownerV = owner.extend(bind);
const { modelId } = await ownerV.registerModelSync({ name: "iris-mlp" });
await ownerV.publishVersionSync({
  modelId, artifactHash: keccak256(onnx), uri: "file:models/iris-mlp.onnx", modes: ["tee", "zk", "quorum", "optimistic"], fee: parseEther("0.001"),
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

/** A fresh local account with 100 ETH on the in-process chain. */
async function localWallet(label: string) {
  const account = privateKeyToAccount(keccak256(toHex(label)));
  await connection.provider.request({ method: "hardhat_setBalance", params: [account.address, toHex(parseEther("100"))] });
  return createWalletClient({ account, chain: publicClient.chain, transport: custom(connection.provider) });
}

step(8, "QUORUM: three staked operators run the model, sign votes, and the result is recorded once 3 of them agree");
const votesDir = mkdtempSync(path.join(tmpdir(), "verity-votes-"));
const voters = [];
for (let i = 0; i < 3; i++) {
  const w = await localWallet(`demo quorum operator ${i}`);
  await wait(await w.extend(bind).stake({ amount: parseEther("1") }));
  voters.push(w);
}
let from = await publicClient.getBlockNumber();
const quorumNodes = voters.map((w, i) =>
  createOperatorNode({
    publicClient, walletClient: w, hub, models: [{ modelId, version: 1 }], votesDir, fromBlock: from,
    stateFile: path.join(stateDir, `quorum-${i}.json`), pollingIntervalMs: 50,
  }),
);
for (const n of quorumNodes) await n.start();
const quorumFlower = data.features[heldOut[12]!]!;
const { jobId: quorumJob } = await requesterV.requestInferenceSync({
  modelId, version: 1, mode: "quorum", params: quorumParams({ k: 3, minStake: parseEther("0.5") }),
  input: quantizeFeatures(quorumFlower, model.inputScale), fee: parseEther("0.006"),
});
const quorumResult = await requesterV.waitForResult({ jobId: quorumJob, timeout: 120_000, pollingInterval: 50 });
const quorumReport = await auditor.verifyJob({ jobId: quorumJob });
console.log(`    job ${quorumJob}: flower ${quorumFlower.join(", ")} cm -> ${predictClass(quorumResult.output!).label} (truth ${IRIS_CLASSES[data.labels[heldOut[12]!]!]}), verdict ${quorumReport.verdict}`);
for (const signer of quorumReport.quorum?.signers ?? []) console.log(`      signer ${signer.signer} with ${formatEther(signer.stake ?? 0n)} ETH staked`);
for (const n of quorumNodes) await n.stop();

step(9, "OPTIMISTIC: a dishonest operator posts a wrong result; a watcher re-runs the model, challenges, and a ZK proof settles it");
const dishonest = await localWallet("demo dishonest operator");
await wait(await dishonest.extend(bind).stake({ amount: parseEther("1") }));
const challenger = await localWallet("demo watcher");
from = await publicClient.getBlockNumber();
const watcher = createWatcher({
  publicClient, walletClient: challenger, hub, models: [{ modelId, version: 1, weights: model.weights }], fromBlock: from, pollingIntervalMs: 50,
  logger: (e) => {
    if (e.type === "proposal-checked") console.log(`    watcher: job ${e.jobId} re-executed: the proposal is ${e.correct ? "correct" : "WRONG"}`);
    if (e.type === "proposal-challenged") console.log(`    watcher: challenged job ${e.jobId} with a ${formatEther(e.bond)} ETH bond`);
    if (e.type === "challenge-resolved") console.log(`    watcher: ZK proof settled job ${e.jobId}: proposal ${e.proposalUpheld ? "upheld" : "overturned"}, ${formatEther(e.slashed)} ETH of stake slashed`);
  },
});
await watcher.start();
const optimisticFlower = data.features[heldOut[22]!]!;
const { jobId: optimisticJob } = await requesterV.requestInferenceSync({
  modelId, version: 1, mode: "optimistic",
  params: optimisticParams({ window: 3600n, bond: parseEther("0.1"), slashAmount: parseEther("0.5") }),
  input: quantizeFeatures(optimisticFlower, model.inputScale), fee: parseEther("0.003"),
});
const stakeOf = async (who: Address) =>
  (await publicClient.readContract({ address: operatorRegistry, abi: operatorRegistryAbi, functionName: "getOperator", args: [who] })).stake;
const stakeBefore = await stakeOf(dishonest.account.address);
const wrong = tensor("int32", [1, 3], [999, -999, 0]);
await dishonest.extend(bind).proposeResultSync({ jobId: optimisticJob, output: wrong });
console.log(`    operator ${dishonest.account.address} proposed logits [999, -999, 0] for job ${optimisticJob}`);
const optimisticResult = await requesterV.waitForResult({ jobId: optimisticJob, timeout: 120_000, pollingInterval: 50 });
const optimisticReport = await auditor.verifyJob({ jobId: optimisticJob, zkVerifyingKeys });
console.log(`    requester received logits [${optimisticResult.output!.values.join(", ")}] -> ${predictClass(optimisticResult.output!).label} (truth ${IRIS_CLASSES[data.labels[heldOut[22]!]!]})`);
console.log(`    verifyJob: ${optimisticReport.verdict}; state ${optimisticReport.optimistic?.state}, challenger ${optimisticReport.optimistic?.challenge?.challenger}, proposal upheld: ${optimisticReport.optimistic?.resolution?.proposalUpheld}`);
console.log(`    the dishonest operator's stake went from ${formatEther(stakeBefore)} to ${formatEther(await stakeOf(dishonest.account.address))} ETH`);
await watcher.stop();

step(10, "An attacker tries to push an answer into a consumer contract that never asked (callback spoofing)");
const consumer = await viem.deployContract("ExampleConsumer", [hub]);
const attacker = await localWallet("demo attacker");
try {
  await attacker.extend(bind).requestInference({
    modelId, version: 1, input: quantizeFeatures(optimisticFlower, model.inputScale), fee: parseEther("0.003"),
    callback: consumer.address, callbackGasLimit: 100_000,
  });
  throw new Error("the SDK sent a spoofed callback");
} catch (err) {
  console.log(`    SDK: refused before sending: ${(err as Error & { shortMessage?: string }).shortMessage ?? (err as Error).message}`);
}
const spoofed = await publicClient
  .simulateContract({
    account: attacker.account, address: hub, abi: inferenceHubAbi, functionName: "requestInference", value: parseEther("0.003"),
    args: [{
      modelId, version: 1, mode: 1, deadline: (await publicClient.getBlock()).timestamp + 600n, callback: consumer.address,
      callbackGasLimit: 100_000, fee: parseEther("0.003"), params: 0n, inputHash: `0x${"00".repeat(32)}`,
      input: encodeTensor(quantizeFeatures(optimisticFlower, model.inputScale)), inputURI: "",
    }],
  })
  .then(() => "accepted (!)", (err: unknown) => (toVerityError(err) as Error & { shortMessage: string }).shortMessage);
console.log(`    hub: the same request sent directly: ${spoofed}`);
console.log(`    the consumer holds ${await consumer.read.resultCount()} result(s): none it did not ask for`);

await releaseZkWorkers();
rmSync(stateDir, { recursive: true, force: true });
rmSync(votesDir, { recursive: true, force: true });
void tensor;
console.log(`\nDemo complete: ${jobs.length + 2} inferences requested, attested, proven or agreed, recorded and re-verified.`);
