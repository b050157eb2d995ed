import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import { type Address, type Hex, isAddressEqual, parseEventLogs, zeroAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { readContract } from "viem/actions";
import { attestorCommitteeAbi, enclaveRegistryAbi, operatorRegistryAbi } from "../abis.js";
import { reattestEnclaveKey } from "../actions/reattestEnclaveKey.js";
import { registerEnclaveKey } from "../actions/registerEnclaveKey.js";
import { releaseEnclaveKey } from "../actions/releaseEnclaveKey.js";
import { revokeEnclaveKey } from "../actions/revokeEnclaveKey.js";
import { DEVELOPMENT_MEASUREMENT } from "../attestation/constants.js";
import { KEY_STATUSES } from "../constants.js";
import { withVerityErrors } from "../errors/decode.js";
import {
  type ApprovalDocument,
  type ClaimDocument,
  approvalProblem,
  claimJson,
  gatherAttestation,
  parseApprovalDocument,
  parseClaimDocument,
} from "../operator/attestation/claim.js";
import { detectEvidenceSource } from "../operator/attestation/detect.js";
import type { Action } from "./action.js";
import type { CliContext } from "./context.js";
import { CliError } from "./errors.js";
import { formatAmount, formatDuration, formatFields, formatTime } from "./format.js";
import { parseAddress, parseAmount, parseDuration, parseTee, teeLabel } from "./parse.js";
import { ENCLAVE_KEY, keyFileHelp, keyHint, resolveKey } from "./secrets.js";

/**
 * `verity operator attest | register-key | revoke-key | release-key`: an enclave key's life. The enclave gathers
 * evidence that binds its key to the operator and writes a claim; attestors check and sign it (`verity attestor`);
 * the operator registers the key with their approvals and stake (or re-attests an active key); it revokes a key,
 * and releases its stake once the dispute period is over.
 */
export function registerEnclaveCommands(operator: Command, action: Action): void {
  operator
    .command("attest")
    .description("gather attestation evidence binding the enclave key to this operator; write it and a claim for the attestors")
    .option("--enclave-key-file <path>", `the enclave's signing key, ${keyFileHelp(ENCLAVE_KEY)}`)
    .option("--enclave-key <hex>", "the enclave's key itself (shown by `ps`: prefer --enclave-key-file or env VERITY_ENCLAVE_KEY)")
    .option("--tee <type>", "nitro or tdx (default: the TEE this runs in)")
    .option("--dev", "development evidence, outside an enclave: local chains only (anyone can forge it; production policy refuses it)")
    .option("--evidence-dir <dir>", "where the evidence and the claim are written (default .verity/evidence)")
    .option("--evidence-uri <uri>", "where attestors and verifiers fetch the evidence (default: the file:// URI of the file written)")
    .option("--expires-in <duration>", "how long the attestation lasts: 24h, 3d (default 24h; the registry caps it at its key lifetime)")
    .option("--claim <file>", "the claim file to write (default <evidence-dir>/<evidenceHash>.claim.json)")
    .option("--operator <address>", "the operator the key is bound to (default: the --key account)")
    .option("--nsm-command <command>", "AWS Nitro: a helper that prints an NSM attestation document; {userData} becomes the report data in hex")
    .option("--tdx-collateral <file>", "Intel TDX: the quote's DCAP collateral JSON, from your PCCS")
    .action(action(attest));
  operator
    .command("register-key")
    .description("register the claim's enclave key with the attestors' approvals, locking stake behind it (or re-attest the key when it is already active)")
    .argument("<claim.json>", "the claim `verity operator attest` wrote")
    .requiredOption("--approval <file>", "an attestor's approval from `verity attestor sign` (repeatable: as many as the committee's threshold)", collect)
    .option("--stake <amount>", "stake to lock behind the key, from the operator's free bonded stake (default: the registry's minimum)")
    .option("--enclave-key-file <path>", `the enclave's private key, which signs the proof of possession, ${keyFileHelp(ENCLAVE_KEY)}`)
    .option("--enclave-key <hex>", "the enclave's key itself (shown by `ps`: prefer --enclave-key-file or env VERITY_ENCLAVE_KEY)")
    .action(action(registerKey));
  operator
    .command("revoke-key")
    .description("revoke an enclave key at once: it signs nothing from now on; its stake stays locked for the dispute period")
    .argument("<key>", "the enclave key's address")
    .action(action(revokeKey));
  operator
    .command("release-key")
    .description("unlock the stake behind a revoked or expired enclave key once its dispute period is over")
    .argument("<key>", "the enclave key's address")
    .action(action(releaseKey));
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The enclave account from --enclave-key-file, VERITY_ENCLAVE_KEY or --enclave-key (required). */
function enclaveAccount(ctx: CliContext, o: { enclaveKey?: string; enclaveKeyFile?: string }) {
  const given = resolveKey(ENCLAVE_KEY, { flagValue: o.enclaveKey, fileValue: o.enclaveKeyFile, env: ctx.env, cwd: ctx.cwd });
  if (given === undefined) throw new CliError("this command needs the enclave's key.", [keyHint(ENCLAVE_KEY)]);
  return privateKeyToAccount(given.key);
}

async function readText(ctx: CliContext, file: string, what: string): Promise<string> {
  try {
    return await readFile(ctx.resolvePath(file), "utf8");
  } catch (e) {
    throw new CliError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
  }
}

/** A claim file, parsed. */
export async function readClaim(ctx: CliContext, file: string): Promise<ClaimDocument> {
  return parseClaimDocument(await readText(ctx, file, "the claim"), `claim ${file}`);
}

/** A short description of the committee: its threshold and attestors, when it is an AttestorCommittee. */
export async function committeeSummary(ctx: CliContext, committee: Address): Promise<{ threshold?: bigint; attestors?: readonly Address[]; text: string }> {
  const { publicClient } = await ctx.connect();
  try {
    const [threshold, attestors] = await Promise.all([
      readContract(publicClient, { address: committee, abi: attestorCommitteeAbi, functionName: "threshold" }),
      readContract(publicClient, { address: committee, abi: attestorCommitteeAbi, functionName: "attestors" }),
    ]);
    return { threshold, attestors, text: `${committee} (${threshold} of ${attestors.length} attestors must sign)` };
  } catch {
    return { text: `${committee}` };
  }
}

// ------------------------------------------------------------------------------------------------ attest

type AttestOptions = {
  enclaveKey?: string;
  enclaveKeyFile?: string;
  tee?: string;
  dev?: boolean;
  evidenceDir?: string;
  evidenceUri?: string;
  expiresIn?: string;
  claim?: string;
  operator?: string;
  nsmCommand?: string;
  tdxCollateral?: string;
};

async function attest(ctx: CliContext, _args: string[], o: AttestOptions): Promise<void> {
  const enclave = enclaveAccount(ctx, o);
  const tee = o.tee === undefined ? undefined : parseTee(o.tee);
  const expiresIn = parseDuration(o.expiresIn ?? "24h", "--expires-in", { plainSeconds: true });
  if (expiresIn === 0n) throw new CliError("--expires-in must be above zero.");
  if (!o.operator && !ctx.hasAccount()) {
    throw new CliError("operator attest binds the enclave key to an operator: which one?", [
      "pass the operator's key (--key-file <path>, VERITY_PRIVATE_KEY or --key), or --operator <address>",
    ]);
  }
  const operator = o.operator ? parseAddress(o.operator, "--operator") : ctx.account().address;

  // Where the evidence comes from: refused outside an enclave unless --dev (before anything else).
  const source = detectEvidenceSource({
    tee: tee?.name,
    allowDevelopment: o.dev === true,
    clock: () => ctx.chainTime(),
    nitroCommand: o.nsmCommand?.split(/\s+/).filter(Boolean),
    tdxCollateral: o.tdxCollateral === undefined ? undefined : ctx.resolvePath(o.tdxCollateral),
  });

  const [{ chainId, publicClient }, enclaveRegistry] = await Promise.all([ctx.connect(), ctx.enclaveRegistry()]);
  const registry = { address: enclaveRegistry, abi: enclaveRegistryAbi } as const;
  const [committee, lifetime, record] = await withVerityErrors(() =>
    Promise.all([
      readContract(publicClient, { ...registry, functionName: "attestationVerifier", args: [source.teeType] }),
      readContract(publicClient, { ...registry, functionName: "keyLifetime" }),
      readContract(publicClient, { ...registry, functionName: "getEnclaveKey", args: [enclave.address] }),
    ]),
  );
  if (committee === zeroAddress) {
    throw new CliError(`enclave registry ${enclaveRegistry} has no attestation verifier for ${teeLabel(source.teeType)}: no key of this type can be registered.`, [
      "governance sets one with setAttestationVerifier (the deployment sets the attestor committee for both TEE types)",
    ]);
  }
  const status = KEY_STATUSES[record.status] ?? "none";
  if (status !== "none" && !(status === "active" && isAddressEqual(record.operator, operator))) {
    throw new CliError(`enclave key ${enclave.address} is ${status} at enclave registry ${enclaveRegistry} (operator ${record.operator}): it cannot be registered again.`, [
      "a key is registered once: have the enclave generate a new key",
    ]);
  }
  const now = await ctx.chainTime();
  const expiresAt = now + expiresIn;
  const dir = ctx.resolvePath(o.evidenceDir ?? path.join(".verity", "evidence"));

  const spinner = ctx.spinner().start(`gathering ${source.describe()}`);
  let gathered: Awaited<ReturnType<typeof gatherAttestation>>;
  try {
    gathered = await gatherAttestation({
      source,
      chainId,
      enclaveRegistry,
      committee,
      key: enclave.address,
      operator,
      expiresAt,
      now,
      evidenceURI: (hash) => o.evidenceUri ?? pathToFileURL(path.join(dir, `${hash}.bin`)).href,
    });
  } finally {
    spinner.stop();
  }
  const { claim, evidence } = gathered;
  const evidenceFile = path.join(dir, `${claim.evidenceHash}.bin`);
  const claimFile = o.claim === undefined ? path.join(dir, `${claim.evidenceHash}.claim.json`) : ctx.resolvePath(o.claim);
  await mkdir(dir, { recursive: true });
  await writeFile(evidenceFile, evidence);
  await mkdir(path.dirname(claimFile), { recursive: true });
  await writeFile(claimFile, claimJson(claim));
  const members = await committeeSummary(ctx, committee);
  const reattest = status === "active";
  if (claim.development) {
    ctx.note(
      "warning: DEVELOPMENT evidence: signed by the published development authority, anyone can forge it; production policy refuses it (attestors and verifiers accept it only with --allow-development, on local chains).",
    );
  }
  ctx.result(
    {
      claim,
      claimFile,
      evidenceFile,
      evidenceBytes: evidence.length,
      source: source.describe(),
      development: claim.development,
      ...(claim.development ? { warning: "development evidence: anyone can forge it; production policy refuses it" } : {}),
      reattestation: reattest,
      lifetimeCap: now + BigInt(lifetime),
    },
    () =>
      [
        `attestation evidence gathered for enclave key ${enclave.address}`,
        formatFields(
          [
            ["source", source.describe()],
            ["evidence", `${ctx.showPath(evidenceFile)} (${evidence.length} bytes, hash ${claim.evidenceHash})`],
            ["uri", claim.evidenceURI],
            [
              "measurement",
              `${claim.measurement}${claim.measurement === DEVELOPMENT_MEASUREMENT ? " (DEVELOPMENT_MEASUREMENT: production policy refuses it)" : ""}`,
            ],
            ["binds", `key ${claim.key} to operator ${claim.operator} at enclave registry ${enclaveRegistry} on chain ${chainId}`],
            ["expires", `${formatTime(expiresAt)} (${expiresAt}), in ${formatDuration(expiresIn)}${expiresAt > now + BigInt(lifetime) ? `; the registry caps it at ${formatDuration(lifetime)} from registration` : ""}`],
            ["committee", members.text],
            ["claim", ctx.showPath(claimFile)],
          ],
          "  ",
        ),
        `next: each attestor runs \`verity attestor sign ${ctx.showPath(claimFile)}${claim.development ? " --allow-development" : ""} --out <approval.json>\`,`,
        `      then \`verity operator register-key ${ctx.showPath(claimFile)} --approval <a.json> --approval <b.json> --enclave-key <key>${reattest ? "" : " --stake <amount>"}\`${reattest ? " (the key is active: this re-attests it)" : ""}`,
      ].join("\n"),
  );
}

// ------------------------------------------------------------------------------------------------ register-key

async function registerKey(
  ctx: CliContext,
  [claimFile]: string[],
  o: { approval: string[]; stake?: string; enclaveKey?: string; enclaveKeyFile?: string },
): Promise<void> {
  const claim = await readClaim(ctx, claimFile!);
  const enclave = enclaveAccount(ctx, o);
  if (!isAddressEqual(enclave.address, claim.key)) {
    throw new CliError(`the claim is for enclave key ${claim.key}, but --enclave-key is ${enclave.address}.`, ["give the key the claim was made for"]);
  }
  const approvals: ApprovalDocument[] = [];
  for (const file of o.approval) {
    const approval = parseApprovalDocument(await readText(ctx, file, "the approval"), `approval ${file}`);
    const problem = await approvalProblem(claim, approval);
    if (problem) throw new CliError(`approval ${file} does not approve this claim: ${problem}.`, ["have the attestor sign this claim: verity attestor sign <claim.json>"]);
    if (approvals.some((a) => isAddressEqual(a.attestor, approval.attestor))) throw new CliError(`attestor ${approval.attestor} signed twice (${file}): each approval must be another attestor's.`);
    approvals.push(approval);
  }
  const [wallet, { chainId, publicClient }, enclaveRegistry, operatorRegistry] = await Promise.all([
    ctx.wallet(),
    ctx.connect(),
    ctx.enclaveRegistry(),
    ctx.operatorRegistry(),
  ]);
  const operator = wallet.account.address;
  if (claim.chainId !== chainId) throw new CliError(`the claim is for chain ${claim.chainId}, but the RPC serves chain ${chainId}.`);
  if (!isAddressEqual(claim.enclaveRegistry, enclaveRegistry)) {
    throw new CliError(`the claim is for enclave registry ${claim.enclaveRegistry}, but the hub's is ${enclaveRegistry}.`, ["attest again against this hub"]);
  }
  if (!isAddressEqual(claim.operator, operator)) {
    throw new CliError(`the claim binds the key to operator ${claim.operator}, but --key is ${operator}.`, ["send it with the operator's key the claim was made for"]);
  }
  const registry = { address: enclaveRegistry, abi: enclaveRegistryAbi } as const;
  const [record, minTeeStake, token] = await withVerityErrors(() =>
    Promise.all([
      readContract(publicClient, { ...registry, functionName: "getEnclaveKey", args: [claim.key] }),
      readContract(publicClient, { ...registry, functionName: "minTeeStake" }),
      readContract(publicClient, { address: operatorRegistry, abi: operatorRegistryAbi, functionName: "stakeToken" }),
    ]),
  );
  const currency = await ctx.currency(token);
  const status = KEY_STATUSES[record.status] ?? "none";
  const reattest = status === "active" && isAddressEqual(record.operator, operator);
  if (status !== "none" && !reattest) {
    throw new CliError(`enclave key ${claim.key} is ${status} (operator ${record.operator}): it cannot be registered again.`, ["a key is registered once: attest a new enclave key"]);
  }
  const attestation = {
    enclaveRegistry,
    enclave,
    evidenceHash: claim.evidenceHash,
    evidenceURI: claim.evidenceURI,
    expiresAt: claim.expiresAt,
    approvals: approvals.map(({ attestor, signature }) => ({ attestor, signature })),
  };
  let stake = 0n;
  let hash: Hex;
  if (reattest) {
    if (o.stake !== undefined) ctx.note(`the key is already active: this re-attests it, and --stake is not used (its stake stays ${formatAmount(record.stake, currency)})`);
    hash = await reattestEnclaveKey(wallet, attestation);
  } else {
    stake = o.stake === undefined ? minTeeStake : parseAmount(o.stake, currency.decimals, "--stake");
    hash = await registerEnclaveKey(wallet, { ...attestation, teeType: claim.teeType, measurement: claim.measurement, stake });
  }
  const receipt = await ctx.confirm(hash, reattest ? "reattestEnclaveKey" : "registerEnclaveKey");
  const [attested] = parseEventLogs({ abi: enclaveRegistryAbi, eventName: "EnclaveKeyAttested", logs: receipt.logs });
  const after = await withVerityErrors(() => readContract(publicClient, { ...registry, functionName: "getEnclaveKey", args: [claim.key] }));
  const attestors = [...(attested?.args.attestors ?? [])];
  const expiresAt = BigInt(after.expiresAt);
  ctx.result(
    {
      key: claim.key,
      operator,
      action: reattest ? "reattested" : "registered",
      teeType: claim.teeType,
      measurement: claim.measurement,
      evidenceHash: claim.evidenceHash,
      evidenceURI: claim.evidenceURI,
      expiresAt,
      stake: after.stake,
      attestors,
      transactionHash: hash,
      blockNumber: receipt.blockNumber,
    },
    () =>
      [
        `enclave key ${claim.key} ${reattest ? "re-attested" : "registered"} for operator ${operator}`,
        formatFields(
          [
            ["tee", teeLabel(claim.teeType)],
            ["measurement", `${claim.measurement}${claim.measurement === DEVELOPMENT_MEASUREMENT ? " (DEVELOPMENT_MEASUREMENT)" : ""}`],
            ["evidence", `${claim.evidenceHash} at ${claim.evidenceURI}`],
            ["expires", `${formatTime(expiresAt)} (${expiresAt})${expiresAt < claim.expiresAt ? `, capped by the registry's key lifetime (the claim asked ${claim.expiresAt})` : ""}`],
            ["stake", `${formatAmount(after.stake, currency)} locked behind the key`],
            ["attestors", attestors.join(", ") || "none"],
            ["block", `${receipt.blockNumber} (tx ${hash})`],
          ],
          "  ",
        ),
        `before it expires: attest again and register-key the new claim (it re-attests the active key)`,
      ].join("\n"),
  );
}

// ------------------------------------------------------------------------------------------------ revoke, release

async function keyRecord(ctx: CliContext, key: Address) {
  const [enclaveRegistry, { publicClient }] = await Promise.all([ctx.enclaveRegistry(), ctx.connect()]);
  const record = await withVerityErrors(() =>
    readContract(publicClient, { address: enclaveRegistry, abi: enclaveRegistryAbi, functionName: "getEnclaveKey", args: [key] }),
  );
  return { enclaveRegistry, record, status: KEY_STATUSES[record.status] ?? "none" };
}

async function stakeCurrency(ctx: CliContext) {
  const [operatorRegistry, { publicClient }] = await Promise.all([ctx.operatorRegistry(), ctx.connect()]);
  const token = await withVerityErrors(() => readContract(publicClient, { address: operatorRegistry, abi: operatorRegistryAbi, functionName: "stakeToken" }));
  return ctx.currency(token);
}

async function revokeKey(ctx: CliContext, [raw]: string[]): Promise<void> {
  const key = parseAddress(raw!, "<key>");
  const wallet = await ctx.wallet();
  const { enclaveRegistry, record, status } = await keyRecord(ctx, key);
  if (status !== "active") throw new CliError(`enclave key ${key} is ${status} at enclave registry ${enclaveRegistry}: there is nothing to revoke.`);
  const hash = await revokeEnclaveKey(wallet, { enclaveRegistry, key });
  const receipt = await ctx.confirm(hash, "revokeEnclaveKey");
  const [event] = parseEventLogs({ abi: enclaveRegistryAbi, eventName: "EnclaveKeyRevoked", logs: receipt.logs });
  const releaseAt = event ? BigInt(event.args.releaseAt) : undefined;
  const currency = await stakeCurrency(ctx);
  ctx.result(
    { key, operator: record.operator, status: "revoked", releaseAt, stake: record.stake, transactionHash: hash, blockNumber: receipt.blockNumber },
    () =>
      `enclave key ${key} revoked: it signs nothing from now on; its ${formatAmount(record.stake, currency)} of stake stays locked for disputes` +
      `${releaseAt !== undefined ? ` until ${formatTime(releaseAt)} (${releaseAt}), then \`verity operator release-key ${key}\`` : ""} (block ${receipt.blockNumber}, tx ${hash})`,
  );
}

async function releaseKey(ctx: CliContext, [raw]: string[]): Promise<void> {
  const key = parseAddress(raw!, "<key>");
  const wallet = await ctx.wallet();
  const { enclaveRegistry, record, status } = await keyRecord(ctx, key);
  const now = await ctx.chainTime();
  const currency = await stakeCurrency(ctx);
  if (status === "released" || status === "slashed" || status === "none") {
    throw new CliError(`enclave key ${key} is ${status}: there is no stake to release.`);
  }
  if (status === "active" && now <= BigInt(record.expiresAt)) {
    throw new CliError(`enclave key ${key} is active (until ${formatTime(BigInt(record.expiresAt))}): its stake is locked while it can sign.`, [
      `revoke it first (verity operator revoke-key ${key}); its stake is released after the dispute period`,
    ]);
  }
  if (status === "revoked" && now < BigInt(record.releaseAt)) {
    throw new CliError(`enclave key ${key}'s stake is locked for disputes until ${formatTime(BigInt(record.releaseAt))} (${record.releaseAt}); chain time is ${now}.`);
  }
  const hash = await releaseEnclaveKey(wallet, { enclaveRegistry, key });
  const receipt = await ctx.confirm(hash, "releaseEnclaveKey");
  const [event] = parseEventLogs({ abi: enclaveRegistryAbi, eventName: "EnclaveKeyReleased", logs: receipt.logs });
  const stake = event?.args.stake ?? record.stake;
  ctx.result(
    { key, operator: record.operator, status: "released", stake, transactionHash: hash, blockNumber: receipt.blockNumber },
    () => `released the ${formatAmount(stake, currency)} of stake behind enclave key ${key}: it is free bonded stake again (block ${receipt.blockNumber}, tx ${hash})`,
  );
}
