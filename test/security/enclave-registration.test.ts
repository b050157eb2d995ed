/**
 * The review's attack on the TEE mode, through the SDK: an operator that puts nothing at stake, or has no (or too
 * few, or the wrong) attestor approvals, registers an enclave key it controls so that its made-up output is recorded
 * as an attested result. Every registration is refused with the decoded reason, the key stays unknown, no stake is
 * locked, and the made-up result is refused by the hub: the job stays pending and no credit moves.
 */
import { expect } from "chai";
import { type Address, getAddress, keccak256, parseEther, toHex, zeroAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { readContract } from "viem/actions";
import {
  ContractRevertError,
  DEFAULT_MIN_TEE_STAKE,
  InvalidAttestationError,
  enclaveRegistryAbi,
  fulfillTeeSync,
  inferenceHubAbi,
  operatorRegistryAbi,
  registerEnclaveKey,
  requestInferenceSync,
  stake,
  tensor,
} from "../../sdk/src/index.js";
import {
  type Connection,
  FEE,
  INPUT,
  type TeeSystem,
  connect,
  deployTeeSystem,
  mined,
  rejectsWith,
  sentState,
} from "../sdk/helpers.js";
import { ATTESTORS, prepareEnclaveAttestation } from "../sdk/enclave.js";

/** What the attacker wants recorded. */
const MADE_UP = tensor("int32", [1, 3], [999, 0, 0]);

describe("security: an enclave key counts only with verified evidence, approvals and stake behind it (SDK)", function () {
  let c: Connection;
  before(async function () {
    c = await connect();
  });

  const rogue = privateKeyToAccount(keccak256(toHex("the attacker's enclave key")));

  /** The TEE system, and a pending job the attacker would like to answer. */
  async function target() {
    const s = await deployTeeSystem(c);
    const { jobId, job } = await requestInferenceSync(c.requester, { hub: s.hub, modelId: s.modelId, version: 1, input: INPUT, fee: FEE });
    return { ...s, jobId, job };
  }
  type Target = Awaited<ReturnType<typeof target>>;

  /** Everything the attack must leave as it was. */
  async function ledger(s: TeeSystem & { jobId: bigint }) {
    const attacker = c.other.account.address;
    const hub = { address: s.hub, abi: inferenceHubAbi } as const;
    return {
      job: (await readContract(c.publicClient, { ...hub, functionName: "getJob", args: [s.jobId] }))[0],
      attackerCredit: await readContract(c.publicClient, { ...hub, functionName: "creditOf", args: [attacker, zeroAddress] }),
      operatorCredit: await readContract(c.publicClient, { ...hub, functionName: "creditOf", args: [c.operator.account.address, zeroAddress] }),
      hubBalance: await c.publicClient.getBalance({ address: s.hub }),
      attackerStake: await readContract(c.publicClient, { address: s.operatorRegistry, abi: operatorRegistryAbi, functionName: "getOperator", args: [attacker] }),
      key: await readContract(c.publicClient, { address: s.enclaveRegistry, abi: enclaveRegistryAbi, functionName: "getEnclaveKey", args: [rogue.address] }),
    };
  }

  /** The rogue key is unknown, nothing is locked, and its made-up result is refused: the job stays pending. */
  async function attackFails(s: Target, before: Awaited<ReturnType<typeof ledger>>) {
    const after = await ledger(s);
    expect(after).to.deep.equal(before);
    expect(after.key.status).to.equal(0); // None
    expect(after.key.operator).to.equal(zeroAddress);
    expect(after.attackerStake.locked).to.equal(0n);
    const refused = await rejectsWith(
      fulfillTeeSync(c.other, { hub: s.hub, jobId: s.jobId, job: s.job, output: MADE_UP, enclave: rogue }),
      ContractRevertError,
    );
    expect(refused.errorName).to.equal("TeeUnknownKey");
    expect(refused.args).to.deep.equal([rogue.address]);
    const end = await ledger(s);
    expect(end).to.deep.equal(before);
    expect(end.job).to.equal(1); // pending
  }

  /** Honest evidence and attestor approvals for the rogue key bound to the attacker: only the stake can stop it. */
  const attestRogue = (s: TeeSystem, o: { signers?: readonly (typeof ATTESTORS)[number][] } = {}) =>
    prepareEnclaveAttestation(c, { deployment: s, enclave: rogue, operatorWallet: c.other, ...o });

  it("an operator with no stake cannot register a key, even with genuine evidence and approvals (OperatorInsufficientStake)", async function () {
    const s = await c.networkHelpers.loadFixture(target);
    const before = await ledger(s);
    expect(before.attackerStake.stake).to.equal(0n);
    const { registration } = await attestRogue(s);
    const err = await rejectsWith(registerEnclaveKey(c.other, registration), ContractRevertError);
    expect(err.errorName).to.equal("OperatorInsufficientStake");
    expect(err.args).to.deep.equal([getAddress(c.other.account.address), DEFAULT_MIN_TEE_STAKE, 0n]);
    // Offering less than the protocol's least stake is refused before any stake is looked at.
    const low = await rejectsWith(registerEnclaveKey(c.other, { ...registration, stake: 1n }), ContractRevertError);
    expect(low.errorName).to.equal("EnclaveStakeTooLow");
    expect(low.args).to.deep.equal([1n, DEFAULT_MIN_TEE_STAKE]);
    await attackFails(s, before);
  });

  it("an operator whose free stake is below the key's stake cannot register it (OperatorInsufficientStake)", async function () {
    const s = await c.networkHelpers.loadFixture(target);
    const bonded = DEFAULT_MIN_TEE_STAKE / 2n;
    await mined(c, await stake(c.other, { operatorRegistry: s.operatorRegistry, amount: bonded }));
    const before = await ledger(s);
    const { registration } = await attestRogue(s);
    const err = await rejectsWith(registerEnclaveKey(c.other, registration), ContractRevertError);
    expect(err.errorName).to.equal("OperatorInsufficientStake");
    expect(err.args).to.deep.equal([getAddress(c.other.account.address), DEFAULT_MIN_TEE_STAKE, bonded]);
    await attackFails(s, before);
  });

  describe("a staked operator without the committee's approval", function () {
    async function stakedTarget() {
      const s = await target();
      await mined(c, await stake(c.other, { operatorRegistry: s.operatorRegistry, amount: parseEther("1") }));
      return s;
    }

    it("no approvals: the SDK refuses an empty list before sending; an empty proof is CommitteeMalformedProof", async function () {
      const s = await c.networkHelpers.loadFixture(stakedTarget);
      const before = await ledger(s);
      const { registration } = await attestRogue(s);
      const sent = await sentState(c, c.other.account.address);
      const empty = await rejectsWith(registerEnclaveKey(c.other, { ...registration, approvals: [] }), InvalidAttestationError);
      expect(empty.shortMessage).to.include("no attestor signed");
      expect(await sentState(c, c.other.account.address)).to.deep.equal(sent);
      const err = await rejectsWith(registerEnclaveKey(c.other, { ...registration, approvals: "0x" }), ContractRevertError);
      expect(err.errorName).to.equal("CommitteeMalformedProof");
      expect(err.args).to.deep.equal([0n]);
      await attackFails(s, before);
    });

    it("one attestor of a 2-of-3 committee is not enough (CommitteeBelowThreshold)", async function () {
      const s = await c.networkHelpers.loadFixture(stakedTarget);
      const before = await ledger(s);
      const { registration } = await attestRogue(s, { signers: [ATTESTORS[2]!] });
      const err = await rejectsWith(registerEnclaveKey(c.other, registration), ContractRevertError);
      expect(err.errorName).to.equal("CommitteeBelowThreshold");
      expect(err.args).to.deep.equal([1n, 2n]);
      await attackFails(s, before);
    });

    it("approvals signed by accounts that are not attestors do not count (CommitteeNotAttestor)", async function () {
      const s = await c.networkHelpers.loadFixture(stakedTarget);
      const before = await ledger(s);
      const impostors = [1, 2].map((n) => privateKeyToAccount(keccak256(toHex(`impostor attestor ${n}`))));
      const { registration } = await attestRogue(s, { signers: impostors });
      const err = await rejectsWith(registerEnclaveKey(c.other, registration), ContractRevertError);
      expect(err.errorName).to.equal("CommitteeNotAttestor");
      const lowest = impostors.map((a) => a.address).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))[0]!;
      expect(err.args).to.deep.equal([0n, lowest]);
      await attackFails(s, before);
    });

    it("genuine approvals of another claim (the honest operator's key) do not carry over (CommitteeNotAttestor)", async function () {
      const s = await c.networkHelpers.loadFixture(stakedTarget);
      const before = await ledger(s);
      const { registration } = await attestRogue(s);
      // The attestors' signatures of the fixture's own key, replayed for the rogue key.
      const err = await rejectsWith(
        registerEnclaveKey(c.other, { ...registration, approvals: s.attestation.approvals }),
        ContractRevertError,
      );
      expect(err.errorName).to.equal("CommitteeNotAttestor");
      expect(err.args[0]).to.equal(0n);
      expect(ATTESTORS.map((a) => a.address)).to.not.include(err.args[1] as Address);
      await attackFails(s, before);
    });
  });
});
