import { type Address, type Hex, isAddressEqual, keccak256, zeroAddress } from "viem";
import { type JobStatus, type MeasurementStatus, VerityMode, modeLabel, modesFromBitmask } from "../constants.js";
import { decodeTensor } from "../encoding/tensor.js";
import type { JobStruct, ModelVersion } from "../types.js";
import { jobCommitment, parseTeeAttestation, recoverResultSigner, splitStoredCommitment } from "./tee.js";

/** The checks of a TEE job's report, in the order they are reported. */
export type VerifyCheckName =
  | "status"
  | "chain"
  | "mode"
  | "commitment"
  | "inputHash"
  | "outputHash"
  | "signature"
  | "keyRegistration"
  | "measurementApproval"
  | "measurementPolicy"
  | "modelVersion"
  | "finality";

/** One check: whether it holds and why. `skipped` checks could not be made from chain data (e.g. URI data). */
export type VerifyCheck = { name: VerifyCheckName; ok: boolean; detail: string; skipped?: true };

/** A job's verification report. `pending`: not fulfilled yet, or not final yet; `invalid`: a check failed. */
export type VerifyJobReport = {
  jobId: bigint;
  verdict: "valid" | "invalid" | "pending";
  checks: VerifyCheck[];
  /** The block the result was recorded in; registry state is read at this block. */
  blockNumber: bigint | undefined;
  /** The operator the hub credited. */
  operator: Address | undefined;
  /** The enclave key the signature recovers to. */
  enclaveKey: Address | undefined;
  measurement: Hex | undefined;
  outputHash: Hex | undefined;
};

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

/** Everything a TEE job's verification needs, gathered from chain (see `verifyJob`) or built by hand. */
export type TeeJobData = {
  jobId: bigint;
  hub: Address;
  /** The chain the result is verified for: the chainId of the signature's domain. */
  chainId: number;
  /** The chain the RPC serves. */
  rpcChainId: number;
  /** The job's current status. */
  status: JobStatus;
  /** The hub's stored slot for the job (at the recording block when fulfilled). */
  storedCommitment: Hex;
  /** From `InferenceRequested`. */
  requested: { job: JobStruct; input: Hex | undefined; inputURI: string | undefined };
  /** From `InferenceFulfilled` (undefined while pending). */
  fulfilled:
    | {
        blockNumber: bigint;
        operator: Address;
        outputHash: Hex;
        output: Hex | undefined;
        outputURI: string | undefined;
      }
    | undefined;
  /** The decoded `fulfill(jobId, job, result, attestation)` call; undefined when the tx did not call the hub. */
  call:
    | {
        jobId: bigint;
        job: JobStruct;
        result: { output: Hex; outputURI: string; outputHash: Hex };
        attestation: Hex;
      }
    | undefined;
  /** Registry state at the recording block (undefined when no key could be recovered). */
  registry: TeeRegistryState | undefined;
  /** The model version at the recording block (undefined if it did not exist). */
  version: ModelVersion | undefined;
  /** Blocks on top of and including the recording block. */
  confirmations: bigint;
  /** Confirmations required for finality. */
  minConfirmations: bigint;
  /** Bytes of inputs and outputs given by URI, fetched by the caller, to check against their hashes. */
  offchain?: { input?: Hex | undefined; output?: Hex | undefined } | undefined;
};

const pass = (name: VerifyCheckName, detail: string): VerifyCheck => ({ name, ok: true, detail });
const fail = (name: VerifyCheckName, detail: string): VerifyCheck => ({ name, ok: false, detail });

function jobsEqual(a: JobStruct, b: JobStruct): boolean {
  return jobCommitment(0n, a) === jobCommitment(0n, b);
}

/** Checks inline (or fetched) tensor bytes against their recorded hash. */
function dataCheck(
  name: "inputHash" | "outputHash",
  what: string,
  recordedHash: Hex,
  inline: Hex | undefined,
  uri: string | undefined,
  fetched: Hex | undefined,
): VerifyCheck {
  const bytes = inline ?? fetched;
  if (bytes === undefined) {
    return {
      name,
      ok: true,
      skipped: true,
      detail: `the ${what} is off chain at ${uri ?? "(no URI)"}: hash ${recordedHash} is committed but the bytes were not given`,
    };
  }
  const computed = keccak256(bytes);
  if (computed !== recordedHash) {
    return fail(name, `keccak256 of the ${what} is ${computed}, but the recorded ${name} is ${recordedHash}`);
  }
  try {
    const t = decodeTensor(bytes);
    return pass(name, `${recordedHash}: a canonical ${t.dtype} tensor of shape [${t.shape.join(",")}]`);
  } catch (err) {
    return fail(name, `the ${what} hashes to ${recordedHash} but is not a canonical tensor: ${(err as Error).message.split("\n")[0]}`);
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
export async function verifyTeeJobData(data: TeeJobData): Promise<VerifyJobReport> {
  const { jobId, hub, chainId, requested, fulfilled, call, registry, version } = data;
  const job = requested.job;
  const checks: VerifyCheck[] = [];
  const report = (verdict: VerifyJobReport["verdict"], extra: Partial<VerifyJobReport> = {}): VerifyJobReport => ({
    jobId,
    verdict,
    checks,
    blockNumber: fulfilled?.blockNumber,
    operator: fulfilled?.operator,
    enclaveKey: undefined,
    measurement: undefined,
    outputHash: fulfilled?.outputHash,
    ...extra,
  });

  checks.push(
    chainId === data.rpcChainId
      ? pass("chain", `chain ${chainId}`)
      : fail("chain", `verifying for chain ${chainId}, but the RPC serves chain ${data.rpcChainId}`),
  );
  checks.push(
    job.mode === VerityMode.tee
      ? pass("mode", "TEE")
      : fail("mode", `the job's mode is ${modeLabel(job.mode)}, not TEE`),
  );
  const stored = splitStoredCommitment(data.storedCommitment);
  const computed = jobCommitment(jobId, job);
  checks.push(
    stored.commitmentPrefix.toLowerCase() === computed.slice(0, 64).toLowerCase()
      ? pass("commitment", `the requested job hashes to the stored commitment ${data.storedCommitment}`)
      : fail(
          "commitment",
          `the InferenceRequested job hashes to ${computed}, but the hub stores ${data.storedCommitment} (status byte aside)`,
        ),
  );
  checks.push(dataCheck("inputHash", "input", job.inputHash, requested.input, requested.inputURI, data.offchain?.input));

  if (data.status === "pending" || data.status === "none") {
    checks.push(fail("status", data.status === "pending" ? "the job has no result yet" : "the hub has no such job"));
    return report(data.status === "pending" ? "pending" : "invalid");
  }
  if (data.status === "refunded" || !fulfilled) {
    checks.push(fail("status", "the job was refunded after its deadline: it has no result"));
    return report("invalid");
  }
  const at = `at block ${fulfilled.blockNumber}`;
  checks.push(
    stored.status === "fulfilled"
      ? pass("status", `fulfilled ${at}`)
      : fail("status", `the job's InferenceFulfilled event is ${at}, but the hub stored status "${stored.status}" there`),
  );

  let outputCheck = dataCheck(
    "outputHash",
    "output",
    fulfilled.outputHash,
    fulfilled.output,
    fulfilled.outputURI,
    data.offchain?.output,
  );
  if (outputCheck.ok && call && (call.result.output !== (fulfilled.output ?? "0x") || !jobsEqual(call.job, job))) {
    outputCheck = fail("outputHash", "the fulfil calldata's job or output differs from the events");
  }
  checks.push(outputCheck);

  // Signature: the enclave key it recovers to under the hub's domain for `chainId`.
  let key: Address | undefined;
  if (!call) {
    checks.push(fail("signature", "the fulfil transaction does not call hub.fulfill directly: no attestation in its calldata"));
  } else {
    try {
      key = await recoverResultSigner({
        hub,
        chainId,
        jobId,
        modelId: job.modelId,
        version: job.version,
        inputHash: job.inputHash,
        outputHash: fulfilled.outputHash,
        signature: parseTeeAttestation(call.attestation).signature,
      });
    } catch (err) {
      checks.push(fail("signature", (err as Error).message.split("\n")[0]!));
    }
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
    checks.push(fail("keyRegistration", why));
    checks.push(fail("measurementApproval", `${why}, so it has no measurement`));
    checks.push(fail("measurementPolicy", `${why}, so it has no measurement`));
  } else {
    const k = registered.enclaveKey;
    if (!k.active) {
      checks.push(fail("keyRegistration", `key ${key} was revoked by its operator ${k.operator} ${at}`));
    } else if (!isAddressEqual(k.operator, fulfilled.operator)) {
      checks.push(fail("keyRegistration", `key ${key} belongs to operator ${k.operator}, but the hub credited ${fulfilled.operator}`));
    } else {
      checks.push(
        pass(
          "keyRegistration",
          `key ${key} is active for operator ${k.operator} on measurement ${measurement} ${at} ` +
            `(registered at ${k.registeredAt}, attestation document ${k.attestationDocHash})`,
        ),
      );
    }
    checks.push(
      registered.measurementStatus === "approved"
        ? pass("measurementApproval", `measurement ${measurement} is approved by governance ${at}`)
        : fail("measurementApproval", `measurement ${measurement} is ${registered.measurementStatus} ${at}`),
    );
    checks.push(
      registered.measurementAllowed
        ? pass("measurementPolicy", `the model owner allows measurement ${measurement} for version ${job.version} ${at}`)
        : fail(
            "measurementPolicy",
            `the model owner does not allow measurement ${measurement} for model ${job.modelId} version ${job.version} ${at}`,
          ),
    );
  }

  if (!version) {
    checks.push(fail("modelVersion", `model ${job.modelId} has no version ${job.version} ${at}`));
  } else if ((version.modes & (1 << job.mode)) === 0) {
    checks.push(
      fail(
        "modelVersion",
        `version ${job.version} supports ${modesFromBitmask(version.modes).map(modeLabel).join(", ")}, not ${modeLabel(job.mode)}`,
      ),
    );
  } else {
    checks.push(pass("modelVersion", `version ${job.version}: artifact ${version.artifactHash} at ${version.uri}`));
  }

  checks.push(
    data.confirmations >= data.minConfirmations
      ? pass("finality", `${data.confirmations} confirmation(s), ${data.minConfirmations} required`)
      : fail("finality", `${data.confirmations} confirmation(s), ${data.minConfirmations} required`),
  );

  const failed = checks.filter((c) => !c.ok);
  const verdict = failed.length === 0 ? "valid" : failed.every((c) => c.name === "finality") ? "pending" : "invalid";
  return report(verdict, { enclaveKey: key, measurement });
}
