import { type Address, type PublicClient, isAddressEqual, zeroAddress } from "viem";
import { getBlock, readContract } from "viem/actions";
import { enclaveRegistryAbi } from "../abis.js";
import { KEY_STATUSES, type KeyStatus } from "../constants.js";
import { withVerityErrors } from "../errors/decode.js";
import type { OperatorEvent } from "./types.js";

/** Warn (`enclave-key-expiring`) when the key's attestation has less than this left: time to re-attest. */
export const KEY_EXPIRY_WARNING_SECONDS = 3600n;
/** Re-read a key's record at least this often (catches a revocation or a re-attestation). */
const REFRESH_MS = 30_000;

/** An enclave key's record at an enclave registry, as the node last read it. */
export type EnclaveKeyRecord = { operator: Address; status: KeyStatus; expiresAt: bigint; measurement: `0x${string}`; stake: bigint };

/** Whether the node may sign TEE results for a job of this registry now. */
export type EnclaveKeyStanding = { ok: true; record: EnclaveKeyRecord; secondsLeft: bigint } | { ok: false; detail: string };

export type EnclaveKeyWatch = {
  /** The key's standing at `enclaveRegistry` (a TEE job's `verifier`) at the latest block. */
  check(enclaveRegistry: Address): Promise<EnclaveKeyStanding>;
};

/**
 * The node's view of its enclave key: `getEnclaveKey(key)` at each TEE job's registry, cached, re-read when the
 * cached record says it expired (it may have been re-attested), when it is not active, and every 30 s. A key that
 * is not active, not this operator's, without stake, or expired at the latest block signs nothing (the registry
 * would refuse it: `TeeUnknownKey`, `TeeKeyExpired`); within an hour of its expiry the node warns once per expiry.
 */
export function createEnclaveKeyWatch({
  publicClient,
  key,
  operator,
  log,
}: {
  publicClient: PublicClient;
  key: Address;
  operator: Address;
  log: (event: OperatorEvent) => void;
}): EnclaveKeyWatch {
  const cache = new Map<string, { record: EnclaveKeyRecord; readAt: number }>();
  const warned = new Set<string>();

  const read = async (registry: Address): Promise<EnclaveKeyRecord> => {
    const k = await withVerityErrors(() =>
      readContract(publicClient, { address: registry, abi: enclaveRegistryAbi, functionName: "getEnclaveKey", args: [key] }),
    );
    return { operator: k.operator, status: KEY_STATUSES[k.status] ?? "none", expiresAt: BigInt(k.expiresAt), measurement: k.measurement, stake: k.stake };
  };

  return {
    async check(registry) {
      const id = registry.toLowerCase();
      const block = await withVerityErrors(() => getBlock(publicClient, { blockTag: "latest" }));
      const now = block.timestamp;
      let cached = cache.get(id);
      if (!cached || cached.record.status !== "active" || now > cached.record.expiresAt || Date.now() - cached.readAt > REFRESH_MS) {
        cached = { record: await read(registry), readAt: Date.now() };
        cache.set(id, cached);
      }
      const r = cached.record;
      const where = `at enclave registry ${registry}`;
      if (r.status === "none" || isAddressEqual(r.operator, zeroAddress)) {
        return { ok: false, detail: `enclave key ${key} is not registered ${where}: register it (verity operator attest, then register-key)` };
      }
      if (!isAddressEqual(r.operator, operator)) return { ok: false, detail: `enclave key ${key} belongs to operator ${r.operator} ${where}, not ${operator}` };
      if (r.status !== "active") return { ok: false, detail: `enclave key ${key} is ${r.status} ${where}: it signs nothing; register a new key` };
      if (r.stake === 0n) return { ok: false, detail: `enclave key ${key} has no stake locked behind it ${where}` };
      if (now > r.expiresAt) {
        return {
          ok: false,
          detail: `enclave key ${key}'s attestation expired at ${r.expiresAt} (block time ${now}) ${where}: re-attest it (verity operator attest, then register-key)`,
        };
      }
      const secondsLeft = r.expiresAt - now;
      const tag = `${id}:${r.expiresAt}`;
      if (secondsLeft < KEY_EXPIRY_WARNING_SECONDS && !warned.has(tag)) {
        warned.add(tag);
        log({ type: "enclave-key-expiring", enclave: key, enclaveRegistry: registry, expiresAt: r.expiresAt, secondsLeft });
      }
      return { ok: true, record: r, secondsLeft };
    },
  };
}
