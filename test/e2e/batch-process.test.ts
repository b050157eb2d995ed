/**
 * The BATCH mode end to end over real JSON-RPC and HTTP: a `hardhat node` process, the system deployed with
 * `verity deploy`, the operator's `verity serve` as a separate process signing a receipt per call, a requester that
 * deposits with the CLI and calls the server through the SDK (`infer`, each receipt checked at once). The server is
 * killed with SIGKILL in the middle of a batch and restarted on its journal: no signed receipt is lost, the
 * numbering goes on; killed again, `verity batch settle` settles what its journal holds; every receipt is settled
 * exactly once, each one's inclusion verifies from chain data, and the
 * operator is paid exactly what the vouchers say.
 */
import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import path from "node:path";
import { type Hex, createPublicClient, createWalletClient, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { batchSettlementAbi, getChannel, infer, modelIdOf, receiptToJson, verifyReceipt } from "../../sdk/src/index.js";
import { quantizeFeatures } from "../../sdk/src/model/iris.js";
import { hardhatKey, verity } from "../cli/helpers.js";
import { e2eChain, startVerity, stopProcess } from "./process.js";

const PRICE = parseEther("0.0001");

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
const FLOWERS = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.4, 1.4], [6.3, 3.3, 6, 2.5], [5.7, 2.8, 4.5, 1.3]];

describe("BATCH end to end: verity serve as a process on a hardhat node, killed mid-batch", function () {
  this.timeout(240_000);
  const chain = e2eChain("verity-batch-e2e-");

  it("serves HTTP calls with receipts, loses none to SIGKILL, settles each once and pays exactly the vouchers", async () => {
    const [gov, owner, operatorKey, requesterKey] = [0, 1, 2, 3].map(hardhatKey) as [Hex, Hex, Hex, Hex];
    const { node, work, operators, ok } = chain;
    await ok(["deploy", "--deployment-id", `batch-${node.port}`, "--governance-delay", "0"], gov);
    const deployment = JSON.parse(readFileSync(path.join(work.dir, "31337.json"), "utf8")) as { hub: Hex; batchSettlement: Hex };
    expect(deployment.batchSettlement).to.match(/^0x[0-9a-fA-F]{40}$/);
    await ok(["model", "register", "iris-mlp"], owner);
    const modelId = modelIdOf(privateKeyToAccount(owner).address, "iris-mlp");
    await ok(["model", "publish", modelId, "--file", "models/iris-mlp.onnx", "--uri", "file:models/iris-mlp.onnx", "--modes", "tee"], owner);
    await ok(["operator", "stake", "1"], operatorKey);
    await ok(["batch", "bond", "0.1"], operatorKey);
    const operator = privateKeyToAccount(operatorKey).address;
    await ok(["batch", "deposit", operator, "0.01"], requesterKey);

    const journal = path.join(work.dir, "receipts.jsonl");
    // A fixed port: batch URIs name it, so a restarted server must come back at the same address.
    const port = await freePort();
    const serveArgs = ["serve", "--model", `${modelId}:1`, "--price", "0.0001", "--port", `${port}`, "--journal", journal,
      "--batches-dir", path.join(work.dir, "batches"), "--batch-size", "8", "--batch-age", "1h"];
    const first = startVerity(serveArgs, chain.env(operatorKey));
    operators.push(first);
    const url1 = /serving on (\S+):/.exec(await first.waitFor(/serving on/))![1]!;

    const transport = http(node.url);
    const publicClient = createPublicClient({ chain: hardhat, transport, pollingInterval: 100 });
    const requester = createWalletClient({ account: privateKeyToAccount(requesterKey), chain: hardhat, transport });
    const call = (url: string, i: number) =>
      infer(requester, { url, hub: deployment.hub, batchSettlement: deployment.batchSettlement, modelId, version: 1, input: quantizeFeatures(FLOWERS[i % 4]!, 16) });
    const results = [];
    // 8 receipts settle as one batch by count; 5 more are signed and then the server is killed before any settles.
    for (let i = 0; i < 13; i++) results.push(await call(url1, i));
    await first.waitFor(/batch 1\.\.8 settled/);
    await stopProcess(first.child, "SIGKILL");
    const signedLines = readFileSync(journal, "utf8").split("\n").filter((l) => l.includes('"t":"r"'));
    expect(signedLines).to.have.length(13);

    const second = startVerity(serveArgs, chain.env(operatorKey));
    operators.push(second);
    const url2 = /serving on (\S+):/.exec(await second.waitFor(/serving on \S+: .* next receipt 14/))![1]!;
    // A fresh client (as after a restart of the dApp too) resumes from the server's latest voucher.
    for (let i = 13; i < 16; i++) results.push(await call(url2, i));
    expect(results.map((r) => r.receipt.sequence)).to.deep.equal(Array.from({ length: 16 }, (_, i) => BigInt(i + 1)));
    // Ctrl-C settles what is pending (receipts 9..16, from before and after the kill) and claims the latest voucher.
    await stopProcess(second.child, "SIGINT");
    expect(second.lines.join("\n")).to.match(/batch 9\.\.16 settled/);
    const third = startVerity(serveArgs, chain.env(operatorKey));
    operators.push(third);
    const url3 = /serving on (\S+):/.exec(await third.waitFor(/next receipt 17/))![1]!;
    // `verity batch settle` is refused while a server holds the journal, and changes nothing.
    const journalArgs = ["--journal", journal, "--batches-dir", path.join(work.dir, "batches"), "--port", `${port}`];
    const busy = await verity(["batch", "settle", ...journalArgs], chain.env(operatorKey));
    expect(busy.code).to.not.equal(0);
    expect(busy.stderr).to.contain(`the receipt journal is in use by process ${third.child.pid}`);
    // Two more calls, then the server dies before settling them; `verity batch settle` settles them from its journal.
    for (let i = 16; i < 18; i++) results.push(await call(url3, i));
    await stopProcess(third.child, "SIGKILL");
    const settled = await verity(["batch", "settle", ...journalArgs], chain.env(operatorKey));
    expect(settled.code, settled.stderr).to.equal(0);
    expect(settled.stdout).to.match(/batch 17\.\.18 settled/);
    expect(settled.stdout).to.contain("settled 1 batch(es); receipts 1..18 are settled");
    const again = await verity(["batch", "settle", ...journalArgs], chain.env(operatorKey));
    expect([again.code, again.stdout.trim()]).to.deep.equal([0, "nothing to settle: receipts 1..18 are settled"]);
    // A server on the journal again publishes every batch's document.
    const fourth = startVerity(serveArgs, chain.env(operatorKey));
    operators.push(fourth);
    await fourth.waitFor(/next receipt 19/);

    // Every receipt verifies from chain data and the batch documents (served by the running server).
    for (const r of results) {
      const report = await verifyReceipt(publicClient, { batchSettlement: deployment.batchSettlement, receipt: r.receipt, signature: r.signature });
      expect(report.verdict, JSON.stringify(report.checks)).to.equal("valid");
    }
    expect(results.map((r) => r.receipt.sequence)).to.deep.equal(Array.from({ length: 18 }, (_, i) => BigInt(i + 1)));
    // Nothing settled twice: three batches, contiguous; the operator paid exactly 18 calls.
    const bond = await publicClient.readContract({ address: deployment.batchSettlement, abi: batchSettlementAbi, functionName: "bondOf", args: [operator] });
    expect(bond.nextSequence).to.equal(19n);
    const channel = await getChannel(publicClient, { batchSettlement: deployment.batchSettlement, requester: requester.account.address, operator });
    expect(channel.paid).to.equal(PRICE * 18n);
    expect(channel.balance).to.equal(parseEther("0.01") - PRICE * 18n);
    // The CLI re-verifies one receipt from a file.
    const file = path.join(work.dir, "receipt-5.json");
    writeFileSync(file, JSON.stringify({ receipt: receiptToJson(results[4]!.receipt), signature: results[4]!.signature }));
    const verified = await verity(["batch", "verify", file], chain.env(requesterKey));
    expect(verified.code, verified.stderr).to.equal(0);
    expect(verified.stdout).to.contain("VALID");
  });
});
