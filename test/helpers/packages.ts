/**
 * Packs the three packages (scripts/build-packages.ts) and installs the tarballs into fresh projects the way a user
 * would, with no network: npm resolves nothing, it reads a lockfile that this helper writes for the project from the
 * repository's own package-lock.json (the transitive closure of the project's dependencies, at the versions and
 * paths the repository installs), and takes every tarball from the local npm cache. (The cache holds tarballs but
 * not registry metadata: an `npm install --offline` without a lockfile cannot resolve a version range.)
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const ROOT = path.resolve(import.meta.dirname, "..", "..");
export const PACKAGES_DIR = path.join(ROOT, "build", "packages");
export const PACKAGE_NAMES = ["verity-inference", "verity-inference-node", "verity-inference-contracts"] as const;
export type PackageName = (typeof PACKAGE_NAMES)[number];

/** What `npm pack --json` reports of one tarball. */
export type Packed = { name: PackageName; file: string; size: number; unpackedSize: number; entryCount: number; files: string[] };

/** Environment for npm and the installed packages: offline, quiet, ONNX Runtime's download step skipped. */
export function npmEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    ONNXRUNTIME_NODE_INSTALL: "skip",
    npm_config_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    FORCE_COLOR: "0",
    ...extra,
  };
}

/** Builds the packages (tsc and the package layout) into build/packages/. */
export async function buildPackages(): Promise<void> {
  await run(process.execPath, [path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), path.join(ROOT, "scripts", "build-packages.ts"), "--quiet"], {
    cwd: ROOT,
    maxBuffer: 64 << 20,
  });
}

/** `npm pack` of every package into `outDir`. */
export async function packAll(outDir: string): Promise<Packed[]> {
  await mkdir(outDir, { recursive: true });
  const packed: Packed[] = [];
  for (const name of PACKAGE_NAMES) {
    const { stdout } = await run("npm", ["pack", path.join(PACKAGES_DIR, name), "--pack-destination", outDir, "--json"], {
      cwd: outDir,
      env: npmEnv(),
      maxBuffer: 64 << 20,
    });
    const [info] = JSON.parse(stdout) as { filename: string; size: number; unpackedSize: number; entryCount: number; files: { path: string }[] }[];
    packed.push({
      name,
      file: path.join(outDir, info!.filename),
      size: info!.size,
      unpackedSize: info!.unpackedSize,
      entryCount: info!.entryCount,
      files: info!.files.map((f) => f.path),
    });
  }
  return packed;
}

type LockEntry = {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  hasInstallScript?: boolean;
  link?: boolean;
  [k: string]: unknown;
};

const rootLock = (): Record<string, LockEntry> =>
  (JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> }).packages;

/** Where Node would find `name` from the package at lockfile path `from` ("" for the project). */
function locate(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  for (let dir = from; ; ) {
    const key = `${dir ? `${dir}/` : ""}node_modules/${name}`;
    if (packages[key]) return key;
    if (!dir) return undefined;
    const i = dir.lastIndexOf("/node_modules/");
    dir = i < 0 ? "" : dir.slice(0, i);
  }
}

/**
 * The registry npm is configured with (`npm config get registry`), for the tarball URL of lockfile entries that
 * record none: with a URL and an integrity, an offline install takes the tarball from the cache without asking the
 * registry for the package's metadata (which the cache may not hold).
 */
let registryUrl: Promise<string> | undefined;
function registry(): Promise<string> {
  registryUrl ??= run("npm", ["config", "get", "registry"], { env: npmEnv() }).then(({ stdout }) => stdout.trim().replace(/\/$/, ""));
  return registryUrl;
}

/** `<registry>/<name>/-/<basename>-<version>.tgz`, the registry's tarball URL of a package version. */
function tarballUrl(base: string, key: string, version: string): string {
  const name = key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length);
  return `${base}/${name}/-/${name.split("/").pop()}-${version}.tgz`;
}

/** The lockfile entries a set of dependencies needs, from the repository's lockfile (paths kept as they are). */
function closure(deps: Record<string, string>): Record<string, LockEntry> {
  const packages = rootLock();
  const out: Record<string, LockEntry> = {};
  const visit = (from: string, name: string, optional: boolean) => {
    const key = locate(packages, from, name);
    if (!key) {
      if (optional) return; // an optional dependency for another platform, not installed here either
      throw new Error(`offline install: ${name} (needed by ${from || "the project"}) is not in the repository's lockfile`);
    }
    if (out[key]) return;
    const { dev: _d, devOptional: _o, peer: _p, ...entry } = packages[key]! as LockEntry & { dev?: boolean; devOptional?: boolean; peer?: boolean };
    out[key] = entry;
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(key, dep, false);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(key, dep, true);
    for (const dep of Object.keys(entry.peerDependencies ?? {})) {
      if (!entry.peerDependenciesMeta?.[dep]?.optional) visit(key, dep, false);
    }
  };
  for (const name of Object.keys(deps)) visit("", name, false);
  return out;
}

export type Project = { dir: string; remove: () => Promise<void> };

/**
 * A fresh project in a temporary directory with `tarballs` (copied in) and `extra` registry dependencies (by name:
 * the version the repository installs) installed by `npm install --offline` from a generated lockfile.
 */
export async function installProject(prefix: string, tarballs: Packed[], extra: string[] = []): Promise<Project> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  await mkdir(path.join(dir, "tarballs"));
  const packages = rootLock();
  const projectDeps: Record<string, string> = {};
  const lockPackages: Record<string, LockEntry> = {};
  const tarballDeps: Record<string, string> = {};
  for (const t of tarballs) {
    const base = path.basename(t.file);
    await copyFile(t.file, path.join(dir, "tarballs", base));
    const spec = `file:tarballs/${base}`;
    projectDeps[t.name] = spec;
    const manifest = JSON.parse(await readFile(path.join(PACKAGES_DIR, t.name, "package.json"), "utf8")) as {
      version: string;
      license: string;
      dependencies?: Record<string, string>;
      bin?: Record<string, string>;
      engines?: Record<string, string>;
    };
    const integrity = `sha512-${createHash("sha512").update(readFileSync(t.file)).digest("base64")}`;
    lockPackages[`node_modules/${t.name}`] = {
      version: manifest.version,
      resolved: spec,
      integrity,
      license: manifest.license,
      ...(manifest.dependencies ? { dependencies: manifest.dependencies } : {}),
      ...(manifest.bin ? { bin: manifest.bin } : {}),
      ...(manifest.engines ? { engines: manifest.engines } : {}),
    };
    for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
      if (!PACKAGE_NAMES.includes(dep as PackageName)) tarballDeps[dep] = range;
    }
  }
  for (const name of extra) {
    const entry = packages[`node_modules/${name}`];
    if (!entry?.version) throw new Error(`offline install: ${name} is not installed at the repository's top level`);
    projectDeps[name] = entry.version;
    tarballDeps[name] = entry.version;
  }
  const base = await registry();
  for (const [key, entry] of Object.entries(closure(tarballDeps))) {
    lockPackages[key] = entry.resolved || entry.link || !entry.version ? entry : { ...entry, resolved: tarballUrl(base, key, entry.version) };
  }
  const pkg = { name: path.basename(dir).toLowerCase(), version: "1.0.0", private: true, type: "module", dependencies: projectDeps };
  await writeFile(path.join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  const lock = { name: pkg.name, version: pkg.version, lockfileVersion: 3, requires: true, packages: { "": { name: pkg.name, version: pkg.version, dependencies: projectDeps }, ...lockPackages } };
  await writeFile(path.join(dir, "package-lock.json"), `${JSON.stringify(lock, null, 2)}\n`);
  await run("npm", ["install", "--offline", "--no-audit", "--no-fund"], { cwd: dir, env: npmEnv(), maxBuffer: 64 << 20 });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Every installed package of a project (name -> directory), nested ones included. */
export async function installedPackages(projectDir: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const visit = async (modules: string) => {
    if (!existsSync(modules)) return;
    for (const e of await readdir(modules, { withFileTypes: true })) {
      if (!e.isDirectory() || e.name.startsWith(".")) continue;
      const dirs = e.name.startsWith("@")
        ? (await readdir(path.join(modules, e.name))).map((n) => path.join(modules, e.name, n))
        : [path.join(modules, e.name)];
      for (const d of dirs) {
        if (!existsSync(path.join(d, "package.json"))) continue;
        found.set(path.relative(projectDir, d), d);
        await visit(path.join(d, "node_modules"));
      }
    }
  };
  await visit(path.join(projectDir, "node_modules"));
  return found;
}

/** The native parts of an installed tree: `.node` binaries, `binding.gyp` files, and install scripts. */
export async function nativeParts(projectDir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith(".node") || e.name === "binding.gyp") found.push(path.relative(projectDir, p));
    }
  };
  for (const [rel, dir] of await installedPackages(projectDir)) {
    const manifest = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")) as { scripts?: Record<string, string> };
    for (const hook of ["preinstall", "install", "postinstall"]) if (manifest.scripts?.[hook]) found.push(`${rel} (${hook} script)`);
  }
  if (existsSync(path.join(projectDir, "node_modules"))) await walk(path.join(projectDir, "node_modules"));
  return found;
}

/** Total size in bytes of the files under `dir`. */
export async function treeSize(dir: string): Promise<number> {
  let total = 0;
  const { stat } = await import("node:fs/promises");
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) total += (await stat(p)).size;
    }
  };
  await walk(dir);
  return total;
}

/** Runs a command, resolving with its output and exit code (never rejects on a non-zero exit). */
export async function exec(
  cmd: string,
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; timeout?: number },
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(cmd, [...args], { cwd: options.cwd, env: options.env ?? npmEnv(), maxBuffer: 64 << 20, timeout: options.timeout ?? 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? String(err) };
  }
}

/** Sizes of a browser bundle: every output file, and the initial load (the entry and what it imports statically). */
export type BundleSizes = { files: number; totalBytes: number; initialBytes: number; initialGzipBytes: number; lazyChunks: number; inputs: string[] };

/**
 * Bundles `entry` (in `projectDir`) for the browser with esbuild, as a dApp's build would: ESM, code splitting (so
 * lazy imports stay lazy), minified, nothing marked external and no polyfill or alias. Throws with esbuild's errors if
 * the bundle does not build (a Node built-in reached from the entry is one).
 */
export async function bundleForBrowser(projectDir: string, entry: string, outdir: string): Promise<BundleSizes> {
  const { build } = await import("esbuild");
  const { gzipSync } = await import("node:zlib");
  const result = await build({
    absWorkingDir: projectDir,
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "esm",
    splitting: true,
    minify: true,
    outdir,
    metafile: true,
    logLevel: "silent",
  });
  const outputs = result.metafile.outputs;
  const entryOut = Object.keys(outputs).find((k) => outputs[k]!.entryPoint);
  if (!entryOut) throw new Error("esbuild produced no entry chunk");
  const initial = new Set<string>();
  const visit = (file: string) => {
    if (initial.has(file)) return;
    initial.add(file);
    for (const imp of outputs[file]!.imports) if (imp.kind === "import-statement" && !imp.external) visit(imp.path);
  };
  visit(entryOut);
  const js = Object.keys(outputs).filter((k) => k.endsWith(".js"));
  let initialBytes = 0;
  let initialGzipBytes = 0;
  for (const f of initial) {
    const bytes = readFileSync(path.join(projectDir, f));
    initialBytes += bytes.length;
    initialGzipBytes += gzipSync(bytes, { level: 9 }).length;
  }
  return {
    files: js.length,
    totalBytes: js.reduce((s, k) => s + outputs[k]!.bytes, 0),
    initialBytes,
    initialGzipBytes,
    lazyChunks: js.length - initial.size,
    inputs: Object.keys(result.metafile.inputs),
  };
}

/** A browser page's script for the README's dApp example (examples/dapp.ts): a wallet requests, the page verifies. */
export const BROWSER_MAIN = `import { type Address, type EIP1193Provider, type Hex, createPublicClient, createWalletClient, custom, http } from "viem";
import { classifyIris } from "./dapp.js";

declare global {
  interface Window {
    ethereum?: EIP1193Provider;
  }
}

export async function main(rpc: string, hub: Address, modelId: Hex): Promise<void> {
  if (!window.ethereum) throw new Error("no wallet in this browser");
  const [account] = await window.ethereum.request({ method: "eth_requestAccounts" });
  const requester = createWalletClient({ account, transport: custom(window.ethereum) });
  const reader = createPublicClient({ transport: http(rpc) });
  const { species, verdict } = await classifyIris(requester, reader, hub, modelId);
  document.body.textContent = species + ": " + verdict;
}
`;
