import { expect } from "chai";
import { type Hash, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { prepareTeeFulfillment } from "../../../sdk/src/actions/fulfillTee.js";
import { encodeTensor, proposeResultSync } from "../../../sdk/src/index.js";
import { ContractRevertError } from "../../../sdk/src/errors/contract.js";
import type { RequestedJob } from "../../../sdk/src/internal/jobs.js";
import { type FollowUpCall, type HubCall, type SignedSend, inlineResult } from "../../../sdk/src/operator/submitter.js";
import {
  type Connection,
  FLOWERS,
  type OperatorSystem,
  connect,
  deployOperatorSystem,
  mineBlock,
  rejection,
  request,
  sentCount,
  submitterOf,
  trueOutput,
  withoutAutomine,
} from "./helpers.js";
import { deployModesSystem, requestMode } from "../modes-helpers.js";

describe("operator parts: submitter", function () {
  let c: Connection;
  const system = () => deployOperatorSystem(c);
  const modes = () => deployModesSystem(c);
  before(async function () {
    c = await connect();
  });

  /** The TEE `fulfill` of a job with the model's true output, signed by `enclave` (the registered one by default). */
  async function teeFulfill(s: OperatorSystem, req: RequestedJob, enclave = s.enclave): Promise<HubCall> {
    const output = encodeTensor(trueOutput(FLOWERS[0]!));
    const { job, result, attestation } = await prepareTeeFulfillment(s.operatorWallet, { hub: s.hub, jobId: req.jobId, job: req.job, output, enclave });
    return { functionName: "fulfill", args: [req.jobId, job, result, attestation] };
  }

  it("refuses, at simulation, a fulfill whose attestation the hub rejects, with the contract's decoded error", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const req = await request(c, s, FLOWERS[0]!);
    const stranger = privateKeyToAccount(keccak256(toHex("an enclave key nobody registered")));
    const before = await sentCount(c, s.operatorAccount.address);
    const err = await rejection(submitterOf(c, s).prepare(await teeFulfill(s, req, stranger)));
    expect(err).to.be.instanceOf(ContractRevertError);
    expect((err as ContractRevertError).errorName).to.equal("TeeUnknownKey");
    expect((err as ContractRevertError).args).to.deep.equal([stranger.address]);
    expect(await sentCount(c, s.operatorAccount.address)).to.equal(before);
  });

  it("hands the signed transaction's hash to onSigned before broadcasting it; the mined transaction has that hash", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const submitter = submitterOf(c, s);
    const req = await request(c, s, FLOWERS[0]!);
    const nonce = await sentCount(c, s.operatorAccount.address);
    const prepared = await submitter.prepare(await teeFulfill(s, req));
    expect(prepared.nonce).to.equal(nonce);

    let signed: SignedSend | undefined;
    let onChainWhenSigned: { lookup: string; pendingNonce: number } | undefined;
    const txHash = await submitter.exclusive(() =>
      submitter.broadcast(prepared, {
        onSigned: async (sent) => {
          signed = sent;
          const lookup = await c.publicClient.getTransaction({ hash: sent.txHash! }).then(
            () => "found",
            (e: Error) => e.name,
          );
          onChainWhenSigned = { lookup, pendingNonce: await sentCount(c, s.operatorAccount.address) };
        },
        onHash: async () => expect.fail("a local account's hash is known before it is sent"),
      }),
    );
    expect(signed).to.deep.equal({ from: s.operatorAccount.address, nonce, txHash });
    expect(onChainWhenSigned).to.deep.equal({ lookup: "TransactionNotFoundError", pendingNonce: nonce });
    const receipt = await c.publicClient.waitForTransactionReceipt({ hash: txHash });
    expect(receipt).to.include({ transactionHash: txHash, status: "success" });
    expect((await c.publicClient.getTransaction({ hash: txHash })).nonce).to.equal(nonce);
  });

  it("sends two queued transactions with consecutive nonces, both in the mempool at once", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const submitter = submitterOf(c, s);
    const jobs = [await request(c, s, FLOWERS[0]!), await request(c, s, FLOWERS[1]!)];
    const nonce = await sentCount(c, s.operatorAccount.address);
    const signed: number[] = [];
    const hashes = await withoutAutomine(c, async () => {
      const sends = jobs.map((req) =>
        submitter.exclusive(async () =>
          submitter.broadcast(await submitter.prepare(await teeFulfill(s, req)), {
            onSigned: async (sent) => void signed.push(sent.nonce),
            onHash: async () => undefined,
          }),
        ),
      );
      const sent: Hash[] = await Promise.all(sends);
      expect(await sentCount(c, s.operatorAccount.address)).to.equal(nonce + 2);
      await mineBlock(c);
      return sent;
    });
    expect(signed).to.deep.equal([nonce, nonce + 1]);
    for (const [i, hash] of hashes.entries()) {
      const receipt = await c.publicClient.waitForTransactionReceipt({ hash });
      expect(receipt.status).to.equal("success");
      expect((await c.publicClient.getTransaction({ hash })).nonce).to.equal(nonce + i);
    }
  });

  it("sends no follow-up the game answers with GameNoProposal (finalize of a job nobody proposed): undefined", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const req = await request(c, s, FLOWERS[0]!);
    const submitter = submitterOf(c, s);
    const finalize: FollowUpCall = {
      functionName: "finalize",
      game: s.optimisticGame,
      args: [req.jobId, req.job, inlineResult(encodeTensor(trueOutput(FLOWERS[0]!)))],
    };
    // The game's answer: it holds no proposal for the job (someone finalized it first, or nobody proposed).
    const refused = (await rejection(submitter.prepare(finalize))) as ContractRevertError;
    expect([refused.errorName, refused.args]).to.deep.equal(["GameNoProposal", [req.jobId]]);
    const before = await sentCount(c, s.operatorAccount.address);
    expect(await submitter.followUp(finalize)).to.equal(undefined);
    expect(await sentCount(c, s.operatorAccount.address)).to.equal(before);
  });

  it("rejects a follow-up the game refuses for another reason (finalize within the window), with the decoded error", async function () {
    const s = await c.networkHelpers.loadFixture(modes);
    const { jobId, job } = await requestMode(c, s, "optimistic", FLOWERS[0]!);
    const output = encodeTensor(trueOutput(FLOWERS[0]!));
    const { challengeWindowEnd } = await proposeResultSync(s.operatorWallet, { hub: s.hub, jobId, output });
    const before = await sentCount(c, s.operatorAccount.address);
    const err = await rejection(submitterOf(c, s).followUp({ functionName: "finalize", game: s.optimisticGame, args: [jobId, job, inlineResult(output)] }));
    expect(err).to.be.instanceOf(ContractRevertError);
    expect([(err as ContractRevertError).errorName, (err as ContractRevertError).args]).to.deep.equal(["GameChallengeWindowOpen", [jobId, challengeWindowEnd]]);
    expect(await sentCount(c, s.operatorAccount.address)).to.equal(before);
  });
});
