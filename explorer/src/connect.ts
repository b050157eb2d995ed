/**
 * From a route's query to a connection: a viem public client on the RPC URL, the hub checked to be one, the chain
 * id, and the attestation policy its TEE evidence is judged by. A chain with a known deployment needs no hub:
 * `?chain=<id>` reads `deployments/<id>.json` beside the page (what `verity deploy` writes: `{ "hub": ... }`,
 * optionally `"rpc"`). Every failure is a {@link ConnectionError} that says what to fix.
 */
import { type Address, type PublicClient, createPublicClient, getAddress, http, isAddress } from "viem";
import { getBlockNumber, getChainId, getCode, readContract } from "viem/actions";
import { AWS_NITRO_ROOT_G1_PEM, type TeeAttestationPolicy, inferenceHubAbi } from "verity-inference";

/** The chains whose local nodes the explorer knows: Hardhat and anvil on 127.0.0.1:8545. */
const LOCAL_CHAINS: Record<string, string> = { "31337": "http://127.0.0.1:8545" };

export type Connection = {
  client: PublicClient;
  rpc: string;
  hub: Address;
  chainId: number;
  latestBlock: bigint;
  /** Whether development TEE evidence counts (local chains by default; `dev=0|1` overrides). */
  development: boolean;
  attestation: () => Promise<TeeAttestationPolicy>;
};

/** A connection that cannot be made, with the reason a user can act on. */
export class ConnectionError extends Error {
  override name = "ConnectionError";
}

const cache = new Map<string, Promise<Connection>>();

/** The connection of a query (cached per RPC URL, hub and policy); rejects with a {@link ConnectionError}. */
export function connect(query: URLSearchParams): Promise<Connection> {
  const key = ["rpc", "hub", "chain", "dev"].map((k) => query.get(k) ?? "").join("|");
  let c = cache.get(key);
  if (!c) {
    c = open(query);
    c.catch(() => cache.delete(key));
    cache.set(key, c);
  }
  return c;
}

/** Whether the query names a connection at all (else views ask for one). */
export const hasConnection = (query: URLSearchParams) => Boolean(query.get("hub") || query.get("chain"));

async function open(query: URLSearchParams): Promise<Connection> {
  let rpc = query.get("rpc")?.trim() ?? "";
  let hubText = query.get("hub")?.trim() ?? "";
  const chain = query.get("chain")?.trim();
  if (chain && !hubText) {
    const known = await knownDeployment(chain);
    hubText = known.hub;
    rpc ||= known.rpc ?? LOCAL_CHAINS[chain] ?? "";
  }
  if (!rpc) throw new ConnectionError("No RPC URL: give one (e.g. http://127.0.0.1:8545 for a local hardhat node).");
  if (!/^https?:\/\//i.test(rpc)) throw new ConnectionError(`The RPC URL "${rpc}" is not an http(s) URL.`);
  if (!isAddress(hubText, { strict: false })) throw new ConnectionError(`The hub address "${hubText}" is not an address (0x and 40 hex digits).`);
  const hub = getAddress(hubText);
  const client = createPublicClient({ transport: http(rpc, { retryCount: 0, timeout: 10_000 }) });
  // The evidence verifiers load while the chain is asked (a TEE verdict needs them; they are a lazy chunk).
  const attestationModule = import("verity-inference/attestation");
  attestationModule.catch(() => undefined);
  // All four questions at once; the answers are judged in order, so the first problem is the one reported.
  const [ids, code, count] = await Promise.allSettled([
    Promise.all([getChainId(client), getBlockNumber(client)]),
    getCode(client, { address: hub }),
    readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "jobCount" }),
  ]);
  if (ids.status === "rejected") {
    const reason = (ids.reason as { shortMessage?: string }).shortMessage ?? String(ids.reason);
    throw new ConnectionError(`Cannot reach an Ethereum node at ${rpc}: ${reason}. Check the URL, and that the node is running.`);
  }
  const [chainId, latestBlock] = ids.value;
  if (code.status === "rejected" || !code.value || code.value === "0x") {
    throw new ConnectionError(`There is no contract at ${hub} on chain ${chainId}: check the hub address (verity deploy prints it and writes deployments/${chainId}.json).`);
  }
  if (count.status === "rejected") throw new ConnectionError(`The contract at ${hub} on chain ${chainId} is not a Verity hub (it does not answer jobCount()).`);
  const dev = query.get("dev");
  const development = dev === null ? String(chainId) in LOCAL_CHAINS : dev === "1";
  const attestation = async (): Promise<TeeAttestationPolicy> => {
    if (!development) return { nitroRoots: [AWS_NITRO_ROOT_G1_PEM] };
    // The published development root: its documents count on local chains only.
    const { DEVELOPMENT_ROOT_PEM } = await attestationModule;
    return { nitroRoots: [AWS_NITRO_ROOT_G1_PEM, DEVELOPMENT_ROOT_PEM], allowDevelopment: true };
  };
  return { client, rpc, hub, chainId, latestBlock, development, attestation };
}

async function knownDeployment(chain: string): Promise<{ hub: string; rpc?: string }> {
  if (!/^\d+$/.test(chain)) throw new ConnectionError(`The chain "${chain}" is not a chain id (a number, e.g. 31337).`);
  let response: Response;
  try {
    response = await fetch(`deployments/${chain}.json`);
  } catch (err) {
    throw new ConnectionError(`Cannot read deployments/${chain}.json beside this page: ${String(err)}.`);
  }
  if (!response.ok) throw new ConnectionError(`No known deployment on chain ${chain}: deployments/${chain}.json is not beside this page (HTTP ${response.status}). Give the hub address instead.`);
  const d = (await response.json()) as { hub?: string; rpc?: string };
  if (!d.hub) throw new ConnectionError(`deployments/${chain}.json names no hub.`);
  return { hub: d.hub, rpc: d.rpc };
}
