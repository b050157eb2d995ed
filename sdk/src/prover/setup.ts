import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { bytesToHex, keccak256, type Hex } from "viem";
import { ZkSetupError } from "../errors/zk.js";
import { type Groth16VerifyingKey, ZK_CIRCUIT_NAME, vkeyHash } from "../proofs/zk.js";

/**
 * The ZK mode's trusted-setup pipeline (Node only): compile the circuit with circom (wasm build, --O2), get a
 * Powers of Tau file (generated locally, or a public ceremony file the user brings), run the Groth16 phase-2 setup
 * with one contribution, export the verifying key and the Solidity verifier, and write a manifest that ties every
 * artifact to the circuit source. Run it with `npm run zk:setup` (scripts/zk-setup.ts).
 */

const require = createRequire(import.meta.url);

export const ZK_SOURCE = `circuits/${ZK_CIRCUIT_NAME}.circom`;
export const ZK_BUILD_DIR = "circuits/build";
export const ZK_VERIFIER_PATH = "contracts/zk/Groth16VerifierMlp.sol";
export const ZK_VERIFIER_CONTRACT = "Groth16VerifierMlp";
export const ZK_VERIFIER_PRAGMA = "^0.8.28";
/** Locally generated Powers of Tau are cached here (not committed; see .gitignore). */
export const ZK_PTAU_CACHE_DIR = "circuits/build/ptau";
export const ZK_COMPILE_FLAGS = ["--r1cs", "--wasm", "--O2", "-l", "node_modules"] as const;

export type FileDigest = { path: string; bytes: number; sha256: Hex; keccak256: Hex };

export type ZkManifest = {
  circuit: typeof ZK_CIRCUIT_NAME;
  architecture: "mlp-4-8-3-int8";
  publicSignals: ["commitment", "packedInput", "packedOutput", "jobId", "submitter"];
  constraints: number;
  toolchain: { circom: string; snarkjs: string; circomlib: string };
  compile: { command: string };
  source: FileDigest;
  r1cs: FileDigest & { committed: boolean };
  wasm: FileDigest;
  zkey: FileDigest;
  verificationKey: FileDigest & { vkeyHash: Hex };
  verifier: { path: string; contract: string };
  ptau: {
    power: number;
    source: "generated" | "provided";
    file: string;
    sha256: Hex;
    how: string;
  };
  phase2: { contributions: number; how: string };
};

export type ZkSetupStep = {
  step: string;
  status: "start" | "done";
  elapsedMs: number;
  totalMs: number;
  detail?: string;
};

export type ZkSetupOptions = {
  /** Repository root (holds circuits/, contracts/, node_modules/). */
  root: string;
  /** A prepared (phase-2) Powers of Tau file from a public ceremony, used instead of generating one. */
  ptau?: string;
  /** Generate a new local Powers of Tau even when one is cached. */
  freshPtau?: boolean;
  onProgress?: (e: ZkSetupStep) => void;
};

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

const sha256 = (b: Uint8Array): Hex => `0x${createHash("sha256").update(b).digest("hex")}`;

/** sha256 and keccak256 of a file, with its path relative to `root`. */
export async function digestFile(root: string, file: string): Promise<FileDigest> {
  const abs = path.resolve(root, file);
  const data = new Uint8Array(await readFile(abs));
  return {
    path: path.relative(root, abs),
    bytes: data.length,
    sha256: sha256(data),
    keccak256: keccak256(bytesToHex(data)),
  };
}

/**
 * `require.resolve` for the setup's tools (circom2, circomlib, snarkjs), which are development dependencies of the
 * Verity repository: an installed verity-inference-node ships the setup's results, not its tools.
 */
function resolveTool(request: string): string {
  try {
    return require.resolve(request);
  } catch {
    throw new ZkSetupError(
      `the ZK setup needs ${request.split("/")[0]}, which is not installed: run it in the Verity repository (npm run zk:setup); ` +
        "an installed verity-inference-node already holds the circuit's build (circuits/build/)",
    );
  }
}

/** Root folder of an installed package (works when its package.json is not in its "exports"). */
function packageDir(name: string): string {
  let dir = path.dirname(resolveTool(name));
  while (!existsSync(path.join(dir, "package.json")) || path.basename(dir) !== name.split("/").pop()) {
    const up = path.dirname(dir);
    if (up === dir) throw new ZkSetupError(`cannot find the ${name} package folder`);
    dir = up;
  }
  return dir;
}

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(path.join(packageDir(name), "package.json"), "utf8")) as { version: string }).version;
}

/** Smallest Powers of Tau power snarkjs accepts for a circuit (the rule of snarkjs zkey new). */
export function requiredPtauPower(info: { nConstraints: number; nPubInputs: number; nOutputs: number }): number {
  return Math.floor(Math.log2(info.nConstraints + info.nPubInputs + info.nOutputs)) + 1;
}

/** Reads a .ptau header: its power and whether it was prepared for phase 2 (has the Lagrange section 12). */
export async function readPtauHeader(file: string): Promise<{ power: number; prepared: boolean }> {
  if (!existsSync(file)) throw new ZkSetupError(`Powers of Tau file ${file} does not exist`, { rerun: false });
  const data = await readFile(file);
  if (data.length < 12 || data.subarray(0, 4).toString("latin1") !== "ptau")
    throw new ZkSetupError(`${file} is not a Powers of Tau (.ptau) file`, { rerun: false });
  const nSections = data.readUInt32LE(8);
  let o = 12;
  let power = -1;
  const types = new Set<number>();
  for (let s = 0; s < nSections && o + 12 <= data.length; s++) {
    const type = data.readUInt32LE(o);
    const size = Number(data.readBigUInt64LE(o + 4));
    types.add(type);
    if (type === 1) {
      const n8 = data.readUInt32LE(o + 12);
      power = data.readUInt32LE(o + 12 + 4 + n8);
    }
    o += 12 + size;
  }
  if (power < 0) throw new ZkSetupError(`${file} has no header section`, { rerun: false });
  return { power, prepared: types.has(12) };
}

function run(cmd: string, args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new ZkSetupError(`\`${cmd} ${args.join(" ")}\` exited with ${code}:\n${out}`))
    );
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Compile
// ---------------------------------------------------------------------------------------------------------------

export type CompiledCircuit = {
  r1cs: string;
  wasm: string;
  constraints: number;
  circomVersion: string;
  command: string;
};

/**
 * Compiles the circuit with the circom2 npm package (Circom as wasm) into `outDir`: `<name>.r1cs` and
 * `<name>_js/<name>.wasm`. Deterministic: the same source and compiler give byte-identical files.
 */
export async function compileCircuit(opts: {
  root: string;
  outDir: string;
  source?: string;
}): Promise<CompiledCircuit> {
  const source = opts.source ?? ZK_SOURCE;
  const cli = resolveTool("circom2/cli.js");
  const name = path.basename(source, ".circom");
  await mkdir(opts.outDir, { recursive: true });
  const args = [source, ...ZK_COMPILE_FLAGS, "-o", path.relative(opts.root, opts.outDir) || "."];
  const out = await run(process.execPath, [cli, ...args], opts.root);
  const m = /non-linear constraints:\s*(\d+)/.exec(out.replace(/\x1b\[[0-9;]*m/g, ""));
  const lin = /(?<!non-)linear constraints:\s*(\d+)/.exec(out.replace(/\x1b\[[0-9;]*m/g, ""));
  if (!m) throw new ZkSetupError(`circom printed no constraint count:\n${out}`);
  const version =
    (await run(process.execPath, [cli, "--version"], opts.root)).match(/circom compiler (\S+)/)?.[1] ?? "?";
  return {
    r1cs: path.join(opts.outDir, `${name}.r1cs`),
    wasm: path.join(opts.outDir, `${name}_js`, `${name}.wasm`),
    constraints: Number(m[1]) + Number(lin?.[1] ?? 0),
    circomVersion: `${version} (circom2 npm ${packageVersion("circom2")})`,
    command: `circom2 ${[source, ...ZK_COMPILE_FLAGS].join(" ")}`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Solidity verifier
// ---------------------------------------------------------------------------------------------------------------

/** Post-processes snarkjs's Solidity verifier: header saying how it was made, contract name, pragma. */
export function renderVerifier(
  raw: string,
  m: Pick<ZkManifest, "toolchain" | "source" | "r1cs" | "zkey" | "verificationKey" | "compile">
): string {
  const header = [
    "// ----------------------------------------------------------------------------------------------------------",
    "// GENERATED FILE, do not edit. Re-create it with `npm run zk:setup` (scripts/zk-setup.ts).",
    `// Generator: snarkjs ${m.toolchain.snarkjs} zKey.exportSolidityVerifier on ${m.zkey.path}`,
    "//   (the same as `snarkjs zkey export solidityverifier`), then post-processed by sdk/src/proofs/setup.ts:",
    `//   contract renamed Groth16Verifier -> ${ZK_VERIFIER_CONTRACT}, pragma set to ${ZK_VERIFIER_PRAGMA}.`,
    `// Circuit:   ${m.source.path} sha256 ${m.source.sha256}`,
    `//   compiled with circom ${m.toolchain.circom}: \`${m.compile.command}\``,
    `//   r1cs sha256 ${m.r1cs.sha256}`,
    `// zkey:      sha256 ${m.zkey.sha256}`,
    `// vkeyHash:  ${m.verificationKey.vkeyHash} (sdk/src/proofs/zk.ts vkeyHash)`,
    "// Public signals: [commitment, packedInput, packedOutput, jobId, submitter] (see circuits/README.md).",
    "// ----------------------------------------------------------------------------------------------------------",
  ].join("\n");
  let out = raw.replace(/^pragma solidity [^;]+;/m, `pragma solidity ${ZK_VERIFIER_PRAGMA};`);
  out = out.replace(/\bcontract Groth16Verifier\b/, `contract ${ZK_VERIFIER_CONTRACT}`);
  if (out === raw || !out.includes(`contract ${ZK_VERIFIER_CONTRACT}`))
    throw new ZkSetupError("the snarkjs verifier template changed: could not rename the contract or set the pragma");
  const lines = out.split("\n");
  const spdx = lines[0]?.startsWith("// SPDX") ? [lines.shift()!] : [];
  return [...spdx, header, ...lines]
    .join("\n")
    .replace(/[ \t]+$/gm, "")
    .replace(/\n{3,}/g, "\n\n");
}

/** snarkjs's verifier source for a zkey (before {@link renderVerifier}). */
export async function exportVerifierSource(zkey: string): Promise<string> {
  const snarkjs = await import("snarkjs");
  const template = await readFile(path.join(packageDir("snarkjs"), "templates", "verifier_groth16.sol.ejs"), "utf8");
  return snarkjs.zKey.exportSolidityVerifier(zkey, { groth16: template });
}

// ---------------------------------------------------------------------------------------------------------------
// Pipeline
// ---------------------------------------------------------------------------------------------------------------

/** Runs the whole setup and writes circuits/build/, the manifest and the Solidity verifier. */
export async function runZkSetup(opts: ZkSetupOptions): Promise<ZkManifest> {
  const { root } = opts;
  const snarkjs = await import("snarkjs");
  const t0 = performance.now();
  const step = async <T>(name: string, fn: () => Promise<T>, detail?: (r: T) => string): Promise<T> => {
    const s = performance.now();
    opts.onProgress?.({ step: name, status: "start", elapsedMs: 0, totalMs: s - t0 });
    const r = await fn();
    const e = performance.now();
    opts.onProgress?.({
      step: name,
      status: "done",
      elapsedMs: e - s,
      totalMs: e - t0,
      ...(detail ? { detail: detail(r) } : {}),
    });
    return r;
  };
  const buildDir = path.join(root, ZK_BUILD_DIR);
  const work = await mkdtemp(path.join(tmpdir(), "verity-zk-"));
  try {
    await mkdir(buildDir, { recursive: true });
    const compiled = await step(
      "compile circuit (circom --O2)",
      () => compileCircuit({ root, outDir: work }),
      (c) => `${c.constraints} constraints`
    );
    const info = await snarkjs.r1cs.info(compiled.r1cs);
    const power = requiredPtauPower(info);

    // ---- Powers of Tau ----
    let ptauFile: string;
    let ptauMeta: Omit<ZkManifest["ptau"], "sha256">;
    if (opts.ptau) {
      ptauFile = path.resolve(opts.ptau);
      const header = await step(
        "check provided ptau",
        () => readPtauHeader(ptauFile),
        (h) => `power ${h.power}`
      );
      if (!header.prepared)
        throw new ZkSetupError(
          `${opts.ptau} is not prepared for phase 2: run \`snarkjs powersoftau prepare phase2\` on it first, or use a *_final.ptau / prepared ceremony file`,
          { rerun: false }
        );
      if (header.power < power)
        throw new ZkSetupError(
          `${opts.ptau} has power ${header.power}; the circuit (${info.nConstraints} constraints) needs at least ${power}`,
          { rerun: false }
        );
      ptauMeta = {
        power: header.power,
        source: "provided",
        file: path.basename(ptauFile),
        how: "provided with --ptau (a public Powers of Tau ceremony file)",
      };
    } else {
      const cacheDir = path.join(root, ZK_PTAU_CACHE_DIR);
      ptauFile = path.join(cacheDir, `pot${power}_local.ptau`);
      const how =
        `generated locally by zk:setup with snarkjs: powersOfTau.newAccumulator(bn128, ${power}), one contribution ` +
        "(entropy crypto.randomBytes(64), then discarded), preparePhase2. Single party: fine for development and " +
        "tests, not for production (bring a ceremony file with --ptau)";
      const cached =
        !opts.freshPtau &&
        (await stat(ptauFile).then(
          () => true,
          () => false
        ));
      if (!cached) {
        await mkdir(cacheDir, { recursive: true });
        const p0 = path.join(work, "pot_0000.ptau");
        const p1 = path.join(work, "pot_0001.ptau");
        await step(`powers of tau: new (2^${power})`, async () =>
          snarkjs.powersOfTau.newAccumulator(await snarkjs.curves.getCurveFromName("bn128"), power, p0)
        );
        await step("powers of tau: contribute", () =>
          snarkjs.powersOfTau.contribute(p0, p1, "verity zk:setup", randomBytes(64).toString("hex"))
        );
        await step("powers of tau: prepare phase 2 (slowest step)", () =>
          snarkjs.powersOfTau.preparePhase2(p1, ptauFile)
        );
        await writeFile(
          `${ptauFile}.json`,
          JSON.stringify({ power, how, createdAt: new Date().toISOString() }, null, 2) + "\n"
        );
      } else {
        opts.onProgress?.({
          step: `powers of tau: reusing ${path.relative(root, ptauFile)} (--fresh-ptau to regenerate)`,
          status: "done",
          elapsedMs: 0,
          totalMs: performance.now() - t0,
        });
      }
      ptauMeta = { power, source: "generated", file: path.basename(ptauFile), how };
    }

    // ---- Groth16 phase 2 ----
    const zkey0 = path.join(work, `${ZK_CIRCUIT_NAME}_0000.zkey`);
    const zkeyFinal = path.join(buildDir, `${ZK_CIRCUIT_NAME}.zkey`);
    await step("groth16 setup", async () => {
      const r = await snarkjs.zKey.newZKey(compiled.r1cs, ptauFile, zkey0);
      // snarkjs returns -1 instead of throwing on a curve / size / preparation mismatch.
      if (r === -1)
        throw new ZkSetupError(
          `snarkjs zkey new refused ${path.basename(ptauFile)} (wrong curve, too small or not prepared)`
        );
    });
    await step("groth16 contribute", () =>
      snarkjs.zKey.contribute(zkey0, zkeyFinal, "verity zk:setup", randomBytes(64).toString("hex"))
    );
    const vkey = (await step("export verifying key", () =>
      snarkjs.zKey.exportVerificationKey(zkeyFinal)
    )) as Groth16VerifyingKey;
    const vkeyPath = path.join(buildDir, "verification_key.json");
    await writeFile(vkeyPath, JSON.stringify(vkey, null, 1) + "\n");

    // ---- kept artifacts and manifest ----
    const r1csPath = path.join(buildDir, `${ZK_CIRCUIT_NAME}.r1cs`);
    const wasmPath = path.join(buildDir, `${ZK_CIRCUIT_NAME}.wasm`);
    await copyFile(compiled.r1cs, r1csPath);
    await copyFile(compiled.wasm, wasmPath);
    const r1csDigest = await digestFile(root, r1csPath);
    const manifest: ZkManifest = {
      circuit: ZK_CIRCUIT_NAME,
      architecture: "mlp-4-8-3-int8",
      publicSignals: ["commitment", "packedInput", "packedOutput", "jobId", "submitter"],
      constraints: info.nConstraints,
      toolchain: {
        circom: compiled.circomVersion,
        snarkjs: packageVersion("snarkjs"),
        circomlib: packageVersion("circomlib"),
      },
      compile: { command: compiled.command },
      source: await digestFile(root, ZK_SOURCE),
      // Committed when small; the r1cs can always be recompiled (deterministically) from the source.
      r1cs: { ...r1csDigest, committed: r1csDigest.bytes <= 5 * 1024 * 1024 },
      wasm: await digestFile(root, wasmPath),
      zkey: await digestFile(root, zkeyFinal),
      verificationKey: { ...(await digestFile(root, vkeyPath)), vkeyHash: vkeyHash(vkey) },
      verifier: { path: ZK_VERIFIER_PATH, contract: ZK_VERIFIER_CONTRACT },
      ptau: { ...ptauMeta, sha256: sha256(new Uint8Array(await readFile(ptauFile))) },
      phase2: {
        contributions: 1,
        how: "snarkjs zKey.newZKey + one zKey.contribute (entropy crypto.randomBytes(64), discarded)",
      },
    };
    await step("export Solidity verifier", async () => {
      const sol = renderVerifier(await exportVerifierSource(zkeyFinal), manifest);
      await mkdir(path.dirname(path.join(root, ZK_VERIFIER_PATH)), { recursive: true });
      await writeFile(path.join(root, ZK_VERIFIER_PATH), sol);
    });
    await writeFile(path.join(buildDir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
    return manifest;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Reads circuits/build/manifest.json. */
export async function readZkManifest(root: string): Promise<ZkManifest> {
  const file = path.join(root, ZK_BUILD_DIR, "manifest.json");
  try {
    return JSON.parse(await readFile(file, "utf8")) as ZkManifest;
  } catch (e) {
    throw new ZkSetupError(`cannot read ${path.relative(root, file)} (${(e as Error).message})`, { cause: e as Error });
  }
}
