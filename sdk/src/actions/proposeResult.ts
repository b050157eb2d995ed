import type { Hash } from "viem";
import type { ContractRevertError, InvalidDataError, TensorEncodingError } from "../errors/index.js";
import { writeOptions } from "../internal/client.js";
import { writeHub } from "../internal/hub.js";
import { type TensorData, normalizeTensorData, resultStruct } from "../internal/data.js";
import { optimisticJob } from "../internal/optimistic.js";
import type { VerityClient, JobWriteParameters } from "../types.js";
import type { JobWriteErrorType } from "../errors/write.js";
import { checkJobWriteParameters } from "../internal/parameters.js";

export type ProposeResultParameters = JobWriteParameters & {
  /** The proposed output: a Tensor, its canonical bytes, or `{ uri, hash }` for a large output. */
  output: TensorData;
};
export type ProposeResultReturnType = Hash;
export type ProposeResultErrorType =
  | TensorEncodingError
  | InvalidDataError
  | JobWriteErrorType;

/** The `proposeResult` arguments and the bond to send with them. */
export async function prepareProposal(client: VerityClient, parameters: ProposeResultParameters) {
  checkJobWriteParameters("prepareProposal", client, parameters);
  const data = normalizeTensorData(parameters.output, "output");
  const { job, bond, window } = await optimisticJob(client, parameters, "proposeResult");
  return { job, result: resultStruct(data), outputHash: data.hash, bond, window };
}

/**
 * Proposes an OPTIMISTIC job's result, posting the job's bond (read from its params) as value. The sender must be
 * a staked operator with at least the job's slash amount bonded. Nothing is credited yet: the result is final after
 * the challenge window (`finalizeResult`) unless someone challenges it (`challengeResult`), in which case a ZK proof
 * of the true output settles it (`resolveChallenge`) and a wrong proposer is slashed. Reverts (decoded, e.g.
 * `HubProposerStakeTooLow`) come back as {@link ContractRevertError}.
 *
 * @example
 * ```ts
 * await proposeResult(operatorClient, { hub, jobId, output: tensor("int32", [1, 3], [1207, 310, -1019]) });
 * ```
 * @returns The transaction hash. {@link proposeResultSync} waits and returns the `ResultProposed` event.
 */
export async function proposeResult(
  client: VerityClient,
  parameters: ProposeResultParameters,
): Promise<ProposeResultReturnType> {
  checkJobWriteParameters("proposeResult", client, parameters);
  const options = writeOptions(client, parameters, "proposeResult");
  const { job, result, bond } = await prepareProposal(client, parameters);
  return writeHub(client, parameters.hub, options, { functionName: "proposeResult", args: [parameters.jobId, job, result], value: bond });
}
