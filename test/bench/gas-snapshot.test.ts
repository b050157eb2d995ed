/**
 * The committed gas snapshot (bench/gas.json, written by `npm run bench:gas`) is compared with the contracts as
 * they are: the two hot paths are re-measured in steady state exactly as the bench does, and must equal the
 * snapshot and stay within the targets. A contract change that moves them fails here until the bench is
 * re-run and the new figures are committed, so every gas change shows in the diff.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { network } from "hardhat";
import { deployWithTeeModel, request, teeFulfillArgs } from "../helpers/verity.js";

const { ethers } = await network.create();
const snapshot = JSON.parse(readFileSync("bench/gas.json", "utf8")) as Record<string, number>;

describe("gas snapshot (bench/gas.json)", () => {
  it("requestInference and fulfill(tee) cost what the committed snapshot says, within the targets (66,000 and 70,000)", async () => {
    const c = await deployWithTeeModel(ethers);
    // Warm-up, as in bench/gas.ts: one full job per fee currency so counters and balances are non-zero.
    for (const version of [1, 2]) {
      const { jobId, job } = await request(c, { version });
      await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, jobId, job)));
    }
    const native = await request(c);
    const fulfil = await (await c.hub.connect(c.operator).fulfill(...(await teeFulfillArgs(c, native.jobId, native.job)))).wait();
    const measured = { requestInference: Number(native.receipt.gasUsed), "fulfill(tee)": Number(fulfil!.gasUsed) };
    const hint = "contract gas changed: run `npm run bench:gas` and commit bench/gas.json";
    expect(measured.requestInference, hint).to.equal(snapshot.requestInference);
    expect(measured["fulfill(tee)"], hint).to.equal(snapshot["fulfill(tee)"]);
    expect(measured.requestInference).to.be.at.most(66_000);
    expect(measured["fulfill(tee)"]).to.be.at.most(70_000);
  });

  it("the committed snapshot keeps every mode within the issue's targets", () => {
    expect(snapshot["fulfill(zk)"]).to.be.at.most(290_000);
    expect(snapshot["fulfill(quorum 3-of-5)"]).to.be.at.most(95_000);
    expect(snapshot.proposeResult).to.be.at.most(110_000);
  });
});
