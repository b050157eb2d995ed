import {
  type Abi,
  type Account,
  type Address,
  type Hash,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
  type TransactionSerializable,
  type WalletClient,
  encodeFunctionData,
  keccak256,
} from "viem";
import {
  estimateGas,
  getTransactionCount,
  prepareTransactionRequest,
  sendRawTransaction,
  sendTransaction,
  simulateContract,
  waitForTransactionReceipt,
} from "viem/actions";
import { inferenceHubAbi, operatorRegistryAbi, optimisticGameAbi } from "../abis.js";
import { ContractRevertError } from "../errors/contract.js";
import { toVerityError, withVerityErrors } from "../errors/decode.js";
import type { JobStruct } from "../types.js";
import { createSerialQueue } from "./loop.js";

/**
 * The operator's transactions, one at a time in nonce order: to the hub (`fulfill`) and to an OPTIMISTIC job's
 * dispute game (the job's `verifier`: commit, reveal, finalize, resolve, expire). Each is encoded and simulated (a
 * revert comes back decoded, see `toVerityError`), its gas estimated, the next nonce taken, and it is sent
 * crash-safe:
 *
 * - a local (private key) account signs first, the hash is recorded (`onSigned`), and only then is the signed
 *   transaction broadcast: after a crash the recorded hash says which transaction may exist;
 * - a JSON-RPC account records the nonce first and the hash once the node returns it.
 *
 * Recovery rules (see `settle.ts`): a recorded transaction is only ever replaced when it can no longer land: it
 * was mined without doing its job, or its nonce is neither used nor pending, in which case the new transaction
 * takes that same nonce and at most one of them can be mined.
 */
export type Submitter = ReturnType<typeof createSubmitter>;

type ResultStruct = { output: Hex; outputURI: string; outputHash: Hex };

/** The calls the node sends: `fulfill` to the hub; the OPTIMISTIC ones to the job's dispute game (`game`). */
export type HubCall =
  | { functionName: "fulfill"; args: readonly [bigint, JobStruct, ResultStruct, Hex] }
  | { functionName: "commitProposal"; game: Address; args: readonly [bigint, Hex] }
  | { functionName: "proposeResult"; game: Address; args: readonly [bigint, JobStruct, ResultStruct, Hex]; value: bigint }
  | { functionName: "finalize"; game: Address; args: readonly [bigint, JobStruct, ResultStruct] }
  | { functionName: "resolveChallenge"; game: Address; args: readonly [bigint, JobStruct, ResultStruct, Hex] }
  | { functionName: "expireChallenge"; game: Address; args: readonly [bigint, JobStruct, ResultStruct] }
  | { functionName: "announceService"; registry: Address; args: readonly [Hex, number, number, bigint] };

/** The calls that move the operator's value or claim its fee: they are recorded before they leave. */
export type RecordedCall = Extract<HubCall, { functionName: "fulfill" | "proposeResult" }>;
/**
 * The calls that need no record: the commitment (sending it twice stores it once) and the OPTIMISTIC follow-ups
 * anyone may send (a duplicate at worst reverts).
 */
export type FollowUpCall = Exclude<HubCall, RecordedCall>;

/** A transaction about to leave: its nonce, and its hash when the account signs locally. */
export type SignedSend = { from: Address; nonce: number; txHash: Hash | undefined };

/**
 * Reverts that mean a follow-up is no longer needed: someone else sent it first (the job moved on at the hub, or the
 * game has no open proposal for it any more).
 */
const MOVED_ON = new Set(["HubUnexpectedJobStatus", "GameNoProposal"]);

const GAS_HEADROOM_PERCENT = 120n;

/** The `Result` struct of inline output bytes (the hub hashes them itself). */
export const inlineResult = (output: Hex): ResultStruct => ({ output, outputURI: "", outputHash: `0x${"00".repeat(32)}` });

/** The contract a call goes to and its ABI. */
function targetOf(call: HubCall, hub: Address): { to: Address; abi: Abi } {
  if ("registry" in call) return { to: call.registry, abi: operatorRegistryAbi };
  return "game" in call ? { to: call.game, abi: optimisticGameAbi } : { to: hub, abi: inferenceHubAbi };
}

function encodeCall(call: HubCall, abi: Abi): Hex {
  // viem narrows each call's arguments by its function name; one encode covers the union.
  return encodeFunctionData({ abi, functionName: call.functionName, args: [...call.args] } as Parameters<typeof encodeFunctionData>[0]);
}

export type SubmitterOptions = {
  publicClient: PublicClient;
  walletClient: WalletClient;
  account: Account;
  hub: Address;
  /** Milliseconds between receipt polls. */
  pollMs: number;
};

export function createSubmitter({ publicClient, walletClient, account, hub, pollMs }: SubmitterOptions) {
  const queue = createSerialQueue();
  const from = account.address;
  const chain = walletClient.chain ?? null;
  let nextNonce: number | undefined;
  const rpc = withVerityErrors;

  /** Simulates `call` from the operator account, estimates its gas and takes the next nonce. */
  const prepare = async (call: HubCall) => {
    const { to, abi } = targetOf(call, hub);
    const data = encodeCall(call, abi);
    const value = call.functionName === "proposeResult" ? call.value : undefined;
    await rpc(() =>
      simulateContract(publicClient, {
        address: to,
        abi,
        account: from,
        functionName: call.functionName,
        args: [...call.args],
        ...(value === undefined ? {} : { value }),
        // A reveal must come in a later block than its commitment: simulate it in the block it will be mined in.
        ...(call.functionName === "proposeResult" ? { blockTag: "pending" } : {}),
      } as Parameters<typeof simulateContract>[1]),
    );
    const gas = ((await rpc(() => estimateGas(publicClient, { account: from, to, data, value }))) * GAS_HEADROOM_PERCENT) / 100n;
    const pendingCount = await rpc(() => getTransactionCount(publicClient, { address: from, blockTag: "pending" }));
    const nonce = Math.max(pendingCount, nextNonce ?? 0);
    return { to, data, value, gas, nonce };
  };
  type Prepared = Awaited<ReturnType<typeof prepare>>;

  return {
    from,
    /** Runs `fn` after every send queued before it (sends leave one at a time, in nonce order). */
    exclusive: <T>(fn: () => Promise<T>): Promise<T> => queue.run(fn),
    /** Resolves once every queued send has run. */
    idle: () => queue.idle(),
    /** Forgets the next nonce: it is read from the chain again (the last one may not have been used). */
    resetNonce(): void {
      nextNonce = undefined;
    },
    prepare,
    /**
     * Sends a prepared call crash-safe: `onSigned` runs (and must persist what it is given) BEFORE the transaction
     * is broadcast; for a JSON-RPC account it runs with no hash first, then `onHash` once the node returns it.
     * Call inside {@link exclusive}. Whether a failed broadcast left is unknown: the caller settles it from chain.
     */
    async broadcast(
      prepared: Prepared,
      { onSigned, onHash }: { onSigned: (sent: SignedSend) => Promise<void>; onHash: (txHash: Hash) => Promise<void> },
    ): Promise<Hash> {
      const { to, data, value, gas, nonce } = prepared;
      try {
        if (account.type === "local") {
          const request = await rpc(() => prepareTransactionRequest(walletClient, { account, chain, to, data, value, nonce, gas }));
          const signed = await (account as LocalAccount).signTransaction(request as TransactionSerializable);
          const txHash = keccak256(signed);
          await onSigned({ from, nonce, txHash });
          nextNonce = nonce + 1;
          await rpc(() => sendRawTransaction(walletClient, { serializedTransaction: signed }));
          return txHash;
        }
        await onSigned({ from, nonce, txHash: undefined });
        nextNonce = nonce + 1;
        const txHash = await rpc(() => sendTransaction(walletClient, { account, chain, to, data, value, nonce, gas }));
        await onHash(txHash);
        return txHash;
      } catch (e) {
        nextNonce = undefined;
        throw e;
      }
    },
    /**
     * Sends a call that needs no record (commitProposal, finalize, resolveChallenge, expireChallenge) and waits for
     * its receipt. Returns undefined when the simulation says the job moved on (`HubUnexpectedJobStatus`, or the
     * game's `GameNoProposal`: someone else sent it first).
     */
    followUp: (
      call: FollowUpCall,
      { checkStop = () => undefined, onSent = () => undefined }: { checkStop?: () => void; onSent?: (txHash: Hash) => void } = {},
    ): Promise<{ txHash: Hash; receipt: TransactionReceipt } | undefined> =>
      queue.run(async () => {
        checkStop();
        let prepared: Prepared;
        try {
          prepared = await prepare(call);
        } catch (e) {
          const err = toVerityError(e);
          if (err instanceof ContractRevertError && err.errorName !== undefined && MOVED_ON.has(err.errorName)) return undefined;
          throw err;
        }
        const { to, data, gas, nonce } = prepared;
        let txHash: Hash;
        try {
          nextNonce = nonce + 1;
          txHash = await rpc(() => sendTransaction(walletClient, { account, chain, to, data, nonce, gas }));
        } catch (e) {
          nextNonce = undefined;
          throw e;
        }
        onSent(txHash);
        const receipt = await rpc(() => waitForTransactionReceipt(publicClient, { hash: txHash, pollingInterval: pollMs }));
        return { txHash, receipt };
      }),
  };
}
