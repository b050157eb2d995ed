import { BaseError } from "viem";
import { VerityError } from "../errors/base.js";
import { ContractRevertError } from "../errors/contract.js";
import { toVerityError } from "../errors/decode.js";
import { RpcUnreachableError } from "../errors/rpc.js";

/** Exit codes of the `verity` command. */
export const EXIT = {
  ok: 0,
  /** The command failed (or `job verify`: the job is invalid). */
  failure: 1,
  /** Bad usage: unknown command or option, missing argument. */
  usage: 2,
  /** `job verify`: no result yet, or not final yet. */
  pending: 3,
  /** `job verify`: the job could not be checked (RPC down, unknown job...). */
  unverifiable: 4,
} as const;

/** A problem with what the user asked for, found by the CLI itself; `hints` say what to do. */
export class CliError extends VerityError {
  override name = "CliError";
  constructor(message: string, hints: readonly string[] = []) {
    super(message, { metaMessages: [...hints] });
  }
}
export type CliErrorType = CliError & { name: "CliError" };

/**
 * The lines to print for an error: what went wrong and what to do, never a stack trace (unless `debug`).
 * SDK errors carry their own advice (`metaMessages`); an unreachable RPC gets the CLI's.
 */
export function describeError(err: unknown, debug: boolean): string[] {
  const e = toVerityError(err);
  const lines: string[] = [];
  if (e instanceof RpcUnreachableError) {
    lines.push(`error: cannot reach RPC at ${e.url}: is the node running?`);
    lines.push("  start one with `npx hardhat node --hostname 127.0.0.1`, or point --rpc (VERITY_RPC_URL) at a live node");
  } else if (e instanceof BaseError) {
    lines.push(`error: ${e.shortMessage}`);
    const details = e.details?.trim();
    // viem repeats the short message as details for some errors; a decoded revert's raw data and the node's
    // wording of it only help when debugging.
    const decodedRevert = e instanceof ContractRevertError && e.errorName !== undefined;
    if (details && details !== e.shortMessage && (debug || !decodedRevert)) {
      lines.push(`  ${details.split("\n")[0]}`);
    }
    for (const m of e.metaMessages ?? []) if (m.trim()) lines.push(`  ${m.trim()}`);
  } else if (e instanceof Error) {
    lines.push(`error: ${e.message}`);
  } else {
    lines.push(`error: ${String(e)}`);
  }
  if (debug && e instanceof Error) {
    lines.push("", e.stack ?? "(no stack)");
    let cause = (e as { cause?: unknown }).cause;
    while (cause instanceof Error) {
      lines.push(`caused by: ${cause.stack ?? cause.message}`);
      cause = (cause as { cause?: unknown }).cause;
    }
  }
  return lines;
}
