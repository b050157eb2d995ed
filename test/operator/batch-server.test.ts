/**
 * The BATCH mode end to end on the in-process chain: the operator's HTTP server runs the real Iris model and signs a
 * receipt per call, the SDK's `infer` pays with vouchers and checks each receipt at once, the server settles the
 * receipts as signed Merkle roots and claims the latest voucher, and `verifyReceipt` re-checks every receipt's
 * inclusion from chain data. Bad HTTP input gets a clear 4xx and nothing is signed.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { getAddress, keccak256, parseEther, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  InferenceHttpError,
  InvalidReceiptError,
  batchSettlementAbi,
  operatorRegistryAbi,
  receiptTypedData,
  revokeMeasurement,
  InsufficientDepositError,
  batchDomain,
  bondBatch,
  depositBatch,
  encodeTensor,
  getChannel,
  infer,
  tensor,
  verifyReceipt,
  voucherTypedData,
} from "../../sdk/src/index.js";
import { type BatchServer, type BatchServerEvent, createBatchServer } from "../../sdk/src/operator/index.js";
import { type Connection, FLOWERS, MEASUREMENT, connect, deployOperatorSystem } from "./helpers.js";
import { mined } from "../sdk/helpers.js";

const PRICE = parseEther("0.0001");

describe("BATCH mode: HTTP inference, signed receipts, vouchers, batch settlement", function () {
  this.timeout(120_000);
  let c: Connection;
  const system = () => deployOperatorSystem(c);
  before(async function () {
    c = await connect();
  });

  async function setup(o: { maxReceipts?: number; deposit?: bigint; signer?: "enclave" | "operator" } = {}) {
    const s = await c.networkHelpers.loadFixture(system);
    await mined(c, await bondBatch(s.operatorWallet, { batchSettlement: s.batchSettlement, amount: parseEther("0.1") }));
    if (o.deposit !== 0n) {
      await mined(c, await depositBatch(c.requester, { batchSettlement: s.batchSettlement, operator: s.operatorAccount.address, amount: o.deposit ?? parseEther("0.01") }));
    }
    const dir = mkdtempSync(path.join(tmpdir(), "verity-batch-"));
    const events: BatchServerEvent[] = [];
    const make = () =>
      createBatchServer({
        publicClient: c.publicClient,
        walletClient: s.operatorWallet,
        hub: s.hub,
        signer: o.signer === "operator" ? undefined : s.enclave,
        models: [{ modelId: s.modelId, version: s.version, price: PRICE }],
        journalFile: path.join(dir, "receipts.jsonl"),
        batchesDir: path.join(dir, "batches"),
        port: 0,
        batch: { maxReceipts: o.maxReceipts ?? 1000, maxAgeMs: 3_600_000 },
        logger: (e) => events.push(e),
      });
    return { s, dir, events, make };
  }

  type Serving = Awaited<ReturnType<typeof setup>> & { server: BatchServer; url: string };
  /** Runs `body` with a started server of `setup(o)`, and stops the server (settling what is pending) after it. */
  async function serving(o: Parameters<typeof setup>[0], body: (t: Serving) => Promise<void>): Promise<void> {
    const t = await setup(o);
    const server = t.make();
    const { url } = await server.start();
    try {
      await body({ ...t, server, url });
    } finally {
      await server.stop();
    }
  }

  it("serves calls at once with checked receipts, settles them in batches, and the operator is paid exactly what the vouchers say", async function () {
    await serving({ maxReceipts: 5 }, async ({ s, events, server, url }) => {
      const args = { url, hub: s.hub, batchSettlement: s.batchSettlement, modelId: s.modelId, version: s.version };
      const results = [];
      for (let i = 0; i < 12; i++) results.push(await infer(c.requester, { ...args, input: FLOWERS[i % FLOWERS.length]! }));
      // Each answer came with a receipt for this request, signed by the operator's enclave key, numbered 1..12.
      expect(results.map((r) => r.receipt.sequence)).to.deep.equal(Array.from({ length: 12 }, (_, i) => BigInt(i + 1)));
      expect(results.every((r) => r.signer === s.enclave.address)).to.equal(true);
      expect(results[11]!.spent).to.equal(PRICE * 12n);
      expect(results[0]!.outputs.tensor!.dtype).to.equal("int32");
      await server.flush();
      // Two full batches of 5 settled by count, the last 2 by the flush; after each, the latest voucher is claimed.
      const settled = events.filter((e) => e.type === "batch-settled");
      expect(settled.map((e) => [e.firstSequence, e.count])).to.deep.equal([[1n, 5n], [6n, 5n], [11n, 2n]]);
      const claimed = events.filter((e) => e.type === "voucher-claimed");
      // (Settlements by count run beside the calls, so how far each claim reached varies; each claims more.)
      const amounts = claimed.map((e) => e.cumulativeAmount);
      expect(amounts.at(-1)).to.equal(PRICE * 12n);
      expect(amounts.every((a, i) => i === 0 || a > amounts[i - 1]!)).to.equal(true);
      const channel = await getChannel(c.publicClient, { batchSettlement: s.batchSettlement, requester: c.requester.account!.address, operator: s.operatorAccount.address });
      expect(channel.paid).to.equal(PRICE * 12n);
      expect(channel.balance).to.equal(parseEther("0.01") - PRICE * 12n);
      // Every receipt verifies from chain data and the published batch.
      for (const r of results) {
        const report = await verifyReceipt(c.publicClient, { batchSettlement: s.batchSettlement, receipt: r.receipt, signature: r.signature });
        expect(report.verdict, JSON.stringify(report.checks)).to.equal("valid");
        expect(report.checks.map((x) => x.name)).to.deep.equal(["chain", "signature", "signer", "slashed", "settled", "document", "inclusion", "onchain"]);
      }
    });
  });

  it("says pending for a receipt not settled yet, and invalid for a tampered one", async function () {
    await serving({}, async ({ s, server, url }) => {
      const args = { url, hub: s.hub, batchSettlement: s.batchSettlement, modelId: s.modelId, version: s.version };
      const r = await infer(c.requester, { ...args, input: FLOWERS[0]! });
      const pending = await verifyReceipt(c.publicClient, { batchSettlement: s.batchSettlement, receipt: r.receipt, signature: r.signature });
      expect(pending.verdict).to.equal("pending");
      await server.flush();
      const tampered = await verifyReceipt(c.publicClient, {
        batchSettlement: s.batchSettlement,
        receipt: { ...r.receipt, outputHash: keccak256(toHex("another output")) },
        signature: r.signature,
    });
    expect(tampered.verdict).to.equal("invalid");
    expect(tampered.checks.find((x) => !x.ok)!.name).to.equal("signer");
    });
  });

  it("attack: an operator that signs a second receipt for a sequence loses its bond to the requester, and the receipt is reported invalid; a key of a revoked measurement is refused", async function () {
    await serving({}, async ({ s, server, url }) => {
      const args = { url, hub: s.hub, batchSettlement: s.batchSettlement, modelId: s.modelId, version: s.version };
      const r = await infer(c.requester, { ...args, input: FLOWERS[0]! });
      await server.flush();
      expect((await verifyReceipt(c.publicClient, { batchSettlement: s.batchSettlement, receipt: r.receipt, signature: r.signature })).verdict).to.equal("valid");
      // The operator's enclave key signs another output for the same sequence; the requester proves it.
      const other = { ...r.receipt, outputHash: keccak256(toHex("another output")) };
      const domain = batchDomain(await c.publicClient.getChainId(), s.batchSettlement);
      const otherSignature = await s.enclave.signTypedData(receiptTypedData(domain, other));
      await mined(c, await c.requester.writeContract({
        address: s.batchSettlement, abi: batchSettlementAbi, functionName: "proveEquivocation", args: [r.receipt, r.signature, other, otherSignature],
      }));
      const credit = await c.publicClient.readContract({ address: s.operatorRegistry, abi: operatorRegistryAbi, functionName: "slashCreditOf", args: [c.requester.account.address] });
      expect(credit).to.equal(parseEther("0.05"));
      const report = await verifyReceipt(c.publicClient, { batchSettlement: s.batchSettlement, receipt: r.receipt, signature: r.signature });
      expect(report.verdict).to.equal("invalid");
      const failed = report.checks.find((x) => !x.ok)!;
      expect([failed.name, failed.detail]).to.deep.equal(["slashed", `the operator was slashed for sequence 1 (a conflicting receipt or a ZK proof of another output): this receipt is not to be trusted`]);
      // Governance revokes the enclave's measurement: a new requester's call is answered, but its receipt refused.
      await mined(c, await revokeMeasurement(c.governance, { enclaveRegistry: s.enclaveRegistry, measurement: MEASUREMENT }));
      await mined(c, await depositBatch(c.other, { batchSettlement: s.batchSettlement, operator: s.operatorAccount.address, amount: parseEther("0.01") }));
      const refused = await infer(c.other, { ...args, input: FLOWERS[1]! }).then(() => undefined, (e: unknown) => e);
      expect(refused).to.be.instanceOf(InvalidReceiptError);
      expect((refused as Error).message).to.contain(`it is signed by ${s.enclave.address}, neither the operator ${getAddress(s.operatorAccount.address)} nor one of its enclave keys that signs now`);
    });
  });

  it("refuses malformed and unpaid calls with a clear 4xx and signs nothing", async function () {
    const { s, make } = await setup({ deposit: parseEther("0.00025") });
    const server = make();
    const { url } = await server.start();
    try {
      const requester = getAddress(c.requester.account!.address);
      const post = async (body: unknown) => {
        const res = await fetch(`${url}/v1/infer`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        return { status: res.status, body: (await res.json()) as { error: string; message: string } };
      };
      const good = { requestId: keccak256(toHex("r1")), requester, modelId: s.modelId, version: s.version, input: encodeTensor(FLOWERS[0]!) };
      const missing = await post({ ...good, input: undefined });
      expect([missing.status, missing.body.error]).to.deep.equal([400, "invalid-request"]);
      expect(missing.body.message).to.contain("input");
      expect((await post({ ...good, requestId: "0x12" })).status).to.equal(400);
      expect((await post({ ...good, extra: 1 })).status).to.equal(400);
      expect((await post({ ...good, version: "1" })).status).to.equal(400);
      const notJson = await fetch(`${url}/v1/infer`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
      expect(notJson.status).to.equal(400);
      const unknown = await post({ ...good, version: 99 });
      expect([unknown.status, unknown.body.error]).to.deep.equal([404, "unknown-model"]);
      const unpaid = await post(good);
      expect([unpaid.status, unpaid.body.error]).to.deep.equal([402, "payment-required"]);
      // A voucher signed by someone else, and one over the deposit.
      const domain = batchDomain(c.publicClient.chain!.id, s.batchSettlement);
      const voucher = (amount: bigint, account = c.requester.account!) =>
        c.requester.signTypedData({ account, ...voucherTypedData(domain, { requester, operator: s.operatorAccount.address, cumulativeAmount: amount }) });
      const stranger = privateKeyToAccount(keccak256(toHex("stranger")));
      const forged = await post({ ...good, voucher: { cumulativeAmount: PRICE.toString(), signature: await stranger.signTypedData(voucherTypedData(domain, { requester, operator: s.operatorAccount.address, cumulativeAmount: PRICE })) } });
      expect([forged.status, forged.body.error]).to.deep.equal([402, "voucher-refused"]);
      expect(forged.body.message).to.contain(stranger.address);
      const over = await post({ ...good, voucher: { cumulativeAmount: (PRICE * 3n).toString(), signature: await voucher(PRICE * 3n) } });
      expect([over.status, over.body.error]).to.deep.equal([402, "voucher-refused"]);
      expect(over.body.message).to.contain("over the deposit");
      // Input the model refuses (a float tensor for an int8 model): 422, the reserved credit returned.
      const paid = { ...good, voucher: { cumulativeAmount: PRICE.toString(), signature: await voucher(PRICE) } };
      const bad = await post({ ...paid, input: encodeTensor(tensor.float32([1, 4], [1, 2, 3, 4])) });
      expect([bad.status, bad.body.error]).to.deep.equal([422, "invalid-input"]);
      expect(server.stats().nextSequence).to.equal(1n);
      // The same paid call now succeeds: the credit was not spent by the refused one.
      const ok = await post({ ...good });
      expect(ok.status).to.equal(200);
      expect(server.stats().nextSequence).to.equal(2n);
      // The SDK refuses before sending a voucher the deposit does not cover (0.00025 holds 2 calls, not 3).
      const args = { url, hub: s.hub, batchSettlement: s.batchSettlement, modelId: s.modelId, version: s.version };
      await infer(c.requester, { ...args, input: FLOWERS[1]! });
      let err: unknown;
      try {
        await infer(c.requester, { ...args, input: FLOWERS[2]! });
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(InsufficientDepositError);
      expect(server.stats().nextSequence).to.equal(3n);
      // A server that does not sell a version: the SDK says so.
      let unknownErr: unknown;
      try {
        await infer(c.requester, { ...args, version: s.wrongVersion, input: FLOWERS[0]! });
      } catch (e) {
        unknownErr = e;
      }
      expect(unknownErr).to.be.instanceOf(InferenceHttpError);
      expect((unknownErr as InferenceHttpError).code).to.equal("unknown-model");
    } finally {
      await server.stop();
    }
  });

  it("after a restart it keeps every signed receipt, numbers on, and settles nothing twice", async function () {
    const { s, dir, events, make } = await setup();
    const first = make();
    const { url } = await first.start();
    const args = { hub: s.hub, batchSettlement: s.batchSettlement, modelId: s.modelId, version: s.version };
    const before = [];
    for (let i = 0; i < 3; i++) before.push(await infer(c.requester, { ...args, url, input: FLOWERS[i]! }));
    await first.stop({ settle: false });
    const journal = readFileSync(path.join(dir, "receipts.jsonl"), "utf8").trim().split("\n");
    expect(journal.filter((l) => l.includes('"t":"r"'))).to.have.length(3);
    const second = make();
    const { url: url2 } = await second.start();
    try {
      const after = await infer(c.requester, { ...args, url: url2, input: FLOWERS[3]! });
      expect(after.receipt.sequence).to.equal(4n);
      await second.flush();
      await second.flush();
      const settled = events.filter((e) => e.type === "batch-settled");
      expect(settled.map((e) => [e.firstSequence, e.count])).to.deep.equal([[1n, 4n]]);
      for (const r of [...before, after]) {
        const report = await verifyReceipt(c.publicClient, { batchSettlement: s.batchSettlement, receipt: r.receipt, signature: r.signature });
        expect(report.verdict).to.equal("valid");
      }
    } finally {
      await second.stop();
    }
  });

  it("compacts its journal past what the chain settled on restart: settled receipts served from their documents, spending carried over", async function () {
    const { s, dir, make } = await setup({ maxReceipts: 3 });
    const journalFile = path.join(dir, "receipts.jsonl");
    const receiptLines = () => readFileSync(journalFile, "utf8").trim().split("\n").filter((l) => l.includes('"t":"r"'));
    const first = make();
    const { url } = await first.start();
    const args = { hub: s.hub, batchSettlement: s.batchSettlement, modelId: s.modelId, version: s.version };
    const results = [];
    // 7 calls: batches 1..3 and 4..6 settle by count; receipt 7 is pending when the server stops without settling.
    for (let i = 0; i < 7; i++) results.push(await infer(c.requester, { ...args, url, input: FLOWERS[i % FLOWERS.length]! }));
    const spent = results.at(-1)!.spent;
    await first.stop({ settle: false });
    expect(receiptLines()).to.have.length(7);

    const second = make();
    const { url: url2 } = await second.start();
    try {
      // Only the unsettled receipt is left in the journal, after a checkpoint of what the requester spent on the 6 settled.
      expect(receiptLines().map((l) => (JSON.parse(l) as { r: { sequence: string } }).r.sequence)).to.deep.equal(["7"]);
      expect(readFileSync(journalFile, "utf8")).to.contain(`{"t":"s","requester":"${getAddress(c.requester.account.address)}","spent":"${PRICE * 6n}"}`);
      // A settled receipt is still served, read back from its batch's document.
      const served = (await (await fetch(`${url2}/v1/receipts/2`)).json()) as { receipt: { sequence: string }; signature: string; batch: { firstSequence: string } };
      expect([served.receipt.sequence, served.signature, served.batch.firstSequence]).to.deep.equal(["2", results[1]!.signature, "1"]);
      // The server still knows what this requester spent: the next voucher must cover all 8 calls.
      const channel = (await (await fetch(`${url2}/v1/channels/${c.requester.account.address}`)).json()) as { spent: string };
      expect(BigInt(channel.spent)).to.equal(spent);
      const again = await infer(c.requester, { ...args, url: url2, input: FLOWERS[0]! });
      expect([again.receipt.sequence, again.spent]).to.deep.equal([8n, spent + PRICE]);
      await second.flush();
      // The first server's batch URIs name its port (0 picked one); the second serves the same documents.
      const fetchDocument = async (uri: string) => (await fetch(uri.replace(url, url2))).text();
      for (const r of [...results, again]) {
        const report = await verifyReceipt(c.publicClient, { batchSettlement: s.batchSettlement, receipt: r.receipt, signature: r.signature, fetchDocument });
        expect(report.verdict, JSON.stringify(report.checks)).to.equal("valid");
      }
      const onChain = await getChannel(c.publicClient, { batchSettlement: s.batchSettlement, requester: c.requester.account.address, operator: s.operatorAccount.address });
      expect(onChain.paid).to.equal(PRICE * 8n);
    } finally {
      await second.stop();
    }
  });

  it("answers browsers from any origin (CORS): a preflight for POST /v1/infer, and GET of receipts and batch documents", async function () {
    await serving({}, async ({ s, server, url }) => {
      const origin = { origin: "http://explorer.example" };
      const preflight = await fetch(`${url}/v1/infer`, { method: "OPTIONS", headers: { ...origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" } });
      expect(preflight.status).to.equal(204);
      expect(preflight.headers.get("access-control-allow-origin")).to.equal("*");
      expect(preflight.headers.get("access-control-allow-methods")).to.contain("POST");
      expect(preflight.headers.get("access-control-allow-headers")).to.equal("content-type");
      const r = await infer(c.requester, { url, hub: s.hub, batchSettlement: s.batchSettlement, modelId: s.modelId, version: s.version, input: FLOWERS[0]! });
      await server.flush();
      for (const p of [`/v1/receipts/${r.receipt.sequence}`, "/v1/batches/1", "/v1/info"]) {
        const res = await fetch(`${url}${p}`, { headers: origin });
        expect([res.status, res.headers.get("access-control-allow-origin")]).to.deep.equal([200, "*"]);
      }
    });
  });

  it("signs with the operator's own account when it has no enclave key", async function () {
    await serving({ signer: "operator" }, async ({ s, server, url }) => {
      const r = await infer(c.requester, { url, hub: s.hub, batchSettlement: s.batchSettlement, modelId: s.modelId, version: s.version, input: FLOWERS[0]! });
      expect(r.signer).to.equal(s.operatorAccount.address);
      await server.flush();
      const report = await verifyReceipt(c.publicClient, { batchSettlement: s.batchSettlement, receipt: r.receipt, signature: r.signature });
      expect(report.verdict).to.equal("valid");
      expect(report.checks.find((x) => x.name === "signer")!.detail).to.contain("own account");
    });
  });
});


