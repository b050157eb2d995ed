import { existsSync } from "node:fs";
import { readFile, readdir, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { Command } from "commander";
import {
  type Address,
  type Chain,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type Transport,
  getAddress,
  hexToBigInt,
  hexToNumber,
} from "viem";
import { getCode, getTransactionReceipt, readContract } from "viem/actions";
import { attestorCommitteeAbi, enclaveRegistryAbi, inferenceHubAbi } from "../abis.js";
import { TeeType } from "../attestation/constants.js";
import { withVerityErrors } from "../errors/decode.js";
import { type CliContext, PACKAGE_ROOT } from "./context.js";
import { writeDeployment } from "./deployments.js";
import { CliError } from "./errors.js";
import { formatFields } from "./format.js";
import type { Action } from "./action.js";
import { parseAddress, parseAmount, parseDuration, parseInteger } from "./parse.js";

type DeployOptions = {
  treasury?: string;
  stakeToken?: string;
  unbondingDelay?: string;
  governor?: string;
  governanceDelay?: string;
  minBond?: string;
  attestor?: string[];
  attestorThreshold?: string;
  keyLifetime?: string;
  minTeeStake?: string;
  deploymentId?: string;
  reset?: boolean;
};

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(",").map((s) => s.trim()).filter(Boolean)];

const MODULE_ID = "Verity";
const HUB_FUTURE = `${MODULE_ID}#InferenceHub`;
const REGISTRY_FUTURE = `${MODULE_ID}#OperatorRegistry`;
/** Chains that are restarted empty all the time: a stale Ignition journal there is wiped without asking. */
const LOCAL_CHAINS = new Set([31337, 1337]);

export function registerDeploy(program: Command, action: Action): void {
  program
    .command("deploy")
    .description("deploy the Verity system (its Ignition module, with the compiled contracts that ship with it), with its attestor committee, and write deployments/<chainId>.json (the Ignition journal goes to deployments/ignition/<id>/)")
    .option("--treasury <address>", "receives protocol fees (default: the deployer)")
    .option("--stake-token <address>", "ERC-20 operators stake (default: the native currency)")
    .option("--unbonding-delay <duration>", "before unstaked funds can leave: 7d, 518400 (default 7d; 6d..90d)")
    .option("--governor <address>", "schedules and cancels governance calls through the timelock (default: the deployer)")
    .option("--governance-delay <duration>", "between scheduling a governance call and executing it: 2d, 1h, 0 (default 2d)")
    .option("--min-bond <amount>", "the least OPTIMISTIC bond the dispute game accepts, native currency (default 0.01)")
    .option("--attestor <address>", "a member of the attestor committee that vouches for enclave evidence (repeatable; default: the deployer)", collect)
    .option("--attestor-threshold <k>", "how many attestors must sign an enclave key's attestation (default 1)")
    .option("--key-lifetime <duration>", "the longest an enclave key lives on one attestation: 7d, 24h (default 7d; 1h..30d)")
    .option("--min-tee-stake <amount>", "the least stake an operator locks behind each enclave key, in the stake currency (default 0.1)")
    .option("--deployment-id <id>", "Ignition deployment id (default chain-<chainId>): its journal is <deployments dir>/ignition/<id>/")
    .option("--reset", "discard an earlier Ignition deployment of this id and deploy afresh")
    .action(action(deploy));
}

/**
 * Deploys with Ignition's engine (ignition-core) in this process: the module, the artifacts of the last
 * `hardhat build`, a journal in <deployments dir>/ignition/<id>/ (so a rerun resumes or reuses, as
 * `hardhat ignition deploy` does), and transactions signed locally with the --key account. Running Ignition
 * in-process (instead of `hardhat ignition deploy`) avoids its production-profile rebuild, which would compile
 * the contracts again with other settings than the artifacts the SDK and the tests use.
 */
async function deploy(ctx: CliContext, _args: string[], opts: DeployOptions): Promise<void> {
  const parameters: Record<string, unknown> = {};
  if (opts.treasury !== undefined) parameters.treasury = parseAddress(opts.treasury, "--treasury");
  if (opts.stakeToken !== undefined) parameters.stakeToken = parseAddress(opts.stakeToken, "--stake-token");
  if (opts.unbondingDelay !== undefined) {
    parameters.unbondingDelay = parseDuration(opts.unbondingDelay, "--unbonding-delay", { plainSeconds: true });
  }
  if (opts.governor !== undefined) parameters.governor = parseAddress(opts.governor, "--governor");
  if (opts.governanceDelay !== undefined) {
    parameters.governanceDelay = parseDuration(opts.governanceDelay, "--governance-delay", { plainSeconds: true });
  }
  if (opts.minBond !== undefined) parameters.minBond = parseAmount(opts.minBond, 18, "--min-bond");
  const account = ctx.account();
  if (account.type !== "local") throw new CliError("deploy needs a local private key account.");
  // TEE: the attestor committee (the attestation verifier of both TEE types), the key lifetime and least key stake.
  const attestors = [...new Set((opts.attestor ?? [account.address]).map((a) => parseAddress(a, "--attestor")))];
  const attestorThreshold = opts.attestorThreshold === undefined ? 1 : parseInteger(opts.attestorThreshold, "--attestor-threshold", { min: 1, max: 64 });
  if (attestorThreshold > attestors.length) {
    throw new CliError(`--attestor-threshold ${attestorThreshold} is more than the ${attestors.length} attestor(s) given: no key could ever be registered.`, [
      "give more --attestor addresses, or a lower threshold",
    ]);
  }
  parameters.attestors = attestors;
  parameters.attestorThreshold = BigInt(attestorThreshold);
  if (opts.keyLifetime !== undefined) {
    const lifetime = parseDuration(opts.keyLifetime, "--key-lifetime", { plainSeconds: true });
    if (lifetime < 3600n || lifetime > 30n * 86400n) throw new CliError(`--key-lifetime ${opts.keyLifetime} is outside 1h..30d.`);
    parameters.keyLifetime = lifetime;
  }
  if (opts.minTeeStake !== undefined) parameters.minTeeStake = parseAmount(opts.minTeeStake, 18, "--min-tee-stake");
  const wallet = await ctx.wallet();
  const { chainId, publicClient } = await ctx.connect();

  const deploymentId = opts.deploymentId ?? `chain-${chainId}`;
  if (!/^[A-Za-z0-9_-]+$/.test(deploymentId)) throw new CliError(`--deployment-id "${deploymentId}" may only hold letters, digits, _ and -.`);
  const deploymentDir = path.join(ctx.deploymentsDir, "ignition", deploymentId);
  const shownDir = ctx.showPath(deploymentDir);
  await checkJournal(ctx, publicClient, deploymentDir, shownDir, chainId, opts.reset === true);

  const [{ deploy: ignitionDeploy }, { default: verityModule }] = await Promise.all([
    import("@nomicfoundation/ignition-core"),
    import("./verityModule.js"),
  ]);

  const spinner = ctx.spinner().start(`deploying Verity to chain ${chainId} as ${account.address}`);
  const confirmed = new Map<string, Hex>();
  const listener = new Proxy(
    {},
    {
      get: () => async (event: { type: string; futureId?: string; hash?: string; result?: { type: string; result?: string; error?: string } }) => {
        const name = event.futureId?.replace(`${MODULE_ID}#`, "");
        switch (event.type) {
          case "DEPLOYMENT_EXECUTION_STATE_INITIALIZE":
          case "CALL_EXECUTION_STATE_INITIALIZE":
            spinner.update(`${name}...`);
            break;
          case "TRANSACTION_SEND":
            spinner.update(`${name}: transaction ${event.hash} sent, waiting for it`);
            break;
          case "TRANSACTION_CONFIRM":
            if (event.futureId && event.hash) confirmed.set(event.futureId, event.hash as Hex);
            break;
          case "DEPLOYMENT_EXECUTION_STATE_COMPLETE":
          case "CALL_EXECUTION_STATE_COMPLETE":
            if (event.result?.type === "SUCCESS") {
              ctx.note(`  ${name}${event.result.result ? ` ${event.result.result}` : ""}: done`);
            }
            break;
        }
      },
    },
  );

  let result: Awaited<ReturnType<typeof ignitionDeploy>>;
  try {
    result = await ignitionDeploy({
      config: { requiredConfirmations: ctx.confirmations },
      provider: signingProvider(publicClient, account, chainId),
      artifactResolver: artifactResolver(contractArtifactsDir()),
      executionEventListener: listener as Parameters<typeof ignitionDeploy>[0]["executionEventListener"],
      deploymentDir,
      ignitionModule: verityModule,
      deploymentParameters: { [MODULE_ID]: parameters } as Parameters<typeof ignitionDeploy>[0]["deploymentParameters"],
      accounts: [account.address.toLowerCase()],
      defaultSender: account.address.toLowerCase(),
    });
  } finally {
    spinner.stop();
  }
  if (result.type !== "SUCCESSFUL_DEPLOYMENT") throw deploymentFailure(result as unknown as { type: string } & Record<string, unknown>, shownDir);

  const hub = getAddress((result.contracts.hub ?? result.contracts[HUB_FUTURE])!.address);
  const operatorRegistry = getAddress((result.contracts.operatorRegistry ?? result.contracts[REGISTRY_FUTURE])!.address);
  const optional = (key: string, contractName: string) => {
    const contracts = result.contracts as Record<string, { address: string } | undefined>;
    const c = contracts[key] ?? contracts[`${MODULE_ID}#${contractName}`];
    return c ? getAddress(c.address) : undefined;
  };
  const zkVerifier = optional("zkVerifier", "ZkVerifier");
  const groth16VerifierMlp = optional("groth16VerifierMlp", "Groth16VerifierMlp");
  const optimisticGame = optional("optimisticGame", "OptimisticGame");
  const batchSettlement = optional("batchSettlement", "BatchSettlement");
  const timelock = optional("timelock", "VerityTimelock");
  // The TEE mode's registry and its committee: from the module, else read back from the hub.
  const enclaveRegistry =
    optional("enclaveRegistry", "EnclaveRegistry") ??
    (await withVerityErrors(() => readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "enclaveRegistry" })));
  const attestorCommittee =
    optional("attestorCommittee", "AttestorCommittee") ??
    (await withVerityErrors(() =>
      readContract(publicClient, { address: enclaveRegistry, abi: enclaveRegistryAbi, functionName: "attestationVerifier", args: [TeeType.AwsNitro] }),
    ));
  const [committeeThreshold, committeeMembers] = await withVerityErrors(() =>
    Promise.all([
      readContract(publicClient, { address: attestorCommittee, abi: attestorCommitteeAbi, functionName: "threshold" }),
      readContract(publicClient, { address: attestorCommittee, abi: attestorCommitteeAbi, functionName: "attestors" }),
    ]),
  ).catch(() => [undefined, undefined] as const);
  const blockNumber = await hubBlock(publicClient, deploymentDir, confirmed.get(HUB_FUTURE));
  const file = await writeDeployment(ctx.deploymentsDir, {
    chainId,
    hub,
    operatorRegistry,
    enclaveRegistry,
    attestorCommittee,
    zkVerifier,
    groth16VerifierMlp,
    optimisticGame,
    batchSettlement,
    timelock,
    blockNumber,
    deployer: wallet.account.address,
    ignitionDeploymentId: deploymentId,
    deployedAt: new Date().toISOString(),
  });
  const reused = confirmed.size === 0;
  ctx.result(
    {
      chainId, hub, operatorRegistry, enclaveRegistry, attestorCommittee, attestors: committeeMembers, attestorThreshold: committeeThreshold,
      zkVerifier, groth16VerifierMlp, optimisticGame, batchSettlement, timelock, blockNumber, deploymentId, deploymentFile: file, ignitionJournal: deploymentDir, reused,
    },
    () =>
      [
        reused ? `Verity was already deployed on chain ${chainId} (Ignition journal ${shownDir}):` : `Verity deployed on chain ${chainId}:`,
        formatFields([
          ["InferenceHub", hub],
          ["OperatorRegistry", operatorRegistry],
          ["EnclaveRegistry", `${enclaveRegistry} (the TEE verifier: enclave keys, attestation, stake)`],
          [
            "AttestorCommittee",
            `${attestorCommittee}${committeeThreshold !== undefined ? ` (${committeeThreshold} of ${committeeMembers!.length}: ${committeeMembers!.join(", ")})` : ""}`,
          ],
          ["ZkVerifier", zkVerifier ?? "none"],
          ["Groth16VerifierMlp", groth16VerifierMlp ?? "none"],
          ["OptimisticGame", optimisticGame ?? "none"],
          ["BatchSettlement", batchSettlement ?? "none"],
          ["VerityTimelock", timelock ? `${timelock} (owns the hub, the registries, the committee and the ZK verifier)` : "none"],
          ["block", `${blockNumber ?? "unknown"}`],
          ["written", ctx.showPath(file)],
        ], "  "),
      ].join("\n"),
  );
}

/**
 * An earlier run's journal whose contracts are gone (a restarted local node) would make Ignition report
 * addresses with nothing behind them: wipe it on local chains, refuse elsewhere unless --reset.
 */
async function checkJournal(
  ctx: CliContext,
  client: PublicClient<Transport, Chain>,
  dir: string,
  shownDir: string,
  chainId: number,
  reset: boolean,
): Promise<void> {
  if (!existsSync(dir)) return;
  if (reset) {
    ctx.note(`--reset: discarding the Ignition deployment in ${shownDir}`);
    await rm(dir, { recursive: true, force: true });
    return;
  }
  const journal = await readFile(path.join(dir, "journal.jsonl"), "utf8").catch(() => "");
  const recordedChain = /"chainId":(\d+)/.exec(journal)?.[1];
  let addresses: Record<string, string> = {};
  try {
    addresses = JSON.parse(await readFile(path.join(dir, "deployed_addresses.json"), "utf8")) as Record<string, string>;
  } catch {
    // No contract deployed yet by that run: Ignition resumes it.
  }
  const codes = await Promise.all(
    Object.values(addresses).map((a) => withVerityErrors(() => getCode(client, { address: a as Address }))),
  );
  const stale = (recordedChain !== undefined && Number(recordedChain) !== chainId) || codes.some((c) => c === undefined || c === "0x");
  if (!stale) return;
  if (LOCAL_CHAINS.has(chainId)) {
    ctx.note(`the contracts recorded in ${shownDir} are not on this chain (restarted node?): deploying afresh`);
    await rm(dir, { recursive: true, force: true });
    return;
  }
  throw new CliError(`the Ignition deployment in ${shownDir} records contracts that are not on chain ${chainId}.`, [
    "pass --reset to discard it and deploy afresh, or --deployment-id <id> to keep it and start another",
  ]);
}

function deploymentFailure(result: { type: string } & Record<string, unknown>, shownDir: string): CliError {
  const lines: string[] = [];
  const errors = result.errors as Record<string, string[]> | undefined;
  if (errors) for (const [future, list] of Object.entries(errors)) for (const e of list) lines.push(`${future}: ${e}`);
  for (const f of (result.failed as { futureId: string; error: string }[] | undefined) ?? []) lines.push(`${f.futureId}: ${f.error}`);
  for (const t of (result.timedOut as { futureId: string }[] | undefined) ?? []) {
    lines.push(`${t.futureId}: timed out (run deploy again to resume)`);
  }
  const advice =
    result.type === "RECONCILIATION_ERROR"
      ? `the options differ from the deployment recorded in ${shownDir}: give the same ones, or --reset to deploy afresh, or another --deployment-id`
      : `the Ignition journal is in ${shownDir}; running deploy again resumes it (--reset starts over)`;
  return new CliError(`deployment failed (${result.type.toLowerCase().replace(/_/g, " ")}).`, [...lines, advice]);
}

/** The hub's deployment block: from this run's transaction, else from the journal of an earlier run. */
async function hubBlock(client: PublicClient<Transport, Chain>, dir: string, hash: Hex | undefined): Promise<bigint | undefined> {
  let txHash = hash;
  if (!txHash) {
    const journal = await readFile(path.join(dir, "journal.jsonl"), "utf8").catch(() => "");
    for (const line of journal.split("\n")) {
      if (!line.includes(`"${HUB_FUTURE}"`) || !line.includes("TRANSACTION_CONFIRM")) continue;
      try {
        const entry = JSON.parse(line) as { hash?: string; receipt?: { blockNumber?: number } };
        if (entry.receipt?.blockNumber !== undefined) return BigInt(entry.receipt.blockNumber);
        if (entry.hash) txHash = entry.hash as Hex;
      } catch {
        // A torn last line: ignore it.
      }
    }
  }
  if (!txHash) return undefined;
  const receipt = await withVerityErrors(() => getTransactionReceipt(client, { hash: txHash })).catch(() => undefined);
  return receipt?.blockNumber;
}

/**
 * Where the compiled contracts are: in the repository, the artifacts of the last `hardhat build`
 * (`artifacts/contracts/<File>.sol/<Name>.json`); in an installed verity-inference-node, the deployment artifacts
 * shipped in verity-inference-contracts (`artifacts/<Name>.json`, the same Hardhat artifact format).
 */
function contractArtifactsDir(): string {
  const repo = path.join(PACKAGE_ROOT, "artifacts");
  if (existsSync(path.join(repo, "contracts"))) return repo;
  try {
    return path.join(path.dirname(createRequire(import.meta.url).resolve("verity-inference-contracts/package.json")), "artifacts");
  } catch {
    throw new CliError("no compiled contracts: neither the repository's artifacts/ nor the verity-inference-contracts package was found.", [
      "in the repository, build the contracts first: `npx hardhat build`",
      "installed, add the contracts package: `npm install verity-inference-contracts`",
    ]);
  }
}

/** Ignition reads contracts from Hardhat artifacts, nested by source (repository) or flat (the contracts package). */
function artifactResolver(artifactsDir: string) {
  const find = async (name: string): Promise<string> => {
    const flat = path.join(artifactsDir, `${name}.json`);
    if (existsSync(flat)) return flat;
    const direct = path.join(artifactsDir, "contracts", `${name}.sol`, `${name}.json`);
    if (existsSync(direct)) return direct;
    const stack = [path.join(artifactsDir, "contracts")];
    while (stack.length) {
      const dir = stack.pop()!;
      for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        if (e.isDirectory()) stack.push(path.join(dir, e.name));
        else if (e.name === `${name}.json`) return path.join(dir, e.name);
      }
    }
    throw new CliError(`no compiled artifact for ${name} in ${artifactsDir}.`, ["build the contracts first: `npx hardhat build`"]);
  };
  const load = async (name: string) => JSON.parse(await readFile(await find(name), "utf8")) as Record<string, unknown>;
  return {
    loadArtifact: async (name: string) => (await load(name)) as never,
    getBuildInfo: async (name: string) => {
      const id = (await load(name)).buildInfoId;
      if (typeof id !== "string") return undefined;
      try {
        return JSON.parse(await readFile(path.join(artifactsDir, "build-info", `${id}.json`), "utf8")) as never;
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * An EIP-1193 provider for Ignition over the CLI's RPC that signs `eth_sendTransaction` with the local key
 * (remote nodes hold no keys) and sends it raw; every other call goes to the node as is.
 */
function signingProvider(client: PublicClient<Transport, Chain>, account: LocalAccount, chainId: number) {
  const request = client.request as (args: { method: string; params?: unknown }) => Promise<unknown>;
  return {
    async request({ method, params }: { method: string; params?: readonly unknown[] | object }): Promise<unknown> {
      if (method === "eth_accounts" || method === "eth_requestAccounts") return [account.address.toLowerCase()];
      // Errors pass through unchanged: Ignition reads reverts from the raw JSON-RPC errors.
      if (method !== "eth_sendTransaction") return request({ method, params });
      const [tx] = params as [Record<string, string | undefined>];
      if (!tx || tx.from?.toLowerCase() !== account.address.toLowerCase()) {
        throw new CliError(`Ignition asked to send from ${tx?.from}, which is not the --key account ${account.address}.`);
      }
      const base = {
        chainId,
        ...(tx.to ? { to: tx.to as Address } : {}),
        data: (tx.data ?? "0x") as Hex,
        value: tx.value ? hexToBigInt(tx.value as Hex) : 0n,
        nonce: hexToNumber(tx.nonce as Hex),
        gas: hexToBigInt(tx.gas as Hex),
      };
      const signed =
        tx.maxFeePerGas !== undefined
          ? await account.signTransaction({
              ...base,
              type: "eip1559",
              maxFeePerGas: hexToBigInt(tx.maxFeePerGas as Hex),
              maxPriorityFeePerGas: hexToBigInt((tx.maxPriorityFeePerGas ?? "0x0") as Hex),
            })
          : await account.signTransaction({ ...base, type: "legacy", gasPrice: hexToBigInt((tx.gasPrice ?? "0x0") as Hex) });
      return request({ method: "eth_sendRawTransaction", params: [signed] });
    },
  };
}
