import type { Address, Hash, Hex } from "viem";
import type { VerityClient, WriteParameters } from "../types.js";
import type { WriteErrorType } from "../errors/write.js";
import { enclaveWriteAction } from "../internal/simpleWrite.js";

export type SetMeasurementAllowedParameters = WriteParameters & {
  /** The enclave registry (it is the TEE verifier and holds the measurement policy). */
  enclaveRegistry: Address;
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
 * await setMeasurementAllowed(walletClient, { enclaveRegistry, modelId, version: 1, measurement });
 * ```
 * @returns The transaction hash.
 */
export const setMeasurementAllowed: (client: VerityClient, parameters: SetMeasurementAllowedParameters) => Promise<SetMeasurementAllowedReturnType> = enclaveWriteAction(
  "setMeasurementAllowed",
  { modelId: "bytes32", version: "version", measurement: "bytes32", allowed: "boolean?" },
  (p) => ({ functionName: "setMeasurementAllowed", args: [p.modelId, p.version, p.measurement, p.allowed ?? true] }),
);
