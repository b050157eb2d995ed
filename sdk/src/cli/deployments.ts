import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { type Address, getAddress } from "viem";

/**
 * `deployments/<chainId>.json`: where the Verity system lives on a chain. `verity deploy` writes it; the CLI
 * (and the operator node, scripts) read the hub from it when `--hub` / `VERITY_HUB` are not given.
 *
 * ```json
 * { "chainId": 31337, "hub": "0x...", "operatorRegistry": "0x...", "enclaveRegistry": "0x...", "attestorCommittee": "0x...",
 *   "zkVerifier": "0x...", "groth16VerifierMlp": "0x...",
 *   "optimisticGame": "0x...", "batchSettlement": "0x...", "timelock": "0x...", "blockNumber": "3",
 *   "deployer": "0x...", "ignitionDeploymentId": "chain-31337", "deployedAt": "2026-01-01T00:00:00Z" }
 * ```
 * `blockNumber` is the hub's deployment block: the first block worth searching for its events.
 */
export type DeploymentRecord = {
  chainId: number;
  hub: Address;
  operatorRegistry: Address;
  /** The TEE mode's verifier: enclave keys, their attestation and stake, measurements (if the deployment has one). */
  enclaveRegistry?: Address | undefined;
  /** The attestor committee that vouches for enclave evidence (the registry's attestation verifier). */
  attestorCommittee?: Address | undefined;
  /** The ZK mode's verifier plugged into the hub (mode 2), if the deployment has one. */
  zkVerifier?: Address | undefined;
  /** The reference circuit's Groth16 verifier (a version's `zkVerifier` field), if deployed. */
  groth16VerifierMlp?: Address | undefined;
  /** The OPTIMISTIC dispute game plugged into the hub (mode 4), if the deployment has one. */
  optimisticGame?: Address | undefined;
  /** The BATCH mode's settlement contract, if the deployment has one (also `OperatorRegistry.batchSettlement()`). */
  batchSettlement?: Address | undefined;
  /** The governance timelock that owns the hub, the registry and the ZK verifier, if the deployment has one. */
  timelock?: Address | undefined;
  /** The hub's deployment block (decimal string in the file). */
  blockNumber: bigint | undefined;
  deployer: Address | undefined;
  ignitionDeploymentId: string | undefined;
  deployedAt: string | undefined;
};

/** The deployments folder: `dir` if given, else `VERITY_DEPLOYMENTS_DIR`, else `./deployments`. */
export function deploymentsDir(dir: string | undefined, env: Record<string, string | undefined>, cwd: string): string {
  return path.resolve(cwd, dir ?? env.VERITY_DEPLOYMENTS_DIR ?? "deployments");
}

export function deploymentFile(dir: string, chainId: number): string {
  return path.join(dir, `${chainId}.json`);
}

/** Reads `<dir>/<chainId>.json`; undefined when there is none. */
export async function readDeployment(dir: string, chainId: number): Promise<DeploymentRecord | undefined> {
  const file = deploymentFile(dir, chainId);
  let raw: string;
  try {
    raw = await readFile(file, "utf8");
  } catch {
    return undefined;
  }
  const j = JSON.parse(raw) as Record<string, unknown>;
  if (typeof j.hub !== "string" || typeof j.operatorRegistry !== "string") {
    throw new Error(`${file} has no hub / operatorRegistry address`);
  }
  return {
    chainId: Number(j.chainId ?? chainId),
    hub: getAddress(j.hub),
    operatorRegistry: getAddress(j.operatorRegistry),
    enclaveRegistry: typeof j.enclaveRegistry === "string" ? getAddress(j.enclaveRegistry) : undefined,
    attestorCommittee: typeof j.attestorCommittee === "string" ? getAddress(j.attestorCommittee) : undefined,
    zkVerifier: typeof j.zkVerifier === "string" ? getAddress(j.zkVerifier) : undefined,
    groth16VerifierMlp: typeof j.groth16VerifierMlp === "string" ? getAddress(j.groth16VerifierMlp) : undefined,
    optimisticGame: typeof j.optimisticGame === "string" ? getAddress(j.optimisticGame) : undefined,
    batchSettlement: typeof j.batchSettlement === "string" ? getAddress(j.batchSettlement) : undefined,
    timelock: typeof j.timelock === "string" ? getAddress(j.timelock) : undefined,
    blockNumber: typeof j.blockNumber === "string" || typeof j.blockNumber === "number" ? BigInt(j.blockNumber) : undefined,
    deployer: typeof j.deployer === "string" ? getAddress(j.deployer) : undefined,
    ignitionDeploymentId: typeof j.ignitionDeploymentId === "string" ? j.ignitionDeploymentId : undefined,
    deployedAt: typeof j.deployedAt === "string" ? j.deployedAt : undefined,
  };
}

/** Writes `<dir>/<chainId>.json` (atomically: a reader never sees half a file). Returns its path. */
export async function writeDeployment(dir: string, record: DeploymentRecord): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = deploymentFile(dir, record.chainId);
  const tmp = `${file}.${process.pid}.tmp`;
  const json = {
    chainId: record.chainId,
    hub: record.hub,
    operatorRegistry: record.operatorRegistry,
    enclaveRegistry: record.enclaveRegistry,
    attestorCommittee: record.attestorCommittee,
    zkVerifier: record.zkVerifier,
    groth16VerifierMlp: record.groth16VerifierMlp,
    optimisticGame: record.optimisticGame,
    batchSettlement: record.batchSettlement,
    timelock: record.timelock,
    blockNumber: record.blockNumber?.toString(),
    deployer: record.deployer,
    ignitionDeploymentId: record.ignitionDeploymentId,
    deployedAt: record.deployedAt,
  };
  await writeFile(tmp, `${JSON.stringify(json, null, 2)}\n`);
  await rename(tmp, file);
  return file;
}

/** Ignition's record of a deployment: `ignition/deployments/<id>/deployed_addresses.json` (future id -> address). */
export async function readIgnitionAddresses(deploymentDir: string): Promise<Record<string, Address> | undefined> {
  try {
    return JSON.parse(await readFile(path.join(deploymentDir, "deployed_addresses.json"), "utf8")) as Record<string, Address>;
  } catch {
    return undefined;
  }
}
