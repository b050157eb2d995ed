/**
 * Gas of a ZK-mode fulfilment on Hardhat's in-process network, in steady state: the figure is taken on a later
 * job of the same requester and operator, after a first ZK job was fulfilled, so the balances it writes are
 * already non-zero. One proof serves both jobs: a proof binds model, input and output, not the job.
 *
 * Wired into bench/gas.ts:
 *   Object.assign(gas, await measureZk(ethers, networkHelpers));
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { releaseZkWorkers } from "../sdk/src/proofs/zk.js";
import { IRIS_INPUT, deployWithZkModel, prove, zkFulfillArgs, zkRequest } from "../test/helpers/zk.js";

export async function measureZk(
  ethers: HardhatEthers,
  // Part of the bench signature; this measurement needs no time travel.
  _networkHelpers?: unknown,
): Promise<Record<string, number>> {
  const c = await deployWithZkModel(ethers);
  const proved = await prove(c.weights, IRIS_INPUT);
  await releaseZkWorkers();

  const warm = await zkRequest(c, IRIS_INPUT);
  await (await c.hub.connect(c.operator).fulfill(...zkFulfillArgs(warm.jobId, warm.job, proved))).wait();

  const { jobId, job } = await zkRequest(c, IRIS_INPUT);
  const receipt = await (await c.hub.connect(c.operator).fulfill(...zkFulfillArgs(jobId, job, proved))).wait();
  return { "fulfill(zk)": Number(receipt!.gasUsed) };
}
