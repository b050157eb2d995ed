import type { Hash } from "viem";
import type { ContractRevertError, TensorEncodingError } from "../errors/index.js";
import type { InvalidDataError } from "../errors/request.js";
import { writeOptions } from "../internal/client.js";
import { writeHub } from "../internal/hub.js";
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
  const { job, read } = await optimisticJob(client, parameters, "resolveChallenge");
  const attestation = await zkAttestationOf(client, { ...parameters, read, output: data.bytes });
  return { job, result: resultStruct(data), attestation, outputHash: data.hash };
}

/**
 * Settles a challenged OPTIMISTIC job with a ZK proof of its true output. Anyone may send it until the challenge
 * is expired, also after the job's deadline. If the proven output is the proposed one, the proposer wins both
 * bonds and the fee; otherwise the challenger wins them and the proposer's slashed stake (credited in the operator
 * registry: `withdrawSlashCredit`), and the proven output becomes the job's result. Either way the job is final.
 * Reverts (decoded, e.g. `ZkProofInvalid`) come back as {@link ContractRevertError}.
 *
 * @example
 * ```ts
 * import { proveMlp, zkArtifactsIn } from "verity/operator";
 * const proved = await proveMlp({ weights, input: decodeTensor(inputBytes), artifacts: zkArtifactsIn() });
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
  const { job, result, attestation } = await prepareResolution(client, parameters);
  return writeHub(client, parameters.hub, options, { functionName: "resolveChallenge", args: [parameters.jobId, job, result, attestation] });
}
