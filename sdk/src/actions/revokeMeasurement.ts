import type { Address, Hash, Hex } from "viem";
import type { WriteErrorType } from "../errors/write.js";
import { writeOptions } from "../internal/client.js";
import { writeRegistry } from "../internal/hub.js";
import type { VerityClient, WriteParameters } from "../types.js";
import { checkFields, checkWriteParameters } from "../internal/parameters.js";

export type RevokeMeasurementParameters = WriteParameters & { operatorRegistry: Address; measurement: Hex };
export type RevokeMeasurementReturnType = Hash;
export type RevokeMeasurementErrorType = WriteErrorType;

/**
 * Revokes an approved measurement: every enclave key on it stops counting at once. Only governance. Final.
 *
 * @example
 * ```ts
 * await revokeMeasurement(governanceClient, { operatorRegistry, measurement: keccak256(toHex("verity-enclave-v1")) });
 * ```
 * @returns The transaction hash.
 */
export async function revokeMeasurement(
  client: VerityClient,
  parameters: RevokeMeasurementParameters,
): Promise<RevokeMeasurementReturnType> {
  const action = "revokeMeasurement";
  checkWriteParameters(action, client, parameters);
  checkFields(action, parameters, { operatorRegistry: "address", measurement: "bytes32" });
  const options = writeOptions(client, parameters, "revokeMeasurement");
  return writeRegistry(client, parameters.operatorRegistry, options, { functionName: "revokeMeasurement", args: [parameters.measurement] });
}
