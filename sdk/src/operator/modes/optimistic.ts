import { type Hash, isAddressEqual, zeroAddress } from "viem";
import { VerityMode } from "../../constants.js";
import { proposalCommitment } from "../../encoding/commitment.js";
import { decodeOptimisticParams } from "../../encoding/params.js";
import type { Tensor } from "../../encoding/tensor.js";
import { ContractRevertError } from "../../errors/contract.js";
import { randomSalt, proposedResult } from "../../internal/optimistic.js";
import type { DoneOutcome } from "../store.js";
import { inlineResult } from "../submitter.js";
import type { NodeContext, NodeMode } from "./mode.js";

/**
 * OPTIMISTIC: the node checks that the job's dispute game (`job.verifier`) is the one it trusts and settles its
 * challenges with the ZK verifier it trusts (finding F7), commits to its output, reveals it with the job's bond in a
 * later block, finalizes it once the challenge window is over, and, when challenged, proves its output (with ZK
 * weights) to settle the challenge in its favour within the resolution period (else expires the challenge once the
 * period is over: the proposal stands). The salt and commitment are persisted (`committed`) before the commitment
 * leaves, so a restart reveals that commitment instead of committing anew. Wrong proposals by others are the
 * watcher's business.
 */

/** This node's proposal is on chain: record `proposed` (followed on each poll until final). */
async function proposalRecorded(ctx: NodeContext, jobId: bigint, txHash: Hash, gasUsed: bigint, output: Tensor | undefined) {
  const rec = ctx.jobs.get(jobId);
  const { job } = await ctx.request(jobId);
  const event = await ctx.chain.proposalEvent(job.verifier, jobId, rec.requestBlock);
  await ctx.jobs.update(jobId, { state: "proposed", txHash, gasUsed, detail: undefined, retryAt: Date.now() + ctx.pollMs });
  ctx.jobs.session.gasUsed += gasUsed;
  ctx.log({ type: "job-proposed", jobId, txHash, challengeWindowEnd: event?.challengeWindowEnd ?? 0n, output });
}

/** Challenges already reported, per node. */
const reportedChallenges = new WeakMap<NodeContext, Set<bigint>>();

/** Sends a call that needs no record and reports it (a follow-up another account sent first is not sent). */
async function followUp(
  ctx: NodeContext,
  jobId: bigint,
  call: Exclude<Parameters<NodeContext["submitter"]["followUp"]>[0], { functionName: "announceService" }>,
) {
  const sent = await ctx.submitter.followUp(call, {
    checkStop: () => ctx.loop.checkStop(),
    onSent: (txHash) => {
      if (call.functionName !== "commitProposal") ctx.log({ type: "proposal-action", jobId, action: call.functionName, txHash });
    },
  });
  if (sent) ctx.jobs.session.gasUsed += sent.receipt.gasUsed;
  return sent;
}

/** Why this node does not trust the job's dispute game, or undefined when it does. */
async function distrust(ctx: NodeContext, job: { verifier: `0x${string}` }): Promise<string | undefined> {
  const trusted = await ctx.trustedDispute();
  if (trusted.game === zeroAddress) return "the hub has no OPTIMISTIC dispute game (verifierOf(4) is zero) and none is configured";
  if (!isAddressEqual(job.verifier, trusted.game)) {
    return `the job is committed to the dispute game ${job.verifier}, not the trusted ${trusted.game}: a proposal there could be settled by rules this node never checked`;
  }
  const info = await ctx.chain.gameInfo(job.verifier);
  if (!isAddressEqual(info.hub, ctx.hub)) return `the dispute game ${job.verifier} settles jobs of hub ${info.hub}, not ${ctx.hub}`;
  if (!isAddressEqual(info.zkVerifier, trusted.zkVerifier)) {
    return `the dispute game ${job.verifier} settles challenges with the ZK verifier ${info.zkVerifier}, not the trusted ${trusted.zkVerifier}`;
  }
  return undefined;
}

/**
 * A `committed` job: commits (unless the game already has the commitment: a restart never commits a new salt), then
 * reveals in a later block with the bond (the recorded send), and settles the reveal.
 */
async function reveal(ctx: NodeContext, jobId: bigint, output?: Tensor): Promise<void> {
  const rec = ctx.jobs.get(jobId);
  const req = await ctx.request(jobId);
  const { job } = req;
  const game = job.verifier;
  if (!rec.salt || !rec.commitment || !rec.output) throw new Error(`job ${jobId} is committed without a stored salt, commitment and output`);
  const status = await ctx.chain.jobStatus(jobId);
  if (status !== "pending") {
    // The reveal may have landed before the node could record it (a crash between broadcast and record).
    const event = await ctx.chain.proposalEvent(game, jobId, rec.requestBlock);
    if (event && isAddressEqual(event.proposer, ctx.operator)) {
      const receipt = await ctx.chain.receipt(event.transactionHash);
      await ctx.jobs.update(jobId, { txHash: event.transactionHash });
      return proposalRecorded(ctx, jobId, event.transactionHash, receipt.gasUsed, output);
    }
    return ctx.jobs.notPending(jobId, status, "before this node revealed its commitment");
  }
  const block = await ctx.chain.latestBlock();
  if (block.timestamp > job.deadline) {
    return ctx.jobs.skip(jobId, "deadline-too-close", "the deadline passed before the commitment could be revealed");
  }

  if ((await ctx.chain.commitmentBlock(game, rec.commitment)) === 0n) {
    const sent = await followUp(ctx, jobId, { functionName: "commitProposal", game, args: [jobId, rec.commitment] });
    if (!sent || sent.receipt.status !== "success") throw new Error(`job ${jobId}: the commitment transaction ${sent?.txHash} did not succeed`);
    ctx.log({ type: "proposal-committed", jobId, txHash: sent.txHash, commitment: rec.commitment, blockNumber: sent.receipt.blockNumber });
  }
  ctx.loop.checkStop();

  // The reveal, in a later block than the commitment (a node that simulates it in the commitment's block says
  // GameCommitTooRecent: wait for the next block).
  const { bond } = decodeOptimisticParams(job.params);
  for (;;) {
    try {
      await ctx.submit(jobId, { functionName: "proposeResult", game, args: [jobId, job, inlineResult(rec.output), rec.salt], value: bond });
      break;
    } catch (e) {
      if (!(e instanceof ContractRevertError && e.errorName === "GameCommitTooRecent")) throw e;
      await ctx.loop.sleep(ctx.pollMs);
    }
  }
  await ctx.settle(jobId, output);
}

/**
 * A `proposed` job, against its game: finalizes it once the window is over; defends a challenge with a ZK proof of
 * its output when the node has the weights and the resolution period is open (else expires the challenge once it is
 * over: the proposal stands); records the outcome once the job is final.
 */
async function followProposal(ctx: NodeContext, jobId: bigint): Promise<void> {
  const rec = ctx.jobs.get(jobId);
  const req = await ctx.request(jobId);
  const { job } = req;
  const game = job.verifier;
  const [status, block, proposal] = await Promise.all([ctx.chain.jobStatus(jobId), ctx.chain.latestBlock(), ctx.chain.proposal(game, jobId)]);
  const later = async () => void (await ctx.jobs.later(jobId));
  const proposed = async () => {
    const event = await ctx.chain.proposalEvent(game, jobId, rec.requestBlock);
    return event && proposedResult(event.output);
  };
  if (status === "proposed") {
    if (block.timestamp <= proposal.closesAt) return later();
    const result = await proposed();
    if (!result) return later();
    await followUp(ctx, jobId, { functionName: "finalize", game, args: [jobId, job, result] });
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
    if (model?.zk && block.timestamp <= proposal.closesAt) {
      // Defend: prove this node's output (the circuit computes the model's true output for the input), bound to
      // this node, which sends resolveChallenge.
      const proven = await ctx.exec.prove(req, model.zk, { submitter: ctx.operator });
      ctx.loop.checkStop();
      await followUp(ctx, jobId, { functionName: "resolveChallenge", game, args: [jobId, job, inlineResult(proven.outputBytes), proven.attestation] });
      return later();
    }
    if (block.timestamp > proposal.closesAt) {
      const result = await proposed();
      if (result) await followUp(ctx, jobId, { functionName: "expireChallenge", game, args: [jobId, job, result] });
    }
    return later();
  }
  // Final (or refunded): how did it end for this node?
  const [resolved, finalized, expired] = await Promise.all([
    ctx.chain.gameEvents(game, "ChallengeResolved", jobId, rec.requestBlock),
    ctx.chain.gameEvents(game, "ResultFinalized", jobId, rec.requestBlock),
    ctx.chain.gameEvents(game, "ChallengeExpired", jobId, rec.requestBlock),
  ]);
  const r = resolved.at(-1);
  const f = finalized.at(-1);
  const x = expired.at(-1);
  let outcome: DoneOutcome;
  let detail: string;
  if (r && !r.args.proposalUpheld) {
    outcome = "overturned";
    detail =
      `the proposal was proven wrong by ${r.args.resolver}: the fee and this node's bond went to the resolver, ` +
      `${r.args.slashed} of its locked stake to the challenger ${r.args.challenger} and ${r.args.burned} was burned`;
  } else if (f && isAddressEqual(f.args.operator, ctx.operator)) {
    outcome = "fulfilled";
    detail = r
      ? `a challenge by ${r.args.challenger} was resolved in this node's favour by ${r.args.resolver}: the fee and ${f.args.bondCredited} of bonds are credited`
      : x
        ? `a challenge by ${x.args.challenger} was never resolved: the proposal stood; the fee and both bonds (${f.args.bondCredited}) are credited`
        : `final after the challenge window: the fee and the bond (${f.args.bondCredited}) are credited`;
  } else {
    return ctx.jobs.skip(jobId, "not-pending", `the hub says the job is ${status}`);
  }
  await ctx.jobs.update(jobId, { state: "done", outcome, detail, retryAt: undefined });
  if (outcome === "fulfilled") ctx.jobs.session.fulfilled++;
  else ctx.jobs.session.overturned++;
  ctx.log({ type: "proposal-settled", jobId, outcome, detail });
}

export const optimisticMode: NodeMode = {
  mode: VerityMode.optimistic,
  problem: () => undefined,
  stake: (ctx, job) => ({
    who: ctx.operator,
    required: decodeOptimisticParams(job.params).slashAmount,
    purpose: "(its slash amount, locked by the proposal) to propose",
    free: true,
  }),
  vet: distrust,
  async deliver(ctx, { jobId, computed }) {
    const rec = ctx.jobs.get(jobId);
    // A job committed before (a reveal that never landed, served again) keeps its salt: never a second commitment.
    const reuse = rec.salt !== undefined && rec.commitment !== undefined && rec.outputHash === computed.outputHash;
    const salt = reuse ? rec.salt! : randomSalt();
    const commitment = reuse
      ? rec.commitment!
      : proposalCommitment({ jobId, proposer: ctx.operator, outputHash: computed.outputHash, salt });
    // Persisted before the commitment leaves: a restart reveals this commitment.
    await ctx.jobs.update(jobId, { state: "committed", outputHash: computed.outputHash, output: computed.outputBytes, salt, commitment });
    await reveal(ctx, jobId, computed.output);
  },
  resume: { committed: (ctx, jobId) => reveal(ctx, jobId), proposed: followProposal },
  mined: proposalRecorded,
  /** Proposed (and maybe challenged or final since): by this node's transaction, or by another operator? */
  async landed(ctx, jobId, rec, status, output) {
    if (status === "refunded" || status === "none") return undefined;
    const { job } = await ctx.request(jobId);
    const event = await ctx.chain.proposalEvent(job.verifier, jobId, rec.requestBlock);
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
