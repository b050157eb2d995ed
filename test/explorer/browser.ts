/**
 * The built explorer in Debian's Chromium (playwright-core, headless), served as static files on 127.0.0.1, reading
 * the explorer's chain (./chain.ts) over JSON-RPC: every verdict below is computed by the page, in the browser.
 * Screenshots of each mode's job page go to test-results/explorer/. Registered by explorer.test.ts.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { type Browser, type Page, chromium } from "playwright-core";
import { DEVELOPMENT_MEASUREMENT } from "../../sdk/src/attestation/index.js";
import { groth16VerifierMlpVkeyHash } from "../../sdk/src/bytecode.js";
import { IRIS_IO_SIGNATURE } from "../../sdk/src/model/signatures.js";
import { receiptToJson } from "../../sdk/src/proofs/batch.js";
import { type BuiltExplorer, CHROMIUM, CHROMIUM_ARGS, type StaticServer, buildExplorer, serveStatic } from "../helpers/explorer.js";
import { ROOT } from "../helpers/packages.js";
import type { ExplorerChain } from "./chain.js";
import { jobsOf } from "./history.js";

export const SCREENSHOTS = path.join(ROOT, "test-results", "explorer");
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** The host page of the widget: a transaction row on some explorer, with the job's verdict beside it. */
const hostPage = (src: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>tx 0xabc</title></head><body>
<main><h1>Transaction 0xabc</h1><table><tr><th>status</th><td>success</td><td>
<iframe title="Verity verdict" src="${src}" width="340" height="150" style="border:1px solid #ccc"></iframe></td></tr></table></main></body></html>`;

export function browserSuite(chain: () => ExplorerChain) {
  let built: BuiltExplorer;
  let server: StaticServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const q = () => `rpc=${encodeURIComponent(chain().node.url)}&hub=${chain().hub}`;
  /** Opens a route on `on` and waits until it is shown (a hash change re-renders the same document). */
  const openOn = async (on: Page, route: string) => {
    await on.goto(`${server.url}/index.html#${route}`);
    await on.waitForFunction(`document.body.getAttribute("data-ready") === location.hash`, undefined, { timeout: 60_000 });
  };
  const open = (route: string) => openOn(page, route);
  /** Waits until the page shows the route it navigated to, whose hash contains `part`. */
  const shown = (part: string) =>
    page.waitForFunction(`location.hash.includes(${JSON.stringify(part)}) && document.body.getAttribute("data-ready") === location.hash`, undefined, { timeout: 60_000 });
  const verdict = () => page.locator("[data-verdict]").getAttribute("data-verdict");
  const kinds = () => page.locator("[data-timeline] li").evaluateAll((els) => els.map((e) => e.getAttribute("data-kind")));

  before(async () => {
    built = await buildExplorer();
    const c = chain();
    server = await serveStatic(built.dir, {
      "deployments/31337.json": JSON.stringify({ hub: c.hub, rpc: c.node.url }),
      "tx.html": hostPage(`index.html#/embed/job/${c.jobs.tee}?${q()}`),
      "tx-forged.html": hostPage(`index.html#/embed/job/${c.jobs.forged}?${q()}`),
      // A receipt with its output hash changed after signing: the signature then names another signer.
      "receipt-tampered.json": JSON.stringify({
        receipt: receiptToJson({ ...c.batch.receipts[1]!.receipt, outputHash: `0x${"ab".repeat(32)}` }),
        signature: c.batch.receipts[1]!.signature,
      }),
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on("pageerror", (e) => errors.push(e.message));
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await built?.remove();
  });
  afterEach(() => {
    expect(errors, "uncaught errors in the page").to.deep.equal([]);
  });

  const modes = [
    ["TEE", "tee", ["requested", "fulfilled"], "setosa"],
    ["ZK", "zk", ["requested", "fulfilled"], "versicolor"],
    ["QUORUM", "quorum", ["requested", "fulfilled", "operatorsCredited"], "virginica"],
    ["OPTIMISTIC", "optimistic", ["requested", "committed", "proposed", "stakeLocked", "challenged", "resolved", "slashed", "finalized", "fulfilled"], "virginica"],
  ] as const;
  for (const [label, key, expectedKinds, cls] of modes) {
    it(`shows a${label === "OPTIMISTIC" ? "n" : ""} ${label} job's story, decoded tensors, evidence and a "valid" verdict computed in the browser`, async () => {
      const c = chain();
      await open(`/job/${c.jobs[key]}?${q()}`);
      expect(await verdict()).to.equal("valid");
      expect(await page.locator("[data-check][data-ok=false]").count()).to.equal(0);
      expect(await page.locator("[data-check]").count()).to.be.greaterThan(8);
      const seen = await kinds();
      for (const k of expectedKinds) expect(seen, k).to.include(k);
      expect(await page.locator("[data-status]").textContent()).to.equal("fulfilled");
      // The Iris model's IO signature names the tensors and labels the classes.
      expect(await page.locator("[data-tensors=input] tbody th").first().textContent()).to.equal(IRIS_IO_SIGNATURE.inputs[0]!.name);
      expect(await page.locator("[data-tensors=input] tbody td").first().textContent()).to.equal("int8");
      expect(await page.locator("[data-tensors=output] [data-class]").getAttribute("data-class")).to.match(new RegExp(`^${cls} \\(index \\d\\)$`));
      const evidence = await page.locator("section", { hasText: "Evidence" }).last().textContent();
      if (key === "tee") expect(evidence).to.contain("AWS Nitro").and.contain(DEVELOPMENT_MEASUREMENT).and.contain("vouched for by 2 attestor(s)").and.contain(c.enclave);
      if (key === "zk") expect(evidence).to.contain(groth16VerifierMlpVkeyHash).and.contain("π_a").and.contain("π_c");
      if (key === "quorum") {
        expect(await page.locator("[data-signers] tbody tr").count()).to.equal(3);
        for (const v of c.voters) expect(evidence).to.contain(v);
      }
      if (key === "optimistic") expect(evidence).to.contain("overturned").and.contain(c.challenger).and.contain("final (overturned)");
      await page.screenshot({ path: path.join(SCREENSHOTS, `${key}.png`), fullPage: true });
      // The first screen (verdict and checks), as the README shows it (docs/explorer-tee.png).
      await page.screenshot({ path: path.join(SCREENSHOTS, `${key}-top.png`) });
    });
  }

  it('shows a forged TEE job (a key whose evidence binds another key) as "invalid", with the reason', async () => {
    const c = chain();
    await open(`/job/${c.jobs.forged}?${q()}`);
    expect(await verdict()).to.equal("invalid");
    expect(await page.locator("[data-check=evidence]").getAttribute("data-ok")).to.equal("false");
    expect(await page.locator("[data-reason]").textContent()).to.match(/^evidence: the evidence at data:.* does not verify: Attestation evidence does not bind the expected key/);
    // The chain accepted it: the job is fulfilled, signed by the rogue key.
    expect(await page.locator("[data-status]").textContent()).to.equal("fulfilled");
    expect(await page.locator("section", { hasText: "Evidence" }).last().textContent()).to.contain(c.rogueKey);
    await page.screenshot({ path: path.join(SCREENSHOTS, "forged.png"), fullPage: true });
  });

  it("shows a BATCH receipt from the operator's server as \"valid\": every check, its settled batch and inclusion proof; a tampered one \"invalid\"", async () => {
    const c = chain();
    const { receipt, signature } = c.batch.receipts[1]!;
    await open(`/receipt?${q()}&src=${encodeURIComponent(`${c.batch.url}/v1/receipts/2`)}`);
    expect(await verdict()).to.equal("valid");
    const checks = await page.locator("[data-check]").evaluateAll((els) => els.map((e) => [e.getAttribute("data-check"), e.getAttribute("data-ok")]));
    expect(checks).to.deep.equal(["chain", "signature", "signer", "slashed", "settled", "document", "inclusion", "onchain"].map((n) => [n, "true"]));
    const batch = (await page.locator("[data-slot=batch]").textContent())!;
    expect(batch).to.contain("1..3 (3)").and.contain(`${c.enclave} (the receipt's signer)`).and.contain(`${c.batch.url}/v1/batches/1`);
    // Three leaves: a proof of one or two hashes (the leaves are sorted by hash), as many as the inclusion check used.
    const hashes = await page.locator("[data-proof] li").count();
    expect(hashes).to.be.oneOf([1, 2]);
    expect(await page.locator("[data-check=inclusion]").textContent()).to.contain(`proof of ${hashes} hash(es)`);
    const shown = (await page.locator("main").textContent())!;
    expect(shown).to.contain(receipt.outputHash).and.contain(signature).and.contain(receipt.requestId);
    await page.screenshot({ path: path.join(SCREENSHOTS, "batch.png"), fullPage: true });

    await open(`/receipt?${q()}&src=receipt-tampered.json`);
    expect(await verdict()).to.equal("invalid");
    expect(await page.locator("[data-check=signer]").getAttribute("data-ok")).to.equal("false");
    expect(await page.locator("[data-reason]").textContent()).to.match(/^signer: 0x[0-9a-fA-F]{40} is neither the operator .* nor a key registered to it$/);
    await open(`/receipt?${q()}&src=${encodeURIComponent("http://127.0.0.1:9/v1/receipts/1")}`);
    expect(await page.locator("[role=alert]").first().textContent()).to.contain("Cannot fetch the receipt at http://127.0.0.1:9/v1/receipts/1");
    await open(`/receipt?${q()}`);
    expect(await page.locator("[role=alert]").first().textContent()).to.contain("Give the receipt's address");
  });

  it("tells a consumer's callback: delivered, or failed with its revert data while the result stands", async () => {
    const c = chain();
    await open(`/job/${c.jobs.callbackDelivered}?${q()}`);
    expect(await verdict()).to.equal("valid");
    expect(await page.locator("main").textContent()).to.contain("(200000 gas): delivered");
    await open(`/job/${c.jobs.callbackFailed}?${q()}`);
    expect(await verdict()).to.equal("valid");
    expect(await kinds()).to.deep.equal(["requested", "fulfilled", "callbackFailed"]);
    expect(await page.locator("[data-timeline] [data-kind=callbackFailed]").textContent()).to.match(/the callback to 0x[0-9a-fA-F]{40} failed \(revert data 0x[0-9a-f]+\); the result stands/);
    expect(await page.locator("main").textContent()).to.contain("(200000 gas): failed");
  });

  it("lists recent jobs newest first, filters them with the form, and pages through them by block", async () => {
    const c = chain();
    const ids = () => page.locator("[data-jobs] tbody tr").evaluateAll((els) => els.map((e) => e.getAttribute("data-job")));
    const all = jobsOf(c).map(String);
    await open(`/jobs?${q()}`);
    expect(await ids()).to.deep.equal(all);
    await page.selectOption("#f-mode", "tee");
    await page.click("[data-filters] button");
    await shown("mode=tee");
    expect(await ids()).to.deep.equal(jobsOf(c, "tee").map(String));
    await open(`/jobs?${q()}&status=refunded`);
    expect(await ids()).to.deep.equal([String(c.jobs.refunded)]);
    await open(`/jobs?${q()}&operator=${c.operator}`);
    expect(await ids()).to.deep.equal(jobsOf(c).filter((id) => ![c.jobs.quorum, c.jobs.optimistic, c.jobs.refunded].includes(id)).map(String));
    await open(`/jobs?${q()}&requester=${c.requester}&model=${c.modelId}&mode=quorum`);
    expect(await ids()).to.deep.equal([String(c.jobs.quorum)]);
    // Pages of 2 jobs: "Older jobs" walks back through every job once.
    await open(`/jobs?${q()}&limit=2`);
    const seen = [...(await ids())];
    for (let i = 0; i < 10 && (await page.locator("[data-older]").count()) > 0; i++) {
      const next = (await page.locator("[data-older]").getAttribute("href"))!;
      await page.click("[data-older]");
      await shown(next.slice(next.indexOf("to=")));
      seen.push(...(await ids()));
    }
    expect(seen).to.deep.equal(all);
  });

  it("shows a model's versions (IO signature, fee, modes, allowed measurements) and an operator's stake, locks, keys and slashes", async () => {
    const c = chain();
    await open(`/model/${c.modelId}?${q()}`);
    const model = (await page.locator("main").textContent())!;
    expect(model).to.contain("iris-mlp").and.contain("TEE, ZK, QUORUM, OPTIMISTIC").and.contain("0.001 ETH").and.contain(DEVELOPMENT_MEASUREMENT);
    expect(await page.locator("[data-io-signature]").textContent()).to.contain("int8").and.contain("int32");
    await open(`/operator/${c.operator}?${q()}`);
    expect(await page.locator("[data-keys] li").count()).to.equal(2);
    expect(await page.locator("[data-keys]").textContent()).to.contain(c.enclave).and.contain(c.rogueKey);
    await open(`/operator/${c.dishonest}?${q()}`);
    expect(await page.locator("[data-slashes]").textContent()).to.contain(`job ${c.jobs.optimistic}: 0.25 slashed`).and.contain("0.25 burned");
    expect(await page.locator("[data-locks]").textContent()).to.contain(`job ${c.jobs.optimistic}`).and.contain("(slashed)");
  });

  it("embeds one job's verdict beside a transaction (iframe widget), valid or invalid", async () => {
    await page.goto(`${server.url}/tx.html`);
    const frame = page.frameLocator("iframe");
    await frame.locator("[data-verdict]").waitFor({ timeout: 60_000 });
    expect(await frame.locator("[data-verdict]").getAttribute("data-verdict")).to.equal("valid");
    expect(await frame.locator("a", { hasText: "Full audit" }).getAttribute("href")).to.contain(`#/job/${chain().jobs.tee}?`);
    await page.screenshot({ path: path.join(SCREENSHOTS, "widget.png") });
    await page.goto(`${server.url}/tx-forged.html`);
    await page.frameLocator("iframe").locator("[data-verdict]").waitFor({ timeout: 60_000 });
    expect(await page.frameLocator("iframe").locator("[data-verdict]").getAttribute("data-verdict")).to.equal("invalid");
    expect(await page.frameLocator("iframe").locator("[data-reason]").textContent()).to.match(/^evidence: /);
  });

  it("finds the hub of a chain with a known deployment (deployments/<id>.json beside the page)", async () => {
    await open("/jobs?chain=31337");
    expect(await page.locator("[data-jobs] tbody tr").count()).to.equal(jobsOf(chain()).length);
  });

  it("says clearly what is wrong with a bad RPC URL, a wrong hub, an unknown or malformed job id", async () => {
    const c = chain();
    const alert = async (route: string) => {
      await open(route);
      return (await page.locator("[role=alert]").first().textContent())!;
    };
    expect(await alert(`/job/1?rpc=${encodeURIComponent("http://127.0.0.1:9")}&hub=${c.hub}`)).to.contain("Cannot reach an Ethereum node at http://127.0.0.1:9");
    expect(await alert(`/job/1?rpc=not-a-url&hub=${c.hub}`)).to.contain('The RPC URL "not-a-url" is not an http(s) URL');
    expect(await alert(`/job/1?rpc=${encodeURIComponent(c.node.url)}&hub=${c.requester}`)).to.contain(`There is no contract at ${c.requester} on chain 31337`);
    expect(await alert(`/job/1?rpc=${encodeURIComponent(c.node.url)}&hub=${c.deployment.operatorRegistry}`)).to.contain("is not a Verity hub");
    expect(await alert(`/job/1?rpc=${encodeURIComponent(c.node.url)}&hub=0x1234`)).to.contain('The hub address "0x1234" is not an address');
    expect(await alert(`/job/999?${q()}`)).to.match(/999/).and.match(/not found|no job|does not exist/i);
    expect(await alert(`/job/abc?${q()}`)).to.contain('"abc" is not a job id');
    expect(await alert(`/jobs?${q()}&mode=fast`)).to.contain('mode "fast" is not one of');
    expect(await alert("/job/1")).to.contain("Connect first");
  });

  it("is usable at phone width (375 px) with the keyboard alone, and axe finds no accessibility violation", async () => {
    const c = chain();
    const phone = await browser.newPage({ viewport: { width: 375, height: 800 } });
    phone.on("pageerror", (e) => errors.push(e.message));
    try {
      // Keyboard: the skip link comes first; the connect form is reached and sent with Tab, typing and Enter.
      await openOn(phone, "/");
      await phone.keyboard.press("Tab");
      expect(await phone.evaluate("document.activeElement.textContent")).to.equal("Skip to content");
      for (let i = 0; i < 10 && (await phone.evaluate("document.activeElement.id")) !== "c-rpc"; i++) await phone.keyboard.press("Tab");
      expect(await phone.evaluate("document.activeElement.id")).to.equal("c-rpc");
      await phone.keyboard.press("Control+A");
      await phone.keyboard.type(c.node.url);
      await phone.keyboard.press("Tab");
      await phone.keyboard.type(c.hub);
      await phone.keyboard.press("Tab");
      await phone.keyboard.press("Tab");
      await phone.keyboard.type(String(c.jobs.tee));
      await phone.keyboard.press("Enter");
      await phone.waitForFunction(`location.hash.startsWith("#/job/") && document.body.getAttribute("data-ready") === location.hash`, undefined, { timeout: 60_000 });
      expect(await phone.locator("[data-verdict]").getAttribute("data-verdict")).to.equal("valid");
      // Nothing wider than the phone: long hashes wrap, tables scroll inside their own box.
      expect(await phone.evaluate("document.documentElement.scrollWidth")).to.be.at.most(375);
      await phone.screenshot({ path: path.join(SCREENSHOTS, "tee-phone.png"), fullPage: true });
      for (const route of [`/job/${c.jobs.tee}?${q()}`, `/job/${c.jobs.forged}?${q()}`, `/jobs?${q()}`, `/model/${c.modelId}?${q()}`, `/operator/${c.dishonest}?${q()}`, "/"]) {
        await openOn(phone, route);
        expect(await phone.evaluate("document.documentElement.scrollWidth"), route).to.be.at.most(375);
        await phone.addScriptTag({ content: AXE });
        const violations = (await phone.evaluate(
          `axe.run(document, { runOnly: ["wcag2a", "wcag2aa"] }).then((r) => r.violations.map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", ")))`,
        )) as string[];
        expect(violations, route).to.deep.equal([]);
      }
    } finally {
      await phone.close();
    }
  });
}
