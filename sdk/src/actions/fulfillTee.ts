import type { Hash, Hex, LocalAccount } from "viem";
import type {
  ContractRevertError,
  InvalidAttestationError,
  InvalidDataError,
  JobNotFoundError,
  TensorEncodingError,
} from "../errors/index.js";
import { chainIdOf, writeOptions } from "../internal/client.js";
import { type TensorData, normalizeTensorData, resultStruct } from "../internal/data.js";
import { jobFor, writeHub } from "../internal/hub.js";
import { encodeTeeAttestation, resultTypedData } from "../proofs/tee.js";
import type { VerityClient, JobWriteParameters } from "../types.js";
import type { WriteErrorType } from "../errors/write.js";
import { checkFulfillTeeParameters } from "../internal/parameters.js";

/** Who signs the result: an enclave account (the SDK signs), or a signature made inside the enclave. */
export type TeeSigner = { enclave: Pick<LocalAccount, "address" | "signTypedData"> } | { signature: Hex };

export type FulfillTeeParameters = JobWriteParameters &
  TeeSigner & {
    /** The output: a Tensor, its canonical bytes, or `{ uri, hash }` for a large output kept off chain. */
    output: TensorData;
  };
export type FulfillTeeReturnType = Hash;
export type FulfillTeeErrorType =
  | TensorEncodingError
  | InvalidDataError
  | InvalidAttestationError
  | JobNotFoundError
  | WriteErrorType;

/** The `fulfill` arguments of a TEE result: the job, the hub's `Result` struct and the attestation. */
export async function prepareTeeFulfillment(client: VerityClient, parameters: FulfillTeeParameters) {
  checkFulfillTeeParameters("prepareTeeFulfillment", client, parameters);
  const { hub, jobId } = parameters;
  const data = normalizeTensorData(parameters.output, "output");
  const { job } = await jobFor(client, parameters);
  let signature: Hex;
  if ("enclave" in parameters) {
    signature = await parameters.enclave.signTypedData(
      resultTypedData({
        hub,
        chainId: await chainIdOf(client),
        jobId,
        modelId: job.modelId,
        version: job.version,
        inputHash: job.inputHash,
        outputHash: data.hash,
        outputURI: data.uri,
      }),
    );
  } else {
    signature = parameters.signature;
  }
  return {
    job,
    result: resultStruct(data),
    attestation: encodeTeeAttestation({ signature }),
  };
}

/**
 * Delivers a TEE result: the enclave signs `Result(jobId, modelId, version, inputHash, outputHash)` under the
 * hub's EIP-712 domain `{ "Verity", "1", chainId, hub }`, and the operator submits the output with that 65-byte
 * signature as the attestation (the registry knows the key's measurement). Reverts (decoded, e.g.
 * `TeeUnknownKey`) come back as {@link ContractRevertError}.
 *
 * @example
 * ```ts
 * await fulfillTee(operatorClient, { hub, jobId, job, output: tensor("int32", [1, 3], [0, 7, 11]), enclave });
 * ```
 * @returns The transaction hash. {@link fulfillTeeSync} waits and returns the `InferenceFulfilled` event.
 */
export async function fulfillTee(client: VerityClient, parameters: FulfillTeeParameters): Promise<FulfillTeeReturnType> {
  checkFulfillTeeParameters("fulfillTee", client, parameters);
  const { job, result, attestation } = await prepareTeeFulfillment(client, parameters);
  const options = writeOptions(client, parameters, "fulfillTee");
  return writeHub(client, parameters.hub, options, { functionName: "fulfill", args: [parameters.jobId, job, result, attestation] });
}
