/**
 * The widget: one job's verdict, computed in the browser, compact enough for an iframe beside a transaction on an
 * explorer (`#/embed/job/<id>?rpc=...&hub=...`, about 320 x 120 px). It links to the full audit page.
 */
import { verifyJob } from "verity-inference";
import type { Connection } from "../connect.js";
import { alertBox, errorText, h, loading } from "../dom.js";
import { href } from "../route.js";
import { parseJobId, verdictView } from "./job.js";

/** Renders the widget into `main`. */
export async function renderEmbed(main: HTMLElement, query: URLSearchParams, id: string | undefined, c: Connection): Promise<void> {
  const jobId = parseJobId(id);
  document.body.classList.add("embedded");
  main.replaceChildren(h("p", { class: "widget-title" }, `Verity job ${jobId}`), loading("verifying…"));
  try {
    const report = await verifyJob(c.client, { hub: c.hub, jobId, attestation: await c.attestation() });
    const full = new URL(href(`/job/${jobId}`, query), location.href).href;
    main.replaceChildren(h("p", { class: "widget-title" }, `Verity job ${jobId}`), verdictView(report, true),
      h("a", { href: full, target: "_blank", rel: "noopener" }, "Full audit (opens a new tab)"));
  } catch (err) {
    main.replaceChildren(h("p", { class: "widget-title" }, `Verity job ${jobId}`), alertBox(errorText(err)));
  }
}
