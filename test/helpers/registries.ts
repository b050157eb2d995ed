/**
 * Helpers for the ModelRegistry and OperatorRegistry tests: model ids, state snapshots (to assert that a refused
 * call changed nothing), stand-alone operator registries (ERC-20 staked, or with a plain signer as hub) and gas
 * accounting.
 */
import { ethers as ethersLib } from "ethers";
import type { ContractTransactionResponse } from "ethers";
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ModelRegistry, OperatorRegistry, TestToken } from "../../types/ethers-contracts/index.js";
import { UNBONDING_DELAY } from "./verity.js";

const coder = ethersLib.AbiCoder.defaultAbiCoder();

/**
 * The fixture with every field asserted present. `deployCore` destructures `getSigners()`, which the compiler
 * (noUncheckedIndexedAccess) types as possibly undefined; this narrows the signers once, at runtime too.
 */
export function defined<T extends object>(fixture: T): { [K in keyof T]-?: NonNullable<T[K]> } {
  for (const [key, value] of Object.entries(fixture)) {
    if (value === undefined || value === null) throw new Error(`fixture field ${key} is missing`);
  }
  return fixture as { [K in keyof T]-?: NonNullable<T[K]> };
}

/** The signers at `indices` of `getSigners()`, typed as present (throws if the network has fewer accounts). */
export async function signersAt<const I extends readonly number[]>(
  ethers: HardhatEthers,
  ...indices: I
): Promise<{ -readonly [K in keyof I]: HardhatEthersSigner }> {
  const all = await ethers.getSigners();
  return indices.map((i) => {
    const s = all[i];
    if (!s) throw new Error(`no signer at index ${i}`);
    return s;
  }) as { -readonly [K in keyof I]: HardhatEthersSigner };
}

/** `keccak256(abi.encode(registrant, name))`, as the registry derives it. */
export const modelIdOf = (registrant: string, name: string) =>
  ethersLib.keccak256(coder.encode(["address", "string"], [registrant, name]));

/** Deep-converts an ethers `Result` (or anything holding them) to plain arrays, for deep equality. */
export function plain(x: unknown): unknown {
  if (x instanceof ethersLib.Result) return x.toArray(true).map(plain);
  if (Array.isArray(x)) return x.map(plain);
  return x;
}

/** Minimal view of a model registry (the hub or a stand-alone ModelRegistry). */
type ModelViews = Pick<ModelRegistry, "ownerOf" | "pendingOwnerOf" | "getModel" | "getVersion" | "requestTerms">;

/** Everything the registry stores about a model: owner, pending owner, name, and every version and its terms. */
export async function modelSnapshot(models: ModelViews, modelId: string) {
  const owner = await models.ownerOf(modelId);
  const pendingOwner = await models.pendingOwnerOf(modelId);
  if (owner === ethersLib.ZeroAddress) return { owner, pendingOwner };
  const [, name, versionCount] = await models.getModel(modelId);
  const versions: unknown[] = [];
  for (let v = 1n; v <= versionCount; v++) {
    versions.push([plain(await models.getVersion(modelId, v)), plain(await models.requestTerms(modelId, v))]);
  }
  return { owner, pendingOwner, name, versionCount, versions };
}

/** An operator registry's whole money state for some accounts: records, native and token balances. */
export async function moneySnapshot(
  ethers: HardhatEthers,
  registry: OperatorRegistry,
  accounts: string[],
  token?: TestToken,
) {
  const registryAddress = await registry.getAddress();
  const holders = [registryAddress, ...accounts];
  return {
    operators: await Promise.all(accounts.map(async (a) => plain(await registry.getOperator(a)))),
    native: await Promise.all(holders.map((a) => ethers.provider.getBalance(a))),
    tokens: token ? await Promise.all(holders.map((a) => token.balanceOf(a))) : [],
  };
}

/** The native currency a mined transaction cost its sender in gas. */
export async function gasCost(tx: ContractTransactionResponse) {
  const receipt = await tx.wait();
  return receipt!.gasUsed * receipt!.gasPrice;
}

/** An OperatorRegistry staked in `TestToken`, with the token minted to and approved by `stakers`. */
export async function deployTokenStakedRegistry(ethers: HardhatEthers, stakers: HardhatEthersSigner[]) {
  const [governance] = await signersAt(ethers, 0);
  const token = (await ethers.deployContract("TestToken", ["Stake Token", "STK"])) as unknown as TestToken;
  const registry = (await ethers.deployContract("OperatorRegistry", [
    governance.address,
    await token.getAddress(),
    UNBONDING_DELAY,
  ])) as unknown as OperatorRegistry;
  for (const s of stakers) {
    await token.mint(s.address, ethersLib.parseEther("1000"));
    await token.connect(s).approve(await registry.getAddress(), ethersLib.MaxUint256);
  }
  return { registry, token };
}

/** A native-staked OperatorRegistry whose hub (the only account allowed to slash) is the plain signer `slasher`. */
export async function deploySignerHubRegistry(
  ethers: HardhatEthers,
  governance: HardhatEthersSigner,
  slasher: HardhatEthersSigner,
  unbondingDelay: bigint = UNBONDING_DELAY,
) {
  const registry = (await ethers.deployContract("OperatorRegistry", [
    governance.address,
    ethersLib.ZeroAddress,
    unbondingDelay,
  ])) as unknown as OperatorRegistry;
  await registry.connect(governance).setHub(slasher.address);
  return registry;
}
