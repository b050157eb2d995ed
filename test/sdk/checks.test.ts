import { expect } from "chai";
import { type Hex, concat, keccak256, numberToHex, parseEther, sliceHex, toHex, zeroAddress, zeroHash } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  InvalidAttestationError,
  InvalidQuorumVoteError,
  type JobStruct,
  type ModelVersion,
  SECP256K1_HALF_ORDER,
  VerityError,
  VerityMode,
  encodeTensor,
  modesBitmask,
  recoverQuorumVoteSigner,
  recoverResultSigner,
  recoverTeeSigner,
  resultDigest,
  resultTypedData,
  signatureProblem,
  storedJobCommitment,
  tensor,
} from "../../sdk/src/index.js";
import {
  type JobDataBase,
  chainCheck,
  commitmentCheck,
  dataCheck,
  fail,
  finalityCheck,
  modeCheck,
  modelVersionCheck,
  pass,
  reason,
  resultChecks,
  verdictOf,
} from "../../sdk/src/proofs/checks.js";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HUB = "0x00000000000000000000000000000000000000aa";
const INPUT = encodeTensor(tensor("int8", [1, 4], [84, 70, 63, 18]));
const OUTPUT = encodeTensor(tensor("int32", [1, 3], [0, 7, 11]));

const JOB: JobStruct = {
  requester: "0x00000000000000000000000000000000000000bb",
  modelId: keccak256(toHex("model")),
  version: 1,
  mode: VerityMode.tee,
  deadline: 1_000n,
  callback: zeroAddress,
  callbackGasLimit: 0,
  feeToken: zeroAddress,
  fee: parseEther("0.003"),
  modelFee: parseEther("0.001"),
  protocolFeeBps: 0,
  inputHash: keccak256(INPUT),
  params: 0n,
  verifier: zeroAddress,
};

const VERSION: ModelVersion = {
  artifactHash: keccak256(toHex("artifact")),
  uri: "file:models/iris-mlp.onnx",
  modes: modesBitmask(["tee"]),
  deprecated: false,
  feeToken: zeroAddress,
  fee: parseEther("0.001"),
  zkVerifier: zeroAddress,
  zkModelCommitment: zeroHash,
  zkVerifyingKeyHash: zeroHash,
  publishedAt: 1n,
  ioSignatureHash: keccak256(toHex("{}")),
};

/** A fulfilled TEE job's data, every shared check passing. */
function fulfilledData(): JobDataBase {
  const outputHash = keccak256(OUTPUT);
  return {
    jobId: 7n,
    hub: HUB,
    chainId: 31337,
    rpcChainId: 31337,
    status: "fulfilled",
    storedCommitment: storedJobCommitment(7n, JOB, "fulfilled"),
    requested: { job: JOB, input: INPUT, inputURI: undefined },
    fulfilled: { blockNumber: 12n, operator: "0x00000000000000000000000000000000000000cc", outputHash, output: OUTPUT, outputURI: undefined },
    call: { jobId: 7n, job: JOB, result: { output: OUTPUT, outputURI: "", outputHash }, attestation: "0x" },
    version: VERSION,
    confirmations: 1n,
    minConfirmations: 1n,
  };
}

describe("proofs/signatures: the hub's signature rules (HubSignatures.sol)", function () {
  const enclave = privateKeyToAccount(keccak256(toHex("an enclave")));
  const message = { hub: HUB, chainId: 31337, jobId: 7n, modelId: JOB.modelId, version: 1, inputHash: JOB.inputHash, outputHash: keccak256(OUTPUT) } as const;
  let signature: Hex;
  before(async function () {
    signature = await enclave.signTypedData(resultTypedData(message));
  });

  /** The signature with its s flipped to N - s (and v flipped): the same signer, a malleable encoding. */
  const highS = (sig: Hex) => {
    const v = Number.parseInt(sig.slice(130), 16);
    return concat([sliceHex(sig, 0, 32), numberToHex(N - BigInt(sliceHex(sig, 32, 64)), { size: 32 }), numberToHex(v === 27 ? 28 : 27, { size: 1 })]);
  };

  it("finds no problem in a 65-byte signature with v 27 or 28 and a low s", function () {
    expect(signatureProblem(signature)).to.equal(undefined);
    expect(BigInt(sliceHex(highS(signature), 32, 64)) > SECP256K1_HALF_ORDER).to.equal(true);
  });

  it("refuses a 64-byte signature: it must be 65 bytes", function () {
    expect(signatureProblem(sliceHex(signature, 0, 64))).to.equal("the signature must be 65 bytes");
  });

  it("refuses v = 29: only 27 and 28", function () {
    expect(signatureProblem(concat([sliceHex(signature, 0, 64), "0x1d"]))).to.equal("signature v is 29, not 27 or 28");
  });

  it("refuses a high s as malleable, as OpenZeppelin's ECDSA does", function () {
    expect(signatureProblem(highS(signature))).to.equal("signature s is in the upper half of the curve order (malleable)");
  });

  it("throws the error the caller builds from the problem, and returns undefined for a sound signature", function () {
    const toError = (problem: string) => new InvalidAttestationError(problem);
    expect(() => signatureProblem("0x1234", toError)).to.throw(InvalidAttestationError, "the signature must be 65 bytes");
    expect(signatureProblem(signature, toError)).to.equal(undefined);
  });

  it("is the rule recoverResultSigner (TEE) and recoverQuorumVoteSigner (QUORUM) refuse by, with the same problem", async function () {
    const bad = concat([sliceHex(signature, 0, 64), "0x1d"]);
    const tee = await recoverResultSigner({ ...message, signature: bad }).catch((e: unknown) => e);
    expect(tee).to.be.instanceOf(InvalidAttestationError);
    expect((tee as InvalidAttestationError).shortMessage).to.equal("Invalid TEE attestation: signature v is 29, not 27 or 28.");
    const vote = await recoverQuorumVoteSigner({ ...message, signature: highS(signature) }).catch((e: unknown) => e);
    expect(vote).to.be.instanceOf(InvalidQuorumVoteError);
    expect((vote as InvalidQuorumVoteError).reason).to.equal("signature s is in the upper half of the curve order (malleable)");
    expect(await recoverResultSigner({ ...message, signature })).to.equal(enclave.address);
  });
});

describe("recoverTeeSigner: a TEE job's signer, recovered once", function () {
  const enclave = privateKeyToAccount(keccak256(toHex("an enclave")));
  const message = { hub: HUB, chainId: 31337, jobId: 7n, modelId: JOB.modelId, version: 1, inputHash: JOB.inputHash, outputHash: keccak256(OUTPUT) } as const;

  it("recovers the enclave key for the result, and returns that recovery as is when given it again", async function () {
    const signature = await enclave.signTypedData(resultTypedData(message));
    const first = await recoverTeeSigner(message, signature);
    expect(first).to.deep.equal({ digest: resultDigest(message), attestation: signature, key: enclave.address });
    expect(await recoverTeeSigner(message, signature, first)).to.equal(first);
  });

  it("recovers again when the recovery given is for another result or attestation, so altered data is re-checked", async function () {
    const signature = await enclave.signTypedData(resultTypedData(message));
    const first = await recoverTeeSigner(message, signature);
    const otherChain = await recoverTeeSigner({ ...message, chainId: 1 }, signature, first);
    expect(otherChain.key).to.not.equal(enclave.address);
    const forged = { digest: zeroHash, attestation: signature, key: "0x00000000000000000000000000000000000000dd" } as const;
    expect((await recoverTeeSigner(message, signature, forged)).key).to.equal(enclave.address);
  });

  it("says why no key could be recovered from a malformed attestation", async function () {
    expect(await recoverTeeSigner(message, "0x1234")).to.deep.equal({
      digest: resultDigest(message),
      attestation: "0x1234",
      problem: "Invalid TEE attestation: it is 2 bytes, not 65.",
    });
  });
});

describe("proofs/checks: the checks every mode's report shares", function () {
  it("passes the chain check for the RPC's chain, and says which chains differ otherwise", function () {
    expect(chainCheck({ chainId: 31337, rpcChainId: 31337 })).to.deep.equal(pass("chain", "chain 31337"));
    expect(chainCheck({ chainId: 1, rpcChainId: 31337 })).to.deep.equal(
      fail("chain", "verifying for chain 1, but the RPC serves chain 31337"),
    );
  });

  it("passes the mode check with the mode's label, and fails it for another mode or for bad params", function () {
    expect(modeCheck(JOB, VerityMode.tee)).to.deep.equal(pass("mode", "TEE"));
    expect(modeCheck(JOB, VerityMode.zk).detail).to.equal("the job's mode is TEE, not ZK");
    const quorum = { ...JOB, mode: VerityMode.quorum };
    expect(modeCheck(quorum, VerityMode.quorum, { ok: "QUORUM: 3 signature(s)" })).to.deep.equal(pass("mode", "QUORUM: 3 signature(s)"));
    expect(modeCheck(quorum, VerityMode.quorum, { ok: "unused", problem: "k is 0" })).to.deep.equal(fail("mode", "k is 0"));
  });

  it("passes the commitment check when the requested job hashes to the stored slot, whatever its status byte", function () {
    const data = fulfilledData();
    expect(commitmentCheck(data).ok).to.equal(true);
    expect(commitmentCheck({ ...data, storedCommitment: storedJobCommitment(7n, JOB, "pending") }).ok).to.equal(true);
    const altered = commitmentCheck({ ...data, requested: { ...data.requested, job: { ...JOB, fee: JOB.fee + 1n } } });
    expect(altered.ok).to.equal(false);
    expect(altered.detail).to.match(/^the InferenceRequested job hashes to 0x[0-9a-f]{64}, but the hub stores 0x[0-9a-f]{64} \(status byte aside\)$/);
  });

  describe("dataCheck", function () {
    const hash = keccak256(OUTPUT);
    const other = encodeTensor(tensor("int32", [1, 3], [9, 7, 11]));

    it("passes inline bytes that hash to the recorded hash and are a canonical tensor", function () {
      expect(dataCheck("outputHash", hash, { inline: OUTPUT, uri: undefined, given: undefined })).to.deep.equal(
        pass("outputHash", `${hash}: a canonical int32 tensor of shape [1,3]`),
      );
    });

    it("skips, as ok, bytes given by URI that nobody fetched", function () {
      expect(dataCheck("inputHash", hash, { inline: undefined, uri: "ipfs://x", given: undefined })).to.deep.equal({
        name: "inputHash",
        ok: true,
        skipped: true,
        detail: `the input is off chain at ipfs://x: hash ${hash} is committed but the bytes were not given`,
      });
    });

    it("fails bytes of another hash, in each mode's wording", function () {
      const computed = keccak256(other);
      const given = { inline: undefined, uri: "ipfs://x", given: other };
      expect(dataCheck("outputHash", hash, given).detail).to.equal(
        `keccak256 of the output is ${computed}, but the recorded outputHash is ${hash}`,
      );
      expect(dataCheck("outputHash", hash, given, { sourced: true }).detail).to.equal(
        `keccak256 of the output given for ipfs://x is ${computed}, but the recorded outputHash is ${hash}`,
      );
      expect(dataCheck("outputHash", hash, given, { recorded: "hash" }).detail).to.equal(
        `keccak256 of the output is ${computed}, but the recorded hash is ${hash}`,
      );
      const attested = { inline: undefined, uri: undefined, given: undefined, attested: other };
      expect(dataCheck("outputHash", hash, attested, { sourced: true }).detail).to.equal(
        `keccak256 of the output in the attestation is ${computed}, but the recorded outputHash is ${hash}`,
      );
    });

    it("fails bytes of the recorded hash that are not a canonical tensor", function () {
      const bad: Hex = "0x0102";
      const check = dataCheck("inputHash", keccak256(bad), { inline: bad, uri: undefined, given: undefined });
      expect(check.ok).to.equal(false);
      expect(check.detail).to.match(new RegExp(`^the input hashes to ${keccak256(bad)} but is not a canonical tensor: `));
    });
  });

  describe("resultChecks", function () {
    it("reports a pending job as pending, with the mode's detail, and an unknown one as invalid", function () {
      const data = fulfilledData();
      expect(resultChecks({ ...data, status: "pending", fulfilled: undefined })).to.deep.equal({
        checks: [fail("status", "the job has no result yet")],
        verdict: "pending",
      });
      const quorum = resultChecks({ ...data, status: "pending" }, { pending: "the job has no result yet: it needs 3 operator votes" });
      expect(quorum.checks[0]!.detail).to.equal("the job has no result yet: it needs 3 operator votes");
      expect(resultChecks({ ...data, status: "none" })).to.deep.equal({ checks: [fail("status", "the hub has no such job")], verdict: "invalid" });
    });

    it("reports a refunded job as invalid: it has no result", function () {
      expect(resultChecks({ ...fulfilledData(), status: "refunded" })).to.deep.equal({
        checks: [fail("status", "the job was refunded after its deadline: it has no result")],
        verdict: "invalid",
      });
    });

    it("passes a job fulfilled at its recording block, with its output, and says where", function () {
      const result = resultChecks(fulfilledData());
      expect(result.verdict).to.equal(undefined);
      expect(result.at).to.equal("at block 12");
      expect(result.checks.map((c) => [c.name, c.ok, c.detail])).to.deep.equal([
        ["status", true, "fulfilled at block 12"],
        ["outputHash", true, `${keccak256(OUTPUT)}: a canonical int32 tensor of shape [1,3]`],
      ]);
    });

    it("fails the status check when the hub's stored status is not fulfilled at the recording block", function () {
      const data = { ...fulfilledData(), storedCommitment: storedJobCommitment(7n, JOB, "pending") };
      expect(resultChecks(data).checks[0]).to.deep.equal(
        fail("status", `the job's InferenceFulfilled event is at block 12, but the hub stored status "pending" there`),
      );
    });

    it("fails the output check when the fulfil calldata's job or output differs from the events", function () {
      const data = fulfilledData();
      const other = encodeTensor(tensor("int32", [1, 3], [9, 7, 11]));
      for (const call of [
        { ...data.call!, result: { ...data.call!.result, output: other } },
        { ...data.call!, job: { ...JOB, fee: 1n } },
      ]) {
        expect(resultChecks({ ...data, call }).checks[1]).to.deep.equal(
          fail("outputHash", "the fulfil calldata's job or output differs from the events"),
        );
      }
    });
  });

  it("checks the model version exists and supports the job's mode", function () {
    expect(modelVersionCheck(JOB, undefined, "at block 12")).to.deep.equal(
      fail("modelVersion", `model ${JOB.modelId} has no version 1 at block 12`),
    );
    expect(modelVersionCheck(JOB, { ...VERSION, modes: modesBitmask(["zk", "optimistic"]) }, "at block 12").detail).to.equal(
      "version 1 supports ZK, OPTIMISTIC, not TEE",
    );
    expect(modelVersionCheck(JOB, { ...VERSION, modes: 0 }, "at block 12").detail).to.equal("version 1 supports no mode, not TEE");
    expect(modelVersionCheck(JOB, VERSION, "at block 12")).to.deep.equal(
      pass("modelVersion", `version 1: artifact ${VERSION.artifactHash} at file:models/iris-mlp.onnx`),
    );
  });

  it("checks finality against the confirmations asked for", function () {
    expect(finalityCheck({ confirmations: 3n, minConfirmations: 3n })).to.deep.equal(pass("finality", "3 confirmation(s), 3 required"));
    expect(finalityCheck({ confirmations: 1n, minConfirmations: 3n })).to.deep.equal(fail("finality", "1 confirmation(s), 3 required"));
  });

  it("gives the verdict: valid, pending when only finality or waiting checks fail, else invalid", function () {
    const ok = pass("chain", "chain 1");
    const notFinal = fail("finality", "1 confirmation(s), 3 required");
    const windowOpen = fail("window", "the challenge window is open");
    expect(verdictOf([ok])).to.equal("valid");
    expect(verdictOf([ok, notFinal])).to.equal("pending");
    expect(verdictOf([ok, windowOpen])).to.equal("invalid");
    expect(verdictOf([ok, windowOpen, notFinal], new Set([windowOpen]))).to.equal("pending");
    expect(verdictOf([fail("chain", "another chain"), notFinal])).to.equal("invalid");
  });

  it("words an error by the first line of its short message", function () {
    expect(reason(new VerityError("Short message.\nMore.", { details: "details" }))).to.equal("Short message.");
    expect(reason(new Error("plain\nsecond line"))).to.equal("plain");
    expect(reason("a string")).to.equal("a string");
  });
});
