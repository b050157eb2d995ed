/**
 * The Verity explorer: an audit page for a job's story and its verdict, verified in the browser from chain data
 * alone with the verity-inference SDK. Static files: every view is a hash route (see ./route.ts), so a link shares it.
 */
import { ConnectionError, connect, hasConnection } from "./connect.js";
import { alertBox, errorText, h, loading } from "./dom.js";
import { type Route, href, parseRoute } from "./route.js";

/**
 * Each view's code, loaded while the chain is asked (`connect`): the first screen parses only the router and the
 * connection, and the view's chunk (the SDK's readers and checks) arrives in parallel with the first RPC answers.
 */
const VIEWS = {
  jobs: () => import("./views/jobs.js").then((m) => m.renderJobs),
  job: () => import("./views/job.js").then((m) => m.renderJob),
  model: () => import("./views/registry.js").then((m) => m.renderModel),
  operator: () => import("./views/registry.js").then((m) => m.renderOperator),
  embed: () => import("./views/embed.js").then((m) => m.renderEmbed),
  receipt: () => import("./views/receipt.js").then((m) => m.renderReceipt),
} as const;

const main = document.getElementById("main")!;
let generation = 0;

/** The connect form (RPC URL and hub, or a chain with a known deployment) and a job lookup. */
function renderHome(query: URLSearchParams, problem?: string): void {
  const input = (name: string, label: string, value: string, hint: string, type = "text") =>
    h("p", { class: "field" }, h("label", { for: `c-${name}` }, label), h("input", { id: `c-${name}`, name, type, value, autocomplete: "off", spellcheck: "false", "aria-describedby": `c-${name}-hint` }),
      h("span", { id: `c-${name}-hint`, class: "hint" }, hint));
  const form = h("form", { class: "connect", "aria-label": "Connect to a chain", "data-connect": true },
    input("rpc", "RPC URL", query.get("rpc") ?? "http://127.0.0.1:8545", "A JSON-RPC endpoint: a local hardhat node is http://127.0.0.1:8545.", "url"),
    input("hub", "Hub address", query.get("hub") ?? "", "The InferenceHub (verity deploy prints it). Leave empty to use the chain's known deployment."),
    input("chain", "Chain id (known deployment)", query.get("chain") ?? "", "Used when the hub is empty: reads deployments/<chain id>.json beside this page."),
    input("job", "Job id (optional)", "", "Open this job directly; else the list of recent jobs."),
    input("receipt", "BATCH receipt URL (optional)", "", "Check a receipt an operator's HTTP server signed: its /v1/receipts/<n> address.", "url"),
    h("p", { class: "field" }, h("button", { type: "submit" }, "Open")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const d = new FormData(form);
    const q = new URLSearchParams();
    for (const k of ["rpc", "hub", "chain"]) {
      const v = String(d.get(k) ?? "").trim();
      if (v) q.set(k, v);
    }
    const job = String(d.get("job") ?? "").trim();
    const receipt = String(d.get("receipt") ?? "").trim();
    location.hash = receipt ? href("/receipt", q, { src: receipt }) : href(job ? `/job/${job}` : "/jobs", q);
  });
  main.replaceChildren(h("h1", {}, "Audit a Verity job"),
    h("p", {}, "Every job's story from its events, its input and output, its mode's evidence, and its verdict, re-checked here by the SDK's verifyJob from chain data alone."),
    ...(problem ? [alertBox(problem)] : []), form);
}

async function render(route: Route, mine: number): Promise<void> {
  document.body.classList.remove("embedded");
  for (const a of document.querySelectorAll<HTMLAnchorElement>("[data-view]")) {
    if (a.dataset.view === route.view) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
    a.href = href(a.dataset.view === "jobs" ? "/jobs" : "/", route.query);
  }
  if (route.view === "home") {
    document.title = "Verity explorer";
    return renderHome(route.query);
  }
  if (!hasConnection(route.query)) return renderHome(route.query, "Connect first: give an RPC URL and a hub address (or a chain with a known deployment).");
  main.replaceChildren(loading("Connecting…"));
  try {
    const [c, view] = await Promise.all([connect(route.query), VIEWS[route.view]()]);
    if (mine !== generation) return;
    document.title = `${route.view === "jobs" ? "Jobs" : `${route.view} ${route.id ?? ""}`} · Verity explorer`;
    await view(main, route.query, route.id, c);
  } catch (err) {
    if (mine !== generation) return;
    if (err instanceof ConnectionError) renderHome(route.query, err.message);
    else main.replaceChildren(h("h1", {}, "Cannot show this"), alertBox(errorText(err)));
  }
}

async function onRoute(focus: boolean): Promise<void> {
  const mine = ++generation;
  const hash = location.hash;
  document.body.removeAttribute("data-ready");
  await render(parseRoute(hash), mine);
  if (mine !== generation) return;
  // The route shown, once shown: tests and embedders wait for it.
  document.body.setAttribute("data-ready", hash);
  // After a navigation, keyboard and screen-reader users land on the new view's content.
  if (focus) main.focus();
}

document.querySelector<HTMLAnchorElement>("[data-skip]")?.addEventListener("click", (e) => {
  e.preventDefault();
  main.focus();
});
window.addEventListener("hashchange", () => void onRoute(true));
void onRoute(false);
