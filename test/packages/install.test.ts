/**
 * The packages as users get them: built from the sources (scripts/build-packages.ts), packed with `npm pack`, and
 * installed from the tarballs into fresh projects in a temporary directory with no network (test/helpers/packages.ts):
 *   - a dApp's project that installs only the SDK (verity-inference);
 *   - an operator's project that installs all three packages (and @types/node, as a TypeScript Node project does).
 * Nothing here loads the repository's sources: the projects resolve only what was installed into them.
 */
import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Address, createPublicClient, getAddress, http } from "viem";
import { getCode, readContract } from "viem/actions";
import { inferenceHubAbi } from "../../sdk/src/abis.js";
import { type HardhatNode, startHardhatNode } from "../cli/helpers.js";
import {
  BROWSER_MAIN,
  type Packed,
  type Project,
  ROOT,
  buildPackages,
  bundleForBrowser,
  exec,
  installProject,
  installedPackages,
  nativeParts,
  packAll,
} from "../helpers/packages.js";

const TSC = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
/** Node with TypeScript type stripping off: an installed package must run as JavaScript. */
const PLAIN_NODE = [process.execPath, "--no-experimental-strip-types", "--input-type=module", "-e"] as const;
const HARDHAT_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const HARDHAT_ACCOUNT_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

async function nodeScript(project: Project, script: string) {
  return exec(PLAIN_NODE[0], [...PLAIN_NODE.slice(1), script], { cwd: project.dir });
}

describe("installable packages: packed, installed offline into fresh projects", function () {
  this.timeout(600_000);
  let tarballDir: string;
  let packed: Packed[];
  let dapp: Project;
  let operator: Project;

  before(async () => {
    await buildPackages();
    tarballDir = await mkdtemp(path.join(tmpdir(), "verity-tarballs-"));
    packed = await packAll(tarballDir);
    dapp = await installProject("verity-dapp-", packed.filter((p) => p.name === "verity-inference"));
    operator = await installProject("verity-operator-", packed, ["@types/node"]);
    const examples = ["dapp.ts", "model-owner.ts", "operator.ts", "http.ts"];
    for (const f of examples) await writeFile(path.join(operator.dir, f), await readFile(path.join(ROOT, "examples", f)));
    await writeFile(path.join(dapp.dir, "dapp.ts"), await readFile(path.join(ROOT, "examples", "dapp.ts")));
    await writeFile(path.join(dapp.dir, "main.ts"), BROWSER_MAIN);
  });

  after(async () => {
    await dapp?.remove();
    await operator?.remove();
    if (tarballDir) await rm(tarballDir, { recursive: true, force: true });
  });

  const tarball = (name: string) => packed.find((p) => p.name === name)!;

  it("each tarball holds what its users need and nothing else", () => {
    const sdk = tarball("verity-inference").files;
    expect(sdk).to.include.members(["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts", "dist/attestation/index.js", "dist/abis.d.ts"]);
    // Compiled JavaScript and declarations only: no sources, tests, benches, circuits, models or earlier tarballs.
    expect(sdk.filter((f) => !/^dist\/.*(\.js|\.d\.ts)$/.test(f) && !["package.json", "README.md", "LICENSE"].includes(f))).to.deep.equal([]);
    expect(sdk.filter((f) => /operator\/|cli\/|prover\//.test(f))).to.deep.equal([]);

    const node = tarball("verity-inference-node").files;
    expect(node).to.include.members(["dist/cli/bin.js", "dist/operator/index.js", "dist/operator/index.d.ts", "models/iris-mlp.onnx", "models/mnist-mlp-f32.onnx", "models/mnist-mlp-int8.onnx", "circuits/build/mlp_4_8_3.zkey", "circuits/build/mlp_4_8_3.wasm", "circuits/build/verification_key.json"]);
    expect(node.filter((f) => f.endsWith(".r1cs") || f.endsWith(".ptau") || f.endsWith(".tgz") || f.startsWith("test/") || f.endsWith(".ts") && !f.endsWith(".d.ts"))).to.deep.equal([]);
    // The node package holds no copy of the SDK: it imports the installed one.
    expect(node.filter((f) => f.startsWith("dist/actions/") || f.startsWith("dist/encoding/"))).to.deep.equal([]);

    const contracts = tarball("verity-inference-contracts").files;
    expect(contracts).to.include.members(["contracts/consumer/InferenceConsumer.sol", "contracts/InferenceHub.sol", "artifacts/InferenceHub.json", "abis/InferenceHub.json"]);
    expect(contracts.filter((f) => f.startsWith("contracts/test/") || f.includes("build-info"))).to.deep.equal([]);
  });

  it("a dApp that installs only the SDK gets no native module, no install script, no ONNX Runtime", async () => {
    expect(await nativeParts(dapp.dir)).to.deep.equal([]);
    const names = [...(await installedPackages(dapp.dir)).keys()];
    expect(names).to.include("node_modules/verity-inference").and.include("node_modules/viem");
    expect(names.filter((n) => /onnxruntime|onnx-proto|circomlibjs|commander|hardhat|ignition/.test(n))).to.deep.equal([]);
    // The operator's install has ONNX Runtime, as it should.
    expect([...(await installedPackages(operator.dir)).keys()]).to.include("node_modules/onnxruntime-node");
  });

  it("every entry imports in plain Node ESM, with no TypeScript loader", async () => {
    const sdk = await nodeScript(
      dapp,
      `const sdk = await import("verity-inference");
       const { inferenceHubAbi } = await import("verity-inference/abis");
       const att = await import("verity-inference/attestation");
       const zk = await import("verity-inference/zk");
       const t = sdk.tensor("int8", [1, 4], [82, 56, 22, 3]);
       console.log(JSON.stringify({ actions: typeof sdk.verityActions, hubAbi: inferenceHubAbi.length > 0, nitro: typeof att.verifyNitroDocument, zk: typeof zk.decodeVerifyingKey,
         roundTrip: Array.from(sdk.decodeTensor(sdk.encodeTensor(t)).values, String) }));`,
    );
    expect(sdk.code, sdk.stderr).to.equal(0);
    expect(JSON.parse(sdk.stdout)).to.deep.equal({ actions: "function", hubAbi: true, nitro: "function", zk: "function", roundTrip: ["82", "56", "22", "3"] });

    // The node package: ONNX Runtime runs the shipped Iris model, found inside the installed package.
    const node = await nodeScript(
      operator,
      `import { readFileSync } from "node:fs";
       const { loadModel, runMlp, IRIS_MODEL_ONNX_PATH, createOperatorNode, signingBackend } = await import("verity-inference-node");
       const { tensor } = await import("verity-inference");
       const session = await loadModel(readFileSync(IRIS_MODEL_ONNX_PATH));
       const out = await runMlp(session, tensor("int8", [1, 4], [82, 56, 22, 3]));
       console.log(JSON.stringify({ model: IRIS_MODEL_ONNX_PATH, node: typeof createOperatorNode, dtype: out.dtype, shape: out.shape, signing: signingBackend() }));`,
    );
    expect(node.code, node.stderr).to.equal(0);
    const ran = JSON.parse(node.stdout);
    expect(ran.model).to.equal(path.join(operator.dir, "node_modules", "verity-inference-node", "models", "iris-mlp.onnx"));
    // Receipts are signed in libsecp256k1: the installed secp256k1 package's prebuilt binding loads.
    expect(ran).to.include({ node: "function", dtype: "int32", signing: "libsecp256k1" });
    expect(ran.shape).to.deep.equal([1, 3]);
  });

  for (const resolution of ["node16", "bundler"] as const) {
    it(`a consumer's tsc --noEmit passes under ${resolution} resolution with skipLibCheck off`, async () => {
      const options = (lib: string[], types: string[]) => ({
        compilerOptions: {
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          target: "es2022",
          lib,
          types,
          module: resolution === "node16" ? "node16" : "esnext",
          moduleResolution: resolution,
        },
      });
      // The browser dApp: the DOM's types, no Node types at all (the SDK's declarations must not need them).
      await writeFile(path.join(dapp.dir, `tsconfig.${resolution}.json`), JSON.stringify({ ...options(["es2023", "dom"], []), files: ["main.ts", "dapp.ts"] }));
      const web = await exec(process.execPath, [TSC, "-p", `tsconfig.${resolution}.json`], { cwd: dapp.dir });
      expect(web.code, web.stdout + web.stderr).to.equal(0);
      // The operator's Node project: the README's four examples, against all three packages. (viem's and ONNX
      // Runtime's own declarations name WebCrypto and WebGL types, so a Node project type-checks with the DOM lib too.)
      await writeFile(
        path.join(operator.dir, `tsconfig.${resolution}.json`),
        JSON.stringify({ ...options(["es2023", "dom"], ["node"]), files: ["dapp.ts", "model-owner.ts", "operator.ts", "http.ts"] }),
      );
      const nodeProject = await exec(process.execPath, [TSC, "-p", `tsconfig.${resolution}.json`], { cwd: operator.dir });
      expect(nodeProject.code, nodeProject.stdout + nodeProject.stderr).to.equal(0);
    });
  }

  it("an esbuild browser bundle of the dApp builds with no Node built-ins and no workarounds, at most 150 KB gzipped", async () => {
    const sizes = await bundleForBrowser(dapp.dir, "main.ts", "browser-dist");
    // Built from the installed package (not the repository), with nothing of Node in it.
    expect(sizes.inputs.some((i) => i.startsWith("node_modules/verity-inference/dist/"))).to.equal(true);
    expect(sizes.inputs.filter((i) => i.startsWith("node:") || /^(fs|path|crypto|buffer|assert|events|stream|os)$/.test(i))).to.deep.equal([]);
    // The prover library and Intel's DCAP verifier are lazy chunks, loaded only to verify a ZK job or a TDX quote.
    expect(sizes.lazyChunks).to.be.greaterThan(0);
    expect(sizes.initialGzipBytes).to.be.at.most(150 * 1024);
  });

  describe("the installed CLI", () => {
    let chain: HardhatNode;
    before(async () => {
      chain = await startHardhatNode();
    });
    after(async () => {
      await chain?.stop();
    });

    const verity = (args: string[], env: Record<string, string> = {}) =>
      exec(path.join(operator.dir, "node_modules", ".bin", "verity"), args, {
        cwd: operator.dir,
        // Only what a shell would have: no VERITY_* of the test run, Node 22 first on PATH for the shebang.
        env: { PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`, HOME: process.env.HOME ?? operator.dir, ...env },
      });

    it("answers --help, and its command is the package's compiled JavaScript", async () => {
      const help = await verity(["--help"]);
      expect(help.code, help.stderr).to.equal(0);
      expect(help.stdout).to.contain("deploy").and.contain("operator").and.contain("infer");
      const require = createRequire(path.join(operator.dir, "package.json"));
      const manifest = JSON.parse(readFileSync(require.resolve("verity-inference-node/package.json"), "utf8")) as { bin: Record<string, string> };
      expect(manifest.bin.verity).to.equal("./dist/cli/bin.js");
      expect(existsSync(path.join(operator.dir, "node_modules", "tsx"))).to.equal(false);
    });

    it("deploys Verity to a hardhat node with the bytecode shipped in the contracts package", async () => {
      await writeFile(path.join(operator.dir, "deployer.key"), `${HARDHAT_KEY_0}\n`, { mode: 0o600 });
      const run = await verity(["deploy", "--rpc", chain.url, "--key-file", "deployer.key", "--attestor", HARDHAT_ACCOUNT_0, "--json"]);
      expect(run.code, run.stderr).to.equal(0);
      const out = JSON.parse(run.stdout) as { hub: Address; chainId: number };
      expect(out.chainId).to.equal(31337);
      // The record and the Ignition journal are in the user's project, not in the installed package.
      const record = JSON.parse(await readFile(path.join(operator.dir, "deployments", "31337.json"), "utf8")) as { hub: Address };
      expect(getAddress(record.hub)).to.equal(getAddress(out.hub));
      expect(existsSync(path.join(operator.dir, "deployments", "ignition", "chain-31337", "journal.jsonl"))).to.equal(true);
      const client = createPublicClient({ transport: http(chain.url) });
      const shipped = JSON.parse(
        await readFile(path.join(operator.dir, "node_modules", "verity-inference-contracts", "artifacts", "InferenceHub.json"), "utf8"),
      ) as { deployedBytecode: string };
      const code = await getCode(client, { address: out.hub });
      // Same runtime code as the shipped artifact, up to its immutables (addresses and the EIP-712 domain).
      expect(code!.length).to.equal(shipped.deployedBytecode.length);
      expect(await readContract(client, { address: out.hub, abi: inferenceHubAbi, functionName: "jobCount" })).to.equal(0n);
    });
  });

  it("a Solidity contract importing InferenceConsumer.sol from the installed contracts package compiles", async () => {
    const source = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {InferenceConsumer} from "verity-inference-contracts/contracts/consumer/InferenceConsumer.sol";
import {IInferenceHub} from "verity-inference-contracts/contracts/interfaces/IInferenceHub.sol";

contract IrisOracle is InferenceConsumer {
    bytes public lastOutput;

    constructor(IInferenceHub hub) InferenceConsumer(hub) {}

    function _onInferenceResult(uint256, bytes32, bytes calldata output) internal override {
        lastOutput = output;
    }
}
`;
    // Resolve imports as Hardhat does for npm packages: from the project's node_modules.
    const require = createRequire(path.join(operator.dir, "package.json"));
    const resolveImport = (file: string) => {
      try {
        return { contents: readFileSync(require.resolve(file), "utf8") };
      } catch (err) {
        return { error: `${file}: ${(err as Error).message}` };
      }
    };
    const solc = createRequire(import.meta.url)("solc") as { compile: (input: string, cb: { import: typeof resolveImport }) => string };
    const output = JSON.parse(
      solc.compile(
        JSON.stringify({
          language: "Solidity",
          sources: { "IrisOracle.sol": { content: source } },
          settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun", outputSelection: { "*": { "*": ["evm.bytecode.object"] } } },
        }),
        { import: resolveImport },
      ),
    ) as { errors?: { severity: string; formattedMessage: string }[]; contracts?: Record<string, Record<string, { evm: { bytecode: { object: string } } }>> };
    const errors = (output.errors ?? []).filter((e) => e.severity === "error");
    expect(errors.map((e) => e.formattedMessage)).to.deep.equal([]);
    expect(output.contracts?.["IrisOracle.sol"]?.IrisOracle?.evm.bytecode.object.length).to.be.greaterThan(100);
  });
});
