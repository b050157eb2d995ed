import type { Address, Hash, Hex } from "viem";
import { optimisticGameAbi } from "../abis.js";
import type { TransactionRevertedError } from "../errors/index.js";
import { type Mined, waitForEvent } from "../internal/client.js";
import { checkProposalParameters } from "../internal/parameters.js";
import type { VerityClient } from "../types.js";
import { type ProposeResultErrorType, type ProposeResultParameters, proposeResult } from "./proposeResult.js";

export type ProposeResultSyncParameters = ProposeResultParameters;
/** The `ResultProposed` event's fields, with the reveal's hash and receipt, and the commitment's. */
export type ProposeResultSyncReturnType = Mined & {
  jobId: bigint;
  proposer: Address;
  outputHash: Hex;
  /** The native-currency bond posted. */
  bond: bigint;
  /** The last second (chain time) at which the result can be challenged. */
  challengeWindowEnd: bigint;
  /** The proposed output bytes (OPTIMISTIC outputs are inline). */
  output: Hex;
  /** The job's dispute game. */
  game: Address;
  /** The commitment's transaction (undefined when the commitment already existed), the commitment and its salt. */
  commitHash: Hash | undefined;
  commitment: Hex;
  salt: Hex;
};
export type ProposeResultSyncErrorType = ProposeResultErrorType | TransactionRevertedError;

/**
 * Proposes an OPTIMISTIC result (see {@link proposeResult}: commit, then reveal) and waits for the reveal: returns
 * the game's `ResultProposed` event (with the end of the challenge window), the receipt, and the commitment's salt.
 *
 * @example
 * ```ts
 * const { challengeWindowEnd, salt } = await proposeResultSync(operatorClient, { hub, jobId, output });
 * ```
 */
export async function proposeResultSync(
  client: VerityClient,
  parameters: ProposeResultSyncParameters,
): Promise<ProposeResultSyncReturnType> {
  checkProposalParameters("proposeResultSync", client, parameters);
  const sent = await proposeResult(client, parameters);
  const { event, receipt } = await waitForEvent(client, {
    hash: sent.hash,
    abi: optimisticGameAbi,
    eventName: "ResultProposed",
    address: sent.game,
    action: "proposeResult",
  });
  const { jobId, proposer, outputHash, bond, challengeWindowEnd, output } = event.args;
  return {
    jobId,
    proposer,
    outputHash,
    bond,
    challengeWindowEnd: BigInt(challengeWindowEnd),
    output,
    game: sent.game,
    commitHash: sent.commitHash,
    commitment: sent.commitment,
    salt: sent.salt,
    hash: sent.hash,
    receipt,
  };
}
