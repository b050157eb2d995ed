import type { Address, BlockNumber, Hex } from "viem";
import { readContract } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import { ContractRevertError } from "../errors/contract.js";
import { toHubError } from "../errors/decode.js";
import { UnknownModelVersionError } from "../errors/request.js";
import type { ModelVersion, VerityClient } from "../types.js";

/**
 * Reads a model version (the body of the `getModelVersion` action, for internal modules, which never import an
 * action): `UnknownModelVersionError` when the version does not exist at `blockNumber`.
 */
export async function readModelVersion(
  client: VerityClient,
  parameters: { hub: Address; modelId: Hex; version: number; blockNumber?: BlockNumber | undefined },
): Promise<ModelVersion> {
  const { hub, modelId, version, blockNumber } = parameters;
  try {
    const v = await readContract(client, {
      address: hub,
      abi: inferenceHubAbi,
      functionName: "getVersion",
      args: [modelId, version],
      ...(blockNumber === undefined ? {} : { blockNumber }),
    });
    return { ...v };
  } catch (err) {
    const e = await toHubError(client, hub, err);
    if (e instanceof ContractRevertError && e.errorName === "ModelUnknownVersion") {
      throw new UnknownModelVersionError({ modelId, version });
    }
    throw e;
  }
}
