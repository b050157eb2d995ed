import type { WriteContractErrorType } from "viem";
import type { ContractRevertError, HubNotFoundError } from "./contract.js";
import type { JobModeMismatchError, JobNotFoundError } from "./job.js";
import type { AccountRequiredError } from "./request.js";
import type { RpcUnreachableError } from "./rpc.js";

/**
 * What any write action may throw besides its own errors: a decoded revert, an unreachable RPC, no account to
 * send from, a `hub` that is not an InferenceHub (hub writes), or viem's own write errors.
 */
export type WriteErrorType =
  | ContractRevertError
  | RpcUnreachableError
  | AccountRequiredError
  | HubNotFoundError
  | WriteContractErrorType;

/** What a write about one job may throw besides its own errors: the job unknown or of another mode, and {@link WriteErrorType}. */
export type JobWriteErrorType = JobNotFoundError | JobModeMismatchError | WriteErrorType;
