import type { Hash, Hex, TransactionReceipt } from "viem";
import { inferenceHubAbi } from "../abis.js";
import type { TransactionRevertedError } from "../errors/index.js";
import { waitForEvent } from "../internal/client.js";
import type { VerityClient } from "../types.js";
import {
  type PublishVersionErrorType,
  type PublishVersionParameters,
  type versionParams,
  publishVersion,
} from "./publishVersion.js";

export type PublishVersionSyncParameters = PublishVersionParameters;
export type PublishVersionSyncReturnType = {
  modelId: Hex;
  version: number;
  artifactHash: Hex;
  params: ReturnType<typeof versionParams>;
  hash: Hash;
  receipt: TransactionReceipt;
};
export type PublishVersionSyncErrorType = PublishVersionErrorType | TransactionRevertedError;

/**
 * Publishes a version and waits for it: returns the `VersionPublished` event's fields and the receipt.
 *
 * @example
 * ```ts
 * const { version } = await publishVersionSync(walletClient, { hub, modelId, artifactHash, uri, modes: ["tee"] });
 * ```
 */
export async function publishVersionSync(
  client: VerityClient,
  parameters: PublishVersionSyncParameters,
): Promise<PublishVersionSyncReturnType> {
  const hash = await publishVersion(client, parameters);
  const { event, receipt } = await waitForEvent(client, {
    hash,
    abi: inferenceHubAbi,
    eventName: "VersionPublished",
    address: parameters.hub,
    action: "publishVersion",
  });
  return { ...event.args, params: { ...event.args.params }, hash, receipt };
}
