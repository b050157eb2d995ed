import { readFileSync } from "node:fs";
import type { Hex } from "viem";
import { ZkVerifyingKeyError } from "../errors/zk.js";
import { type Groth16VerifyingKey, vkeyHash } from "../proofs/zk.js";
import { packageFile } from "../model/packageFiles.js";

/**
 * Node side of ZK verification: reads snarkjs verifying keys (verification_key.json) from files, keyed by the
 * hash a model version records, for `verifyJob`'s `zkVerifyingKeys`. Not part of the light `verity-inference` entry (it
 * reads files); the CLI and the operator node pass its result.
 */

/** The verifying key of this repository's circuit (written by `npm run zk:setup`). */
export const REPO_VERIFYING_KEY_FILE = packageFile("circuits", "build", "verification_key.json");

/**
 * Reads verifying keys and keys each by its `vkeyHash` (default: this repository's circuit). Throws
 * {@link ZkVerifyingKeyError} for a file that is not JSON or not a Groth16 BN254 verifying key.
 *
 * @example
 * ```ts
 * const report = await verifyJob(publicClient, { hub, jobId, zkVerifyingKeys: zkVerifyingKeysFromFiles() });
 * ```
 */
export function zkVerifyingKeysFromFiles(
  ...files: (string | URL)[]
): Record<Hex, Groth16VerifyingKey> {
  const keys: Record<Hex, Groth16VerifyingKey> = {};
  for (const file of files.length > 0 ? files : [REPO_VERIFYING_KEY_FILE]) {
    let vkey: Groth16VerifyingKey;
    try {
      vkey = JSON.parse(readFileSync(file, "utf8")) as Groth16VerifyingKey;
    } catch (err) {
      throw new ZkVerifyingKeyError(`${String(file)} could not be read as JSON (${(err as Error).message})`);
    }
    keys[vkeyHash(vkey)] = vkey;
  }
  return keys;
}
