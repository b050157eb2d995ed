import type { Address } from "viem";
import { readContract } from "viem/actions";
import { operatorRegistryAbi } from "../abis.js";
import { MEASUREMENT_STATUSES, VerityMode } from "../constants.js";
import type { JobNotFoundError, RpcUnreachableError, VerificationModeNotSupportedError } from "../errors/index.js";
import { withVerityErrors } from "../errors/decode.js";
import {
  type JobContext,
  type JobDataParameters,
  jobDataBase,
  jobDataOfMode,
  operatorRegistryAt,
} from "../internal/jobData.js";
import { jobStatement } from "../proofs/checks.js";
import { type TeeJobData, type TeeRegistryState, recoverTeeSigner } from "../proofs/verifyTeeJob.js";
import type { JobStruct, VerityClient } from "../types.js";
import { checkJobDataParameters } from "../internal/parameters.js";

export type GetTeeJobDataParameters = JobDataParameters;
export type GetTeeJobDataReturnType = TeeJobData;
export type GetTeeJobDataErrorType = JobNotFoundError | VerificationModeNotSupportedError | RpcUnreachableError;

/**
 * Gathers a TEE job's chain data for `verifyTeeJobData`: events, the fulfil calldata, the signer its attestation
 * recovers to (once: the verifier reuses it), and the registry state for that key and the model version at the
 * recording block. Refuses a job of another mode with {@link VerificationModeNotSupportedError}.
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
export async function gatherTeeJobData(client: VerityClient, parameters: JobDataParameters, ctx: JobContext): Promise<TeeJobData> {
  const f = ctx.job.fulfillment;
  const [base, operatorRegistry] = await Promise.all([
    jobDataBase(client, parameters, ctx),
    f ? operatorRegistryAt(client, parameters.hub, f.blockNumber) : undefined,
  ]);
  if (!base.fulfilled || !base.call || !operatorRegistry) return { ...base, registry: undefined, signer: undefined };
  const signer = await recoverTeeSigner(jobStatement(base, base.fulfilled), base.call.attestation);
  const registry = signer.key
    ? await readRegistryState(client, operatorRegistry, base.fulfilled.blockNumber, signer.key, base.requested.job)
    : undefined;
  return { ...base, registry, signer };
}

/** The enclave key's registration and its measurement's standing at the recording block. */
async function readRegistryState(
  client: VerityClient,
  operatorRegistry: Address,
  blockNumber: bigint,
  key: Address,
  job: JobStruct,
): Promise<TeeRegistryState> {
  const at = { address: operatorRegistry, abi: operatorRegistryAbi, blockNumber } as const;
  const enclaveKey = await withVerityErrors(() => readContract(client, { ...at, functionName: "getEnclaveKey", args: [key] }));
  const measurement = enclaveKey.measurement;
  const [activeOperator, status, measurementAllowed] = await withVerityErrors(() =>
    Promise.all([
      readContract(client, { ...at, functionName: "activeEnclaveOperator", args: [key, measurement] }),
      readContract(client, { ...at, functionName: "measurementStatus", args: [measurement] }),
      readContract(client, { ...at, functionName: "isMeasurementAllowed", args: [job.modelId, job.version, measurement] }),
    ]),
  );
  return {
    key,
    enclaveKey: { ...enclaveKey },
    activeOperator,
    measurementStatus: MEASUREMENT_STATUSES[status] ?? "unknown",
    measurementAllowed,
  };
}
