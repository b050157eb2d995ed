import { closeSync, fsyncSync, openSync, writeFileSync } from "node:fs";
import { mkdir, readFile, readdir, rename } from "node:fs/promises";
import path from "node:path";
import { type Address, type Hex, getAddress, isAddress, isAddressEqual, isHex } from "viem";
import { type QuorumVote, type QuorumVoteMessage, recoverQuorumVoteSigner } from "../proofs/quorum.js";

/**
 * The QUORUM votes of the reference operator nodes, exchanged through a shared directory: one JSON file per vote,
 * `<votesDir>/<chainId>-<hub>/<jobId>/<signer>.json`, written atomically (temporary file, fsync, rename). Every
 * node reads every file of a job and checks each signature itself, so a file is never trusted for more than what
 * its signature proves: a wrong or forged file only costs a read.
 *
 * A directory works for nodes on one machine or a shared file system (and for tests). A production deployment
 * would publish the same signed votes on a peer-to-peer gossip channel (libp2p pubsub, or a relay): the votes are
 * self-authenticating, so the transport needs no trust.
 */

const FORMAT = "verity-quorum-vote/1";

type VoteFile = {
  format: typeof FORMAT;
  chainId: number;
  hub: Address;
  jobId: string;
  modelId: Hex;
  version: number;
  inputHash: Hex;
  outputHash: Hex;
  signer: Address;
  signature: Hex;
  /** The voter's output bytes (informative: a submitter uses its own). */
  output?: Hex | undefined;
};

/** The directory of one job's votes. */
export function jobVotesDir(votesDir: string, { chainId, hub, jobId }: { chainId: number; hub: Address; jobId: bigint }): string {
  return path.join(votesDir, `${chainId}-${hub.toLowerCase()}`, jobId.toString());
}

/** Publishes a signed vote (overwrites this signer's previous file for the job: a vote is deterministic). */
export async function publishVote(votesDir: string, message: QuorumVoteMessage, vote: QuorumVote, output?: Hex): Promise<string> {
  const dir = jobVotesDir(votesDir, message);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${vote.signer.toLowerCase()}.json`);
  const content: VoteFile = {
    format: FORMAT,
    chainId: message.chainId,
    hub: message.hub,
    jobId: message.jobId.toString(),
    modelId: message.modelId,
    version: message.version,
    inputHash: message.inputHash,
    outputHash: message.outputHash,
    signer: vote.signer,
    signature: vote.signature,
    output,
  };
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeFileSync(fd, `${JSON.stringify(content, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  await rename(tmp, file);
  return file;
}

/** The valid votes published for a job, grouped by the output hash they vote for; and the files refused, with why. */
export type CollectedVotes = {
  byOutput: Map<Hex, QuorumVote[]>;
  refused: { file: string; reason: string }[];
};

/**
 * Reads every vote published for a job and keeps those that are what they claim: the file names this job (hub,
 * chain, model version, input) and its signature recovers to its signer for its output hash. One vote per signer.
 */
export async function collectVotes(votesDir: string, job: Omit<QuorumVoteMessage, "outputHash">): Promise<CollectedVotes> {
  const dir = jobVotesDir(votesDir, job);
  const byOutput = new Map<Hex, QuorumVote[]>();
  const refused: CollectedVotes["refused"] = [];
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith(".json")).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { byOutput, refused };
    throw e;
  }
  const seen = new Set<string>();
  for (const name of names) {
    const file = path.join(dir, name);
    let v: VoteFile;
    try {
      v = JSON.parse(await readFile(file, "utf8")) as VoteFile;
    } catch (e) {
      refused.push({ file, reason: `not JSON (${(e as Error).message})` });
      continue;
    }
    const sameJob =
      v?.format === FORMAT &&
      v.chainId === job.chainId &&
      typeof v.hub === "string" && isAddress(v.hub, { strict: false }) && isAddressEqual(v.hub, job.hub) &&
      v.jobId === job.jobId.toString() &&
      typeof v.modelId === "string" && v.modelId.toLowerCase() === job.modelId.toLowerCase() &&
      v.version === job.version &&
      typeof v.inputHash === "string" && v.inputHash.toLowerCase() === job.inputHash.toLowerCase();
    if (!sameJob || !isHex(v.outputHash) || !isHex(v.signature) || !isAddress(v.signer, { strict: false })) {
      refused.push({ file, reason: "it is not a vote for this job" });
      continue;
    }
    let recovered: Address;
    try {
      recovered = await recoverQuorumVoteSigner({ ...job, outputHash: v.outputHash, signature: v.signature });
    } catch (e) {
      refused.push({ file, reason: (e as Error).message.split("\n")[0]! });
      continue;
    }
    if (!isAddressEqual(recovered, v.signer)) {
      refused.push({ file, reason: `its signature recovers to ${recovered}, not ${v.signer}` });
      continue;
    }
    const signer = getAddress(v.signer);
    if (seen.has(signer)) continue;
    seen.add(signer);
    const key = v.outputHash.toLowerCase() as Hex;
    const group = byOutput.get(key) ?? [];
    group.push({ signer, signature: v.signature });
    byOutput.set(key, group);
  }
  return { byOutput, refused };
}
