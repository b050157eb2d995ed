import { type Address, type Hex, type Log, type Transaction, decodeFunctionData, isAddressEqual, parseEventLogs } from "viem";
import { getBlock, getContractEvents, getTransaction, getTransactionReceipt, readContract } from "viem/actions";
import { inferenceHubAbi, operatorRegistryAbi, optimisticGameAbi } from "../abis.js";
import { VerityMode } from "../constants.js";
import type { JobNotFoundError, VerificationModeNotSupportedError } from "../errors/index.js";
import { toVerityError, withVerityErrors } from "../errors/decode.js";
import { RpcUnreachableError } from "../errors/rpc.js";
import { UnknownDisputeGameError } from "../errors/job.js";
import {
  type JobContext,
  type JobDataParameters,
  type ZkKeysParameters,
  confirmationsOf,
  fulfilledOf,
  jobDataOfMode,
  operatorRegistryAt,
  requestedData,
  storedCommitmentAt,
  verifyingKeyFor,
  versionAt,
} from "../internal/jobData.js";
import { location } from "../internal/jobs.js";
import { proposalCommitment } from "../encoding/commitment.js";
// Types only: the OPTIMISTIC checks (a resolution's ZK proof) are imported lazily, by `verifyJob`.
import type { OptimisticJobData } from "../proofs/verifyOptimisticJob.js";
import type { JobStruct, VerityClient } from "../types.js";
import { checkJobDataParameters } from "../internal/parameters.js";

export type GetOptimisticJobDataParameters = JobDataParameters & ZkKeysParameters;
export type GetOptimisticJobDataReturnType = OptimisticJobData;
export type GetOptimisticJobDataErrorType =
  | JobNotFoundError
  | VerificationModeNotSupportedError
  | UnknownDisputeGameError
  | RpcUnreachableError;

/**
 * Gathers an OPTIMISTIC job's chain data for `verifyOptimisticJobData`, from the job's dispute game (`job.verifier`):
 * the game's hub and ZK verifier, the proposal with the commitment it revealed (and its block), the proposer's stake
 * at the proposal block, the challenge, the resolution (with its `resolveChallenge` calldata and the registry's
 * slashing), finalization or expiry, every credit the game paid at the hub in the settling transaction
 * (`Deposited`), and the model version and verifying key for a resolution's proof. Refuses a job of another mode with
 * {@link VerificationModeNotSupportedError}, and a job whose verifier is not a dispute game of this hub with
 * {@link UnknownDisputeGameError} (no verdict on events it cannot read as a dispute).
 *
 * @example
 * ```ts
 * const data = await getOptimisticJobData(publicClient, { hub, jobId, zkVerifyingKeys });
 * console.log(data.proposal?.proposer, data.challenge?.challenger, data.resolution?.resolver, data.payouts);
 * ```
 */
export function getOptimisticJobData(
  client: VerityClient,
  parameters: GetOptimisticJobDataParameters,
): Promise<GetOptimisticJobDataReturnType> {
  checkJobDataParameters("getOptimisticJobData", client, parameters);
  return jobDataOfMode(client, parameters, VerityMode.optimistic, gatherOptimisticJobData);
}

/** The game's `hub()` and `zkVerifier()`, or {@link UnknownDisputeGameError} when it is not a game of `hub`. */
async function gameOf(client: VerityClient, hub: Address, jobId: bigint, game: Address) {
  const read = async (functionName: "hub" | "zkVerifier") => {
    try {
      return await readContract(client, { address: game, abi: optimisticGameAbi, functionName });
    } catch (e) {
      const err = toVerityError(e);
      if (err instanceof RpcUnreachableError) throw err;
      throw new UnknownDisputeGameError({ jobId, game, reason: `it does not answer ${functionName}()` });
    }
  };
  const [gameHub, zkVerifier] = await Promise.all([read("hub"), read("zkVerifier")]);
  if (!isAddressEqual(gameHub, hub)) throw new UnknownDisputeGameError({ jobId, game, reason: `it settles jobs of hub ${gameHub}` });
  return { address: game, hub: gameHub, zkVerifier };
}

/** A direct call of the game's `functionName` for this job in `tx` (undefined for another call, or through a contract). */
function decodeGameCall<N extends "proposeResult" | "resolveChallenge">(tx: Transaction, game: Address, jobId: bigint, functionName: N) {
  if (!tx.to || !isAddressEqual(tx.to, game)) return undefined;
  try {
    const decoded = decodeFunctionData({ abi: optimisticGameAbi, data: tx.input });
    if (decoded.functionName !== functionName) return undefined;
    const [callJobId, job, result, last] = decoded.args as readonly [bigint, JobStruct, { output: Hex; outputURI: string; outputHash: Hex }, Hex];
    if (callJobId !== jobId) return undefined;
    return { job: { ...job }, result: { ...result }, last };
  } catch {
    return undefined;
  }
}

/** {@link getOptimisticJobData} for a job whose context was read (`verifyJob` reads it once for every mode). */
export async function gatherOptimisticJobData(
  client: VerityClient,
  parameters: GetOptimisticJobDataParameters,
  ctx: JobContext,
): Promise<OptimisticJobData> {
  const { hub, jobId } = parameters;
  const { job } = ctx;
  const game = await gameOf(client, hub, jobId, job.job.verifier);
  const range = { address: game.address, abi: optimisticGameAbi, args: { jobId }, fromBlock: job.requested.blockNumber, toBlock: "latest", strict: true } as const;
  const rpc = withVerityErrors;
  const [committedLogs, proposedLogs, challengedLogs, resolvedLogs, finalizedLogs, expiredLogs, latest, operatorRegistry] = await Promise.all([
    rpc(() => getContractEvents(client, { ...range, eventName: "ProposalCommitted" })),
    rpc(() => getContractEvents(client, { ...range, eventName: "ResultProposed" })),
    rpc(() => getContractEvents(client, { ...range, eventName: "ResultChallenged" })),
    rpc(() => getContractEvents(client, { ...range, eventName: "ChallengeResolved" })),
    rpc(() => getContractEvents(client, { ...range, eventName: "ResultFinalized" })),
    rpc(() => getContractEvents(client, { ...range, eventName: "ChallengeExpired" })),
    rpc(() => getBlock(client, { blockTag: "latest" })),
    operatorRegistryAt(client, hub),
  ]);
  const timestampOf = (blockNumber: bigint) => rpc(() => getBlock(client, { blockNumber })).then((b) => b.timestamp);
  /** Where an event was emitted, and the time of its block. */
  const at = async (log: Parameters<typeof location>[0]) => ({ ...location(log), timestamp: await timestampOf(log.blockNumber) });

  const p = proposedLogs.at(-1);
  let proposal: OptimisticJobData["proposal"];
  if (p) {
    const [where, tx, stake] = await Promise.all([
      at(p),
      rpc(() => getTransaction(client, { hash: p.transactionHash })),
      rpc(() =>
        readContract(client, { address: operatorRegistry, abi: operatorRegistryAbi, functionName: "getOperator", args: [p.args.proposer], blockNumber: p.blockNumber }),
      ),
    ]);
    const salt = decodeGameCall(tx, game.address, jobId, "proposeResult")?.last;
    const commitment = salt && proposalCommitment({ jobId, proposer: p.args.proposer, outputHash: p.args.outputHash, salt });
    const c = commitment && committedLogs.find((l) => l.args.commitment.toLowerCase() === commitment.toLowerCase());
    proposal = {
      ...where,
      proposer: p.args.proposer,
      outputHash: p.args.outputHash,
      bond: p.args.bond,
      challengeWindowEnd: BigInt(p.args.challengeWindowEnd),
      output: p.args.output,
      proposerStake: { stake: stake.stake, locked: stake.locked },
      salt,
      committed: c && { ...(await at(c)), committer: c.args.committer, commitment: c.args.commitment },
    };
  }
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
      rpc(() => getTransaction(client, { hash: r.transactionHash })),
      rpc(() => getTransactionReceipt(client, { hash: r.transactionHash })),
      at(r),
    ]);
    const call = decodeGameCall(tx, game.address, jobId, "resolveChallenge");
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
      slashed: r.args.slashed,
      burned: r.args.burned,
      resolver: r.args.resolver,
      call: call && { job: call.job, result: call.result, attestation: call.last },
      slashEvent: slashed && {
        operator: slashed.args.operator,
        amount: slashed.args.amount,
        recipient: slashed.args.recipient,
        burned: slashed.args.burned,
      },
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
  const expired = e && { ...(await at(e)), proposer: e.args.proposer, challenger: e.args.challenger, bond: e.args.bond };

  // The bonds the game paid out at the hub in the settling transaction (`Deposited`, from the game).
  let payouts: OptimisticJobData["payouts"] = [];
  if (fin) {
    const receipt = await rpc(() => getTransactionReceipt(client, { hash: fin.transactionHash }));
    payouts = parseEventLogs({ abi: inferenceHubAbi, eventName: "Deposited", logs: receipt.logs as Log[] })
      .filter((l) => isAddressEqual(l.address, hub) && isAddressEqual(l.args.from, game.address))
      .map((l) => ({ account: l.args.account, amount: l.args.amount }));
  }

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
    game,
    proposal,
    challenge,
    resolution,
    finalized,
    fulfilled: f && fulfilledOf(f),
    expired,
    payouts,
    version,
    verifyingKey: resolution ? await verifyingKeyFor(client, parameters.zkVerifyingKeys, job.job, version, game.zkVerifier) : undefined,
    confirmations: f ? confirmationsOf(latest.number, f.blockNumber) : 0n,
  };
}
