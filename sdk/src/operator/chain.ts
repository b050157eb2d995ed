import { type Address, type ContractEventArgs, type Hash, type Hex, type PublicClient, decodeFunctionData, isAddressEqual } from "viem";
import {
  getBlock,
  getBlockNumber,
  getChainId,
  getContractEvents,
  getTransaction,
  getTransactionReceipt,
  readContract,
} from "viem/actions";
import { inferenceHubAbi, operatorRegistryAbi, optimisticGameAbi } from "../abis.js";
import { getModelVersion } from "../actions/getModelVersion.js";
import { getIoSignature } from "../actions/getIoSignature.js";
import { getProposal } from "../actions/getProposal.js";
import { JOB_STATUSES, type JobStatus } from "../constants.js";
import { withVerityErrors } from "../errors/decode.js";
import { type RequestedJob, requestedJobFromLog } from "../internal/jobs.js";
import { proposalEvent } from "../internal/optimistic.js";
import { parseQuorumAttestation } from "../proofs/quorum.js";

/**
 * The chain reads the operator node and the watcher make, in one place: job status, blocks, versions, proposals,
 * request and result events, stakes, and an OPTIMISTIC dispute game's state and events (the game is the job's
 * `verifier`, passed in). Every call goes through `withVerityErrors`, so an unreachable RPC and a revert come back
 * as the SDK's errors. Nothing here is cached but the registry address (it never changes).
 */
export type ChainReader = ReturnType<typeof createChainReader>;

/** The hub's job events the node follows, by name. */
type JobEventName = "InferenceFulfilled";
/** A dispute game's job events the node and the watcher follow, by name. */
type GameEventName = "ProposalCommitted" | "ResultProposed" | "ResultChallenged" | "ChallengeResolved" | "ResultFinalized" | "ChallengeExpired";

export function createChainReader({ publicClient, hub }: { publicClient: PublicClient; hub: Address }) {
  const rpc = withVerityErrors;
  let registry: Promise<Address> | undefined;

  /** The OperatorRegistry the hub names (read once). */
  const operatorRegistry = (): Promise<Address> => {
    registry ??= rpc(() => readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "operatorRegistry" }));
    registry.catch(() => (registry = undefined));
    return registry;
  };

  const latestBlockNumber = () => rpc(() => getBlockNumber(publicClient, { cacheTime: 0 }));

  /** Events of one job from `fromBlock` to the latest block. */
  const jobEvents = <N extends JobEventName>(eventName: N, jobId: bigint, fromBlock: bigint) =>
    rpc(() =>
      getContractEvents(publicClient, {
        address: hub,
        abi: inferenceHubAbi,
        eventName,
        // Every one of these events indexes jobId.
        args: { jobId } as ContractEventArgs<typeof inferenceHubAbi, N>,
        fromBlock,
        toBlock: "latest",
        strict: true,
      }),
    );

  /** Events of one job at a dispute game from `fromBlock` to the latest block. */
  const gameEvents = <N extends GameEventName>(game: Address, eventName: N, jobId: bigint, fromBlock: bigint) =>
    rpc(() =>
      getContractEvents(publicClient, {
        address: game,
        abi: optimisticGameAbi,
        eventName,
        // Every one of these events indexes jobId.
        args: { jobId } as ContractEventArgs<typeof optimisticGameAbi, N>,
        fromBlock,
        toBlock: "latest",
        strict: true,
      }),
    );
  const gameRead = <N extends "hub" | "zkVerifier" | "minBond">(game: Address, functionName: N) =>
    rpc(() => readContract(publicClient, { address: game, abi: optimisticGameAbi, functionName }));

  return {
    publicClient: publicClient as PublicClient,
    hub,
    chainId: () => rpc(() => getChainId(publicClient)),
    latestBlockNumber,
    latestBlock: () => rpc(() => getBlock(publicClient, { blockTag: "latest" })),
    /** Whether `blockNumber` has `confirmations` blocks (its own included) on the latest one. */
    isConfirmed: async (blockNumber: bigint, confirmations: number) =>
      (await latestBlockNumber()) - blockNumber + 1n >= BigInt(confirmations),

    /** The hub's status of a job (`none` for an unknown one). */
    jobStatus: async (jobId: bigint): Promise<JobStatus> => {
      const [code] = await rpc(() => readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "getJob", args: [jobId] }));
      return JOB_STATUSES[code] ?? "none";
    },
    version: (modelId: Hex, version: number) => getModelVersion(publicClient, { hub, modelId, version }),
    /** The version's IO signature, from its VersionPublished event, checked against its hash. */
    ioSignature: (modelId: Hex, version: number) => getIoSignature(publicClient, { hub, modelId, version }),
    /** The verifier a job of `mode` requested now is committed to (`hub.verifierOf`). */
    verifierOf: (mode: number) => rpc(() => readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "verifierOf", args: [mode] })),
    /** A dispute game's identity: the hub it settles for and the ZK verifier that settles its challenges. */
    gameInfo: async (game: Address) => {
      const [gameHub, zkVerifier] = await Promise.all([gameRead(game, "hub"), gameRead(game, "zkVerifier")]);
      return { hub: gameHub, zkVerifier };
    },
    /** The job's open proposal at its game. */
    proposal: (game: Address, jobId: bigint) => getProposal(publicClient, { game, jobId }),
    /** The job's `ResultProposed` event at its game (a job has at most one proposal). */
    proposalEvent: (game: Address, jobId: bigint, fromBlock: bigint) => proposalEvent(publicClient, game, jobId, fromBlock),
    /** The block a commitment was made in at the game (0: not committed, or already revealed). */
    commitmentBlock: (game: Address, commitment: Hex) =>
      rpc(() => readContract(publicClient, { address: game, abi: optimisticGameAbi, functionName: "commitmentBlock", args: [commitment] })),
    jobEvents,
    gameEvents,
    /** The job's `InferenceFulfilled` event, if any. */
    fulfilledEvent: async (jobId: bigint, fromBlock: bigint) => (await jobEvents("InferenceFulfilled", jobId, fromBlock))[0],

    /** The request of one job, from its `InferenceRequested` event in the given blocks. */
    request: async (jobId: bigint, fromBlock: bigint, toBlock: bigint | "latest" = fromBlock): Promise<RequestedJob | undefined> => {
      const [log] = await rpc(() =>
        getContractEvents(publicClient, {
          address: hub,
          abi: inferenceHubAbi,
          eventName: "InferenceRequested",
          args: { jobId },
          fromBlock,
          toBlock,
          strict: true,
        }),
      );
      return log && requestedJobFromLog(log);
    },
    /** Every mined request for one of `modelIds` in a block range (pending logs are left out). */
    requests: async (modelIds: readonly Hex[], fromBlock: bigint, toBlock: bigint): Promise<RequestedJob[]> => {
      const logs = await rpc(() =>
        getContractEvents(publicClient, {
          address: hub,
          abi: inferenceHubAbi,
          eventName: "InferenceRequested",
          args: { modelId: [...modelIds] },
          fromBlock,
          toBlock,
          strict: true,
        }),
      );
      const mined: RequestedJob[] = [];
      for (const l of logs) {
        if (l.blockNumber === null || l.transactionHash === null || l.logIndex === null) continue;
        mined.push(requestedJobFromLog({ ...l, blockNumber: l.blockNumber, transactionHash: l.transactionHash, logIndex: l.logIndex }));
      }
      return mined;
    },
    /** Every `ResultProposed` event of a dispute game in a block range. */
    proposals: async (game: Address, fromBlock: bigint, toBlock: bigint) => {
      const logs = await rpc(() =>
        getContractEvents(publicClient, { address: game, abi: optimisticGameAbi, eventName: "ResultProposed", fromBlock, toBlock, strict: true }),
      );
      return logs.map((l) => ({ ...l.args, challengeWindowEnd: BigInt(l.args.challengeWindowEnd), blockNumber: l.blockNumber ?? toBlock }));
    },

    transaction: (hash: Hash) => rpc(() => getTransaction(publicClient, { hash })),
    receipt: (hash: Hash) => rpc(() => getTransactionReceipt(publicClient, { hash })),
    /** The receipt, or undefined while the transaction is not mined (or unknown). */
    receiptIfMined: (hash: Hash) => getTransactionReceipt(publicClient, { hash }).catch(() => undefined),

    operatorRegistry,
    /** An account's bonded stake not locked for open proposals (`stake - locked`). */
    freeStake: async (account: Address): Promise<bigint> => {
      const address = await operatorRegistry();
      const o = await rpc(() => readContract(publicClient, { address, abi: operatorRegistryAbi, functionName: "getOperator", args: [account] }));
      return o.stake > o.locked ? o.stake - o.locked : 0n;
    },
    /** An operator's live announcement for a version: [modes bitmask, until] ([0, 0] when none). */
    serviceOf: async (operator: Address, modelId: Hex, version: number): Promise<readonly [number, bigint]> => {
      const address = await operatorRegistry();
      return rpc(() => readContract(publicClient, { address, abi: operatorRegistryAbi, functionName: "serviceOf", args: [operator, modelId, version] }));
    },
    /** The bonded stakes of `accounts`, in their order. */
    bondedStakes: async (accounts: readonly Address[]): Promise<readonly bigint[]> => {
      if (accounts.length === 0) return [];
      const address = await operatorRegistry();
      return rpc(() => readContract(publicClient, { address, abi: operatorRegistryAbi, functionName: "bondedStakes", args: [[...accounts]] }));
    },

    /**
     * The signers of the QUORUM attestation a job was fulfilled with, read from the fulfill calldata (undefined
     * when the job has no fulfilment, or the transaction is not a direct `fulfill` call).
     */
    quorumSigners: async (jobId: bigint, fromBlock: bigint): Promise<{ txHash: Hash; signers: Address[] } | undefined> => {
      const event = (await jobEvents("InferenceFulfilled", jobId, fromBlock))[0];
      if (!event) return undefined;
      const tx = await rpc(() => getTransaction(publicClient, { hash: event.transactionHash }));
      if (!tx.to || !isAddressEqual(tx.to, hub)) return undefined;
      try {
        const { functionName, args } = decodeFunctionData({ abi: inferenceHubAbi, data: tx.input });
        if (functionName !== "fulfill") return undefined;
        return { txHash: event.transactionHash, signers: parseQuorumAttestation(args[3]).map((v) => v.signer) };
      } catch {
        return undefined;
      }
    },
  };
}
