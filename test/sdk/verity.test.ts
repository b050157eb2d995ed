import { expect } from "chai";
import { type Abi, getAddress, keccak256, parseEther, toHex, zeroAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  DEFAULT_MIN_BOND,
  type RequestedJob,
  decodeTensor,
  deployVerity,
  hashTensor,
  inferenceHubAbi,
  modelIdOf,
  operatorRegistryAbi,
  optimisticGameAbi,
  verityActions,
  watchJobs,
  zkVerifierAbi,
} from "../../sdk/src/index.js";
import { groth16VerifierMlpCodeHash, groth16VerifierMlpVkeyHash } from "../../sdk/src/bytecode.js";
import { ATTESTATION_DOC_HASH, type Connection, INPUT, MEASUREMENT, MODEL_FEE, OUTPUT, connect, mined } from "./helpers.js";

describe("verityActions: a whole TEE job from each party's client", function () {
  let c: Connection;
  before(async function () {
    c = await connect();
  });

  it("deploys, registers, publishes, approves, stakes, requests, fulfils, waits, verifies and pays out", async function () {
    const { hub, operatorRegistry } = await deployVerity(c.governance, c.publicClient, { treasury: c.treasury.account.address });
    const bind = verityActions({ hub, operatorRegistry });
    const governance = c.governance.extend(bind);
    const owner = c.modelOwner.extend(bind);
    const operator = c.operator.extend(verityActions({ hub })); // the registry is read from the hub
    const requester = c.requester.extend(bind);
    const auditor = c.publicClient.extend(bind);

    // Model owner: a model and a version with a native fee.
    const { modelId } = await owner.registerModelSync({ name: "iris-mlp" });
    expect(modelId).to.equal(modelIdOf(c.modelOwner.account.address, "iris-mlp"));
    const { version } = await owner.publishVersionSync({
      modelId,
      artifactHash: keccak256(toHex("onnx bytes")),
      uri: "file:models/iris-mlp.onnx",
      modes: ["tee"],
      fee: MODEL_FEE,
    });
    expect(version).to.equal(1);

    // Governance approves the enclave build; the operator stakes and registers its enclave key.
    await mined(c, await governance.approveMeasurement({ measurement: MEASUREMENT }));
    await mined(c, await operator.stake({ amount: parseEther("1") }));
    const enclave = privateKeyToAccount(keccak256(toHex("verity test enclave")));
    await mined(c, await operator.registerEnclaveKey({ enclave, measurement: MEASUREMENT, attestationDocHash: ATTESTATION_DOC_HASH }));
    const key = await c.publicClient.readContract({ address: operatorRegistry, abi: operatorRegistryAbi, functionName: "getEnclaveKey", args: [enclave.address] });
    expect(key.operator.toLowerCase()).to.equal(c.operator.account.address);
    expect(key.measurement).to.equal(MEASUREMENT);
    // The model owner allows results from that build for the version.
    await mined(c, await owner.setMeasurementAllowed({ modelId, version, measurement: MEASUREMENT }));

    // An operator node watches for requests.
    const seen: RequestedJob[] = [];
    const unwatch = operator.watchJobs({ modelId, poll: true, pollingInterval: 20, onJobs: (jobs) => seen.push(...jobs) });
    try {
      const fee = MODEL_FEE + parseEther("0.002");
      const { jobId, job } = await requester.requestInferenceSync({ modelId, version, input: INPUT, fee });
      const waiting = requester.waitForResult({ jobId, pollingInterval: 20, timeout: 10_000 });
      for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(seen.map((j) => j.jobId)).to.deep.equal([jobId]);
      expect(seen[0]!.job).to.deep.equal(job);
      expect(decodeTensor(seen[0]!.input!)).to.deep.equal(INPUT);

      await operator.fulfillTeeSync({ jobId: seen[0]!.jobId, job: seen[0]!.job, output: OUTPUT, enclave });
      const result = await waiting;
      expect(result.output).to.deep.equal(OUTPUT);
      expect(result.outputHash).to.equal(hashTensor(OUTPUT));

      const report = await auditor.verifyJob({ jobId });
      expect(report.checks.filter((x) => !x.ok)).to.deep.equal([]);
      expect(report.verdict).to.equal("valid");

      // Pull payments: the model owner and the operator withdraw what they earned.
      const earnings = await c.publicClient.readContract({ address: hub, abi: inferenceHubAbi, functionName: "modelEarnings", args: [modelId, zeroAddress] });
      expect(earnings).to.equal(MODEL_FEE);
      await mined(c, await owner.withdrawModelEarnings({ modelId }));
      const credit = await c.publicClient.readContract({ address: hub, abi: inferenceHubAbi, functionName: "creditOf", args: [c.operator.account.address, zeroAddress] });
      expect(credit).to.equal(fee - MODEL_FEE);
      await mined(c, await operator.withdraw());
      expect(
        await c.publicClient.readContract({ address: hub, abi: inferenceHubAbi, functionName: "creditOf", args: [c.operator.account.address, zeroAddress] }),
      ).to.equal(0n);
      expect(await c.publicClient.readContract({ address: hub, abi: inferenceHubAbi, functionName: "modelEarnings", args: [modelId, zeroAddress] })).to.equal(0n);
    } finally {
      unwatch();
    }
  });

  it("watchJobs delivers only the requests that match its filter", async function () {
    const { hub, operatorRegistry } = await deployVerity(c.governance, c.publicClient, {});
    const owner = c.modelOwner.extend(verityActions({ hub, operatorRegistry }));
    const a = await owner.registerModelSync({ name: "a" });
    const b = await owner.registerModelSync({ name: "b" });
    for (const m of [a.modelId, b.modelId]) {
      await owner.publishVersionSync({ modelId: m, artifactHash: keccak256(toHex(m)), uri: "file:x", modes: ["tee"] });
    }
    const seen: bigint[] = [];
    const unwatch = watchJobs(c.publicClient, { hub, modelId: b.modelId, poll: true, pollingInterval: 20, onJobs: (jobs) => seen.push(...jobs.map((j) => j.jobId)) });
    try {
      const requester = c.requester.extend(verityActions({ hub, operatorRegistry }));
      await requester.requestInferenceSync({ modelId: a.modelId, version: 1, input: INPUT, fee: 0n });
      const { jobId } = await requester.requestInferenceSync({ modelId: b.modelId, version: 1, input: INPUT, fee: 0n });
      for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100));
      expect(seen).to.deep.equal([jobId]);
    } finally {
      unwatch();
    }
  });
});

describe("deployVerity", function () {
  let c: Connection;
  before(async function () {
    c = await connect();
  });

  it("links the hub and the operator registry to each other, with governance as the owner", async function () {
    const d = await deployVerity(c.governance, c.publicClient, { testToken: true, exampleConsumer: true });
    expect((await c.publicClient.readContract({ address: d.operatorRegistry, abi: operatorRegistryAbi, functionName: "hub" })).toLowerCase()).to.equal(d.hub.toLowerCase());
    expect((await c.publicClient.readContract({ address: d.hub, abi: inferenceHubAbi, functionName: "operatorRegistry" })).toLowerCase()).to.equal(d.operatorRegistry.toLowerCase());
    expect((await c.publicClient.readContract({ address: d.hub, abi: inferenceHubAbi, functionName: "owner" })).toLowerCase()).to.equal(c.governance.account.address);
    expect((await c.publicClient.readContract({ address: d.hub, abi: inferenceHubAbi, functionName: "treasury" })).toLowerCase()).to.equal(c.governance.account.address);
    expect(await c.publicClient.readContract({ address: d.operatorRegistry, abi: operatorRegistryAbi, functionName: "unbondingDelay" })).to.equal(7n * 24n * 3600n);
    expect(d.testToken).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect(d.exampleConsumer).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect(d.registryOwnershipPending).to.equal(false);
    expect(d.ownershipPending).to.equal(false);
    // The ZK mode (the reference circuit allowed) and the OPTIMISTIC dispute game, settled by that ZK verifier.
    const read = (address: `0x${string}`, abi: Abi, functionName: string, args: readonly unknown[] = []) =>
      c.publicClient.readContract({ address, abi, functionName, args }) as Promise<unknown>;
    expect(await read(d.hub, inferenceHubAbi, "verifierOf", [2])).to.equal(getAddress(d.zkVerifier));
    expect(await read(d.hub, inferenceHubAbi, "verifierOf", [4])).to.equal(getAddress(d.optimisticGame));
    expect(await read(d.optimisticGame, optimisticGameAbi, "zkVerifier")).to.equal(getAddress(d.zkVerifier));
    expect(await read(d.optimisticGame, optimisticGameAbi, "hub")).to.equal(getAddress(d.hub));
    expect(await read(d.optimisticGame, optimisticGameAbi, "minBond")).to.equal(DEFAULT_MIN_BOND);
    expect(await read(d.zkVerifier, zkVerifierAbi, "isCircuitAllowed", [groth16VerifierMlpCodeHash, groth16VerifierMlpVkeyHash])).to.equal(true);
    expect(await c.publicClient.getCode({ address: d.groth16VerifierMlp })).to.not.equal(undefined);
  });

  it("hands the registry to a separate governance in two steps after linking it", async function () {
    const d = await deployVerity(c.other, c.publicClient, { governance: c.governance.account.address });
    expect(d.registryOwnershipPending).to.equal(true);
    const pending = await c.publicClient.readContract({ address: d.operatorRegistry, abi: operatorRegistryAbi, functionName: "pendingOwner" });
    expect(pending.toLowerCase()).to.equal(c.governance.account.address);
    await mined(c, await c.governance.writeContract({ address: d.operatorRegistry, abi: operatorRegistryAbi, functionName: "acceptOwnership" }));
    const owner = await c.publicClient.readContract({ address: d.operatorRegistry, abi: operatorRegistryAbi, functionName: "owner" });
    expect(owner.toLowerCase()).to.equal(c.governance.account.address);
    // The hub and the ZK verifier too: the deployer wired them, then started the transfers.
    expect(d.ownershipPending).to.equal(true);
    for (const [address, abi] of [[d.hub, inferenceHubAbi], [d.zkVerifier, zkVerifierAbi]] as const) {
      expect((await c.publicClient.readContract({ address, abi: abi as Abi, functionName: "pendingOwner" }) as string).toLowerCase()).to.equal(
        c.governance.account.address,
      );
    }
  });

  it("deploys the dispute game with the minimum bond asked for", async function () {
    const d = await deployVerity(c.governance, c.publicClient, { minBond: 123n });
    expect(await c.publicClient.readContract({ address: d.optimisticGame, abi: optimisticGameAbi, functionName: "minBond" })).to.equal(123n);
  });
});
