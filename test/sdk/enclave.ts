/**
 * The TEE mode's real attestation flow, for tests and benchmarks: a test AWS Nitro authority (one per run) issues an
 * attestation document with test PCRs whose `user_data` binds the enclave key to its operator at this registry
 * (`enclaveKeyBindingDigest`); governance approves the measurement (`nitroMeasurement(pcrs)`, TEE type 1); the
 * deployment's attestors (2 of the 3 `ATTESTORS`, see `ATTESTOR_COMMITTEE`) verify the document with the SDK
 * (`verifyNitroDocument` pinned to the test root) and sign `AttestorApproval`; the operator registers the key with
 * `registerEnclaveKey`, locking stake behind it.
 *
 * The evidence is served by a `data:` URI (base64 of the document), so `verifyJob` fetches it with its default
 * fetcher; every document issued is also kept in `EVIDENCE` (by evidence hash), for `verifyJob({ evidence })`. The
 * URI is calldata and is emitted in `EnclaveKeyAttested`: a document is about 2.8 KB, its URI about 3.8 KB, some
 * 90,000 gas of calldata and log data per registration; fine for tests, a real operator stores evidence elsewhere
 * (https, IPFS) and registers a short URI.
 */
import { createHash } from "node:crypto";
import type { Address, Hash, Hex, LocalAccount, TransactionReceipt } from "viem";
import { keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { getBlock, getChainId, readContract, waitForTransactionReceipt } from "viem/actions";
import {
  type AttestorSignature,
  type TeeAttestationPolicy,
  type VerityClient,
  approveMeasurement,
  enclaveRegistryAbi,
  reattestEnclaveKey,
  registerEnclaveKey,
  signAttestorApproval,
} from "../../sdk/src/index.js";
import {
  type NitroAuthority,
  type NitroPcrsLike,
  TeeType,
  createNitroAuthority,
  enclaveKeyBindingDigest,
  evidenceHash,
  nitroMeasurement,
  verifyNitroDocument,
} from "../../sdk/src/attestation/index.js";

const sha384 = (text: string): Hex => `0x${createHash("sha384").update(text).digest("hex")}`;

/** The test enclave image's PCR0..2 (SHA-384 of fixed strings; neither debug zeros nor the development PCRs). */
export const TEST_PCRS = {
  0: sha384("verity test enclave PCR0"),
  1: sha384("verity test enclave PCR1"),
  2: sha384("verity test enclave PCR2"),
} as const;
/** Another enclave image (another PCR0). */
export const OTHER_PCRS = { ...TEST_PCRS, 0: sha384("verity test enclave v2 PCR0") } as const;
/** `nitroMeasurement(TEST_PCRS)`: what governance approves for the test enclave. */
export const TEST_MEASUREMENT: Hex = nitroMeasurement(TEST_PCRS);
export const OTHER_TEST_MEASUREMENT: Hex = nitroMeasurement(OTHER_PCRS);

/** The attestors: deterministic accounts `keccak256("attestor N")`, N = 1..3 (as test/helpers/verity.ts's). */
export const ATTESTORS: readonly LocalAccount[] = [1, 2, 3].map((n) => privateKeyToAccount(keccak256(toHex(`attestor ${n}`))));
export const ATTESTOR_THRESHOLD = 2;
/** `deployVerity` parameters for the test committee: the three `ATTESTORS`, 2 of which must sign. */
export const ATTESTOR_COMMITTEE = { attestors: ATTESTORS.map((a) => a.address), attestorThreshold: ATTESTOR_THRESHOLD } as const;

let authority: Promise<NitroAuthority> | undefined;
/** The run's test Nitro authority (made once): its documents verify with its root and nothing else. */
export function testNitroAuthority(): Promise<NitroAuthority> {
  return (authority ??= createNitroAuthority({ commonName: "Verity SDK test Nitro root" }));
}

/** The `verifyJob` / `getTeeJobData` policy that trusts the test root (and only it). */
export async function testAttestationPolicy(): Promise<TeeAttestationPolicy> {
  return { nitroRoots: [(await testNitroAuthority()).rootPem] };
}

/** Every evidence document issued by this module, by evidence hash (`verifyJob({ evidence: EVIDENCE })`). */
export const EVIDENCE: Record<Hex, Uint8Array> = {};

/** The `data:` URI of evidence bytes. */
export const evidenceDataUri = (bytes: Uint8Array) => `data:application/cbor;base64,${Buffer.from(bytes).toString("base64")}`;

/** The clients the flow uses: a reader, and governance (the enclave registry's owner) to approve measurements. */
export type EnclaveClients = { publicClient: VerityClient; governance: VerityClient };
/** The deployment's enclave registry and attestor committee. */
export type EnclaveDeployment = { enclaveRegistry: Address; attestorCommittee: Address };

export type AttestEnclaveOptions = {
  deployment: EnclaveDeployment;
  /** The enclave's signing key. */
  enclave: LocalAccount;
  /** The operator's wallet (it registers the key; its account is the bound operator). */
  operatorWallet: VerityClient;
  /** Stake to lock behind the key (default: the registry's `minTeeStake`). */
  stake?: bigint;
  /** Seconds from the latest block the attestors vouch for (default: the registry's `keyLifetime`). */
  expiresIn?: bigint;
  /** The authority that issues the document (default: the run's test authority). */
  authority?: NitroAuthority;
  /** The enclave image's PCRs (default TEST_PCRS). */
  pcrs?: NitroPcrsLike;
  /** Who the document binds (default: this enclave and this operator). */
  bind?: { key?: Address; operator?: Address };
  /** The attestors who sign (default: the first ATTESTOR_THRESHOLD of ATTESTORS). */
  signers?: readonly LocalAccount[];
  /**
   * Whether the attestors verify the document before signing (default true; a check that fails throws). False: a
   * dishonest (or careless) committee signs whatever it is given: attestors are a trust assumption.
   */
  attestorsCheck?: boolean;
  /** Whether governance approves the measurement first when it is not yet (default true). */
  approve?: boolean;
  /** The document's time (default: the latest block's). */
  timestamp?: Date;
};

/** One attestation of a key, ready to register or re-attest. */
export type EnclaveAttestation = {
  key: Address;
  operator: Address;
  teeType: number;
  measurement: Hex;
  /** The document (COSE_Sign1 bytes). */
  evidence: Uint8Array;
  evidenceHash: Hex;
  evidenceURI: string;
  expiresAt: bigint;
  approvals: AttestorSignature[];
  timestamp: Date;
  authority: NitroAuthority;
  /** The `registerEnclaveKey` parameters (spread them, override any). */
  registration: {
    enclaveRegistry: Address;
    enclave: LocalAccount;
    teeType: number;
    measurement: Hex;
    evidenceHash: Hex;
    evidenceURI: string;
    expiresAt: bigint;
    approvals: AttestorSignature[];
    stake: bigint;
  };
};

async function minedOk(client: VerityClient, hash: Hash): Promise<TransactionReceipt> {
  const receipt = await waitForTransactionReceipt(client, { hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  return receipt;
}

const operatorOf = (wallet: VerityClient): Address => {
  if (!wallet.account) throw new Error("operatorWallet needs an account");
  return wallet.account.address;
};

/**
 * Issues evidence for `enclave`, approves its measurement (governance), has the attestors verify and sign it, and
 * returns what `registerEnclaveKey` (or `reattestEnclaveKey`) takes; sends nothing else.
 */
export async function prepareEnclaveAttestation(c: EnclaveClients, o: AttestEnclaveOptions): Promise<EnclaveAttestation> {
  const { enclaveRegistry, attestorCommittee } = o.deployment;
  const issuer = o.authority ?? (await testNitroAuthority());
  const operator = operatorOf(o.operatorWallet);
  const key = o.enclave.address;
  const registry = { address: enclaveRegistry, abi: enclaveRegistryAbi } as const;
  const [chainId, block, lifetime, minTeeStake] = await Promise.all([
    getChainId(c.publicClient),
    getBlock(c.publicClient),
    o.expiresIn === undefined ? readContract(c.publicClient, { ...registry, functionName: "keyLifetime" }) : Promise.resolve(o.expiresIn),
    o.stake === undefined ? readContract(c.publicClient, { ...registry, functionName: "minTeeStake" }) : Promise.resolve(o.stake),
  ]);
  const timestamp = o.timestamp ?? new Date(Number(block.timestamp) * 1000);
  const pcrs = o.pcrs ?? TEST_PCRS;
  const measurement = nitroMeasurement(pcrs);

  // The enclave: a document whose user_data binds its key to its operator at this registry on this chain.
  const userData = enclaveKeyBindingDigest({
    chainId,
    enclaveRegistry,
    key: o.bind?.key ?? key,
    operator: o.bind?.operator ?? operator,
  });
  const evidence = await issuer.issueDocument({ pcrs, userData, timestamp });
  const hash = evidenceHash(evidence);
  EVIDENCE[hash] = evidence;
  const evidenceURI = evidenceDataUri(evidence);

  // Governance: the enclave image's measurement, for AWS Nitro.
  if (o.approve ?? true) {
    const [status] = await readContract(c.publicClient, { ...registry, functionName: "getMeasurement", args: [measurement] });
    if (status === 0) {
      await minedOk(c.publicClient, await approveMeasurement(c.governance, { enclaveRegistry, measurement, teeType: TeeType.AwsNitro }));
    }
  }

  // The attestors: each verifies the document (pinned to the test root, binding this key and operator here) and signs.
  const expiresAt = block.timestamp + lifetime;
  const claim = { teeType: TeeType.AwsNitro, evidenceHash: hash, measurement, key, operator, expiresAt };
  const binding = enclaveKeyBindingDigest({ chainId, enclaveRegistry, key, operator });
  const approvals: AttestorSignature[] = [];
  for (const attestor of o.signers ?? ATTESTORS.slice(0, ATTESTOR_THRESHOLD)) {
    if (o.attestorsCheck ?? true) {
      await verifyNitroDocument(evidence, { now: timestamp, roots: [issuer.rootPem], binding, approvedMeasurements: [measurement] });
    }
    approvals.push(await signAttestorApproval(attestor, { committee: attestorCommittee, chainId, claim }));
  }

  return {
    key,
    operator,
    teeType: TeeType.AwsNitro,
    measurement,
    evidence,
    evidenceHash: hash,
    evidenceURI,
    expiresAt,
    approvals,
    timestamp,
    authority: issuer,
    registration: {
      enclaveRegistry,
      enclave: o.enclave,
      teeType: TeeType.AwsNitro,
      measurement,
      evidenceHash: hash,
      evidenceURI,
      expiresAt,
      approvals,
      stake: minTeeStake,
    },
  };
}

/**
 * The whole flow: evidence, measurement approval, attestor approvals, and the operator's `registerEnclaveKey`
 * (mined; a revert throws). The operator must have staked at least `stake` of free stake.
 */
export async function attestEnclave(
  c: EnclaveClients,
  o: AttestEnclaveOptions,
): Promise<EnclaveAttestation & { receipt: TransactionReceipt }> {
  const attestation = await prepareEnclaveAttestation(c, o);
  const receipt = await minedOk(c.publicClient, await registerEnclaveKey(o.operatorWallet, attestation.registration));
  return { ...attestation, receipt };
}

/** Fresh evidence and approvals for an active key, sent with `reattestEnclaveKey` (mined). */
export async function reattestEnclave(
  c: EnclaveClients,
  o: Omit<AttestEnclaveOptions, "stake" | "approve">,
): Promise<EnclaveAttestation & { receipt: TransactionReceipt }> {
  const attestation = await prepareEnclaveAttestation(c, { ...o, approve: false });
  const { enclaveRegistry, enclave, evidenceHash: hash, evidenceURI, expiresAt, approvals } = attestation.registration;
  const receipt = await minedOk(
    c.publicClient,
    await reattestEnclaveKey(o.operatorWallet, { enclaveRegistry, enclave, evidenceHash: hash, evidenceURI, expiresAt, approvals }),
  );
  return { ...attestation, receipt };
}
