import type { Account, Address, Chain, Hash } from "viem";
import { readContract, waitForTransactionReceipt, writeContract } from "viem/actions";
import { erc20Abi } from "../abis.js";
import { withVerityErrors } from "../errors/decode.js";
import { TransactionRevertedError } from "../errors/job.js";
import { InsufficientAllowanceError, InsufficientBalanceError } from "../errors/request.js";
import type { VerityClient } from "../types.js";

/** How an action may approve an ERC-20 it needs to pull: the exact amount, unlimited, or not at all. */
export type ApproveMode = "exact" | "max" | false;

const MAX_UINT256 = 2n ** 256n - 1n;

/**
 * Checks the owner's ERC-20 balance and allowance for `spender`; when the allowance is short, sends `approve`
 * (unless `mode` is false) and waits for it to be mined. Returns the approval's hash, if one was sent.
 */
export async function ensureErc20(
  client: VerityClient,
  {
    token,
    owner,
    spender,
    amount,
    mode,
    account,
    chain,
  }: {
    token: Address;
    owner: Address;
    spender: Address;
    amount: bigint;
    mode: ApproveMode;
    account: Account | Address;
    chain: Chain | null;
  },
): Promise<Hash | undefined> {
  const [balance, allowance] = await withVerityErrors(() =>
    Promise.all([
      readContract(client, { address: token, abi: erc20Abi, functionName: "balanceOf", args: [owner] }),
      readContract(client, { address: token, abi: erc20Abi, functionName: "allowance", args: [owner, spender] }),
    ]),
  );
  if (balance < amount) throw new InsufficientBalanceError({ account: owner, token, required: amount, available: balance });
  if (allowance >= amount) return undefined;
  if (mode === false) throw new InsufficientAllowanceError({ token, spender, required: amount, allowance });
  const hash = await withVerityErrors(() =>
    writeContract(client, {
      address: token,
      abi: erc20Abi,
      functionName: "approve",
      args: [spender, mode === "max" ? MAX_UINT256 : amount],
      account,
      chain,
    }),
  );
  const receipt = await withVerityErrors(() => waitForTransactionReceipt(client, { hash }));
  if (receipt.status !== "success") throw new TransactionRevertedError({ hash, action: "ERC-20 approve" });
  return hash;
}
