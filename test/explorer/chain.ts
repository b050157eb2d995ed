/**
 * The explorer's chain: a real `hardhat node` process holding one job of each mode, told by real parts: the system
 * deployed with `deployVerity` (its ZK verifying key published on chain), the Iris model with every mode and its
 * circuit, an enclave key attested through the committee with development evidence (served by a `data:` URI, so a
 * browser fetches it), the reference operator node for the TEE and ZK jobs, three quorum nodes for the QUORUM job,
 * a dishonest proposer and a watcher for a challenged OPTIMISTIC job (settled by a ZK proof), plus:
 *   - a forged TEE job: fulfilled under an enclave key whose evidence binds another key (a careless committee
 *     signed it without checking), which the chain accepts and `verifyJob` refuses;
 *   - a refunded job (its deadline passed unserved);
 *   - two TEE jobs requested by consumer contracts: one whose callback is delivered (ExampleConsumer), one whose
 *     callback reverts (HostileConsumer: the hub records CallbackFailed, the result stands);
 *   - BATCH: the operator's HTTP server (running until `stop`, so its batch documents stay served) answered three
 *     calls paid by voucher with receipts signed by the enclave key, settled as one batch.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Abi, type Address, type Hex, type LocalAccount, createPublicClient, createWalletClient, http, keccak256, parseEther, toHex, zeroHash } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { deployContract, waitForTransactionReceipt, writeContract } from "viem/actions";
import {
  type Receipt,
  type VerityDeployment,
  bondBatch,
  commitProposal,
  depositBatch,
  infer,
  deployVerity,
  encodeTensor,
  exampleConsumerAbi,
  inferenceHubAbi,
  fulfillTee,
  optimisticParams,
  proposeResult,
  publishVersionSync,
  quorumParams,
  refund,
  registerEnclaveKey,
  registerModelSync,
  requestInferenceSync,
  setMeasurementAllowed,
  stake,
  tensor,
  waitForResult,
} from "../../sdk/src/index.js";
import { DEVELOPMENT_PCRS, developmentAuthority } from "../../sdk/src/attestation/index.js";
import { createBatchServer, createOperatorNode, createWatcher } from "../../sdk/src/operator/index.js";
import { loadIrisModel, loadIrisOnnx, quantizeFeatures } from "../../sdk/src/model/iris.js";
import { IRIS_IO_SIGNATURE } from "../../sdk/src/model/signatures.js";
import { groth16VerifierMlpVkeyHash } from "../../sdk/src/bytecode.js";
import { modelCommitment } from "../../sdk/src/prover/prove.js";
import { releaseZkWorkers } from "../../sdk/src/proofs/zk.js";
import { type HardhatNode, hardhatKey, startHardhatNode } from "../cli/helpers.js";
import { ATTESTOR_COMMITTEE, prepareEnclaveAttestation } from "../sdk/enclave.js";
import { ROOT } from "../helpers/packages.js";

export type ExplorerJobs = {
  tee: bigint; zk: bigint; quorum: bigint; optimistic: bigint; forged: bigint; refunded: bigint;
  /** TEE jobs a consumer contract requested: its callback delivered, and one that reverts (the result stands). */
  callbackDelivered: bigint; callbackFailed: bigint;
};
/** Each fixture job's mode, as listings filter them. */
export const JOB_MODES: Record<keyof ExplorerJobs, "tee" | "zk" | "quorum" | "optimistic"> = {
  tee: "tee", zk: "zk", quorum: "quorum", optimistic: "optimistic", forged: "tee", refunded: "tee", callbackDelivered: "tee", callbackFailed: "tee",
};

export type ExplorerChain = {
  node: HardhatNode;
  deployment: VerityDeployment;
  hub: Address;
  modelId: Hex;
  version: number;
  jobs: ExplorerJobs;
  requester: Address;
  operator: Address;
  voters: Address[];
  /** The OPTIMISTIC proposer proven wrong (slashed), and its challenger. */
  dishonest: Address;
  challenger: Address;
  /** The honest enclave key and the forged one. */
  enclave: Address;
  rogueKey: Address;
  /** BATCH: the running HTTP server's URL and its three settled receipts (sequences 1..3). */
  batch: { url: string; receipts: { receipt: Receipt; signature: Hex }[] };
  stop: () => Promise<void>;
};

const IRIS = loadIrisModel();
const FLOWERS = [[5.1, 3.5, 1.4, 0.2], [6.4, 3.2, 4.5, 1.5], [6.3, 3.3, 6.0, 2.5], [5.9, 3.0, 5.1, 1.8], [4.9, 3.0, 1.4, 0.2]].map((cm) =>
  quantizeFeatures(cm, IRIS.inputScale),
);
const FEE = parseEther("0.003");

/** Starts a hardhat node and tells one job of each mode on it (see the module's comment); `stop` ends it all. */
export async function startExplorerChain(): Promise<ExplorerChain> {
  const node = await startHardhatNode();
  const stateDir = mkdtempSync(path.join(tmpdir(), "verity-explorer-chain-"));
  try {
    return await populate(node, stateDir);
  } catch (err) {
    await node.stop();
    rmSync(stateDir, { recursive: true, force: true });
    throw err;
  }
}

async function populate(node: HardhatNode, stateDir: string): Promise<ExplorerChain> {
  const transport = http(node.url);
  const publicClient = createPublicClient({ chain: hardhat, transport, pollingInterval: 50 });
  const wallet = (key: Hex) => createWalletClient({ chain: hardhat, transport, account: privateKeyToAccount(key), pollingInterval: 50 });
  const [governance, owner, operator, requester, dishonest, challenger] = [0, 1, 2, 3, 4, 5].map((i) => wallet(hardhatKey(i)));
  const voters = [6, 7, 8].map((i) => wallet(hardhatKey(i)));
  const mined = async (hash: Hex) => {
    const receipt = await waitForTransactionReceipt(publicClient, { hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  };
  const rpc = (method: string, params: unknown[] = []) => publicClient.request({ method, params } as never);

  const deployment = await deployVerity(governance!, publicClient, { ...ATTESTOR_COMMITTEE, exampleConsumer: true });
  const { hub, operatorRegistry, enclaveRegistry } = deployment;
  const { modelId } = await registerModelSync(owner!, { hub, name: "iris-mlp" });
  const { version } = await publishVersionSync(owner!, {
    hub, modelId, artifactHash: keccak256(loadIrisOnnx()), uri: "file:models/iris-mlp.onnx", modes: ["tee", "zk", "quorum", "optimistic"],
    ioSignature: IRIS_IO_SIGNATURE, fee: parseEther("0.001"),
    zk: { verifier: deployment.groth16VerifierMlp, modelCommitment: toHex(await modelCommitment(IRIS.weights), { size: 32 }), verifyingKeyHash: groth16VerifierMlpVkeyHash },
  });
  await mined(await stake(operator!, { operatorRegistry, amount: parseEther("2") }));

  // The enclave key, attested through the committee with development evidence (Nitro format, development root).
  const clients = { publicClient, governance: governance! };
  const authority = await developmentAuthority();
  const enclave = privateKeyToAccount(keccak256(toHex("explorer enclave key")));
  const honest = await prepareEnclaveAttestation(clients, { deployment, enclave, operatorWallet: operator!, authority, pcrs: DEVELOPMENT_PCRS, attestorsCheck: false });
  await mined(await registerEnclaveKey(operator!, honest.registration));
  await mined(await setMeasurementAllowed(owner!, { enclaveRegistry, modelId, version, measurement: honest.measurement }));
  // The forged key: the committee signed a claim for it without checking the evidence, which binds another key.
  const rogue = privateKeyToAccount(keccak256(toHex("explorer rogue enclave key")));
  const forged = await prepareEnclaveAttestation(clients, {
    deployment, enclave: rogue, operatorWallet: operator!, authority, pcrs: DEVELOPMENT_PCRS, attestorsCheck: false, bind: { key: enclave.address },
  });
  await mined(await registerEnclaveKey(operator!, forged.registration));

  // TEE and ZK: the reference operator node.
  const ask = (mode: "tee" | "zk" | "quorum" | "optimistic", input: (typeof FLOWERS)[number], params?: bigint, deadline?: bigint) =>
    requestInferenceSync(requester!, { hub, modelId, version, mode, input, fee: FEE, params, deadline, serving: "skip" });
  const wait = (jobId: bigint) => waitForResult(publicClient, { hub, jobId, timeout: 120_000, pollingInterval: 50 });
  const from = await publicClient.getBlockNumber();
  const teeNode = createOperatorNode({
    publicClient, walletClient: operator!, hub, enclave, models: [{ modelId, version, zk: { weights: IRIS.weights } }], stateFile: path.join(stateDir, "operator.json"),
    modelDir: ROOT, fromBlock: from, pollingIntervalMs: 50, announce: false,
  });
  await teeNode.start();
  const tee = (await ask("tee", FLOWERS[0]!)).jobId;
  await wait(tee);
  const zk = (await ask("zk", FLOWERS[1]!)).jobId;
  await wait(zk);
  // Consumer contracts ask through `ask` (a callback only for jobs the consumer itself requested).
  const hostile = readArtifact("HostileConsumer");
  const hostileHash = await deployContract(requester!, { abi: hostile.abi, bytecode: hostile.bytecode, args: [hub] });
  const hostileAddress = (await waitForTransactionReceipt(publicClient, { hash: hostileHash })).contractAddress!;
  const consumerJob = async (consumer: Address, abi: Abi) => {
    const deadline = (await publicClient.getBlock()).timestamp + 3600n;
    const request = {
      modelId, version, mode: 1, deadline, callback: consumer, callbackGasLimit: 200_000, fee: FEE, params: 0n, inputHash: zeroHash,
      input: encodeTensor(FLOWERS[1]!), inputURI: "",
    };
    const hash = await writeContract(requester!, { address: consumer, abi, functionName: "ask", args: [request], value: FEE });
    await mined(hash);
    const jobId = await publicClient.readContract({ address: hub, abi: inferenceHubAbi, functionName: "jobCount" });
    await wait(jobId);
    return jobId;
  };
  const callbackDelivered = await consumerJob(deployment.exampleConsumer!, exampleConsumerAbi);
  const callbackFailed = await consumerJob(hostileAddress, hostile.abi);
  await teeNode.stop();

  // QUORUM: three staked operators, 3 of 3 must agree.
  const votesDir = path.join(stateDir, "votes");
  for (const v of voters) await mined(await stake(v, { operatorRegistry, amount: parseEther("1") }));
  const quorumFrom = await publicClient.getBlockNumber();
  const quorumNodes = voters.map((v, i) =>
    createOperatorNode({
      publicClient, walletClient: v, hub, models: [{ modelId, version }], votesDir, stateFile: path.join(stateDir, `quorum-${i}.json`),
      modelDir: ROOT, fromBlock: quorumFrom, pollingIntervalMs: 50, announce: false,
    }),
  );
  for (const n of quorumNodes) await n.start();
  const quorum = (await ask("quorum", FLOWERS[2]!, quorumParams({ k: 3, minStake: parseEther("0.5") }))).jobId;
  await wait(quorum);
  for (const n of quorumNodes) await n.stop();

  // OPTIMISTIC: a dishonest proposer commits and reveals a wrong output; a watcher challenges and proves the truth.
  await mined(await stake(dishonest!, { operatorRegistry, amount: parseEther("1") }));
  const watcher = createWatcher({
    publicClient, walletClient: challenger!, hub, models: [{ modelId, version, weights: IRIS.weights }], modelDir: ROOT,
    fromBlock: await publicClient.getBlockNumber(), pollingIntervalMs: 50, withdraw: false,
  });
  await watcher.start();
  const optimistic = (await ask("optimistic", FLOWERS[3]!, optimisticParams({ window: 3600n, bond: parseEther("0.1"), slashAmount: parseEther("0.5") }))).jobId;
  const wrong = tensor("int32", [1, 3], [999, -999, 0]);
  const committed = await commitProposal(dishonest!, { hub, jobId: optimistic, output: wrong });
  await mined(committed.hash);
  await mined((await proposeResult(dishonest!, { hub, jobId: optimistic, output: wrong, salt: committed.salt })).hash);
  await wait(optimistic);
  await watcher.stop();

  // The forged TEE job: the chain accepts the rogue key's signature.
  const forgedJob = await ask("tee", FLOWERS[4]!);
  await mined(await fulfillTee(operator!, { hub, jobId: forgedJob.jobId, job: forgedJob.job, output: tensor("int32", [1, 3], [0, 0, 9]), enclave: rogue as LocalAccount }));

  // A job nobody served: refunded after its deadline.
  const now = (await publicClient.getBlock()).timestamp;
  const expiring = await ask("tee", FLOWERS[0]!, undefined, now + 120n);
  await rpc("evm_increaseTime", [600]);
  await rpc("evm_mine");
  await mined(await refund(requester!, { hub, jobId: expiring.jobId, job: expiring.job }));
  await releaseZkWorkers();

  // BATCH: three HTTP calls paid by voucher, their receipts signed by the enclave key and settled as one batch.
  await mined(await bondBatch(operator!, { batchSettlement: deployment.batchSettlement, amount: parseEther("0.1") }));
  await mined(await depositBatch(requester!, { batchSettlement: deployment.batchSettlement, operator: operator!.account.address, amount: parseEther("0.01") }));
  const batchServer = createBatchServer({
    publicClient, walletClient: operator!, hub, signer: enclave, models: [{ modelId, version, price: parseEther("0.0001") }],
    journalFile: path.join(stateDir, "receipts.jsonl"), batchesDir: path.join(stateDir, "batches"), modelDir: ROOT, port: 0,
    batch: { maxReceipts: 1000, maxAgeMs: 3_600_000 },
  });
  const { url: batchUrl } = await batchServer.start();
  const served = [];
  for (const f of FLOWERS.slice(0, 3)) {
    const r = await infer(requester!, { url: batchUrl, hub, batchSettlement: deployment.batchSettlement, modelId, version, input: f });
    served.push({ receipt: r.receipt, signature: r.signature });
  }
  await batchServer.flush();

  return {
    node, deployment, hub, modelId, version,
    jobs: { tee, zk, quorum, optimistic, forged: forgedJob.jobId, refunded: expiring.jobId, callbackDelivered, callbackFailed },
    requester: requester!.account.address, operator: operator!.account.address, voters: voters.map((v) => v.account.address),
    dishonest: dishonest!.account.address, challenger: challenger!.account.address,
    enclave: enclave.address, rogueKey: rogue.address,
    batch: { url: batchUrl, receipts: served },
    stop: async () => {
      await batchServer.stop();
      await node.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** A test contract's ABI and bytecode from Hardhat's artifacts (contracts/test/, not shipped in the SDK). */
function readArtifact(name: string): { abi: Abi; bytecode: Hex } {
  const file = path.join(ROOT, "artifacts", "contracts", "test", "TestConsumers.sol", `${name}.json`);
  const { abi, bytecode } = JSON.parse(readFileSync(file, "utf8")) as { abi: Abi; bytecode: Hex };
  return { abi, bytecode };
}
