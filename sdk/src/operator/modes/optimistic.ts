import { type Hash, isAddressEqual, zeroHash } from "viem";
import { VerityMode } from "../../constants.js";
import { decodeOptimisticParams } from "../../encoding/params.js";
import type { Tensor } from "../../encoding/tensor.js";
import type { DoneOutcome } from "../store.js";
import { inlineResult } from "../submitter.js";
import type { NodeContext, NodeMode } from "./mode.js";

/**
 * OPTIMISTIC: the node proposes its output with the job's bond, finalizes it once the challenge window is over,
 * and, when challenged, proves its output (with ZK weights) to settle the challenge in its favour (else expires
 * the challenge once its resolution period is over). Wrong proposals by others are the watcher's business.
 */

/** This node's proposal is on chain: record `proposed` (followed on each poll until final). */
async function proposalRecorded(ctx: NodeContext, jobId: bigint, txHash: Hash, gasUsed: bigint, output: Tensor | undefined) {
  const rec = ctx.jobs.get(jobId);
  const event = await ctx.chain.proposalEvent(jobId, rec.requestBlock);
  await ctx.jobs.update(jobId, { state: "proposed", txHash, gasUsed, detail: undefined, retryAt: Date.now() + ctx.pollMs });
  ctx.jobs.session.gasUsed += gasUsed;
  ctx.log({ type: "job-proposed", jobId, txHash, challengeWindowEnd: BigInt(event?.challengeWindowEnd ?? 0), output });
}

/** Challenges already reported, per node. */
const reportedChallenges = new WeakMap<NodeContext, Set<bigint>>();

/** Sends a follow-up and reports it (a follow-up another account sent first is not sent). */
async function followUp(ctx: NodeContext, jobId: bigint, call: Parameters<NodeContext["submitter"]["followUp"]>[0]) {
  const sent = await ctx.submitter.followUp(call, {
    checkStop: () => ctx.loop.checkStop(),
    onSent: (txHash) => ctx.log({ type: "proposal-action", jobId, action: call.functionName, txHash }),
  });
  if (sent) ctx.jobs.session.gasUsed += sent.receipt.gasUsed;
}

/**
 * A `proposed` job, against the chain: finalizes it once the window is over; defends a challenge with a ZK proof
 * of its output when the node has the weights (else expires the challenge once its resolution period is over);
 * records the outcome once the job is final.
 */
async function followProposal(ctx: NodeContext, jobId: bigint): Promise<void> {
  const rec = ctx.jobs.get(jobId);
  const req = await ctx.request(jobId);
  const { job } = req;
  const [status, block, proposal] = await Promise.all([ctx.chain.jobStatus(jobId), ctx.chain.latestBlock(), ctx.chain.proposal(jobId)]);
  const later = async () => void (await ctx.jobs.later(jobId));
  if (status === "proposed") {
    if (block.timestamp <= proposal.closesAt) return later();
    const event = await ctx.chain.proposalEvent(jobId, rec.requestBlock);
    if (!event) return later();
    await followUp(ctx, jobId, {
      functionName: "finalize",
      args: [jobId, job, { output: event.output, outputURI: event.outputURI, outputHash: event.outputURI === "" ? zeroHash : event.outputHash }],
    });
    return later(); // the next poll reads the outcome
  }
  if (status === "challenged") {
    let reported = reportedChallenges.get(ctx);
    if (!reported) reportedChallenges.set(ctx, (reported = new Set()));
    if (!reported.has(jobId)) {
      reported.add(jobId);
      ctx.log({ type: "proposal-challenged", jobId, challenger: proposal.challenger, resolveBy: proposal.closesAt });
    }
    const model = ctx.served(job);
    if (model?.zk) {
      // Defend: prove this node's output (the circuit computes the model's true output for the input).
      const proven = await ctx.exec.prove(req, model.zk);
      ctx.loop.checkStop();
      await followUp(ctx, jobId, { functionName: "resolveChallenge", args: [jobId, job, inlineResult(proven.outputBytes), proven.attestation] });
      return later();
    }
    if (block.timestamp > proposal.closesAt) {
      await followUp(ctx, jobId, { functionName: "expireChallenge", args: [jobId, job] });
    }
    return later();
  }
  // Final (or refunded): how did it end for this node?
  const [resolved, finalized, expired] = await Promise.all([
    ctx.chain.jobEvents("ChallengeResolved", jobId, rec.requestBlock),
    ctx.chain.jobEvents("ResultFinalized", jobId, rec.requestBlock),
    ctx.chain.jobEvents("ChallengeExpired", jobId, rec.requestBlock),
  ]);
  const r = resolved.at(-1);
  const f = finalized.at(-1);
  let outcome: DoneOutcome;
  let detail: string;
  if (status === "refunded" && expired.length > 0) {
    outcome = "expired";
    detail = "the challenge was never resolved: both bonds were returned and the fee refunded";
  } else if (r && !r.args.proposalUpheld) {
    outcome = "overturned";
    detail = `the proposal was proven wrong: the bond and ${r.args.slashed} of stake went to the challenger ${r.args.challenger}`;
  } else if (f && isAddressEqual(f.args.operator, ctx.operator)) {
    outcome = "fulfilled";
    detail = r
      ? `a challenge by ${r.args.challenger} was resolved in this node's favour: both bonds and the fee are credited`
      : "final after the challenge window: the bond and the fee are credited";
  } else {
    return ctx.jobs.skip(jobId, "not-pending", `the hub says the job is ${status}`);
  }
  await ctx.jobs.update(jobId, { state: "done", outcome, detail, retryAt: undefined });
  if (outcome === "fulfilled") ctx.jobs.session.fulfilled++;
  else if (outcome === "overturned") ctx.jobs.session.overturned++;
  ctx.log({ type: "proposal-settled", jobId, outcome, detail });
}

export const optimisticMode: NodeMode = {
  mode: VerityMode.optimistic,
  problem: () => undefined,
  stake: (ctx, job) => ({ who: ctx.operator, required: decodeOptimisticParams(job.params).slashAmount, purpose: "(its slash amount) to propose" }),
  async deliver(ctx, { jobId, req, computed }) {
    await ctx.jobs.update(jobId, { outputHash: computed.outputHash });
    const { bond } = decodeOptimisticParams(req.job.params);
    await ctx.submit(jobId, { functionName: "proposeResult", args: [jobId, req.job, inlineResult(computed.outputBytes)], value: bond });
    await ctx.settle(jobId, computed.output);
  },
  resume: { proposed: followProposal },
  mined: proposalRecorded,
  /** Proposed (and maybe challenged or final since): by this node's transaction, or by another operator? */
  async landed(ctx, jobId, rec, status, output) {
    if (status === "refunded" || status === "none") return undefined;
    const event = await ctx.chain.proposalEvent(jobId, rec.requestBlock);
    if (event && !(await ctx.chain.isConfirmed(event.blockNumber, ctx.confirmations))) return "wait";
    const from = rec.from ?? ctx.operator;
    const byUs = event !== undefined && (rec.txHash ? event.transactionHash === rec.txHash : isAddressEqual(event.proposer, from));
    if (byUs) {
      const receipt = await ctx.chain.receipt(event.transactionHash);
      await ctx.jobs.update(jobId, { txHash: event.transactionHash });
      await proposalRecorded(ctx, jobId, event.transactionHash, receipt.gasUsed, output);
      return "settled";
    }
    return ctx.jobs.doneElsewhere(jobId, `another operator (${event?.proposer ?? "unknown"}) proposed first`, event?.transactionHash);
  },
};
