import type { Address, Hash, Hex } from "viem";
import type { WriteErrorType } from "../errors/write.js";
import type { VerityClient, WriteParameters } from "../types.js";
import { enclaveWriteAction } from "../internal/simpleWrite.js";

export type RevokeMeasurementParameters = WriteParameters & { enclaveRegistry: Address; measurement: Hex };
export type RevokeMeasurementReturnType = Hash;
export type RevokeMeasurementErrorType = WriteErrorType;

/**
 * Revokes an approved measurement: every enclave key on it stops counting at once. Only governance. Final.
 *
 * @example
 * ```ts
 * await revokeMeasurement(governanceClient, { enclaveRegistry, measurement });
 * ```
 * @returns The transaction hash.
 */
export const revokeMeasurement: (client: VerityClient, parameters: RevokeMeasurementParameters) => Promise<RevokeMeasurementReturnType> = enclaveWriteAction(
  "revokeMeasurement",
  { measurement: "bytes32" },
  (p) => ({ functionName: "revokeMeasurement", args: [p.measurement] }),
);
