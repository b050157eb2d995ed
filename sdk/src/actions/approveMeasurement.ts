import type { Address, Hash, Hex, WriteContractErrorType } from "viem";
import { writeContract } from "viem/actions";
import { operatorRegistryAbi } from "../abis.js";
import type { AccountRequiredError, ContractRevertError, RpcUnreachableError } from "../errors/index.js";
import { withVerityErrors } from "../errors/decode.js";
import { writeOptions } from "../internal/client.js";
import type { VerityClient, WriteParameters } from "../types.js";

export type ApproveMeasurementParameters = WriteParameters & { operatorRegistry: Address; measurement: Hex };
export type ApproveMeasurementReturnType = Hash;
export type ApproveMeasurementErrorType = ContractRevertError | RpcUnreachableError | AccountRequiredError | WriteContractErrorType;

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
  return withVerityErrors(() =>
    writeContract(client, {
      address: parameters.operatorRegistry,
      abi: operatorRegistryAbi,
      functionName: "approveMeasurement",
      args: [parameters.measurement],
      ...writeOptions(client, parameters, "approveMeasurement"),
    }),
  );
}
