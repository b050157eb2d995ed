import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";

const ROOT = join(import.meta.dirname, "..", "..");
const DIR = join(ROOT, "sdk", "src", "attestation");
const SOURCES = [
  ...readdirSync(DIR)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(DIR, f)),
  join(ROOT, "sdk", "src", "errors", "attestation.ts"),
];

describe("sdk/src/attestation stays browser-light", function () {
  it("imports no Node built-in (no fs, no node:crypto) and never requires", function () {
    for (const file of SOURCES) {
      const source = readFileSync(file, "utf8");
      expect(source, file).to.not.match(/from\s+["'](node:|fs|crypto|path|buffer)["'/]/);
      expect(source, file).to.not.match(/\brequire\(/);
    }
  });

  it("loads @phala/dcap-qvl only lazily, from the TDX verifier", function () {
    for (const file of SOURCES) {
      const source = readFileSync(file, "utf8");
      expect(source, file).to.not.match(/from\s+["']@phala\/dcap-qvl["']/);
      if (!file.endsWith("tdx.ts")) expect(source, file).to.not.match(/import\(\s*["']@phala\/dcap-qvl["']\s*\)/);
    }
  });

  it("verifies a Nitro document without loading dcap-qvl (checked in a fresh process)", function () {
    this.timeout(30_000);
    const script = `
      import { createRequire } from "node:module";
      const { createNitroAuthority, verifyNitroDocument } = await import("./sdk/src/attestation/index.ts");
      const authority = await createNitroAuthority();
      const now = new Date();
      const doc = await authority.issueDocument({ pcrs: ["0x${"01".repeat(48)}", "0x${"02".repeat(
      48
    )}", "0x${"03".repeat(48)}"], userData: "0x${"00".repeat(32)}", timestamp: now });
      await verifyNitroDocument(doc, { now, roots: [authority.rootPem] });
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes("dcap-qvl"));
      console.log(JSON.stringify(loaded));
    `;
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(JSON.parse(out.trim().split("\n").pop()!)).to.deep.equal([]);
  });
});
