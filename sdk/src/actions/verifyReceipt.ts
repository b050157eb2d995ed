import { type Address, type Hex, getAddress } from "viem";
import { getChainId, getContractEvents, readContract } from "viem/actions";
import { batchSettlementAbi, enclaveRegistryAbi } from "../abis.js";
import type { InvalidReceiptError } from "../errors/batch.js";
import { withVerityErrors } from "../errors/decode.js";
import type { InvalidParameterError } from "../errors/request.js";
import type { RpcUnreachableError } from "../errors/rpc.js";
import { expectObject, expectParameters } from "../internal/validate.js";
import { checkFields } from "../internal/parameters.js";
import {
  type BatchDocument,
  type Receipt,
  batchDomainSeparator,
  parseBatchDocument,
  receiptFromJson,
  receiptProof,
  receiptToJson,
  recoverReceiptSigner,
  sameReceipt,
} from "../proofs/batch.js";
import type { Verdict, VerifyCheck } from "../proofs/report.js";
import { fail, pass, reason } from "../proofs/checks.js";
import type { VerityClient } from "../types.js";

export type ReceiptCheckName = "chain" | "signature" | "signer" | "slashed" | "settled" | "document" | "inclusion" | "onchain";

export type VerifyReceiptParameters = {
  batchSettlement: Address;
  receipt: Receipt;
  /** The receipt's 65-byte signature, as the HTTP response carried it. */
  signature: Hex;
  /** The batch document, if you have it (its text or parsed); else it is fetched from the batch's URI. */
  document?: BatchDocument | string | undefined;
  /** Fetches a batch document by URI (default: `fetch` for http(s) URIs). */
  fetchDocument?: ((uri: string) => Promise<string>) | undefined;
  /** The first block to search `BatchSettled` from (default 0). */
  fromBlock?: bigint | undefined;
};

/** Thrown for input it could not understand (a malformed receipt) or an unreachable RPC; a failed check is a verdict. */
export type VerifyReceiptErrorType = InvalidReceiptError | InvalidParameterError | RpcUnreachableError;

export type VerifyReceiptReturnType = {
  /** `valid`: signed by the operator's key and included in a settled batch; `pending`: not settled yet. */
  verdict: Verdict;
  checks: VerifyCheck<ReceiptCheckName>[];
  signer: Address | undefined;
  /** The settled batch that holds the receipt's sequence. */
  batch: { firstSequence: bigint; count: bigint; root: Hex; uri: string; signer: Address; blockNumber: bigint; transactionHash: Hex } | undefined;
  /** The receipt's Merkle proof in the batch (what `BatchSettlement.verifyReceipt` takes). */
  proof: Hex[] | undefined;
};

const defaultFetch = async (uri: string): Promise<string> => {
  if (!/^https?:\/\//.test(uri)) throw new Error(`${uri} is not an http(s) URI: pass fetchDocument to read it`);
  const res = await fetch(uri, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`${uri} answered ${res.status}`);
  return res.text();
};

/**
 * Re-verifies an HTTP receipt from chain data, the counterpart of `verifyJob` for the BATCH mode: its signature
 * (by the operator, or a key registered to the operator in the enclave registry), that the operator was not slashed
 * for its sequence (an equivocation or a ZK proof of another output there: such a receipt is not trusted), the batch that settled its
 * sequence (`BatchSettled`), the batch's published document (its receipts rebuild the settled root), the receipt's
 * place in it (the same receipt at that sequence: another one there is an equivocation, slashable with
 * `proveEquivocation`), and `BatchSettlement.verifyReceipt` on chain with its proof. Each check says why.
 *
 * @example
 * ```ts
 * const report = await verifyReceipt(publicClient, { batchSettlement, receipt, signature });
 * report.verdict; // "valid" | "invalid" | "pending"
 * ```
 */
export async function verifyReceipt(client: VerityClient, parameters: VerifyReceiptParameters): Promise<VerifyReceiptReturnType> {
  const action = "verifyReceipt";
  expectParameters(action, client, parameters);
  checkFields(action, parameters, { batchSettlement: "address", signature: "hex", fromBlock: "bigint?" });
  expectObject(action, "receipt", parameters.receipt, { expected: "a receipt (as infer returned it)" });
  // A receipt the SDK could not read gives no verdict: it throws (InvalidReceiptError).
  const receipt = receiptFromJson(receiptToJson(parameters.receipt));
  const { batchSettlement } = parameters;
  const checks: VerifyCheck<ReceiptCheckName>[] = [];
  const report = (verdict?: Verdict): VerifyReceiptReturnType => ({
    verdict: verdict ?? (checks.every((c) => c.ok) ? "valid" : "invalid"),
    checks,
    signer,
    batch,
    proof,
  });
  let signer: Address | undefined;
  let batch: VerifyReceiptReturnType["batch"];
  let proof: Hex[] | undefined;

  const chainId = await withVerityErrors(() => getChainId(client));
  checks.push(pass("chain", `chain ${chainId}, settlement contract ${batchSettlement}`));
  const domainSeparator = batchDomainSeparator(chainId, batchSettlement);
  try {
    signer = await recoverReceiptSigner(domainSeparator, receipt, parameters.signature);
    checks.push(pass("signature", `a well-formed EIP-712 Receipt signature by ${signer}`));
  } catch (e) {
    checks.push(fail("signature", reason(e)));
    return report();
  }
  if (signer === receipt.operator) {
    checks.push(pass("signer", `the operator ${receipt.operator} signed it with its own account`));
  } else {
    const key = await withVerityErrors(async () => {
      const enclaves = await readContract(client, { address: batchSettlement, abi: batchSettlementAbi, functionName: "enclaveRegistry" });
      return readContract(client, { address: enclaves, abi: enclaveRegistryAbi, functionName: "getEnclaveKey", args: [signer!] });
    });
    if (getAddress(key.operator) === receipt.operator) {
      checks.push(pass("signer", `enclave key ${signer} is registered to the operator ${receipt.operator} (measurement ${key.measurement})`));
    } else {
      checks.push(fail("signer", `${signer} is neither the operator ${receipt.operator} nor a key registered to it`));
      return report();
    }
  }

  const slashed = await withVerityErrors(() =>
    readContract(client, { address: batchSettlement, abi: batchSettlementAbi, functionName: "isSlashed", args: [receipt.operator, receipt.sequence] }),
  );
  if (slashed) {
    checks.push(fail("slashed", `the operator was slashed for sequence ${receipt.sequence} (a conflicting receipt or a ZK proof of another output): this receipt is not to be trusted`));
    return report();
  }
  checks.push(pass("slashed", `no slash of ${receipt.operator} for sequence ${receipt.sequence}`));

  const events = await withVerityErrors(() =>
    getContractEvents(client, {
      address: batchSettlement,
      abi: batchSettlementAbi,
      eventName: "BatchSettled",
      args: { operator: receipt.operator },
      fromBlock: parameters.fromBlock ?? 0n,
      toBlock: "latest",
      strict: true,
    }),
  );
  const event = events.find((e) => e.args.firstSequence <= receipt.sequence && receipt.sequence < e.args.firstSequence + e.args.count);
  if (!event) {
    const bond = await withVerityErrors(() =>
      readContract(client, { address: batchSettlement, abi: batchSettlementAbi, functionName: "bondOf", args: [receipt.operator] }),
    );
    const detail = `no settled batch of ${receipt.operator} holds sequence ${receipt.sequence} yet (its next batch starts at ${bond.nextSequence})`;
    if (bond.nextSequence === 0n || receipt.sequence >= bond.nextSequence) {
      checks.push({ name: "settled", ok: false, detail, skipped: true });
      return report("pending");
    }
    checks.push(fail("settled", `${detail}, but the chain is past it: search from an earlier fromBlock`));
    return report();
  }
  const a = event.args;
  batch = { firstSequence: a.firstSequence, count: a.count, root: a.root, uri: a.uri, signer: a.signer, blockNumber: event.blockNumber, transactionHash: event.transactionHash };
  checks.push(pass("settled", `batch ${a.firstSequence}..${a.firstSequence + a.count - 1n} (root ${a.root}) settled in block ${event.blockNumber}, signed by ${a.signer}`));

  let doc: BatchDocument;
  try {
    const given = parameters.document;
    doc = typeof given === "object" ? given : parseBatchDocument(given ?? (await (parameters.fetchDocument ?? defaultFetch)(a.uri)));
    if (doc.root.toLowerCase() !== a.root.toLowerCase() || BigInt(doc.receipts.length) !== a.count || doc.firstSequence !== a.firstSequence) {
      throw new Error(`it describes batch ${doc.firstSequence} of ${doc.receipts.length} with root ${doc.root}, not the settled one`);
    }
    checks.push(pass("document", `${a.uri}: ${doc.receipts.length} receipt(s) rebuild the settled root`));
  } catch (e) {
    checks.push(fail("document", `the batch's document at ${a.uri} does not hold: ${reason(e)}`));
    return report();
  }
  const inBatch = doc.receipts[Number(receipt.sequence - doc.firstSequence)]!;
  if (!sameReceipt(inBatch.receipt, receipt)) {
    checks.push(
      fail(
        "inclusion",
        `the batch holds another receipt for sequence ${receipt.sequence}: the operator signed two (slash it with proveEquivocation, this receipt and the document's)`,
      ),
    );
    return report();
  }
  proof = receiptProof(doc, receipt.sequence);
  checks.push(pass("inclusion", `leaf ${receipt.sequence - doc.firstSequence} of the batch, proof of ${proof!.length} hash(es)`));
  const included = await withVerityErrors(() =>
    readContract(client, {
      address: batchSettlement,
      abi: batchSettlementAbi,
      functionName: "verifyReceipt",
      args: [{ ...receipt }, a.firstSequence, a.count, a.root, proof!],
    }),
  );
  checks.push(included ? pass("onchain", "BatchSettlement.verifyReceipt returns true") : fail("onchain", "BatchSettlement.verifyReceipt returns false"));
  return report();
}
