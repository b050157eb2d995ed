#!/usr/bin/env node
// The `verity` command: runs the CLI (main.ts) on this process's arguments and streams. SIGINT / SIGTERM stop
// long-running commands cleanly (`operator run`, `infer --wait`); a second one exits at once. Installed, this is
// verity-inference-node's compiled `dist/cli/bin.js`; in the repository, bin/verity.mjs loads it with tsx.
import { runCli } from "./main.js";

const controller = new AbortController();
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  });
}

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
// Exit explicitly: an RPC keep-alive or a prover's worker thread must not keep the process open. Let stdout drain.
process.stdout.write("", () => process.exit(code));
