/**
 * EnclaveRegistry helpers on top of the shared fixtures (./verity.ts): a ledger of everything a key operation can
 * move (key records, whether each key counts, stake records, slash credits, the burn, the registry's balance), so a
 * refused call can be shown to have moved nothing; TEE disputes on the all-modes fixture (./modes.ts), whose version
 * 4 has a ZK circuit and whose operator registry has the ZK verifier as its dispute verifier; and the gas of a key's
 * registration and re-attestation, measured the same way by the bench and the snapshot test.
 */
import { expect } from "chai";
import { ethers as ethersLib, type BaseContract } from "ethers";
import { encodeTensor } from "../../sdk/src/encoding/tensor.js";
import { expectRefused } from "./hub.js";
import {
  ALL_MODES_VERSION,
  WRONG_OUTPUT,
  deployWithAllModes,
  inline,
  modeRequest,
  resolutionFor,
  type ModesSetup,
} from "./modes.js";
import {
  MEASUREMENT,
  MODE_TEE,
  enclaveRegistration,
  reattestation,
  signResult,
  type Core,
  type JobStruct,
  type TeeSetup,
} from "./verity.js";

/** keccak256 of the empty URI: the delivery form of an inline output. */
export const INLINE_URI_HASH = ethersLib.keccak256("0x");
/** A wrong answer for the Iris input (see ./modes.ts), encoded. */
export const WRONG_TEE_OUTPUT = encodeTensor(WRONG_OUTPUT);

/** Deep-converts ethers `Result`s to plain arrays, for deep equality. */
function plain(x: unknown): unknown {
  if (x instanceof ethersLib.Result) return x.toArray(true).map(plain);
  if (Array.isArray(x)) return x.map(plain);
  return x;
}

/**
 * Everything a key operation can move: each key's record and the operator it counts for (on its own measurement),
 * the stake records and slash credits of `accounts`, the burn and the operator registry's native balance.
 */
export async function keyLedger(c: Core, keys: string[], accounts: string[]) {
  return {
    keys: await Promise.all(
      keys.map(async (k) => {
        const record = await c.enclaves.getEnclaveKey(k);
        return [plain(record), await c.enclaves.activeEnclaveOperator(k, record.measurement)];
      }),
    ),
    stakes: await Promise.all(accounts.map(async (a) => plain(await c.operators.getOperator(a)))),
    slashCredits: await Promise.all(accounts.map((a) => c.operators.slashCreditOf(a))),
    burned: await c.operators.burned(),
    registry: await c.ethers.provider.getBalance(await c.operators.getAddress()),
  };
}

/**
 * Sends `send`, expects `source`'s custom error `error(...args)`, and checks that neither a key record (of `keys`),
 * nor a stake, lock or slash credit (of `accounts`), nor any balance of the hub or `accounts` (but a mined refusal's
 * gas) moved.
 */
export async function expectKeyRefused(
  c: Core,
  send: () => Promise<unknown>,
  source: BaseContract,
  error: string,
  args: unknown[],
  keys: string[],
  accounts: string[] = [c.operator.address],
) {
  const before = await keyLedger(c, keys, accounts);
  await expectRefused(c as unknown as TeeSetup, send, source, error, args, accounts);
  expect(await keyLedger(c, keys, accounts)).to.deep.equal(before);
}

/** The all-modes fixture with MEASUREMENT allowed for the all-modes version (TEE with a ZK circuit). */
export async function deployWithTeeDisputes(ethers: Parameters<typeof deployWithAllModes>[0]) {
  const c = await deployWithAllModes(ethers);
  await c.tee.connect(c.modelOwner).setMeasurementAllowed(c.modelId, ALL_MODES_VERSION, MEASUREMENT, true);
  return c;
}

export type DisputeSetup = ModesSetup;

/** The enclave's result signature of `output` (inline) for a job. */
export async function teeSignature(c: ModesSetup, jobId: bigint, job: JobStruct, output: string, enclave = c.enclave) {
  return signResult(c, enclave, {
    jobId,
    modelId: job.modelId as string,
    version: job.version as bigint,
    inputHash: job.inputHash as string,
    outputHash: ethersLib.keccak256(output),
  });
}

/**
 * A TEE job of the all-modes version (Iris input) fulfilled by the fixture's enclave with `output` (default: a wrong
 * answer). Returns the job and the signature.
 */
export async function signedTeeJob(c: ModesSetup, output = WRONG_TEE_OUTPUT, enclave = c.enclave) {
  const { jobId, job } = await modeRequest(c, MODE_TEE, 0n);
  const signature = await teeSignature(c, jobId, job, output, enclave);
  await (await c.hub.connect(c.operator).fulfill(jobId, job, inline(output), signature)).wait();
  return { jobId, job, signature, output };
}

/**
 * The `disputeTeeResult` arguments proving the true output of a job (a real Groth16 proof, bound to the job and to
 * `disputer`, who must send them) against the key's signature of `signedOutput`.
 */
export async function teeDisputeArgs(
  c: ModesSetup,
  jobId: bigint,
  job: JobStruct,
  signature: string,
  disputer: string,
  signedOutput = WRONG_TEE_OUTPUT,
) {
  const { result, attestation, output } = await resolutionFor(c, jobId, disputer);
  const args = [jobId, job, ethersLib.keccak256(signedOutput), INLINE_URI_HASH, signature, result, attestation] as const;
  return { args, provenOutput: output };
}

/**
 * The attestors' expiry the gas measurement signs (2100-01-01): fixed, so the signatures, and so the calldata's
 * zero bytes, do not depend on the clock (the key's expiry is still capped at keyLifetime from the block).
 */
const GAS_EXPIRY = 4_102_444_800n;

/**
 * The gas of `registerEnclaveKey` through the fixture's 2-of-3 committee and of `reattestEnclaveKey`, in steady
 * state: a second key of the fixture's operator (whose stake record and lock are already non-zero), re-attested with
 * fresh evidence an hour later.
 */
export async function measureEnclaveKeyGas(c: TeeSetup, increaseTime: (seconds: number) => Promise<unknown>) {
  const used = async (tx: Promise<ethersLib.ContractTransactionResponse>) => Number((await (await tx).wait())!.gasUsed);
  const enclave = new ethersLib.Wallet(ethersLib.id("enclave key (gas)"));
  const { registration, keyProof, proof } = await enclaveRegistration(c, enclave, { expiresAt: GAS_EXPIRY });
  const registerEnclaveKey = await used(c.enclaves.connect(c.operator).registerEnclaveKey(registration, keyProof, proof));
  await increaseTime(3600);
  const args = await reattestation(c, enclave, { expiresAt: GAS_EXPIRY });
  const reattestEnclaveKey = await used(c.enclaves.connect(c.operator).reattestEnclaveKey(...args));
  return { "registerEnclaveKey(committee 2-of-3)": registerEnclaveKey, reattestEnclaveKey };
}
