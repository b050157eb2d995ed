import { type Address, type Hex, formatUnits } from "viem";
import { modeLabel } from "../constants.js";
import { VerityError } from "./base.js";

const NATIVE = "0x0000000000000000000000000000000000000000";
const currency = (token: Address) => (token.toLowerCase() === NATIVE ? "native currency" : `token ${token}`);
const isNative = (token: Address) => token.toLowerCase() === NATIVE;

/**
 * An amount of the native currency for a message, in units with its symbol and in wei: `0.001 ETH (1000000000000000 wei)`.
 * `symbol` is the client's chain's `nativeCurrency.symbol` (default "ETH"); the native currency has 18 decimals.
 */
export function formatNativeAmount(wei: bigint, symbol?: string | undefined): string {
  return `${formatUnits(wei, 18)} ${symbol ?? "ETH"} (${wei} wei)`;
}

/**
 * A version's IO signature could not be read from chain data: no `VersionPublished` event carries it in the range
 * searched, or the document the event carries does not hash to the version's `ioSignatureHash`.
 */
export class IoSignatureUnavailableError extends VerityError {
  override name = "IoSignatureUnavailableError";
  readonly modelId: Hex;
  readonly modelVersion: number;
  constructor({ modelId, version, reason }: { modelId: Hex; version: number; reason: string }) {
    super(`The IO signature of model ${modelId} version ${version} is unavailable: ${reason}.`, {
      metaMessages: [
        "Pass `fromBlock` at or before the version's publication, or give the signature document itself (`ioSignature`), which is checked against the version's hash.",
      ],
    });
    this.modelId = modelId;
    this.modelVersion = version;
  }
}
export type IoSignatureUnavailableErrorType = IoSignatureUnavailableError & { name: "IoSignatureUnavailableError" };

/**
 * No operator announces serving a version in the mode asked (none with bonded stake, an unlapsed announcement and
 * that mode): a job requested now would most likely wait unserved until its deadline, then be refunded. Thrown by
 * `requestInference` with `serving: "require"`, and handed to `onWarning` (by default) before escrow.
 */
export class NoServingOperatorError extends VerityError {
  override name = "NoServingOperatorError";
  readonly modelId: Hex;
  readonly modelVersion: number;
  readonly mode: number;
  constructor({ modelId, version, mode, modeName }: { modelId: Hex; version: number; mode: number; modeName: string }) {
    super(`No operator announces serving model ${modelId} version ${version} in ${modeName} mode.`, {
      metaMessages: [
        "A job requested now would wait unserved, its fee escrowed until the deadline (then refundable with `refund`).",
        "Operators announce with `verity operator announce` (a running node announces what it serves); `getServingOperators` lists them.",
      ],
    });
    this.modelId = modelId;
    this.modelVersion = version;
    this.mode = mode;
  }
}
export type NoServingOperatorErrorType = NoServingOperatorError & { name: "NoServingOperatorError" };

/** The model has no such version (or the model does not exist). */
export class UnknownModelVersionError extends VerityError {
  override name = "UnknownModelVersionError";
  readonly modelId: Hex;
  readonly modelVersion: number;
  constructor({ modelId, version, versionCount }: { modelId: Hex; version: number; versionCount?: number | undefined }) {
    super(`Model ${modelId} has no version ${version}.`, {
      details:
        versionCount === undefined
          ? "The hub has no such model version (ModelUnknownVersion)."
          : versionCount === 0
            ? "The model is not registered on this hub."
            : `The model has versions 1..${versionCount}.`,
      metaMessages: ["Check the model id and the hub address, or publish the version first."],
    });
    this.modelId = modelId;
    this.modelVersion = version;
  }
}
export type UnknownModelVersionErrorType = UnknownModelVersionError & { name: "UnknownModelVersionError" };

/** The version is deprecated: it accepts no new requests. */
export class VersionDeprecatedError extends VerityError {
  override name = "VersionDeprecatedError";
  readonly modelId: Hex;
  readonly modelVersion: number;
  constructor({ modelId, version }: { modelId: Hex; version: number }) {
    super(`Version ${version} of model ${modelId} is deprecated and accepts no new requests.`, {
      metaMessages: ["Request a newer version of the model."],
    });
    this.modelId = modelId;
    this.modelVersion = version;
  }
}
export type VersionDeprecatedErrorType = VersionDeprecatedError & { name: "VersionDeprecatedError" };

/** The version does not support the verification mode asked for. */
export class ModeNotSupportedError extends VerityError {
  override name = "ModeNotSupportedError";
  readonly mode: number;
  readonly supported: readonly number[];
  constructor({ modelId, version, mode, supported }: { modelId: Hex; version: number; mode: number; supported: readonly number[] }) {
    super(`Version ${version} of model ${modelId} does not support the ${modeLabel(mode)} mode.`, {
      details: `Supported modes: ${supported.map(modeLabel).join(", ") || "none"}.`,
      metaMessages: ["Pick one of the supported modes."],
    });
    this.mode = mode;
    this.supported = supported;
  }
}
export type ModeNotSupportedErrorType = ModeNotSupportedError & { name: "ModeNotSupportedError" };

/**
 * The mode parameters are not valid for the mode: TEE and ZK take none; QUORUM and OPTIMISTIC need valid ones
 * (see `quorumParams` and `optimisticParams`, and contracts/libraries/ModeParams.sol).
 */
export class InvalidParamsError extends VerityError {
  override name = "InvalidParamsError";
  readonly mode: number;
  readonly params: bigint | undefined;
  constructor({ mode, params, reason }: { mode: number; params?: bigint | undefined; reason?: string | undefined }) {
    super(
      reason === undefined
        ? `The ${modeLabel(mode)} mode takes no parameters, got ${params}.`
        : `Invalid ${modeLabel(mode)} parameters${params === undefined ? "" : ` ${params}`}: ${reason}.`,
      {
        metaMessages: [
          reason === undefined
            ? "Leave `params` out (0) for TEE and ZK jobs."
            : "Build them with quorumParams({ k, minStake }) or optimisticParams({ window, bond, slashAmount }).",
        ],
      },
    );
    this.mode = mode;
    this.params = params;
  }
}
export type InvalidParamsErrorType = InvalidParamsError & { name: "InvalidParamsError" };

/** The fee offered is below the version's model fee. */
export class FeeTooLowError extends VerityError {
  override name = "FeeTooLowError";
  readonly offered: bigint;
  readonly minimum: bigint;
  constructor({
    offered,
    minimum,
    feeToken,
    nativeSymbol,
  }: { offered: bigint; minimum: bigint; feeToken: Address; nativeSymbol?: string | undefined }) {
    const message = isNative(feeToken)
      ? `Fee ${formatNativeAmount(offered, nativeSymbol)} is below the model fee of ${formatNativeAmount(minimum, nativeSymbol)}.`
      : `Fee ${offered} is below the model fee of ${minimum} (${currency(feeToken)}, in its smallest unit).`;
    super(message, {
      metaMessages: [
        "The fee is the model fee plus the operator's reward (less the protocol's share): offer at least the model fee.",
      ],
    });
    this.offered = offered;
    this.minimum = minimum;
  }
}
export type FeeTooLowErrorType = FeeTooLowError & { name: "FeeTooLowError" };

/** The deadline is not in the future. */
export class DeadlinePassedError extends VerityError {
  override name = "DeadlinePassedError";
  readonly deadline: bigint;
  readonly now: bigint;
  constructor({ deadline, now }: { deadline: bigint; now: bigint }) {
    super(`Deadline ${deadline} is not in the future (chain time is ${now}).`, {
      metaMessages: ["Deadlines are Unix seconds of chain time; leave `deadline` out for one hour from now."],
    });
    this.deadline = deadline;
    this.now = now;
  }
}
export type DeadlinePassedErrorType = DeadlinePassedError & { name: "DeadlinePassedError" };

/** The deadline is further in the future than the hub accepts. */
export class DeadlineTooFarError extends VerityError {
  override name = "DeadlineTooFarError";
  constructor({ deadline, latest }: { deadline: bigint; latest: bigint }) {
    super(`Deadline ${deadline} is too far in the future: the latest accepted is ${latest} (30 days from now).`);
  }
}
export type DeadlineTooFarErrorType = DeadlineTooFarError & { name: "DeadlineTooFarError" };

/** The account cannot pay: its balance is below what the call needs. */
export class InsufficientBalanceError extends VerityError {
  override name = "InsufficientBalanceError";
  readonly account: Address;
  readonly token: Address;
  readonly required: bigint;
  readonly available: bigint;
  constructor({
    account,
    token,
    required,
    available,
    nativeSymbol,
  }: { account: Address; token: Address; required: bigint; available: bigint; nativeSymbol?: string | undefined }) {
    const message = isNative(token)
      ? `Account ${account} holds ${formatNativeAmount(available, nativeSymbol)} but needs ${formatNativeAmount(required, nativeSymbol)}.`
      : `Account ${account} holds ${available} of the ${currency(token)} but needs ${required} (in its smallest unit).`;
    super(message, {
      metaMessages: ["Fund the account (plus gas for native fees), or lower the fee."],
    });
    this.account = account;
    this.token = token;
    this.required = required;
    this.available = available;
  }
}
export type InsufficientBalanceErrorType = InsufficientBalanceError & { name: "InsufficientBalanceError" };

/** The hub's ERC-20 allowance is too low and automatic approval was turned off. */
export class InsufficientAllowanceError extends VerityError {
  override name = "InsufficientAllowanceError";
  constructor({ token, spender, required, allowance }: { token: Address; spender: Address; required: bigint; allowance: bigint }) {
    super(`Allowance of ${allowance} for ${spender} on token ${token} is below the fee of ${required}.`, {
      metaMessages: ['Approve the hub first, or pass `approve: "exact"` (the default) to let the SDK do it.'],
    });
  }
}
export type InsufficientAllowanceErrorType = InsufficientAllowanceError & { name: "InsufficientAllowanceError" };

/** The input or output is neither a canonical tensor, raw bytes, nor a URI with a 32-byte hash. */
export class InvalidDataError extends VerityError {
  override name = "InvalidDataError";
  constructor(reason: string) {
    super(`Invalid input or output: ${reason}.`, {
      metaMessages: ["Give a Tensor, its canonical bytes, or { uri, hash } with hash = keccak256(bytes)."],
    });
  }
}
export type InvalidDataErrorType = InvalidDataError & { name: "InvalidDataError" };

/** The callback is not a contract, or its gas limit is out of range. */
export class InvalidCallbackError extends VerityError {
  override name = "InvalidCallbackError";
  constructor(reason: string) {
    super(`Invalid callback: ${reason}.`, {
      metaMessages: ["A callback must be a deployed IInferenceConsumer; its gas limit at most 2,000,000."],
    });
  }
}
export type InvalidCallbackErrorType = InvalidCallbackError & { name: "InvalidCallbackError" };

/** New requests are paused on this hub. */
export class HubPausedError extends VerityError {
  override name = "HubPausedError";
  constructor({ hub }: { hub: Address }) {
    super(`Hub ${hub} is paused: it accepts no new requests.`, {
      metaMessages: ["Pending jobs can still be fulfilled or refunded; try again once governance unpauses it."],
    });
  }
}
export type HubPausedErrorType = HubPausedError & { name: "HubPausedError" };

/** No account to send from: neither the client nor the parameters have one. */
export class AccountRequiredError extends VerityError {
  override name = "AccountRequiredError";
  constructor(action: string) {
    super(`${action} needs an account to send from.`, {
      metaMessages: ["Create the client with `account`, or pass `account` to the action."],
    });
  }
}
export type AccountRequiredErrorType = AccountRequiredError & { name: "AccountRequiredError" };

/**
 * What a value is, for an error message: its type and a short rendering (`the number 1`, `the string "0x12" (1
 * byte)`, `an array of 4 items`). Never throws, whatever it is given (a Proxy, an object without a prototype).
 */
export function describeValue(value: unknown): string {
  const short = (text: string) => (text.length > 48 ? `${text.slice(0, 45)}...` : text);
  try {
    switch (typeof value) {
      case "undefined":
        return "undefined (it is missing)";
      case "number":
        return `the number ${value}`;
      case "bigint":
        return `the bigint ${short(String(value))}n`;
      case "boolean":
        return `the boolean ${value}`;
      case "symbol":
        return "a symbol";
      case "function":
        return "a function";
      case "string": {
        const bytes = /^0x(?:[0-9a-fA-F]{2})*$/.test(value) ? (value.length - 2) / 2 : undefined;
        return `the string ${short(JSON.stringify(value))}${bytes === undefined ? "" : ` (${bytes} byte${bytes === 1 ? "" : "s"})`}`;
      }
    }
    if (value === null) return "null";
    if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? "" : "s"}`;
    if (value instanceof Uint8Array) return `a Uint8Array of ${value.length} bytes`;
    const keys = Object.keys(value as object);
    return keys.length === 0 ? "an object with no fields" : short(`an object { ${keys.join(", ")} }`);
  } catch {
    return "a value that cannot be described";
  }
}

/**
 * A parameter of an SDK action is missing, of the wrong type or out of range, found at run time before anything
 * was read or sent (plain-JavaScript callers pass numbers for bigints, strings for numbers). Nothing is coerced.
 */
export class InvalidParameterError extends VerityError {
  override name = "InvalidParameterError";
  /** The action called, e.g. `verifyJob`. */
  readonly action: string;
  /** The parameter, e.g. `jobId`, `params.bond` or `votes[0].signer`. */
  readonly parameter: string;
  /** What it must be, e.g. `a bigint (e.g. 1n)`. */
  readonly expected: string;
  /** What it was: its type and a short rendering (see {@link describeValue}), e.g. `the number 1`. */
  readonly received: string;
  constructor({
    action,
    parameter,
    expected,
    received,
    hint,
  }: { action: string; parameter: string; expected: string; received: unknown; hint?: string | undefined }) {
    const got = describeValue(received);
    super(`${action}: ${parameter} must be ${expected}, got ${got}.`, {
      details: `${action} checks its parameters before it reads or sends anything: nothing was sent.`,
      metaMessages: [hint ?? `Pass \`${parameter}\` as ${expected}; the SDK converts nothing.`],
    });
    this.action = action;
    this.parameter = parameter;
    this.expected = expected;
    this.received = got;
  }
}
export type InvalidParameterErrorType = InvalidParameterError & { name: "InvalidParameterError" };
