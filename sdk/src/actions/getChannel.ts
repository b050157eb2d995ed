import type { Address } from "viem";
import { readContract } from "viem/actions";
import { batchSettlementAbi } from "../abis.js";
import { withVerityErrors } from "../errors/decode.js";
import { checkFields } from "../internal/parameters.js";
import { expectParameters } from "../internal/validate.js";
import type { VerityClient } from "../types.js";

import type { InvalidParameterError } from "../errors/request.js";
import type { RpcUnreachableError } from "../errors/rpc.js";

export type GetChannelErrorType = InvalidParameterError | RpcUnreachableError;
export type GetChannelParameters = { batchSettlement: Address; requester: Address; operator: Address };
export type GetChannelReturnType = {
  /** What the deposit holds now. */
  balance: bigint;
  /** The cumulative amount claimed so far (the latest voucher paid). */
  paid: bigint;
  /** What the requester asked to withdraw, and when it unlocks (0 when none is pending). */
  pendingWithdrawal: bigint;
  unlockAt: bigint;
  /** What a new voucher can still add: balance minus the pending withdrawal (an operator serves no more). */
  available: bigint;
};

/**
 * A requester's BATCH channel with an operator, read from the settlement contract.
 *
 * @example
 * ```ts
 * const { balance, paid, available } = await getChannel(publicClient, { batchSettlement, requester, operator });
 * ```
 */
export async function getChannel(client: VerityClient, parameters: GetChannelParameters): Promise<GetChannelReturnType> {
  const action = "getChannel";
  expectParameters(action, client, parameters);
  checkFields(action, parameters, { batchSettlement: "address", requester: "address", operator: "address" });
  const c = await withVerityErrors(() =>
    readContract(client, {
      address: parameters.batchSettlement,
      abi: batchSettlementAbi,
      functionName: "channelOf",
      args: [parameters.requester, parameters.operator],
    }),
  );
  const pending = c.pendingWithdrawal < c.balance ? c.pendingWithdrawal : c.balance;
  return { balance: c.balance, paid: c.paid, pendingWithdrawal: c.pendingWithdrawal, unlockAt: BigInt(c.unlockAt), available: c.balance - pending };
}
