import type { Address, Hash, Hex } from "viem";
import type { WriteErrorType } from "../errors/write.js";
import { writeOptions } from "../internal/client.js";
import { writeHub } from "../internal/hub.js";
import type { VerityClient, WriteParameters } from "../types.js";
import { checkFields, checkWriteParameters } from "../internal/parameters.js";

export type DeprecateVersionParameters = WriteParameters & { hub: Address; modelId: Hex; version: number };
export type DeprecateVersionReturnType = Hash;
export type DeprecateVersionErrorType = WriteErrorType;

/**
 * Marks a model version deprecated: it accepts no new requests; pending jobs still complete. Only the model
 * owner. Irreversible.
 *
 * @example
 * ```ts
 * await deprecateVersion(walletClient, { hub, modelId, version: 1 });
 * ```
 * @returns The transaction hash.
 */
export async function deprecateVersion(
  client: VerityClient,
  parameters: DeprecateVersionParameters,
): Promise<DeprecateVersionReturnType> {
  const action = "deprecateVersion";
  checkWriteParameters(action, client, parameters);
  checkFields(action, parameters, { hub: "address", modelId: "bytes32", version: "version" });
  const options = writeOptions(client, parameters, "deprecateVersion");
  return writeHub(client, parameters.hub, options, { functionName: "deprecateVersion", args: [parameters.modelId, parameters.version] });
}
