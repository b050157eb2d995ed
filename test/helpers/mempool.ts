/**
 * Transactions that land in one block, ordered by their fees as a block builder orders the mempool: for front-running
 * tests (a copier that sees a pending transaction and outbids it).
 */
import type { TransactionResponse } from "ethers";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

/**
 * Stops automine while `send` broadcasts (it returns the hashes it sent, and may read the pending ones), mines one
 * block, and returns the receipts of those hashes, in that order. Automine is back on whatever happens.
 */
export async function inOneBlock(ethers: HardhatEthers, send: () => Promise<string[]>) {
  await ethers.provider.send("evm_setAutomine", [false]);
  let hashes: string[];
  try {
    hashes = await send();
    await ethers.provider.send("evm_mine", []);
  } finally {
    await ethers.provider.send("evm_setAutomine", [true]);
  }
  return Promise.all(hashes.map(async (h) => (await ethers.provider.getTransactionReceipt(h))!));
}

/** Fees that put a transaction ahead of the pending `seen` in the next block. */
export function outbid(seen: TransactionResponse) {
  return { maxFeePerGas: seen.maxFeePerGas! * 2n, maxPriorityFeePerGas: seen.maxPriorityFeePerGas! * 2n + 1n };
}
