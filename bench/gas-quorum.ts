/**
 * Gas of the QUORUM and OPTIMISTIC modes on Hardhat's in-process network, in steady state: every figure is taken
 * on a later job of the same requester, operators, proposer and challenger, after a first job took the same path,
 * so the balances and credits it writes are already non-zero.
 *
 * - `fulfill(quorum 3-of-5)`: three of the five staked operators sign; the fee is split among them.
 * - `requestInference(optimistic)`: a request the dispute game vets (`checkRequest`: params, bond, the circuit).
 * - `commitProposal`: the proposer's commitment (the answer stays hidden).
 * - `proposeResult`: the reveal, in a later block, with the bond: the proposer's slash amount is locked, nothing
 *   is credited yet.
 * - `challenge`: a challenge with its bond.
 * - `resolveChallenge`: a wrong proposal overturned by a ZK proof of the true output, sent by the challenger (the
 *   fee and both bonds to it, half the proposer's locked stake to it and half burned, the job final).
 * - `resolveChallenge(upheld)`: a right proposal upheld by the proof (the fee and its bond to the proposer, the
 *   challenger's bond back to the resolver, the stake unlocked).
 * - `finalize`: an unchallenged proposal made final after its window (fee and bond to the proposer, unlocked).
 * - `expireChallenge`: a challenge nobody resolved: the proposal stands (the fee and both bonds to the proposer).
 * All of them but the request go to the job's dispute game (`OptimisticGame`), which settles through the hub.
 *
 * Wired into bench/gas.ts:
 *   Object.assign(gas, await measureQuorumOptimistic(ethers, networkHelpers));
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { type ContractTransactionResponse, ethers as ethersLib } from "ethers";
import { encodeTensor } from "../sdk/src/encoding/tensor.js";
import { releaseZkWorkers } from "../sdk/src/proofs/zk.js";
import { type JobStruct, MODE_OPTIMISTIC, MODE_QUORUM } from "../test/helpers/verity.js";
import { IRIS_INPUT, prove } from "../test/helpers/zk.js";
import {
  BOND,
  WINDOW,
  WRONG_OUTPUT,
  ascending,
  deployWithAllModes,
  inline,
  modeRequest,
  optimisticParams,
  quorumFulfillArgs,
  quorumParams,
  resolutionFor,
} from "../test/helpers/modes.js";

type TimeHelpers = { time: { increase(seconds: number | bigint): Promise<unknown> } };

export async function measureQuorumOptimistic(
  ethers: HardhatEthers,
  networkHelpers: TimeHelpers,
): Promise<Record<string, number>> {
  const c = await deployWithAllModes(ethers);
  // The true output (the resolutions below are proven per job, for the challenger that sends them).
  const proved = await prove(c.weights, IRIS_INPUT, { jobId: 1n, submitter: c.challenger.address });
  const trueOutput = encodeTensor(proved.output);
  const wrongOutput = encodeTensor(WRONG_OUTPUT);
  const used = async (tx: Promise<ContractTransactionResponse>) => Number((await (await tx).wait())!.gasUsed);
  const gas: Record<string, number> = {};

  // QUORUM: 3 of the 5 staked operators sign (each stakes 1 ETH; the job asks for 3 with at least 0.5 ETH).
  const signers = ascending(c.quorum.slice(0, 3));
  const quorum = quorumParams(3, 5n * 10n ** 17n);
  for (let i = 0; i < 2; i++) {
    const { jobId, job } = await modeRequest(c, MODE_QUORUM, quorum);
    gas["fulfill(quorum 3-of-5)"] = await used(
      c.hub.connect(c.operator).fulfill(...(await quorumFulfillArgs(c, jobId, job, signers, trueOutput))),
    );
  }

  // OPTIMISTIC, unchallenged: commit, reveal (the proposal, with its bond), wait out the window, finalize. The
  // proposer (1 ETH staked by the fixture) adds stake so that the slashes below leave it enough to keep proposing.
  await (await c.operators.connect(c.operator).stake(10n ** 19n, { value: 10n ** 19n })).wait();
  const params = optimisticParams();
  const salt = (jobId: bigint) => ethersLib.id(`bench salt ${jobId}`);
  /** Commits `output` for the job (mined), then reveals it in the next block; returns both gas figures. */
  const commitAndReveal = async (jobId: bigint, job: JobStruct, output: string) => {
    const commitment = await c.game.proposalCommitment(jobId, c.operator.address, ethersLib.keccak256(output), salt(jobId));
    const commitGas = await used(c.game.connect(c.operator).commitProposal(jobId, commitment));
    const revealGas = await used(c.game.connect(c.operator).proposeResult(jobId, job, inline(output), salt(jobId), { value: BOND }));
    return { commitGas, revealGas };
  };
  for (let i = 0; i < 2; i++) {
    const { jobId, job, receipt } = await modeRequest(c, MODE_OPTIMISTIC, params);
    gas["requestInference(optimistic)"] = Number(receipt.gasUsed);
    const { commitGas, revealGas } = await commitAndReveal(jobId, job, trueOutput);
    gas.commitProposal = commitGas;
    gas.proposeResult = revealGas;
    await networkHelpers.time.increase(WINDOW + 1n);
    gas.finalize = await used(c.game.connect(c.other).finalize(jobId, job, inline(trueOutput)));
  }

  // OPTIMISTIC, challenged: a wrong proposal overturned, then a right one upheld, each resolved by the challenger.
  for (const [label, proposed] of [
    ["resolveChallenge", wrongOutput],
    ["resolveChallenge(upheld)", trueOutput],
  ] as const) {
    for (let i = 0; i < 2; i++) {
      const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, params);
      await commitAndReveal(jobId, job, proposed);
      const challengeGas = await used(c.game.connect(c.challenger).challenge(jobId, job, { value: BOND }));
      const { result, attestation } = await resolutionFor(c, jobId, c.challenger.address);
      if (label === "resolveChallenge") gas.challenge = challengeGas;
      gas[label] = await used(c.game.connect(c.challenger).resolveChallenge(jobId, job, result, attestation));
    }
  }

  // OPTIMISTIC, a challenge nobody resolves: the proposal stands once the resolution period is over.
  for (let i = 0; i < 2; i++) {
    const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, params);
    await commitAndReveal(jobId, job, trueOutput);
    await (await c.game.connect(c.challenger).challenge(jobId, job, { value: BOND })).wait();
    await networkHelpers.time.increase(WINDOW + 1n);
    gas.expireChallenge = await used(c.game.connect(c.other).expireChallenge(jobId, job, inline(trueOutput)));
  }
  await releaseZkWorkers();
  return gas;
}
