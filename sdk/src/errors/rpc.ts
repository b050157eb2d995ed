import { BaseError, HttpRequestError, TimeoutError, WebSocketRequestError } from "viem";
import { VerityError } from "./base.js";

/** The JSON-RPC endpoint did not answer (connection refused, DNS failure, timeout). */
export class RpcUnreachableError extends VerityError {
  override name = "RpcUnreachableError";
  readonly url: string;
  constructor({ url, cause }: { url: string; cause: Error }) {
    super(`cannot reach RPC at ${url}: is the node running?`, {
      cause,
      details: cause instanceof BaseError ? cause.details : cause.message,
      metaMessages: ["Start a node (`npx hardhat node`) or point the client's transport at a live RPC URL."],
    });
    this.url = url;
  }
}
export type RpcUnreachableErrorType = RpcUnreachableError & { name: "RpcUnreachableError" };

/** The transport error that means the RPC endpoint could not be reached at all, if `err` wraps one. */
export function findUnreachableRpc(err: unknown): { url: string; error: Error } | undefined {
  if (!(err instanceof BaseError)) return undefined;
  const found = err.walk(
    (e) =>
      e instanceof TimeoutError ||
      e instanceof WebSocketRequestError ||
      // An HTTP status means the server answered: that is not "unreachable".
      (e instanceof HttpRequestError && e.status === undefined),
  );
  if (found instanceof TimeoutError || found instanceof WebSocketRequestError || found instanceof HttpRequestError) {
    return { url: found.url, error: found };
  }
  return undefined;
}
