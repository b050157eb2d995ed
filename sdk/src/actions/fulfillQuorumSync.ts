import { type Address, type Hash, type Hex, type TransactionReceipt, parseEventLogs } from "viem";
import { inferenceHubAbi } from "../abis.js";
import type { TransactionRevertedError } from "../errors/index.js";
import { waitForEvent } from "../internal/client.js";
import { orUndefined } from "../internal/jobs.js";
import type { VerityClient } from "../types.js";
import { type FulfillQuorumErrorType, type FulfillQuorumParameters, fulfillQuorum } from "./fulfillQuorum.js";

export type FulfillQuorumSyncParameters = FulfillQuorumParameters;
export type FulfillQuorumSyncReturnType = {
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
  hash: Hash;
  receipt: TransactionReceipt;
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
  const hash = await fulfillQuorum(client, parameters);
  const { event, receipt } = await waitForEvent(client, {
    hash,
    abi: inferenceHubAbi,
    eventName: "InferenceFulfilled",
    address: parameters.hub,
    action: "fulfillQuorum",
  });
  const credited = parseEventLogs({ abi: inferenceHubAbi, eventName: "OperatorsCredited", logs: receipt.logs }).find(
    (l) => l.address.toLowerCase() === parameters.hub.toLowerCase(),
  );
  const { jobId, operator, outputHash, output, outputURI } = event.args;
  return {
    jobId,
    operator,
    signers: credited ? [...credited.args.operators] : [operator],
    amountEach: credited?.args.amountEach,
    outputHash,
    output: orUndefined(output),
    outputURI: orUndefined(outputURI),
    hash,
    receipt,
  };
}
