import { expect } from "chai";
import { Tag, encode } from "cbor2";
import { concat, keccak256 } from "viem";
import {
  AWS_NITRO_ROOT_G1_FINGERPRINT,
  DEVELOPMENT_MEASUREMENT,
  TeeType,
  createNitroAuthority,
  nitroMeasurement,
  parseNitroDocument,
  verifyEvidence,
  verifyNitroDocument,
} from "../../sdk/src/attestation/index.js";
import { AttestationError, AttestationMeasurementError, VerityError } from "../../sdk/src/errors/index.js";
import { AWS_ROOT_PEM, NITRO_DEBUG, NITRO_FIXTURES, flip, indexOf, rejects } from "./helpers.js";

const [OG] = NITRO_FIXTURES as [(typeof NITRO_FIXTURES)[number], ...typeof NITRO_FIXTURES];
const BINDING = `0x${"ab".repeat(32)}` as const;

describe("verifyNitroDocument: real AWS Nitro documents", function () {
  for (const fixture of NITRO_FIXTURES) {
    describe(fixture.name, function () {
      it("verifies with its pinned clock and the AWS root G1", async function () {
        const evidence = await verifyNitroDocument(fixture.document, { now: fixture.now });
        expect(evidence.teeType).to.equal(TeeType.AwsNitro);
        expect(evidence.pcrs[0]!.startsWith(fixture.pcr0Prefix)).to.equal(true);
        expect(evidence.moduleId).to.equal(fixture.moduleId);
        expect(evidence.timestamp.getTime()).to.equal(fixture.timestamp.getTime());
        expect(evidence.digest).to.equal("SHA384");
        expect(evidence.rootFingerprint).to.equal(AWS_NITRO_ROOT_G1_FINGERPRINT);
        expect(evidence.debug).to.equal(false);
        expect(evidence.development).to.equal(false);
        expect(evidence.certificate.subject).to.include(fixture.moduleId);
        expect(
          evidence.certificate.notBefore <= fixture.timestamp && fixture.timestamp <= evidence.certificate.notAfter
        ).to.equal(true);
        expect(evidence.certificate.notAfter.getTime()).to.equal(fixture.leafNotAfter.getTime());
        expect(Object.keys(evidence.pcrs)).to.have.length(16);
      });

      it("computes the measurement as keccak256(0x01 || PCR0 || PCR1 || PCR2)", async function () {
        const evidence = await verifyNitroDocument(fixture.document, { now: fixture.now });
        const { pcrs } = evidence;
        expect(evidence.measurement).to.equal(keccak256(concat(["0x01", pcrs[0]!, pcrs[1]!, pcrs[2]!])));
        expect(evidence.measurement).to.equal(nitroMeasurement(pcrs));
      });

      it("accepts the root passed explicitly as PEM, and via verifyEvidence", async function () {
        const a = await verifyNitroDocument(fixture.document, { now: fixture.now, roots: [AWS_ROOT_PEM] });
        const b = await verifyEvidence(TeeType.AwsNitro, fixture.document, {
          now: BigInt(Math.floor(fixture.now.getTime() / 1000)),
        });
        expect(b).to.deep.equal(a);
      });

      it("accepts its measurement when approved, and refuses it when not", async function () {
        const { measurement } = await verifyNitroDocument(fixture.document, { now: fixture.now });
        await verifyNitroDocument(fixture.document, {
          now: fixture.now,
          approvedMeasurements: [DEVELOPMENT_MEASUREMENT, measurement],
        });
        const e = await rejects<AttestationMeasurementError>(
          verifyNitroDocument(fixture.document, { now: fixture.now, approvedMeasurements: [DEVELOPMENT_MEASUREMENT] }),
          "AttestationMeasurementError",
          "not-approved"
        );
        expect(e.measurement).to.equal(measurement);
        expect(e.message).to.include(measurement);
      });

      it("refuses it after the leaf certificate's notAfter (expired)", async function () {
        const { certificate } = await verifyNitroDocument(fixture.document, { now: fixture.now });
        const late = new Date(certificate.notAfter.getTime() + 1000);
        const e = await rejects(
          verifyNitroDocument(fixture.document, { now: late, maxAgeSeconds: 86_400 }),
          "AttestationExpiredError",
          "expired"
        );
        expect(e.message).to.include("leaf certificate");
      });

      it("refuses it before the leaf certificate's notBefore", async function () {
        const { certificate } = await verifyNitroDocument(fixture.document, { now: fixture.now });
        await rejects(
          verifyNitroDocument(fixture.document, { now: new Date(certificate.notBefore.getTime() - 1000) }),
          "AttestationExpiredError",
          "not-yet-valid"
        );
      });

      it("refuses it when older than maxAgeSeconds", async function () {
        await rejects(
          verifyNitroDocument(fixture.document, { now: fixture.now, maxAgeSeconds: 60 }),
          "AttestationExpiredError",
          "too-old"
        );
      });

      it("refuses a binding: its user_data is not our digest", async function () {
        await rejects(
          verifyNitroDocument(fixture.document, { now: fixture.now, binding: BINDING }),
          "AttestationBindingError",
          "binding"
        );
      });

      it("refuses one flipped byte inside PCR0 (CBOR stays valid): signature error", async function () {
        const pcr0 = parseNitroDocument(fixture.document).pcrs.get(0)!;
        const at = indexOf(fixture.document, pcr0);
        expect(at).to.be.greaterThan(0);
        const tampered = flip(fixture.document, at + 10);
        expect(parseNitroDocument(tampered).pcrs.get(0)).to.not.deep.equal(pcr0);
        await rejects(verifyNitroDocument(tampered, { now: fixture.now }), "AttestationSignatureError", "signature");
      });

      it("refuses one flipped byte of the COSE signature: signature error", async function () {
        await rejects(
          verifyNitroDocument(flip(fixture.document, fixture.document.length - 5), { now: fixture.now }),
          "AttestationSignatureError"
        );
      });

      it("refuses one flipped byte in the leaf certificate's signed part: certificate error", async function () {
        const leaf = parseNitroDocument(fixture.document).certificate;
        const at = indexOf(fixture.document, leaf);
        // Offset 17 of the DER is inside the serial number (30 82 xx xx 30 82 xx xx a0 03 02 01 02 02 10 <serial>).
        await rejects(
          verifyNitroDocument(flip(fixture.document, at + 17), { now: fixture.now }),
          "AttestationCertificateError",
          "certificate"
        );
      });

      it("refuses one flipped byte in an intermediate's signed part: certificate error", async function () {
        const { cabundle } = parseNitroDocument(fixture.document);
        for (const i of [1, cabundle.length - 1]) {
          const at = indexOf(fixture.document, cabundle[i]!);
          await rejects(
            verifyNitroDocument(flip(fixture.document, at + 17), { now: fixture.now }),
            "AttestationCertificateError"
          );
        }
      });

      it("refuses it when the only pinned root is another authority's: root error", async function () {
        const authority = await createNitroAuthority();
        const e = await rejects(
          verifyNitroDocument(fixture.document, { now: fixture.now, roots: [authority.rootPem] }),
          "AttestationRootError",
          "untrusted-root"
        );
        expect(e.message).to.include(AWS_NITRO_ROOT_G1_FINGERPRINT);
      });
    });
  }

  it("gives the og-evm document's public_key, user_data and nonce", async function () {
    const evidence = await verifyNitroDocument(OG.document, { now: OG.now });
    expect(evidence.publicKey).to.equal("0x64756d6d79"); // "dummy"
    expect(evidence.nonce).to.equal("0x0123456789abcdef0123456789abcdef01234567");
    expect(evidence.userData?.startsWith("0x1220")).to.equal(true); // sha256 multihash
  });

  it("leaves out absent optional fields (the evervault document has no user_data)", async function () {
    const fixture = NITRO_FIXTURES[1]!;
    const evidence = await verifyNitroDocument(fixture.document, { now: fixture.now });
    expect(evidence).to.not.have.property("userData");
    expect(evidence).to.not.have.property("publicKey");
    const e = await rejects(
      verifyNitroDocument(fixture.document, { now: fixture.now, binding: BINDING }),
      "AttestationBindingError"
    );
    expect(e.message).to.include("absent");
  });

  it("accepts the document tagged as COSE_Sign1 (tag 18)", async function () {
    const tagged = concat([new Uint8Array([0xd2]), OG.document]);
    const evidence = await verifyNitroDocument(tagged, { now: OG.now });
    expect(evidence.moduleId).to.equal(OG.moduleId);
  });
});

describe("verifyNitroDocument: debug-mode documents", function () {
  it("refuses the real debug-mode document (PCR0..2 all zero)", async function () {
    const e = await rejects(
      verifyNitroDocument(NITRO_DEBUG.document, { now: NITRO_DEBUG.now }),
      "AttestationDebugError",
      "debug"
    );
    expect(e.metaMessages?.join(" ")).to.include("allowDebug");
  });

  it("accepts it with allowDebug, flagged debug, chained to the AWS root", async function () {
    const evidence = await verifyNitroDocument(NITRO_DEBUG.document, { now: NITRO_DEBUG.now, allowDebug: true });
    expect(evidence.debug).to.equal(true);
    expect(evidence.pcrs[0]).to.equal(`0x${"00".repeat(48)}`);
    expect(evidence.rootFingerprint).to.equal(AWS_NITRO_ROOT_G1_FINGERPRINT);
  });
});

describe("verifyNitroDocument: garbage is refused with a format error", function () {
  const now = OG.now;
  const cases: [string, Uint8Array][] = [
    ["empty bytes", new Uint8Array(0)],
    ["random bytes", Uint8Array.from({ length: 200 }, (_, i) => (i * 73 + 41) % 256)],
    ["a CBOR map", encode({ hello: "world" })],
    ["a CBOR array of 3", encode([new Uint8Array(1), new Map(), new Uint8Array(1)])],
    ["an array of 4 of the wrong types", encode([1, 2, 3, 4])],
    ["another CBOR tag", encode(new Tag(17, [new Uint8Array(4), new Map(), new Uint8Array(4), new Uint8Array(96)]))],
    ["a truncated document", OG.document.subarray(0, OG.document.length - 1)],
    ["the document with trailing bytes", concat([OG.document, new Uint8Array([0])])],
    [
      "a payload that is not a map",
      encode([encode(new Map([[1, -35]])), new Map(), encode([1, 2]), new Uint8Array(96)]),
    ],
    [
      "a payload without a certificate",
      encode([
        encode(new Map([[1, -35]])),
        new Map(),
        encode(
          new Map<string, unknown>([
            ["module_id", "m"],
            ["digest", "SHA384"],
            ["timestamp", 1],
            [
              "pcrs",
              new Map([
                [0, new Uint8Array(48)],
                [1, new Uint8Array(48)],
                [2, new Uint8Array(48)],
              ]),
            ],
          ])
        ),
        new Uint8Array(96),
      ]),
    ],
  ];
  for (const [name, bytes] of cases) {
    it(`refuses ${name}`, async function () {
      await rejects(verifyNitroDocument(bytes, { now }), "AttestationFormatError");
    });
  }

  it("refuses a document whose algorithm is not ES384 (unsupported)", async function () {
    const doc = parseNitroDocument(OG.document);
    const es256 = encode([encode(new Map([[1, -7]])), new Map(), doc.payload, doc.signature]);
    await rejects(verifyNitroDocument(es256, { now }), "AttestationFormatError", "unsupported");
  });

  it("refuses a value that is not bytes", async function () {
    await rejects(verifyNitroDocument("0x00" as unknown as Uint8Array, { now }), "AttestationFormatError");
  });

  it("throws AttestationError subclasses that are VerityErrors with a code and advice", async function () {
    const e = await rejects(
      verifyNitroDocument(new Uint8Array([1, 2, 3]), { now }),
      "AttestationFormatError",
      "malformed"
    );
    expect(e).to.be.instanceOf(AttestationError);
    expect(e).to.be.instanceOf(VerityError);
    expect(e.shortMessage).to.match(/^Malformed attestation evidence/);
    expect(e.metaMessages?.length).to.be.greaterThan(0);
  });
});

describe("verifyNitroDocument: options", function () {
  it("requires the clock", async function () {
    await rejects(verifyNitroDocument(OG.document, {} as never), "AttestationParameterError", "invalid-parameter");
    await rejects(verifyNitroDocument(OG.document, { now: new Date("nope") }), "AttestationParameterError");
    await rejects(verifyNitroDocument(OG.document, { now: "2026-02-12" as never }), "AttestationParameterError");
  });

  it("takes the clock as a Date, unix seconds or a bigint", async function () {
    const seconds = OG.now.getTime() / 1000;
    for (const now of [OG.now, seconds, BigInt(seconds)]) {
      expect((await verifyNitroDocument(OG.document, { now })).moduleId).to.equal(OG.moduleId);
    }
  });

  it("checks binding, approvedMeasurements, roots and maxAgeSeconds", async function () {
    const now = OG.now;
    await rejects(verifyNitroDocument(OG.document, { now, binding: "0x1234" }), "AttestationParameterError");
    await rejects(
      verifyNitroDocument(OG.document, { now, approvedMeasurements: ["0x12"] }),
      "AttestationParameterError"
    );
    await rejects(verifyNitroDocument(OG.document, { now, roots: [] }), "AttestationParameterError");
    await rejects(verifyNitroDocument(OG.document, { now, roots: ["not a pem"] }), "AttestationParameterError");
    await rejects(verifyNitroDocument(OG.document, { now, maxAgeSeconds: -1 }), "AttestationParameterError");
  });
});
