import { type Address, type Hex, hexToBigInt, isAddressEqual, keccak256 } from "viem";
import { VerityMode, modeLabel, modesFromBitmask } from "../constants.js";
import { decodeTensor } from "../encoding/tensor.js";
import { MAX_QUORUM, decodeQuorumParams, quorumParamsProblem } from "../encoding/params.js";
import type { JobStruct } from "../types.js";
import { type QuorumVote, parseQuorumAttestation, recoverQuorumVoteSigner } from "./quorum.js";
import { jobCommitment, splitStoredCommitment } from "./tee.js";
import type { TeeJobData } from "./verifyTeeJob.js";

/**
 * Re-verification of QUORUM jobs (mode 3) from chain data, as a pure function (no client, no heavy dependency: the
 * light `verity` entry includes it).
 */

/** The checks of a QUORUM job's report, in the order they are reported. */
export type QuorumVerifyCheckName =
  | "chain"
  | "mode"
  | "commitment"
  | "inputHash"
  | "status"
  | "outputHash"
  | "attestation"
  | "signatures"
  | "distinctSigners"
  | "stakes"
  | "threshold"
  | "credited"
  | "modelVersion"
  | "finality";

/** One check of a QUORUM job: whether it holds and why (`skipped`: could not be made, e.g. URI data not given). */
export type QuorumVerifyCheck = { name: QuorumVerifyCheckName; ok: boolean; detail: string; skipped?: true };

/** One signer of a quorum attestation, as re-checked. */
export type QuorumSignerReport = {
  /** The entry's signer. */
  signer: Address;
  /** The address its signature recovers to for this job's vote (undefined for a malformed signature). */
  recovered: Address | undefined;
  /** Whether the signature is the signer's for this job's vote and output. */
  signatureValid: boolean;
  /** Its bonded stake at the recording block (undefined when it could not be read). */
  stake: bigint | undefined;
  /** Whether that stake is non-zero and at least the job's minimum. */
  stakeOk: boolean;
};

/** The quorum a QUORUM job's report describes. */
export type QuorumReport = {
  /** Signatures required (the job's params). */
  k: number;
  /** The least bonded stake each signer needed (the job's params). */
  minStake: bigint;
  /** The attestation's signers, in its order (ascending when valid). */
  signers: QuorumSignerReport[];
  /** The operator registry whose stakes were read. */
  operatorRegistry: Address | undefined;
};

/** A QUORUM job's report: the common report's shape, with QUORUM checks and the quorum's signers and stakes. */
export type VerifyQuorumJobReport = {
  jobId: bigint;
  verdict: "valid" | "invalid" | "pending";
  checks: QuorumVerifyCheck[];
  /** The block the result was recorded in; stakes and the model version are read at this block. */
  blockNumber: bigint | undefined;
  /** The operator `InferenceFulfilled` names: the first (lowest) signer. */
  operator: Address | undefined;
  enclaveKey: undefined;
  measurement: undefined;
  outputHash: Hex | undefined;
  /** The quorum: k, minimum stake, and each signer with its stake (undefined while there is no result). */
  quorum: QuorumReport | undefined;
};

/**
 * Everything a QUORUM job's verification needs, gathered from chain (see `getQuorumJobData`) or built by hand: the
 * TEE job data without the enclave registry, plus the signers' stakes at the recording block and the operators the
 * hub credited.
 */
export type QuorumJobData = Omit<TeeJobData, "registry"> & {
  /** The operator registry the hub names at the recording block. */
  operatorRegistry: Address | undefined;
  /**
   * `bondedStakes(signers)` at the recording block, for the attestation's signers in its order (undefined when
   * there is no attestation or the stakes could not be read).
   */
  stakes: readonly bigint[] | undefined;
  /** `OperatorsCredited.operators` of the fulfilment (undefined when the event is absent: one signer). */
  credited: readonly Address[] | undefined;
};

const pass = (name: QuorumVerifyCheckName, detail: string): QuorumVerifyCheck => ({ name, ok: true, detail });
const fail = (name: QuorumVerifyCheckName, detail: string): QuorumVerifyCheck => ({ name, ok: false, detail });

const jobsEqual = (a: JobStruct, b: JobStruct) => jobCommitment(0n, a) === jobCommitment(0n, b);

/** Checks inline (or fetched) tensor bytes against their recorded hash. */
function dataCheck(
  name: "inputHash" | "outputHash",
  what: string,
  recordedHash: Hex,
  inline: Hex | undefined,
  uri: string | undefined,
  fetched: Hex | undefined,
): QuorumVerifyCheck {
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
  if (computed !== recordedHash.toLowerCase()) {
    return fail(name, `keccak256 of the ${what} is ${computed}, but the recorded ${name} is ${recordedHash}`);
  }
  try {
    const t = decodeTensor(bytes);
    return pass(name, `${recordedHash}: a canonical ${t.dtype} tensor of shape [${t.shape.join(",")}]`);
  } catch (err) {
    return fail(name, `the ${what} hashes to ${recordedHash} but is not a canonical tensor: ${(err as Error).message.split("\n")[0]}`);
  }
}

const short = (a: Address) => `${a.slice(0, 8)}…${a.slice(-4)}`;

/**
 * Re-checks a QUORUM job from its chain data alone (pure: no client). Each check says what holds or why not:
 * commitment, input and output hashes, the attestation in the fulfil calldata, each signer's EIP-712 vote for the
 * recorded output under the hub's domain for `chainId`, the signers' distinctness (strictly ascending), each
 * signer's bonded stake at the recording block against the job's minimum, the threshold k, the operators the hub
 * credited, the model version and finality. The report lists every signer with its stake.
 *
 * @example
 * ```ts
 * const report = await verifyQuorumJobData(await getQuorumJobData(publicClient, { hub, jobId }));
 * for (const s of report.quorum?.signers ?? []) console.log(s.signer, s.stake, s.signatureValid && s.stakeOk);
 * ```
 */
export async function verifyQuorumJobData(data: QuorumJobData): Promise<VerifyQuorumJobReport> {
  const { jobId, hub, chainId, requested, fulfilled, call, version } = data;
  const job = requested.job;
  const checks: QuorumVerifyCheck[] = [];
  const { k, minStake } = decodeQuorumParams(job.params);
  let quorum: QuorumReport | undefined;
  const report = (verdict: VerifyQuorumJobReport["verdict"]): VerifyQuorumJobReport => ({
    jobId,
    verdict,
    checks,
    blockNumber: fulfilled?.blockNumber,
    operator: fulfilled?.operator,
    enclaveKey: undefined,
    measurement: undefined,
    outputHash: fulfilled?.outputHash,
    quorum,
  });

  checks.push(
    chainId === data.rpcChainId
      ? pass("chain", `chain ${chainId}`)
      : fail("chain", `verifying for chain ${chainId}, but the RPC serves chain ${data.rpcChainId}`),
  );
  const paramsProblem = quorumParamsProblem(job.params);
  checks.push(
    job.mode !== VerityMode.quorum
      ? fail("mode", `the job's mode is ${modeLabel(job.mode)}, not QUORUM`)
      : paramsProblem !== undefined
        ? fail("mode", `QUORUM, but its params ${job.params} are not a valid quorum: ${paramsProblem}`)
        : pass("mode", `QUORUM: ${k} signature(s) of operators with at least ${minStake} bonded stake each`),
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
    checks.push(
      fail("status", data.status === "pending" ? `the job has no result yet: it needs ${k} operator votes` : "the hub has no such job"),
    );
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

  let outputCheck = dataCheck("outputHash", "output", fulfilled.outputHash, fulfilled.output, fulfilled.outputURI, data.offchain?.output);
  if (outputCheck.ok && call && (call.result.output !== (fulfilled.output ?? "0x") || !jobsEqual(call.job, job))) {
    outputCheck = fail("outputHash", "the fulfil calldata's job or output differs from the events");
  }
  checks.push(outputCheck);

  // The attestation: 85-byte entries signer | r | s | v.
  let votes: QuorumVote[] | undefined;
  if (!call) {
    checks.push(fail("attestation", "the fulfil transaction does not call hub.fulfill directly: no attestation in its calldata"));
  } else {
    try {
      votes = parseQuorumAttestation(call.attestation);
      checks.push(pass("attestation", `the fulfil calldata carries ${votes.length} vote(s)`));
    } catch (err) {
      checks.push(fail("attestation", (err as Error & { shortMessage?: string }).shortMessage ?? (err as Error).message));
    }
  }
  if (!votes) {
    const why = "there is no readable attestation";
    for (const name of ["signatures", "distinctSigners", "stakes", "threshold", "credited"] as const) {
      checks.push(fail(name, `not checked: ${why}`));
    }
  } else {
    // Each vote: the signer's EIP-712 QuorumVote for this job and the recorded output under the hub's domain.
    const message = {
      hub,
      chainId,
      jobId,
      modelId: job.modelId,
      version: job.version,
      inputHash: job.inputHash,
      outputHash: fulfilled.outputHash,
    };
    const signers: QuorumSignerReport[] = [];
    const sigProblems: string[] = [];
    for (const [i, vote] of votes.entries()) {
      let recovered: Address | undefined;
      try {
        recovered = await recoverQuorumVoteSigner({ ...message, signature: vote.signature });
      } catch (err) {
        sigProblems.push(`entry ${i} (${vote.signer}): ${(err as Error & { shortMessage?: string }).shortMessage ?? (err as Error).message}`);
      }
      const signatureValid = recovered !== undefined && isAddressEqual(recovered, vote.signer);
      if (recovered !== undefined && !signatureValid) {
        sigProblems.push(
          `entry ${i}: the signature recovers to ${recovered}, not its signer ${vote.signer}: it was made over another ` +
            "output, job, hub or chain",
        );
      }
      const stake = data.stakes?.[i];
      signers.push({ signer: vote.signer, recovered, signatureValid, stake, stakeOk: stake !== undefined && stake > 0n && stake >= minStake });
    }
    quorum = { k, minStake, signers, operatorRegistry: data.operatorRegistry };
    checks.push(
      sigProblems.length === 0
        ? pass(
            "signatures",
            `${votes.length} vote(s) for output ${fulfilled.outputHash}, each signed by its signer under hub ${hub}'s domain on chain ${chainId}`,
          )
        : fail("signatures", sigProblems.join("; ")),
    );

    // Distinct: strictly ascending signers (the verifier's duplicate check).
    const order: string[] = [];
    for (let i = 1; i < votes.length; i++) {
      const prev = hexToBigInt(votes[i - 1]!.signer);
      const cur = hexToBigInt(votes[i]!.signer);
      if (cur === prev) order.push(`${votes[i]!.signer} signs twice`);
      else if (cur < prev) order.push(`${votes[i]!.signer} comes after ${votes[i - 1]!.signer}: not ascending`);
    }
    checks.push(
      order.length === 0
        ? pass("distinctSigners", `${votes.length} distinct signer(s), strictly ascending`)
        : fail("distinctSigners", order.join("; ")),
    );

    // Stakes at the recording block.
    if (data.stakes === undefined || data.stakes.length !== votes.length) {
      checks.push(fail("stakes", `the signers' stakes could not be read from the operator registry ${at}`));
    } else {
      const low = signers.filter((s) => !s.stakeOk);
      const list = signers.map((s) => `${short(s.signer)} ${s.stake}`).join(", ");
      checks.push(
        low.length === 0
          ? pass("stakes", `every signer had bonded stake of at least ${minStake} (and non-zero) ${at}: ${list}`)
          : fail(
              "stakes",
              low
                .map((s) => `signer ${s.signer} had ${s.stake} bonded ${at}, ${minStake > 0n ? `below the minimum of ${minStake}` : "none"}`)
                .join("; "),
            ),
      );
    }

    // The threshold: at least k (and at most MAX_QUORUM) votes.
    checks.push(
      votes.length < k
        ? fail("threshold", `${votes.length} vote(s), but the job needs ${k}`)
        : votes.length > MAX_QUORUM
          ? fail("threshold", `${votes.length} votes, more than the ${MAX_QUORUM} an attestation may carry`)
          : pass("threshold", `${votes.length} vote(s), ${k} required`),
    );

    // The operators the hub credited are the signers.
    const credited = data.credited ?? [fulfilled.operator];
    const same =
      credited.length === votes.length && credited.every((a, i) => isAddressEqual(a, votes![i]!.signer)) &&
      isAddressEqual(fulfilled.operator, votes[0]!.signer);
    checks.push(
      same
        ? pass("credited", `the hub credited the ${votes.length} signer(s), first ${fulfilled.operator}`)
        : fail("credited", `the hub credited ${credited.join(", ")}, but the attestation's signers are ${votes.map((v) => v.signer).join(", ")}`),
    );
  }

  if (!version) {
    checks.push(fail("modelVersion", `model ${job.modelId} has no version ${job.version} ${at}`));
  } else if ((version.modes & (1 << job.mode)) === 0) {
    const modes = modesFromBitmask(version.modes).map(modeLabel).join(", ") || "no mode";
    checks.push(fail("modelVersion", `version ${job.version} supports ${modes}, not ${modeLabel(job.mode)}`));
  } else {
    checks.push(pass("modelVersion", `version ${job.version}: artifact ${version.artifactHash} at ${version.uri}`));
  }

  checks.push(
    data.confirmations >= data.minConfirmations
      ? pass("finality", `${data.confirmations} confirmation(s), ${data.minConfirmations} required`)
      : fail("finality", `${data.confirmations} confirmation(s), ${data.minConfirmations} required`),
  );

  const failed = checks.filter((c) => !c.ok);
  return report(failed.length === 0 ? "valid" : failed.every((c) => c.name === "finality") ? "pending" : "invalid");
}
