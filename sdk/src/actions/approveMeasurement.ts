import type { Address, Hash, Hex } from "viem";
import type { WriteErrorType } from "../errors/write.js";
import type { VerityClient, WriteParameters } from "../types.js";
import { registryWriteAction } from "../internal/simpleWrite.js";

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
export const approveMeasurement: (client: VerityClient, parameters: ApproveMeasurementParameters) => Promise<ApproveMeasurementReturnType> = registryWriteAction(
  "approveMeasurement",
  { measurement: "bytes32" },
  (p) => ({ functionName: "approveMeasurement", args: [p.measurement] }),
);
