/**
 * Processes a test starts, in their own process group, so that stopping one stops what it started too: an npm
 * `.bin` wrapper (such as `anvil`'s, a Node script that spawns the real binary) would otherwise leave its child
 * running after the wrapper is killed.
 */
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";

/** Starts `command` as the leader of a new process group (`detached`, not unref'd: the test still waits on it). */
export function spawnGroup(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  return spawn(command, [...args], { ...options, detached: true });
}

/** Whether any process of the group `pgid` is still alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Stops a process group started by {@link spawnGroup}: `signal` to every member, then SIGKILL to what is left
 * after `graceMs`; resolves once no member is alive (throws if one survives SIGKILL for 5 s).
 */
export async function stopGroup(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM", graceMs = 5_000): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined) return;
  const signalGroup = (s: NodeJS.Signals) => {
    try {
      process.kill(-pgid, s);
    } catch {
      // Already gone.
    }
  };
  signalGroup(signal);
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (!groupAlive(pgid)) return;
  signalGroup("SIGKILL");
  const killDeadline = Date.now() + 5_000;
  while (groupAlive(pgid)) {
    if (Date.now() > killDeadline) throw new Error(`process group ${pgid} survived SIGKILL`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
