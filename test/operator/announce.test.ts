import { expect } from "chai";
import { createWalletClient, custom, keccak256, parseEther, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { getServingOperators, modesBitmask, operatorRegistryAbi, requestInferenceSync } from "../../sdk/src/index.js";
import { type Connection, FEE, FLOWERS, connect, deployOperatorSystem, eventsOf, makeNode } from "./helpers.js";

describe("operator node: announcements of service", function () {
  let c: Connection;
  const system = () => deployOperatorSystem(c);
  before(async function () {
    c = await connect();
  });

  it("announces at start the modes it can serve each version in, renews nothing early, and withdraws on a clean stop", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    // Before: nobody serves version 1, and a request says so before escrow.
    expect(await getServingOperators(c.publicClient, { hub: s.hub, modelId: s.modelId, version: s.version })).to.deep.equal([]);
    const { node, events } = makeNode(c, s, { announce: { withdrawOnStop: true } });
    await node.runOnce();
    const announced = eventsOf(events, "service-announced");
    // Version 1 offers TEE and ZK and the node has an enclave key and the ZK weights; the second version TEE only.
    expect(announced.map((e) => [e.version, e.modes])).to.deep.equal([
      [s.version, [1, 2]],
      [s.wrongVersion, [1]],
    ]);
    const serving = await getServingOperators(c.publicClient, { hub: s.hub, modelId: s.modelId, version: s.version, mode: "zk" });
    expect(serving.map((x) => x.operator)).to.deep.equal([s.operatorAccount.address]);
    const [modes, until] = await c.publicClient.readContract({
      address: s.operatorRegistry,
      abi: operatorRegistryAbi,
      functionName: "serviceOf",
      args: [s.operatorAccount.address, s.modelId, s.version],
    });
    expect(modes).to.equal(modesBitmask(["tee", "zk"]));
    const block = await c.publicClient.getBlock();
    expect(until - block.timestamp).to.be.within(6n * 3600n - 10n, 6n * 3600n);
    // A request that requires a serving operator goes through now.
    const { jobId } = await requestInferenceSync(c.requester, { hub: s.hub, modelId: s.modelId, version: s.version, input: FLOWERS[0]!, fee: FEE, serving: "require" });
    expect(jobId).to.be.a("bigint");
    // A second pass sends no new announcement (half the period is not over).
    await node.runOnce();
    expect(eventsOf(events, "service-announced")).to.have.length(2);
    await node.stop();
    expect(eventsOf(events, "service-announced").slice(2).map((e) => e.modes)).to.deep.equal([[], []]);
    expect(await getServingOperators(c.publicClient, { hub: s.hub, modelId: s.modelId, version: s.version })).to.deep.equal([]);
  });

  it("renews an announcement once half of it has passed", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const { node, events } = makeNode(c, s, { announce: { periodSeconds: 3600 }, models: [{ modelId: s.modelId, version: s.wrongVersion }] });
    try {
      await node.runOnce();
      expect(eventsOf(events, "service-announced")).to.have.length(1);
      await c.networkHelpers.time.increase(1801);
      await node.runOnce();
      const renewed = eventsOf(events, "service-announced");
      expect(renewed).to.have.length(2);
      expect(renewed[1]!.until).to.be.greaterThan(renewed[0]!.until);
    } finally {
      await node.stop();
    }
  });

  it("reports a failed announcement (no stake) and keeps serving", async function () {
    const s = await c.networkHelpers.loadFixture(system);
    const account = privateKeyToAccount(keccak256(toHex("unstaked operator")));
    await c.connection.provider.request({ method: "hardhat_setBalance", params: [account.address, toHex(parseEther("1"))] });
    const walletClient = createWalletClient({ account, chain: c.publicClient.chain, transport: custom(c.connection.provider) });
    const { node, events } = makeNode(c, s, { walletClient, announce: {}, models: [{ modelId: s.modelId, version: s.wrongVersion }] });
    try {
      await node.runOnce();
      const failed = eventsOf(events, "service-announce-failed");
      expect(failed).to.have.length(1);
      expect(failed[0]!.error.message).to.contain("ServiceNotStaked");
      expect(eventsOf(events, "node-error")).to.deep.equal([]);
    } finally {
      await node.stop();
    }
  });
});
