/**
 * CONTRACT ISSUE (fails on the current contracts, reported, contracts frozen): the same stake backs an enclave key
 * and QUORUM votes, but a QUORUM dispute cannot reach it.
 *
 * QUORUM eligibility reads the bonded stake including locked stake (OperatorRegistry `_bondedStake` returns
 * `stake`), while `disputeQuorum` slashes only free and unbonding stake (`_takeUnlocked`, "never locked stake").
 * Before the EnclaveRegistry, locks were short (an OPTIMISTIC proposal's window). Now an operator can lock all its
 * stake behind enclave keys for as long as it re-attests them, keep signing QUORUM votes (its `stake` still meets
 * the job's and the protocol's minimum), and a ZK-proven wrong vote slashes nothing: finding 9's economic security of
 * QUORUM is gone for such operators. Expected: such a vote is either refused at fulfilment or slashed in a dispute.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ethers as E } from "ethers";
import { encodeTensor } from "../../sdk/src/encoding/tensor.js";
import { releaseZkWorkers } from "../../sdk/src/proofs/zk.js";
import {
  QUORUM_STAKE,
  WRONG_OUTPUT,
  ascending,
  deployWithAllModes,
  modeRequest,
  quorumAttestation,
  quorumFulfillArgs,
  quorumParams,
  resolutionFor,
  votes,
} from "../helpers/modes.js";
import { MODE_QUORUM, registerEnclave } from "../helpers/verity.js";

const { ethers, networkHelpers } = await network.create();
const WRONG = encodeTensor(WRONG_OUTPUT);
const MIN_STAKE = E.parseEther("0.4");

async function fixture() {
  return deployWithAllModes(ethers);
}

describe("security: stake locked behind enclave keys still backs QUORUM votes (contract issue)", function () {
  this.timeout(120_000);
  after(releaseZkWorkers);

  it("refuses or slashes a wrong QUORUM vote whose signers locked all their stake behind enclave keys", async function () {
    const c = await networkHelpers.loadFixture(fixture);
    const signers = ascending(c.quorum.slice(0, 3));
    // Each signer locks its whole stake (1 ETH) behind an enclave key registered through the committee.
    for (const [i, s] of signers.entries()) {
      await registerEnclave(c, `quorum signer key ${i}`, { operator: s, stake: QUORUM_STAKE });
      expect((await c.operators.getOperator(s.address)).locked).to.equal(QUORUM_STAKE);
    }
    const { jobId, job } = await modeRequest(c, MODE_QUORUM, quorumParams(2, MIN_STAKE));
    const fulfilled = await c.hub
      .connect(c.operator)
      .fulfill(...(await quorumFulfillArgs(c, jobId, job, signers, WRONG)))
      .then(() => true, () => false);
    if (!fulfilled) return; // refused at fulfilment: the locked stake did not count
    const attestation = quorumAttestation(await votes(c, jobId, job, signers, WRONG));
    const { result, attestation: proof } = await resolutionFor(c, jobId, c.challenger.address);
    const before = await Promise.all(signers.map(async (s) => (await c.operators.getOperator(s.address)).stake));
    await c.operators.connect(c.challenger).disputeQuorum(jobId, job, E.keccak256(WRONG), E.keccak256("0x"), attestation, result, proof);
    const after = await Promise.all(signers.map(async (s) => (await c.operators.getOperator(s.address)).stake));
    // Each wrong signer should lose the job's minimum stake, as an unlocked signer does (quorum-slashing.test.ts).
    expect(after, "a proven-wrong QUORUM vote slashed nothing").to.deep.equal(before.map((b) => b - MIN_STAKE));
  });
});
