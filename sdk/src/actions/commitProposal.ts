import type { Address, Hash, Hex } from "viem";
import type { ContractRevertError, InvalidDataError, TensorEncodingError } from "../errors/index.js";
import { accountAddress, writeOptions } from "../internal/client.js";
import { writeGame } from "../internal/hub.js";
import { type InlineOutput, proposalOf } from "../internal/optimistic.js";
import { checkProposalParameters } from "../internal/parameters.js";
import type { JobWriteErrorType } from "../errors/write.js";
import type { JobWriteParameters, VerityClient } from "../types.js";

export type CommitProposalParameters = JobWriteParameters & {
  /** The output to propose later: a Tensor or its canonical bytes (OPTIMISTIC outputs are inline). */
  output: InlineOutput;
  /** The commitment's secret, 32 bytes (default: a fresh random one, returned: keep it to reveal). */
  salt?: Hex | undefined;
};
export type CommitProposalReturnType = {
  /** The commitment's transaction. */
  hash: Hash;
  /** The job's dispute game (its `verifier`), which stores the commitment. */
  game: Address;
  /** `keccak256(abi.encode(jobId, proposer, outputHash, salt))`. */
  commitment: Hex;
  /** The secret to reveal with (`proposeResult({ ..., salt })`). */
  salt: Hex;
  outputHash: Hex;
  /** The account that committed: only it can reveal. */
  proposer: Address;
};
export type CommitProposalErrorType = TensorEncodingError | InvalidDataError | JobWriteErrorType;

/**
 * Commits to an OPTIMISTIC proposal without revealing it: sends `commitment = keccak256(abi.encode(jobId, proposer,
 * outputHash, salt))` to the job's dispute game (`job.verifier`). Nothing is staked or paid. Reveal it in a later
 * block, from the same account, with `proposeResult({ ..., salt })`: a reveal copied from the mempool by another
 * account matches no commitment (`GameNotCommitted`). {@link proposeResult} commits and reveals in one call.
 * Reverts (decoded) come back as {@link ContractRevertError}.
 *
 * @example
 * ```ts
 * const { hash, salt } = await commitProposal(operatorClient, { hub, jobId, output });
 * await publicClient.waitForTransactionReceipt({ hash });
 * await proposeResult(operatorClient, { hub, jobId, output, salt }); // reveals: the commitment exists
 * ```
 */
export async function commitProposal(client: VerityClient, parameters: CommitProposalParameters): Promise<CommitProposalReturnType> {
  const action = "commitProposal";
  checkProposalParameters(action, client, parameters);
  const options = writeOptions(client, parameters, action);
  const p = await proposalOf(client, parameters, accountAddress(options.account), action);
  const hash = await writeGame(client, p.game, options, { functionName: "commitProposal", args: [parameters.jobId, p.commitment] });
  return { hash, game: p.game, commitment: p.commitment, salt: p.salt, outputHash: p.outputHash, proposer: p.proposer };
}
