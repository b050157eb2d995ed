/**
 * The explorer's URLs: hash routes, so any static server (or a file on disk) serves every view, and each view is a
 * link to share. `#/<view>[/<id>]?rpc=<url>&hub=<address>[&chain=<id>][&dev=0|1][&filters]`:
 *   #/                          connect (an RPC URL and a hub, or a chain with a known deployment)
 *   #/jobs?model=&requester=&operator=&mode=&status=&to=   recent jobs, filtered, paginated by block
 *   #/job/<id>                  a job's story, its evidence and its verdict
 *   #/model/<modelId>           a model's versions
 *   #/operator/<address>        an operator's stake, locks, keys and slashes
 *   #/embed/job/<id>            the widget: one job's verdict, for an iframe beside a transaction
 *   #/receipt?src=<url>         a BATCH receipt (read from src): its verdict, and its inclusion in its batch
 */

/** A parsed route: the view, its id, and the query (connection and filters). */
export type Route = { view: "home" | "jobs" | "job" | "model" | "operator" | "embed" | "receipt"; id: string | undefined; query: URLSearchParams };

/** The connection parameters every view carries along. */
export const CONNECTION_KEYS = ["rpc", "hub", "chain", "dev"] as const;

/** Parses `location.hash` (`#/job/7?rpc=...`); anything unknown is the home view. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, "");
  const q = raw.indexOf("?");
  const path = (q < 0 ? raw : raw.slice(0, q)).split("/").filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(q < 0 ? "" : raw.slice(q + 1));
  const [head, a, b] = path;
  if (head === "jobs") return { view: "jobs", id: undefined, query };
  if (head === "receipt") return { view: "receipt", id: undefined, query };
  if (head === "job" || head === "model" || head === "operator") return { view: head, id: a, query };
  if (head === "embed" && a === "job") return { view: "embed", id: b, query };
  return { view: "home", id: undefined, query };
}

/**
 * The hash of a view with the current connection kept (`rpc`, `hub`, `chain`, `dev` from `from`) and `extra`
 * query parameters added (empty values are left out).
 */
export function href(path: string, from: URLSearchParams, extra: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const k of CONNECTION_KEYS) {
    const v = from.get(k);
    if (v) q.set(k, v);
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== "") q.set(k, v);
  const s = q.toString();
  return `#${path}${s ? `?${s}` : ""}`;
}
