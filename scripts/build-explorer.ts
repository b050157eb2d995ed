/**
 * Builds the explorer into explorer/dist (static files: serve the folder with any static file server, or open
 * index.html from disk), against the SDK as a browser user installs it: the packages are built and packed, the SDK
 * tarball is installed offline into a fresh project, and the explorer is type-checked and built with Vite there
 * (test/helpers/explorer.ts).
 *
 *   npm run build:explorer
 */
import path from "node:path";
import { EXPLORER_SOURCES, buildExplorer } from "../test/helpers/explorer.js";

const outDir = path.join(EXPLORER_SOURCES, "dist");
const built = await buildExplorer({ outDir });
await built.remove();
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
for (const f of built.files) console.log(`${f.initial ? "initial" : "lazy   "}  ${f.file.padEnd(48)} ${kb(f.bytes).padStart(10)} ${kb(f.gzipBytes).padStart(10)} gzipped`);
console.log(`\nbuilt ${path.relative(process.cwd(), outDir)}/: serve it as static files, e.g. #/job/1?rpc=http://127.0.0.1:8545&hub=0x...`);
