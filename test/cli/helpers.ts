/**
 * CLI test helpers: a real `hardhat node` process on a free port, Hardhat's funded accounts as keys, and `verity`
 * run in-process through `runCli` with captured output.
 */
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { spawnGroup, stopGroup } from "../helpers/processes.js";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Address, type Hex, type PublicClient, bytesToHex, createPublicClient, http } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { getBalance, readContract } from "viem/actions";
import { inferenceHubAbi } from "../../sdk/src/abis.js";
import { PACKAGE_ROOT } from "../../sdk/src/cli/context.js";
import { runCli } from "../../sdk/src/cli/main.js";

export const MNEMONIC = "test test test test test test test test test test test junk";

/** The private key of Hardhat's default account `index`. */
export function hardhatKey(index: number): Hex {
  const key = mnemonicToAccount(MNEMONIC, { addressIndex: index }).getHdKey().privateKey;
  if (!key) throw new Error("no private key");
  return bytesToHex(key);
}

/** A TCP port nothing listens on (yet). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function chainIdAt(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    return ((await res.json()) as { result?: string }).result;
  } catch {
    return undefined;
  }
}

export type HardhatNode = { url: string; port: number; process: ChildProcess; stop: () => Promise<void> };

/** Starts `hardhat node` on 127.0.0.1 and a free port; resolves once it answers eth_chainId. */
export async function startHardhatNode(): Promise<HardhatNode> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // The binary itself (not npx), so the PID stopped is the server's; Node 22 first on PATH for its shebang.
  const child = spawnGroup(path.join(PACKAGE_ROOT, "node_modules", ".bin", "hardhat"), ["node", "--hostname", "127.0.0.1", "--port", `${port}`], {
    cwd: PACKAGE_ROOT,
    env: {
      ...process.env,
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`,
      CI: "true",
      HARDHAT_DISABLE_TELEMETRY: "true",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const started = Date.now();
  while ((await chainIdAt(url)) === undefined) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited early:\n${log}`);
    if (Date.now() - started > 30_000) {
      await stopGroup(child, "SIGKILL");
      throw new Error(`hardhat node did not answer on ${url} within 30 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    process: child,
    // The whole process group: hardhat and anything it started.
    stop: async () => {
      await stopGroup(child, "SIGTERM");
      await exited;
    },
  };
}

export type CliRun = { code: number; stdout: string; stderr: string; ms: number };

/** A writable that keeps what is written. */
function capture() {
  const chunks: string[] = [];
  return { stream: { write: (s: string) => chunks.push(s) > 0, isTTY: false }, text: () => chunks.join("") };
}

/**
 * Runs `verity <argv>` in-process with only the given environment (so a developer's own VERITY_* variables
 * never leak in) and returns the exit code and what it printed.
 */
export async function verity(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  options: { signal?: AbortSignal; cwd?: string } = {},
): Promise<CliRun> {
  const out = capture();
  const err = capture();
  const started = Date.now();
  const code = await runCli(argv, { stdout: out.stream, stderr: err.stream, env, cwd: options.cwd ?? PACKAGE_ROOT, signal: options.signal });
  return { code, stdout: out.text(), stderr: err.text(), ms: Date.now() - started };
}

/** A fresh temporary folder (removed by the returned function). */
export async function tempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Parses a `--json` run's stdout, failing with its stderr when it did not succeed. */
export function json<T = Record<string, unknown>>(run: CliRun): T {
  if (run.code !== 0) throw new Error(`verity exited ${run.code}:\n${run.stderr}\n${run.stdout}`);
  return JSON.parse(run.stdout) as T;
}

/** A hardhat node, a temporary deployments folder, the CLI's environment for them, and a reader. */
export type CliChain = {
  node: HardhatNode;
  tmp: { dir: string; remove: () => Promise<void> };
  /** `VERITY_RPC_URL` and `VERITY_DEPLOYMENTS_DIR` of this chain. */
  env: Record<string, string>;
  /** An Ignition deployment id of this run (its journal is removed by `stop`). */
  deploymentId: string;
  publicClient: PublicClient;
  /** `env` with the private key that signs. */
  as: (key: Hex) => Record<string, string>;
  stop: () => Promise<void>;
};

/** Starts a hardhat node for a CLI suite; `stop` stops it and removes the suite's files. */
export async function startCliChain(name: string): Promise<CliChain> {
  const node = await startHardhatNode();
  const tmp = await tempDir(`verity-${name}-`);
  const env = { VERITY_RPC_URL: node.url, VERITY_DEPLOYMENTS_DIR: tmp.dir };
  const deploymentId = `${name}-${node.port}`;
  return {
    node,
    tmp,
    env,
    deploymentId,
    publicClient: createPublicClient({ transport: http(node.url), pollingInterval: 100 }),
    as: (key) => ({ ...env, VERITY_PRIVATE_KEY: key }),
    stop: async () => {
      await node.stop();
      await tmp.remove(); // the deployment records and the Ignition journal (deployments/ignition/<id>/)
    },
  };
}

/**
 * Runs `refusal` (a command that must be refused before anything is sent) and checks that it sent nothing: the
 * hub has no new job and `account` paid nothing, not even gas.
 */
export async function expectNothingSent(publicClient: PublicClient, hub: Address, account: Address, refusal: () => Promise<unknown>) {
  const snapshot = () =>
    Promise.all([readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "jobCount" }), getBalance(publicClient, { address: account })]);
  const before = await snapshot();
  await refusal();
  expect(await snapshot()).to.deep.equal(before);
}
