import { readFileSync } from "node:fs";
import path from "node:path";
import type { Hex } from "viem";
import { CliError } from "./errors.js";
import { parsePrivateKey } from "./parse.js";

/**
 * Private keys given to the CLI: a `--<name>-file <path>` (preferred), an environment variable, or (last resort)
 * the `--<name> <hex>` flag, which every user of the machine can read in `ps` output and which lands in the shell's
 * history. A key file holds the hex key (0x optional), surrounding whitespace and newlines ignored.
 */
export type KeySource = {
  /** The flag that takes the key itself: `--key`. */
  flag: string;
  /** The environment variable: `VERITY_PRIVATE_KEY`. */
  env: string;
};

/** How to give a key, for a hint: the file flag and the environment variable first, the plain flag last. */
export function keyHint(source: KeySource): string {
  return `pass ${source.flag}-file <path> or set ${source.env} (both keep the key out of \`ps\` and your shell history), or ${source.flag} <hex>`;
}

/** The end of a `--<name>-file <path>` option's help: how the file is read, and what is preferred. */
export function keyFileHelp(source: KeySource): string {
  return `read from a file holding it as hex (this or env ${source.env} is preferred to ${source.flag}, which \`ps\` shows)`;
}

/**
 * The key from `flagValue` (`--key <hex>`), `fileValue` (`--key-file <path>`, read relative to `cwd`) or the
 * environment variable, in that order; `undefined` when none is given. Refuses both flags at once.
 */
export function resolveKey(
  source: KeySource,
  { flagValue, fileValue, env, cwd }: { flagValue: string | undefined; fileValue: string | undefined; env: Record<string, string | undefined>; cwd: string },
): { key: Hex; from: string } | undefined {
  if (flagValue !== undefined && fileValue !== undefined) {
    throw new CliError(`give the key with one of ${source.flag} or ${source.flag}-file, not both.`, [`prefer ${source.flag}-file <path> (or ${source.env})`]);
  }
  if (fileValue !== undefined) {
    const what = `${source.flag}-file ${fileValue}`;
    let text: string;
    try {
      text = readFileSync(path.resolve(cwd, fileValue), "utf8");
    } catch (e) {
      throw new CliError(`cannot read ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, [
        "give the path of a file that holds the key as hex (0x + 64 hex digits)",
      ]);
    }
    const raw = text.trim();
    if (raw === "") throw new CliError(`${what} is empty: it should hold the key as hex (0x + 64 hex digits).`);
    return { key: parsePrivateKey(raw, what), from: what };
  }
  if (flagValue !== undefined) return { key: parsePrivateKey(flagValue.trim(), source.flag), from: source.flag };
  const raw = env[source.env]?.trim();
  if (raw === undefined || raw === "") return undefined;
  return { key: parsePrivateKey(raw, source.env), from: source.env };
}

export const PRIVATE_KEY: KeySource = { flag: "--key", env: "VERITY_PRIVATE_KEY" };
export const ENCLAVE_KEY: KeySource = { flag: "--enclave-key", env: "VERITY_ENCLAVE_KEY" };
export const ATTESTOR_KEY: KeySource = { flag: "--attestor-key", env: "VERITY_ATTESTOR_KEY" };
