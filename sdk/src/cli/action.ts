import type { CliContext } from "./context.js";

/**
 * The shape every command group's file registers its commands with (main.ts makes the one instance): kept in its
 * own module so that the command files do not import main.ts, which imports them.
 */

/** A command's body: the context, its positional arguments, and its own options. */
export type ActionBody<O> = (ctx: CliContext, args: string[], options: O) => Promise<void>;
/** Wraps a command's body into a commander action that makes its {@link CliContext}. */
export type Action = <O>(body: ActionBody<O>, setup?: (ctx: CliContext) => void) => (...params: unknown[]) => Promise<void>;
