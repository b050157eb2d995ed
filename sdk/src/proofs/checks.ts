import { type Address, BaseError, type Hex, keccak256 } from "viem";
import { type JobStatus, modeLabel, modesFromBitmask } from "../constants.js";
import { commitmentMatches, jobCommitment, sameJob, splitStoredCommitment } from "../encoding/commitment.js";
import { decodeTensorData, describeTensorData } from "../encoding/tensor.js";
import type { JobStruct, ModelVersion } from "../types.js";
import type { NoEnclave, Verdict, VerifyCheck, VerifyCheckName, VerifyJobReport } from "./report.js";
import type { JobStatement } from "./signatures.js";

/**
 * The checks every mode's report shares, as pure functions (no client): the chain, the mode, the commitment, the
 * input and output bytes against their hashes, the job's status, the model version, finality, and the verdict.
 * Each `verify{Mode}JobData` composes these with its own mode's checks; the details are what the reports say.
 */

/** What the verification of a TEE, ZK or QUORUM job reads, gathered from chain (see `verifyJob`) or built by hand. */
export type JobDataBase = {
  jobId: bigint;
  hub: Address;
  /** The chain the result is verified for (TEE and QUORUM: the chainId of the signatures' domain). */
  chainId: number;
  /** The chain the RPC serves. */
  rpcChainId: number;
  /** The job's current status. */
  status: JobStatus;
  /** The hub's stored slot for the job (at the recording block when fulfilled). */
  storedCommitment: Hex;
  /** From `InferenceRequested`. */
  requested: { job: JobStruct; input: Hex | undefined; inputURI: string | undefined };
  /** From `InferenceFulfilled` (undefined while pending). */
  fulfilled:
    | { blockNumber: bigint; operator: Address; outputHash: Hex; output: Hex | undefined; outputURI: string | undefined }
    | undefined;
  /** The decoded `fulfill(jobId, job, result, attestation)` call; undefined when the tx did not call the hub. */
  call:
    | { jobId: bigint; job: JobStruct; result: { output: Hex; outputURI: string; outputHash: Hex }; attestation: Hex }
    | undefined;
  /** The model version at the recording block (undefined if it did not exist). */
  version: ModelVersion | undefined;
  /** Blocks on top of and including the recording block. */
  confirmations: bigint;
  /** Confirmations required for finality. */
  minConfirmations: bigint;
  /** Bytes of inputs and outputs given by URI, fetched by the caller, to check against their hashes. */
  offchain?: { input?: Hex | undefined; output?: Hex | undefined } | undefined;
};

/** The checks every mode opens with ({@link openingChecks}). */
export type OpeningCheckName = "chain" | "mode" | "commitment" | "inputHash";

/** The checks of a job's status and its recorded output ({@link resultChecks}). */
export type ResultCheckName = "status" | "outputHash";

/** A recorded result: `InferenceFulfilled`. */
export type Fulfilled = NonNullable<JobDataBase["fulfilled"]>;

export const pass = <Name extends string>(name: Name, detail: string): VerifyCheck<Name> => ({ name, ok: true, detail });
export const fail = <Name extends string>(name: Name, detail: string): VerifyCheck<Name> => ({ name, ok: false, detail });

/** The first line of an error's message (viem's `shortMessage` for SDK errors). */
export function reason(err: unknown): string {
  return (err instanceof BaseError ? err.shortMessage : err instanceof Error ? err.message : String(err)).split("\n")[0]!;
}

/** Where state was read: "at block N". */
export const atBlock = (blockNumber: bigint) => `at block ${blockNumber}`;

/** Why there is no attestation when the fulfilment did not call the hub's `fulfill` itself. */
export const NO_FULFIL_CALL = "the fulfil transaction does not call hub.fulfill directly: no attestation in its calldata";

/**
 * The statement a TEE enclave or a QUORUM operator signs for a job's recorded output (`HubSignatures.jobDigest`'s
 * fields): the result or vote under the hub's domain for `chainId`.
 */
export function jobStatement(
  { hub, chainId, jobId, requested: { job } }: Pick<JobDataBase, "hub" | "chainId" | "jobId" | "requested">,
  { outputHash, outputURI }: Pick<Fulfilled, "outputHash" | "outputURI">,
): JobStatement {
  return { hub, chainId, jobId, modelId: job.modelId, version: job.version, inputHash: job.inputHash, outputHash, outputURI };
}

/** The chain verified for is the one the RPC serves. */
export function chainCheck({ chainId, rpcChainId }: Pick<JobDataBase, "chainId" | "rpcChainId">): VerifyCheck<"chain"> {
  return chainId === rpcChainId
    ? pass("chain", `chain ${chainId}`)
    : fail("chain", `verifying for chain ${chainId}, but the RPC serves chain ${rpcChainId}`);
}

/**
 * The job is of `mode`: passes with `ok` (default the mode's label), fails with `problem` when the mode is right
 * but its params are not (QUORUM, OPTIMISTIC).
 */
export function modeCheck(
  job: JobStruct,
  mode: number,
  { ok, problem }: { ok?: string | undefined; problem?: string | undefined } = {},
): VerifyCheck<"mode"> {
  if (job.mode !== mode) return fail("mode", `the job's mode is ${modeLabel(job.mode)}, not ${modeLabel(mode)}`);
  return problem !== undefined ? fail("mode", problem) : pass("mode", ok ?? modeLabel(mode));
}

/** The requested job hashes to the slot the hub stores (status byte aside). */
export function commitmentCheck(
  { jobId, storedCommitment, requested }: Pick<JobDataBase, "jobId" | "storedCommitment" | "requested">,
): VerifyCheck<"commitment"> {
  return commitmentMatches(storedCommitment, jobId, requested.job)
    ? pass("commitment", `the requested job hashes to the stored commitment ${storedCommitment}`)
    : fail(
        "commitment",
        `the InferenceRequested job hashes to ${jobCommitment(jobId, requested.job)}, ` +
          `but the hub stores ${storedCommitment} (status byte aside)`,
      );
}

/** Where a tensor's bytes can come from, first found first used. */
export type DataSources = {
  /** The event's inline bytes. */
  inline: Hex | undefined;
  /** The URI the bytes were given by, when not inline. */
  uri: string | undefined;
  /** Bytes the caller fetched from the URI (`offchain`). */
  given: Hex | undefined;
  /** The copy in the attestation (a ZK attestation carries both tensors). */
  attested?: Hex | undefined;
};

/** How a mode words its data checks. */
export type DataWording = {
  /** Say where failing bytes came from: "the output given for <uri>", "the output in the attestation" (ZK). */
  sourced?: boolean | undefined;
  /** What a mismatch calls the recorded hash (default the check's name: "the recorded outputHash is ..."). */
  recorded?: string | undefined;
};

/** Checks a tensor's bytes (see {@link DataSources}) against their recorded hash; skipped when no bytes are at hand. */
export function dataCheck<Name extends "inputHash" | "outputHash">(
  name: Name,
  recordedHash: Hex,
  sources: DataSources,
  { sourced = false, recorded = name }: DataWording = {},
): VerifyCheck<Name> {
  const what = name === "inputHash" ? "input" : "output";
  const [bytes, from] =
    sources.inline !== undefined
      ? [sources.inline, `the ${what}`]
      : sources.given !== undefined
        ? [sources.given, sourced ? `the ${what} given for ${sources.uri ?? "its URI"}` : `the ${what}`]
        : [sources.attested, sourced ? `the ${what} in the attestation` : `the ${what}`];
  if (bytes === undefined) {
    return {
      name,
      ok: true,
      skipped: true,
      detail:
        `the ${what} is off chain at ${sources.uri ?? "(no URI)"}: hash ${recordedHash} is committed ` +
        "but the bytes were not given",
    };
  }
  const computed = keccak256(bytes);
  if (computed !== recordedHash.toLowerCase()) {
    return fail(name, `keccak256 of ${from} is ${computed}, but the recorded ${recorded} is ${recordedHash}`);
  }
  try {
    const d = decodeTensorData(bytes);
    return pass(
      name,
      d.tensor
        ? `${recordedHash}: a canonical ${d.tensor.dtype} tensor of shape [${d.tensor.shape.join(",")}]`
        : `${recordedHash}: a canonical set of ${Object.keys(d.tensors!).length} named tensors ${describeTensorData(d)}`,
    );
  } catch (err) {
    return fail(name, `${from} hashes to ${recordedHash} but is not a canonical tensor: ${reason(err)}`);
  }
}

/** The job's input against its `inputHash`: inline, given by the caller, or the attested copy. */
export function inputCheck(
  { requested, offchain }: Pick<JobDataBase, "requested" | "offchain">,
  attested?: Hex | undefined,
  wording?: DataWording,
): VerifyCheck<"inputHash"> {
  const sources = { inline: requested.input, uri: requested.inputURI, given: offchain?.input, attested };
  return dataCheck("inputHash", requested.job.inputHash, sources, wording);
}

/** The checks every mode opens with: chain, mode (made by the mode), commitment and input. */
export function openingChecks(
  data: Pick<JobDataBase, "jobId" | "chainId" | "rpcChainId" | "storedCommitment" | "requested" | "offchain">,
  mode: VerifyCheck<"mode">,
  input: { attested?: Hex | undefined; wording?: DataWording } = {},
): VerifyCheck<OpeningCheckName>[] {
  return [chainCheck(data), mode, commitmentCheck(data), inputCheck(data, input.attested, input.wording)];
}

/** The status and output checks of a job with one fulfilment, and the verdict when there is no result. */
export type ResultChecks =
  | { checks: VerifyCheck<"status">[]; verdict: "pending" | "invalid"; fulfilled?: undefined; at?: undefined }
  | { checks: VerifyCheck<ResultCheckName>[]; verdict?: undefined; fulfilled: Fulfilled; at: string };

/**
 * The job's status (pending, unknown, refunded, or fulfilled at a block the hub stored as fulfilled) and, once
 * fulfilled, its output against the recorded hash and the fulfil calldata's job and output against the events.
 * `pending` is the status detail of a job without a result; `attested` the output's copy in the attestation (ZK).
 */
export function resultChecks(
  data: Pick<JobDataBase, "status" | "storedCommitment" | "requested" | "fulfilled" | "call" | "offchain">,
  {
    pending = "the job has no result yet",
    attested,
    wording,
  }: { pending?: string | undefined; attested?: Hex | undefined; wording?: DataWording | undefined } = {},
): ResultChecks {
  const { status, fulfilled, call } = data;
  if (status === "pending" || status === "none") {
    const verdict = status === "pending" ? "pending" : "invalid";
    return { checks: [fail("status", status === "pending" ? pending : "the hub has no such job")], verdict };
  }
  if (status === "refunded" || !fulfilled) {
    return { checks: [fail("status", "the job was refunded after its deadline: it has no result")], verdict: "invalid" };
  }
  const at = atBlock(fulfilled.blockNumber);
  const stored = splitStoredCommitment(data.storedCommitment).status;
  const statusCheck =
    stored === "fulfilled"
      ? pass("status", `fulfilled ${at}`)
      : fail("status", `the job's InferenceFulfilled event is ${at}, but the hub stored status "${stored}" there`);
  const sources = { inline: fulfilled.output, uri: fulfilled.outputURI, given: data.offchain?.output, attested };
  let output = dataCheck("outputHash", fulfilled.outputHash, sources, wording);
  if (output.ok && call && (call.result.output !== (fulfilled.output ?? "0x") || !sameJob(call.job, data.requested.job))) {
    output = fail("outputHash", "the fulfil calldata's job or output differs from the events");
  }
  return { checks: [statusCheck, output], fulfilled, at };
}

/** The job's model version existed `at` the recording block and supports the job's mode. */
export function modelVersionCheck(job: JobStruct, version: ModelVersion | undefined, at: string): VerifyCheck<"modelVersion"> {
  if (!version) return fail("modelVersion", `model ${job.modelId} has no version ${job.version} ${at}`);
  if ((version.modes & (1 << job.mode)) === 0) {
    const modes = modesFromBitmask(version.modes).map(modeLabel).join(", ") || "no mode";
    return fail("modelVersion", `version ${job.version} supports ${modes}, not ${modeLabel(job.mode)}`);
  }
  return pass("modelVersion", `version ${job.version}: artifact ${version.artifactHash} at ${version.uri}`);
}

/** The result has the confirmations asked for. */
export function finalityCheck(
  { confirmations, minConfirmations }: Pick<JobDataBase, "confirmations" | "minConfirmations">,
): VerifyCheck<"finality"> {
  const detail = `${confirmations} confirmation(s), ${minConfirmations} required`;
  return confirmations >= minConfirmations ? pass("finality", detail) : fail("finality", detail);
}

/**
 * The verdict of a report's checks: `invalid` when a check failed, `pending` when the only failed checks are
 * finality or in `waiting` (failures that only mean "not final yet"), else `valid`.
 */
export function verdictOf(
  checks: readonly VerifyCheck<string>[],
  waiting: ReadonlySet<VerifyCheck<string>> = new Set(),
): Verdict {
  const failed = checks.filter((c) => !c.ok);
  if (failed.some((c) => c.name !== "finality" && !waiting.has(c))) return "invalid";
  return failed.length > 0 ? "pending" : "valid";
}

/** The report's common fields, from the job's fulfilment (a mode adds its parts; TEE its enclave key). */
export function jobReport<Name extends VerifyCheckName>(
  { jobId, fulfilled }: Pick<JobDataBase, "jobId" | "fulfilled">,
  checks: VerifyCheck<Name>[],
  verdict: Verdict,
): VerifyJobReport<Name> & NoEnclave {
  return {
    jobId,
    verdict,
    checks,
    blockNumber: fulfilled?.blockNumber,
    operator: fulfilled?.operator,
    enclaveKey: undefined,
    measurement: undefined,
    outputHash: fulfilled?.outputHash,
  };
}
