import { type Address, type Hash, type LocalAccount, isAddressEqual } from "viem";
import { VerityMode } from "../constants.js";
import { decodeQuorumParams, MAX_QUORUM } from "../encoding/params.js";
import type { ContractRevertError, InvalidDataError, TensorEncodingError } from "../errors/index.js";
import { InvalidQuorumVoteError, QuorumNotReachedError } from "../errors/job.js";
import { chainIdOf, writeOptions } from "../internal/client.js";
import { jobFor, writeHub } from "../internal/hub.js";
import { type TensorData, normalizeTensorData, resultStruct } from "../internal/data.js";
import { type QuorumVote, encodeQuorumAttestation, recoverQuorumVoteSigner, signQuorumVote } from "../proofs/quorum.js";
import type { VerityClient, JobWriteParameters } from "../types.js";
import type { JobWriteErrorType } from "../errors/write.js";
import { checkFulfillQuorumParameters } from "../internal/parameters.js";

export type FulfillQuorumParameters = JobWriteParameters & {
  /** The output the votes are for: a Tensor, its canonical bytes, or `{ uri, hash }` for a large output. */
  output: TensorData;
  /** Votes collected from the operators (`signQuorumVote`), in any order. */
  votes?: readonly QuorumVote[] | undefined;
  /** Operator staking accounts that vote here (their signatures are added to `votes`). */
  voters?: readonly Pick<LocalAccount, "address" | "signTypedData">[] | undefined;
};
export type FulfillQuorumReturnType = Hash;
export type FulfillQuorumErrorType =
  | TensorEncodingError
  | InvalidDataError
  | InvalidQuorumVoteError
  | QuorumNotReachedError
  | JobWriteErrorType;

/**
 * The `fulfill` arguments of a QUORUM result: each vote checked locally (it must recover to its signer for this
 * job, hub, chain and output), at least k distinct votes, the attestation sorted by signer. Stakes are checked by
 * the hub (a signer below the job's minimum reverts with `QuorumStakeTooLow`).
 */
export async function prepareQuorumFulfillment(client: VerityClient, parameters: FulfillQuorumParameters) {
  checkFulfillQuorumParameters("prepareQuorumFulfillment", client, parameters);
  const { hub, jobId } = parameters;
  const data = normalizeTensorData(parameters.output, "output");
  const { job } = await jobFor(client, parameters, { mode: VerityMode.quorum, action: "fulfillQuorum" });
  const message = {
    hub,
    chainId: await chainIdOf(client),
    jobId,
    modelId: job.modelId,
    version: job.version,
    inputHash: job.inputHash,
    outputHash: data.hash,
    outputURI: data.uri,
  };
  const votes: QuorumVote[] = [...(parameters.votes ?? [])];
  for (const voter of parameters.voters ?? []) votes.push(await signQuorumVote({ account: voter, ...message }));
  for (const vote of votes) {
    let recovered: Address;
    try {
      recovered = await recoverQuorumVoteSigner({ ...message, signature: vote.signature });
    } catch (err) {
      const why = err instanceof InvalidQuorumVoteError ? err.reason : (err as Error).message;
      throw new InvalidQuorumVoteError({ reason: `the vote of ${vote.signer} is malformed: ${why}`, signer: vote.signer });
    }
    if (!isAddressEqual(recovered, vote.signer)) {
      throw new InvalidQuorumVoteError({
        reason:
          `the vote of ${vote.signer} recovers to ${recovered} for output ${data.hash} of job ${jobId}: ` +
          "it was signed for another output, job, hub or chain",
        signer: vote.signer,
      });
    }
  }
  const attestation = encodeQuorumAttestation(votes); // refuses a signer given twice
  const { k } = decodeQuorumParams(job.params);
  if (votes.length < k || votes.length > MAX_QUORUM) {
    throw new QuorumNotReachedError({ jobId, votes: votes.length, required: k, maximum: MAX_QUORUM });
  }
  return { job, result: resultStruct(data), attestation, votes };
}

/**
 * Delivers a QUORUM result: k (or more) distinct staked operators signed `QuorumVote(jobId, modelId, version,
 * inputHash, outputHash)` under the hub's EIP-712 domain with their staking accounts; anyone submits the output with
 * their votes (the signers, not the sender, share the operator fee). Votes are checked locally first; reverts
 * (decoded, e.g. `QuorumStakeTooLow`) come back as {@link ContractRevertError}.
 *
 * @example
 * ```ts
 * const votes = await Promise.all(operators.map((account) => signQuorumVote({ account, hub, chainId, jobId, modelId, version, inputHash, outputHash })));
 * await fulfillQuorum(walletClient, { hub, jobId, output, votes });
 * ```
 * @returns The transaction hash. {@link fulfillQuorumSync} waits and returns the event and the signers credited.
 */
export async function fulfillQuorum(
  client: VerityClient,
  parameters: FulfillQuorumParameters,
): Promise<FulfillQuorumReturnType> {
  checkFulfillQuorumParameters("fulfillQuorum", client, parameters);
  const options = writeOptions(client, parameters, "fulfillQuorum");
  const { job, result, attestation } = await prepareQuorumFulfillment(client, parameters);
  return writeHub(client, parameters.hub, options, { functionName: "fulfill", args: [parameters.jobId, job, result, attestation] });
}
