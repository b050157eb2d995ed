import { type Address, type Hex, keccak256, zeroAddress, zeroHash } from "viem";
import { VerityMode } from "../constants.js";
import { decodeTensor } from "../encoding/tensor.js";
import { ZkProofError } from "../errors/zk.js";
import type { JobStruct, ModelVersion } from "../types.js";
import {
  type JobDataBase, type OpeningCheckName, type ResultCheckName, NO_FULFIL_CALL, fail, finalityCheck, jobReport,
  modeCheck, modelVersionCheck, openingChecks, pass, reason, resultChecks, verdictOf,
} from "./checks.js";
import type { NoEnclave, VerifyCheck, VerifyJobReport } from "./report.js";
import {
  BN254_SCALAR_FIELD, type Groth16VerifyingKey, ZK_PUBLIC_SIGNALS, jobBindingSignals, packInput, packOutput,
  verifyMlpProof, vkeyHash,
} from "./zk.js";
import { type ZkAttestation, parseZkAttestation, snarkjsProofFromSolidity } from "./zkAttestation.js";

/**
 * Re-verification of ZK jobs (mode 2) from chain data, as a pure function (no client). This module loads the ZK
 * code (the BN254 pairing of @noble/curves only when a proof is verified), so the light `verity-inference` entry imports it lazily: `verifyJob`
 * does `await import(...)` for ZK jobs only.
 */

/** The checks of a ZK attestation ({@link zkAttestationChecks}), in a ZK job's and a resolved OPTIMISTIC job's report. */
export type ZkAttestationCheckName = "attestation" | "tensors" | "modelVersion" | "verifyingKey" | "proof";

/**
 * The checks of a ZK job's report, in the order they are reported: chain, mode, commitment, inputHash, status,
 * outputHash, attestation, tensors, modelVersion, verifyingKey, proof, finality.
 */
export type ZkVerifyCheckName = OpeningCheckName | ResultCheckName | ZkAttestationCheckName | "finality";

/** One check of a ZK job: whether it holds and why (`skipped`: could not be made, e.g. URI data not given). */
export type ZkVerifyCheck = VerifyCheck<ZkVerifyCheckName>;

/** The ZK circuit a version named at the recording block. */
export type ZkCircuit = { verifier: Address; modelCommitment: Hex; verifyingKeyHash: Hex };

/** A ZK job's report: the common report with ZK checks, no enclave key, and the version's circuit at the recording block. */
export type VerifyZkJobReport = VerifyJobReport<ZkVerifyCheckName> & NoEnclave & { zk: ZkCircuit | undefined };

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
 * Everything a ZK job's verification needs, gathered from chain (see `getZkJobData`) or built by hand: the common
 * job data, plus the verifying key found for the version's `zkVerifyingKeyHash`. `chainId` is only compared with
 * the RPC's: a proof is not bound to a chain.
 */
export type ZkJobData = JobDataBase & {
  /** The verifying key given for the version's `zkVerifyingKeyHash` (undefined when none was given). */
  verifyingKey: Groth16VerifyingKey | undefined;
};

/** The ZK circuit a version names (undefined when it names no verifier or verifying key hash). */
export function circuitOf(version: ModelVersion | undefined): ZkCircuit | undefined {
  return version && version.zkVerifier !== zeroAddress && version.zkVerifyingKeyHash !== zeroHash
    ? { verifier: version.zkVerifier, modelCommitment: version.zkModelCommitment, verifyingKeyHash: version.zkVerifyingKeyHash }
    : undefined;
}

/** The ZK attestation of a hub call's calldata (`fulfill` or `resolveChallenge`), or why there is none. */
export function readZkAttestation(
  call: { attestation: Hex } | undefined,
  missing: string,
): { att: ZkAttestation; attError: undefined } | { att: undefined; attError: string } {
  if (!call) return { att: undefined, attError: missing };
  try {
    return { att: parseZkAttestation(call.attestation), attError: undefined };
  } catch (err) {
    return { att: undefined, attError: reason(err) };
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
 * verifying key against the hash on chain, and the Groth16 proof (BN254 pairing check, @noble/curves) for the job and the account that
 * submitted it. Shared by ZK jobs (the `fulfill` attestation) and OPTIMISTIC jobs (the `resolveChallenge`
 * attestation). `at` says where the state was read ("at block N").
 */
export async function zkAttestationChecks(args: {
  att: ZkAttestation | undefined;
  /** Why there is no decoded attestation. */
  attError: string | undefined;
  /** The hub's job id: the proof's `jobId` signal. */
  jobId: bigint;
  /**
   * The account that sent the attestation to the hub (the proof's `submitter` signal): a ZK job's credited
   * operator (`InferenceFulfilled.operator`), an OPTIMISTIC resolution's `resolver`.
   */
  submitter: Address;
  job: JobStruct;
  /** The output hash the proof must be for. */
  outputHash: Hex;
  version: ZkJobData["version"];
  circuit: ZkCircuit | undefined;
  verifyingKey: Groth16VerifyingKey | undefined;
  at: string;
  /** Where the attestation was found (default "the fulfil calldata"). */
  source?: string | undefined;
}): Promise<VerifyCheck<ZkAttestationCheckName>[]> {
  const { att, attError, job, outputHash, version, circuit, at } = args;
  const source = args.source ?? "the fulfil calldata";
  const checks: VerifyCheck<ZkAttestationCheckName>[] = [];
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
  const versionCheck = modelVersionCheck(job, version, at);
  if (!versionCheck.ok || !version) {
    checks.push(versionCheck);
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
        `${versionCheck.detail}; ZK circuit ${at}: Groth16 verifier ${circuit.verifier}, model commitment ` +
          `${circuit.modelCommitment}, verifying key ${circuit.verifyingKeyHash}`,
      ),
    );
  }

  // The verifying key, against the hash the version records.
  let vkey: Groth16VerifyingKey | undefined;
  if (!circuit) {
    checks.push(fail("verifyingKey", `the version records no verifying key hash ${at}`));
  } else if (!args.verifyingKey) {
    checks.push(
      fail(
        "verifyingKey",
        `no verifying key with hash ${circuit.verifyingKeyHash} was published on chain (ZkVerifier.publishVerifyingKey) ` +
          "or given in zkVerifyingKeys (e.g. circuits/build/verification_key.json, or a loader that fetches it from a URI)",
      ),
    );
  } else {
    let given: Hex | undefined;
    try {
      given = vkeyHash(args.verifyingKey);
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
      vkey = args.verifyingKey;
      checks.push(pass("verifyingKey", `the verifying key hashes to ${circuit.verifyingKeyHash}, the version's hash ${at}`));
    }
  }

  // The proof, for [commitment, packedInput, packedOutput, jobId, submitter], under that key.
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
    const signals = [commitment, packed.packedInput, packed.packedOutput, ...jobBindingSignals(args)] as const;
    const statement =
      `[commitment ${signals[0]}, packedInput ${signals[1]}, packedOutput ${signals[2]}, jobId ${signals[3]}, ` +
      `submitter ${args.submitter}] under verifying key ${circuit.verifyingKeyHash}`;
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
        ? pass("proof", `the Groth16 proof verifies (BN254 pairing check) for ${statement}`)
        : fail(
            "proof",
            problem ??
              `the Groth16 proof does not verify for ${statement}: it proves another model, input, output, job or ` +
                "submitter, or was altered",
          ),
    );
  }

  return checks;
}

/**
 * Re-checks a ZK job from its chain data alone (pure: no client). Each check says what holds or why not:
 * commitment, input and output hashes, the attestation in the fulfil calldata (its tensors are the job's input
 * and the recorded output), the tensors' dtypes and shapes, the model version's circuit at the recording block,
 * the verifying key against the hash on chain, the Groth16 proof (@noble/curves, loaded on first use) for
 * `[commitment, packedInput, packedOutput, jobId, submitter]` (the submitter is the operator the hub credited, the
 * sender of `fulfill`), and finality.
 *
 * @example
 * ```ts
 * const data = await getZkJobData(publicClient, { hub, jobId, zkVerifyingKeys: { [hash]: vkey } });
 * const report = await verifyZkJobData(data);
 * if (report.verdict !== "valid") console.log(report.checks.filter((c) => !c.ok));
 * ```
 */
export async function verifyZkJobData(data: ZkJobData): Promise<VerifyZkJobReport> {
  const job = data.requested.job;
  const circuit = circuitOf(data.version);
  const { att, attError } = readZkAttestation(data.call, NO_FULFIL_CALL);
  const wording = { sourced: true };
  const checks: ZkVerifyCheck[] = openingChecks(data, modeCheck(job, VerityMode.zk), { attested: att?.input, wording });
  const report = (verdict: VerifyZkJobReport["verdict"]): VerifyZkJobReport => ({
    ...jobReport(data, checks, verdict),
    zk: data.fulfilled ? circuit : undefined,
  });
  const result = resultChecks(data, { attested: att?.output, wording });
  checks.push(...result.checks);
  if (result.verdict) return report(result.verdict);
  const { fulfilled, at } = result;

  const zkChecks = await zkAttestationChecks({
    att,
    attError,
    jobId: data.jobId,
    // The hub credits a ZK result to the account that called fulfill: the proof's submitter.
    submitter: fulfilled.operator,
    job,
    outputHash: fulfilled.outputHash,
    version: data.version,
    circuit,
    verifyingKey: data.verifyingKey,
    at,
  });
  checks.push(...zkChecks, finalityCheck(data));
  return report(verdictOf(checks));
}
