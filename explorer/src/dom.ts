/** Small DOM helpers: elements from data (text only: nothing from the chain is parsed as HTML), and formats. */
import { type Address, formatEther, zeroAddress } from "viem";

type Child = Node | string | number | bigint | false | null | undefined;
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

/** `h("a", { href }, "text")`: an element; `on<event>` attributes are listeners, `false`/`undefined` are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== false && c !== null && c !== undefined) el.append(typeof c === "object" ? c : String(c));
  return el;
}

/** A definition list of `[term, value]` rows. */
export function fields(rows: readonly (readonly [string, Child])[]): HTMLDListElement {
  const dl = h("dl", { class: "fields" });
  for (const [k, v] of rows) dl.append(h("dt", {}, k), h("dd", {}, v));
  return dl;
}

/** A section with a heading (`level` 2 by default) and its content. */
export function section(title: string, ...content: Child[]): HTMLElement {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return h("section", { "aria-labelledby": id }, h("h2", { id }, title), ...content);
}

/** A hash or address in monospace, breakable at phone width. */
export const mono = (text: string) => h("code", { class: "mono" }, text);

/** Unix seconds as an ISO time, in a `<time>` element. */
export function time(seconds: bigint | number): HTMLTimeElement {
  const iso = new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
  return h("time", { datetime: iso }, iso);
}

/** An amount of the fee currency: ETH for the native one, else base units of the token. */
export function amount(wei: bigint, token: Address = zeroAddress): string {
  return token === zeroAddress ? `${formatEther(wei)} ETH` : `${wei} (base units of ${token})`;
}

/** A message for an error: the SDK's short message and details, else the error's message. */
export function errorText(err: unknown): string {
  const e = err as { shortMessage?: string; message?: string; details?: string; metaMessages?: string[] };
  const main = e.shortMessage ?? e.message ?? String(err);
  const more = [e.details, ...(e.metaMessages ?? [])].filter((x) => x && !main.includes(x));
  return [main, ...more].join(" ");
}

/** The error box: `role="alert"`, so a screen reader says it at once. */
export const alertBox = (message: string) => h("div", { class: "error", role: "alert", "data-error": true }, message);

/** A status line while a view loads (`aria-live`). */
export const loading = (what: string) => h("p", { class: "loading", role: "status", "aria-live": "polite" }, what);

/** A box that scrolls sideways at phone width; focusable (and named) so the keyboard can scroll it too. */
export const scroller = (label: string, child: Node) => h("div", { class: "scroll", tabindex: 0, role: "region", "aria-label": label }, child);
