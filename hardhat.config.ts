import { createRequire } from "node:module";
import { configVariable, defineConfig } from "hardhat/config";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import hardhatViemAssertions from "@nomicfoundation/hardhat-viem-assertions";

// The compiler is the npm `solc` wasm build: nothing is downloaded (see ../shared/TOOLCHAIN.md).
const require = createRequire(import.meta.url);
const solcPath = require.resolve("solc/soljson.js");
const solcVersion: string = require("solc/package.json").version;

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers, hardhatViem, hardhatViemAssertions],
  solidity: {
    compilers: [
      {
        version: solcVersion,
        path: solcPath,
        settings: {
          optimizer: { enabled: true, runs: 10_000 },
          viaIR: false,
          evmVersion: "cancun",
        },
      },
    ],
  },
  paths: {
    tests: { mocha: "test", solidity: "test/invariants" },
  },
  // Solidity invariant campaigns (test/invariants/*.t.sol): 10,000 random sequences of 20 calls each.
  test: { solidity: { invariant: { runs: 10_000, depth: 20 } } },
  networks: {
    hardhatMainnet: { type: "edr-simulated", chainType: "l1" },
    localhost: { type: "http", url: process.env.VERITY_RPC_URL ?? "http://127.0.0.1:8545" },
    // Any chain, by RPC URL and key from the environment (`hardhat run` / `ignition deploy --network verity`).
    // `npx verity deploy` deploys the same Ignition module in-process with the same two variables.
    verity: {
      type: "http",
      url: process.env.VERITY_RPC_URL ?? "http://127.0.0.1:8545",
      accounts: [configVariable("VERITY_PRIVATE_KEY")],
    },
  },
  typechain: { outDir: "types/ethers-contracts" },
});
