import { type Hex, isAddressEqual } from "viem";
import { VerityMode } from "../../constants.js";
import { operatorShare } from "../../encoding/fees.js";
import { MAX_QUORUM, decodeQuorumParams } from "../../encoding/params.js";
import { encodeQuorumAttestation, signQuorumVote } from "../../proofs/quorum.js";
import type { Tensor } from "../../encoding/tensor.js";
import type { JobStruct } from "../../types.js";
import { OperatorStateError } from "../errors.js";
import type { JobRecord } from "../store.js";
import { inlineResult } from "../submitter.js";
import { collectVotes, publishVote } from "../votes.js";
import type { NodeContext, NodeMode } from "./mode.js";

/**
 * QUORUM: the node signs a vote for its output with its staking account (`voteAccount`) and publishes it in
 * `votesDir`; once k valid votes of operators with the job's minimum stake agree with its output, the lowest
 * signer submits them all, and each next signer in address order takes over after `quorumFallbackMs` if the one
 * before it has not. A node whose vote another node submitted ends `voted`.
 */

const voteMessage = (ctx: NodeContext, jobId: bigint, job: JobStruct) => ({
  hub: ctx.hub,
  chainId: ctx.jobs.store.chainId,
  jobId,
  modelId: job.modelId,
  version: job.version,
  inputHash: job.inputHash,
});

/** Last vote count reported per job (a `quorum-waiting` event is logged when it changes), per node. */
const reportedVotes = new WeakMap<NodeContext, Map<bigint, number>>();

/**
 * This node's output bytes for a job it voted on: from this run, or recomputed (deterministic) after a restart and
 * checked against the hash it voted for.
 */
async function votedOutput(ctx: NodeContext, jobId: bigint, rec: JobRecord, output: Hex | undefined): Promise<Hex> {
  if (output) return output;
  const computed = await ctx.exec.run(await ctx.request(jobId));
  if (computed.outputHash !== rec.outputHash?.toLowerCase()) {
    throw new OperatorStateError({
      file: ctx.jobs.store.file,
      reason: `job ${jobId}: the output recomputed after a restart hashes to ${computed.outputHash}, not the ${rec.outputHash} this node voted for`,
    });
  }
  return computed.outputBytes;
}

/**
 * A `voted` job: reads the published votes, keeps the valid ones for this node's output whose signers have the
 * job's minimum stake, and once there are k: the lowest signer submits (this node, if it is that signer, or if the
 * signers before it have not after their fallback delays); the others wait for the result on chain.
 */
async function tally(ctx: NodeContext, jobId: bigint, output?: { tensor: Tensor | undefined; bytes: Hex }) {
  const rec = ctx.jobs.get(jobId);
  const { job } = await ctx.request(jobId);
  const [status, block] = await Promise.all([ctx.chain.jobStatus(jobId), ctx.chain.latestBlock()]);
  if (status !== "pending") await ctx.jobs.notPending(jobId, status, "after this node voted");
  const { k, minStake } = decodeQuorumParams(job.params);
  const { byOutput } = await collectVotes(ctx.votesDir!, voteMessage(ctx, jobId, job));
  const mine = byOutput.get(rec.outputHash!.toLowerCase() as Hex) ?? [];
  // Only signers with the job's minimum stake count (the hub refuses the whole attestation otherwise).
  const stakes = await ctx.chain.bondedStakes(mine.map((v) => v.signer));
  const counted = mine
    .filter((_, i) => (stakes[i] ?? 0n) > 0n && (stakes[i] ?? 0n) >= minStake)
    .sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1))
    .slice(0, MAX_QUORUM);
  if (counted.length < k) {
    if (block.timestamp > job.deadline) {
      await ctx.jobs.skip(jobId, "quorum-not-reached", `the deadline passed with ${counted.length} of ${k} votes for this node's output`);
    }
    let reported = reportedVotes.get(ctx);
    if (!reported) reportedVotes.set(ctx, (reported = new Map()));
    if (reported.get(jobId) !== counted.length) {
      reported.set(jobId, counted.length);
      ctx.log({ type: "quorum-waiting", jobId, votes: counted.length, required: k });
    }
    await ctx.jobs.later(jobId);
    return;
  }
  const now = Date.now();
  const since = rec.quorumSince ?? now;
  const rank = counted.findIndex((v) => isAddressEqual(v.signer, ctx.voteAccount!.address));
  const submitter = counted[0]!.signer;
  if (rec.quorumSince === undefined) {
    await ctx.jobs.update(jobId, { quorumSince: since });
    ctx.log({ type: "quorum-reached", jobId, signers: counted.map((v) => v.signer), submitter, bySelf: rank === 0 });
  }
  // The lowest signer submits; each next one takes over after another fallback delay.
  if (rank < 0 || now - since < rank * ctx.quorumFallbackMs) {
    await ctx.jobs.later(jobId);
    return;
  }
  if (block.timestamp > job.deadline) {
    await ctx.jobs.skip(jobId, "deadline-too-close", "the deadline passed before the quorum could be submitted");
  }
  const outputBytes = await votedOutput(ctx, jobId, rec, output?.bytes);
  await ctx.submit(jobId, { functionName: "fulfill", args: [jobId, job, inlineResult(outputBytes), encodeQuorumAttestation(counted)] });
  await ctx.settle(jobId, output?.tensor);
}

export const quorumMode: NodeMode = {
  mode: VerityMode.quorum,
  problem(ctx) {
    if (ctx.votesDir === undefined) return "no votesDir is configured to exchange votes with the other operators";
    return ctx.voteAccount ? undefined : "no voteAccount (a local account) is configured to sign votes";
  },
  // A quorum's operator share is split among at least k signers.
  reward: (job) => operatorShare(job, decodeQuorumParams(job.params).k),
  stake: (ctx, job) => ({ who: ctx.voteAccount!.address, required: decodeQuorumParams(job.params).minStake, purpose: "to vote" }),
  /** Signs this node's vote for its output with the voting account, publishes it, records `voted`, and tallies. */
  async deliver(ctx, { jobId, req, computed }) {
    const { outputBytes, outputHash } = computed;
    const message = { ...voteMessage(ctx, jobId, req.job), outputHash };
    const vote = await signQuorumVote({ account: ctx.voteAccount!, ...message });
    ctx.loop.checkStop();
    const file = await publishVote(ctx.votesDir!, message, vote, outputBytes);
    await ctx.jobs.update(jobId, { state: "voted", outputHash, retryAt: undefined });
    ctx.log({ type: "vote-published", jobId, signer: vote.signer, outputHash, file });
    await tally(ctx, jobId, { tensor: computed.output, bytes: outputBytes });
  },
  resume: { voted: (ctx, jobId) => tally(ctx, jobId) },
};

/** Whether this node's vote is among the signers of the job's recorded quorum (read from the fulfill calldata). */
export async function quorumVoteCounted(ctx: Pick<NodeContext, "chain" | "voteAccount">, jobId: bigint, rec: JobRecord) {
  const voter = ctx.voteAccount?.address;
  if (!voter) return undefined;
  const recorded = await ctx.chain.quorumSigners(jobId, rec.requestBlock);
  if (!recorded || !recorded.signers.some((a) => isAddressEqual(a, voter))) return undefined;
  return { txHash: recorded.txHash, signers: recorded.signers.length, voter };
}

