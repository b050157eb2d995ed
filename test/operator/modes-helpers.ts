/**
 * QUORUM and OPTIMISTIC fixtures for the SDK and the operator node: the operator system (./helpers.ts) plus a model
 * "iris-mlp-consensus" whose version 1 is the real ONNX file supporting ZK, QUORUM and OPTIMISTIC (with the real
 * weights' circuit, which settles optimistic challenges), five quorum operators with local keys staking 1 ETH each,
 * and nodes that share a votes directory.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Hex, type LocalAccount, createWalletClient, custom, keccak256, parseEther, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { readContract } from "viem/actions";
import {
  type Tensor,
  inferenceHubAbi,
  operatorRegistryAbi,
  optimisticParams,
  publishVersionSync,
  quorumParams,
  registerModelSync,
  requestInferenceSync,
  stake,
  tensor,
} from "../../sdk/src/index.js";
import { loadIrisOnnx } from "../../sdk/src/model/iris.js";
import { vkeyHash } from "../../sdk/src/proofs/zk.js";
import { modelCommitment } from "../../sdk/src/prover/prove.js";
import { zkVerifyingKeysFromFiles } from "../../sdk/src/prover/keys.js";
import {
  type OperatorEvent,
  type OperatorNodeOptions,
  type WatcherEvent,
  type WatcherOptions,
  createOperatorNode,
  createWatcher,
} from "../../sdk/src/operator/index.js";
import { type Connection, FEE, IRIS, MODEL_FEE, ROOT, deployOperatorSystem, mined, tempStateFile } from "./helpers.js";
import { IRIS_IO_SIGNATURE } from "../../sdk/src/model/signatures.js";

export const QUORUM_STAKE = parseEther("1");
export const MIN_STAKE = parseEther("0.5");
export const WINDOW = 600n;
export const BOND = parseEther("0.1");
export const SLASH = parseEther("0.5");
export const OPTIMISTIC = optimisticParams({ window: WINDOW, bond: BOND, slashAmount: SLASH });
export const THREE_OF_N = quorumParams({ k: 3, minStake: MIN_STAKE });
/** A canonical int32 [1,3] tensor the model does not produce for the test flowers. */
export const WRONG_OUTPUT: Tensor = tensor("int32", [1, 3], [1, 2, 3]);
export const ZK_KEYS = zkVerifyingKeysFromFiles();

/** A funded wallet with a local key on the in-process chain. */
export async function fundedWallet(c: Connection, label: string) {
  const account = privateKeyToAccount(keccak256(toHex(label)));
  await c.connection.provider.request({ method: "hardhat_setBalance", params: [account.address, toHex(parseEther("100"))] });
  const wallet = createWalletClient({ account, chain: c.publicClient.chain, transport: custom(c.connection.provider) });
  return { account, wallet };
}

export async function deployModesSystem(c: Connection) {
  const s = await deployOperatorSystem(c);
  const zkVersion = await readContract(c.publicClient, {
    address: s.hub,
    abi: inferenceHubAbi,
    functionName: "getVersion",
    args: [s.modelId, s.version],
  });
  const { modelId } = await registerModelSync(c.modelOwner, { hub: s.hub, name: "iris-mlp-consensus" });
  const commitment = await modelCommitment(IRIS.weights);
  const { version } = await publishVersionSync(c.modelOwner, {
    hub: s.hub,
    modelId,
    artifactHash: keccak256(loadIrisOnnx()),
    uri: "file:models/iris-mlp.onnx",
    modes: ["zk", "quorum", "optimistic"],
    ioSignature: IRIS_IO_SIGNATURE,
    fee: MODEL_FEE,
    zk: {
      verifier: zkVersion.zkVerifier,
      modelCommitment: toHex(commitment, { size: 32 }),
      verifyingKeyHash: vkeyHash(Object.values(ZK_KEYS)[0]!),
    },
  });
  const voters = [];
  for (let i = 0; i < 5; i++) {
    const v = await fundedWallet(c, `quorum operator ${i}`);
    await mined(c, await stake(v.wallet, { operatorRegistry: s.operatorRegistry, amount: QUORUM_STAKE }));
    voters.push(v);
  }
  const challenger = await fundedWallet(c, "challenger");
  const startBlock = await c.publicClient.getBlockNumber();
  return { ...s, consensusModelId: modelId, consensusVersion: version, voters, challenger, startBlock };
}

export type ModesSystem = Awaited<ReturnType<typeof deployModesSystem>>;

/** Requests a QUORUM (default 3 of n, 0.5 ETH minimum) or OPTIMISTIC job of the consensus model. */
export async function requestMode(
  c: Connection,
  s: ModesSystem,
  mode: "quorum" | "optimistic",
  input: Tensor,
  o: { params?: bigint; fee?: bigint; deadline?: bigint } = {},
) {
  return requestInferenceSync(c.requester, {
    hub: s.hub,
    modelId: s.consensusModelId,
    version: s.consensusVersion,
    mode,
    params: o.params ?? (mode === "quorum" ? THREE_OF_N : OPTIMISTIC),
    input,
    fee: o.fee ?? FEE,
    deadline: o.deadline,
  });
}

/** A fresh directory shared by the quorum's nodes. */
export function tempVotesDir(): string {
  return mkdtempSync(path.join(tmpdir(), "verity-votes-"));
}

/** A node serving the consensus model (QUORUM and OPTIMISTIC; no enclave) from `wallet`, with its events. */
export function makeModesNode(
  c: Connection,
  s: ModesSystem,
  wallet: { account: LocalAccount; wallet: ReturnType<typeof createWalletClient> },
  overrides: Partial<OperatorNodeOptions> = {},
) {
  const events: OperatorEvent[] = [];
  const options: OperatorNodeOptions = {
    publicClient: c.publicClient,
    walletClient: wallet.wallet,
    hub: s.hub,
    models: [{ modelId: s.consensusModelId, version: s.consensusVersion, zk: { weights: IRIS.weights } }],
    stateFile: tempStateFile(),
    modelDir: ROOT,
    fromBlock: s.startBlock,
    pollingIntervalMs: 20,
    logger: (e) => events.push(e),
    // These tests count the operator's transactions: announcements are tested on their own (announce.test.ts).
    announce: false,
    ...overrides,
  };
  return { node: createOperatorNode(options), events, options };
}

/** The fixture challenger's watcher of the consensus model, with its events; override any option. */
export function makeWatcher(c: Connection, s: ModesSystem, overrides: Partial<WatcherOptions> = {}) {
  const events: WatcherEvent[] = [];
  const watcher = createWatcher({
    publicClient: c.publicClient,
    walletClient: s.challenger.wallet,
    hub: s.hub,
    models: [{ modelId: s.consensusModelId, version: s.consensusVersion, weights: IRIS.weights }],
    modelDir: ROOT,
    fromBlock: s.startBlock,
    pollingIntervalMs: 20,
    logger: (e) => events.push(e),
    ...overrides,
  });
  return { watcher, events };
}

/** An account's bonded stake, locked part included (what a slash takes from). */
export async function bondedStake(c: Connection, s: ModesSystem, who: Hex) {
  const record = await readContract(c.publicClient, {
    address: s.operatorRegistry,
    abi: operatorRegistryAbi,
    functionName: "getOperator",
    args: [who],
  });
  return record.stake;
}
