import { type Address, type Hash, type Hex, isAddressEqual, zeroAddress, zeroHash } from "viem";
import { getBalance, getBlock, getCode, readContract, writeContract } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import { MAX_CALLBACK_GAS, MAX_DEADLINE_DELAY, type ModeLike, modeNumber, modesFromBitmask } from "../constants.js";
import { type OptimisticParams, type QuorumParams, requestParams } from "../encoding/params.js";
import type { InsufficientAllowanceError, InvalidDataError, TensorEncodingError } from "../errors/index.js";
import {
  DeadlinePassedError,
  DeadlineTooFarError,
  FeeTooLowError,
  HubPausedError,
  InsufficientBalanceError,
  InvalidCallbackError,
  InvalidParamsError,
  ModeNotSupportedError,
  UnknownModelVersionError,
  VersionDeprecatedError,
} from "../errors/request.js";
import { ContractRevertError } from "../errors/contract.js";
import { withHubErrors, withVerityErrors } from "../errors/decode.js";
import { type ApproveMode, ensureErc20 } from "../internal/allowance.js";
import { accountAddress, writeOptions } from "../internal/client.js";
import { type TensorData, normalizeTensorData } from "../internal/data.js";
import type { VerityClient, WriteParameters } from "../types.js";
import type { WriteErrorType } from "../errors/write.js";
import { checkRequestInferenceParameters } from "../internal/parameters.js";
import { type IoSignature, ModelInputError, checkInputs } from "../encoding/ioSignature.js";
import { decodeTensorData } from "../encoding/tensor.js";
import type { IoSignatureUnavailableError, NoServingOperatorError } from "../errors/request.js";
import { readIoSignature } from "../internal/ioSignature.js";
import { noServingOperator } from "../internal/serving.js";

export type RequestInferenceParameters = WriteParameters & {
  hub: Address;
  modelId: Hex;
  version: number;
  /** The verification mode (default "tee"); the version must support it. */
  mode?: ModeLike | undefined;
  /** The input: a Tensor, its canonical bytes, or `{ uri, hash }` for a large input kept off chain. */
  input: TensorData;
  /**
   * The total fee: at least the version's model fee; the rest (less the protocol's share) rewards the operator.
   * Sent as value for a native-currency version, pulled by the hub for an ERC-20 one.
   */
  fee: bigint;
  /** Unix time (chain time) after which the job is refundable; default one hour from the latest block. */
  deadline?: bigint | undefined;
  /** A contract implementing IInferenceConsumer to call back with the result. */
  callback?: Address | undefined;
  /** Exact gas for the callback (required with one, at most 2,000,000). */
  callbackGasLimit?: number | undefined;
  /**
   * Mode parameters: required for QUORUM (`{ k, minStake }`) and OPTIMISTIC (`{ window, bond, slashAmount }`), as
   * those objects or as the packed word (`quorumParams(...)`, `optimisticParams(...)`); TEE and ZK take none.
   */
  params?: bigint | QuorumParams | OptimisticParams | undefined;
  /** ERC-20 fees: approve the hub when the allowance is short: "exact" (default), "max", or false to refuse. */
  approve?: ApproveMode | undefined;
  /**
   * The version's IO signature, if you have it (checked against the version's hash); otherwise it is read once per
   * client and version from the `VersionPublished` event, searching from `fromBlock` (default 0).
   */
  ioSignature?: IoSignature | Hex | undefined;
  /** The first block to search for the version's `VersionPublished` and `ServiceAnnounced` events. */
  fromBlock?: bigint | undefined;
  /**
   * Before escrow, is anyone announcing to serve the version in this mode? `"warn"` (default): if not, hand a
   * {@link NoServingOperatorError} to `onWarning` (default: `console.warn`, once per client, version and mode) and
   * go on; `"require"`: throw it; `"skip"`: do not look (saves the log query).
   */
  serving?: "warn" | "require" | "skip" | undefined;
  /** Receives the warning of `serving: "warn"` instead of `console.warn`. */
  onWarning?: ((warning: NoServingOperatorError) => void) | undefined;
};
export type RequestInferenceReturnType = Hash;
export type RequestInferenceErrorType =
  | TensorEncodingError
  | InvalidDataError
  | UnknownModelVersionError
  | VersionDeprecatedError
  | ModeNotSupportedError
  | InvalidParamsError
  | DeadlinePassedError
  | DeadlineTooFarError
  | FeeTooLowError
  | HubPausedError
  | InvalidCallbackError
  | InsufficientBalanceError
  | InsufficientAllowanceError
  | ModelInputError
  | IoSignatureUnavailableError
  | NoServingOperatorError
  | WriteErrorType;

/** The `IInferenceHub.Request` struct. */
export type InferenceRequestStruct = {
  modelId: Hex;
  version: number;
  mode: number;
  deadline: bigint;
  callback: Address;
  callbackGasLimit: number;
  fee: bigint;
  params: bigint;
  inputHash: Hex;
  input: Hex;
  inputURI: string;
};

export type PreparedInferenceRequest = {
  request: InferenceRequestStruct;
  feeToken: Address;
  modelFee: bigint;
  /** The ERC-20 approval sent (and mined) first, if one was needed. */
  approvalHash: Hash | undefined;
};

/**
 * Checks inline input against the version's IO signature (names, dtypes, shapes, symbolic dimensions) and throws
 * {@link ModelInputError} naming the tensor and what the model takes. A single tensor is the input of a
 * one-input model. Input given by URI is not fetched here; the operator checks it.
 */
async function checkRequestInput(client: VerityClient, parameters: RequestInferenceParameters, bytes: Hex): Promise<void> {
  if (bytes === "0x") return;
  const signature = await readIoSignature(client, {
    hub: parameters.hub,
    modelId: parameters.modelId,
    version: parameters.version,
    fromBlock: parameters.fromBlock,
    document: parameters.ioSignature,
  });
  checkInputBytes(signature, bytes);
}

/** Throws {@link ModelInputError} unless canonical input `bytes` match the IO signature (as `requestInference` checks). */
export function checkInputBytes(signature: IoSignature, bytes: Hex): void {
  const data = decodeTensorData(bytes);
  if (data.tensors) {
    checkInputs(signature, data.tensors);
    return;
  }
  if (signature.inputs.length !== 1) {
    const names = signature.inputs.map((s) => `"${s.name}"`).join(", ");
    throw new ModelInputError("the input is one tensor", `${signature.inputs.length} named inputs (${names}): give { tensors: { name: Tensor } }`);
  }
  checkInputs(signature, { [signature.inputs[0]!.name]: data.tensor });
}

/** Warnings already printed by default, per client: one per version and mode. */
const warned = new WeakMap<object, Set<string>>();

/** Warns (or throws, with `serving: "require"`) before escrow when no operator announces the version in `mode`. */
async function checkServing(client: VerityClient, parameters: RequestInferenceParameters, mode: number, now: bigint): Promise<void> {
  const policy = parameters.serving ?? "warn";
  if (policy === "skip") return;
  const { hub, modelId, version, fromBlock } = parameters;
  const problem = await noServingOperator(client, { hub, modelId, version, mode, fromBlock, now });
  if (!problem) return;
  if (policy === "require") throw problem;
  if (parameters.onWarning) return parameters.onWarning(problem);
  const key = `${hub.toLowerCase()}/${modelId.toLowerCase()}/${version}/${mode}`;
  let seen = warned.get(client);
  if (!seen) warned.set(client, (seen = new Set()));
  if (seen.has(key)) return;
  seen.add(key);
  console.warn(`verity: ${problem.shortMessage} ${problem.metaMessages?.[0] ?? ""}`);
}

/**
 * Checks a request against the chain exactly as the hub would and pays what must be paid first (an ERC-20
 * approval). Throws the SDK error for the first fault; nothing is sent unless every check passes.
 */
export async function prepareInferenceRequest(
  client: VerityClient,
  parameters: RequestInferenceParameters,
): Promise<PreparedInferenceRequest> {
  checkRequestInferenceParameters("prepareInferenceRequest", client, parameters);
  const { hub, modelId, version, fee } = parameters;
  const options = writeOptions(client, parameters, "requestInference");
  const requester = accountAddress(options.account);

  // Local checks first: they need no RPC.
  const data = normalizeTensorData(parameters.input, "input");
  const mode = modeNumber(parameters.mode ?? "tee");
  const params = requestParams(mode, parameters.params);
  const callback = parameters.callback ?? zeroAddress;
  const callbackGasLimit = parameters.callbackGasLimit ?? 0;
  if (callback === zeroAddress && callbackGasLimit !== 0) {
    throw new InvalidCallbackError(`a callback gas limit (${callbackGasLimit}) was given without a callback`);
  }
  if (!Number.isInteger(callbackGasLimit) || callbackGasLimit < 0 || callbackGasLimit > MAX_CALLBACK_GAS) {
    throw new InvalidCallbackError(`callback gas limit ${callbackGasLimit} is not in 0..${MAX_CALLBACK_GAS}`);
  }
  if (callback !== zeroAddress && !isAddressEqual(callback, requester)) {
    // The hub calls back only the contract that asked (HubCallbackNotRequester): a contract requests for itself.
    throw new InvalidCallbackError(
      `the callback ${callback} is not the requester ${requester}: only a contract asking for itself gets a callback`,
    );
  }

  const [[feeToken, modelFee, activeModes], paused, block, callbackCode] = await withHubErrors(client, hub, () =>
    Promise.all([
      readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "requestTerms", args: [modelId, version] }),
      readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "paused" }),
      getBlock(client, { blockTag: "latest" }),
      callback === zeroAddress ? Promise.resolve(undefined) : getCode(client, { address: callback }),
    ]),
  );

  if (activeModes === 0) {
    // Deprecated, or absent? `getModel` tells (and reverts with ModelUnknown for an unknown model).
    const versionCount = await withHubErrors(client, hub, () =>
      readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "getModel", args: [modelId] }),
    ).then(
      ([, , count]) => count,
      (err: unknown) => {
        if (err instanceof ContractRevertError && err.errorName === "ModelUnknown") return 0;
        throw err;
      },
    );
    if (version >= 1 && version <= versionCount) throw new VersionDeprecatedError({ modelId, version });
    throw new UnknownModelVersionError({ modelId, version, versionCount });
  }
  if (mode < 1 || mode > 7 || (activeModes & (1 << mode)) === 0) {
    throw new ModeNotSupportedError({ modelId, version, mode, supported: modesFromBitmask(activeModes) });
  }
  await checkRequestInput(client, parameters, data.bytes);
  await checkServing(client, parameters, mode, block.timestamp); // the latest block read above
  const now = block.timestamp;
  const deadline = parameters.deadline ?? now + 3600n;
  if (deadline <= now) throw new DeadlinePassedError({ deadline, now });
  if (deadline > now + MAX_DEADLINE_DELAY) throw new DeadlineTooFarError({ deadline, latest: now + MAX_DEADLINE_DELAY });
  const nativeSymbol = client.chain?.nativeCurrency.symbol;
  if (fee < modelFee) throw new FeeTooLowError({ offered: fee, minimum: modelFee, feeToken, nativeSymbol });
  if (paused) throw new HubPausedError({ hub });
  if (callback !== zeroAddress && (callbackCode === undefined || callbackCode === "0x")) {
    throw new InvalidCallbackError(`${callback} is not a contract`);
  }

  let approvalHash: Hash | undefined;
  if (feeToken === zeroAddress) {
    const balance = await withVerityErrors(() => getBalance(client, { address: requester }));
    if (balance < fee) {
      throw new InsufficientBalanceError({ account: requester, token: feeToken, required: fee, available: balance, nativeSymbol });
    }
  } else if (fee > 0n) {
    approvalHash = await ensureErc20(client, {
      token: feeToken,
      owner: requester,
      spender: hub,
      amount: fee,
      mode: parameters.approve ?? "exact",
      ...options,
    });
  }

  return {
    request: {
      modelId,
      version,
      mode,
      deadline,
      callback,
      callbackGasLimit,
      fee,
      params,
      // The hub computes the hash of inline input itself; a URI input carries its hash.
      inputHash: data.uri === "" ? zeroHash : data.hash,
      input: data.bytes,
      inputURI: data.uri,
    },
    feeToken,
    modelFee,
    approvalHash,
  };
}

/** Prepares (see {@link prepareInferenceRequest}) and sends a request; returns its hash and what was prepared. */
export async function sendInferenceRequest(
  client: VerityClient,
  parameters: RequestInferenceParameters,
): Promise<{ hash: Hash; prepared: PreparedInferenceRequest }> {
  checkRequestInferenceParameters("sendInferenceRequest", client, parameters);
  const prepared = await prepareInferenceRequest(client, parameters);
  const hash = await withHubErrors(client, parameters.hub, () =>
    writeContract(client, {
      address: parameters.hub,
      abi: inferenceHubAbi,
      functionName: "requestInference",
      args: [prepared.request],
      value: prepared.feeToken === zeroAddress ? prepared.request.fee : 0n,
      ...writeOptions(client, parameters, "requestInference"),
    }),
  );
  return { hash, prepared };
}

/**
 * Requests an inference. Before anything is sent, the request is checked against the chain as the hub would
 * check it (canonical tensor input, version exists and is not deprecated, mode supported, the mode's params,
 * the input matches the version's IO signature, deadline in the future, fee at least the model fee, balance),
 * each fault with its own error. An ERC-20 fee is approved first
 * when the allowance is short; a native fee is sent as value.
 *
 * @example
 * ```ts
 * const hash = await requestInference(walletClient, {
 *   hub, modelId, version: 1, mode: "tee",
 *   input: tensor("int8", [1, 4], [84, 70, 63, 18]),
 *   fee: parseEther("0.003"),
 * });
 * ```
 * A QUORUM or OPTIMISTIC job takes its parameters:
 * ```ts
 * await requestInference(walletClient, { hub, modelId, version: 1, mode: "optimistic", input, fee,
 *   params: { window: 3600, bond: parseEther("0.1"), slashAmount: parseEther("0.5") } });
 * ```
 * @returns The request's transaction hash. {@link requestInferenceSync} waits and returns the job id and job.
 */
export async function requestInference(
  client: VerityClient,
  parameters: RequestInferenceParameters,
): Promise<RequestInferenceReturnType> {
  checkRequestInferenceParameters("requestInference", client, parameters);
  return (await sendInferenceRequest(client, parameters)).hash;
}
