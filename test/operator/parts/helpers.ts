/**
 * Fixtures for the tests of the operator node's parts: the parts themselves, built on the deployed operator system
 * (../helpers.ts) the way createOperatorNode builds them, and a few small helpers (rejections, deferreds).
 */
import { type Hash, type LocalAccount, type WalletClient, keccak256, toHex } from "viem";
import { type Tensor, fulfillTee, tensor } from "../../../sdk/src/index.js";
import type { RequestedJob } from "../../../sdk/src/internal/jobs.js";
import { mlpForward } from "../../../sdk/src/model/mlp.js";
import { createChainReader } from "../../../sdk/src/operator/chain.js";
import { createJobBook } from "../../../sdk/src/operator/jobs.js";
import { createModelCache } from "../../../sdk/src/operator/models.js";
import { createSubmitter } from "../../../sdk/src/operator/submitter.js";
import type { OperatorEvent } from "../../../sdk/src/operator/types.js";
import { type Connection, IRIS, type OperatorSystem, ROOT, tempStateFile } from "../helpers.js";

export * from "../helpers.js";

export const POLL_MS = 20;

/** The error `run` rejects (or throws) with; fails the test when it succeeds. */
export async function rejection(run: Promise<unknown> | (() => Promise<unknown>)): Promise<Error> {
  try {
    await (typeof run === "function" ? run() : run);
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection, but it resolved");
}

/** A promise with its resolve function. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets every pending callback (promise jobs, I/O, immediates) run once. */
export const flush = () => new Promise<void>((r) => setImmediate(r));

/** `promise`, or "timed out" after `ms` (a guard against a hang, not a timing assertion). */
export const within = <T>(promise: Promise<T>, ms = 5_000): Promise<T | "timed out"> =>
  Promise.race([promise, new Promise<"timed out">((r) => setTimeout(() => r("timed out"), ms).unref())]);

/** A transaction hash no transaction has. */
export const unknownHash = (label: string): Hash => keccak256(toHex(`never broadcast: ${label}`));

export const chainOf = (c: Connection, s: OperatorSystem) => createChainReader({ publicClient: c.publicClient, hub: s.hub });

export const modelCacheOf = (c: Connection, s: OperatorSystem) => createModelCache({ chain: chainOf(c, s), modelDir: ROOT });

/** The operator's submitter, signing with its local key (as the node does). */
export const submitterOf = (c: Connection, s: OperatorSystem) =>
  createSubmitter({ publicClient: c.publicClient, walletClient: s.operatorWallet, account: s.operatorAccount, hub: s.hub, pollMs: POLL_MS });

/** A job book on a fresh (or the given) state file, with its events collected; open it with `open(chainId)`. */
export function jobBookOf(s: OperatorSystem, stateFile = tempStateFile()) {
  const events: OperatorEvent[] = [];
  const jobs = createJobBook({ stateFile, hub: s.hub, pollMs: POLL_MS, log: (e) => events.push(e) });
  return { jobs, events, stateFile };
}

/** The model's exact output for an input (the reference MLP: bit-identical to ONNX Runtime and the circuit). */
export const trueOutput = (input: Tensor): Tensor => tensor("int32", [1, 3], mlpForward(IRIS.weights, input.values));

/** Fulfils a TEE job from `wallet` with the enclave's signature of the model's true output; returns the tx hash. */
export async function fulfilTee(wallet: WalletClient, s: OperatorSystem, req: RequestedJob, input: Tensor, enclave: LocalAccount = s.enclave) {
  return fulfillTee(wallet, { hub: s.hub, jobId: req.jobId, job: req.job, output: trueOutput(input), enclave });
}

/** Runs `fn` with automine off (transactions wait in the mempool until `evm_mine`). */
export async function withoutAutomine<T>(c: Connection, fn: () => Promise<T>): Promise<T> {
  await c.connection.provider.request({ method: "evm_setAutomine", params: [false] });
  try {
    return await fn();
  } finally {
    await c.connection.provider.request({ method: "evm_setAutomine", params: [true] });
  }
}

export const mineBlock = (c: Connection) => c.connection.provider.request({ method: "evm_mine", params: [] });
