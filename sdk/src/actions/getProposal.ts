import type { Address, BlockNumber, Hex } from "viem";
import { readContract } from "viem/actions";
import { optimisticGameAbi } from "../abis.js";
import { VerityMode } from "../constants.js";
import { withVerityErrors } from "../errors/decode.js";
import type { JobModeMismatchError, JobNotFoundError } from "../errors/job.js";
import type { RpcUnreachableError } from "../errors/rpc.js";
import type { VerityClient } from "../types.js";
import { jobFor } from "../internal/hub.js";
import { checkFields } from "../internal/parameters.js";
import { expectParameters } from "../internal/validate.js";

export type GetProposalParameters = {
  /**
   * The job's dispute game (its `verifier`, where its proposal lives). Left out, the job is read from `hub` and its
   * game is the one it was requested under.
   */
  game?: Address | undefined;
  /** The hub, to read the job's game from when `game` is left out. */
  hub?: Address | undefined;
  jobId: bigint;
  /** Read the proposal as it was at this block (default: the latest block). */
  blockNumber?: BlockNumber | undefined;
};
/** An OPTIMISTIC job's open proposal; every field is zero when there is none (or once the job is final). */
export type GetProposalReturnType = {
  proposer: Address;
  /** The end of the challenge window while proposed; the end of the resolution period once challenged. */
  closesAt: bigint;
  outputHash: Hex;
  /** The challenger, or the zero address while unchallenged. */
  challenger: Address;
};
export type GetProposalErrorType = JobNotFoundError | JobModeMismatchError | RpcUnreachableError;

/**
 * Reads an OPTIMISTIC job's open proposal as its dispute game stores it (`getProposal`): the proposer, when its
 * window (or a challenge's resolution period) closes, the proposed output hash and the challenger. The game is
 * `game`, or the job's own (`job.verifier`, read from `hub`).
 *
 * @example
 * ```ts
 * const p = await getProposal(publicClient, { hub, jobId }); // or { game, jobId }
 * if (p.challenger !== zeroAddress) console.log("challenged; a proof is due by", p.closesAt);
 * ```
 */
export async function getProposal(client: VerityClient, parameters: GetProposalParameters): Promise<GetProposalReturnType> {
  const action = "getProposal";
  expectParameters(action, client, parameters);
  checkFields(action, parameters, { game: "address?", hub: parameters.game === undefined ? "address" : "address?", jobId: "bigint", blockNumber: "bigint?" });
  const { jobId, blockNumber } = parameters;
  const game =
    parameters.game ?? (await jobFor(client, { hub: parameters.hub!, jobId }, { mode: VerityMode.optimistic, action })).job.verifier;
  const p = await withVerityErrors(() =>
    readContract(client, {
      address: game,
      abi: optimisticGameAbi,
      functionName: "getProposal",
      args: [jobId],
      ...(blockNumber === undefined ? {} : { blockNumber }),
    }),
  );
  return { proposer: p.proposer, closesAt: BigInt(p.closesAt), outputHash: p.outputHash, challenger: p.challenger };
}
