import path from "node:path";
import {
  type Account,
  type Address,
  type Chain,
  type Hash,
  type PublicClient,
  type Transport,
  type WalletClient,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  zeroAddress,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { getBlock, getChainId, getCode, readContract, waitForTransactionReceipt } from "viem/actions";
import { erc20Abi, inferenceHubAbi } from "../abis.js";
import { withVerityErrors } from "../errors/decode.js";
import { TransactionRevertedError } from "../errors/job.js";
import { type DeploymentRecord, deploymentFile, deploymentsDir, readDeployment } from "./deployments.js";
import { CliError, EXIT } from "./errors.js";
import { type Currency, toJson } from "./format.js";
import { parseAddress, parseInteger } from "./parse.js";
import { PRIVATE_KEY, keyHint, resolveKey } from "./secrets.js";
import { type ProgressMode, Spinner, type Writer } from "./progress.js";

/** The repository root, or the installed verity-inference-node package (holds models/ and circuits/build/). */
export { PACKAGE_ROOT } from "../model/packageFiles.js";

export const DEFAULT_RPC_URL = "http://127.0.0.1:8545";
/** How long one RPC call may take before the CLI gives up (VERITY_RPC_TIMEOUT_MS overrides). */
export const DEFAULT_RPC_TIMEOUT_MS = 10_000;

/** Where a CLI run reads and writes: streams, environment, working directory, and a stop signal. */
export type CliIO = {
  stdout: Writer & { isTTY?: boolean };
  stderr: Writer & { isTTY?: boolean };
  /** Environment variables (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Working directory for relative paths (default `process.cwd()`). */
  cwd?: string;
  /** Aborted to stop a long-running command (`operator run`, `infer --wait`): SIGINT/SIGTERM in the binary. */
  signal?: AbortSignal;
};

/** The global options, as commander parsed them. */
export type GlobalOptions = {
  rpc?: string;
  key?: string;
  keyFile?: string;
  hub?: string;
  json?: boolean;
  confirmations?: string;
  deployments?: string;
};

export type Connection = {
  chainId: number;
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
};

/**
 * One command's view of the world: output streams, the resolved global options, and lazily made clients.
 * Everything that needs the chain goes through {@link CliContext.connect}, which fails fast with a clear error
 * when the RPC cannot be reached.
 */
export class CliContext {
  readonly io: CliIO;
  readonly env: Record<string, string | undefined>;
  readonly cwd: string;
  readonly json: boolean;
  readonly rpcUrl: string;
  readonly confirmations: number;
  #options: GlobalOptions;
  #connection: Promise<Connection> | undefined;
  #deployment: Promise<DeploymentRecord | undefined> | undefined;
  #hub: Promise<Address> | undefined;
  #registry: Promise<Address> | undefined;
  #enclaves: Promise<Address> | undefined;
  #currencies = new Map<string, Promise<Currency>>();
  /** Set by a command to exit with something other than 0 without an error (e.g. `job verify`: pending). */
  exitCode: number = EXIT.ok;
  /** The exit code when the command fails with an error (`job verify`: 4, "could not check"). */
  errorExitCode: number = EXIT.failure;

  constructor(io: CliIO, options: GlobalOptions) {
    this.io = io;
    this.env = io.env ?? process.env;
    this.cwd = io.cwd ?? process.cwd();
    this.#options = options;
    this.json = options.json === true;
    this.rpcUrl = options.rpc ?? this.env.VERITY_RPC_URL ?? DEFAULT_RPC_URL;
    this.confirmations =
      options.confirmations === undefined ? 1 : parseInteger(options.confirmations, "--confirmations", { min: 1, max: 1000 });
  }

  get debug(): boolean {
    return this.env.VERITY_DEBUG === "1";
  }

  /** A path for display: relative to the working directory when it is inside it, else absolute. */
  showPath(p: string): string {
    const rel = path.relative(this.cwd, p);
    return rel === "" ? "." : rel.startsWith("..") || path.isAbsolute(rel) ? p : rel;
  }

  /** A path given on the command line, resolved against the working directory. */
  resolvePath(p: string): string {
    return path.resolve(this.cwd, p);
  }

  // ------------------------------------------------------------------------------------------ output

  /** A line on stdout (the command's result). */
  out(text: string): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** A line on stderr for humans (progress, notes); silent with --json. */
  note(text: string): void {
    if (!this.json) this.io.stderr.write(`${text}\n`);
  }

  /** Prints the command's result: `data` as JSON with --json, else what `human` returns. */
  result(data: unknown, human: () => string): void {
    this.out(this.json ? toJson(data) : human());
  }

  get progressMode(): ProgressMode {
    if (this.json) return "off";
    return this.io.stderr.isTTY ? "tty" : "lines";
  }

  spinner(): Spinner {
    return new Spinner(this.io.stderr, this.progressMode);
  }

  // ------------------------------------------------------------------------------------------ chain

  /** Connects to the RPC once: its chain id (fails fast when it cannot be reached) and a public client. */
  connect(): Promise<Connection> {
    this.#connection ??= (async () => {
      if (!/^https?:\/\//.test(this.rpcUrl)) {
        throw new CliError(`--rpc "${this.rpcUrl}" is not an http(s) URL.`, [`e.g. --rpc ${DEFAULT_RPC_URL}`]);
      }
      const probe = createPublicClient({ transport: this.#transport() });
      const chainId = await withVerityErrors(() => getChainId(probe));
      const chain = defineChain({
        id: chainId,
        name: `chain ${chainId}`,
        nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
        rpcUrls: { default: { http: [this.rpcUrl] } },
      });
      const publicClient = createPublicClient({ chain, transport: this.#transport(), pollingInterval: this.#pollingInterval(chainId) });
      return { chainId, chain, publicClient };
    })();
    return this.#connection;
  }

  #transport() {
    const timeout = Number(this.env.VERITY_RPC_TIMEOUT_MS ?? DEFAULT_RPC_TIMEOUT_MS);
    // One quick retry: a refused connection fails in well under a second, a silent host after `timeout`.
    return http(this.rpcUrl, { timeout: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_RPC_TIMEOUT_MS, retryCount: 1, retryDelay: 150 });
  }

  #pollingInterval(chainId: number): number {
    // Local dev chains mine on demand: poll them often. Public chains: every 2 s is plenty.
    return chainId === 31337 || chainId === 1337 ? 250 : 2_000;
  }

  /** The signing key from --key-file, VERITY_PRIVATE_KEY or --key, if one was given. */
  #signingKey() {
    return resolveKey(PRIVATE_KEY, { flagValue: this.#options.key, fileValue: this.#options.keyFile, env: this.env, cwd: this.cwd });
  }

  /** Whether a signing key was given (--key-file, VERITY_PRIVATE_KEY or --key). */
  hasAccount(): boolean {
    return this.#signingKey() !== undefined;
  }

  /** The account that signs, from --key-file, VERITY_PRIVATE_KEY or --key. */
  account(): Account {
    const given = this.#signingKey();
    if (given === undefined) {
      throw new CliError("this command sends a transaction and needs a private key.", [keyHint(PRIVATE_KEY)]);
    }
    return privateKeyToAccount(given.key);
  }

  /** A wallet client for the key's account on the connected chain. */
  async wallet(): Promise<WalletClient<Transport, Chain, Account>> {
    const account = this.account();
    const { chain, chainId } = await this.connect();
    return createWalletClient({ account, chain, transport: this.#transport(), pollingInterval: this.#pollingInterval(chainId) });
  }

  /** Waits for `hash` to have `--confirmations` confirmations; fails if it reverted. */
  async confirm(hash: Hash, action: string) {
    const { publicClient } = await this.connect();
    const receipt = await withVerityErrors(() =>
      waitForTransactionReceipt(publicClient, { hash, confirmations: this.confirmations }),
    );
    if (receipt.status !== "success") throw new TransactionRevertedError({ hash, action });
    return receipt;
  }

  /** The deployments folder (--deployments, VERITY_DEPLOYMENTS_DIR, ./deployments). */
  get deploymentsDir(): string {
    return deploymentsDir(this.#options.deployments, this.env, this.cwd);
  }

  /** The connected chain's `deployments/<chainId>.json`, if there is one. */
  deployment(): Promise<DeploymentRecord | undefined> {
    this.#deployment ??= this.connect().then(({ chainId }) => readDeployment(this.deploymentsDir, chainId));
    return this.#deployment;
  }

  /** The hub: --hub, else VERITY_HUB, else the chain's deployment file; checked to hold code. */
  hub(): Promise<Address> {
    this.#hub ??= (async () => {
      const { chainId, publicClient } = await this.connect();
      const given = this.#options.hub ?? this.env.VERITY_HUB;
      let hub: Address;
      let source: string;
      if (given !== undefined && given !== "") {
        hub = parseAddress(given, this.#options.hub !== undefined ? "--hub" : "VERITY_HUB");
        source = this.#options.hub !== undefined ? "--hub" : "VERITY_HUB";
      } else {
        const record = await this.deployment();
        if (!record) {
          throw new CliError(`no hub address for chain ${chainId}.`, [
            `pass --hub <address>, set VERITY_HUB, or deploy with \`verity deploy\` (it writes ${this.showPath(deploymentFile(this.deploymentsDir, chainId))})`,
          ]);
        }
        hub = record.hub;
        source = this.showPath(deploymentFile(this.deploymentsDir, chainId));
      }
      const code = await withVerityErrors(() => getCode(publicClient, { address: hub }));
      if (code === undefined || code === "0x") {
        throw new CliError(`there is no contract at hub ${hub} on chain ${chainId} (from ${source}).`, [
          "was the chain restarted? deploy again with `verity deploy`, or pass the right --hub / --rpc",
        ]);
      }
      return hub;
    })();
    return this.#hub;
  }

  /** The operator registry the hub uses. */
  operatorRegistry(): Promise<Address> {
    this.#registry ??= (async () => {
      const [hub, { publicClient }] = await Promise.all([this.hub(), this.connect()]);
      return withVerityErrors(() => readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "operatorRegistry" }));
    })();
    return this.#registry;
  }

  /** The enclave registry the hub uses (the TEE mode's verifier: enclave keys, measurements, attestation). */
  enclaveRegistry(): Promise<Address> {
    this.#enclaves ??= (async () => {
      const [hub, { publicClient }] = await Promise.all([this.hub(), this.connect()]);
      return withVerityErrors(() => readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "enclaveRegistry" }));
    })();
    return this.#enclaves;
  }

  /** The latest block's timestamp: the time a transaction sent now is judged at. */
  async chainTime(): Promise<bigint> {
    const { publicClient } = await this.connect();
    return (await withVerityErrors(() => getBlock(publicClient, { blockTag: "latest" }))).timestamp;
  }

  /** First block to search for the hub's events: its deployment block when the deployment file knows it. */
  async fromBlock(): Promise<bigint> {
    const [hub, record] = await Promise.all([this.hub(), this.deployment()]);
    return record && record.hub.toLowerCase() === hub.toLowerCase() ? (record.blockNumber ?? 0n) : 0n;
  }

  /** Symbol and decimals of a fee or stake currency (native: ETH, 18). */
  currency(token: Address): Promise<Currency> {
    const key = token.toLowerCase();
    let c = this.#currencies.get(key);
    if (!c) {
      c = (async (): Promise<Currency> => {
        if (token === zeroAddress) return { token, symbol: "ETH", decimals: 18, native: true };
        const { publicClient } = await this.connect();
        const [symbol, decimals] = await Promise.all([
          readContract(publicClient, { address: token, abi: erc20Abi, functionName: "symbol" }).catch(() => undefined),
          readContract(publicClient, { address: token, abi: erc20Abi, functionName: "decimals" }).catch(() => undefined),
        ]);
        return { token, symbol: symbol ?? `x ${token}`, decimals: decimals === undefined ? 0 : Number(decimals), native: false };
      })();
      this.#currencies.set(key, c);
    }
    return c;
  }
}
