/**
 * The BATCH server's hot-path hashes (operator/batch/hashing.ts, WebAssembly keccak over reused buffers) against
 * the SDK's and OpenZeppelin's own: the input hash, the receipt's EIP-712 digest (also against viem's generic
 * hashTypedData) and leaf, the tree's node hash, and a whole tree built with it against StandardMerkleTree.of.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { standardNodeHash } from "@openzeppelin/merkle-tree/dist/hashes.js";
import { expect } from "chai";
import fc from "fast-check";
import { type Address, type Hex, bytesToHex, getAddress, hashTypedData, keccak256 } from "viem";
import {
  RECEIPT_LEAF_ENCODING,
  type Receipt,
  batchDomain,
  batchDomainSeparator,
  receiptDigest,
  receiptLeaf,
  receiptLeafValues,
  receiptTree,
  receiptTypedData,
} from "../../sdk/src/index.js";
import { createReceiptHasher } from "../../sdk/src/operator/batch/hashing.js";

const SETTLEMENT: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b));
const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(bytesToHex(b)));
const uint = (bits: number) => fc.bigInt({ min: 0n, max: 2n ** BigInt(bits) - 1n });
const receipt: fc.Arbitrary<Receipt> = fc.record({
  requestId: bytes32,
  requester: address,
  operator: address,
  modelId: bytes32,
  version: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  inputHash: bytes32,
  outputHash: bytes32,
  price: uint(256),
  sequence: uint(64),
  time: uint(64),
});

describe("the BATCH server's WebAssembly hashes equal the SDK's", function () {
  it("input hash, receipt digest and leaf, for any receipt and chain", async function () {
    for (const chainId of [1, 31337]) {
      const separator = batchDomainSeparator(chainId, SETTLEMENT);
      const h = await createReceiptHasher(separator);
      fc.assert(
        fc.property(receipt, fc.uint8Array({ maxLength: 600 }), (r, input) => {
          expect(h.hash(bytesToHex(input))).to.equal(keccak256(input));
          expect(h.digest(r)).to.equal(receiptDigest(separator, r));
          expect(h.digest(r)).to.equal(hashTypedData(receiptTypedData(batchDomain(chainId, SETTLEMENT), r)));
          expect(h.leaf(r)).to.equal(receiptLeaf(r));
        }),
        { numRuns: 150 },
      );
    }
  });

  it("node hash, and a tree built with it, as OpenZeppelin's", async function () {
    const h = await createReceiptHasher(batchDomainSeparator(1, SETTLEMENT));
    fc.assert(fc.property(bytes32, bytes32, (a, b) => h.nodeHash(a as Hex, b as Hex) === standardNodeHash(a, b)), { numRuns: 200 });
    fc.assert(
      fc.property(fc.array(receipt, { minLength: 1, maxLength: 30 }), (rs) => {
        const tree = receiptTree(rs, rs.map(h.leaf), h.nodeHash);
        const theirs = StandardMerkleTree.of(rs.map((r) => [...receiptLeafValues(r)]), [...RECEIPT_LEAF_ENCODING]);
        return tree.root === theirs.root && rs.every((_, i) => JSON.stringify(tree.getProof(i)) === JSON.stringify(theirs.getProof(i)));
      }),
      { numRuns: 30 },
    );
  });
});
