import { type Address, type Hex, bytesToHex, getAddress, isHex, keccak256 } from "viem";
import { getChainId, readContract, signTypedData } from "viem/actions";
import { enclaveRegistryAbi, inferenceHubAbi } from "../abis.js";
import type { IoSignature } from "../encoding/ioSignature.js";
import { type TensorData as DecodedTensors, decodeTensorData } from "../encoding/tensorSet.js";
import { InferenceHttpError, InsufficientDepositError, InvalidReceiptError } from "../errors/batch.js";
import { withVerityErrors } from "../errors/decode.js";
import { accountAddress, writeOptions } from "../internal/client.js";
import { type TensorData, normalizeTensorData } from "../internal/data.js";
import { readIoSignature } from "../internal/ioSignature.js";
import { checkFields, checkWriteParameters } from "../internal/parameters.js";
import { expectBigint, expectHttpUrl, expectNumber, expectParameters } from "../internal/validate.js";
import {
  type Receipt,
  batchDomain,
  batchDomainSeparator,
  receiptFromJson,
  recoverReceiptSigner,
  recoverVoucherSigner,
  voucherTypedData,
} from "../proofs/batch.js";
import type { VerityClient, WriteParameters } from "../types.js";
import { checkInputBytes } from "./requestInference.js";
import { getChannel } from "./getChannel.js";

export type InferParameters = Omit<WriteParameters, "chain"> & {
  /** The operator's HTTP server (`verity serve`), e.g. "http://127.0.0.1:8787". */
  url: string;
  /** The hub (the model registry the input is checked against, and the enclave registry behind it). */
  hub: Address;
  /** The settlement contract the vouchers are for; the server must name the same one. */
  batchSettlement: Address;
  modelId: Hex;
  version: number;
  /** The input: a Tensor, `{ tensors: { name: Tensor } }`, or canonical bytes. */
  input: TensorData;
  /** Refuse a price above this (wei per call; default: any price the server quotes). */
  maxPrice?: bigint | undefined;
  /** How many calls a new voucher pays ahead (default 1: a voucher per call, nothing at risk beyond one call). */
  prepay?: number | undefined;
  /** A request id (32 bytes; default random). */
  requestId?: Hex | undefined;
  /** HTTP timeout in ms (default 30,000). */
  timeoutMs?: number | undefined;
};

export type InferReturnType = {
  /** The outputs' canonical bytes, and decoded: `tensor` for a one-output model, `tensors` by name otherwise. */
  output: Hex;
  outputs: DecodedTensors;
  /** The receipt the operator signed, checked at once (see below), and its signature. */
  receipt: Receipt;
  signature: Hex;
  /** Who signed it: the operator's account or one of its enclave keys. */
  signer: Address;
  /** What the requester's calls to this operator have cost in total, and what its latest voucher covers. */
  spent: bigint;
  credit: bigint;
};
export type InferErrorType = InferenceHttpError | InvalidReceiptError | InsufficientDepositError;

type Session = {
  info: { operator: Address; signer: Address; chainId: number; prices: Map<string, bigint> };
  domainSeparator: Hex;
  credit: bigint;
  spent: bigint;
  lastSequence: bigint;
  /** Whether each signer signs for the operator, and when that was read (re-read after SIGNER_CACHE_MS). */
  signers: Map<string, { ok: boolean; at: number }>;
  signatures: Map<string, IoSignature>;
  enclaveRegistry?: Address;
};

const sessions = new WeakMap<object, Map<string, Session>>();

async function http(url: string, init: RequestInit & { timeoutMs: number }): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs) });
  } catch (e) {
    throw new InferenceHttpError({ url, message: (e as Error).message });
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InferenceHttpError({ url, status: res.status, message: `not JSON: ${text.slice(0, 120)}` });
  }
  if (!res.ok) {
    const b = body as { error?: string; message?: string };
    throw new InferenceHttpError({ url, status: res.status, code: b.error, message: b.message ?? text.slice(0, 200) });
  }
  return body;
}

/**
 * Runs a model version on an operator's HTTP server (the BATCH mode) and checks the answer at once: the receipt is
 * signed by the operator or one of its registered enclave keys, names this request, the requester, the model
 * and version, the input sent and the output received, at the price quoted, with a sequence above the last one
 * seen. Payment: a cumulative voucher signed for the channel's deposit when the credit runs out (`prepay` calls
 * ahead); a voucher the deposit does not cover is refused before it is sent ({@link InsufficientDepositError}).
 * Later, `verifyReceipt` checks the receipt's inclusion in its settled batch from chain data.
 *
 * @example
 * ```ts
 * const { outputs, receipt } = await infer(requesterClient, { url, hub, batchSettlement, modelId, version: 1, input });
 * ```
 */
export async function infer(client: VerityClient, parameters: InferParameters): Promise<InferReturnType> {
  const action = "infer";
  expectParameters(action, client, parameters);
  checkWriteParameters(action, client, { ...parameters, chain: undefined });
  checkFields(action, parameters, { hub: "address", batchSettlement: "address", modelId: "bytes32", version: "version", requestId: "bytes32?" });
  expectHttpUrl(action, "url", parameters.url);
  expectBigint(action, "maxPrice", parameters.maxPrice, { optional: true });
  expectNumber(action, "prepay", parameters.prepay, { optional: true, min: 1, max: 1_000_000 });
  expectNumber(action, "timeoutMs", parameters.timeoutMs, { optional: true, min: 1, max: 600_000 });
  const data = normalizeTensorData(parameters.input, "input");
  if (data.uri !== "") throw new InvalidReceiptError("an HTTP call takes its input inline, not by URI");
  const base = parameters.url.replace(/\/$/, "");
  const timeoutMs = parameters.timeoutMs ?? 30_000;
  const options = writeOptions(client, { ...parameters, chain: null }, action);
  const requester = getAddress(accountAddress(options.account));
  const s = await session(client, parameters, base, requester, timeoutMs);
  const { operator } = s.info;

  const key = `${parameters.modelId.toLowerCase()}/${parameters.version}`;
  const price = s.info.prices.get(key);
  if (price === undefined) throw new InferenceHttpError({ url: base, code: "unknown-model", message: `it does not serve model ${parameters.modelId} version ${parameters.version}` });
  if (parameters.maxPrice !== undefined && price > parameters.maxPrice) {
    throw new InferenceHttpError({ url: base, code: "price", message: `it charges ${price} wei per call, above maxPrice ${parameters.maxPrice}` });
  }
  let signature = s.signatures.get(key);
  if (!signature) {
    signature = await readIoSignature(client, { hub: parameters.hub, modelId: parameters.modelId, version: parameters.version });
    s.signatures.set(key, signature);
  }
  checkInputBytes(signature, data.bytes);

  // Pay ahead when the credit does not cover this call.
  let voucher: { cumulativeAmount: string; signature: Hex } | undefined;
  if (s.spent + price > s.credit) {
    const cumulativeAmount = s.spent + price * BigInt(parameters.prepay ?? 1);
    const channel = await getChannel(client, { batchSettlement: parameters.batchSettlement, requester, operator });
    if (cumulativeAmount - channel.paid > channel.available) {
      throw new InsufficientDepositError({ requester, operator, needed: cumulativeAmount - channel.paid, available: channel.available });
    }
    const signed = await withVerityErrors(() =>
      signTypedData(client, {
        account: options.account,
        ...voucherTypedData(batchDomain(s.info.chainId, parameters.batchSettlement), { requester, operator, cumulativeAmount }),
      }),
    );
    voucher = { cumulativeAmount: cumulativeAmount.toString(), signature: signed };
  }

  const requestId = parameters.requestId ?? bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
  const body = (await http(`${base}/v1/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ requestId, requester, modelId: parameters.modelId, version: parameters.version, input: data.bytes, voucher }),
    timeoutMs,
  })) as { output?: unknown; receipt?: unknown; signature?: unknown; spent?: unknown };
  if (voucher) s.credit = BigInt(voucher.cumulativeAmount);

  // Check the answer at once.
  if (typeof body.output !== "string" || !isHex(body.output, { strict: true })) throw new InvalidReceiptError("the response has no output bytes");
  if (typeof body.signature !== "string" || !isHex(body.signature, { strict: true })) throw new InvalidReceiptError("the response has no receipt signature");
  const output = body.output as Hex;
  const receipt = receiptFromJson(body.receipt);
  const mismatch = (field: string, got: unknown, expected: unknown) => {
    throw new InvalidReceiptError(`its ${field} is ${String(got)}, not ${String(expected)}`);
  };
  if (receipt.requestId !== requestId.toLowerCase()) mismatch("requestId", receipt.requestId, requestId);
  if (receipt.requester !== requester) mismatch("requester", receipt.requester, requester);
  if (receipt.operator !== operator) mismatch("operator", receipt.operator, operator);
  if (receipt.modelId !== parameters.modelId.toLowerCase() || receipt.version !== parameters.version) {
    mismatch("model", `${receipt.modelId} v${receipt.version}`, `${parameters.modelId} v${parameters.version}`);
  }
  if (receipt.inputHash !== data.hash.toLowerCase()) mismatch("inputHash", receipt.inputHash, data.hash);
  if (receipt.outputHash !== keccak256(output)) mismatch("outputHash", receipt.outputHash, `${keccak256(output)} (the output received)`);
  if (receipt.price !== price) mismatch("price", receipt.price, price);
  if (receipt.sequence <= s.lastSequence) mismatch("sequence", receipt.sequence, `above ${s.lastSequence} (the last one seen)`);
  const signer = await recoverReceiptSigner(s.domainSeparator, receipt, body.signature as Hex);
  if (!(await signsFor(client, parameters.hub, s, operator, signer))) {
    throw new InvalidReceiptError(`it is signed by ${signer}, neither the operator ${operator} nor one of its enclave keys that signs now (active, unexpired, of an approved measurement)`);
  }
  const outputs = decodeTensorData(output);
  s.lastSequence = receipt.sequence;
  s.spent += price;
  return { output, outputs, receipt, signature: body.signature as Hex, signer, spent: s.spent, credit: s.credit };
}

/** The session with one server (per client): its info checked, the requester's voucher and spending so far. */
async function session(client: VerityClient, parameters: InferParameters, base: string, requester: Address, timeoutMs: number): Promise<Session> {
  const perClient = sessions.get(client) ?? new Map<string, Session>();
  sessions.set(client, perClient);
  const key = `${base}|${requester}|${parameters.batchSettlement.toLowerCase()}`;
  const known = perClient.get(key);
  if (known) return known;
  const chainId = await withVerityErrors(() => getChainId(client));
  const info = (await http(`${base}/v1/info`, { method: "GET", timeoutMs })) as {
    operator?: string; signer?: string; chainId?: number; batchSettlement?: string; models?: { modelId: string; version: number; price: string }[];
  };
  if (typeof info.operator !== "string" || typeof info.signer !== "string" || typeof info.chainId !== "number" || !Array.isArray(info.models)) {
    throw new InferenceHttpError({ url: base, message: "its /v1/info is not a Verity batch server's" });
  }
  if (info.chainId !== chainId) throw new InferenceHttpError({ url: base, message: `it serves chain ${info.chainId}, not ${chainId}` });
  if (typeof info.batchSettlement !== "string" || info.batchSettlement.toLowerCase() !== parameters.batchSettlement.toLowerCase()) {
    throw new InferenceHttpError({ url: base, message: `it settles at ${info.batchSettlement}, not ${parameters.batchSettlement}` });
  }
  const operator = getAddress(info.operator);
  const domainSeparator = batchDomainSeparator(chainId, parameters.batchSettlement);
  // Resume: the latest voucher the server holds, if this requester signed it, and what its calls cost so far.
  const channel = (await http(`${base}/v1/channels/${requester}`, { method: "GET", timeoutMs })) as {
    voucher?: { cumulativeAmount: string; signature: Hex } | null; spent?: string;
  };
  const onChain = await getChannel(client, { batchSettlement: parameters.batchSettlement, requester, operator });
  let credit = onChain.paid;
  if (channel.voucher) {
    const amount = BigInt(channel.voucher.cumulativeAmount);
    const by = await recoverVoucherSigner(domainSeparator, { requester, operator, cumulativeAmount: amount }, channel.voucher.signature).catch(() => undefined);
    if (by === requester && amount > credit) credit = amount;
  }
  const spent = BigInt(channel.spent ?? "0");
  if (spent > credit) {
    throw new InvalidReceiptError(`the server says this requester's calls cost ${spent} wei, more than it ever signed for (${credit})`);
  }
  const s: Session = {
    info: { operator, signer: getAddress(info.signer), chainId, prices: new Map(info.models.map((m) => [`${m.modelId.toLowerCase()}/${m.version}`, BigInt(m.price)])) },
    domainSeparator,
    credit,
    spent,
    lastSequence: 0n,
    signers: new Map(),
    signatures: new Map(),
  };
  perClient.set(key, s);
  return s;
}

/** How long a signer's standing is trusted before it is read again: a key revoked, expired or of a measurement
 * revoked is refused within this time. */
const SIGNER_CACHE_MS = 30_000;

/**
 * Whether `signer` signs for `operator`: the operator itself, or an enclave key of it that is active, unexpired and
 * of a measurement still approved (the registry's `signingOperator`, the rule batch roots are held to; cached).
 */
async function signsFor(client: VerityClient, hub: Address, s: Session, operator: Address, signer: Address): Promise<boolean> {
  if (signer === operator) return true;
  const cached = s.signers.get(signer);
  if (cached !== undefined && Date.now() - cached.at < SIGNER_CACHE_MS) return cached.ok;
  s.enclaveRegistry ??= await withVerityErrors(() => readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "enclaveRegistry" }));
  const signsNow = await withVerityErrors(() =>
    readContract(client, { address: s.enclaveRegistry!, abi: enclaveRegistryAbi, functionName: "signingOperator", args: [signer] }),
  );
  const ok = getAddress(signsNow) === operator;
  s.signers.set(signer, { ok, at: Date.now() });
  return ok;
}
