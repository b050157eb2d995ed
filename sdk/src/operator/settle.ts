import { type Hash, isAddressEqual } from "viem";
import { getTransactionCount } from "viem/actions";
import type { JobStatus } from "../constants.js";
import type { Tensor } from "../encoding/tensor.js";
import { withVerityErrors } from "../errors/decode.js";
import type { ChainReader } from "./chain.js";
import type { JobBook } from "./jobs.js";
import type { ServiceLoop } from "./loop.js";
import type { JobRecord } from "./store.js";
import type { Submitter } from "./submitter.js";
import type { OperatorEvent } from "./types.js";

/**
 * Settling a `submitted` job from the chain: its receipt (with `confirmations`), the hub's job status, and the
 * sender's nonces. A second transaction is only ever sent when the first can no longer do its job: it was mined
 * without doing so, or its nonce is neither used nor pending (never broadcast, or dropped), in which case the job
 * goes back to `seen` and the new transaction takes that same nonce, so at most one of them can be mined.
 *
 * A mode may take over two steps (see `modes/mode.ts`): what a mined transaction means (`mined`, default: the job
 * is fulfilled) and what a non-pending status means (`landed`, e.g. OPTIMISTIC: proposed by this node or another).
 */
export type SettleHooks = {
  mined?: ((jobId: bigint, txHash: Hash, gasUsed: bigint, output: Tensor | undefined) => Promise<void>) | undefined;
  landed?: ((jobId: bigint, rec: JobRecord, status: JobStatus, output: Tensor | undefined) => Promise<"wait" | "settled" | undefined>) | undefined;
};

export type SettlerOptions = {
  chain: ChainReader;
  jobs: JobBook;
  loop: Pick<ServiceLoop, "checkStop" | "sleep">;
  submitter: Pick<Submitter, "from" | "resetNonce">;
  confirmations: number;
  pollMs: number;
  /** The hooks of a job's mode. */
  hooksFor: (mode: number) => SettleHooks | undefined;
  /** Told once per job and nonce when its transaction is found waiting in the mempool. */
  log?: ((e: Extract<OperatorEvent, { type: "job-awaiting-transaction" }>) => void) | undefined;
};

export function createSettler({ chain, jobs, loop, submitter, confirmations, pollMs, hooksFor, log }: SettlerOptions) {
  const awaiting = new Set<string>();
  const confirmed = (blockNumber: bigint) => chain.isConfirmed(blockNumber, confirmations);
  const retry = (jobId: bigint, detail: string) => {
    submitter.resetNonce(); // re-read from the chain: the recorded nonce may not have been used
    return jobs.retry(jobId, detail);
  };

  /** Settles a `submitted` job; returns once it is in another state (or the node stops). */
  return async function settle(jobId: bigint, output?: Tensor): Promise<void> {
    for (;;) {
      loop.checkStop();
      const rec = jobs.get(jobId);
      if (rec.state !== "submitted") return;
      const hooks = hooksFor(rec.mode);
      const from = rec.from ?? submitter.from;
      const nonce = rec.nonce ?? 0;

      let reverted = false;
      if (rec.txHash) {
        const receipt = await chain.receiptIfMined(rec.txHash);
        if (receipt) {
          if (!(await confirmed(receipt.blockNumber))) {
            await loop.sleep(pollMs);
            continue;
          }
          if (receipt.status === "success") {
            if (hooks?.mined) await hooks.mined(jobId, rec.txHash, receipt.gasUsed, output);
            else await jobs.fulfilled(jobId, { txHash: rec.txHash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber, output });
            return;
          }
          reverted = true;
        }
      }

      const status = await chain.jobStatus(jobId);
      if (status !== "pending" && hooks?.landed) {
        const outcome = await hooks.landed(jobId, rec, status, output);
        if (outcome === "wait") {
          await loop.sleep(pollMs);
          continue;
        }
        if (outcome === "settled") return;
      }
      if (status === "fulfilled") {
        const event = await chain.fulfilledEvent(jobId, rec.requestBlock);
        if (event && !(await confirmed(event.blockNumber))) {
          await loop.sleep(pollMs);
          continue;
        }
        const byUs =
          event !== undefined &&
          (rec.txHash ? event.transactionHash === rec.txHash : isAddressEqual((await chain.transaction(event.transactionHash)).from, from));
        if (byUs) {
          const receipt = await chain.receipt(event.transactionHash);
          await jobs.fulfilled(jobId, { txHash: event.transactionHash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber, output });
          return;
        }
        await jobs.doneElsewhere(jobId, "fulfilled by another transaction", event?.transactionHash);
      }
      if (status !== "pending") {
        await jobs.skip(jobId, "not-pending", `the hub says the job is ${status}`);
      }

      // Pending on chain. Where is our transaction?
      const [mined, pending] = await Promise.all([
        withVerityErrors(() => getTransactionCount(chain.publicClient, { address: from, blockTag: "latest" })),
        withVerityErrors(() => getTransactionCount(chain.publicClient, { address: from, blockTag: "pending" })),
      ]);
      if (mined > nonce) {
        await retry(
          jobId,
          reverted
            ? `the fulfill transaction ${rec.txHash} reverted and the job is still pending`
            : `nonce ${nonce} was used without fulfilling the job (transaction replaced or reverted)`,
        );
        return;
      }
      if (pending > nonce) {
        // Still in the mempool: wait for it.
        const key = `${jobId}/${nonce}`;
        if (!awaiting.has(key)) {
          awaiting.add(key);
          log?.({ type: "job-awaiting-transaction", jobId, nonce, txHash: rec.txHash });
        }
        await loop.sleep(pollMs);
        continue;
      }
      await retry(jobId, `the fulfill transaction (nonce ${nonce}) never reached the chain: sending it again`);
      return;
    }
  };
}
