import { type Address, type BlockNumber, type Hex, type Transaction, decodeFunctionData, isAddressEqual } from "viem";
import { getBlockNumber, getChainId, getTransaction, readContract } from "viem/actions";
import { inferenceHubAbi, operatorRegistryAbi } from "../abis.js";
import { MEASUREMENT_STATUSES, VerityMode, modeLabel } from "../constants.js";
import type { JobNotFoundError, RpcUnreachableError } from "../errors/index.js";
import { ContractRevertError } from "../errors/contract.js";
import { InvalidAttestationError, VerificationModeNotSupportedError } from "../errors/job.js";
import { toVerityError, withVerityErrors } from "../errors/decode.js";
import type { VerifyJobReport } from "../proofs/report.js";
import { parseTeeAttestation, recoverResultSigner } from "../proofs/tee.js";
import { type TeeJobData, type TeeRegistryState, verifyTeeJobData } from "../proofs/verifyTeeJob.js";
// Types only: the ZK modules (and snarkjs) are imported lazily, for ZK jobs, so the light entry never loads them.
import type { ZkJobData, ZkVerifyingKeyLoader, ZkVerifyingKeys } from "../proofs/verifyZkJob.js";
import type { Groth16VerifyingKey } from "../proofs/zk.js";
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
   * ZK jobs: Groth16 verifying keys by the hash a model version records (`vkeyHash(vkey)`), or a loader called
   * with that hash. Without the key, a ZK job's `verifyingKey` and `proof` checks fail. In Node,
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

/** The fulfil transaction, the latest block, and the job's slot and model version at the recording block. */
async function readRecordingState(client: VerityClient, hub: Address, job: Job, f: Fulfillment) {
  const blockNumber = f.blockNumber;
  const [tx, latest, [, storedCommitment], version] = await withVerityErrors(() =>
    Promise.all([
      getTransaction(client, { hash: f.transactionHash }),
      getBlockNumber(client, { cacheTime: 0 }),
      readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "getJob", args: [job.jobId], blockNumber }),
      readContract(client, {
        address: hub,
        abi: inferenceHubAbi,
        functionName: "getVersion",
        args: [job.job.modelId, job.job.version],
        blockNumber,
      }).then(
        (v): ModelVersion => ({ ...v }),
        // Reverts with ModelUnknownVersion when absent; any other failure is rethrown.
        (err: unknown) => {
          const e = toVerityError(err);
          if (e instanceof ContractRevertError && e.errorName === "ModelUnknownVersion") return undefined;
          throw e;
        },
      ),
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

/** Gathers a TEE job's chain data for {@link verifyTeeJobData}: events, the fulfil calldata, and state at its block. */
export async function getTeeJobData(client: VerityClient, parameters: VerifyJobParameters): Promise<TeeJobData> {
  const ctx = await readJobContext(client, parameters);
  if (ctx.job.job.mode !== VerityMode.tee) throw unsupported(ctx);
  return teeJobData(client, parameters, ctx);
}

/**
 * Gathers a ZK job's chain data for `verifyZkJobData`: events, the fulfil calldata (the attestation), the model
 * version at the recording block, and the verifying key the caller gave for its `zkVerifyingKeyHash`.
 */
export async function getZkJobData(client: VerityClient, parameters: VerifyJobParameters): Promise<ZkJobData> {
  const ctx = await readJobContext(client, parameters);
  if (ctx.job.job.mode !== VerityMode.zk) throw unsupported(ctx);
  return zkJobData(client, parameters, ctx);
}

/**
 * Re-checks a TEE or ZK job from chain data alone: the request and fulfilment events, the fulfil transaction's
 * calldata (the attestation), and state AT the block the result was recorded in, so a measurement revoked later
 * does not void an honest past result, and one revoked before does. TEE: the enclave signature, the key's
 * registration and its measurement's approval. ZK: the attestation's tensors, the model version's circuit, the
 * verifying key against the hash on chain (keys come from `zkVerifyingKeys`), and the Groth16 proof, with
 * snarkjs loaded on first use. Returns a report with each check's verdict and the overall one (`pending` until
 * fulfilled and final).
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
    default:
      throw unsupported(ctx);
  }
}
