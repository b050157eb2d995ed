/**
 * Gas of the QUORUM and OPTIMISTIC modes on Hardhat's in-process network, in steady state: every figure is taken
 * on a later job of the same requester, operators, proposer and challenger, after a first job took the same path,
 * so the balances and credits it writes are already non-zero.
 *
 * - `fulfill(quorum 3-of-5)`: three of the five staked operators sign; the fee is split among them.
 * - `fulfill(optimistic)`: `proposeResult`, the proposal with its bond (nothing is credited yet).
 * - `challenge`: a challenge with its bond.
 * - `resolveChallenge`: a wrong proposal overturned by a ZK proof of the true output (bonds to the challenger,
 *   the proposer's stake slashed to it, fee credited, the job final).
 * - `resolveChallenge(upheld)`: a right proposal upheld by the proof (the challenger's bond to the proposer).
 * - `finalize`: an unchallenged proposal made final after its window.
 *
 * Wired into bench/gas.ts:
 *   Object.assign(gas, await measureQuorumOptimistic(ethers, networkHelpers));
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionResponse } from "ethers";
import { encodeTensor } from "../sdk/src/encoding/tensor.js";
import { releaseZkWorkers } from "../sdk/src/proofs/zk.js";
import { MODE_OPTIMISTIC, MODE_QUORUM } from "../test/helpers/verity.js";
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
  resolution,
} from "../test/helpers/modes.js";

type TimeHelpers = { time: { increase(seconds: number | bigint): Promise<unknown> } };

export async function measureQuorumOptimistic(
  ethers: HardhatEthers,
  networkHelpers: TimeHelpers,
): Promise<Record<string, number>> {
  const c = await deployWithAllModes(ethers);
  const proved = await prove(c.weights, IRIS_INPUT);
  await releaseZkWorkers();
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

  // OPTIMISTIC, unchallenged: propose, wait out the window, finalize. The proposer (1 ETH staked by the fixture)
  // adds stake so that the slashes below leave it enough to keep proposing.
  await (await c.operators.connect(c.operator).stake(10n ** 19n, { value: 10n ** 19n })).wait();
  const params = optimisticParams();
  for (let i = 0; i < 2; i++) {
    const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, params);
    gas["fulfill(optimistic)"] = await used(
      c.hub.connect(c.operator).proposeResult(jobId, job, inline(trueOutput), { value: BOND }),
    );
    await networkHelpers.time.increase(WINDOW + 1n);
    gas.finalize = await used(c.hub.connect(c.other).finalize(jobId, job, inline(trueOutput)));
  }

  // OPTIMISTIC, challenged: a wrong proposal overturned, then a right one upheld.
  const { result, attestation } = resolution(proved);
  for (const [label, proposed] of [
    ["resolveChallenge", wrongOutput],
    ["resolveChallenge(upheld)", trueOutput],
  ] as const) {
    for (let i = 0; i < 2; i++) {
      const { jobId, job } = await modeRequest(c, MODE_OPTIMISTIC, params);
      await (await c.hub.connect(c.operator).proposeResult(jobId, job, inline(proposed), { value: BOND })).wait();
      const challengeGas = await used(c.hub.connect(c.challenger).challenge(jobId, job, { value: BOND }));
      if (label === "resolveChallenge") gas.challenge = challengeGas;
      gas[label] = await used(c.hub.connect(c.challenger).resolveChallenge(jobId, job, result, attestation));
    }
  }
  return gas;
}
