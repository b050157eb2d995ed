import type { Address, Hex } from "viem";
import type { ContractRevertError, HubNotFoundError } from "../errors/contract.js";
import type { RpcUnreachableError } from "../errors/rpc.js";
import { checkFields, checkMode } from "../internal/parameters.js";
import { type ServingOperator, readServingOperators } from "../internal/serving.js";
import { expectParameters } from "../internal/validate.js";
import { type ModeLike, modeNumber } from "../constants.js";
import type { VerityClient } from "../types.js";

export type { ServingOperator } from "../internal/serving.js";

export type GetServingOperatorsParameters = {
  hub: Address;
  /** The operator registry (default: the hub's `operatorRegistry()`). */
  operatorRegistry?: Address | undefined;
  modelId: Hex;
  version: number;
  /** Only operators announcing this mode. */
  mode?: ModeLike | undefined;
  /** The first block to search for `ServiceAnnounced` events (default 0). */
  fromBlock?: bigint | undefined;
};
export type GetServingOperatorsReturnType = ServingOperator[];
export type GetServingOperatorsErrorType = HubNotFoundError | ContractRevertError | RpcUnreachableError;

/**
 * The operators announcing now that they serve a model version (an unlapsed `announceService` and bonded stake),
 * with their modes, when each announcement lapses, and their stake. An announcement binds nobody: it tells a
 * requester before escrow whether anyone means to serve the job.
 *
 * @example
 * ```ts
 * const serving = await getServingOperators(publicClient, { hub, modelId, version: 1, mode: "tee" });
 * if (serving.length === 0) console.warn("nobody serves this version in TEE mode");
 * ```
 */
export async function getServingOperators(client: VerityClient, parameters: GetServingOperatorsParameters): Promise<GetServingOperatorsReturnType> {
  const action = "getServingOperators";
  expectParameters(action, client, parameters);
  checkFields(action, parameters, { hub: "address", operatorRegistry: "address?", modelId: "bytes32", version: "version", fromBlock: "bigint?" });
  checkMode(action, "mode", parameters.mode, { optional: true, max: 7 });
  const serving = await readServingOperators(client, parameters);
  if (parameters.mode === undefined) return serving;
  const mode = modeNumber(parameters.mode);
  return serving.filter((s) => s.modes.includes(mode));
}
