import type { Address, Hash, Hex, WriteContractErrorType } from "viem";
import { writeContract } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import type { AccountRequiredError, ContractRevertError, RpcUnreachableError } from "../errors/index.js";
import { withVerityErrors } from "../errors/decode.js";
import { writeOptions } from "../internal/client.js";
import type { VerityClient, WriteParameters } from "../types.js";

export type DeprecateVersionParameters = WriteParameters & { hub: Address; modelId: Hex; version: number };
export type DeprecateVersionReturnType = Hash;
export type DeprecateVersionErrorType = ContractRevertError | RpcUnreachableError | AccountRequiredError | WriteContractErrorType;

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
  return withVerityErrors(() =>
    writeContract(client, {
      address: parameters.hub,
      abi: inferenceHubAbi,
      functionName: "deprecateVersion",
      args: [parameters.modelId, parameters.version],
      ...writeOptions(client, parameters, "deprecateVersion"),
    }),
  );
}
