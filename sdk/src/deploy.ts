import { type Abi, type Address, type Hash, type Hex, parseEther, zeroAddress } from "viem";
import { deployContract, waitForTransactionReceipt, writeContract } from "viem/actions";
import {
  attestorCommitteeAbi,
  batchSettlementAbi,
  enclaveRegistryAbi,
  exampleConsumerAbi,
  erc20Abi,
  groth16VerifierMlpAbi,
  inferenceHubAbi,
  operatorRegistryAbi,
  optimisticGameAbi,
  zkVerifierAbi,
} from "./abis.js";
import {
  attestorCommitteeBytecode,
  batchSettlementBytecode,
  enclaveRegistryBytecode,
  exampleConsumerBytecode,
  groth16VerifierMlpBytecode,
  groth16VerifierMlpCodeHash,
  groth16VerifierMlpVerifyingKey,
  groth16VerifierMlpVkeyHash,
  inferenceHubBytecode,
  operatorRegistryBytecode,
  optimisticGameBytecode,
  testTokenBytecode,
  zkVerifierBytecode,
} from "./bytecode.js";
import { TeeType } from "./attestation/constants.js";
import { VerityMode } from "./constants.js";
import { withVerityErrors } from "./errors/decode.js";
import { TransactionRevertedError } from "./errors/job.js";
import { accountAddress, writeOptions } from "./internal/client.js";
import type { VerityClient, WriteParameters } from "./types.js";

export type DeployVerityParameters = WriteParameters & {
  /** Owner of the hub, the operator registry and the ZK verifier (default: the deployer). */
  governance?: Address | undefined;
  /** Receives protocol fees (default: governance). */
  treasury?: Address | undefined;
  /** Operators stake this ERC-20 (default: the native currency). */
  stakeToken?: Address | undefined;
  /** Seconds before unstaked funds can be withdrawn (default 7 days; 6 days .. 90 days). */
  unbondingDelay?: bigint | undefined;
  /** The protocol's least bonded stake for any QUORUM signer, in stake units (default: none, only each job's). */
  minQuorumStake?: bigint | undefined;
  /** The least OPTIMISTIC bond the dispute game accepts, in the native currency (default 0.01 ether). */
  minBond?: bigint | undefined;
  /**
   * The attestor committee that vouches for enclave evidence (the attestation verifier of every TEE type): its
   * attestors and how many must sign (default: the deployer alone, threshold 1: fine for a local chain, not for
   * production).
   */
  attestors?: readonly Address[] | undefined;
  attestorThreshold?: number | bigint | undefined;
  /** The longest an enclave key lives on one attestation, in seconds (default 7 days; 1 hour .. 30 days). */
  keyLifetime?: bigint | undefined;
  /** The least stake an operator locks behind each enclave key, in stake units (default 0.1 ether). */
  minTeeStake?: bigint | undefined;
  /** BATCH: the least bond of stake an operator locks to settle receipts (default 0.1 ether of stake). */
  minBatchBond?: bigint | undefined;
  /** BATCH: how long a requester's withdrawal from a channel waits, in seconds (default 1 day; 1 hour .. 30 days). */
  batchWithdrawalDelay?: bigint | undefined;
  /** BATCH: how long an unbonding batch bond stays slashable, in seconds (default 7 days; 1 hour .. 30 days). */
  batchBondReleaseDelay?: bigint | undefined;
  /** Also deploy a TestToken (open minting: for tests and local demos only). */
  testToken?: { name: string; symbol: string } | boolean | undefined;
  /** Also deploy an ExampleConsumer bound to the hub. */
  exampleConsumer?: boolean | undefined;
};

export type VerityDeployment = {
  hub: Address;
  operatorRegistry: Address;
  /** The TEE mode's verifier: enclave keys, their attestation and stake, and measurements. */
  enclaveRegistry: Address;
  /** The attestation verifier of every TEE type: k-of-n attestors. */
  attestorCommittee: Address;
  /** The ZK mode's verifier (the hub's verifier of mode 2), with the reference circuit allowed. */
  zkVerifier: Address;
  /** The reference circuit's Groth16 verifier (a version's `zk.verifier`). */
  groth16VerifierMlp: Address;
  /** The OPTIMISTIC dispute game (the hub's verifier of mode 4), settled by `zkVerifier`. */
  optimisticGame: Address;
  /** The BATCH mode: deposits, vouchers, signed batch roots of HTTP receipts, receipt slashing. */
  batchSettlement: Address;
  testToken: Address | undefined;
  exampleConsumer: Address | undefined;
  /** The block of the hub's deployment: a good `fromBlock` for event queries. */
  blockNumber: bigint;
  /**
   * True when governance is not the deployer: governance must call `acceptOwnership` on the hub, the operator
   * registry, the enclave registry, the attestor committee and the ZK verifier (two-step transfers the deployer
   * started once everything was wired).
   */
  ownershipPending: boolean;
  /** @deprecated The same as {@link VerityDeployment.ownershipPending} (the registry is one of the three). */
  registryOwnershipPending: boolean;
};

/** The default least OPTIMISTIC bond: it should cover a resolution's gas (about 330,000) at the usual gas price. */
export const DEFAULT_MIN_BOND = parseEther("0.01");
/** The default least stake behind an enclave key. */
export const DEFAULT_MIN_TEE_STAKE = parseEther("0.1");
/** The default longest life of an enclave key on one attestation: 7 days. */
export const DEFAULT_KEY_LIFETIME = 7n * 24n * 3600n;
/** The default least BATCH bond. */
export const DEFAULT_MIN_BATCH_BOND = parseEther("0.1");
/** The default wait of a BATCH withdrawal: 1 day (the operator's window to claim its latest voucher). */
export const DEFAULT_BATCH_WITHDRAWAL_DELAY = 24n * 3600n;
/** The default time an unbonding BATCH bond stays slashable: 7 days. */
export const DEFAULT_BATCH_BOND_RELEASE_DELAY = 7n * 24n * 3600n;

/**
 * Deploys the Verity system: OperatorRegistry, EnclaveRegistry and InferenceHub, linked (`setHub`,
 * `setEnclaveRegistry`); an AttestorCommittee as the attestation verifier of both TEE types; the ZK mode (ZkVerifier with the
 * reference circuit's Groth16VerifierMlp allowed by its code hash and verifying key, `setVerifier(2)`); the
 * OPTIMISTIC dispute game (`OptimisticGame(hub, zkVerifier, minBond)`, `setVerifier(4)`); the BATCH mode's
 * BatchSettlement (`setBatchSettlement`, immutable parameters: no owner). The deployer owns
 * everything while it wires it; when governance is not the deployer it then starts a two-step transfer of the hub,
 * the registry and the ZK verifier to governance, which must `acceptOwnership` on each. (The Ignition module puts
 * governance behind a timelock; this deployer is for tests, scripts and local chains.)
 *
 * @example
 * ```ts
 * const { hub, operatorRegistry, optimisticGame } = await deployVerity(walletClient, publicClient, { treasury });
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
  const call = async (address: Address, abi: Abi, functionName: string, args: readonly unknown[]) =>
    confirm(await withVerityErrors(() => writeContract(walletClient, { address, abi, functionName, args, ...options })), functionName);

  const registry = await deploy(
    operatorRegistryAbi,
    operatorRegistryBytecode,
    [deployer, parameters.stakeToken ?? zeroAddress, parameters.unbondingDelay ?? 7n * 24n * 3600n],
    "OperatorRegistry",
  );
  const enclaves = await deploy(
    enclaveRegistryAbi,
    enclaveRegistryBytecode,
    [deployer, registry.address, parameters.keyLifetime ?? DEFAULT_KEY_LIFETIME, parameters.minTeeStake ?? DEFAULT_MIN_TEE_STAKE],
    "EnclaveRegistry",
  );
  await call(registry.address, operatorRegistryAbi, "setEnclaveRegistry", [enclaves.address]);
  const hub = await deploy(
    inferenceHubAbi,
    inferenceHubBytecode,
    [deployer, registry.address, enclaves.address, treasury],
    "InferenceHub",
  );
  await call(registry.address, operatorRegistryAbi, "setHub", [hub.address]);
  await call(enclaves.address, enclaveRegistryAbi, "setHub", [hub.address]);
  // TEE: one attestor committee verifies the evidence of every TEE type.
  const attestors = parameters.attestors ?? [deployer];
  const committee = await deploy(
    attestorCommitteeAbi,
    attestorCommitteeBytecode,
    [deployer, attestors, BigInt(parameters.attestorThreshold ?? 1)],
    "AttestorCommittee",
  );
  for (const teeType of [TeeType.AwsNitro, TeeType.IntelTdx]) {
    await call(enclaves.address, enclaveRegistryAbi, "setAttestationVerifier", [teeType, committee.address]);
  }

  // ZK: the reference circuit's verifier, allowed by its code hash with the key it embeds; the mode's verifier.
  const groth16 = await deploy(groth16VerifierMlpAbi, groth16VerifierMlpBytecode, [], "Groth16VerifierMlp");
  const zk = await deploy(zkVerifierAbi, zkVerifierBytecode, [deployer], "ZkVerifier");
  await call(zk.address, zkVerifierAbi, "setCircuitAllowed", [groth16VerifierMlpCodeHash, groth16VerifierMlpVkeyHash, true]);
  // The reference circuit's verifying key, on chain: verifyJob finds it there (no file, in a browser too).
  await call(zk.address, zkVerifierAbi, "publishVerifyingKey", [groth16VerifierMlpVerifyingKey]);
  await call(hub.address, inferenceHubAbi, "setVerifier", [VerityMode.zk, zk.address]);
  // QUORUM: the ZK verifier settles disputes of wrong votes (set once); an optional protocol minimum stake per signer.
  await call(registry.address, operatorRegistryAbi, "setDisputeVerifier", [zk.address]);
  if (parameters.minQuorumStake) {
    await call(registry.address, operatorRegistryAbi, "setMinQuorumStake", [parameters.minQuorumStake]);
  }
  // OPTIMISTIC: the dispute game, settled by that ZK verifier.
  const game = await deploy(optimisticGameAbi, optimisticGameBytecode, [hub.address, zk.address, parameters.minBond ?? DEFAULT_MIN_BOND], "OptimisticGame");
  await call(hub.address, inferenceHubAbi, "setVerifier", [VerityMode.optimistic, game.address]);
  // BATCH: HTTP receipts settled as signed Merkle roots, paid by vouchers; a module of the registry (set once).
  const batches = await deploy(
    batchSettlementAbi,
    batchSettlementBytecode,
    [
      hub.address,
      registry.address,
      enclaves.address,
      parameters.minBatchBond ?? DEFAULT_MIN_BATCH_BOND,
      parameters.batchWithdrawalDelay ?? DEFAULT_BATCH_WITHDRAWAL_DELAY,
      parameters.batchBondReleaseDelay ?? DEFAULT_BATCH_BOND_RELEASE_DELAY,
    ],
    "BatchSettlement",
  );
  await call(registry.address, operatorRegistryAbi, "setBatchSettlement", [batches.address]);

  const ownershipPending = governance.toLowerCase() !== deployer.toLowerCase();
  if (ownershipPending) {
    for (const [address, abi] of [
      [hub.address, inferenceHubAbi],
      [registry.address, operatorRegistryAbi],
      [enclaves.address, enclaveRegistryAbi],
      [committee.address, attestorCommitteeAbi],
      [zk.address, zkVerifierAbi],
    ] as const) {
      await call(address, abi, "transferOwnership", [governance]);
    }
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
    enclaveRegistry: enclaves.address,
    attestorCommittee: committee.address,
    zkVerifier: zk.address,
    groth16VerifierMlp: groth16.address,
    optimisticGame: game.address,
    batchSettlement: batches.address,
    testToken,
    exampleConsumer,
    blockNumber: hub.blockNumber,
    ownershipPending,
    registryOwnershipPending: ownershipPending,
  };
}
