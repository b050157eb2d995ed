/**
 * Gas of a ZK-mode fulfilment on Hardhat's in-process network, in steady state: the figure is taken on a later
 * job of the same requester and operator, after a first ZK job was fulfilled, so the balances it writes are
 * already non-zero. Each job has its own proof: a proof binds the job and the submitting operator.
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
  const proofFor = (jobId: bigint) => prove(c.weights, IRIS_INPUT, { jobId, submitter: c.operator.address });

  const warm = await zkRequest(c, IRIS_INPUT);
  await (await c.hub.connect(c.operator).fulfill(...zkFulfillArgs(warm.jobId, warm.job, await proofFor(warm.jobId)))).wait();

  const { jobId, job } = await zkRequest(c, IRIS_INPUT);
  const proved = await proofFor(jobId);
  await releaseZkWorkers();
  const receipt = await (await c.hub.connect(c.operator).fulfill(...zkFulfillArgs(jobId, job, proved))).wait();
  return { "fulfill(zk)": Number(receipt!.gasUsed) };
}
