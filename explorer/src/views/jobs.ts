/** Recent jobs, newest first, from `InferenceRequested` logs in block ranges (`listJobs`), with filters in the URL. */
import { type Address, type Hex, isAddress, isHex } from "viem";
import { JOB_STATUSES, type JobStatus, type ModeName, VerityMode, listJobs, modeLabel } from "verity-inference";
import type { Connection } from "../connect.js";
import { alertBox, errorText, h, loading, mono, scroller } from "../dom.js";
import { href } from "../route.js";

const MODES = Object.keys(VerityMode) as ModeName[];
const STATUSES = JOB_STATUSES.slice(1);
/** Jobs per page, and blocks per `eth_getLogs` call. */
const PAGE = 20;
const BLOCK_RANGE = 5_000n;

type Filters = { model?: Hex; requester?: Address; operator?: Address; mode?: ModeName; status?: JobStatus; to?: bigint; limit?: number };

/** The filters of a query; a malformed one throws with what it must be. */
export function parseFilters(q: URLSearchParams): Filters {
  const f: Filters = {};
  const model = q.get("model") || undefined;
  if (model) {
    if (!isHex(model) || model.length !== 66) throw new Error(`model "${model}" is not a model id (0x and 64 hex digits).`);
    f.model = model;
  }
  for (const k of ["requester", "operator"] as const) {
    const v = q.get(k) || undefined;
    if (v && !isAddress(v, { strict: false })) throw new Error(`${k} "${v}" is not an address.`);
    if (v) f[k] = v as Address;
  }
  const mode = q.get("mode") || undefined;
  if (mode && !MODES.includes(mode as ModeName)) throw new Error(`mode "${mode}" is not one of ${MODES.join(", ")}.`);
  if (mode) f.mode = mode as ModeName;
  const status = q.get("status") || undefined;
  if (status && !STATUSES.includes(status as (typeof STATUSES)[number])) throw new Error(`status "${status}" is not one of ${STATUSES.join(", ")}.`);
  if (status) f.status = status as JobStatus;
  const to = q.get("to") || undefined;
  if (to && !/^\d+$/.test(to)) throw new Error(`to "${to}" is not a block number.`);
  if (to) f.to = BigInt(to);
  const limit = q.get("limit") || undefined;
  if (limit && !(/^\d+$/.test(limit) && Number(limit) >= 1 && Number(limit) <= 1000)) throw new Error(`limit "${limit}" is not a page size from 1 to 1000.`);
  if (limit) f.limit = Number(limit);
  return f;
}

function filterForm(query: URLSearchParams): HTMLFormElement {
  const text = (name: string, label: string, placeholder: string) =>
    h("p", { class: "field" }, h("label", { for: `f-${name}` }, label), h("input", { id: `f-${name}`, name, value: query.get(name) ?? "", placeholder, autocomplete: "off", spellcheck: "false" }));
  const select = (name: string, label: string, options: readonly string[]) =>
    h("p", { class: "field" }, h("label", { for: `f-${name}` }, label),
      h("select", { id: `f-${name}`, name }, h("option", { value: "" }, "any"), ...options.map((o) => h("option", { value: o, selected: query.get(name) === o }, o))));
  const form = h("form", { class: "filters", "aria-label": "Filter jobs", "data-filters": true },
    text("model", "Model id", "0x…"), text("requester", "Requester", "0x…"), text("operator", "Operator", "0x…"),
    select("mode", "Mode", MODES), select("status", "Status", STATUSES), h("p", { class: "field" }, h("button", { type: "submit" }, "Filter")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const extra: Record<string, string> = {};
    for (const k of ["model", "requester", "operator", "mode", "status"]) extra[k] = String(data.get(k) ?? "").trim();
    extra.limit = query.get("limit") ?? "";
    location.hash = href("/jobs", query, extra);
  });
  return form;
}

/** Renders the list into `main`. */
export async function renderJobs(main: HTMLElement, query: URLSearchParams, _id: string | undefined, c: Connection): Promise<void> {
  const results = h("div", { "data-slot": "jobs" }, loading("Reading the hub's jobs…"));
  main.replaceChildren(h("h1", {}, "Jobs"), filterForm(query), results);
  let f: Filters;
  try {
    f = parseFilters(query);
  } catch (err) {
    results.replaceChildren(alertBox((err as Error).message));
    return;
  }
  try {
    const page = await listJobs(c.client, {
      hub: c.hub, toBlock: f.to, blockRange: BLOCK_RANGE, limit: f.limit ?? PAGE, modelId: f.model, requester: f.requester, operator: f.operator, mode: f.mode, status: f.status,
    });
    const keep = (extra: Record<string, string | undefined>) =>
      href("/jobs", query, { model: f.model, requester: f.requester, operator: f.operator, mode: f.mode, status: f.status, limit: f.limit?.toString(), ...extra });
    const table = h("table", { class: "jobs", "data-jobs": true },
      h("caption", {}, `${page.jobs.length} job(s), blocks ${page.scanned.toBlock} down to ${page.scanned.fromBlock}`),
      h("thead", {}, h("tr", {}, ...["job", "mode", "status", "model", "requester", "operator", "block"].map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, ...page.jobs.map((j) => h("tr", { "data-job": String(j.jobId) },
        h("td", {}, h("a", { href: href(`/job/${j.jobId}`, query) }, `#${j.jobId}`)),
        h("td", {}, modeLabel(j.job.mode)), h("td", {}, h("span", { class: `badge ${j.status}` }, j.status)),
        h("td", {}, h("a", { href: href(`/model/${j.job.modelId}`, query), title: j.job.modelId }, `${j.job.modelId.slice(0, 10)}… v${j.job.version}`)),
        h("td", {}, mono(j.job.requester)),
        h("td", {}, j.operator ? h("a", { href: href(`/operator/${j.operator}`, query) }, j.operator) : "—"),
        h("td", {}, String(j.requested.blockNumber))))));
    const nav = h("nav", { "aria-label": "Pages", class: "pager" },
      f.to !== undefined ? h("a", { href: keep({ to: undefined }) }, "Newest jobs") : "",
      page.nextToBlock !== undefined ? h("a", { href: keep({ to: String(page.nextToBlock) }), "data-older": true, rel: "next" }, `Older jobs (from block ${page.nextToBlock})`) : h("span", { class: "muted" }, "No older jobs."));
    results.replaceChildren(page.jobs.length ? scroller("jobs", table) : h("p", { "data-empty": true }, "No job matches these filters in the blocks scanned."), nav);
  } catch (err) {
    results.replaceChildren(alertBox(errorText(err)));
  }
}
