import { expect } from "chai";
import { concat, keccak256, toHex } from "viem";
import {
  DEVELOPMENT_MEASUREMENT,
  INTEL_SGX_ROOT_CA_FINGERPRINT,
  TDX_EVIDENCE_FORMAT,
  TeeType,
  createNitroAuthority,
  decodeTdxEvidence,
  encodeTdxEvidence,
  evidenceHash,
  intelSgxRootCaDer,
  normalizeTdxCollateral,
  tdxMeasurement,
  verifyEvidence,
  verifyTdxEvidence,
} from "../../sdk/src/attestation/index.js";
import { pemBlocks } from "../../sdk/src/attestation/internal.js";
import { type TdxReportFields, checkTdxPolicy, mapDcapError } from "../../sdk/src/attestation/tdx.js";
import type { AttestationTcbError } from "../../sdk/src/errors/attestation.js";
import { SGX, TDX, TD_REPORT, TD_REPORT_OFFSET, flip, indexOf, rejects } from "./helpers.js";

const { quote, collateral, now } = TDX;
const input = { quote, collateral };
const BINDING = keccak256(toHex("an enclave key binding"));

/** The TD report of the sample quote, read at the documented offsets. */
function sampleReport(): TdxReportFields {
  const at = (offset: number, length: number) =>
    quote.slice(TD_REPORT_OFFSET + offset, TD_REPORT_OFFSET + offset + length);
  return {
    mrTd: at(TD_REPORT.mrTd, 48),
    rtMr0: at(328, 48),
    rtMr1: at(376, 48),
    rtMr2: at(424, 48),
    rtMr3: at(472, 48),
    reportData: at(TD_REPORT.reportData, 64),
    tdAttributes: at(TD_REPORT.tdAttributes, 8),
  };
}

describe("verifyTdxEvidence: the dcap-qvl TDX sample", function () {
  it("verifies at 2025-07-01 with TCB status UpToDate", async function () {
    const evidence = await verifyTdxEvidence(input, { now });
    expect(evidence.teeType).to.equal(TeeType.IntelTdx);
    expect(evidence.tcbStatus).to.equal("UpToDate");
    expect(evidence.advisoryIds).to.deep.equal([]);
    expect(evidence.debug).to.equal(false);
    expect(evidence.mrTd.startsWith("0x91eb2b44d141d4ec")).to.equal(true);
    expect(evidence.rootFingerprint).to.equal(INTEL_SGX_ROOT_CA_FINGERPRINT);
    expect(evidence.reportData).to.have.length(2 + 128);
    expect(evidence.tdAttributes).to.equal("0x0000001000000000"); // SEPT_VE_DISABLE, not DEBUG
  });

  it("computes the measurement as keccak256(0x02 || MRTD || RTMR0..3), from the report's own bytes", async function () {
    const evidence = await verifyTdxEvidence(input, { now });
    const r = sampleReport();
    expect(evidence.mrTd).to.equal(toHex(r.mrTd));
    expect(evidence.rtMr).to.deep.equal([toHex(r.rtMr0), toHex(r.rtMr1), toHex(r.rtMr2), toHex(r.rtMr3)]);
    expect(evidence.measurement).to.equal(keccak256(concat(["0x02", evidence.mrTd, ...evidence.rtMr])));
    expect(evidence.measurement).to.equal(tdxMeasurement(r));
  });

  it("verifies the same from its evidence bytes (verity-tdx-evidence/v1 JSON), by verifyEvidence too", async function () {
    const bytes = encodeTdxEvidence(input);
    const json = JSON.parse(new TextDecoder().decode(bytes)) as { format: string; quote: string; collateral: unknown };
    expect(json.format).to.equal(TDX_EVIDENCE_FORMAT);
    expect(json.quote).to.equal(toHex(quote));
    expect(json.collateral).to.deep.equal(collateral);
    const a = await verifyTdxEvidence(input, { now });
    expect(await verifyTdxEvidence(bytes, { now })).to.deep.equal(a);
    expect(await verifyEvidence(TeeType.IntelTdx, bytes, { now: new Date(now * 1000) })).to.deep.equal(a);
    expect(evidenceHash(bytes)).to.equal(keccak256(bytes));
  });

  it("accepts its measurement when approved, and refuses it when not", async function () {
    const { measurement } = await verifyTdxEvidence(input, { now });
    await verifyTdxEvidence(input, { now, approvedMeasurements: [measurement] });
    const e = await rejects(
      verifyTdxEvidence(input, { now, approvedMeasurements: [DEVELOPMENT_MEASUREMENT] }),
      "AttestationMeasurementError",
      "not-approved"
    );
    expect(e.message).to.include(measurement);
  });

  it("refuses a binding: its report_data is not our digest followed by zeros", async function () {
    const e = await rejects(verifyTdxEvidence(input, { now, binding: BINDING }), "AttestationBindingError", "binding");
    expect(e.message).to.include("report_data");
    expect(e.message).to.include(BINDING.slice(2));
  });

  it("refuses a TCB status not in acceptedTcbStatuses", async function () {
    const e = await rejects<AttestationTcbError>(
      verifyTdxEvidence(input, { now, acceptedTcbStatuses: ["SWHardeningNeeded"] }),
      "AttestationTcbError",
      "tcb-status"
    );
    expect(e.status).to.equal("UpToDate");
  });

  it("refuses one flipped byte in the TD report (MRTD): signature error", async function () {
    const tampered = flip(quote, TD_REPORT_OFFSET + TD_REPORT.mrTd + 5);
    await rejects(
      verifyTdxEvidence({ quote: tampered, collateral }, { now }),
      "AttestationSignatureError",
      "signature"
    );
  });

  it("refuses one flipped byte in report_data: signature error", async function () {
    const tampered = flip(quote, TD_REPORT_OFFSET + TD_REPORT.reportData);
    await rejects(verifyTdxEvidence({ quote: tampered, collateral }, { now }), "AttestationSignatureError");
  });

  it("refuses one flipped byte in the QE report: signature error", async function () {
    // After the header, the TD report, the 4-byte signature length, the quote signature (64), the attestation key
    // (64) and the certification data header (6) comes the QE report.
    const qeReport = TD_REPORT_OFFSET + 584 + 4 + 64 + 64 + 6;
    await rejects(
      verifyTdxEvidence({ quote: flip(quote, qeReport + 20), collateral }, { now }),
      "AttestationSignatureError"
    );
  });

  it("refuses one changed byte in the PCK certificate the quote carries: certificate error", async function () {
    const pem = indexOf(quote, new TextEncoder().encode("-----BEGIN CERTIFICATE-----"));
    const tampered = quote.slice();
    tampered[pem + 300] = tampered[pem + 300] === 0x41 ? 0x42 : 0x41; // a base64 letter inside the signed part
    await rejects(verifyTdxEvidence({ quote: tampered, collateral }, { now }), "AttestationCertificateError");
  });

  it("refuses a tampered TCB info signature, and tampered TCB info: signature error", async function () {
    const sig = collateral.tcb_info_signature!;
    const badSig = { ...collateral, tcb_info_signature: (sig[0] === "0" ? "1" : "0") + sig.slice(1) };
    await rejects(verifyTdxEvidence({ quote, collateral: badSig }, { now }), "AttestationSignatureError");
    const badInfo = {
      ...collateral,
      tcb_info: collateral.tcb_info!.replace('"tcbEvaluationDataNumber":', '"tcbEvaluationDataNumber": '),
    };
    await rejects(verifyTdxEvidence({ quote, collateral: badInfo }, { now }), "AttestationSignatureError");
  });

  it("refuses a tampered QE identity signature: signature error", async function () {
    const sig = collateral.qe_identity_signature!;
    const bad = { ...collateral, qe_identity_signature: (sig[0] === "0" ? "1" : "0") + sig.slice(1) };
    await rejects(verifyTdxEvidence({ quote, collateral: bad }, { now }), "AttestationSignatureError");
  });

  it("refuses a tampered or swapped CRL: certificate error", async function () {
    const crl = collateral.pck_crl!;
    const at = crl.length - 10;
    const tampered = { ...collateral, pck_crl: crl.slice(0, at) + (crl[at] === "0" ? "1" : "0") + crl.slice(at + 1) };
    await rejects(verifyTdxEvidence({ quote, collateral: tampered }, { now }), "AttestationCertificateError");
    const swapped = { ...collateral, pck_crl: collateral.root_ca_crl! };
    await rejects(verifyTdxEvidence({ quote, collateral: swapped }, { now }), "AttestationCertificateError");
  });

  it("refuses it after the collateral expires (2025-07-19): expired", async function () {
    const e = await rejects(
      verifyTdxEvidence(input, { now: Date.UTC(2025, 6, 20) / 1000 }),
      "AttestationExpiredError",
      "expired"
    );
    expect(e.message).to.match(/2025-07-19/);
  });

  it("refuses it before the TCB info is issued (2025-06-19T10:16:03Z): not yet valid", async function () {
    // The PCK CRL is current from 10:00:35: dcap-qvl's own TCB info check is the one that refuses.
    const e = await rejects(
      verifyTdxEvidence(input, { now: new Date("2025-06-19T10:10:00Z") }),
      "AttestationExpiredError",
      "not-yet-valid"
    );
    expect(e.message).to.include("TCB info");
  });

  it("refuses it when the pinned root is another CA: root error", async function () {
    const authority = await createNitroAuthority();
    const [otherRoot] = pemBlocks(authority.rootPem);
    const e = await rejects(
      verifyTdxEvidence(input, { now, rootCaDer: otherRoot! }),
      "AttestationRootError",
      "untrusted-root"
    );
    expect(e.message).to.include(INTEL_SGX_ROOT_CA_FINGERPRINT);
  });

  it("accepts Intel's root passed explicitly", async function () {
    const evidence = await verifyTdxEvidence(input, { now, rootCaDer: await intelSgxRootCaDer() });
    expect(evidence.tcbStatus).to.equal("UpToDate");
  });
});

describe("verifyTdxEvidence: not TDX, and garbage", function () {
  it("refuses the SGX sample as not a TDX quote", async function () {
    const e = await rejects(
      verifyTdxEvidence({ quote: SGX.quote, collateral: SGX.collateral }, { now }),
      "AttestationFormatError",
      "not-tdx"
    );
    expect(e.message).to.include("not a TDX quote");
    expect(e.message).to.include("SGX");
    await rejects(
      verifyEvidence(TeeType.IntelTdx, encodeTdxEvidence({ quote: SGX.quote, collateral: SGX.collateral }), { now }),
      "AttestationFormatError",
      "not-tdx"
    );
  });

  it("refuses a TDX quote passed as a Nitro document, and a Nitro-type dispatch of TDX evidence", async function () {
    await rejects(verifyEvidence(TeeType.AwsNitro, encodeTdxEvidence(input), { now }), "AttestationFormatError");
    await rejects(verifyEvidence(3, quote, { now }), "AttestationFormatError", "unsupported");
  });

  const bad: [string, () => Uint8Array][] = [
    ["empty bytes", () => new Uint8Array(0)],
    ["the raw quote (not the JSON evidence)", () => quote],
    [
      "JSON of another format",
      () => new TextEncoder().encode(JSON.stringify({ format: "other/v1", quote: toHex(quote), collateral })),
    ],
    [
      "JSON without a collateral",
      () => new TextEncoder().encode(JSON.stringify({ format: TDX_EVIDENCE_FORMAT, quote: toHex(quote) })),
    ],
    [
      "JSON with an unknown field",
      () =>
        new TextEncoder().encode(
          JSON.stringify({ format: TDX_EVIDENCE_FORMAT, quote: toHex(quote), collateral, extra: 1 })
        ),
    ],
    ["a truncated quote", () => encodeTdxEvidence({ quote: quote.subarray(0, 700), collateral })],
    ["a quote too short for a header", () => encodeTdxEvidence({ quote: quote.subarray(0, 40), collateral })],
    ["a quote of another version", () => encodeTdxEvidence({ quote: flip(quote, 0, 0x01), collateral })],
  ];
  for (const [name, bytes] of bad) {
    it(`refuses ${name}: format error`, async function () {
      await rejects(verifyTdxEvidence(bytes(), { now }), "AttestationFormatError");
    });
  }

  it("refuses collateral with a missing, unknown or non-hex field", async function () {
    const { tcb_info: _, ...missing } = collateral;
    await rejects(verifyTdxEvidence({ quote, collateral: missing }, { now }), "AttestationFormatError");
    await rejects(
      verifyTdxEvidence({ quote, collateral: { ...collateral, surprise: "x" } }, { now }),
      "AttestationFormatError"
    );
    await rejects(
      verifyTdxEvidence({ quote, collateral: { ...collateral, pck_crl: "zz" } }, { now }),
      "AttestationFormatError"
    );
  });

  it("requires the clock", async function () {
    await rejects(verifyTdxEvidence(input, {} as never), "AttestationParameterError");
  });
});

describe("encodeTdxEvidence / decodeTdxEvidence", function () {
  it("round-trips, and encodes the same collateral to the same bytes whatever its key order or byte form", function () {
    const bytes = encodeTdxEvidence(input);
    const decoded = decodeTdxEvidence(bytes);
    expect(decoded.quote).to.deep.equal(quote);
    expect(decoded.collateral).to.deep.equal(collateral);
    const reordered = Object.fromEntries(Object.entries(collateral).reverse());
    const asArrays = {
      ...reordered,
      pck_crl: Array.from(Buffer.from(collateral.pck_crl!, "hex")),
      root_ca_crl: `0x${collateral.root_ca_crl!.toUpperCase()}`,
    };
    expect(encodeTdxEvidence({ quote: toHex(quote), collateral: asArrays })).to.deep.equal(bytes);
  });

  it("refuses bad input with a parameter error", function () {
    expect(() => encodeTdxEvidence({ quote: "0x", collateral }))
      .to.throw()
      .with.property("name", "AttestationParameterError");
    expect(() => encodeTdxEvidence({ quote, collateral: { ...collateral, tcb_info: 5 } }))
      .to.throw()
      .with.property("name", "AttestationParameterError");
  });
});

describe("checkTdxPolicy (the checks after dcap-qvl)", function () {
  const accepted = {
    acceptedTcbStatuses: ["UpToDate"],
    allowDebug: false,
    approvedMeasurements: undefined,
    binding: undefined,
  };
  const status = { status: "UpToDate", advisoryIds: [] };

  it("refuses a debug TD (TD attribute TUD.DEBUG, byte 0 bit 0) unless allowDebug", function () {
    const report = sampleReport();
    report.tdAttributes[0]! |= 0x01;
    expect(() => checkTdxPolicy(report, status, accepted))
      .to.throw()
      .with.property("name", "AttestationDebugError");
    expect(checkTdxPolicy(report, status, { ...accepted, allowDebug: true }).debug).to.equal(true);
    expect(checkTdxPolicy(sampleReport(), status, accepted).debug).to.equal(false);
  });

  it("accepts report_data = binding || 32 zero bytes, and nothing else", function () {
    const binding = Uint8Array.from(Buffer.from(BINDING.slice(2), "hex"));
    const report = sampleReport();
    report.reportData = new Uint8Array(64);
    report.reportData.set(binding);
    checkTdxPolicy(report, status, { ...accepted, binding });
    report.reportData[40] = 1;
    expect(() => checkTdxPolicy(report, status, { ...accepted, binding }))
      .to.throw()
      .with.property("name", "AttestationBindingError");
  });

  it("names the status and the advisories of a refused TCB level", function () {
    try {
      checkTdxPolicy(sampleReport(), { status: "OutOfDate", advisoryIds: ["INTEL-SA-00837"] }, accepted);
      expect.fail("accepted");
    } catch (e) {
      const error = e as AttestationTcbError;
      expect(error.name).to.equal("AttestationTcbError");
      expect(error.message).to.include("OutOfDate");
      expect(error.message).to.include("INTEL-SA-00837");
    }
  });
});

describe("mapDcapError (dcap-qvl 0.3.9's messages -> our errors)", function () {
  const collateral = normalizeTdxCollateral(TDX.collateral);
  const at = new Date(TDX.now * 1000);
  const table: [string, string, string?][] = [
    ["Failed to decode quote", "AttestationFormatError", "malformed"],
    ["Unsupported DCAP quote version", "AttestationFormatError", "unsupported"],
    ["TDX TEE quote must have version 4 or 5", "AttestationFormatError", "unsupported"],
    ["TCBInfo expired", "AttestationExpiredError", "expired"],
    ["TCBInfo issue date is in the future", "AttestationExpiredError", "not-yet-valid"],
    ["QE Identity expired", "AttestationExpiredError", "expired"],
    ["Certificate is expired or not yet valid", "AttestationExpiredError", "expired"],
    ["Signature is invalid for tcb_info", "AttestationSignatureError"],
    ["Signature is invalid for qe_identity", "AttestationSignatureError"],
    ["Signature is invalid for qe_report in quote", "AttestationSignatureError"],
    ["ISV enclave report signature is invalid", "AttestationSignatureError"],
    ["QE report hash mismatch", "AttestationSignatureError"],
    ["Failed to verify certificate chain - leaf signature invalid", "AttestationCertificateError"],
    ["Failed to verify certificate chain - intermediate signature invalid", "AttestationCertificateError"],
    ["CaUsedAsEndEntity", "AttestationCertificateError"],
    ["Certificate is revoked", "AttestationCertificateError"],
    ["Certificate chain is too short in quote", "AttestationCertificateError"],
    ["TCB status is invalid: Revoked", "AttestationTcbError", "tcb-status"],
    ["No matching TCB level found", "AttestationTcbError", "tcb-status"],
    ["QE ISVSVN 3 is below minimum required 8 from QE Identity", "AttestationTcbError", "tcb-status"],
    ["Fmspc mismatch", "AttestationTcbError", "tcb-mismatch"],
    ["TDX quote with non-TDX TCB info in the collateral", "AttestationTcbError", "tcb-mismatch"],
    ["QE MRSIGNER mismatch: expected AA, got BB", "AttestationTcbError", "tcb-mismatch"],
    ["SEPT_VE_DISABLE is not enabled", "AttestationTcbError", "tcb-status"],
    ["Debug mode is enabled", "AttestationDebugError", "debug"],
    ["something new", "AttestationFormatError", "unverifiable"],
  ];
  for (const [message, name, code] of table) {
    it(`maps "${message}" to ${name}${code ? ` (${code})` : ""}`, function () {
      const e = mapDcapError(new Error(message), collateral, at);
      expect(e.name).to.equal(name);
      if (code) expect(e.code).to.equal(code);
      expect(e.message).to.not.equal("");
    });
  }

  it("keeps the status of an invalid TCB level", function () {
    expect(
      (mapDcapError(new Error("TCB status is invalid: Revoked"), collateral, at) as AttestationTcbError).status
    ).to.equal("Revoked");
  });
});
