import { buildModule } from "@nomicfoundation/ignition-core";
import { keccak256, toHex, zeroAddress, zeroHash } from "viem";
import { groth16VerifierMlpCodeHash, groth16VerifierMlpVerifyingKey, groth16VerifierMlpVkeyHash } from "../bytecode.js";

const PROPOSER_ROLE = keccak256(toHex("PROPOSER_ROLE"));
const CANCELLER_ROLE = keccak256(toHex("CANCELLER_ROLE"));

/**
 * Deploys the whole Verity system behind a timelock: the AttestorCommittee (k of n attestors vouching for enclave
 * evidence), the OperatorRegistry (stakes; the QUORUM verifier), the EnclaveRegistry (enclave keys and measurements;
 * the TEE verifier, with the committee as the attestation verifier of TEE types 1 (AWS Nitro) and 2 (Intel TDX)), the
 * InferenceHub (also the model registry), the ZK mode's verifier with the reference circuit's Groth16 verifier
 * allowed, the OPTIMISTIC dispute game, and OpenZeppelin's TimelockController as the owner of the hub, both
 * registries, the committee and the ZK verifier. Every governance power (see the README's "Governance powers") then
 * takes `governanceDelay`: `governor` schedules through the timelock, anyone executes once the delay has passed,
 * `governor` can cancel.
 *
 * The deployer wires everything as the first owner, hands ownership to the timelock, and has the timelock accept it
 * in one batch run at a zero delay; the same batch sets the real delay and moves the proposer and canceller roles
 * from the deployer to `governor`. When the module is done the deployer holds no power, unless it is `governor`
 * (or one of the attestors).
 *
 * Ships in verity-inference-node (`verity deploy` runs it) and is the repository's ignition/modules/Verity.ts. The
 * reference circuit's code hash and verifying key hash come from sdk/src/bytecode.ts (generated from the artifacts).
 *
 * Parameters (ignition/parameters.json or --parameters):
 *   attestors          the committee's attestors (addresses)                     required, at least one
 *   attestorThreshold  how many attestors must sign an approval (1..attestors)   default: 1
 *   keyLifetime        longest an enclave key lives on one attestation (seconds) default: 7 days (1 hour .. 30 days)
 *   minTeeStake        least stake locked behind an enclave key (stake units)    default: 0.1 ether
 *   treasury           receives protocol fees                                     default: the deployer
 *   stakeToken         ERC-20 operators stake, or zero for the native currency    default: native
 *   unbondingDelay     seconds before unstaked funds can leave (at least 6 days)  default: 7 days
 *   governor           schedules and cancels governance calls                     default: the deployer
 *   governanceDelay    seconds between scheduling and executing a call           default: 2 days
 *   minBond            least OPTIMISTIC bond (native), covers a resolution's gas   default: 0.01 ether
 *   minQuorumStake     least bonded stake of any QUORUM signer (stake units)      default: 0.1 ether
 *   minBatchBond       least BATCH bond of stake behind settled receipts          default: 0.1 ether
 *   batchWithdrawalDelay  wait of a BATCH channel withdrawal (seconds)            default: 1 day (1 hour .. 30 days)
 *   batchBondReleaseDelay time an unbonding BATCH bond stays slashable (seconds)  default: 7 days (1 hour .. 30 days)
 *
 * `attestors` has no default: Ignition cannot default a list to an account (a default is a literal, resolved
 * alone only when it is one account), and a committee must not be made of a guessed address. For a local deployment
 * pass the deployer, e.g. `{ "Verity": { "attestors": ["0xf39F…2266"] } }`. Without the parameter Ignition refuses
 * before sending anything; an empty list, or a threshold above the attestors, is refused by the committee's
 * constructor (`CommitteeInvalidThreshold`), which is deployed first: every other contract waits for it, so nothing
 * else is deployed either.
 */
export default buildModule("Verity", (m) => {
  const deployer = m.getAccount(0);
  const attestors = m.getParameter<string[]>("attestors");
  const attestorThreshold = m.getParameter("attestorThreshold", 1n);
  const keyLifetime = m.getParameter("keyLifetime", 7n * 24n * 3600n);
  const minTeeStake = m.getParameter("minTeeStake", 10n ** 17n);
  const treasury = m.getParameter("treasury", deployer);
  const stakeToken = m.getParameter("stakeToken", zeroAddress);
  const unbondingDelay = m.getParameter("unbondingDelay", 7n * 24n * 3600n);
  const governor = m.getParameter("governor", deployer);
  const governanceDelay = m.getParameter("governanceDelay", 2n * 24n * 3600n);
  const minBond = m.getParameter("minBond", 10n ** 16n);
  const minQuorumStake = m.getParameter("minQuorumStake", 10n ** 17n);
  const minBatchBond = m.getParameter("minBatchBond", 10n ** 17n);
  const batchWithdrawalDelay = m.getParameter("batchWithdrawalDelay", 24n * 3600n);
  const batchBondReleaseDelay = m.getParameter("batchBondReleaseDelay", 7n * 24n * 3600n);

  // The attestor committee first: a bad attestor list or threshold stops the deployment before anything else.
  const attestorCommittee = m.contract("AttestorCommittee", [deployer, attestors, attestorThreshold]);
  const first = { after: [attestorCommittee] };

  const operatorRegistry = m.contract("OperatorRegistry", [deployer, stakeToken, unbondingDelay], first);
  const enclaveRegistry = m.contract("EnclaveRegistry", [deployer, operatorRegistry, keyLifetime, minTeeStake]);
  const hub = m.contract("InferenceHub", [deployer, operatorRegistry, enclaveRegistry, treasury]);
  const setHub = m.call(operatorRegistry, "setHub", [hub]);

  // TEE mode: the enclave registry locks and slashes stake in the operator registry, verifies results for the hub,
  // and asks the committee about the evidence of both TEE types.
  const setEnclaveRegistry = m.call(operatorRegistry, "setEnclaveRegistry", [enclaveRegistry]);
  const setEnclaveHub = m.call(enclaveRegistry, "setHub", [hub]);
  const setNitroVerifier = m.call(enclaveRegistry, "setAttestationVerifier", [1, attestorCommittee], {
    id: "setAttestationVerifierNitro",
  });
  const setTdxVerifier = m.call(enclaveRegistry, "setAttestationVerifier", [2, attestorCommittee], {
    id: "setAttestationVerifierTdx",
  });

  // ZK mode: the generated Groth16 verifier of the reference circuit (a model version names it as its
  // zkVerifier), allowed by code hash with its verifying key, and the mode's verifier, plugged into the hub.
  const groth16VerifierMlp = m.contract("Groth16VerifierMlp", [], first);
  const zkVerifier = m.contract("ZkVerifier", [deployer], first);
  const allowCircuit = m.call(zkVerifier, "setCircuitAllowed", [groth16VerifierMlpCodeHash, groth16VerifierMlpVkeyHash, true], {
    after: [groth16VerifierMlp],
  });
  // Its verifying key, published on chain (an event; anyone may publish a key): verifyJob reads it from there.
  m.call(zkVerifier, "publishVerifyingKey", [groth16VerifierMlpVerifyingKey], { id: "publishReferenceVerifyingKey" });
  const setVerifierZk = m.call(hub, "setVerifier", [2, zkVerifier], { id: "setVerifierZk" });
  // QUORUM: a protocol minimum stake per signer, and the ZK verifier that settles disputes of wrong votes (and of
  // wrong TEE results: the enclave registry uses the operator registry's).
  const setMinQuorumStake = m.call(operatorRegistry, "setMinQuorumStake", [minQuorumStake]);
  const setDisputeVerifier = m.call(operatorRegistry, "setDisputeVerifier", [zkVerifier]);

  // OPTIMISTIC mode: the dispute game, settled by that ZK verifier.
  const optimisticGame = m.contract("OptimisticGame", [hub, zkVerifier, minBond]);
  const setVerifierOptimistic = m.call(hub, "setVerifier", [4, optimisticGame], { id: "setVerifierOptimistic" });

  // BATCH mode: HTTP receipts settled as signed Merkle roots, paid by vouchers; it locks and slashes bonds in the
  // operator registry (set once). It has no owner: its parameters are immutable.
  const batchSettlement = m.contract("BatchSettlement", [
    hub, operatorRegistry, enclaveRegistry, minBatchBond, batchWithdrawalDelay, batchBondReleaseDelay,
  ]);
  const setBatchSettlement = m.call(operatorRegistry, "setBatchSettlement", [batchSettlement]);

  // Governance: the timelock, bootstrapped at a zero delay so it can accept ownership now.
  const timelock = m.contract("VerityTimelock", [0n, [deployer], [zeroAddress], zeroAddress], first);
  const handOver = [
    m.call(hub, "transferOwnership", [timelock], {
      id: "hubToTimelock",
      // Futures, not ids: Ignition takes a string in `after` for a submodule.
      after: [setVerifierZk, setVerifierOptimistic],
    }),
    m.call(operatorRegistry, "transferOwnership", [timelock], {
      id: "registryToTimelock",
      after: [setHub, setEnclaveRegistry, setMinQuorumStake, setDisputeVerifier, setBatchSettlement],
    }),
    m.call(enclaveRegistry, "transferOwnership", [timelock], {
      id: "enclaveRegistryToTimelock",
      after: [setEnclaveHub, setNitroVerifier, setTdxVerifier],
    }),
    m.call(attestorCommittee, "transferOwnership", [timelock], { id: "committeeToTimelock" }),
    m.call(zkVerifier, "transferOwnership", [timelock], { id: "zkVerifierToTimelock", after: [allowCircuit] }),
  ];
  const targets = [
    hub, operatorRegistry, enclaveRegistry, attestorCommittee, zkVerifier, timelock, timelock, timelock, timelock, timelock,
  ];
  const payloads = [
    m.encodeFunctionCall(hub, "acceptOwnership", [], { id: "acceptHub" }),
    m.encodeFunctionCall(operatorRegistry, "acceptOwnership", [], { id: "acceptRegistry" }),
    m.encodeFunctionCall(enclaveRegistry, "acceptOwnership", [], { id: "acceptEnclaveRegistry" }),
    m.encodeFunctionCall(attestorCommittee, "acceptOwnership", [], { id: "acceptCommittee" }),
    m.encodeFunctionCall(zkVerifier, "acceptOwnership", [], { id: "acceptZkVerifier" }),
    m.encodeFunctionCall(timelock, "revokeRole", [PROPOSER_ROLE, deployer], { id: "revokeProposer" }),
    m.encodeFunctionCall(timelock, "revokeRole", [CANCELLER_ROLE, deployer], { id: "revokeCanceller" }),
    m.encodeFunctionCall(timelock, "grantRole", [PROPOSER_ROLE, governor], { id: "grantProposer" }),
    m.encodeFunctionCall(timelock, "grantRole", [CANCELLER_ROLE, governor], { id: "grantCanceller" }),
    m.encodeFunctionCall(timelock, "updateDelay", [governanceDelay], { id: "setDelay" }),
  ];
  const values = targets.map(() => 0n);
  const schedule = m.call(timelock, "scheduleBatch", [targets, values, payloads, zeroHash, zeroHash, 0n], {
    after: handOver,
  });
  m.call(timelock, "executeBatch", [targets, values, payloads, zeroHash, zeroHash], { after: [schedule] });

  return {
    batchSettlement,
    operatorRegistry,
    enclaveRegistry,
    attestorCommittee,
    hub,
    zkVerifier,
    groth16VerifierMlp,
    optimisticGame,
    timelock,
  };
});
