import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { type Address, type Hex, bytesToHex, keccak256, numberToHex, zeroAddress } from "viem";
import { getContractEvents, readContract } from "viem/actions";
import { inferenceHubAbi } from "../abis.js";
import { deprecateVersion } from "../actions/deprecateVersion.js";
import { publishVersionSync } from "../actions/publishVersionSync.js";
import { registerModelSync } from "../actions/registerModelSync.js";
import { setMeasurementAllowed } from "../actions/setMeasurementAllowed.js";
import { type ModeName, modeLabel, modeNumber, modesFromBitmask } from "../constants.js";
import { checkSignatureModes, describeIoSignature, hashIoSignature, type IoSignature } from "../encoding/ioSignature.js";
import { modelSignatureOf } from "./modelSignature.js";
import { withVerityErrors } from "../errors/decode.js";
import type { CliContext } from "./context.js";
import { CliError } from "./errors.js";
import { registerModelOperators } from "./service.js";
import { formatAmount, formatFields, formatTable, formatTime, toJson } from "./format.js";
import type { Action } from "./action.js";
import { parseAddress, parseAmount, parseBytes32, parseLabelOrBytes32, parseModes, parseVersion } from "./parse.js";

type PublishOptions = {
  file: string;
  uri: string;
  modes: string;
  fee?: string;
  token?: string;
  zkVerifier?: string;
  zkCommitment?: string;
  zkVkeyHash?: string;
  zkWeights?: string;
  zkVkey?: string;
  allowMeasurement?: string[];
  canonicalization?: string;
  labels?: string;
  ioSignature?: string;
};

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(",").map((s) => s.trim()).filter(Boolean)];

export function registerModel(program: Command, action: Action): void {
  const model = program.command("model").description("register models, publish versions, list them");
  model
    .command("register")
    .description("register a model owned by the key's account; prints its id")
    .argument("<name>", "1 to 64 bytes, unique among your models")
    .action(action(register));
  model
    .command("publish")
    .description("publish a new immutable version of a model (artifact hash computed from --file)")
    .argument("<modelId>", "the model id (0x + 64 hex)")
    .requiredOption("--file <path>", "the model file (e.g. ONNX); its keccak256 is the artifact hash")
    .requiredOption("--uri <uri>", "where operators fetch the file (file:, https:, ipfs:)")
    .option("--modes <list>", "verification modes, comma-separated: tee,zk", "tee")
    .option("--fee <amount>", "the model owner's fee per inference, in the fee currency", "0")
    .option("--token <address>", "ERC-20 fee currency (default: native)")
    .option("--zk-verifier <address>", "ZK: the Groth16 verifier contract of the circuit (default: the deployment's Groth16VerifierMlp)")
    .option("--zk-commitment <bytes32>", "ZK: the circuit's commitment to the weights")
    .option("--zk-vkey-hash <bytes32>", "ZK: hash of the verifying key")
    .option("--zk-weights <json>", "ZK: compute --zk-commitment from this model file (models/iris-mlp.json)")
    .option("--zk-vkey <json>", "ZK: compute --zk-vkey-hash from this verifying key (circuits/build/verification_key.json)")
    .option("--allow-measurement <m>", "allow TEE results from this enclave measurement for the version (repeatable)", collect)
    .option("--canonicalization <policy>", "how operators canonicalize outputs before hashing: exact, or grid:<bits> (default: exact for integer outputs, grid:6 for float ones)")
    .option("--labels <json>", "class labels per output, a JSON file { \"output\": [\"label\", ...] } (default: the model's verity.labels metadata)")
    .option("--io-signature <json>", "the version's IO signature from a JSON file { inputs, outputs, canonicalization?, labels? } instead of reading it from the ONNX graph (for a file that is not ONNX)")
    .action(action(publish));
  model
    .command("deprecate")
    .description("deprecate a version: it takes no new requests; pending jobs still complete")
    .argument("<modelId>", "the model id")
    .requiredOption("--version <n>", "the version")
    .action(action(deprecate));
  model
    .command("list")
    .description("models and their versions, from ModelRegistered / VersionPublished events (table)")
    .option("--owner <address>", "only models registered by this account")
    .action(action(list));
  registerModelOperators(model, action);
}

async function register(ctx: CliContext, [name]: string[]): Promise<void> {
  const [wallet, hub] = await Promise.all([ctx.wallet(), ctx.hub()]);
  const r = await registerModelSync(wallet, { hub, name: name! });
  await ctx.confirm(r.hash, "registerModel");
  ctx.result(
    { modelId: r.modelId, owner: r.owner, name: r.name, transactionHash: r.hash, blockNumber: r.receipt.blockNumber },
    () =>
      [
        `model "${r.name}" registered: ${r.modelId}`,
        formatFields([["owner", r.owner], ["block", `${r.receipt.blockNumber} (tx ${r.hash})`]], "  "),
        `next: verity model publish ${r.modelId} --file <model file> --uri <uri> --modes tee --fee <amount>`,
      ].join("\n"),
  );
}

async function publish(ctx: CliContext, [rawId]: string[], o: PublishOptions): Promise<void> {
  const modelId = parseBytes32(rawId!, "model id");
  const modes = parseModes(o.modes);
  const measurements = (o.allowMeasurement ?? []).map((m) => ({ raw: m, value: parseLabelOrBytes32(m, "--allow-measurement") }));
  const feeToken = o.token === undefined ? zeroAddress : parseAddress(o.token, "--token");
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(ctx.resolvePath(o.file)));
  } catch (e) {
    throw new CliError(`cannot read --file ${o.file}: ${(e as Error).message}.`);
  }
  if (bytes.length === 0) throw new CliError(`--file ${o.file} is empty.`);
  const artifactHash = keccak256(bytesToHex(bytes));
  const zk = await zkCircuit(ctx, o, modes);
  const ioSignature = await modelSignatureOf(bytes, {
    canonicalization: o.canonicalization,
    labels: o.labels,
    signatureFile: o.ioSignature,
    resolvePath: (p) => ctx.resolvePath(p),
    file: o.file,
  });
  try {
    checkSignatureModes(ioSignature, modes.map(modeNumber));
  } catch (e) {
    throw new CliError(`${(e as Error & { shortMessage: string }).shortMessage} Give --canonicalization grid:<bits>, or other --modes.`);
  }

  const [wallet, hub] = await Promise.all([ctx.wallet(), ctx.hub()]);
  const currency = await ctx.currency(feeToken);
  const fee = parseAmount(o.fee ?? "0", currency.decimals, "--fee");
  const r = await publishVersionSync(wallet, { hub, modelId, artifactHash, uri: o.uri, modes, feeToken, fee, zk, ioSignature });
  await ctx.confirm(r.hash, "publishVersion");

  const allowed: Hex[] = [];
  if (measurements.length > 0) {
    const enclaveRegistry = await ctx.enclaveRegistry();
    for (const m of measurements) {
      const hash = await setMeasurementAllowed(wallet, { enclaveRegistry, modelId, version: r.version, measurement: m.value });
      await ctx.confirm(hash, "setMeasurementAllowed");
      allowed.push(m.value);
    }
  }
  ctx.result(
    {
      modelId,
      version: r.version,
      artifactHash,
      uri: o.uri,
      modes,
      feeToken,
      fee,
      zk,
      ioSignature: { ...ioSignature, hash: hashIoSignature(ioSignature) },
      allowedMeasurements: allowed,
      transactionHash: r.hash,
      blockNumber: r.receipt.blockNumber,
    },
    () =>
      [
        `version ${r.version} of model ${modelId} published`,
        formatFields(
          [
            ["artifact", `${artifactHash} (${bytes.length} bytes of ${path.basename(o.file)})`],
            ["uri", o.uri],
            ["modes", modes.map((m) => m.toUpperCase()).join(", ")],
            ["fee", formatAmount(fee, currency)],
            ["interface", describeIoSignature(ioSignature).split("\n").join("; ")],
            ["outputs", canonicalizationLabel(ioSignature)],
            ...(zk ? ([["zk", `verifier ${zk.verifier}, commitment ${zk.modelCommitment}, vkey ${zk.verifyingKeyHash}`]] as [string, string][]) : []),
            ...measurements.map((m) => ["allowed", `measurement ${m.value}${m.raw.startsWith("0x") ? "" : ` ("${m.raw}")`}`] as [string, string]),
            ["block", `${r.receipt.blockNumber} (tx ${r.hash})`],
          ],
          "  ",
        ),
      ].join("\n"),
  );
}

/** How the version's outputs are compared, for the publish summary. */
function canonicalizationLabel(sig: IoSignature): string {
  const c = sig.canonicalization;
  return c.kind === "exact" ? "compared exactly" : `rounded to multiples of 2^-${c.fractionBits} before hashing (grid:${c.fractionBits})`;
}

/** The ZK circuit of a version: given, or computed from the weights and verifying key files. */
async function zkCircuit(ctx: CliContext, o: PublishOptions, modes: ModeName[]) {
  const any = [o.zkVerifier, o.zkCommitment, o.zkVkeyHash, o.zkWeights, o.zkVkey].some((v) => v !== undefined);
  const needsZk = modes.includes("zk") || modes.includes("optimistic");
  if (!any && !needsZk) return undefined;
  if (!needsZk) throw new CliError("--zk-* options were given, but --modes has neither zk nor optimistic.");
  const zkVerifier = o.zkVerifier ?? (await ctx.deployment())?.groth16VerifierMlp;
  if (zkVerifier === undefined) {
    throw new CliError("the zk mode needs the circuit's verifier contract: --zk-verifier <address> (the deployment file has none).");
  }
  let modelCommitment: Hex;
  if (o.zkCommitment !== undefined) {
    modelCommitment = /^\d+$/.test(o.zkCommitment)
      ? numberToHex(BigInt(o.zkCommitment), { size: 32 })
      : parseBytes32(o.zkCommitment, "--zk-commitment");
  } else if (o.zkWeights !== undefined) {
    const [{ loadIrisModel }, { modelCommitment: commit }] = await Promise.all([
      import("../model/iris.js"),
      import("../prover/prove.js"),
    ]);
    modelCommitment = numberToHex(await commit(loadIrisModel(ctx.resolvePath(o.zkWeights)).weights), { size: 32 });
  } else {
    throw new CliError("the zk mode needs the weights' commitment: --zk-commitment <bytes32> or --zk-weights <model json>.");
  }
  let verifyingKeyHash: Hex;
  if (o.zkVkeyHash !== undefined) verifyingKeyHash = parseBytes32(o.zkVkeyHash, "--zk-vkey-hash");
  else if (o.zkVkey !== undefined) {
    const { vkeyHash } = await import("../proofs/zk.js");
    verifyingKeyHash = vkeyHash(JSON.parse(await readFile(ctx.resolvePath(o.zkVkey), "utf8")));
  } else {
    throw new CliError("the zk mode needs the verifying key's hash: --zk-vkey-hash <bytes32> or --zk-vkey <verification_key.json>.");
  }
  return { verifier: parseAddress(zkVerifier, "--zk-verifier"), modelCommitment, verifyingKeyHash };
}

async function deprecate(ctx: CliContext, [rawId]: string[], o: { version: string }): Promise<void> {
  const modelId = parseBytes32(rawId!, "model id");
  const version = parseVersion(o.version);
  const [wallet, hub] = await Promise.all([ctx.wallet(), ctx.hub()]);
  const hash = await deprecateVersion(wallet, { hub, modelId, version });
  const receipt = await ctx.confirm(hash, "deprecateVersion");
  ctx.result(
    { modelId, version, deprecated: true, transactionHash: hash, blockNumber: receipt.blockNumber },
    () => `version ${version} of model ${modelId} deprecated (block ${receipt.blockNumber}, tx ${hash})`,
  );
}

type VersionRow = {
  version: number;
  artifactHash: Hex;
  uri: string;
  modes: string[];
  feeToken: Address;
  fee: bigint;
  deprecated: boolean;
  publishedBlock: bigint;
};

async function list(ctx: CliContext, _args: string[], o: { owner?: string }): Promise<void> {
  const owner = o.owner === undefined ? undefined : parseAddress(o.owner, "--owner");
  const [hub, fromBlock, { publicClient }] = await Promise.all([ctx.hub(), ctx.fromBlock(), ctx.connect()]);
  const range = { address: hub, abi: inferenceHubAbi, fromBlock, toBlock: "latest", strict: true } as const;
  const [registered, published, deprecated] = await withVerityErrors(() =>
    Promise.all([
      getContractEvents(publicClient, { ...range, eventName: "ModelRegistered", args: owner ? { owner } : {} }),
      getContractEvents(publicClient, { ...range, eventName: "VersionPublished" }),
      getContractEvents(publicClient, { ...range, eventName: "VersionDeprecated" }),
    ]),
  );
  const deprecatedSet = new Set(deprecated.map((l) => `${l.args.modelId}:${l.args.version}`));
  const models = await Promise.all(
    registered.map(async (l) => {
      const [currentOwner] = await withVerityErrors(() =>
        readContract(publicClient, { address: hub, abi: inferenceHubAbi, functionName: "getModel", args: [l.args.modelId] }),
      );
      const versions: VersionRow[] = published
        .filter((p) => p.args.modelId === l.args.modelId)
        .map((p) => ({
          version: p.args.version,
          artifactHash: p.args.artifactHash,
          uri: p.args.params.uri,
          modes: modesFromBitmask(p.args.params.modes).map((m) => modeLabel(m)),
          feeToken: p.args.params.feeToken,
          fee: p.args.params.fee,
          deprecated: deprecatedSet.has(`${p.args.modelId}:${p.args.version}`),
          publishedBlock: p.blockNumber,
        }));
      return { modelId: l.args.modelId, name: l.args.name, owner: currentOwner, registrant: l.args.owner, registeredBlock: l.blockNumber, versions };
    }),
  );
  if (ctx.json) {
    ctx.out(toJson(models));
    return;
  }
  if (models.length === 0) {
    ctx.out(owner ? `no models registered by ${owner} on hub ${hub}` : `no models registered on hub ${hub}`);
    return;
  }
  const rows: string[][] = [];
  for (const m of models) {
    const short = `${m.owner.slice(0, 8)}…${m.owner.slice(-4)}`;
    if (m.versions.length === 0) rows.push([m.modelId, m.name, short, "-", "", "", "no versions", ""]);
    for (const v of m.versions) {
      const currency = await ctx.currency(v.feeToken);
      rows.push([
        m.modelId,
        m.name,
        short,
        `${v.version}`,
        v.modes.join(","),
        formatAmount(v.fee, currency),
        v.deprecated ? "deprecated" : "active",
        `${v.artifactHash.slice(0, 10)}… ${v.uri}`,
      ]);
    }
  }
  const { timestamp } = await publicClient.getBlock({ blockTag: "latest" }).catch(() => ({ timestamp: undefined }));
  ctx.out(formatTable(["MODEL ID", "NAME", "OWNER", "VERSION", "MODES", "FEE", "STATUS", "ARTIFACT"], rows));
  ctx.note(`${models.length} model(s) on hub ${hub}${timestamp ? ` as of ${formatTime(timestamp)}` : ""}`);
}
