import { type Address, type Hex, isAddressEqual, keccak256, zeroAddress } from "viem";
import { type KeyStatus, type MeasurementStatus, VerityMode } from "../constants.js";
import { INTEL_SGX_ROOT_CA_FINGERPRINT, enclaveKeyBindingDigest } from "../attestation/constants.js";
import {
  type JobDataBase, type OpeningCheckName, type ResultCheckName, NO_FULFIL_CALL, fail, finalityCheck, jobReport,
  jobStatement, modeCheck, modelVersionCheck, openingChecks, pass, reason, resultChecks, verdictOf,
} from "./checks.js";
import type { VerifyCheck, VerifyJobReport } from "./report.js";
import { type ResultMessage, parseTeeAttestation, recoverResultSigner, resultDigest } from "./tee.js";

/**
 * The checks of a TEE job's report; reported in the order chain, mode, commitment, inputHash, status, outputHash,
 * signature, keyRegistration, keyExpiry, evidence, measurementApproval, measurementPolicy, modelVersion, finality.
 */
export type TeeVerifyCheckName =
  | OpeningCheckName | ResultCheckName
  | "signature" | "keyRegistration" | "keyExpiry" | "evidence" | "measurementApproval" | "measurementPolicy"
  | "modelVersion" | "finality";

/**
 * How a TEE key's evidence is re-verified. The defaults are production's: the AWS Nitro root G1 and Intel's SGX
 * root CA, no debug enclave, no development evidence.
 */
export type TeeAttestationPolicy = {
  /** Nitro root certificates (PEM) to trust; default [AWS_NITRO_ROOT_G1_PEM]. Tests pass their own test root. */
  nitroRoots?: readonly string[] | undefined;
  /** The Intel root CA (DER) TDX quotes must chain to; default Intel's SGX root CA. */
  tdxRootCaDer?: Uint8Array | undefined;
  /** TDX TCB statuses to accept; default ["UpToDate"]. */
  acceptedTcbStatuses?: readonly string[] | undefined;
  /** How old a Nitro document may be when attested; default 3 hours. */
  maxAgeSeconds?: number | undefined;
  /** Accept debug-mode enclaves (never in production). */
  allowDebug?: boolean | undefined;
  /** Accept development evidence (the published development root and measurement: never in production). */
  allowDevelopment?: boolean | undefined;
};

/** The evidence verifiers' options for a policy, judged at `now` (unix seconds or a Date). */
export function evidenceVerifyOptions(policy: TeeAttestationPolicy, now: bigint | number | Date) {
  return {
    now,
    roots: policy.nitroRoots,
    rootCaDer: policy.tdxRootCaDer,
    acceptedTcbStatuses: policy.acceptedTcbStatuses,
    maxAgeSeconds: policy.maxAgeSeconds,
    allowDebug: policy.allowDebug,
    allowDevelopment: policy.allowDevelopment,
  };
}

/** Fetches evidence bytes by URI. */
export type EvidenceFetcher = (uri: string) => Promise<Uint8Array>;

/** The longest evidence URI a report quotes whole. */
const MAX_QUOTED_URI = 96;

/**
 * An evidence URI as reports quote it: whole when short, else its start and its length (a `data:` URI holds the
 * whole document, some 4 KB of base64, which would bury the report's reason).
 */
export function quoteEvidenceUri(uri: string): string {
  return uri.length <= MAX_QUOTED_URI ? uri : `${uri.slice(0, 48)}... (${uri.length} characters)`;
}

/**
 * The default evidence fetcher: `data:` URIs (base64 or percent-encoded) and `http(s):` URIs with `fetch`. Other
 * schemes throw; in Node, pass `readUri` from `verity-inference-node` to read `file:` URIs too.
 */
export async function fetchEvidence(uri: string): Promise<Uint8Array> {
  if (/^(https?|data):/i.test(uri)) {
    const response = await fetch(uri);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }
  throw new Error(`no fetcher for URI scheme of ${JSON.stringify(uri)} (pass fetchEvidence, or the evidence bytes)`);
}

/** The attestation of a key in force at the recording block (its `EnclaveKeyAttested` event) and its evidence. */
export type TeeKeyAttestation = {
  evidenceHash: Hex;
  evidenceURI: string;
  /** The attestation verifier that accepted it (the committee). */
  verifier: Address;
  /** Who vouched for it. */
  attestors: Address[];
  /** The key's expiry on this evidence. */
  expiresAt: bigint;
  /** Where it was accepted; the evidence is judged at this block's time. */
  blockNumber: bigint;
  timestamp: bigint;
  transactionHash: Hex;
  /** The evidence bytes, or why they could not be had. */
  evidence: { bytes: Uint8Array; problem?: undefined } | { bytes?: undefined; problem: string };
};

/** One check of a TEE job. */
export type TeeVerifyCheck = VerifyCheck<TeeVerifyCheckName>;

/** A TEE job's report: the common report with TEE checks, the enclave key and its measurement. */
export type TeeVerifyJobReport = VerifyJobReport<TeeVerifyCheckName>;

/**
 * Enclave key and measurement state at the recording block, for the key the signature recovers to; the
 * measurement is the one the key was registered on (`enclaveKey.measurement`).
 */
export type TeeRegistryState = {
  /** The enclave registry (the job's committed verifier). */
  enclaveRegistry: Address;
  /** The key this state is for. */
  key: Address;
  /** `EnclaveRegistry.getEnclaveKey(key)` (zero fields if unknown). */
  enclaveKey: {
    operator: Address;
    teeType: number;
    status: KeyStatus;
    registeredAt: number;
    expiresAt: number;
    measurement: Hex;
    evidenceHash: Hex;
    stake: bigint;
    releaseAt: number;
  };
  /** The recording block's timestamp. */
  blockTimestamp: bigint;
  /** The attestation in force at the recording block (undefined if no `EnclaveKeyAttested` holds the key's evidence). */
  attestation: TeeKeyAttestation | undefined;
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
  /** How to re-verify the key's evidence (default: production roots, nothing development or debug). */
  attestationPolicy?: TeeAttestationPolicy | undefined;
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
      fail("keyExpiry", `${why}, so it has no attestation`),
      fail("evidence", `${why}, so it has no evidence`),
      fail("measurementApproval", `${why}, so it has no measurement`),
      fail("measurementPolicy", `${why}, so it has no measurement`),
    );
  } else {
    const k = registered.enclaveKey;
    const active = k.status === "active";
    checks.push(
      !active
        ? fail("keyRegistration", `key ${key} is ${k.status} ${at} (operator ${k.operator})`)
        : !isAddressEqual(k.operator, fulfilled.operator)
          ? fail("keyRegistration", `key ${key} belongs to operator ${k.operator}, but the hub credited ${fulfilled.operator}`)
          : k.stake === 0n
            ? fail("keyRegistration", `key ${key} has no stake locked behind it ${at}`)
            : pass(
                "keyRegistration",
                `key ${key} is active for operator ${k.operator} on measurement ${measurement} ${at}, with ` +
                  `${k.stake} of stake locked behind it (registered at ${k.registeredAt})`,
              ),
      BigInt(k.expiresAt) >= registered.blockTimestamp
        ? pass("keyExpiry", `the key's attestation was in force at the recording block (expires at ${k.expiresAt})`)
        : fail("keyExpiry", `the key's attestation expired at ${k.expiresAt}, before the recording block (${registered.blockTimestamp})`),
      await evidenceCheck(data, registered, key),
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

/**
 * The key's evidence, down to the vendor's root: fetched by its URI, its hash the one on chain, verified (with the
 * policy's roots) as of the block its attestation was accepted in, for the key's TEE type, showing the key's
 * measurement, not a debug enclave, and binding the key to its operator at this registry on this chain.
 */
async function evidenceCheck(data: TeeJobData, registered: TeeRegistryState, key: Address): Promise<TeeVerifyCheck> {
  const a = registered.attestation;
  const k = registered.enclaveKey;
  if (!a) return fail("evidence", `no EnclaveKeyAttested event holds the key's evidence ${k.evidenceHash}`);
  if (a.evidence.problem !== undefined) return fail("evidence", a.evidence.problem);
  const hash = keccak256(a.evidence.bytes);
  if (hash !== a.evidenceHash) {
    return fail("evidence", `the evidence at ${quoteEvidenceUri(a.evidenceURI)} hashes to ${hash}, not ${a.evidenceHash} as on chain`);
  }
  const policy = data.attestationPolicy ?? {};
  const binding = enclaveKeyBindingDigest({ chainId: data.chainId, enclaveRegistry: registered.enclaveRegistry, key, operator: k.operator });
  try {
    const { verifyEvidence } = await import("../attestation/verify.js");
    const verified = await verifyEvidence(k.teeType, a.evidence.bytes, {
      ...evidenceVerifyOptions(policy, a.timestamp),
      binding,
      approvedMeasurements: [k.measurement],
    });
    const kind = verified.teeType === 1 ? "AWS Nitro document" : "Intel TDX quote";
    const origin =
      verified.teeType === 1
        ? `chains to root ${verified.rootFingerprint}${verified.development ? " (DEVELOPMENT evidence)" : ""}`
        : `chains to root ${verified.rootFingerprint}${verified.rootFingerprint === INTEL_SGX_ROOT_CA_FINGERPRINT ? " (Intel SGX root CA)" : ""}, TCB ${verified.tcbStatus}`;
    return pass(
      "evidence",
      `${kind} ${a.evidenceHash} (${quoteEvidenceUri(a.evidenceURI)}) ${origin}, was valid at block ${a.blockNumber}, shows measurement ` +
        `${k.measurement} and binds key ${key} to operator ${k.operator}; vouched for by ${a.attestors.join(", ") || "the verifier"}`,
    );
  } catch (err) {
    return fail("evidence", `the evidence at ${quoteEvidenceUri(a.evidenceURI)} does not verify: ${reason(err)}`);
  }
}
