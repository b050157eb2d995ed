/**
 * Gas of each Verity operation on Hardhat's in-process network, measured in steady state: every figure is taken
 * on a later job of the same requester, operator and model owner, so storage slots that stay warm across jobs in
 * real use (balances, counters) are already non-zero. Prints a table and writes bench/gas.json.
 *
 *   npm run bench:gas
 */
import { writeFileSync } from "node:fs";
import { network } from "hardhat";
import { ethers as ethersLib } from "ethers";
import {
  deployWithTeeModel,
  INPUT,
  inlineResult,
  MODEL_FEE,
  modeBit,
  MODE_TEE,
  request,
  teeFulfillArgs,
  versionParams,
} from "../test/helpers/verity.js";
import { measureEnclaveKeyGas } from "../test/helpers/enclaves.js";
import { measureZk } from "./gas-zk.js";
import { measureQuorumOptimistic } from "./gas-quorum.js";
import { measureBatchGas } from "../test/helpers/batch.js";

const { ethers, networkHelpers } = await network.create();
const c = await deployWithTeeModel(ethers);
const gas: Record<string, number> = {};
const used = async (tx: Promise<ethersLib.ContractTransactionResponse>) => Number((await (await tx).wait())!.gasUsed);

// Model registration and publication (a later model and version of the same owner).
await c.models.connect(c.modelOwner).registerModel("warm-up");
gas.registerModel = await used(c.models.connect(c.modelOwner).registerModel("image-classifier"));
gas.publishVersion = await used(
  c.models.connect(c.modelOwner).publishVersion(c.modelId, versionParams({ artifactHash: ethersLib.id("model v3") })),
);

// Warm-up: one full job per path, so balances and counters are non-zero.
for (const version of [1, 2]) {
  const { jobId, job } = await request(c, { version });
  await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
}
const native = await request(c);
gas.requestInference = Number(native.receipt.gasUsed);
const erc20 = await request(c, { version: 2, fee: 10_000_000n });
gas["requestInference(erc20)"] = Number(erc20.receipt.gasUsed);
gas["fulfill(tee)"] = await used(c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, native.jobId, native.job))));
gas["fulfill(tee,erc20)"] = await used(c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, erc20.jobId, erc20.job))));

// Enclave keys: a second key of the operator registered through the 2-of-3 AttestorCommittee (key proof, two
// attestor signatures, stake locked), then re-attested with fresh evidence.
Object.assign(gas, await measureEnclaveKeyGas(c, (s) => networkHelpers.time.increase(s)));

// A consumer contract's job with a callback that stores the result.
const consumerRequest = async () => {
  const fee = MODEL_FEE * 3n;
  const tx = await c.consumer.connect(c.requester).ask(
    {
      modelId: c.modelId, version: 1, mode: MODE_TEE, deadline: BigInt(await networkHelpers.time.latest()) + 3600n,
      callback: ethersLib.ZeroAddress, callbackGasLimit: 200_000, fee, params: 0n, inputHash: ethersLib.ZeroHash,
      input: INPUT, inputURI: "",
    },
    { value: fee },
  );
  const receipt = (await tx.wait())!;
  for (const log of receipt.logs) {
    try {
      const p = c.hub.interface.parseLog(log);
      if (p?.name === "InferenceRequested") return { jobId: p.args.jobId as bigint, job: p.args.job };
    } catch {}
  }
  throw new Error("no request event");
};
{
  const warm = await consumerRequest();
  await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, warm.jobId, toStruct(warm.job))));
  const { jobId, job } = await consumerRequest();
  gas["fulfill(tee)+callback"] = await used(c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, toStruct(job)))));
}

// Refund after the deadline (the requester already has a credited balance from an earlier refund).
{
  const a = await request(c, { deadline: BigInt(await networkHelpers.time.latest()) + 100n });
  const b = await request(c, { deadline: BigInt(await networkHelpers.time.latest()) + 100n });
  await networkHelpers.time.increase(200);
  await c.hub.refund(a.jobId, a.job);
  gas.refund = await used(c.hub.refund(b.jobId, b.job));
}
gas.withdraw = await used(c.hub.connect(c.operator).withdraw(ethersLib.ZeroAddress));
gas.withdrawModelEarnings = await used(c.hub.connect(c.modelOwner).withdrawModelEarnings(c.modelId, ethersLib.ZeroAddress));

// With the protocol fee switched on (off by default), one more balance is written per job.
await c.hub.setProtocolFee(500);
{
  const w = await request(c);
  await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, w.jobId, w.job)));
  const { jobId, job } = await request(c);
  gas["fulfill(tee,protocolFee)"] = await used(c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job))));
}

function toStruct(j: any) {
  return {
    requester: j.requester, modelId: j.modelId, version: j.version, mode: j.mode, deadline: j.deadline,
    callback: j.callback, callbackGasLimit: j.callbackGasLimit, feeToken: j.feeToken, fee: j.fee,
    modelFee: j.modelFee, protocolFeeBps: j.protocolFeeBps, inputHash: j.inputHash, params: j.params, verifier: j.verifier,
  };
}

Object.assign(gas, await measureZk(ethers, networkHelpers));
Object.assign(gas, await measureQuorumOptimistic(ethers, networkHelpers));

// BATCH: deposits, vouchers, batch roots of 1, 100 and 10,000 receipts (one slot each: the same execution gas
// whatever the size, only the calldata's bytes differ), verifyReceipt at each tree's deepest leaf, equivocation.
// On a network of its own, so its figures do not depend on what ran before (the snapshot test re-measures them).
{
  const batchNetwork = await network.create();
  const batch = await measureBatchGas(batchNetwork.ethers, { sizes: [1, 100, 10_000], slash: true });
  const executions = new Set(Object.values(batch.execution));
  if (executions.size !== 1) throw new Error(`settleBatch's execution gas depends on the batch size: ${JSON.stringify(batch.execution)}`);
  Object.assign(gas, batch.gas);
}

void inlineResult;
void modeBit;
const rows = Object.entries(gas);
const width = Math.max(...rows.map(([k]) => k.length));
console.log(`${"operation".padEnd(width)}  gas`);
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v.toLocaleString("en-US")}`);
writeFileSync(new URL("./gas.json", import.meta.url), JSON.stringify(gas, null, 2) + "\n");
console.log("wrote bench/gas.json");
