import { type Address, type BlockNumber, type Hex, decodeFunctionData, isAddressEqual } from "viem";
import { getBlockNumber, getChainId, getTransaction, readContract } from "viem/actions";
import { inferenceHubAbi, operatorRegistryAbi } from "../abis.js";
import { MEASUREMENT_STATUSES, VerityMode, modeLabel } from "../constants.js";
import type { JobNotFoundError, RpcUnreachableError } from "../errors/index.js";
import { ContractRevertError } from "../errors/contract.js";
import { InvalidAttestationError, VerificationModeNotSupportedError } from "../errors/job.js";
import { toVerityError, withVerityErrors } from "../errors/decode.js";
import { parseTeeAttestation, recoverResultSigner } from "../proofs/tee.js";
import {
  type TeeJobData,
  type TeeRegistryState,
  type VerifyJobReport,
  verifyTeeJobData,
} from "../proofs/verifyTeeJob.js";
import type { ModelVersion, VerityClient } from "../types.js";
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
};
export type VerifyJobReturnType = VerifyJobReport;
export type VerifyJobErrorType = JobNotFoundError | VerificationModeNotSupportedError | RpcUnreachableError;

/** Gathers a TEE job's chain data for {@link verifyTeeJobData}: events, the fulfil calldata, and state at its block. */
export async function getTeeJobData(client: VerityClient, parameters: VerifyJobParameters): Promise<TeeJobData> {
  const { hub, jobId } = parameters;
  const rpcChainId = await withVerityErrors(() => getChainId(client));
  const chainId = parameters.chainId ?? rpcChainId;
  const job = await getJob(client, { hub, jobId, fromBlock: parameters.fromBlock });
  if (job.job.mode !== VerityMode.tee) {
    throw new VerificationModeNotSupportedError({ jobId, mode: job.job.mode, modeLabel: modeLabel(job.job.mode) });
  }
  const base = {
    jobId,
    hub,
    chainId,
    rpcChainId,
    status: job.status,
    requested: { job: job.job, input: job.input, inputURI: job.inputURI },
    minConfirmations: parameters.confirmations ?? 1n,
    offchain: parameters.offchain,
  };
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
  const [tx, latest, [, storedCommitment], operatorRegistry, version] = await withVerityErrors(() =>
    Promise.all([
      getTransaction(client, { hash: f.transactionHash }),
      getBlockNumber(client, { cacheTime: 0 }),
      readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "getJob", args: [jobId], blockNumber }),
      readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "operatorRegistry", blockNumber }),
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

  let call: TeeJobData["call"];
  if (tx.to && isAddressEqual(tx.to, hub)) {
    try {
      const decoded = decodeFunctionData({ abi: inferenceHubAbi, data: tx.input });
      if (decoded.functionName === "fulfill") {
        const [callJobId, callJob, result, attestation] = decoded.args;
        if (callJobId === jobId) call = { jobId: callJobId, job: { ...callJob }, result: { ...result }, attestation };
      }
    } catch {
      // Not a hub call the ABI knows: reported by the signature check.
    }
  }

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
    storedCommitment,
    fulfilled: {
      blockNumber,
      operator: f.operator,
      outputHash: f.outputHash,
      output: f.output,
      outputURI: f.outputURI,
    },
    call,
    registry,
    version,
    confirmations: latest >= blockNumber ? latest - blockNumber + 1n : 0n,
  };
}

/**
 * Re-checks a TEE job from chain data alone: the request and fulfilment events, the fulfil transaction's
 * calldata (the attestation), and the registries' state AT the block the result was recorded in, so a
 * measurement revoked later does not void an honest past result, and one revoked before does. Returns a report
 * with each check's verdict and the overall one (`pending` until fulfilled and final).
 *
 * @example
 * ```ts
 * const report = await verifyJob(publicClient, { hub, jobId, confirmations: 12n });
 * console.log(report.verdict);
 * for (const c of report.checks) console.log(c.ok ? "ok  " : "FAIL", c.name, c.detail);
 * ```
 */
export async function verifyJob(client: VerityClient, parameters: VerifyJobParameters): Promise<VerifyJobReturnType> {
  return verifyTeeJobData(await getTeeJobData(client, parameters));
}
