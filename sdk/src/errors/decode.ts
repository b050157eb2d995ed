import { type Address, BaseError, ContractFunctionZeroDataError } from "viem";
import { getCode, readContract } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import type { VerityClient } from "../types.js";
import { ContractRevertError, HubNotFoundError, findRevert } from "./contract.js";
import { VerityError } from "./base.js";
import { RpcUnreachableError, findUnreachableRpc } from "./rpc.js";

/**
 * Turns an error thrown by viem into the SDK's error for it: an unreachable RPC becomes
 * {@link RpcUnreachableError}, a revert becomes {@link ContractRevertError} with the custom error decoded against
 * every Verity ABI. Other errors (and SDK errors) are returned unchanged.
 */
export function toVerityError(err: unknown): unknown {
  if (err instanceof VerityError) return err;
  const rpc = findUnreachableRpc(err);
  if (rpc) return new RpcUnreachableError({ url: rpc.url, cause: err as Error });
  const revert = findRevert(err);
  if (revert) return new ContractRevertError({ data: revert.data, cause: err as Error });
  return err;
}

/** Runs `fn`, rethrowing its error through {@link toVerityError}. */
export async function withVerityErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toVerityError(err);
  }
}

/**
 * Whether the hub is there: "no-code" when `hub` has no code, "not-a-hub" when the contract there does not answer
 * the hub's `jobCount()`, undefined when it is a hub (or the RPC could not tell).
 */
export async function hubProblem(client: VerityClient, hub: Address): Promise<"no-code" | "not-a-hub" | undefined> {
  let code: string | undefined;
  try {
    code = await getCode(client, { address: hub });
  } catch {
    return undefined;
  }
  if (code === undefined || code === "0x") return "no-code";
  try {
    await readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "jobCount" });
    return undefined;
  } catch (err) {
    return findUnreachableRpc(err) ? undefined : "not-a-hub";
  }
}

/**
 * {@link toVerityError} for a failed read or write of the InferenceHub at `hub`: a revert without a reason (what a
 * contract without the function does, e.g. "function selector was not recognized") or a call that returned no data
 * (an address without code) becomes {@link HubNotFoundError} when `hub` has no code or does not answer the hub's
 * interface. Only failures pay for the check (`eth_getCode`, then one view call).
 */
export async function toHubError(client: VerityClient, hub: Address, err: unknown): Promise<unknown> {
  const e = toVerityError(err);
  const noReason = e instanceof ContractRevertError && e.errorName === undefined && (e.data === undefined || e.data === "0x");
  const noData = err instanceof BaseError && err.walk((x) => x instanceof ContractFunctionZeroDataError) !== null;
  if (!noReason && !noData) return e;
  const problem = await hubProblem(client, hub);
  return problem ? new HubNotFoundError({ hub, reason: problem, chainId: client.chain?.id, cause: e as Error }) : e;
}

/** Runs `fn`, which reads or writes the hub at `hub`, rethrowing its error through {@link toHubError}. */
export async function withHubErrors<T>(client: VerityClient, hub: Address, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw await toHubError(client, hub, err);
  }
}
