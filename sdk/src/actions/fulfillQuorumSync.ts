import { type Address, type Hex, isAddressEqual, parseEventLogs } from "viem";
import { inferenceHubAbi } from "../abis.js";
import type { TransactionRevertedError } from "../errors/index.js";
import { type Mined, waitForHubEvent } from "../internal/client.js";
import { orUndefined } from "../internal/jobs.js";
import type { VerityClient } from "../types.js";
import { type FulfillQuorumErrorType, type FulfillQuorumParameters, fulfillQuorum } from "./fulfillQuorum.js";
import { checkFulfillQuorumParameters } from "../internal/parameters.js";

export type FulfillQuorumSyncParameters = FulfillQuorumParameters;
export type FulfillQuorumSyncReturnType = Mined & {
  jobId: bigint;
  /** The first (lowest) signer, as `InferenceFulfilled` names it. */
  operator: Address;
  /** Every signer credited, ascending (`OperatorsCredited`; the one signer of a 1-vote attestation). */
  signers: Address[];
  /** What each signer was credited (the first also gets the rounding dust); undefined for a single signer. */
  amountEach: bigint | undefined;
  outputHash: Hex;
  output: Hex | undefined;
  outputURI: string | undefined;
};
export type FulfillQuorumSyncErrorType = FulfillQuorumErrorType | TransactionRevertedError;

/**
 * Delivers a QUORUM result (see {@link fulfillQuorum}) and waits: returns the `InferenceFulfilled` event, the
 * signers credited (`OperatorsCredited`) and the receipt.
 *
 * @example
 * ```ts
 * const { signers } = await fulfillQuorumSync(walletClient, { hub, jobId, output, votes });
 * ```
 */
export async function fulfillQuorumSync(
  client: VerityClient,
  parameters: FulfillQuorumSyncParameters,
): Promise<FulfillQuorumSyncReturnType> {
  checkFulfillQuorumParameters("fulfillQuorumSync", client, parameters);
  const hash = await fulfillQuorum(client, parameters);
  const { args, ...mined } = await waitForHubEvent(client, { hash, hub: parameters.hub, eventName: "InferenceFulfilled", action: "fulfillQuorum" });
  const credited = parseEventLogs({ abi: inferenceHubAbi, eventName: "OperatorsCredited", logs: mined.receipt.logs }).find((l) =>
    isAddressEqual(l.address, parameters.hub),
  );
  const signers = credited ? [...credited.args.operators] : [args.operator];
  return { ...args, signers, amountEach: credited?.args.amountEach, output: orUndefined(args.output), outputURI: orUndefined(args.outputURI), ...mined };
}
