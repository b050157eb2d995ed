import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { type Address, type Hex, getAddress, numberToHex, pad, toHex } from "viem";
import { decodeTensor, encodeTensor } from "../encoding/tensor.js";
import { IRIS_MODEL_JSON_PATH, loadIrisModel, predictClass } from "../model/iris.js";
import { quantizeInput } from "./infer.js";
import { type CliContext, PACKAGE_ROOT } from "./context.js";
import { CliError, EXIT } from "./errors.js";
import { formatDuration, formatFields, formatTensor, toJson } from "./format.js";
import type { Action } from "./action.js";
import { parseAddress, parseHexBytes, parseJobId, parseNumberList } from "./parse.js";

const BUILD_DIR = path.join(PACKAGE_ROOT, "circuits", "build");
const DEFAULT_VKEY = path.join(BUILD_DIR, "verification_key.json");

export function registerZk(program: Command, action: Action): void {
  const zk = program.command("zk").description("the ZK circuit of the reference model: setup, prove, verify (no chain needed)");
  zk.command("setup")
    .description("compile the circuit, run the Groth16 setup, write circuits/build/ and the Solidity verifier (minutes)")
    .option("--ptau <file>", "a prepared Powers of Tau file from a public ceremony (default: generate one locally)")
    .option("--fresh-ptau", "generate new local Powers of Tau even if circuits/build/ptau/ holds one")
    .action(action(setup));
  zk.command("prove")
    .description("run the model in the circuit and print the Groth16 proof, bound to a job and its submitter, as JSON")
    .requiredOption("--job-id <id>", "the hub's job id the proof is for")
    .option("--submitter <address>", "the account that will send the proof to the hub (default: the --key account)")
    .option("--input <features>", "Iris features in cm, comma-separated (5.1,3.5,1.4,0.2)")
    .option("--tensor <hex>", "the input as canonical int8 [1,4] tensor bytes instead of --input")
    .option("--weights <json>", "the model file", IRIS_MODEL_JSON_PATH)
    .option("--artifacts <dir>", "folder of the circuit's wasm and zkey", BUILD_DIR)
    .option("--out <file>", "write the proof JSON to this file instead of stdout")
    .action(action(prove));
  zk.command("verify")
    .description("verify a proof file from `zk prove` against the verifying key; exit 0 valid, 1 invalid")
    .argument("<proof.json>")
    .option("--vkey <file>", "the verifying key", DEFAULT_VKEY)
    .action(action(verify));
}

async function setup(ctx: CliContext, _args: string[], o: { ptau?: string; freshPtau?: boolean }): Promise<void> {
  const { readPtauHeader, runZkSetup } = await import("../prover/setup.js");
  const ptau = o.ptau === undefined ? undefined : ctx.resolvePath(o.ptau);
  // Check a given file before the circuit is compiled, so a wrong path fails at once.
  if (ptau) await readPtauHeader(ptau);
  const spinner = ctx.spinner();
  const started = Date.now();
  let current = "";
  let stepStart = Date.now();
  const ticker = setInterval(() => spinner.update(`${current} (${formatDuration((Date.now() - stepStart) / 1000)})`), 500);
  ticker.unref?.();
  try {
    const manifest = await runZkSetup({
      root: PACKAGE_ROOT,
      ...(ptau ? { ptau } : {}),
      freshPtau: o.freshPtau === true,
      onProgress: (e) => {
        if (e.status === "start") {
          current = e.step;
          stepStart = Date.now();
          spinner.start(e.step);
        } else {
          spinner.stop(`${e.step}: done in ${(e.elapsedMs / 1000).toFixed(1)} s${e.detail ? ` (${e.detail})` : ""}`);
        }
      },
    });
    ctx.result(manifest, () =>
      [
        `ZK setup done in ${formatDuration((Date.now() - started) / 1000)}`,
        formatFields(
          [
            ["circuit", `${manifest.source.path} (${manifest.constraints} constraints)`],
            ["ptau", `2^${manifest.ptau.power}, ${manifest.ptau.source}`],
            ["verifier", `${manifest.verifier.path} (contract ${manifest.verifier.contract})`],
            ["vkey hash", manifest.verificationKey.vkeyHash],
          ],
          "  ",
        ),
      ].join("\n"),
    );
  } finally {
    clearInterval(ticker);
    spinner.stop();
    await releaseWorkers();
  }
}

async function releaseWorkers(): Promise<void> {
  const { releaseZkWorkers } = await import("../proofs/zk.js");
  await releaseZkWorkers();
}

type ProveOptions = {
  jobId: string;
  submitter?: string;
  input?: string;
  tensor?: string;
  weights: string;
  artifacts: string;
  out?: string;
};

async function prove(ctx: CliContext, _args: string[], o: ProveOptions): Promise<void> {
  if ((o.input === undefined) === (o.tensor === undefined)) {
    throw new CliError("give the input with exactly one of --input <features> or --tensor <hex>.");
  }
  const jobId = parseJobId(o.jobId);
  const submitter = submitterFor(ctx, o.submitter);
  const model = loadIrisModel(ctx.resolvePath(o.weights));
  const input = o.input !== undefined ? quantizeInput(parseNumberList(o.input, "--input"), model.inputScale) : decodeTensor(parseHexBytes(o.tensor!, "--tensor"));
  const dir = ctx.resolvePath(o.artifacts);
  const wasm = path.join(dir, "mlp_4_8_3.wasm");
  const zkey = path.join(dir, "mlp_4_8_3.zkey");
  for (const f of [wasm, zkey]) {
    if (!existsSync(f)) throw new CliError(`the circuit artifact ${f} does not exist.`, ["create it with `verity zk setup` (or `npm run zk:setup`)"]);
  }
  const { proveMlp } = await import("../prover/prove.js");
  const spinner = ctx.spinner().start("proving");
  const started = Date.now();
  try {
    const r = await proveMlp({ weights: model.weights, input, artifacts: { wasm, zkey }, jobId, submitter });
    spinner.stop();
    const prediction = predictClass(r.output);
    const file = {
      proof: r.proof,
      publicSignals: r.publicSignals.map(String),
      commitment: numberToHex(r.commitment, { size: 32 }),
      jobId: jobId.toString(),
      submitter,
      input: encodeTensor(input),
      output: encodeTensor(r.output),
      outputValues: Array.from(r.output.values as ArrayLike<number | bigint>, String),
      prediction: prediction.label,
    };
    if (o.out !== undefined) {
      await writeFile(ctx.resolvePath(o.out), `${toJson(file)}\n`);
      ctx.result({ ...file, file: ctx.resolvePath(o.out) }, () => `proof written to ${o.out}`);
    } else {
      ctx.out(toJson(file));
    }
    ctx.note(
      formatFields(
        [
          ["input", formatTensor(input)],
          ["output", formatTensor(r.output)],
          ["class", prediction.label],
          ["commitment", file.commitment],
          ["job", `${jobId}, submitted by ${submitter}`],
          ["proved in", `${((Date.now() - started) / 1000).toFixed(1)} s`],
        ],
        "  ",
      ),
    );
  } finally {
    spinner.stop();
    await releaseWorkers();
  }
}

async function verify(ctx: CliContext, [file]: string[], o: { vkey: string }): Promise<void> {
  const read = async (f: string, what: string) => {
    try {
      return JSON.parse(await readFile(ctx.resolvePath(f), "utf8")) as Record<string, unknown>;
    } catch (e) {
      throw new CliError(`cannot read ${what} ${f}: ${(e as Error).message}.`);
    }
  };
  const proofFile = await read(file!, "proof file");
  const vkey = await read(o.vkey, "verifying key");
  if (typeof proofFile.proof !== "object" || !Array.isArray(proofFile.publicSignals)) {
    throw new CliError(`${file} has no "proof" and "publicSignals": give a file written by \`verity zk prove\`.`);
  }
  const { unpackInput, unpackOutput, verifyMlpProof, vkeyHash } = await import("../proofs/zk.js");
  try {
    const valid = await verifyMlpProof({
      proof: proofFile.proof as never,
      publicSignals: proofFile.publicSignals as string[],
      vkey: vkey as never,
    });
    const signals = (proofFile.publicSignals as string[]).map((s) => BigInt(s));
    const input = unpackInput(signals[1]!);
    const output = unpackOutput(signals[2]!);
    const data = {
      valid,
      vkeyHash: vkeyHash(vkey as never),
      commitment: numberToHex(signals[0]!, { size: 32 }) as Hex,
      input: encodeTensor(input),
      output: encodeTensor(output),
      jobId: signals[3]!.toString(),
      submitter: submitterOf(signals[4]!),
    };
    ctx.result(data, () =>
      [
        valid ? "VALID: the proof holds for these public signals" : "INVALID: the proof does not hold for these public signals",
        formatFields(
          [
            ["commitment", data.commitment],
            ["input", formatTensor(input)],
            ["output", formatTensor(output)],
            ["job", `${data.jobId}, submitted by ${data.submitter}`],
            ["vkey hash", data.vkeyHash],
          ],
          "  ",
        ),
      ].join("\n"),
    );
    ctx.exitCode = valid ? EXIT.ok : EXIT.failure;
  } finally {
    await releaseWorkers();
  }
}

/**
 * The account the proof is bound to: --submitter, else the --key / VERITY_PRIVATE_KEY account (which would send it).
 */
function submitterFor(ctx: CliContext, given: string | undefined): Address {
  if (given !== undefined) return parseAddress(given, "--submitter");
  if (!ctx.hasAccount()) {
    throw new CliError("a proof is bound to the account that will send it to the hub: say which.", [
      "pass --submitter <address>, or the key of the account that sends it (--key-file <path>, VERITY_PRIVATE_KEY or --key)",
    ]);
  }
  return ctx.account().address;
}

/** The submitter signal as an address (or the raw number when it is wider than 160 bits: no account could send it). */
function submitterOf(signal: bigint): string {
  return signal < 1n << 160n ? getAddress(pad(toHex(signal), { size: 20 })) : signal.toString();
}
