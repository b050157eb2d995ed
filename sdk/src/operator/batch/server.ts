import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import cors from "@fastify/cors";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import { type Address, type Hex, type LocalAccount, getAddress } from "viem";
import { readContract, waitForTransactionReceipt } from "viem/actions";
import { batchSettlementAbi, inferenceHubAbi, operatorRegistryAbi } from "../../abis.js";
import { claimVoucher } from "../../actions/claimVoucher.js";
import { settleBatch } from "../../actions/settleBatch.js";
import { toVerityError } from "../../errors/decode.js";
import {
  type BatchDocument,
  type BatchRoot,
  type Receipt,
  BATCH_DOCUMENT_FORMAT,
  batchDomain,
  batchDomainSeparator,
  batchRootTypedData,
  encodeBatchDocument,
  receiptFromJson,
  receiptToJson,
  receiptTree,
  recoverVoucherSigner,
} from "../../proofs/batch.js";
import { type ReceiptHasher, createReceiptHasher } from "./hashing.js";
import type { BatchServerOptions, Channel, Entry } from "./types.js";
import { OperatorConfigError } from "../errors.js";
import { createRuntime } from "../execute.js";
import { type PreparedBatch, openJournal } from "./journal.js";
import { ADDRESS, INFER_BODY, SEQUENCE, params } from "./schemas.js";

/**
 * The BATCH mode's HTTP server: runs a model version on named tensors at once and answers with the outputs and a
 * receipt signed by the operator's key (EIP-712 `Receipt`), paid by the requester's cumulative vouchers against
 * its deposit; it settles the receipts in batches (a signed Merkle root per batch, by count or by age) and claims
 * the latest vouchers. Every receipt is on disk before its response leaves (see ./journal.ts).
 *
 * API (JSON; integers as decimal strings; bytes as 0x hex):
 * - `GET  /v1/info`: operator, signer, chain, settlement contract, models with prices.
 * - `GET  /v1/channels/:requester`: the latest voucher accepted from the requester and what its receipts cost.
 * - `POST /v1/infer`: `{ requestId, requester, modelId, version, input, voucher? }` -> `{ output, receipt, signature, spent }`.
 * - `GET  /v1/receipts/:sequence`: a receipt, its signature and its settled batch (if any).
 * - `GET  /v1/batches/:firstSequence`: a batch document (format `verity-batch/1`), the URI each batch names.
 * Errors: `{ error, message }` with 400 (malformed), 402 (payment), 404 (unknown), 422 (input the model refuses).
 * CORS is open to any origin (browser dApps and explorers), for GET and POST with a JSON body.
 */

export type { BatchServedModel, BatchServerEvent, BatchServerOptions } from "./types.js";

const MAX_BODY_BYTES = 34 * 1024 * 1024;

export function createBatchServer(options: BatchServerOptions) {
  const { publicClient, walletClient, hub } = options;
  const log = options.logger ?? (() => undefined);
  const operatorAccount = walletClient.account;
  if (!operatorAccount) throw new OperatorConfigError("the batch server's walletClient has no account (the operator's)");
  const operator = getAddress(operatorAccount.address);
  const signer = options.signer ?? (operatorAccount.type === "local" ? (operatorAccount as LocalAccount) : undefined);
  if (!signer?.sign) throw new OperatorConfigError("the batch server needs a local signing key: pass `signer` (an enclave key) or a local operator account");
  const maxReceipts = options.batch?.maxReceipts ?? 1000;
  const maxAgeMs = options.batch?.maxAgeMs ?? 60_000;
  if (!Number.isInteger(maxReceipts) || maxReceipts < 1 || maxReceipts > 2 ** 20) {
    throw new OperatorConfigError(`batch.maxReceipts ${maxReceipts} must be an integer from 1 to 1,048,576`);
  }
  if (!Number.isInteger(maxAgeMs) || maxAgeMs < 10) throw new OperatorConfigError(`batch.maxAgeMs ${maxAgeMs} must be an integer of at least 10`);
  const prices = new Map(options.models.map((m) => [`${m.modelId.toLowerCase()}/${m.version}`, m.price]));
  const refreshMs = options.channelRefreshMs ?? 2_000;
  const { models, exec } = createRuntime({ publicClient, hub, modelDir: options.modelDir, runtime: options.runtime });

  let app: FastifyInstance | undefined;
  let journal: Awaited<ReturnType<typeof openJournal>> | undefined;
  let settlement: Address;
  let chainId: number;
  let domainSeparator: Hex;
  let hasher: ReceiptHasher | undefined;
  let url = "";
  let nextSequence = 1n;
  /** Durable receipts by sequence, and the sequence the next batch starts at (the chain's, once read). */
  const receipts = new Map<bigint, Entry>();
  let nextToBatch = 1n;
  let oldestPendingAt: number | undefined;
  const prepared = new Map<bigint, PreparedBatch>();
  const settledBatches: { firstSequence: bigint; count: bigint; root: Hex; uri: string }[] = [];
  const channels = new Map<string, Channel>();
  let flushing: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;

  const channelOf = (requester: Address): Channel => {
    const key = requester.toLowerCase();
    let c = channels.get(key);
    if (!c) channels.set(key, (c = { voucher: undefined, spent: 0n, chain: undefined }));
    return c;
  };

  async function chainChannel(requester: Address, c: Channel, force = false) {
    if (!force && c.chain && Date.now() - c.chain.readAt < refreshMs) return c.chain;
    const ch = await readContract(publicClient, { address: settlement, abi: batchSettlementAbi, functionName: "channelOf", args: [requester, operator] });
    const pending = ch.pendingWithdrawal < ch.balance ? ch.pendingWithdrawal : ch.balance;
    c.chain = { paid: ch.paid, available: ch.balance - pending, readAt: Date.now() };
    return c.chain;
  }

  const refuse = (reply: FastifyReply, status: number, error: string, message: string, extra: Record<string, unknown> = {}) =>
    reply.code(status).send({ error, message, ...extra });

  async function acceptVoucher(requester: Address, c: Channel, amount: bigint, signature: Hex): Promise<string | undefined> {
    if (c.voucher && amount <= c.voucher.cumulativeAmount) return undefined; // nothing new: the credit stands
    let signerOf: Address;
    try {
      signerOf = await recoverVoucherSigner(domainSeparator, { requester, operator, cumulativeAmount: amount }, signature);
    } catch (e) {
      return (e as Error).message;
    }
    if (signerOf !== requester) return `the voucher is signed by ${signerOf}, not the requester ${requester}`;
    let chain = await chainChannel(requester, c);
    if (amount - chain.paid > chain.available) chain = await chainChannel(requester, c, true);
    if (amount < chain.paid) return `the voucher's ${amount} is below what the channel already paid (${chain.paid})`;
    if (amount - chain.paid > chain.available) {
      return `the voucher would take ${amount - chain.paid} wei, over the deposit's ${chain.available} (deposit more)`;
    }
    const v = { requester, cumulativeAmount: amount, signature };
    await journal!.voucher(v);
    if (!c.voucher || amount > c.voucher.cumulativeAmount) c.voucher = v;
    return undefined;
  }

  function buildApp(): FastifyInstance {
    // Strict JSON: no coercion ("1" is not 1) and unknown fields refused, not dropped.
    const f = Fastify({ bodyLimit: MAX_BODY_BYTES, logger: false, ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } } });
    f.setErrorHandler((err, _req, reply) => {
      const e = err as { validation?: unknown; statusCode?: number; message: string; code?: string };
      if (e.validation || (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500)) {
        return refuse(reply, e.statusCode ?? 400, "invalid-request", e.message);
      }
      return refuse(reply, 500, "internal", e.message.split("\n")[0]!);
    });
    f.setNotFoundHandler((req, reply) => refuse(reply, 404, "not-found", `no route ${req.method} ${req.url}`));
    // Any origin: browser dApps call it, and explorers read receipts and batch documents. Nothing here rides on
    // cookies or origin: every call is paid by a voucher its requester signed.
    void f.register(cors, { origin: "*", methods: ["GET", "POST"], allowedHeaders: ["content-type"], maxAge: 86_400 });

    f.get("/v1/info", async () => ({
      operator,
      signer: signer!.address,
      chainId,
      hub,
      batchSettlement: settlement,
      models: options.models.map((m) => ({ modelId: m.modelId, version: m.version, price: m.price.toString() })),
      nextSequence: nextSequence.toString(),
    }));

    f.get<{ Params: { requester: string } }>(
      "/v1/channels/:requester",
      { schema: { params: params("requester", ADDRESS) } },
      async (req) => {
        const c = channelOf(getAddress(req.params.requester));
        return {
          requester: getAddress(req.params.requester),
          operator,
          voucher: c.voucher ? { cumulativeAmount: c.voucher.cumulativeAmount.toString(), signature: c.voucher.signature } : null,
          spent: c.spent.toString(),
        };
      },
    );

    f.post<{
      Body: { requestId: Hex; requester: string; modelId: Hex; version: number; input: Hex; voucher?: { cumulativeAmount: string; signature: Hex } };
    }>(
      "/v1/infer",
      {
        schema: { body: INFER_BODY },
      },
      async (req, reply) => {
        if (stopping) return refuse(reply, 503, "stopping", "the server is stopping");
        const body = req.body;
        const requester = getAddress(body.requester);
        const modelId = body.modelId.toLowerCase() as Hex;
        const price = prices.get(`${modelId}/${body.version}`);
        if (price === undefined) return refuse(reply, 404, "unknown-model", `this server does not serve model ${modelId} version ${body.version}`);
        const c = channelOf(requester);
        if (body.voucher) {
          const problem = await acceptVoucher(requester, c, BigInt(body.voucher.cumulativeAmount), body.voucher.signature.toLowerCase() as Hex);
          if (problem) return refuse(reply, 402, "voucher-refused", problem);
        }
        const needed = c.spent + price;
        const credit = c.voucher?.cumulativeAmount ?? 0n;
        if (needed > credit) {
          return refuse(reply, 402, "payment-required", `this call costs ${price} wei: send a voucher for a cumulative ${needed} (you have signed for ${credit})`, {
            price: price.toString(),
            needed: needed.toString(),
          });
        }
        c.spent = needed; // reserved before any await: concurrent calls cannot spend one credit twice
        let run;
        try {
          run = await exec.runInline(modelId, body.version, body.input.toLowerCase() as Hex, hasher!.hash);
        } catch (e) {
          c.spent -= price;
          const err = toVerityError(e) as Error;
          if (err.name === "ModelInputError" || err.name === "TensorEncodingError") {
            return refuse(reply, 422, "invalid-input", (err as { shortMessage?: string }).shortMessage ?? err.message);
          }
          throw err;
        }
        const receipt: Receipt = {
          requestId: body.requestId.toLowerCase() as Hex,
          requester,
          operator,
          modelId,
          version: body.version,
          inputHash: hasher!.hash(body.input),
          outputHash: run.outputHash,
          price,
          sequence: nextSequence++,
          time: BigInt(Math.floor(Date.now() / 1000)),
        };
        const signature = await signer!.sign!({ hash: hasher!.digest(receipt) });
        await journal!.receipt(receipt, signature);
        receipts.set(receipt.sequence, { receipt, signature, leaf: hasher!.leaf(receipt) });
        advanceDurable();
        oldestPendingAt ??= Date.now();
        if (pendingCount() >= maxReceipts) void flush();
        return { output: run.outputBytes, receipt: receiptToJson(receipt), signature, spent: c.spent.toString() };
      },
    );

    f.get<{ Params: { sequence: string } }>(
      "/v1/receipts/:sequence",
      { schema: { params: params("sequence", SEQUENCE) } },
      async (req, reply) => {
        const seq = BigInt(req.params.sequence);
        const live = receipts.get(seq);
        const found = live ? { entry: live, batch: undefined } : settledReceipt(seq);
        if (!found) return refuse(reply, 404, "unknown-receipt", `no receipt ${seq} here`);
        const { entry, batch } = found;
        return {
          receipt: receiptToJson(entry.receipt),
          signature: entry.signature,
          batch: batch ? { firstSequence: batch.firstSequence.toString(), count: batch.count.toString(), root: batch.root, uri: batch.uri } : null,
        };
      },
    );

    f.get<{ Params: { first: string } }>(
      "/v1/batches/:first",
      { schema: { params: params("first", SEQUENCE) } },
      async (req, reply) => {
        try {
          const text = readFileSync(documentFile(BigInt(req.params.first)), "utf8");
          return reply.type("application/json").send(text);
        } catch {
          return refuse(reply, 404, "unknown-batch", `no batch starts at ${req.params.first}`);
        }
      },
    );
    return f;
  }

  const documentFile = (first: bigint) => path.join(options.batchesDir, `${first}.json`);

  /** The last sequence up to which every receipt is durable (no gap), advanced as receipts land. */
  let durableThrough = 0n;
  const advanceDurable = () => {
    while (receipts.has(durableThrough + 1n)) durableThrough++;
  };
  /** Durable receipts from `nextToBatch` on, without a gap. */
  function pendingCount(): number {
    return durableThrough >= nextToBatch ? Number(durableThrough - nextToBatch + 1n) : 0;
  }

  async function readBond() {
    return readContract(publicClient, { address: settlement, abi: batchSettlementAbi, functionName: "bondOf", args: [operator] });
  }

  /** A settled (or, with `settle: false`, published) batch's receipts leave memory: its document holds them. */
  function forget(p: PreparedBatch): void {
    for (let s = p.firstSequence; s < p.firstSequence + p.count; s++) receipts.delete(s);
    prepared.delete(p.firstSequence);
  }

  let lastDocument: { first: bigint; receipts: { receipt: unknown; signature: Hex }[] } | undefined;
  /** A receipt of a settled batch, read back from the batch's document. */
  function settledReceipt(seq: bigint): { entry: Entry; batch: (typeof settledBatches)[number] } | undefined {
    const batch = settledBatches.find((b) => b.firstSequence <= seq && seq < b.firstSequence + b.count);
    if (!batch) return undefined;
    try {
      // The last document read is kept: receipts are mostly asked for in runs of one batch (an auditor's sweep).
      if (lastDocument?.first !== batch.firstSequence) {
        const text = readFileSync(documentFile(batch.firstSequence), "utf8");
        lastDocument = { first: batch.firstSequence, receipts: (JSON.parse(text) as { receipts: { receipt: unknown; signature: Hex }[] }).receipts };
      }
      const e = lastDocument.receipts[Number(seq - batch.firstSequence)];
      return e ? { entry: { receipt: receiptFromJson(e.receipt), signature: e.signature }, batch } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Prepares (or re-uses) the batch starting at `first`: tree, signed root, document on disk, journal record. */
  async function prepare(first: bigint): Promise<PreparedBatch | undefined> {
    const again = prepared.get(first);
    if (again) return again;
    const entries: Entry[] = [];
    for (let s = first; entries.length < maxReceipts && receipts.has(s); s++) entries.push(receipts.get(s)!);
    if (entries.length === 0) return undefined;
    const tree = receiptTree(
      entries.map((e) => e.receipt),
      entries.map((e) => (e.leaf ??= hasher!.leaf(e.receipt))),
      hasher!.nodeHash,
    );
    const uri = `${url}/v1/batches/${first}`;
    const root: BatchRoot = { operator, firstSequence: first, count: BigInt(entries.length), root: tree.root as Hex, uri };
    const signature = await signer!.signTypedData(batchRootTypedData(batchDomain(chainId, settlement), root));
    const doc: BatchDocument = {
      format: BATCH_DOCUMENT_FORMAT,
      chainId,
      batchSettlement: settlement,
      operator,
      firstSequence: first,
      root: root.root,
      signer: signer!.address,
      signature,
      receipts: entries,
    };
    mkdirSync(options.batchesDir, { recursive: true });
    const tmp = `${documentFile(first)}.${process.pid}.tmp`;
    writeFileSync(tmp, encodeBatchDocument(doc));
    renameSync(tmp, documentFile(first));
    const p: PreparedBatch = { firstSequence: first, count: root.count, root: root.root, uri, signature, signer: signer!.address };
    await journal!.batch(p);
    prepared.set(first, p);
    log({ type: "batch-prepared", firstSequence: first, count: p.count, root: p.root, uri });
    return p;
  }

  /** Settles every full or aged batch of pending receipts, then claims the vouchers that pay more than was paid. */
  async function settlePending(force: boolean): Promise<void> {
    for (;;) {
      const count = pendingCount();
      if (count === 0) break;
      const aged = oldestPendingAt !== undefined && Date.now() - oldestPendingAt >= maxAgeMs;
      if (!force && count < maxReceipts && !aged) break;
      const first = nextToBatch;
      const p = await prepare(first);
      if (!p) break;
      if (options.settle === false) {
        nextToBatch = first + p.count;
        settledBatches.push(p);
        forget(p);
        continue;
      }
      try {
        const txHash = await settleBatch(walletClient, {
          batchSettlement: settlement,
          batch: { operator, firstSequence: p.firstSequence, count: p.count, root: p.root, uri: p.uri },
          signature: p.signature,
          account: operatorAccount!,
          chain: walletClient.chain ?? null,
        });
        const r = await waitForTransactionReceipt(publicClient, { hash: txHash });
        if (r.status !== "success") throw new Error(`settleBatch ${txHash} reverted`);
        log({ type: "batch-settled", firstSequence: first, count: p.count, root: p.root, txHash, gasUsed: r.gasUsed });
      } catch (e) {
        // Settled already (a crash after sending)? The chain's next sequence says; else report and retry later.
        const bond = await readBond().catch(() => undefined);
        if (!bond || bond.nextSequence <= first) {
          log({ type: "batch-settle-failed", firstSequence: first, error: toVerityError(e) as Error });
          return;
        }
      }
      settledBatches.push(p);
      forget(p);
      nextToBatch = first + p.count;
      oldestPendingAt = pendingCount() > 0 ? Date.now() : undefined;
    }
    if (options.settle !== false) await claimAll();
  }

  async function claimAll(): Promise<void> {
    for (const c of channels.values()) {
      const v = c.voucher;
      if (!v) continue;
      const chain = await chainChannel(v.requester, c, true).catch(() => undefined);
      if (!chain || v.cumulativeAmount <= chain.paid) continue;
      try {
        const txHash = await claimVoucher(walletClient, {
          batchSettlement: settlement,
          voucher: { requester: v.requester, operator, cumulativeAmount: v.cumulativeAmount },
          signature: v.signature,
          account: operatorAccount!,
          chain: walletClient.chain ?? null,
        });
        const r = await waitForTransactionReceipt(publicClient, { hash: txHash });
        if (r.status !== "success") throw new Error(`claim ${txHash} reverted`);
        c.chain = undefined;
        log({ type: "voucher-claimed", requester: v.requester, cumulativeAmount: v.cumulativeAmount, txHash });
      } catch (e) {
        log({ type: "voucher-claim-failed", requester: v.requester, error: toVerityError(e) as Error });
      }
    }
  }

  /** Settles what is pending now (whatever its count or age), after any flush in progress. */
  function flush(force = false): Promise<void> {
    flushing = flushing.then(() => settlePending(force)).catch(() => undefined);
    return flushing;
  }

  return {
    /**
     * Opens the journal, reads the chain, loads the models and listens. Resolves with the URL. With `listen: false`
     * it serves nothing (no model, no port): it only settles what the journal holds (`flush`, `stop`), with batch
     * URIs under `publicUrl`, which is then required (where `serve` will publish the documents).
     */
    async start({ listen = true }: { listen?: boolean } = {}): Promise<{ url: string }> {
      if (listen && options.models.length === 0) {
        throw new OperatorConfigError("the batch server serves no model: give at least one { modelId, version, price }");
      }
      if (!listen && !options.publicUrl) {
        throw new OperatorConfigError("settling without serving needs publicUrl: the address where the batch documents will be served");
      }
      settlement =
        options.batchSettlement ??
        (await readContract(publicClient, {
          address: await readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "operatorRegistry" }),
          abi: operatorRegistryAbi,
          functionName: "batchSettlement",
        }));
      chainId = await publicClient.getChainId();
      domainSeparator = batchDomainSeparator(chainId, settlement);
      hasher = await createReceiptHasher(domainSeparator);
      journal = await openJournal(options.journalFile);
      for (const e of journal.state.receipts) {
        receipts.set(e.receipt.sequence, e);
        if (e.receipt.sequence > durableThrough) durableThrough = e.receipt.sequence;
        channelOf(e.receipt.requester).spent += e.receipt.price;
        if (e.receipt.sequence >= nextSequence) nextSequence = e.receipt.sequence + 1n;
      }
      for (const v of journal.state.vouchers.values()) channelOf(v.requester).voucher = v;
      for (const x of journal.state.spentBefore.values()) channelOf(x.requester).spent += x.spent;
      for (const b of journal.state.batches) prepared.set(b.firstSequence, b);
      const bond = await readBond();
      nextToBatch = bond.nextSequence === 0n ? 1n : bond.nextSequence;
      // What the chain settled lives on in the batch documents: the journal and memory keep the rest.
      await journal.compact(nextToBatch - 1n);
      for (const s of [...receipts.keys()]) if (s < nextToBatch) receipts.delete(s);
      if (nextToBatch > nextSequence) nextSequence = nextToBatch; // the chain is past the journal: never reuse a number
      if (durableThrough < nextToBatch - 1n) durableThrough = nextToBatch - 1n;
      for (const b of [...prepared.values()].sort((a, b) => Number(a.firstSequence - b.firstSequence))) {
        if (b.firstSequence < nextToBatch) {
          settledBatches.push(b);
          prepared.delete(b.firstSequence);
        }
      }
      if (pendingCount() > 0) oldestPendingAt = Date.now();
      if (!listen) {
        url = options.publicUrl!.replace(/\/$/, "");
        return { url };
      }
      for (const m of options.models) await models.session(m.modelId, m.version);
      app = buildApp();
      const host = options.host ?? "127.0.0.1";
      const address = await app.listen({ host, port: options.port ?? 8787 });
      url = (options.publicUrl ?? address).replace(/\/$/, "");
      timer = setInterval(() => {
        if (oldestPendingAt !== undefined && Date.now() - oldestPendingAt >= maxAgeMs) void flush();
      }, Math.min(maxAgeMs, 1_000));
      log({ type: "http-listening", url, operator, signer: signer!.address, nextSequence });
      return { url };
    },
    /** Settles everything pending now (any count, any age) and claims. */
    flush: () => flush(true),
    /** Stops listening, settles what is pending (unless `settle: false`), closes the journal and the models. */
    async stop({ settle = true }: { settle?: boolean } = {}): Promise<void> {
      stopping = true;
      if (timer) clearInterval(timer);
      await app?.close();
      if (settle) await flush(true);
      await flushing;
      await journal?.close();
      await exec.release();
    },
    stats: () => ({
      url,
      operator,
      signer: signer!.address,
      nextSequence,
      pending: pendingCount(),
      settledThrough: nextToBatch - 1n,
    }),
  };
}

export type BatchServer = ReturnType<typeof createBatchServer>;
