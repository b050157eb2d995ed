/**
 * Finding 3 (output stripping): TEE and QUORUM signatures covered only `outputHash`, so whoever re-sent an
 * operator's attestation chose the delivery form (`output = ""` with any URI) and the consumer's callback got empty
 * bytes; for OPTIMISTIC (and ZK), whoever called `finalize` / `resolveChallenge` / `fulfill` chose it. Now what is
 * signed commits the delivery form (`outputURIHash`, keccak256 of the URI, of "" for inline output), ZK results
 * must be inline (the proof carries the bytes), and OPTIMISTIC results are inline from the proposal on.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ethers as E } from "ethers";
import { encodeTensor } from "../../sdk/src/encoding/tensor.js";
import { releaseZkWorkers } from "../../sdk/src/proofs/zk.js";
import {
  ALL_MODES_VERSION,
  Status,
  WINDOW,
  commitAndPropose,
  consumerRequest,
  deployWithAllModes,
  inline,
  optimisticParams,
  quorumAttestation,
  quorumParams,
  votes,
} from "../helpers/modes.js";
import { MEASUREMENT, MODE_OPTIMISTIC, MODE_QUORUM, MODE_TEE, OUTPUT, signResult, teeFulfillArgs } from "../helpers/verity.js";
import { IRIS_INPUT, prove, zkFulfillArgs, zkRequest } from "../helpers/zk.js";

const { ethers, networkHelpers } = await network.create();
const STRIPPED = { output: "0x", outputURI: "ipfs://attacker", outputHash: E.keccak256(OUTPUT) };

async function fixture() {
  const c = await deployWithAllModes(ethers);
  await c.tee.connect(c.modelOwner).setMeasurementAllowed(c.modelId, ALL_MODES_VERSION, MEASUREMENT, true);
  return c;
}

describe("security: output stripping (finding 3)", function () {
  after(releaseZkWorkers);

  it("TEE: the enclave's signature of inline output does not hold for the same output re-sent by URI", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const { jobId, job } = await consumerRequest(c, MODE_TEE, 0n);
    const [, , , attestation] = await teeFulfillArgs(c, jobId, job);
    await expect(c.hub.connect(c.other).fulfill(jobId, job, STRIPPED, attestation)).to.be.revertedWithCustomError(c.tee, "TeeUnknownKey");
    expect((await c.hub.getJob(jobId)).status).to.equal(Status.Pending);
    expect(await c.consumer.resultCount()).to.equal(0n);
    // The operator's own delivery, inline, still lands and the consumer gets the bytes.
    await c.hub.connect(c.operator).fulfill(jobId, job, inline(OUTPUT), attestation);
    expect(await c.consumer.outputOf(jobId)).to.equal(OUTPUT);
  });

  it("QUORUM: votes for inline output do not hold for the same output re-sent by URI", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const { jobId, job } = await consumerRequest(c, MODE_QUORUM, quorumParams(3, 0n));
    const attestation = quorumAttestation(await votes(c, jobId, job, c.quorum.slice(0, 3), OUTPUT));
    await expect(c.hub.connect(c.other).fulfill(jobId, job, STRIPPED, attestation)).to.be.revertedWithCustomError(
      c.operators,
      "QuorumInvalidSignature",
    );
    expect((await c.hub.getJob(jobId)).status).to.equal(Status.Pending);
    await c.hub.connect(c.other).fulfill(jobId, job, inline(OUTPUT), attestation);
    expect(await c.consumer.outputOf(jobId)).to.equal(OUTPUT);
  });

  it("ZK: a proof's output cannot be delivered by URI (ZkOutputNotInline)", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const { jobId, job } = await zkRequest(c, IRIS_INPUT);
    // Made for the sender itself, so only the delivery form is at fault.
    const proved = await prove(c.weights, IRIS_INPUT, { jobId, submitter: c.other.address });
    const [, , , attestation] = zkFulfillArgs(jobId, job, proved);
    const output = encodeTensor(proved.output);
    const uri = { output: "0x", outputURI: "ipfs://attacker", outputHash: E.keccak256(output) };
    await expect(c.hub.connect(c.other).fulfill(jobId, job, uri, attestation))
      .to.be.revertedWithCustomError(c.zk, "ZkOutputNotInline")
      .withArgs(jobId, E.id("ipfs://attacker"));
    expect((await c.hub.getJob(jobId)).status).to.equal(Status.Pending);
  });

  it("OPTIMISTIC: whoever finalizes cannot deliver the proposed output by URI (GameOutputNotInline)", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const { jobId, job } = await consumerRequest(c, MODE_OPTIMISTIC, optimisticParams());
    await commitAndPropose(c, jobId, job, OUTPUT);
    await networkHelpers.time.increase(WINDOW + 1n);
    await expect(c.game.connect(c.other).finalize(jobId, job, STRIPPED)).to.be.revertedWithCustomError(c.game, "GameOutputNotInline").withArgs(jobId);
    expect((await c.hub.getJob(jobId)).status).to.equal(Status.Proposed);
    await c.game.connect(c.other).finalize(jobId, job, inline(OUTPUT));
    expect(await c.consumer.outputOf(jobId)).to.equal(OUTPUT);
  });

  it("keeps a URI delivery the signer chose: signed over its URI, it lands with that URI only", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const { jobId, job } = await consumerRequest(c, MODE_TEE, 0n);
    const hash = E.id("a large output");
    const signature = await signResult(c, c.enclave, {
      jobId,
      modelId: job.modelId as string,
      version: job.version as bigint,
      inputHash: job.inputHash as string,
      outputHash: hash,
      outputURIHash: E.id("ipfs://honest"),
    });
    const moved = { output: "0x", outputURI: "ipfs://attacker", outputHash: hash };
    await expect(c.hub.connect(c.other).fulfill(jobId, job, moved, signature)).to.be.revertedWithCustomError(c.tee, "TeeUnknownKey");
    const honest = { output: "0x", outputURI: "ipfs://honest", outputHash: hash };
    await expect(c.hub.connect(c.other).fulfill(jobId, job, honest, signature))
      .to.emit(c.hub, "InferenceFulfilled")
      .withArgs(jobId, c.operator.address, hash, "0x", "ipfs://honest");
  });
});
