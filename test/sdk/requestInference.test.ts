import { expect } from "chai";
import { type Hex, formatEther, keccak256, toHex, zeroAddress } from "viem";
import {
  DeadlinePassedError,
  DeadlineTooFarError,
  FeeTooLowError,
  InsufficientAllowanceError,
  InsufficientBalanceError,
  InvalidCallbackError,
  InvalidDataError,
  InvalidParamsError,
  ModeNotSupportedError,
  TensorEncodingError,
  UnknownModelVersionError,
  VersionDeprecatedError,
  deprecateVersion,
  encodeTensor,
  erc20Abi,
  requestInference,
  requestInferenceSync,
  tensor,
} from "../../sdk/src/index.js";
import {
  type Connection,
  FEE,
  INPUT,
  MODEL_FEE,
  TOKEN_MODEL_FEE,
  type TeeSystem,
  connect,
  deployTeeSystem,
  mined,
  rejectsWith,
  sentState,
} from "./helpers.js";

describe("requestInference", function () {
  let c: Connection;
  async function teeSystem() {
    return deployTeeSystem(c);
  }
  before(async function () {
    c = await connect();
  });

  const base = (s: TeeSystem) => ({ hub: s.hub, modelId: s.modelId, version: 1, input: INPUT, fee: FEE });
  const now = async () => (await c.publicClient.getBlock()).timestamp;

  /** Runs `call`, expects `errorClass`, and checks the requester sent nothing (nonce and block unchanged). */
  async function refusedLocally<E extends Error>(
    call: () => Promise<unknown>,
    errorClass: abstract new (...args: never[]) => E,
    from = c.requester.account.address,
  ): Promise<E> {
    const before = await sentState(c, from);
    const err = await rejectsWith(call(), errorClass);
    expect(await sentState(c, from)).to.deep.equal(before);
    return err;
  }

  describe("sends a valid request", function () {
    it("escrows a native fee sent as value and emits the job with the inline input", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const hubBefore = await c.publicClient.getBalance({ address: s.hub });
      const r = await requestInferenceSync(c.requester, base(s));
      expect(r.jobId).to.equal(1n);
      expect(r.job.fee).to.equal(FEE);
      expect(r.job.modelFee).to.equal(MODEL_FEE);
      expect(r.job.requester.toLowerCase()).to.equal(c.requester.account.address);
      expect(r.job.deadline - (await now())).to.be.within(3590n, 3600n);
      expect(r.approvalHash).to.equal(undefined);
      expect(await c.publicClient.getBalance({ address: s.hub })).to.equal(hubBefore + FEE);
    });

    it("approves the hub for an ERC-20 fee first when the allowance is short, then pulls exactly the fee", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const fee = TOKEN_MODEL_FEE + 1_000n;
      const allowance = () =>
        c.publicClient.readContract({ address: s.token, abi: erc20Abi, functionName: "allowance", args: [c.requester.account.address, s.hub] });
      expect(await allowance()).to.equal(0n);
      const r = await requestInferenceSync(c.requester, { ...base(s), version: 2, fee });
      expect(r.approvalHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(r.job.feeToken.toLowerCase()).to.equal(s.token.toLowerCase());
      expect(await allowance()).to.equal(0n);
      expect(await c.publicClient.readContract({ address: s.token, abi: erc20Abi, functionName: "balanceOf", args: [s.hub] })).to.equal(fee);
      // The allowance is now zero again: a second request approves again.
      const again = await requestInferenceSync(c.requester, { ...base(s), version: 2, fee });
      expect(again.approvalHash).to.not.equal(undefined);
    });

    it("sends no approval when the allowance already covers an ERC-20 fee", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      await mined(c, await c.requester.writeContract({ address: s.token, abi: erc20Abi, functionName: "approve", args: [s.hub, 10n ** 18n] }));
      const r = await requestInferenceSync(c.requester, { ...base(s), version: 2, fee: TOKEN_MODEL_FEE, approve: false });
      expect(r.approvalHash).to.equal(undefined);
    });

    it("takes raw canonical bytes or a URI with its hash instead of a Tensor", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const bytes: Hex = encodeTensor(INPUT);
      const r1 = await requestInferenceSync(c.requester, { ...base(s), input: bytes });
      expect(r1.input).to.equal(bytes);
      expect(r1.job.inputHash).to.equal(keccak256(bytes));
      const hash = keccak256(toHex("a large input"));
      const r2 = await requestInferenceSync(c.requester, { ...base(s), input: { uri: "ipfs://large-input", hash } });
      expect(r2.input).to.equal(undefined);
      expect(r2.inputURI).to.equal("ipfs://large-input");
      expect(r2.job.inputHash).to.equal(hash);
    });

    it("returns the transaction hash from the plain action", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const hash = await requestInference(c.requester, base(s));
      const receipt = await mined(c, hash);
      expect(receipt.to?.toLowerCase()).to.equal(s.hub.toLowerCase());
    });
  });

  describe("refuses bad input locally, before sending anything", function () {
    it("an unknown model", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const err = await refusedLocally(
        () => requestInference(c.requester, { ...base(s), modelId: keccak256(toHex("nope")) }),
        UnknownModelVersionError,
      );
      expect(err.shortMessage).to.include("has no version 1");
      expect(err.details).to.include("not registered");
    });

    it("a version that was never published", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const err = await refusedLocally(() => requestInference(c.requester, { ...base(s), version: 9 }), UnknownModelVersionError);
      expect(err.modelVersion).to.equal(9);
      expect(err.details).to.include("versions 1..2");
    });

    it("a deprecated version", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      await mined(c, await deprecateVersion(c.modelOwner, { hub: s.hub, modelId: s.modelId, version: 1 }));
      await refusedLocally(() => requestInference(c.requester, base(s)), VersionDeprecatedError);
    });

    it("a fee below the model fee, saying the minimum", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const err = await refusedLocally(() => requestInference(c.requester, { ...base(s), fee: MODEL_FEE - 1n }), FeeTooLowError);
      expect(err.minimum).to.equal(MODEL_FEE);
      expect(err.offered).to.equal(MODEL_FEE - 1n);
      // Native amounts in units of the chain's currency, with the wei.
      expect(err.shortMessage).to.equal(
        "Fee 0.000999999999999999 ETH (999999999999999 wei) is below the model fee of 0.001 ETH (1000000000000000 wei).",
      );
    });

    it("a deadline in the past, and one more than 30 days ahead", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const t = await now();
      const err = await refusedLocally(() => requestInference(c.requester, { ...base(s), deadline: t - 1n }), DeadlinePassedError);
      expect(err.now).to.equal(t);
      await refusedLocally(() => requestInference(c.requester, { ...base(s), deadline: t }), DeadlinePassedError);
      await refusedLocally(
        () => requestInference(c.requester, { ...base(s), deadline: t + 31n * 24n * 3600n }),
        DeadlineTooFarError,
      );
    });

    it("a malformed tensor: bad bytes, a value out of its dtype's range, or trailing bytes", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      await refusedLocally(() => requestInference(c.requester, { ...base(s), input: "0x010203" }), TensorEncodingError);
      // A value out of range: tensor() refuses to build it, and a hand-made one is refused by the action.
      expect(() => tensor("int8", [1, 2], [1, 300])).to.throw(TensorEncodingError, "value 1 (300) is outside the int8 range");
      await refusedLocally(
        () => requestInference(c.requester, { ...base(s), input: { dtype: "int8", shape: [1, 2], values: new Int16Array([1, 300]) } as never }),
        TensorEncodingError,
      );
      await refusedLocally(
        () => requestInference(c.requester, { ...base(s), input: `${encodeTensor(INPUT)}00` }),
        TensorEncodingError,
      );
    });

    it("a URI input without its hash, and empty input", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      await refusedLocally(
        () => requestInference(c.requester, { ...base(s), input: { uri: "ipfs://x", hash: "0x" } }),
        InvalidDataError,
      );
      await refusedLocally(() => requestInference(c.requester, { ...base(s), input: "0x" }), InvalidDataError);
    });

    it("a mode the version does not support, listing the supported ones", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const err = await refusedLocally(() => requestInference(c.requester, { ...base(s), mode: "zk" }), ModeNotSupportedError);
      expect(err.mode).to.equal(2);
      expect(err.supported).to.deep.equal([1]);
      expect(err.details).to.include("TEE");
    });

    it("mode parameters on a TEE job, and a callback gas limit without a callback or to a non-contract", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      await refusedLocally(() => requestInference(c.requester, { ...base(s), params: 5n }), InvalidParamsError);
      await refusedLocally(() => requestInference(c.requester, { ...base(s), callbackGasLimit: 100_000 }), InvalidCallbackError);
      await refusedLocally(
        () => requestInference(c.requester, { ...base(s), callback: c.other.account.address, callbackGasLimit: 100_000 }),
        InvalidCallbackError,
      );
    });

    it("a callback that is another contract than the requester (the hub calls back only a contract asking for itself)", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const err = await refusedLocally(
        () => requestInference(c.requester, { ...base(s), callback: s.operatorRegistry, callbackGasLimit: 100_000 }),
        InvalidCallbackError,
      );
      expect(err.shortMessage).to.include(`is not the requester ${c.requester.account.address}`);
    });

    it("an ERC-20 fee the requester cannot pay, or whose approval was turned off", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const err = await refusedLocally(
        () => requestInference(c.operator, { ...base(s), version: 2, fee: TOKEN_MODEL_FEE }),
        InsufficientBalanceError,
        c.operator.account.address,
      );
      expect(err.available).to.equal(0n);
      expect(err.required).to.equal(TOKEN_MODEL_FEE);
      await refusedLocally(
        () => requestInference(c.requester, { ...base(s), version: 2, fee: TOKEN_MODEL_FEE, approve: false }),
        InsufficientAllowanceError,
      );
    });

    it("a native fee above the requester's balance", async function () {
      const s = await c.networkHelpers.loadFixture(teeSystem);
      const balance = await c.publicClient.getBalance({ address: c.requester.account.address });
      const err = await refusedLocally(() => requestInference(c.requester, { ...base(s), fee: balance + 1n }), InsufficientBalanceError);
      expect(err.token).to.equal(zeroAddress);
      expect(err.shortMessage).to.equal(
        `Account ${c.requester.account.address} holds ${formatEther(balance)} ETH (${balance} wei) but needs ${formatEther(balance + 1n)} ETH (${balance + 1n} wei).`,
      );
    });
  });
});
