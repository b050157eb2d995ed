#!/usr/bin/env node
// The `verity` command (package.json "bin"): loads the TypeScript sources with tsx and runs the CLI
// (sdk/src/cli/main.ts). SIGINT / SIGTERM stop long-running commands cleanly (`operator run`, `infer --wait`);
// a second one exits at once.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../sdk/src/cli/main.ts");

const controller = new AbortController();
for (const sig of ["SIGINT", "SIGTERM"]) {
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
