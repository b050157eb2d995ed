import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Deploys the whole Verity system: the OperatorRegistry (also the TEE verifier), the InferenceHub (also the
 * model registry), the ZK mode's verifier and the reference circuit's Groth16 verifier, and wires them. The deployer is the first governance owner of both;
 * hand them over with `transferOwnership` + `acceptOwnership` (Ownable2Step).
 *
 * Parameters (ignition/parameters.json or --parameters):
 *   treasury        receives protocol fees                 default: the deployer
 *   stakeToken      ERC-20 operators stake, or zero for the native currency   default: native
 *   unbondingDelay  seconds before unstaked funds can leave                   default: 7 days
 */
export default buildModule("Verity", (m) => {
  const deployer = m.getAccount(0);
  const treasury = m.getParameter("treasury", deployer);
  const stakeToken = m.getParameter("stakeToken", "0x0000000000000000000000000000000000000000");
  const unbondingDelay = m.getParameter("unbondingDelay", 7n * 24n * 3600n);

  const operatorRegistry = m.contract("OperatorRegistry", [deployer, stakeToken, unbondingDelay]);
  const hub = m.contract("InferenceHub", [deployer, operatorRegistry, treasury]);
  m.call(operatorRegistry, "setHub", [hub]);

  // ZK mode: the generated Groth16 verifier of the reference circuit (a model version names it as its
  // zkVerifier) and the mode's IResultVerifier, plugged into the hub.
  const groth16VerifierMlp = m.contract("Groth16VerifierMlp");
  const zkVerifier = m.contract("ZkVerifier");
  m.call(hub, "setVerifier", [2, zkVerifier]);

  return { operatorRegistry, hub, zkVerifier, groth16VerifierMlp };
});
