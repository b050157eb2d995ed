/**
 * The node's hot-path signer (operator/signing.ts): libsecp256k1 through the `secp256k1` package's native binding,
 * giving byte for byte the signatures of viem's own account (RFC 6979, low s, v = 27 + recovery id), which recover
 * to the key's address; a malformed key is refused with OperatorConfigError.
 */
import { expect } from "chai";
import fc from "fast-check";
import { type Hex, bytesToHex, keccak256, recoverAddress, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { OperatorConfigError, signingAccount, signingBackend } from "../../sdk/src/operator/index.js";

describe("signingAccount: native secp256k1 signing with viem's bytes", function () {
  it("signs natively on this machine (the binding loads from the package's prebuilt binaries)", function () {
    expect(signingBackend()).to.equal("libsecp256k1");
    expect(signingAccount(keccak256(toHex("a key"))).backend).to.equal("libsecp256k1");
  });

  it("gives exactly viem's signature for any key and hash, and it recovers to the key's address", async function () {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), async (seed, hashBytes) => {
        const key = keccak256(seed);
        const hash = bytesToHex(hashBytes);
        const fast = signingAccount(key);
        const viemAccount = privateKeyToAccount(key);
        const signature = await fast.sign!({ hash });
        expect(signature).to.equal(await viemAccount.sign({ hash }));
        expect(await recoverAddress({ hash, signature })).to.equal(viemAccount.address);
        expect(fast.address).to.equal(viemAccount.address);
      }),
      { numRuns: 200 },
    );
  });

  it("keeps viem's typed-data signing", async function () {
    const key = keccak256(toHex("typed data key"));
    const typed = {
      domain: { name: "Verity", version: "1", chainId: 31337 },
      types: { Ping: [{ name: "n", type: "uint256" }] },
      primaryType: "Ping" as const,
      message: { n: 7n },
    };
    expect(await signingAccount(key).signTypedData(typed)).to.equal(await privateKeyToAccount(key).signTypedData(typed));
  });

  it("refuses a key that is not 32 bytes of hex (OperatorConfigError)", function () {
    for (const bad of ["0x1234", "not hex", `0x${"zz".repeat(32)}`, `0x${"11".repeat(33)}`, 42 as unknown as Hex]) {
      expect(() => signingAccount(bad as Hex)).to.throw(OperatorConfigError, "a signing key is 32 bytes of hex");
    }
  });
});
