import { network } from "hardhat";
import { deployWithTeeModel, request, teeFulfillArgs } from "../test/helpers/verity.js";
const { ethers } = await network.create();
const c = await deployWithTeeModel(ethers);
async function profile(hash: string, label: string) {
  const t: any = await ethers.provider.send("debug_traceTransaction", [hash, { disableStorage: true, disableMemory: true, disableStack: true }]);
  const agg: Record<string, [number, number]> = {};
  const byDepth: Record<number, number> = {};
  for (const l of t.structLogs) { const k = l.op; agg[k] ??= [0, 0]; agg[k][0] += l.gasCost; agg[k][1]++; if (!/CALL/.test(k)) byDepth[l.depth] = (byDepth[l.depth] ?? 0) + l.gasCost; }
  console.log(label, "by depth (excl. calls)", JSON.stringify(byDepth));
  const rows = Object.entries(agg).sort((a, b) => b[1][0] - a[1][0]).slice(0, 22);
  console.log(label, "total", t.gas, rows.map(([k, [g, n]]) => `${k}:${g}/${n}`).join(" "));
}
for (let i = 0; i < 2; i++) {
  const r = await request(c);
  const f = await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, r.jobId, r.job)));
  await f.wait();
  if (i === 1) { await profile(r.receipt.hash, "request"); await profile(f.hash, "fulfill"); }
}
