import { type Address, type Hash, type Hex, isAddressEqual } from "viem";
import { VerityMode } from "../constants.js";
import { decodeOptimisticParams, optimisticParamsProblem } from "../encoding/params.js";
import { splitStoredCommitment } from "../encoding/commitment.js";
import type { JobStruct, ModelVersion } from "../types.js";
import {
  type JobDataBase, type OpeningCheckName, type ResultCheckName, atBlock, dataCheck, fail, finalityCheck, jobReport,
  modeCheck, openingChecks, pass, verdictOf,
} from "./checks.js";
import type { NoEnclave, VerifyCheck, VerifyJobReport } from "./report.js";
import {
  type ZkAttestationCheckName, type ZkCircuit, circuitOf, readZkAttestation, zkAttestationChecks,
} from "./verifyZkJob.js";
import type { Groth16VerifyingKey } from "./zk.js";

/**
 * Re-verification of OPTIMISTIC jobs (mode 4) from chain data, as a pure function (no client). A resolved
 * challenge's ZK proof is re-verified with snarkjs, so this module is loaded lazily (`verifyJob` imports it for
 * OPTIMISTIC jobs only); the light `verity` entry exports its types.
 */

/**
 * The checks of an OPTIMISTIC job's report, in the order they are reported: chain, mode, commitment, inputHash,
 * proposal, window, challenge, resolution, the resolution's ZK checks (attestation, tensors, modelVersion,
 * verifyingKey, proof), slashing, status, outputHash, finality.
 */
export type OptimisticVerifyCheckName =
  | OpeningCheckName
  | "proposal" | "window" | "challenge" | "resolution"
  | ZkAttestationCheckName
  | "slashing"
  | ResultCheckName
  | "finality";

/** One check of an OPTIMISTIC job. */
export type OptimisticVerifyCheck = VerifyCheck<OptimisticVerifyCheckName>;

/** Where an OPTIMISTIC job stands. */
export type OptimisticState =
  /** Pending, nobody proposed a result yet. */
  | "awaiting-proposal"
  /** Proposed; the challenge window is open. */
  | "challenge-window-open"
  /** Proposed, unchallenged, the window is over: anyone can `finalizeResult`. */
  | "finalizable"
  /** Challenged; awaiting a ZK proof of the true output until `resolveBy`. */
  | "challenged"
  /** Challenged, and the resolution period passed without a proof: anyone can `expireChallenge`. */
  | "expirable"
  /** Final: fulfilled after the window or by a resolved challenge. */
  | "final"
  /** The challenge expired unresolved: bonds returned, the fee refunded, no result. */
  | "expired"
  /** Refunded after its deadline without a proposal. */
  | "refunded";

/** An OPTIMISTIC job's story, as the report tells it. */
export type OptimisticReport = {
  state: OptimisticState;
  /** The job's challenge window (and resolution period), in seconds. */
  window: bigint;
  /** The bond of the proposer and of a challenger (native currency). */
  bond: bigint;
  /** The stake a proposer proven wrong loses. */
  slashAmount: bigint;
  proposal:
    | { proposer: Address; outputHash: Hex; blockNumber: bigint; timestamp: bigint; challengeWindowEnd: bigint }
    | undefined;
  challenge: { challenger: Address; blockNumber: bigint; timestamp: bigint; resolveBy: bigint } | undefined;
  resolution:
    | {
        /** Whether the proven output is the proposed one. */
        proposalUpheld: boolean;
        provenOutputHash: Hex;
        /** Stake taken from the proposer (credited to the challenger). */
        slashed: bigint;
        resolver: Address;
        blockNumber: bigint;
        /** Whether the resolution's Groth16 proof re-verified with snarkjs (undefined when it could not be checked). */
        proofValid: boolean | undefined;
      }
    | undefined;
  finalized: { blockNumber: bigint; operator: Address; outputHash: Hex; challenged: boolean } | undefined;
};

/**
 * An OPTIMISTIC job's report: the common report with OPTIMISTIC checks and the job's story. Its block is the one
 * the final result was recorded in, its operator the proposer or a winning challenger, and its circuit the
 * resolution's (the version's, at the resolution block) when a challenge was resolved.
 */
export type VerifyOptimisticJobReport = VerifyJobReport<OptimisticVerifyCheckName> &
  NoEnclave & { zk: ZkCircuit | undefined; optimistic: OptimisticReport };

type At = { blockNumber: bigint; timestamp: bigint; transactionHash: Hash };

/**
 * Everything an OPTIMISTIC job's verification needs, gathered from chain (see `getOptimisticJobData`): the common
 * job data but the fulfil call (a final result is recorded by `finalizeResult` or `resolveChallenge`), and the
 * proposal, challenge, resolution, finalization and expiry.
 */
export type OptimisticJobData = Omit<JobDataBase, "call" | "storedCommitment" | "version" | "confirmations"> & {
  /** The hub's stored slot for the job: at the finalization block when final, else the current one. */
  storedCommitment: Hex;
  /** The chain head: its number and time. */
  latest: { blockNumber: bigint; timestamp: bigint };
  /** `ResultProposed`, with the proposer's bonded stake at that block. */
  proposal:
    | (At & {
        proposer: Address;
        outputHash: Hex;
        bond: bigint;
        challengeWindowEnd: bigint;
        output: Hex | undefined;
        outputURI: string | undefined;
        proposerStake: bigint | undefined;
      })
    | undefined;
  /** `ResultChallenged`. */
  challenge: (At & { challenger: Address; proposer: Address; outputHash: Hex; bond: bigint; resolveBy: bigint }) | undefined;
  /** `ChallengeResolved`, the decoded `resolveChallenge` call, and the registry's `OperatorSlashed` of that transaction. */
  resolution:
    | (At & {
        proposer: Address;
        challenger: Address;
        proposalUpheld: boolean;
        proposedOutputHash: Hex;
        provenOutputHash: Hex;
        bondsAwarded: bigint;
        slashed: bigint;
        resolver: Address;
        call: { job: JobStruct; result: { output: Hex; outputURI: string; outputHash: Hex }; attestation: Hex } | undefined;
        slashEvent: { operator: Address; amount: bigint; recipient: Address } | undefined;
      })
    | undefined;
  /** `ResultFinalized`. */
  finalized: (At & { operator: Address; outputHash: Hex; bondCredited: bigint; challenged: boolean }) | undefined;
  /** `ChallengeExpired`. */
  expired: { blockNumber: bigint; proposer: Address; challenger: Address; bond: bigint } | undefined;
  /** The model version at the resolution block (or the finalization block, or the head). */
  version: ModelVersion | undefined;
  /** The verifying key given for the version's `zkVerifyingKeyHash`. */
  verifyingKey: Groth16VerifyingKey | undefined;
  /** Blocks on top of and including the finalization block. */
  confirmations: bigint;
};

const same = (a: Hex, b: Hex) => a.toLowerCase() === b.toLowerCase();
const time = (t: bigint) => `${t} (${new Date(Number(t) * 1000).toISOString().replace(".000Z", "Z")})`;

/** The optimistic wording of a data check: "the recorded hash is ...". */
const wording = { recorded: "hash" };

/**
 * Re-checks an OPTIMISTIC job from its chain data alone (pure: no client; snarkjs loads when a resolution's proof
 * is verified). Each check says what holds or why not: the commitment and input, the proposal (bond, the
 * proposer's stake, the window's end), the challenge window, the challenge (who, when), the resolution (the ZK
 * proof of the true output, re-verified against the verifying key whose hash the version records, and whether it
 * upheld the proposal), the slashing of a proposer proven wrong, the final output and finality. A job still in its
 * window, or challenged and awaiting a proof, is `pending`; a challenge that expired unresolved leaves no result
 * (`invalid`).
 *
 * @example
 * ```ts
 * const report = await verifyOptimisticJobData(await getOptimisticJobData(publicClient, { hub, jobId, zkVerifyingKeys }));
 * console.log(report.optimistic.state, report.optimistic.resolution?.proposalUpheld);
 * ```
 */
export async function verifyOptimisticJobData(data: OptimisticJobData): Promise<VerifyOptimisticJobReport> {
  const { requested, proposal, challenge, resolution, finalized, fulfilled, expired, version, latest } = data;
  const job = requested.job;
  const { window, bond, slashAmount } = decodeOptimisticParams(job.params);
  const checks: OptimisticVerifyCheck[] = [];
  /** Failed checks that only mean "not final yet". */
  const waiting = new Set<OptimisticVerifyCheck>();
  const wait = (check: OptimisticVerifyCheck) => {
    waiting.add(check);
    checks.push(check);
  };
  let state: OptimisticState = "awaiting-proposal";
  let proofValid: boolean | undefined;
  let circuit: ZkCircuit | undefined;

  const report = (): VerifyOptimisticJobReport => ({
    ...jobReport(data, checks, verdictOf(checks, waiting)),
    zk: resolution ? circuit : undefined,
    optimistic: {
      state,
      window,
      bond,
      slashAmount,
      proposal: proposal && {
        proposer: proposal.proposer,
        outputHash: proposal.outputHash,
        blockNumber: proposal.blockNumber,
        timestamp: proposal.timestamp,
        challengeWindowEnd: proposal.challengeWindowEnd,
      },
      challenge: challenge && {
        challenger: challenge.challenger,
        blockNumber: challenge.blockNumber,
        timestamp: challenge.timestamp,
        resolveBy: challenge.resolveBy,
      },
      resolution: resolution && {
        proposalUpheld: resolution.proposalUpheld,
        provenOutputHash: resolution.provenOutputHash,
        slashed: resolution.slashed,
        resolver: resolution.resolver,
        blockNumber: resolution.blockNumber,
        proofValid,
      },
      finalized: finalized && {
        blockNumber: finalized.blockNumber,
        operator: finalized.operator,
        outputHash: finalized.outputHash,
        challenged: finalized.challenged,
      },
    },
  });

  const paramsProblem = optimisticParamsProblem(job.params);
  const mode = modeCheck(job, VerityMode.optimistic, {
    ok: `OPTIMISTIC: a ${window} s challenge window, bonds of ${bond}, ${slashAmount} slashed from a proposer proven wrong`,
    problem: paramsProblem === undefined ? undefined : `OPTIMISTIC, but its params are not valid: ${paramsProblem}`,
  });
  checks.push(...openingChecks(data, mode, { wording }));

  // ── The proposal ──
  if (!proposal) {
    if (data.status === "pending") {
      wait(fail("proposal", "no operator has proposed a result yet"));
      return report();
    }
    state = data.status === "refunded" ? "refunded" : state;
    checks.push(fail("proposal", data.status === "refunded" ? "the job was refunded after its deadline without a proposal: it has no result" : `the hub says the job is ${data.status}, but no ResultProposed event was found`));
    return report();
  }
  const required = slashAmount === 0n ? 1n : slashAmount;
  const problems: string[] = [];
  if (proposal.bond !== bond) problems.push(`the bond posted is ${proposal.bond}, the job's is ${bond}`);
  if (proposal.challengeWindowEnd !== proposal.timestamp + window) {
    problems.push(`the window ends at ${proposal.challengeWindowEnd}, not the proposal's time ${proposal.timestamp} + ${window} s`);
  }
  if (proposal.proposerStake !== undefined && proposal.proposerStake < required) {
    problems.push(`the proposer's bonded stake at block ${proposal.blockNumber} is ${proposal.proposerStake}, below the ${required} required`);
  }
  checks.push(
    problems.length > 0
      ? fail("proposal", problems.join("; "))
      : pass(
          "proposal",
          `operator ${proposal.proposer} proposed output ${proposal.outputHash} at block ${proposal.blockNumber} with a bond of ` +
            `${proposal.bond}${proposal.proposerStake !== undefined ? ` (bonded stake ${proposal.proposerStake}, ${required} required)` : ""}`,
        ),
  );

  // ── The window and the challenge ──
  const windowEnd = proposal.challengeWindowEnd;
  if (!challenge) {
    if (finalized) {
      checks.push(
        finalized.timestamp > windowEnd
          ? pass("window", `the window ended at ${time(windowEnd)} unchallenged; finalized at ${time(finalized.timestamp)} (block ${finalized.blockNumber})`)
          : fail("window", `finalized at ${finalized.timestamp}, before the window ended at ${windowEnd}`),
      );
      checks.push(pass("challenge", "nobody challenged the proposal within its window"));
    } else if (latest.timestamp <= windowEnd) {
      state = "challenge-window-open";
      wait(fail("window", `the challenge window is open until ${time(windowEnd)} (chain time ${latest.timestamp}): the result is not final yet`));
      checks.push(pass("challenge", "not challenged so far"));
    } else {
      state = "finalizable";
      wait(fail("window", `the window ended at ${time(windowEnd)} unchallenged; the result is final once someone calls finalizeResult`));
      checks.push(pass("challenge", "nobody challenged the proposal within its window"));
    }
  } else {
    checks.push(
      challenge.timestamp <= windowEnd
        ? pass("window", `challenged at ${time(challenge.timestamp)}, within the window that ended at ${time(windowEnd)}`)
        : fail("window", `challenged at ${challenge.timestamp}, after the window ended at ${windowEnd}`),
    );
    const cProblems: string[] = [];
    if (challenge.bond !== bond) cProblems.push(`the challenger's bond is ${challenge.bond}, the job's is ${bond}`);
    if (!isAddressEqual(challenge.proposer, proposal.proposer)) cProblems.push(`it names proposer ${challenge.proposer}, not ${proposal.proposer}`);
    if (!same(challenge.outputHash, proposal.outputHash)) cProblems.push(`it challenges output ${challenge.outputHash}, not the proposed ${proposal.outputHash}`);
    if (challenge.resolveBy !== challenge.timestamp + window) cProblems.push(`its resolution period ends at ${challenge.resolveBy}, not ${challenge.timestamp} + ${window} s`);
    checks.push(
      cProblems.length > 0
        ? fail("challenge", cProblems.join("; "))
        : pass(
            "challenge",
            `challenged by ${challenge.challenger} at block ${challenge.blockNumber} (time ${challenge.timestamp}) with a bond of ` +
              `${challenge.bond}; a proof was due by ${time(challenge.resolveBy)}`,
          ),
    );

    // ── The resolution ──
    if (!resolution) {
      if (expired) {
        state = "expired";
        checks.push(
          fail(
            "resolution",
            `nobody proved the true output by ${challenge.resolveBy}: the challenge expired at block ${expired.blockNumber}, both bonds ` +
              "were returned and the fee refunded; the job has no result",
          ),
        );
        return report();
      }
      state = latest.timestamp > challenge.resolveBy ? "expirable" : "challenged";
      wait(
        fail(
          "resolution",
          state === "challenged"
            ? `awaiting a ZK proof of the true output until ${time(challenge.resolveBy)} (chain time ${latest.timestamp})`
            : `no proof came by ${challenge.resolveBy}: anyone can expireChallenge (bonds returned, fee refunded)`,
        ),
      );
      return report();
    }
    const upheld = same(resolution.provenOutputHash, proposal.outputHash);
    const rProblems: string[] = [];
    if (resolution.proposalUpheld !== upheld) {
      rProblems.push(`the hub says the proposal was ${resolution.proposalUpheld ? "upheld" : "overturned"}, but the proven output ${resolution.provenOutputHash} ${upheld ? "is" : "is not"} the proposed ${proposal.outputHash}`);
    }
    if (!same(resolution.proposedOutputHash, proposal.outputHash)) rProblems.push(`it settles output ${resolution.proposedOutputHash}, not the proposed one`);
    if (!isAddressEqual(resolution.challenger, challenge.challenger)) rProblems.push(`it names challenger ${resolution.challenger}, not ${challenge.challenger}`);
    if (resolution.bondsAwarded !== 2n * bond) rProblems.push(`it awards ${resolution.bondsAwarded} of bonds, not both bonds (${2n * bond})`);
    checks.push(
      rProblems.length > 0
        ? fail("resolution", rProblems.join("; "))
        : pass(
            "resolution",
            `resolved by ${resolution.resolver} at block ${resolution.blockNumber} with a ZK proof of output ${resolution.provenOutputHash}: ` +
              (upheld
                ? `the proposal is upheld, the proposer ${proposal.proposer} wins both bonds`
                : `the proposal was wrong, the challenger ${challenge.challenger} wins both bonds and the fee`),
          ),
    );

    // The resolution's ZK attestation, re-verified as the ZK mode's verifier did.
    const noCall = "the resolution transaction does not call hub.resolveChallenge directly: no proof in its calldata";
    circuit = circuitOf(version);
    const zkChecks = await zkAttestationChecks({
      ...readZkAttestation(resolution.call, noCall),
      job,
      outputHash: resolution.provenOutputHash,
      version,
      circuit,
      verifyingKey: data.verifyingKey,
      at: atBlock(resolution.blockNumber),
      source: "the resolveChallenge calldata",
    });
    checks.push(...zkChecks);
    const proofCheck = zkChecks.find((c) => c.name === "proof");
    proofValid = proofCheck?.ok === true ? true : proofCheck && !proofCheck.detail.startsWith("not checked") ? false : undefined;

    // Slashing of a proposer proven wrong.
    const slash = resolution.slashEvent;
    if (upheld) {
      checks.push(
        resolution.slashed === 0n && !slash
          ? pass("slashing", `the proposal was right: nothing slashed, the challenger ${challenge.challenger} lost its bond`)
          : fail("slashing", `the proposal was upheld, yet ${resolution.slashed} was slashed`),
      );
    } else if (slashAmount === 0n) {
      checks.push(
        resolution.slashed === 0n
          ? pass("slashing", "the job's slash amount is 0: the wrong proposer lost only its bond")
          : fail("slashing", `the job's slash amount is 0, yet ${resolution.slashed} was slashed`),
      );
    } else {
      const sProblems: string[] = [];
      if (resolution.slashed > slashAmount) sProblems.push(`${resolution.slashed} was slashed, more than the job's ${slashAmount}`);
      if (resolution.slashed === 0n) sProblems.push("nothing was slashed (the proposer had no stake left)");
      if (!slash) sProblems.push("the operator registry emitted no OperatorSlashed event in the resolution transaction");
      else {
        if (slash.amount !== resolution.slashed) sProblems.push(`the registry slashed ${slash.amount}, the hub reports ${resolution.slashed}`);
        if (!isAddressEqual(slash.operator, proposal.proposer)) sProblems.push(`the registry slashed ${slash.operator}, not the proposer`);
        if (!isAddressEqual(slash.recipient, challenge.challenger)) sProblems.push(`the slashed stake went to ${slash.recipient}, not the challenger`);
      }
      checks.push(
        sProblems.length > 0
          ? fail("slashing", sProblems.join("; "))
          : pass(
              "slashing",
              `the proposer ${proposal.proposer} was slashed ${resolution.slashed} of stake (the job's slash amount is ` +
                `${slashAmount}), credited to the challenger ${challenge.challenger} (withdrawSlashCredit)`,
            ),
      );
    }
  }

  // ── The final result ──
  if (!finalized || !fulfilled || data.status !== "fulfilled") {
    if (state === "awaiting-proposal") state = data.status === "challenged" ? "challenged" : "challenge-window-open";
    wait(fail("status", `the job is ${data.status}: no final result yet`));
    return report();
  }
  state = "final";
  const at = atBlock(fulfilled.blockNumber);
  const stored = splitStoredCommitment(data.storedCommitment);
  checks.push(
    stored.status === "fulfilled" && finalized.blockNumber === fulfilled.blockNumber
      ? pass("status", `final ${at} (${finalized.challenged ? "by a resolved challenge" : "unchallenged after the window"}); operator ${finalized.operator} credited`)
      : fail("status", `InferenceFulfilled is ${at}, ResultFinalized at block ${finalized.blockNumber}, stored status "${stored.status}"`),
  );
  const expected = resolution ? resolution.provenOutputHash : proposal.outputHash;
  const outputSources = { inline: fulfilled.output, uri: fulfilled.outputURI, given: data.offchain?.output };
  const outputCheck = dataCheck("outputHash", fulfilled.outputHash, outputSources, wording);
  checks.push(
    !outputCheck.ok
      ? outputCheck
      : !same(fulfilled.outputHash, expected) || !same(finalized.outputHash, expected)
        ? fail(
            "outputHash",
            `the recorded output ${fulfilled.outputHash} is not the ${resolution ? "proven" : "proposed"} output ${expected}`,
          )
        : pass("outputHash", `${outputCheck.detail}; the ${resolution ? "proven" : "proposed"} output`),
  );
  checks.push(finalityCheck(data));
  return report();
}
