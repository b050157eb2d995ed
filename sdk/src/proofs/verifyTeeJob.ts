import { type Address, type Hex, isAddressEqual, zeroAddress } from "viem";
import { type MeasurementStatus, VerityMode } from "../constants.js";
import {
  type JobDataBase, type OpeningCheckName, type ResultCheckName, NO_FULFIL_CALL, fail, finalityCheck, jobReport,
  jobStatement, modeCheck, modelVersionCheck, openingChecks, pass, reason, resultChecks, verdictOf,
} from "./checks.js";
import type { VerifyCheck, VerifyJobReport } from "./report.js";
import { type ResultMessage, parseTeeAttestation, recoverResultSigner, resultDigest } from "./tee.js";

/**
 * The checks of a TEE job's report; reported in the order chain, mode, commitment, inputHash, status, outputHash,
 * signature, keyRegistration, measurementApproval, measurementPolicy, modelVersion, finality.
 */
export type TeeVerifyCheckName =
  | OpeningCheckName | ResultCheckName
  | "signature" | "keyRegistration" | "measurementApproval" | "measurementPolicy" | "modelVersion" | "finality";

/** One check of a TEE job. */
export type TeeVerifyCheck = VerifyCheck<TeeVerifyCheckName>;

/** A TEE job's report: the common report with TEE checks, the enclave key and its measurement. */
export type TeeVerifyJobReport = VerifyJobReport<TeeVerifyCheckName>;

/**
 * Enclave key and measurement state at the recording block, for the key the signature recovers to; the
 * measurement is the one the key was registered on (`enclaveKey.measurement`).
 */
export type TeeRegistryState = {
  /** The key this state is for. */
  key: Address;
  /** `OperatorRegistry.getEnclaveKey(key)` (zero fields if unknown). */
  enclaveKey: { operator: Address; measurement: Hex; attestationDocHash: Hex; registeredAt: bigint; active: boolean };
  /** `activeEnclaveOperator(key, measurement)`: zero unless the key is active on an approved measurement. */
  activeOperator: Address;
  /** `measurementStatus(measurement)`. */
  measurementStatus: MeasurementStatus;
  /** `isMeasurementAllowed(modelId, version, measurement)`. */
  measurementAllowed: boolean;
};

/** The enclave key a TEE attestation recovers to for one result, or why no key could be recovered. */
export type TeeSignerRecovery = {
  /** The digest of the result the attestation was recovered for (`resultDigest`): the key holds for it only. */
  digest: Hex;
  /** The attestation recovered from. */
  attestation: Hex;
} & ({ key: Address; problem?: undefined } | { key?: undefined; problem: string });

/**
 * Everything a TEE job's verification needs, gathered from chain (see `getTeeJobData`) or built by hand: the common
 * job data, the registry state for the key the signature recovers to, and that key.
 */
export type TeeJobData = JobDataBase & {
  /** Registry state at the recording block (undefined when no key could be recovered). */
  registry: TeeRegistryState | undefined;
  /**
   * The signer the gatherer recovered from the fulfil calldata's attestation (undefined without one, or when
   * built by hand). `verifyTeeJobData` uses it when it is for the data's own result and attestation, and recovers
   * the signer itself otherwise.
   */
  signer?: TeeSignerRecovery | undefined;
};

/**
 * The enclave key `attestation` recovers to for `message` (with the contract's rules), or why none can be. Returns
 * `recovered` itself when it is already for this message and attestation, so the signer is recovered once.
 *
 * @example
 * ```ts
 * const signer = await recoverTeeSigner(resultMessage, attestation);
 * console.log(signer.key ?? signer.problem);
 * ```
 */
export async function recoverTeeSigner(
  message: ResultMessage,
  attestation: Hex,
  recovered?: TeeSignerRecovery | undefined,
): Promise<TeeSignerRecovery> {
  const digest = resultDigest(message);
  if (recovered && recovered.digest === digest && recovered.attestation === attestation) return recovered;
  try {
    const key = await recoverResultSigner({ ...message, signature: parseTeeAttestation(attestation).signature });
    return { digest, attestation, key };
  } catch (err) {
    return { digest, attestation, problem: reason(err) };
  }
}

/**
 * Re-checks a TEE job from its chain data alone (pure: no client). Each check says what holds or why not:
 * commitment, input and output hashes, the enclave signature under the hub's domain for `chainId`, the key's
 * registration, measurement approval and the model owner's measurement policy at the recording block, the
 * model version, and finality.
 *
 * @example
 * ```ts
 * const report = await verifyTeeJobData(data);
 * if (report.verdict !== "valid") console.log(report.checks.filter((c) => !c.ok));
 * ```
 */
export async function verifyTeeJobData(data: TeeJobData): Promise<TeeVerifyJobReport> {
  const { hub, chainId, call, registry } = data;
  const job = data.requested.job;
  const checks: TeeVerifyCheck[] = openingChecks(data, modeCheck(job, VerityMode.tee));
  const result = resultChecks(data);
  checks.push(...result.checks);
  if (result.verdict) return jobReport(data, checks, result.verdict);
  const { fulfilled, at } = result;

  // Signature: the enclave key it recovers to under the hub's domain for `chainId`.
  let key: Address | undefined;
  if (!call) {
    checks.push(fail("signature", NO_FULFIL_CALL));
  } else {
    const signer = await recoverTeeSigner(jobStatement(data, fulfilled), call.attestation, data.signer);
    if (signer.problem !== undefined) checks.push(fail("signature", signer.problem));
    key = signer.key;
  }
  const keyState = key && registry && isAddressEqual(registry.key, key) ? registry : undefined;
  const registered = keyState && !isAddressEqual(keyState.enclaveKey.operator, zeroAddress) ? keyState : undefined;
  const measurement = registered?.enclaveKey.measurement;
  if (key) {
    checks.push(
      registered
        ? pass("signature", `signed by enclave key ${key} under hub ${hub}'s domain on chain ${chainId}`)
        : fail(
            "signature",
            `under hub ${hub}'s domain on chain ${chainId}, the signature recovers to ${key}, which is not a registered ` +
              `enclave key ${at}: it was made over another result, job, hub or chain`,
          ),
    );
  }

  if (!registered || !key || !measurement) {
    const why = !key
      ? "no enclave key could be recovered"
      : !keyState
        ? `no registry state was read for key ${key}`
        : `key ${key} is not registered ${at}`;
    checks.push(
      fail("keyRegistration", why),
      fail("measurementApproval", `${why}, so it has no measurement`),
      fail("measurementPolicy", `${why}, so it has no measurement`),
    );
  } else {
    const k = registered.enclaveKey;
    checks.push(
      !k.active
        ? fail("keyRegistration", `key ${key} was revoked by its operator ${k.operator} ${at}`)
        : !isAddressEqual(k.operator, fulfilled.operator)
          ? fail("keyRegistration", `key ${key} belongs to operator ${k.operator}, but the hub credited ${fulfilled.operator}`)
          : pass(
              "keyRegistration",
              `key ${key} is active for operator ${k.operator} on measurement ${measurement} ${at} ` +
                `(registered at ${k.registeredAt}, attestation document ${k.attestationDocHash})`,
            ),
      registered.measurementStatus === "approved"
        ? pass("measurementApproval", `measurement ${measurement} is approved by governance ${at}`)
        : fail("measurementApproval", `measurement ${measurement} is ${registered.measurementStatus} ${at}`),
      registered.measurementAllowed
        ? pass("measurementPolicy", `the model owner allows measurement ${measurement} for version ${job.version} ${at}`)
        : fail(
            "measurementPolicy",
            `the model owner does not allow measurement ${measurement} for model ${job.modelId} version ${job.version} ${at}`,
          ),
    );
  }

  checks.push(modelVersionCheck(job, data.version, at), finalityCheck(data));
  return { ...jobReport(data, checks, verdictOf(checks)), enclaveKey: key, measurement };
}
