// `npm run zk:setup [-- --ptau <file>] [-- --fresh-ptau]`: compiles circuits/mlp_4_8_3.circom, runs the Groth16
// setup and writes circuits/build/ and contracts/zk/Groth16VerifierMlp.sol. The logic is in sdk/src/proofs/setup.ts.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type ZkSetupStep, runZkSetup } from "../sdk/src/prover/setup.js";
import { releaseZkWorkers } from "../sdk/src/proofs/zk.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    ptau: { type: "string" },
    "fresh-ptau": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(`Usage: npm run zk:setup [-- --ptau <prepared.ptau>] [-- --fresh-ptau]
  --ptau <file>   use a prepared (phase 2) Powers of Tau file from a public ceremony instead of generating one
  --fresh-ptau    generate a new local Powers of Tau even if circuits/build/ptau/ holds one`);
  process.exit(0);
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const tty = process.stdout.isTTY;
let ticker: NodeJS.Timeout | undefined;

function onProgress(e: ZkSetupStep): void {
  if (ticker) clearInterval(ticker);
  ticker = undefined;
  if (e.status === "start") {
    const started = performance.now();
    if (tty) {
      const draw = () =>
        process.stdout.write(
          `\r[${secs(e.totalMs + performance.now() - started).padStart(7)}] ${e.step} ... ${secs(
            performance.now() - started
          )}`
        );
      draw();
      ticker = setInterval(draw, 500);
    } else {
      console.log(`[${secs(e.totalMs).padStart(7)}] ${e.step} ...`);
    }
    return;
  }
  const line = `[${secs(e.totalMs).padStart(7)}] ${e.step}: done in ${secs(e.elapsedMs)}${
    e.detail ? ` (${e.detail})` : ""
  }`;
  if (tty) process.stdout.write(`\r\x1b[K${line}\n`);
  else console.log(line);
}

try {
  const m = await runZkSetup({
    root,
    ...(values.ptau ? { ptau: values.ptau } : {}),
    freshPtau: values["fresh-ptau"],
    onProgress,
  });
  console.log(`
circuit      ${m.source.path} (${m.constraints} constraints, ptau 2^${m.ptau.power} ${m.ptau.source})
kept         circuits/build/{${path.basename(m.wasm.path)}, ${path.basename(
    m.zkey.path
  )}, verification_key.json, manifest.json}
verifier     ${m.verifier.path} (contract ${m.verifier.contract})
vkeyHash     ${m.verificationKey.vkeyHash}`);
  await releaseZkWorkers();
  process.exit(0);
} catch (e) {
  if (ticker) clearInterval(ticker);
  const err = e as Error & { shortMessage?: string; metaMessages?: string[] };
  console.error(
    `\nzk:setup failed: ${err.shortMessage ?? err.message}${
      err.metaMessages?.length ? `\n${err.metaMessages.join("\n")}` : ""
    }`
  );
  process.exit(1);
}
