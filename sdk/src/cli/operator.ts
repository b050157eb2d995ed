import type { Command } from "commander";
import { parseEventLogs, zeroAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { readContract } from "viem/actions";
import { inferenceHubAbi, operatorRegistryAbi } from "../abis.js";
import { stake } from "../actions/stake.js";
import { withdraw } from "../actions/withdraw.js";
import { modeLabel } from "../constants.js";
import { withVerityErrors } from "../errors/decode.js";
import type { CliContext } from "./context.js";
import { CliError } from "./errors.js";
import { formatAmount, formatDuration, formatTensor, formatTime, toJson } from "./format.js";
import type { Action } from "./action.js";
import { parseAddress, parseAmount, parseBigInt, parseDuration, parseInteger } from "./parse.js";
import { ENCLAVE_KEY, keyFileHelp, resolveKey } from "./secrets.js";
import { collectList, parseServed, servePollingMs, shortError, stamped, untilAborted, zkProver } from "./serve.js";
import { registerWatch } from "./watch.js";
import { registerAnnounce } from "./service.js";
import { registerEnclaveCommands } from "./enclave.js";

type RunOptions = {
  enclaveKey?: string;
  enclaveKeyFile?: string;
  model: string[];
  state?: string;
  concurrency?: string;
  minReward?: string;
  minTimeLeft?: string;
  zkWeights?: string;
  zkArtifacts?: string;
  modelDir?: string;
  threads?: string;
  executionProvider?: string[];
  fromBlock?: string;
  votesDir?: string;
  quorumFallback?: string;
  game?: string;
  disputeZkVerifier?: string;
  once?: boolean;
  announce?: boolean;
};

export function registerOperator(program: Command, action: Action): void {
  const operator = program.command("operator").description("run an operator node; stake, attest and register enclave keys, withdraw");
  operator
    .command("run")
    .description(
      "serve inference jobs: watch requests, run the model, attest (TEE), prove (ZK), vote (QUORUM) or propose (OPTIMISTIC); Ctrl-C stops cleanly",
    )
    .option("--enclave-key-file <path>", `the enclave's TEE signing key, attested and registered, ${keyFileHelp(ENCLAVE_KEY)}; without a key TEE jobs are skipped`)
    .option("--enclave-key <hex>", "the enclave's key itself (shown by `ps`: prefer --enclave-key-file or env VERITY_ENCLAVE_KEY)")
    .requiredOption("--model <id:version>", "a model version to serve, <modelId>:<version> (repeatable or comma-separated)", collectList)
    .option("--state <file>", "the node's job state file (default .verity/operator-<chainId>.json)")
    .option("--concurrency <n>", "jobs in flight at once (default 4)")
    .option("--min-reward <amount>", "skip jobs whose operator reward is below this (whole units of an 18-decimal currency, or base units: 1000wei)")
    .option("--min-time-left <duration>", "skip jobs due sooner than this (default 30s)")
    .option("--zk-weights <json>", "serve ZK jobs too, proving with these weights (models/iris-mlp.json)")
    .option("--zk-artifacts <dir>", "the circuit's wasm and zkey (default circuits/build)")
    .option("--model-dir <dir>", "base folder of relative file: model URIs (default: the working directory)")
    .option("--threads <n>", "ONNX Runtime threads within an operator (1..256; default: ONNX Runtime's choice)")
    .option("--execution-provider <name>", "ONNX Runtime execution provider, in order of preference (repeatable, e.g. cuda then cpu; default cpu)", collectList)
    .option("--from-block <n>", "scan for requests from this block (default: where the state file left off, else the latest)")
    .option("--votes-dir <dir>", "serve QUORUM jobs: the directory the quorum's nodes share their signed votes in (the key's account votes)")
    .option("--quorum-fallback <duration>", "QUORUM: how long each next signer, in address order, waits for the one before it to submit (default 30s)")
    .option("--game <address>", "OPTIMISTIC: the dispute game to propose to (default: the hub's verifier of mode 4); jobs of another game are skipped")
    .option("--dispute-zk-verifier <address>", "OPTIMISTIC: the ZK verifier the game must settle challenges with (default: the hub's verifier of mode 2)")
    .option("--no-announce", "do not announce the versions served (by default the node announces them, renews the announcements, and withdraws them when it stops)")
    .option("--once", "one pass (settle, scan, serve what was found) and exit")
    .action(action(run));
  registerWatch(operator, action);
  registerAnnounce(operator, action);
  registerEnclaveCommands(operator, action);
  operator
    .command("stake")
    .description("add to the key's operator stake (native, or the registry's ERC-20, approved as needed)")
    .argument("<amount>", "amount of the staking currency")
    .action(action(stakeCommand));
  operator
    .command("withdraw")
    .description("withdraw the key's credited balance from the hub (the same as `verity withdraw`)")
    .option("--token <address>", "an ERC-20 currency (default: the native currency)")
    .action(action(withdrawCommand));
}

/** `verity withdraw`: any account's credit at the hub (refunds, operator rewards, bonds, protocol fees). */
export function registerWithdraw(program: Command, action: Action): void {
  program
    .command("withdraw")
    .description(
      "withdraw the key's credited balance from the hub: refunded fees, operator rewards, returned bonds, protocol fees (a model's earnings are kept per model, apart)",
    )
    .option("--token <address>", "an ERC-20 currency (default: the native currency)")
    .action(action(withdrawCommand));
}

// ------------------------------------------------------------------------------------------------ run

function enclaveAccount(ctx: CliContext, o: { enclaveKey?: string; enclaveKeyFile?: string }) {
  const given = resolveKey(ENCLAVE_KEY, { flagValue: o.enclaveKey, fileValue: o.enclaveKeyFile, env: ctx.env, cwd: ctx.cwd });
  return given === undefined ? undefined : privateKeyToAccount(given.key);
}

async function run(ctx: CliContext, _args: string[], o: RunOptions): Promise<void> {
  const enclave = enclaveAccount(ctx, o);
  const served = o.model.map(parseServed);
  const concurrency = o.concurrency === undefined ? undefined : parseInteger(o.concurrency, "--concurrency", { min: 1, max: 64 });
  const minOperatorReward = o.minReward === undefined ? undefined : parseAmount(o.minReward, 18, "--min-reward");
  const minTimeLeftSec = o.minTimeLeft === undefined ? undefined : Number(parseDuration(o.minTimeLeft, "--min-time-left", { plainSeconds: true }));
  const fromBlock = o.fromBlock === undefined ? undefined : parseBigInt(o.fromBlock, "--from-block");
  const quorumFallbackMs =
    o.quorumFallback === undefined ? undefined : Number(parseDuration(o.quorumFallback, "--quorum-fallback", { plainSeconds: true })) * 1000;
  if (quorumFallbackMs !== undefined && o.votesDir === undefined) {
    throw new CliError("--quorum-fallback is for QUORUM jobs: give --votes-dir <dir> too.");
  }
  const zk = await zkProver(ctx, o);

  const [walletClient, hub, { publicClient, chainId }] = await Promise.all([ctx.wallet(), ctx.hub(), ctx.connect()]);
  const stateFile = ctx.resolvePath(o.state ?? `.verity/operator-${chainId}.json`);
  // The ONNX Runtime and the prover load only for this command.
  const { createOperatorNode } = await import("../operator/node.js");

  const node = createOperatorNode({
    publicClient,
    walletClient,
    hub,
    enclave,
    votesDir: o.votesDir === undefined ? undefined : ctx.resolvePath(o.votesDir),
    quorumFallbackMs,
    optimistic: {
      game: o.game === undefined ? undefined : parseAddress(o.game, "--game"),
      zkVerifier: o.disputeZkVerifier === undefined ? undefined : parseAddress(o.disputeZkVerifier, "--dispute-zk-verifier"),
    },
    models: served.map((s) => ({ ...s, zk })),
    stateFile,
    modelDir: o.modelDir === undefined ? ctx.cwd : ctx.resolvePath(o.modelDir),
    runtime: {
      intraOpNumThreads: o.threads === undefined ? undefined : parseInteger(o.threads, "--threads", { min: 1, max: 256 }),
      executionProviders: o.executionProvider,
    },
    confirmations: ctx.confirmations,
    concurrency,
    minOperatorReward,
    minTimeLeftSec,
    fromBlock,
    pollingIntervalMs: servePollingMs(chainId),
    announce: o.announce === false ? false : { withdrawOnStop: !o.once },
    logger: (event) => ctx.out(ctx.json ? toJson(event, { compact: true }) : formatEvent(event)),
  });

  if (o.once) {
    try {
      await node.runOnce();
    } finally {
      await node.stop();
    }
    return;
  }
  const signal = ctx.io.signal;
  await node.start();
  if (!ctx.json) ctx.note("serving; press Ctrl-C to stop (jobs in flight are finished or left safe for the next run)");
  await untilAborted(signal);
  ctx.note("stopping...");
  await node.stop();
}

type Event = Parameters<NonNullable<import("../operator/node.js").OperatorNodeOptions["logger"]>>[0];

/** One line per node event. */
export function formatEvent(e: Event): string {
  const line = (() => {
    switch (e.type) {
      case "service-announced":
        return e.modes.length === 0
          ? `withdrew the announcement for model ${e.modelId.slice(0, 10)}… v${e.version}`
          : `announced model ${e.modelId.slice(0, 10)}… v${e.version}: ${e.modes.map(modeLabel).join(", ")} until ${formatTime(e.until)}`;
      case "service-announce-failed":
        return `warning: could not announce model ${e.modelId.slice(0, 10)}… v${e.version} (requesters will be warned nobody serves it): ${shortError(e.error)}`;
      case "node-started":
        return `node started on chain ${e.chainId}: hub ${e.hub}, operator ${e.operator}, enclave ${e.enclave ?? "none (TEE jobs skipped)"}${e.voter ? `, voting as ${e.voter}` : ""}, ${e.openJobs} open job(s) in ${e.stateFile}`;
      case "blocks-scanned":
        return `scanned blocks ${e.fromBlock}..${e.toBlock}: ${e.jobs} request(s)`;
      case "job-seen":
        return `job ${e.jobId}: requested for model ${e.modelId.slice(0, 10)}… v${e.version}, ${modeLabel(e.mode)}, block ${e.blockNumber}`;
      case "job-skipped":
        return `job ${e.jobId}: skipped (${e.reason}): ${e.detail}`;
      case "enclave-key-expiring":
        return `warning: enclave key ${e.enclave} expires at ${formatTime(e.expiresAt)} (in ${formatDuration(e.secondsLeft)}) at enclave registry ${e.enclaveRegistry}: re-attest it (verity operator attest, then register-key)`;
      case "job-started":
        return `job ${e.jobId}: running the model (${modeLabel(e.mode)}${e.attempt > 1 ? `, attempt ${e.attempt}` : ""})`;
      case "job-submitted":
        return `job ${e.jobId}: fulfilment sent (${e.txHash ? `tx ${e.txHash}, ` : ""}nonce ${e.nonce})`;
      case "job-fulfilled":
        return `job ${e.jobId}: fulfilled in block ${e.blockNumber} (tx ${e.txHash}, ${e.gasUsed} gas)${e.output ? `: ${formatTensor(e.output)}` : ""}`;
      case "job-fulfilled-elsewhere":
        return `job ${e.jobId}: fulfilled by someone else: ${e.detail}`;
      case "job-failed":
        return `job ${e.jobId}: failed${e.willRetry ? " (will retry)" : ""}: ${shortError(e.error)}`;
      case "job-recovered":
        return `job ${e.jobId}: recovered from the last run as ${e.state}: ${e.detail}`;
      case "job-awaiting-transaction":
        return `job ${e.jobId}: its fulfilment (${e.txHash ? `tx ${e.txHash}, ` : ""}nonce ${e.nonce}) is still in the mempool: waiting for it, sending nothing new`;
      case "job-interrupted":
        return `job ${e.jobId}: left ${e.state} for the next run`;
      case "vote-published":
        return `job ${e.jobId}: voted for output ${e.outputHash.slice(0, 10)}… as ${e.signer}`;
      case "quorum-waiting":
        return `job ${e.jobId}: ${e.votes} of ${e.required} votes agree so far`;
      case "quorum-reached":
        return `job ${e.jobId}: quorum of ${e.signers.length} votes; ${e.bySelf ? "submitting it" : `${e.submitter} submits it`}`;
      case "proposal-committed":
        return `job ${e.jobId}: committed to its output (commitment ${e.commitment.slice(0, 10)}…, block ${e.blockNumber}, tx ${e.txHash}); revealing it in a later block`;
      case "job-proposed":
        return `job ${e.jobId}: proposed (tx ${e.txHash}), final after ${e.challengeWindowEnd} unless challenged${e.output ? `: ${formatTensor(e.output)}` : ""}`;
      case "proposal-challenged":
        return `job ${e.jobId}: proposal challenged by ${e.challenger}; resolution due by ${e.resolveBy}`;
      case "proposal-action":
        return `job ${e.jobId}: ${e.action} sent (tx ${e.txHash})`;
      case "proposal-settled":
        return `job ${e.jobId}: ${e.outcome}: ${e.detail}`;
      case "node-error":
        return `error: ${shortError(e.error)}`;
      case "node-stopped":
        return `node stopped: ${e.stats.session.fulfilled} fulfilled, ${e.stats.session.skipped} skipped, ${e.stats.session.failed} failed this run (${e.stats.session.gasUsed} gas)`;
      default:
        return toJson(e, { compact: true });
    }
  })();
  return stamped(line);
}

// ------------------------------------------------------------------------------------------------ stake, keys, withdraw

async function stakeCommand(ctx: CliContext, [rawAmount]: string[]): Promise<void> {
  const [wallet, operatorRegistry, { publicClient }] = await Promise.all([ctx.wallet(), ctx.operatorRegistry(), ctx.connect()]);
  const token = await withVerityErrors(() =>
    readContract(publicClient, { address: operatorRegistry, abi: operatorRegistryAbi, functionName: "stakeToken" }),
  );
  const currency = await ctx.currency(token);
  const amount = parseAmount(rawAmount!, currency.decimals, "amount");
  if (amount === 0n) throw new CliError("the stake amount must be above zero.");
  const hash = await stake(wallet, { operatorRegistry, amount });
  const receipt = await ctx.confirm(hash, "stake");
  const [staked] = parseEventLogs({ abi: operatorRegistryAbi, eventName: "Staked", logs: receipt.logs });
  const total = staked?.args.totalStake;
  ctx.result(
    { operator: wallet.account.address, amount, totalStake: total, token, transactionHash: hash, blockNumber: receipt.blockNumber },
    () =>
      `staked ${formatAmount(amount, currency)} for operator ${wallet.account.address}` +
      `${total !== undefined ? `: ${formatAmount(total, currency)} in total` : ""} (block ${receipt.blockNumber}, tx ${hash})`,
  );
}

async function withdrawCommand(ctx: CliContext, _args: string[], o: { token?: string }): Promise<void> {
  const token = o.token === undefined ? zeroAddress : parseAddress(o.token, "--token");
  const [wallet, hub, { publicClient }] = await Promise.all([ctx.wallet(), ctx.hub(), ctx.connect()]);
  const currency = await ctx.currency(token);
  const account = wallet.account.address;
  const credit = await withVerityErrors(() =>
    readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "creditOf", args: [account, token] }),
  );
  if (credit === 0n) {
    ctx.result({ account, token, amount: 0n, transactionHash: undefined }, () => `nothing to withdraw: ${account} has no ${currency.symbol} credited on hub ${hub}`);
    return;
  }
  const hash = await withdraw(wallet, { hub, token });
  const receipt = await ctx.confirm(hash, "withdraw");
  const [event] = parseEventLogs({ abi: inferenceHubAbi, eventName: "Withdrawn", logs: receipt.logs });
  const amount = event?.args.amount ?? credit;
  ctx.result(
    { account, token, amount, transactionHash: hash, blockNumber: receipt.blockNumber },
    () => `withdrew ${formatAmount(amount, currency)} to ${account} (block ${receipt.blockNumber}, tx ${hash})`,
  );
}
