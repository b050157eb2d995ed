import { type Address, type Hash, zeroAddress } from "viem";
import { getBalance, readContract, writeContract } from "viem/actions";
import { operatorRegistryAbi } from "../abis.js";
import type { InsufficientAllowanceError } from "../errors/index.js";
import { InsufficientBalanceError } from "../errors/request.js";
import { withVerityErrors } from "../errors/decode.js";
import { type ApproveMode, ensureErc20 } from "../internal/allowance.js";
import { accountAddress, writeOptions } from "../internal/client.js";
import type { VerityClient, WriteParameters } from "../types.js";
import type { WriteErrorType } from "../errors/write.js";
import { checkFields, checkWriteParameters } from "../internal/parameters.js";
import { expectOneOf } from "../internal/validate.js";

export type StakeParameters = WriteParameters & {
  operatorRegistry: Address;
  /** The amount of the staking asset to bond. */
  amount: bigint;
  /** For an ERC-20 staking asset: approve the registry when the allowance is short (default "exact"). */
  approve?: ApproveMode | undefined;
};
export type StakeReturnType = Hash;
export type StakeErrorType =
  | InsufficientBalanceError
  | InsufficientAllowanceError
  | WriteErrorType;

/**
 * Adds to the sender's bonded operator stake. The staking asset is read from the registry: native currency is
 * sent as value; an ERC-20 is approved first when the allowance is short, then pulled by the registry.
 *
 * @example
 * ```ts
 * await stake(operatorClient, { operatorRegistry, amount: parseEther("1") });
 * ```
 * @returns The transaction hash of the stake (any approval is mined before it is sent).
 */
export async function stake(client: VerityClient, parameters: StakeParameters): Promise<StakeReturnType> {
  const action = "stake";
  checkWriteParameters(action, client, parameters);
  checkFields(action, parameters, { operatorRegistry: "address", amount: "bigint" });
  expectOneOf(action, "approve", parameters.approve, ["exact", "max", false], { optional: true });
  const { operatorRegistry, amount } = parameters;
  const options = writeOptions(client, parameters, "stake");
  const owner = accountAddress(options.account);
  const token = await withVerityErrors(() =>
    readContract(client, { address: operatorRegistry, abi: operatorRegistryAbi, functionName: "stakeToken" }),
  );
  if (token === zeroAddress) {
    const balance = await withVerityErrors(() => getBalance(client, { address: owner }));
    if (balance < amount) {
      const nativeSymbol = client.chain?.nativeCurrency.symbol;
      throw new InsufficientBalanceError({ account: owner, token, required: amount, available: balance, nativeSymbol });
    }
  } else {
    await ensureErc20(client, {
      token,
      owner,
      spender: operatorRegistry,
      amount,
      mode: parameters.approve ?? "exact",
      ...options,
    });
  }
  return withVerityErrors(() =>
    writeContract(client, {
      address: operatorRegistry,
      abi: operatorRegistryAbi,
      functionName: "stake",
      args: [amount],
      value: token === zeroAddress ? amount : 0n,
      ...options,
    }),
  );
}
