/**
 * The operator node's evidence sources (sdk/src/operator/attestation), without a TEE: development evidence only when
 * allowed, a Nitro attestation command (a stand-in that prints a document), Intel TDX through configfs-tsm (a stand-in
 * file system that answers like the kernel, with a real DCAP quote fixture), detection that refuses outside an
 * enclave, and `readUri` for evidence URIs.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { bytesToHex, hexToBytes, keccak256, toHex } from "viem";
import {
  DEVELOPMENT_MEASUREMENT,
  DEVELOPMENT_ROOT_PEM,
  TeeType,
  decodeTdxEvidence,
  developmentAuthority,
  verifyNitroDocument,
} from "../../sdk/src/attestation/index.js";
import {
  CommandSource,
  DevelopmentSource,
  EvidenceSourceError,
  TdxConfigfsSource,
  type TsmFileSystem,
  detectEvidenceSource,
  readUri,
} from "../../sdk/src/operator/index.js";
import { PACKAGE_ROOT } from "../../sdk/src/cli/context.js";
import { tempDir } from "./helpers.js";

const FIXTURES = path.join(PACKAGE_ROOT, "test", "fixtures", "attestation");
const binding = keccak256(toHex("a key binding digest"));
const reportData = hexToBytes(binding);

async function refusal(f: () => unknown): Promise<EvidenceSourceError> {
  try {
    await f();
  } catch (e) {
    expect(e).to.be.instanceOf(EvidenceSourceError);
    return e as EvidenceSourceError;
  }
  throw new Error("expected an EvidenceSourceError");
}

describe("operator evidence sources", function () {
  this.timeout(30_000);
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir("verity-sources-");
  });
  after(async () => {
    await tmp?.remove();
  });

  describe("DevelopmentSource", () => {
    it("refuses to exist without an explicit allowDevelopment: true", async () => {
      for (const options of [{ allowDevelopment: false }, {} as { allowDevelopment: boolean }]) {
        const e = await refusal(() => new DevelopmentSource(options));
        expect(e.shortMessage).to.contain("development evidence is not allowed: DevelopmentSource needs `allowDevelopment: true`");
        expect(e.metaMessages?.join("\n")).to.contain("anyone can forge it").and.contain("production policy refuses it");
      }
    });

    it("makes Nitro-format evidence binding the report data, which only a development policy accepts", async () => {
      const at = new Date("2026-06-01T00:00:00Z");
      const source = new DevelopmentSource({ allowDevelopment: true, clock: () => at });
      expect(source.teeType).to.equal(TeeType.AwsNitro);
      expect(source.development).to.equal(true);
      const doc = await source.gather({ reportData });
      const verified = await verifyNitroDocument(doc, { now: at, roots: [DEVELOPMENT_ROOT_PEM], allowDevelopment: true, binding });
      expect(verified.measurement).to.equal(DEVELOPMENT_MEASUREMENT);
      expect(verified.development).to.equal(true);
      let refused: unknown;
      await verifyNitroDocument(doc, { now: at, roots: [DEVELOPMENT_ROOT_PEM], binding }).catch((e: unknown) => (refused = e));
      expect((refused as Error).name).to.equal("AttestationMeasurementError");
      const short = await refusal(() => source.gather({ reportData: reportData.subarray(0, 20) }));
      expect(short.shortMessage).to.contain("the report data must be the 32-byte key binding digest, got 20 bytes");
    });
  });

  describe("CommandSource (AWS Nitro: a helper that talks to /dev/nsm)", () => {
    let documentFile: string;
    const at = new Date();
    before(async () => {
      const doc = await (await developmentAuthority()).issueDocument({ userData: binding, timestamp: at });
      documentFile = path.join(tmp.dir, "document.cbor");
      await writeFile(documentFile, doc);
      await writeFile(path.join(tmp.dir, "document.b64"), Buffer.from(doc).toString("base64"));
    });
    /** A stand-in helper: prints a file, after checking it was given the user data (argument and environment). */
    const helper = (file: string) => [
      process.execPath,
      "-e",
      `if (process.argv[1] !== process.env.VERITY_USER_DATA) process.exit(9); process.stdout.write(require("fs").readFileSync(${JSON.stringify(file)}))`,
      "{userData}",
    ];

    it("runs the command with the user data in hex and returns the document it prints (raw or base64)", async () => {
      for (const file of [documentFile, path.join(tmp.dir, "document.b64")]) {
        const source = new CommandSource({ command: helper(file) });
        expect(source.describe()).to.contain("AWS Nitro (NSM) evidence from");
        const doc = await source.gather({ reportData });
        const verified = await verifyNitroDocument(doc, { now: at, roots: [DEVELOPMENT_ROOT_PEM], allowDevelopment: true, binding });
        expect(verified.userData).to.equal(binding);
      }
    });

    it("refuses a document that does not carry the report data, output that is no document, and a failing command", async () => {
      const other = keccak256(toHex("another binding"));
      const wrong = await refusal(() => new CommandSource({ command: helper(documentFile) }).gather({ reportData: hexToBytes(other) }));
      expect(wrong.shortMessage).to.contain(`whose user_data is ${binding}, not the report data ${other}`);
      const text = path.join(tmp.dir, "not-a-document.txt");
      await writeFile(text, "hello, I am not CBOR");
      const garbage = await refusal(() => new CommandSource({ command: helper(text) }).gather({ reportData }));
      expect(garbage.shortMessage).to.contain("is not a Nitro attestation document");
      const failing = await refusal(() => new CommandSource({ command: [process.execPath, "-e", "process.stderr.write('no NSM device'); process.exit(3)"] }).gather({ reportData }));
      expect(failing.shortMessage).to.contain("failed: it exited with 3: no NSM device");
      const missing = await refusal(() => new CommandSource({ command: ["/nonexistent/nsm-cli", "{userData}"] }).gather({ reportData }));
      expect(missing.shortMessage).to.contain("/nonexistent/nsm-cli was not found");
      const empty = await refusal(() => new CommandSource({ command: [] }));
      expect(empty.shortMessage).to.contain("the attestation command is empty");
    });
  });

  describe("TdxConfigfsSource (Intel TDX through configfs-tsm)", () => {
    const fixtureQuote = new Uint8Array(readFileSync(path.join(FIXTURES, "dcap-tdx_quote")));
    const collateralFile = path.join(FIXTURES, "dcap-tdx_quote_collateral.json");

    /** A stand-in for the kernel's configfs-tsm: a report entry answers `outblob` with a quote of what `inblob` got. */
    function fakeTsm({ provider = "tdx_guest", generation = "1" } = {}) {
      const entries = new Map<string, { inblob?: Uint8Array }>();
      const ops: string[] = [];
      const fs: TsmFileSystem = {
        async mkdir(dir) {
          ops.push(`mkdir ${path.basename(dir)}`);
          entries.set(dir, {});
        },
        async rmdir(dir) {
          ops.push(`rmdir ${path.basename(dir)}`);
          entries.delete(dir);
        },
        async writeFile(file, data) {
          ops.push(`write ${path.basename(file)}`);
          entries.get(path.dirname(file))!.inblob = new Uint8Array(data);
        },
        async readFile(file) {
          const name = path.basename(file);
          if (!file.startsWith("/tsm/")) return new Uint8Array(readFileSync(file));
          ops.push(`read ${name}`);
          const entry = entries.get(path.dirname(file))!;
          if (name === "provider") return new TextEncoder().encode(`${provider}\n`);
          if (name === "generation") return new TextEncoder().encode(`${generation}\n`);
          const quote = new Uint8Array(fixtureQuote);
          quote.set(entry.inblob!, 568);
          return quote;
        },
      };
      return { fs, ops };
    }

    it("writes the report data then 32 zero bytes to inblob, reads the quote, and returns verity-tdx-evidence/v1 with the collateral", async () => {
      const { fs, ops } = fakeTsm();
      const source = new TdxConfigfsSource({ collateral: collateralFile, tsmDir: "/tsm", fs });
      expect(source.teeType).to.equal(TeeType.IntelTdx);
      const evidence = await source.gather({ reportData });
      const { quote, collateral } = decodeTdxEvidence(evidence);
      expect(bytesToHex(quote.subarray(568, 632))).to.equal(`${binding}${"00".repeat(32)}`);
      expect(collateral.tcb_info).to.equal(JSON.parse(readFileSync(collateralFile, "utf8")).tcb_info);
      expect(ops.map((o) => o.split(" ")[0]!)).to.deep.equal(["mkdir", "read", "write", "read", "read", "rmdir"]);
      expect(ops[2]).to.equal("write inblob");
    });

    it("refuses another provider, a raced report, and a missing or malformed collateral", async () => {
      const sgx = await refusal(() => new TdxConfigfsSource({ collateral: collateralFile, tsmDir: "/tsm", fs: fakeTsm({ provider: "sev_guest" }).fs }).gather({ reportData }));
      expect(sgx.shortMessage).to.contain('the configfs-tsm provider is "sev_guest", not "tdx_guest"');
      const raced = await refusal(() => new TdxConfigfsSource({ collateral: collateralFile, tsmDir: "/tsm", fs: fakeTsm({ generation: "2" }).fs }).gather({ reportData }));
      expect(raced.shortMessage).to.contain("another writer changed the configfs-tsm report");
      const none = await refusal(() => new TdxConfigfsSource({ collateral: "" }));
      expect(none.shortMessage).to.contain("TDX evidence needs the quote's DCAP collateral");
      const bad = path.join(tmp.dir, "collateral.json");
      await writeFile(bad, JSON.stringify({ tcb_info: "x" }));
      const malformed = await refusal(() => new TdxConfigfsSource({ collateral: bad, tsmDir: "/tsm", fs: fakeTsm().fs }).gather({ reportData }));
      expect(malformed.shortMessage).to.contain("the TDX collateral is not DCAP collateral");
    });
  });

  describe("detectEvidenceSource", () => {
    it("refuses outside an enclave, and says to pass the development flag for local testing", async () => {
      const paths = { nsm: path.join(tmp.dir, "no-nsm"), tsm: path.join(tmp.dir, "no-tsm") };
      const e = await refusal(() => detectEvidenceSource({ paths }));
      expect(e.shortMessage).to.contain("not inside an enclave").and.contain("there is no attestation evidence to gather");
      expect(e.metaMessages!.join("\n")).to.contain("for local testing pass --dev (allowDevelopment: true)");
      expect(detectEvidenceSource({ paths, allowDevelopment: true })).to.be.instanceOf(DevelopmentSource);
      const tdxDev = await refusal(() => detectEvidenceSource({ paths, allowDevelopment: true, tee: "tdx" }));
      expect(tdxDev.shortMessage).to.contain("development evidence is in the AWS Nitro format only");
    });

    it("finds a Nitro enclave by its NSM device and a TDX guest by configfs-tsm, and asks for what each needs", async () => {
      const nsm = path.join(tmp.dir, "nsm");
      const tsm = path.join(tmp.dir, "tsm");
      await writeFile(nsm, "");
      await mkdir(tsm, { recursive: true });
      const noCommand = await refusal(() => detectEvidenceSource({ paths: { nsm, tsm: path.join(tmp.dir, "no-tsm") } }));
      expect(noCommand.shortMessage).to.contain(`this is an AWS Nitro enclave (${nsm}), but no attestation command is configured`);
      expect(detectEvidenceSource({ paths: { nsm }, nitroCommand: ["nsm-cli", "{userData}"] })).to.be.instanceOf(CommandSource);
      const noCollateral = await refusal(() => detectEvidenceSource({ paths: { nsm, tsm }, tee: "tdx" }));
      expect(noCollateral.shortMessage).to.contain(`this is an Intel TDX guest (${tsm}), but no DCAP collateral is given`);
      expect(detectEvidenceSource({ paths: { nsm, tsm }, tee: "tdx", tdxCollateral: "c.json" })).to.be.instanceOf(TdxConfigfsSource);
    });
  });

  it("readUri reads file: (relative or absolute), data: URIs for verifyJob's fetchEvidence", async () => {
    const file = path.join(tmp.dir, "evidence.bin");
    const bytes = new Uint8Array([1, 2, 3, 250]);
    await writeFile(file, bytes);
    expect(await readUri(pathToFileURL(file).href)).to.deep.equal(bytes);
    expect(await readUri("file:evidence.bin", { baseDir: tmp.dir })).to.deep.equal(bytes);
    expect(await readUri(`data:application/octet-stream;base64,${Buffer.from(bytes).toString("base64")}`)).to.deep.equal(bytes);
    let missing: unknown;
    await readUri("file:/nonexistent/evidence.bin").catch((e: unknown) => (missing = e));
    expect((missing as Error & { shortMessage: string }).shortMessage).to.contain("Could not fetch file:/nonexistent/evidence.bin");
  });
});
