import { expect } from "chai";
import { existsSync } from "node:fs";
import { encodeErrorResult, keccak256 } from "viem";
import { inferenceHubAbi } from "../../../sdk/src/index.js";
import { ContractRevertError } from "../../../sdk/src/errors/contract.js";
import { ArtifactFetchError, ArtifactHashMismatchError, OperatorStateLockedError } from "../../../sdk/src/operator/errors.js";
import { MAX_ATTEMPTS, MAX_ERRORS, Settled } from "../../../sdk/src/operator/jobs.js";
import { readStateFile } from "../../../sdk/src/operator/store.js";
import {
  type Connection,
  FLOWERS,
  POLL_MS,
  type OperatorSystem,
  connect,
  deployOperatorSystem,
  eventsOf,
  jobBookOf,
  rejection,
  request,
  unknownHash,
} from "./helpers.js";

describe("operator parts: job book", function () {
  let c: Connection;
  let chainId: number;
  const system = () => deployOperatorSystem(c);
  before(async function () {
    c = await connect();
    chainId = await c.publicClient.getChainId();
  });

  /** An open job book on a fresh state file, with `n` real requests seen and saved. */
  async function bookWithJobs(s: OperatorSystem, n: number) {
    const book = jobBookOf(s);
    await book.jobs.open(chainId);
    const reqs = [];
    for (let i = 0; i < n; i++) reqs.push(await request(c, s, FLOWERS[i]!));
    for (const req of reqs) book.jobs.see(req);
    await book.jobs.scanned(reqs.at(-1)!.requested.blockNumber);
    return { ...book, ids: reqs.map((r) => r.jobId), reqs };
  }

  const hubError = (errorName: "HubJobExpired", args: readonly [bigint, bigint]) =>
    new ContractRevertError({ data: encodeErrorResult({ abi: inferenceHubAbi, errorName, args }) });

  it("locks the state file while open: a second book on it is refused until the first closes", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const first = jobBookOf(s);
    await first.jobs.open(chainId);
    expect(existsSync(`${first.stateFile}.lock`)).to.equal(true);
    const second = jobBookOf(s, first.stateFile);
    expect(await rejection(second.jobs.open(chainId))).to.be.instanceOf(OperatorStateLockedError);
    await first.jobs.close();
    expect(existsSync(`${first.stateFile}.lock`)).to.equal(false);
    await second.jobs.open(chainId);
    await second.jobs.close();
  });

  it("records a request first met as seen, once, and saves it with the cursor", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { jobs, stateFile } = jobBookOf(s);
    await jobs.open(chainId);
    const req = await request(c, s, FLOWERS[0]!);
    expect(jobs.see(req)).to.equal(true);
    expect(jobs.see(req)).to.equal(false);
    expect(jobs.requests.get(req.jobId)).to.equal(req);
    await jobs.scanned(req.requested.blockNumber);
    const saved = readStateFile(stateFile);
    expect(saved.lastBlock).to.equal(req.requested.blockNumber);
    expect(saved.jobs.get(req.jobId)).to.include({
      state: "seen",
      attempts: 0,
      mode: req.job.mode,
      version: req.job.version,
      requestBlock: req.requested.blockNumber,
      deadline: req.job.deadline,
    });
    expect(jobs.counts()).to.include({ seen: 1 });
    await jobs.close();
  });

  it("skip() records the reason and detail, counts and logs it, and throws Settled", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { jobs, events, stateFile, ids } = await bookWithJobs(s, 1);
    const [id] = ids as [bigint];
    expect(await rejection(jobs.skip(id, "reward-too-low", "operator reward 1 is below 2"))).to.be.instanceOf(Settled);
    expect(readStateFile(stateFile).jobs.get(id)).to.include({ state: "skipped", reason: "reward-too-low", detail: "operator reward 1 is below 2" });
    expect(jobs.session.skipped).to.equal(1);
    expect(eventsOf(events, "job-skipped")).to.deep.equal([{ type: "job-skipped", jobId: id, reason: "reward-too-low", detail: "operator reward 1 is below 2" }]);
    expect(jobs.requests.has(id)).to.equal(false); // a finished job's request is forgotten
    await jobs.close();
  });

  it("fail() puts a job back to seen with a retryAt after a retryable error, and fails it after a permanent one", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { jobs, events, ids } = await bookWithJobs(s, 3);
    const [retryable, reverted, tampered] = ids as [bigint, bigint, bigint];
    for (const id of ids) await jobs.update(id, { state: "running", attempts: 1 });

    const t0 = Date.now();
    await jobs.fail(retryable, new ArtifactFetchError({ uri: "https://models.example/iris.onnx", reason: "timed out" }));
    const rec = jobs.get(retryable);
    expect(rec).to.include({ state: "seen", errors: 1 });
    expect(rec.retryAt).to.be.at.least(t0 + 2 * POLL_MS);
    expect(rec.detail).to.include("timed out");

    await jobs.fail(reverted, hubError("HubJobExpired", [reverted, 0n]));
    const hash = keccak256("0x00");
    await jobs.fail(tampered, new ArtifactHashMismatchError({ uri: "file:x", expected: hash, actual: hash, what: "model file" }));
    expect([jobs.get(reverted).state, jobs.get(tampered).state]).to.deep.equal(["failed", "failed"]);
    expect(jobs.get(reverted).detail).to.include("HubJobExpired");
    expect(jobs.session.failed).to.equal(2);
    expect(eventsOf(events, "job-failed").map((e) => [e.jobId, e.willRetry])).to.deep.equal([
      [retryable, true],
      [reverted, false],
      [tampered, false],
    ]);
    await jobs.close();
  });

  it(`fails a job after ${MAX_ERRORS} retryable errors, but never gives up on a submitted one`, async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { jobs, ids } = await bookWithJobs(s, 2);
    const [flaky, submitted] = ids as [bigint, bigint];
    for (let i = 1; i < MAX_ERRORS; i++) await jobs.fail(flaky, new Error("rpc unreachable"));
    expect(jobs.get(flaky)).to.include({ state: "seen", errors: MAX_ERRORS - 1 });
    await jobs.fail(flaky, new Error("rpc unreachable"));
    expect(jobs.get(flaky)).to.include({ state: "failed", detail: "rpc unreachable" });

    await jobs.update(submitted, { state: "submitted", nonce: 4, txHash: unknownHash("submitted") });
    for (let i = 1; i <= MAX_ERRORS + 1; i++) await jobs.fail(submitted, hubError("HubJobExpired", [submitted, 0n]));
    expect(jobs.get(submitted)).to.include({ state: "submitted", nonce: 4, errors: MAX_ERRORS + 1 });
    await jobs.close();
  });

  it(`retry() serves a submitted job again, and gives it up after ${MAX_ATTEMPTS} attempts`, async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { jobs, events, ids } = await bookWithJobs(s, 2);
    const [again, spent] = ids as [bigint, bigint];
    const sent = { state: "submitted" as const, from: s.operatorAccount.address, nonce: 7, txHash: unknownHash("retry") };
    await jobs.update(again, { ...sent, attempts: 1 });
    await jobs.update(spent, { ...sent, attempts: MAX_ATTEMPTS });

    await jobs.retry(again, "never reached the chain");
    expect(jobs.get(again)).to.include({ state: "seen", detail: "never reached the chain", txHash: undefined, nonce: undefined, from: undefined });
    expect(eventsOf(events, "job-retrying")).to.deep.equal([{ type: "job-retrying", jobId: again, detail: "never reached the chain" }]);

    await jobs.retry(spent, "reverted");
    expect(jobs.get(spent)).to.include({ state: "failed", detail: `reverted; given up after ${MAX_ATTEMPTS} attempts` });
    expect(eventsOf(events, "job-failed").map((e) => [e.jobId, e.willRetry])).to.deep.equal([[spent, false]]);
    expect(jobs.session.failed).to.equal(1);
    await jobs.close();
  });

  it("on open, puts jobs skipped for a configuration reason back to seen and reports the jobs left running or submitted", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const first = await bookWithJobs(s, 4);
    const [unserved, late, running, submitted] = first.ids as [bigint, bigint, bigint, bigint];
    await rejection(first.jobs.skip(unserved, "model-not-served", "version 1 is not served"));
    await rejection(first.jobs.skip(late, "deadline-too-close", "10 s left"));
    await first.jobs.update(running, { state: "running", attempts: 1 });
    await first.jobs.update(submitted, { state: "submitted", attempts: 1, nonce: 3, txHash: unknownHash("open") });
    await first.jobs.close();

    const second = jobBookOf(s, first.stateFile);
    await second.jobs.open(chainId);
    expect(second.jobs.get(unserved)).to.include({ state: "seen", reason: undefined, detail: undefined });
    expect(second.jobs.get(late)).to.include({ state: "skipped", reason: "deadline-too-close" });
    const recovered = eventsOf(second.events, "job-recovered");
    expect(recovered.map((e) => [e.jobId, e.state])).to.deep.equal([
      [running, "running"],
      [submitted, "submitted"],
    ]);
    expect(recovered[1]?.detail).to.include(`nonce 3, tx ${unknownHash("open")}`);
    expect(readStateFile(first.stateFile).jobs.get(unserved)?.state).to.equal("seen"); // saved at open
    await second.jobs.close();
  });
});
