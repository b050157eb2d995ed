/**
 * The SDK's QUORUM and OPTIMISTIC actions and their re-verification, on the in-process network with the real Iris
 * model and circuit: params packing, votes and attestations, fulfillQuorum (and its refusals), verifyJob's quorum
 * report; proposals (committed, then revealed at the job's dispute game) finalized after the window, a wrong
 * proposal challenged and settled by a ZK proof (the proposer's locked stake slashed, half burned), a challenge that
 * expires (the proposal stands); each with verifyJob's story of it, who was paid and why.
 */
import { expect } from "chai";
import { type Hex, encodeAbiParameters, encodeFunctionData, getAddress, keccak256, parseEther, zeroAddress, zeroHash } from "viem";
import { readContract } from "viem/actions";
import {
  ContractRevertError,
  InvalidParamsError,
  InvalidQuorumVoteError,
  JobModeMismatchError,
  QuorumNotReachedError,
  UnknownDisputeGameError,
  type QuorumVote,
  type VerifyJobReport,
  challengeResult,
  commitProposal,
  decodeOptimisticParams,
  decodeQuorumParams,
  encodeQuorumAttestation,
  encodeTensor,
  expireChallenge,
  finalizeResult,
  fulfillQuorumSync,
  getJob,
  getOptimisticJobData,
  getProposal,
  getQuorumJobData,
  inferenceHubAbi,
  operatorRegistryAbi,
  optimisticGameAbi,
  optimisticParams,
  parseQuorumAttestation,
  proposalCommitment,
  proposeResult,
  proposeResultSync,
  quorumParams,
  quorumVoteDigest,
  recoverQuorumVoteSigner,
  requestInference,
  resolveChallenge,
  signQuorumVote,
  toVerityError,
  verifyJob,
  verifyQuorumJobData,
  verityActions,
  waitForResult,
  withdrawSlashCredit,
} from "../../sdk/src/index.js";
import { loadModel, proveMlp, releaseZkWorkers, runMlp, zkArtifactsIn } from "../../sdk/src/operator/index.js";
import { verifyOptimisticJobData } from "../../sdk/src/proofs/verifyOptimisticJob.js";
import { loadIrisOnnx } from "../../sdk/src/model/iris.js";
import { modelCommitment } from "../../sdk/src/prover/prove.js";
import { type Connection, FLOWERS, IRIS, TEE_KEY_STAKE, connect } from "../operator/helpers.js";
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
        { window: 599, bond: 1n, slashAmount: 1n },
        { window: 3 * 24 * 3600 + 1, bond: 1n, slashAmount: 1n },
        { window: 600, bond: 0n, slashAmount: 1n },
        { window: 600, bond: 1n << 96n, slashAmount: 1n },
        { window: 600, bond: 1n, slashAmount: 0n },
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
      await rejectsWith(requestInference(c.requester, { ...base, mode: "zk", params: { window: 600, bond: 1n, slashAmount: 1n } }), InvalidParamsError);
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
      expect(early.errorName).to.equal("GameChallengeWindowOpen");
      expect(early.args).to.deep.equal([jobId, proposed.challengeWindowEnd]);

      await c.networkHelpers.time.increase(WINDOW + 1n);
      expect((await verifyJob(c.publicClient, { hub: s.hub, jobId })).optimistic!.state).to.equal("finalizable");
      await c.publicClient.waitForTransactionReceipt({ hash: await finalizeResult(c.other, { hub: s.hub, jobId }) });
      const result = await waitForResult(c.publicClient, { hub: s.hub, jobId, timeout: 5_000 });
      expect(result.outputBytes).to.equal(trueOutputs[0]);
      expect(result.operator).to.equal(s.operatorAccount.address);

      const report = await verifyJob(c.publicClient, { hub: s.hub, jobId, zkVerifyingKeys: ZK_KEYS });
      expect(report.verdict, JSON.stringify(report.checks.filter((x) => !x.ok))).to.equal("valid");
      expect(report.optimistic).to.deep.include({ state: "final", outcome: "unchallenged", challenge: undefined, resolution: undefined, game: getAddress(s.optimisticGame) });
      expect(check(report, "challenge").detail).to.equal("nobody challenged the proposal within its window");
      expect(check(report, "reveal").detail).to.include(`revealed commitment ${proposed.commitment}`);
      expect(report.optimistic!.proposal!.committedAt).to.be.lessThan(proposed.receipt.blockNumber);
      expect(report.optimistic!.payouts).to.deep.equal([{ account: s.operatorAccount.address, amount: BOND, why: "its own bond back" }]);

      // The pure check says which check fails for a tampered story, and gives no verdict for a dispute it cannot read.
      const data = await getOptimisticJobData(c.publicClient, { hub: s.hub, jobId });
      const stolen = await verifyOptimisticJobData({ ...data, payouts: [{ account: s.challenger.account.address, amount: BOND }] });
      expect([stolen.verdict, failing(stolen)]).to.deep.equal(["invalid", ["payouts"]]);
      await rejectsWith(verifyOptimisticJobData({ ...data, game: { ...data.game, hub: s.operatorRegistry } }), UnknownDisputeGameError);
      await rejectsWith(verifyOptimisticJobData({ ...data, game: { ...data.game, address: s.zkVerifier } }), UnknownDisputeGameError);
    });

    it("commits with a fresh random salt and reveals in a later block; commitProposal + proposeResult({ salt }) split the two; a copied reveal is refused", async function () {
      const s = await c.networkHelpers.loadFixture(system);
      const first = await requestMode(c, s, "optimistic", FLOWERS[5]!);
      const second = await requestMode(c, s, "optimistic", FLOWERS[6]!);
      const a = await proposeResultSync(s.operatorWallet, { hub: s.hub, jobId: first.jobId, output: trueOutputs[5]! });
      expect(a.salt).to.match(/^0x[0-9a-f]{64}$/);
      expect(a.commitHash).to.match(/^0x[0-9a-f]{64}$/);
      const commitReceipt = await c.publicClient.getTransactionReceipt({ hash: a.commitHash! });
      expect(commitReceipt.blockNumber).to.be.lessThan(a.receipt.blockNumber);
      expect(a.commitment).to.equal(
        proposalCommitment({ jobId: first.jobId, proposer: s.operatorAccount.address, outputHash: keccak256(trueOutputs[5]!), salt: a.salt }),
      );
      expect(getAddress(a.game)).to.equal(getAddress(s.optimisticGame));

      // The split: the commitment alone (nothing staked or paid), then its reveal with the returned salt.
      const committed = await commitProposal(s.operatorWallet, { hub: s.hub, jobId: second.jobId, output: trueOutputs[6]! });
      await c.publicClient.waitForTransactionReceipt({ hash: committed.hash });
      expect(committed.salt).to.not.equal(a.salt);
      expect((await getProposal(c.publicClient, { hub: s.hub, jobId: second.jobId })).proposer).to.equal(zeroAddress);
      // Another account sending the same reveal: its commitment would name it, and there is none.
      const copier = await fundedWallet(c, "reveal copier");
      const reveal = encodeFunctionData({
        abi: optimisticGameAbi,
        functionName: "proposeResult",
        args: [second.jobId, second.job, { output: trueOutputs[6]!, outputURI: "", outputHash: zeroHash }, committed.salt],
      });
      const copied = await c.publicClient.call({ account: copier.account, to: s.optimisticGame, data: reveal, value: BOND }).then(
        () => undefined,
        (e: unknown) => toVerityError(e) as ContractRevertError,
      );
      const copierCommitment = proposalCommitment({ jobId: second.jobId, proposer: copier.account.address, outputHash: keccak256(trueOutputs[6]!), salt: committed.salt });
      expect([copied?.errorName, copied?.args]).to.deep.equal(["GameNotCommitted", [second.jobId, copier.account.address, copierCommitment]]);
      const b = await proposeResultSync(s.operatorWallet, { hub: s.hub, jobId: second.jobId, output: trueOutputs[6]!, salt: committed.salt });
      expect(b).to.deep.include({ commitHash: undefined, commitment: committed.commitment, salt: committed.salt, proposer: s.operatorAccount.address });
      // The stake is locked while the proposals are open: two slash amounts (on top of the enclave key's stake).
      const operator = await readContract(c.publicClient, { address: s.operatorRegistry, abi: operatorRegistryAbi, functionName: "getOperator", args: [s.operatorAccount.address] });
      expect(operator.locked).to.equal(2n * SLASH + TEE_KEY_STAKE);
      // A second proposal of a job (its commitment was spent by the reveal: it is committed again, then refused).
      const again = await rejectsWith(
        proposeResult(s.operatorWallet, { hub: s.hub, jobId: first.jobId, output: trueOutputs[5]!, salt: a.salt }),
        ContractRevertError,
      );
      expect([again.errorName, again.args]).to.deep.equal(["GameAlreadyProposed", [first.jobId, s.operatorAccount.address]]);
    });

    it("settles a wrong proposal with a ZK proof: the proposer's locked stake is slashed (half to the challenger, half burned), the resolver is paid, the true output is recorded", async function () {
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

      // Bound to the job and to the challenger, who sends resolveChallenge.
      const proved = await proveMlp({
        weights: IRIS.weights, input, artifacts: zkArtifactsIn(), jobId, submitter: challenger.account.address,
      });
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
      expect(credit).to.equal(SLASH / 2n);
      expect(await readContract(c.publicClient, { address: s.operatorRegistry, abi: operatorRegistryAbi, functionName: "burned" })).to.equal(SLASH / 2n);
      const balance = await c.publicClient.getBalance({ address: challenger.account.address });
      const receipt = await c.publicClient.waitForTransactionReceipt({
        hash: await withdrawSlashCredit(challenger.wallet, { operatorRegistry: s.operatorRegistry }),
      });
      expect(await c.publicClient.getBalance({ address: challenger.account.address })).to.equal(
        balance + SLASH / 2n - receipt.gasUsed * receipt.effectiveGasPrice,
      );

      const result = await waitForResult(c.publicClient, { hub: s.hub, jobId, timeout: 5_000 });
      expect(result.outputBytes).to.equal(trueOutputs[1]);
      expect(result.operator).to.equal(challenger.account.address);
      const report = await verifyJob(c.publicClient, { hub: s.hub, jobId, zkVerifyingKeys: ZK_KEYS });
      expect(report.verdict, JSON.stringify(report.checks.filter((x) => !x.ok))).to.equal("valid");
      expect(report.optimistic!.state).to.equal("final");
      expect(report.optimistic!.resolution).to.deep.include({
        proposalUpheld: false,
        slashed: SLASH / 2n,
        burned: SLASH / 2n,
        resolver: challenger.account.address,
        proofValid: true,
      });
      expect(report.optimistic!.outcome).to.equal("overturned");
      expect(check(report, "proof").detail).to.include("verifies (BN254 pairing check)");
      expect(check(report, "slashing").detail).to.include(`lost its locked ${SLASH}`);
      // The challenger resolved it too: its own bond back and the proposer's, in one credit.
      expect(report.optimistic!.payouts.map((p) => [p.account, p.amount])).to.deep.equal([[challenger.account.address, 2n * BOND]]);
      expect(check(report, "payouts").detail).to.include(`went to ${challenger.account.address} (the resolver)`);
      // Without a verifying key given, the one the deployment published on chain is used: the same verdict.
      const fromChain = await verifyJob(c.publicClient, { hub: s.hub, jobId });
      expect(failing(fromChain)).to.deep.equal([]);
      expect(fromChain.verdict).to.equal(report.verdict);
    });

    it("lets the proposal stand when nobody resolves a challenge in time: the proposer takes the fee and both bonds", async function () {
      const s = await c.networkHelpers.loadFixture(system);
      const { jobId } = await requestMode(c, s, "optimistic", FLOWERS[2]!, { params: OPTIMISTIC });
      await proposeResultSync(s.operatorWallet, { hub: s.hub, jobId, output: trueOutputs[2]! });
      await c.publicClient.waitForTransactionReceipt({ hash: await challengeResult(s.challenger.wallet, { hub: s.hub, jobId }) });
      await c.networkHelpers.time.increase(WINDOW + 1n);
      expect((await verifyJob(c.publicClient, { hub: s.hub, jobId })).optimistic!.state).to.equal("expirable");
      const early = await rejectsWith(challengeResult(c.other, { hub: s.hub, jobId }), ContractRevertError);
      expect(early.errorName).to.equal("GameAlreadyChallenged");
      await c.publicClient.waitForTransactionReceipt({ hash: await expireChallenge(c.other, { hub: s.hub, jobId }) });
      const result = await waitForResult(c.publicClient, { hub: s.hub, jobId, timeout: 5_000 });
      expect([result.outputBytes, result.operator]).to.deep.equal([trueOutputs[2], s.operatorAccount.address]);
      const report = await verifyJob(c.publicClient, { hub: s.hub, jobId });
      expect(report.verdict, JSON.stringify(report.checks.filter((x) => !x.ok))).to.equal("valid");
      expect(report.optimistic).to.deep.include({ state: "final", outcome: "challenge-expired" });
      expect(check(report, "resolution").detail).to.include("the challenge expired");
      expect(report.optimistic!.payouts.map((p) => [p.account, p.amount])).to.deep.equal([[s.operatorAccount.address, 2n * BOND]]);
    });

    it("refuses to propose a job of another mode, and a proposal the registry does not back, with decoded errors", async function () {
      const s = await c.networkHelpers.loadFixture(system);
      const { jobId: quorumJob } = await requestMode(c, s, "quorum", FLOWERS[4]!);
      await rejectsWith(proposeResultSync(s.operatorWallet, { hub: s.hub, jobId: quorumJob, output: trueOutputs[4]! }), JobModeMismatchError);
      const { jobId } = await requestMode(c, s, "optimistic", FLOWERS[4]!);
      const err = await rejectsWith(proposeResultSync(s.challenger.wallet, { hub: s.hub, jobId, output: trueOutputs[4]! }), ContractRevertError);
      expect(err.errorName).to.equal("OperatorInsufficientStake");
      expect(err.args).to.deep.equal([s.challenger.account.address, SLASH, 0n]);
      // A proof of another output does not resolve: the ZK verifier refuses it.
      await proposeResultSync(s.operatorWallet, { hub: s.hub, jobId, output: trueOutputs[4]! });
      await c.publicClient.waitForTransactionReceipt({ hash: await challengeResult(s.challenger.wallet, { hub: s.hub, jobId }) });
      const proved = await proveMlp({
        weights: IRIS.weights, input: FLOWERS[5]!, artifacts: zkArtifactsIn(), jobId, submitter: s.challenger.account.address,
      });
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
