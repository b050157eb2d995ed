import type { Address, BlockNumber, Hex } from "viem";
import { getContractEvents } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import { VerityMode } from "../constants.js";
import { decodeOptimisticParams } from "../encoding/params.js";
import { withVerityErrors } from "../errors/decode.js";
import type { Job, JobStruct, VerityClient } from "../types.js";
import { jobFor } from "./hub.js";
import { location } from "./jobs.js";

/** An OPTIMISTIC job's struct (given, or read from chain) with its unpacked params; refuses other modes. */
export async function optimisticJob(
  client: VerityClient,
  { hub, jobId, job }: { hub: Address; jobId: bigint; job?: JobStruct | undefined },
  action: string,
): Promise<{ job: JobStruct; read: Job | undefined; window: bigint; bond: bigint; slashAmount: bigint }> {
  const { job: struct, read } = await jobFor(client, { hub, jobId, job }, { mode: VerityMode.optimistic, action });
  return { job: struct, read, ...decodeOptimisticParams(struct.params) };
}

/** A job's `ResultProposed` event (the last one: a job has at most one), or undefined. */
export async function proposalEvent(client: VerityClient, hub: Address, jobId: bigint, fromBlock: BlockNumber = 0n) {
  const logs = await withVerityErrors(() =>
    getContractEvents(client, {
      address: hub,
      abi: inferenceHubAbi,
      eventName: "ResultProposed",
      args: { jobId },
      fromBlock,
      toBlock: "latest",
      strict: true,
    }),
  );
  const log = logs.at(-1);
  if (!log) return undefined;
  const { proposer, outputHash, bond, challengeWindowEnd, output, outputURI } = log.args;
  return { ...location(log), proposer, outputHash, bond, challengeWindowEnd, output: output as Hex, outputURI };
}
