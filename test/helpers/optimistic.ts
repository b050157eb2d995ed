/**
 * OPTIMISTIC dispute-game helpers on top of the all-modes fixture (./modes.ts): commit-reveal proposals and
 * challenges that return their closing times, and a ledger of everything a dispute can move (the job's slot, the
 * proposal, hub credits, model earnings, stakes and locks, slash credits, the burn, the game's balance), so a refused
 * call can be shown to have moved nothing.
 */
import { expect } from "chai";
import { ethers as ethersLib, type BaseContract } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { encodeTensor } from "../../sdk/src/encoding/tensor.js";
import { NATIVE, expectRefused } from "./hub.js";
import { SALT, WRONG_OUTPUT, commitAndPropose, optimisticParams, unpackOptimistic, type ModesSetup } from "./modes.js";
import type { JobStruct, TeeSetup } from "./verity.js";

/** 1 hour window, 0.1 ETH bonds, 0.5 ETH slash. */
export const PARAMS = optimisticParams();
/** A wrong answer for IRIS_INPUT, encoded. */
export const WRONG = encodeTensor(WRONG_OUTPUT);
/** `getProposal` of a job without an open proposal. */
export const ZERO_PROPOSAL = [ethersLib.ZeroAddress, 0n, ethersLib.ZeroHash, ethersLib.ZeroAddress];

/** The block time of a mined transaction. */
export async function minedAt(tx: { getBlock(): Promise<{ timestamp: number } | null> }) {
  return BigInt((await tx.getBlock())!.timestamp);
}

/** `from`'s commitment to `output` for the job (salt: the fixture's default). */
export async function commitmentOf(c: ModesSetup, jobId: bigint, output: string, from: string, salt = SALT) {
  return c.game.proposalCommitment(jobId, from, ethersLib.keccak256(output), salt);
}

/** Commits `from` to `output` for the job (mined); returns the commitment and its block. */
export async function commit(c: ModesSetup, jobId: bigint, output: string, from: HardhatEthersSigner = c.operator, salt = SALT) {
  const commitment = await commitmentOf(c, jobId, output, from.address, salt);
  const tx = await c.game.connect(from).commitProposal(jobId, commitment);
  const receipt = (await tx.wait())!;
  return { commitment, block: BigInt(receipt.blockNumber) };
}

/** Commits, then reveals `output` with the job's bond in the next block (`commitAndPropose`); adds its window's end. */
export async function propose(
  c: ModesSetup,
  jobId: bigint,
  job: JobStruct,
  output: string,
  from: HardhatEthersSigner = c.operator,
  opts: { salt?: string } = {},
) {
  const tx = await commitAndPropose(c, jobId, job, output, from, opts);
  return { tx, closesAt: (await minedAt(tx)) + unpackOptimistic(job.params as bigint).window };
}

/** Challenges the job's proposal from `from` (default: the fixture's challenger) with the job's bond. */
export async function challenge(c: ModesSetup, jobId: bigint, job: JobStruct, from: HardhatEthersSigner = c.challenger) {
  const { bond, window } = unpackOptimistic(job.params as bigint);
  const tx = await c.game.connect(from).challenge(jobId, job, { value: bond });
  return { tx, resolveBy: (await minedAt(tx)) + window };
}

/**
 * Everything a dispute can move, for the given accounts: the job's slot, the proposal, hub credits (native and
 * token), the model's earnings, stake records, slash credits, the burn and the game's balance.
 */
export async function disputeLedger(c: ModesSetup, jobId: bigint, accounts: string[]) {
  const token = await c.token.getAddress();
  const game = await c.game.getAddress();
  return {
    job: [...(await c.hub.getJob(jobId))],
    proposal: [...(await c.game.getProposal(jobId))],
    credits: await Promise.all(accounts.map(async (a) => [await c.hub.creditOf(a, NATIVE), await c.hub.creditOf(a, token)])),
    model: [await c.hub.modelEarnings(c.modelId, NATIVE), await c.hub.modelEarnings(c.modelId, token)],
    stakes: await Promise.all(accounts.map(async (a) => [...(await c.operators.getOperator(a))])),
    slashCredits: await Promise.all(accounts.map((a) => c.operators.slashCreditOf(a))),
    burned: await c.operators.burned(),
    game: await c.ethers.provider.getBalance(game),
    registry: await c.ethers.provider.getBalance(await c.operators.getAddress()),
  };
}

/** The accounts a dispute in the fixture touches. */
export function disputeAccounts(c: ModesSetup, extra: string[] = []) {
  return [
    c.requester.address,
    c.operator.address,
    c.challenger.address,
    c.other.address,
    c.governance.address,
    c.treasury.address,
    ...extra,
  ];
}

/**
 * Sends `send`, expects `source`'s custom error `error(...args)`, and checks that no balance (but the gas of a mined
 * refusal), credit, stake, lock, slash credit, proposal or job slot moved.
 */
export async function expectDisputeRefused(
  c: ModesSetup,
  jobId: bigint,
  send: () => Promise<unknown>,
  source: BaseContract,
  error: string,
  args: unknown[],
  extra: string[] = [],
) {
  const accounts = disputeAccounts(c, extra);
  const before = await disputeLedger(c, jobId, accounts);
  await expectRefused(c as unknown as TeeSetup, send, source, error, args, [...accounts, await c.game.getAddress()]);
  expect(await disputeLedger(c, jobId, accounts)).to.deep.equal(before);
}

/** Runtime code that answers every call with a 32-byte `true`: a Groth16 "verifier" that accepts anything. */
export const ACCEPT_ALL_RUNTIME = "0x600160005260206000f3";
/** Its creation code: copy the 10 runtime bytes to memory and return them. */
const ACCEPT_ALL_CREATION = `0x600a600c600039600a6000f3${ACCEPT_ALL_RUNTIME.slice(2)}`;

/** Deploys the accept-anything verifier from `from` (e.g. a model owner) and returns its address. */
export async function deployAcceptAll(from: HardhatEthersSigner): Promise<string> {
  const receipt = await (await from.sendTransaction({ data: ACCEPT_ALL_CREATION })).wait();
  const address = receipt!.contractAddress!;
  expect(await from.provider!.getCode(address)).to.equal(ACCEPT_ALL_RUNTIME);
  return address;
}
