export { VerityError } from "./base.js";
import { VerityError } from "./base.js";

/** Tensor bytes or a tensor value are not in the canonical form. */
export class TensorEncodingError extends VerityError {
  override name = "TensorEncodingError";
  constructor(reason: string) {
    super(`Malformed tensor: ${reason}.`, {
      metaMessages: ["Tensors use the canonical encoding of sdk/src/encoding/tensor.ts (see README, Data formats)."],
    });
  }
}

export {
  AccountRequiredError,
  DeadlinePassedError,
  DeadlineTooFarError,
  FeeTooLowError,
  HubPausedError,
  InsufficientAllowanceError,
  InsufficientBalanceError,
  InvalidCallbackError,
  InvalidDataError,
  InvalidParamsError,
  ModeNotSupportedError,
  UnknownModelVersionError,
  VersionDeprecatedError,
} from "./request.js";
export {
  InvalidAttestationError,
  InvalidQuorumVoteError,
  JobExpiredError,
  JobModeMismatchError,
  JobNotFoundError,
  JobRefundedError,
  NoProposalError,
  QuorumNotReachedError,
  TransactionRevertedError,
  VerificationModeNotSupportedError,
  WaitTimeoutError,
} from "./job.js";
export { RpcUnreachableError, findUnreachableRpc } from "./rpc.js";
export { ContractRevertError, findRevert, verityErrorsAbi } from "./contract.js";
export { toVerityError, withVerityErrors } from "./decode.js";
