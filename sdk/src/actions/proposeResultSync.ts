import type { Address, Hash, Hex, TransactionReceipt } from "viem";
import { inferenceHubAbi } from "../abis.js";
import type { TransactionRevertedError } from "../errors/index.js";
import { waitForEvent } from "../internal/client.js";
import { orUndefined } from "../internal/jobs.js";
import type { VerityClient } from "../types.js";
import { type ProposeResultErrorType, type ProposeResultParameters, proposeResult } from "./proposeResult.js";

export type ProposeResultSyncParameters = ProposeResultParameters;
export type ProposeResultSyncReturnType = {
  jobId: bigint;
  proposer: Address;
  outputHash: Hex;
  /** The native-currency bond posted. */
  bond: bigint;
  /** The last second (chain time) at which the result can be challenged. */
  challengeWindowEnd: bigint;
  output: Hex | undefined;
  outputURI: string | undefined;
  hash: Hash;
  receipt: TransactionReceipt;
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
  const hash = await proposeResult(client, parameters);
  const { event, receipt } = await waitForEvent(client, {
    hash,
    abi: inferenceHubAbi,
    eventName: "ResultProposed",
    address: parameters.hub,
    action: "proposeResult",
  });
  const { jobId, proposer, outputHash, bond, challengeWindowEnd, output, outputURI } = event.args;
  return {
    jobId,
    proposer,
    outputHash,
    bond,
    challengeWindowEnd: BigInt(challengeWindowEnd),
    output: orUndefined(output),
    outputURI: orUndefined(outputURI),
    hash,
    receipt,
  };
}
