import { expect } from "chai";
import { bytesToHex, concat, encodeAbiParameters, hashTypedData, keccak256, sha256, toHex } from "viem";
import {
  AWS_NITRO_ROOT_G1_FINGERPRINT,
  AWS_NITRO_ROOT_G1_PEM,
  DEVELOPMENT_MEASUREMENT,
  DEVELOPMENT_PCRS,
  ENCLAVE_REGISTRY_DOMAIN,
  INTEL_SGX_ROOT_CA_FINGERPRINT,
  TeeType,
  enclaveKeyBindingDigest,
  enclaveKeyBindingTypes,
  evidenceHash,
  intelSgxRootCaDer,
  nitroMeasurement,
  tdxMeasurement,
} from "../../sdk/src/attestation/index.js";
import { pemBlocks } from "../../sdk/src/attestation/internal.js";
import { AWS_ROOT_PEM } from "./helpers.js";

const reg = (byte: number) => toHex(new Uint8Array(48).fill(byte));

describe("attestation constants and formulas", function () {
  it("numbers the TEE types 1 (AWS Nitro) and 2 (Intel TDX)", function () {
    expect(TeeType).to.deep.equal({ AwsNitro: 1, IntelTdx: 2 });
  });

  it("nitroMeasurement = keccak256(0x01 || PCR0 || PCR1 || PCR2), from a record, an array, or bytes", function () {
    const expected = keccak256(concat(["0x01", reg(1), reg(2), reg(3)]));
    expect(nitroMeasurement({ 0: reg(1), 1: reg(2), 2: reg(3), 3: reg(9) })).to.equal(expected);
    expect(nitroMeasurement([reg(1), reg(2), reg(3)])).to.equal(expected);
    expect(
      nitroMeasurement([new Uint8Array(48).fill(1), new Uint8Array(48).fill(2), new Uint8Array(48).fill(3)])
    ).to.equal(expected);
  });

  it("tdxMeasurement = keccak256(0x02 || MRTD || RTMR0 || RTMR1 || RTMR2 || RTMR3)", function () {
    const expected = keccak256(concat(["0x02", reg(1), reg(2), reg(3), reg(4), reg(5)]));
    expect(tdxMeasurement({ mrTd: reg(1), rtMr0: reg(2), rtMr1: reg(3), rtMr2: reg(4), rtMr3: reg(5) })).to.equal(
      expected
    );
  });

  it("refuses registers that are not 48 bytes", function () {
    expect(() => nitroMeasurement([reg(1), reg(2)])).to.throw(/pcrs\[2\]/);
    expect(() => nitroMeasurement([reg(1), reg(2), "0x1234"]))
      .to.throw()
      .with.property("name", "AttestationParameterError");
    expect(() => tdxMeasurement({ mrTd: reg(1), rtMr0: reg(2), rtMr1: reg(3), rtMr2: reg(4), rtMr3: "0x" })).to.throw(
      /rtMr3/
    );
  });

  it("DEVELOPMENT_PCRS are SHA-384 of 'verity development enclave PCR<i>' (recomputed with WebCrypto)", async function () {
    for (const i of [0, 1, 2] as const) {
      const digest = await crypto.subtle.digest(
        "SHA-384",
        new TextEncoder().encode(`verity development enclave PCR${i}`)
      );
      expect(DEVELOPMENT_PCRS[i]).to.equal(bytesToHex(new Uint8Array(digest)));
    }
    expect(DEVELOPMENT_MEASUREMENT).to.equal(nitroMeasurement(DEVELOPMENT_PCRS));
    // The value sdk/src/attestation/README.md (and the contracts) state.
    expect(DEVELOPMENT_MEASUREMENT).to.equal("0x1fe3a9421106b51959cde39fedc2897edffb0decea5a71ca376063272f50c901");
  });

  it("enclaveKeyBindingDigest is the EIP-712 hash of EnclaveKeyBinding(address key,address operator)", function () {
    const params = {
      chainId: 31337,
      enclaveRegistry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      key: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
      operator: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    } as const;
    const digest = enclaveKeyBindingDigest(params);
    expect(digest).to.equal(
      hashTypedData({
        domain: {
          name: "Verity EnclaveRegistry",
          version: "1",
          chainId: 31337,
          verifyingContract: params.enclaveRegistry,
        },
        types: {
          EnclaveKeyBinding: [
            { name: "key", type: "address" },
            { name: "operator", type: "address" },
          ],
        },
        primaryType: "EnclaveKeyBinding",
        message: { key: params.key, operator: params.operator },
      })
    );
    // By hand, as Solidity computes it: keccak256(0x1901 || domainSeparator || structHash).
    const domainTypeHash = keccak256(
      toHex("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    );
    const domainSeparator = keccak256(
      encodeAbiParameters(
        [{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }, { type: "address" }],
        [
          domainTypeHash,
          keccak256(toHex(ENCLAVE_REGISTRY_DOMAIN.name)),
          keccak256(toHex(ENCLAVE_REGISTRY_DOMAIN.version)),
          31337n,
          params.enclaveRegistry,
        ]
      )
    );
    const structHash = keccak256(
      encodeAbiParameters(
        [{ type: "bytes32" }, { type: "address" }, { type: "address" }],
        [keccak256(toHex("EnclaveKeyBinding(address key,address operator)")), params.key, params.operator]
      )
    );
    expect(digest).to.equal(keccak256(concat(["0x1901", domainSeparator, structHash])));
    expect(enclaveKeyBindingTypes.EnclaveKeyBinding.map((f) => f.name)).to.deep.equal(["key", "operator"]);
    expect(enclaveKeyBindingDigest({ ...params, chainId: 1n })).to.not.equal(digest);
  });

  it("pins the AWS Nitro root G1 with its published SHA-256 fingerprint", function () {
    const [der] = pemBlocks(AWS_NITRO_ROOT_G1_PEM);
    expect(sha256(der!)).to.equal(AWS_NITRO_ROOT_G1_FINGERPRINT);
    expect(pemBlocks(AWS_ROOT_PEM)[0]).to.deep.equal(der);
    expect(AWS_NITRO_ROOT_G1_FINGERPRINT).to.equal(
      `0x${"64:1A:03:21:A3:E2:44:EF:E4:56:46:31:95:D6:06:31:7E:D7:CD:CC:3C:17:56:E0:98:93:F3:C6:8F:79:BB:5B"
        .replaceAll(":", "")
        .toLowerCase()}`
    );
  });

  it("documents the fingerprint of Intel's SGX root CA as dcap-qvl pins it", async function () {
    expect(sha256(await intelSgxRootCaDer())).to.equal(INTEL_SGX_ROOT_CA_FINGERPRINT);
  });

  it("evidenceHash is keccak256 of the evidence bytes, and refuses anything else", function () {
    expect(evidenceHash(new Uint8Array([1, 2, 3]))).to.equal(keccak256(new Uint8Array([1, 2, 3])));
    expect(() => evidenceHash("0x010203" as never))
      .to.throw()
      .with.property("name", "AttestationParameterError");
  });
});
