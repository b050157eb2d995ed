/** A job's input and output: decoded tensors (names, dtypes, shapes, values, class labels), or their URI and hash. */
import { type Hex, hexToBytes } from "viem";
import { type IoSignature, type Tensor, TENSOR_SET_FORMAT, decodeTensor, decodeTensorSet, tensorValues } from "verity-inference";
import { fields, h, mono, scroller } from "../dom.js";

/** The most values a tensor shows (the rest are counted). */
const MAX_VALUES = 64;

/** The named tensors of canonical bytes (one tensor is named by the signature's only name, else `tensor`). */
export function decodeNamed(bytes: Hex, names: readonly string[]): [string, Tensor][] {
  if (hexToBytes(bytes)[0] === TENSOR_SET_FORMAT) return Object.entries(decodeTensorSet(bytes));
  return [[names.length === 1 ? names[0]! : "tensor", decodeTensor(bytes)]];
}

/** The class a labelled output predicts: its largest value's label. */
function predicted(t: Tensor, labels: readonly string[] | undefined): string | undefined {
  if (!labels) return undefined;
  const values = Array.from(tensorValues(t) as ArrayLike<number | bigint | boolean>, Number);
  if (values.length !== labels.length) return undefined;
  const i = values.indexOf(Math.max(...values));
  return `${labels[i]} (index ${i})`;
}

/** A table of one side's tensors, or its URI and hash; decoding errors are shown, not thrown. */
export function tensorsView(
  side: "input" | "output",
  data: { bytes: Hex | undefined; uri: string | undefined; hash: Hex },
  signature: IoSignature | undefined,
): HTMLElement {
  const specs = side === "input" ? signature?.inputs : signature?.outputs;
  if (!data.bytes) return fields([["URI", data.uri ? mono(data.uri) : "none"], ["hash", mono(data.hash)]]);
  let named: [string, Tensor][];
  try {
    named = decodeNamed(data.bytes, (specs ?? []).map((s) => s.name));
  } catch (err) {
    return h("p", { class: "error", role: "alert" }, `The ${side} bytes do not decode as canonical tensors: ${(err as Error).message}`);
  }
  const table = h("table", { class: "tensors", "data-tensors": side },
    h("caption", {}, `${side === "input" ? "Input" : "Output"} tensors (hash ${data.hash})`),
    h("thead", {}, h("tr", {}, ...["name", "dtype", "shape", "values", ...(side === "output" ? ["class"] : [])].map((c) => h("th", { scope: "col" }, c)))),
  );
  const body = h("tbody");
  for (const [name, t] of named) {
    const values = Array.from(tensorValues(t) as ArrayLike<unknown>, String);
    const shown = values.slice(0, MAX_VALUES).join(", ") + (values.length > MAX_VALUES ? `, … (${values.length} values)` : "");
    const label = side === "output" ? predicted(t, signature?.labels?.[name]) : undefined;
    body.append(h("tr", {}, h("th", { scope: "row" }, name), h("td", {}, t.dtype), h("td", {}, `[${t.shape.join(", ")}]`), h("td", { class: "values" }, `[${shown}]`),
      ...(side === "output" ? [h("td", { "data-class": label ?? "" }, label ?? "—")] : [])));
  }
  table.append(body);
  return scroller(`${side} tensors`, table);
}
