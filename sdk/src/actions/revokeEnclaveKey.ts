import type { Address, Hash } from "viem";
import type { WriteErrorType } from "../errors/write.js";
import type { VerityClient, WriteParameters } from "../types.js";
import { enclaveWriteAction } from "../internal/simpleWrite.js";

export type RevokeEnclaveKeyParameters = WriteParameters & { enclaveRegistry: Address; key: Address };
export type RevokeEnclaveKeyReturnType = Hash;
export type RevokeEnclaveKeyErrorType = WriteErrorType;

/**
 * Revokes an active enclave key at once: it signs nothing from now on. Its operator, or governance (a key known to
 * be compromised). Its stake stays locked `KEY_RELEASE_DELAY` (6 days), so results it signed can still be disputed;
 * then `releaseEnclaveKey` unlocks it.
 *
 * @example
 * ```ts
 * await revokeEnclaveKey(operatorClient, { enclaveRegistry, key: enclave.address });
 * ```
 * @returns The transaction hash.
 */
export const revokeEnclaveKey: (client: VerityClient, parameters: RevokeEnclaveKeyParameters) => Promise<RevokeEnclaveKeyReturnType> = enclaveWriteAction(
  "revokeEnclaveKey",
  { key: "address" },
  (p) => ({ functionName: "revokeEnclaveKey", args: [p.key] }),
);
