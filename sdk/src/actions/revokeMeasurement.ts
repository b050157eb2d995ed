import type { Address, Hash, Hex, WriteContractErrorType } from "viem";
import { writeContract } from "viem/actions";
import { operatorRegistryAbi } from "../abis.js";
import type { AccountRequiredError, ContractRevertError, RpcUnreachableError } from "../errors/index.js";
import { withVerityErrors } from "../errors/decode.js";
import { writeOptions } from "../internal/client.js";
import type { VerityClient, WriteParameters } from "../types.js";

export type RevokeMeasurementParameters = WriteParameters & { operatorRegistry: Address; measurement: Hex };
export type RevokeMeasurementReturnType = Hash;
export type RevokeMeasurementErrorType = ContractRevertError | RpcUnreachableError | AccountRequiredError | WriteContractErrorType;

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
  return withVerityErrors(() =>
    writeContract(client, {
      address: parameters.operatorRegistry,
      abi: operatorRegistryAbi,
      functionName: "revokeMeasurement",
      args: [parameters.measurement],
      ...writeOptions(client, parameters, "revokeMeasurement"),
    }),
  );
}
