/**
 * The end-to-end demo on Hardhat's in-process chain: deploy Verity, register the reference Iris model and a
 * version, stake an operator and register its enclave key, request inferences on real Iris flowers, run the
 * model with ONNX Runtime, fulfil each job with an enclave (TEE) signature, and print each job's story as an
 * auditor would read it, from events alone.
 *
 *   make demo      (or: npm run demo)
 */
import { network } from "hardhat";
import { ethers as E } from "ethers";
import { encodeTensor, decodeTensor, hashTensor } from "../sdk/src/encoding/tensor.js";
import { loadIrisModel, loadIrisOnnx, quantizeFeatures, predictClass, IRIS_CLASSES } from "../sdk/src/model/iris.js";
import { loadModel, runMlp } from "../sdk/src/operator/runtime.js";
import type { InferenceHub, OperatorRegistry } from "../types/ethers-contracts/index.js";

const MODE_TEE = 1;
const step = (n: number, text: string) => console.log(`\n[${n}] ${text}`);

const { ethers } = await network.connect();
const signers = await ethers.getSigners();
if (signers.length < 5) throw new Error("the demo needs five funded accounts on the network");
const [governance, modelOwner, operator, requester, treasury] = signers as [
  (typeof signers)[0], (typeof signers)[0], (typeof signers)[0], (typeof signers)[0], (typeof signers)[0],
];

step(1, "Deploy the operator registry (also the TEE verifier) and the inference hub (also the model registry)");
const operators = (await ethers.deployContract("OperatorRegistry", [governance.address, E.ZeroAddress, 7 * 24 * 3600])) as unknown as OperatorRegistry;
const hub = (await ethers.deployContract("InferenceHub", [governance.address, await operators.getAddress(), treasury.address])) as unknown as InferenceHub;
await (await operators.setHub(await hub.getAddress())).wait();
console.log(`    OperatorRegistry ${await operators.getAddress()}\n    InferenceHub     ${await hub.getAddress()}`);

step(2, "The model owner registers the reference Iris classifier and publishes version 1");
const model = loadIrisModel();
const onnx = loadIrisOnnx();
const artifactHash = E.keccak256(onnx);
const modelId = E.keccak256(E.AbiCoder.defaultAbiCoder().encode(["address", "string"], [modelOwner.address, "iris-mlp"]));
await (await hub.connect(modelOwner).registerModel("iris-mlp")).wait();
const modelFee = E.parseEther("0.001");
await (await hub.connect(modelOwner).publishVersion(modelId, {
  artifactHash, uri: "file:models/iris-mlp.onnx", modes: 1 << MODE_TEE, feeToken: E.ZeroAddress, fee: modelFee,
  zkVerifier: E.ZeroAddress, zkModelCommitment: E.ZeroHash, zkVerifyingKeyHash: E.ZeroHash,
})).wait();
console.log(`    model ${modelId}\n    artifact ${artifactHash} (${onnx.length} bytes of ONNX, held-out accuracy ${(model.metadata.accuracy.quantized.test.accuracy * 100).toFixed(1)}%)`);

step(3, "Governance approves the enclave's code measurement; the operator stakes and registers its enclave key");
const measurement = E.id("verity-reference-enclave-v1");
await (await operators.approveMeasurement(measurement)).wait();
await (await operators.connect(operator).stake(E.parseEther("1"), { value: E.parseEther("1") })).wait();
const enclave = E.Wallet.createRandom();
const docHash = E.id("attestation document of the demo enclave");
const { chainId } = await ethers.provider.getNetwork();
const keyProof = await enclave.signTypedData(
  { name: "Verity OperatorRegistry", version: "1", chainId, verifyingContract: await operators.getAddress() },
  { EnclaveKeyRegistration: [{ name: "operator", type: "address" }, { name: "measurement", type: "bytes32" }, { name: "attestationDocHash", type: "bytes32" }] },
  { operator: operator.address, measurement, attestationDocHash: docHash },
);
await (await operators.connect(operator).registerEnclaveKey(enclave.address, measurement, docHash, keyProof)).wait();
await (await operators.connect(modelOwner).setMeasurementAllowed(modelId, 1, measurement, true)).wait();
console.log(`    enclave key ${enclave.address} on measurement ${measurement.slice(0, 18)}...`);

step(4, "A requester asks for three classifications, escrowing the fee");
const flowers: [string, number[]][] = [
  ["setosa", [5.1, 3.5, 1.4, 0.2]],
  ["versicolor", [6.4, 3.2, 4.5, 1.5]],
  ["virginica", [6.3, 3.3, 6.0, 2.5]],
];
const fee = modelFee + E.parseEther("0.002");
const jobs: { jobId: bigint; job: any; truth: string; input: `0x${string}` }[] = [];
for (const [truth, cm] of flowers) {
  const input = encodeTensor(quantizeFeatures(cm, model.inputScale));
  const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 3600n;
  const tx = await hub.connect(requester).requestInference(
    { modelId, version: 1, mode: MODE_TEE, deadline, callback: E.ZeroAddress, callbackGasLimit: 0, fee, params: 0n, inputHash: E.ZeroHash, input, inputURI: "" },
    { value: fee },
  );
  const receipt = (await tx.wait())!;
  const ev = receipt.logs.map((l) => hub.interface.parseLog(l)).find((p) => p?.name === "InferenceRequested")!;
  jobs.push({ jobId: ev.args.jobId, job: ev.args.job, truth, input });
  console.log(`    job ${ev.args.jobId}: ${truth} flower ${JSON.stringify(cm)} cm  (gas ${receipt.gasUsed})`);
}

step(5, "The operator's enclave checks the model file, runs it with ONNX Runtime, signs each result and fulfils");
if (E.keccak256(onnx) !== artifactHash) throw new Error("model file does not match the registered artifact hash");
const session = await loadModel(onnx);
for (const j of jobs) {
  const output = await runMlp(session, decodeTensor(j.input));
  const outputBytes = encodeTensor(output);
  const signature = await enclave.signTypedData(
    { name: "Verity", version: "1", chainId, verifyingContract: await hub.getAddress() },
    { Result: [{ name: "jobId", type: "uint256" }, { name: "modelId", type: "bytes32" }, { name: "version", type: "uint32" }, { name: "inputHash", type: "bytes32" }, { name: "outputHash", type: "bytes32" }] },
    { jobId: j.jobId, modelId, version: 1, inputHash: j.job.inputHash, outputHash: hashTensor(output) },
  );
  const job = { requester: j.job.requester, modelId: j.job.modelId, version: j.job.version, mode: j.job.mode, deadline: j.job.deadline, callback: j.job.callback, callbackGasLimit: j.job.callbackGasLimit, feeToken: j.job.feeToken, fee: j.job.fee, modelFee: j.job.modelFee, protocolFeeBps: j.job.protocolFeeBps, inputHash: j.job.inputHash, params: j.job.params };
  const receipt = (await (await hub.connect(operator).fulfill(j.jobId, job, { output: outputBytes, outputURI: "", outputHash: E.ZeroHash }, signature)).wait())!;
  console.log(`    job ${j.jobId} fulfilled (gas ${receipt.gasUsed})`);
}

step(6, "Each job's story, told from events alone");
for (const j of jobs) {
  const requested = (await hub.queryFilter(hub.filters.InferenceRequested(j.jobId)))[0]!;
  const fulfilled = (await hub.queryFilter(hub.filters.InferenceFulfilled(j.jobId)))[0]!;
  const r = requested.args.job;
  const out = decodeTensor(fulfilled.args.output as `0x${string}`);
  const prediction = predictClass(out);
  const [status] = await hub.getJob(j.jobId);
  const keyInfo = await operators.getEnclaveKey(enclave.address);
  console.log(`\n    Job ${j.jobId}`);
  console.log(`      requested  block ${requested.blockNumber} by ${r.requester}, model ${r.modelId.slice(0, 10)}... v${r.version}, mode TEE`);
  console.log(`                 input ${requested.args.input} (hash ${r.inputHash.slice(0, 18)}...), fee ${E.formatEther(r.fee)} ETH (model ${E.formatEther(r.modelFee)}), deadline ${new Date(Number(r.deadline) * 1000).toISOString()}`);
  console.log(`      fulfilled  block ${fulfilled.blockNumber} by operator ${fulfilled.args.operator}`);
  console.log(`                 enclave ${enclave.address}, measurement ${keyInfo.measurement.slice(0, 18)}... (${["unknown", "approved", "revoked"][Number(await operators.measurementStatus(keyInfo.measurement))]})`);
  console.log(`                 output logits [${out.values.join(", ")}] -> ${prediction.label} (truth: ${j.truth}) ${prediction.label === j.truth ? "correct" : "WRONG"}`);
  console.log(`      status     ${["None", "Pending", "Fulfilled", "Refunded"][Number(status)]}`);
}
console.log(`\n    operator credit ${E.formatEther(await hub.creditOf(operator.address, E.ZeroAddress))} ETH, model earnings ${E.formatEther(await hub.modelEarnings(modelId, E.ZeroAddress))} ETH`);
console.log(`\nDemo complete: ${jobs.length} TEE-attested inferences recorded. Classes: ${IRIS_CLASSES.join(", ")}.`);
