import { ContractRevertError, findRevert } from "./contract.js";
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
