import type { Address, Hash, Hex } from "viem";
import type { WriteErrorType } from "../errors/write.js";
import { writeOptions } from "../internal/client.js";
import { writeRegistry } from "../internal/hub.js";
import type { VerityClient, WriteParameters } from "../types.js";
import { checkWriteParameters } from "../internal/parameters.js";
import { expectAddress, expectHex } from "../internal/validate.js";

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
  expectAddress(action, "operatorRegistry", parameters.operatorRegistry);
  expectHex(action, "measurement", parameters.measurement, { size: 32 });
  return writeRegistry(client, parameters.operatorRegistry, writeOptions(client, parameters, "approveMeasurement"), { functionName: "approveMeasurement", args: [parameters.measurement] });
}
