import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The root of the package these modules ship in: the repository (they are `sdk/src/...`) or an installed
 * verity-inference-node (they are `dist/...`). It is the nearest directory above this file that holds a
 * package.json, so the same code finds `models/` and `circuits/build/` in both layouts. Node only.
 */
export const PACKAGE_ROOT: string = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

/** A file shipped with the package, e.g. `packageFile("models", "iris-mlp.onnx")`. */
export function packageFile(...segments: string[]): string {
  return path.join(PACKAGE_ROOT, ...segments);
}

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}: the Verity node's files are not where they were installed`);
  }
}
