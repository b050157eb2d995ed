import { type Hash, type Hex, keccak256, toHex } from "viem";
import type { ContractRevertError, TensorEncodingError } from "../errors/index.js";
import { InvalidDataError } from "../errors/request.js";
import type { ZkProofError } from "../errors/zk.js";
import type { JobWriteErrorType } from "../errors/write.js";
import { VerityMode } from "../constants.js";
import { writeOptions } from "../internal/client.js";
import { jobFor, writeEnclaves } from "../internal/hub.js";
import { normalizeTensorData, resultStruct } from "../internal/data.js";
import { type ZkResultParameters, zkAttestationOf } from "../internal/groth16.js";
import { checkZkResultParameters } from "../internal/parameters.js";
import { expectHex } from "../internal/validate.js";
import type { VerityClient } from "../types.js";
import { getTeeJobData } from "./getTeeJobData.js";

export type DisputeTeeResultParameters = ZkResultParameters & {
  /** The enclave's 65-byte result signature (default: the job's recorded attestation, read from its fulfil call). */
  signature?: Hex | undefined;
  /** The output hash the enclave signed (default: the recorded one). */
  signedOutputHash?: Hex | undefined;
  /** keccak256 of the output URI it signed, of "" for inline output (default: the recorded delivery form). */
  outputURIHash?: Hex | undefined;
};
export type DisputeTeeResultReturnType = Hash;
export type DisputeTeeResultErrorType = TensorEncodingError | InvalidDataError | ZkProofError | JobWriteErrorType;

/**
 * Proves a TEE result wrong: a ZK proof of the job's true output (made for this job and the sending account) and
 * the enclave's signature of another output slash ALL the stake locked behind the enclave key, half credited to the
 * sender in the operator registry (`withdrawSlashCredit`), half burned, and deactivate the key. Works for model
 * versions with a ZK circuit, while the key's stake is locked (until `KEY_RELEASE_DELAY` after it stopped signing).
 * Reverts (e.g. `EnclaveDisputeOutputsAgree`, `EnclaveDisputeKeyNotSlashable`) come back as {@link ContractRevertError}.
 *
 * @example
 * ```ts
 * const proved = await proveMlp({ weights, input, artifacts: zkArtifactsIn(), jobId, submitter: me });
 * await disputeTeeResult(walletClient, { hub, jobId, output: proved.output, proof: proved.proof });
 * ```
 * @returns The transaction hash.
 */
export async function disputeTeeResult(
  client: VerityClient,
  parameters: DisputeTeeResultParameters,
): Promise<DisputeTeeResultReturnType> {
  const action = "disputeTeeResult";
  checkZkResultParameters(action, client, parameters);
  expectHex(action, "signature", parameters.signature, { optional: true, size: 65 });
  expectHex(action, "signedOutputHash", parameters.signedOutputHash, { optional: true, size: 32 });
  expectHex(action, "outputURIHash", parameters.outputURIHash, { optional: true, size: 32 });
  const options = writeOptions(client, parameters, action);
  const { hub, jobId } = parameters;
  const { job, read } = await jobFor(client, parameters, { mode: VerityMode.tee, action });

  let { signature, signedOutputHash, outputURIHash } = parameters;
  if (signature === undefined || signedOutputHash === undefined) {
    const data = await getTeeJobData(client, { hub, jobId });
    if (!data.call || !data.fulfilled) {
      throw new InvalidDataError(
        "the job has no recorded TEE result to dispute: pass the enclave's `signature` and `signedOutputHash`",
      );
    }
    signature ??= data.call.attestation;
    signedOutputHash ??= data.fulfilled.outputHash;
    outputURIHash ??= keccak256(toHex(data.call.result.outputURI));
  }
  outputURIHash ??= keccak256(toHex(""));

  const data = normalizeTensorData(parameters.output, "output");
  const attestation = await zkAttestationOf(client, { ...parameters, read, output: data.bytes });
  return writeEnclaves(client, job.verifier, options, {
    functionName: "disputeTeeResult",
    args: [jobId, job, signedOutputHash, outputURIHash, signature, resultStruct(data), attestation],
  });
}
