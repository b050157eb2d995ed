import { type Abi, type Address, type Hash, type Hex, zeroAddress } from "viem";
import { deployContract, waitForTransactionReceipt, writeContract } from "viem/actions";
import { exampleConsumerAbi, erc20Abi, inferenceHubAbi, operatorRegistryAbi } from "./abis.js";
import {
  exampleConsumerBytecode,
  inferenceHubBytecode,
  operatorRegistryBytecode,
  testTokenBytecode,
} from "./bytecode.js";
import { withVerityErrors } from "./errors/decode.js";
import { TransactionRevertedError } from "./errors/job.js";
import { accountAddress, writeOptions } from "./internal/client.js";
import type { VerityClient, WriteParameters } from "./types.js";

export type DeployVerityParameters = WriteParameters & {
  /** Owner of the hub and the operator registry (default: the deployer). */
  governance?: Address | undefined;
  /** Receives protocol fees (default: governance). */
  treasury?: Address | undefined;
  /** Operators stake this ERC-20 (default: the native currency). */
  stakeToken?: Address | undefined;
  /** Seconds before unstaked funds can be withdrawn (default 7 days; 1 hour .. 90 days). */
  unbondingDelay?: bigint | undefined;
  /** Also deploy a TestToken (open minting: for tests and local demos only). */
  testToken?: { name: string; symbol: string } | boolean | undefined;
  /** Also deploy an ExampleConsumer bound to the hub. */
  exampleConsumer?: boolean | undefined;
};

export type VerityDeployment = {
  hub: Address;
  operatorRegistry: Address;
  testToken: Address | undefined;
  exampleConsumer: Address | undefined;
  /** The block of the hub's deployment: a good `fromBlock` for event queries. */
  blockNumber: bigint;
  /** True when governance is not the deployer: it must call `acceptOwnership` on the operator registry. */
  registryOwnershipPending: boolean;
};

/**
 * Deploys the Verity system: OperatorRegistry, InferenceHub, and links them (`setHub`). When governance is not
 * the deployer, the deployer keeps the registry just long enough to link it and then starts a two-step
 * transfer to governance (which must `acceptOwnership`); the hub is owned by governance from the start.
 *
 * @example
 * ```ts
 * const { hub, operatorRegistry } = await deployVerity(walletClient, publicClient, { treasury });
 * const client = walletClient.extend(verityActions({ hub, operatorRegistry }));
 * ```
 */
export async function deployVerity(
  walletClient: VerityClient,
  publicClient: VerityClient,
  parameters: DeployVerityParameters = {},
): Promise<VerityDeployment> {
  const options = writeOptions(walletClient, parameters, "deployVerity");
  const deployer = accountAddress(options.account);
  const governance = parameters.governance ?? deployer;
  const treasury = parameters.treasury ?? governance;

  const confirm = async (hash: Hash, action: string) => {
    const receipt = await withVerityErrors(() => waitForTransactionReceipt(publicClient, { hash }));
    if (receipt.status !== "success") throw new TransactionRevertedError({ hash, action });
    return receipt;
  };
  const deploy = async (abi: Abi, bytecode: Hex, args: readonly unknown[], name: string) => {
    const hash = await withVerityErrors(() => deployContract(walletClient, { abi, bytecode, args, ...options }));
    const receipt = await confirm(hash, `deploy ${name}`);
    if (!receipt.contractAddress) throw new TransactionRevertedError({ hash, action: `deploy ${name}` });
    return { address: receipt.contractAddress, blockNumber: receipt.blockNumber };
  };

  const registry = await deploy(
    operatorRegistryAbi,
    operatorRegistryBytecode,
    [deployer, parameters.stakeToken ?? zeroAddress, parameters.unbondingDelay ?? 7n * 24n * 3600n],
    "OperatorRegistry",
  );
  const hub = await deploy(inferenceHubAbi, inferenceHubBytecode, [governance, registry.address, treasury], "InferenceHub");
  await confirm(
    await withVerityErrors(() =>
      writeContract(walletClient, {
        address: registry.address,
        abi: operatorRegistryAbi,
        functionName: "setHub",
        args: [hub.address],
        ...options,
      }),
    ),
    "setHub",
  );
  const registryOwnershipPending = governance.toLowerCase() !== deployer.toLowerCase();
  if (registryOwnershipPending) {
    await confirm(
      await withVerityErrors(() =>
        writeContract(walletClient, {
          address: registry.address,
          abi: operatorRegistryAbi,
          functionName: "transferOwnership",
          args: [governance],
          ...options,
        }),
      ),
      "transferOwnership",
    );
  }

  let testToken: Address | undefined;
  if (parameters.testToken) {
    const { name, symbol } = parameters.testToken === true ? { name: "Test USD", symbol: "TUSD" } : parameters.testToken;
    testToken = (await deploy(erc20Abi, testTokenBytecode, [name, symbol], "TestToken")).address;
  }
  const exampleConsumer = parameters.exampleConsumer
    ? (await deploy(exampleConsumerAbi, exampleConsumerBytecode, [hub.address], "ExampleConsumer")).address
    : undefined;

  return {
    hub: hub.address,
    operatorRegistry: registry.address,
    testToken,
    exampleConsumer,
    blockNumber: hub.blockNumber,
    registryOwnershipPending,
  };
}
