import type { Address, BlockNumber, Hex } from "viem";
import type { IoSignature } from "../encoding/ioSignature.js";
import type { ContractRevertError, HubNotFoundError } from "../errors/contract.js";
import type { RpcUnreachableError } from "../errors/rpc.js";
import type { IoSignatureUnavailableError, UnknownModelVersionError } from "../errors/request.js";
import type { VerityClient } from "../types.js";
import { readIoSignature } from "../internal/ioSignature.js";
import { checkFields } from "../internal/parameters.js";
import { expectParameters } from "../internal/validate.js";

export type GetIoSignatureParameters = {
  hub: Address;
  modelId: Hex;
  version: number;
  /** The first block to search for the version's `VersionPublished` event (default 0). */
  fromBlock?: BlockNumber | undefined;
};
export type GetIoSignatureReturnType = IoSignature;
export type GetIoSignatureErrorType =
  | IoSignatureUnavailableError
  | UnknownModelVersionError
  | HubNotFoundError
  | ContractRevertError
  | RpcUnreachableError;

/**
 * Reads a version's IO signature (its named input and output tensors with dtypes and shapes, the output
 * canonicalization operators apply, class labels) from chain data: the document its `VersionPublished` event
 * carries, decoded strictly and checked against the `ioSignatureHash` the registry stores for the version.
 *
 * @example
 * ```ts
 * const sig = await getIoSignature(publicClient, { hub, modelId, version: 1 });
 * sig.inputs;  // [{ name: "image", dtype: "float32", shape: ["batch", 784] }]
 * sig.labels;  // { logits: ["0", "1", …] }
 * ```
 */
export async function getIoSignature(client: VerityClient, parameters: GetIoSignatureParameters): Promise<GetIoSignatureReturnType> {
  const action = "getIoSignature";
  expectParameters(action, client, parameters);
  checkFields(action, parameters, { hub: "address", modelId: "bytes32", version: "version", fromBlock: "bigint?" });
  return readIoSignature(client, parameters);
}
