/**
 * Deployed bytecode size of every contract (EIP-170 limit 24,576 bytes; the house rule keeps 2 KB of headroom, and
 * the run fails when a contract has less). Prints a table and writes bench/sizes.json. Run: `npx hardhat run bench/sizes.ts` (after `npx hardhat build`).
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const LIMIT = 24_576;
const HEADROOM = 2_048;
const root = path.join(import.meta.dirname, "..", "artifacts", "contracts");

function artifacts(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) return artifacts(p);
    return f.endsWith(".json") && !f.endsWith(".dbg.json") ? [p] : [];
  });
}

const sizes: Record<string, number> = {};
for (const file of artifacts(root)) {
  const rel = path.relative(root, file);
  if (rel.startsWith("test/")) continue; // test-only contracts
  const a = JSON.parse(readFileSync(file, "utf8")) as { contractName?: string; deployedBytecode?: string };
  const bytes = a.deployedBytecode && a.deployedBytecode !== "0x" ? (a.deployedBytecode.length - 2) / 2 : 0;
  if (bytes > 0 && a.contractName) sizes[a.contractName] = bytes;
}
/** The deployed contracts of the system: each must be found, and keep the headroom. */
const SYSTEM = [
  "AttestorCommittee",
  "BatchSettlement",
  "EnclaveRegistry",
  "Groth16VerifierMlp",
  "InferenceHub",
  "OperatorRegistry",
  "OptimisticGame",
  "VerityTimelock",
  "ZkVerifier",
];
const missing = SYSTEM.filter((name) => !(name in sizes));
if (missing.length > 0) throw new Error(`no artifact for ${missing.join(", ")}: run \`npx hardhat build\` first`);
const sorted = Object.fromEntries(Object.entries(sizes).sort(([a], [b]) => a.localeCompare(b)));
console.log(`${"contract".padEnd(26)}${"bytes".padStart(8)}${"headroom".padStart(10)}`);
for (const [name, bytes] of Object.entries(sorted)) {
  const left = LIMIT - bytes;
  console.log(`${name.padEnd(26)}${bytes.toLocaleString("en-US").padStart(8)}${left.toLocaleString("en-US").padStart(10)}${left < HEADROOM ? "  < 2 KB headroom" : ""}`);
}
writeFileSync(path.join(import.meta.dirname, "sizes.json"), `${JSON.stringify(sorted, null, 2)}\n`);
console.log("wrote bench/sizes.json");
const tight = Object.entries(sorted).filter(([, bytes]) => LIMIT - bytes < HEADROOM);
if (tight.length > 0) {
  console.error(`less than 2 KB of headroom under ${LIMIT.toLocaleString("en-US")} bytes: ${tight.map(([n]) => n).join(", ")}`);
  process.exitCode = 1;
}
