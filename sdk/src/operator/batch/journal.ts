import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import path from "node:path";
import type { Address, Hex } from "viem";
import { type Receipt, type ReceiptJson, receiptFromJson, receiptToJson } from "../../proofs/batch.js";
import { OperatorConfigError } from "../errors.js";

/**
 * The HTTP server's durable record, an append-only file of JSON lines: every receipt it signs, every voucher it
 * accepts and every batch it prepares, written with group commit (one write and one `fdatasync` for all the
 * records that arrived meanwhile). A response leaves only once its receipt is on disk, so a crash (even SIGKILL)
 * loses no receipt a requester holds, and the next sequence after a restart is past every receipt ever signed.
 * A torn last line (a crash mid-write) is dropped at replay: its response was never sent.
 */

/** A voucher the server accepted: the requester's signature over the cumulative amount. */
export type AcceptedVoucher = { requester: Address; cumulativeAmount: bigint; signature: Hex };

/** A batch the server prepared (its document is written before the record, the settlement is sent after). */
export type PreparedBatch = { firstSequence: bigint; count: bigint; root: Hex; uri: string; signature: Hex; signer: Address };

type Line =
  | { t: "r"; r: ReceiptJson; s: Hex }
  | { t: "v"; requester: Address; amount: string; s: Hex }
  | { t: "b"; first: string; count: string; root: Hex; uri: string; s: Hex; signer: Address };

export type JournalState = {
  receipts: { receipt: Receipt; signature: Hex }[];
  vouchers: Map<string, AcceptedVoucher>;
  batches: PreparedBatch[];
};

export type Journal = Awaited<ReturnType<typeof openJournal>>;

/** Opens (or creates) the journal at `file`, replays it, and takes its lock (a second server on it is refused). */
export async function openJournal(file: string) {
  mkdirSync(path.dirname(file), { recursive: true });
  const lock = `${file}.lock`;
  takeLock(lock);
  const state: JournalState = { receipts: [], vouchers: new Map(), batches: [] };
  if (existsSync(file)) replay(readFileSync(file, "utf8"), state, file);
  const handle: FileHandle = await open(file, "a");

  let queue: { line: string; done: () => void; failed: (e: unknown) => void }[] = [];
  let writing: Promise<void> | undefined;

  const drain = async () => {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        await handle.write(batch.map((q) => q.line).join(""));
        await handle.datasync();
        for (const q of batch) q.done();
      } catch (e) {
        for (const q of batch) q.failed(e);
      }
    }
    writing = undefined;
  };

  const append = (record: Line) =>
    new Promise<void>((done, failed) => {
      queue.push({ line: `${JSON.stringify(record)}\n`, done, failed });
      writing ??= drain();
    });

  return {
    state,
    /** Appends a signed receipt; resolves once it is on disk. */
    receipt: (receipt: Receipt, signature: Hex) => append({ t: "r", r: receiptToJson(receipt), s: signature }),
    /** Appends an accepted voucher; resolves once it is on disk. */
    voucher: (v: AcceptedVoucher) => append({ t: "v", requester: v.requester, amount: v.cumulativeAmount.toString(), s: v.signature }),
    /** Appends a prepared batch; resolves once it is on disk. */
    batch: (b: PreparedBatch) =>
      append({ t: "b", first: b.firstSequence.toString(), count: b.count.toString(), root: b.root, uri: b.uri, s: b.signature, signer: b.signer }),
    async close(): Promise<void> {
      await writing;
      await handle.close();
      try {
        unlinkSync(lock);
      } catch {
        // already gone
      }
    },
  };
}

function replay(text: string, state: JournalState, file: string) {
  const lines = text.split("\n");
  // The last element is "" after a complete file, or a torn line after a crash mid-write: dropped either way.
  lines.pop();
  for (const [i, raw] of lines.entries()) {
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      throw new OperatorConfigError(`receipt journal ${file} line ${i + 1} is not JSON: the file is damaged (a complete line never is)`);
    }
    if (line.t === "r") {
      state.receipts.push({ receipt: receiptFromJson(line.r), signature: line.s });
    } else if (line.t === "v") {
      state.vouchers.set(line.requester.toLowerCase(), { requester: line.requester, cumulativeAmount: BigInt(line.amount), signature: line.s });
    } else if (line.t === "b") {
      state.batches.push({ firstSequence: BigInt(line.first), count: BigInt(line.count), root: line.root, uri: line.uri, signature: line.s, signer: line.signer });
    }
  }
}

/** A lock file holding the owner's pid; one left by a dead process is taken over. */
function takeLock(lock: string) {
  try {
    const fd = openSync(lock, "wx");
    writeFileSync(fd, String(process.pid));
    closeSync(fd);
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const pid = Number(readFileSync(lock, "utf8"));
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
    throw new OperatorConfigError(`the receipt journal is in use by process ${pid} (${lock}); one server per journal`);
  }
  const tmp = `${lock}.${process.pid}`;
  writeFileSync(tmp, String(process.pid));
  renameSync(tmp, lock);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
