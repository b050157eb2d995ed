import type { Abi, Account, Address, Chain, ContractFunctionArgs, ContractFunctionName, Hash } from "viem";
import { getCode, writeContract } from "viem/actions";
import { attestorCommitteeAbi, batchSettlementAbi, enclaveRegistryAbi, inferenceHubAbi, operatorRegistryAbi, optimisticGameAbi, zkVerifierAbi } from "../abis.js";
import { readJob } from "./readJob.js";
import { HubNotFoundError } from "../errors/contract.js";
import { withHubErrors, withVerityErrors } from "../errors/decode.js";
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
  // viem cannot narrow a union of functions through a generic name; the public wrappers type `call`.
  return writeContract(client, { address, abi, ...call, ...options } as Parameters<typeof writeContract>[1]);
}

/** A write function for the contract whose ABI is `abi`, typed by function name. */
const writerOf =
  <abi extends Abi>(abi: abi) =>
  <const name extends Writable<abi>>(client: VerityClient, address: Address, options: WriteOptions, call: WriteCall<abi, name>): Promise<Hash> =>
    withVerityErrors(() => write(client, address, abi, options, call as WriteCall<Abi, string>));

/** Hubs each client has seen code at: a write checks once per client and hub. */
const hubsWithCode = new WeakMap<object, Set<string>>();

/**
 * Refuses, before anything is sent, a hub address without code with {@link HubNotFoundError}: a transaction to it
 * would succeed and do nothing. One `eth_getCode` per client and hub.
 */
export async function ensureHubCode(client: VerityClient, hub: Address): Promise<void> {
  const known = hubsWithCode.get(client) ?? new Set<string>();
  if (known.has(hub.toLowerCase())) return;
  const code = await withVerityErrors(() => getCode(client, { address: hub }));
  if (code === undefined || code === "0x") throw new HubNotFoundError({ hub, reason: "no-code", chainId: client.chain?.id });
  known.add(hub.toLowerCase());
  hubsWithCode.set(client, known);
}

/**
 * Sends one InferenceHub transaction from `options` (see `writeOptions`), with reverts decoded to the SDK's errors
 * (`ContractRevertError`, `RpcUnreachableError`, and `HubNotFoundError` when `hub` has no code, refused before
 * sending, or is not a hub). Returns its hash; nothing waits.
 */
export async function writeHub<const name extends Writable<typeof inferenceHubAbi>>(
  client: VerityClient,
  hub: Address,
  options: WriteOptions,
  call: WriteCall<typeof inferenceHubAbi, name>,
): Promise<Hash> {
  await ensureHubCode(client, hub);
  return withHubErrors(client, hub, () => write(client, hub, inferenceHubAbi, options, call as WriteCall<Abi, string>));
}

/** {@link writeHub} for the OperatorRegistry. */
export const writeRegistry = writerOf(operatorRegistryAbi);
/** {@link writeHub} for the EnclaveRegistry. */
export const writeEnclaves = writerOf(enclaveRegistryAbi);
/** {@link writeHub} for the AttestorCommittee. */
export const writeCommittee = writerOf(attestorCommitteeAbi);
/** {@link writeHub} for an OPTIMISTIC dispute game (a job's `verifier`). */
export const writeGame = writerOf(optimisticGameAbi);
/** {@link writeHub} for the ZK verifier (the hub's `verifierOf(2)`). */
export const writeZkVerifier = writerOf(zkVerifierAbi);
/** {@link writeHub} for the BATCH mode's BatchSettlement (`OperatorRegistry.batchSettlement()`). */
export const writeBatch = writerOf(batchSettlementAbi);

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
