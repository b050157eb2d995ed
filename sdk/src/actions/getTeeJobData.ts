import { type Address, type Hex, hexToBytes } from "viem";
import { getBlock, getContractEvents, readContract } from "viem/actions";
import { enclaveRegistryAbi } from "../abis.js";
import { KEY_STATUSES, MEASUREMENT_STATUSES, VerityMode } from "../constants.js";
import type { JobNotFoundError, RpcUnreachableError, VerificationModeNotSupportedError } from "../errors/index.js";
import { withVerityErrors } from "../errors/decode.js";
import { type JobContext, type JobDataParameters, jobDataBase, jobDataOfMode } from "../internal/jobData.js";
import { jobStatement, reason } from "../proofs/checks.js";
import {
  type EvidenceFetcher,
  type TeeAttestationPolicy,
  type TeeJobData,
  type TeeKeyAttestation,
  type TeeRegistryState,
  fetchEvidence,
  quoteEvidenceUri,
  recoverTeeSigner,
} from "../proofs/verifyTeeJob.js";
import type { JobStruct, VerityClient } from "../types.js";
import { checkJobDataParameters } from "../internal/parameters.js";

export type GetTeeJobDataParameters = JobDataParameters & {
  /**
   * How the key's attestation evidence is re-verified: the roots to trust (default AWS Nitro root G1 and Intel's
   * SGX root CA) and what development or debug evidence to accept (default none).
   */
  attestation?: TeeAttestationPolicy | undefined;
  /** Evidence bytes by evidence hash, fetched by the caller (used before `fetchEvidence`). */
  evidence?: Readonly<Record<Hex, Uint8Array | Hex>> | undefined;
  /** Fetches evidence by URI (default: `data:` and `http(s):` URIs with `fetch`; in Node `verity-inference-node`'s `readUri` also reads `file:`). */
  fetchEvidence?: EvidenceFetcher | undefined;
};
export type GetTeeJobDataReturnType = TeeJobData;
export type GetTeeJobDataErrorType = JobNotFoundError | VerificationModeNotSupportedError | RpcUnreachableError;

/**
 * Gathers a TEE job's chain data for `verifyTeeJobData`: events, the fulfil calldata, the signer its attestation
 * recovers to (once: the verifier reuses it), the enclave registry's state for that key and the model version at
 * the recording block, the attestation that was in force then (`EnclaveKeyAttested`: evidence hash and URI,
 * attestors, expiry, its block time) and the evidence bytes, fetched by URI. Refuses a job of another mode with
 * {@link VerificationModeNotSupportedError}.
 *
 * @example
 * ```ts
 * const data = await getTeeJobData(publicClient, { hub, jobId });
 * const report = await verifyTeeJobData(data);
 * console.log(report.verdict, data.signer?.key, data.registry?.measurementStatus);
 * ```
 */
export function getTeeJobData(client: VerityClient, parameters: GetTeeJobDataParameters): Promise<GetTeeJobDataReturnType> {
  checkJobDataParameters("getTeeJobData", client, parameters);
  return jobDataOfMode(client, parameters, VerityMode.tee, gatherTeeJobData);
}

/** {@link getTeeJobData} for a job whose context was read (`verifyJob` reads it once for every mode). */
export async function gatherTeeJobData(client: VerityClient, parameters: GetTeeJobDataParameters, ctx: JobContext): Promise<TeeJobData> {
  const base = await jobDataBase(client, parameters, ctx);
  const policy = parameters.attestation;
  if (!base.fulfilled || !base.call) return { ...base, registry: undefined, signer: undefined, attestationPolicy: policy };
  const signer = await recoverTeeSigner(jobStatement(base, base.fulfilled), base.call.attestation);
  const registry = signer.key
    ? await readRegistryState(client, base.requested.job.verifier, base.fulfilled.blockNumber, signer.key, base.requested.job, parameters)
    : undefined;
  return { ...base, registry, signer, attestationPolicy: policy };
}

/** The enclave key's record, its attestation in force and its measurement's standing at the recording block. */
async function readRegistryState(
  client: VerityClient,
  enclaveRegistry: Address,
  blockNumber: bigint,
  key: Address,
  job: JobStruct,
  parameters: GetTeeJobDataParameters,
): Promise<TeeRegistryState> {
  const at = { address: enclaveRegistry, abi: enclaveRegistryAbi, blockNumber } as const;
  // Two rounds of reads: what names the key (its record, the block, its attestations), then what its record and
  // attestation name (the measurement's standing, the attestation's block).
  const [enclaveKey, block, attestations] = await withVerityErrors(() =>
    Promise.all([
      readContract(client, { ...at, functionName: "getEnclaveKey", args: [key] }),
      getBlock(client, { blockNumber }),
      getContractEvents(client, {
        address: enclaveRegistry,
        abi: enclaveRegistryAbi,
        eventName: "EnclaveKeyAttested",
        args: { key },
        fromBlock: parameters.fromBlock ?? 0n,
        toBlock: blockNumber,
      }),
    ]),
  );
  const measurement = enclaveKey.measurement;
  // The attestation in force at the recording block: the last one whose evidence the key's record holds.
  const event = attestations.filter((e) => e.args.evidenceHash === enclaveKey.evidenceHash).at(-1);
  const [activeOperator, status, measurementAllowed, attestedBlock, evidence] = await withVerityErrors(() =>
    Promise.all([
      readContract(client, { ...at, functionName: "activeEnclaveOperator", args: [key, measurement] }),
      readContract(client, { ...at, functionName: "measurementStatus", args: [measurement] }),
      readContract(client, { ...at, functionName: "isMeasurementAllowed", args: [job.modelId, job.version, measurement] }),
      event ? getBlock(client, { blockNumber: event.blockNumber }) : Promise.resolve(undefined),
      event ? evidenceFor(event.args.evidenceHash!, event.args.evidenceURI!, parameters) : Promise.resolve(undefined),
    ]),
  );
  let attestation: TeeKeyAttestation | undefined;
  if (event && attestedBlock && evidence) {
    const a = event.args;
    attestation = {
      evidenceHash: a.evidenceHash!,
      evidenceURI: a.evidenceURI!,
      verifier: a.verifier!,
      attestors: [...(a.attestors ?? [])],
      expiresAt: a.expiresAt!,
      blockNumber: event.blockNumber,
      timestamp: attestedBlock.timestamp,
      transactionHash: event.transactionHash,
      evidence,
    };
  }
  return {
    enclaveRegistry,
    key,
    enclaveKey: { ...enclaveKey, status: KEY_STATUSES[enclaveKey.status] ?? "none" },
    activeOperator,
    measurementStatus: MEASUREMENT_STATUSES[status] ?? "unknown",
    measurementAllowed,
    blockTimestamp: block.timestamp,
    attestation,
  };
}

/** The evidence bytes: given by the caller, else fetched by URI; or why they could not be had. */
async function evidenceFor(
  hash: Hex,
  uri: string,
  parameters: GetTeeJobDataParameters,
): Promise<{ bytes: Uint8Array } | { problem: string }> {
  const given = parameters.evidence?.[hash] ?? parameters.evidence?.[hash.toLowerCase() as Hex];
  if (given !== undefined) {
    return { bytes: typeof given === "string" ? hexToBytes(given) : given };
  }
  try {
    return { bytes: await (parameters.fetchEvidence ?? fetchEvidence)(uri) };
  } catch (err) {
    return { problem: `the evidence at ${quoteEvidenceUri(uri)} could not be fetched: ${reason(err)}` };
  }
}
