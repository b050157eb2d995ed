import { expect } from "chai";
import { type Hex, concat, keccak256, toHex } from "viem";
import {
  type TdxAuthority,
  TeeType,
  createTdxAuthority,
  decodeTdxEvidence,
  encodeTdxEvidence,
  intelSgxRootCaDer,
  tdxMeasurement,
  verifyEvidence,
  verifyTdxEvidence,
} from "../../sdk/src/attestation/index.js";
import { pemBlocks } from "../../sdk/src/attestation/internal.js";
import { TD_REPORT, TD_REPORT_OFFSET, TDX, flip, rejects } from "./helpers.js";

const T = new Date("2026-03-01T12:00:00Z");
const reg = (label: string): Hex => keccak256(toHex(label)).padEnd(98, "0") as Hex;
const REGISTERS = {
  mrTd: reg("mrtd"),
  rtMr0: reg("rtmr0"),
  rtMr1: reg("rtmr1"),
  rtMr2: reg("rtmr2"),
  rtMr3: reg("rtmr3"),
} as const;
const BINDING = keccak256(toHex("an enclave key binding"));
const REPORT_DATA = concat([BINDING, `0x${"00".repeat(32)}`]);
const RT_MR = [REGISTERS.rtMr0, REGISTERS.rtMr1, REGISTERS.rtMr2, REGISTERS.rtMr3] as const;

describe("createTdxAuthority: a test Intel DCAP PKI whose TDX quotes dcap-qvl verifies", function () {
  this.timeout(60_000);
  let authority: TdxAuthority;
  let issued: { quote: Uint8Array; collateral: Record<string, string> };
  before(async function () {
    authority = await createTdxAuthority();
    issued = await authority.issueQuote({ mrTd: REGISTERS.mrTd, rtMr: RT_MR, reportData: REPORT_DATA, timestamp: T });
  });
  const verify = (evidence: Parameters<typeof verifyTdxEvidence>[0] = issued, extra = {}) =>
    verifyTdxEvidence(evidence, { now: T, rootCaDer: authority.rootCaDer, binding: BINDING, ...extra });

  it("issues a quote that verifies with its root and the binding: UpToDate, its registers, not debug", async function () {
    const evidence = await verify();
    expect(evidence.teeType).to.equal(TeeType.IntelTdx);
    expect(evidence.tcbStatus).to.equal("UpToDate");
    expect(evidence.advisoryIds).to.deep.equal([]);
    expect(evidence.debug).to.equal(false);
    expect(evidence.mrTd).to.equal(REGISTERS.mrTd);
    expect(evidence.rtMr).to.deep.equal([...RT_MR]);
    expect(evidence.reportData).to.equal(REPORT_DATA);
    expect(evidence.tdAttributes).to.equal("0x0000001000000000");
    expect(evidence.rootFingerprint).to.equal(authority.rootFingerprint);
    expect(authority.rootPem).to.include("BEGIN CERTIFICATE");
  });

  it("reports the measurement as tdxMeasurement(registers), and accepts it when approved", async function () {
    const measurement = tdxMeasurement(REGISTERS);
    expect((await verify()).measurement).to.equal(measurement);
    await verify(issued, { approvedMeasurements: [measurement] });
    await rejects(verify(issued, { approvedMeasurements: [tdxMeasurement({ ...REGISTERS, rtMr3: reg("x") })] }), "AttestationMeasurementError");
  });

  it("mirrors the real quote's layout: v4 header, TD report 1.0, certification data 6 around a type-5 PCK chain", async function () {
    const { quote } = issued;
    const view = new DataView(quote.buffer, quote.byteOffset, quote.byteLength);
    const real = new DataView(TDX.quote.buffer, TDX.quote.byteOffset, TDX.quote.byteLength);
    expect(view.getUint16(0, true)).to.equal(4);
    expect(view.getUint16(2, true)).to.equal(2);
    expect(view.getUint32(4, true)).to.equal(0x81);
    expect(toHex(quote.slice(12, 28))).to.equal(toHex(TDX.quote.slice(12, 28))); // Intel's QE vendor id
    const authAt = 48 + 584;
    expect(view.getUint32(authAt, true)).to.equal(quote.length - authAt - 4);
    expect(view.getUint16(authAt + 4 + 128, true)).to.equal(real.getUint16(authAt + 4 + 128, true)).and.equal(6);
    const innerAt = authAt + 4 + 128 + 6 + 384 + 64;
    expect(view.getUint16(innerAt, true)).to.equal(32); // QE auth data size
    expect(view.getUint16(innerAt + 2 + 32, true)).to.equal(5); // PCK certificate chain
    expect(toHex(quote.slice(TD_REPORT_OFFSET + TD_REPORT.reportData, TD_REPORT_OFFSET + TD_REPORT.reportData + 64))).to.equal(REPORT_DATA);
    expect(Object.keys(issued.collateral).sort()).to.deep.equal(Object.keys(TDX.collateral).sort());
    const pckChain = new TextDecoder().decode(quote.slice(innerAt + 2 + 32 + 6));
    expect(pemBlocks(pckChain)).to.have.length(3);
    expect(toHex(pemBlocks(pckChain)[2]!)).to.equal(toHex(authority.rootCaDer));
  });

  it("round-trips through the evidence bytes (verity-tdx-evidence/v1) and verifyEvidence", async function () {
    const bytes = encodeTdxEvidence(issued);
    expect(toHex(decodeTdxEvidence(bytes).quote)).to.equal(toHex(issued.quote));
    const a = await verify();
    expect(await verify(bytes)).to.deep.equal(a);
    expect(await verifyEvidence(TeeType.IntelTdx, bytes, { now: T, rootCaDer: authority.rootCaDer, binding: BINDING })).to.deep.equal(a);
  });

  it("fails with the default root (Intel's): the chains end at an untrusted root", async function () {
    await rejects(verifyTdxEvidence(issued, { now: T }), "AttestationRootError");
    await rejects(verifyTdxEvidence(issued, { now: T, rootCaDer: await intelSgxRootCaDer() }), "AttestationRootError");
    const other = await createTdxAuthority();
    await rejects(verifyTdxEvidence(issued, { now: T, rootCaDer: other.rootCaDer }), "AttestationRootError");
  });

  it("fails when a byte of the TD report is tampered with: the quote signature", async function () {
    for (const at of [TD_REPORT.mrTd, TD_REPORT.reportData + 40, 584 - 1]) {
      const quote = flip(issued.quote, TD_REPORT_OFFSET + at);
      await rejects(verify({ quote, collateral: issued.collateral }, { binding: undefined }), "AttestationSignatureError");
    }
  });

  it("refuses another binding, a debug TD, and collateral used outside its window", async function () {
    await rejects(verify(issued, { binding: keccak256(toHex("another")) }), "AttestationBindingError");
    const debug = await authority.issueQuote({
      mrTd: REGISTERS.mrTd,
      rtMr: RT_MR,
      reportData: REPORT_DATA,
      tdAttributes: "0x0100001000000000",
      timestamp: T,
    });
    await rejects(verify(debug), "AttestationDebugError");
    await rejects(verify(issued, { now: new Date(T.getTime() + 40 * 86_400_000) }), "AttestationExpiredError");
    await rejects(verify(issued, { now: new Date(T.getTime() - 2 * 86_400_000) }), "AttestationExpiredError");
  });
});
