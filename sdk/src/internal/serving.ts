import type { Address, Hex } from "viem";
import { getBlock, getContractEvents, readContract } from "viem/actions";
import { inferenceHubAbi, operatorRegistryAbi } from "../abis.js";
import { modeLabel, modesFromBitmask } from "../constants.js";
import { withHubErrors, withVerityErrors } from "../errors/decode.js";
import { NoServingOperatorError } from "../errors/request.js";
import type { VerityClient } from "../types.js";

/** An operator's current announcement for a version (see `getServingOperators`). */
export type ServingOperator = {
  operator: Address;
  /** The modes it announces for the version (mode numbers: 1 TEE, 2 ZK, 3 QUORUM, 4 OPTIMISTIC). */
  modes: number[];
  /** When the announcement lapses (unix seconds, chain time). */
  until: bigint;
  /** Its bonded stake now (announcing needs some: a warning, not a guarantee). */
  stake: bigint;
};

/**
 * The operators whose announcement for a version is live now: every operator a `ServiceAnnounced` event for the
 * version names (from `fromBlock`), then its current `serviceOf` (the registry drops lapsed ones) and stake.
 */
export async function readServingOperators(
  client: VerityClient,
  parameters: { hub: Address; operatorRegistry?: Address | undefined; modelId: Hex; version: number; fromBlock?: bigint | undefined },
): Promise<ServingOperator[]> {
  const { hub, modelId, version } = parameters;
  const registry =
    parameters.operatorRegistry ??
    (await withHubErrors(client, hub, () => readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "operatorRegistry" })));
  const logs = await withVerityErrors(() =>
    getContractEvents(client, {
      address: registry,
      abi: operatorRegistryAbi,
      eventName: "ServiceAnnounced",
      args: { modelId, version },
      fromBlock: parameters.fromBlock ?? 0n,
      toBlock: "latest",
      strict: true,
    }),
  );
  const operators = [...new Set(logs.map((l) => l.args.operator.toLowerCase() as Address))];
  const found = await withVerityErrors(() =>
    Promise.all(
      operators.map(async (operator) => {
        const [[modes, until], record] = await Promise.all([
          readContract(client, { address: registry, abi: operatorRegistryAbi, functionName: "serviceOf", args: [operator, modelId, version] }),
          readContract(client, { address: registry, abi: operatorRegistryAbi, functionName: "getOperator", args: [operator] }),
        ]);
        return { operator: logs.find((l) => l.args.operator.toLowerCase() === operator)!.args.operator, modes: modesFromBitmask(modes), until, stake: record.stake };
      }),
    ),
  );
  return found.filter((s) => s.modes.length > 0 && s.stake > 0n);
}

/**
 * Before escrow: whether some operator announces serving the version in `mode`. Returns the error to report when
 * none does (the caller warns or throws), or undefined.
 */
export async function noServingOperator(
  client: VerityClient,
  parameters: { hub: Address; modelId: Hex; version: number; mode: number; fromBlock?: bigint | undefined; now?: bigint | undefined },
): Promise<NoServingOperatorError | undefined> {
  const serving = await readServingOperators(client, parameters);
  const now = parameters.now ?? (await withVerityErrors(() => getBlock(client, { blockTag: "latest" }))).timestamp;
  if (serving.some((s) => s.modes.includes(parameters.mode) && s.until > now)) return undefined;
  return new NoServingOperatorError({ modelId: parameters.modelId, version: parameters.version, mode: parameters.mode, modeName: modeLabel(parameters.mode) });
}
