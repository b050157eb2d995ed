import type { Address, Hash } from "viem";
import type { WriteErrorType } from "../errors/write.js";
import type { VerityClient, WriteParameters } from "../types.js";
import { enclaveWriteAction } from "../internal/simpleWrite.js";

export type ReleaseEnclaveKeyParameters = WriteParameters & { enclaveRegistry: Address; key: Address };
export type ReleaseEnclaveKeyReturnType = Hash;
export type ReleaseEnclaveKeyErrorType = WriteErrorType;

/**
 * Unlocks the stake behind one of the sender's enclave keys, `KEY_RELEASE_DELAY` after the key stopped signing
 * (revoked, or expired without re-attestation). Too early reverts with `EnclaveKeyNotReleasable(key, status,
 * releaseAt)`.
 *
 * @example
 * ```ts
 * await releaseEnclaveKey(operatorClient, { enclaveRegistry, key: enclave.address });
 * ```
 * @returns The transaction hash.
 */
export const releaseEnclaveKey: (client: VerityClient, parameters: ReleaseEnclaveKeyParameters) => Promise<ReleaseEnclaveKeyReturnType> = enclaveWriteAction(
  "releaseEnclaveKey",
  { key: "address" },
  (p) => ({ functionName: "releaseEnclaveKey", args: [p.key] }),
);
