import {
  type Address,
  type Hex,
  type LocalAccount,
  type PublicClient,
  getAddress,
  hexToBytes,
  isAddress,
  isAddressEqual,
  isHex,
  keccak256,
  recoverTypedDataAddress,
  zeroAddress,
} from "viem";
import { getBlock, getChainId, getCode, readContract } from "viem/actions";
import { enclaveRegistryAbi, inferenceHubAbi } from "../../abis.js";
import {
  AWS_NITRO_ROOT_G1_PEM,
  DEVELOPMENT_MEASUREMENT,
  TeeType,
  enclaveKeyBindingDigest,
  evidenceHash as hashEvidence,
} from "../../attestation/constants.js";
import { DEVELOPMENT_ROOT_PEM } from "../../attestation/development.js";
import type { Clock } from "../../attestation/internal.js";
import type { VerifiedEvidence } from "../../attestation/verify.js";
import { KEY_STATUSES, MEASUREMENT_STATUSES } from "../../constants.js";
import { reason } from "../../proofs/checks.js";
import { type AttestationClaim, type AttestorSignature, attestorApprovalTypedData, signAttestorApproval } from "../../proofs/tee.js";
import { type TeeAttestationPolicy, evidenceVerifyOptions } from "../../proofs/verifyTeeJob.js";
import { AttestationClaimError, EvidenceSourceError } from "../errors.js";
import type { EvidenceSource } from "./source.js";

/**
 * The attestation hand-off between an operator and the attestors, as files: the operator's enclave gathers evidence
 * that binds its key ({@link gatherAttestation}) and writes a claim ({@link ClaimDocument}); each attestor re-checks
 * the claim against the evidence and the chain ({@link checkAttestationClaim}) and signs it only if every check
 * holds ({@link signClaim}); the operator registers the key with the approvals. `verity operator attest`,
 * `verity attestor verify|sign` and `verity operator register-key` are these functions.
 */

export const CLAIM_FORMAT = "verity-attestation-claim/v1";
export const APPROVAL_FORMAT = "verity-attestor-approval/v1";

/** What an operator asks the attestors to vouch for, with where to check it (chain, registry, committee). */
export type ClaimDocument = {
  format: typeof CLAIM_FORMAT;
  chainId: number;
  enclaveRegistry: Address;
  /** The attestation verifier of the TEE type (the AttestorCommittee the attestors sign for). */
  committee: Address;
  teeType: number;
  evidenceHash: Hex;
  evidenceURI: string;
  measurement: Hex;
  key: Address;
  operator: Address;
  /** Unix seconds. */
  expiresAt: bigint;
  /** Development evidence (forgeable; production policy refuses it). */
  development: boolean;
};

/** An attestor's approval of a claim: `{ attestor, signature }`, with what it was signed for. */
export type ApprovalDocument = AttestorSignature & {
  format?: typeof APPROVAL_FORMAT | undefined;
  committee?: Address | undefined;
  chainId?: number | undefined;
  evidenceHash?: Hex | undefined;
  key?: Address | undefined;
  operator?: Address | undefined;
  expiresAt?: bigint | undefined;
};

/** The claim the committee's `AttestorApproval` covers. */
export function claimOf(doc: ClaimDocument): AttestationClaim {
  return { teeType: doc.teeType, evidenceHash: doc.evidenceHash, measurement: doc.measurement, key: doc.key, operator: doc.operator, expiresAt: doc.expiresAt };
}

/** A claim as JSON (bigints as decimal strings). */
export function claimJson(doc: ClaimDocument): string {
  return `${JSON.stringify({ ...doc, expiresAt: doc.expiresAt.toString() }, null, 2)}\n`;
}

/** An approval as JSON. */
export function approvalJson(doc: ApprovalDocument): string {
  return `${JSON.stringify({ ...doc, expiresAt: doc.expiresAt?.toString() }, null, 2)}\n`;
}

function parseJson(text: string, what: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new AttestationClaimError({ what, reason: `it is not JSON (${(e as Error).message})` });
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new AttestationClaimError({ what, reason: "it is not a JSON object" });
  return raw as Record<string, unknown>;
}

const field = {
  address(j: Record<string, unknown>, name: string, what: string): Address {
    const v = j[name];
    if (typeof v !== "string" || !isAddress(v, { strict: false })) throw new AttestationClaimError({ what, reason: `"${name}" is not an address` });
    return getAddress(v);
  },
  bytes32(j: Record<string, unknown>, name: string, what: string): Hex {
    const v = j[name];
    if (typeof v !== "string" || !isHex(v, { strict: true }) || v.length !== 66) {
      throw new AttestationClaimError({ what, reason: `"${name}" is not 32 bytes of hex` });
    }
    return v.toLowerCase() as Hex;
  },
  uint(j: Record<string, unknown>, name: string, what: string): bigint {
    const v = j[name];
    if (!((typeof v === "string" && /^\d+$/.test(v)) || (typeof v === "number" && Number.isSafeInteger(v) && v >= 0))) {
      throw new AttestationClaimError({ what, reason: `"${name}" is not a whole number` });
    }
    return BigInt(v);
  },
};

/** Parses a claim file's text (`what` names it in errors). */
export function parseClaimDocument(text: string, what = "the claim"): ClaimDocument {
  const j = parseJson(text, what);
  if (j.format !== CLAIM_FORMAT) throw new AttestationClaimError({ what, reason: `its format is ${JSON.stringify(j.format)}, not "${CLAIM_FORMAT}"` });
  const teeType = Number(field.uint(j, "teeType", what));
  if (teeType !== TeeType.AwsNitro && teeType !== TeeType.IntelTdx) throw new AttestationClaimError({ what, reason: `teeType ${teeType} is not 1 (AWS Nitro) or 2 (Intel TDX)` });
  if (typeof j.evidenceURI !== "string" || j.evidenceURI === "") throw new AttestationClaimError({ what, reason: '"evidenceURI" is missing' });
  return {
    format: CLAIM_FORMAT,
    chainId: Number(field.uint(j, "chainId", what)),
    enclaveRegistry: field.address(j, "enclaveRegistry", what),
    committee: field.address(j, "committee", what),
    teeType,
    evidenceHash: field.bytes32(j, "evidenceHash", what),
    evidenceURI: j.evidenceURI,
    measurement: field.bytes32(j, "measurement", what),
    key: field.address(j, "key", what),
    operator: field.address(j, "operator", what),
    expiresAt: field.uint(j, "expiresAt", what),
    development: j.development === true,
  };
}

/** Parses an approval file's text. */
export function parseApprovalDocument(text: string, what = "the approval"): ApprovalDocument {
  const j = parseJson(text, what);
  const signature = j.signature;
  if (typeof signature !== "string" || !isHex(signature, { strict: true }) || signature.length !== 132) {
    throw new AttestationClaimError({ what, reason: '"signature" is not a 65-byte signature (0x + 130 hex digits)' });
  }
  return {
    format: APPROVAL_FORMAT,
    attestor: field.address(j, "attestor", what),
    signature: signature as Hex,
    ...(j.committee !== undefined ? { committee: field.address(j, "committee", what) } : {}),
    ...(j.chainId !== undefined ? { chainId: Number(field.uint(j, "chainId", what)) } : {}),
    ...(j.evidenceHash !== undefined ? { evidenceHash: field.bytes32(j, "evidenceHash", what) } : {}),
    ...(j.key !== undefined ? { key: field.address(j, "key", what) } : {}),
    ...(j.operator !== undefined ? { operator: field.address(j, "operator", what) } : {}),
    ...(j.expiresAt !== undefined ? { expiresAt: field.uint(j, "expiresAt", what) } : {}),
  };
}

/**
 * The attestation policy for re-verifying evidence: the AWS Nitro root G1, then `nitroRoots`, then (with
 * `allowDevelopment`) the development root; TDX's Intel root unless `tdxRootCaDer`.
 */
export function attestationPolicy({
  nitroRoots = [],
  tdxRootCaDer,
  allowDevelopment = false,
  allowDebug = false,
}: {
  nitroRoots?: readonly string[] | undefined;
  tdxRootCaDer?: Uint8Array | undefined;
  allowDevelopment?: boolean | undefined;
  allowDebug?: boolean | undefined;
} = {}): TeeAttestationPolicy {
  return {
    nitroRoots: [AWS_NITRO_ROOT_G1_PEM, ...nitroRoots, ...(allowDevelopment ? [DEVELOPMENT_ROOT_PEM] : [])],
    tdxRootCaDer,
    allowDevelopment,
    allowDebug,
  };
}

const verifyOptions = (policy: TeeAttestationPolicy, now: Clock) => evidenceVerifyOptions(policy, now);

/** The key binding the evidence carries: Nitro `user_data`; TDX the first 32 bytes of `report_data` (then zeros). */
function boundDigest(verified: VerifiedEvidence): { digest: Hex | undefined; problem?: string } {
  if (verified.teeType === TeeType.AwsNitro) {
    const u = verified.userData?.toLowerCase() as Hex | undefined;
    if (u === undefined) return { digest: undefined, problem: "the document has no user_data" };
    if (u.length !== 66) return { digest: u, problem: `user_data is ${(u.length - 2) / 2} bytes, not the 32-byte binding digest` };
    return { digest: u };
  }
  const r = verified.reportData.toLowerCase();
  const digest = `0x${r.slice(2, 66)}` as Hex;
  if (r.slice(66) !== "0".repeat(64)) return { digest, problem: "report_data does not end with 32 zero bytes" };
  return { digest };
}

export type GatherAttestationParameters = {
  source: EvidenceSource;
  chainId: number;
  enclaveRegistry: Address;
  committee: Address;
  key: Address;
  operator: Address;
  expiresAt: bigint;
  /** Where the evidence will be stored, from its hash. */
  evidenceURI: (evidenceHash: Hex) => string;
  /** The time to self-check the evidence at (the chain's latest block time). */
  now: Clock;
  /** How to self-check it (default: production roots; the development root too for a development source). */
  policy?: TeeAttestationPolicy | undefined;
};

/**
 * The operator's side: gathers evidence binding `key` to `operator` at `enclaveRegistry` on `chainId` from
 * `source`, checks it verifies (so attestors are not asked to sign what cannot pass), and returns it with the claim
 * to hand to the attestors. Throws {@link EvidenceSourceError} when the evidence does not verify.
 */
export async function gatherAttestation(p: GatherAttestationParameters): Promise<{
  claim: ClaimDocument;
  evidence: Uint8Array;
  binding: Hex;
  verified: VerifiedEvidence;
}> {
  const binding = enclaveKeyBindingDigest({ chainId: p.chainId, enclaveRegistry: p.enclaveRegistry, key: p.key, operator: p.operator });
  const evidence = await p.source.gather({ reportData: hexToBytes(binding) });
  const policy = p.policy ?? attestationPolicy({ allowDevelopment: p.source.development });
  const { verifyEvidence } = await import("../../attestation/verify.js");
  let verified: VerifiedEvidence;
  try {
    verified = await verifyEvidence(p.source.teeType, evidence, { ...verifyOptions(policy, p.now), binding });
  } catch (e) {
    throw new EvidenceSourceError(`the evidence from ${p.source.describe()} does not verify: ${reason(e)}`, {
      hints: ["attestors would refuse it: fix the enclave (or its collateral) and attest again"],
      cause: e as Error,
    });
  }
  const hash = hashEvidence(evidence);
  const claim: ClaimDocument = {
    format: CLAIM_FORMAT,
    chainId: p.chainId,
    enclaveRegistry: getAddress(p.enclaveRegistry),
    committee: getAddress(p.committee),
    teeType: p.source.teeType,
    evidenceHash: hash,
    evidenceURI: p.evidenceURI(hash),
    measurement: verified.measurement,
    key: getAddress(p.key),
    operator: getAddress(p.operator),
    expiresAt: p.expiresAt,
    development: p.source.development || verified.measurement === DEVELOPMENT_MEASUREMENT,
  };
  return { claim, evidence, binding, verified };
}

export type ClaimCheckName =
  | "chain"
  | "registry"
  | "committee"
  | "evidenceHash"
  | "evidence"
  | "measurement"
  | "binding"
  | "measurementApproval"
  | "key"
  | "expiry";

export type ClaimCheck = { name: ClaimCheckName; ok: boolean; detail: string; skipped?: true };

export type ClaimReport = {
  /** Every check holds: the attestor may sign. */
  valid: boolean;
  checks: ClaimCheck[];
  /** The time the evidence was judged at (unix seconds). */
  now: bigint;
  /** The verified evidence (when it verified). */
  verified?: VerifiedEvidence | undefined;
};

export type CheckClaimParameters = {
  claim: ClaimDocument;
  /** The evidence bytes (default: fetched by the claim's URI with `fetchEvidence`). */
  evidence?: Uint8Array | undefined;
  fetchEvidence?: ((uri: string) => Promise<Uint8Array>) | undefined;
  /** The time to judge the evidence at (default: the chain's latest block time: what the registration is judged at). */
  now?: bigint | undefined;
  /** The roots and what else to accept (default: production's, see {@link attestationPolicy}). */
  policy?: TeeAttestationPolicy | undefined;
  /** When given, its enclave registry must be the claim's. */
  hub?: Address | undefined;
};

const TEE_NAMES: Record<number, string> = { [TeeType.AwsNitro]: "AWS Nitro", [TeeType.IntelTdx]: "Intel TDX" };

/**
 * The attestor's side: re-checks a claim before signing it. The chain is the claim's; the enclave registry is the
 * hub's (when `hub` is given) and has the claim's committee as its attestation verifier for the TEE type; the
 * evidence fetched by URI hashes to the claim's hash and verifies with the SDK at `now` (signatures, certificate
 * chain to a pinned root, validity, no debug enclave, no development evidence unless the policy allows it); it shows
 * the claim's measurement and binds the claim's key to its operator at this registry on this chain (the digest
 * computed locally and by the registry); governance approved the measurement for the TEE type; the key is new (or
 * the operator's own active key: a re-attestation); the expiry is in the future. Never throws for a failed check:
 * each says what holds or why not.
 */
export async function checkAttestationClaim(client: PublicClient, p: CheckClaimParameters): Promise<ClaimReport> {
  const { claim } = p;
  const checks: ClaimCheck[] = [];
  const ok = (name: ClaimCheckName, detail: string) => checks.push({ name, ok: true, detail });
  const bad = (name: ClaimCheckName, detail: string) => checks.push({ name, ok: false, detail });
  const skip = (name: ClaimCheckName, detail: string) => checks.push({ name, ok: false, detail, skipped: true });
  const registry = { address: claim.enclaveRegistry, abi: enclaveRegistryAbi } as const;
  const tee = TEE_NAMES[claim.teeType] ?? `TEE type ${claim.teeType}`;

  const [rpcChainId, block] = await Promise.all([getChainId(client), getBlock(client, { blockTag: "latest" })]);
  const now = p.now ?? block.timestamp;
  if (rpcChainId === claim.chainId) ok("chain", `the RPC serves chain ${rpcChainId}, the claim's`);
  else bad("chain", `the claim is for chain ${claim.chainId}, but the RPC serves chain ${rpcChainId}`);

  // The registry and its committee.
  let onChain = rpcChainId === claim.chainId;
  const code = onChain ? await getCode(client, { address: claim.enclaveRegistry }).catch(() => undefined) : undefined;
  if (onChain && (code === undefined || code === "0x")) {
    bad("registry", `there is no contract at enclave registry ${claim.enclaveRegistry} on chain ${rpcChainId}`);
    onChain = false;
  } else if (onChain) {
    const hubRegistry = p.hub
      ? await readContract(client, { address: p.hub, abi: inferenceHubAbi, functionName: "enclaveRegistry" }).catch(() => undefined)
      : undefined;
    if (p.hub && hubRegistry === undefined) bad("registry", `hub ${p.hub} does not answer enclaveRegistry()`);
    else if (hubRegistry && !isAddressEqual(hubRegistry, claim.enclaveRegistry)) {
      bad("registry", `the claim names enclave registry ${claim.enclaveRegistry}, but hub ${p.hub}'s is ${hubRegistry}`);
    } else ok("registry", `enclave registry ${claim.enclaveRegistry}${p.hub ? `, hub ${p.hub}'s TEE verifier` : ""}`);
  } else skip("registry", "not checked: the claim is for another chain");

  if (onChain) {
    const verifier = await readContract(client, { ...registry, functionName: "attestationVerifier", args: [claim.teeType] }).catch(() => undefined);
    if (verifier === undefined) bad("committee", `enclave registry ${claim.enclaveRegistry} does not answer attestationVerifier(${claim.teeType})`);
    else if (isAddressEqual(verifier, claim.committee)) ok("committee", `committee ${claim.committee} is the registry's attestation verifier for ${tee}`);
    else bad("committee", `the claim names committee ${claim.committee}, but the registry's attestation verifier for ${tee} is ${verifier === zeroAddress ? "none" : verifier}`);
  } else skip("committee", "not checked: no registry on this chain");

  // The evidence: its bytes, their hash, then the SDK's verification.
  let bytes = p.evidence;
  if (bytes === undefined) {
    try {
      if (!p.fetchEvidence) throw new Error("no evidence fetcher");
      bytes = await p.fetchEvidence(claim.evidenceURI);
    } catch (e) {
      bad("evidenceHash", `the evidence at ${claim.evidenceURI} could not be fetched: ${reason(e)}`);
    }
  }
  let verified: VerifiedEvidence | undefined;
  if (bytes !== undefined) {
    const hash = keccak256(bytes);
    if (hash !== claim.evidenceHash) {
      bad("evidenceHash", `the evidence at ${claim.evidenceURI} hashes to ${hash}, not ${claim.evidenceHash} as the claim says: it was altered or replaced`);
      skip("evidence", "not verified: the evidence is not the claim's");
    } else {
      ok("evidenceHash", `${bytes.length} bytes at ${claim.evidenceURI} hash to ${hash}`);
      const policy = p.policy ?? attestationPolicy();
      try {
        const { verifyEvidence } = await import("../../attestation/verify.js");
        verified = await verifyEvidence(claim.teeType, bytes, verifyOptions(policy, now));
        const origin =
          verified.teeType === TeeType.AwsNitro
            ? `an AWS Nitro document of ${verified.timestamp.toISOString()}, chains to root ${verified.rootFingerprint}${verified.development ? " (DEVELOPMENT evidence: anyone can forge it)" : ""}`
            : `an Intel TDX quote, chains to root ${verified.rootFingerprint}, TCB ${verified.tcbStatus}`;
        ok("evidence", `${origin}; valid at ${now}, not a debug enclave`);
      } catch (e) {
        bad("evidence", `the evidence does not verify at ${now}: ${reason(e)}`);
      }
    }
  } else skip("evidence", "not verified: no evidence");

  // What it shows: the measurement and the key binding.
  if (verified) {
    if (verified.measurement === claim.measurement) ok("measurement", `the evidence shows measurement ${claim.measurement}${claim.measurement === DEVELOPMENT_MEASUREMENT ? " (DEVELOPMENT_MEASUREMENT)" : ""}`);
    else bad("measurement", `the evidence shows measurement ${verified.measurement}, not the claim's ${claim.measurement}`);
  } else skip("measurement", "not checked: the evidence did not verify");

  const local = enclaveKeyBindingDigest({ chainId: claim.chainId, enclaveRegistry: claim.enclaveRegistry, key: claim.key, operator: claim.operator });
  const remote = onChain
    ? await readContract(client, { ...registry, functionName: "keyBindingDigest", args: [claim.key, claim.operator] }).catch(() => undefined)
    : undefined;
  if (onChain && remote === undefined) bad("binding", `enclave registry ${claim.enclaveRegistry} does not answer keyBindingDigest`);
  else if (remote !== undefined && remote.toLowerCase() !== local.toLowerCase()) {
    bad("binding", `the registry's key binding digest ${remote} differs from the SDK's ${local}`);
  } else if (!verified) skip("binding", "not checked: the evidence did not verify");
  else {
    const bound = boundDigest(verified);
    if (bound.problem) bad("binding", `${bound.problem}`);
    else if (bound.digest !== local.toLowerCase()) {
      bad("binding", `the evidence binds ${bound.digest}, not key ${claim.key} to operator ${claim.operator} here (${local})`);
    } else ok("binding", `the evidence binds key ${claim.key} to operator ${claim.operator} at this registry on chain ${claim.chainId} (${local})`);
  }

  // The chain's side: measurement approval, the key's record, the expiry.
  if (onChain) {
    const m = await readContract(client, { ...registry, functionName: "getMeasurement", args: [claim.measurement] }).catch(() => undefined);
    if (!m) bad("measurementApproval", "the registry does not answer getMeasurement");
    else {
      const [status, teeType] = m;
      const name = MEASUREMENT_STATUSES[status] ?? "unknown";
      if (name !== "approved") bad("measurementApproval", `measurement ${claim.measurement} is ${name} on chain: governance must approve it first (verity governance approve-measurement)`);
      else if (teeType !== claim.teeType) bad("measurementApproval", `measurement ${claim.measurement} is approved for TEE type ${teeType}, not the claim's ${claim.teeType}`);
      else ok("measurementApproval", `governance approved measurement ${claim.measurement} for ${tee}`);
    }
    const k = await readContract(client, { ...registry, functionName: "getEnclaveKey", args: [claim.key] }).catch(() => undefined);
    if (!k) bad("key", "the registry does not answer getEnclaveKey");
    else {
      const status = KEY_STATUSES[k.status] ?? "none";
      if (status === "none") ok("key", `key ${claim.key} is not registered yet: a new registration`);
      else if (status === "active" && isAddressEqual(k.operator, claim.operator)) {
        if (k.measurement !== claim.measurement) bad("key", `key ${claim.key} is registered on measurement ${k.measurement}, not ${claim.measurement}`);
        else ok("key", `key ${claim.key} is operator ${claim.operator}'s active key: a re-attestation (it expires at ${k.expiresAt})`);
      } else bad("key", `key ${claim.key} is ${status}${isAddressEqual(k.operator, claim.operator) ? "" : ` for operator ${k.operator}`}: it cannot be registered (a key is registered once)`);
    }
  } else {
    skip("measurementApproval", "not checked: no registry on this chain");
    skip("key", "not checked: no registry on this chain");
  }
  if (claim.expiresAt <= now) bad("expiry", `the claim expires at ${claim.expiresAt}, not after ${now}`);
  else {
    const lifetime = onChain ? await readContract(client, { ...registry, functionName: "keyLifetime" }).catch(() => undefined) : undefined;
    const cap = lifetime === undefined ? undefined : now + BigInt(lifetime);
    ok(
      "expiry",
      `expires at ${claim.expiresAt}, ${claim.expiresAt - now} s from now${cap !== undefined && claim.expiresAt > cap ? ` (the registry caps it at its key lifetime: ${cap})` : ""}`,
    );
  }

  return { valid: checks.every((c) => c.ok), checks, now, verified };
}

/** Signs a claim as an attestor: the `AttestorApproval` for its committee (run {@link checkAttestationClaim} first). */
export async function signClaim(attestor: Pick<LocalAccount, "address" | "signTypedData">, claim: ClaimDocument): Promise<ApprovalDocument> {
  const { attestor: address, signature } = await signAttestorApproval(attestor, { committee: claim.committee, chainId: claim.chainId, claim: claimOf(claim) });
  return {
    format: APPROVAL_FORMAT,
    attestor: address,
    signature,
    committee: claim.committee,
    chainId: claim.chainId,
    evidenceHash: claim.evidenceHash,
    key: claim.key,
    operator: claim.operator,
    expiresAt: claim.expiresAt,
  };
}

/** Why an approval is not its attestor's signature of this claim (undefined when it is). */
export async function approvalProblem(claim: ClaimDocument, approval: ApprovalDocument): Promise<string | undefined> {
  let signer: Address;
  try {
    signer = await recoverTypedDataAddress({
      ...attestorApprovalTypedData({ committee: claim.committee, chainId: claim.chainId, claim: claimOf(claim) }),
      signature: approval.signature,
    });
  } catch (e) {
    return `its signature is malformed (${reason(e)})`;
  }
  if (isAddressEqual(signer, approval.attestor)) return undefined;
  const other = approval.evidenceHash && approval.evidenceHash !== claim.evidenceHash ? ` (it is for evidence ${approval.evidenceHash})` : "";
  return `it is not ${approval.attestor}'s signature of this claim${other}: it recovers to ${signer}`;
}
