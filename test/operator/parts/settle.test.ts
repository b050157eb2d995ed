import { expect } from "chai";
import type { Hash } from "viem";
import type { RequestedJob } from "../../../sdk/src/internal/jobs.js";
import { Settled } from "../../../sdk/src/operator/jobs.js";
import { Interrupted, createServiceLoop } from "../../../sdk/src/operator/loop.js";
import { createSettler } from "../../../sdk/src/operator/settle.js";
import {
  type Connection,
  FLOWERS,
  type OperatorSystem,
  POLL_MS,
  chainOf,
  connect,
  deployOperatorSystem,
  deferred,
  eventsOf,
  fulfilTee,
  jobBookOf,
  mineBlock,
  rejection,
  request,
  sentCount,
  submitterOf,
  trueOutput,
  unknownHash,
  withoutAutomine,
} from "./helpers.js";

describe("operator parts: settler", function () {
  let c: Connection;
  const system = () => deployOperatorSystem(c);
  const opened: { close(): Promise<void> }[] = [];
  before(async function () {
    c = await connect();
  });
  afterEach(async function () {
    for (const jobs of opened.splice(0)) await jobs.close();
  });

  /** The real parts a settler runs on (as the node composes them); `slept` resolves at the settler's first wait. */
  async function settlerOn(s: OperatorSystem, { confirmations = 1 } = {}) {
    const { jobs, events } = jobBookOf(s);
    await jobs.open(await c.publicClient.getChainId());
    opened.push(jobs);
    const loop = createServiceLoop({ name: "node", pollMs: POLL_MS, tick: async () => undefined, onError: () => undefined });
    const slept = deferred();
    const settle = createSettler({
      chain: chainOf(c, s),
      jobs,
      loop: { checkStop: () => loop.checkStop(), sleep: (ms) => (slept.resolve(), loop.sleep(ms)) },
      submitter: submitterOf(c, s),
      confirmations,
      pollMs: POLL_MS,
      hooksFor: () => undefined,
    });
    /** Records the job as `submitted` with `nonce` and `txHash`, as the node does just before a send. */
    const recordSubmitted = async (req: RequestedJob, nonce: number, txHash: Hash) => {
      jobs.see(req);
      await jobs.update(req.jobId, { state: "submitted", attempts: 1, from: s.operatorAccount.address, nonce, txHash });
    };
    return { settle, jobs, events, loop, slept: slept.promise, recordSubmitted };
  }

  it("settles a submitted job whose transaction was mined as done, fulfilled, with the gas it used", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { settle, jobs, events, recordSubmitted } = await settlerOn(s);
    const req = await request(c, s, FLOWERS[0]!);
    const nonce = await sentCount(c, s.operatorAccount.address);
    const txHash = await fulfilTee(s.operatorWallet, s, req, FLOWERS[0]!);
    await recordSubmitted(req, nonce, txHash);

    await settle(req.jobId, trueOutput(FLOWERS[0]!));
    const receipt = await c.publicClient.getTransactionReceipt({ hash: txHash });
    expect(jobs.get(req.jobId)).to.include({ state: "done", outcome: "fulfilled", txHash, gasUsed: receipt.gasUsed });
    expect(eventsOf(events, "job-fulfilled")).to.deep.equal([
      { type: "job-fulfilled", jobId: req.jobId, txHash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber, output: trueOutput(FLOWERS[0]!) },
    ]);
    expect(jobs.session).to.include({ fulfilled: 1, gasUsed: receipt.gasUsed });
  });

  it("counts a mined transaction only once it has `confirmations` blocks", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { settle, jobs, slept, recordSubmitted } = await settlerOn(s, { confirmations: 2 });
    const req = await request(c, s, FLOWERS[1]!);
    const nonce = await sentCount(c, s.operatorAccount.address);
    const txHash = await fulfilTee(s.operatorWallet, s, req, FLOWERS[1]!);
    await recordSubmitted(req, nonce, txHash);

    const settling = settle(req.jobId);
    await slept; // one confirmation: the settler waits
    expect(jobs.get(req.jobId).state).to.equal("submitted");
    await mineBlock(c);
    await settling;
    expect(jobs.get(req.jobId)).to.include({ state: "done", outcome: "fulfilled", txHash });
  });

  it("sends a job whose recorded nonce was never used, with no transaction pending, back to seen", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { settle, jobs, events, recordSubmitted } = await settlerOn(s);
    const req = await request(c, s, FLOWERS[2]!);
    const nonce = await sentCount(c, s.operatorAccount.address);
    await recordSubmitted(req, nonce, unknownHash("signed, then the node crashed"));

    await settle(req.jobId);
    expect(jobs.get(req.jobId)).to.include({ state: "seen", txHash: undefined, nonce: undefined });
    const [retrying] = eventsOf(events, "job-retrying");
    expect(retrying?.jobId).to.equal(req.jobId);
    expect(retrying?.detail).to.include(`nonce ${nonce}`).and.to.include("never reached the chain");
    expect(await sentCount(c, s.operatorAccount.address)).to.equal(nonce); // the settler itself sends nothing
  });

  it("records a job another account fulfilled as done, fulfilled elsewhere, and ends its work (Settled)", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { settle, jobs, events, recordSubmitted } = await settlerOn(s);
    const req = await request(c, s, FLOWERS[3]!);
    const nonce = await sentCount(c, s.operatorAccount.address);
    await recordSubmitted(req, nonce, unknownHash("lost to a faster operator"));
    // Anyone may deliver an enclave-signed TEE result.
    const theirs = await fulfilTee(c.other, s, req, FLOWERS[3]!);
    await c.publicClient.waitForTransactionReceipt({ hash: theirs });

    expect(await rejection(settle(req.jobId))).to.be.instanceOf(Settled);
    expect(jobs.get(req.jobId)).to.include({ state: "done", outcome: "fulfilled-elsewhere" });
    expect(eventsOf(events, "job-fulfilled-elsewhere").map((e) => [e.jobId, e.txHash])).to.deep.equal([[req.jobId, theirs]]);
    expect(jobs.session).to.include({ fulfilled: 0, fulfilledElsewhere: 1 });
  });

  it("waits for a transaction still in the mempool, and leaves the job submitted when the node stops", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { settle, jobs, loop, slept, recordSubmitted } = await settlerOn(s);
    const req = await request(c, s, FLOWERS[4]!);
    const nonce = await sentCount(c, s.operatorAccount.address);
    await withoutAutomine(c, async () => {
      const txHash = await fulfilTee(s.operatorWallet, s, req, FLOWERS[4]!);
      await recordSubmitted(req, nonce, txHash);
      const settling = settle(req.jobId);
      await slept; // pending: the settler waits instead of sending another
      await loop.stop(async () => undefined);
      expect(await rejection(settling)).to.be.instanceOf(Interrupted);
      expect(jobs.get(req.jobId)).to.include({ state: "submitted", nonce, txHash });
      await mineBlock(c);
    });
    expect(await sentCount(c, s.operatorAccount.address)).to.equal(nonce + 1);
  });
});
