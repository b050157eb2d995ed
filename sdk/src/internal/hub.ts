import type { Account, Address, Chain, ContractFunctionArgs, ContractFunctionName, Hash } from "viem";
import { writeContract } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import { readJob } from "./readJob.js";
import { withVerityErrors } from "../errors/decode.js";
import { JobModeMismatchError } from "../errors/job.js";
import type { Job, JobStruct, VerityClient } from "../types.js";

type HubWriteName = ContractFunctionName<typeof inferenceHubAbi, "nonpayable" | "payable">;

/**
 * Sends one InferenceHub transaction from `options` (see `writeOptions`), with reverts decoded to the SDK's errors
 * (`ContractRevertError`, `RpcUnreachableError`). Returns its hash; nothing waits.
 */
export function writeHub<const functionName extends HubWriteName>(
  client: VerityClient,
  hub: Address,
  options: { account: Account | Address; chain: Chain | null },
  call: {
    functionName: functionName;
    args: ContractFunctionArgs<typeof inferenceHubAbi, "nonpayable" | "payable", functionName>;
    value?: bigint | undefined;
  },
): Promise<Hash> {
  return withVerityErrors(() =>
    // viem cannot narrow the union of the hub's functions through a generic name; `call` is checked above.
    writeContract(client, { address: hub, abi: inferenceHubAbi, ...call, ...options } as Parameters<typeof writeContract>[1]),
  );
}

/**
 * The job an action works on: the struct given, else read from chain (`read`, with its events). With `expected`,
 * a job of another mode is refused with {@link JobModeMismatchError} naming `action`.
 */
export async function jobFor(
  client: VerityClient,
  { hub, jobId, job }: { hub: Address; jobId: bigint; job?: JobStruct | undefined },
  expected?: { mode: number; action: string },
): Promise<{ job: JobStruct; read: Job | undefined }> {
  const read = job === undefined ? await readJob(client, { hub, jobId }) : undefined;
  const struct = job ?? read!.job;
  if (expected && struct.mode !== expected.mode) {
    throw new JobModeMismatchError({ jobId, mode: struct.mode, expected: expected.mode, action: expected.action });
  }
  return { job: struct, read };
}
