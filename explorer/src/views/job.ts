/**
 * A job's page: its verdict (`verifyJob`, run here, every check with its reason), its request, its timeline from
 * events (`getJobHistory`), its input and output decoded, and its mode's evidence.
 */
import {
  type GetJobHistoryReturnType,
  type IoSignature,
  type VerifyJobReport,
  describeJobEvent,
  getIoSignature,
  getJobHistory,
  modeLabel,
  verifyJob,
} from "verity-inference";
import type { Connection } from "../connect.js";
import { alertBox, amount, errorText, fields, h, loading, mono, scroller, section, time } from "../dom.js";
import { href } from "../route.js";
import { evidenceView } from "./evidence.js";
import { tensorsView } from "./tensors.js";

const VERDICT_TEXT = { valid: "VALID: every check holds", invalid: "INVALID: a check failed", pending: "PENDING: no final result yet" } as const;

/** The job id of a route, or an error saying what a job id is. */
export function parseJobId(id: string | undefined): bigint {
  if (!id || !/^\d+$/.test(id) || BigInt(id) === 0n) throw new Error(`"${id ?? ""}" is not a job id: job ids are whole numbers from 1.`);
  return BigInt(id);
}

/** What verdictView shows: verifyJob's report, or verifyReceipt's (the same shape). */
export type VerdictReport = Pick<VerifyJobReport, "verdict"> & { checks: readonly { name: string; ok: boolean; skipped?: boolean | undefined; detail: string }[] };

/** The verdict and every check, as a section (`data-verdict` carries the verdict); `by` names the SDK's check. */
export function verdictView(report: VerdictReport, compact = false, by = "verifyJob"): HTMLElement {
  const failed = report.checks.filter((c) => !c.ok && !c.skipped);
  const banner = h("p", { class: `verdict ${report.verdict}`, "data-verdict": report.verdict, role: "status" }, VERDICT_TEXT[report.verdict]);
  const reason = failed.length > 0 ? h("p", { class: "reason", "data-reason": true }, `${failed[0]!.name}: ${failed[0]!.detail}`) : undefined;
  if (compact) return h("div", {}, banner, reason, h("p", { class: "muted" }, `${report.checks.filter((c) => c.ok).length} of ${report.checks.length} checks hold`));
  const rows = report.checks.map((c) =>
    h("tr", { "data-check": c.name, "data-ok": String(c.ok) },
      h("th", { scope: "row" }, c.name), h("td", { class: c.skipped ? "muted" : c.ok ? "ok" : "bad" }, c.skipped ? "skipped" : c.ok ? "holds" : "FAILS"), h("td", {}, c.detail)),
  );
  return section("Verdict (computed in this browser)", banner, reason,
    scroller("verification checks", h("table", { class: "checks" }, h("caption", {}, `${report.checks.length} checks of ${by}`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "check"), h("th", { scope: "col" }, "verdict"), h("th", { scope: "col" }, "reason"))), h("tbody", {}, ...rows))));
}

function requestView(c: Connection, query: URLSearchParams, hist: GetJobHistoryReturnType): HTMLElement {
  const j = hist.job.job;
  const s = hist.feeSplit;
  return section("Request", fields([
    ["requester", h("a", { href: href("/jobs", query, { requester: j.requester }) }, j.requester)],
    ["model", h("a", { href: href(`/model/${j.modelId}`, query) }, mono(j.modelId))],
    ["version", String(j.version)],
    ["mode", modeLabel(j.mode)],
    ["fee", `${amount(j.fee, j.feeToken)}: model owner ${amount(s.model, j.feeToken)}, protocol ${amount(s.protocol, j.feeToken)} (${s.protocolFeeBps / 100}% of the rest), operators ${amount(s.operator, j.feeToken)}`],
    ["deadline", time(j.deadline)],
    ["callback", j.callback === "0x0000000000000000000000000000000000000000" ? "none" : h("span", {}, mono(j.callback), ` (${j.callbackGasLimit} gas): ${hist.callback}`)],
    ["operators credited", hist.operators ? h("span", {}, ...hist.operators.flatMap((o, i) => [i ? ", " : "", h("a", { href: href(`/operator/${o}`, query) }, o)])) : "none yet"],
    ["hub", mono(c.hub)],
  ]));
}

function timelineView(query: URLSearchParams, hist: GetJobHistoryReturnType): HTMLElement {
  const list = h("ol", { class: "timeline", "data-timeline": true });
  for (const e of hist.events) {
    list.append(h("li", { "data-kind": e.kind },
      h("p", { class: "when" }, h("strong", {}, e.kind), " · block ", String(e.blockNumber), " · ", time(e.timestamp)),
      h("p", {}, describeJobEvent(e, hist.job.job.feeToken)),
      h("p", { class: "muted" }, "tx ", mono(e.transactionHash), " from ", h("a", { href: href(`/operator/${e.from}`, query) }, e.from))));
  }
  return section("Timeline", list);
}

/** Renders the job page into `main`; resolves once everything is shown (errors are shown, not thrown). */
export async function renderJob(main: HTMLElement, query: URLSearchParams, id: string | undefined, c: Connection): Promise<void> {
  const jobId = parseJobId(id);
  const status = loading(`Reading job ${jobId} and verifying it…`);
  const verdictSlot = h("div", { "data-slot": "verdict" }, status);
  const rest = h("div");
  main.replaceChildren(h("h1", {}, `Job ${jobId}`), h("p", { class: "muted" }, `chain ${c.chainId} · hub `, mono(c.hub), c.development ? " · development TEE evidence accepted (local chain)" : ""), verdictSlot, rest);
  // The verdict first: verifyJob has the node to itself (its reads are a chain of round trips), then the story is read.
  const verifying = c.attestation().then((attestation) => verifyJob(c.client, { hub: c.hub, jobId, attestation }));
  const reading = verifying.then(
    () => getJobHistory(c.client, { hub: c.hub, jobId }),
    () => getJobHistory(c.client, { hub: c.hub, jobId }),
  );
  const shown = verifying.then(
    (r) => verdictSlot.replaceChildren(verdictView(r)),
    () => undefined,
  );
  const [hist, report] = await Promise.allSettled([reading, verifying]);
  await shown;
  if (hist.status === "rejected") {
    verdictSlot.replaceChildren(alertBox(errorText(hist.reason)));
    return;
  }
  const history = hist.value;
  const j = history.job;
  main.querySelector("h1")!.append(" ", h("span", { class: `badge ${j.status}`, "data-status": j.status }, j.status));
  if (report.status === "rejected") verdictSlot.replaceChildren(alertBox(`verifyJob could not check this job: ${errorText(report.reason)}`));
  let signature: IoSignature | undefined;
  try {
    signature = await getIoSignature(c.client, { hub: c.hub, modelId: j.job.modelId, version: j.job.version });
  } catch {
    signature = undefined; // a version without a readable signature: tensors are still decoded, unnamed
  }
  const f = j.fulfillment;
  rest.replaceChildren(
    requestView(c, query, history),
    timelineView(query, history),
    section("Input", tensorsView("input", { bytes: j.input, uri: j.inputURI, hash: j.job.inputHash }, signature)),
    section("Output", f ? tensorsView("output", { bytes: f.output, uri: f.outputURI, hash: f.outputHash }, signature) : h("p", {}, "No result yet.")),
  );
  if (report.status === "fulfilled") {
    try {
      rest.append(await evidenceView(c, query, jobId, j.job, report.value));
    } catch (err) {
      rest.append(section("Evidence", alertBox(errorText(err))));
    }
  }
}
