import type { Address, Hash, Hex } from "viem";
import { getBlockNumber, waitForTransactionReceipt } from "viem/actions";
import type { InvalidDataError, TensorEncodingError } from "../errors/index.js";
import { ContractRevertError } from "../errors/contract.js";
import { withVerityErrors } from "../errors/decode.js";
import { TransactionRevertedError } from "../errors/job.js";
import { accountAddress, writeOptions } from "../internal/client.js";
import { writeGame } from "../internal/hub.js";
import { type InlineOutput, commitmentBlockOf, proposalOf } from "../internal/optimistic.js";
import { checkProposalParameters } from "../internal/parameters.js";
import type { JobWriteErrorType } from "../errors/write.js";
import type { JobWriteParameters, VerityClient } from "../types.js";

export type ProposeResultParameters = JobWriteParameters & {
  /** The proposed output: a Tensor or its canonical bytes (OPTIMISTIC outputs are inline). */
  output: InlineOutput;
  /**
   * The salt of a commitment already made (`commitProposal`): it is revealed. Left out, a fresh random salt is
   * committed first (and returned).
   */
  salt?: Hex | undefined;
  /** Milliseconds between polls for the commitment's receipt and a later block (default: the client's). */
  pollingInterval?: number | undefined;
  /**
   * Milliseconds to wait for a block after the commitment's, on a node that refuses the reveal in the commitment's
   * block (default 120,000); then the `GameCommitTooRecent` revert is thrown.
   */
  timeout?: number | undefined;
};
export type ProposeResultReturnType = {
  /** The reveal's transaction (`proposeResult`). */
  hash: Hash;
  /** The commitment's transaction, or undefined when the commitment already existed. */
  commitHash: Hash | undefined;
  /** The job's dispute game (its `verifier`). */
  game: Address;
  commitment: Hex;
  salt: Hex;
  outputHash: Hex;
};
export type ProposeResultErrorType =
  | TensorEncodingError
  | InvalidDataError
  | TransactionRevertedError
  | JobWriteErrorType;

/** The `proposeResult` arguments (job, result, salt), the job's game and bond, and the commitment they reveal. */
export async function prepareProposal(client: VerityClient, parameters: ProposeResultParameters) {
  checkProposalParameters("prepareProposal", client, parameters);
  const options = writeOptions(client, parameters, "prepareProposal");
  return proposalOf(client, parameters, accountAddress(options.account), "proposeResult");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Proposes an OPTIMISTIC job's result to the job's dispute game (`job.verifier`), commit-reveal: unless the
 * commitment of `salt` already exists, it first sends `commitProposal` (with a fresh random salt) and waits for its
 * receipt; then, in a later block, it reveals with the job's bond as value (`proposeResult(jobId, job, result,
 * salt)`). The sender must be a staked operator with at least the job's slash amount of free stake, which is locked
 * until the proposal is final. Nothing is credited yet: the result is final after the challenge window
 * (`finalizeResult`) unless someone challenges it (`challengeResult`); then a ZK proof of the true output settles it
 * (`resolveChallenge`), or the proposal stands if nobody proves in time (`expireChallenge`). Reverts (decoded, e.g.
 * `GameAlreadyProposed`, `OperatorInsufficientStake`) come back as {@link ContractRevertError}.
 *
 * @example
 * ```ts
 * const { hash, salt } = await proposeResult(operatorClient, { hub, jobId, output: tensor("int32", [1, 3], [1207, 310, -1019]) });
 * ```
 * @returns The reveal's hash, the commitment's (if it was sent), the game, the commitment and its salt.
 * {@link proposeResultSync} waits and returns the `ResultProposed` event.
 */
export async function proposeResult(client: VerityClient, parameters: ProposeResultParameters): Promise<ProposeResultReturnType> {
  const action = "proposeResult";
  checkProposalParameters(action, client, parameters);
  const options = writeOptions(client, parameters, action);
  const p = await proposalOf(client, parameters, accountAddress(options.account), action);
  const { jobId } = parameters;
  const pollingInterval = parameters.pollingInterval ?? client.pollingInterval;
  const timeout = parameters.timeout ?? 120_000;

  let commitHash: Hash | undefined;
  let committedAt = await commitmentBlockOf(client, p.game, p.commitment);
  if (committedAt === 0n) {
    const hash = await writeGame(client, p.game, options, { functionName: "commitProposal", args: [jobId, p.commitment] });
    commitHash = hash;
    const receipt = await withVerityErrors(() => waitForTransactionReceipt(client, { hash, pollingInterval }));
    if (receipt.status !== "success") throw new TransactionRevertedError({ hash, action: "commitProposal" });
    committedAt = receipt.blockNumber;
  }

  // Any transaction sent now is mined after the commitment's block. A node that estimates the reveal in its latest
  // block rather than the pending one refuses it (GameCommitTooRecent) until the next block: wait for it.
  const start = Date.now();
  for (;;) {
    try {
      const hash = await writeGame(client, p.game, options, {
        functionName: "proposeResult",
        args: [jobId, p.job, p.result, p.salt],
        value: p.bond,
      });
      return { hash, commitHash, game: p.game, commitment: p.commitment, salt: p.salt, outputHash: p.outputHash };
    } catch (err) {
      if (!(err instanceof ContractRevertError && err.errorName === "GameCommitTooRecent") || Date.now() - start >= timeout) throw err;
      while ((await withVerityErrors(() => getBlockNumber(client, { cacheTime: 0 }))) <= committedAt) {
        if (Date.now() - start >= timeout) throw err;
        await sleep(pollingInterval);
      }
    }
  }
}
