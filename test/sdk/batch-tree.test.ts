/**
 * The SDK's batch tree (proofs/batch.ts `receiptTree`) against OpenZeppelin's `StandardMerkleTree.of` itself: the
 * same root and the same proof for every receipt, at sizes that exercise odd and even levels, so a receipt proven
 * with the SDK's fast tree verifies wherever a StandardMerkleTree proof does (BatchSettlement.verifyReceipt).
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import fc from "fast-check";
import { type Address, type Hex, keccak256, toHex } from "viem";
import {
  BatchDocumentError,
  RECEIPT_LEAF_ENCODING,
  type Receipt,
  receiptLeaf,
  receiptLeafValues,
  receiptTree,
} from "../../sdk/src/index.js";

const REQUESTER: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const OPERATOR: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

function receipts(n: number, salt = 0): Receipt[] {
  return Array.from({ length: n }, (_, i) => ({
    requestId: keccak256(toHex(`request ${salt} ${i}`)),
    requester: REQUESTER,
    operator: OPERATOR,
    modelId: keccak256(toHex("model")),
    version: 1 + (i % 3),
    inputHash: keccak256(toHex(`input ${i}`)),
    outputHash: keccak256(toHex(`output ${i % 4}`)),
    price: BigInt(i) * 10n ** 12n,
    sequence: BigInt(1 + i),
    time: 1_800_000_000n + BigInt(i),
  }));
}

const standard = (rs: Receipt[]) => StandardMerkleTree.of(rs.map((r) => [...receiptLeafValues(r)]), [...RECEIPT_LEAF_ENCODING]);

describe("receiptTree: the same tree as OpenZeppelin's StandardMerkleTree, with the leaves hashed by the SDK", function () {
  for (const n of [1, 2, 3, 5, 8, 33]) {
    it(`${n} receipt(s): same root, same leaf hashes, same proof for each`, function () {
      const rs = receipts(n);
      const ours = receiptTree(rs);
      const theirs = standard(rs);
      expect(ours.root).to.equal(theirs.root);
      rs.forEach((r, i) => {
        expect(ours.leaves[i]).to.equal(theirs.leafHash([...receiptLeafValues(r)]));
        expect(ours.getProof(i)).to.deep.equal(theirs.getProof(i));
      });
    });
  }

  it("agrees on any batch (property: sizes 1..40, random salts)", function () {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.nat(), (n, salt) => {
        const rs = receipts(n, salt);
        const ours = receiptTree(rs);
        const theirs = standard(rs);
        return ours.root === theirs.root && rs.every((_, i) => JSON.stringify(ours.getProof(i)) === JSON.stringify(theirs.getProof(i)));
      }),
      { numRuns: 40 },
    );
  });

  it("takes leaves already hashed, and refuses an empty batch, a leaf count that differs, and an index outside (BatchDocumentError)", function () {
    const rs = receipts(4);
    const leaves = rs.map(receiptLeaf);
    expect(receiptTree(rs, leaves).root).to.equal(standard(rs).root);
    expect(() => receiptTree([])).to.throw(BatchDocumentError, "a batch holds at least one receipt");
    expect(() => receiptTree(rs, leaves.slice(1) as Hex[])).to.throw(BatchDocumentError, "3 leaves for 4 receipts");
    const tree = receiptTree(rs);
    for (const bad of [-1, 4, 1.5]) expect(() => tree.getProof(bad)).to.throw(BatchDocumentError, `no receipt ${bad} in a batch of 4`);
  });
});
