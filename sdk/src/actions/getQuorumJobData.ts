import type { Address } from "viem";
import { getContractEvents, readContract } from "viem/actions";
import { inferenceHubAbi, operatorRegistryAbi } from "../abis.js";
import { VerityMode } from "../constants.js";
import type { JobNotFoundError, RpcUnreachableError, VerificationModeNotSupportedError } from "../errors/index.js";
import { withVerityErrors } from "../errors/decode.js";
import {
  type JobContext,
  type JobDataParameters,
  jobDataBase,
  jobDataOfMode,
  operatorRegistryAt,
} from "../internal/jobData.js";
import { parseQuorumAttestation } from "../proofs/quorum.js";
import type { QuorumJobData } from "../proofs/verifyQuorumJob.js";
import type { VerityClient } from "../types.js";
import { checkJobDataParameters } from "../internal/parameters.js";

export type GetQuorumJobDataParameters = JobDataParameters;
export type GetQuorumJobDataReturnType = QuorumJobData;
export type GetQuorumJobDataErrorType = JobNotFoundError | VerificationModeNotSupportedError | RpcUnreachableError;

/**
 * Gathers a QUORUM job's chain data for `verifyQuorumJobData`: events, the fulfil calldata (the votes), the
 * signers' bonded stakes and the model version at the recording block, and the operators the hub credited.
 * Refuses a job of another mode with {@link VerificationModeNotSupportedError}.
 *
 * @example
 * ```ts
 * const data = await getQuorumJobData(publicClient, { hub, jobId });
 * const report = await verifyQuorumJobData({ ...data, stakes: data.stakes?.map(() => 0n) }); // as if unstaked
 * ```
 */
export function getQuorumJobData(client: VerityClient, parameters: GetQuorumJobDataParameters): Promise<GetQuorumJobDataReturnType> {
  checkJobDataParameters("getQuorumJobData", client, parameters);
  return jobDataOfMode(client, parameters, VerityMode.quorum, gatherQuorumJobData);
}

/** {@link getQuorumJobData} for a job whose context was read (`verifyJob` reads it once for every mode). */
export async function gatherQuorumJobData(
  client: VerityClient,
  parameters: JobDataParameters,
  ctx: JobContext,
): Promise<QuorumJobData> {
  const { hub, jobId } = parameters;
  const f = ctx.job.fulfillment;
  if (!f) {
    const base = await jobDataBase(client, parameters, ctx);
    return { ...base, operatorRegistry: undefined, stakes: undefined, credited: undefined };
  }
  const blockNumber = f.blockNumber;
  const [base, operatorRegistry, credited] = await Promise.all([
    jobDataBase(client, parameters, ctx),
    operatorRegistryAt(client, hub, blockNumber),
    withVerityErrors(() =>
      getContractEvents(client, {
        address: hub,
        abi: inferenceHubAbi,
        eventName: "OperatorsCredited",
        args: { jobId },
        fromBlock: blockNumber,
        toBlock: blockNumber,
        strict: true,
      }),
    ),
  ]);
  // The signers' bonded stakes at the recording block, in the attestation's order.
  let signers: Address[] | undefined;
  try {
    signers = base.call && parseQuorumAttestation(base.call.attestation).map((v) => v.signer);
  } catch {
    // A malformed attestation is reported by the attestation check.
  }
  const stakes =
    signers &&
    (await withVerityErrors(() =>
      readContract(client, {
        address: operatorRegistry,
        abi: operatorRegistryAbi,
        functionName: "bondedStakes",
        args: [signers],
        blockNumber,
      }),
    ));
  const event = credited.find((l) => l.transactionHash === f.transactionHash);
  return { ...base, operatorRegistry, stakes, credited: event ? [...event.args.operators] : undefined };
}
