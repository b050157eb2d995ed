import type { Address, BlockNumber, Hex } from "viem";
import { readContract } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import { ContractRevertError } from "../errors/contract.js";
import { toVerityError } from "../errors/decode.js";
import type { RpcUnreachableError } from "../errors/rpc.js";
import { UnknownModelVersionError } from "../errors/request.js";
import type { ModelVersion, VerityClient } from "../types.js";
import { checkVersion } from "../internal/parameters.js";
import { expectAddress, expectBigint, expectHex, expectParameters } from "../internal/validate.js";

export type GetModelVersionParameters = {
  hub: Address;
  modelId: Hex;
  version: number;
  /** Read the version as it was at this block (default: the latest block). */
  blockNumber?: BlockNumber | undefined;
};
export type GetModelVersionReturnType = ModelVersion;
export type GetModelVersionErrorType = UnknownModelVersionError | ContractRevertError | RpcUnreachableError;

/**
 * Reads a model version as the registry stores it (`getVersion`): artifact hash and URI, modes, fee, the ZK circuit
 * and whether it is deprecated. A version that does not exist (at `blockNumber`) is refused with
 * {@link UnknownModelVersionError}.
 *
 * @example
 * ```ts
 * const v = await getModelVersion(publicClient, { hub, modelId, version: 1 });
 * console.log(v.uri, v.artifactHash, v.fee);
 * ```
 */
export async function getModelVersion(
  client: VerityClient,
  parameters: GetModelVersionParameters,
): Promise<GetModelVersionReturnType> {
  const action = "getModelVersion";
  expectParameters(action, client, parameters);
  expectAddress(action, "hub", parameters.hub);
  expectHex(action, "modelId", parameters.modelId, { size: 32 });
  checkVersion(action, "version", parameters.version);
  expectBigint(action, "blockNumber", parameters.blockNumber, { optional: true });
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
    const e = toVerityError(err);
    if (e instanceof ContractRevertError && e.errorName === "ModelUnknownVersion") {
      throw new UnknownModelVersionError({ modelId, version });
    }
    throw e;
  }
}
