import { type Address, type Hex, formatUnits } from "viem";
import { type Tensor, decodeTensor, decodeTensorData, tensorValues } from "../encoding/tensor.js";

/** Formatting for human output. Machine output (`--json`) goes through {@link toJson}. */

/** JSON with bigints as decimal strings, Uint8Arrays as hex and errors as their message; `compact`: one line. */
export function toJson(value: unknown, { compact = false } = {}): string {
  return JSON.stringify(
    value,
    (_, v: unknown) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString("hex")}`;
      if (v instanceof Error) return { name: v.name, message: (v as { shortMessage?: string }).shortMessage ?? v.message };
      return v;
    },
    compact ? undefined : 2,
  );
}

/** A fee currency: the native currency or an ERC-20, with what it takes to print amounts of it. */
export type Currency = { token: Address; symbol: string; decimals: number; native: boolean };

export function formatAmount(amount: bigint, currency: Currency): string {
  return `${formatUnits(amount, currency.decimals)} ${currency.symbol}`;
}

export function formatTensor(t: Tensor): string {
  const v = tensorValues(t) as (number | bigint)[];
  return `${t.dtype} [${t.shape.join(",")}] ${v.length <= 16 ? `[${v.join(", ")}]` : `[${v.slice(0, 16).join(", ")}, ...]`}`;
}

/** Tensor bytes as a readable tensor, or the raw hex (and why) when they are not canonical. */
export function formatTensorBytes(bytes: Hex): string {
  try {
    const d = decodeTensorData(bytes);
    if (d.tensor) return formatTensor(d.tensor);
    return Object.entries(d.tensors!).map(([name, t]) => `${name}: ${formatTensor(t)}`).join("; ");
  } catch {
    return `${bytes} (not a canonical tensor)`;
  }
}

export function tryDecodeTensor(bytes: Hex | undefined): Tensor | undefined {
  if (bytes === undefined) return undefined;
  try {
    return decodeTensor(bytes);
  } catch {
    return undefined;
  }
}

/** Unix seconds as an ISO date. */
export function formatTime(seconds: bigint): string {
  const ms = Number(seconds) * 1000;
  return Number.isFinite(ms) && ms < 8.64e15 ? new Date(ms).toISOString().replace(".000Z", "Z") : `${seconds}`;
}

/** A number of seconds as `1h 5m 3s`. */
export function formatDuration(seconds: bigint | number): string {
  let s = Math.max(0, Math.round(Number(seconds)));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts = [d && `${d}d`, h && `${h}h`, m && `${m}m`, (s || (!d && !h && !m)) && `${s}s`].filter(Boolean);
  return parts.join(" ");
}

/** A plain text table: a header row, a rule, and left-aligned columns two spaces apart. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** `key  value` lines with the keys aligned. */
export function formatFields(fields: readonly (readonly [string, string])[], indent = ""): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${indent}${k.padEnd(width)}  ${v}`).join("\n");
}
