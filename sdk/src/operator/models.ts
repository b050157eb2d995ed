import { type Hex, toHex } from "viem";
import type { MlpWeights } from "../model/mlp.js";
import { packModelWeights } from "../proofs/zk.js";
import { modelCommitment } from "../prover/prove.js";
import type { ModelVersion } from "../types.js";
import type { ChainReader } from "./chain.js";
import { ZkCommitmentMismatchError } from "./errors.js";
import { fetchArtifact } from "./fetchModel.js";
import type { IoSignature } from "../encoding/ioSignature.js";
import { type OnnxModel, type RuntimeOptions, checkModelSignature, loadModel } from "./runtime.js";

/** A version's loaded model and the IO signature it was published with (checked to describe the graph). */
export type ServedModel = OnnxModel & { signature: IoSignature };

/**
 * The model cache of the operator node and the watcher: each version's on-chain record, its ONNX Runtime session
 * (the file fetched by the version's URI and checked against its artifact hash before it is loaded), and the check
 * that the configured ZK weights are the ones the version commits to. Each is computed once per version; a failure
 * is not cached (the file may be fixed, the network may come back).
 */
export type ModelCache = ReturnType<typeof createModelCache>;

/** The cache key of a model version. */
export const versionKey = (modelId: Hex, version: number) => `${modelId.toLowerCase()}/${version}`;

/** Model versions by {@link versionKey}, and the distinct model ids to filter request logs by. */
export function versionIndex<M extends { modelId: Hex; version: number }>(models: readonly M[]) {
  const byVersion = new Map<string, M>();
  for (const m of models) byVersion.set(versionKey(m.modelId, m.version), m);
  return {
    get: (modelId: Hex, version: number) => byVersion.get(versionKey(modelId, version)),
    modelIds: [...new Set(models.map((m) => m.modelId.toLowerCase() as Hex))],
  };
}

/** A map of promises that forgets a promise once it rejects. */
function memo<T>() {
  const entries = new Map<string, Promise<T>>();
  return {
    entries,
    get(key: string, make: () => Promise<T>): Promise<T> {
      let p = entries.get(key);
      if (!p) {
        p = make();
        p.catch(() => entries.delete(key));
        entries.set(key, p);
      }
      return p;
    },
  };
}

export type ModelCacheOptions = {
  chain: Pick<ChainReader, "version" | "ioSignature">;
  /** Base directory of relative `file:` model URIs. */
  modelDir: string;
  /** HTTP timeout for model URIs, in ms (default 30,000). */
  fetchTimeoutMs?: number | undefined;
  /** How ONNX Runtime runs the models (threads, graph optimizations, execution providers). */
  runtime?: RuntimeOptions | undefined;
};

export function createModelCache({ chain, modelDir, fetchTimeoutMs, runtime }: ModelCacheOptions) {
  const versions = memo<ModelVersion>();
  const sessions = memo<ServedModel>();
  const commitments = memo<void>();

  const version = (modelId: Hex, v: number) => versions.get(versionKey(modelId, v), () => chain.version(modelId, v));

  return {
    version,
    /**
     * The version's model, fetched by its URI, checked against its artifactHash, loaded in ONNX Runtime, and checked
     * against the version's IO signature (a graph the signature does not describe is refused with ModelRuntimeError).
     */
    session: (modelId: Hex, v: number): Promise<ServedModel> =>
      sessions.get(versionKey(modelId, v), async () => {
        const [record, signature] = await Promise.all([version(modelId, v), chain.ioSignature(modelId, v)]);
        const bytes = await fetchArtifact({
          uri: record.uri,
          expectedHash: record.artifactHash,
          what: `model file of version ${v}`,
          baseDir: modelDir,
          timeoutMs: fetchTimeoutMs,
        });
        const model = await loadModel(bytes, runtime);
        try {
          checkModelSignature(model, signature);
        } catch (e) {
          await model.release();
          throw e;
        }
        return { ...model, signature };
      }),
    /**
     * Throws {@link ZkCommitmentMismatchError} unless the Poseidon commitment of `weights` is the version's (checked
     * once per version and set of weights).
     */
    checkZkCommitment: (modelId: Hex, v: number, weights: MlpWeights): Promise<void> =>
      commitments.get(`${versionKey(modelId, v)}|${packModelWeights(weights).join(",")}`, async () => {
        const record = await version(modelId, v);
        const actual = toHex(await modelCommitment(weights), { size: 32 });
        if (actual.toLowerCase() !== record.zkModelCommitment.toLowerCase()) {
          throw new ZkCommitmentMismatchError({ modelId, version: v, expected: record.zkModelCommitment, actual });
        }
      }),
    /** Releases the ONNX Runtime sessions. */
    async release(): Promise<void> {
      for (const p of sessions.entries.values()) await p.then((s) => s.release()).catch(() => undefined);
      sessions.entries.clear();
    },
  };
}
