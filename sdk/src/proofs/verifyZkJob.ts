import { type Address, BaseError, type Hex, keccak256, zeroAddress, zeroHash } from "viem";
import { VerityMode, modeLabel, modesFromBitmask } from "../constants.js";
import { decodeTensor } from "../encoding/tensor.js";
import { ZkProofError } from "../errors/zk.js";
import type { JobStruct } from "../types.js";
import { jobCommitment, splitStoredCommitment } from "./tee.js";
import type { TeeJobData } from "./verifyTeeJob.js";
import {
  BN254_SCALAR_FIELD,
  type Groth16VerifyingKey,
  ZK_PUBLIC_SIGNALS,
  packInput,
  packOutput,
  verifyMlpProof,
  vkeyHash,
} from "./zk.js";
import { type ZkAttestation, parseZkAttestation, snarkjsProofFromSolidity } from "./zkAttestation.js";

/**
 * Re-verification of ZK jobs (mode 2) from chain data, as a pure function (no client). This module loads the ZK
 * code (snarkjs itself only when a proof is verified), so the light `verity` entry imports it lazily: `verifyJob`
 * does `await import(...)` for ZK jobs only.
 */

/** The checks of a ZK job's report, in the order they are reported. */
export type ZkVerifyCheckName =
  | "chain"
  | "mode"
  | "commitment"
  | "inputHash"
  | "status"
  | "outputHash"
  | "attestation"
  | "tensors"
  | "modelVersion"
  | "verifyingKey"
  | "proof"
  | "finality";

/** One check of a ZK job: whether it holds and why (`skipped`: could not be made, e.g. URI data not given). */
export type ZkVerifyCheck = { name: ZkVerifyCheckName; ok: boolean; detail: string; skipped?: true };

/** The ZK circuit a version named at the recording block. */
export type ZkCircuit = { verifier: Address; modelCommitment: Hex; verifyingKeyHash: Hex };

/** A ZK job's report: the TEE report's shape, with ZK checks, no enclave key, and the version's circuit. */
export type VerifyZkJobReport = {
  jobId: bigint;
  verdict: "valid" | "invalid" | "pending";
  checks: ZkVerifyCheck[];
  /** The block the result was recorded in; the model version is read at this block. */
  blockNumber: bigint | undefined;
  /** The operator the hub credited (the account that sent the fulfilment). */
  operator: Address | undefined;
  enclaveKey: undefined;
  measurement: undefined;
  outputHash: Hex | undefined;
  /** The version's circuit at the recording block (undefined when the version has none). */
  zk: ZkCircuit | undefined;
};

/** Finds the verifying key for a version's `zkVerifyingKeyHash` (undefined when it has none for it). */
export type ZkVerifyingKeyLoader = (request: {
  verifyingKeyHash: Hex;
  verifier: Address;
  modelId: Hex;
  version: number;
}) => Groth16VerifyingKey | undefined | Promise<Groth16VerifyingKey | undefined>;

/**
 * Verifying keys for ZK jobs: by `vkeyHash` (the hash a model version records), or a loader. The light entry
 * never reads files: a Node caller reads circuits/build/verification_key.json (see `zkVerifyingKeysFromFiles`).
 */
export type ZkVerifyingKeys = Readonly<Record<Hex, Groth16VerifyingKey>> | ZkVerifyingKeyLoader;

/**
 * Everything a ZK job's verification needs, gathered from chain (see `getZkJobData`) or built by hand: the TEE
 * job data without the enclave registry, plus the verifying key found for the version's `zkVerifyingKeyHash`.
 * `chainId` is only compared with the RPC's: a proof is not bound to a chain.
 */
export type ZkJobData = Omit<TeeJobData, "registry"> & {
  /** The verifying key given for the version's `zkVerifyingKeyHash` (undefined when none was given). */
  verifyingKey: Groth16VerifyingKey | undefined;
};

const pass = (name: ZkVerifyCheckName, detail: string): ZkVerifyCheck => ({ name, ok: true, detail });
const fail = (name: ZkVerifyCheckName, detail: string): ZkVerifyCheck => ({ name, ok: false, detail });

/** The first line of an error's message (viem's `shortMessage` for SDK errors). */
const reason = (err: unknown) =>
  (err instanceof BaseError ? err.shortMessage : err instanceof Error ? err.message : String(err)).split("\n")[0]!;

const jobsEqual = (a: JobStruct, b: JobStruct) => jobCommitment(0n, a) === jobCommitment(0n, b);

/**
 * Checks tensor bytes against their recorded hash: the event's inline bytes, else the caller's, else the copy in
 * the attestation (a ZK attestation always carries both tensors, so URI data is checkable from chain alone).
 */
function dataCheck(
  name: "inputHash" | "outputHash",
  what: "input" | "output",
  recordedHash: Hex,
  sources: { inline: Hex | undefined; uri: string | undefined; given: Hex | undefined; attested: Hex | undefined },
): ZkVerifyCheck {
  const [bytes, from] =
    sources.inline !== undefined
      ? [sources.inline, `the ${what}`]
      : sources.given !== undefined
        ? [sources.given, `the ${what} given for ${sources.uri ?? "its URI"}`]
        : [sources.attested, `the ${what} in the attestation`];
  if (bytes === undefined) {
    return {
      name,
      ok: true,
      skipped: true,
      detail: `the ${what} is off chain at ${sources.uri ?? "(no URI)"}: hash ${recordedHash} is committed but the bytes were not given`,
    };
  }
  const computed = keccak256(bytes);
  if (computed !== recordedHash.toLowerCase()) {
    return fail(name, `keccak256 of ${from} is ${computed}, but the recorded ${name} is ${recordedHash}`);
  }
  try {
    const t = decodeTensor(bytes);
    return pass(name, `${recordedHash}: a canonical ${t.dtype} tensor of shape [${t.shape.join(",")}]`);
  } catch (err) {
    return fail(name, `${from} hashes to ${recordedHash} but is not a canonical tensor: ${reason(err)}`);
  }
}

/** The circuit's public inputs packed from the attestation's tensors, or why they cannot be. */
function packTensors(att: ZkAttestation): { packedInput: bigint; packedOutput: bigint } | { error: string } {
  const packed: bigint[] = [];
  for (const [what, bytes, pack] of [
    ["input", att.input, packInput],
    ["output", att.output, packOutput],
  ] as const) {
    let tensor;
    try {
      tensor = decodeTensor(bytes);
    } catch (err) {
      return { error: `the attestation's ${what} is not a canonical tensor: ${reason(err)}` };
    }
    try {
      packed.push(pack(tensor));
    } catch (err) {
      return { error: `the attestation's ${what} does not fit the circuit: ${reason(err)}` };
    }
  }
  return { packedInput: packed[0]!, packedOutput: packed[1]! };
}

/**
 * The checks of a ZK attestation against a job, a recorded output and the model version's circuit: the
 * attestation's tensors (the job's input, the recorded output), their dtypes and shapes, the version's circuit, the
 * verifying key against the hash on chain, and the Groth16 proof (snarkjs). Shared by ZK jobs (the `fulfill`
 * attestation) and OPTIMISTIC jobs (the `resolveChallenge` attestation). `at` says where the state was read
 * ("at block N").
 */
export async function zkAttestationChecks(args: {
  att: ZkAttestation | undefined;
  /** Why there is no decoded attestation. */
  attError: string | undefined;
  job: JobStruct;
  /** The output hash the proof must be for. */
  outputHash: Hex;
  version: ZkJobData["version"];
  circuit: ZkCircuit | undefined;
  verifyingKey: Groth16VerifyingKey | undefined;
  at: string;
  /** Where the attestation was found (default "the fulfil calldata"). */
  source?: string | undefined;
}): Promise<ZkVerifyCheck[]> {
  const { att, attError, job, outputHash, version, circuit, at } = args;
  const source = args.source ?? "the fulfil calldata";
  const data = { verifyingKey: args.verifyingKey };
  const checks: ZkVerifyCheck[] = [];
  // The attestation: decodable, and about this job's input and the recorded output.
  if (!att) {
    checks.push(fail("attestation", attError!));
  } else {
    const inputHash = keccak256(att.input);
    const attOutputHash = keccak256(att.output);
    checks.push(
      inputHash !== job.inputHash.toLowerCase()
        ? fail("attestation", `the attestation's input hashes to ${inputHash}, but the job's inputHash is ${job.inputHash}`)
        : attOutputHash !== outputHash.toLowerCase()
          ? fail(
              "attestation",
              `the attestation's output hashes to ${attOutputHash}, but the recorded outputHash is ${outputHash}`,
            )
          : pass("attestation", `${source} carries a Groth16 proof with the job's input and the recorded output`),
    );
  }

  // The tensors, packed into the circuit's public inputs (input int8 [1,4], output int32 [1,3]).
  const packed = att ? packTensors(att) : { error: `no attestation: ${attError}` };
  checks.push(
    "error" in packed
      ? fail("tensors", packed.error)
      : pass(
          "tensors",
          `input int8 [1,4] packs to ${packed.packedInput}, output int32 [1,3] to ${packed.packedOutput}`,
        ),
  );

  // The model version's circuit at the recording block.
  let commitment: bigint | undefined;
  if (!version) {
    checks.push(fail("modelVersion", `model ${job.modelId} has no version ${job.version} ${at}`));
  } else if ((version.modes & (1 << job.mode)) === 0) {
    const modes = modesFromBitmask(version.modes).map(modeLabel).join(", ") || "no mode";
    checks.push(fail("modelVersion", `version ${job.version} supports ${modes}, not ${modeLabel(job.mode)}`));
  } else if (!circuit) {
    checks.push(
      fail(
        "modelVersion",
        `version ${job.version} names no ZK circuit ${at} (verifier ${version.zkVerifier}, ` +
          `verifying key hash ${version.zkVerifyingKeyHash})`,
      ),
    );
  } else if (BigInt(circuit.modelCommitment) >= BN254_SCALAR_FIELD) {
    checks.push(
      fail(
        "modelVersion",
        `version ${job.version}'s model commitment ${circuit.modelCommitment} is not below the BN254 scalar field ` +
          "modulus: no proof can be checked against it",
      ),
    );
  } else {
    commitment = BigInt(circuit.modelCommitment);
    checks.push(
      pass(
        "modelVersion",
        `version ${job.version}: artifact ${version.artifactHash} at ${version.uri}; ZK circuit ${at}: Groth16 ` +
          `verifier ${circuit.verifier}, model commitment ${circuit.modelCommitment}, verifying key ${circuit.verifyingKeyHash}`,
      ),
    );
  }

  // The verifying key, against the hash the version records.
  let vkey: Groth16VerifyingKey | undefined;
  if (!circuit) {
    checks.push(fail("verifyingKey", `the version records no verifying key hash ${at}`));
  } else if (!data.verifyingKey) {
    checks.push(
      fail(
        "verifyingKey",
        `no verifying key was given for hash ${circuit.verifyingKeyHash}: pass it in zkVerifyingKeys ` +
          "(e.g. circuits/build/verification_key.json)",
      ),
    );
  } else {
    let given: Hex | undefined;
    try {
      given = vkeyHash(data.verifyingKey);
    } catch (err) {
      if (!(err instanceof ZkProofError)) throw err;
      checks.push(fail("verifyingKey", `the verifying key given for ${circuit.verifyingKeyHash} is malformed: ${reason(err)}`));
    }
    if (given !== undefined && given.toLowerCase() !== circuit.verifyingKeyHash.toLowerCase()) {
      checks.push(
        fail(
          "verifyingKey",
          `the verifying key does not match the hash on chain: it hashes to ${given}, but version ${job.version} ` +
            `records ${circuit.verifyingKeyHash} ${at}`,
        ),
      );
    } else if (given !== undefined) {
      vkey = data.verifyingKey;
      checks.push(pass("verifyingKey", `the verifying key hashes to ${circuit.verifyingKeyHash}, the version's hash ${at}`));
    }
  }

  // The proof, for [commitment, packedInput, packedOutput], under that key.
  const notChecked = (why: string) => fail("proof", `not checked: ${why}`);
  if (!att) {
    checks.push(notChecked("there is no attestation"));
  } else if ("error" in packed) {
    checks.push(notChecked("the tensors do not fit the circuit"));
  } else if (commitment === undefined || !circuit) {
    checks.push(notChecked("the model version has no usable circuit"));
  } else if (!vkey) {
    checks.push(notChecked("no verifying key matching the hash on chain was given"));
  } else if (vkey.nPublic !== ZK_PUBLIC_SIGNALS) {
    checks.push(fail("proof", `the verifying key takes ${vkey.nPublic} public signals, the circuit has ${ZK_PUBLIC_SIGNALS}`));
  } else {
    const signals = [commitment, packed.packedInput, packed.packedOutput] as const;
    const statement =
      `[commitment ${signals[0]}, packedInput ${signals[1]}, packedOutput ${signals[2]}] under verifying key ` +
      circuit.verifyingKeyHash;
    let ok = false;
    let problem: string | undefined;
    try {
      ok = await verifyMlpProof({ proof: snarkjsProofFromSolidity(att.proof), publicSignals: signals, vkey });
    } catch (err) {
      // A malformed proof (a coordinate not below q) is a failed check; anything else is a bug or a broken runtime.
      if (!(err instanceof ZkProofError)) throw err;
      problem = `the proof is malformed: ${reason(err)}`;
    }
    checks.push(
      ok
        ? pass("proof", `the Groth16 proof verifies (snarkjs) for ${statement}`)
        : fail(
            "proof",
            problem ??
              `the Groth16 proof does not verify for ${statement}: it proves another model, input or output, or was altered`,
          ),
    );
  }

  return checks;
}

/**
 * Re-checks a ZK job from its chain data alone (pure: no client). Each check says what holds or why not:
 * commitment, input and output hashes, the attestation in the fulfil calldata (its tensors are the job's input
 * and the recorded output), the tensors' dtypes and shapes, the model version's circuit at the recording block,
 * the verifying key against the hash on chain, the Groth16 proof (snarkjs, loaded on first use) for
 * `[commitment, packedInput, packedOutput]`, and finality.
 *
 * @example
 * ```ts
 * const data = await getZkJobData(publicClient, { hub, jobId, zkVerifyingKeys: { [hash]: vkey } });
 * const report = await verifyZkJobData(data);
 * if (report.verdict !== "valid") console.log(report.checks.filter((c) => !c.ok));
 * ```
 */
export async function verifyZkJobData(data: ZkJobData): Promise<VerifyZkJobReport> {
  const { jobId, requested, fulfilled, call, version } = data;
  const job = requested.job;
  const checks: ZkVerifyCheck[] = [];
  const circuit: ZkCircuit | undefined =
    version && version.zkVerifier !== zeroAddress && version.zkVerifyingKeyHash !== zeroHash
      ? { verifier: version.zkVerifier, modelCommitment: version.zkModelCommitment, verifyingKeyHash: version.zkVerifyingKeyHash }
      : undefined;
  const report = (verdict: VerifyZkJobReport["verdict"]): VerifyZkJobReport => ({
    jobId,
    verdict,
    checks,
    blockNumber: fulfilled?.blockNumber,
    operator: fulfilled?.operator,
    enclaveKey: undefined,
    measurement: undefined,
    outputHash: fulfilled?.outputHash,
    zk: fulfilled ? circuit : undefined,
  });

  checks.push(
    data.chainId === data.rpcChainId
      ? pass("chain", `chain ${data.chainId}`)
      : fail("chain", `verifying for chain ${data.chainId}, but the RPC serves chain ${data.rpcChainId}`),
  );
  checks.push(
    job.mode === VerityMode.zk ? pass("mode", "ZK") : fail("mode", `the job's mode is ${modeLabel(job.mode)}, not ZK`),
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

  let att: ZkAttestation | undefined;
  let attError: string | undefined;
  if (!call) {
    attError = "the fulfil transaction does not call hub.fulfill directly: no attestation in its calldata";
  } else {
    try {
      att = parseZkAttestation(call.attestation);
    } catch (err) {
      attError = reason(err);
    }
  }

  checks.push(
    dataCheck("inputHash", "input", job.inputHash, {
      inline: requested.input,
      uri: requested.inputURI,
      given: data.offchain?.input,
      attested: att?.input,
    }),
  );

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

  let outputCheck = dataCheck("outputHash", "output", fulfilled.outputHash, {
    inline: fulfilled.output,
    uri: fulfilled.outputURI,
    given: data.offchain?.output,
    attested: att?.output,
  });
  if (outputCheck.ok && call && (call.result.output !== (fulfilled.output ?? "0x") || !jobsEqual(call.job, job))) {
    outputCheck = fail("outputHash", "the fulfil calldata's job or output differs from the events");
  }
  checks.push(outputCheck);

  checks.push(
    ...(await zkAttestationChecks({
      att,
      attError,
      job,
      outputHash: fulfilled.outputHash,
      version,
      circuit,
      verifyingKey: data.verifyingKey,
      at,
    })),
  );

  checks.push(
    data.confirmations >= data.minConfirmations
      ? pass("finality", `${data.confirmations} confirmation(s), ${data.minConfirmations} required`)
      : fail("finality", `${data.confirmations} confirmation(s), ${data.minConfirmations} required`),
  );

  const failed = checks.filter((c) => !c.ok);
  return report(failed.length === 0 ? "valid" : failed.every((c) => c.name === "finality") ? "pending" : "invalid");
}
