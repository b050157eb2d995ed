import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { type Address, type Hex, isAddressEqual, parseEventLogs, zeroAddress } from "viem";
import { getContractEvents, getTransactionReceipt, readContract } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import { getModelVersion } from "../actions/getModelVersion.js";
import { getEnclaveKeyHistory } from "../actions/getEnclaveKeyHistory.js";
import { getJob } from "../actions/getJob.js";
import { describeJobEvent, getJobHistory } from "../actions/getJobHistory.js";
import { refund } from "../actions/refund.js";
import { verifyJob } from "../actions/verifyJob.js";
import { modeLabel } from "../constants.js";
import { withVerityErrors } from "../errors/decode.js";
import { predictClass } from "../model/iris.js";
import type { VerifyJobReport } from "../proofs/report.js";
import type { Job } from "../types.js";
import { attestationPolicy } from "../operator/attestation/claim.js";
import { readUri } from "../operator/fetchModel.js";
import { type CliContext, PACKAGE_ROOT } from "./context.js";
import { CliError, EXIT, describeError } from "./errors.js";
import { type Currency, formatAmount, formatDuration, formatFields, formatTensorBytes, formatTime, tryDecodeTensor } from "./format.js";
import type { Action } from "./action.js";
import { decodedModeParams, describeModeParams, stakeCurrency } from "./modeParams.js";
import { VERDICT_TEXT, formatAudit, formatChecks, partyOf, refundNextStep } from "./jobAudit.js";
import { parseJobId } from "./parse.js";

type VerifyOptions = { vkey?: string[]; nitroRoot?: string[]; tdxRoot?: string; allowDevelopment?: boolean };

const DEFAULT_VKEY = `${PACKAGE_ROOT}/circuits/build/verification_key.json`;
const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerJob(program: Command, action: Action): void {
  const job = program.command("job").description("inspect, verify and audit jobs");
  job.command("show").description("a job and its status").argument("<jobId>").action(action(show));
  job
    .command("verify")
    .description("re-check a job's result from chain data (verifyJob); exit 0 valid, 1 invalid, 3 pending, 4 could not check")
    .argument("<jobId>")
    .option("--vkey <file>", "ZK jobs: a verifying key (repeatable; default circuits/build/verification_key.json)", collect)
    .option("--nitro-root <pem>", "TEE jobs: also trust this AWS Nitro root certificate for the key's evidence (repeatable; the AWS root G1 always is)", collect)
    .option("--tdx-root <der>", "TEE jobs: the Intel root CA (DER) TDX evidence must chain to (default: Intel's SGX root CA)")
    .option("--allow-development", "TEE jobs: accept development evidence (the published, insecure development authority): local chains only")
    .action(action(verify, (ctx) => (ctx.errorExitCode = EXIT.unverifiable)));
  job
    .command("refund")
    .description("credit an expired job nobody served back to its requester (anyone may send it; the requester then runs `verity withdraw`)")
    .argument("<jobId>")
    .action(action(refundJob));
  job
    .command("audit")
    .description("a job's whole story from events (request, fee split, fulfilment, callbacks, refunds, withdrawals) and every verification check")
    .argument("<jobId>")
    .option("--vkey <file>", "ZK jobs: a verifying key (repeatable; default circuits/build/verification_key.json)", collect)
    .option("--nitro-root <pem>", "TEE jobs: also trust this AWS Nitro root certificate for the key's evidence (repeatable)", collect)
    .option("--tdx-root <der>", "TEE jobs: the Intel root CA (DER) TDX evidence must chain to")
    .option("--allow-development", "TEE jobs: accept development evidence: local chains only")
    .action(action(audit, (ctx) => (ctx.errorExitCode = EXIT.unverifiable)));
}

// ------------------------------------------------------------------------------------------------ refund

/**
 * `verity job refund <id>`: refused before anything is sent for a job that was served or refunded, or whose
 * deadline has not passed (by the later of the chain's and the clock's time: the next block's time is at least the
 * clock's on a node that mines on demand); else the hub credits the whole fee to the requester.
 */
async function refundJob(ctx: CliContext, [rawId]: string[]): Promise<void> {
  const jobId = parseJobId(rawId!);
  const { hub, job, currency } = await readJob(ctx, jobId);
  const j = job.job;
  if (job.status === "fulfilled") {
    throw new CliError(`job ${jobId} was served (block ${job.fulfillment?.blockNumber}): there is no fee to refund.`, [`\`verity job show ${jobId}\` shows its result`]);
  }
  if (job.status === "refunded") {
    throw new CliError(`job ${jobId} was already refunded: ${formatAmount(job.refund?.amount ?? j.fee, currency)} to ${j.requester}.`, [refundNextStep(j.requester, j.feeToken)]);
  }
  const now = [await ctx.chainTime(), BigInt(Math.floor(Date.now() / 1000))].reduce((a, b) => (a > b ? a : b));
  if (job.status === "pending" && now <= j.deadline) {
    throw new CliError(
      `job ${jobId} is open until its deadline, ${formatTime(j.deadline)} (in ${formatDuration(j.deadline - now + 1n)}): it can be refunded after that if nobody serves it.`,
      [`\`verity job show ${jobId}\` shows its status; an operator may still serve it before then`],
    );
  }
  const wallet = await ctx.wallet();
  const hash = await refund(wallet, { hub, jobId, job: j });
  const receipt = await ctx.confirm(hash, "refund");
  const [event] = parseEventLogs({ abi: inferenceHubAbi, eventName: "InferenceRefunded", logs: receipt.logs });
  const amount = event?.args.amount ?? j.fee;
  ctx.result(
    { jobId, requester: j.requester, token: j.feeToken, amount, transactionHash: hash, blockNumber: receipt.blockNumber },
    () => `refunded job ${jobId}: ${formatAmount(amount, currency)} credited to ${j.requester} (block ${receipt.blockNumber}, tx ${hash})`,
  );
  ctx.note(refundNextStep(j.requester, j.feeToken));
}

// ------------------------------------------------------------------------------------------------ show

async function show(ctx: CliContext, [rawId]: string[]): Promise<void> {
  const jobId = parseJobId(rawId!);
  const { job, currency } = await readJob(ctx, jobId);
  const output = tryDecodeTensor(job.fulfillment?.output);
  const prediction = irisPrediction(output);
  const modeParams = decodedModeParams(job.job);
  const paramsLine = modeParams === undefined ? undefined : describeModeParams(job.job, await stakeCurrency(ctx));
  ctx.result({ ...job, output, prediction, modeParams }, () => formatFields(jobFields(job, currency, prediction, paramsLine)));
  if (job.refund) ctx.note(refundNextStep(job.refund.requester, job.refund.feeToken));
}

/** What a requester does with a refund: it is credited at the hub, not sent; `verity withdraw` pays it out. */
function irisPrediction(output: ReturnType<typeof tryDecodeTensor>) {
  if (!output || output.dtype !== "int32" || output.shape.length !== 2 || output.shape[1] !== 3) return undefined;
  return predictClass(output);
}

async function readJob(ctx: CliContext, jobId: bigint) {
  const [hub, fromBlock, { publicClient }] = await Promise.all([ctx.hub(), ctx.fromBlock(), ctx.connect()]);
  const job = await getJob(publicClient, { hub, jobId, fromBlock });
  return { hub, job, currency: await ctx.currency(job.job.feeToken), fromBlock };
}

function jobFields(
  job: Job,
  currency: Currency,
  prediction: { label: string; index: number } | undefined,
  paramsLine?: string | undefined,
): [string, string][] {
  const j = job.job;
  const f = job.fulfillment;
  const r = job.refund;
  return [
    ["job", `${job.jobId}`],
    ["status", job.status],
    ["model", `${j.modelId} v${j.version}`],
    ["mode", modeLabel(j.mode)],
    ...(paramsLine ? ([["params", paramsLine]] as [string, string][]) : []),
    ["requester", j.requester],
    ["input", job.input ? formatTensorBytes(job.input) : `off chain at ${job.inputURI} (hash ${j.inputHash})`],
    ["input hash", j.inputHash],
    ["fee", `${formatAmount(j.fee, currency)} (model fee ${formatAmount(j.modelFee, currency)})`],
    ["deadline", `${formatTime(j.deadline)} (${j.deadline})`],
    ...(j.callback !== zeroAddress ? ([["callback", `${j.callback} (gas ${j.callbackGasLimit})`]] as [string, string][]) : []),
    ["requested", `block ${job.requested.blockNumber}, tx ${job.requested.transactionHash}`],
    ...(f
      ? ([
          ["operator", f.operator],
          ["output", f.output ? formatTensorBytes(f.output) : `off chain at ${f.outputURI}`],
          ...(prediction ? ([["class", `${prediction.label} (index ${prediction.index})`]] as [string, string][]) : []),
          ["output hash", f.outputHash],
          ["fulfilled", `block ${f.blockNumber}, tx ${f.transactionHash}`],
        ] as [string, string][])
      : []),
    ...(r ? ([["refunded", `${formatAmount(r.amount, currency)} to ${r.requester}, block ${r.blockNumber}, tx ${r.transactionHash}`]] as [string, string][]) : []),
  ];
}

// ------------------------------------------------------------------------------------------------ verify

/** How TEE keys' evidence is re-verified: the AWS Nitro root, the roots given, the development root if allowed. */
async function teePolicy(ctx: CliContext, o: VerifyOptions) {
  const read = async (file: string, flag: string) => {
    try {
      return await readFile(ctx.resolvePath(file));
    } catch (e) {
      throw new CliError(`cannot read ${flag} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
    }
  };
  const nitroRoots = await Promise.all((o.nitroRoot ?? []).map(async (f) => (await read(f, "--nitro-root")).toString("utf8")));
  const tdxRootCaDer = o.tdxRoot === undefined ? undefined : new Uint8Array(await read(o.tdxRoot, "--tdx-root"));
  return attestationPolicy({ nitroRoots, tdxRootCaDer, allowDevelopment: o.allowDevelopment === true });
}

async function runVerify(ctx: CliContext, hub: Address, jobId: bigint, fromBlock: bigint, o: VerifyOptions) {
  const { publicClient } = await ctx.connect();
  const vkeys = o.vkey;
  const files = vkeys?.map((f) => ctx.resolvePath(f)) ?? (existsSync(DEFAULT_VKEY) ? [DEFAULT_VKEY] : []);
  const attestation = await teePolicy(ctx, o);
  const spinner = ctx.spinner().start(`verifying job ${jobId}`);
  try {
    return await verifyJob(publicClient, {
      hub,
      jobId,
      fromBlock,
      confirmations: BigInt(ctx.confirmations),
      // TEE jobs: the key's evidence, fetched by its URI (file:, http(s):, data:) and re-verified with this policy.
      attestation,
      fetchEvidence: (uri: string) => readUri(uri, { baseDir: ctx.cwd }),
      // Read only when the job is a ZK job (the loader is called with the version's key hash).
      zkVerifyingKeys: async ({ verifyingKeyHash }: { verifyingKeyHash: Hex }) => {
        if (files.length === 0) return undefined;
        const { zkVerifyingKeysFromFiles } = await import("../prover/keys.js");
        const keys = zkVerifyingKeysFromFiles(...files);
        return keys[verifyingKeyHash.toLowerCase() as Hex];
      },
    });
  } finally {
    spinner.stop();
  }
}

function verdictExitCode(report: VerifyJobReport): number {
  return report.verdict === "valid" ? EXIT.ok : report.verdict === "pending" ? EXIT.pending : EXIT.failure;
}

async function verify(ctx: CliContext, [rawId]: string[], o: VerifyOptions): Promise<void> {
  const jobId = parseJobId(rawId!);
  const [hub, fromBlock] = await Promise.all([ctx.hub(), ctx.fromBlock()]);
  const report = await runVerify(ctx, hub, jobId, fromBlock, o);
  ctx.result(report, () => [`job ${jobId}: ${VERDICT_TEXT[report.verdict]}`, formatChecks(report)].join("\n"));
  ctx.exitCode = verdictExitCode(report);
}

// ------------------------------------------------------------------------------------------------ audit

async function audit(ctx: CliContext, [rawId]: string[], o: VerifyOptions): Promise<void> {
  const jobId = parseJobId(rawId!);
  const { hub, job, currency, fromBlock } = await readJob(ctx, jobId);
  const { publicClient } = await ctx.connect();
  const j = job.job;
  const from = job.requested.blockNumber;
  const range = { address: hub, abi: inferenceHubAbi, fromBlock: from, toBlock: "latest", strict: true } as const;
  const f = job.fulfillment;
  const parties = [j.requester, ...(f ? [f.operator] : [])];

  const [[modelOwner, modelName], version, treasury, history, withdrawals, modelWithdrawals] =
    await withVerityErrors(() =>
      Promise.all([
        readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "getModel", args: [j.modelId] }),
        getModelVersion(publicClient, { hub, modelId: j.modelId, version: j.version }),
        readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "treasury" }),
        // The job's own events (request, the mode's steps, fulfilment, credits, callback failures, refund), timed.
        getJobHistory(publicClient, { hub, jobId, fromBlock }),
        getContractEvents(publicClient, { ...range, eventName: "Withdrawn", args: { account: parties, token: j.feeToken } }),
        getContractEvents(publicClient, { ...range, eventName: "ModelEarningsWithdrawn", args: { modelId: j.modelId, token: j.feeToken } }),
      ]),
    );
  const fulfillReceipt = f ? await withVerityErrors(() => getTransactionReceipt(publicClient, { hash: f.transactionHash })) : undefined;
  const timeOf = (kind: string) => history.events.find((e) => e.kind === kind)?.timestamp;
  const callbackFailures = history.events.filter((e) => e.kind === "callbackFailed");

  // The hub's split (InferenceHub._distributeFee): model fee to the model, protocolFeeBps of the rest to the
  // treasury, the remainder to the operator(s).
  const split = history.feeSplit;

  let report: VerifyJobReport | undefined;
  let verifyError: string | undefined;
  try {
    report = await runVerify(ctx, hub, jobId, fromBlock, o);
  } catch (err) {
    verifyError = describeError(err, false).join(" ").replace(/^error: /, "");
  }
  const output = tryDecodeTensor(f?.output);
  const prediction = irisPrediction(output);
  // OPTIMISTIC: the dispute at the job's game, as verifyJob read it (commitment, proposal, challenge, resolution,
  // expiry, finality, payouts).
  const dispute = report && "optimistic" in report ? report.optimistic : undefined;
  const disputeParties = dispute
    ? [dispute.proposal?.proposer, dispute.challenge?.challenger, dispute.resolution?.resolver].filter(
        (a): a is Address => a !== undefined && !parties.some((p) => isAddressEqual(p, a)),
      )
    : [];
  // Bonds are native-currency credits at the hub: the dispute's parties' native withdrawals too.
  const disputeWithdrawals = dispute
    ? await withVerityErrors(() =>
        getContractEvents(publicClient, { ...range, eventName: "Withdrawn", args: { account: [...parties, ...disputeParties], token: zeroAddress } }),
      )
    : [];

  // TEE: the whole story of the enclave key that signed the result (registration, attestations, revocation, ...).
  const enclaveKey =
    report?.enclaveKey !== undefined
      ? await getEnclaveKeyHistory(publicClient, { enclaveRegistry: j.verifier, key: report.enclaveKey, fromBlock })
      : undefined;

  const story = {
    jobId,
    status: job.status,
    hub,
    request: {
      requester: j.requester,
      modelId: j.modelId,
      modelName,
      modelOwner,
      version: j.version,
      artifactHash: version.artifactHash,
      uri: version.uri,
      mode: modeLabel(j.mode),
      input: job.input,
      inputURI: job.inputURI,
      inputHash: j.inputHash,
      inputTensor: tryDecodeTensor(job.input),
      feeToken: j.feeToken,
      fee: j.fee,
      feeSplit: split,
      deadline: j.deadline,
      callback: j.callback === zeroAddress ? undefined : { address: j.callback, gasLimit: j.callbackGasLimit },
      blockNumber: job.requested.blockNumber,
      timestamp: timeOf("requested")!,
      transactionHash: job.requested.transactionHash,
    },
    fulfillment: f
      ? {
          operator: f.operator,
          operators: history.operators,
          outputHash: f.outputHash,
          output: f.output,
          outputURI: f.outputURI,
          outputTensor: output,
          prediction,
          blockNumber: f.blockNumber,
          timestamp: timeOf("fulfilled"),
          transactionHash: f.transactionHash,
          gasUsed: fulfillReceipt?.gasUsed,
        }
      : undefined,
    callbackFailures: callbackFailures.map((l) => ({ callback: l.args.callback as Address, reason: l.args.reason as Hex, blockNumber: l.blockNumber, transactionHash: l.transactionHash })),
    refund: job.refund,
    timeline: history.events.map((e) => ({ kind: e.kind, what: describeJobEvent(e, j.feeToken), blockNumber: e.blockNumber, timestamp: e.timestamp, from: e.from, transactionHash: e.transactionHash })),
    dispute,
    enclaveKey,
    withdrawals: [
      ...[...withdrawals, ...(j.feeToken === zeroAddress ? disputeWithdrawals.filter((d) => !withdrawals.some((w) => w.transactionHash === d.transactionHash && w.logIndex === d.logIndex)) : disputeWithdrawals)].map((l) => ({
        kind: partyOf(l.args.account, j.requester, f?.operator, dispute),
        account: l.args.account,
        amount: l.args.amount,
        token: l.args.token,
        blockNumber: l.blockNumber,
        transactionHash: l.transactionHash,
      })),
      ...modelWithdrawals.map((l) => ({ kind: "model owner", account: l.args.owner, amount: l.args.amount, token: l.args.token, blockNumber: l.blockNumber, transactionHash: l.transactionHash })),
    ].sort((a, b) => Number(a.blockNumber - b.blockNumber)),
    treasury,
    verification: report ?? { error: verifyError },
  };
  ctx.exitCode = report ? verdictExitCode(report) : EXIT.unverifiable;
  const stake = dispute || enclaveKey ? await stakeCurrency(ctx) : currency;
  ctx.result(story, () => formatAudit(story, currency, stake));
}
