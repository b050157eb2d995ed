import { type Address, type Hex, type PublicClient, keccak256, toHex } from "viem";
import { type Tensor, decodeTensor, encodeTensor, tensorValues, tensorsEqual } from "../encoding/tensor.js";
import type { RequestedJob } from "../internal/jobs.js";
import type { MlpWeights } from "../model/mlp.js";
import { releaseZkWorkers } from "../proofs/zk.js";
import { encodeZkAttestation, zkArtifactsIn } from "../prover/artifacts.js";
import { proveMlp } from "../prover/prove.js";
import { ResultMismatchError } from "./errors.js";
import { fetchArtifact } from "./fetchModel.js";
import { type ChainReader, createChainReader } from "./chain.js";
import { type ModelCache, type ServedModel, createModelCache } from "./models.js";
import { type RuntimeOptions, jobInputs, jobOutputBytes, runModel } from "./runtime.js";
import { canonicalizeOutputs, checkInputs } from "../encoding/ioSignature.js";

/**
 * Execution, shared by the operator node and the watcher: fetch a job's input, run the version's model on it, and
 * prove the output with the ZK circuit, checking that the proof and ONNX Runtime agree.
 */
export type Executor = ReturnType<typeof createExecutor>;

/** A job's input and the model's output, as tensors and canonical bytes. */
/**
 * A job run: its input bytes and the model's named outputs, encoded as the job's output (one tensor, or the set of
 * named tensors). `input` and `output` are the single tensors of a one-input, one-output model (undefined for a
 * model with several).
 */
export type Execution = {
  inputBytes: Hex;
  input: Tensor | undefined;
  output: Tensor | undefined;
  outputs: Record<string, Tensor>;
  outputBytes: Hex;
  outputHash: Hex;
};

/** A Groth16 proof of a job's output, encoded as the ZK attestation the hub takes. */
export type ProvenOutput = { output: Tensor; outputBytes: Hex; attestation: Hex };

/** The ZK weights and circuit artifacts a version is proven with. */
export type ZkProver = { weights: MlpWeights; artifactsDir?: string | undefined };

/** Inputs larger than this are refused (a requester chooses the input URI). */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** Runs a loaded version on canonical input bytes: signature check, ONNX Runtime, the version's canonicalization. */
async function runBytes(session: ServedModel, inputBytes: Hex, hash: (data: Hex) => Hex = keccak256): Promise<Execution> {
  const inputs = jobInputs(session, inputBytes);
  checkInputs(session.signature, inputs);
  // Every operator applies the version's canonicalization before hashing, so operators agree on float outputs.
  const outputs = canonicalizeOutputs(session.signature, await runModel(session, inputs));
  const outputBytes = jobOutputBytes(outputs);
  const names = Object.keys(outputs);
  // One tensor in and out (the Iris model, the ZK circuit's): kept as tensors for the prover's checks.
  const single = Object.keys(inputs).length === 1 && !inputBytes.startsWith("0x12") ? Object.values(inputs)[0]! : undefined;
  const output = names.length === 1 ? outputs[names[0]!]! : undefined;
  return { inputBytes, input: single, output, outputs, outputBytes, outputHash: hash(outputBytes) };
}

export function createExecutor({ models, fetchTimeoutMs }: { models: ModelCache; fetchTimeoutMs?: number | undefined }) {
  let usedZk = false;

  /** The job's canonical input bytes: inline from the request, or fetched by its URI and checked against inputHash. */
  const input = async (req: RequestedJob): Promise<Hex> =>
    req.input ??
    toHex(
      await fetchArtifact({
        uri: req.inputURI ?? "",
        expectedHash: req.job.inputHash,
        what: "input",
        // Requesters choose input URIs: never let them read the operator's files.
        allowedSchemes: ["https", "http", "data"],
        timeoutMs: fetchTimeoutMs,
        maxBytes: MAX_INPUT_BYTES,
      }),
    );

  return {
    input,
    /** Runs the job's model version (the session loads first: a wrong model file stops everything). */
    async run(req: RequestedJob, checkStop: () => void = () => undefined): Promise<Execution> {
      const session = await models.session(req.job.modelId, req.job.version);
      checkStop();
      return runBytes(session, await input(req));
    },
    /**
     * Runs a version's model on canonical input bytes (a tensor or a set of named tensors) given inline: the HTTP
     * server's path, which passes its faster keccak256 as `hash`. Throws ModelInputError for input the version's
     * signature refuses.
     */
    async runInline(modelId: Hex, version: number, inputBytes: Hex, hash?: (data: Hex) => Hex): Promise<Execution> {
      return runBytes(await models.session(modelId, version), inputBytes, hash);
    },

    /**
     * Proves the job's output with `prover`'s weights, after checking they are the version's committed ones, bound
     * to the job and to `submitter`, the account that will send the proof to the hub (the proof holds for no other
     * sender). With `expected` (ONNX Runtime's output), a proof of another output throws {@link ResultMismatchError}.
     */
    async prove(
      req: RequestedJob,
      prover: ZkProver,
      {
        submitter,
        inputBytes,
        expected,
        checkStop = () => undefined,
      }: { submitter: Address; inputBytes?: Hex | undefined; expected?: Tensor | undefined; checkStop?: () => void },
    ): Promise<ProvenOutput> {
      usedZk = true;
      await models.checkZkCommitment(req.job.modelId, req.job.version, prover.weights);
      checkStop();
      const bytes = inputBytes ?? (await input(req));
      const proved = await proveMlp({
        weights: prover.weights,
        input: decodeTensor(bytes),
        artifacts: zkArtifactsIn(prover.artifactsDir),
        jobId: req.jobId,
        submitter,
      });
      const o = proved.output;
      const differs =
        expected !== undefined &&
        !tensorsEqual(o, expected);
      if (differs) {
        throw new ResultMismatchError({ jobId: req.jobId, onnx: tensorValues(expected), proved: tensorValues(o) });
      }
      const outputBytes = encodeTensor(proved.output);
      return { output: proved.output, outputBytes, attestation: encodeZkAttestation({ proof: proved.proof, input: bytes, output: outputBytes }) };
    },
    /** Releases the ONNX sessions and, if a proof was made, the prover's worker threads (they hold Node open). */
    async release(): Promise<void> {
      await models.release();
      if (usedZk) await releaseZkWorkers();
    },
  };
}

/** The chain reads, model cache and executor a service runs on (the node and the watcher build the same three). */
export function createRuntime(options: {
  publicClient: PublicClient;
  hub: Address;
  modelDir?: string | undefined;
  fetchTimeoutMs?: number | undefined;
  runtime?: RuntimeOptions | undefined;
}): { chain: ChainReader; models: ModelCache; exec: Executor } {
  const chain = createChainReader({ publicClient: options.publicClient, hub: options.hub });
  const models = createModelCache({
    chain,
    modelDir: options.modelDir ?? process.cwd(),
    fetchTimeoutMs: options.fetchTimeoutMs,
    runtime: options.runtime,
  });
  return { chain, models, exec: createExecutor({ models, fetchTimeoutMs: options.fetchTimeoutMs }) };
}
