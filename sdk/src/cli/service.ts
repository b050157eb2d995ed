import type { Command } from "commander";
import { readContract } from "viem/actions";
import { inferenceHubAbi, operatorRegistryAbi } from "../abis.js";
import { DEFAULT_SERVICE_PERIOD_SECONDS, MAX_SERVICE_PERIOD_SECONDS, announceService } from "../actions/announceService.js";
import { getServingOperators } from "../actions/getServingOperators.js";
import { type ModeName, modeLabel, modeNumber, modesFromBitmask } from "../constants.js";
import { withVerityErrors } from "../errors/decode.js";
import type { Action } from "./action.js";
import type { CliContext } from "./context.js";
import { CliError } from "./errors.js";
import { formatAmount, formatTable, formatTime } from "./format.js";
import { parseBytes32, parseDuration, parseMode, parseModes, parseVersion } from "./parse.js";
import { collectList, parseServed } from "./serve.js";

/**
 * Announcements of service (OperatorRegistry `announceService`): `verity operator announce` for operators (a running
 * node announces by itself) and `verity model operators` for requesters, who see before escrow whether anyone serves
 * a version.
 */

type AnnounceOptions = { model: string[]; modes?: string; for?: string; withdraw?: boolean };

export function registerAnnounce(operator: Command, action: Action): void {
  operator
    .command("announce")
    .description("announce that the key's account (staked) serves model versions, so requesters see it before escrow; `operator run` does it itself")
    .requiredOption("--model <id:version>", "a version served, <modelId>:<version> (repeatable or comma-separated)", collectList)
    .option("--modes <list>", "the modes served, comma-separated (default: every mode the version offers)")
    .option("--for <duration>", "how long the announcement lasts (default 6h, at most 30d)")
    .option("--withdraw", "withdraw the announcements instead")
    .action(action(announce));
}

export function registerModelOperators(model: Command, action: Action): void {
  model
    .command("operators")
    .description("the operators announcing that they serve a version (modes, until when, stake)")
    .argument("<modelId>", "the model id")
    .requiredOption("--version <n>", "the version")
    .option("--mode <mode>", "only operators serving this mode")
    .action(action(operators));
}

async function announce(ctx: CliContext, _args: string[], o: AnnounceOptions): Promise<void> {
  const served = o.model.map(parseServed);
  if (o.withdraw && (o.modes !== undefined || o.for !== undefined)) throw new CliError("--withdraw takes no --modes or --for.");
  const periodSeconds = o.for === undefined ? DEFAULT_SERVICE_PERIOD_SECONDS : Number(parseDuration(o.for, "--for", { plainSeconds: true }));
  if (periodSeconds < 1 || periodSeconds > MAX_SERVICE_PERIOD_SECONDS) throw new CliError(`--for ${o.for} is not from 1 second to 30 days.`);
  const given: ModeName[] | undefined = o.modes === undefined ? undefined : parseModes(o.modes);
  const [wallet, hub, { publicClient }] = await Promise.all([ctx.wallet(), ctx.hub(), ctx.connect()]);
  const operatorRegistry = await ctx.operatorRegistry();
  const results: { modelId: `0x${string}`; version: number; modes: string[]; transactionHash: `0x${string}` }[] = [];
  for (const s of served) {
    let modes: number[] = [];
    if (!o.withdraw) {
      const [, , offered] = await withVerityErrors(() =>
        readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "requestTerms", args: [s.modelId, s.version] }),
      );
      modes = given ? given.map(modeNumber) : modesFromBitmask(offered);
      if (modes.length === 0) throw new CliError(`version ${s.version} of model ${s.modelId} takes no requests (deprecated or unknown): nothing to announce.`);
    }
    const hash = await announceService(wallet, { operatorRegistry, modelId: s.modelId, version: s.version, modes, periodSeconds });
    await ctx.confirm(hash, "announceService");
    results.push({ ...s, modes: modes.map(modeLabel), transactionHash: hash });
  }
  const until = o.withdraw ? undefined : (await ctx.chainTime()) + BigInt(periodSeconds);
  ctx.result({ announcements: results, until }, () =>
    results
      .map((r) =>
        o.withdraw
          ? `withdrew the announcement for model ${r.modelId} version ${r.version}`
          : `announced model ${r.modelId} version ${r.version}: ${r.modes.join(", ")} until about ${formatTime(until!)}`,
      )
      .join("\n"),
  );
}

async function operators(ctx: CliContext, [rawId]: string[], o: { version: string; mode?: string }): Promise<void> {
  const modelId = parseBytes32(rawId!, "model id");
  const version = parseVersion(o.version);
  const mode = o.mode === undefined ? undefined : parseMode(o.mode);
  const [hub, { publicClient }, fromBlock, operatorRegistry] = await Promise.all([ctx.hub(), ctx.connect(), ctx.fromBlock(), ctx.operatorRegistry()]);
  const serving = await getServingOperators(publicClient, { hub, operatorRegistry, modelId, version, mode, fromBlock });
  const stakeToken = await withVerityErrors(() =>
    readContract(publicClient, { address: operatorRegistry, abi: operatorRegistryAbi, functionName: "stakeToken" }),
  );
  const currency = await ctx.currency(stakeToken);
  ctx.result({ modelId, version, operators: serving }, () => {
    if (serving.length === 0) {
      return `no operator announces serving model ${modelId} version ${version}${mode ? ` in ${mode.toUpperCase()} mode` : ""}: a job requested now may wait unserved until its deadline (then \`verity job refund\`)`;
    }
    return formatTable(
      ["OPERATOR", "MODES", "UNTIL", "STAKE"],
      serving.map((s) => [s.operator, s.modes.map(modeLabel).join(","), formatTime(s.until), formatAmount(s.stake, currency)]),
    );
  });
}
