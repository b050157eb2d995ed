import type { ChainReader } from "./chain.js";

/**
 * The block scanner of the operator node and the watcher: walks from a start block to the latest confirmed block
 * in ranges of at most `maxBlockRange` (one `eth_getLogs` call each, so an RPC that limits ranges is served) and
 * hands each range to the service. The cursor only moves past a range once the service has handled it, so an RPC
 * failure mid-scan loses nothing: the next scan starts at the range that failed.
 */
export type BlockScanner = ReturnType<typeof createBlockScanner>;

export type BlockScannerOptions = {
  chain: Pick<ChainReader, "latestBlockNumber">;
  /** Blocks a log must have (its own included) before it is scanned (default 1: the latest block). */
  confirmations?: number | undefined;
  /** Largest block range per call of `onRange` (default 2,000). */
  maxBlockRange?: bigint | undefined;
  /** Where the first scan starts, given the latest confirmed block (e.g. a saved cursor + 1, or that block). */
  startBlock: (safeHead: bigint) => bigint;
  /** Handles the logs of one range; the cursor moves past it once this resolves. */
  onRange: (fromBlock: bigint, toBlock: bigint) => Promise<void>;
  /** Stops between ranges when true. */
  stopping?: (() => boolean) | undefined;
};

export function createBlockScanner(options: BlockScannerOptions) {
  const confirmations = BigInt(options.confirmations ?? 1);
  const maxRange = options.maxBlockRange ?? 2_000n;
  let next: bigint | undefined;
  return {
    /** The next block to scan (undefined before the first scan). */
    get nextBlock() {
      return next;
    },
    /** The last block scanned (undefined before the first range). */
    get lastBlock() {
      return next === undefined ? undefined : next - 1n;
    },
    /** Scans every range up to the latest confirmed block. */
    async scan(): Promise<void> {
      const safeHead = (await options.chain.latestBlockNumber()) - (confirmations - 1n);
      if (safeHead < 0n) return;
      next ??= options.startBlock(safeHead);
      while (next <= safeHead && !options.stopping?.()) {
        const from: bigint = next;
        const to = from + maxRange - 1n < safeHead ? from + maxRange - 1n : safeHead;
        await options.onRange(from, to);
        next = to + 1n;
      }
    },
  };
}
