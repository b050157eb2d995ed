#!/usr/bin/env node
// Runs every test suite and ends with one plain line, "N passed, N failed", summed over all suites, as CI reads it:
//   1. Hardhat's mocha runner over test/ (it builds the contracts first);
//   2. the Solidity invariant and fuzz campaigns of test/invariants/*.t.sol (`hardhat test solidity`, on EDR);
//   3. the TypeScript type check of the whole project (`tsc --noEmit`, after the build so contract types exist),
//      counted as one test.
import { spawn } from "node:child_process";

function run(cmd, args, { echo = true } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } });
    let out = "";
    const onData = (stream) => (d) => {
      if (echo) stream.write(d);
      out += d.toString();
    };
    child.stdout.on("data", onData(process.stdout));
    child.stderr.on("data", onData(process.stderr));
    child.on("close", (code) => resolve({ code, out }));
  });
}

const mocha = await run("npx", ["hardhat", "test", "mocha", ...process.argv.slice(2)]);
const count = (re) => [...mocha.out.matchAll(re)].reduce((s, m) => s + Number(m[1]), 0);
let passed = count(/^\s*(\d+) passing/gm);
let failed = count(/^\s*(\d+) failing/gm);
const pending = count(/^\s*(\d+) pending/gm);
if (mocha.code !== 0 && failed === 0) failed = 1; // the runner itself failed (e.g. a compile error)

let typecheckOk = true;
if (process.argv.length <= 2) {
  console.log("\nSolidity invariant campaigns (hardhat test solidity)");
  const sol = await run("npx", ["hardhat", "test", "solidity"]);
  const solCount = (re) => [...sol.out.matchAll(re)].reduce((s, m) => s + Number(m[1]), 0);
  passed += solCount(/^\s*(\d+) passing/gm);
  const solFailed = solCount(/^\s*(\d+) failing/gm);
  failed += solFailed > 0 ? solFailed : sol.code !== 0 ? 1 : 0;

  console.log("\nType check (tsc --noEmit -p .)");
  const tsc = await run("npx", ["tsc", "--noEmit", "-p", "."]);
  typecheckOk = tsc.code === 0;
  console.log(typecheckOk ? "  ✔ the whole project type-checks" : "  ✗ type errors (above)");
  if (typecheckOk) passed += 1;
  else failed += 1;
}

const ok = failed === 0 && passed > 0;
console.log(`${passed} passed, ${failed} failed${pending ? `, ${pending} skipped` : ""}`);
process.exit(ok ? 0 : 1);
