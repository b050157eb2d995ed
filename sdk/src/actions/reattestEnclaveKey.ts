import type { Hash } from "viem";
import { readContract } from "viem/actions";
import { enclaveRegistryAbi } from "../abis.js";
import type { WriteErrorType } from "../errors/write.js";
import { withVerityErrors } from "../errors/decode.js";
import { accountAddress, writeOptions } from "../internal/client.js";
import { writeEnclaves } from "../internal/hub.js";
import { checkWriteParameters } from "../internal/parameters.js";
import type { VerityClient, WriteParameters } from "../types.js";
import { type EnclaveAttestationParameters, attestationArguments, checkAttestationParameters } from "./registerEnclaveKey.js";

export type ReattestEnclaveKeyParameters = WriteParameters & EnclaveAttestationParameters;
export type ReattestEnclaveKeyReturnType = Hash;
export type ReattestEnclaveKeyErrorType = WriteErrorType;

/**
 * Extends the life of one of the sender's active enclave keys with fresh evidence for the same measurement (read
 * from the registry), approved by the attestors like a registration. Keys expire (the registry's `keyLifetime` at
 * most): an operator re-attests before then, or its TEE results are refused with `TeeKeyExpired`.
 *
 * @example
 * ```ts
 * await reattestEnclaveKey(operatorClient, { enclaveRegistry, enclave, evidenceHash, evidenceURI, expiresAt, approvals });
 * ```
 * @returns The transaction hash.
 */
export async function reattestEnclaveKey(
  client: VerityClient,
  parameters: ReattestEnclaveKeyParameters,
): Promise<ReattestEnclaveKeyReturnType> {
  const action = "reattestEnclaveKey";
  checkWriteParameters(action, client, parameters);
  checkAttestationParameters(action, parameters);
  const options = writeOptions(client, parameters, action);
  const keyAddress = "enclave" in parameters ? parameters.enclave.address : parameters.key;
  const record = await withVerityErrors(() =>
    readContract(client, { address: parameters.enclaveRegistry, abi: enclaveRegistryAbi, functionName: "getEnclaveKey", args: [keyAddress] }),
  );
  const { key, keyProof, proof } = await attestationArguments(
    client,
    { ...parameters, teeType: record.teeType, measurement: record.measurement },
    accountAddress(options.account),
  );
  return writeEnclaves(client, parameters.enclaveRegistry, options, {
    functionName: "reattestEnclaveKey",
    args: [key, parameters.evidenceHash, parameters.evidenceURI, parameters.expiresAt, keyProof, proof],
  });
}
