import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Hex, keccak256 } from "viem";
import { ArtifactFetchError, ArtifactHashMismatchError, UnsupportedUriError } from "./errors.js";

/** URI schemes the node fetches. */
export type UriScheme = "file" | "http" | "https" | "data";

export type FetchArtifactParameters = {
  uri: string;
  /** When given, keccak256 of the bytes must equal it ({@link ArtifactHashMismatchError} otherwise). */
  expectedHash?: Hex | undefined;
  /** What the bytes are, for error messages (default "model file"). */
  what?: string | undefined;
  /** Base directory of relative `file:` URIs (default `process.cwd()`). */
  baseDir?: string | undefined;
  /** Schemes accepted (default all of file, http, https, data). */
  allowedSchemes?: readonly UriScheme[] | undefined;
  /** HTTP timeout in ms (default 30,000). */
  timeoutMs?: number | undefined;
  /** Largest accepted size in bytes (default 64 MiB). */
  maxBytes?: number | undefined;
};

const ALL_SCHEMES: readonly UriScheme[] = ["file", "http", "https", "data"];
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The local path of a `file:` URI: `file:models/x.onnx` is relative to `baseDir`, `file:/abs/x.onnx` and
 * `file:///abs/x.onnx` are absolute.
 */
export function resolveFileUri(uri: string, baseDir: string = process.cwd()): string {
  if (!uri.startsWith("file:")) throw new UnsupportedUriError({ uri, allowed: ["file"] });
  const rest = uri.slice("file:".length);
  if (rest.startsWith("//")) {
    try {
      return fileURLToPath(uri);
    } catch (e) {
      throw new ArtifactFetchError({ uri, reason: (e as Error).message });
    }
  }
  const decoded = decodeURIComponent(rest);
  return path.isAbsolute(decoded) ? decoded : path.resolve(baseDir, decoded);
}

/** The bytes of a `data:` URI (`data:[<media type>][;base64],<data>`). */
export function decodeDataUri(uri: string): Uint8Array {
  const comma = uri.indexOf(",");
  if (!uri.startsWith("data:") || comma < 0) throw new ArtifactFetchError({ uri, reason: "not a data: URI (no comma)" });
  const meta = uri.slice("data:".length, comma);
  const payload = uri.slice(comma + 1);
  if (meta.split(";").includes("base64")) {
    const clean = decodeURIComponent(payload).replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) && !/^[A-Za-z0-9_-]*={0,2}$/.test(clean)) {
      throw new ArtifactFetchError({ uri, reason: "the base64 payload has characters outside the base64 alphabet" });
    }
    return new Uint8Array(Buffer.from(clean, "base64"));
  }
  return new Uint8Array(Buffer.from(decodeURIComponent(payload), "utf8"));
}

function schemeOf(uri: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri);
  return m ? m[1]!.toLowerCase() : "";
}

async function fetchHttp(uri: string, timeoutMs: number, maxBytes: number): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(uri, { signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
  } catch (e) {
    const err = e as Error;
    const reason = err.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : err.message;
    throw new ArtifactFetchError({ uri, reason, cause: err });
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new ArtifactFetchError({ uri, reason: `HTTP ${response.status} ${response.statusText}` });
  }
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new ArtifactFetchError({ uri, reason: `${declared} bytes is more than the limit of ${maxBytes}` });
  }
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.length;
      if (total > maxBytes) throw new ArtifactFetchError({ uri, reason: `more than the limit of ${maxBytes} bytes` });
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof ArtifactFetchError) throw e;
    const err = e as Error;
    const reason = err.name === "TimeoutError" ? `no complete answer within ${timeoutMs} ms` : err.message;
    throw new ArtifactFetchError({ uri, reason, cause: err });
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * Fetches the bytes at a URI (`file:` relative to `baseDir` or absolute, `http(s):` with a timeout and a size
 * limit, `data:` base64 or percent-encoded) and, when `expectedHash` is given, checks keccak256 of them against it.
 * A mismatch throws {@link ArtifactHashMismatchError}: the caller must not use the bytes.
 *
 * @example
 * ```ts
 * const onnx = await fetchArtifact({ uri: version.uri, expectedHash: version.artifactHash, baseDir: "/srv/models" });
 * ```
 */
export async function fetchArtifact(parameters: FetchArtifactParameters): Promise<Uint8Array> {
  const { uri, expectedHash } = parameters;
  const allowed = parameters.allowedSchemes ?? ALL_SCHEMES;
  const maxBytes = parameters.maxBytes ?? DEFAULT_MAX_BYTES;
  const scheme = schemeOf(uri);
  if (!(allowed as readonly string[]).includes(scheme)) throw new UnsupportedUriError({ uri, allowed });

  let bytes: Uint8Array;
  if (scheme === "file") {
    const file = resolveFileUri(uri, parameters.baseDir);
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new ArtifactFetchError({ uri, reason: `${file} is not a file` });
      if (info.size > maxBytes) throw new ArtifactFetchError({ uri, reason: `${info.size} bytes is more than the limit of ${maxBytes}` });
      bytes = new Uint8Array(await readFile(file));
    } catch (e) {
      if (e instanceof ArtifactFetchError) throw e;
      throw new ArtifactFetchError({ uri, reason: `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
    }
  } else if (scheme === "data") {
    bytes = decodeDataUri(uri);
    if (bytes.length > maxBytes) throw new ArtifactFetchError({ uri, reason: `more than the limit of ${maxBytes} bytes` });
  } else {
    bytes = await fetchHttp(uri, parameters.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBytes);
  }

  if (expectedHash !== undefined) {
    const actual = keccak256(bytes);
    if (actual.toLowerCase() !== expectedHash.toLowerCase()) {
      throw new ArtifactHashMismatchError({ uri, expected: expectedHash, actual, what: parameters.what ?? "model file" });
    }
  }
  return bytes;
}

/**
 * The bytes at a URI (`file:` relative to `baseDir` or absolute, `http(s):`, `data:`): `verifyJob`'s and
 * `getTeeJobData`'s `fetchEvidence` in Node, which the SDK's default (data: and http(s): only) cannot do for
 * `file:` evidence URIs.
 *
 * @example
 * ```ts
 * const report = await verifyJob(client, { hub, jobId, fetchEvidence: readUri });
 * ```
 */
export function readUri(uri: string, options: { baseDir?: string | undefined; timeoutMs?: number | undefined } = {}): Promise<Uint8Array> {
  return fetchArtifact({ uri, what: "evidence", baseDir: options.baseDir, timeoutMs: options.timeoutMs });
}
