import { type Address, type Hash, type Hex, type LocalAccount, isHex } from "viem";
import type { WriteErrorType } from "../errors/write.js";
import { InvalidParameterError } from "../errors/request.js";
import { accountAddress, chainIdOf, writeOptions } from "../internal/client.js";
import { writeEnclaves } from "../internal/hub.js";
import { type AttestorSignature, encodeAttestorApprovals, enclaveKeyRegistrationTypedData } from "../proofs/tee.js";
import type { VerityClient, WriteParameters } from "../types.js";
import { checkFields, checkWriteParameters } from "../internal/parameters.js";
import { expectAccount, expectAddress, expectArray, expectHex, expectObject } from "../internal/validate.js";

/** The enclave's key: an account that can sign (the SDK makes the proof), or its address and a proof made inside. */
export type EnclaveKeyProof =
  | { enclave: Pick<LocalAccount, "address" | "signTypedData"> }
  | { key: Address; keyProof: Hex };

/** One attestation of a key: the evidence (by hash and URI), and what the TEE type's attestation verifier needs. */
export type EnclaveAttestationParameters = EnclaveKeyProof & {
  enclaveRegistry: Address;
  /** keccak256 of the evidence bytes (`evidenceHash(bytes)`). */
  evidenceHash: Hex;
  /** Where the evidence is stored, for anyone to re-verify (`verifyJob` fetches it). */
  evidenceURI: string;
  /** The expiry the attestors signed (unix seconds). */
  expiresAt: bigint;
  /** The attestors' signatures (the SDK orders them) or the encoded proof the verifier takes. */
  approvals: readonly AttestorSignature[] | Hex;
};

export type RegisterEnclaveKeyParameters = WriteParameters &
  EnclaveAttestationParameters & {
    /** `TeeType.AwsNitro` (1) or `TeeType.IntelTdx` (2): the measurement's type. */
    teeType: number;
    /** The enclave's code measurement; governance must have approved it. */
    measurement: Hex;
    /** The bonded stake to lock behind the key (at least the registry's `minTeeStake`). */
    stake: bigint;
  };
export type RegisterEnclaveKeyReturnType = Hash;
export type RegisterEnclaveKeyErrorType = WriteErrorType;

/** Checks the fields every attestation (registration or re-attestation) takes. */
export function checkAttestationParameters(action: string, parameters: EnclaveAttestationParameters): void {
  checkFields(action, parameters, { enclaveRegistry: "address", evidenceHash: "bytes32", evidenceURI: "string", expiresAt: "bigint" });
  if ("enclave" in parameters || !("key" in parameters)) {
    // Neither an enclave nor a key: the enclave is what is missing (the key and its proof are the alternative).
    if (!("enclave" in parameters)) {
      throw new InvalidParameterError({
        action,
        parameter: "enclave",
        expected: "a local account with address and signTypedData (or key and keyProof)",
        received: undefined,
      });
    }
    expectAccount(action, "enclave", parameters.enclave, { signs: true });
  } else {
    expectAddress(action, "key", (parameters as { key?: unknown }).key);
    expectHex(action, "keyProof", (parameters as { keyProof?: unknown }).keyProof);
  }
  const approvals = parameters.approvals as unknown;
  if (typeof approvals === "string") {
    // The encoded proof: whole bytes of hex (the committee's are 65-byte signatures).
    if (!isHex(approvals, { strict: true }) || approvals.length % 2 !== 0) {
      throw new InvalidParameterError({
        action,
        parameter: "approvals",
        expected: "attestor signatures or the encoded proof (hex bytes)",
        received: approvals,
      });
    }
  } else {
    expectArray(action, "approvals", approvals, { expected: "an array of { attestor, signature } or the encoded proof" });
    // Each signature, so a malformed one is named here rather than failing as it is sorted and encoded.
    (approvals as unknown[]).forEach((approval, i) => {
      expectObject(action, `approvals[${i}]`, approval, { expected: "an attestor signature { attestor, signature }" });
      expectAddress(action, `approvals[${i}].attestor`, (approval as { attestor?: unknown }).attestor);
      expectHex(action, `approvals[${i}].signature`, (approval as { signature?: unknown }).signature, { size: 65 });
    });
  }
}

/** The key, its proof of possession over the evidence hash, and the encoded approvals. */
export async function attestationArguments(
  client: VerityClient,
  parameters: EnclaveAttestationParameters & { teeType: number; measurement: Hex },
  operator: Address,
): Promise<{ key: Address; keyProof: Hex; proof: Hex }> {
  const proof = typeof parameters.approvals === "string" ? parameters.approvals : encodeAttestorApprovals(parameters.approvals);
  if (!("enclave" in parameters)) return { key: parameters.key, keyProof: parameters.keyProof, proof };
  const keyProof = await parameters.enclave.signTypedData(
    enclaveKeyRegistrationTypedData({
      enclaveRegistry: parameters.enclaveRegistry,
      chainId: await chainIdOf(client),
      operator,
      teeType: parameters.teeType,
      measurement: parameters.measurement,
      evidenceHash: parameters.evidenceHash,
    }),
  );
  return { key: parameters.enclave.address, keyProof, proof };
}

/**
 * Registers an enclave signing key for the sender (the operator) and locks `stake` of its free bonded stake behind
 * it. The enclave key signs `EnclaveKeyRegistration(operator, teeType, measurement, evidenceHash)` under the
 * registry's EIP-712 domain `{ "Verity EnclaveRegistry", "1", chainId, enclaveRegistry }`; the evidence must bind
 * `keyBindingDigest(key, operator)` and the attestors must have signed it (`verity attestor sign`). The key counts
 * until `expiresAt` (capped at the registry's `keyLifetime`); `reattestEnclaveKey` extends it.
 *
 * @example
 * ```ts
 * const enclave = privateKeyToAccount(enclaveKey);
 * await registerEnclaveKey(operatorClient, {
 *   enclaveRegistry, enclave, teeType: TeeType.AwsNitro, measurement, evidenceHash, evidenceURI, expiresAt,
 *   approvals: [approvalA, approvalB], stake: parseEther("0.1"),
 * });
 * ```
 * @returns The transaction hash.
 */
export async function registerEnclaveKey(
  client: VerityClient,
  parameters: RegisterEnclaveKeyParameters,
): Promise<RegisterEnclaveKeyReturnType> {
  const action = "registerEnclaveKey";
  checkWriteParameters(action, client, parameters);
  checkAttestationParameters(action, parameters);
  checkFields(action, parameters, { teeType: "teeType", measurement: "bytes32", stake: "bigint" });
  const options = writeOptions(client, parameters, action);
  const { key, keyProof, proof } = await attestationArguments(client, parameters, accountAddress(options.account));
  const { teeType, measurement, evidenceHash, evidenceURI, stake, expiresAt } = parameters;
  return writeEnclaves(client, parameters.enclaveRegistry, options, {
    functionName: "registerEnclaveKey",
    args: [{ key, teeType, measurement, evidenceHash, evidenceURI, stake, expiresAt }, keyProof, proof],
  });
}
