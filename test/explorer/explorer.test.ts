/**
 * The explorer (explorer/): its SDK readers, and the built page in Chromium against a hardhat node holding one job
 * of each mode, a forged one and a refunded one (./chain.ts).
 */
import { type ExplorerChain, startExplorerChain } from "./chain.js";
import { browserSuite } from "./browser.js";
import { historySuite } from "./history.js";

describe("explorer", function () {
  this.timeout(600_000);
  let chain: ExplorerChain;
  before(async () => {
    chain = await startExplorerChain();
  });
  after(async () => {
    await chain?.stop();
  });

  describe("SDK readers (getJobHistory, listJobs)", () => historySuite(() => chain));
  describe("the built page in Chromium", () => browserSuite(() => chain));
});
