import type { Hex } from "viem";
import type { MlpWeights } from "../model/mlp.js";
import type { CliContext } from "./context.js";
import { CliError } from "./errors.js";
import { parseBytes32, parseVersion } from "./parse.js";

/** What the long-running commands (`operator run`, `operator watch`) share: served models, ZK weights, stopping. */

/** Commander collector of a repeatable, comma-separated option (`--model a:1,b:2 --model c:1`). */
export const collectList = (value: string, previous: string[] = []) => [
  ...previous,
  ...value.split(",").map((s) => s.trim()).filter(Boolean),
];

/** `<modelId>:<version>`. */
export function parseServed(value: string): { modelId: Hex; version: number } {
  const m = /^(0x[0-9a-fA-F]+):(\d+)$/.exec(value);
  if (!m) throw new CliError(`--model "${value}" is not <modelId>:<version> (0x...:1).`);
  return { modelId: parseBytes32(m[1]!, "--model id"), version: parseVersion(m[2]!) };
}

/** The ZK prover's weights (`--zk-weights`) and artifacts folder (`--zk-artifacts`), or undefined without weights. */
export async function zkProver(
  ctx: CliContext,
  o: { zkWeights?: string | undefined; zkArtifacts?: string | undefined },
): Promise<{ weights: MlpWeights; artifactsDir?: string } | undefined> {
  if (o.zkWeights === undefined) {
    if (o.zkArtifacts !== undefined) throw new CliError("--zk-artifacts needs --zk-weights (the weights to prove with).");
    return undefined;
  }
  const { loadIrisModel } = await import("../model/iris.js");
  const zk: { weights: MlpWeights; artifactsDir?: string } = { weights: loadIrisModel(ctx.resolvePath(o.zkWeights)).weights };
  if (o.zkArtifacts !== undefined) zk.artifactsDir = ctx.resolvePath(o.zkArtifacts);
  return zk;
}

/** Polling interval of a long-running command: brisk on a local dev chain, every 2 s elsewhere. */
export function servePollingMs(chainId: number): number {
  return chainId === 31337 || chainId === 1337 ? 500 : 2_000;
}

/** Resolves when the command's abort signal fires (Ctrl-C, SIGTERM); at once without a signal. */
export function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!signal || signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** The first line of an error, for a progress line. */
export function shortError(e: Error): string {
  return (e as { shortMessage?: string }).shortMessage ?? e.message.split("\n")[0]!;
}

/** `[hh:mm:ss] line`. */
export function stamped(line: string): string {
  return `[${new Date().toISOString().slice(11, 19)}] ${line}`;
}
