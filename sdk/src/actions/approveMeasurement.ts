import type { Address, Hash, Hex } from "viem";
import type { WriteErrorType } from "../errors/write.js";
import type { VerityClient, WriteParameters } from "../types.js";
import { enclaveWriteAction } from "../internal/simpleWrite.js";

export type ApproveMeasurementParameters = WriteParameters & {
  enclaveRegistry: Address;
  /** The measurement: `nitroMeasurement(pcrs)` or `tdxMeasurement(registers)` (see sdk/src/attestation). */
  measurement: Hex;
  /** Its TEE type: `TeeType.AwsNitro` (1) or `TeeType.IntelTdx` (2). */
  teeType: number;
};
export type ApproveMeasurementReturnType = Hash;
export type ApproveMeasurementErrorType = WriteErrorType;

/**
 * Approves an enclave code measurement for a TEE type, so keys can be registered on it. Only governance (the
 * enclave registry's owner; behind the timelock in a production deployment).
 *
 * @example
 * ```ts
 * await approveMeasurement(governanceClient, { enclaveRegistry, measurement: nitroMeasurement(pcrs), teeType: TeeType.AwsNitro });
 * ```
 * @returns The transaction hash.
 */
export const approveMeasurement: (client: VerityClient, parameters: ApproveMeasurementParameters) => Promise<ApproveMeasurementReturnType> = enclaveWriteAction(
  "approveMeasurement",
  { measurement: "bytes32", teeType: "teeType" },
  (p) => ({ functionName: "approveMeasurement", args: [p.measurement, p.teeType] }),
);
