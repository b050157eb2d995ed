import { type Address, type BlockNumber, type Hash, type Hex, bytesToHex, keccak256 } from "viem";
import { getContractEvents, readContract } from "viem/actions";
import { optimisticGameAbi } from "../abis.js";
import { VerityMode } from "../constants.js";
import { proposalCommitment } from "../encoding/commitment.js";
import { decodeOptimisticParams } from "../encoding/params.js";
import { withVerityErrors } from "../errors/decode.js";
import { NoProposalError } from "../errors/job.js";
import { InvalidDataError } from "../errors/request.js";
import type { Job, JobStruct, JobWriteParameters, VerityClient } from "../types.js";
import { writeOptions } from "./client.js";
import { type NormalizedData, type TensorData, normalizeTensorData, resultStruct } from "./data.js";
import { jobFor, writeGame } from "./hub.js";
import { checkJobWriteParameters } from "./parameters.js";
import { expectBigint } from "./validate.js";
import { location } from "./jobs.js";

/**
 * What the OPTIMISTIC actions share: the job with its unpacked params and its dispute game (`job.verifier`, the
 * game the job was requested under: every proposal, challenge and payout of the job is the game's), the game's
 * events of a job, the proposal commitment, and a fresh salt.
 */

/**
 * An OPTIMISTIC job's struct (given, or read from chain) with its unpacked params and its dispute game
 * (`job.verifier`); refuses other modes.
 */
export async function optimisticJob(
  client: VerityClient,
  { hub, jobId, job }: { hub: Address; jobId: bigint; job?: JobStruct | undefined },
  action: string,
): Promise<{ job: JobStruct; read: Job | undefined; game: Address; window: bigint; bond: bigint; slashAmount: bigint }> {
  const { job: struct, read } = await jobFor(client, { hub, jobId, job }, { mode: VerityMode.optimistic, action });
  return { job: struct, read, game: struct.verifier, ...decodeOptimisticParams(struct.params) };
}

/** 32 random bytes (Web Crypto: browsers and Node alike), the secret of a proposal commitment. */
export function randomSalt(): Hex {
  return bytesToHex(globalThis.crypto.getRandomValues(new Uint8Array(32)));
}

/** The block a commitment was made in at the game (0 when unknown, or already revealed). */
export function commitmentBlockOf(client: VerityClient, game: Address, commitment: Hex): Promise<bigint> {
  return withVerityErrors(() => readContract(client, { address: game, abi: optimisticGameAbi, functionName: "commitmentBlock", args: [commitment] }));
}

/** A job's `ResultProposed` event at its game (the last one: a job has at most one proposal), or undefined. */
export async function proposalEvent(client: VerityClient, game: Address, jobId: bigint, fromBlock: BlockNumber = 0n) {
  const logs = await withVerityErrors(() =>
    getContractEvents(client, {
      address: game,
      abi: optimisticGameAbi,
      eventName: "ResultProposed",
      args: { jobId },
      fromBlock,
      toBlock: "latest",
      strict: true,
    }),
  );
  const log = logs.at(-1);
  if (!log) return undefined;
  const { proposer, outputHash, bond, challengeWindowEnd, output } = log.args;
  return { ...location(log), proposer, outputHash, bond, challengeWindowEnd: BigInt(challengeWindowEnd), output: output as Hex };
}

/** The `Result` struct of a proposed (inline) output, as the game's `finalize` and `expireChallenge` take it back. */
export const proposedResult = (output: Hex) => ({ output, outputURI: "", outputHash: keccak256(output) });

/** An OPTIMISTIC output: inline only (a Tensor or its canonical bytes; the game refuses outputs by URI). */
export type InlineOutput = Exclude<TensorData, { uri: string; hash: Hex }>;

/** Checks an OPTIMISTIC output locally: a canonical tensor, inline (`InvalidDataError` for `{ uri, hash }`). */
export function inlineOutput(output: InlineOutput): NormalizedData {
  const data = normalizeTensorData(output, "output");
  if (data.uri !== "") throw new InvalidDataError("OPTIMISTIC outputs are inline (the game commits to the bytes): pass the tensor or its bytes, not { uri, hash }");
  return data;
}

/**
 * A proposal of `output` for an OPTIMISTIC job by `proposer`: the job and its game, the output, the salt (`salt`, or
 * a fresh random one) and the commitment the game stores first.
 */
export async function proposalOf(
  client: VerityClient,
  parameters: { hub: Address; jobId: bigint; job?: JobStruct | undefined; output: InlineOutput; salt?: Hex | undefined },
  proposer: Address,
  action: string,
) {
  const data = inlineOutput(parameters.output);
  const { job, game, bond, window } = await optimisticJob(client, parameters, action);
  const salt = parameters.salt ?? randomSalt();
  const commitment = proposalCommitment({ jobId: parameters.jobId, proposer, outputHash: data.hash, salt });
  return { job, game, bond, window, output: data.bytes, outputHash: data.hash, result: resultStruct(data), salt, commitment, proposer };
}

/**
 * The body of `finalizeResult` and `expireChallenge`: both take the proposed output back (given, or read from the
 * game's `ResultProposed`) and settle the job at its game.
 */
export async function settleProposal(
  client: VerityClient,
  parameters: JobWriteParameters & { output?: InlineOutput | undefined; fromBlock?: BlockNumber | undefined },
  action: string,
  functionName: "finalize" | "expireChallenge",
): Promise<Hash> {
  checkJobWriteParameters(action, client, parameters);
  expectBigint(action, "fromBlock", parameters.fromBlock, { optional: true });
  const { jobId } = parameters;
  const options = writeOptions(client, parameters, action);
  // A given output is checked before anything is read.
  let output = parameters.output === undefined ? undefined : inlineOutput(parameters.output).bytes;
  const { job, read, game } = await optimisticJob(client, parameters, action);
  if (output === undefined) {
    const proposed = await proposalEvent(client, game, jobId, parameters.fromBlock ?? read?.requested.blockNumber);
    if (!proposed) throw new NoProposalError({ jobId, status: read?.status ?? "unknown" });
    output = proposed.output;
  }
  return writeGame(client, game, options, { functionName, args: [jobId, job, proposedResult(output)] });
}
