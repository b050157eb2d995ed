import { MAX_MODE, VerityMode } from "../constants.js";
import { InvalidParameterError } from "../errors/request.js";
import type { JobWriteParameters, WriteParameters } from "../types.js";
import type { JobDataParameters, ZkKeysParameters } from "./jobData.js";
import {
  expectAccount,
  expectAddress,
  expectArray,
  expectBigint,
  expectBoolean,
  expectFunction,
  expectHex,
  expectNumber,
  expectObject,
  expectOneOf,
  expectParameters,
  expectString,
} from "./validate.js";

/**
 * The run-time checks of the parameter shapes several actions take (and their Sync variants, which check under
 * their own name), built from the checkers of `validate.ts`. Each throws `InvalidParameterError` naming `action`.
 * Tensor data (`input`, `output`) is checked where it is encoded, by `normalizeTensorData`.
 */

const UINT8 = 2 ** 8 - 1;
const UINT16 = 2 ** 16 - 1;
const UINT32 = 2 ** 32 - 1;
const UINT64 = 2n ** 64n - 1n;
const MODE_NAMES = Object.keys(VerityMode);

/** Checks `parameter` is a version number: an integer in 1..2^32-1. */
export function checkVersion(action: string, parameter: string, value: unknown): void {
  expectNumber(action, parameter, value, { min: 1, max: UINT32 });
}

/** Checks `parameter` is a mode: a name (`"tee"`, `"zk"`, `"quorum"`, `"optimistic"`) or its number (0..max). */
export function checkMode(action: string, parameter: string, value: unknown, { optional = false, max = UINT8 } = {}): void {
  if (typeof value === "number" || (value === undefined && optional)) return expectNumber(action, parameter, value, { optional, max });
  if (typeof value === "string" && MODE_NAMES.includes(value)) return;
  const names = MODE_NAMES.map((m) => JSON.stringify(m)).join(", ");
  throw new InvalidParameterError({ action, parameter, expected: `a mode name (${names}) or its number`, received: value });
}

/** The parameter object and the options every write takes: `account` (an Account or an address) and `chain`. */
export function checkWriteParameters(action: string, client: unknown, parameters: WriteParameters): void {
  expectParameters(action, client, parameters);
  expectAccount(action, "account", parameters.account, { optional: true });
  if (parameters.chain !== null) expectObject(action, "chain", parameters.chain, { optional: true, expected: "a viem Chain, or null" });
}

/** Checks `parameter` is a job struct (`IInferenceHub.Job`, as `InferenceRequested` emits it), field by field. */
export function checkJobStruct(action: string, parameter: string, job: unknown, { optional = false } = {}): void {
  if (job === undefined && optional) return;
  expectObject(action, parameter, job, { expected: "the job struct as InferenceRequested emits it (or leave it out to read it)" });
  const j = job as Record<string, unknown>;
  expectAddress(action, `${parameter}.requester`, j.requester);
  expectHex(action, `${parameter}.modelId`, j.modelId, { size: 32 });
  checkVersion(action, `${parameter}.version`, j.version);
  expectNumber(action, `${parameter}.mode`, j.mode, { max: UINT8 });
  expectBigint(action, `${parameter}.deadline`, j.deadline, { max: UINT64 });
  expectAddress(action, `${parameter}.callback`, j.callback);
  expectNumber(action, `${parameter}.callbackGasLimit`, j.callbackGasLimit, { max: UINT32 });
  expectAddress(action, `${parameter}.feeToken`, j.feeToken);
  expectBigint(action, `${parameter}.fee`, j.fee);
  expectBigint(action, `${parameter}.modelFee`, j.modelFee);
  expectNumber(action, `${parameter}.protocolFeeBps`, j.protocolFeeBps, { max: UINT16 });
  expectHex(action, `${parameter}.inputHash`, j.inputHash, { size: 32 });
  expectBigint(action, `${parameter}.params`, j.params);
  expectAddress(action, `${parameter}.verifier`, j.verifier);
}

/** A write about one job: the write options, `hub`, `jobId` and the optional `job` struct. */
export function checkJobWriteParameters(action: string, client: unknown, parameters: JobWriteParameters): void {
  checkWriteParameters(action, client, parameters);
  expectAddress(action, "hub", parameters.hub);
  expectBigint(action, "jobId", parameters.jobId);
  checkJobStruct(action, "job", parameters.job, { optional: true });
}

/**
 * An OPTIMISTIC proposal (`commitProposal`, `proposeResult` and its Sync variant): a job write, an optional 32-byte
 * `salt` and the waiting options (the output is checked as it is encoded).
 */
export function checkProposalParameters(
  action: string,
  client: unknown,
  parameters: JobWriteParameters & { salt?: unknown; pollingInterval?: unknown; timeout?: unknown },
): void {
  checkJobWriteParameters(action, client, parameters);
  expectHex(action, "salt", parameters.salt, { optional: true, size: 32 });
  expectNumber(action, "pollingInterval", parameters.pollingInterval, { optional: true, integer: false });
  expectNumber(action, "timeout", parameters.timeout, { optional: true, integer: false });
}

/** What the job-data readers and `verifyJob` take: `hub`, `jobId`, and the optional reading options and keys. */
export function checkJobDataParameters(action: string, client: unknown, parameters: JobDataParameters & ZkKeysParameters): void {
  expectParameters(action, client, parameters);
  expectAddress(action, "hub", parameters.hub);
  expectBigint(action, "jobId", parameters.jobId);
  expectBigint(action, "confirmations", parameters.confirmations, { optional: true });
  expectNumber(action, "chainId", parameters.chainId, { optional: true, min: 1 });
  expectBigint(action, "fromBlock", parameters.fromBlock, { optional: true });
  const { offchain, zkVerifyingKeys } = parameters;
  expectObject(action, "offchain", offchain, { optional: true, expected: "an object { input?, output? } of hex bytes" });
  expectHex(action, "offchain.input", offchain?.input, { optional: true });
  expectHex(action, "offchain.output", offchain?.output, { optional: true });
  if (typeof zkVerifyingKeys !== "function") {
    expectObject(action, "zkVerifyingKeys", zkVerifyingKeys, {
      optional: true,
      expected: "a record of verifying keys by hash, or a loader function",
    });
  }
}

/** What a ZK-proven result takes (`fulfillZk`, `resolveChallenge`): a job write, `input` and a proof or attestation. */
export function checkZkResultParameters(
  action: string,
  client: unknown,
  parameters: JobWriteParameters & { input?: unknown; proof?: unknown; attestation?: unknown },
): void {
  checkJobWriteParameters(action, client, parameters);
  expectHex(action, "input", parameters.input, { optional: true });
  if (parameters.attestation !== undefined) return expectHex(action, "attestation", parameters.attestation);
  const proof = parameters.proof as Record<string, unknown> | undefined;
  expectObject(action, "proof", proof, { expected: "a snarkjs Groth16 proof { pi_a, pi_b, pi_c } (or pass attestation)" });
  for (const part of ["pi_a", "pi_b", "pi_c"]) expectArray(action, `proof.${part}`, proof![part], { expected: "an array (as snarkjs returns it)" });
}

/** `requestInference` and `requestInferenceSync` (the input is checked as it is encoded). */
export function checkRequestInferenceParameters(
  action: string,
  client: unknown,
  parameters: WriteParameters & Partial<Record<"hub" | "modelId" | "version" | "mode" | "fee" | "deadline" | "callback" | "callbackGasLimit" | "params" | "approve" | "ioSignature" | "fromBlock" | "serving" | "onWarning", unknown>>,
): void {
  checkWriteParameters(action, client, parameters);
  expectAddress(action, "hub", parameters.hub);
  expectHex(action, "modelId", parameters.modelId, { size: 32 });
  checkVersion(action, "version", parameters.version);
  checkMode(action, "mode", parameters.mode, { optional: true });
  if (typeof parameters.ioSignature === "string") expectHex(action, "ioSignature", parameters.ioSignature);
  else expectObject(action, "ioSignature", parameters.ioSignature, { optional: true, expected: "the version's IO signature or its canonical bytes" });
  expectBigint(action, "fromBlock", parameters.fromBlock, { optional: true });
  expectOneOf(action, "serving", parameters.serving, ["warn", "require", "skip"], { optional: true });
  expectFunction(action, "onWarning", parameters.onWarning, { optional: true });
  expectBigint(action, "fee", parameters.fee);
  expectBigint(action, "deadline", parameters.deadline, { optional: true });
  expectAddress(action, "callback", parameters.callback, { optional: true });
  // Its range (0..2,000,000, and only with a callback) is refused with InvalidCallbackError.
  expectNumber(action, "callbackGasLimit", parameters.callbackGasLimit, { optional: true });
  expectOneOf(action, "approve", parameters.approve, ["exact", "max", false], { optional: true });
  const params = parameters.params;
  if (params === undefined || typeof params === "bigint") return expectBigint(action, "params", params, { optional: true });
  expectObject(action, "params", params, { expected: "a bigint, { k, minStake } (QUORUM) or { window, bond, slashAmount } (OPTIMISTIC)" });
  const p = params as Record<string, unknown>;
  const integer = (name: string, value: unknown) =>
    typeof value === "bigint" ? expectBigint(action, name, value) : expectNumber(action, name, value);
  if ("k" in p) {
    integer("params.k", p.k);
    expectBigint(action, "params.minStake", p.minStake, { optional: true });
  } else {
    integer("params.window", p.window);
    expectBigint(action, "params.bond", p.bond);
    expectBigint(action, "params.slashAmount", p.slashAmount);
  }
}

/** `fulfillTee`, `fulfillTeeSync` and `prepareTeeFulfillment`: a job write and who signs (`enclave` or `signature`). */
export function checkFulfillTeeParameters(
  action: string,
  client: unknown,
  parameters: JobWriteParameters & { enclave?: unknown; signature?: unknown },
): void {
  checkJobWriteParameters(action, client, parameters);
  if ("enclave" in parameters) return expectAccount(action, "enclave", parameters.enclave, { signs: true });
  expectHex(action, "signature", parameters.signature);
}

/** `fulfillQuorum`, `fulfillQuorumSync` and `prepareQuorumFulfillment`: a job write, `votes` and `voters`. */
export function checkFulfillQuorumParameters(
  action: string,
  client: unknown,
  parameters: JobWriteParameters & { votes?: unknown; voters?: unknown },
): void {
  checkJobWriteParameters(action, client, parameters);
  const { votes, voters } = parameters;
  expectArray(action, "votes", votes, { optional: true, expected: "an array of { signer, signature }" });
  (votes as unknown[] | undefined)?.forEach((vote, i) => {
    expectObject(action, `votes[${i}]`, vote, { expected: "a vote { signer, signature } (signQuorumVote)" });
    expectAddress(action, `votes[${i}].signer`, (vote as Record<string, unknown>).signer);
    expectHex(action, `votes[${i}].signature`, (vote as Record<string, unknown>).signature);
  });
  expectArray(action, "voters", voters, { optional: true, expected: "an array of local accounts" });
  (voters as unknown[] | undefined)?.forEach((voter, i) => expectAccount(action, `voters[${i}]`, voter, { signs: true }));
}

/** The version fields of `publishVersion` (and `versionParams`): hashes, URI, modes, fee currency and ZK circuit. */
export function checkVersionParams(
  action: string,
  parameters: Partial<Record<"artifactHash" | "uri" | "modes" | "feeToken" | "fee" | "zk" | "ioSignature", unknown>>,
): void {
  expectHex(action, "artifactHash", parameters.artifactHash, { size: 32 });
  expectString(action, "uri", parameters.uri);
  const modes = parameters.modes;
  if (typeof modes === "number") {
    expectNumber(action, "modes", modes, { max: UINT8 });
  } else {
    expectArray(action, "modes", modes, { expected: 'an array of modes (e.g. ["tee"]) or a bitmask number' });
    (modes as unknown[]).forEach((m, i) => checkMode(action, `modes[${i}]`, m, { max: MAX_MODE }));
  }
  expectAddress(action, "feeToken", parameters.feeToken, { optional: true });
  expectBigint(action, "fee", parameters.fee, { optional: true });
  if (typeof parameters.ioSignature === "string") expectHex(action, "ioSignature", parameters.ioSignature);
  else expectObject(action, "ioSignature", parameters.ioSignature, { expected: "the version's IO signature: ioSignature({ inputs, outputs, canonicalization?, labels? }) or its canonical bytes" });
  const zk = parameters.zk as Record<string, unknown> | undefined;
  expectObject(action, "zk", zk, { optional: true, expected: "an object { verifier, modelCommitment, verifyingKeyHash }" });
  if (zk === undefined) return;
  expectAddress(action, "zk.verifier", zk.verifier);
  expectHex(action, "zk.modelCommitment", zk.modelCommitment, { size: 32 });
  expectHex(action, "zk.verifyingKeyHash", zk.verifyingKeyHash, { size: 32 });
}

/** `publishVersion` and `publishVersionSync`: the write options, `hub`, `modelId` and the version fields. */
export function checkPublishVersionParameters(
  action: string,
  client: unknown,
  parameters: WriteParameters & Partial<Record<"hub" | "modelId" | "artifactHash" | "uri" | "modes" | "feeToken" | "fee" | "zk" | "ioSignature", unknown>>,
): void {
  checkWriteParameters(action, client, parameters);
  expectAddress(action, "hub", parameters.hub);
  expectHex(action, "modelId", parameters.modelId, { size: 32 });
  checkVersionParams(action, parameters);
}

/** `registerModel` and `registerModelSync`: the write options, `hub` and `name`. */
export function checkRegisterModelParameters(action: string, client: unknown, parameters: WriteParameters & Partial<Record<"hub" | "name", unknown>>): void {
  checkWriteParameters(action, client, parameters);
  expectAddress(action, "hub", parameters.hub);
  expectString(action, "name", parameters.name, { nonEmpty: true });
}

/** The kinds of field {@link checkFields} checks; a trailing `?` makes the field optional. */
type FieldKind = "address" | "bytes32" | "hex" | "bigint" | "version" | "boolean" | "teeType" | "string";
export type FieldSpec = Readonly<Record<string, FieldKind | `${FieldKind}?`>>;

/**
 * Checks the named fields of `parameters` by kind, in the order given, each with the checker of its kind (the
 * first malformed one throws `InvalidParameterError` naming `action` and the field).
 *
 * @example
 * ```ts
 * checkFields("getJob", parameters, { hub: "address", jobId: "bigint", fromBlock: "bigint?" });
 * ```
 */
export function checkFields(action: string, parameters: object, spec: FieldSpec): void {
  for (const [name, given] of Object.entries(spec)) {
    const optional = given.endsWith("?");
    const kind = (optional ? given.slice(0, -1) : given) as FieldKind;
    const value = (parameters as Record<string, unknown>)[name];
    if (kind === "address") expectAddress(action, name, value, { optional });
    else if (kind === "bytes32") expectHex(action, name, value, { optional, size: 32 });
    else if (kind === "hex") expectHex(action, name, value, { optional });
    else if (kind === "bigint") expectBigint(action, name, value, { optional });
    else if (kind === "boolean") expectBoolean(action, name, value, { optional });
    else if (kind === "teeType") expectNumber(action, name, value, { optional, min: 1, max: UINT8 });
    else if (kind === "string") expectString(action, name, value, { optional });
    else if (optional && value === undefined) continue;
    else checkVersion(action, name, value);
  }
}
