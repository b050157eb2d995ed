/**
 * Operator node fixtures: the SDK-deployed system on the in-process network with the real Iris model (ONNX file and
 * ZK weights), an operator with a local (private key) account, staked, with a registered enclave key, and helpers
 * to run node instances against a temporary state file.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import {
  type Address,
  type Hex,
  type LocalAccount,
  createWalletClient,
  custom,
  decodeAbiParameters,
  keccak256,
  parseEther,
  toHex,
  zeroAddress,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { getContractEvents, getTransactionCount } from "viem/actions";
import {
  DEFAULT_MIN_TEE_STAKE,
  type Tensor,
  decodeTensor,
  deployVerity,
  inferenceHubAbi,
  publishVersionSync,
  registerModelSync,
  requestInferenceSync,
  setMeasurementAllowed,
  stake,
} from "../../sdk/src/index.js";
import { loadIrisModel, loadIrisOnnx, quantizeFeatures } from "../../sdk/src/model/iris.js";
import { type Groth16VerifyingKey, type ZkJobBinding, verifyMlpProof, vkeyHash, zkPublicSignals } from "../../sdk/src/proofs/zk.js";
import { modelCommitment } from "../../sdk/src/prover/prove.js";
import {
  type OperatorEvent,
  type OperatorNodeOptions,
  createOperatorNode,
} from "../../sdk/src/operator/index.js";
import { type Connection, connect, mined } from "../sdk/helpers.js";
import { ATTESTOR_COMMITTEE, TEST_MEASUREMENT, attestEnclave, testAttestationPolicy } from "../sdk/enclave.js";
import { IRIS_IO_SIGNATURE } from "../../sdk/src/model/signatures.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The test enclave's measurement (`nitroMeasurement(TEST_PCRS)`, see test/sdk/enclave.ts). */
export const MEASUREMENT = TEST_MEASUREMENT;
export const MODEL_FEE = parseEther("0.001");
export const OPERATOR_REWARD = parseEther("0.002");
export const FEE = MODEL_FEE + OPERATOR_REWARD;
/** The key's stake the operator's enclave key locks (the registry's default `minTeeStake`). */
export const TEE_KEY_STAKE = DEFAULT_MIN_TEE_STAKE;
/** The operator's bonded stake: 1 ETH free for QUORUM and OPTIMISTIC locks, on top of its enclave key's. */
export const OPERATOR_STAKE = parseEther("1") + TEE_KEY_STAKE;

/** Real Iris flowers (cm), quantized with the model's input scale. */
export const IRIS = loadIrisModel();
export const FLOWERS: Tensor[] = [
  [5.1, 3.5, 1.4, 0.2],
  [6.4, 3.2, 4.5, 1.5],
  [6.3, 3.3, 6.0, 2.5],
  [4.9, 3.0, 1.4, 0.2],
  [5.9, 3.0, 5.1, 1.8],
  [5.5, 2.3, 4.0, 1.3],
  [7.7, 2.6, 6.9, 2.3],
  [5.0, 3.6, 1.4, 0.2],
].map((cm) => quantizeFeatures(cm, IRIS.inputScale));

export { connect, mined, type Connection };

/**
 * Deploys with the SDK (hub, registries, a 2-of-3 attestor committee, ZK verifier and reference circuit, OPTIMISTIC
 * game); the operator's enclave key is attested through the real flow (test/sdk/enclave.ts). Version 1 of "iris-mlp" is the real ONNX file (TEE and ZK, with the real weights'
 * commitment and the circuit's verifier), version 2 names the same file with a wrong artifact hash, version 3 is a
 * valid version the node does not serve; "other-model" is a model the node does not serve at all.
 */
export async function deployOperatorSystem(c: Connection) {
  const deployment = await deployVerity(c.governance, c.publicClient, { treasury: c.treasury.account.address, ...ATTESTOR_COMMITTEE });
  const { hub, operatorRegistry, enclaveRegistry } = deployment;

  // deployVerity plugs in the ZK verifier (mode 2) with the reference circuit's Groth16 verifier allowed, and the
  // OPTIMISTIC dispute game (mode 4) settled by it.
  const groth16 = { contractAddress: deployment.groth16VerifierMlp };

  const { modelId } = await registerModelSync(c.modelOwner, { hub, name: "iris-mlp" });
  const vkey = JSON.parse(readFileSync(path.join(ROOT, "circuits/build/verification_key.json"), "utf8")) as Groth16VerifyingKey;
  const commitment = await modelCommitment(IRIS.weights);
  const uri = "file:models/iris-mlp.onnx";
  const publish = async (artifactHash: Hex, modes: ("tee" | "zk")[], zkCircuit: boolean) =>
    (
      await publishVersionSync(c.modelOwner, {
        hub,
        modelId,
        artifactHash,
        uri,
        modes,
        ioSignature: IRIS_IO_SIGNATURE,
        fee: MODEL_FEE,
        zk: zkCircuit
          ? { verifier: groth16.contractAddress!, modelCommitment: toHex(commitment, { size: 32 }), verifyingKeyHash: vkeyHash(vkey) }
          : undefined,
      })
    ).version;
  const version = await publish(keccak256(loadIrisOnnx()), ["tee", "zk"], true);
  const wrongVersion = await publish(keccak256(toHex("not the model file")), ["tee"], false);
  const unservedVersion = await publish(keccak256(toHex("version 3")), ["tee"], false);
  const { modelId: otherModelId } = await registerModelSync(c.modelOwner, { hub, name: "other-model" });
  await publishVersionSync(c.modelOwner, { hub, modelId: otherModelId, artifactHash: keccak256(toHex("other")), uri, modes: ["tee"], ioSignature: IRIS_IO_SIGNATURE });

  // The operator signs with a local key (as a real node does); fund it on the in-process chain.
  const operatorAccount = privateKeyToAccount(keccak256(toHex("operator node key")));
  await c.connection.provider.request({
    method: "hardhat_setBalance",
    params: [operatorAccount.address, toHex(parseEther("100"))],
  });
  const operatorWallet = createWalletClient({
    account: operatorAccount,
    chain: c.publicClient.chain,
    transport: custom(c.connection.provider),
  });

  await mined(c, await stake(operatorWallet, { operatorRegistry, amount: OPERATOR_STAKE }));
  const enclave = privateKeyToAccount(keccak256(toHex("operator node enclave key")));
  const attestation = await attestEnclave(c, { deployment, enclave, operatorWallet });
  for (const v of [version, wrongVersion, unservedVersion]) {
    await mined(c, await setMeasurementAllowed(c.modelOwner, { enclaveRegistry, modelId, version: v, measurement: MEASUREMENT }));
  }
  const startBlock = await c.publicClient.getBlockNumber();
  return {
    ...deployment,
    hub,
    operatorRegistry,
    modelId,
    otherModelId,
    version,
    wrongVersion,
    unservedVersion,
    operatorAccount,
    operatorWallet,
    enclave,
    attestation,
    /** The verifyJob attestation policy that trusts the test Nitro root. */
    policy: await testAttestationPolicy(),
    startBlock,
  };
}

export type OperatorSystem = Awaited<ReturnType<typeof deployOperatorSystem>>;

/** A fresh temporary state file path. */
export function tempStateFile(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), "verity-operator-")), "state.json");
}

/** A node serving version 1 (TEE and ZK) with events collected; override any option. */
export function makeNode(c: Connection, s: OperatorSystem, overrides: Partial<OperatorNodeOptions> = {}) {
  const events: OperatorEvent[] = [];
  const options: OperatorNodeOptions = {
    publicClient: c.publicClient,
    walletClient: s.operatorWallet,
    hub: s.hub,
    enclave: s.enclave,
    models: [
      { modelId: s.modelId, version: s.version, zk: { weights: IRIS.weights } },
      { modelId: s.modelId, version: s.wrongVersion },
    ],
    stateFile: tempStateFile(),
    modelDir: ROOT,
    fromBlock: s.startBlock,
    pollingIntervalMs: 20,
    logger: (e) => events.push(e),
    // These tests count the operator's transactions: announcements are tested on their own (announce.test.ts).
    announce: false,
    ...overrides,
  };
  const node = createOperatorNode(options);
  return { node, events, options };
}

/** Requests a job on the served model (TEE by default) and returns its id and job. */
export async function request(
  c: Connection,
  s: OperatorSystem,
  input: Tensor,
  o: { version?: number; mode?: "tee" | "zk"; fee?: bigint; deadline?: bigint; modelId?: Hex } = {},
) {
  return requestInferenceSync(c.requester, {
    hub: s.hub,
    modelId: o.modelId ?? s.modelId,
    version: o.version ?? s.version,
    mode: o.mode ?? "tee",
    input,
    fee: o.fee ?? FEE,
    deadline: o.deadline,
  });
}

/** The `InferenceFulfilled` events of a job. */
export async function fulfilments(c: Connection, hub: Address, jobId: bigint) {
  return getContractEvents(c.publicClient, {
    address: hub,
    abi: inferenceHubAbi,
    eventName: "InferenceFulfilled",
    args: { jobId },
    fromBlock: 0n,
    strict: true,
  });
}

/** The job's status as the hub stores it. */
export async function statusOf(c: Connection, hub: Address, jobId: bigint) {
  const [status] = await c.publicClient.readContract({ address: hub, abi: inferenceHubAbi, functionName: "getJob", args: [jobId] });
  return ["none", "pending", "fulfilled", "refunded"][status];
}

/** Transactions the operator account has sent (mined or pending). */
export async function sentCount(c: Connection, address: Address) {
  return getTransactionCount(c.publicClient, { address, blockTag: "pending" });
}

/** Events of one type, typed. */
export function eventsOf<T extends OperatorEvent["type"]>(events: OperatorEvent[], type: T) {
  return events.filter((e): e is Extract<OperatorEvent, { type: T }> => e.type === type);
}

/** An enclave that counts its signatures. */
export function countingEnclave(base: LocalAccount): { enclave: LocalAccount; signatures: () => number } {
  let n = 0;
  const enclave: LocalAccount = {
    ...base,
    signTypedData: async (p) => {
      n++;
      return base.signTypedData(p);
    },
  };
  return { enclave, signatures: () => n };
}

export const NATIVE = zeroAddress;

/**
 * Re-checks a ZK attestation's Groth16 proof in TypeScript against the circuit's verifying key, for the job and the
 * account that submitted (or will submit) it.
 */
export async function proofFromAttestationIsValid(attestation: Hex, binding: ZkJobBinding): Promise<boolean> {
  const [a, b, cc, input, output] = decodeAbiParameters(
    [{ type: "uint256[2]" }, { type: "uint256[2][2]" }, { type: "uint256[2]" }, { type: "bytes" }, { type: "bytes" }],
    attestation,
  );
  const s = (v: bigint) => v.toString();
  // Back from the Solidity verifier's order (G2 limbs swapped) to snarkjs's.
  const proof = {
    pi_a: [s(a[0]), s(a[1]), "1"],
    pi_b: [[s(b[0][1]), s(b[0][0])], [s(b[1][1]), s(b[1][0])], ["1", "0"]],
    pi_c: [s(cc[0]), s(cc[1]), "1"],
    protocol: "groth16",
    curve: "bn128",
  };
  const vkey = JSON.parse(readFileSync(path.join(ROOT, "circuits/build/verification_key.json"), "utf8")) as Groth16VerifyingKey;
  const publicSignals = zkPublicSignals({
    input: decodeTensor(input),
    output: decodeTensor(output),
    commitment: await modelCommitment(IRIS.weights),
    ...binding,
  });
  return verifyMlpProof({ proof, publicSignals, vkey });
}
