import type { Address, Hash, Hex, LocalAccount } from "viem";
import type { WriteErrorType } from "../errors/write.js";
import { accountAddress, chainIdOf, writeOptions } from "../internal/client.js";
import { writeRegistry } from "../internal/hub.js";
import { enclaveKeyRegistrationTypedData } from "../proofs/tee.js";
import type { VerityClient, WriteParameters } from "../types.js";
import { checkFields, checkWriteParameters } from "../internal/parameters.js";
import { expectAccount, expectAddress, expectHex } from "../internal/validate.js";

/** The enclave's key: an account that can sign (the SDK makes the proof), or its address and a proof made inside. */
export type EnclaveKeyProof =
  | { enclave: Pick<LocalAccount, "address" | "signTypedData"> }
  | { key: Address; keyProof: Hex };

export type RegisterEnclaveKeyParameters = WriteParameters &
  EnclaveKeyProof & {
    operatorRegistry: Address;
    /** The enclave's code measurement; governance must have approved it. */
    measurement: Hex;
    /** Hash of the enclave's attestation document. */
    attestationDocHash: Hex;
  };
export type RegisterEnclaveKeyReturnType = Hash;
export type RegisterEnclaveKeyErrorType = WriteErrorType;

/**
 * Registers an enclave signing key for the sender (the operator). The enclave key signs
 * `EnclaveKeyRegistration(operator, measurement, attestationDocHash)` under the registry's EIP-712 domain
 * `{ "Verity OperatorRegistry", "1", chainId, operatorRegistry }` to prove the operator controls it.
 *
 * @example
 * ```ts
 * const enclave = privateKeyToAccount(enclaveKey);
 * await registerEnclaveKey(operatorClient, { operatorRegistry, enclave, measurement, attestationDocHash });
 * ```
 * @returns The transaction hash.
 */
export async function registerEnclaveKey(
  client: VerityClient,
  parameters: RegisterEnclaveKeyParameters,
): Promise<RegisterEnclaveKeyReturnType> {
  const action = "registerEnclaveKey";
  checkWriteParameters(action, client, parameters);
  checkFields(action, parameters, { operatorRegistry: "address", measurement: "bytes32", attestationDocHash: "bytes32" });
  if ("enclave" in parameters) {
    expectAccount(action, "enclave", parameters.enclave, { signs: true });
  } else {
    expectAddress(action, "key", parameters.key);
    expectHex(action, "keyProof", parameters.keyProof);
  }
  const { operatorRegistry, measurement, attestationDocHash } = parameters;
  const options = writeOptions(client, parameters, "registerEnclaveKey");
  let key: Address;
  let keyProof: Hex;
  if ("enclave" in parameters) {
    key = parameters.enclave.address;
    keyProof = await parameters.enclave.signTypedData(
      enclaveKeyRegistrationTypedData({
        operatorRegistry,
        chainId: await chainIdOf(client),
        operator: accountAddress(options.account),
        measurement,
        attestationDocHash,
      }),
    );
  } else {
    key = parameters.key;
    keyProof = parameters.keyProof;
  }
  return writeRegistry(client, operatorRegistry, options, { functionName: "registerEnclaveKey", args: [key, measurement, attestationDocHash, keyProof] });
}
