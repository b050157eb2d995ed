import type { Address, BlockNumber, Hex } from "viem";
import { readContract } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import { withVerityErrors } from "../errors/decode.js";
import type { RpcUnreachableError } from "../errors/rpc.js";
import type { VerityClient } from "../types.js";
import { checkFields } from "../internal/parameters.js";
import { expectParameters } from "../internal/validate.js";

export type GetProposalParameters = {
  hub: Address;
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
export type GetProposalErrorType = RpcUnreachableError;

/**
 * Reads an OPTIMISTIC job's open proposal as the hub stores it (`getProposal`): the proposer, when its window (or
 * a challenge's resolution period) closes, the proposed output hash and the challenger.
 *
 * @example
 * ```ts
 * const p = await getProposal(publicClient, { hub, jobId });
 * if (p.challenger !== zeroAddress) console.log("challenged; a proof is due by", p.closesAt);
 * ```
 */
export async function getProposal(client: VerityClient, parameters: GetProposalParameters): Promise<GetProposalReturnType> {
  const action = "getProposal";
  expectParameters(action, client, parameters);
  checkFields(action, parameters, { hub: "address", jobId: "bigint", blockNumber: "bigint?" });
  const { hub, jobId, blockNumber } = parameters;
  const p = await withVerityErrors(() =>
    readContract(client, {
      address: hub,
      abi: inferenceHubAbi,
      functionName: "getProposal",
      args: [jobId],
      ...(blockNumber === undefined ? {} : { blockNumber }),
    }),
  );
  return { proposer: p.proposer, closesAt: BigInt(p.closesAt), outputHash: p.outputHash, challenger: p.challenger };
}
