import type { Address, Hash, Hex } from "viem";
import type { WriteErrorType } from "../errors/write.js";
import type { VerityClient, WriteParameters } from "../types.js";
import { hubWriteAction } from "../internal/simpleWrite.js";

export type DeprecateVersionParameters = WriteParameters & { hub: Address; modelId: Hex; version: number };
export type DeprecateVersionReturnType = Hash;
export type DeprecateVersionErrorType = WriteErrorType;

/**
 * Marks a model version deprecated: it accepts no new requests; pending jobs still complete. Only the model
 * owner. Irreversible.
 *
 * @example
 * ```ts
 * await deprecateVersion(walletClient, { hub, modelId, version: 1 });
 * ```
 * @returns The transaction hash.
 */
export const deprecateVersion: (client: VerityClient, parameters: DeprecateVersionParameters) => Promise<DeprecateVersionReturnType> = hubWriteAction(
  "deprecateVersion",
  { modelId: "bytes32", version: "version" },
  (p) => ({ functionName: "deprecateVersion", args: [p.modelId, p.version] }),
);
