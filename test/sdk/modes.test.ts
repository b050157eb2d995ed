/**
 * The SDK's QUORUM and OPTIMISTIC actions and their re-verification, on the in-process network with the real Iris
 * model and circuit: params packing, votes and attestations, fulfillQuorum (and its refusals), verifyJob's quorum
 * report; proposals finalized after the window, a wrong proposal challenged and settled by a ZK proof (the proposer
 * slashed), a challenge that expires; each with verifyJob's story of it.
 */
import { expect } from "chai";
import { type Hex, encodeAbiParameters, keccak256, parseEther, zeroHash } from "viem";
import { readContract } from "viem/actions";
import {
  ContractRevertError,
  InvalidParamsError,
  InvalidQuorumVoteError,
  JobModeMismatchError,
  QuorumNotReachedError,
  type QuorumVote,
  type VerifyJobReport,
  challengeResult,
  decodeOptimisticParams,
  decodeQuorumParams,
  encodeQuorumAttestation,
  encodeTensor,
  expireChallenge,
  finalizeResult,
  fulfillQuorumSync,
  getJob,
  getQuorumJobData,
  inferenceHubAbi,
  operatorRegistryAbi,
  optimisticParams,
  parseQuorumAttestation,
  proposeResultSync,
  quorumParams,
  quorumVoteDigest,
  recoverQuorumVoteSigner,
  requestInference,
  resolveChallenge,
  signQuorumVote,
  verifyJob,
  verifyQuorumJobData,
  verityActions,
  waitForResult,
  withdrawSlashCredit,
} from "../../sdk/src/index.js";
import { loadModel, proveMlp, releaseZkWorkers, runMlp, zkArtifactsIn } from "../../sdk/src/operator/index.js";
import { loadIrisOnnx } from "../../sdk/src/model/iris.js";
import { modelCommitment } from "../../sdk/src/prover/prove.js";
import { type Connection, FLOWERS, IRIS, connect } from "../operator/helpers.js";
import {
  BOND,
  MIN_STAKE,
  OPTIMISTIC,
  QUORUM_STAKE,
  SLASH,
  WINDOW,
  WRONG_OUTPUT,
  ZK_KEYS,
  bondedStake,
  deployModesSystem,
  fundedWallet,
  requestMode,
} from "../operator/modes-helpers.js";
import { rejectsWith, sentState } from "./helpers.js";

const check = (report: VerifyJobReport, name: string) => {
  const found = report.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no "${name}" check in ${JSON.stringify(report.checks.map((c) => c.name))}`);
  return found;
};
const failing = (report: VerifyJobReport) => report.checks.filter((c) => !c.ok).map((c) => c.name);
const ascending = <T extends { signer: Hex }>(xs: T[]) => [...xs].sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1));

describe("QUORUM and OPTIMISTIC modes in the SDK", function () {
  this.timeout(120_000);
  let c: Connection;
  let trueOutputs: Hex[];
  const system = () => deployModesSystem(c);

  before(async function () {
    c = await connect();
    // The commitment first: circomlibjs's first load would otherwise clear the curve snarkjs builds.
    await modelCommitment(IRIS.weights);
    const session = await loadModel(loadIrisOnnx());
    trueOutputs = [];
    for (const f of FLOWERS) trueOutputs.push(encodeTensor(await runMlp(session, f)));
    await session.release();
  });
  after(releaseZkWorkers);

  describe("params", function () {
    it("packs quorum and optimistic params as ModeParams.sol unpacks them, and refuses what the hub refuses", function () {
      expect(quorumParams({ k: 3, minStake: 5n })).to.equal(3n | (5n << 8n));
      expect(decodeQuorumParams(quorumParams({ k: 32, minStake: (1n << 128n) - 1n }))).to.deep.equal({ k: 32, minStake: (1n << 128n) - 1n });
      const p = optimisticParams({ window: 3600, bond: 7n, slashAmount: 9n });
      expect(p).to.equal(3600n | (7n << 32n) | (9n << 128n));
      expect(decodeOptimisticParams(p)).to.deep.equal({ window: 3600n, bond: 7n, slashAmount: 9n });
      for (const bad of [{ k: 0 }, { k: 33 }, { k: 1, minStake: 1n << 128n }]) {
        expect(() => quorumParams(bad)).to.throw(InvalidParamsError);
      }
      for (const bad of [
        { window: 599, bond: 1n },
        { window: 7 * 24 * 3600 + 1, bond: 1n },
        { window: 600, bond: 0n },
        { window: 600, bond: 1n << 96n },
        { window: 600, bond: 1n, slashAmount: 1n << 128n },
      ]) {
        expect(() => optimisticParams(bad)).to.throw(InvalidParamsError);
      }
    });

    it("requestInference refuses missing, invalid or mismatched mode params before sending anything", async function () {
      const s = await c.networkHelpers.loadFixture(system);
      const base = { hub: s.hub, modelId: s.consensusModelId, version: s.consensusVersion, input: FLOWERS[0]!, fee: parseEther("0.003") };
      const before = await sentState(c, c.requester.account.address);
      const e1 = await rejectsWith(requestInference(c.requester, { ...base, mode: "quorum" }), InvalidParamsError);
      expect(e1.shortMessage).to.include("needs { k, minStake }");
      await rejectsWith(requestInference(c.requester, { ...base, mode: "quorum", params: 33n }), InvalidParamsError);
      const e2 = await rejectsWith(requestInference(c.requester, { ...base, mode: "optimistic", params: 10n | (1n << 32n) }), InvalidParamsError);
      expect(e2.shortMessage).to.include("window of 10 s");
      await rejectsWith(requestInference(c.requester, { ...base, mode: "optimistic", params: { k: 2 } }), InvalidParamsError);
      await rejectsWith(requestInference(c.requester, { ...base, mode: "zk", params: { window: 600, bond: 1n } }), InvalidParamsError);
      expect(await sentState(c, c.requester.account.address)).to.deep.equal(before);
      // Params as objects are packed for the request.
      const hash = await requestInference(c.requester, { ...base, mode: "quorum", params: { k: 2, minStake: 7n } });
      await c.publicClient.waitForTransactionReceipt({ hash });
      const jobId = await readContract(c.publicClient, { address: s.hub, abi: inferenceHubAbi, functionName: "jobCount" });
      expect((await getJob(c.publicClient, { hub: s.hub, jobId })).job.params).to.equal(quorumParams({ k: 2, minStake: 7n }));
    });
  });

  describe("QUORUM", function () {
    it("signs votes the registry's voteDigest agrees with, and encodes them sorted into 85-byte entries", async function () {
      const s = await c.networkHelpers.loadFixture(system);
      const message = {
        hub: s.hub,
        chainId: c.publicClient.chain!.id,
        jobId: 7n,
        modelId: s.consensusModelId,
        version: 1,
        inputHash: keccak256("0x01"),
        outputHash: keccak256("0x02"),
      };
      const onChain = await readContract(c.publicClient, {
        address: s.operatorRegistry,
        abi: operatorRegistryAbi,
        functionName: "voteDigest",
        args: [s.hub, 7n, s.consensusModelId, 1, message.inputHash, message.outputHash, keccak256("0x")],
      });
      expect(quorumVoteDigest(message)).to.equal(onChain);
      const votes = await Promise.all(s.voters.slice(0, 3).map((v) => signQuorumVote({ account: v.account, ...message })));
      const attestation = encodeQuorumAttestation([...votes].reverse());
      expect((attestation.length - 2) / 2).to.equal(3 * 85);
      const parsed = parseQuorumAttestation(attestation);
      expect(parsed).to.deep.equal(ascending(votes));
      for (const v of parsed) expect(await recoverQuorumVoteSigner({ ...message, signature: v.signature })).to.equal(v.signer);
      expect(() => encodeQuorumAttestation([votes[0]!, votes[0]!])).to.throw(InvalidQuorumVoteError);
      expect(() => parseQuorumAttestation("0x1234")).to.throw(InvalidQuorumVoteError);
    });

    it("fulfils with k votes; verifyJob reports each signer with its stake at the recording block, valid", async function () {
      const s = await c.networkHelpers.loadFixture(system);
      const { jobId } = await requestMode(c, s, "quorum", FLOWERS[0]!);
      const voters = s.voters.slice(1, 4);
      const verity = c.other.extend(verityActions({ hub: s.hub }));
      const result = await verity.fulfillQuorumSync({ jobId, output: trueOutputs[0]!, voters: voters.map((v) => v.account) });
      const expected = voters.map((v) => v.account.address).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      expect(result.signers).to.deep.equal(expected);
      expect(result.operator).to.equal(expected[0]);

      const report = await verifyJob(c.publicClient, { hub: s.hub, jobId });
      expect(report.verdict, JSON.stringify(report.checks.filter((x) => !x.ok))).to.equal("valid");
      expect(report.quorum!.k).to.equal(3);
      expect(report.quorum!.minStake).to.equal(MIN_STAKE);
      expect(report.quorum!.signers.map((x) => [x.signer, x.stake, x.signatureValid, x.stakeOk])).to.deep.equal(
        expected.map((a) => [a, QUORUM_STAKE, true, true]),
      );
      for (const name of ["signatures", "distinctSigners", "stakes", "threshold", "credited"]) expect(check(report, name).ok, name).to.equal(true);
      expect(check(report, "threshold").detail).to.equal("3 vote(s), 3 required");
    });

    it("re-verifies stakes at the recording block: a signer unstaking later does not void the result", async function () {
      const s = await c.networkHelpers.loadFixture(system);
      const { jobId } = await requestMode(c, s, "quorum", FLOWERS[1]!);
      await fulfillQuorumSync(c.other, { hub: s.hub, jobId, output: trueOutputs[1]!, voters: s.voters.slice(0, 3).map((v) => v.account) });
      const v0 = s.voters[0]!;
      await c.publicClient.waitForTransactionReceipt({
        hash: await v0.wallet.writeContract({ address: s.operatorRegistry, abi: operatorRegistryAbi, functionName: "requestUnstake", args: [QUORUM_STAKE], chain: null }),
      });
      expect(await bondedStake(c, s, v0.account.address)).to.equal(0n);
      expect((await verifyJob(c.publicClient, { hub: s.hub, jobId })).verdict).to.equal("valid");
    });

    it("says which check fails for a tampered story: another chain, a stake below the minimum, a missing vote", async function () {
      const s = await c.networkHelpers.loadFixture(system);
      const { jobId } = await requestMode(c, s, "quorum", FLOWERS[2]!);
      await fulfillQuorumSync(c.other, { hub: s.hub, jobId, output: trueOutputs[2]!, voters: s.voters.slice(0, 3).map((v) => v.account) });
      const data = await getQuorumJobData(c.publicClient, { hub: s.hub, jobId });
      expect(failing(await verifyQuorumJobData({ ...data, chainId: 1 }))).to.deep.equal(["chain", "signatures"]);
      const low = await verifyQuorumJobData({ ...data, stakes: [data.stakes![0]!, MIN_STAKE - 1n, data.stakes![2]!] });
      expect(failing(low)).to.deep.equal(["stakes"]);
      expect(check(low, "stakes").detail).to.include(`below the minimum of ${MIN_STAKE}`);
      const votes = parseQuorumAttestation(data.call!.attestation);
      const two = await verifyQuorumJobData({
        ...data,
        call: { ...data.call!, attestation: encodeQuorumAttestation(votes.slice(0, 2)) },
        stakes: data.stakes!.slice(0, 2),
      });
      expect(failing(two)).to.deep.equal(["threshold", "credited"]);
      expect(two.verdict).to.equal("invalid");
    });

    it("refuses votes for another output, duplicates, too few votes and unstaked signers; nothing moves", async function () {
      const s = await c.networkHelpers.loadFixture(system);
      const { jobId, job } = await requestMode(c, s, "quorum", FLOWERS[3]!);
      const output = trueOutputs[3]!;
      const message = { hub: s.hub, chainId: c.publicClient.chain!.id, jobId, modelId: job.modelId, version: job.version, inputHash: job.inputHash };
      const good = await Promise.all(
        s.voters.slice(0, 3).map((v) => signQuorumVote({ account: v.account, ...message, outputHash: keccak256(output) })),
      );
      const other = await signQuorumVote({ account: s.voters[3]!.account, ...message, outputHash: keccak256(encodeTensor(WRONG_OUTPUT)) });
      const before = await sentState(c, c.other.account.address);
      const wrong = await rejectsWith(fulfillQuorumSync(c.other, { hub: s.hub, jobId, job, output, votes: [...good, other] }), InvalidQuorumVoteError);
      expect(wrong.signer).to.equal(s.voters[3]!.account.address);
      await rejectsWith(fulfillQuorumSync(c.other, { hub: s.hub, jobId, job, output, votes: [...good, good[0]!] }), InvalidQuorumVoteError);
      const few = await rejectsWith(fulfillQuorumSync(c.other, { hub: s.hub, jobId, job, output, votes: good.slice(0, 2) }), QuorumNotReachedError);
      expect([few.votes, few.required]).to.deep.equal([2, 3]);
      expect(await sentState(c, c.other.account.address)).to.deep.equal(before);

      // An unstaked signer is refused by the hub (QuorumStakeTooLow), decoded.
      const nobody = await fundedWallet(c, "unstaked voter");
      const unstaked: QuorumVote = await signQuorumVote({ account: nobody.account, ...message, outputHash: keccak256(output) });
      const err = await rejectsWith(fulfillQuorumSync(c.other, { hub: s.hub, jobId, job, output, votes: [...good.slice(0, 2), unstaked] }), ContractRevertError);
      expect(err.errorName).to.equal("QuorumStakeTooLow");
      expect((await getJob(c.publicClient, { hub: s.hub, jobId })).status).to.equal("pending");
      // And a job of another mode is refused locally.
      const { jobId: optimisticJob } = await requestMode(c, s, "optimistic", FLOWERS[3]!);
      await rejectsWith(fulfillQuorumSync(c.other, { hub: s.hub, jobId: optimisticJob, output, votes: good }), JobModeMismatchError);
      const pending = await verifyJob(c.publicClient, { hub: s.hub, jobId });
      expect(pending.verdict).to.equal("pending");
      expect(check(pending, "status").detail).to.include("needs 3 operator votes");
    });
  });

  describe("OPTIMISTIC", function () {
    it("finalizes an unchallenged proposal after the window; verifyJob is pending until then, then valid", async function () {
      const s = await c.networkHelpers.loadFixture(system);
      const { jobId } = await requestMode(c, s, "optimistic", FLOWERS[0]!);
      const proposed = await proposeResultSync(s.operatorWallet, { hub: s.hub, jobId, output: trueOutputs[0]! });
      expect(proposed.bond).to.equal(BOND);
      expect(proposed.proposer).to.equal(s.operatorAccount.address);

      const open = await verifyJob(c.publicClient, { hub: s.hub, jobId });
      expect(open.verdict).to.equal("pending");
      expect(open.optimistic!.state).to.equal("challenge-window-open");
      expect(check(open, "window").detail).to.include(`open until ${proposed.challengeWindowEnd}`);
      const early = await rejectsWith(finalizeResult(c.other, { hub: s.hub, jobId }), ContractRevertError);
      expect(early.errorName).to.equal("HubChallengeWindowOpen");

      await c.networkHelpers.time.increase(WINDOW + 1n);
      expect((await verifyJob(c.publicClient, { hub: s.hub, jobId })).optimistic!.state).to.equal("finalizable");
      await c.publicClient.waitForTransactionReceipt({ hash: await finalizeResult(c.other, { hub: s.hub, jobId }) });
      const result = await waitForResult(c.publicClient, { hub: s.hub, jobId, timeout: 5_000 });
      expect(result.outputBytes).to.equal(trueOutputs[0]);
      expect(result.operator).to.equal(s.operatorAccount.address);

      const report = await verifyJob(c.publicClient, { hub: s.hub, jobId, zkVerifyingKeys: ZK_KEYS });
      expect(report.verdict, JSON.stringify(report.checks.filter((x) => !x.ok))).to.equal("valid");
      expect(report.optimistic).to.deep.include({ state: "final", challenge: undefined, resolution: undefined });
      expect(check(report, "challenge").detail).to.equal("nobody challenged the proposal within its window");
    });

    it("settles a wrong proposal with a ZK proof: the proposer is slashed, the challenger wins and withdraws, the true output is recorded", async function () {
      const s = await c.networkHelpers.loadFixture(system);
      const input = FLOWERS[1]!;
      const { jobId } = await requestMode(c, s, "optimistic", input);
      const stakeBefore = await bondedStake(c, s, s.operatorAccount.address);
      await proposeResultSync(s.operatorWallet, { hub: s.hub, jobId, output: WRONG_OUTPUT });
      const challenger = s.challenger;
      await c.publicClient.waitForTransactionReceipt({ hash: await challengeResult(challenger.wallet, { hub: s.hub, jobId }) });
      const waiting = await verifyJob(c.publicClient, { hub: s.hub, jobId });
      expect([waiting.verdict, waiting.optimistic!.state]).to.deep.equal(["pending", "challenged"]);
      expect(waiting.optimistic!.challenge!.challenger).to.equal(challenger.account.address);

      const proved = await proveMlp({ weights: IRIS.weights, input, artifacts: zkArtifactsIn() });
      expect(encodeTensor(proved.output)).to.equal(trueOutputs[1]);
      await c.publicClient.waitForTransactionReceipt({
        hash: await resolveChallenge(challenger.wallet, { hub: s.hub, jobId, output: proved.output, proof: proved.proof }),
      });

      expect(stakeBefore - (await bondedStake(c, s, s.operatorAccount.address))).to.equal(SLASH);
      const credit = await readContract(c.publicClient, {
        address: s.operatorRegistry,
        abi: operatorRegistryAbi,
        functionName: "slashCreditOf",
        args: [challenger.account.address],
      });
      expect(credit).to.equal(SLASH);
      const balance = await c.publicClient.getBalance({ address: challenger.account.address });
      const receipt = await c.publicClient.waitForTransactionReceipt({
        hash: await withdrawSlashCredit(challenger.wallet, { operatorRegistry: s.operatorRegistry }),
      });
      expect(await c.publicClient.getBalance({ address: challenger.account.address })).to.equal(
        balance + SLASH - receipt.gasUsed * receipt.effectiveGasPrice,
      );

      const result = await waitForResult(c.publicClient, { hub: s.hub, jobId, timeout: 5_000 });
      expect(result.outputBytes).to.equal(trueOutputs[1]);
      expect(result.operator).to.equal(challenger.account.address);
      const report = await verifyJob(c.publicClient, { hub: s.hub, jobId, zkVerifyingKeys: ZK_KEYS });
      expect(report.verdict, JSON.stringify(report.checks.filter((x) => !x.ok))).to.equal("valid");
      expect(report.optimistic!.state).to.equal("final");
      expect(report.optimistic!.resolution).to.deep.include({ proposalUpheld: false, slashed: SLASH, proofValid: true });
      expect(check(report, "proof").detail).to.include("verifies (snarkjs)");
      expect(check(report, "slashing").detail).to.include(`slashed ${SLASH}`);
      // Without the verifying key the proof cannot be re-checked: the report says so.
      const noKey = await verifyJob(c.publicClient, { hub: s.hub, jobId });
      expect(failing(noKey)).to.deep.equal(["verifyingKey", "proof"]);
    });

    it("refunds an unresolved challenge after its resolution period; verifyJob reports no result", async function () {
      const s = await c.networkHelpers.loadFixture(system);
      const { jobId } = await requestMode(c, s, "optimistic", FLOWERS[2]!, { params: OPTIMISTIC });
      await proposeResultSync(s.operatorWallet, { hub: s.hub, jobId, output: trueOutputs[2]! });
      await c.publicClient.waitForTransactionReceipt({ hash: await challengeResult(s.challenger.wallet, { hub: s.hub, jobId }) });
      await c.networkHelpers.time.increase(WINDOW + 1n);
      expect((await verifyJob(c.publicClient, { hub: s.hub, jobId })).optimistic!.state).to.equal("expirable");
      await c.publicClient.waitForTransactionReceipt({ hash: await expireChallenge(c.other, { hub: s.hub, jobId }) });
      const report = await verifyJob(c.publicClient, { hub: s.hub, jobId });
      expect([report.verdict, report.optimistic!.state]).to.deep.equal(["invalid", "expired"]);
      expect(check(report, "resolution").detail).to.include("the challenge expired");
    });

    it("refuses to propose a job of another mode, and a proposal the registry does not back, with decoded errors", async function () {
      const s = await c.networkHelpers.loadFixture(system);
      const { jobId: quorumJob } = await requestMode(c, s, "quorum", FLOWERS[4]!);
      await rejectsWith(proposeResultSync(s.operatorWallet, { hub: s.hub, jobId: quorumJob, output: trueOutputs[4]! }), JobModeMismatchError);
      const { jobId } = await requestMode(c, s, "optimistic", FLOWERS[4]!);
      const err = await rejectsWith(proposeResultSync(s.challenger.wallet, { hub: s.hub, jobId, output: trueOutputs[4]! }), ContractRevertError);
      expect(err.errorName).to.equal("HubProposerStakeTooLow");
      // A proof of another output does not resolve: the ZK verifier refuses it.
      await proposeResultSync(s.operatorWallet, { hub: s.hub, jobId, output: trueOutputs[4]! });
      await c.publicClient.waitForTransactionReceipt({ hash: await challengeResult(s.challenger.wallet, { hub: s.hub, jobId }) });
      const proved = await proveMlp({ weights: IRIS.weights, input: FLOWERS[5]!, artifacts: zkArtifactsIn() });
      const bad = await rejectsWith(
        resolveChallenge(s.challenger.wallet, {
          hub: s.hub,
          jobId,
          output: proved.output,
          attestation: encodeAbiParameters([{ type: "bytes" }], [zeroHash]),
        }),
        ContractRevertError,
      );
      expect(bad.errorName).to.equal("ZkMalformedAttestation");
      expect((await getJob(c.publicClient, { hub: s.hub, jobId })).status).to.equal("challenged");
    });
  });
});
