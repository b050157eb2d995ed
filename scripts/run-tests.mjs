#!/usr/bin/env node
// Runs every test suite (Hardhat's mocha runner over test/) and ends with one plain line,
// "N passed, N failed", summed over all suites, as CI reads it.
import { spawn } from "node:child_process";

const args = ["hardhat", "test", "mocha", ...process.argv.slice(2)];
const child = spawn("npx", args, { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, FORCE_COLOR: "0" } });
let out = "";
child.stdout.on("data", (d) => {
  process.stdout.write(d);
  out += d.toString();
});
child.on("close", (code) => {
  const count = (re) => [...out.matchAll(re)].reduce((s, m) => s + Number(m[1]), 0);
  const passed = count(/^\s*(\d+) passing/gm);
  const failed = count(/^\s*(\d+) failing/gm);
  const pending = count(/^\s*(\d+) pending/gm);
  const ok = code === 0 && failed === 0 && passed > 0;
  const failedShown = failed === 0 && !ok ? 1 : failed;
  console.log(`${passed} passed, ${failedShown} failed${pending ? `, ${pending} skipped` : ""}`);
  process.exit(ok ? 0 : 1);
});
