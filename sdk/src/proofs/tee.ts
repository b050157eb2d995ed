import {
  type Address,
  type Hex,
  encodeAbiParameters,
  getAbiItem,
  hashTypedData,
  hexToBigInt,
  isHex,
  keccak256,
  recoverTypedDataAddress,
  size,
  slice,
} from "viem";
import { inferenceHubAbi } from "../abis.js";
import {
  JOB_STATUSES,
  type JobStatus,
  OPERATOR_REGISTRY_DOMAIN,
  RESULT_DOMAIN,
  enclaveKeyRegistrationTypes,
  resultTypes,
} from "../constants.js";
import { InvalidAttestationError } from "../errors/job.js";
import type { JobStruct } from "../types.js";

/**
 * The TEE mode, as pure functions (no client): the EIP-712 result an enclave signs, the attestation format, and
 * the job commitment the hub stores. They match contracts/verifiers/TeeVerifier.sol and InferenceHub.sol.
 */

/** What an enclave signs for one result. */
export type ResultMessage = {
  /** The hub: the domain's verifyingContract. */
  hub: Address;
  chainId: number;
  jobId: bigint;
  modelId: Hex;
  version: number;
  inputHash: Hex;
  outputHash: Hex;
};

/** The EIP-712 typed data of a result, under the hub's domain `{ "Verity", "1", chainId, hub }`. */
export function resultTypedData({ hub, chainId, jobId, modelId, version, inputHash, outputHash }: ResultMessage) {
  return {
    domain: { ...RESULT_DOMAIN, chainId, verifyingContract: hub },
    types: resultTypes,
    primaryType: "Result",
    message: { jobId, modelId, version, inputHash, outputHash },
  } as const;
}

/** The EIP-712 digest of a result (what `TeeVerifier.resultDigest` returns). */
export function resultDigest(message: ResultMessage): Hex {
  return hashTypedData(resultTypedData(message));
}

/** secp256k1 order / 2: OpenZeppelin's ECDSA rejects signatures with a larger `s`. */
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/**
 * The address that signed a result, recovered as the contract does: a 65-byte signature with `v` 27/28 and a
 * low `s`. Throws {@link InvalidAttestationError} for a signature the contract would refuse.
 */
export async function recoverResultSigner(message: ResultMessage & { signature: Hex }): Promise<Address> {
  const { signature, ...rest } = message;
  if (!isHex(signature) || size(signature) !== 65) {
    throw new InvalidAttestationError(`the signature must be 65 bytes`);
  }
  const v = Number.parseInt(signature.slice(130, 132), 16);
  if (v !== 27 && v !== 28) throw new InvalidAttestationError(`signature v is ${v}, not 27 or 28`);
  if (hexToBigInt(slice(signature, 32, 64)) > HALF_ORDER) {
    throw new InvalidAttestationError("signature s is in the upper half of the curve order (malleable)");
  }
  return recoverTypedDataAddress({ ...resultTypedData(rest), signature });
}

/**
 * A TEE attestation: the enclave's 65-byte signature (r, s, v) of the result. The measurement is not in it: the
 * registry knows which measurement the recovered key was registered on.
 */
export type TeeAttestation = { signature: Hex };

/** Reads a TEE attestation; throws {@link InvalidAttestationError} if it is not a 65-byte signature. */
export function parseTeeAttestation(attestation: Hex): TeeAttestation {
  if (!isHex(attestation, { strict: true })) throw new InvalidAttestationError("it is not hex");
  const length = size(attestation);
  if (length !== 65) throw new InvalidAttestationError(`it is ${length} bytes, not 65`);
  return { signature: attestation };
}

/** Builds a TEE attestation from the enclave's signature. */
export function encodeTeeAttestation({ signature }: TeeAttestation): Hex {
  return parseTeeAttestation(signature).signature;
}

const jobCommitmentInputs = getAbiItem({ abi: inferenceHubAbi, name: "jobCommitment" }).inputs;

/** `keccak256(abi.encode(jobId, job))`: `InferenceHub.jobCommitment`, before the status byte is applied. */
export function jobCommitment(jobId: bigint, job: JobStruct): Hex {
  return keccak256(encodeAbiParameters(jobCommitmentInputs, [jobId, job]));
}

/** The slot the hub stores for a job: its commitment with the lowest byte replaced by the status. */
export function storedJobCommitment(jobId: bigint, job: JobStruct, status: JobStatus): Hex {
  const code = JOB_STATUSES.indexOf(status);
  return `${jobCommitment(jobId, job).slice(0, 64)}${code.toString(16).padStart(2, "0")}` as Hex;
}

/** Splits a stored slot into the commitment's upper 31 bytes and the status. */
export function splitStoredCommitment(stored: Hex): { commitmentPrefix: Hex; status: JobStatus } {
  const code = Number.parseInt(stored.slice(64, 66), 16);
  return { commitmentPrefix: stored.slice(0, 64) as Hex, status: JOB_STATUSES[code] ?? "none" };
}

/** Whether `(jobId, job)` hashes to the stored slot (ignoring the status byte). */
export function commitmentMatches(stored: Hex, jobId: bigint, job: JobStruct): boolean {
  return stored.slice(0, 64).toLowerCase() === jobCommitment(jobId, job).slice(0, 64).toLowerCase();
}

/** The EIP-712 typed data an enclave key signs to prove its operator controls it (`registerEnclaveKey`). */
export function enclaveKeyRegistrationTypedData({
  operatorRegistry,
  chainId,
  operator,
  measurement,
  attestationDocHash,
}: {
  operatorRegistry: Address;
  chainId: number;
  operator: Address;
  measurement: Hex;
  attestationDocHash: Hex;
}) {
  return {
    domain: { ...OPERATOR_REGISTRY_DOMAIN, chainId, verifyingContract: operatorRegistry },
    types: enclaveKeyRegistrationTypes,
    primaryType: "EnclaveKeyRegistration",
    message: { operator, measurement, attestationDocHash },
  } as const;
}
