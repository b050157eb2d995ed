import type { Command } from "commander";
import { type Hex, formatUnits } from "viem";
import { getBlock, readContract } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import { requestInferenceSync } from "../actions/requestInferenceSync.js";
import { type WaitForResultReturnType, waitForResult } from "../actions/waitForResult.js";
import { modeLabel, modeNumber } from "../constants.js";
import { type Tensor, encodeTensorSet, tensorValues } from "../encoding/tensor.js";
import { withVerityErrors } from "../errors/decode.js";
import { DeadlinePassedError, DeadlineTooFarError, FeeTooLowError, type NoServingOperatorError } from "../errors/request.js";
import { IRIS_FEATURES, IRIS_MODEL_JSON_PATH, loadIrisModel, quantizeFeatures } from "../model/iris.js";
import { getIoSignature } from "../actions/getIoSignature.js";
import { predictLabels } from "./modelSignature.js";
import type { CliContext } from "./context.js";
import { CliError } from "./errors.js";
import { formatAmount, formatDuration, formatFields, formatTensor, formatTensorBytes, formatTime, toJson } from "./format.js";
import { inputFromFiles } from "./tensorFiles.js";
import type { Action } from "./action.js";
import { type ModeParamOptions, checkModeParamFlags, describeModeParams, modeParamsFromOptions, stakeCurrency } from "./modeParams.js";
import { parseAmount, parseBytes32, parseDeadline, parseDuration, parseHexBytes, parseMode, parseNumberList, parseVersion } from "./parse.js";

type InferOptions = ModeParamOptions & {
  version: string;
  input?: string;
  tensor?: string;
  inputFile?: string[];
  mode: string;
  requireServing?: boolean;
  fee?: string;
  deadline: string;
  wait?: boolean;
  timeout?: string;
  modelFile?: string;
};

export function registerInfer(program: Command, action: Action): void {
  program
    .command("infer")
    .description("request an inference (escrows the fee); prints the job id, and with --wait the result")
    .argument("<modelId>", "the model id (0x + 64 hex)")
    .requiredOption("--version <n>", "the model version")
    .option("--input <features>", "Iris features in cm, comma-separated (5.1,3.5,1.4,0.2), quantized with the model file's input scale (a value beyond int8 is refused)")
    .option("--tensor <hex>", "the input as canonical tensor bytes (one tensor or a set of named tensors) instead of --input")
    .option(
      "--input-file <[name=]path>",
      "the input from a NumPy .npy or a JSON {dtype, shape, values} file; name=path for each input of a model with several (repeatable)",
      collectFiles,
    )
    .option("--mode <mode>", "verification mode: tee, zk, quorum or optimistic", "tee")
    .option("--quorum-k <k>", "quorum: distinct staked operators that must sign the same output (1..32)")
    .option("--min-stake <amount>", "quorum: the least bonded stake of each signer, in the stake currency (default 0: any stake)")
    .option("--window <duration>", "optimistic: the challenge window, 10m..3d (1h, or seconds)")
    .option("--bond <amount>", "optimistic: the native-currency bond of the proposer and of a challenger (at least the game's minBond)")
    .option("--slash <amount>", "optimistic: stake a proposal locks, lost by a proposer proven wrong, in the stake currency (above zero)")
    .option("--fee <amount>", "total fee in the version's currency (default: twice the model fee, half of it rewarding the operator)")
    .option("--deadline <when>", "refundable after: a duration from now (10m, 2h; 30s..30d) or Unix seconds or an ISO date", "1h")
    .option("--require-serving", "refuse to request when no operator announces serving the version in the mode (default: warn and request)")
    .option("--wait", "wait for the result and print the output and predicted class")
    .option("--timeout <duration>", "with --wait: give up waiting after this long (default: at the deadline)")
    .option("--model-file <json>", "model file for --input's quantization", IRIS_MODEL_JSON_PATH)
    .action(action(infer));
}

async function infer(ctx: CliContext, [rawId]: string[], o: InferOptions): Promise<void> {
  const modelId = parseBytes32(rawId!, "model id");
  const version = parseVersion(o.version);
  const mode = parseMode(o.mode);
  checkModeParamFlags(mode, o);
  const given = [o.input, o.tensor, o.inputFile].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw new CliError("give the input with exactly one of --input <features>, --tensor <hex> or --input-file <[name=]path>.");
  }
  let input: Tensor | Hex | { tensors: Record<string, Tensor> };
  if (o.input !== undefined) {
    const model = loadIrisModel(ctx.resolvePath(o.modelFile ?? IRIS_MODEL_JSON_PATH));
    input = quantizeInput(parseNumberList(o.input, "--input"), model.inputScale);
  } else if (o.inputFile !== undefined) {
    input = inputFromFiles(o.inputFile, (p) => ctx.resolvePath(p));
  } else {
    input = parseHexBytes(o.tensor!, "--tensor");
  }
  const timeout = o.timeout === undefined ? undefined : Number(parseDuration(o.timeout, "--timeout")) * 1000;

  const [wallet, hub, { publicClient }] = await Promise.all([ctx.wallet(), ctx.hub(), ctx.connect()]);
  const params = await modeParamsFromOptions(ctx, mode, o);
  const [[feeToken, modelFee], block] = await withVerityErrors(() =>
    Promise.all([
      readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "requestTerms", args: [modelId, version] }),
      getBlock(publicClient, { blockTag: "latest" }),
    ]),
  );
  const currency = await ctx.currency(feeToken);
  const fee = o.fee === undefined ? modelFee * 2n : parseAmount(o.fee, currency.decimals, "--fee");
  // An idle node's latest block can be minutes old; the request's block is stamped with the clock.
  const now = maxBigInt(block.timestamp, BigInt(Math.floor(Date.now() / 1000)));
  const { deadline, capped } = parseDeadline(o.deadline, { now, chainTime: block.timestamp });
  if (capped) ctx.note(`note: --deadline ${o.deadline} is capped to ${formatTime(deadline)}, 30 days after the chain's latest block (the hub's limit)`);

  const spinner = ctx.spinner().start(`requesting an inference from model ${modelId.slice(0, 10)}… v${version} (${mode.toUpperCase()})`);
  let requested: Awaited<ReturnType<typeof requestInferenceSync>>;
  try {
    // The SDK checks everything the hub would before sending, and approves an ERC-20 fee when needed.
    // Before escrow: warn (or with --require-serving refuse) when no operator announces the version in this mode.
    const fromBlock = await ctx.fromBlock();
    const serving = o.requireServing ? "require" : "warn";
    const onWarning = (w: NoServingOperatorError) => ctx.note(`warning: ${w.shortMessage} A job requested now may wait unserved until its deadline; see \`verity model operators\`.`);
    requested = await requestInferenceSync(wallet, { hub, modelId, version, mode, params, input, fee, deadline, fromBlock, serving, onWarning });
    await ctx.confirm(requested.hash, "requestInference");
  } catch (err) {
    // The SDK speaks in base units and parameter names; say it in the currency and the CLI's options.
    if (err instanceof FeeTooLowError) {
      throw new CliError(`--fee ${formatAmount(err.offered, currency)} is below the model fee of ${formatAmount(err.minimum, currency)}.`, [
        `offer at least ${formatAmount(err.minimum, currency)}; what is above it (less the protocol share) rewards the operator`,
        `e.g. --fee ${formatUnits(err.minimum * 2n, currency.decimals)}`,
      ]);
    }
    if (err instanceof DeadlinePassedError) {
      throw new CliError(`--deadline ${formatTime(err.deadline)} is not in the future (chain time is ${formatTime(err.now)}).`, [
        "give a duration from now instead: --deadline 10m, 2h, 1d",
      ]);
    }
    if (err instanceof DeadlineTooFarError) {
      throw new CliError(`--deadline ${formatTime(deadline)} is too far: the hub accepts a deadline at most 30 days after the request's block.`, [
        "give a deadline from 30 seconds to 30 days from now, e.g. --deadline 7d",
      ]);
    }
    throw err;
  } finally {
    spinner.stop();
  }
  const { jobId, job } = requested;
  const summary = {
    jobId,
    modelId,
    version,
    mode: modeLabel(modeNumber(mode)),
    params: job.params,
    requester: job.requester,
    feeToken,
    fee,
    modelFee: job.modelFee,
    deadline: job.deadline,
    inputHash: job.inputHash,
    input: requested.input,
    transactionHash: requested.hash,
    blockNumber: requested.receipt.blockNumber,
    approvalHash: requested.approvalHash,
  };
  if (!ctx.json) {
    const paramsLine = params === 0n ? undefined : describeModeParams(job, await stakeCurrency(ctx));
    ctx.out(`job ${jobId}`);
    ctx.note(
      formatFields(
        [
          ["model", `${modelId} v${version}, ${summary.mode}`],
          ...(paramsLine ? ([["params", paramsLine]] as [string, string][]) : []),
          ["input", typeof input === "string" ? formatTensorBytes(input) : "tensors" in input ? formatTensorBytes(encodeTensorSet(input.tensors)) : formatTensor(input)],
          ["fee", `${formatAmount(fee, currency)} (model fee ${formatAmount(job.modelFee, currency)})`],
          ["deadline", `${formatTime(job.deadline)} (in ${formatDuration(job.deadline - now)})`],
          ["block", `${requested.receipt.blockNumber} (tx ${requested.hash})`],
          ...(requested.approvalHash ? ([["approval", requested.approvalHash]] as [string, string][]) : []),
        ],
        "  ",
      ),
    );
  }
  if (!o.wait) {
    if (ctx.json) ctx.out(toJson(summary));
    else ctx.note(`follow it with: verity job show ${jobId}   (or request with --wait)`);
    return;
  }

  // Chain time may run ahead of this clock (an idle chain's next block is stamped with it): count down in chain time.
  const skew = Number(now) - Math.floor(Date.now() / 1000);
  const result = await waitWithProgress(ctx, hub, jobId, job.deadline - BigInt(skew), timeout);
  const output = result.output;
  // Class labels come from the version's IO signature (read from chain data and checked against its hash).
  const signature = await getIoSignature(publicClient, { hub, modelId, version });
  const named = result.outputs ?? (output ? { [signature.outputs[0]!.name]: output } : {});
  const predictions = predictLabels(signature, named);
  const prediction = predictions.length === 1 ? { index: predictions[0]!.index, label: predictions[0]!.label } : undefined;
  const f = result.job.fulfillment!;
  ctx.result(
    {
      ...summary,
      status: "fulfilled",
      operator: result.operator,
      outputHash: result.outputHash,
      output: output ? jsonTensor(output) : undefined,
      outputs: result.outputs ? Object.fromEntries(Object.entries(result.outputs).map(([n, t]) => [n, jsonTensor(t)])) : undefined,
      outputURI: result.outputURI,
      prediction,
      predictions,
      fulfilledBlock: f.blockNumber,
      fulfillTransaction: f.transactionHash,
    },
    () =>
      [
        `job ${jobId} fulfilled by operator ${result.operator} in block ${f.blockNumber}`,
        formatFields(
          [
            ...(result.outputs
              ? Object.entries(result.outputs).map(([name, t]): [string, string] => [`output ${name}`, formatTensor(t)])
              : ([["output", output ? formatTensor(output) : `off chain at ${result.outputURI} (hash ${result.outputHash})`]] as [string, string][])),
            ...predictions.map((p): [string, string] => [
              predictions.length === 1 ? "class" : `class ${p.output}[${p.row}]`,
              `${p.label} (index ${p.index})`,
            ]),
          ],
          "  ",
        ),
        `check it with: verity job verify ${jobId}`,
      ].join("\n"),
  );
}

const maxBigInt = (a: bigint, b: bigint) => (a > b ? a : b);
const collectFiles = (value: string, previous: string[] = []) => [...previous, value];
/** A tensor for --json output: plain values (numbers, or decimal strings for 64-bit integers). */
const jsonTensor = (t: Tensor) => ({ dtype: t.dtype, shape: t.shape, values: tensorValues(t) });

const INT8_MIN = -128;
const INT8_MAX = 127;

/**
 * Iris features in cm, quantized to the model's int8 input: refuses a value that does not fit int8 at the model's
 * input scale (the quantizer would clamp it to -128 or 127, a different input from the one given).
 */
export function quantizeInput(features: readonly number[], inputScale: number, what = "--input"): Tensor {
  // The quantizer's own error for the wrong number of features.
  if (features.length !== IRIS_FEATURES.length) return quantizeFeatures(features, inputScale);
  const low = INT8_MIN / inputScale;
  const high = INT8_MAX / inputScale;
  features.forEach((v, i) => {
    const q = Math.sign(v) * Math.round(Math.abs(v * inputScale));
    if (q < INT8_MIN || q > INT8_MAX) {
      const name = IRIS_FEATURES[i] ?? `feature ${i + 1}`;
      throw new CliError(
        `${what} value ${v} (position ${i + 1} of ${features.length}, ${name}) is out of range: ` +
          `the model takes ${low} to ${high} cm (int8 ${INT8_MIN}..${INT8_MAX} at input scale ${inputScale}), and ${v} would be ${q}.`,
        ["give each feature in cm, e.g. 5.1,3.5,1.4,0.2; an input out of range would be clamped, not what you asked for"],
      );
    }
  });
  return quantizeFeatures(features, inputScale);
}

/**
 * Waits for the result with a spinner that shows the time spent and left (`deadline` on this machine's clock);
 * stops early on the abort signal.
 */
async function waitWithProgress(
  ctx: CliContext,
  hub: Hex,
  jobId: bigint,
  deadline: bigint,
  timeout: number | undefined,
): Promise<WaitForResultReturnType> {
  const { publicClient } = await ctx.connect();
  const started = Date.now();
  const spinner = ctx.spinner().start(`waiting for an operator to fulfil job ${jobId}`);
  const ticker = setInterval(() => {
    const left = Number(deadline) - Math.floor(Date.now() / 1000);
    spinner.update(
      `waiting for an operator to fulfil job ${jobId}: ${formatDuration((Date.now() - started) / 1000)}` +
        (left > 0 ? `, deadline in ${formatDuration(left)}` : ", deadline passed"),
    );
  }, 500);
  ticker.unref?.();
  const signal = ctx.io.signal;
  try {
    const waiting = waitForResult(publicClient, { hub, jobId, timeout, pollingInterval: publicClient.pollingInterval });
    if (!signal) return await waiting;
    return await new Promise<WaitForResultReturnType>((resolve, reject) => {
      const onAbort = () =>
        reject(new CliError(`stopped waiting; job ${jobId} is still pending.`, [`check on it later with \`verity job show ${jobId}\``]));
      if (signal.aborted) onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      waiting.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  } finally {
    clearInterval(ticker);
    spinner.stop();
  }
}
