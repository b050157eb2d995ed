/**
 * End to end, over real JSON-RPC: a `hardhat node` process on 127.0.0.1, the system deployed with the Ignition
 * module (through `verity deploy`), the enclave key attested through the committee from the CLI (development
 * evidence: `operator attest --dev`, `attestor sign`, `operator register-key`), the operator node running as a
 * separate `verity operator run` process, and jobs driven through the CLI and the SDK. The operator is killed with SIGKILL in the middle of a ZK job (while
 * proving) and restarted: the job is fulfilled exactly once. Both processes are stopped at the end.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createPublicClient, createWalletClient, http, keccak256, parseEther, toHex, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { getJob, inferenceHubAbi, modelIdOf, requestInferenceSync, tensor, tensorValues, verifyJob, waitForResult } from "../../sdk/src/index.js";
import { DEVELOPMENT_MEASUREMENT } from "../../sdk/src/attestation/index.js";
import { attestationPolicy, readUri } from "../../sdk/src/operator/index.js";
import { zkVerifyingKeysFromFiles } from "../../sdk/src/prover/keys.js";
import { hardhatKey, verity } from "../cli/helpers.js";
import { e2eChain, startOperator, stopProcess } from "./process.js";

describe("end to end on a hardhat node with the operator as a separate process", function () {
  this.timeout(240_000);
  const chain = e2eChain("verity-e2e-");

  it("deploys with Ignition, serves a TEE job from the CLI and a ZK job from the SDK, and survives kill -9 mid-job", async () => {
    const [gov, owner, operatorKey, requesterKey] = [0, 1, 2, 3].map(hardhatKey) as [Hex, Hex, Hex, Hex];
    const enclaveKey = keccak256(toHex("e2e enclave"));
    const { node, work, operators, env, ok } = chain;

    // Deploy with the Ignition module, then set up a model, a measurement and an operator, all through the CLI.
    // A zero governance delay: each governance call is scheduled through the timelock and executed at once.
    await ok(["deploy", "--deployment-id", `e2e-${node.port}`, "--governance-delay", "0"], gov);
    const deployment = JSON.parse(readFileSync(path.join(work.dir, "31337.json"), "utf8")) as { hub: Hex; zkVerifier: Hex };
    const hub = deployment.hub;
    expect(deployment.zkVerifier).to.match(/^0x[0-9a-fA-F]{40}$/);
    const approved = await ok(["governance", "approve-measurement", DEVELOPMENT_MEASUREMENT, "--tee", "nitro"], gov);
    expect(approved.stdout).to.contain("scheduled through timelock").and.contain("(operation 0x").and.contain("and executed");
    await ok(["model", "register", "iris-mlp"], owner);
    const modelId = modelIdOf(privateKeyToAccount(owner).address, "iris-mlp");
    await ok(["model", "publish", modelId, "--file", "models/iris-mlp.onnx", "--uri", "file:models/iris-mlp.onnx",
      "--modes", "tee,zk", "--fee", "0.001", "--zk-weights", "models/iris-mlp.json",
      "--zk-vkey", "circuits/build/verification_key.json", "--allow-measurement", DEVELOPMENT_MEASUREMENT], owner);
    await ok(["operator", "stake", "1"], operatorKey);
    // The enclave key, attested through the committee (the deployer is its one attestor, threshold 1).
    const attested = JSON.parse(
      (await ok(["operator", "attest", "--enclave-key", enclaveKey, "--dev", "--evidence-dir", path.join(work.dir, "evidence"), "--json"], operatorKey)).stdout,
    ) as { claimFile: string };
    const approval = path.join(work.dir, "approval.json");
    const signed = await verity(["attestor", "sign", attested.claimFile, "--allow-development", "--out", approval], { ...env(requesterKey), VERITY_ATTESTOR_KEY: gov });
    expect(signed.code, signed.stderr).to.equal(0);
    const registered = await ok(["operator", "register-key", attested.claimFile, "--approval", approval, "--stake", "0.1", "--enclave-key", enclaveKey], operatorKey);
    expect(registered.stdout).to.contain("registered for operator").and.match(/stake\s+0\.1 ETH locked/);

    // The operator node, a separate process.
    const stateFile = path.join(work.dir, "operator-state.json");
    const operatorArgs = ["--enclave-key", enclaveKey, "--model", `${modelId}:1`, "--state", stateFile, "--zk-weights", "models/iris-mlp.json"];
    const first = startOperator(operatorArgs, env(operatorKey));
    operators.push(first);
    await first.waitFor(/node started/);

    // A TEE job requested through the CLI, waited for and verified with the SDK.
    const publicClient = createPublicClient({ chain: hardhat, transport: http(node.url), pollingInterval: 100 });
    const infer = await ok(["infer", modelId, "--version", "1", "--input", "5.1,3.5,1.4,0.2"], requesterKey);
    const teeJobId = BigInt(/job (\d+)/.exec(infer.stdout)![1]!);
    const teeResult = await waitForResult(publicClient, { hub, jobId: teeJobId, timeout: 60_000, pollingInterval: 100 });
    const logits = tensorValues(teeResult.output!) as number[];
    expect(logits.indexOf(Math.max(...logits))).to.equal(0); // setosa
    // Re-verified down to the key's evidence, fetched by its file: URI; development evidence only with allowDevelopment.
    const teeReport = await verifyJob(publicClient, { hub, jobId: teeJobId, fetchEvidence: readUri, attestation: attestationPolicy({ allowDevelopment: true }) });
    expect(teeReport.checks.filter((c) => !c.ok)).to.deep.equal([]);
    expect(teeReport.checks.find((c) => c.name === "evidence")!.detail).to.contain("DEVELOPMENT evidence");
    const strict = await verifyJob(publicClient, { hub, jobId: teeJobId, fetchEvidence: readUri });
    expect(strict.verdict).to.equal("invalid");
    expect((await verity(["job", "verify", `${teeJobId}`, "--allow-development"], env(requesterKey))).code).to.equal(0);

    // A ZK job requested through the SDK; the operator is killed with SIGKILL while it proves.
    const requester = createWalletClient({ chain: hardhat, transport: http(node.url), account: privateKeyToAccount(requesterKey) });
    const { jobId: zkJobId } = await requestInferenceSync(requester, {
      hub, modelId, version: 1, mode: "zk", input: tensor("int8", [1, 4], [101, 53, 96, 40]), fee: parseEther("0.003"),
    });
    await first.waitFor(new RegExp(`job ${zkJobId}: running the model`));
    await stopProcess(first.child, "SIGKILL");
    expect((await getJob(publicClient, { hub, jobId: zkJobId })).status).to.equal("pending");

    const second = startOperator(operatorArgs, env(operatorKey));
    operators.push(second);
    const zkResult = await waitForResult(publicClient, { hub, jobId: zkJobId, timeout: 90_000, pollingInterval: 100 });
    expect(zkResult.output!.values).to.have.length(3);
    await second.waitFor(new RegExp(`job ${zkJobId}: fulfilled`));

    // Exactly one fulfilment per job, and the ZK proof re-verifies from chain data.
    const fulfilled = await publicClient.getContractEvents({ address: hub, abi: inferenceHubAbi, eventName: "InferenceFulfilled", fromBlock: 0n });
    expect(fulfilled.map((e) => e.args.jobId)).to.deep.equal([teeJobId, zkJobId]);
    const zkReport = await verifyJob(publicClient, { hub, jobId: zkJobId, zkVerifyingKeys: zkVerifyingKeysFromFiles() });
    expect(zkReport.checks.filter((c) => !c.ok)).to.deep.equal([]);
    const audit = await verity(["job", "audit", `${zkJobId}`], env(requesterKey));
    expect(audit.code, audit.stderr).to.equal(0);
    expect(audit.stdout).to.match(/proof/i);

    await stopProcess(second.child, "SIGTERM");
    expect(second.lines.some((l) => /node stopped/.test(l))).to.equal(true);
  });
});
