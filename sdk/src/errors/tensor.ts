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
export type TensorEncodingErrorType = TensorEncodingError & { name: "TensorEncodingError" };
