import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { privateKeyToAccount } from "viem/accounts";
import { readContract } from "viem/actions";
import { attestorCommitteeAbi } from "../abis.js";
import { withVerityErrors } from "../errors/decode.js";
import { type ClaimDocument, type ClaimReport, approvalJson, attestationPolicy, checkAttestationClaim, signClaim } from "../operator/attestation/claim.js";
import { readUri } from "../operator/fetchModel.js";
import type { Action } from "./action.js";
import type { CliContext } from "./context.js";
import { CliError, EXIT } from "./errors.js";
import { formatFields, formatTime } from "./format.js";
import { parseBigInt, teeLabel } from "./parse.js";
import { ATTESTOR_KEY, keyFileHelp, keyHint, resolveKey } from "./secrets.js";
import { readClaim } from "./enclave.js";

/**
 * `verity attestor verify | sign`: an attestor's side of an enclave key's attestation. `verify` re-checks a claim
 * (`verity operator attest`) against its evidence and the chain and prints every check; `sign` verifies first and
 * signs the committee's `AttestorApproval` only when every check holds.
 */
export function registerAttestor(program: Command, action: Action): void {
  const attestor = program.command("attestor").description("attestors: verify an operator's enclave evidence claim, and sign it for the committee");
  const policyOptions = (c: Command) =>
    c
      .option("--root <pem-file>", "also trust this AWS Nitro root certificate (repeatable; the AWS Nitro root G1 always is)", collect)
      .option("--tdx-root <der-file>", "the Intel root CA (DER) TDX quotes must chain to (default: Intel's SGX root CA)")
      .option("--allow-development", "accept development evidence (the published, insecure development authority): local chains only")
      .option("--at <unix>", "judge the evidence at this time (default: the chain's latest block time, what the registration is judged at)");
  policyOptions(
    attestor
      .command("verify")
      .description("check a claim: its evidence (fetched by URI, hash, signatures, root, time), measurement, key binding, and the chain's approval; exit 0 valid, 1 not")
      .argument("<claim.json>", "the claim `verity operator attest` wrote"),
  ).action(action(verify));
  policyOptions(
    attestor
      .command("sign")
      .description("verify a claim, then sign the committee's AttestorApproval for it (refuses what does not verify)")
      .argument("<claim.json>", "the claim `verity operator attest` wrote")
      .requiredOption("--out <file>", "where to write the approval ({ attestor, signature }) for the operator")
      .option("--attestor-key-file <path>", `the attestor's private key, ${keyFileHelp(ATTESTOR_KEY)}`)
      .option("--attestor-key <hex>", "the attestor's key itself (shown by `ps`: prefer --attestor-key-file or env VERITY_ATTESTOR_KEY)"),
  ).action(action(sign));
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

type PolicyOptions = { root?: string[]; tdxRoot?: string; allowDevelopment?: boolean; at?: string };

async function check(ctx: CliContext, claim: ClaimDocument, o: PolicyOptions): Promise<ClaimReport> {
  const nitroRoots: string[] = [];
  for (const file of o.root ?? []) {
    try {
      nitroRoots.push(await readFile(ctx.resolvePath(file), "utf8"));
    } catch (e) {
      throw new CliError(`cannot read --root ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
    }
  }
  let tdxRootCaDer: Uint8Array | undefined;
  if (o.tdxRoot !== undefined) {
    try {
      tdxRootCaDer = new Uint8Array(await readFile(ctx.resolvePath(o.tdxRoot)));
    } catch (e) {
      throw new CliError(`cannot read --tdx-root ${o.tdxRoot}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
    }
  }
  const now = o.at === undefined ? undefined : parseBigInt(o.at, "--at");
  const { publicClient } = await ctx.connect();
  // The hub, when one is configured (--hub, VERITY_HUB, the deployment file): its enclave registry must be the claim's.
  const hub = await ctx.hub().catch((e: unknown) => {
    if (e instanceof CliError && /no hub address/.test(e.shortMessage)) return undefined;
    throw e;
  });
  const spinner = ctx.spinner().start(`checking the claim for enclave key ${claim.key}`);
  try {
    return await checkAttestationClaim(publicClient, {
      claim,
      fetchEvidence: (uri) => readUri(uri, { baseDir: ctx.cwd }),
      now,
      policy: attestationPolicy({ nitroRoots, tdxRootCaDer, allowDevelopment: o.allowDevelopment === true }),
      hub,
    });
  } finally {
    spinner.stop();
  }
}

function formatReport(report: ClaimReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  return report.checks.map((c) => `  ${c.skipped ? "skip" : c.ok ? "ok  " : "FAIL"}  ${c.name.padEnd(width)}  ${c.detail}`).join("\n");
}

function claimFields(claim: ClaimDocument, now: bigint): [string, string][] {
  return [
    ["tee", `${teeLabel(claim.teeType)}${claim.development ? " (development evidence)" : ""}`],
    ["key", `${claim.key} for operator ${claim.operator}`],
    ["evidence", `${claim.evidenceHash} at ${claim.evidenceURI}`],
    ["measurement", claim.measurement],
    ["expires", `${formatTime(claim.expiresAt)} (${claim.expiresAt})`],
    ["committee", `${claim.committee}, enclave registry ${claim.enclaveRegistry}, chain ${claim.chainId}`],
    ["judged at", `${formatTime(now)} (${now})`],
  ];
}

async function verify(ctx: CliContext, [file]: string[], o: PolicyOptions): Promise<void> {
  const claim = await readClaim(ctx, file!);
  const report = await check(ctx, claim, o);
  ctx.result({ claim, ...report }, () =>
    [
      `claim ${file}: ${report.valid ? "VALID: every check holds; attestors may sign it" : "INVALID: a check failed; do not sign it"}`,
      formatFields(claimFields(claim, report.now), "  "),
      formatReport(report),
      ...(!report.valid && claim.development && o.allowDevelopment !== true
        ? ["the claim is development evidence (forgeable): accepted only with --allow-development, on local chains"]
        : []),
    ].join("\n"),
  );
  ctx.exitCode = report.valid ? EXIT.ok : EXIT.failure;
}

function attestorAccount(ctx: CliContext, o: { attestorKey?: string; attestorKeyFile?: string }) {
  const given = resolveKey(ATTESTOR_KEY, { flagValue: o.attestorKey, fileValue: o.attestorKeyFile, env: ctx.env, cwd: ctx.cwd });
  if (given === undefined) throw new CliError("attestor sign needs the attestor's key.", [keyHint(ATTESTOR_KEY)]);
  return privateKeyToAccount(given.key);
}

async function sign(ctx: CliContext, [file]: string[], o: PolicyOptions & { out: string; attestorKey?: string; attestorKeyFile?: string }): Promise<void> {
  const attestor = attestorAccount(ctx, o);
  const claim = await readClaim(ctx, file!);
  const report = await check(ctx, claim, o);
  if (!report.valid) {
    const failed = report.checks.filter((c) => !c.ok && !c.skipped);
    throw new CliError(`refusing to sign claim ${file}: it does not verify (${failed.map((c) => c.name).join(", ")}).`, [
      ...failed.map((c) => `${c.name}: ${c.detail}`),
      "nothing was signed; `verity attestor verify` prints every check",
    ]);
  }
  const { publicClient } = await ctx.connect();
  const member = await withVerityErrors(() =>
    readContract(publicClient, { address: claim.committee, abi: attestorCommitteeAbi, functionName: "isAttestor", args: [attestor.address] }),
  ).catch(() => undefined);
  if (member === false) {
    ctx.note(`warning: ${attestor.address} is not an attestor of committee ${claim.committee}: its approval will not count (CommitteeNotAttestor) unless governance adds it`);
  }
  const approval = await signClaim(attestor, claim);
  const out = ctx.resolvePath(o.out);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, approvalJson(approval));
  ctx.result({ ...approval, file: out, member: member ?? null, checks: report.checks }, () =>
    [
      `claim ${file} verified and signed by attestor ${attestor.address}${member === false ? " (NOT a member of the committee)" : ""}`,
      formatFields([...claimFields(claim, report.now), ["approval", ctx.showPath(out)]], "  "),
      `the operator registers the key with it: verity operator register-key ${file} --approval ${ctx.showPath(out)} ...`,
    ].join("\n"),
  );
}
