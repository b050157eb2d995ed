/**
 * The committed gas snapshot (bench/gas.json, written by `npm run bench:gas`) is compared with the contracts as
 * they are: the hot paths (requestInference, fulfill(tee)) and the enclave key operations (registration through the
 * 2-of-3 committee, re-attestation) are re-measured in steady state exactly as the bench does, and must equal the
 * snapshot and stay within their targets. A contract change that moves them fails here until the bench is re-run and
 * the new figures are committed, so every gas change shows in the diff. The BATCH mode's hot paths (deposit, claim,
 * settleBatch, verifyReceipt, proveEquivocation) are re-measured the same way on a network of their own, for the
 * batch sizes that build quickly (1 and 100 receipts); the 10,000-receipt figures are checked on the snapshot.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { network } from "hardhat";
import { deployWithTeeModel, request, teeFulfillArgs } from "../helpers/verity.js";
import { measureEnclaveKeyGas } from "../helpers/enclaves.js";
import { measureBatchGas } from "../helpers/batch.js";

const { ethers, networkHelpers } = await network.create();
const snapshot = JSON.parse(readFileSync("bench/gas.json", "utf8")) as Record<string, number>;

/** The most each re-measured operation may cost (the targets). */
const TARGETS: Record<string, number> = {
  requestInference: 66_000,
  "fulfill(tee)": 70_000,
};
/** The same for the BATCH mode: a batch root costs one slot, at most 80,000 gas whatever the batch's size. */
const BATCH_TARGETS: Record<string, number> = {
  "settleBatch(n=1)": 80_000,
  "settleBatch(n=100)": 80_000,
  "settleBatch(enclave key)": 80_000,
};
/** The most each mode may cost, checked on the committed snapshot. */
const SNAPSHOT_TARGETS: Record<string, number> = {
  "fulfill(zk)": 290_000,
  "fulfill(quorum 3-of-5)": 95_000,
  proposeResult: 110_000,
  "settleBatch(n=10000)": 80_000,
};

describe("gas snapshot (bench/gas.json)", () => {
  it("requestInference, fulfill(tee) and the enclave key operations cost what the committed snapshot says, within the targets", async () => {
    const c = await deployWithTeeModel(ethers);
    // Warm-up, as in bench/gas.ts: one full job per fee currency so counters and balances are non-zero.
    for (const version of [1, 2]) {
      const { jobId, job } = await request(c, { version });
      await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
    }
    const native = await request(c);
    const fulfil = await (await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, native.jobId, native.job)))).wait();
    const measured: Record<string, number> = {
      requestInference: Number(native.receipt.gasUsed),
      "fulfill(tee)": Number(fulfil!.gasUsed),
      ...(await measureEnclaveKeyGas(c, (s) => networkHelpers.time.increase(s))),
    };
    const hint = "contract gas changed: run `npm run bench:gas` and commit bench/gas.json";
    for (const [operation, gas] of Object.entries(measured)) {
      expect(snapshot[operation], `${operation} is missing from bench/gas.json`).to.be.a("number");
      expect(gas, `${operation}: ${hint}`).to.equal(snapshot[operation]);
    }
    for (const [operation, target] of Object.entries(TARGETS)) {
      expect(measured[operation], `${operation} above its target`).to.be.at.most(target);
    }
  });

  it("the BATCH mode's deposit, claim, settleBatch, verifyReceipt and proveEquivocation cost what the snapshot says; settleBatch's execution does not depend on the batch's size", async () => {
    const batchNetwork = await network.create();
    const { gas: measured, execution } = await measureBatchGas(batchNetwork.ethers, { sizes: [1, 100], slash: true });
    const hint = "contract gas changed: run `npm run bench:gas` and commit bench/gas.json";
    expect(Object.keys(measured)).to.include.members(["deposit(batch)", "claim(batch)", "settleBatch(n=1)", "settleBatch(n=100)", "verifyReceipt(depth 7)", "proveEquivocation"]);
    for (const [operation, gas] of Object.entries(measured)) {
      expect(snapshot[operation], `${operation} is missing from bench/gas.json`).to.be.a("number");
      expect(gas, `${operation}: ${hint}`).to.equal(snapshot[operation]);
    }
    expect(execution["settleBatch(n=100)"]).to.equal(execution["settleBatch(n=1)"]);
    for (const [operation, target] of Object.entries(BATCH_TARGETS)) {
      expect(measured[operation], `${operation} above its target`).to.be.at.most(target);
    }
  });

  it("the committed snapshot keeps every mode within the issue's targets", () => {
    for (const [operation, target] of Object.entries({ ...TARGETS, ...BATCH_TARGETS, ...SNAPSHOT_TARGETS })) {
      expect(snapshot[operation], `${operation} above its target`).to.be.at.most(target);
    }
  });
});
