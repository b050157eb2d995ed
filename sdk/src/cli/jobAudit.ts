/**
 * `verity job audit`'s story and how it is printed: the job and its request, the timeline from its events, its
 * enclave key's or dispute's history, and its verdict with every check (cli/job.ts reads it all).
 */
import { type Address, type Hex, isAddressEqual, zeroAddress } from "viem";
import type { GetEnclaveKeyHistoryReturnType } from "../actions/getEnclaveKeyHistory.js";
import type { VerifyJobReport } from "../proofs/report.js";
import type { OptimisticReport } from "../proofs/verifyOptimisticJob.js";
import type { Job } from "../types.js";
import { type Currency, formatAmount, formatFields, formatTensorBytes, formatTime } from "./format.js";

/** The whole story `verity job audit` prints: the job, its timeline and evidence, and its verdict. */
export type Story = {
  jobId: bigint;
  status: string;
  hub: Address;
  request: {
    requester: Address; modelId: Hex; modelName: string; modelOwner: Address; version: number; artifactHash: Hex; uri: string; mode: string;
    input: Hex | undefined; inputURI: string | undefined; inputHash: Hex; fee: bigint; feeSplit: { model: bigint; protocol: bigint; operator: bigint; protocolFeeBps: number };
    deadline: bigint; callback: { address: Address; gasLimit: number } | undefined; blockNumber: bigint; timestamp: bigint; transactionHash: Hex;
  };
  fulfillment:
    | { operator: Address; operators: readonly Address[] | undefined; outputHash: Hex; output: Hex | undefined; outputURI: string | undefined;
        prediction: { label: string; index: number } | undefined; blockNumber: bigint; timestamp: bigint | undefined; transactionHash: Hex; gasUsed: bigint | undefined }
    | undefined;
  callbackFailures: { callback: Address; reason: Hex; blockNumber: bigint; transactionHash: Hex }[];
  refund: Job["refund"];
  timeline: { kind: string; what: string; blockNumber: bigint; timestamp: bigint; from: Address; transactionHash: Hex }[];
  dispute: OptimisticReport | undefined;
  enclaveKey: GetEnclaveKeyHistoryReturnType | undefined;
  withdrawals: { kind: string; account: Address; amount: bigint; token: Address; blockNumber: bigint; transactionHash: Hex }[];
  treasury: Address;
  verification: VerifyJobReport | { error: string | undefined };
};

/** An enclave key's story, one line per event. */
function formatKeyStory(k: GetEnclaveKeyHistoryReturnType, stake: Currency): string[] {
  const tee = k.teeType === 1 ? "AWS Nitro" : k.teeType === 2 ? "Intel TDX" : `TEE type ${k.teeType}`;
  const out = [`  ${k.key}: ${k.status} now, ${tee}, measurement ${k.measurement}, operator ${k.operator}, ${formatAmount(k.stake, stake)} locked, expires ${formatTime(k.expiresAt)}`];
  for (const e of k.events) {
    const where = `block ${e.blockNumber} (tx ${e.transactionHash})`;
    const line =
      e.kind === "registered"
        ? `registered by ${e.operator} with ${formatAmount(e.stake, stake)} locked`
        : e.kind === "attested"
          ? `attested: evidence ${e.evidenceHash} at ${e.evidenceURI.length > 80 ? `${e.evidenceURI.slice(0, 60)}… (${e.evidenceURI.length} characters)` : e.evidenceURI}, by ${e.attestors.join(", ") || e.verifier}, until ${formatTime(e.expiresAt)}`
          : e.kind === "revoked"
            ? `revoked by ${e.by}; stake releasable from ${formatTime(e.releaseAt)}`
            : e.kind === "released"
              ? `released: ${formatAmount(e.stake, stake)} unlocked`
              : `slashed for job ${e.jobId} by ${e.disputer}: signed ${e.signedOutputHash}, proven ${e.provenOutputHash}`;
    out.push(`  ${where}: ${line}`);
  }
  return out;
}

export function formatAudit(s: Story, currency: Currency, stake: Currency): string {
  const r = s.request;
  const amount = (a: bigint) => formatAmount(a, currency);
  const out: string[] = [`Job ${s.jobId} on hub ${s.hub}: ${s.status}`, "", "Request"];
  out.push(
    formatFields(
      [
        ["when", `block ${r.blockNumber} at ${formatTime(r.timestamp)}, tx ${r.transactionHash}`],
        ["requester", r.requester],
        ["model", `"${r.modelName}" ${r.modelId}, owner ${r.modelOwner}`],
        ["version", `${r.version}: artifact ${r.artifactHash} at ${r.uri}`],
        ["mode", r.mode],
        ["input", r.input ? formatTensorBytes(r.input) : `off chain at ${r.inputURI}`],
        ["input hash", r.inputHash],
        ["fee", amount(r.fee)],
        ["  model owner", amount(r.feeSplit.model)],
        ["  protocol", `${amount(r.feeSplit.protocol)} (${r.feeSplit.protocolFeeBps / 100}% of the rest, to treasury ${s.treasury})`],
        ["  operator", amount(r.feeSplit.operator)],
        ["deadline", `${formatTime(r.deadline)} (${r.deadline})`],
        ["callback", r.callback ? `${r.callback.address}, exactly ${r.callback.gasLimit} gas` : "none"],
      ],
      "  ",
    ),
  );
  const f = s.fulfillment;
  out.push("", "Fulfilment");
  if (f) {
    out.push(
      formatFields(
        [
          ["when", `block ${f.blockNumber}${f.timestamp !== undefined ? ` at ${formatTime(f.timestamp)}` : ""}, tx ${f.transactionHash}${f.gasUsed !== undefined ? ` (${f.gasUsed} gas)` : ""}`],
          ["operator", f.operators && f.operators.length > 1 ? `${f.operators.join(", ")} (shared)` : f.operator],
          ["output", f.output ? formatTensorBytes(f.output) : `off chain at ${f.outputURI}`],
          ...(f.prediction ? ([["class", `${f.prediction.label} (index ${f.prediction.index})`]] as [string, string][]) : []),
          ["output hash", f.outputHash],
        ],
        "  ",
      ),
    );
  } else {
    out.push(s.refund ? "  none: the job expired unfulfilled" : "  none yet");
  }
  if (s.dispute) out.push("", "Dispute (the job's OPTIMISTIC game)", ...formatDispute(s.dispute, currency, stake));
  if (s.enclaveKey) out.push("", "Enclave key (from the enclave registry's events)", ...formatKeyStory(s.enclaveKey, stake));
  out.push("", "Callback");
  if (!r.callback) out.push("  none requested");
  else if (s.callbackFailures.length === 0) out.push(f ? "  delivered (no CallbackFailed event)" : "  not called yet");
  for (const c of s.callbackFailures) out.push(`  FAILED at block ${c.blockNumber} (tx ${c.transactionHash}): revert data ${c.reason}`);
  out.push("", "Refund");
  if (s.refund) {
    out.push(`  ${amount(s.refund.amount)} credited to ${s.refund.requester} at block ${s.refund.blockNumber} (tx ${s.refund.transactionHash})`);
    out.push(`  ${refundNextStep(s.refund.requester, s.refund.feeToken)}`);
  } else out.push("  none");
  out.push("", "Timeline (every event naming the job)");
  for (const e of s.timeline) out.push(`  block ${e.blockNumber} at ${formatTime(e.timestamp)}, tx ${e.transactionHash} from ${e.from}: ${e.what}`);
  out.push("", "Withdrawals by the job's parties since the request (credits are pooled: they may include other jobs)");
  if (s.withdrawals.length === 0) out.push("  none");
  for (const w of s.withdrawals) {
    const what = w.token === currency.token ? amount(w.amount) : formatAmount(w.amount, NATIVE_CURRENCY);
    out.push(`  ${w.kind} ${w.account} withdrew ${what} at block ${w.blockNumber} (tx ${w.transactionHash})`);
  }
  out.push("", "Verification");
  if ("checks" in s.verification) {
    out.push(`  ${VERDICT_TEXT[s.verification.verdict]}`, formatChecks(s.verification));
  } else {
    out.push(`  could not verify: ${s.verification.error}`);
  }
  return out.join("\n");
}


const NATIVE_CURRENCY: Currency = { token: zeroAddress, symbol: "ETH", decimals: 18, native: true };

/** Who an account is in a job's story. */
export function partyOf(account: Address, requester: Address, operator: Address | undefined, dispute: OptimisticReport | undefined): string {
  const roles: string[] = [];
  if (isAddressEqual(account, requester)) roles.push("requester");
  if (dispute?.proposal && isAddressEqual(account, dispute.proposal.proposer)) roles.push("proposer");
  if (dispute?.challenge && isAddressEqual(account, dispute.challenge.challenger)) roles.push("challenger");
  if (dispute?.resolution && isAddressEqual(account, dispute.resolution.resolver)) roles.push("resolver");
  if (roles.length === 0 && operator && isAddressEqual(account, operator)) roles.push("operator");
  return roles.join("/") || "party";
}

/** An OPTIMISTIC job's dispute, in the order it happened: commitment, proposal, challenge, resolution, payouts. */
function formatDispute(d: OptimisticReport, currency: Currency, stake: Currency): string[] {
  const eth = (a: bigint) => formatAmount(a, NATIVE_CURRENCY);
  const staked = (a: bigint) => formatAmount(a, stake);
  const rows: [string, string][] = [
    ["game", `${d.game}, challenges settled by ZK verifier ${d.zkVerifier}`],
    ["terms", `window ${d.window} s, bonds of ${eth(d.bond)}, ${staked(d.slashAmount)} of stake locked per proposal`],
    ["state", `${d.state}${d.outcome ? ` (${d.outcome})` : ""}`],
  ];
  const p = d.proposal;
  if (p) {
    if (p.committedAt !== undefined) rows.push(["committed", `block ${p.committedAt} by ${p.proposer} (the answer hidden until the reveal)`]);
    rows.push(["proposed", `block ${p.blockNumber} at ${formatTime(p.timestamp)} by ${p.proposer}: output ${p.outputHash}; challengeable until ${formatTime(p.challengeWindowEnd)}`]);
  } else rows.push(["proposed", "not yet"]);
  const c = d.challenge;
  if (c) rows.push(["challenged", `block ${c.blockNumber} at ${formatTime(c.timestamp)} by ${c.challenger}; a proof was due by ${formatTime(c.resolveBy)}`]);
  const r = d.resolution;
  if (r) {
    rows.push([
      "resolved",
      `block ${r.blockNumber} by ${r.resolver} with a ZK proof of ${r.provenOutputHash}: the proposal was ${r.proposalUpheld ? "UPHELD" : "OVERTURNED"}` +
        `${r.proofValid === true ? " (proof re-verified)" : r.proofValid === false ? " (proof did NOT re-verify)" : ""}`,
    ]);
    if (!r.proposalUpheld) rows.push(["slashed", `${staked(r.slashed)} of the proposer's stake to the challenger (slash credit), ${staked(r.burned)} burned`]);
  }
  if (d.expired) rows.push(["expired", `block ${d.expired.blockNumber}: nobody proved in time, the proposal stands`]);
  if (d.finalized) {
    rows.push(["final", `block ${d.finalized.blockNumber}: the fee's operator share (in ${currency.symbol}) to ${d.finalized.operator}`]);
    for (const pay of d.payouts) rows.push(["  bond", `${eth(pay.amount)} to ${pay.account}: ${pay.why}`]);
  }
  return [formatFields(rows, "  ")];
}

/** What a requester does to receive a refund credited at the hub. */
export function refundNextStep(requester: Address, feeToken: Address): string {
  return `the refund is credited to ${requester} at the hub, not sent: to receive it, run \`verity withdraw${feeToken === zeroAddress ? "" : ` --token ${feeToken}`}\` with the requester's key`;
}

/** verifyJob's checks, one line each. */
export function formatChecks(report: VerifyJobReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  return report.checks
    .map((c) => `  ${c.skipped ? "skip" : c.ok ? "ok  " : "FAIL"}  ${c.name.padEnd(width)}  ${c.detail}`)
    .join("\n");
}

export const VERDICT_TEXT = {
  valid: "VALID: every check holds",
  invalid: "INVALID: a check failed",
  pending: "PENDING: no final result yet",
} as const;
