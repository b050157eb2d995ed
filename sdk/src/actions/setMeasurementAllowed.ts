import type { Address, Hash, Hex } from "viem";
import { writeOptions } from "../internal/client.js";
import { writeRegistry } from "../internal/hub.js";
import type { VerityClient, WriteParameters } from "../types.js";
import type { WriteErrorType } from "../errors/write.js";
import { checkFields, checkWriteParameters } from "../internal/parameters.js";

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
export type SetMeasurementAllowedErrorType = WriteErrorType;

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
  const action = "setMeasurementAllowed";
  checkWriteParameters(action, client, parameters);
  checkFields(action, parameters, { operatorRegistry: "address", modelId: "bytes32", version: "version", measurement: "bytes32", allowed: "boolean?" });
  const { operatorRegistry, modelId, version, measurement, allowed = true } = parameters;
  const options = writeOptions(client, parameters, "setMeasurementAllowed");
  return writeRegistry(client, operatorRegistry, options, { functionName: "setMeasurementAllowed", args: [modelId, version, measurement, allowed] });
}
