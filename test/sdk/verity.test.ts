import { expect } from "chai";
import { type Abi, getAddress, keccak256, parseEther, toHex, zeroAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  DEFAULT_KEY_LIFETIME,
  DEFAULT_MIN_BOND,
  DEFAULT_MIN_TEE_STAKE,
  LOCAL_POLLING_INTERVAL,
  MAX_DEFAULT_POLLING_INTERVAL,
  defaultPollingInterval,
  type RequestedJob,
  TeeType,
  attestorCommitteeAbi,
  enclaveRegistryAbi,
  decodeTensor,
  encodeTensorSet,
  tensor,
  deployVerity,
  hashTensor,
  inferenceHubAbi,
  modelIdOf,
  operatorRegistryAbi,
  optimisticGameAbi,
  verityActions,
  watchJobs,
  zkVerifierAbi,
  ModelInputError,
  NoServingOperatorError,
  ioSignature,
} from "../../sdk/src/index.js";
import { groth16VerifierMlpCodeHash, groth16VerifierMlpVkeyHash } from "../../sdk/src/bytecode.js";
import { type Connection, INPUT, MEASUREMENT, MODEL_FEE, OUTPUT, connect, mined } from "./helpers.js";
import { ATTESTORS, ATTESTOR_COMMITTEE, prepareEnclaveAttestation, testAttestationPolicy } from "./enclave.js";
import { IRIS_IO_SIGNATURE } from "../../sdk/src/model/signatures.js";

describe("verityActions: a whole TEE job from each party's client", function () {
  let c: Connection;
  before(async function () {
    c = await connect();
  });

  it("deploys, registers, publishes, approves, stakes, requests, fulfils, waits, verifies and pays out", async function () {
    const deployment = await deployVerity(c.governance, c.publicClient, { treasury: c.treasury.account.address, ...ATTESTOR_COMMITTEE });
    const { hub, operatorRegistry, enclaveRegistry } = deployment;
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
      ioSignature: IRIS_IO_SIGNATURE,
      fee: MODEL_FEE,
    });
    expect(version).to.equal(1);

    // Governance approves the enclave build (the enclave registry is read from the hub); the operator stakes, its
    // enclave's evidence is verified and signed by the attestors, and it registers the key with stake behind it.
    await mined(c, await governance.approveMeasurement({ measurement: MEASUREMENT, teeType: TeeType.AwsNitro }));
    await mined(c, await operator.stake({ amount: parseEther("1") }));
    const enclave = privateKeyToAccount(keccak256(toHex("verity test enclave")));
    const { registration } = await prepareEnclaveAttestation(c, { deployment, enclave, operatorWallet: c.operator, approve: false });
    const { enclave: _enclave, teeType, measurement, evidenceHash, evidenceURI, expiresAt, approvals, stake } = registration;
    await mined(c, await operator.registerEnclaveKey({ enclave, teeType, measurement, evidenceHash, evidenceURI, expiresAt, approvals, stake }));
    const key = await c.publicClient.readContract({ address: enclaveRegistry, abi: enclaveRegistryAbi, functionName: "getEnclaveKey", args: [enclave.address] });
    expect(key.operator.toLowerCase()).to.equal(c.operator.account.address);
    expect(key.measurement).to.equal(MEASUREMENT);
    expect(key.stake).to.equal(DEFAULT_MIN_TEE_STAKE);
    // The model owner allows results from that build for the version.
    await mined(c, await owner.setMeasurementAllowed({ modelId, version, measurement: MEASUREMENT }));

    // An operator node watches for requests.
    const seen: RequestedJob[] = [];
    const unwatch = operator.watchJobs({ modelId, poll: true, pollingInterval: 20, onJobs: (jobs) => seen.push(...jobs) });
    try {
      const fee = MODEL_FEE + parseEther("0.002");
      // Before escrow the requester learns nobody serves the version yet; the operator announces, and the warning is gone.
      const warnings: NoServingOperatorError[] = [];
      const nonce = await c.publicClient.getTransactionCount({ address: c.requester.account.address });
      const unserved = await requester.requestInferenceSync({ modelId, version, input: INPUT, fee, serving: "require" }).catch((e: unknown) => e);
      expect(unserved).to.be.instanceOf(NoServingOperatorError);
      expect((unserved as NoServingOperatorError).shortMessage).to.equal(`No operator announces serving model ${modelId} version 1 in TEE mode.`);
      expect(await c.publicClient.getTransactionCount({ address: c.requester.account.address })).to.equal(nonce);
      await mined(c, await operator.announceService({ modelId, version, modes: ["tee"] }));
      const serving = await auditor.getServingOperators({ modelId, version, mode: "tee" });
      expect(serving.map((s) => [s.operator.toLowerCase(), s.modes, s.stake])).to.deep.equal([[c.operator.account.address, [1], parseEther("1")]]);
      const { jobId, job } = await requester.requestInferenceSync({ modelId, version, input: INPUT, fee, serving: "require", onWarning: (w) => warnings.push(w) });
      expect(warnings).to.deep.equal([]);
      const waiting = requester.waitForResult({ jobId, pollingInterval: 20, timeout: 10_000 });
      for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(seen.map((j) => j.jobId)).to.deep.equal([jobId]);
      expect(seen[0]!.job).to.deep.equal(job);
      expect(decodeTensor(seen[0]!.input!)).to.deep.equal(INPUT);

      await operator.fulfillTeeSync({ jobId: seen[0]!.jobId, job: seen[0]!.job, output: OUTPUT, enclave });
      const result = await waiting;
      expect(result.output).to.deep.equal(OUTPUT);
      expect(result.outputHash).to.equal(hashTensor(OUTPUT));

      const report = await auditor.verifyJob({ jobId, attestation: await testAttestationPolicy() });
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

      // A model with several inputs and outputs: named tensors in, named tensors out, verified the same way.
      const inputs = { audio: tensor.float32([1, 4], [0.5, -0.25, 0, 1]), sr: tensor.int64([], [16000n]) };
      // Version 1 takes Iris features: the named tensors are refused before escrow; version 2 declares them.
      const refusal = await requester.requestInferenceSync({ modelId, version, input: { tensors: inputs }, fee }).catch((e: unknown) => e);
      expect(refusal).to.be.instanceOf(ModelInputError);
      const v2 = await owner.publishVersionSync({
        modelId,
        artifactHash: keccak256(toHex("vad bytes")),
        uri: "file:vad.onnx",
        modes: ["tee"],
        fee: MODEL_FEE,
        ioSignature: ioSignature({
          inputs: [{ name: "audio", dtype: "float32", shape: [1, "samples"] }, { name: "sr", dtype: "int64", shape: [] }],
          outputs: [{ name: "probability", dtype: "float32", shape: [1, 1] }, { name: "state", dtype: "float32", shape: [2, 1, 2] }],
        }),
      });
      await mined(c, await owner.setMeasurementAllowed({ modelId, version: v2.version, measurement: MEASUREMENT }));
      const second = await requester.requestInferenceSync({ modelId, version: v2.version, input: { tensors: inputs }, fee, onWarning: (w) => warnings.push(w) });
      expect(warnings.map((w) => w.modelVersion)).to.deep.equal([2]); // nobody announced version 2: a warning, and the request goes ahead
      expect(second.input).to.equal(encodeTensorSet(inputs));
      const outputs = { probability: tensor.float32([1, 1], [0.75]), state: tensor.float32([2, 1, 2], [0, 1, 2, 3]) };
      const waitingTwo = requester.waitForResult({ jobId: second.jobId, pollingInterval: 20, timeout: 10_000 });
      await operator.fulfillTeeSync({ jobId: second.jobId, job: second.job, output: { tensors: outputs }, enclave });
      const named = await waitingTwo;
      expect(named.output).to.equal(undefined);
      expect(Object.keys(named.outputs!)).to.deep.equal(["probability", "state"]);
      expect(encodeTensorSet(named.outputs!)).to.equal(encodeTensorSet(outputs));
      const namedReport = await auditor.verifyJob({ jobId: second.jobId, attestation: await testAttestationPolicy() });
      expect(namedReport.verdict, JSON.stringify(namedReport.checks)).to.equal("valid");
      expect(namedReport.checks.find((x) => x.name === "outputHash")!.detail).to.include("a canonical set of 2 named tensors { probability: float32 [1,1], state: float32 [2,1,2] }");
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
      await owner.publishVersionSync({ modelId: m, artifactHash: keccak256(toHex(m)), uri: "file:x", modes: ["tee"], ioSignature: IRIS_IO_SIGNATURE });
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
    // TEE: the enclave registry is the hub's TEE verifier, linked to both registries; the committee (the deployer
    // alone by default) verifies the evidence of both TEE types; the default key lifetime and least stake.
    expect(await read(d.hub, inferenceHubAbi, "enclaveRegistry")).to.equal(getAddress(d.enclaveRegistry));
    expect(await read(d.operatorRegistry, operatorRegistryAbi, "enclaveRegistry")).to.equal(getAddress(d.enclaveRegistry));
    expect(await read(d.enclaveRegistry, enclaveRegistryAbi, "hub")).to.equal(getAddress(d.hub));
    expect(await read(d.enclaveRegistry, enclaveRegistryAbi, "operatorRegistry")).to.equal(getAddress(d.operatorRegistry));
    for (const teeType of [TeeType.AwsNitro, TeeType.IntelTdx]) {
      expect(await read(d.enclaveRegistry, enclaveRegistryAbi, "attestationVerifier", [teeType])).to.equal(getAddress(d.attestorCommittee));
    }
    expect(await read(d.enclaveRegistry, enclaveRegistryAbi, "keyLifetime")).to.equal(DEFAULT_KEY_LIFETIME);
    expect(await read(d.enclaveRegistry, enclaveRegistryAbi, "minTeeStake")).to.equal(DEFAULT_MIN_TEE_STAKE);
    expect(await read(d.attestorCommittee, attestorCommitteeAbi, "attestors")).to.deep.equal([getAddress(c.governance.account.address)]);
    expect(await read(d.attestorCommittee, attestorCommitteeAbi, "threshold")).to.equal(1n);
  });

  it("deploys the attestor committee, key lifetime and least TEE stake asked for", async function () {
    const d = await deployVerity(c.governance, c.publicClient, { ...ATTESTOR_COMMITTEE, keyLifetime: 3600n, minTeeStake: 5n });
    const read = (address: `0x${string}`, abi: Abi, functionName: string) =>
      c.publicClient.readContract({ address, abi, functionName }) as Promise<unknown>;
    expect(await read(d.attestorCommittee, attestorCommitteeAbi, "attestors")).to.deep.equal(ATTESTORS.map((a) => a.address));
    expect(await read(d.attestorCommittee, attestorCommitteeAbi, "threshold")).to.equal(2n);
    expect(await read(d.enclaveRegistry, enclaveRegistryAbi, "keyLifetime")).to.equal(3600n);
    expect(await read(d.enclaveRegistry, enclaveRegistryAbi, "minTeeStake")).to.equal(5n);
  });

  it("hands the registry to a separate governance in two steps after linking it", async function () {
    const d = await deployVerity(c.other, c.publicClient, { governance: c.governance.account.address });
    expect(d.registryOwnershipPending).to.equal(true);
    const pending = await c.publicClient.readContract({ address: d.operatorRegistry, abi: operatorRegistryAbi, functionName: "pendingOwner" });
    expect(pending.toLowerCase()).to.equal(c.governance.account.address);
    await mined(c, await c.governance.writeContract({ address: d.operatorRegistry, abi: operatorRegistryAbi, functionName: "acceptOwnership" }));
    const owner = await c.publicClient.readContract({ address: d.operatorRegistry, abi: operatorRegistryAbi, functionName: "owner" });
    expect(owner.toLowerCase()).to.equal(c.governance.account.address);
    // The hub, the enclave registry, the attestor committee and the ZK verifier too: the deployer wired them, then
    // started the transfers.
    expect(d.ownershipPending).to.equal(true);
    for (const [address, abi] of [
      [d.hub, inferenceHubAbi],
      [d.enclaveRegistry, enclaveRegistryAbi],
      [d.attestorCommittee, attestorCommitteeAbi],
      [d.zkVerifier, zkVerifierAbi],
    ] as const) {
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

describe("waitForResult's default poll interval", function () {
  it("polls a local development chain every 200 ms and caps other chains' client interval at 1 s", function () {
    expect(defaultPollingInterval(31337, 4_000)).to.equal(LOCAL_POLLING_INTERVAL).and.to.equal(200);
    expect(defaultPollingInterval(1337, 4_000)).to.equal(LOCAL_POLLING_INTERVAL);
    expect(defaultPollingInterval(8453, 4_000)).to.equal(MAX_DEFAULT_POLLING_INTERVAL).and.to.equal(1_000);
    expect(defaultPollingInterval(1, 500)).to.equal(500);
  });
});
