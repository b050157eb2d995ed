import {
  type Address,
  type BlockNumber,
  type Hex,
  type Transaction,
  decodeFunctionData,
  isAddressEqual,
  parseEventLogs,
} from "viem";
import {
  getBlock,
  getBlockNumber,
  getChainId,
  getContractEvents,
  getTransaction,
  getTransactionReceipt,
  readContract,
} from "viem/actions";
import { inferenceHubAbi, operatorRegistryAbi } from "../abis.js";
import { MEASUREMENT_STATUSES, VerityMode, modeLabel } from "../constants.js";
import type { JobNotFoundError, RpcUnreachableError } from "../errors/index.js";
import { ContractRevertError } from "../errors/contract.js";
import { InvalidAttestationError, VerificationModeNotSupportedError } from "../errors/job.js";
import { toVerityError, withVerityErrors } from "../errors/decode.js";
import type { VerifyJobReport } from "../proofs/report.js";
import { parseQuorumAttestation } from "../proofs/quorum.js";
import { parseTeeAttestation, recoverResultSigner } from "../proofs/tee.js";
import { type QuorumJobData, verifyQuorumJobData } from "../proofs/verifyQuorumJob.js";
import { type TeeJobData, type TeeRegistryState, verifyTeeJobData } from "../proofs/verifyTeeJob.js";
// Types only: the ZK modules (and snarkjs) are imported lazily, for ZK jobs, so the light entry never loads them.
import type { ZkJobData, ZkVerifyingKeyLoader, ZkVerifyingKeys } from "../proofs/verifyZkJob.js";
import type { OptimisticJobData } from "../proofs/verifyOptimisticJob.js";
import type { Groth16VerifyingKey } from "../proofs/zk.js";
import { location, orUndefined } from "../internal/jobs.js";
import type { Job, ModelVersion, VerityClient } from "../types.js";
import { getJob } from "./getJob.js";

export type VerifyJobParameters = {
  hub: Address;
  jobId: bigint;
  /** Confirmations (recording block included) for the result to count as final (default 1). */
  confirmations?: bigint | undefined;
  /** The chain to verify for (default: the RPC's). A signature only holds on the chain it was made for. */
  chainId?: number | undefined;
  /** First block to search for the job's events (see `getJob`). */
  fromBlock?: BlockNumber | undefined;
  /** Bytes of an input or output given by URI, fetched by the caller, to check against the recorded hash. */
  offchain?: { input?: Hex | undefined; output?: Hex | undefined } | undefined;
  /**
   * ZK jobs (and OPTIMISTIC jobs settled by a challenge): Groth16 verifying keys by the hash a model version records
   * (`vkeyHash(vkey)`), or a loader called with that hash. Without the key, the `verifyingKey` and `proof` checks
   * fail. In Node,
   * `zkVerifyingKeysFromFiles("circuits/build/verification_key.json")` builds the record.
   */
  zkVerifyingKeys?: ZkVerifyingKeys | undefined;
};
export type VerifyJobReturnType = VerifyJobReport;
export type VerifyJobErrorType = JobNotFoundError | VerificationModeNotSupportedError | RpcUnreachableError;

/** The job as read from chain, and the chain ids, before a mode's data is gathered. */
type JobContext = { job: Job; chainId: number; rpcChainId: number };

async function readJobContext(client: VerityClient, parameters: VerifyJobParameters): Promise<JobContext> {
  const { hub, jobId } = parameters;
  const rpcChainId = await withVerityErrors(() => getChainId(client));
  const job = await getJob(client, { hub, jobId, fromBlock: parameters.fromBlock });
  return { job, chainId: parameters.chainId ?? rpcChainId, rpcChainId };
}

function unsupported({ job }: JobContext): VerificationModeNotSupportedError {
  return new VerificationModeNotSupportedError({ jobId: job.jobId, mode: job.job.mode, modeLabel: modeLabel(job.job.mode) });
}

/** The fields every mode's data shares, while the job has no result. */
function unfulfilledData(parameters: VerifyJobParameters, { job, chainId, rpcChainId }: JobContext) {
  return {
    jobId: parameters.jobId,
    hub: parameters.hub,
    chainId,
    rpcChainId,
    status: job.status,
    requested: { job: job.job, input: job.input, inputURI: job.inputURI },
    minConfirmations: parameters.confirmations ?? 1n,
    offchain: parameters.offchain,
  };
}

type Fulfillment = NonNullable<Job["fulfillment"]>;

/** The job's model version at a block (undefined when it did not exist there). */
function readVersion(client: VerityClient, hub: Address, job: Job, blockNumber: bigint | undefined): Promise<ModelVersion | undefined> {
  return readContract(client, {
    address: hub,
    abi: inferenceHubAbi,
    functionName: "getVersion",
    args: [job.job.modelId, job.job.version],
    ...(blockNumber === undefined ? {} : { blockNumber }),
  }).then(
    (v): ModelVersion => ({ ...v }),
    // Reverts with ModelUnknownVersion when absent; any other failure is rethrown.
    (err: unknown) => {
      const e = toVerityError(err);
      if (e instanceof ContractRevertError && e.errorName === "ModelUnknownVersion") return undefined;
      throw e;
    },
  );
}

/** The fulfil transaction, the latest block, and the job's slot and model version at the recording block. */
async function readRecordingState(client: VerityClient, hub: Address, job: Job, f: Fulfillment) {
  const blockNumber = f.blockNumber;
  const [tx, latest, [, storedCommitment], version] = await withVerityErrors(() =>
    Promise.all([
      getTransaction(client, { hash: f.transactionHash }),
      getBlockNumber(client, { cacheTime: 0 }),
      readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "getJob", args: [job.jobId], blockNumber }),
      readVersion(client, hub, job, blockNumber),
    ]),
  );
  return {
    tx,
    storedCommitment,
    version,
    fulfilled: {
      blockNumber,
      operator: f.operator,
      outputHash: f.outputHash,
      output: f.output,
      outputURI: f.outputURI,
    },
    call: decodeFulfilCall(tx, hub, job.jobId),
    confirmations: latest >= blockNumber ? latest - blockNumber + 1n : 0n,
  };
}

/** The `fulfill(jobId, job, result, attestation)` call of the transaction, if it calls the hub for this job. */
function decodeFulfilCall(tx: Transaction, hub: Address, jobId: bigint): TeeJobData["call"] {
  if (!tx.to || !isAddressEqual(tx.to, hub)) return undefined;
  try {
    const decoded = decodeFunctionData({ abi: inferenceHubAbi, data: tx.input });
    if (decoded.functionName === "fulfill") {
      const [callJobId, callJob, result, attestation] = decoded.args;
      if (callJobId === jobId) return { jobId: callJobId, job: { ...callJob }, result: { ...result }, attestation };
    }
  } catch {
    // Not a hub call the ABI knows: reported by the signature (TEE) or attestation (ZK) check.
  }
  return undefined;
}

async function teeJobData(client: VerityClient, parameters: VerifyJobParameters, ctx: JobContext): Promise<TeeJobData> {
  const { hub, jobId } = parameters;
  const { job, chainId } = ctx;
  const base = unfulfilledData(parameters, ctx);
  const f = job.fulfillment;
  if (!f) {
    return {
      ...base,
      storedCommitment: job.commitment,
      fulfilled: undefined,
      call: undefined,
      registry: undefined,
      version: undefined,
      confirmations: 0n,
    };
  }

  const blockNumber = f.blockNumber;
  const [state, operatorRegistry] = await Promise.all([
    readRecordingState(client, hub, job, f),
    withVerityErrors(() =>
      readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "operatorRegistry", blockNumber }),
    ),
  ]);
  const { call } = state;

  // The registry state is read for the key the signature recovers to, at the recording block.
  let registry: TeeRegistryState | undefined;
  if (call) {
    try {
      const key = await recoverResultSigner({
        hub,
        chainId,
        jobId,
        modelId: job.job.modelId,
        version: job.job.version,
        inputHash: job.job.inputHash,
        outputHash: f.outputHash,
        signature: parseTeeAttestation(call.attestation).signature,
      });
      const at = { address: operatorRegistry, abi: operatorRegistryAbi, blockNumber } as const;
      const enclaveKey = await withVerityErrors(() => readContract(client, { ...at, functionName: "getEnclaveKey", args: [key] }));
      const measurement = enclaveKey.measurement;
      const [activeOperator, status, measurementAllowed] = await withVerityErrors(() =>
        Promise.all([
          readContract(client, { ...at, functionName: "activeEnclaveOperator", args: [key, measurement] }),
          readContract(client, { ...at, functionName: "measurementStatus", args: [measurement] }),
          readContract(client, {
            ...at,
            functionName: "isMeasurementAllowed",
            args: [job.job.modelId, job.job.version, measurement],
          }),
        ]),
      );
      registry = {
        key,
        enclaveKey: { ...enclaveKey },
        activeOperator,
        measurementStatus: MEASUREMENT_STATUSES[status] ?? "unknown",
        measurementAllowed,
      };
    } catch (err) {
      // A malformed attestation is reported by the signature check; RPC failures are not swallowed.
      if (!(err instanceof InvalidAttestationError)) throw err;
    }
  }

  return {
    ...base,
    storedCommitment: state.storedCommitment,
    fulfilled: state.fulfilled,
    call,
    registry,
    version: state.version,
    confirmations: state.confirmations,
  };
}

/** The verifying key the caller gave for `verifyingKeyHash` (by record, case-insensitively, or by loader). */
async function findVerifyingKey(
  keys: ZkVerifyingKeys | undefined,
  request: Parameters<ZkVerifyingKeyLoader>[0],
): Promise<Groth16VerifyingKey | undefined> {
  if (keys === undefined) return undefined;
  if (typeof keys === "function") return keys(request);
  const wanted = request.verifyingKeyHash.toLowerCase();
  return Object.entries(keys).find(([hash]) => hash.toLowerCase() === wanted)?.[1];
}

async function zkJobData(client: VerityClient, parameters: VerifyJobParameters, ctx: JobContext): Promise<ZkJobData> {
  const { job } = ctx;
  const base = unfulfilledData(parameters, ctx);
  const f = job.fulfillment;
  if (!f) {
    return {
      ...base,
      storedCommitment: job.commitment,
      fulfilled: undefined,
      call: undefined,
      version: undefined,
      verifyingKey: undefined,
      confirmations: 0n,
    };
  }
  const state = await readRecordingState(client, parameters.hub, job, f);
  const version = state.version;
  const verifyingKey =
    version && BigInt(version.zkVerifyingKeyHash) !== 0n
      ? await findVerifyingKey(parameters.zkVerifyingKeys, {
          verifyingKeyHash: version.zkVerifyingKeyHash,
          verifier: version.zkVerifier,
          modelId: job.job.modelId,
          version: job.job.version,
        })
      : undefined;
  return {
    ...base,
    storedCommitment: state.storedCommitment,
    fulfilled: state.fulfilled,
    call: state.call,
    version,
    verifyingKey,
    confirmations: state.confirmations,
  };
}

async function quorumJobData(client: VerityClient, parameters: VerifyJobParameters, ctx: JobContext): Promise<QuorumJobData> {
  const { hub, jobId } = parameters;
  const { job } = ctx;
  const base = unfulfilledData(parameters, ctx);
  const f = job.fulfillment;
  if (!f) {
    return {
      ...base,
      storedCommitment: job.commitment,
      fulfilled: undefined,
      call: undefined,
      version: undefined,
      confirmations: 0n,
      operatorRegistry: undefined,
      stakes: undefined,
      credited: undefined,
    };
  }
  const blockNumber = f.blockNumber;
  const [state, operatorRegistry, credited] = await Promise.all([
    readRecordingState(client, hub, job, f),
    withVerityErrors(() =>
      readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "operatorRegistry", blockNumber }),
    ),
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
  let stakes: readonly bigint[] | undefined;
  if (state.call) {
    let signers: Address[] | undefined;
    try {
      signers = parseQuorumAttestation(state.call.attestation).map((v) => v.signer);
    } catch {
      // A malformed attestation is reported by the attestation check.
    }
    if (signers) {
      stakes = await withVerityErrors(() =>
        readContract(client, {
          address: operatorRegistry,
          abi: operatorRegistryAbi,
          functionName: "bondedStakes",
          args: [signers],
          blockNumber,
        }),
      );
    }
  }
  const event = credited.find((l) => l.transactionHash === f.transactionHash);
  return {
    ...base,
    storedCommitment: state.storedCommitment,
    fulfilled: state.fulfilled,
    call: state.call,
    version: state.version,
    confirmations: state.confirmations,
    operatorRegistry,
    stakes,
    credited: event ? [...event.args.operators] : undefined,
  };
}

async function optimisticJobData(
  client: VerityClient,
  parameters: VerifyJobParameters,
  ctx: JobContext,
): Promise<OptimisticJobData> {
  const { hub, jobId } = parameters;
  const { job } = ctx;
  const base = unfulfilledData(parameters, ctx);
  const range = { address: hub, abi: inferenceHubAbi, args: { jobId }, fromBlock: job.requested.blockNumber, toBlock: "latest", strict: true } as const;
  const [proposedLogs, challengedLogs, resolvedLogs, finalizedLogs, expiredLogs, latest, operatorRegistry] = await withVerityErrors(() =>
    Promise.all([
      getContractEvents(client, { ...range, eventName: "ResultProposed" }),
      getContractEvents(client, { ...range, eventName: "ResultChallenged" }),
      getContractEvents(client, { ...range, eventName: "ChallengeResolved" }),
      getContractEvents(client, { ...range, eventName: "ResultFinalized" }),
      getContractEvents(client, { ...range, eventName: "ChallengeExpired" }),
      getBlock(client, { blockTag: "latest" }),
      readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "operatorRegistry" }),
    ]),
  );
  const timestampOf = (blockNumber: bigint) =>
    withVerityErrors(() => getBlock(client, { blockNumber })).then((b) => b.timestamp);

  const p = proposedLogs.at(-1);
  const proposal = p && {
    ...location(p),
    timestamp: await timestampOf(p.blockNumber),
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
    ...location(c),
    timestamp: await timestampOf(c.blockNumber),
    challenger: c.args.challenger,
    proposer: c.args.proposer,
    outputHash: c.args.outputHash,
    bond: c.args.bond,
    resolveBy: BigInt(c.args.resolveBy),
  };

  const r = resolvedLogs.at(-1);
  let resolution: OptimisticJobData["resolution"];
  if (r) {
    const [tx, receipt, timestamp] = await Promise.all([
      withVerityErrors(() => getTransaction(client, { hash: r.transactionHash })),
      withVerityErrors(() => getTransactionReceipt(client, { hash: r.transactionHash })),
      timestampOf(r.blockNumber),
    ]);
    let call: NonNullable<OptimisticJobData["resolution"]>["call"];
    if (tx.to && isAddressEqual(tx.to, hub)) {
      try {
        const decoded = decodeFunctionData({ abi: inferenceHubAbi, data: tx.input });
        if (decoded.functionName === "resolveChallenge" && decoded.args[0] === jobId) {
          call = { job: { ...decoded.args[1] }, result: { ...decoded.args[2] }, attestation: decoded.args[3] };
        }
      } catch {
        // Not a hub call the ABI knows: reported by the attestation check.
      }
    }
    const slashed = parseEventLogs({ abi: operatorRegistryAbi, eventName: "OperatorSlashed", logs: receipt.logs }).find(
      (l) => isAddressEqual(l.address, operatorRegistry) && l.args.jobId === jobId,
    );
    resolution = {
      ...location(r),
      timestamp,
      proposer: r.args.proposer,
      challenger: r.args.challenger,
      proposalUpheld: r.args.proposalUpheld,
      proposedOutputHash: r.args.proposedOutputHash,
      provenOutputHash: r.args.provenOutputHash,
      bondsAwarded: r.args.bondsAwarded,
      slashed: r.args.slashed,
      resolver: r.args.resolver,
      call,
      slashEvent: slashed && { operator: slashed.args.operator, amount: slashed.args.amount, recipient: slashed.args.recipient },
    };
  }
  const fin = finalizedLogs.at(-1);
  const finalized = fin && {
    ...location(fin),
    timestamp: await timestampOf(fin.blockNumber),
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
    withVerityErrors(() => readVersion(client, hub, job, versionBlock)),
    f
      ? withVerityErrors(() =>
          readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "getJob", args: [jobId], blockNumber: f.blockNumber }),
        ).then(([, commitment]) => commitment)
      : Promise.resolve(job.commitment),
  ]);
  const verifyingKey =
    resolution && version && BigInt(version.zkVerifyingKeyHash) !== 0n
      ? await findVerifyingKey(parameters.zkVerifyingKeys, {
          verifyingKeyHash: version.zkVerifyingKeyHash,
          verifier: version.zkVerifier,
          modelId: job.job.modelId,
          version: job.job.version,
        })
      : undefined;
  return {
    jobId,
    hub,
    chainId: base.chainId,
    rpcChainId: base.rpcChainId,
    status: job.status,
    storedCommitment,
    requested: base.requested,
    latest: { blockNumber: latest.number, timestamp: latest.timestamp },
    proposal,
    challenge,
    resolution,
    finalized,
    fulfilled: f && { blockNumber: f.blockNumber, operator: f.operator, outputHash: f.outputHash, output: f.output, outputURI: f.outputURI },
    expired,
    version,
    verifyingKey,
    confirmations: f && latest.number >= f.blockNumber ? latest.number - f.blockNumber + 1n : 0n,
    minConfirmations: base.minConfirmations,
    offchain: base.offchain,
  };
}

/** Reads the job and gathers its data with `gather`, refusing a job of another mode. */
async function jobDataOfMode<T>(
  client: VerityClient,
  parameters: VerifyJobParameters,
  mode: number,
  gather: (client: VerityClient, parameters: VerifyJobParameters, ctx: Awaited<ReturnType<typeof readJobContext>>) => Promise<T>,
): Promise<T> {
  const ctx = await readJobContext(client, parameters);
  if (ctx.job.job.mode !== mode) throw unsupported(ctx);
  return gather(client, parameters, ctx);
}

/** Gathers a TEE job's chain data for {@link verifyTeeJobData}: events, the fulfil calldata, and state at its block. */
export function getTeeJobData(client: VerityClient, parameters: VerifyJobParameters): Promise<TeeJobData> {
  return jobDataOfMode(client, parameters, VerityMode.tee, teeJobData);
}

/**
 * Gathers a ZK job's chain data for `verifyZkJobData`: events, the fulfil calldata (the attestation), the model
 * version at the recording block, and the verifying key the caller gave for its `zkVerifyingKeyHash`.
 */
export function getZkJobData(client: VerityClient, parameters: VerifyJobParameters): Promise<ZkJobData> {
  return jobDataOfMode(client, parameters, VerityMode.zk, zkJobData);
}

/**
 * Gathers a QUORUM job's chain data for `verifyQuorumJobData`: events, the fulfil calldata (the votes), the
 * signers' bonded stakes and the model version at the recording block, and the operators the hub credited.
 */
export function getQuorumJobData(client: VerityClient, parameters: VerifyJobParameters): Promise<QuorumJobData> {
  return jobDataOfMode(client, parameters, VerityMode.quorum, quorumJobData);
}

/**
 * Gathers an OPTIMISTIC job's chain data for `verifyOptimisticJobData`: the proposal, challenge, resolution
 * (with its `resolveChallenge` calldata and the registry's slashing), finalization or expiry events, the
 * proposer's stake at the proposal block, and the model version and verifying key for a resolution's proof.
 */
export function getOptimisticJobData(client: VerityClient, parameters: VerifyJobParameters): Promise<OptimisticJobData> {
  return jobDataOfMode(client, parameters, VerityMode.optimistic, optimisticJobData);
}

/**
 * Re-checks a TEE, ZK, QUORUM or OPTIMISTIC job from chain data alone: the request and fulfilment events, the fulfil transaction's
 * calldata (the attestation), and state AT the block the result was recorded in, so a measurement revoked later
 * does not void an honest past result, and one revoked before does. TEE: the enclave signature, the key's
 * registration and its measurement's approval. ZK: the attestation's tensors, the model version's circuit, the
 * verifying key against the hash on chain (keys come from `zkVerifyingKeys`), and the Groth16 proof, with
 * snarkjs loaded on first use. QUORUM: each vote's signature, the signers' distinctness, their bonded stakes at
 * the recording block against the job's minimum, and the threshold k (the report lists signers and stakes).
 * OPTIMISTIC: the proposal, the challenge window, any challenge (who, when) and its resolution, whose ZK proof is
 * re-verified with snarkjs against the verifying key whose hash is on chain, the slashing of a wrong proposer,
 * and finality. Returns a report with each check's verdict and the overall one (`pending` until fulfilled and
 * final: an OPTIMISTIC job in its window or awaiting a proof is pending).
 *
 * @example
 * ```ts
 * const report = await verifyJob(publicClient, { hub, jobId, confirmations: 12n, zkVerifyingKeys: { [vkHash]: vkey } });
 * console.log(report.verdict);
 * for (const c of report.checks) console.log(c.ok ? "ok  " : "FAIL", c.name, c.detail);
 * ```
 */
export async function verifyJob(client: VerityClient, parameters: VerifyJobParameters): Promise<VerifyJobReturnType> {
  const ctx = await readJobContext(client, parameters);
  switch (ctx.job.job.mode) {
    case VerityMode.tee:
      return verifyTeeJobData(await teeJobData(client, parameters, ctx));
    case VerityMode.zk: {
      const [data, { verifyZkJobData }] = await Promise.all([
        zkJobData(client, parameters, ctx),
        import("../proofs/verifyZkJob.js"),
      ]);
      return verifyZkJobData(data);
    }
    case VerityMode.quorum:
      return verifyQuorumJobData(await quorumJobData(client, parameters, ctx));
    case VerityMode.optimistic: {
      const [data, { verifyOptimisticJobData }] = await Promise.all([
        optimisticJobData(client, parameters, ctx),
        import("../proofs/verifyOptimisticJob.js"),
      ]);
      return verifyOptimisticJobData(data);
    }
    default:
      throw unsupported(ctx);
  }
}
