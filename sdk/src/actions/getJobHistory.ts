import { type Abi, type Address, type BlockNumber, type Hash, type Log, formatEther, formatLog, getAddress, numberToHex, parseEventLogs, zeroAddress } from "viem";
import { getBlock, getTransaction, readContract } from "viem/actions";
import { enclaveRegistryAbi, inferenceHubAbi, operatorRegistryAbi, optimisticGameAbi } from "../abis.js";
import { JOB_STATUSES, VerityMode, modeLabel } from "../constants.js";
import type { HubNotFoundError, JobNotFoundError, RpcUnreachableError } from "../errors/index.js";
import { withVerityErrors } from "../errors/decode.js";
import { operatorShare, protocolShare } from "../encoding/fees.js";
import { readJob } from "../internal/readJob.js";
import { checkFields } from "../internal/parameters.js";
import { expectParameters } from "../internal/validate.js";
import type { EventLocation, Job, VerityClient } from "../types.js";

export type GetJobHistoryParameters = {
  hub: Address;
  jobId: bigint;
  /** First block to search for the job's request (default: genesis). Set it on chains with long histories. */
  fromBlock?: BlockNumber | undefined;
};

/**
 * What happened to a job, by the event that says it: `requested` (hub), `committed`, `proposed`, `challenged`,
 * `resolved`, `expired` and `finalized` (the OPTIMISTIC game), `held` (the hub moved the job's status for its
 * module), `fulfilled` (hub: the result is recorded), `operatorsCredited` (several operators shared the fee),
 * `callbackFailed`, `refunded`, `bondCredited` (the hub credited a bond to an account, in a transaction of this job),
 * `stakeLocked`, `stakeUnlocked`, `slashed` (operator registry), `quorumVoteSlashed` and `teeResultDisputed`.
 */
export type JobHistoryEventKind =
  | "requested" | "committed" | "proposed" | "challenged" | "resolved" | "expired" | "finalized" | "held" | "fulfilled"
  | "operatorsCredited" | "callbackFailed" | "refunded" | "bondCredited" | "stakeLocked" | "stakeUnlocked" | "slashed"
  | "quorumVoteSlashed" | "teeResultDisputed";

/** One event of a job's story, with its block's time and the account that sent its transaction. */
export type JobHistoryEvent = EventLocation & {
  kind: JobHistoryEventKind;
  /** The event's name as its contract declares it (`InferenceFulfilled`, `ResultChallenged`, ...). */
  eventName: string;
  /** The contract that emitted it. */
  contract: Address;
  /** The event's decoded arguments. */
  args: Readonly<Record<string, unknown>>;
  /** The block's time (unix seconds). */
  timestamp: bigint;
  /** The account that sent the transaction. */
  from: Address;
};

export type GetJobHistoryReturnType = {
  job: Job;
  /** Every event of the job, in chain order. */
  events: JobHistoryEvent[];
  /** The consumer callback: none requested, not called yet, delivered (no `CallbackFailed`), or failed. */
  callback: "none" | "pending" | "delivered" | "failed";
  /** Every operator credited with the operator share (several for QUORUM), once fulfilled. */
  operators: readonly Address[] | undefined;
  /** The hub's split of the fee: the model fee, the protocol's share of the rest, and the operators'. */
  feeSplit: { model: bigint; protocol: bigint; operator: bigint; protocolFeeBps: number };
};
export type GetJobHistoryErrorType = JobNotFoundError | HubNotFoundError | RpcUnreachableError;

const KINDS: Record<string, JobHistoryEventKind> = {
  InferenceRequested: "requested", ProposalCommitted: "committed", ResultProposed: "proposed", ResultChallenged: "challenged",
  ChallengeResolved: "resolved", ChallengeExpired: "expired", ResultFinalized: "finalized", JobHeld: "held",
  InferenceFulfilled: "fulfilled", OperatorsCredited: "operatorsCredited", CallbackFailed: "callbackFailed",
  InferenceRefunded: "refunded", Deposited: "bondCredited", StakeLocked: "stakeLocked", StakeUnlocked: "stakeUnlocked",
  OperatorSlashed: "slashed", QuorumVoteSlashed: "quorumVoteSlashed", TeeResultDisputed: "teeResultDisputed",
};
const ABI = [...inferenceHubAbi, ...optimisticGameAbi, ...operatorRegistryAbi, ...enclaveRegistryAbi] as Abi;

type DecodedLog = Log<bigint, number, false> & { eventName: string; args: Record<string, unknown> };

/**
 * A job's whole story from events: its request, the mode's steps (an OPTIMISTIC commitment, proposal, challenge,
 * resolution or expiry and finality; stake locked, unlocked or slashed behind it), the recorded result, the
 * operators credited, a failed callback, a refund and bonds credited, each with its block, time, transaction and
 * sender; and the fee's split. Two `eth_getLogs` calls find every event naming the job (the hub, its dispute game
 * and the registries index the job id); blocks and senders are read once each. What `verity job audit` and the
 * explorer show.
 *
 * @example
 * ```ts
 * const { events, callback } = await getJobHistory(publicClient, { hub, jobId: 7n });
 * for (const e of events) console.log(e.blockNumber, e.kind, e.from);
 * ```
 */
export async function getJobHistory(client: VerityClient, parameters: GetJobHistoryParameters): Promise<GetJobHistoryReturnType> {
  expectParameters("getJobHistory", client, parameters);
  checkFields("getJobHistory", parameters, { hub: "address", jobId: "bigint", fromBlock: "bigint?" });
  const { hub, jobId } = parameters;
  const job = await readJob(client, parameters);
  const j = job.job;
  const [operatorRegistry, enclaveRegistry] = await withVerityErrors(() =>
    Promise.all([
      readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "operatorRegistry" }),
      readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "enclaveRegistry" }),
    ]),
  );
  const from = numberToHex(job.requested.blockNumber);
  const topic = numberToHex(jobId, { size: 32 });
  const game = j.mode === VerityMode.optimistic ? [j.verifier] : [];
  const logs = (filter: object) =>
    client.request({ method: "eth_getLogs", params: [{ fromBlock: from, toBlock: "latest", ...filter } as never] }) as Promise<unknown[]>;
  // The job id is the first indexed field of the hub's, the game's, QuorumVoteSlashed and TeeResultDisputed; the
  // second of the registry's stake events (after the operator).
  const [first, second] = await withVerityErrors(() =>
    Promise.all([
      logs({ address: [hub, ...game, operatorRegistry, enclaveRegistry], topics: [null, topic] }),
      logs({ address: [operatorRegistry], topics: [null, null, topic] }),
    ]),
  );
  const decoded = (raw: unknown[]) =>
    parseEventLogs({ abi: ABI, logs: raw.map((l) => formatLog(l as never)) as never, strict: true }) as unknown as DecodedLog[];
  const mine = [...decoded(first), ...decoded(second)].filter((l) => KINDS[l.eventName] && l.args.jobId === jobId);
  // Bonds a dispute game credits at the hub (`Deposited` from the game) in the job's own transactions.
  if (game.length > 0) {
    const txs = new Set(mine.map((l) => l.transactionHash));
    const deposits = decoded(await withVerityErrors(() => logs({ address: [hub], topics: [null, null, numberToHex(BigInt(j.verifier), { size: 32 })] })));
    mine.push(...deposits.filter((l) => l.eventName === "Deposited" && txs.has(l.transactionHash)));
  }
  mine.sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));

  const blocks = [...new Set(mine.map((l) => l.blockNumber))];
  const hashes = [...new Set(mine.map((l) => l.transactionHash))];
  const [times, senders] = await withVerityErrors(() =>
    Promise.all([
      Promise.all(blocks.map((blockNumber) => getBlock(client, { blockNumber }).then((b) => [blockNumber, b.timestamp] as const))),
      Promise.all(hashes.map((hash) => getTransaction(client, { hash }).then((t) => [hash, getAddress(t.from)] as const))),
    ]),
  );
  const timeOf = new Map<bigint, bigint>(times);
  const senderOf = new Map<Hash, Address>(senders);
  const events: JobHistoryEvent[] = mine.map((l) => ({
    kind: KINDS[l.eventName]!,
    eventName: l.eventName,
    contract: l.address,
    args: l.args,
    blockNumber: l.blockNumber,
    logIndex: l.logIndex,
    transactionHash: l.transactionHash,
    timestamp: timeOf.get(l.blockNumber)!,
    from: senderOf.get(l.transactionHash)!,
  }));

  const credited = events.find((e) => e.kind === "operatorsCredited")?.args.operators as readonly Address[] | undefined;
  const failed = events.some((e) => e.kind === "callbackFailed");
  return {
    job,
    events,
    callback: j.callback === zeroAddress ? "none" : failed ? "failed" : job.fulfillment ? "delivered" : "pending",
    operators: job.fulfillment ? (credited ?? [job.fulfillment.operator]) : undefined,
    feeSplit: { model: j.modelFee, protocol: protocolShare(j), operator: operatorShare(j), protocolFeeBps: j.protocolFeeBps },
  };
}

const iso = (seconds: unknown) => new Date(Number(seconds as bigint) * 1000).toISOString().replace(".000Z", "Z");
const eth = (wei: unknown) => `${formatEther(wei as bigint)} ETH`;

/**
 * One sentence for a job's event, as `verity job audit` and the explorer print it. Fee amounts are in the job's
 * fee currency (`ETH` for the native one, else base units of `feeToken`), stake in the registry's stake units.
 *
 * @example
 * ```ts
 * for (const e of history.events) console.log(`block ${e.blockNumber}: ${describeJobEvent(e, history.job.job.feeToken)}`);
 * ```
 */
export function describeJobEvent(event: Pick<JobHistoryEvent, "kind" | "args">, feeToken: Address = zeroAddress): string {
  // Decoded event arguments: each case reads its own event's fields.
  const a = event.args as Record<string, any>;
  const fee = (amount: unknown) => (feeToken === zeroAddress ? eth(amount) : `${amount as bigint} base units of ${feeToken}`);
  const stake = (amount: unknown) => `${formatEther(amount as bigint)} of stake`;
  switch (event.kind) {
    case "requested": {
      const j = a.job as { version: number; mode: number; fee: bigint };
      return `requested by ${a.requester}: model ${a.modelId} version ${j.version}, ${modeLabel(j.mode)}, fee ${fee(j.fee)}`;
    }
    case "committed": return `${a.committer} committed to a proposal (${a.commitment}); the answer stays hidden until the reveal`;
    case "proposed": return `${a.proposer} proposed output ${a.outputHash} with a bond of ${eth(a.bond)}; challengeable until ${iso(a.challengeWindowEnd)}`;
    case "challenged": return `${a.challenger} challenged the output of ${a.proposer} with a bond of ${eth(a.bond)}; a ZK proof is due by ${iso(a.resolveBy)}`;
    case "resolved":
      return `${a.resolver} proved output ${a.provenOutputHash}: the proposal was ${a.proposalUpheld ? "upheld" : `overturned (${stake(a.slashed)} to the challenger, ${stake(a.burned)} burned)`}`;
    case "expired": return `nobody proved in time: the proposal of ${a.proposer} stands, ${eth(a.bond)} bonds each`;
    case "finalized": return `final: ${a.operator} credited the operator share and ${eth(a.bondCredited)} of bonds${a.challenged ? " after a challenge" : ""}`;
    case "held": return `the job's module set its status to ${JOB_STATUSES[Number(a.status)] ?? a.status}`;
    case "fulfilled": return `result recorded: output ${a.outputHash}, operator ${a.operator} credited`;
    case "operatorsCredited": return `${(a.operators as Address[]).length} operators credited ${fee(a.amountEach)} each: ${(a.operators as Address[]).join(", ")}`;
    case "callbackFailed": return `the callback to ${a.callback} failed (revert data ${a.reason}); the result stands`;
    case "refunded": return `${fee(a.amount)} credited back to the requester ${a.requester}`;
    case "bondCredited": return `${eth(a.amount)} of bonds credited to ${a.account} at the hub`;
    case "stakeLocked": return `${stake(a.amount)} of ${a.operator} locked behind the job (${formatEther(a.locked)} locked in all)`;
    case "stakeUnlocked": return `${stake(a.amount)} of ${a.operator} unlocked (${formatEther(a.locked)} locked in all)`;
    case "slashed": return `${a.operator} slashed ${stake(a.amount)}: ${a.recipient} credited, ${formatEther(a.burned)} burned`;
    case "quorumVoteSlashed": return `signer ${a.signer} slashed by ${a.disputer}: it voted ${a.signedOutputHash}, the proof shows ${a.provenOutputHash}`;
    case "teeResultDisputed": return `enclave key ${a.key} of ${a.operator} disputed by ${a.disputer}: it signed ${a.signedOutputHash}, the proof shows ${a.provenOutputHash}`;
  }
}
