import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { readContract } from "viem/actions";
import type { Address, Hex } from "viem";
import { operatorRegistryAbi } from "../abis.js";
import { bondBatch } from "../actions/bondBatch.js";
import { depositBatch } from "../actions/depositBatch.js";
import { getChannel } from "../actions/getChannel.js";
import { infer } from "../actions/infer.js";
import { requestBatchWithdrawal } from "../actions/requestBatchWithdrawal.js";
import { verifyReceipt } from "../actions/verifyReceipt.js";
import { withdrawBatch } from "../actions/withdrawBatch.js";
import type { Tensor } from "../encoding/tensor.js";
import { withVerityErrors } from "../errors/decode.js";
import { receiptFromJson, receiptToJson } from "../proofs/batch.js";
import type { BatchServerEvent, BatchServerOptions } from "../operator/batch/server.js";
import type { Action } from "./action.js";
import type { CliContext } from "./context.js";
import { CliError, EXIT } from "./errors.js";
import { formatAmount, formatTensor, toJson } from "./format.js";
import { parseAddress, parseAmount, parseBytes32, parseDuration, parseHexBytes, parseInteger, parseVersion } from "./parse.js";
import { ENCLAVE_KEY, keyFileHelp, resolveKey } from "./secrets.js";
import { collectList, parseServed, shortError, untilAborted } from "./serve.js";
import { inputFromFiles } from "./tensorFiles.js";

/**
 * The BATCH mode on the command line: `verity serve` runs the operator's HTTP server (receipts, batches, claims);
 * `verity batch deposit|bond|infer|verify|channel|withdraw` for requesters, operators and auditors.
 */

type ServeOptions = {
  model: string[];
  price: string;
  enclaveKey?: string;
  enclaveKeyFile?: string;
  host?: string;
  port?: string;
  publicUrl?: string;
  journal?: string;
  batchesDir?: string;
  batchSize?: string;
  batchAge?: string;
  settle?: boolean;
  modelDir?: string;
  threads?: string;
};

export function registerServe(program: Command, action: Action): void {
  program
    .command("serve")
    .description("BATCH: serve inference over HTTP with a signed receipt per call, paid by vouchers, settled in batches (Ctrl-C settles what is pending and stops)")
    .requiredOption("--model <id:version>", "a model version to sell, <modelId>:<version> (repeatable or comma-separated)", collectList)
    .requiredOption("--price <amount>", "price per call, whole units of the native currency (0.0001) or base units (1000wei)")
    .option("--enclave-key-file <path>", `sign receipts and roots with this enclave key (registered to the operator), ${keyFileHelp(ENCLAVE_KEY)}; default: the operator's key`)
    .option("--enclave-key <hex>", "the enclave key itself (shown by `ps`: prefer --enclave-key-file)")
    .option("--host <host>", "listen address (default 127.0.0.1)")
    .option("--port <n>", "port (default 8787; 0 picks a free one)")
    .option("--public-url <url>", "the URL requesters reach this server at, used in batch URIs (default http://host:port)")
    .option("--journal <file>", "the receipt journal (default .verity/receipts-<chainId>.jsonl)")
    .option("--batches-dir <dir>", "where batch documents are written (default .verity/batches-<chainId>)")
    .option("--batch-size <n>", "settle a batch at this many receipts (default 1000)")
    .option("--batch-age <duration>", "settle a batch when its oldest receipt is this old (default 60s)")
    .option("--no-settle", "publish batches but send no settlement or claim")
    .option("--model-dir <dir>", "base folder of relative file: model URIs (default: the working directory)")
    .option("--threads <n>", "ONNX Runtime threads (1..256)")
    .action(action(serve));
}

export function registerBatch(program: Command, action: Action): void {
  const batch = program.command("batch").description("BATCH mode: deposits, bonds, HTTP inference, receipt verification");
  batch
    .command("deposit")
    .description("deposit for an operator's HTTP calls (a channel per requester and operator; vouchers draw on it)")
    .argument("<operator>", "the operator")
    .argument("<amount>", "amount of the native currency")
    .action(action(deposit));
  batch
    .command("bond")
    .description("lock more of the key's stake behind its batch receipts (settling needs the contract's minimum bond)")
    .argument("<amount>", "amount of the staking currency")
    .action(action(bond));
  batch
    .command("channel")
    .description("the key's channel with an operator: balance, paid, pending withdrawal")
    .argument("<operator>", "the operator")
    .option("--requester <address>", "another requester's channel")
    .action(action(channel));
  batch
    .command("withdraw")
    .description("ask to withdraw from a channel (--amount), or withdraw what was asked once the delay has passed")
    .argument("<operator>", "the operator")
    .option("--amount <amount>", "ask to withdraw this much (the contract's delay starts)")
    .action(action(withdrawCommand));
  batch
    .command("infer")
    .description("run a model version on an operator's HTTP server, paying by voucher; the receipt is checked at once (--out saves it for `batch verify`)")
    .argument("<modelId>", "the model id")
    .requiredOption("--version <n>", "the version")
    .requiredOption("--url <url>", "the operator's server (verity serve)")
    .option("--tensor <hex>", "the input as canonical tensor bytes")
    .option("--input-file <[name=]path>", "the input from a .npy or JSON tensor file, one per named input (repeatable)", (v: string, p: string[] = []) => [...p, v])
    .option("--max-price <amount>", "refuse a price above this")
    .option("--out <file>", "write the receipt and its signature (JSON) here")
    .action(action(inferCommand));
  batch
    .command("settle")
    .description("settle what a stopped server's journal holds and claim the latest vouchers (refused while `verity serve` runs on the journal)")
    .option("--journal <file>", "the server's receipt journal (default .verity/receipts-<chainId>.jsonl)")
    .option("--batches-dir <dir>", "where batch documents are written (default .verity/batches-<chainId>)")
    .option("--public-url <url>", "where `verity serve` publishes them, named in the batch URIs (default http://127.0.0.1:<port>)")
    .option("--port <n>", "the server's port, for the default public URL (default 8787)")
    .option("--enclave-key-file <path>", `sign the batch roots with this enclave key, ${keyFileHelp(ENCLAVE_KEY)}; default: the operator's key`)
    .option("--enclave-key <hex>", "the enclave key itself (shown by `ps`: prefer --enclave-key-file)")
    .action(action(settleCommand));
  batch
    .command("verify")
    .description("re-verify a receipt from chain data: signer, no slash at its sequence, settled batch, published document, inclusion proof (exit 0 valid, 1 invalid, 3 pending)")
    .argument("<receipt.json>", "the receipt and signature (as `batch infer --out` or the server's response writes them)")
    .action(action(verify, (ctx) => (ctx.errorExitCode = EXIT.unverifiable)));
}

async function settlementOf(ctx: CliContext): Promise<Address> {
  const [registry, { publicClient }] = await Promise.all([ctx.operatorRegistry(), ctx.connect()]);
  const address = await withVerityErrors(() => readContract(publicClient, { address: registry, abi: operatorRegistryAbi, functionName: "batchSettlement" }));
  if (/^0x0{40}$/.test(address)) throw new CliError("this deployment has no BatchSettlement (the operator registry names none): redeploy with `verity deploy`.");
  return address;
}

/**
 * The batch server for `serve` and `batch settle`: the wallet, hub, settlement contract and chain of the context,
 * the enclave key given (signing in libsecp256k1) or the operator's own, the journal and documents under .verity/
 * unless named; `rest` adds the command's own options.
 */
async function batchServer(
  ctx: CliContext,
  o: Pick<ServeOptions, "enclaveKey" | "enclaveKeyFile" | "journal" | "batchesDir">,
  rest: Omit<BatchServerOptions, "publicClient" | "walletClient" | "hub" | "batchSettlement" | "signer" | "journalFile" | "batchesDir">,
) {
  const given = resolveKey(ENCLAVE_KEY, { flagValue: o.enclaveKey, fileValue: o.enclaveKeyFile, env: ctx.env, cwd: ctx.cwd });
  const [walletClient, hub, { publicClient, chainId }] = await Promise.all([ctx.wallet(), ctx.hub(), ctx.connect()]);
  const batchSettlement = await settlementOf(ctx);
  const [{ createBatchServer }, { signingAccount }] = await Promise.all([import("../operator/batch/server.js"), import("../operator/signing.js")]);
  return createBatchServer({
    publicClient,
    walletClient,
    hub,
    batchSettlement,
    signer: given === undefined ? undefined : signingAccount(given.key),
    journalFile: ctx.resolvePath(o.journal ?? `.verity/receipts-${chainId}.jsonl`),
    batchesDir: ctx.resolvePath(o.batchesDir ?? `.verity/batches-${chainId}`),
    ...rest,
  });
}

async function serve(ctx: CliContext, _args: string[], o: ServeOptions): Promise<void> {
  const served = o.model.map(parseServed);
  const price = parseAmount(o.price, 18, "--price");
  const port = o.port === undefined ? 8787 : parseInteger(o.port, "--port", { min: 0, max: 65535 });
  const maxReceipts = o.batchSize === undefined ? undefined : parseInteger(o.batchSize, "--batch-size", { min: 1, max: 2 ** 20 });
  const maxAgeMs = o.batchAge === undefined ? undefined : Number(parseDuration(o.batchAge, "--batch-age", { plainSeconds: true })) * 1000;
  const server = await batchServer(ctx, o, {
    models: served.map((s) => ({ ...s, price })),
    host: o.host,
    port,
    publicUrl: o.publicUrl,
    batch: { maxReceipts, maxAgeMs },
    settle: o.settle,
    modelDir: o.modelDir === undefined ? ctx.cwd : ctx.resolvePath(o.modelDir),
    runtime: { intraOpNumThreads: o.threads === undefined ? undefined : parseInteger(o.threads, "--threads", { min: 1, max: 256 }) },
    logger: batchLogger(ctx),
  });
  await server.start();
  if (!ctx.json) ctx.note("serving; press Ctrl-C to settle what is pending and stop");
  await untilAborted(ctx.io.signal);
  ctx.note("stopping: settling what is pending...");
  await server.stop();
}

/** Prints the batch server's events (one JSON line each under --json). */
function batchLogger(ctx: CliContext): (e: BatchServerEvent) => void {
  return (e) => {
    if (ctx.json) return ctx.out(toJson(e, { compact: true }));
    switch (e.type) {
      case "http-listening":
        return ctx.out(`serving on ${e.url}: operator ${e.operator}, receipts signed by ${e.signer}, next receipt ${e.nextSequence}`);
      case "batch-prepared":
        return ctx.out(`batch ${e.firstSequence}..${e.firstSequence + e.count - 1n} prepared: root ${e.root}, published at ${e.uri}`);
      case "batch-settled":
        return ctx.out(`batch ${e.firstSequence}..${e.firstSequence + e.count - 1n} settled (tx ${e.txHash}, ${e.gasUsed} gas)`);
      case "batch-settle-failed":
        return ctx.out(`warning: batch from ${e.firstSequence} not settled (will retry): ${shortError(e.error)}`);
      case "voucher-claimed":
        return ctx.out(`claimed ${e.requester}'s voucher for a cumulative ${e.cumulativeAmount} wei (tx ${e.txHash})`);
      case "voucher-claim-failed":
        return ctx.out(`warning: could not claim ${e.requester}'s voucher: ${shortError(e.error)}`);
    }
  };
}

type SettleOptions = Pick<ServeOptions, "enclaveKey" | "enclaveKeyFile" | "port" | "publicUrl" | "journal" | "batchesDir">;

/**
 * Settles what a stopped server's journal holds (receipts signed but not yet settled), as its Ctrl-C would have:
 * batches of at most the server's default size, documents written for `serve` to publish at `--public-url`, then
 * the latest voucher of each requester claimed. Refused while a server holds the journal.
 */
async function settleCommand(ctx: CliContext, _args: string[], o: SettleOptions): Promise<void> {
  const port = o.port === undefined ? 8787 : parseInteger(o.port, "--port", { min: 1, max: 65535 });
  const events: BatchServerEvent[] = [];
  const print = batchLogger(ctx);
  const server = await batchServer(ctx, o, {
    models: [],
    publicUrl: o.publicUrl ?? `http://127.0.0.1:${port}`,
    logger: (e) => {
      events.push(e);
      print(e);
    },
  });
  const { url } = await server.start({ listen: false });
  const pending = server.stats().pending;
  if (!ctx.json && pending > 0) ctx.note(`settling ${pending} receipt(s) from the journal; their documents go under ${url}/v1/batches/`);
  await server.stop();
  const failed = events.filter((e) => e.type === "batch-settle-failed" || e.type === "voucher-claim-failed");
  if (failed.length > 0) throw new CliError(`${failed.length} settlement or claim transaction(s) failed (above); the journal keeps everything: run \`verity batch settle\` again`);
  const settled = events.filter((e) => e.type === "batch-settled");
  const { settledThrough, nextSequence } = server.stats();
  ctx.result(
    { settled: settled.map((e) => ({ firstSequence: e.firstSequence, count: e.count, txHash: e.txHash })), settledThrough, nextSequence },
    () => (settled.length === 0 ? `nothing to settle: receipts 1..${settledThrough} are settled` : `settled ${settled.length} batch(es); receipts 1..${settledThrough} are settled`),
  );
}

async function deposit(ctx: CliContext, [rawOperator, rawAmount]: string[]): Promise<void> {
  const operator = parseAddress(rawOperator!, "operator");
  const amount = parseAmount(rawAmount!, 18, "amount");
  const [wallet, batchSettlement] = await Promise.all([ctx.wallet(), settlementOf(ctx)]);
  const hash = await depositBatch(wallet, { batchSettlement, operator, amount });
  await ctx.confirm(hash, "deposit");
  const { publicClient } = await ctx.connect();
  const c = await getChannel(publicClient, { batchSettlement, requester: wallet.account.address, operator });
  const currency = await ctx.currency("0x0000000000000000000000000000000000000000");
  ctx.result({ operator, amount, balance: c.balance, transactionHash: hash }, () => `deposited ${formatAmount(amount, currency)} for operator ${operator}: the channel holds ${formatAmount(c.balance, currency)}`);
}

async function bond(ctx: CliContext, [rawAmount]: string[]): Promise<void> {
  const amount = parseAmount(rawAmount!, 18, "amount");
  const [wallet, batchSettlement] = await Promise.all([ctx.wallet(), settlementOf(ctx)]);
  const hash = await bondBatch(wallet, { batchSettlement, amount });
  await ctx.confirm(hash, "bond");
  ctx.result({ amount, transactionHash: hash }, () => `bonded ${amount} wei of stake behind ${wallet.account.address}'s batch receipts`);
}

async function channel(ctx: CliContext, [rawOperator]: string[], o: { requester?: string }): Promise<void> {
  const operator = parseAddress(rawOperator!, "operator");
  const [batchSettlement, { publicClient }] = await Promise.all([settlementOf(ctx), ctx.connect()]);
  const requester = o.requester === undefined ? ctx.account().address : parseAddress(o.requester, "--requester");
  const c = await getChannel(publicClient, { batchSettlement, requester, operator });
  const currency = await ctx.currency("0x0000000000000000000000000000000000000000");
  ctx.result({ requester, operator, ...c }, () =>
    [
      `channel of ${requester} with operator ${operator}:`,
      `  balance   ${formatAmount(c.balance, currency)}`,
      `  paid      ${formatAmount(c.paid, currency)} (the latest voucher claimed)`,
      `  pending   ${c.pendingWithdrawal === 0n ? "no withdrawal" : `${formatAmount(c.pendingWithdrawal, currency)} asked, unlocks at ${new Date(Number(c.unlockAt) * 1000).toISOString()}`}`,
    ].join("\n"),
  );
}

async function withdrawCommand(ctx: CliContext, [rawOperator]: string[], o: { amount?: string }): Promise<void> {
  const operator = parseAddress(rawOperator!, "operator");
  const [wallet, batchSettlement] = await Promise.all([ctx.wallet(), settlementOf(ctx)]);
  if (o.amount !== undefined) {
    const amount = parseAmount(o.amount, 18, "--amount");
    const hash = await requestBatchWithdrawal(wallet, { batchSettlement, operator, amount });
    await ctx.confirm(hash, "requestWithdrawal");
    ctx.result({ operator, requested: amount, transactionHash: hash }, () => `asked to withdraw ${amount} wei from the channel with ${operator}; run this again without --amount once the delay has passed`);
    return;
  }
  const hash = await withdrawBatch(wallet, { batchSettlement, operator });
  await ctx.confirm(hash, "withdraw");
  ctx.result({ operator, transactionHash: hash }, () => `withdrew the pending amount from the channel with ${operator} (tx ${hash})`);
}

async function inferCommand(
  ctx: CliContext,
  [rawId]: string[],
  o: { version: string; url: string; tensor?: string; inputFile?: string[]; maxPrice?: string; out?: string },
): Promise<void> {
  const modelId = parseBytes32(rawId!, "model id");
  const version = parseVersion(o.version);
  if ((o.tensor === undefined) === (o.inputFile === undefined)) throw new CliError("give the input with exactly one of --tensor <hex> or --input-file <[name=]path>.");
  const input: Tensor | Hex | { tensors: Record<string, Tensor> } =
    o.tensor !== undefined ? parseHexBytes(o.tensor, "--tensor") : inputFromFiles(o.inputFile!, (p) => ctx.resolvePath(p));
  const maxPrice = o.maxPrice === undefined ? undefined : parseAmount(o.maxPrice, 18, "--max-price");
  const [wallet, hub, batchSettlement] = await Promise.all([ctx.wallet(), ctx.hub(), settlementOf(ctx)]);
  const r = await infer(wallet, { url: o.url, hub, batchSettlement, modelId, version, input, maxPrice });
  const saved = { receipt: receiptToJson(r.receipt), signature: r.signature };
  if (o.out !== undefined) writeFileSync(ctx.resolvePath(o.out), `${JSON.stringify(saved, null, 2)}\n`);
  const outputs = r.outputs.tensor ? { output: r.outputs.tensor } : r.outputs.tensors!;
  ctx.result({ outputs, ...saved, signer: r.signer, spent: r.spent }, () =>
    [
      ...Object.entries(outputs).map(([name, t]) => `${name}: ${formatTensor(t)}`),
      `receipt ${r.receipt.sequence} signed by ${r.signer} (checked), price ${r.receipt.price} wei; spent with this operator: ${r.spent} wei`,
      ...(o.out ? [`receipt written to ${o.out}: \`verity batch verify ${o.out}\` once its batch is settled`] : []),
    ].join("\n"),
  );
}

async function verify(ctx: CliContext, [file]: string[]): Promise<void> {
  let parsed: { receipt?: unknown; signature?: unknown };
  try {
    parsed = JSON.parse(readFileSync(ctx.resolvePath(file!), "utf8")) as typeof parsed;
  } catch (e) {
    throw new CliError(`${file} is not a JSON receipt file: ${(e as Error).message}`);
  }
  if (typeof parsed.signature !== "string") throw new CliError(`${file} has no "signature".`);
  const receipt = receiptFromJson(parsed.receipt);
  const [batchSettlement, { publicClient }, fromBlock] = await Promise.all([settlementOf(ctx), ctx.connect(), ctx.fromBlock()]);
  const report = await verifyReceipt(publicClient, { batchSettlement, receipt, signature: parsed.signature as Hex, fromBlock });
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const text = { valid: "VALID: signed by the operator's key and included in a settled batch", invalid: "INVALID: a check failed", pending: "PENDING: not settled yet" }[report.verdict];
  ctx.result(report, () =>
    [
      `receipt ${receipt.sequence} of operator ${receipt.operator}: ${text}`,
      ...report.checks.map((c) => `  ${c.skipped ? "skip" : c.ok ? "ok  " : "FAIL"}  ${c.name.padEnd(width)}  ${c.detail}`),
    ].join("\n"),
  );
  ctx.exitCode = report.verdict === "valid" ? EXIT.ok : report.verdict === "pending" ? EXIT.pending : EXIT.failure;
}
