/**
 * End to end, over real JSON-RPC on a `hardhat node` process: the system deployed with the Ignition module
 * (`verity deploy`: the OPTIMISTIC dispute game and the ZkVerifier that settles its challenges), the model published and the
 * operators staked through the CLI. A dishonest staked operator proposes a wrong OPTIMISTIC result with the SDK;
 * the watcher re-executes the model, challenges with its bond, proves the true output and settles the challenge:
 * the dishonest operator is slashed, the challenger withdraws the slashed stake, the job is final with ONNX
 * Runtime's output, the requester receives it, and verifyJob tells the story. Then an honest operator node proposes
 * a second job, the window passes (evm_increaseTime + evm_mine), the node finalizes it, and the watcher left it alone.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { type Hex, createPublicClient, createTestClient, createWalletClient, http, keccak256, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import {
  encodeTensor,
  inferenceHubAbi,
  modelIdOf,
  operatorRegistryAbi,
  optimisticParams,
  proposeResultSync,
  requestInferenceSync,
  tensor,
  verifyJob,
  waitForResult,
} from "../../sdk/src/index.js";
import {
  type OperatorEvent,
  type WatcherEvent,
  createOperatorNode,
  createWatcher,
  loadIrisModel,
  loadModel,
  releaseZkWorkers,
  runMlp,
} from "../../sdk/src/operator/index.js";
import { zkVerifyingKeysFromFiles } from "../../sdk/src/prover/keys.js";
import { PACKAGE_ROOT } from "../../sdk/src/cli/context.js";
import { type HardhatNode, hardhatKey, startHardhatNode, tempDir, verity } from "../cli/helpers.js";

const WINDOW = 600n;
const BOND = parseEther("0.1");
const SLASH = parseEther("0.5");

describe("end to end on a hardhat node: a dishonest optimistic result is challenged, proven wrong and slashed", function () {
  this.timeout(240_000);
  let node: HardhatNode;
  let work: { dir: string; remove: () => Promise<void> };
  const stops: (() => Promise<void>)[] = [];

  before(async () => {
    node = await startHardhatNode();
    work = await tempDir("verity-e2e-optimistic-");
  });

  after(async () => {
    for (const stop of stops) await stop().catch(() => undefined);
    await releaseZkWorkers();
    await node?.stop();
    await work?.remove();
  });

  it("the watcher challenges a wrong proposal, the ZK proof settles it, the liar is slashed and the requester gets the true output", async () => {
    const [gov, owner, dishonestKey, requesterKey, honestKey, watcherKey] = [0, 1, 2, 3, 4, 5].map(hardhatKey) as Hex[] as [Hex, Hex, Hex, Hex, Hex, Hex];
    const env = (key: Hex) => ({ VERITY_RPC_URL: node.url, VERITY_PRIVATE_KEY: key, VERITY_DEPLOYMENTS_DIR: work.dir });
    const ok = async (argv: string[], key: Hex) => {
      const run = await verity(argv, env(key));
      expect(run.code, `verity ${argv.join(" ")}\n${run.stderr}\n${run.stdout}`).to.equal(0);
      return run;
    };

    // Deploy with Ignition (hub, registry, ZkVerifier on mode 2, the circuit's Groth16 verifier); publish the model
    // for ZK and OPTIMISTIC (the circuit is the deployment's); the two proposers stake.
    await ok(["deploy", "--deployment-id", `e2e-optimistic-${node.port}`], gov);
    const deployment = JSON.parse(readFileSync(path.join(work.dir, "31337.json"), "utf8")) as { hub: Hex; operatorRegistry: Hex; optimisticGame: Hex };
    const { hub, operatorRegistry } = deployment;
    await ok(["model", "register", "iris-mlp"], owner);
    const modelId = modelIdOf(privateKeyToAccount(owner).address, "iris-mlp");
    await ok(["model", "publish", modelId, "--file", "models/iris-mlp.onnx", "--uri", "file:models/iris-mlp.onnx",
      "--modes", "zk,optimistic", "--fee", "0.001", "--zk-weights", "models/iris-mlp.json",
      "--zk-vkey", "circuits/build/verification_key.json"], owner);
    await ok(["operator", "stake", "1"], dishonestKey);
    await ok(["operator", "stake", "1"], honestKey);

    const transport = http(node.url);
    const publicClient = createPublicClient({ chain: hardhat, transport, pollingInterval: 100 });
    const wallet = (key: Hex) => createWalletClient({ chain: hardhat, transport, account: privateKeyToAccount(key) });
    const [dishonest, requester, honest, challenger] = [dishonestKey, requesterKey, honestKey, watcherKey].map(wallet) as [
      ReturnType<typeof wallet>, ReturnType<typeof wallet>, ReturnType<typeof wallet>, ReturnType<typeof wallet>,
    ];
    const stakeOf = async (who: Hex) =>
      (await publicClient.readContract({ address: operatorRegistry, abi: operatorRegistryAbi, functionName: "getOperator", args: [who] })).stake;
    const weights = loadIrisModel(path.join(PACKAGE_ROOT, "models/iris-mlp.json")).weights;
    const session = await loadModel(readFileSync(path.join(PACKAGE_ROOT, "models/iris-mlp.onnx")));
    const onnx = async (input: ReturnType<typeof tensor>) => encodeTensor(await runMlp(session, input));

    // The watcher, started before anything is proposed.
    const watcherEvents: WatcherEvent[] = [];
    const watcher = createWatcher({
      publicClient,
      walletClient: challenger,
      hub,
      models: [{ modelId, version: 1, weights }],
      modelDir: PACKAGE_ROOT,
      fromBlock: await publicClient.getBlockNumber(),
      pollingIntervalMs: 100,
      logger: (e) => watcherEvents.push(e),
    });
    stops.push(() => watcher.stop());
    await watcher.start();

    // A requester asks for an OPTIMISTIC inference; the dishonest operator proposes a wrong output.
    const params = optimisticParams({ window: WINDOW, bond: BOND, slashAmount: SLASH });
    const input = tensor("int8", [1, 4], [82, 56, 22, 3]);
    const trueOutput = await onnx(input);
    const { jobId } = await requestInferenceSync(requester, { hub, modelId, version: 1, mode: "optimistic", params, input, fee: parseEther("0.003") });
    const dishonestStake = await stakeOf(dishonest.account.address);
    const wrongOutput = tensor("int32", [1, 3], [999, -999, 0]);
    const proposed = await proposeResultSync(dishonest, { hub, jobId, output: wrongOutput });
    expect(proposed.outputHash).to.equal(keccak256(encodeTensor(wrongOutput)));

    // The requester simply waits: the job becomes final with the true output once the challenge is settled.
    const result = await waitForResult(publicClient, { hub, jobId, timeout: 90_000, pollingInterval: 100 });
    expect(result.outputBytes).to.equal(trueOutput);
    expect(result.operator).to.equal(challenger.account.address);
    const [fulfilled] = await publicClient.getContractEvents({ address: hub, abi: inferenceHubAbi, eventName: "InferenceFulfilled", args: { jobId }, fromBlock: 0n });
    expect(fulfilled!.args.output).to.equal(trueOutput);

    // The liar lost its locked slash amount of stake (half to the challenger, half burned); the challenger's slash
    // credit was withdrawn by the watcher.
    expect(dishonestStake - (await stakeOf(dishonest.account.address))).to.equal(SLASH);
    for (let i = 0; i < 100 && !watcherEvents.some((e) => e.type === "credits-withdrawn"); i++) await new Promise((r) => setTimeout(r, 100));
    const withdrawn = watcherEvents.find((e) => e.type === "credits-withdrawn") as Extract<WatcherEvent, { type: "credits-withdrawn" }>;
    expect(withdrawn.slashCredit).to.equal(SLASH / 2n);
    const [slashWithdrawal] = await publicClient.getContractEvents({
      address: operatorRegistry,
      abi: operatorRegistryAbi,
      eventName: "SlashCreditWithdrawn",
      args: { account: challenger.account.address },
      fromBlock: 0n,
    });
    expect(slashWithdrawal!.args.amount).to.equal(SLASH / 2n);
    expect(await publicClient.readContract({ address: operatorRegistry, abi: operatorRegistryAbi, functionName: "burned" })).to.equal(SLASH / 2n);
    expect(await publicClient.readContract({ address: operatorRegistry, abi: operatorRegistryAbi, functionName: "slashCreditOf", args: [challenger.account.address] })).to.equal(0n);

    // verifyJob tells the story from chain data, re-verifying the resolution's proof against the on-chain vkey hash.
    const report = await verifyJob(publicClient, { hub, jobId, zkVerifyingKeys: zkVerifyingKeysFromFiles() });
    expect(report.checks.filter((c) => !c.ok)).to.deep.equal([]);
    expect(report.verdict).to.equal("valid");
    expect(report.optimistic!.state).to.equal("final");
    expect(report.optimistic!.proposal!.proposer).to.equal(dishonest.account.address);
    expect(report.optimistic!.challenge!.challenger).to.equal(challenger.account.address);
    expect(report.optimistic!.resolution).to.deep.include({
      proposalUpheld: false,
      slashed: SLASH / 2n,
      burned: SLASH / 2n,
      resolver: challenger.account.address,
      proofValid: true,
    });
    expect(report.optimistic!.game).to.equal(deployment.optimisticGame);
    const cli = await verity(["job", "verify", `${jobId}`], env(requesterKey));
    expect(cli.code, cli.stderr).to.equal(0);
    expect(cli.stdout).to.match(/slashing/).and.match(/reveal/).and.match(/payouts/);
    // The audit tells the dispute at the game: the commitment, the proposal, the challenge, the resolution, who was paid.
    const audit = await verity(["job", "audit", `${jobId}`], env(requesterKey));
    expect(audit.code, audit.stderr).to.equal(0);
    expect(audit.stdout, audit.stdout)
      .to.contain("Dispute (the job's OPTIMISTIC game)")
      .and.match(new RegExp(`game\\s+${deployment.optimisticGame}, challenges settled by ZK verifier`))
      .and.match(new RegExp(`committed\\s+block \\d+ by ${dishonest.account.address}`))
      .and.match(new RegExp(`challenged\\s+block \\d+ .* by ${challenger.account.address}`))
      .and.match(new RegExp(`resolved\\s+block \\d+ by ${challenger.account.address} .*OVERTURNED`))
      .and.match(/slashed\s+0\.25 ETH of the proposer's stake to the challenger \(slash credit\), 0\.25 ETH burned/)
      .and.match(new RegExp(`bond\\s+0\\.2 ETH to ${challenger.account.address}`));

    // An honest operator node proposes a second job; the window passes on the node's clock; the node finalizes it.
    const nodeEvents: OperatorEvent[] = [];
    const operatorNode = createOperatorNode({
      publicClient,
      walletClient: honest,
      hub,
      models: [{ modelId, version: 1, zk: { weights } }],
      stateFile: path.join(work.dir, "honest-operator.json"),
      modelDir: PACKAGE_ROOT,
      fromBlock: await publicClient.getBlockNumber(),
      pollingIntervalMs: 100,
      logger: (e) => nodeEvents.push(e),
    });
    stops.push(() => operatorNode.stop());
    await operatorNode.start();
    const second = tensor("int8", [1, 4], [101, 53, 96, 40]);
    const { jobId: honestJob } = await requestInferenceSync(requester, { hub, modelId, version: 1, mode: "optimistic", params, input: second, fee: parseEther("0.003") });
    for (let i = 0; i < 300 && !nodeEvents.some((e) => e.type === "job-proposed" && e.jobId === honestJob); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await verifyJob(publicClient, { hub, jobId: honestJob })).optimistic!.state).to.equal("challenge-window-open");
    // The watcher re-executes it within the window (and finds nothing to challenge) before the window passes.
    for (let i = 0; i < 300 && !watcherEvents.some((e) => e.type === "proposal-checked" && e.jobId === honestJob); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const testClient = createTestClient({ chain: hardhat, mode: "hardhat", transport });
    await testClient.increaseTime({ seconds: Number(WINDOW) + 1 });
    await testClient.mine({ blocks: 1 });
    const honestResult = await waitForResult(publicClient, { hub, jobId: honestJob, timeout: 60_000, pollingInterval: 100 });
    expect(honestResult.outputBytes).to.equal(await onnx(second));
    expect(honestResult.operator).to.equal(honest.account.address);
    const honestReport = await verifyJob(publicClient, { hub, jobId: honestJob });
    expect(honestReport.verdict).to.equal("valid");
    expect(honestReport.optimistic).to.deep.include({ state: "final", challenge: undefined });
    expect(watcherEvents.filter((e) => e.type === "proposal-checked").map((e) => [(e as { jobId: bigint }).jobId, (e as { correct: boolean }).correct])).to.deep.equal([
      [jobId, false],
      [honestJob, true],
    ]);
    expect(watcherEvents.filter((e) => e.type === "proposal-challenged")).to.have.length(1);

    await operatorNode.stop();
    await watcher.stop();
    await session.release();
  });
});
