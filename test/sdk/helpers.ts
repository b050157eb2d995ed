/**
 * SDK test fixtures: real viem clients on Hardhat's in-process network, the system deployed with the SDK's own
 * `deployVerity` (a 2-of-3 attestor committee), and a TEE-ready model (versions, measurement, staked operator with
 * an enclave key registered through the real attestation flow of ./enclave.ts).
 */
import { network } from "hardhat";
import { type Address, type Hex, keccak256, parseEther, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { writeContract, waitForTransactionReceipt } from "viem/actions";
import {
  deployVerity,
  erc20Abi,
  publishVersionSync,
  registerModelSync,
  setMeasurementAllowed,
  stake,
  tensor,
} from "../../sdk/src/index.js";
import { ATTESTOR_COMMITTEE, OTHER_TEST_MEASUREMENT, TEST_MEASUREMENT, attestEnclave, testAttestationPolicy } from "./enclave.js";
import { IRIS_IO_SIGNATURE } from "../../sdk/src/model/signatures.js";

/** The test enclave's measurement (`nitroMeasurement(TEST_PCRS)`), approved for TEE type 1 by the fixtures. */
export const MEASUREMENT = TEST_MEASUREMENT;
/** Another enclave image's measurement (not approved by the fixtures). */
export const OTHER_MEASUREMENT = OTHER_TEST_MEASUREMENT;
/** The operator's bonded stake in the fixtures (the enclave key locks the registry's `minTeeStake` of it). */
export const OPERATOR_STAKE = parseEther("1");
export const MODEL_FEE = parseEther("0.001");
export const OPERATOR_REWARD = parseEther("0.002");
export const FEE = MODEL_FEE + OPERATOR_REWARD;
export const TOKEN_MODEL_FEE = 5_000_000n;
export const INPUT = tensor("int8", [1, 4], [84, 70, 63, 18]);
export const OUTPUT = tensor("int32", [1, 3], [0, 7, 11]);

/** Connects to a fresh in-process network; returns its viem clients and network helpers. */
export async function connect() {
  const connection = await network.create();
  const { viem, networkHelpers } = connection;
  const publicClient = await viem.getPublicClient();
  const [governance, modelOwner, operator, requester, other, treasury] = await viem.getWalletClients();
  if (!governance || !modelOwner || !operator || !requester || !other || !treasury) throw new Error("need 6 accounts");
  return { connection, networkHelpers, publicClient, governance, modelOwner, operator, requester, other, treasury };
}

export type Connection = Awaited<ReturnType<typeof connect>>;

/** Waits for `hash` and checks it succeeded. */
export async function mined(c: Connection, hash: Hex) {
  const receipt = await waitForTransactionReceipt(c.publicClient, { hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  return receipt;
}

/**
 * Deploys the system with the SDK (attestors: 2 of the 3 test ATTESTORS) and sets up a TEE model through SDK
 * actions: version 1 with a native fee, version 2 with an ERC-20 fee, the measurement approved by governance and
 * allowed by the model owner for both, the operator staked with an enclave key attested by the committee (real
 * Nitro-format evidence from the test authority). `policy` is the verifyJob attestation policy that trusts the test
 * root.
 */
export async function deployTeeSystem(c: Connection) {
  const deployment = await deployVerity(c.governance, c.publicClient, {
    treasury: c.treasury.account.address,
    testToken: true,
    ...ATTESTOR_COMMITTEE,
  });
  const { hub, operatorRegistry } = deployment;
  const token = deployment.testToken!;
  const { modelId } = await registerModelSync(c.modelOwner, { hub, name: "iris-mlp" });
  const v1 = await publishVersionSync(c.modelOwner, {
    hub,
    modelId,
    artifactHash: keccak256(toHex("model file bytes")),
    uri: "file:models/iris-mlp.onnx",
    modes: ["tee"],
    ioSignature: IRIS_IO_SIGNATURE,
    fee: MODEL_FEE,
  });
  const v2 = await publishVersionSync(c.modelOwner, {
    hub,
    modelId,
    artifactHash: keccak256(toHex("model v2")),
    uri: "file:models/iris-mlp-v2.onnx",
    modes: ["tee"],
    ioSignature: IRIS_IO_SIGNATURE,
    feeToken: token,
    fee: TOKEN_MODEL_FEE,
  });
  await mined(c, await stake(c.operator, { operatorRegistry, amount: OPERATOR_STAKE }));
  const enclave = privateKeyToAccount(keccak256(toHex("enclave key 1")));
  const attestation = await attestEnclave(c, { deployment, enclave, operatorWallet: c.operator });
  const { enclaveRegistry } = deployment;
  for (const version of [v1.version, v2.version]) {
    await mined(c, await setMeasurementAllowed(c.modelOwner, { enclaveRegistry, modelId, version, measurement: MEASUREMENT }));
  }
  await mined(
    c,
    await writeContract(c.governance, {
      address: token,
      abi: erc20Abi,
      functionName: "mint",
      args: [c.requester.account.address, 10n ** 24n],
    }),
  );
  return { ...deployment, hub, operatorRegistry, token, modelId, enclave, attestation, policy: await testAttestationPolicy() };
}

export type TeeSystem = Awaited<ReturnType<typeof deployTeeSystem>>;

/** Nonce and block number: if neither moved, nothing was sent. */
export async function sentState(c: Connection, account: Address) {
  const [nonce, block] = await Promise.all([
    c.publicClient.getTransactionCount({ address: account }),
    c.publicClient.getBlockNumber(),
  ]);
  return { nonce, block };
}

/** Asserts that `promise` rejects with an instance of `errorClass`; returns the error. */
export async function rejectsWith<E extends Error>(
  promise: Promise<unknown>,
  errorClass: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof errorClass) return err;
    throw new Error(`expected ${errorClass.name}, got ${(err as Error)?.name}: ${(err as Error)?.message}`);
  }
  throw new Error(`expected ${errorClass.name}, but the call succeeded`);
}
