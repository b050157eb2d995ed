/**
 * The operator node in QUORUM mode: several nodes, each with its own staked operator account, run the model, sign
 * their votes and publish them in a shared directory; once k valid votes agree, the lowest signer submits them.
 */
import { expect } from "chai";
import { keccak256 } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { encodeTensor, getJob, verifyJob, waitForResult } from "../../sdk/src/index.js";
import { collectVotes, loadModel, publishVote, readStateFile, runMlp } from "../../sdk/src/operator/index.js";
import { loadIrisOnnx } from "../../sdk/src/model/iris.js";
import { signQuorumVote } from "../../sdk/src/proofs/quorum.js";
import { type Connection, FLOWERS, connect, eventsOf, fulfilments } from "./helpers.js";
import {
  QUORUM_STAKE,
  WRONG_OUTPUT,
  deployModesSystem,
  makeModesNode,
  requestMode,
  tempVotesDir,
} from "./modes-helpers.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const byAddress = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : 1);

describe("operator node, QUORUM mode (votes shared through a directory)", function () {
  this.timeout(120_000);
  let c: Connection;
  const system = () => deployModesSystem(c);

  before(async function () {
    c = await connect();
  });

  it("three nodes vote, the lowest signer submits; a wrong and a forged vote are not counted; verifyJob reports 3 signers with stakes", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const votesDir = tempVotesDir();
    const input = FLOWERS[0]!;
    const { jobId, job } = await requestMode(c, s, "quorum", input);

    // A staked operator publishes a vote for a wrong output, and a file claims a staked operator's name but is signed
    // by another key: neither may count.
    const message = { hub: s.hub, chainId: c.publicClient.chain!.id, jobId, modelId: job.modelId, version: job.version, inputHash: job.inputHash };
    const wrongHash = keccak256(encodeTensor(WRONG_OUTPUT));
    await publishVote(votesDir, { ...message, outputHash: wrongHash }, await signQuorumVote({ account: s.voters[3]!.account, ...message, outputHash: wrongHash }));
    const session = await loadModel(loadIrisOnnx());
    const trueOutput = encodeTensor(await runMlp(session, input));
    await session.release();
    const forger = privateKeyToAccount(keccak256("0x666f72676572"));
    const forged = await signQuorumVote({ account: forger, ...message, outputHash: keccak256(trueOutput) });
    await publishVote(votesDir, { ...message, outputHash: keccak256(trueOutput) }, { signer: s.voters[4]!.account.address, signature: forged.signature });

    const voters = s.voters.slice(0, 3);
    const nodes = voters.map((v) => makeModesNode(c, s, v, { votesDir }));
    for (const n of nodes) await n.node.start();
    const result = await waitForResult(c.publicClient, { hub: s.hub, jobId, timeout: 60_000, pollingInterval: 50 });
    // Let every node see the result on chain and settle its record.
    for (let i = 0; i < 200 && nodes.some((n) => readStateFile(n.options.stateFile).jobs.get(jobId)?.state !== "done"); i++) await sleep(25);
    for (const n of nodes) await n.node.stop();

    expect(result.outputBytes).to.equal(trueOutput);
    const signers = voters.map((v) => v.account.address).sort(byAddress);
    expect(result.operator).to.equal(signers[0]);
    expect(await fulfilments(c, s.hub, jobId)).to.have.length(1);

    // The directory holds the wrong and the forged vote; only the three valid ones for the true output count.
    const collected = await collectVotes(votesDir, message);
    expect(collected.byOutput.get(wrongHash)?.map((v) => v.signer)).to.deep.equal([s.voters[3]!.account.address]);
    expect(collected.byOutput.get(keccak256(trueOutput))?.map((v) => v.signer).sort(byAddress)).to.deep.equal(signers);
    expect(collected.refused.map((r) => r.reason)).to.deep.equal([`its signature recovers to ${forger.address}, not ${s.voters[4]!.account.address}`]);

    const report = await verifyJob(c.publicClient, { hub: s.hub, jobId });
    expect(report.verdict, JSON.stringify(report.checks.filter((x) => !x.ok))).to.equal("valid");
    expect(report.quorum!.signers.map((x) => [x.signer, x.stake])).to.deep.equal(signers.map((a) => [a, QUORUM_STAKE]));

    // The lowest signer's node submitted (fulfilled); the two others recorded that their vote counted.
    const outcomes = new Map(
      nodes.map((n, i) => [voters[i]!.account.address, readStateFile(n.options.stateFile).jobs.get(jobId)?.outcome]),
    );
    expect(outcomes.get(signers[0]!)).to.equal("fulfilled");
    expect([outcomes.get(signers[1]!), outcomes.get(signers[2]!)]).to.deep.equal(["voted", "voted"]);
    const submitter = nodes[voters.findIndex((v) => v.account.address === signers[0])]!;
    expect(eventsOf(submitter.events, "quorum-reached")[0]).to.deep.include({ jobId, submitter: signers[0], bySelf: true });
    for (const n of nodes) expect(eventsOf(n.events, "vote-published")).to.have.length(1);
  });

  it("with only two of three votes the job stays pending: the nodes wait, send nothing, and verifyJob says pending", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const votesDir = tempVotesDir();
    const { jobId } = await requestMode(c, s, "quorum", FLOWERS[1]!);
    const nodes = s.voters.slice(0, 2).map((v) => makeModesNode(c, s, v, { votesDir }));
    const nonces = await Promise.all(s.voters.slice(0, 2).map((v) => c.publicClient.getTransactionCount({ address: v.account.address })));
    for (let round = 0; round < 5; round++) {
      for (const n of nodes) await n.node.runOnce();
      await sleep(30);
    }
    for (const n of nodes) await n.node.stop();

    expect((await getJob(c.publicClient, { hub: s.hub, jobId })).status).to.equal("pending");
    for (const n of nodes) {
      expect(readStateFile(n.options.stateFile).jobs.get(jobId)).to.include({ state: "voted" });
      expect(eventsOf(n.events, "quorum-reached")).to.deep.equal([]);
      expect(eventsOf(n.events, "quorum-waiting").at(-1)).to.deep.include({ jobId, votes: 2, required: 3 });
    }
    const after = await Promise.all(s.voters.slice(0, 2).map((v) => c.publicClient.getTransactionCount({ address: v.account.address })));
    expect(after).to.deep.equal(nonces);
    expect((await verifyJob(c.publicClient, { hub: s.hub, jobId })).verdict).to.equal("pending");

    // A third node joins later (the others were stopped and restarted from their state files): the quorum completes.
    const third = makeModesNode(c, s, s.voters[2]!, { votesDir });
    const again = nodes.map((n, i) => makeModesNode(c, s, s.voters[i]!, { votesDir, stateFile: n.options.stateFile }));
    for (const n of [...again, third]) await n.node.start();
    await waitForResult(c.publicClient, { hub: s.hub, jobId, timeout: 60_000, pollingInterval: 50 });
    for (const n of [...again, third]) await n.node.stop();
    expect((await verifyJob(c.publicClient, { hub: s.hub, jobId })).quorum!.signers).to.have.length(3);
  });

  it("skips a QUORUM job when the node has no votes directory, or its account lacks the job's minimum stake", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { jobId } = await requestMode(c, s, "quorum", FLOWERS[2]!);
    const noDir = makeModesNode(c, s, s.voters[0]!);
    await noDir.node.runOnce();
    await noDir.node.stop();
    expect(eventsOf(noDir.events, "job-skipped")[0]).to.deep.include({ jobId, reason: "mode-unsupported" });

    const poor = makeModesNode(c, s, s.challenger, { votesDir: tempVotesDir() }); // funded, never staked
    await poor.node.runOnce();
    await poor.node.stop();
    const [skipped] = eventsOf(poor.events, "job-skipped");
    expect(skipped).to.deep.include({ jobId, reason: "stake-too-low" });
    expect(skipped!.detail).to.include("has 0 bonded stake");
  });
});
