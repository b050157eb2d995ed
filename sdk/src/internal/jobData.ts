import { type Address, type BlockNumber, type Hex, type Transaction, decodeFunctionData, isAddressEqual, keccak256 } from "viem";
import { getBlockNumber, getChainId, getContractEvents, getTransaction, readContract } from "viem/actions";
import { inferenceHubAbi, zkVerifierAbi } from "../abis.js";
import { modeLabel } from "../constants.js";
import { withVerityErrors } from "../errors/decode.js";
import { VerificationModeNotSupportedError } from "../errors/job.js";
import { UnknownModelVersionError } from "../errors/request.js";
import type { Fulfilled, JobDataBase } from "../proofs/checks.js";
// Types only: the ZK modules (and snarkjs) are imported lazily, for ZK jobs, so the light entry never loads them.
import type { ZkVerifyingKeyLoader, ZkVerifyingKeys } from "../proofs/verifyZkJob.js";
import type { Groth16VerifyingKey } from "../proofs/zk.js";
import type { Job, JobStruct, ModelVersion, VerityClient } from "../types.js";
import { readJob } from "./readJob.js";
import { readModelVersion } from "./readVersion.js";

/**
 * What the job-data readers (`getTeeJobData`, `getZkJobData`, `getQuorumJobData`, `getOptimisticJobData`) share:
 * reading the job and the chain, the job's state at its recording block, the fulfil calldata, the model version
 * and the caller's verifying keys.
 */

/** What every job-data reader takes. */
export type JobDataParameters = {
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
};

/** The verifying keys a reader of ZK proofs takes (ZK jobs, and OPTIMISTIC jobs settled by a challenge). */
export type ZkKeysParameters = {
  /**
   * Groth16 verifying keys by the hash a model version records (`vkeyHash(vkey)`), or a loader called with that
   * hash. Without the key, the `verifyingKey` and `proof` checks fail. In Node,
   * `zkVerifyingKeysFromFiles("circuits/build/verification_key.json")` builds the record.
   */
  zkVerifyingKeys?: ZkVerifyingKeys | undefined;
};

/** The job as read from chain, and the chain ids, before a mode's data is gathered. */
export type JobContext = { job: Job; chainId: number; rpcChainId: number };

/** Gathers one mode's data for a job whose context was read. */
export type JobDataGatherer<P extends JobDataParameters, T> = (
  client: VerityClient,
  parameters: P,
  ctx: JobContext,
) => Promise<T>;

export async function readJobContext(client: VerityClient, parameters: JobDataParameters): Promise<JobContext> {
  const { hub, jobId } = parameters;
  // Both at once: a verification is a chain of round trips, and these two do not depend on each other.
  const [rpcChainId, job] = await Promise.all([
    withVerityErrors(() => getChainId(client)),
    readJob(client, { hub, jobId, fromBlock: parameters.fromBlock }),
  ]);
  return { job, chainId: parameters.chainId ?? rpcChainId, rpcChainId };
}

export function unsupported({ job }: JobContext): VerificationModeNotSupportedError {
  return new VerificationModeNotSupportedError({ jobId: job.jobId, mode: job.job.mode, modeLabel: modeLabel(job.job.mode) });
}

/** Reads the job and gathers its data with `gather`, refusing a job of another mode. */
export async function jobDataOfMode<P extends JobDataParameters, T>(
  client: VerityClient,
  parameters: P,
  mode: number,
  gather: JobDataGatherer<P, T>,
): Promise<T> {
  const ctx = await readJobContext(client, parameters);
  if (ctx.job.job.mode !== mode) throw unsupported(ctx);
  return gather(client, parameters, ctx);
}

/** The fields every mode's data has before any fulfilment: the request, the chain ids, what the caller asked. */
export function requestedData(parameters: JobDataParameters, { job, chainId, rpcChainId }: JobContext) {
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

/** `InferenceFulfilled` as the verifiers read it. */
export function fulfilledOf(f: NonNullable<Job["fulfillment"]>): Fulfilled {
  const { blockNumber, operator, outputHash, output, outputURI } = f;
  return { blockNumber, operator, outputHash, output, outputURI };
}

/** Blocks on top of and including `blockNumber`, with `latest` the head. */
export function confirmationsOf(latest: bigint, blockNumber: bigint): bigint {
  return latest >= blockNumber ? latest - blockNumber + 1n : 0n;
}

/**
 * The common data of a TEE, ZK or QUORUM job: the request, and once fulfilled, the fulfil transaction's decoded
 * call, the job's slot and model version at the recording block, and the confirmations.
 */
export async function jobDataBase(client: VerityClient, parameters: JobDataParameters, ctx: JobContext): Promise<JobDataBase> {
  const { hub } = parameters;
  const { job } = ctx;
  const requested = requestedData(parameters, ctx);
  const f = job.fulfillment;
  if (!f) {
    return { ...requested, storedCommitment: job.commitment, fulfilled: undefined, call: undefined, version: undefined, confirmations: 0n };
  }
  const [tx, latest, storedCommitment, version] = await Promise.all([
    withVerityErrors(() => getTransaction(client, { hash: f.transactionHash })),
    withVerityErrors(() => getBlockNumber(client, { cacheTime: 0 })),
    storedCommitmentAt(client, hub, job.jobId, f.blockNumber),
    versionAt(client, hub, job.job, f.blockNumber),
  ]);
  return {
    ...requested,
    storedCommitment,
    fulfilled: fulfilledOf(f),
    call: decodeHubCall(tx, hub, job.jobId, "fulfill"),
    version,
    confirmations: confirmationsOf(latest, f.blockNumber),
  };
}

/**
 * The `fulfill` call `(jobId, job, result, attestation)` of the transaction, if it calls the hub for this job
 * (undefined otherwise: reported by the signature or attestation check).
 */
export function decodeHubCall(
  tx: Transaction,
  hub: Address,
  jobId: bigint,
  functionName: "fulfill",
): NonNullable<JobDataBase["call"]> | undefined {
  if (!tx.to || !isAddressEqual(tx.to, hub)) return undefined;
  try {
    const decoded = decodeFunctionData({ abi: inferenceHubAbi, data: tx.input });
    if (decoded.functionName === functionName) {
      const [callJobId, callJob, result, attestation] = decoded.args;
      if (callJobId === jobId) return { jobId: callJobId, job: { ...callJob }, result: { ...result }, attestation };
    }
  } catch {
    // Not a hub call the ABI knows.
  }
  return undefined;
}

/** The hub's stored slot for a job at a block. */
export function storedCommitmentAt(client: VerityClient, hub: Address, jobId: bigint, blockNumber: bigint): Promise<Hex> {
  return withVerityErrors(() =>
    readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "getJob", args: [jobId], blockNumber }),
  ).then(([, commitment]) => commitment);
}

/** The operator registry the hub names (at a block, default the latest). */
export function operatorRegistryAt(client: VerityClient, hub: Address, blockNumber?: bigint | undefined): Promise<Address> {
  return withVerityErrors(() =>
    readContract(client, {
      address: hub,
      abi: inferenceHubAbi,
      functionName: "operatorRegistry",
      ...(blockNumber === undefined ? {} : { blockNumber }),
    }),
  );
}

/** The job's model version at a block (undefined when it did not exist there). */
export async function versionAt(
  client: VerityClient,
  hub: Address,
  job: JobStruct,
  blockNumber: bigint | undefined,
): Promise<ModelVersion | undefined> {
  try {
    return await readModelVersion(client, { hub, modelId: job.modelId, version: job.version, blockNumber });
  } catch (err) {
    if (err instanceof UnknownModelVersionError) return undefined;
    throw err;
  }
}

/** The verifying key the caller gave for a version's `zkVerifyingKeyHash` (by record, case-insensitively, or by loader). */
export async function findVerifyingKey(
  keys: ZkVerifyingKeys | undefined,
  request: Parameters<ZkVerifyingKeyLoader>[0],
): Promise<Groth16VerifyingKey | undefined> {
  if (keys === undefined) return undefined;
  if (typeof keys === "function") return keys(request);
  const wanted = request.verifyingKeyHash.toLowerCase();
  return Object.entries(keys).find(([hash]) => hash.toLowerCase() === wanted)?.[1];
}

/**
 * The verifying key for the job's model version (undefined when the version records no key hash, or none is found):
 * the caller's `zkVerifyingKeys` first, else the chain's, published by `ZkVerifier.publishVerifyingKey` at
 * `zkVerifier` (the job's ZK verifier, or its dispute game's). The caller checks the key against the hash.
 */
export async function verifyingKeyFor(
  client: VerityClient,
  keys: ZkVerifyingKeys | undefined,
  job: JobStruct,
  version: ModelVersion | undefined,
  zkVerifier: Address,
): Promise<Groth16VerifyingKey | undefined> {
  if (!version || BigInt(version.zkVerifyingKeyHash) === 0n) return undefined;
  const given = await findVerifyingKey(keys, {
    verifyingKeyHash: version.zkVerifyingKeyHash,
    verifier: version.zkVerifier,
    modelId: job.modelId,
    version: job.version,
  });
  return given ?? publishedVerifyingKey(client, zkVerifier, version.zkVerifyingKeyHash);
}

/**
 * A verifying key published on chain (`ZkVerifyingKeyPublished` at `zkVerifier`) with this hash, decoded; the
 * first log whose bytes hash to it and decode canonically (anyone can publish, but only the key has its hash).
 */
export async function publishedVerifyingKey(client: VerityClient, zkVerifier: Address, verifyingKeyHash: Hex): Promise<Groth16VerifyingKey | undefined> {
  const logs = await withVerityErrors(() =>
    getContractEvents(client, {
      address: zkVerifier,
      abi: zkVerifierAbi,
      eventName: "ZkVerifyingKeyPublished",
      args: { verifyingKeyHash },
      fromBlock: 0n,
      toBlock: "latest",
      strict: true,
    }),
  );
  if (logs.length === 0) return undefined;
  const { decodeVerifyingKey } = await import("../proofs/zk.js");
  for (const log of logs) {
    if (keccak256(log.args.verifyingKey).toLowerCase() !== verifyingKeyHash.toLowerCase()) continue;
    try {
      return decodeVerifyingKey(log.args.verifyingKey);
    } catch {
      // Not canonical: the hash matched other bytes than the key's encoding. Try the next.
    }
  }
  return undefined;
}
