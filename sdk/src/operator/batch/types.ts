/** The BATCH server's options and events (see ./server.ts). */
import type { Address, Hash, Hex, LocalAccount, PublicClient, WalletClient } from "viem";
import type { Receipt } from "../../proofs/batch.js";
import type { AcceptedVoucher } from "./journal.js";
import type { RuntimeOptions } from "../runtime.js";

/** A model version the server sells, at `price` wei per call. */
export type BatchServedModel = { modelId: Hex; version: number; price: bigint };

export type BatchServerEvent =
  | { type: "http-listening"; url: string; operator: Address; signer: Address; nextSequence: bigint }
  | { type: "batch-prepared"; firstSequence: bigint; count: bigint; root: Hex; uri: string }
  | { type: "batch-settled"; firstSequence: bigint; count: bigint; root: Hex; txHash: Hash; gasUsed: bigint }
  | { type: "batch-settle-failed"; firstSequence: bigint; error: Error }
  | { type: "voucher-claimed"; requester: Address; cumulativeAmount: bigint; txHash: Hash }
  | { type: "voucher-claim-failed"; requester: Address; error: Error };

export type BatchServerOptions = {
  publicClient: PublicClient;
  /** The operator's account: sends the settlements and claims. */
  walletClient: WalletClient;
  hub: Address;
  /** The settlement contract (default: the operator registry's `batchSettlement()`). */
  batchSettlement?: Address | undefined;
  /**
   * The key that signs receipts and roots: an enclave key registered to the operator, or the operator's own
   * account (the default, which must then be a local account).
   */
  signer?: LocalAccount | undefined;
  models: readonly BatchServedModel[];
  /** The receipt journal (append-only JSON lines; one server per file). */
  journalFile: string;
  /** Where batch documents are written (and served from). */
  batchesDir: string;
  /** Listen address (default 127.0.0.1) and port (default 8787; 0 picks a free one). */
  host?: string | undefined;
  port?: number | undefined;
  /** The server's URL as requesters reach it, used in batch URIs (default http://host:port). */
  publicUrl?: string | undefined;
  /** Flush a batch at this many receipts (default 1,000) or when its oldest receipt is this old (default 60,000 ms). */
  batch?: { maxReceipts?: number | undefined; maxAgeMs?: number | undefined } | undefined;
  /** Send settlements and claims (default true; false only prepares and publishes batches). */
  settle?: boolean | undefined;
  /** How long a channel's chain state is trusted before it is read again (default 2,000 ms). */
  channelRefreshMs?: number | undefined;
  modelDir?: string | undefined;
  runtime?: RuntimeOptions | undefined;
  logger?: ((e: BatchServerEvent) => void) | undefined;
};

/** The server's view of one requester's channel (internal). */
export type Channel = {
  voucher: AcceptedVoucher | undefined;
  /** What the requester's receipts cost in total (all it ever signed for must cover it). */
  spent: bigint;
  chain: { paid: bigint; available: bigint; readAt: number } | undefined;
};

/** A signed receipt, and its Merkle leaf (hashed when signed, so a flush of 10,000 only builds the tree). */
export type Entry = { receipt: Receipt; signature: Hex; leaf?: Hex };
