import { expect } from "chai";
import fc from "fast-check";
import { keccak256, sha256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  DEVELOPMENT_AUTHORITY,
  DEVELOPMENT_MEASUREMENT,
  DEVELOPMENT_PCRS,
  DEVELOPMENT_ROOT_FINGERPRINT,
  DEVELOPMENT_ROOT_PEM,
  type NitroAuthority,
  createNitroAuthority,
  developmentAuthority,
  enclaveKeyBindingDigest,
  evidenceHash,
  nitroMeasurement,
  parseNitroDocument,
  verifyEvidence,
  verifyNitroDocument,
} from "../../sdk/src/attestation/index.js";
import { pemBlocks } from "../../sdk/src/attestation/internal.js";
import { AttestationError } from "../../sdk/src/errors/index.js";
import { rejects } from "./helpers.js";

const T = new Date("2026-03-01T12:00:00Z");
const LATER = new Date(T.getTime() + 10 * 60_000);
const PCRS = {
  0: keccak256(toHex("image")).padEnd(98, "0") as `0x${string}`,
  1: `0x${"11".repeat(48)}`,
  2: `0x${"22".repeat(48)}`,
} as const;
const enclave = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const operator = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const BINDING = enclaveKeyBindingDigest({
  chainId: 31337,
  enclaveRegistry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  key: enclave.address,
  operator,
});

describe("createNitroAuthority (test authority)", function () {
  let authority: NitroAuthority;
  let document: Uint8Array;
  before(async function () {
    authority = await createNitroAuthority();
    document = await authority.issueDocument({
      pcrs: PCRS,
      userData: BINDING,
      publicKey: enclave.publicKey,
      nonce: "0x0102",
      timestamp: T,
    });
  });

  it("issues a document that verifies with its root and the binding", async function () {
    const evidence = await verifyNitroDocument(document, { now: LATER, roots: [authority.rootPem], binding: BINDING });
    expect(evidence.measurement).to.equal(nitroMeasurement(PCRS));
    expect(evidence.userData).to.equal(BINDING);
    expect(evidence.publicKey).to.equal(enclave.publicKey);
    expect(evidence.nonce).to.equal("0x0102");
    expect(evidence.timestamp.getTime()).to.equal(T.getTime());
    expect(evidence.rootFingerprint).to.equal(authority.rootFingerprint);
    expect(evidence.pcrs[3]).to.equal(`0x${"00".repeat(48)}`);
    expect(evidence.development).to.equal(false);
    expect(evidence.debug).to.equal(false);
  });

  it("gives the leaf certificate AWS's validity: from 1 minute before the document to 3 hours after", async function () {
    const { certificate } = await verifyNitroDocument(document, { now: LATER, roots: [authority.rootPem] });
    expect(certificate.notBefore.getTime()).to.equal(T.getTime() - 60_000);
    expect(certificate.notAfter.getTime()).to.equal(T.getTime() + 3 * 3600_000);
    await rejects(
      verifyNitroDocument(document, { now: new Date(T.getTime() + 3 * 3600_000 + 1000), roots: [authority.rootPem] }),
      "AttestationExpiredError",
      "expired"
    );
  });

  it("issues a real COSE_Sign1 Nitro document: root and intermediate in cabundle, ES384, 16 PCRs", function () {
    const doc = parseNitroDocument(document);
    expect(doc.cabundle).to.have.length(2);
    expect(doc.cabundle[0]).to.deep.equal(pemBlocks(authority.rootPem)[0]);
    expect(doc.pcrs.size).to.equal(16);
    expect(doc.signature).to.have.length(96);
    expect(doc.digest).to.equal("SHA384");
  });

  it("is refused with the AWS root (the default): root error", async function () {
    await rejects(verifyNitroDocument(document, { now: LATER }), "AttestationRootError", "untrusted-root");
  });

  it("is refused by another test authority's root", async function () {
    const other = await createNitroAuthority();
    await rejects(verifyNitroDocument(document, { now: LATER, roots: [other.rootPem] }), "AttestationRootError");
  });

  it("accepts a root among several pinned roots", async function () {
    const other = await createNitroAuthority();
    await verifyNitroDocument(document, { now: LATER, roots: [other.rootPem, authority.rootPem] });
  });

  it("refuses the binding of another operator or chain", async function () {
    const otherOperator = enclaveKeyBindingDigest({
      chainId: 31337,
      enclaveRegistry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      key: enclave.address,
      operator: enclave.address,
    });
    const otherChain = enclaveKeyBindingDigest({
      chainId: 1,
      enclaveRegistry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      key: enclave.address,
      operator,
    });
    for (const binding of [otherOperator, otherChain]) {
      await rejects(
        verifyNitroDocument(document, { now: LATER, roots: [authority.rootPem], binding }),
        "AttestationBindingError"
      );
    }
  });

  it("accepts a document 30 s ahead of the verifier's clock (skew), within the leaf's validity", async function () {
    await verifyNitroDocument(document, { now: new Date(T.getTime() - 30_000), roots: [authority.rootPem] });
  });

  it("refuses a debug-mode document it issues (PCR0..2 zero) unless allowDebug", async function () {
    const zero = `0x${"00".repeat(48)}` as const;
    const debug = await authority.issueDocument({ pcrs: [zero, zero, zero], userData: BINDING, timestamp: T });
    await rejects(verifyNitroDocument(debug, { now: LATER, roots: [authority.rootPem] }), "AttestationDebugError");
    expect(
      (await verifyNitroDocument(debug, { now: LATER, roots: [authority.rootPem], allowDebug: true })).debug
    ).to.equal(true);
  });

  it("refuses the development PCRs even under its own root: measurement error", async function () {
    const dev = await authority.issueDocument({ userData: BINDING, timestamp: T }); // pcrs default to DEVELOPMENT_PCRS
    await rejects(
      verifyNitroDocument(dev, { now: LATER, roots: [authority.rootPem] }),
      "AttestationMeasurementError",
      "development"
    );
  });

  it("checks its parameters", async function () {
    const bad = [
      { pcrs: { 0: PCRS[0], 1: PCRS[1] }, userData: BINDING, timestamp: T },
      { pcrs: { ...PCRS, 0: "0x12" }, userData: BINDING, timestamp: T },
      { pcrs: PCRS, userData: `0x${"00".repeat(513)}`, timestamp: T },
      { pcrs: PCRS, userData: BINDING, timestamp: "yesterday" },
    ];
    for (const parameters of bad) {
      await rejects(authority.issueDocument(parameters as never), "AttestationParameterError");
    }
  });

  it("property: no single flipped byte of a document still verifies", async function () {
    this.timeout(60_000);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: document.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, mask) => {
        const tampered = document.slice();
        tampered[at]! ^= mask;
        try {
          await verifyNitroDocument(tampered, { now: LATER, roots: [authority.rootPem], binding: BINDING });
        } catch (e) {
          return e instanceof AttestationError;
        }
        return false;
      }),
      { numRuns: 150 }
    );
  });
});

describe("developmentAuthority (the published, insecure development root)", function () {
  let document: Uint8Array;
  before(async function () {
    document = await (await developmentAuthority()).issueDocument({ userData: BINDING, timestamp: T });
  });

  it("is refused by default: its root is not pinned (root error)", async function () {
    await rejects(verifyNitroDocument(document, { now: LATER }), "AttestationRootError");
  });

  it("is refused with its root pinned but without allowDevelopment: measurement error", async function () {
    const e = await rejects(
      verifyNitroDocument(document, { now: LATER, roots: [DEVELOPMENT_ROOT_PEM] }),
      "AttestationMeasurementError",
      "development"
    );
    expect(e.message).to.include(DEVELOPMENT_MEASUREMENT);
  });

  it("is accepted with allowDevelopment, flagged development, with DEVELOPMENT_MEASUREMENT", async function () {
    const evidence = await verifyNitroDocument(document, {
      now: LATER,
      roots: [DEVELOPMENT_ROOT_PEM],
      allowDevelopment: true,
      binding: BINDING,
    });
    expect(evidence.development).to.equal(true);
    expect(evidence.measurement).to.equal(DEVELOPMENT_MEASUREMENT);
    expect(evidence.rootFingerprint).to.equal(DEVELOPMENT_ROOT_FINGERPRINT);
    const viaDispatch = await verifyEvidence(1, document, {
      now: LATER,
      roots: [DEVELOPMENT_ROOT_PEM],
      allowDevelopment: true,
    });
    expect(viaDispatch.measurement).to.equal(DEVELOPMENT_MEASUREMENT);
  });

  it("flags any PCRs under the development root as development evidence (anyone can forge them)", async function () {
    const forged = await (await developmentAuthority()).issueDocument({ pcrs: PCRS, userData: BINDING, timestamp: T });
    await rejects(
      verifyNitroDocument(forged, { now: LATER, roots: [DEVELOPMENT_ROOT_PEM] }),
      "AttestationMeasurementError",
      "development"
    );
    const evidence = await verifyNitroDocument(forged, {
      now: LATER,
      roots: [DEVELOPMENT_ROOT_PEM],
      allowDevelopment: true,
    });
    expect(evidence.development).to.equal(true);
  });

  it("publishes a root certificate that matches its private key and fingerprint", async function () {
    const [der] = pemBlocks(DEVELOPMENT_AUTHORITY.rootCertificatePem);
    expect(sha256(der!)).to.equal(DEVELOPMENT_ROOT_FINGERPRINT);
    expect(DEVELOPMENT_PCRS[0]).to.not.equal(DEVELOPMENT_PCRS[1]);
    // Documents signed under the committed key verify under the committed certificate (the before() hook made one).
    expect(evidenceHash(document)).to.equal(keccak256(document));
  });
});
