import { readFile } from "node:fs/promises";
import onnxProto from "onnx-proto";
import { type IoSignature, IoSignatureError, type IoSignatureParameters, type OutputCanonicalization, ioSignature } from "../encoding/ioSignature.js";
import { type Tensor, tensorValues } from "../encoding/tensor.js";
import { CliError } from "./errors.js";

/** The ONNX metadata_props key whose comma-separated value labels the classes of a one-output model. */
export const LABELS_METADATA_KEY = "verity.labels";

/** `--canonicalization exact | grid:<bits>` (undefined: the signature's default for the outputs' dtypes). */
export function parseCanonicalization(raw: string | undefined): OutputCanonicalization | undefined {
  if (raw === undefined) return undefined;
  if (raw === "exact") return { kind: "exact" };
  const m = /^grid:(\d{1,2})$/.exec(raw);
  if (m && Number(m[1]) <= 52) return { kind: "grid", fractionBits: Number(m[1]) };
  throw new CliError(`--canonicalization is "${raw}": give exact, or grid:<fraction bits> with 0 to 52 bits (e.g. grid:6).`);
}

/** Labels from the model file's metadata (`verity.labels`, for a model with one output), or undefined. */
function metadataLabels(bytes: Uint8Array, outputs: readonly { name: string }[]): Record<string, string[]> | undefined {
  let props: { key?: string | null; value?: string | null }[] = [];
  try {
    props = onnxProto.onnx.ModelProto.decode(bytes).metadataProps ?? [];
  } catch {
    return undefined; // ONNX Runtime loaded it; a file onnx-proto cannot read simply has no labels for us
  }
  const value = props.find((p) => p.key === LABELS_METADATA_KEY)?.value;
  if (!value || outputs.length !== 1) return undefined;
  return { [outputs[0]!.name]: value.split(",").map((s) => s.trim()) };
}

async function readJson(path: string, option: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as unknown;
  } catch (e) {
    throw new CliError(`cannot read ${option} (${what}): ${(e as Error).message}.`);
  }
}

/**
 * The IO signature `verity model publish` commits to: read from the ONNX graph (names, dtypes, shapes with symbolic
 * dimensions), with the output canonicalization given (default exact for integer outputs, grid otherwise) and class
 * labels from `--labels <json file>` (`{ "output": ["a", "b"] }`) or the model's `verity.labels` metadata. With
 * `signatureFile` (`--io-signature`), the signature is that JSON file's instead, and the model file is not loaded.
 */
export async function modelSignatureOf(
  bytes: Uint8Array,
  options: {
    canonicalization?: string | undefined;
    labels?: string | undefined;
    signatureFile?: string | undefined;
    resolvePath: (p: string) => string;
    file: string;
  },
): Promise<IoSignature> {
  if (options.signatureFile !== undefined) {
    const given = (await readJson(options.resolvePath(options.signatureFile), `--io-signature ${options.signatureFile}`, "a JSON IO signature { inputs, outputs }")) as IoSignatureParameters;
    const canonicalization = parseCanonicalization(options.canonicalization);
    const labels = options.labels === undefined ? undefined : await readJson(options.resolvePath(options.labels), `--labels ${options.labels}`, "a JSON object of output name to label list");
    try {
      return ioSignature({
        ...given,
        ...(canonicalization ? { canonicalization } : {}),
        ...(labels !== undefined ? { labels: labels as Record<string, string[]> } : {}),
      });
    } catch (e) {
      if (e instanceof IoSignatureError) throw new CliError(`--io-signature ${options.signatureFile} is not a valid IO signature: ${e.shortMessage}`);
      throw e;
    }
  }
  const { loadModel, signatureOfModel, ModelRuntimeError } = await import("../operator/runtime.js");
  let model;
  try {
    model = await loadModel(bytes);
  } catch (e) {
    if (e instanceof ModelRuntimeError) throw new CliError(`--file ${options.file} is not a model Verity can serve: ${e.shortMessage}`);
    throw e;
  }
  await model.release();
  let labels: Record<string, string[]> | undefined;
  if (options.labels !== undefined) {
    labels = (await readJson(options.resolvePath(options.labels), `--labels ${options.labels}`, "a JSON object of output name to label list")) as Record<string, string[]>;
  } else {
    labels = metadataLabels(bytes, model.outputs);
  }
  try {
    return signatureOfModel(model, { canonicalization: parseCanonicalization(options.canonicalization), labels });
  } catch (e) {
    if (e instanceof IoSignatureError) throw new CliError(`the model's IO signature is not valid: ${e.shortMessage}`);
    throw e;
  }
}

/** One predicted class: the output, the batch row, the index of the largest score and its label. */
export type Prediction = { output: string; row: number; index: number; label: string };

/**
 * The predicted classes of outputs the version labels: for each labelled output whose last dimension has one score
 * per label, the arg-max of each row (the first maximum) and its label.
 */
export function predictLabels(signature: Pick<IoSignature, "labels">, outputs: Readonly<Record<string, Tensor>>): Prediction[] {
  const out: Prediction[] = [];
  for (const [name, labels] of Object.entries(signature.labels ?? {})) {
    const t = outputs[name];
    const width = t?.shape.at(-1);
    if (!t || width !== labels.length || width === 0) continue;
    const values = Array.from(tensorValues(t), Number);
    for (let row = 0; row * width < values.length; row++) {
      const scores = values.slice(row * width, (row + 1) * width);
      const index = scores.indexOf(Math.max(...scores));
      out.push({ output: name, row, index, label: labels[index]! });
    }
  }
  return out;
}
