import { type Address, hexToBigInt, isAddressEqual } from "viem";
import { VerityMode } from "../constants.js";
import { MAX_QUORUM, decodeQuorumParams, quorumParamsProblem } from "../encoding/params.js";
import {
  type JobDataBase, type OpeningCheckName, type ResultCheckName, NO_FULFIL_CALL, fail, finalityCheck, jobReport,
  jobStatement, modeCheck, modelVersionCheck, openingChecks, pass, reason, resultChecks, verdictOf,
} from "./checks.js";
import { type QuorumVote, parseQuorumAttestation, recoverQuorumVoteSigner } from "./quorum.js";
import type { NoEnclave, VerifyCheck, VerifyJobReport } from "./report.js";

/**
 * Re-verification of QUORUM jobs (mode 3) from chain data, as a pure function (no client, no heavy dependency: the
 * light `verity-inference` entry includes it).
 */

/**
 * The checks of a QUORUM job's report, in the order they are reported: chain, mode, commitment, inputHash, status,
 * outputHash, attestation, signatures, distinctSigners, stakes, threshold, credited, modelVersion, finality.
 */
export type QuorumVerifyCheckName =
  | OpeningCheckName | ResultCheckName
  | "attestation" | "signatures" | "distinctSigners" | "stakes" | "threshold" | "credited" | "modelVersion" | "finality";

/** One check of a QUORUM job: whether it holds and why (`skipped`: could not be made, e.g. URI data not given). */
export type QuorumVerifyCheck = VerifyCheck<QuorumVerifyCheckName>;

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

/**
 * A QUORUM job's report: the common report with QUORUM checks and the quorum (k, minimum stake, and each signer
 * with its stake at the recording block; undefined while there is no result). Its operator is the one
 * `InferenceFulfilled` names: the first (lowest) signer.
 */
export type VerifyQuorumJobReport = VerifyJobReport<QuorumVerifyCheckName> & NoEnclave & { quorum: QuorumReport | undefined };

/**
 * Everything a QUORUM job's verification needs, gathered from chain (see `getQuorumJobData`) or built by hand: the
 * common job data, plus the signers' stakes at the recording block and the operators the hub credited.
 */
export type QuorumJobData = JobDataBase & {
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
  const { hub, chainId, call } = data;
  const job = data.requested.job;
  const { k, minStake } = decodeQuorumParams(job.params);
  const paramsProblem = quorumParamsProblem(job.params);
  const mode = modeCheck(job, VerityMode.quorum, {
    ok: `QUORUM: ${k} signature(s) of operators with at least ${minStake} bonded stake each`,
    problem: paramsProblem === undefined ? undefined : `QUORUM, but its params ${job.params} are not a valid quorum: ${paramsProblem}`,
  });
  const checks: QuorumVerifyCheck[] = openingChecks(data, mode);
  let quorum: QuorumReport | undefined;
  const report = (verdict: VerifyQuorumJobReport["verdict"]): VerifyQuorumJobReport => ({ ...jobReport(data, checks, verdict), quorum });
  const result = resultChecks(data, { pending: `the job has no result yet: it needs ${k} operator votes` });
  checks.push(...result.checks);
  if (result.verdict) return report(result.verdict);
  const { fulfilled, at } = result;

  // The attestation: 85-byte entries signer | r | s | v.
  let votes: QuorumVote[] | undefined;
  if (!call) {
    checks.push(fail("attestation", NO_FULFIL_CALL));
  } else {
    try {
      votes = parseQuorumAttestation(call.attestation);
      checks.push(pass("attestation", `the fulfil calldata carries ${votes.length} vote(s)`));
    } catch (err) {
      checks.push(fail("attestation", reason(err)));
    }
  }
  if (!votes) {
    const why = "there is no readable attestation";
    for (const name of ["signatures", "distinctSigners", "stakes", "threshold", "credited"] as const) {
      checks.push(fail(name, `not checked: ${why}`));
    }
  } else {
    // Each vote: the signer's EIP-712 QuorumVote for this job and the recorded output under the hub's domain.
    const message = jobStatement(data, fulfilled);
    const signers: QuorumSignerReport[] = [];
    const sigProblems: string[] = [];
    for (const [i, vote] of votes.entries()) {
      let recovered: Address | undefined;
      try {
        recovered = await recoverQuorumVoteSigner({ ...message, signature: vote.signature });
      } catch (err) {
        sigProblems.push(`entry ${i} (${vote.signer}): ${reason(err)}`);
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

  checks.push(modelVersionCheck(job, data.version, at), finalityCheck(data));
  return report(verdictOf(checks));
}
