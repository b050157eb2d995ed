import { Command, CommanderError } from "commander";
import type { Action, ActionBody } from "./action.js";
import { registerAttestor } from "./attestor.js";
import { registerBatch, registerServe } from "./batch.js";
import { type CliIO, CliContext, DEFAULT_RPC_URL, type GlobalOptions } from "./context.js";
import { registerDeploy } from "./deploy.js";
import { EXIT, describeError } from "./errors.js";
import { registerGovernance } from "./governance.js";
import { registerInfer } from "./infer.js";
import { registerJob } from "./job.js";
import { registerModel } from "./model.js";
import { registerOperator, registerWithdraw } from "./operator.js";
import { PRIVATE_KEY, keyFileHelp } from "./secrets.js";
import { registerZk } from "./zk.js";

/**
 * The `verity` command line: `bin/verity.mjs` calls {@link runCli} with the process's streams; tests call it
 * in-process with their own. One file per command group; each registers its commands on the program.
 */


export type { Action, ActionBody } from "./action.js";

type RunState = { ctx: CliContext | undefined };

const defaultIO: CliIO = { stdout: process.stdout, stderr: process.stderr };

/** Builds the program. `io` is where its output goes; `state` receives the context of the command that ran. */
export function buildProgram(io: CliIO = defaultIO, state: RunState = { ctx: undefined }): Command {
  const program = new Command("verity");
  program
    .description("Verifiable AI inference on EVM chains: deploy, publish models, request and verify inferences, run an operator.")
    .option("--rpc <url>", `JSON-RPC URL (env VERITY_RPC_URL; default ${DEFAULT_RPC_URL})`)
    .option("--key-file <path>", `the private key that signs transactions, ${keyFileHelp(PRIVATE_KEY)}`)
    .option("--key <hex>", "the private key itself (shown by `ps`: prefer --key-file or env VERITY_PRIVATE_KEY)")
    .option("--hub <address>", "InferenceHub address (env VERITY_HUB; default: deployments/<chainId>.json)")
    .option("--json", "machine-readable output on stdout (and no progress on stderr)")
    .option("--confirmations <n>", "confirmations to wait for each transaction and for a result to be final (default 1)")
    .option("--deployments <dir>", "folder of deployment files (env VERITY_DEPLOYMENTS_DIR; default ./deployments)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .showHelpAfterError("(add --help for usage)")
    .configureHelp({ showGlobalOptions: true })
    .helpCommand(false);

  const action: Action =
    <O>(body: ActionBody<O>, setup?: (ctx: CliContext) => void) =>
    async (...params: unknown[]) => {
      const command = params[params.length - 1] as Command;
      const ctx = new CliContext(io, command.optsWithGlobals<GlobalOptions>());
      state.ctx = ctx;
      setup?.(ctx);
      await body(ctx, command.args, command.opts<O & object>() as O);
    };

  registerDeploy(program, action);
  registerModel(program, action);
  registerInfer(program, action);
  registerJob(program, action);
  registerOperator(program, action);
  registerWithdraw(program, action);
  registerAttestor(program, action);
  registerServe(program, action);
  registerBatch(program, action);
  registerZk(program, action);
  registerGovernance(program, action);

  program.addHelpText("after", () => `\nAll commands:\n${commandReference(program)}\n\n${HELP_FOOTER}`);
  return program;
}

const HELP_FOOTER = `Amounts are decimal whole units of the currency (0.003) or base units with "wei" (3000wei).
Keys: give them in files (--key-file, --enclave-key-file, --attestor-key-file) or in the environment (VERITY_PRIVATE_KEY,
VERITY_ENCLAVE_KEY, VERITY_ATTESTOR_KEY), not with --key, --enclave-key or --attestor-key, which \`ps\` and shell history show.
Exit codes: 0 success, 1 failure (job verify: invalid), 2 bad usage, 3 job verify: pending, 4 job verify: could not check.
Set VERITY_DEBUG=1 for stack traces.`;

/** Every leaf command with its arguments and description, one line each (the root help lists them all). */
export function commandReference(program: Command): string {
  const rows: [string, string][] = [];
  const walk = (cmd: Command, prefix: string) => {
    for (const sub of cmd.commands) {
      const name = `${prefix}${sub.name()}`;
      if (sub.commands.length > 0) walk(sub, `${name} `);
      else {
        const args = sub.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`));
        const required = sub.options.filter((o) => o.mandatory).map((o) => o.flags.replace(/^-\w, /, ""));
        const optional = sub.options.some((o) => !o.mandatory) ? ["[options]"] : [];
        rows.push([["verity", name, ...args, ...required, ...optional].join(" "), sub.description()]);
      }
    }
  };
  walk(program, "");
  return rows.map(([u, d]) => `  ${u}\n      ${d}`).join("\n");
}

/**
 * Runs the CLI on `argv` (the arguments after `verity`) and resolves to the exit code. Never throws and never
 * exits the process: errors are printed on `io.stderr` as a message that says what to do.
 *
 * @example
 * ```ts
 * const code = await runCli(["job", "verify", "1", "--rpc", url], { stdout, stderr });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIO = defaultIO): Promise<number> {
  const state: RunState = { ctx: undefined };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return state.ctx?.exitCode ?? EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed the help or the usage error already.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const debug = (io.env ?? process.env).VERITY_DEBUG === "1";
    for (const line of describeError(err, debug)) io.stderr.write(`${line}\n`);
    return state.ctx?.errorExitCode ?? EXIT.failure;
  }
}
