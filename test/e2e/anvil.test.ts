/**
 * The same Ignition module deploys to a second, independent EVM node: anvil (from the npm package
 * @foundry-rs/anvil) on 127.0.0.1, through `verity deploy`; the CLI then reads the system back over JSON-RPC.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createPublicClient, http, type Hex } from "viem";
import { enclaveRegistryAbi, inferenceHubAbi, operatorRegistryAbi } from "../../sdk/src/index.js";
import { PACKAGE_ROOT } from "../../sdk/src/cli/context.js";
import { freePort, hardhatKey, tempDir, verity } from "../cli/helpers.js";
import { groupAlive, spawnGroup, stopGroup } from "../helpers/processes.js";

describe("deployment to anvil", function () {
  this.timeout(120_000);

  it("deploys the whole system with the Ignition module and wires it", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // node_modules/.bin/anvil is a Node wrapper that spawns the real binary: start it as a process group, stop the group.
    const anvil = spawnGroup(path.join(PACKAGE_ROOT, "node_modules", ".bin", "anvil"), ["--host", "127.0.0.1", "--port", `${port}`, "--silent"], {
      env: { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}` },
      stdio: "ignore",
    });
    const work = await tempDir("verity-anvil-");
    try {
      const client = createPublicClient({ transport: http(url, { retryCount: 0 }) });
      for (let i = 0; ; i++) {
        try {
          await client.getChainId();
          break;
        } catch (e) {
          if (i > 100) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const env = { VERITY_RPC_URL: url, VERITY_PRIVATE_KEY: hardhatKey(0), VERITY_DEPLOYMENTS_DIR: work.dir };
      const run = await verity(["deploy", "--deployment-id", `anvil-${port}`], env);
      expect(run.code, run.stderr + run.stdout).to.equal(0);
      const d = JSON.parse(readFileSync(path.join(work.dir, "31337.json"), "utf8")) as Record<string, Hex>;
      expect(await client.readContract({ address: d.operatorRegistry!, abi: operatorRegistryAbi, functionName: "hub" })).to.equal(d.hub);
      expect(await client.readContract({ address: d.hub!, abi: inferenceHubAbi, functionName: "verifierOf", args: [2] })).to.equal(d.zkVerifier);
      expect(await client.readContract({ address: d.hub!, abi: inferenceHubAbi, functionName: "verifierOf", args: [1] })).to.equal(d.enclaveRegistry);
      expect(await client.readContract({ address: d.enclaveRegistry!, abi: enclaveRegistryAbi, functionName: "attestationVerifier", args: [1] })).to.equal(
        d.attestorCommittee,
      );
      const show = await verity(["model", "list"], env);
      expect(show.code, show.stderr).to.equal(0);
    } finally {
      await stopGroup(anvil, "SIGKILL");
      await work.remove();
      await new Promise((r) => setTimeout(r, 100));
    }
    // Neither the wrapper nor the anvil binary it started is left running.
    expect(groupAlive(anvil.pid!), "a process of the anvil group is still alive").to.equal(false);
  });
});
