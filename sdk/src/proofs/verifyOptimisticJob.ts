import { type Address, type Hash, type Hex, isAddressEqual } from "viem";
import { VerityMode } from "../constants.js";
import { decodeOptimisticParams, optimisticParamsProblem } from "../encoding/params.js";
import { splitStoredCommitment } from "../encoding/commitment.js";
import { UnknownDisputeGameError } from "../errors/job.js";
import type { JobStruct, ModelVersion } from "../types.js";
import {
  type JobDataBase, type OpeningCheckName, type ResultCheckName, atBlock, dataCheck, fail, finalityCheck, jobReport,
  modeCheck, openingChecks, pass, verdictOf,
} from "./checks.js";
import {
  type ZkAttestationCheckName, type ZkCircuit, circuitOf, readZkAttestation, zkAttestationChecks,
} from "./verifyZkJob.js";

/**
 * Re-verification of OPTIMISTIC jobs (mode 4) from chain data, as a pure function (no client). The job is settled by
 * its dispute game (`job.verifier`, contracts/modes/OptimisticGame.sol): every proposal, challenge and payout is the
 * game's. A resolved challenge's ZK proof is re-verified with snarkjs, so this module is loaded lazily (`verifyJob`
 * imports it for OPTIMISTIC jobs only); the light `verity-inference` entry exports its types.
 */

import {
  type OptimisticVerifyCheckName,
  type OptimisticVerifyCheck,
  type OptimisticState,
  type OptimisticOutcome,
  type OptimisticPayout,
  type OptimisticReport,
  type VerifyOptimisticJobReport,
  type OptimisticJobData,
  expectedPayouts,
} from "./optimisticReport.js";
export type { OptimisticVerifyCheckName, OptimisticVerifyCheck, OptimisticState, OptimisticOutcome, OptimisticPayout, OptimisticReport, VerifyOptimisticJobReport, OptimisticJobData } from "./optimisticReport.js";

const same = (a: Hex, b: Hex) => a.toLowerCase() === b.toLowerCase();
const time = (t: bigint) => `${t} (${new Date(Number(t) * 1000).toISOString().replace(".000Z", "Z")})`;

/** The optimistic wording of a data check: "the recorded hash is ...". */
const wording = { recorded: "hash" };

/**
 * Re-checks an OPTIMISTIC job from its chain data alone (pure: no client; snarkjs loads when a resolution's proof
 * is verified). Each check says what holds or why not: the commitment and input, the game (the job's verifier, a
 * game of this hub), the proposal (bond, locked stake, the window's end), its reveal of a commitment from an earlier
 * block by the proposer, the challenge window, the challenge (who, when), the resolution (the ZK proof of the true
 * output, bound to the resolver, re-verified against the verifying key whose hash the version records, and whether
 * it upheld the proposal), the slashing of a proposer proven wrong (half to the challenger, half burned), the bonds
 * paid out (who was paid what, per the payout table), the final output and finality. A job still in its window, or
 * challenged and awaiting a proof, is `pending`. Data it cannot read as this hub's dispute (a verifier that is not a
 * game of the hub, or not the job's) gets no verdict: {@link UnknownDisputeGameError}.
 *
 * @example
 * ```ts
 * const report = await verifyOptimisticJobData(await getOptimisticJobData(publicClient, { hub, jobId, zkVerifyingKeys }));
 * console.log(report.optimistic.state, report.optimistic.outcome, report.optimistic.payouts);
 * ```
 */
export async function verifyOptimisticJobData(data: OptimisticJobData): Promise<VerifyOptimisticJobReport> {
  const { requested, proposal, challenge, resolution, finalized, fulfilled, expired, version, latest, game } = data;
  const job = requested.job;
  // No verdict on a dispute this function cannot read as the job's, at this hub.
  if (typeof game !== "object" || game === null || !isAddressEqual(game.address, job.verifier)) {
    throw new UnknownDisputeGameError({ jobId: data.jobId, game: job.verifier, reason: "the data is not from the job's own game" });
  }
  if (!isAddressEqual(game.hub, data.hub)) {
    throw new UnknownDisputeGameError({ jobId: data.jobId, game: game.address, reason: `it settles jobs of hub ${game.hub}` });
  }
  const { window, bond, slashAmount } = decodeOptimisticParams(job.params);
  const checks: OptimisticVerifyCheck[] = [];
  /** Failed checks that only mean "not final yet". */
  const waiting = new Set<OptimisticVerifyCheck>();
  const wait = (check: OptimisticVerifyCheck) => {
    waiting.add(check);
    checks.push(check);
  };
  let state: OptimisticState = "awaiting-proposal";
  let outcome: OptimisticOutcome | undefined;
  let proofValid: boolean | undefined;
  let circuit: ZkCircuit | undefined;
  let payouts: OptimisticPayout[] = [];

  const report = (): VerifyOptimisticJobReport => ({
    ...jobReport(data, checks, verdictOf(checks, waiting)),
    zk: resolution ? circuit : undefined,
    optimistic: {
      state,
      outcome,
      game: game.address,
      zkVerifier: game.zkVerifier,
      window,
      bond,
      slashAmount,
      proposal: proposal && {
        proposer: proposal.proposer,
        outputHash: proposal.outputHash,
        blockNumber: proposal.blockNumber,
        timestamp: proposal.timestamp,
        challengeWindowEnd: proposal.challengeWindowEnd,
        committedAt: proposal.committed?.blockNumber,
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
        burned: resolution.burned,
        resolver: resolution.resolver,
        blockNumber: resolution.blockNumber,
        proofValid,
      },
      expired: expired && { blockNumber: expired.blockNumber },
      finalized: finalized && {
        blockNumber: finalized.blockNumber,
        operator: finalized.operator,
        outputHash: finalized.outputHash,
        challenged: finalized.challenged,
        bondCredited: finalized.bondCredited,
      },
      payouts,
    },
  });

  const paramsProblem = optimisticParamsProblem(job.params);
  const mode = modeCheck(job, VerityMode.optimistic, {
    ok: `OPTIMISTIC: a ${window} s challenge window, bonds of ${bond}, ${slashAmount} of stake locked per proposal`,
    problem: paramsProblem === undefined ? undefined : `OPTIMISTIC, but its params are not valid: ${paramsProblem}`,
  });
  checks.push(...openingChecks(data, mode, { wording }));
  checks.push(pass("game", `settled by the dispute game ${game.address} (the job's verifier), whose challenges its ZK verifier ${game.zkVerifier} settles`));

  // ── The proposal ──
  if (!proposal) {
    if (data.status === "pending") {
      wait(fail("proposal", "no operator has proposed a result yet"));
      return report();
    }
    state = data.status === "refunded" ? "refunded" : state;
    checks.push(fail("proposal", data.status === "refunded" ? "the job was refunded after its deadline without a proposal: it has no result" : `the hub says the job is ${data.status}, but the game has no ResultProposed event`));
    return report();
  }
  const problems: string[] = [];
  if (proposal.bond !== bond) problems.push(`the bond posted is ${proposal.bond}, the job's is ${bond}`);
  if (proposal.challengeWindowEnd !== proposal.timestamp + window) {
    problems.push(`the window ends at ${proposal.challengeWindowEnd}, not the proposal's time ${proposal.timestamp} + ${window} s`);
  }
  const stake = proposal.proposerStake;
  if (stake !== undefined && stake.locked < slashAmount) {
    problems.push(`the proposer's locked stake at block ${proposal.blockNumber} is ${stake.locked}, below the ${slashAmount} the proposal locks`);
  }
  checks.push(
    problems.length > 0
      ? fail("proposal", problems.join("; "))
      : pass(
          "proposal",
          `operator ${proposal.proposer} proposed output ${proposal.outputHash} at block ${proposal.blockNumber} with a bond of ` +
            `${proposal.bond}${stake !== undefined ? `, ${slashAmount} of its stake locked (stake ${stake.stake}, locked ${stake.locked})` : ""}`,
        ),
  );
  const c = proposal.committed;
  checks.push(
    proposal.salt === undefined
      ? { name: "reveal", ok: true, skipped: true, detail: "the reveal does not call the game's proposeResult directly: its salt (and so its commitment) is not in the calldata" }
      : !c
        ? fail("reveal", `no ProposalCommitted event of the game holds the commitment of the reveal (salt ${proposal.salt})`)
        : c.blockNumber >= proposal.blockNumber
          ? fail("reveal", `the commitment is from block ${c.blockNumber}, not earlier than the reveal's ${proposal.blockNumber}`)
          : pass("reveal", `revealed commitment ${c.commitment} made by ${c.committer} at block ${c.blockNumber}, before the reveal (block ${proposal.blockNumber}): it names the proposer, so the answer could not be copied`),
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
      outcome = "unchallenged";
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
    if (isAddressEqual(challenge.challenger, proposal.proposer)) cProblems.push("the proposer challenged itself from the same account");
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
        outcome = "challenge-expired";
        const eProblems: string[] = [];
        if (expired.timestamp <= challenge.resolveBy) eProblems.push(`it expired at ${expired.timestamp}, within the resolution period that ended at ${challenge.resolveBy}`);
        if (!isAddressEqual(expired.challenger, challenge.challenger) || !isAddressEqual(expired.proposer, proposal.proposer)) {
          eProblems.push(`ChallengeExpired names proposer ${expired.proposer} and challenger ${expired.challenger}`);
        }
        checks.push(
          eProblems.length > 0
            ? fail("resolution", eProblems.join("; "))
            : pass(
                "resolution",
                `nobody proved the true output by ${time(challenge.resolveBy)}: the challenge expired at block ${expired.blockNumber} and the ` +
                  `proposal stands (the proposer takes the fee and both bonds; the challenger ${challenge.challenger} lost its bond)`,
              ),
        );
      } else {
        state = latest.timestamp > challenge.resolveBy ? "expirable" : "challenged";
        wait(
          fail(
            "resolution",
            state === "challenged"
              ? `awaiting a ZK proof of the true output until ${time(challenge.resolveBy)} (chain time ${latest.timestamp})`
              : `no proof came by ${challenge.resolveBy}: anyone can expireChallenge (the proposal stands)`,
          ),
        );
        return report();
      }
    } else {
      const upheld = same(resolution.provenOutputHash, proposal.outputHash);
      outcome = upheld ? "upheld" : "overturned";
      const rProblems: string[] = [];
      if (resolution.proposalUpheld !== upheld) {
        rProblems.push(`the game says the proposal was ${resolution.proposalUpheld ? "upheld" : "overturned"}, but the proven output ${resolution.provenOutputHash} ${upheld ? "is" : "is not"} the proposed ${proposal.outputHash}`);
      }
      if (!same(resolution.proposedOutputHash, proposal.outputHash)) rProblems.push(`it settles output ${resolution.proposedOutputHash}, not the proposed one`);
      if (!isAddressEqual(resolution.challenger, challenge.challenger)) rProblems.push(`it names challenger ${resolution.challenger}, not ${challenge.challenger}`);
      if (resolution.timestamp > challenge.resolveBy) rProblems.push(`it came at ${resolution.timestamp}, after the resolution period ended at ${challenge.resolveBy}`);
      checks.push(
        rProblems.length > 0
          ? fail("resolution", rProblems.join("; "))
          : pass(
              "resolution",
              `resolved by ${resolution.resolver} at block ${resolution.blockNumber} with a ZK proof of output ${resolution.provenOutputHash}: ` +
                (upheld
                  ? `the proposal is upheld: the proposer ${proposal.proposer} takes the fee and its bond, the resolver the challenger's bond`
                  : `the proposal was wrong: the resolver takes the fee and the proposer's bond, the challenger ${challenge.challenger} its bond back and half the slash`),
            ),
      );

      // The resolution's ZK attestation, re-verified as the game's ZK verifier did.
      const noCall = "the resolution transaction does not call the game's resolveChallenge directly: no proof in its calldata";
      circuit = circuitOf(version);
      const zkChecks = await zkAttestationChecks({
        ...readZkAttestation(resolution.call, noCall),
        jobId: data.jobId,
        // The proof is bound to the account that called resolveChallenge.
        submitter: resolution.resolver,
        job,
        outputHash: resolution.provenOutputHash,
        version,
        circuit,
        verifyingKey: data.verifyingKey,
        at: atBlock(resolution.blockNumber),
        source: "the resolveChallenge calldata",
      });
      checks.push(...zkChecks);
      const proofCheck = zkChecks.find((x) => x.name === "proof");
      proofValid = proofCheck?.ok === true ? true : proofCheck && !proofCheck.detail.startsWith("not checked") ? false : undefined;

      // Slashing of a proposer proven wrong: its locked slash amount, half to the challenger, half burned.
      const slash = resolution.slashEvent;
      if (upheld) {
        checks.push(
          resolution.slashed === 0n && resolution.burned === 0n && !slash
            ? pass("slashing", `the proposal was right: nothing slashed, its locked stake unlocked; the challenger ${challenge.challenger} lost its bond`)
            : fail("slashing", `the proposal was upheld, yet ${resolution.slashed} was slashed and ${resolution.burned} burned`),
        );
      } else {
        const half = slashAmount / 2n;
        const sProblems: string[] = [];
        if (resolution.slashed !== half || resolution.burned !== slashAmount - half) {
          sProblems.push(`${resolution.slashed} went to the challenger and ${resolution.burned} was burned, not ${half} and ${slashAmount - half} (half of the slash amount ${slashAmount} each)`);
        }
        if (!slash) sProblems.push("the operator registry emitted no OperatorSlashed event in the resolution transaction");
        else {
          if (slash.amount !== resolution.slashed || slash.burned !== resolution.burned) {
            sProblems.push(`the registry slashed ${slash.amount} (burned ${slash.burned}), the game reports ${resolution.slashed} (burned ${resolution.burned})`);
          }
          if (!isAddressEqual(slash.operator, proposal.proposer)) sProblems.push(`the registry slashed ${slash.operator}, not the proposer`);
          if (!isAddressEqual(slash.recipient, challenge.challenger)) sProblems.push(`the slashed stake went to ${slash.recipient}, not the challenger`);
        }
        checks.push(
          sProblems.length > 0
            ? fail("slashing", sProblems.join("; "))
            : pass(
                "slashing",
                `the proposer ${proposal.proposer} lost its locked ${slashAmount} of stake: ${resolution.slashed} credited to the challenger ` +
                  `${challenge.challenger} (withdrawSlashCredit), ${resolution.burned} burned`,
              ),
        );
      }
    }
  }

  // ── The final result ──
  if (!finalized || !fulfilled || data.status !== "fulfilled" || outcome === undefined) {
    if (state === "awaiting-proposal") state = data.status === "challenged" ? "challenged" : "challenge-window-open";
    outcome = undefined;
    wait(fail("status", `the job is ${data.status}: no final result yet`));
    return report();
  }
  state = "final";

  // Who was paid: the fee's operator share, and the bonds (the payout table).
  const expectedOperator = outcome === "overturned" ? resolution!.resolver : proposal.proposer;
  payouts = expectedPayouts(outcome, bond, { proposer: proposal.proposer, challenger: challenge?.challenger, resolver: resolution?.resolver });
  const pProblems: string[] = [];
  for (const want of payouts) {
    const paid = data.payouts.filter((p) => isAddressEqual(p.account, want.account)).reduce((sum, p) => sum + p.amount, 0n);
    if (paid !== want.amount) pProblems.push(`${want.account} was credited ${paid} of bonds, not ${want.amount} (${want.why})`);
  }
  const paidTotal = data.payouts.reduce((sum, p) => sum + p.amount, 0n);
  const wantTotal = payouts.reduce((sum, p) => sum + p.amount, 0n);
  if (paidTotal !== wantTotal) pProblems.push(`the game paid out ${paidTotal} of bonds in all, not ${wantTotal}`);
  if (!isAddressEqual(finalized.operator, expectedOperator)) pProblems.push(`the fee went to ${finalized.operator}, not ${expectedOperator}`);
  const credited = payouts.find((p) => isAddressEqual(p.account, finalized.operator))?.amount ?? 0n;
  if (finalized.bondCredited !== credited) pProblems.push(`ResultFinalized says ${finalized.bondCredited} of bonds went to ${finalized.operator}, not ${credited}`);
  const who = payouts.map((p) => `${p.account} ${p.amount} (${p.why})`).join("; ");
  checks.push(
    pProblems.length > 0
      ? fail("payouts", pProblems.join("; "))
      : pass("payouts", `the fee's operator share went to ${finalized.operator}${outcome === "overturned" ? " (the resolver)" : " (the proposer)"}; bonds credited at the hub: ${who}`),
  );

  const at = atBlock(fulfilled.blockNumber);
  const stored = splitStoredCommitment(data.storedCommitment);
  const how = { unchallenged: "unchallenged after the window", "challenge-expired": "by an expired challenge", upheld: "by a resolved challenge (upheld)", overturned: "by a resolved challenge (overturned)" }[outcome];
  checks.push(
    stored.status === "fulfilled" && finalized.blockNumber === fulfilled.blockNumber && isAddressEqual(fulfilled.operator, finalized.operator)
      ? pass("status", `final ${at} (${how}); operator ${finalized.operator} credited`)
      : fail(
          "status",
          `InferenceFulfilled is ${at} crediting ${fulfilled.operator}, ResultFinalized at block ${finalized.blockNumber} names ${finalized.operator}, stored status "${stored.status}"`,
        ),
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
