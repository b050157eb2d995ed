import {
  type Address,
  type Hex,
  type LocalAccount,
  concat,
  getAddress,
  hashTypedData,
  hexToBigInt,
  isAddressEqual,
  isHex,
  recoverTypedDataAddress,
  size,
  slice,
} from "viem";
import { quorumVoteTypes } from "../constants.js";
import { InvalidQuorumVoteError } from "../errors/job.js";
import { type JobStatement, jobStatementTypedData, signatureProblem } from "./signatures.js";

/**
 * The QUORUM mode, as pure functions (no client): the EIP-712 vote an operator signs with its staking account, and
 * the attestation `fulfill` takes. They match contracts/verifiers/QuorumVerifier.sol:
 * ```
 * QuorumVote(uint256 jobId,bytes32 modelId,uint32 version,bytes32 inputHash,bytes32 outputHash,bytes32 outputURIHash)
 *   under { name: "Verity", version: "1", chainId, verifyingContract: hub }
 * attestation = entry_0 | entry_1 | ...   entry = signer (20 bytes) | r (32) | s (32) | v (1), signers ascending
 * ```
 */

/** What an operator votes for: one job's output, on one hub and chain (a job statement). */
export type QuorumVoteMessage = JobStatement;

/** One operator's vote: its staking account and its 65-byte signature of the vote. */
export type QuorumVote = { signer: Address; signature: Hex };

/** Bytes per attestation entry: signer (20) | r (32) | s (32) | v (1). */
export const QUORUM_ENTRY_BYTES = 85;

/** The EIP-712 typed data of a quorum vote, under the hub's domain `{ "Verity", "1", chainId, hub }`. */
export function quorumVoteTypedData(message: QuorumVoteMessage) {
  return jobStatementTypedData(quorumVoteTypes, "QuorumVote", message);
}

/** The EIP-712 digest of a vote (what `OperatorRegistry.voteDigest(hub, ...)` returns). */
export function quorumVoteDigest(message: QuorumVoteMessage): Hex {
  return hashTypedData(quorumVoteTypedData(message));
}

/**
 * Signs a quorum vote with an operator's staking account (the account whose bonded stake counts; it is the one
 * credited). Pure: the account signs locally, nothing is sent.
 *
 * @example
 * ```ts
 * const vote = await signQuorumVote({ account: privateKeyToAccount(operatorKey), hub, chainId: 31337, jobId, modelId, version: 1, inputHash, outputHash });
 * const attestation = encodeQuorumAttestation([vote, otherVote, thirdVote]);
 * ```
 */
export async function signQuorumVote(
  parameters: QuorumVoteMessage & { account: Pick<LocalAccount, "address" | "signTypedData"> },
): Promise<QuorumVote> {
  const { account, ...message } = parameters;
  const signature = await account.signTypedData(quorumVoteTypedData(message));
  return { signer: getAddress(account.address), signature };
}

/**
 * The address a vote signature recovers to, with the verifier's rules (65 bytes, v 27/28, low s: see
 * {@link signatureProblem}). Throws {@link InvalidQuorumVoteError} for a signature the verifier would refuse
 * whatever it signed.
 */
export async function recoverQuorumVoteSigner(message: QuorumVoteMessage & { signature: Hex }): Promise<Address> {
  const { signature, ...rest } = message;
  signatureProblem(signature, (reason) => new InvalidQuorumVoteError({ reason }));
  return recoverTypedDataAddress({ ...quorumVoteTypedData(rest), signature });
}

/** Whether `vote` is its signer's valid signature of `message` (never throws). */
export async function isValidQuorumVote(message: QuorumVoteMessage, vote: QuorumVote): Promise<boolean> {
  try {
    return isAddressEqual(await recoverQuorumVoteSigner({ ...message, signature: vote.signature }), vote.signer);
  } catch {
    return false;
  }
}

/**
 * The attestation of a QUORUM result: the votes' `signer | r | s | v` entries, sorted ascending by signer (the
 * verifier's duplicate check). Throws {@link InvalidQuorumVoteError} for a malformed signature or a signer given
 * twice; the signatures themselves are not checked here (see {@link recoverQuorumVoteSigner}).
 *
 * @example
 * ```ts
 * const attestation = encodeQuorumAttestation(votes); // votes in any order
 * ```
 */
export function encodeQuorumAttestation(votes: readonly QuorumVote[]): Hex {
  const sorted = [...votes].sort((a, b) => {
    const x = hexToBigInt(a.signer);
    const y = hexToBigInt(b.signer);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  for (let i = 0; i < sorted.length; i++) {
    const { signer, signature } = sorted[i]!;
    if (!isHex(signer, { strict: true }) || size(signer) !== 20) {
      throw new InvalidQuorumVoteError({ reason: `signer ${signer} is not an address` });
    }
    if (!isHex(signature, { strict: true }) || size(signature) !== 65) {
      throw new InvalidQuorumVoteError({ reason: `the signature of ${signer} is not 65 bytes`, signer });
    }
    if (i > 0 && isAddressEqual(sorted[i - 1]!.signer, signer)) {
      throw new InvalidQuorumVoteError({ reason: `signer ${signer} votes twice`, signer });
    }
  }
  return concat(sorted.flatMap((v) => [v.signer, v.signature]));
}

/**
 * The entries of a quorum attestation, in their order. Throws {@link InvalidQuorumVoteError} when it is empty or
 * not a whole number of 85-byte entries (the verifier's `QuorumMalformedAttestation`). Order and signatures are
 * not checked here.
 */
export function parseQuorumAttestation(attestation: Hex): QuorumVote[] {
  if (!isHex(attestation, { strict: true })) throw new InvalidQuorumVoteError({ reason: "the attestation is not hex" });
  const length = size(attestation);
  if (length === 0 || length % QUORUM_ENTRY_BYTES !== 0) {
    throw new InvalidQuorumVoteError({
      reason: `the attestation is ${length} bytes, not a non-zero multiple of ${QUORUM_ENTRY_BYTES}`,
    });
  }
  const votes: QuorumVote[] = [];
  for (let at = 0; at < length; at += QUORUM_ENTRY_BYTES) {
    votes.push({
      signer: getAddress(slice(attestation, at, at + 20)),
      signature: slice(attestation, at + 20, at + QUORUM_ENTRY_BYTES),
    });
  }
  return votes;
}
