import type { Hex } from "viem";
import type { TransactionRevertedError } from "../errors/index.js";
import { type Mined, waitForHubEvent } from "../internal/client.js";
import type { VerityClient } from "../types.js";
import {
  type PublishVersionErrorType,
  type PublishVersionParameters,
  type versionParams,
  publishVersion,
} from "./publishVersion.js";
import { checkPublishVersionParameters } from "../internal/parameters.js";

export type PublishVersionSyncParameters = PublishVersionParameters;
/** The `VersionPublished` event's fields, with the hash and receipt. */
export type PublishVersionSyncReturnType = Mined & {
  modelId: Hex;
  version: number;
  artifactHash: Hex;
  params: ReturnType<typeof versionParams>;
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
  checkPublishVersionParameters("publishVersionSync", client, parameters);
  const hash = await publishVersion(client, parameters);
  const { args, ...mined } = await waitForHubEvent(client, { hash, hub: parameters.hub, eventName: "VersionPublished", action: "publishVersion" });
  return { ...args, params: { ...args.params }, ...mined };
}
