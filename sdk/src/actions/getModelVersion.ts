import type { Address, BlockNumber, Hex } from "viem";
import type { ContractRevertError, HubNotFoundError } from "../errors/contract.js";
import type { RpcUnreachableError } from "../errors/rpc.js";
import type { UnknownModelVersionError } from "../errors/request.js";
import type { ModelVersion, VerityClient } from "../types.js";
import { checkFields } from "../internal/parameters.js";
import { readModelVersion } from "../internal/readVersion.js";
import { expectParameters } from "../internal/validate.js";

export type GetModelVersionParameters = {
  hub: Address;
  modelId: Hex;
  version: number;
  /** Read the version as it was at this block (default: the latest block). */
  blockNumber?: BlockNumber | undefined;
};
export type GetModelVersionReturnType = ModelVersion;
export type GetModelVersionErrorType = UnknownModelVersionError | HubNotFoundError | ContractRevertError | RpcUnreachableError;

/**
 * Reads a model version as the registry stores it (`getVersion`): artifact hash and URI, modes, fee, the ZK circuit
 * and whether it is deprecated. A version that does not exist (at `blockNumber`) is refused with
 * {@link UnknownModelVersionError}.
 *
 * @example
 * ```ts
 * const v = await getModelVersion(publicClient, { hub, modelId, version: 1 });
 * console.log(v.uri, v.artifactHash, v.fee);
 * ```
 */
export async function getModelVersion(
  client: VerityClient,
  parameters: GetModelVersionParameters,
): Promise<GetModelVersionReturnType> {
  const action = "getModelVersion";
  expectParameters(action, client, parameters);
  checkFields(action, parameters, { hub: "address", modelId: "bytes32", version: "version", blockNumber: "bigint?" });
  return readModelVersion(client, parameters);
}
