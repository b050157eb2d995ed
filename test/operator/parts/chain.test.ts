import { expect } from "chai";
import { getAddress, keccak256, parseEther } from "viem";
import { UnknownModelVersionError } from "../../../sdk/src/errors/request.js";
import { decodeOptimisticParams, encodeTensor, proposeResultSync } from "../../../sdk/src/index.js";
import { loadIrisOnnx } from "../../../sdk/src/model/iris.js";
import {
  type Connection,
  FEE,
  FLOWERS,
  chainOf,
  connect,
  deployOperatorSystem,
  fulfilTee,
  rejection,
  request,
  trueOutput,
} from "./helpers.js";
import { deployModesSystem, requestMode } from "../modes-helpers.js";
import { OPERATOR_STAKE, TEE_KEY_STAKE } from "../helpers.js";

describe("operator parts: chain reader", function () {
  let c: Connection;
  const system = () => deployOperatorSystem(c);
  const modes = () => deployModesSystem(c);
  before(async function () {
    c = await connect();
  });

  it("reads a job's status: none for an unknown job, pending once requested, fulfilled once fulfilled", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const chain = chainOf(c, s);
    const req = await request(c, s, FLOWERS[0]!);
    expect(await chain.jobStatus(req.jobId + 1_000n)).to.equal("none");
    expect(await chain.jobStatus(req.jobId)).to.equal("pending");
    await fulfilTee(s.operatorWallet, s, req, FLOWERS[0]!);
    expect(await chain.jobStatus(req.jobId)).to.equal("fulfilled");
  });

  it("reads a published version, and refuses a missing one with UnknownModelVersionError", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const chain = chainOf(c, s);
    const v = await chain.version(s.modelId, s.version);
    expect(v).to.include({ uri: "file:models/iris-mlp.onnx", artifactHash: keccak256(loadIrisOnnx()) });
    const err = await rejection(chain.version(s.modelId, 99));
    expect(err).to.be.instanceOf(UnknownModelVersionError);
    expect(err).to.include({ modelId: s.modelId, modelVersion: 99 });
  });

  it("lists the mined requests of the given models in a block range, each with its job struct", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const chain = chainOf(c, s);
    const served = await request(c, s, FLOWERS[1]!);
    const other = await request(c, s, FLOWERS[2]!, { modelId: s.otherModelId, version: 1, fee: FEE });
    const latest = await c.publicClient.getBlockNumber();

    const found = await chain.requests([s.modelId], s.startBlock, latest);
    expect(found.map((r) => r.jobId)).to.deep.equal([served.jobId]);
    const [req] = found;
    expect(req?.job).to.deep.equal(served.job);
    expect(req).to.deep.include({ modelId: s.modelId, requester: served.requester, input: served.input, requested: served.requested });
    const both = await chain.requests([s.modelId, s.otherModelId], s.startBlock, latest);
    expect(both.map((r) => r.jobId)).to.deep.equal([served.jobId, other.jobId]);
    expect(await chain.requests([s.modelId], s.startBlock, served.requested.blockNumber - 1n)).to.deep.equal([]);
  });

  it("reads one job's request from the block it was requested in", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const chain = chainOf(c, s);
    const served = await request(c, s, FLOWERS[3]!);
    const block = served.requested.blockNumber;
    const req = await chain.request(served.jobId, block);
    expect(req).to.deep.include({ jobId: served.jobId, job: served.job, input: served.input, requested: served.requested });
    expect(await chain.request(served.jobId, block - 1n)).to.equal(undefined);
    expect(await chain.request(served.jobId + 1n, block)).to.equal(undefined);
  });

  it("names the hub's OperatorRegistry and reads the stakes that count for votes (free bonded stake) in the order asked", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const chain = chainOf(c, s);
    expect(getAddress(await chain.operatorRegistry())).to.equal(getAddress(s.operatorRegistry));
    const stakes = await chain.bondedStakes([c.requester.account.address, s.operatorAccount.address]);
    // The operator's key locks TEE_KEY_STAKE: only the rest counts for a QUORUM vote.
    expect(stakes).to.deep.equal([0n, OPERATOR_STAKE - TEE_KEY_STAKE]);
    expect(await chain.bondedStakes([])).to.deep.equal([]);
  });

  it("reads the hub's verifiers, the dispute game's hub and ZK verifier, a job's proposal, its commitment and its game events", async function () {
    const s = await c.networkHelpers.loadFixture(modes);
    const chain = chainOf(c, s);
    expect(getAddress(await chain.verifierOf(4))).to.equal(getAddress(s.optimisticGame));
    expect(getAddress(await chain.verifierOf(2))).to.equal(getAddress(s.zkVerifier));
    const info = await chain.gameInfo(s.optimisticGame);
    expect([getAddress(info.hub), getAddress(info.zkVerifier)]).to.deep.equal([getAddress(s.hub), getAddress(s.zkVerifier)]);
    const req = await requestMode(c, s, "optimistic", FLOWERS[0]!);
    expect(await chain.proposalEvent(s.optimisticGame, req.jobId, req.requested.blockNumber)).to.equal(undefined);
    const output = encodeTensor(trueOutput(FLOWERS[0]!));
    const proposed = await proposeResultSync(s.operatorWallet, { hub: s.hub, jobId: req.jobId, output });
    expect(await chain.commitmentBlock(s.optimisticGame, proposed.commitment)).to.equal(0n); // spent by the reveal
    const event = await chain.proposalEvent(s.optimisticGame, req.jobId, req.requested.blockNumber);
    expect(event).to.deep.include({ proposer: s.operatorAccount.address, output, challengeWindowEnd: proposed.challengeWindowEnd, transactionHash: proposed.hash });
    expect((await chain.proposal(s.optimisticGame, req.jobId)).proposer).to.equal(s.operatorAccount.address);
    const commits = await chain.gameEvents(s.optimisticGame, "ProposalCommitted", req.jobId, req.requested.blockNumber);
    expect(commits.map((l) => l.args.commitment)).to.deep.equal([proposed.commitment]);
    const listed = await chain.proposals(s.optimisticGame, req.requested.blockNumber, await c.publicClient.getBlockNumber());
    expect(listed.map((p) => p.jobId)).to.deep.equal([req.jobId]);
    expect(await chain.freeStake(s.operatorAccount.address)).to.equal(parseEther("1") - decodeOptimisticParams(req.job.params).slashAmount);
  });
});
