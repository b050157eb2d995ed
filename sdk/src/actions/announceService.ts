import type { Address, Hash, Hex } from "viem";
import { getBlock } from "viem/actions";
import { type ModeLike, modesBitmask } from "../constants.js";
import { withVerityErrors } from "../errors/decode.js";
import type { WriteErrorType } from "../errors/write.js";
import { writeOptions } from "../internal/client.js";
import { writeRegistry } from "../internal/hub.js";
import { checkFields, checkMode, checkWriteParameters } from "../internal/parameters.js";
import { expectArray, expectNumber } from "../internal/validate.js";
import type { VerityClient, WriteParameters } from "../types.js";

/** The longest an announcement lasts (the registry's `MAX_SERVICE_PERIOD`). */
export const MAX_SERVICE_PERIOD_SECONDS = 30 * 24 * 3600;
/** How long an announcement lasts by default: a running node renews it when half of it is left. */
export const DEFAULT_SERVICE_PERIOD_SECONDS = 6 * 3600;

export type AnnounceServiceParameters = WriteParameters & {
  operatorRegistry: Address;
  modelId: Hex;
  version: number;
  /** The modes the sender serves the version in (a subset of the version's); `[]` withdraws the announcement. */
  modes: readonly ModeLike[];
  /** How long the announcement lasts from the latest block, in seconds (default 6 hours, at most 30 days). */
  periodSeconds?: number | undefined;
};
export type AnnounceServiceReturnType = Hash;
export type AnnounceServiceErrorType = WriteErrorType;

/**
 * Announces that the sender (an operator with bonded stake) serves a model version in some modes, until the
 * latest block's time plus `periodSeconds`; `modes: []` withdraws it. Requesters read announcements before escrow
 * (`requestInference` warns when nobody announces the mode, `getServingOperators` lists them). Reverts with
 * `ServiceNotStaked`, `ServiceUnknownVersion` (unknown or deprecated) or `ServiceInvalidModes` (a mode the version
 * does not offer), as {@link ContractRevertError}s.
 *
 * @example
 * ```ts
 * await announceService(operatorClient, { operatorRegistry, modelId, version: 1, modes: ["tee", "quorum"] });
 * ```
 * @returns The transaction hash.
 */
export async function announceService(client: VerityClient, parameters: AnnounceServiceParameters): Promise<AnnounceServiceReturnType> {
  const action = "announceService";
  checkWriteParameters(action, client, parameters);
  checkFields(action, parameters, { operatorRegistry: "address", modelId: "bytes32", version: "version" });
  expectArray(action, "modes", parameters.modes, { expected: 'a list of modes, e.g. ["tee"] ([] withdraws)' });
  parameters.modes.forEach((m, i) => checkMode(action, `modes[${i}]`, m, { max: 7 }));
  expectNumber(action, "periodSeconds", parameters.periodSeconds, { optional: true, min: 1, max: MAX_SERVICE_PERIOD_SECONDS });
  const modes = modesBitmask(parameters.modes);
  let until = 0n;
  if (modes !== 0) {
    const block = await withVerityErrors(() => getBlock(client, { blockTag: "latest" }));
    until = block.timestamp + BigInt(parameters.periodSeconds ?? DEFAULT_SERVICE_PERIOD_SECONDS);
  }
  return writeRegistry(client, parameters.operatorRegistry, writeOptions(client, parameters, action), {
    functionName: "announceService",
    args: [parameters.modelId, parameters.version, modes, until],
  });
}
