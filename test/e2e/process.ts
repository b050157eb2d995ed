/** A `verity operator run` process for end-to-end tests: its output lines, and a wait for a line. */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { expect } from "chai";
import type { Hex } from "viem";
import { PACKAGE_ROOT } from "../../sdk/src/cli/context.js";
import { type HardhatNode, startHardhatNode, tempDir, verity } from "../cli/helpers.js";

export type Operator = { child: ChildProcess; lines: string[]; waitFor: (re: RegExp, ms?: number) => Promise<string> };

export function startOperator(args: string[], env: Record<string, string>): Operator {
  return startVerity(["operator", "run", ...args], env);
}

/** A long-running `verity` command (`operator run`, `serve`) as a process. */
export function startVerity(argv: string[], env: Record<string, string>): Operator {
  const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, "bin", "verity.mjs"), ...argv], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, ...env, CI: "true", HARDHAT_DISABLE_TELEMETRY: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const onData = (d: Buffer) => lines.push(...d.toString().split("\n").filter(Boolean));
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const waitFor = async (re: RegExp, ms = 30_000) => {
    const started = Date.now();
    for (;;) {
      const hit = lines.find((l) => re.test(l));
      if (hit) return hit;
      if (child.exitCode !== null) throw new Error(`operator exited (${child.exitCode}) before ${re}:\n${lines.join("\n")}`);
      if (Date.now() - started > ms) throw new Error(`operator printed no line matching ${re} within ${ms} ms:\n${lines.join("\n")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, lines, waitFor };
}

/** Sends `signal` and waits for the process to exit (nothing if it already has). */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill(signal);
  await exited;
}

/**
 * The shared set-up of an end-to-end suite: a `hardhat node` process and a work directory made before the suite,
 * the operator processes it starts killed after it; `env(key)` and `ok(argv, key)` run the CLI against them.
 */
export function e2eChain(prefix: string) {
  const chain = {
    node: undefined as unknown as HardhatNode,
    work: undefined as unknown as { dir: string; remove: () => Promise<void> },
    operators: [] as Operator[],
    env: (key: Hex) => ({ VERITY_RPC_URL: chain.node.url, VERITY_PRIVATE_KEY: key, VERITY_DEPLOYMENTS_DIR: chain.work.dir }),
    /** Runs `verity argv` with `key` and expects it to succeed. */
    ok: async (argv: string[], key: Hex) => {
      const run = await verity(argv, chain.env(key));
      expect(run.code, `verity ${argv.join(" ")}\n${run.stderr}\n${run.stdout}`).to.equal(0);
      return run;
    },
  };
  before(async () => {
    chain.node = await startHardhatNode();
    chain.work = await tempDir(prefix);
  });
  after(async () => {
    for (const o of chain.operators) await stopProcess(o.child, "SIGKILL");
    await chain.node?.stop();
    await chain.work?.remove();
  });
  return chain;
}
