import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
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
 *
 * `compact(settledThrough)` rewrites it without the receipts the chain has settled (they live on in their batch
 * documents), keeping a checkpoint of what each requester had spent on them, the latest voucher of each, and every
 * batch record; the new file replaces the old by an atomic rename, so a crash leaves one or the other.
 */

/** A voucher the server accepted: the requester's signature over the cumulative amount. */
export type AcceptedVoucher = { requester: Address; cumulativeAmount: bigint; signature: Hex };

/** A batch the server prepared (its document is written before the record, the settlement is sent after). */
export type PreparedBatch = { firstSequence: bigint; count: bigint; root: Hex; uri: string; signature: Hex; signer: Address };

type Line =
  | { t: "r"; r: ReceiptJson; s: Hex }
  | { t: "v"; requester: Address; amount: string; s: Hex }
  | { t: "b"; first: string; count: string; root: Hex; uri: string; s: Hex; signer: Address }
  /** A compaction's checkpoint: what `requester` spent on the receipts it dropped (cumulative, wei). */
  | { t: "s"; requester: Address; spent: string };

export type JournalState = {
  receipts: { receipt: Receipt; signature: Hex }[];
  vouchers: Map<string, AcceptedVoucher>;
  batches: PreparedBatch[];
  /** Per requester (lowercase): what it spent on receipts compacted away. */
  spentBefore: Map<string, { requester: Address; spent: bigint }>;
};

export type Journal = Awaited<ReturnType<typeof openJournal>>;

/** Opens (or creates) the journal at `file`, replays it, and takes its lock (a second server on it is refused). */
export async function openJournal(file: string) {
  mkdirSync(path.dirname(file), { recursive: true });
  const lock = `${file}.lock`;
  takeLock(lock);
  const state: JournalState = { receipts: [], vouchers: new Map(), batches: [], spentBefore: new Map() };
  if (existsSync(file)) replay(readFileSync(file, "utf8"), state, file);
  let handle: FileHandle = await open(file, "a");

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
    /**
     * Drops the receipts up to `settledThrough` (settled on chain) from the file and from `state`, checkpointing what
     * each requester spent on them. Call before any append (at start). Returns how many receipts it dropped.
     */
    async compact(settledThrough: bigint): Promise<number> {
      const dropped = state.receipts.filter((e) => e.receipt.sequence <= settledThrough);
      if (dropped.length === 0) return 0;
      await writing;
      for (const { receipt } of dropped) {
        const key = receipt.requester.toLowerCase();
        const before = state.spentBefore.get(key)?.spent ?? 0n;
        state.spentBefore.set(key, { requester: receipt.requester, spent: before + receipt.price });
      }
      state.receipts = state.receipts.filter((e) => e.receipt.sequence > settledThrough);
      const lines: Line[] = [
        ...[...state.spentBefore.values()].map((x): Line => ({ t: "s", requester: x.requester, spent: x.spent.toString() })),
        ...[...state.vouchers.values()].map((v): Line => ({ t: "v", requester: v.requester, amount: v.cumulativeAmount.toString(), s: v.signature })),
        ...state.batches.map((b): Line => ({ t: "b", first: b.firstSequence.toString(), count: b.count.toString(), root: b.root, uri: b.uri, s: b.signature, signer: b.signer })),
        ...state.receipts.map((e): Line => ({ t: "r", r: receiptToJson(e.receipt), s: e.signature })),
      ];
      const tmp = `${file}.${process.pid}.compact`;
      const fd = openSync(tmp, "w");
      writeFileSync(fd, lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
      fsyncSync(fd);
      closeSync(fd);
      await handle.close();
      renameSync(tmp, file);
      const dir = openSync(path.dirname(file), "r");
      fsyncSync(dir);
      closeSync(dir);
      handle = await open(file, "a");
      return dropped.length;
    },
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
    } else if (line.t === "s") {
      state.spentBefore.set(line.requester.toLowerCase(), { requester: line.requester, spent: BigInt(line.spent) });
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
