/**
 * The README's SDK examples are the files in examples/, shown verbatim; this test checks they are shown as they
 * are and runs them, in order, against a fresh in-process chain: model owner, operator, dApp.
 */
import { expect } from "chai";
import { readFileSync, readdirSync } from "node:fs";
import { network } from "hardhat";
import { keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { deployVerity } from "../sdk/src/index.js";
import { ATTESTOR_COMMITTEE, TEST_MEASUREMENT, prepareEnclaveAttestation, testAttestationPolicy } from "./sdk/enclave.js";
import { publishIrisModel } from "../examples/model-owner.js";
import { registerOperator, serveJob } from "../examples/operator.js";
import { classifyIris } from "../examples/dapp.js";
import { checkReceipt, classifyOverHttp } from "../examples/http.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseEther } from "viem";
import { bondBatch } from "../sdk/src/index.js";
import { createBatchServer } from "../sdk/src/operator/index.js";

describe("README examples", () => {
  it("shows every file of examples/ verbatim", () => {
    const readme = readFileSync("README.md", "utf8");
    const files = readdirSync("examples").filter((f) => f.endsWith(".ts"));
    expect(files.length).to.be.greaterThan(2);
    for (const f of files) {
      const code = readFileSync(`examples/${f}`, "utf8").trimEnd();
      expect(readme.includes("```ts\n" + code + "\n```"), `README.md must show examples/${f} as it is`).to.equal(true);
    }
  });

  it("runs the model owner's, the operator's and the dApp's examples into a verified classification", async () => {
    const { viem } = await network.create();
    const publicClient = await viem.getPublicClient();
    const [governance, owner, operator, requester] = await viem.getWalletClients();
    const deployment = await deployVerity(governance!, publicClient, { ...ATTESTOR_COMMITTEE });
    const { hub } = deployment;
    // The enclave's evidence (a test Nitro authority's document binding its key to the operator), the measurement
    // approved by governance, and 2 of the 3 attestors' approvals (test/sdk/enclave.ts).
    const enclave = privateKeyToAccount(keccak256(toHex("readme enclave")));
    const { measurement, evidenceHash, evidenceURI, expiresAt, approvals } = await prepareEnclaveAttestation(
      { publicClient, governance: governance! },
      { deployment, enclave, operatorWallet: operator! },
    );
    expect(measurement).to.equal(TEST_MEASUREMENT);

    const { modelId } = await publishIrisModel(owner!, hub, measurement);
    await registerOperator(operator!, hub, enclave, { measurement, evidenceHash, evidenceURI, expiresAt, approvals });

    const classified = classifyIris(requester!, publicClient, hub, modelId, await testAttestationPolicy());
    let served = false;
    for (let i = 0; i < 200 && !served; i++) {
      const count = await publicClient.readContract({ address: hub, abi: [{ type: "function", name: "jobCount", inputs: [], outputs: [{ type: "uint256" }], stateMutability: "view" }], functionName: "jobCount" });
      if (count === 1n) {
        await serveJob(operator!, publicClient, hub, enclave, 1n);
        served = true;
      } else await new Promise((r) => setTimeout(r, 25));
    }
    const result = await classified;
    expect(result.jobId).to.equal(1n);
    expect(result.species).to.equal("setosa");
    expect(result.verdict).to.equal("valid");
    expect(result.checks.every((c) => c.ok)).to.equal(true);
  });

  it("runs the BATCH example against the reference HTTP server: answers at once, receipts pending, then valid once settled", async () => {
    const { viem } = await network.create();
    const publicClient = await viem.getPublicClient();
    const [governance, owner, operator, requester] = await viem.getWalletClients();
    const deployment = await deployVerity(governance!, publicClient, { ...ATTESTOR_COMMITTEE });
    const { hub, batchSettlement } = deployment;
    const enclave = privateKeyToAccount(keccak256(toHex("readme batch enclave")));
    const attestation = await prepareEnclaveAttestation({ publicClient, governance: governance! }, { deployment, enclave, operatorWallet: operator! });
    const { modelId } = await publishIrisModel(owner!, hub, attestation.measurement);
    await registerOperator(operator!, hub, enclave, attestation);
    await publicClient.waitForTransactionReceipt({ hash: await bondBatch(operator!, { batchSettlement, amount: parseEther("0.1") }) });

    const dir = mkdtempSync(path.join(tmpdir(), "verity-readme-batch-"));
    const server = createBatchServer({
      publicClient,
      walletClient: operator!,
      hub,
      signer: enclave,
      models: [{ modelId, version: 1, price: parseEther("0.0001") }],
      journalFile: path.join(dir, "receipts.jsonl"),
      batchesDir: path.join(dir, "batches"),
      port: 0,
      batch: { maxReceipts: 1000, maxAgeMs: 3_600_000 },
    });
    const { url } = await server.start();
    try {
      const { answers, species, spent } = await classifyOverHttp(requester!, publicClient, hub, url, operator!.account.address, modelId);
      expect(species).to.deep.equal(["setosa", "versicolor", "virginica"]);
      expect(answers.map((a) => a.receipt.sequence)).to.deep.equal([1n, 2n, 3n]);
      expect(answers.every((a) => a.signer === enclave.address)).to.equal(true);
      expect(spent).to.equal(parseEther("0.0003"));
      expect((await checkReceipt(publicClient, hub, answers[0]!)).verdict).to.equal("pending");
      await server.flush();
      for (const a of answers) {
        const { verdict, checks } = await checkReceipt(publicClient, hub, a);
        expect(verdict, checks.join("\n")).to.equal("valid");
        expect(checks.map((c) => c.split(":")[0])).to.deep.equal(["ok chain", "ok signature", "ok signer", "ok slashed", "ok settled", "ok document", "ok inclusion", "ok onchain"]);
      }
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
