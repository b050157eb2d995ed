import { isAddressEqual, parseEventLogs } from "viem";
import { getBlock, getContractEvents, getTransaction, getTransactionReceipt, readContract } from "viem/actions";
import { inferenceHubAbi, operatorRegistryAbi } from "../abis.js";
import { VerityMode } from "../constants.js";
import type { JobNotFoundError, RpcUnreachableError, VerificationModeNotSupportedError } from "../errors/index.js";
import { withVerityErrors } from "../errors/decode.js";
import {
  type JobContext,
  type JobDataParameters,
  type ZkKeysParameters,
  confirmationsOf,
  decodeHubCall,
  fulfilledOf,
  jobDataOfMode,
  operatorRegistryAt,
  requestedData,
  storedCommitmentAt,
  verifyingKeyFor,
  versionAt,
} from "../internal/jobData.js";
import { location, orUndefined } from "../internal/jobs.js";
// Types only: the OPTIMISTIC checks (a resolution's ZK proof, snarkjs) are imported lazily, by `verifyJob`.
import type { OptimisticJobData } from "../proofs/verifyOptimisticJob.js";
import type { VerityClient } from "../types.js";
import { checkJobDataParameters } from "../internal/parameters.js";

export type GetOptimisticJobDataParameters = JobDataParameters & ZkKeysParameters;
export type GetOptimisticJobDataReturnType = OptimisticJobData;
export type GetOptimisticJobDataErrorType = JobNotFoundError | VerificationModeNotSupportedError | RpcUnreachableError;

/**
 * Gathers an OPTIMISTIC job's chain data for `verifyOptimisticJobData`: the proposal, challenge, resolution
 * (with its `resolveChallenge` calldata and the registry's slashing), finalization or expiry events, the
 * proposer's stake at the proposal block, and the model version and verifying key for a resolution's proof.
 * Refuses a job of another mode with {@link VerificationModeNotSupportedError}.
 *
 * @example
 * ```ts
 * const data = await getOptimisticJobData(publicClient, { hub, jobId, zkVerifyingKeys });
 * console.log(data.proposal?.proposer, data.challenge?.challenger, data.resolution?.proposalUpheld);
 * ```
 */
export function getOptimisticJobData(
  client: VerityClient,
  parameters: GetOptimisticJobDataParameters,
): Promise<GetOptimisticJobDataReturnType> {
  checkJobDataParameters("getOptimisticJobData", client, parameters);
  return jobDataOfMode(client, parameters, VerityMode.optimistic, gatherOptimisticJobData);
}

/** {@link getOptimisticJobData} for a job whose context was read (`verifyJob` reads it once for every mode). */
export async function gatherOptimisticJobData(
  client: VerityClient,
  parameters: GetOptimisticJobDataParameters,
  ctx: JobContext,
): Promise<OptimisticJobData> {
  const { hub, jobId } = parameters;
  const { job } = ctx;
  const range = { address: hub, abi: inferenceHubAbi, args: { jobId }, fromBlock: job.requested.blockNumber, toBlock: "latest", strict: true } as const;
  const [proposedLogs, challengedLogs, resolvedLogs, finalizedLogs, expiredLogs, latest, operatorRegistry] = await Promise.all([
    withVerityErrors(() => getContractEvents(client, { ...range, eventName: "ResultProposed" })),
    withVerityErrors(() => getContractEvents(client, { ...range, eventName: "ResultChallenged" })),
    withVerityErrors(() => getContractEvents(client, { ...range, eventName: "ChallengeResolved" })),
    withVerityErrors(() => getContractEvents(client, { ...range, eventName: "ResultFinalized" })),
    withVerityErrors(() => getContractEvents(client, { ...range, eventName: "ChallengeExpired" })),
    withVerityErrors(() => getBlock(client, { blockTag: "latest" })),
    operatorRegistryAt(client, hub),
  ]);
  const timestampOf = (blockNumber: bigint) =>
    withVerityErrors(() => getBlock(client, { blockNumber })).then((b) => b.timestamp);
  /** Where an event was emitted, and the time of its block. */
  const at = async (log: Parameters<typeof location>[0]) => ({ ...location(log), timestamp: await timestampOf(log.blockNumber) });

  const p = proposedLogs.at(-1);
  const proposal = p && {
    ...(await at(p)),
    proposer: p.args.proposer,
    outputHash: p.args.outputHash,
    bond: p.args.bond,
    challengeWindowEnd: BigInt(p.args.challengeWindowEnd),
    output: orUndefined(p.args.output),
    outputURI: orUndefined(p.args.outputURI),
    proposerStake: await withVerityErrors(() =>
      readContract(client, {
        address: operatorRegistry,
        abi: operatorRegistryAbi,
        functionName: "getOperator",
        args: [p.args.proposer],
        blockNumber: p.blockNumber,
      }),
    ).then((o) => BigInt(o.stake)),
  };
  const c = challengedLogs.at(-1);
  const challenge = c && {
    ...(await at(c)),
    challenger: c.args.challenger,
    proposer: c.args.proposer,
    outputHash: c.args.outputHash,
    bond: c.args.bond,
    resolveBy: BigInt(c.args.resolveBy),
  };

  const r = resolvedLogs.at(-1);
  let resolution: OptimisticJobData["resolution"];
  if (r) {
    const [tx, receipt, where] = await Promise.all([
      withVerityErrors(() => getTransaction(client, { hash: r.transactionHash })),
      withVerityErrors(() => getTransactionReceipt(client, { hash: r.transactionHash })),
      at(r),
    ]);
    const call = decodeHubCall(tx, hub, jobId, "resolveChallenge");
    const slashed = parseEventLogs({ abi: operatorRegistryAbi, eventName: "OperatorSlashed", logs: receipt.logs }).find(
      (l) => isAddressEqual(l.address, operatorRegistry) && l.args.jobId === jobId,
    );
    resolution = {
      ...where,
      proposer: r.args.proposer,
      challenger: r.args.challenger,
      proposalUpheld: r.args.proposalUpheld,
      proposedOutputHash: r.args.proposedOutputHash,
      provenOutputHash: r.args.provenOutputHash,
      bondsAwarded: r.args.bondsAwarded,
      slashed: r.args.slashed,
      resolver: r.args.resolver,
      call: call && { job: call.job, result: call.result, attestation: call.attestation },
      slashEvent: slashed && { operator: slashed.args.operator, amount: slashed.args.amount, recipient: slashed.args.recipient },
    };
  }
  const fin = finalizedLogs.at(-1);
  const finalized = fin && {
    ...(await at(fin)),
    operator: fin.args.operator,
    outputHash: fin.args.outputHash,
    bondCredited: fin.args.bondCredited,
    challenged: fin.args.challenged,
  };
  const e = expiredLogs.at(-1);
  const expired = e && { blockNumber: e.blockNumber, proposer: e.args.proposer, challenger: e.args.challenger, bond: e.args.bond };

  const f = job.fulfillment;
  const versionBlock = resolution?.blockNumber ?? finalized?.blockNumber ?? latest.number;
  const [version, storedCommitment] = await Promise.all([
    versionAt(client, hub, job.job, versionBlock),
    f ? storedCommitmentAt(client, hub, jobId, f.blockNumber) : job.commitment,
  ]);
  return {
    ...requestedData(parameters, ctx),
    storedCommitment,
    latest: { blockNumber: latest.number, timestamp: latest.timestamp },
    proposal,
    challenge,
    resolution,
    finalized,
    fulfilled: f && fulfilledOf(f),
    expired,
    version,
    verifyingKey: resolution ? await verifyingKeyFor(parameters.zkVerifyingKeys, job.job, version) : undefined,
    confirmations: f ? confirmationsOf(latest.number, f.blockNumber) : 0n,
  };
}
