/**
 * A BATCH receipt's page (`#/receipt?src=<url>&rpc=...&hub=...`): the receipt an operator's HTTP server signed (read
 * from `src`: the server's `/v1/receipts/<n>`, or a file `verity batch infer --out` wrote, served beside the page),
 * its verdict (`verifyReceipt`, run here: signer, no slash at its sequence, the settled batch, the published batch
 * document, the receipt's inclusion, and `BatchSettlement.verifyReceipt` on chain), and its batch with the proof.
 */
import { type Hex, getAddress } from "viem";
import { receiptFromJson, verityActions } from "verity-inference";
import type { Connection } from "../connect.js";
import { alertBox, amount, errorText, fields, h, loading, mono, scroller, section, time } from "../dom.js";
import { verdictView } from "./job.js";

/** Reads `src` as a receipt with its signature; throws saying what is wrong. */
async function readReceipt(src: string | null) {
  if (!src) throw new Error("Give the receipt's address: ?src=<URL of the receipt JSON> (an operator's /v1/receipts/<n>, or a saved receipt file).");
  let url: URL;
  try {
    url = new URL(src, location.href);
  } catch {
    throw new Error(`"${src}" is not a URL.`);
  }
  const res = await fetch(url, { signal: AbortSignal.timeout(15_000) }).catch((e: unknown) => {
    throw new Error(`Cannot fetch the receipt at ${url.href}: ${errorText(e)}`);
  });
  if (!res.ok) throw new Error(`The receipt at ${url.href} answered HTTP ${res.status}.`);
  const body = (await res.json().catch(() => undefined)) as { receipt?: unknown; signature?: unknown } | undefined;
  if (!body || typeof body.signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(body.signature)) {
    throw new Error(`${url.href} holds no receipt: expected JSON { receipt, signature } with a 65-byte signature.`);
  }
  return { url: url.href, receipt: receiptFromJson(body.receipt), signature: body.signature as Hex };
}

/** Renders a receipt's page into `main`. */
export async function renderReceipt(main: HTMLElement, query: URLSearchParams, _id: string | undefined, c: Connection): Promise<void> {
  main.replaceChildren(h("h1", {}, "Receipt"), loading("Reading the receipt…"));
  const { url, receipt, signature } = await readReceipt(query.get("src"));
  const r = receipt;
  const verdictSlot = h("div", { "data-slot": "verdict" }, loading("Verifying the receipt in this browser…"));
  const batchSlot = h("div", { "data-slot": "batch" });
  main.replaceChildren(
    h("h1", {}, `Receipt ${r.sequence} of operator `, mono(getAddress(r.operator))),
    h("p", { class: "muted" }, `chain ${c.chainId} · from `, mono(url)),
    verdictSlot,
    section("Receipt (signed by the operator's key, EIP-712)",
      fields([
        ["request id", mono(r.requestId)],
        ["requester", mono(r.requester)],
        ["operator", mono(r.operator)],
        ["model", mono(r.modelId)],
        ["version", String(r.version)],
        ["input hash", mono(r.inputHash)],
        ["output hash", mono(r.outputHash)],
        ["price", amount(r.price)],
        ["sequence", String(r.sequence)],
        ["time", time(r.time)],
        ["signature", mono(signature)],
      ])),
    batchSlot,
  );
  try {
    const report = await c.client.extend(verityActions({ hub: c.hub })).verifyReceipt({ receipt, signature });
    verdictSlot.replaceChildren(verdictView(report, false, "verifyReceipt"));
    const b = report.batch;
    if (b) {
      const proof = report.proof ?? [];
      batchSlot.replaceChildren(section("Batch (settled on chain)",
        fields([
          ["receipts", `${b.firstSequence}..${b.firstSequence + b.count - 1n} (${b.count})`],
          ["Merkle root", mono(b.root)],
          ["root signed by", mono(report.signer === b.signer ? `${b.signer} (the receipt's signer)` : b.signer)],
          ["settled in", h("span", {}, `block ${b.blockNumber}, transaction `, mono(b.transactionHash))],
          ["document", h("a", { href: b.uri, rel: "noopener" }, b.uri)],
        ]),
        proof.length > 0
          ? h("div", {}, h("p", {}, `Inclusion proof: ${proof.length} sibling hash(es), from the receipt's leaf to the root`),
              scroller("inclusion proof", h("ol", { class: "proof", "data-proof": true }, ...proof.map((p) => h("li", {}, mono(p))))))
          : h("p", { class: "muted" }, "The receipt's leaf is the root: the batch holds it alone.")));
    } else {
      batchSlot.replaceChildren(section("Batch", h("p", { class: "muted" }, "No settled batch holds this receipt yet.")));
    }
  } catch (err) {
    verdictSlot.replaceChildren(alertBox(errorText(err)));
  }
}
