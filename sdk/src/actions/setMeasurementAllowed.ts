import type { Address, Hash, Hex, WriteContractErrorType } from "viem";
import { writeContract } from "viem/actions";
import { operatorRegistryAbi } from "../abis.js";
import type { AccountRequiredError, ContractRevertError, RpcUnreachableError } from "../errors/index.js";
import { withVerityErrors } from "../errors/decode.js";
import { writeOptions } from "../internal/client.js";
import type { VerityClient, WriteParameters } from "../types.js";

export type SetMeasurementAllowedParameters = WriteParameters & {
  /** The operator registry (it is the TEE verifier and holds the measurement policy). */
  operatorRegistry: Address;
  modelId: Hex;
  version: number;
  /** The enclave code measurement. */
  measurement: Hex;
  /** Allow (default) or disallow results from enclaves with this measurement for the version. */
  allowed?: boolean | undefined;
};
export type SetMeasurementAllowedReturnType = Hash;
export type SetMeasurementAllowedErrorType =
  | ContractRevertError
  | RpcUnreachableError
  | AccountRequiredError
  | WriteContractErrorType;

/**
 * Allows (or disallows) TEE results from enclaves with `measurement` for a model version. Only the model owner.
 * A TEE result counts only when governance approved the measurement AND the model owner allowed it here.
 *
 * @example
 * ```ts
 * await setMeasurementAllowed(walletClient, { operatorRegistry, modelId, version: 1, measurement });
 * ```
 * @returns The transaction hash.
 */
export async function setMeasurementAllowed(
  client: VerityClient,
  parameters: SetMeasurementAllowedParameters,
): Promise<SetMeasurementAllowedReturnType> {
  const { operatorRegistry, modelId, version, measurement, allowed = true } = parameters;
  return withVerityErrors(() =>
    writeContract(client, {
      address: operatorRegistry,
      abi: operatorRegistryAbi,
      functionName: "setMeasurementAllowed",
      args: [modelId, version, measurement, allowed],
      ...writeOptions(client, parameters, "setMeasurementAllowed"),
    }),
  );
}
