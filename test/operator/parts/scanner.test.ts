import { expect } from "chai";
import { zeroAddress } from "viem";
import { createChainReader } from "../../../sdk/src/operator/chain.js";
import { type BlockScannerOptions, createBlockScanner } from "../../../sdk/src/operator/scanner.js";
import { type Connection, connect, rejection } from "./helpers.js";

describe("operator parts: block scanner", function () {
  let c: Connection;
  before(async function () {
    c = await connect();
  });

  /** A scanner over the real chain from `first`, in ranges of 4 blocks, recording the ranges it hands out. */
  function scannerFrom(first: bigint, options: Partial<BlockScannerOptions> = {}) {
    const ranges: [bigint, bigint][] = [];
    const heads: bigint[] = [];
    const scanner = createBlockScanner({
      chain: createChainReader({ publicClient: c.publicClient, hub: zeroAddress }),
      maxBlockRange: 4n,
      startBlock: (safeHead) => {
        heads.push(safeHead);
        return first;
      },
      onRange: async (from, to) => void ranges.push([from, to]),
      ...options,
    });
    return { scanner, ranges, heads };
  }

  it("covers exactly startBlock..latest in ranges of at most maxBlockRange, and only new blocks after that", async function () {
    await c.networkHelpers.mine(10);
    const latest = await c.publicClient.getBlockNumber();
    const first = latest - 9n;
    const { scanner, ranges, heads } = scannerFrom(first);
    expect([scanner.nextBlock, scanner.lastBlock]).to.deep.equal([undefined, undefined]);

    await scanner.scan();
    expect(heads).to.deep.equal([latest]);
    expect(ranges).to.deep.equal([
      [first, first + 3n],
      [first + 4n, first + 7n],
      [first + 8n, latest],
    ]);
    expect([scanner.lastBlock, scanner.nextBlock]).to.deep.equal([latest, latest + 1n]);

    await scanner.scan();
    expect(ranges).to.have.length(3); // nothing new
    await c.networkHelpers.mine(2);
    await scanner.scan();
    expect(ranges.at(-1)).to.deep.equal([latest + 1n, latest + 2n]);
    expect(heads).to.have.length(1); // startBlock is asked once
  });

  it("with 2 confirmations, stops one block short of the latest", async function () {
    await c.networkHelpers.mine(3);
    const latest = await c.publicClient.getBlockNumber();
    const { scanner, ranges, heads } = scannerFrom(latest - 2n, { confirmations: 2 });
    await scanner.scan();
    expect(heads).to.deep.equal([latest - 1n]);
    expect(ranges).to.deep.equal([[latest - 2n, latest - 1n]]);
    expect(scanner.lastBlock).to.equal(latest - 1n);
    await c.networkHelpers.mine(1);
    await scanner.scan();
    expect(ranges.at(-1)).to.deep.equal([latest, latest]);
  });

  it("moves the cursor past a range only once it was handled: the next scan retries the range that failed", async function () {
    await c.networkHelpers.mine(10);
    const latest = await c.publicClient.getBlockNumber();
    const first = latest - 9n;
    const handled: [bigint, bigint][] = [];
    let failing = true;
    const { scanner } = scannerFrom(first, {
      onRange: async (from, to) => {
        if (from === first + 4n && failing) throw new Error("eth_getLogs failed");
        handled.push([from, to]);
      },
    });
    expect((await rejection(scanner.scan())).message).to.equal("eth_getLogs failed");
    expect(handled).to.deep.equal([[first, first + 3n]]);
    expect([scanner.lastBlock, scanner.nextBlock]).to.deep.equal([first + 3n, first + 4n]);

    failing = false;
    await scanner.scan();
    expect(handled).to.deep.equal([
      [first, first + 3n],
      [first + 4n, first + 7n],
      [first + 8n, latest],
    ]);
    expect(scanner.lastBlock).to.equal(latest);
  });

  it("stops between ranges once the service is stopping, and goes on from there next time", async function () {
    await c.networkHelpers.mine(8);
    const latest = await c.publicClient.getBlockNumber();
    const first = latest - 7n;
    let stopping = false;
    const ranges: [bigint, bigint][] = [];
    const { scanner } = scannerFrom(first, {
      stopping: () => stopping,
      onRange: async (from, to) => {
        ranges.push([from, to]);
        stopping = true; // stop() was called while this range was handled
      },
    });
    await scanner.scan();
    expect(ranges).to.deep.equal([[first, first + 3n]]);
    expect(scanner.nextBlock).to.equal(first + 4n);
    stopping = false;
    await scanner.scan();
    expect(ranges.at(-1)).to.deep.equal([first + 4n, latest]);
  });
});
