import type { Hash } from "viem";
import { VerityMode } from "../constants.js";
import type { ContractRevertError } from "../errors/contract.js";
import type { InvalidDataError } from "../errors/request.js";
import type { JobModeMismatchError } from "../errors/job.js";
import type { TensorEncodingError } from "../errors/tensor.js";
import type { ZkProofError } from "../errors/zk.js";
import { writeOptions } from "../internal/client.js";
import { normalizeTensorData, resultStruct } from "../internal/data.js";
import { type ZkResultParameters, zkAttestationOf } from "../internal/groth16.js";
import { jobFor, writeHub } from "../internal/hub.js";
import type { VerityClient } from "../types.js";
import type { JobWriteErrorType } from "../errors/write.js";
import { checkZkResultParameters } from "../internal/parameters.js";

export type FulfillZkParameters = ZkResultParameters;
export type FulfillZkReturnType = Hash;
export type FulfillZkErrorType =
  | TensorEncodingError
  | InvalidDataError
  | ZkProofError
  | JobWriteErrorType;

/**
 * The `fulfill` arguments of a ZK result: the job, the hub's `Result` struct and the ZK attestation
 * (`abi.encode(a, b, c, input, output)`, see contracts/interfaces/IZkVerifier.sol). Refuses a job of another mode
 * with {@link JobModeMismatchError}.
 */
export async function prepareZkFulfillment(client: VerityClient, parameters: FulfillZkParameters) {
  checkZkResultParameters("prepareZkFulfillment", client, parameters);
  const data = normalizeTensorData(parameters.output, "output");
  const { job, read } = await jobFor(client, parameters, { mode: VerityMode.zk, action: "fulfillZk" });
  const attestation = await zkAttestationOf(client, { ...parameters, read, output: data.bytes });
  return { job, result: resultStruct(data), attestation };
}

/**
 * Delivers a ZK result: the output with a Groth16 proof that the version's committed model maps the job's input
 * to it. The hub's ZK verifier checks the proof on chain for this job and for the sender, who is credited the
 * operator's share: the proof must have been made with this `jobId` and the sending account as `submitter` (a
 * proof copied from another account's transaction, or from another job, is refused with `ZkProofInvalid`). Reverts (decoded, e.g. `ZkProofInvalid`) come back as {@link ContractRevertError}.
 *
 * @example
 * ```ts
 * import { proveMlp, zkArtifactsIn } from "verity-inference-node";
 * // The proof is bound to the job and to the account that sends fulfill.
 * const proved = await proveMlp({
 *   weights, input: decodeTensor(inputBytes), artifacts: zkArtifactsIn(), jobId, submitter: operatorClient.account.address,
 * });
 * await fulfillZk(operatorClient, { hub, jobId, output: proved.output, proof: proved.proof });
 * ```
 * @returns The transaction hash.
 */
export async function fulfillZk(client: VerityClient, parameters: FulfillZkParameters): Promise<FulfillZkReturnType> {
  checkZkResultParameters("fulfillZk", client, parameters);
  const options = writeOptions(client, parameters, "fulfillZk");
  const { job, result, attestation } = await prepareZkFulfillment(client, parameters);
  return writeHub(client, parameters.hub, options, { functionName: "fulfill", args: [parameters.jobId, job, result, attestation] });
}
