/**
 * Helpers for the InferenceHub tests: balance snapshots to prove a refused call moved nothing, credit snapshots
 * around a fulfilment, and extra enclave keys / signatures on top of the shared fixture (./verity.ts).
 */
import { expect } from "chai";
import { ethers as ethersLib, type BaseContract } from "ethers";
import {
  OUTPUT,
  inlineResult,
  signResult,
  teeAttestation,
  type JobStruct,
  type TeeSetup,
} from "./verity.js";

export const NATIVE = ethersLib.ZeroAddress;
export const JobStatus = { None: 0n, Pending: 1n, Fulfilled: 2n, Refunded: 3n } as const;
export const BPS = 10_000n;

/** Native and token balances of the hub and the given accounts, plus the job count. */
export async function fundsSnapshot(c: TeeSetup, accounts: string[] = [c.requester.address]) {
  const hub = await c.hub.getAddress();
  const rows: Record<string, { native: bigint; token: bigint }> = {};
  for (const a of [hub, ...accounts]) {
    rows[a] = { native: await c.ethers.provider.getBalance(a), token: await c.token.balanceOf(a) };
  }
  return { rows, jobCount: await c.hub.jobCount() };
}

/** Asserts that balances and the job count equal an earlier snapshot. */
export async function expectFundsUnchanged(c: TeeSetup, before: Awaited<ReturnType<typeof fundsSnapshot>>) {
  const after = await fundsSnapshot(c, Object.keys(before.rows).slice(1));
  expect(after).to.deep.equal(before);
}

/** Everything a fulfilment or refund may touch for one job: its slot and the credits it may move. */
export async function jobLedger(c: TeeSetup, jobId: bigint, job: JobStruct) {
  const token = job.feeToken as string;
  const [status, commitment] = await c.hub.getJob(jobId);
  return {
    status,
    commitment,
    operator: await c.hub.creditOf(c.operator.address, token),
    requester: await c.hub.creditOf(job.requester as string, token),
    treasury: await c.hub.creditOf(await c.hub.treasury(), token),
    model: await c.hub.modelEarnings(job.modelId as string, token),
  };
}

/** The commitment stored for a job in `status`: the job hash with its lowest byte replaced by the status. */
export async function storedCommitment(c: TeeSetup, jobId: bigint, job: JobStruct, status: bigint) {
  const h = BigInt(await c.hub.jobCommitment(jobId, job));
  return ethersLib.toBeHex((h & ~0xffn) | status, 32);
}

/** A fresh enclave wallet registered through the committee (see ./verity.ts). */
export { registerEnclave } from "./verity.js";

/** Fulfil arguments signed by any wallet, for any measurement, output and domain. */
export async function fulfillArgs(
  c: TeeSetup,
  jobId: bigint,
  job: JobStruct,
  opts: Partial<{
    enclave: ethersLib.Wallet;
    output: string;
    signedOutputHash: string;
    signedJobId: bigint;
    domain: Partial<{ chainId: bigint; verifyingContract: string }>;
  }> = {},
) {
  const output = opts.output ?? OUTPUT;
  const sig = await signResult(
    c,
    opts.enclave ?? c.enclave,
    {
      jobId: opts.signedJobId ?? jobId,
      modelId: job.modelId as string,
      version: job.version as bigint,
      inputHash: job.inputHash as string,
      outputHash: opts.signedOutputHash ?? ethersLib.keccak256(output),
    },
    opts.domain ?? {},
  );
  return [jobId, job, inlineResult(output), teeAttestation(sig)] as const;
}

/** The signer ecrecover yields for `signature` over the hub-domain digest of a result. */
export async function resultSigner(c: TeeSetup, jobId: bigint, job: JobStruct, outputHash: string, signature: string) {
  const digest = await c.tee.resultDigest(
    await c.hub.getAddress(),
    jobId,
    job.modelId as string,
    job.version as bigint,
    job.inputHash as string,
    outputHash,
    ethersLib.keccak256("0x"),
  );
  return ethersLib.recoverAddress(digest, signature);
}

/** Transaction fees `from` paid in blocks after `sinceBlock` (refused transactions that were mined still pay). */
async function feesPaidSince(c: TeeSetup, sinceBlock: number) {
  const paid: Record<string, bigint> = {};
  const latest = await c.ethers.provider.getBlockNumber();
  for (let b = sinceBlock + 1; b <= latest; b++) {
    const block = await c.ethers.provider.getBlock(b, true);
    for (const tx of block!.prefetchedTransactions) {
      const receipt = await c.ethers.provider.getTransactionReceipt(tx.hash);
      paid[tx.from] = (paid[tx.from] ?? 0n) + receipt!.gasUsed * receipt!.gasPrice;
    }
  }
  return paid;
}

/**
 * Asserts that `send` is refused with `error(...args)` (raised by `errorSource`, whose ABI declares it) and that
 * neither the hub's, nor the given accounts' native and token balances, nor the job count moved (apart from the
 * gas of a refused transaction that was mined).
 */
export async function expectRefused(
  c: TeeSetup,
  send: () => Promise<unknown>,
  errorSource: BaseContract,
  error: string,
  args: unknown[],
  accounts: string[] = [c.requester.address],
) {
  const before = await fundsSnapshot(c, accounts);
  const block = await c.ethers.provider.getBlockNumber();
  await expect(send())
    .to.be.revertedWithCustomError(errorSource, error)
    .withArgs(...args);
  const fees = await feesPaidSince(c, block);
  for (const [account, fee] of Object.entries(fees)) {
    const row = Object.entries(before.rows).find(([a]) => a.toLowerCase() === account.toLowerCase());
    if (row) row[1].native -= fee;
  }
  await expectFundsUnchanged(c, before);
}
