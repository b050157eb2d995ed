/**
 * Finding 10 (callback gas for large outputs): the hub checked the gas left before copying the output into the
 * callback's calldata and before the cold CALL, so for a large output the callee got less than its limit (about
 * 93k of 100k at 160 KB). The check now runs right before the call, the call's own cost included: at the least gas
 * the hub accepts, the callee gets its whole limit, whatever the output's size.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ethers as E } from "ethers";
import { MODEL_FEE, OPERATOR_REWARD, deployWithTeeModel, makeRequest, parseRequested, teeFulfillArgs } from "../helpers/verity.js";

const FEE = MODEL_FEE + OPERATOR_REWARD;
const { ethers, networkHelpers } = await network.create();
const LIMIT = 100_000n;

async function probeFixture() {
  const c = await deployWithTeeModel(ethers);
  const probe = await ethers.deployContract("GasProbeConsumer", [await c.hub.getAddress()]);
  return { ...c, probe };
}

/**
 * A zero int8 tensor of `bytes` bytes in the canonical encoding (format 1, rank 1). Zeros keep the calldata gas
 * floor (EIP-7623) below what execution needs, so the hub's own check is what binds at the least accepted gas.
 */
function int8Output(bytes: number): string {
  const n = bytes - 10;
  const header = new Uint8Array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
  new DataView(header.buffer).setUint32(3, 1, true);
  new DataView(header.buffer).setUint32(6, n, true);
  return E.hexlify(E.concat([header, new Uint8Array(n)]));
}

describe("security: callback gas for large outputs (finding 10)", function () {
  const entryGas: bigint[] = [];
  for (const [label, size] of [
    ["32 B", 32],
    ["16 KB", 16 * 1024],
    ["160 KB", 160 * 1024],
  ] as const) {
    it(`gives the callee its whole limit at the least gas the hub accepts, for a ${label} output`, async function () {
      const c = await networkHelpers.loadFixture(probeFixture);
      const req = await makeRequest(c, { callbackGasLimit: LIMIT });
      const { jobId, job } = parseRequested(c, (await (await c.probe.ask(req, { value: FEE })).wait())!);
      const output = size === 32 ? (await teeFulfillArgs(c, jobId, job))[2].output : int8Output(size);
      const args = await teeFulfillArgs(c, jobId, job, output);
      // The least transaction gas the hub accepts.
      let refused = 21_000n;
      let accepted = 30_000_000n;
      while (accepted - refused > 1n) {
        const mid = (refused + accepted) / 2n;
        try {
          await c.hub.connect(c.operator).fulfill.staticCall(...args, { gasLimit: mid });
          accepted = mid;
        } catch {
          refused = mid;
        }
      }
      // Just below it, the hub refuses: its own check binds, right before the call.
      await expect(c.hub.connect(c.operator).fulfill(...args, { gasLimit: refused })).to.be.revertedWithCustomError(
        c.hub,
        "HubInsufficientGasForCallback",
      );
      await (await c.hub.connect(c.operator).fulfill(...args, { gasLimit: accepted })).wait();
      expect(await c.probe.outputLength()).to.equal(BigInt((output.length - 2) / 2));
      entryGas.push(await c.probe.gasAtEntry());
      // The callee's dispatch (selector, ABI offsets) costs a few hundred gas before its first `gasleft()`.
      expect(entryGas.at(-1)).to.be.greaterThan(LIMIT - 1_000n);
    });
  }

  it("gives the callee the same gas at entry whatever the output's size: the whole limit each time", function () {
    expect(entryGas).to.have.length(3);
    expect(new Set(entryGas).size, `gas at entry: ${entryGas.join(", ")}`).to.equal(1);
  });
});
