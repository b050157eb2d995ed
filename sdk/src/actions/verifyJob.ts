import { VerityMode } from "../constants.js";
import type { JobNotFoundError, RpcUnreachableError, VerificationModeNotSupportedError } from "../errors/index.js";
import { type JobDataParameters, type ZkKeysParameters, readJobContext, unsupported } from "../internal/jobData.js";
import type { VerifyJobReport } from "../proofs/report.js";
import { verifyQuorumJobData } from "../proofs/verifyQuorumJob.js";
import { verifyTeeJobData } from "../proofs/verifyTeeJob.js";
import type { VerityClient } from "../types.js";
import { gatherOptimisticJobData } from "./getOptimisticJobData.js";
import { gatherQuorumJobData } from "./getQuorumJobData.js";
import { type GetTeeJobDataParameters, gatherTeeJobData } from "./getTeeJobData.js";
import { gatherZkJobData } from "./getZkJobData.js";
import { checkJobDataParameters } from "../internal/parameters.js";

export type VerifyJobParameters = JobDataParameters &
  ZkKeysParameters &
  Pick<GetTeeJobDataParameters, "attestation" | "evidence" | "fetchEvidence">;
export type VerifyJobReturnType = VerifyJobReport;
export type VerifyJobErrorType = JobNotFoundError | VerificationModeNotSupportedError | RpcUnreachableError;

/**
 * Re-checks a TEE, ZK, QUORUM or OPTIMISTIC job from chain data alone: the request and fulfilment events, the
 * fulfil transaction's calldata (the attestation), and state AT the block the result was recorded in, so a
 * measurement revoked later does not void an honest past result, and one revoked before does. TEE: the enclave
 * signature, the key's registration, stake and expiry, its attestation evidence re-verified down to the vendor's
 * root (fetched by its URI, checked against the hash on chain, judged as of the block it was attested in, with the
 * `attestation` policy's roots), and its measurement's approval and policy. ZK: the attestation's tensors, the model version's circuit, the
 * verifying key against the hash on chain (keys come from `zkVerifyingKeys`), and the Groth16 proof, with
 * the BN254 pairing (@noble/curves) loaded on first use. QUORUM: each vote's signature, the signers' distinctness, their bonded stakes at
 * the recording block against the job's minimum, and the threshold k (the report lists signers and stakes).
 * OPTIMISTIC: the proposal, the challenge window, any challenge (who, when) and its resolution, whose ZK proof is
 * re-verified (BN254 pairing) against the verifying key whose hash is on chain, the slashing of a wrong proposer,
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
  checkJobDataParameters("verifyJob", client, parameters);
  const ctx = await readJobContext(client, parameters);
  switch (ctx.job.job.mode) {
    case VerityMode.tee:
      return verifyTeeJobData(await gatherTeeJobData(client, parameters, ctx));
    case VerityMode.zk:
      return verifyWhenLoaded(
        gatherZkJobData(client, parameters, ctx),
        import("../proofs/verifyZkJob.js").then((m) => m.verifyZkJobData),
      );
    case VerityMode.quorum:
      return verifyQuorumJobData(await gatherQuorumJobData(client, parameters, ctx));
    case VerityMode.optimistic:
      return verifyWhenLoaded(
        gatherOptimisticJobData(client, parameters, ctx),
        import("../proofs/verifyOptimisticJob.js").then((m) => m.verifyOptimisticJobData),
      );
    default:
      throw unsupported(ctx);
  }
}

/**
 * Verifies `data` with `verifier` once both are there: the chain data is gathered while the mode's checks load.
 * The ZK and OPTIMISTIC checks (and the pairing library) are imported lazily, for their jobs only, so the light entry never
 * loads them.
 */
async function verifyWhenLoaded<T>(
  data: Promise<T>,
  verifier: Promise<(data: T) => Promise<VerifyJobReport>>,
): Promise<VerifyJobReport> {
  const [gathered, verify] = await Promise.all([data, verifier]);
  return verify(gathered);
}
