import type { Address, Hash, Hex } from "viem";
import type { WriteErrorType } from "../errors/write.js";
import { writeOptions } from "../internal/client.js";
import { writeRegistry } from "../internal/hub.js";
import type { VerityClient, WriteParameters } from "../types.js";
import { checkFields, checkWriteParameters } from "../internal/parameters.js";

export type ApproveMeasurementParameters = WriteParameters & { operatorRegistry: Address; measurement: Hex };
export type ApproveMeasurementReturnType = Hash;
export type ApproveMeasurementErrorType = WriteErrorType;

/**
 * Approves an enclave code measurement, so keys can be registered on it. Only governance (the registry's owner).
 *
 * @example
 * ```ts
 * await approveMeasurement(governanceClient, { operatorRegistry, measurement: keccak256(toHex("verity-enclave-v1")) });
 * ```
 * @returns The transaction hash.
 */
export async function approveMeasurement(
  client: VerityClient,
  parameters: ApproveMeasurementParameters,
): Promise<ApproveMeasurementReturnType> {
  const action = "approveMeasurement";
  checkWriteParameters(action, client, parameters);
  checkFields(action, parameters, { operatorRegistry: "address", measurement: "bytes32" });
  const options = writeOptions(client, parameters, "approveMeasurement");
  return writeRegistry(client, parameters.operatorRegistry, options, { functionName: "approveMeasurement", args: [parameters.measurement] });
}
