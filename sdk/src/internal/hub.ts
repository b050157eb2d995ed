import type { Abi, Account, Address, Chain, ContractFunctionArgs, ContractFunctionName, Hash } from "viem";
import { writeContract } from "viem/actions";
import { attestorCommitteeAbi, enclaveRegistryAbi, inferenceHubAbi, operatorRegistryAbi, optimisticGameAbi } from "../abis.js";
import { readJob } from "./readJob.js";
import { withVerityErrors } from "../errors/decode.js";
import { JobModeMismatchError } from "../errors/job.js";
import type { Job, JobStruct, VerityClient } from "../types.js";

type Writable<abi extends Abi> = ContractFunctionName<abi, "nonpayable" | "payable">;
type WriteOptions = { account: Account | Address; chain: Chain | null };
/** One write call of `abi`: the function, its arguments (typed by name) and any value. */
type WriteCall<abi extends Abi, name extends Writable<abi>> = {
  functionName: name;
  args?: ContractFunctionArgs<abi, "nonpayable" | "payable", name> | undefined;
  value?: bigint | undefined;
};

function write(client: VerityClient, address: Address, abi: Abi, options: WriteOptions, call: WriteCall<Abi, string>): Promise<Hash> {
  return withVerityErrors(() =>
    // viem cannot narrow a union of functions through a generic name; the public wrappers type `call`.
    writeContract(client, { address, abi, ...call, ...options } as Parameters<typeof writeContract>[1]),
  );
}

/** A write function for the contract whose ABI is `abi`, typed by function name. */
const writerOf =
  <abi extends Abi>(abi: abi) =>
  <const name extends Writable<abi>>(client: VerityClient, address: Address, options: WriteOptions, call: WriteCall<abi, name>): Promise<Hash> =>
    write(client, address, abi, options, call as WriteCall<Abi, string>);

/**
 * Sends one InferenceHub transaction from `options` (see `writeOptions`), with reverts decoded to the SDK's errors
 * (`ContractRevertError`, `RpcUnreachableError`). Returns its hash; nothing waits.
 */
export const writeHub = writerOf(inferenceHubAbi);
/** {@link writeHub} for the OperatorRegistry. */
export const writeRegistry = writerOf(operatorRegistryAbi);
/** {@link writeHub} for the EnclaveRegistry. */
export const writeEnclaves = writerOf(enclaveRegistryAbi);
/** {@link writeHub} for the AttestorCommittee. */
export const writeCommittee = writerOf(attestorCommitteeAbi);
/** {@link writeHub} for an OPTIMISTIC dispute game (a job's `verifier`). */
export const writeGame = writerOf(optimisticGameAbi);

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
