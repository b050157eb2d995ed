/**
 * The explorer's numbers (`npm run bench:explorer`): the size of what a browser loads (built against the packed SDK,
 * as test/explorer does), and the time from page load to verdict for a TEE job on a local `hardhat node`, in Debian's
 * Chromium (headless): from the navigation's start (`performance.now()` is 0 there) to the moment the verdict, computed
 * in the page by verifyJob (the enclave's Nitro evidence re-verified to its root), is in the DOM. Each run is a fresh
 * browser context (no cache). Goal: under 1 s. Prints a table and writes bench/explorer.json.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, buildExplorer, serveStatic } from "../test/helpers/explorer.js";
import { startExplorerChain } from "../test/explorer/chain.js";

const RUNS = 7;
const GOAL_MS = 1000;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

console.log("building the packages and the explorer against the packed SDK...");
// --reuse-packages: the packages in build/packages are current (a second run); packing and the Vite build still run.
const built = await buildExplorer({ skipPackages: process.argv.includes("--reuse-packages") });
console.log("starting a hardhat node with one job of each mode...");
const chain = await startExplorerChain();
const server = await serveStatic(built.dir);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const times: number[] = [];
try {
  const url = `${server.url}/index.html#/job/${chain.jobs.tee}?rpc=${encodeURIComponent(chain.node.url)}&hub=${chain.hub}`;
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Records when the verdict first appears, on the page's own clock (0 = navigation start).
    await page.addInitScript(`new MutationObserver((_, o) => {
      const v = document.querySelector("[data-verdict]");
      if (v) { window.__verdict = { at: performance.now(), verdict: v.getAttribute("data-verdict") }; o.disconnect(); }
    }).observe(document, { childList: true, subtree: true });`);
    await page.goto(url);
    await page.waitForFunction("window.__verdict !== undefined", undefined, { timeout: 60_000 });
    const { at, verdict } = (await page.evaluate("window.__verdict")) as { at: number; verdict: string };
    if (verdict !== "valid") throw new Error(`the TEE job's verdict is ${verdict}, not valid`);
    times.push(at);
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
  await chain.stop();
  await built.remove();
}

const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)]!;
const initial = built.files.filter((f) => f.initial);
const lazy = built.files.filter((f) => !f.initial);
const sum = (fs: typeof built.files, k: "bytes" | "gzipBytes") => fs.reduce((s, f) => s + f[k], 0);
const result = {
  measuredAt: new Date().toISOString(),
  machine: "2-core shared machine, Chromium headless (Debian), hardhat node on 127.0.0.1",
  bundle: {
    initialBytes: sum(initial, "bytes"),
    initialGzipBytes: sum(initial, "gzipBytes"),
    totalBytes: sum(built.files, "bytes"),
    totalGzipBytes: sum(built.files, "gzipBytes"),
    files: built.files.map((f) => ({ file: f.file.replace(/-[A-Za-z0-9_]{8}\./, "."), bytes: f.bytes, gzipBytes: f.gzipBytes, initial: f.initial })),
  },
  teeLoadToVerdictMs: { runs: times.map((t) => Math.round(t)), median: Math.round(median), min: Math.round(sorted[0]!), max: Math.round(sorted.at(-1)!), goal: GOAL_MS, met: median < GOAL_MS },
};
writeFileSync(path.join(import.meta.dirname, "explorer.json"), `${JSON.stringify(result, null, 2)}\n`);

console.log("\n| what | raw | gzipped |\n|---|---:|---:|");
for (const f of built.files) console.log(`| ${f.initial ? "initial" : "lazy"} ${f.file} | ${kb(f.bytes)} | ${kb(f.gzipBytes)} |`);
console.log(`| **initial load** (${initial.length} files) | ${kb(result.bundle.initialBytes)} | ${kb(result.bundle.initialGzipBytes)} |`);
console.log(`| everything (${built.files.length} files, ${lazy.length} loaded on demand) | ${kb(result.bundle.totalBytes)} | ${kb(result.bundle.totalGzipBytes)} |`);
console.log(`\nTEE job, page load to verdict (${RUNS} fresh loads): median ${result.teeLoadToVerdictMs.median} ms, min ${result.teeLoadToVerdictMs.min}, max ${result.teeLoadToVerdictMs.max} (goal < ${GOAL_MS} ms: ${result.teeLoadToVerdictMs.met ? "met" : "NOT met"})`);
console.log("wrote bench/explorer.json");
