/**
 * The end-to-end demo on Hardhat's in-process chain, from each user's side, through the SDK and the reference
 * operator node: deploy with the Ignition module (governance behind a timelock), register the reference Iris model,
 * start an operator node, request classifications of held-out Iris flowers, wait, re-verify every job with
 * `verifyJob` from chain data alone, and print the predictions with their verdicts and one job's story; then a
 * quorum, an OPTIMISTIC dispute (commit-reveal, a watcher's challenge settled by a ZK proof), and the attacks that
 * gain nothing: a copied ZK proof, a copied OPTIMISTIC reveal, a spoofed callback.
 *
 *   make demo      (or: npm run demo)
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { network } from "hardhat";
import {
  type Address,
  type Hex,
  createWalletClient,
  custom,
  encodeFunctionData,
  formatEther,
  isAddressEqual,
  keccak256,
  numberToHex,
  parseEther,
  toHex,
  zeroHash,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  type Job,
  commitProposal,
  decodeTensor,
  encodeTensor,
  fulfillZk,
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
  verityTimelockAbi,
} from "../sdk/src/index.js";
import { createOperatorNode, createWatcher, loadIrisModel, proveMlp, zkArtifactsIn } from "../sdk/src/operator/index.js";
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

step(1, "Deploy with the Ignition module: hub (also the model registry), operator registry (TEE and QUORUM verifier), ZK verifier, OPTIMISTIC game, timelock");
const deployed = await ignition.deploy(VerityModule);
const address = async (c: { getAddress(): Promise<string> }) => (await c.getAddress()) as Address;
const hub = await address(deployed.hub);
const operatorRegistry = await address(deployed.operatorRegistry);
const groth16 = await address(deployed.groth16VerifierMlp);
const game = await address(deployed.optimisticGame);
const timelock = await address(deployed.timelock);
console.log(`    InferenceHub ${hub}\n    OperatorRegistry ${operatorRegistry}\n    Groth16VerifierMlp ${groth16}`);
console.log(`    OptimisticGame ${game}\n    VerityTimelock ${timelock} (owns the hub, the registry and the ZK verifier)`);
const bind = verityActions({ hub, operatorRegistry });
const wait = (hash: Hex) => publicClient.waitForTransactionReceipt({ hash });
const rpc = (method: string, params: unknown[] = []) => connection.provider.request({ method, params });
/** What a refused call reverts with: the decoded custom error and its arguments. */
const refusal = (err: unknown) => (toVerityError(err) as Error & { shortMessage?: string }).shortMessage ?? String(err);

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

step(3, "Governance schedules the enclave build's approval through the timelock, and it runs 2 days later; the operator stakes and registers its enclave key");
const approve = encodeFunctionData({ abi: operatorRegistryAbi, functionName: "approveMeasurement", args: [measurement] });
const delay = await publicClient.readContract({ address: timelock, abi: verityTimelockAbi, functionName: "getMinDelay" });
await wait(await governance.writeContract({ address: timelock, abi: verityTimelockAbi, functionName: "schedule", args: [operatorRegistry, 0n, approve, zeroHash, zeroHash, delay] }));
const early = await publicClient
  .simulateContract({ account: requester.account, address: timelock, abi: verityTimelockAbi, functionName: "execute", args: [operatorRegistry, 0n, approve, zeroHash, zeroHash] })
  .then(() => "executed (!)", refusal);
console.log(`    scheduled approveMeasurement with a ${delay / 3600n} h delay; executing it now: ${early}`);
await rpc("evm_increaseTime", [Number(delay)]);
await rpc("evm_mine");
// Anyone executes a ready operation: here the requester.
await wait(await requester.writeContract({ address: timelock, abi: verityTimelockAbi, functionName: "execute", args: [operatorRegistry, 0n, approve, zeroHash, zeroHash] }));
console.log(`    ${delay / 3600n} h later (chain time), anyone can execute it: measurement approved`);
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

step(8, "A front-runner copies a pending ZK fulfilment and sends its proof from its own account: refused (the proof binds the submitter)");
const copier = await localWallet("demo proof copier");
const zkInput = quantizeFeatures(data.features[heldOut[2]!]!, model.inputScale);
const { jobId: zkJob, job: zkStruct } = await requesterV.requestInferenceSync({ modelId, version: 1, mode: "zk", input: zkInput, fee: parseEther("0.003") });
// The honest operator proves for this job and for itself, and sends fulfill; the block is not mined yet.
const proved = await proveMlp({ weights: model.weights, input: zkInput, artifacts: zkArtifactsIn(), jobId: zkJob, submitter: operator.account.address });
await rpc("evm_setAutomine", [false]);
const honestTx = await fulfillZk(operator, { hub, jobId: zkJob, job: zkStruct, output: proved.output, proof: proved.proof });
// The copier reads it from the mempool and sends the same calldata from its own account, with twice the tip.
const pendingFulfil = await publicClient.getTransaction({ hash: honestTx });
const copiedProof = await publicClient.call({ account: copier.account, to: hub, data: pendingFulfil.input }).then(() => "accepted (!)", refusal);
const copyTx = await copier.sendTransaction({
  to: hub, data: pendingFulfil.input, gas: 1_000_000n,
  maxFeePerGas: pendingFulfil.maxFeePerGas! * 2n, maxPriorityFeePerGas: (pendingFulfil.maxPriorityFeePerGas ?? 1n) * 2n,
});
await rpc("evm_mine");
await rpc("evm_setAutomine", [true]);
const [copyReceipt, honestReceipt] = await Promise.all([wait(copyTx), wait(honestTx)]);
console.log(`    copier ${copier.account.address}: ${copiedProof}`);
console.log(`    in block ${honestReceipt.blockNumber}: the copy (position ${copyReceipt.transactionIndex}) ${copyReceipt.status}, the operator's (position ${honestReceipt.transactionIndex}) ${honestReceipt.status}`);
const zkStory = await getJob(publicClient, { hub, jobId: zkJob });
console.log(`    job ${zkJob} is fulfilled by ${isAddressEqual(zkStory.fulfillment!.operator, operator.account.address) ? "the honest operator" : zkStory.fulfillment!.operator} ${zkStory.fulfillment!.operator}, who is credited; the copier paid gas for nothing`);

step(9, "QUORUM: three staked operators run the model, sign votes, and the result is recorded once 3 of them agree");
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

step(10, "OPTIMISTIC: a dishonest operator commits, then reveals a wrong result (a copied reveal is refused); a watcher re-runs the model, challenges, and a ZK proof settles it");
const dishonest = await localWallet("demo dishonest operator");
await wait(await dishonest.extend(bind).stake({ amount: parseEther("1") }));
const challenger = await localWallet("demo watcher");
from = await publicClient.getBlockNumber();
const watcher = createWatcher({
  publicClient, walletClient: challenger, hub, models: [{ modelId, version: 1, weights: model.weights }], fromBlock: from, pollingIntervalMs: 50,
  logger: (e) => {
    if (e.type === "proposal-checked") console.log(`    watcher: job ${e.jobId} re-executed: the proposal is ${e.correct ? "correct" : "WRONG"}`);
    if (e.type === "proposal-challenged") console.log(`    watcher: challenged job ${e.jobId} with a ${formatEther(e.bond)} ETH bond`);
    if (e.type === "challenge-resolved") {
      console.log(`    watcher: ZK proof settled job ${e.jobId}: proposal ${e.proposalUpheld ? "upheld" : "overturned"}, ${formatEther(e.slashed)} ETH of stake to the challenger, ${formatEther(e.burned)} ETH burned`);
    }
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
// Commit (the answer stays hidden), then reveal in a later block; the reveal waits in the mempool for a moment.
const committed = await commitProposal(dishonest, { hub, jobId: optimisticJob, output: wrong });
await wait(committed.hash);
await rpc("evm_setAutomine", [false]);
const revealed = await dishonest.extend(bind).proposeResult({ jobId: optimisticJob, output: wrong, salt: committed.salt });
const pendingReveal = await publicClient.getTransaction({ hash: revealed.hash });
const revealCopier = await localWallet("demo reveal copier");
const copiedReveal = await publicClient
  .call({ account: revealCopier.account, to: game, data: pendingReveal.input, value: pendingReveal.value })
  .then(() => "accepted (!)", refusal);
await rpc("evm_mine");
await rpc("evm_setAutomine", [true]);
await wait(revealed.hash);
console.log(`    operator ${dishonest.account.address} committed ${committed.commitment.slice(0, 18)}…, then revealed logits [999, -999, 0] for job ${optimisticJob}`);
console.log(`    a copier sending that pending reveal from its own account: ${copiedReveal}`);
const optimisticResult = await requesterV.waitForResult({ jobId: optimisticJob, timeout: 120_000, pollingInterval: 50 });
const optimisticReport = await auditor.verifyJob({ jobId: optimisticJob, zkVerifyingKeys });
console.log(`    requester received logits [${optimisticResult.output!.values.join(", ")}] -> ${predictClass(optimisticResult.output!).label} (truth ${IRIS_CLASSES[data.labels[heldOut[22]!]!]})`);
const o = optimisticReport.optimistic!;
console.log(`    verifyJob: ${optimisticReport.verdict}; ${o.state} (${o.outcome}), challenger ${o.challenge?.challenger}, resolver ${o.resolution?.resolver}`);
for (const p of o.payouts) console.log(`      paid ${formatEther(p.amount)} ETH of bonds to ${p.account}: ${p.why}`);
console.log(`      the fee's operator share to ${o.finalized?.operator} (the resolver); ${formatEther(o.resolution?.slashed ?? 0n)} ETH of stake to the challenger, ${formatEther(o.resolution?.burned ?? 0n)} ETH burned`);
console.log(`    the dishonest operator's stake went from ${formatEther(stakeBefore)} to ${formatEther(await stakeOf(dishonest.account.address))} ETH`);
await watcher.stop();

step(11, "An attacker tries to push an answer into a consumer contract that never asked (callback spoofing)");
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
console.log(`\nDemo complete: ${jobs.length + 3} inferences requested, attested, proven, agreed or disputed, recorded and re-verified; a copied proof, a copied reveal and a spoofed callback gained nothing.`);
