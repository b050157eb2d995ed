/**
 * Sizes of what users install (`npm run bench:packages`, after `npx hardhat build`): each tarball's packed and
 * unpacked size and file count; the installed size of the SDK with its dependencies (a dApp's node_modules) and of
 * all three packages (an operator's); and the README dApp's browser bundle (esbuild, minified): the initial load
 * (the entry and its static imports), raw and gzipped, and everything including the lazy chunks (the prover library
 * and Intel's DCAP verifier, loaded only to verify a ZK job or a TDX quote). Goal: initial load at most 150 KB
 * gzipped, viem included. Prints a table and writes bench/packages.json.
 *
 * Same path as test/packages/install.test.ts: built, packed and installed offline into fresh temporary projects.
 */
import { writeFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  BROWSER_MAIN,
  ROOT,
  buildPackages,
  bundleForBrowser,
  installProject,
  nativeParts,
  packAll,
  treeSize,
} from "../test/helpers/packages.js";

const INITIAL_GZIP_GOAL = 150 * 1024;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

console.log("building the packages (tsc, layout)...");
await buildPackages();
const tarballDir = await mkdtemp(path.join(tmpdir(), "verity-bench-tarballs-"));
console.log("packing...");
const packed = await packAll(tarballDir);
console.log("installing the SDK alone into a fresh project (offline)...");
const dapp = await installProject("verity-bench-dapp-", packed.filter((p) => p.name === "verity-inference"));
console.log("installing all three packages into a fresh project (offline)...");
const operator = await installProject("verity-bench-operator-", packed);
try {
  await writeFile(path.join(dapp.dir, "dapp.ts"), await readFile(path.join(ROOT, "examples", "dapp.ts")));
  await writeFile(path.join(dapp.dir, "main.ts"), BROWSER_MAIN);
  console.log("bundling the README dApp for the browser (esbuild)...");
  const bundle = await bundleForBrowser(dapp.dir, "main.ts", "browser-dist");
  const sdkInstalled = await treeSize(path.join(dapp.dir, "node_modules"));
  const allInstalled = await treeSize(path.join(operator.dir, "node_modules"));
  const native = await nativeParts(dapp.dir);

  const result = {
    note: "npm run bench:packages; bytes. Initial bundle: the entry chunk and its static imports (esbuild, minified, ESM, code splitting).",
    tarballs: Object.fromEntries(packed.map((p) => [p.name, { packedBytes: p.size, unpackedBytes: p.unpackedSize, files: p.entryCount }])),
    installed: {
      sdkWithDependenciesBytes: sdkInstalled,
      sdkNativeParts: native.length,
      allPackagesWithDependenciesBytes: allInstalled,
    },
    browserBundle: {
      entry: "examples/dapp.ts (requestInferenceSync, waitForResult, verifyJob) behind a wallet page",
      initialBytes: bundle.initialBytes,
      initialGzipBytes: bundle.initialGzipBytes,
      initialGzipGoalBytes: INITIAL_GZIP_GOAL,
      totalBytesWithLazyChunks: bundle.totalBytes,
      files: bundle.files,
      lazyChunks: bundle.lazyChunks,
    },
  };

  const rows: [string, string][] = [
    ...packed.map((p): [string, string] => [`${p.name} tarball`, `${kb(p.size)} packed, ${kb(p.unpackedSize)} unpacked, ${p.entryCount} files`]),
    ["SDK installed with dependencies", `${mb(sdkInstalled)} (native modules or install scripts: ${native.length})`],
    ["all three installed with dependencies", mb(allInstalled)],
    ["browser dApp, initial load", `${kb(bundle.initialBytes)} minified, ${kb(bundle.initialGzipBytes)} gzipped (goal ${kb(INITIAL_GZIP_GOAL)})`],
    ["browser dApp, with lazy chunks", `${kb(bundle.totalBytes)} in ${bundle.files} files (${bundle.lazyChunks} lazy)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log();
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  writeFileSync(path.join(ROOT, "bench", "packages.json"), `${JSON.stringify(result, null, 2)}\n`);
  console.log("\nwrote bench/packages.json");
  if (bundle.initialGzipBytes > INITIAL_GZIP_GOAL) {
    console.error(`the initial bundle is over the goal: ${kb(bundle.initialGzipBytes)} > ${kb(INITIAL_GZIP_GOAL)}`);
    process.exitCode = 1;
  }
} finally {
  await dapp.remove();
  await operator.remove();
  await rm(tarballDir, { recursive: true, force: true });
}
