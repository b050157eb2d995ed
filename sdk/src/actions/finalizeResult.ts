import type { BlockNumber, Hash } from "viem";
import type { ContractRevertError, InvalidDataError, TensorEncodingError } from "../errors/index.js";
import { NoProposalError } from "../errors/job.js";
import { writeOptions } from "../internal/client.js";
import { writeHub } from "../internal/hub.js";
import { type TensorData, normalizeTensorData, resultStruct } from "../internal/data.js";
import { optimisticJob, proposalEvent } from "../internal/optimistic.js";
import type { VerityClient, JobWriteParameters } from "../types.js";
import type { JobWriteErrorType } from "../errors/write.js";
import { checkJobWriteParameters } from "../internal/parameters.js";
import { expectBigint } from "../internal/validate.js";

export type FinalizeResultParameters = JobWriteParameters & {
  /** The proposed output, as in `ResultProposed` (read from that event when left out). */
  output?: TensorData | undefined;
  /** First block to search for the job's events (default: genesis). */
  fromBlock?: BlockNumber | undefined;
};
export type FinalizeResultReturnType = Hash;
export type FinalizeResultErrorType =
  | NoProposalError
  | TensorEncodingError
  | InvalidDataError
  | JobWriteErrorType;

/**
 * Makes an unchallenged OPTIMISTIC proposal final once its challenge window has passed: the hub credits the fee
 * and the bond back to the proposer and calls the consumer back with the output. Anyone may send it. Within the
 * window it reverts with `HubChallengeWindowOpen` (a {@link ContractRevertError}).
 *
 * @example
 * ```ts
 * await finalizeResult(walletClient, { hub, jobId }); // the proposed output is read from ResultProposed
 * ```
 * @returns The transaction hash.
 */
export async function finalizeResult(
  client: VerityClient,
  parameters: FinalizeResultParameters,
): Promise<FinalizeResultReturnType> {
  const action = "finalizeResult";
  checkJobWriteParameters(action, client, parameters);
  expectBigint(action, "fromBlock", parameters.fromBlock, { optional: true });
  const { hub, jobId } = parameters;
  const options = writeOptions(client, parameters, "finalizeResult");
  // A given output is checked before anything is read.
  let data = parameters.output === undefined ? undefined : normalizeTensorData(parameters.output, "output");
  const { job, read } = await optimisticJob(client, parameters, "finalizeResult");
  if (data === undefined) {
    const proposed = await proposalEvent(client, hub, jobId, parameters.fromBlock ?? read?.requested.blockNumber);
    if (!proposed) throw new NoProposalError({ jobId, status: read?.status ?? "unknown" });
    data = { bytes: proposed.output, uri: proposed.outputURI, hash: proposed.outputHash };
  }
  return writeHub(client, hub, options, { functionName: "finalize", args: [jobId, job, resultStruct(data)] });
}
