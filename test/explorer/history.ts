/**
 * The SDK readers the explorer and `verity job audit` share, against the explorer's chain (./chain.ts):
 * `getJobHistory` (a job's events, timed, with senders) and `listJobs` (pages by block range, filters).
 * Registered by explorer.test.ts inside its suite, so both share one chain.
 */
import { expect } from "chai";
import { type PublicClient, createPublicClient, http, zeroAddress } from "viem";
import { hardhat } from "viem/chains";
import { HubNotFoundError, InvalidParameterError, describeJobEvent, getJobHistory, listJobs, verifyJob } from "../../sdk/src/index.js";
import { DEVELOPMENT_ROOT_PEM, AWS_NITRO_ROOT_G1_PEM } from "../../sdk/src/attestation/index.js";
import { type ExplorerChain, type ExplorerJobs, JOB_MODES } from "./chain.js";

/** The fixture's jobs of `mode` (all when undefined), newest first. */
export function jobsOf(c: ExplorerChain, mode?: string): bigint[] {
  return (Object.keys(c.jobs) as (keyof ExplorerJobs)[]).filter((k) => mode === undefined || JOB_MODES[k] === mode).map((k) => c.jobs[k]).sort((a, b) => (a < b ? 1 : -1));
}

export function historySuite(chain: () => ExplorerChain) {
  let client: PublicClient;
  const development = { nitroRoots: [AWS_NITRO_ROOT_G1_PEM, DEVELOPMENT_ROOT_PEM], allowDevelopment: true };
  before(() => {
    client = createPublicClient({ chain: hardhat, transport: http(chain().node.url) });
  });

  it("getJobHistory tells a TEE job: requested by the requester, fulfilled by the operator, timed, with the fee split", async () => {
    const c = chain();
    const h = await getJobHistory(client, { hub: c.hub, jobId: c.jobs.tee });
    expect(h.events.map((e) => e.kind)).to.deep.equal(["requested", "fulfilled"]);
    const [requested, fulfilled] = h.events;
    expect(requested!.from).to.equal(c.requester);
    expect(fulfilled!.from).to.equal(c.operator);
    expect(fulfilled!.timestamp >= requested!.timestamp).to.equal(true);
    expect(h.operators).to.deep.equal([c.operator]);
    expect(h.callback).to.equal("none");
    expect(h.feeSplit.model + h.feeSplit.protocol + h.feeSplit.operator).to.equal(h.job.job.fee);
    expect(describeJobEvent(fulfilled!, zeroAddress)).to.equal(`result recorded: output ${h.job.fulfillment!.outputHash}, operator ${c.operator} credited`);
  });

  it("getJobHistory tells the OPTIMISTIC dispute in order: commit, proposal with stake locked, challenge, ZK resolution, slash, finality, bonds", async () => {
    const c = chain();
    const kinds = (await getJobHistory(client, { hub: c.hub, jobId: c.jobs.optimistic })).events.map((e) => e.kind);
    for (const k of ["requested", "committed", "proposed", "stakeLocked", "challenged", "resolved", "slashed", "finalized", "fulfilled", "bondCredited"] as const) {
      expect(kinds, k).to.include(k);
    }
    expect(kinds.indexOf("committed")).to.be.lessThan(kinds.indexOf("proposed"));
    expect(kinds.indexOf("proposed")).to.be.lessThan(kinds.indexOf("challenged"));
    expect(kinds.indexOf("challenged")).to.be.lessThan(kinds.indexOf("resolved"));
  });

  it("getJobHistory credits every QUORUM signer, tells a delivered and a failed callback, and a refund", async () => {
    const c = chain();
    const q = await getJobHistory(client, { hub: c.hub, jobId: c.jobs.quorum });
    expect([...(q.operators ?? [])].sort()).to.deep.equal([...c.voters].sort());
    expect(q.events.map((e) => e.kind)).to.include("operatorsCredited");
    const delivered = await getJobHistory(client, { hub: c.hub, jobId: c.jobs.callbackDelivered });
    expect(delivered.callback).to.equal("delivered");
    const failed = await getJobHistory(client, { hub: c.hub, jobId: c.jobs.callbackFailed });
    expect(failed.callback).to.equal("failed");
    expect(failed.events.map((e) => e.kind)).to.deep.equal(["requested", "fulfilled", "callbackFailed"]);
    expect(describeJobEvent(failed.events[2]!)).to.match(/^the callback to 0x[0-9a-fA-F]{40} failed \(revert data 0x[0-9a-f]+\); the result stands$/);
    const r = await getJobHistory(client, { hub: c.hub, jobId: c.jobs.refunded });
    expect(r.events.map((e) => e.kind)).to.deep.equal(["requested", "refunded"]);
    expect(r.operators).to.equal(undefined);
  });

  it("verifyJob in Node agrees with what the page must show: every mode valid, the forged job invalid at its evidence", async () => {
    const c = chain();
    for (const jobId of [c.jobs.tee, c.jobs.zk, c.jobs.quorum, c.jobs.optimistic]) {
      const report = await verifyJob(client, { hub: c.hub, jobId, attestation: development });
      expect(report.checks.filter((x) => !x.ok), `job ${jobId}`).to.deep.equal([]);
      expect(report.verdict).to.equal("valid");
    }
    const forged = await verifyJob(client, { hub: c.hub, jobId: c.jobs.forged, attestation: development });
    expect(forged.verdict).to.equal("invalid");
    expect(forged.checks.find((x) => x.name === "evidence")!.ok).to.equal(false);
  });

  it("listJobs pages newest first by block range and filters by mode, status, requester, operator and model", async () => {
    const c = chain();
    const all = await listJobs(client, { hub: c.hub, blockRange: 5n, limit: 100 });
    const ids = jobsOf(c);
    expect(all.jobs.map((j) => j.jobId)).to.deep.equal(ids);
    expect(all.nextToBlock).to.equal(undefined);
    // Pages of 2: every job once, in order, across pages.
    const seen: bigint[] = [];
    let toBlock: bigint | undefined;
    for (let page = 0; page < 10; page++) {
      const p = await listJobs(client, { hub: c.hub, limit: 2, blockRange: 3n, toBlock });
      seen.push(...p.jobs.map((j) => j.jobId));
      if (p.nextToBlock === undefined) break;
      toBlock = p.nextToBlock;
    }
    expect(seen).to.deep.equal(ids);
    const tee = await listJobs(client, { hub: c.hub, mode: "tee" });
    expect(tee.jobs.map((j) => j.jobId)).to.deep.equal(jobsOf(c, "tee"));
    expect((await listJobs(client, { hub: c.hub, status: "refunded" })).jobs.map((j) => j.jobId)).to.deep.equal([c.jobs.refunded]);
    const byOperator = await listJobs(client, { hub: c.hub, operator: c.operator });
    expect(byOperator.jobs.map((j) => j.jobId)).to.deep.equal(jobsOf(c).filter((id) => ![c.jobs.quorum, c.jobs.optimistic, c.jobs.refunded].includes(id)));
    expect((await listJobs(client, { hub: c.hub, requester: c.operator })).jobs).to.deep.equal([]);
    expect((await listJobs(client, { hub: c.hub, modelId: c.modelId })).jobs).to.have.length(jobsOf(c).length);
  });

  it("listJobs refuses a bad limit or status, and an address that is not a hub, with clear errors", async () => {
    const c = chain();
    const refused = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as Error);
    expect(await refused(listJobs(client, { hub: c.hub, limit: 0 }))).to.be.instanceOf(InvalidParameterError);
    expect(await refused(listJobs(client, { hub: c.hub, status: "lost" as never }))).to.be.instanceOf(InvalidParameterError);
    expect(await refused(listJobs(client, { hub: c.requester }))).to.be.instanceOf(HubNotFoundError);
  });
}
