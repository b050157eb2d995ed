import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractEventName,
  type Hash,
  type ParseEventLogsReturnType,
  type TransactionReceipt,
  parseEventLogs,
} from "viem";
import { getChainId, waitForTransactionReceipt } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import { AccountRequiredError } from "../errors/request.js";
import { TransactionRevertedError } from "../errors/job.js";
import { withVerityErrors } from "../errors/decode.js";
import type { VerityClient, WriteParameters } from "../types.js";

/** The account a write sends from: the parameter's, else the client's. */
export function resolveAccount(client: VerityClient, account: Account | Address | undefined, action: string): Account | Address {
  const resolved = account ?? client.account;
  if (!resolved) throw new AccountRequiredError(action);
  return resolved;
}

/** The address of the account a write sends from. */
export function accountAddress(account: Account | Address): Address {
  return typeof account === "string" ? account : account.address;
}

/** `account` and `chain` for viem's `writeContract`. */
export function writeOptions(client: VerityClient, parameters: WriteParameters, action: string) {
  return {
    account: resolveAccount(client, parameters.account, action),
    chain: (parameters.chain ?? client.chain ?? null) as Chain | null,
  };
}

/** The chain id: the client's chain if it has one, else asked from the RPC. */
export async function chainIdOf(client: VerityClient): Promise<number> {
  return client.chain?.id ?? withVerityErrors(() => getChainId(client));
}

/**
 * Waits for a transaction, fails with {@link TransactionRevertedError} if it reverted, and returns the first
 * `eventName` log it emitted from `address`, decoded, with the receipt.
 */
export async function waitForEvent<const abi extends Abi, eventName extends ContractEventName<abi>>(
  client: VerityClient,
  { hash, abi, eventName, address, action }: { hash: Hash; abi: abi; eventName: eventName; address: Address; action: string },
): Promise<{ event: ParseEventLogsReturnType<abi, eventName, true>[number]; receipt: TransactionReceipt }> {
  const receipt = await withVerityErrors(() => waitForTransactionReceipt(client, { hash }));
  if (receipt.status !== "success") throw new TransactionRevertedError({ hash, action });
  const logs = parseEventLogs({ abi, eventName, logs: receipt.logs }).filter(
    (l) => l.address.toLowerCase() === address.toLowerCase(),
  );
  const event = logs[0];
  if (!event) throw new TransactionRevertedError({ hash, action: `${action} (no ${String(eventName)} event)` });
  return { event, receipt };
}

/** What every Sync action returns besides its event's fields: the transaction's hash and receipt. */
export type Mined = { hash: Hash; receipt: TransactionReceipt };

/** {@link waitForEvent} for a hub transaction: its first `eventName` event, the receipt and the hash. */
export async function waitForHubEvent<const eventName extends ContractEventName<typeof inferenceHubAbi>>(
  client: VerityClient,
  { hash, hub, eventName, action }: { hash: Hash; hub: Address; eventName: eventName; action: string },
): Promise<Mined & { args: ParseEventLogsReturnType<typeof inferenceHubAbi, eventName, true>[number]["args"] }> {
  const { event, receipt } = await waitForEvent(client, { hash, abi: inferenceHubAbi, eventName, address: hub, action });
  return { args: event.args, hash, receipt };
}
