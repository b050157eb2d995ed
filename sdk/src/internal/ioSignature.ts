import type { Address, BlockNumber, Hex } from "viem";
import { keccak256 } from "viem";
import { getContractEvents } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import { type IoSignature, IoSignatureError, decodeIoSignature, encodeIoSignature } from "../encoding/ioSignature.js";
import { withHubErrors } from "../errors/decode.js";
import { IoSignatureUnavailableError } from "../errors/request.js";
import type { VerityClient } from "../types.js";
import { readModelVersion } from "./readVersion.js";

/** Documents already read and checked, per client, by hub, model and version (a version's document never changes). */
const cache = new WeakMap<object, Map<string, IoSignature>>();

/**
 * Reads a version's IO signature from chain data (the body of the `getIoSignature` action): the document the
 * `VersionPublished` event carries, decoded strictly and checked against the `ioSignatureHash` the registry stores.
 * With `document` (a signature the caller already has), no logs are read, but it is checked against the hash just
 * the same. Throws {@link IoSignatureUnavailableError} when no event carries it or it does not match the hash.
 */
export async function readIoSignature(
  client: VerityClient,
  parameters: { hub: Address; modelId: Hex; version: number; fromBlock?: BlockNumber | undefined; document?: IoSignature | Hex | undefined },
): Promise<IoSignature> {
  const { hub, modelId, version } = parameters;
  const key = `${hub.toLowerCase()}/${modelId.toLowerCase()}/${version}`;
  const known = cache.get(client)?.get(key);
  if (known && parameters.document === undefined) return known;
  const record = await readModelVersion(client, { hub, modelId, version });
  const unavailable = (reason: string) => new IoSignatureUnavailableError({ modelId, version, reason });

  let bytes: Hex;
  if (parameters.document !== undefined) {
    bytes = typeof parameters.document === "string" ? parameters.document : encodeIoSignature(parameters.document);
  } else {
    const logs = await withHubErrors(client, hub, () =>
      getContractEvents(client, {
        address: hub,
        abi: inferenceHubAbi,
        eventName: "VersionPublished",
        args: { modelId, version },
        fromBlock: parameters.fromBlock ?? 0n,
        toBlock: "latest",
        strict: true,
      }),
    );
    // A version is published once; the first event whose document matches the stored hash is the one.
    const log = logs.find((l) => keccak256(l.args.params.ioSignature).toLowerCase() === record.ioSignatureHash.toLowerCase());
    if (!log) {
      throw unavailable(logs.length === 0 ? "no VersionPublished event for it in the blocks searched" : "the published document does not match the version's hash");
    }
    bytes = log.args.params.ioSignature;
  }
  if (keccak256(bytes).toLowerCase() !== record.ioSignatureHash.toLowerCase()) {
    throw unavailable(`the document given hashes to ${keccak256(bytes)}, the version commits to ${record.ioSignatureHash}`);
  }
  let signature: IoSignature;
  try {
    signature = decodeIoSignature(bytes);
  } catch (err) {
    if (err instanceof IoSignatureError) throw unavailable(`the version's document is not a canonical IO signature (${err.shortMessage})`);
    throw err;
  }
  let entries = cache.get(client);
  if (!entries) cache.set(client, (entries = new Map()));
  entries.set(key, signature);
  return signature;
}
