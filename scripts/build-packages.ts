/**
 * Builds the three npm packages from the one source tree (`npm run build:packages`, after `npx hardhat build`):
 *
 *   build/packages/verity-inference            the SDK: viem actions, encodings, verifyJob, attestation; pure
 *                                              JavaScript, browser-safe (no Node built-in, no native module)
 *   build/packages/verity-inference-node       the operator node, the prover and the `verity` CLI (ONNX Runtime,
 *                                              snarkjs, circomlibjs, Ignition), with the Iris model and the circuit
 *   build/packages/verity-inference-contracts  Solidity sources, ABIs and deployment artifacts
 *
 * Steps: `tsc -p tsconfig.build.json` compiles sdk/src to ESM JavaScript with declarations (build/tsc/); the SDK
 * takes every module outside operator/, cli/, prover/ and model/ (but model/mlp, which the ZK packing uses); the node
 * package takes the rest, its imports of SDK modules rewritten from relative paths to
 * `verity-inference/internal/<path>` (the SDK's exports map serves them, so both packages share one instance of
 * every SDK module, error classes included). Each package's dependencies are the bare imports of its compiled code,
 * at the versions of the root package.json; an import no dependency covers fails the build.
 *
 * Prints what it built; `--quiet` prints nothing. Writes nothing outside build/.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(import.meta.dirname, "..");
const TSC_OUT = path.join(ROOT, "build", "tsc");
export const PACKAGES_DIR = path.join(ROOT, "build", "packages");
export const PACKAGE_NAMES = {
  sdk: "verity-inference",
  node: "verity-inference-node",
  contracts: "verity-inference-contracts",
} as const;

const rootPkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  version: string;
  license: string;
  engines: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const VERSION = rootPkg.version;
const COMMON = {
  version: VERSION,
  license: rootPkg.license,
  type: "module",
  engines: rootPkg.engines,
  repository: { type: "git", url: "git+https://github.com/verity-inference/verity.git" },
  sideEffects: false,
} as const;

/** Directories of sdk/src whose modules are Node-only: they go to the node package. */
const NODE_DIRS = ["operator", "cli", "prover", "model"];
/** Node-only modules kept out of every package: repository tooling. */
const LEFT_OUT = new Set(["model/train", "model/trainMnist"]);
/** Modules of NODE_DIRS that are pure and that the SDK uses. */
const SDK_EXCEPTIONS = new Set(["model/mlp"]);

const quiet = process.argv.includes("--quiet");
const log = (msg: string) => {
  if (!quiet) console.log(msg);
};

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

/** "operator/node" for build/tsc/operator/node.js (and .d.ts). */
function moduleId(file: string): string {
  return path.relative(TSC_OUT, file).replace(/\\/g, "/").replace(/\.d\.ts$|\.js$/, "");
}

function isSdkModule(id: string): boolean {
  if (SDK_EXCEPTIONS.has(id)) return true;
  return !NODE_DIRS.some((d) => id === d || id.startsWith(`${d}/`));
}

function bareName(spec: string): string | undefined {
  if (spec.startsWith(".") || spec.startsWith("node:") || spec.startsWith("/")) return undefined;
  const parts = spec.split("/");
  return spec.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
}

function versionOf(name: string): string {
  const v = rootPkg.dependencies[name] ?? rootPkg.devDependencies[name];
  if (!v) throw new Error(`build-packages: ${name} is imported but is not a dependency of the root package.json`);
  return v;
}

/** Copies compiled modules into `<pkg>/dist/`, rewriting specifiers with `rewrite`; returns the bare packages used. */
function copyModules(files: string[], pkgDir: string, rewrite: (spec: string, file: string) => string): Set<string> {
  const used = new Set<string>();
  for (const file of files) {
    const out = path.join(pkgDir, "dist", path.relative(TSC_OUT, file));
    mkdirSync(path.dirname(out), { recursive: true });
    let text = readFileSync(file, "utf8");
    // Every module specifier (static imports and exports, `import("...")`, `typeof import("...")` in declarations),
    // as TypeScript's scanner finds them: comments and strings are not specifiers. Rewritten from the last one.
    const specs = ts.preProcessFile(text, true, true).importedFiles;
    for (const { fileName, pos } of specs.reverse()) {
      const at = text.indexOf(fileName, pos);
      const next = rewrite(fileName, file);
      const name = bareName(next);
      if (name) used.add(name); // type-only references in declarations count too: a consumer's tsc must find them
      if (next !== fileName) text = text.slice(0, at) + next + text.slice(at + fileName.length);
    }
    writeFileSync(out, text);
  }
  return used;
}

function dependencies(used: Set<string>, provided: Record<string, string> = {}): Record<string, string> {
  const deps: Record<string, string> = {};
  for (const name of [...used].sort()) deps[name] = provided[name] ?? versionOf(name);
  return deps;
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function writeLicense(pkgDir: string): void {
  copyFileSync(path.join(ROOT, "LICENSE"), path.join(pkgDir, "LICENSE"));
}

function compile(): void {
  rmSync(TSC_OUT, { recursive: true, force: true });
  log("compiling sdk/src (tsc -p tsconfig.build.json)");
  execFileSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(ROOT, "tsconfig.build.json")], {
    cwd: ROOT,
    stdio: "inherit",
  });
}

function buildSdk(files: string[]): void {
  const dir = path.join(PACKAGES_DIR, PACKAGE_NAMES.sdk);
  const used = copyModules(files, dir, (spec) => spec);
  for (const name of used) if (/onnxruntime|circomlibjs|commander|hardhat|ignition/.test(name)) {
    throw new Error(`build-packages: the SDK imports ${name}, which belongs to the node package`);
  }
  writeLicense(dir);
  copyFileSync(path.join(ROOT, "sdk", "README.md"), path.join(dir, "README.md"));
  const entry = (file: string) => ({ types: `./dist/${file}.d.ts`, import: `./dist/${file}.js` });
  writeJson(path.join(dir, "package.json"), {
    name: PACKAGE_NAMES.sdk,
    description: "Verity SDK: request AI inference on EVM chains and verify every result from chain data (viem actions; browser and Node)",
    ...COMMON,
    keywords: ["verifiable-inference", "viem", "ethereum", "tee", "zk", "attestation"],
    exports: {
      ".": entry("index"),
      "./abis": entry("abis"),
      "./attestation": entry("attestation/index"),
      "./zk": entry("zk"),
      // For verity-inference-node, which is released with this package at the same version: no stability promise.
      "./internal/*": { types: "./dist/*", import: "./dist/*" },
      "./package.json": "./package.json",
    },
    types: "./dist/index.d.ts",
    files: ["dist", "README.md", "LICENSE"],
    dependencies: dependencies(used),
  });
}

function buildNode(files: string[]): void {
  const dir = path.join(PACKAGES_DIR, PACKAGE_NAMES.node);
  const used = copyModules(files, dir, (spec, file) => {
    if (!spec.startsWith(".")) return spec;
    const target = moduleId(path.resolve(path.dirname(file), spec));
    return isSdkModule(target) ? `${PACKAGE_NAMES.sdk}/internal/${target}.js` : spec;
  });
  used.add(PACKAGE_NAMES.contracts); // `verity deploy` reads its artifacts
  // operator/signing.ts loads libsecp256k1's binding with createRequire (no static import to scan); it ships prebuilt
  // binaries, and the node signs in JavaScript where none loads.
  used.add("secp256k1");
  writeLicense(dir);
  copyFileSync(path.join(ROOT, "sdk", "README.node.md"), path.join(dir, "README.md"));
  mkdirSync(path.join(dir, "models"), { recursive: true });
  for (const f of ["iris-mlp.json", "iris-mlp.onnx", "mnist.json", "mnist-mlp-f32.onnx", "mnist-mlp-int8.onnx"]) {
    copyFileSync(path.join(ROOT, "models", f), path.join(dir, "models", f));
  }
  // What proving needs (witness generator, proving key) and the verifying key; not the r1cs or the setup's ptau.
  mkdirSync(path.join(dir, "circuits", "build"), { recursive: true });
  for (const f of ["mlp_4_8_3.wasm", "mlp_4_8_3.zkey", "verification_key.json", "manifest.json"]) {
    copyFileSync(path.join(ROOT, "circuits", "build", f), path.join(dir, "circuits", "build", f));
  }
  writeJson(path.join(dir, "package.json"), {
    name: PACKAGE_NAMES.node,
    description: "Verity operator node and `verity` CLI: serve AI inference with ONNX Runtime, attest or prove it, deploy and drive Verity on any EVM chain",
    ...COMMON,
    sideEffects: ["./dist/cli/bin.js"],
    keywords: ["verifiable-inference", "onnx", "operator", "cli", "tee", "zk"],
    bin: { verity: "./dist/cli/bin.js" },
    exports: {
      ".": { types: "./dist/operator/index.d.ts", import: "./dist/operator/index.js" },
      "./package.json": "./package.json",
    },
    types: "./dist/operator/index.d.ts",
    files: ["dist", "models", "circuits", "README.md", "LICENSE"],
    dependencies: dependencies(used, { [PACKAGE_NAMES.sdk]: VERSION, [PACKAGE_NAMES.contracts]: VERSION }),
  });
}

type Artifact = { contractName: string; sourceName: string; abi: unknown[]; bytecode: string };

function buildContracts(): void {
  const dir = path.join(PACKAGES_DIR, PACKAGE_NAMES.contracts);
  const sources = walk(path.join(ROOT, "contracts")).filter((f) => f.endsWith(".sol") && !f.includes(`${path.sep}test${path.sep}`));
  for (const f of sources) {
    const out = path.join(dir, path.relative(ROOT, f));
    mkdirSync(path.dirname(out), { recursive: true });
    copyFileSync(f, out);
  }
  const artifactsRoot = path.join(ROOT, "artifacts", "contracts");
  if (!existsSync(artifactsRoot)) throw new Error("build-packages: no artifacts/contracts: run `npx hardhat build` first");
  mkdirSync(path.join(dir, "artifacts"), { recursive: true });
  mkdirSync(path.join(dir, "abis"), { recursive: true });
  let deployable = 0;
  for (const f of walk(artifactsRoot)) {
    if (!f.endsWith(".json") || f.endsWith(".dbg.json") || f.includes(`${path.sep}build-info${path.sep}`)) continue;
    const a = JSON.parse(readFileSync(f, "utf8")) as Artifact & Record<string, unknown>;
    if (typeof a.contractName !== "string" || !Array.isArray(a.abi) || a.sourceName.startsWith("contracts/test/")) continue;
    writeJson(path.join(dir, "abis", `${a.contractName}.json`), a.abi);
    if (a.bytecode && a.bytecode !== "0x") {
      // The Hardhat artifact format (what Ignition and ethers' ContractFactory read), without the build-info link.
      const { buildInfoId: _b, inputSourceName: _i, ...rest } = a;
      writeJson(path.join(dir, "artifacts", `${a.contractName}.json`), rest);
      deployable += 1;
    }
  }
  writeLicense(dir);
  copyFileSync(path.join(ROOT, "contracts", "README.md"), path.join(dir, "README.md"));
  writeJson(path.join(dir, "package.json"), {
    name: PACKAGE_NAMES.contracts,
    description: "Verity's Solidity contracts (import InferenceConsumer.sol into a Hardhat or Foundry project), their ABIs and deployment artifacts",
    version: VERSION,
    license: rootPkg.license,
    repository: COMMON.repository,
    keywords: ["solidity", "verifiable-inference", "hardhat", "foundry"],
    exports: {
      "./contracts/*": "./contracts/*",
      "./abis/*": "./abis/*",
      "./artifacts/*": "./artifacts/*",
      "./package.json": "./package.json",
    },
    files: ["contracts", "abis", "artifacts", "README.md", "LICENSE"],
    dependencies: { "@openzeppelin/contracts": versionOf("@openzeppelin/contracts") },
  });
  log(`  ${PACKAGE_NAMES.contracts}: ${sources.length} Solidity sources, ${deployable} deployment artifacts`);
}

export function buildPackages(): void {
  compile();
  rmSync(PACKAGES_DIR, { recursive: true, force: true });
  const compiled = walk(TSC_OUT).filter((f) => f.endsWith(".js") || f.endsWith(".d.ts"));
  const sdk = compiled.filter((f) => isSdkModule(moduleId(f)));
  const node = compiled.filter((f) => !isSdkModule(moduleId(f)) && !LEFT_OUT.has(moduleId(f)));
  buildSdk(sdk);
  buildNode(node);
  buildContracts();
  const size = (d: string) => walk(d).reduce((s, f) => s + statSync(f).size, 0);
  for (const name of Object.values(PACKAGE_NAMES)) {
    const d = path.join(PACKAGES_DIR, name);
    log(`  ${name}: ${(size(d) / 1024).toFixed(0)} KB in ${path.relative(ROOT, d)}/`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildPackages();
  log("built the packages; pack one with `npm pack build/packages/<name>`");
}
