/**
 * Builds the explorer (explorer/) the way a browser user of the SDK would: the packages are built and packed, the
 * SDK tarball is installed offline into a fresh project (./packages.ts), the explorer's sources are copied in, type-
 * checked against the installed package's declarations, and built with Vite. Nothing resolves from the repository's
 * sources. Also: a tiny static file server for the built page, and the sizes of what a browser loads.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cp, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { type Server, createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { ROOT, buildPackages, installProject, packAll } from "./packages.js";

const run = promisify(execFile);
export const EXPLORER_SOURCES = path.join(ROOT, "explorer");
const COPIED = ["index.html", "vite.config.ts", "tsconfig.json", "src"];

/** One built file and its size, raw and gzipped. */
export type BuiltFile = { file: string; bytes: number; gzipBytes: number; initial: boolean };
export type BuiltExplorer = { dir: string; files: BuiltFile[]; remove: () => Promise<void> };

/**
 * Builds the explorer against the packed SDK into `<project>/dist` (or copies the result to `outDir`); throws with
 * tsc's or Vite's errors when the sources do not type-check or build.
 */
export async function buildExplorer(options: { outDir?: string; skipPackages?: boolean } = {}): Promise<BuiltExplorer> {
  if (!options.skipPackages) await buildPackages();
  const tarballs = await mkdtemp(path.join(tmpdir(), "verity-explorer-tarballs-"));
  const packed = await packAll(tarballs);
  const project = await installProject("verity-explorer-", packed.filter((p) => p.name === "verity-inference"), ["viem"]);
  await rm(tarballs, { recursive: true, force: true });
  try {
    for (const f of COPIED) await cp(path.join(EXPLORER_SOURCES, f), path.join(project.dir, f), { recursive: true });
    // The sources type-check against the installed package's declarations (skipLibCheck off, DOM lib).
    await run(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(project.dir, "tsconfig.json")], { cwd: project.dir }).catch(
      (err: { stdout?: string; stderr?: string }) => {
        throw new Error(`the explorer does not type-check against the installed SDK:\n${err.stdout ?? ""}${err.stderr ?? ""}`);
      },
    );
    const { build } = await import("vite");
    await build({ root: project.dir, configFile: path.join(project.dir, "vite.config.ts"), logLevel: "error" });
    const dist = path.join(project.dir, "dist");
    if (options.outDir) {
      await rm(options.outDir, { recursive: true, force: true });
      await cp(dist, options.outDir, { recursive: true });
    }
    const dir = options.outDir ?? dist;
    return { dir, files: await builtFiles(dir), remove: async () => project.remove() };
  } catch (err) {
    await project.remove();
    throw err;
  }
}

/** The built files; `initial` marks what index.html loads at once (its script, styles and module preloads). */
export async function builtFiles(dir: string): Promise<BuiltFile[]> {
  const html = readFileSync(path.join(dir, "index.html"), "utf8");
  const referenced = new Set([...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => m[1]!));
  const out: BuiltFile[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else {
        const rel = path.relative(dir, p).split(path.sep).join("/");
        const bytes = readFileSync(p);
        out.push({ file: rel, bytes: (await stat(p)).size, gzipBytes: gzipSync(bytes, { level: 9 }).length, initial: rel === "index.html" || referenced.has(rel) });
      }
    }
  };
  await walk(dir);
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".json": "application/json", ".wasm": "application/wasm", ".svg": "image/svg+xml", ".png": "image/png",
};

export type StaticServer = { url: string; server: Server; close: () => Promise<void> };

/**
 * Serves `dir` over HTTP on 127.0.0.1 (a free port), files only, plus `extra` paths (e.g. a host page for the
 * widget, or `deployments/31337.json`) given as their contents.
 */
export async function serveStatic(dir: string, extra: Record<string, string> = {}): Promise<StaticServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const rel = decodeURIComponent(url.pathname).replace(/^\/+/, "") || "index.html";
    const body = extra[rel] ?? (() => {
      const file = path.resolve(dir, rel);
      if (!file.startsWith(path.resolve(dir) + path.sep) || !existsSync(file)) return undefined;
      return readFileSync(file);
    })();
    if (body === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(rel)] ?? "application/octet-stream", "cache-control": "no-store" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Chromium for the tests and the bench: Debian's package (the Makefile installs it), headless, offline-safe flags. */
export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
