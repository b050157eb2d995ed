import type { Address, Hex } from "viem";
import type { TransactionRevertedError } from "../errors/index.js";
import { type Mined, waitForHubEvent } from "../internal/client.js";
import { orUndefined } from "../internal/jobs.js";
import type { VerityClient } from "../types.js";
import { type ProposeResultErrorType, type ProposeResultParameters, proposeResult } from "./proposeResult.js";
import { checkJobWriteParameters } from "../internal/parameters.js";

export type ProposeResultSyncParameters = ProposeResultParameters;
/** The `ResultProposed` event's fields, with the hash and receipt. */
export type ProposeResultSyncReturnType = Mined & {
  jobId: bigint;
  proposer: Address;
  outputHash: Hex;
  /** The native-currency bond posted. */
  bond: bigint;
  /** The last second (chain time) at which the result can be challenged. */
  challengeWindowEnd: bigint;
  output: Hex | undefined;
  outputURI: string | undefined;
};
export type ProposeResultSyncErrorType = ProposeResultErrorType | TransactionRevertedError;

/**
 * Proposes an OPTIMISTIC result (see {@link proposeResult}) and waits: returns the `ResultProposed` event (with the
 * end of the challenge window) and the receipt.
 *
 * @example
 * ```ts
 * const { challengeWindowEnd } = await proposeResultSync(operatorClient, { hub, jobId, output });
 * ```
 */
export async function proposeResultSync(
  client: VerityClient,
  parameters: ProposeResultSyncParameters,
): Promise<ProposeResultSyncReturnType> {
  checkJobWriteParameters("proposeResultSync", client, parameters);
  const hash = await proposeResult(client, parameters);
  const { args, ...mined } = await waitForHubEvent(client, { hash, hub: parameters.hub, eventName: "ResultProposed", action: "proposeResult" });
  const { output, outputURI, challengeWindowEnd } = args;
  return { ...args, challengeWindowEnd: BigInt(challengeWindowEnd), output: orUndefined(output), outputURI: orUndefined(outputURI), ...mined };
}
