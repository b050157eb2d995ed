import type { Hash } from "viem";
import type { ContractRevertError, TensorEncodingError } from "../errors/index.js";
import type { InvalidDataError } from "../errors/request.js";
import { writeOptions } from "../internal/client.js";
import { writeGame } from "../internal/hub.js";
import { normalizeTensorData, resultStruct } from "../internal/data.js";
import { type ZkResultParameters, zkAttestationOf } from "../internal/groth16.js";
import { optimisticJob } from "../internal/optimistic.js";
import type { ZkProofError } from "../errors/zk.js";
import type { VerityClient } from "../types.js";
import type { JobWriteErrorType } from "../errors/write.js";
import { checkZkResultParameters } from "../internal/parameters.js";

export type ResolveChallengeParameters = ZkResultParameters;
export type ResolveChallengeReturnType = Hash;
export type ResolveChallengeErrorType =
  | TensorEncodingError
  | InvalidDataError
  | ZkProofError
  | JobWriteErrorType;

/**
 * The `resolveChallenge` arguments: the true output and the ZK attestation the ZK mode's verifier checks
 * (`abi.encode(a, b, c, input, output)`, see contracts/interfaces/IZkVerifier.sol).
 */
export async function prepareResolution(client: VerityClient, parameters: ResolveChallengeParameters) {
  checkZkResultParameters("prepareResolution", client, parameters);
  const { hub, jobId } = parameters;
  const data = normalizeTensorData(parameters.output, "output");
  const { job, read, game } = await optimisticJob(client, parameters, "resolveChallenge");
  const attestation = await zkAttestationOf(client, { ...parameters, read, output: data.bytes });
  return { job, game, result: resultStruct(data), attestation, outputHash: data.hash };
}

/**
 * Settles a challenged OPTIMISTIC job at its dispute game (`job.verifier`) with a ZK proof of its true output, made
 * for this job and for the sending account (`proveMlp({ ..., jobId, submitter })`), within the resolution period
 * (also after the job's deadline). Anyone may send it, and is paid for it: if the proven output is the proposed one,
 * the proposer gets the fee and its bond back and the resolver the challenger's bond; otherwise the resolver gets the
 * fee and the proposer's bond, the challenger its own bond back and half of the proposer's locked `slashAmount`
 * (credited in the operator registry: `withdrawSlashCredit`), the other half is burned, and the proven output
 * becomes the job's result. Either way the job is final and the bonds are credited at the hub (`withdraw`).
 * Reverts (decoded, e.g. `ZkProofInvalid`, `GameResolutionClosed`) come back as {@link ContractRevertError}.
 *
 * @example
 * ```ts
 * import { proveMlp, zkArtifactsIn } from "verity-inference-node";
 * // The proof is bound to the job and to the account that sends resolveChallenge.
 * const proved = await proveMlp({
 *   weights, input: decodeTensor(inputBytes), artifacts: zkArtifactsIn(), jobId, submitter: walletClient.account.address,
 * });
 * await resolveChallenge(walletClient, { hub, jobId, output: proved.output, proof: proved.proof });
 * ```
 * @returns The transaction hash.
 */
export async function resolveChallenge(
  client: VerityClient,
  parameters: ResolveChallengeParameters,
): Promise<ResolveChallengeReturnType> {
  checkZkResultParameters("resolveChallenge", client, parameters);
  const options = writeOptions(client, parameters, "resolveChallenge");
  const { job, game, result, attestation } = await prepareResolution(client, parameters);
  return writeGame(client, game, options, { functionName: "resolveChallenge", args: [parameters.jobId, job, result, attestation] });
}
