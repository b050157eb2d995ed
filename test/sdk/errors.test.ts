import { expect } from "chai";
import { createPublicClient, createWalletClient, encodeErrorResult, http, keccak256, toHex, zeroAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  ContractRevertError,
  FeeTooLowError,
  HubNotFoundError,
  InsufficientBalanceError,
  JobExpiredError,
  JobNotFoundError,
  JobRefundedError,
  RpcUnreachableError,
  VerityError,
  WaitTimeoutError,
  fulfillTee,
  getJob,
  getModelVersion,
  inferenceHubAbi,
  refund,
  registerModel,
  requestInference,
  requestInferenceSync,
  toVerityError,
  waitForResult,
  optimisticGameAbi,
  verityTimelockAbi,
  withdraw,
  zkVerifierAbi,
} from "../../sdk/src/index.js";
import {
  type Connection,
  FEE,
  INPUT,
  OUTPUT,
  connect,
  deployTeeSystem,
  mined,
  rejectsWith,
  sentState,
} from "./helpers.js";

const DEAD_RPC = "http://127.0.0.1:1";

describe("SDK errors", function () {
  let c: Connection;
  async function teeSystem() {
    return deployTeeSystem(c);
  }
  before(async function () {
    c = await connect();
  });

  describe("an unreachable RPC", function () {
    const hub = "0x00000000000000000000000000000000000000aa";

    it("fails a read quickly with RpcUnreachableError naming the URL", async function () {
      const client = createPublicClient({ transport: http(DEAD_RPC) });
      const started = Date.now();
      const err = await rejectsWith(getJob(client, { hub, jobId: 1n }), RpcUnreachableError);
      expect(Date.now() - started).to.be.below(5_000);
      // viem normalises the URL (a trailing slash).
      expect(err.shortMessage).to.match(/^cannot reach RPC at http:\/\/127\.0\.0\.1:1\/?: is the node running\?$/);
      expect(err.url).to.include(DEAD_RPC);
      expect(err).to.be.instanceOf(VerityError);
    });

    it("fails a request before sending it, with RpcUnreachableError", async function () {
      const client = createWalletClient({
        account: privateKeyToAccount(keccak256(toHex("requester"))),
        transport: http(DEAD_RPC, { retryCount: 0 }),
      });
      await rejectsWith(
        requestInference(client, { hub, modelId: keccak256(toHex("m")), version: 1, input: INPUT, fee: 1n }),
        RpcUnreachableError,
      );
    });
  });

  describe("contract reverts", function () {
    it("decodes a hub revert to its custom error name and arguments", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const err = await rejectsWith(withdraw(c.other, { hub: s.hub }), ContractRevertError);
      expect(err.errorName).to.equal("HubNothingToWithdraw");
      expect(err.args.map((a) => String(a).toLowerCase())).to.deep.equal([c.other.account.address, zeroAddress]);
      expect(err.shortMessage).to.include("HubNothingToWithdraw(account: ");
    });

    it("decodes an enclave registry error that bubbled up through the hub (TeeUnknownKey)", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const { jobId, job } = await requestInferenceSync(c.requester, { hub: s.hub, modelId: s.modelId, version: 1, input: INPUT, fee: FEE });
      const stranger = privateKeyToAccount(keccak256(toHex("unregistered enclave")));
      const err = await rejectsWith(
        fulfillTee(c.operator, { hub: s.hub, jobId, job, output: OUTPUT, enclave: stranger }),
        ContractRevertError,
      );
      expect(err.errorName).to.equal("TeeUnknownKey");
      expect(err.args).to.deep.equal([stranger.address]);
    });

    it("turns a revert from a direct viem call into a ContractRevertError with toVerityError", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const raw = await c.publicClient
        .readContract({ address: s.hub, abi: inferenceHubAbi, functionName: "getVersion", args: [s.modelId, 9] })
        .catch((e: unknown) => e);
      const err = toVerityError(raw);
      expect(err).to.be.instanceOf(ContractRevertError);
      expect((err as ContractRevertError).errorName).to.equal("ModelUnknownVersion");
      expect((err as ContractRevertError).args).to.deep.equal([s.modelId, 9]);
    });
  });

  describe("a hub address that is not a hub", function () {
    /** Runs every call, expects HubNotFoundError naming `hub` with `reason` from each, and checks nothing was sent. */
    async function refusedAsNoHub(hub: `0x${string}`, reason: "no-code" | "not-a-hub", s: Awaited<ReturnType<typeof teeSystem>>) {
      const accounts = [c.requester.account.address, c.other.account.address, c.modelOwner.account.address];
      const before = await Promise.all(accounts.map((a) => sentState(c, a)));
      const calls: [string, () => Promise<unknown>][] = [
        ["requestInference", () => requestInference(c.requester, { hub, modelId: s.modelId, version: 1, input: INPUT, fee: FEE })],
        ["getJob", () => getJob(c.publicClient, { hub, jobId: 1n })],
        ["waitForResult", () => waitForResult(c.publicClient, { hub, jobId: 1n, timeout: 1_000 })],
        ["getModelVersion", () => getModelVersion(c.publicClient, { hub, modelId: s.modelId, version: 1 })],
        ["withdraw", () => withdraw(c.other, { hub })],
        ["registerModel", () => registerModel(c.modelOwner, { hub, name: "another" })],
      ];
      for (const [name, call] of calls) {
        const err = await rejectsWith(call(), HubNotFoundError);
        expect(err.reason, name).to.equal(reason);
        expect(err.hub, name).to.equal(hub);
        expect(err.shortMessage, name).to.include(hub);
        expect(err.metaMessages?.join("\n"), name).to.include("deployments file");
        expect(err, name).to.be.instanceOf(VerityError);
      }
      expect(await Promise.all(accounts.map((a) => sentState(c, a)))).to.deep.equal(before);
    }

    it("says the contract at the address is not a hub (e.g. the operator registry's), for reads and writes, sending nothing", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      await refusedAsNoHub(s.operatorRegistry, "not-a-hub", s);
      const err = await rejectsWith(getJob(c.publicClient, { hub: s.operatorRegistry, jobId: 1n }), HubNotFoundError);
      expect(err.shortMessage).to.equal(
        `The contract at ${s.operatorRegistry} on chain 31337 is not an InferenceHub: it does not answer the hub's interface.`,
      );
    });

    it("says there is no contract at an address without code, for reads and writes, sending nothing", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const empty = "0x00000000000000000000000000000000000000aa";
      await refusedAsNoHub(empty, "no-code", s);
      const err = await rejectsWith(withdraw(c.other, { hub: empty }), HubNotFoundError);
      expect(err.shortMessage).to.equal(`No contract at the hub address ${empty} on chain 31337: there is no InferenceHub there.`);
    });

    it("leaves a real hub's reverts as they are", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const err = await rejectsWith(getModelVersion(c.publicClient, { hub: s.hub, modelId: s.modelId, version: 9 }), VerityError);
      expect(err.name).to.equal("UnknownModelVersionError");
      await rejectsWith(withdraw(c.other, { hub: s.hub }), ContractRevertError);
    });
  });

  describe("amounts in SDK errors", function () {
    it("prints native amounts in units of the chain's currency with the wei, and token amounts as they are", function () {
      const native = new FeeTooLowError({ offered: 10n ** 15n, minimum: 2n * 10n ** 15n, feeToken: zeroAddress, nativeSymbol: "POL" });
      expect(native.shortMessage).to.equal("Fee 0.001 POL (1000000000000000 wei) is below the model fee of 0.002 POL (2000000000000000 wei).");
      const token = "0x00000000000000000000000000000000000000bb";
      const erc20 = new FeeTooLowError({ offered: 4n, minimum: 5n, feeToken: token });
      expect(erc20.shortMessage).to.equal(`Fee 4 is below the model fee of 5 (token ${token}, in its smallest unit).`);
      const account = c.other.account.address;
      const balance = new InsufficientBalanceError({ account, token: zeroAddress, required: 10n ** 18n, available: 0n });
      expect(balance.shortMessage).to.equal(`Account ${account} holds 0 ETH (0 wei) but needs 1 ETH (1000000000000000000 wei).`);
    });
  });

  describe("ContractRevertError on raw revert data", function () {
    it("decodes errors of every Verity contract, e.g. a ZK verifier's, and names an unknown selector", function () {
      const data = encodeErrorResult({ abi: zkVerifierAbi, errorName: "ZkProofInvalid", args: [3n, zeroAddress] });
      const err = new ContractRevertError({ data });
      expect(err.errorName).to.equal("ZkProofInvalid");
      expect(err.args).to.deep.equal([3n, zeroAddress]);
      // The OPTIMISTIC dispute game's errors and the governance timelock's decode the same way.
      const game = new ContractRevertError({
        data: encodeErrorResult({ abi: optimisticGameAbi, errorName: "GameNotCommitted", args: [7n, zeroAddress, keccak256("0x01")] }),
      });
      expect([game.errorName, game.args]).to.deep.equal(["GameNotCommitted", [7n, zeroAddress, keccak256("0x01")]]);
      expect(game.shortMessage).to.equal(`Contract reverted: GameNotCommitted(jobId: 7, proposer: ${zeroAddress}, commitment: ${keccak256("0x01")}).`);
      const every = optimisticGameAbi.filter((x) => x.type === "error").map((x) => x.name);
      expect(every).to.include.members(["GameWrongBond", "GameSelfChallenge", "GameResolutionClosed", "GameUseProposals"]);
      for (const name of every) {
        const item = optimisticGameAbi.find((x) => x.type === "error" && x.name === name) as { inputs: readonly { type: string }[] };
        const args = item.inputs.map((i) => (i.type === "address" ? zeroAddress : i.type === "bytes32" ? keccak256("0x") : 1n));
        const decoded = new ContractRevertError({ data: encodeErrorResult({ abi: optimisticGameAbi, errorName: name, args } as never) });
        expect(decoded.errorName, name).to.equal(name);
      }
      const timelock = new ContractRevertError({
        data: encodeErrorResult({ abi: verityTimelockAbi, errorName: "TimelockUnexpectedOperationState", args: [keccak256("0x"), toHex(4, { size: 32 })] }),
      });
      expect(timelock.errorName).to.equal("TimelockUnexpectedOperationState");
      const unknown = new ContractRevertError({ data: "0xdeadbeef" });
      expect(unknown.errorName).to.equal(undefined);
      expect(unknown.shortMessage).to.equal("Contract reverted: unknown error 0xdeadbeef.");
    });
  });

  describe("waiting for a result", function () {
    it("times out with WaitTimeoutError while the job is pending", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const { jobId } = await requestInferenceSync(c.requester, { hub: s.hub, modelId: s.modelId, version: 1, input: INPUT, fee: FEE });
      const started = Date.now();
      const err = await rejectsWith(waitForResult(c.publicClient, { hub: s.hub, jobId, timeout: 200, pollingInterval: 20 }), WaitTimeoutError);
      expect(Date.now() - started).to.be.within(150, 2_000);
      expect(err.jobId).to.equal(jobId);
    });

    it("fails with JobExpiredError once the deadline passed, then JobRefundedError after the refund", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const { jobId, job } = await requestInferenceSync(c.requester, { hub: s.hub, modelId: s.modelId, version: 1, input: INPUT, fee: FEE });
      const early = await rejectsWith(refund(c.other, { hub: s.hub, jobId, job }), ContractRevertError);
      expect(early.errorName).to.equal("HubJobNotExpired");
      await c.networkHelpers.time.increase(3_601);
      const expired = await rejectsWith(waitForResult(c.publicClient, { hub: s.hub, jobId }), JobExpiredError);
      expect(expired.deadline).to.equal(job.deadline);
      await mined(c, await refund(c.other, { hub: s.hub, jobId }));
      await rejectsWith(waitForResult(c.publicClient, { hub: s.hub, jobId }), JobRefundedError);
      const read = await getJob(c.publicClient, { hub: s.hub, jobId });
      expect(read.status).to.equal("refunded");
      expect(read.refund?.amount).to.equal(FEE);
      const before = await c.publicClient.getBalance({ address: c.requester.account.address });
      const receipt = await mined(c, await withdraw(c.requester, { hub: s.hub }));
      const after = await c.publicClient.getBalance({ address: c.requester.account.address });
      expect(after - before + receipt.gasUsed * receipt.effectiveGasPrice).to.equal(FEE);
    });

    it("fails with JobNotFoundError for a job that does not exist", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      await rejectsWith(waitForResult(c.publicClient, { hub: s.hub, jobId: 42n }), JobNotFoundError);
      const err = await rejectsWith(getJob(c.publicClient, { hub: s.hub, jobId: 42n }), JobNotFoundError);
      expect(err.jobId).to.equal(42n);
    });
  });
});
