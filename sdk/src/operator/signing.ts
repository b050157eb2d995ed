/**
 * A local signing account for the node's hot path: a viem LocalAccount whose `sign({ hash })` (what the BATCH server
 * calls once per receipt) runs in libsecp256k1 through the `secp256k1` package's native binding when it loads, and
 * in viem's JavaScript secp256k1 otherwise. Both give the same bytes: RFC 6979 nonces, low s, `r || s || v` with
 * v = 27 + the recovery id. Everything else (messages, typed data, transactions) is viem's own.
 */
import { createRequire } from "node:module";
import { type Hex, type LocalAccount, bytesToHex, hexToBytes, isHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { OperatorConfigError } from "./errors.js";

type NativeSecp256k1 = { ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number } };

let native: NativeSecp256k1 | null | undefined;

/** libsecp256k1's binding, or null where it does not load (no prebuilt binary for this platform, say). */
function loadNative(): NativeSecp256k1 | null {
  if (native !== undefined) return native;
  try {
    // The binding itself: the package's main entry falls back to a pure-JS implementation slower than viem's.
    native = createRequire(import.meta.url)("secp256k1/bindings.js") as NativeSecp256k1;
  } catch {
    native = null;
  }
  return native;
}

/** Which implementation `signingAccount` signs hashes with on this machine. */
export function signingBackend(): "libsecp256k1" | "javascript" {
  return loadNative() ? "libsecp256k1" : "javascript";
}

/** A LocalAccount for `privateKey`, with a `backend` field naming what signs its hashes. */
export type SigningAccount = LocalAccount & { backend: "libsecp256k1" | "javascript" };

/**
 * The account of `privateKey` (32 bytes, hex), signing hashes natively where it can (see the module's note).
 *
 * @example
 * ```ts
 * const signer = signingAccount(enclaveKey);
 * createBatchServer({ ..., signer });
 * ```
 */
export function signingAccount(privateKey: Hex): SigningAccount {
  if (typeof privateKey !== "string" || !isHex(privateKey) || privateKey.length !== 66) {
    throw new OperatorConfigError("a signing key is 32 bytes of hex (0x followed by 64 hex digits)");
  }
  const account = privateKeyToAccount(privateKey);
  const secp = loadNative();
  if (!secp) return { ...account, backend: "javascript" };
  const key = hexToBytes(privateKey);
  const out = new Uint8Array(65);
  return {
    ...account,
    backend: "libsecp256k1",
    async sign({ hash }: { hash: Hex }): Promise<Hex> {
      const { signature, recid } = secp.ecdsaSign(hexToBytes(hash), key);
      out.set(signature, 0);
      out[64] = 27 + recid;
      return bytesToHex(out);
    },
  };
}
