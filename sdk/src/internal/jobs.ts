import type { Address, Hex, Log } from "viem";
import type { EventLocation, JobStruct } from "../types.js";

/** A job as its `InferenceRequested` event tells it. */
export type RequestedJob = {
  jobId: bigint;
  modelId: Hex;
  requester: Address;
  job: JobStruct;
  /** The inline input bytes, or undefined when given by URI. */
  input: Hex | undefined;
  inputURI: string | undefined;
  requested: EventLocation;
};

export function location(log: Pick<Log<bigint, number, false>, "blockNumber" | "transactionHash" | "logIndex">): EventLocation {
  return { blockNumber: log.blockNumber, transactionHash: log.transactionHash, logIndex: log.logIndex };
}

export function orUndefined<T extends string>(value: T): T | undefined {
  return value === "0x" || value === "" ? undefined : value;
}

export function requestedJobFromLog(log: {
  args: { jobId: bigint; modelId: Hex; requester: Address; job: JobStruct; input: Hex; inputURI: string };
  blockNumber: bigint;
  transactionHash: Hex;
  logIndex: number;
}): RequestedJob {
  const { jobId, modelId, requester, job, input, inputURI } = log.args;
  return {
    jobId,
    modelId,
    requester,
    job: { ...job },
    input: orUndefined(input),
    inputURI: orUndefined(inputURI),
    requested: location(log),
  };
}
