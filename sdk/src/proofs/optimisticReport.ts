import { type Address, type Hash, type Hex, isAddressEqual } from "viem";
import type { JobStruct, ModelVersion } from "../types.js";
import type { JobDataBase, OpeningCheckName, ResultCheckName } from "./checks.js";
import type { NoEnclave, VerifyCheck, VerifyJobReport } from "./report.js";
import type { ZkAttestationCheckName, ZkCircuit } from "./verifyZkJob.js";
import type { Groth16VerifyingKey } from "./zk.js";

/**
 * The OPTIMISTIC report's vocabulary and the dispute game's payout table, apart from the checks that use them
 * (verifyOptimisticJob.ts): check names, states and outcomes, the report, the data it is made from, and which
 * account the game must credit with which bond for each outcome.
 */

/**
 * The checks of an OPTIMISTIC job's report, in the order they are reported: chain, mode, commitment, inputHash,
 * game, proposal, reveal, window, challenge, resolution, the resolution's ZK checks (attestation, tensors,
 * modelVersion, verifyingKey, proof), slashing, payouts, status, outputHash, finality.
 */
export type OptimisticVerifyCheckName =
  | OpeningCheckName
  | "game" | "proposal" | "reveal" | "window" | "challenge" | "resolution"
  | ZkAttestationCheckName
  | "slashing" | "payouts"
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
  /** Challenged, and the resolution period passed without a proof: anyone can `expireChallenge` (the proposal stands). */
  | "expirable"
  /** Final: after the window, by an expired challenge, or by a resolved one (see `outcome`). */
  | "final"
  /** Refunded after its deadline without a proposal. */
  | "refunded";

/** How a final OPTIMISTIC job ended. */
export type OptimisticOutcome =
  /** Final after its window, unchallenged: the proposer is paid the fee and its bond. */
  | "unchallenged"
  /** Challenged, but nobody proved in time: the proposal stands, the proposer is paid the fee and both bonds. */
  | "challenge-expired"
  /** A proof of the proposed output: the proposer is paid the fee and its bond, the resolver the challenger's bond. */
  | "upheld"
  /**
   * A proof of another output: the resolver is paid the fee and the proposer's bond, the challenger its own bond and
   * half the slash, the other half is burned.
   */
  | "overturned";

/** One credit the job's settlement paid at the hub, and why. */
export type OptimisticPayout = { account: Address; amount: bigint; why: string };

/** An OPTIMISTIC job's story, as the report tells it. */
export type OptimisticReport = {
  state: OptimisticState;
  /** How it ended, once final. */
  outcome: OptimisticOutcome | undefined;
  /** The job's dispute game (`job.verifier`) and the ZK verifier that settles its challenges. */
  game: Address;
  zkVerifier: Address;
  /** The job's challenge window (and resolution period), in seconds. */
  window: bigint;
  /** The bond of the proposer and of a challenger (native currency). */
  bond: bigint;
  /** The stake a proposal locks, and a proposer proven wrong loses (half to the challenger, half burned). */
  slashAmount: bigint;
  proposal:
    | {
        proposer: Address;
        outputHash: Hex;
        blockNumber: bigint;
        timestamp: bigint;
        challengeWindowEnd: bigint;
        /** The block of the commitment the proposal revealed (undefined when it could not be read). */
        committedAt: bigint | undefined;
      }
    | undefined;
  challenge: { challenger: Address; blockNumber: bigint; timestamp: bigint; resolveBy: bigint } | undefined;
  resolution:
    | {
        /** Whether the proven output is the proposed one. */
        proposalUpheld: boolean;
        provenOutputHash: Hex;
        /** Stake taken from the proposer and credited to the challenger (registry slash credit). */
        slashed: bigint;
        /** Stake taken from the proposer and burned. */
        burned: bigint;
        /** Who proved the true output (and was paid for it). */
        resolver: Address;
        blockNumber: bigint;
        /** Whether the resolution's Groth16 proof re-verified with snarkjs (undefined when it could not be checked). */
        proofValid: boolean | undefined;
      }
    | undefined;
  /** The challenge expired unresolved (the proposal stood). */
  expired: { blockNumber: bigint } | undefined;
  finalized:
    | {
        blockNumber: bigint;
        /** Who was credited the fee's operator share. */
        operator: Address;
        outputHash: Hex;
        challenged: boolean;
        /** Bonds credited to `operator`. */
        bondCredited: bigint;
      }
    | undefined;
  /** The bonds the game paid out at the hub when the job became final, and why. */
  payouts: OptimisticPayout[];
};

/**
 * An OPTIMISTIC job's report: the common report with OPTIMISTIC checks and the job's story. Its block is the one
 * the final result was recorded in, its operator the account credited the fee (the proposer, or the resolver of an
 * overturned proposal), and its circuit the resolution's (the version's, at the resolution block) when a challenge
 * was resolved.
 */
export type VerifyOptimisticJobReport = VerifyJobReport<OptimisticVerifyCheckName> &
  NoEnclave & { zk: ZkCircuit | undefined; optimistic: OptimisticReport };

type At = { blockNumber: bigint; timestamp: bigint; transactionHash: Hash };

/**
 * Everything an OPTIMISTIC job's verification needs, gathered from chain (see `getOptimisticJobData`): the common
 * job data but the fulfil call (a final result is recorded by the game), the game, and the proposal, challenge,
 * resolution, finalization, expiry and payouts.
 */
export type OptimisticJobData = Omit<JobDataBase, "call" | "storedCommitment" | "version" | "confirmations"> & {
  /** The hub's stored slot for the job: at the finalization block when final, else the current one. */
  storedCommitment: Hex;
  /** The chain head: its number and time. */
  latest: { blockNumber: bigint; timestamp: bigint };
  /** The job's dispute game (`job.verifier`): the hub it settles for and the ZK verifier that settles its challenges. */
  game: { address: Address; hub: Address; zkVerifier: Address };
  /**
   * The game's `ResultProposed`, with the proposer's stake at that block, the reveal's salt (from the
   * `proposeResult` calldata, when it calls the game directly) and the `ProposalCommitted` it revealed.
   */
  proposal:
    | (At & {
        proposer: Address;
        outputHash: Hex;
        bond: bigint;
        challengeWindowEnd: bigint;
        output: Hex;
        proposerStake: { stake: bigint; locked: bigint } | undefined;
        salt: Hex | undefined;
        committed: (At & { committer: Address; commitment: Hex }) | undefined;
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
        slashed: bigint;
        burned: bigint;
        resolver: Address;
        call: { job: JobStruct; result: { output: Hex; outputURI: string; outputHash: Hex }; attestation: Hex } | undefined;
        slashEvent: { operator: Address; amount: bigint; recipient: Address; burned: bigint } | undefined;
      })
    | undefined;
  /** `ResultFinalized`. */
  finalized: (At & { operator: Address; outputHash: Hex; bondCredited: bigint; challenged: boolean }) | undefined;
  /** `ChallengeExpired`. */
  expired: (At & { proposer: Address; challenger: Address; bond: bigint }) | undefined;
  /** The hub's `Deposited` events from the game in the finalizing transaction: the bonds it paid out. */
  payouts: { account: Address; amount: bigint }[];
  /** The model version at the resolution block (or the finalization block, or the head). */
  version: ModelVersion | undefined;
  /** The verifying key given for the version's `zkVerifyingKeyHash`. */
  verifyingKey: Groth16VerifyingKey | undefined;
  /** Blocks on top of and including the finalization block. */
  confirmations: bigint;
};

/**
 * The bonds the game must pay out for an outcome (the payout table of IOptimisticGame): one credit per account,
 * the two bonds of one account merged.
 */
export function expectedPayouts(
  outcome: OptimisticOutcome,
  bond: bigint,
  { proposer, challenger, resolver }: { proposer: Address; challenger: Address | undefined; resolver: Address | undefined },
): OptimisticPayout[] {
  const credits: OptimisticPayout[] = [];
  const credit = (account: Address, why: string) => {
    const known = credits.find((c) => isAddressEqual(c.account, account));
    if (known) {
      known.amount += bond;
      known.why += ` and ${why}`;
    } else credits.push({ account, amount: bond, why });
  };
  if (outcome === "unchallenged") credit(proposer, "its own bond back");
  else if (outcome === "challenge-expired") {
    credit(proposer, "its own bond back");
    credit(proposer, "the challenger's bond");
  } else if (outcome === "upheld") {
    credit(proposer, "its own bond back (upheld)");
    credit(resolver!, "the challenger's bond (for the proof)");
  } else {
    credit(challenger!, "its own bond back (the proposal was wrong)");
    credit(resolver!, "the proposer's bond (for the proof)");
  }
  return credits;
}

