import type { Command } from "commander";
import { type Abi, type Address, type Hash, type Hex, encodeFunctionData, isHex, keccak256, toHex, zeroAddress, zeroHash } from "viem";
import { getBlock, getContractEvents, readContract, writeContract } from "viem/actions";
import { attestorCommitteeAbi, enclaveRegistryAbi, inferenceHubAbi, operatorRegistryAbi, verityTimelockAbi } from "../abis.js";
import { DEVELOPMENT_MEASUREMENT } from "../attestation/constants.js";
import { MAX_MODE, MEASUREMENT_STATUSES, VerityMode, modeLabel } from "../constants.js";
import { withVerityErrors } from "../errors/decode.js";
import type { CliContext } from "./context.js";
import type { Action } from "./action.js";
import { CliError } from "./errors.js";
import { formatFields, formatTime } from "./format.js";
import { parseAddress, parseInteger, parseLabelOrBytes32, parseTee, teeLabel } from "./parse.js";

/**
 * `verity governance ...`: the governance calls of the hub, the enclave registry and its attestor committee. When the contract's owner is
 * a TimelockController (the Ignition deployment's `VerityTimelock`: its `getMinDelay()` answers), the call is
 * scheduled through it (the key must be a proposer) and the command prints the operation id and the earliest time it
 * can run; `verity governance execute <operationId>` runs it once it is ready (anyone, when the executor role is
 * open). With a plain owner, the call is sent directly (the key must be the owner). A timelock with a zero delay runs
 * the call at once: scheduled, then executed.
 */
export function registerGovernance(program: Command, action: Action): void {
  const governance = program
    .command("governance")
    .description("governance of the hub, the enclave registry and the attestor committee: sent by the owner, or scheduled through its timelock");
  governance
    .command("approve-measurement")
    .description("approve an enclave code measurement for a TEE type, so keys can be registered on it (scheduled when a timelock owns the enclave registry)")
    .argument("<measurement>", "nitroMeasurement(PCR0..2) or tdxMeasurement(MRTD, RTMR0..3): 32 bytes of hex (the claim's), or a label whose keccak256 it is")
    .option("--tee <type>", "the measurement's TEE type: nitro or tdx (default nitro)")
    .action(action(measurementAction("approve")));
  governance
    .command("revoke-measurement")
    .description("revoke a measurement: every enclave key on it stops counting (scheduled when a timelock owns the enclave registry)")
    .argument("<measurement>", "32 bytes of hex, or a label whose keccak256 is the measurement")
    .action(action(measurementAction("revoke")));
  const attestor = governance.command("attestor").description("the attestor committee's members (scheduled when a timelock owns the committee)");
  for (const kind of ["add", "remove"] as const) {
    attestor
      .command(kind)
      .description(kind === "add" ? "add an attestor to the committee that vouches for enclave evidence" : "remove an attestor from the committee")
      .argument("<address>", "the attestor's address")
      .option("--committee <address>", "the AttestorCommittee (default: the enclave registry's attestation verifier for --tee)")
      .option("--tee <type>", "whose committee, by TEE type: nitro or tdx (default nitro)")
      .action(action(attestorAction(kind)));
  }
  governance
    .command("attestor-threshold")
    .description("set how many attestors must sign an enclave key's attestation (scheduled when a timelock owns the committee)")
    .argument("<k>", "1 .. the number of attestors")
    .option("--committee <address>", "the AttestorCommittee (default: the enclave registry's attestation verifier for --tee)")
    .option("--tee <type>", "whose committee, by TEE type: nitro or tdx (default nitro)")
    .action(action(setThreshold));
  governance
    .command("set-verifier")
    .description("set the verifier of a mode for jobs requested from now on (ZK, OPTIMISTIC, or above; scheduled when a timelock owns the hub)")
    .argument("<mode>", "zk, optimistic, or a mode number")
    .argument("<verifier>", "the verifier's address (0x000…0 disables the mode)")
    .action(action(setVerifier));
  governance
    .command("execute")
    .description("execute a governance call scheduled through the timelock once its delay has passed")
    .argument("<operationId>", "the operation id printed when the call was scheduled")
    .action(action(execute));
}

/** A governance call: the contract, its ABI, the function and its arguments, and what it does in words. */
type GovernanceCall = { target: Address; abi: Abi; functionName: string; args: readonly unknown[]; what: string; data?: Record<string, unknown> };

function measurementAction(kind: "approve" | "revoke") {
  return async (ctx: CliContext, [raw]: string[], o: { tee?: string }): Promise<void> => {
    const measurement = parseLabelOrBytes32(raw!, "measurement");
    const tee = parseTee(o.tee ?? "nitro");
    const [enclaveRegistry, { publicClient }] = await Promise.all([ctx.enclaveRegistry(), ctx.connect()]);
    const [status, teeType] = await withVerityErrors(() =>
      readContract(publicClient, { address: enclaveRegistry, abi: enclaveRegistryAbi, functionName: "getMeasurement", args: [measurement] }),
    );
    const current = MEASUREMENT_STATUSES[status] ?? "unknown";
    // Refused here: a timelocked call that reverts only when it is executed, days later, helps no one.
    if (kind === "approve" && current !== "unknown") {
      throw new CliError(`measurement ${measurement} is already ${current}${current === "approved" ? ` (for ${teeLabel(teeType)})` : ": revocation is final"}.`);
    }
    if (kind === "revoke" && current !== "approved") throw new CliError(`measurement ${measurement} is ${current}: only an approved measurement can be revoked.`);
    const warning =
      kind === "approve" && measurement === DEVELOPMENT_MEASUREMENT
        ? "this is DEVELOPMENT_MEASUREMENT, the published development enclave: anyone can forge its evidence; approve it on local chains only"
        : undefined;
    if (warning) ctx.note(`warning: ${warning}`);
    const label = `measurement ${measurement}${raw!.startsWith("0x") ? "" : ` (keccak256 of "${raw}")`}`;
    await govern(ctx, {
      target: enclaveRegistry,
      abi: enclaveRegistryAbi,
      functionName: kind === "approve" ? "approveMeasurement" : "revokeMeasurement",
      args: kind === "approve" ? [measurement, tee.teeType] : [measurement],
      what: `${label} ${kind === "approve" ? `approved for ${tee.label}` : "revoked"} on enclave registry ${enclaveRegistry}`,
      data: {
        measurement,
        status: kind === "approve" ? "approved" : "revoked",
        enclaveRegistry,
        ...(kind === "approve" ? { teeType: tee.teeType } : {}),
        ...(warning ? { warning } : {}),
      },
    });
  };
}

/** The committee to govern: --committee, else the enclave registry's attestation verifier for --tee. */
async function committeeOf(ctx: CliContext, o: { committee?: string; tee?: string }) {
  const { publicClient } = await ctx.connect();
  let committee: Address;
  if (o.committee !== undefined) committee = parseAddress(o.committee, "--committee");
  else {
    const tee = parseTee(o.tee ?? "nitro");
    const enclaveRegistry = await ctx.enclaveRegistry();
    committee = await withVerityErrors(() =>
      readContract(publicClient, { address: enclaveRegistry, abi: enclaveRegistryAbi, functionName: "attestationVerifier", args: [tee.teeType] }),
    );
    if (committee === zeroAddress) throw new CliError(`enclave registry ${enclaveRegistry} has no attestation verifier for ${tee.label}.`, ["pass --committee <address>"]);
  }
  const at = { address: committee, abi: attestorCommitteeAbi } as const;
  const read = await Promise.all([
    readContract(publicClient, { ...at, functionName: "threshold" }),
    readContract(publicClient, { ...at, functionName: "attestors" }),
  ]).catch(() => undefined);
  if (!read) throw new CliError(`${committee} is not an AttestorCommittee (it does not answer threshold() and attestors()).`, ["pass the committee's address with --committee"]);
  const [threshold, attestors] = read;
  return { committee, threshold, attestors };
}

function attestorAction(kind: "add" | "remove") {
  return async (ctx: CliContext, [raw]: string[], o: { committee?: string; tee?: string }): Promise<void> => {
    const attestor = parseAddress(raw!, "<address>");
    const { committee, threshold, attestors } = await committeeOf(ctx, o);
    const member = attestors.some((a) => a.toLowerCase() === attestor.toLowerCase());
    if (kind === "add" && member) throw new CliError(`${attestor} is already an attestor of committee ${committee}.`);
    if (kind === "remove" && !member) throw new CliError(`${attestor} is not an attestor of committee ${committee}.`);
    if (kind === "remove" && BigInt(attestors.length - 1) < threshold) {
      throw new CliError(`removing ${attestor} would leave ${attestors.length - 1} attestor(s), fewer than the threshold of ${threshold}: no key could be registered.`, [
        `lower the threshold first (verity governance attestor-threshold ${attestors.length - 1}), or add another attestor`,
      ]);
    }
    await govern(ctx, {
      target: committee,
      abi: attestorCommitteeAbi,
      functionName: "setAttestor",
      args: [attestor, kind === "add"],
      what: `attestor ${attestor} ${kind === "add" ? "added to" : "removed from"} committee ${committee} (${kind === "add" ? attestors.length + 1 : attestors.length - 1} attestors, threshold ${threshold})`,
      data: { committee, attestor, status: kind === "add" ? "added" : "removed" },
    });
  };
}

async function setThreshold(ctx: CliContext, [raw]: string[], o: { committee?: string; tee?: string }): Promise<void> {
  const { committee, threshold, attestors } = await committeeOf(ctx, o);
  const k = parseInteger(raw!, "<k>", { min: 1, max: Math.max(1, attestors.length) });
  if (BigInt(k) === threshold) throw new CliError(`committee ${committee}'s threshold is already ${k}.`);
  await govern(ctx, {
    target: committee,
    abi: attestorCommitteeAbi,
    functionName: "setThreshold",
    args: [BigInt(k)],
    what: `committee ${committee}'s threshold set to ${k} of ${attestors.length} attestors (was ${threshold})`,
    data: { committee, threshold: k, previous: threshold, status: "set" },
  });
}

async function setVerifier(ctx: CliContext, [rawMode, rawVerifier]: string[]): Promise<void> {
  const mode = /^\d+$/.test(rawMode!) ? Number(rawMode) : (VerityMode as Record<string, number | undefined>)[rawMode!.toLowerCase()];
  if (mode === undefined) throw new CliError(`<mode> "${rawMode}" is not a mode: give zk, optimistic or a mode number.`);
  if (!Number.isInteger(mode) || mode < 0 || mode > 255) throw new CliError(`<mode> ${rawMode} is outside 0..255.`);
  const verifier = parseAddress(rawVerifier!, "<verifier>");
  const hub = await ctx.hub();
  await govern(ctx, {
    target: hub,
    abi: inferenceHubAbi,
    functionName: "setVerifier",
    args: [mode, verifier],
    what: `the verifier of mode ${mode <= MAX_MODE ? modeLabel(mode) : mode} set to ${verifier} on hub ${hub} (jobs requested from now on)`,
    data: { hub, mode, verifier },
  });
}

/** The timelock's minimum delay, or undefined when `owner` is not a timelock (its `getMinDelay` call fails). */
async function timelockDelay(ctx: CliContext, owner: Address): Promise<bigint | undefined> {
  const { publicClient } = await ctx.connect();
  try {
    return await readContract(publicClient, { address: owner, abi: verityTimelockAbi, functionName: "getMinDelay" });
  } catch {
    return undefined;
  }
}

/** Sends `call` as the owner, or schedules it through the owning timelock (and executes it at once at a zero delay). */
async function govern(ctx: CliContext, call: GovernanceCall): Promise<void> {
  const [wallet, { publicClient }] = await Promise.all([ctx.wallet(), ctx.connect()]);
  const owner = await withVerityErrors(() =>
    readContract(publicClient, { address: call.target, abi: operatorRegistryAbi, functionName: "owner" }),
  );
  const delay = await timelockDelay(ctx, owner);
  if (delay === undefined) {
    const hash = await withVerityErrors(() =>
      writeContract(wallet, { address: call.target, abi: call.abi, functionName: call.functionName, args: call.args }),
    );
    const receipt = await ctx.confirm(hash, call.functionName);
    ctx.result({ ...call.data, status: call.data?.status ?? "done", transactionHash: hash, blockNumber: receipt.blockNumber }, () =>
      `${call.what} (block ${receipt.blockNumber}, tx ${hash})`,
    );
    return;
  }

  // Through the timelock: a fresh salt, so the same call can be scheduled again later.
  const data = encodeFunctionData({ abi: call.abi, functionName: call.functionName, args: call.args });
  const salt = keccak256(toHex(`${call.functionName} ${data} ${Date.now()} ${Math.random()}`));
  const schedule = await withVerityErrors(() =>
    writeContract(wallet, { address: owner, abi: verityTimelockAbi, functionName: "schedule", args: [call.target, 0n, data, zeroHash, salt, delay] }),
  );
  const receipt = await ctx.confirm(schedule, "schedule");
  const operationId = await withVerityErrors(() =>
    readContract(publicClient, { address: owner, abi: verityTimelockAbi, functionName: "hashOperation", args: [call.target, 0n, data, zeroHash, salt] }),
  );
  const readyAt = await withVerityErrors(() =>
    readContract(publicClient, { address: owner, abi: verityTimelockAbi, functionName: "getTimestamp", args: [operationId] }),
  );
  let executed: { transactionHash: Hash; blockNumber: bigint } | undefined;
  if (delay === 0n) executed = await runOperation(ctx, owner, operationId);
  ctx.result(
    {
      ...call.data,
      status: executed ? call.data?.status ?? "done" : "scheduled",
      timelock: owner,
      operationId,
      target: call.target,
      calldata: data,
      salt,
      delay,
      readyAt,
      scheduleTransactionHash: schedule,
      scheduleBlockNumber: receipt.blockNumber,
      ...(executed ? { transactionHash: executed.transactionHash, blockNumber: executed.blockNumber } : {}),
    },
    () =>
      executed
        ? `${call.what}: scheduled through timelock ${owner} (operation ${operationId}, zero delay) and executed (block ${executed.blockNumber}, tx ${executed.transactionHash})`
        : [
            `scheduled through timelock ${owner} (the owner): ${call.what} once executed`,
            formatFields(
              [
                ["operation", operationId],
                ["delay", `${delay} s`],
                ["earliest execution", `${formatTime(readyAt)} (${readyAt})`],
                ["scheduled", `block ${receipt.blockNumber}, tx ${schedule}`],
                ["then", `verity governance execute ${operationId}`],
              ],
              "  ",
            ),
          ].join("\n"),
  );
}

/** The operation's scheduled calls (from the timelock's `CallScheduled` and `CallSalt` events), executed. */
async function runOperation(ctx: CliContext, timelock: Address, operationId: Hex): Promise<{ transactionHash: Hash; blockNumber: bigint }> {
  const [wallet, { publicClient }] = await Promise.all([ctx.wallet(), ctx.connect()]);
  const range = { address: timelock, abi: verityTimelockAbi, args: { id: operationId }, fromBlock: 0n, toBlock: "latest", strict: true } as const;
  const [scheduled, salts] = await withVerityErrors(() =>
    Promise.all([
      getContractEvents(publicClient, { ...range, eventName: "CallScheduled" }),
      getContractEvents(publicClient, { ...range, eventName: "CallSalt" }),
    ]),
  );
  if (scheduled.length === 0) {
    throw new CliError(`timelock ${timelock} has no scheduled operation ${operationId}.`, ["give the operation id printed when the call was scheduled"]);
  }
  const calls = [...scheduled].sort((a, b) => Number(a.args.index - b.args.index));
  const salt = salts.at(-1)?.args.salt ?? zeroHash;
  const { predecessor } = calls[0]!.args;
  const [ready, done, readyAt, block] = await withVerityErrors(() =>
    Promise.all([
      readContract(publicClient, { address: timelock, abi: verityTimelockAbi, functionName: "isOperationReady", args: [operationId] }),
      readContract(publicClient, { address: timelock, abi: verityTimelockAbi, functionName: "isOperationDone", args: [operationId] }),
      readContract(publicClient, { address: timelock, abi: verityTimelockAbi, functionName: "getTimestamp", args: [operationId] }),
      getBlock(publicClient, { blockTag: "latest" }),
    ]),
  );
  if (done) throw new CliError(`operation ${operationId} was already executed.`);
  if (!ready) {
    throw new CliError(
      readyAt === 0n
        ? `operation ${operationId} was cancelled.`
        : `operation ${operationId} is not ready: it can be executed from ${formatTime(readyAt)} (${readyAt}); chain time is ${block.timestamp}.`,
    );
  }
  const hash = await withVerityErrors(() =>
    calls.length === 1
      ? writeContract(wallet, {
          address: timelock,
          abi: verityTimelockAbi,
          functionName: "execute",
          args: [calls[0]!.args.target, calls[0]!.args.value, calls[0]!.args.data, predecessor, salt],
        })
      : writeContract(wallet, {
          address: timelock,
          abi: verityTimelockAbi,
          functionName: "executeBatch",
          args: [calls.map((c) => c.args.target), calls.map((c) => c.args.value), calls.map((c) => c.args.data), predecessor, salt],
        }),
  );
  const receipt = await ctx.confirm(hash, "execute");
  return { transactionHash: hash, blockNumber: receipt.blockNumber };
}

async function execute(ctx: CliContext, [rawId]: string[]): Promise<void> {
  if (!rawId || !isHex(rawId) || rawId.length !== 66) throw new CliError(`<operationId> "${rawId}" is not 32 bytes of hex.`);
  const operationId = rawId as Hex;
  // The timelock that owns the hub (the Ignition deployment's), else the registry's.
  const hub = await ctx.hub();
  const { publicClient } = await ctx.connect();
  const owners = await withVerityErrors(() =>
    Promise.all([
      readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "owner" }),
      ctx.operatorRegistry().then((r) => readContract(publicClient, { address: r, abi: operatorRegistryAbi, functionName: "owner" })),
      ctx.enclaveRegistry().then((r) => readContract(publicClient, { address: r, abi: enclaveRegistryAbi, functionName: "owner" })),
    ]),
  );
  let timelock: Address | undefined;
  for (const owner of owners) if ((await timelockDelay(ctx, owner)) !== undefined) timelock ??= owner;
  if (!timelock) throw new CliError("neither the hub nor the registries are owned by a timelock: there is nothing to execute.");
  const executed = await runOperation(ctx, timelock, operationId);
  ctx.result({ operationId, timelock, status: "executed", ...executed }, () =>
    `operation ${operationId} executed through timelock ${timelock} (block ${executed.blockNumber}, tx ${executed.transactionHash})`,
  );
}
