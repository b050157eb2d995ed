/**
 * QUORUM and OPTIMISTIC fixtures on top of the ZK ones (./zk.ts) (the operator registry verifies QUORUM results,
 * built in like TEE; OPTIMISTIC challenges are settled by the ZK verifier): the Iris model
 * published as a version supporting every mode (native fee, and an ERC-20 twin), quorum operators with their
 * stakes, and builders for params, votes, quorum attestations, optimistic requests, proposals and resolutions.
 */
import { ethers as ethersLib } from "ethers";
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { type Tensor, encodeTensor, tensor } from "../../sdk/src/encoding/tensor.js";
import { encodeProofForSolidity } from "../../sdk/src/proofs/zk.js";
import { type ProveMlpReturnType } from "../../sdk/src/prover/prove.js";
import type { OptimisticGame } from "../../types/ethers-contracts/index.js";
import {
  MODEL_FEE,
  MODE_OPTIMISTIC,
  MODE_QUORUM,
  MODE_TEE,
  MODE_ZK,
  OPERATOR_REWARD,
  TOKEN_MODEL_FEE,
  type JobStruct,
  modeBit,
  now,
  parseRequested,
} from "./verity.js";
import { IRIS_INPUT, deployWithZkModel, proofTuple, prove, zkAttestation } from "./zk.js";

/** Every job status, including the OPTIMISTIC ones (`JobStatus` in ./hub.ts has the first four). */
export const Status = { None: 0n, Pending: 1n, Fulfilled: 2n, Refunded: 3n, Proposed: 4n, Challenged: 5n } as const;

/** The version supporting every mode, native fee (versions 1-3 are the TEE and ZK fixtures'). */
export const ALL_MODES_VERSION = 4;
/** The same with an ERC-20 fee (the fixture's TestToken). */
export const ALL_MODES_TOKEN_VERSION = 5;
export const FEE = MODEL_FEE + OPERATOR_REWARD;
export const TOKEN_FEE = TOKEN_MODEL_FEE + 1_000_000n;
export const QUORUM_STAKE = ethersLib.parseEther("1");
export const MIN_CHALLENGE_WINDOW = 600n;
export const MAX_CHALLENGE_WINDOW = 3n * 24n * 3600n;
/** The fixture game's least OPTIMISTIC bond. */
export const MIN_BOND = ethersLib.parseEther("0.01");
export const WINDOW = 3600n;
export const BOND = ethersLib.parseEther("0.1");
export const SLASH = ethersLib.parseEther("0.5");

/** A wrong answer for IRIS_INPUT: a canonical int32 [1,3] tensor the model does not produce for it. */
export const WRONG_OUTPUT: Tensor = tensor("int32", [1, 3], [1, 2, 3]);

/** QUORUM params: `k | minStake << 8` (contracts/libraries/ModeParams.sol). */
export const quorumParams = (k: number | bigint, minStake: bigint = 0n) => BigInt(k) | (minStake << 8n);

/** OPTIMISTIC params: `window | bond << 32 | slashAmount << 128` (contracts/libraries/ModeParams.sol). */
export const optimisticParams = (window: bigint = WINDOW, bond: bigint = BOND, slashAmount: bigint = SLASH) =>
  window | (bond << 32n) | (slashAmount << 128n);

const VOTE_TYPES = {
  QuorumVote: [
    { name: "jobId", type: "uint256" },
    { name: "modelId", type: "bytes32" },
    { name: "version", type: "uint32" },
    { name: "inputHash", type: "bytes32" },
    { name: "outputHash", type: "bytes32" },
    { name: "outputURIHash", type: "bytes32" },
  ],
};

/**
 * The ZK fixture plus: versions 4 (native fee) and 5 (ERC-20 fee) of the Iris model
 * supporting TEE, ZK, QUORUM and OPTIMISTIC; five quorum operators staking 1 ETH each (`quorum`, signers 6-10);
 * and three accounts that do not qualify: `unstaked` (no stake), `smallStake` (0.1 ETH bonded) and `unbonding`
 * (1 ETH, all of it unbonding). The fixture's `operator` (1 ETH bonded) proposes optimistic results.
 */
export async function deployWithAllModes(ethers: HardhatEthers) {
  const c = await deployWithZkModel(ethers);
  const modes = modeBit(MODE_TEE, MODE_ZK, MODE_QUORUM, MODE_OPTIMISTIC);
  const native = await c.zkVersion({ artifactHash: ethersLib.id("iris all modes"), modes });
  const token = await c.zkVersion({
    artifactHash: ethersLib.id("iris all modes, token fee"),
    modes,
    feeToken: await c.token.getAddress(),
    fee: TOKEN_MODEL_FEE,
  });
  if (native !== ALL_MODES_VERSION || token !== ALL_MODES_TOKEN_VERSION) throw new Error("unexpected versions");

  const signers = await ethers.getSigners();
  const at = (i: number) => {
    const s = signers[i];
    if (!s) throw new Error(`the network has no signer #${i}`);
    return s;
  };
  const quorum = [6, 7, 8, 9, 10].map(at);
  for (const q of quorum) await c.operators.connect(q).stake(QUORUM_STAKE, { value: QUORUM_STAKE });
  const [unstaked, smallStake, unbonding, challenger] = [11, 12, 13, 14].map(at) as [
    HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner,
  ];
  await c.operators.connect(smallStake).stake(ethersLib.parseEther("0.1"), { value: ethersLib.parseEther("0.1") });
  await c.operators.connect(unbonding).stake(QUORUM_STAKE, { value: QUORUM_STAKE });
  await c.operators.connect(unbonding).requestUnstake(QUORUM_STAKE);
  // OPTIMISTIC mode: the dispute game, settled by the fixture's ZK verifier.
  const game = (await ethers.deployContract("OptimisticGame", [
    await c.hub.getAddress(),
    await c.zk.getAddress(),
    MIN_BOND,
  ])) as unknown as OptimisticGame;
  await c.hub.setVerifier(MODE_OPTIMISTIC, await game.getAddress());
  // QUORUM disputes: a ZK proof of the true output slashes the signers of a wrong vote.
  await c.operators.setDisputeVerifier(await c.zk.getAddress());
  return { ...c, quorum, unstaked, smallStake, unbonding, challenger, game };
}

export type ModesSetup = Awaited<ReturnType<typeof deployWithAllModes>>;

/** Sends a request for the all-modes version (native fee unless `token`) and returns its id and emitted job. */
export async function modeRequest(
  c: ModesSetup,
  mode: number,
  params: bigint,
  opts: Partial<{
    token: boolean;
    fee: bigint;
    input: Tensor;
    deadline: bigint;
    callback: string;
    callbackGasLimit: number;
    from: HardhatEthersSigner;
  }> = {},
) {
  const token = opts.token ?? false;
  const fee = opts.fee ?? (token ? TOKEN_FEE : FEE);
  const req = {
    modelId: c.modelId,
    version: token ? ALL_MODES_TOKEN_VERSION : ALL_MODES_VERSION,
    mode,
    deadline: opts.deadline ?? (await now(c)) + 3600n,
    callback: opts.callback ?? ethersLib.ZeroAddress,
    callbackGasLimit: opts.callbackGasLimit ?? 0,
    fee,
    params,
    inputHash: ethersLib.ZeroHash,
    input: encodeTensor(opts.input ?? IRIS_INPUT),
    inputURI: "",
  };
  const from = opts.from ?? c.requester;
  const receipt = await (await c.hub.connect(from).requestInference(req, { value: token ? 0n : fee })).wait();
  return { ...parseRequested(c, receipt!), receipt: receipt! };
}

/** Requests a job through the fixture's ExampleConsumer (native fee), so the result arrives by callback. */
export async function consumerRequest(c: ModesSetup, mode: number, params: bigint) {
  const req = {
    modelId: c.modelId,
    version: ALL_MODES_VERSION,
    mode,
    deadline: (await now(c)) + 3600n,
    callback: ethersLib.ZeroAddress,
    callbackGasLimit: 200_000,
    fee: FEE,
    params,
    inputHash: ethersLib.ZeroHash,
    input: encodeTensor(IRIS_INPUT),
    inputURI: "",
  };
  const receipt = await (await c.consumer.connect(c.requester).ask(req, { value: FEE })).wait();
  return parseRequested(c, receipt!);
}

/** An operator's EIP-712 QuorumVote signature under the hub's domain. */
export async function signVote(
  c: { ethers: HardhatEthers; hub: { getAddress(): Promise<string> } },
  signer: HardhatEthersSigner | ethersLib.Wallet,
  vote: { jobId: bigint; modelId: string; version: bigint | number; inputHash: string; outputHash: string; outputURIHash?: string },
  domainOverrides: Partial<{ chainId: bigint; verifyingContract: string }> = {},
) {
  const { chainId } = await c.ethers.provider.getNetwork();
  return signer.signTypedData(
    { name: "Verity", version: "1", chainId, verifyingContract: await c.hub.getAddress(), ...domainOverrides },
    VOTE_TYPES,
    // Inline output unless the vote says otherwise: keccak256 of the empty URI.
    { outputURIHash: ethersLib.keccak256("0x"), ...vote },
  );
}

export type QuorumEntry = { signer: string; signature: string };

/** Concatenates `signer (20) | r | s | v` entries, sorted ascending by signer unless `sort` is false. */
export function quorumAttestation(entries: QuorumEntry[], sort = true): string {
  const ordered = sort
    ? [...entries].sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : BigInt(a.signer) > BigInt(b.signer) ? 1 : 0))
    : entries;
  return ethersLib.concat(ordered.flatMap((e) => [e.signer, e.signature]));
}

/** Signers sorted ascending by address. */
export const ascending = <T extends { address: string }>(xs: T[]) =>
  [...xs].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));

/** Each signer's vote for `outputHash` of the job (default: keccak256 of `output`). */
export async function votes(
  c: ModesSetup,
  jobId: bigint,
  job: JobStruct,
  signers: HardhatEthersSigner[],
  output: string,
  outputHash = ethersLib.keccak256(output),
  outputURI = "",
): Promise<QuorumEntry[]> {
  const vote = {
    jobId,
    modelId: job.modelId as string,
    version: job.version as bigint,
    inputHash: job.inputHash as string,
    outputHash,
    outputURIHash: ethersLib.id(outputURI),
  };
  return Promise.all(signers.map(async (s) => ({ signer: s.address, signature: await signVote(c, s, vote) })));
}

/** `fulfill` arguments for a quorum job signed by `signers` (sorted) for `output`. */
export async function quorumFulfillArgs(c: ModesSetup, jobId: bigint, job: JobStruct, signers: HardhatEthersSigner[], output: string) {
  const attestation = quorumAttestation(await votes(c, jobId, job, signers, output));
  return [jobId, job, { output, outputURI: "", outputHash: ethersLib.ZeroHash }, attestation] as const;
}

export const inline = (output: string) => ({ output, outputURI: "", outputHash: ethersLib.ZeroHash });

/** The ZK attestation proving the true output of `proved` (for `resolveChallenge`). */
export function resolution(proved: ProveMlpReturnType) {
  const output = encodeTensor(proved.output);
  const attestation = zkAttestation(proofTuple(encodeProofForSolidity(proved.proof)), encodeTensor(IRIS_INPUT), output);
  return { result: inline(output), attestation, output };
}

/**
 * The resolution of job `jobId` (input IRIS_INPUT) by `resolver`, the account that will call `resolveChallenge`:
 * the proof is bound to both (memoized, see `prove`).
 */
export async function resolutionFor(c: ModesSetup, jobId: bigint, resolver: string) {
  return resolution(await prove(c.weights, IRIS_INPUT, { jobId, submitter: resolver }));
}

/** Bond, window and slash amount of an optimistic job's params. */
export function unpackOptimistic(params: bigint) {
  return { window: params & 0xffffffffn, bond: (params >> 32n) & ((1n << 96n) - 1n), slash: params >> 128n };
}

/** The fixture's default proposal salt. */
export const SALT = ethersLib.id("verity proposal salt");

/**
 * Commits to `output` for an OPTIMISTIC job from `from` (default: the fixture's operator), then reveals it with the
 * job's bond in the next block (the game's commit-reveal). Returns the reveal's transaction.
 */
export async function commitAndPropose(
  c: ModesSetup,
  jobId: bigint,
  job: JobStruct,
  output: string,
  from: HardhatEthersSigner = c.operator,
  opts: { salt?: string; value?: bigint } = {},
) {
  const salt = opts.salt ?? SALT;
  const commitment = await c.game.proposalCommitment(jobId, from.address, ethersLib.keccak256(output), salt);
  await (await c.game.connect(from).commitProposal(jobId, commitment)).wait();
  return c.game.connect(from).proposeResult(jobId, job, inline(output), salt, {
    value: opts.value ?? unpackOptimistic(BigInt(job.params)).bond,
  });
}
