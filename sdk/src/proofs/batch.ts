import { getProof, makeMerkleTree } from "@openzeppelin/merkle-tree/dist/core.js";
import {
  type Address,
  type Hex,
  concat,
  encodeAbiParameters,
  getAddress,
  isAddress,
  isHex,
  keccak256,
  recoverAddress,
  size,
  stringToHex,
  toHex,
} from "viem";
import { RESULT_DOMAIN } from "../constants.js";
import { BatchDocumentError, InvalidReceiptError } from "../errors/batch.js";
import { signatureProblem } from "./signatures.js";

/**
 * The BATCH mode as pure functions (no client): the EIP-712 receipt, voucher and batch root, the StandardMerkleTree
 * leaf of a receipt, and the batch document an operator publishes at its batch's URI. They match
 * contracts/modes/BatchSettlement.sol; the domain is `{ "Verity", "1", chainId, batchSettlement }`.
 */

/** One inference served over HTTP, as its operator signs it (see `IBatchSettlement.Receipt`). */
export type Receipt = {
  requestId: Hex;
  requester: Address;
  operator: Address;
  modelId: Hex;
  version: number;
  inputHash: Hex;
  outputHash: Hex;
  /** What the call costs (wei), included in the requester's cumulative voucher. */
  price: bigint;
  /** The operator's receipt number, from 1. */
  sequence: bigint;
  /** When it was served (unix seconds, the operator's clock). */
  time: bigint;
};

/** A requester's promise that `cumulativeAmount` in total is owed to `operator` on their channel. */
export type Voucher = { requester: Address; operator: Address; cumulativeAmount: bigint };

/** A batch of an operator's receipts, as its key signs it. */
export type BatchRoot = { operator: Address; firstSequence: bigint; count: bigint; root: Hex; uri: string };

/** The EIP-712 domain of the BATCH mode: the settlement contract's. */
export const batchDomain = (chainId: number, batchSettlement: Address) =>
  ({ ...RESULT_DOMAIN, chainId, verifyingContract: batchSettlement }) as const;

export const receiptTypes = {
  Receipt: [
    { name: "requestId", type: "bytes32" },
    { name: "requester", type: "address" },
    { name: "operator", type: "address" },
    { name: "modelId", type: "bytes32" },
    { name: "version", type: "uint32" },
    { name: "inputHash", type: "bytes32" },
    { name: "outputHash", type: "bytes32" },
    { name: "price", type: "uint256" },
    { name: "sequence", type: "uint64" },
    { name: "time", type: "uint64" },
  ],
} as const;
export const voucherTypes = {
  Voucher: [
    { name: "requester", type: "address" },
    { name: "operator", type: "address" },
    { name: "cumulativeAmount", type: "uint256" },
  ],
} as const;
export const batchRootTypes = {
  BatchRoot: [
    { name: "operator", type: "address" },
    { name: "firstSequence", type: "uint64" },
    { name: "count", type: "uint64" },
    { name: "root", type: "bytes32" },
    { name: "uri", type: "string" },
  ],
} as const;

/** The leaf encoding of a receipt in its batch's StandardMerkleTree: its fields in order, ABI-encoded. */
export const RECEIPT_LEAF_ENCODING = receiptTypes.Receipt.map((f) => f.type);

type Domain = ReturnType<typeof batchDomain>;

export const receiptTypedData = (domain: Domain, message: Receipt) =>
  ({ domain, types: receiptTypes, primaryType: "Receipt", message }) as const;
export const voucherTypedData = (domain: Domain, message: Voucher) =>
  ({ domain, types: voucherTypes, primaryType: "Voucher", message }) as const;
export const batchRootTypedData = (domain: Domain, message: BatchRoot) =>
  ({ domain, types: batchRootTypes, primaryType: "BatchRoot", message }) as const;

const RECEIPT_TYPEHASH = keccak256(
  stringToHex(
    `Receipt(${receiptTypes.Receipt.map((f) => `${f.type} ${f.name}`).join(",")})`,
  ),
);
const VOUCHER_TYPEHASH = keccak256(stringToHex("Voucher(address requester,address operator,uint256 cumulativeAmount)"));
const DOMAIN_TYPEHASH = keccak256(stringToHex("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"));

/** The domain separator, computed once per (chain, contract) by the fast digests below. */
export function batchDomainSeparator(chainId: number, batchSettlement: Address): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }, { type: "address" }],
      [DOMAIN_TYPEHASH, keccak256(stringToHex(RESULT_DOMAIN.name)), keccak256(stringToHex(RESULT_DOMAIN.version)), BigInt(chainId), batchSettlement],
    ),
  );
}

const word = (v: bigint | number) => toHex(BigInt(v), { size: 32 });
const addressWord = (a: Address) => `0x${"0".repeat(24)}${a.slice(2).toLowerCase()}` as Hex;

/** The receipt's fields as 32-byte words, in order (its ABI encoding: every field is static). */
const receiptWords = (r: Receipt): Hex[] => [
  r.requestId,
  addressWord(r.requester),
  addressWord(r.operator),
  r.modelId,
  word(r.version),
  r.inputHash,
  r.outputHash,
  word(r.price),
  word(r.sequence),
  word(r.time),
];

/**
 * The EIP-712 digest of a receipt under a domain separator: `BatchSettlement.receiptDigest`, computed directly (a
 * server signs thousands a second; viem's generic `hashTypedData` gives the same bytes, see the tests).
 */
export function receiptDigest(domainSeparator: Hex, r: Receipt): Hex {
  const structHash = keccak256(concat([RECEIPT_TYPEHASH, ...receiptWords(r)]));
  return keccak256(concat(["0x1901", domainSeparator, structHash]));
}

/** The EIP-712 digest of a voucher under a domain separator. */
export function voucherDigest(domainSeparator: Hex, v: Voucher): Hex {
  const structHash = keccak256(concat([VOUCHER_TYPEHASH, addressWord(v.requester), addressWord(v.operator), word(v.cumulativeAmount)]));
  return keccak256(concat(["0x1901", domainSeparator, structHash]));
}

/** A receipt's StandardMerkleTree values (what `StandardMerkleTree.of` takes, one array per leaf). */
export const receiptLeafValues = (r: Receipt) =>
  [r.requestId, r.requester, r.operator, r.modelId, r.version, r.inputHash, r.outputHash, r.price, r.sequence, r.time] as const;

/** A receipt's leaf: keccak256(keccak256(abi.encode(fields))): `BatchSettlement.receiptLeaf`. */
export function receiptLeaf(r: Receipt): Hex {
  return keccak256(keccak256(concat(receiptWords(r))));
}

/** A batch's Merkle tree: its root, and each receipt's proof by its index in the batch. */
export type ReceiptTree = { root: Hex; leaves: readonly Hex[]; getProof(index: number): Hex[] };

/**
 * The OpenZeppelin StandardMerkleTree of a batch's receipts (in the order given: sequence order): the same root and
 * proofs as `StandardMerkleTree.of(values, RECEIPT_LEAF_ENCODING)` (leaves sorted, the library's `makeMerkleTree`
 * and `getProof`), with the leaves hashed here (`receiptLeaf`) instead of through the library's generic ABI encoder,
 * which takes about 0.4 ms a leaf: 4 s of a busy server's thread for a batch of 10,000. `leaves` may be given when
 * already computed (one per receipt, `receiptLeaf`'s), and `nodeHash` (OpenZeppelin's `standardNodeHash`, computed
 * some faster way: the operator node's WebAssembly keccak).
 */
export function receiptTree(
  receipts: readonly Receipt[],
  leaves: readonly Hex[] = receipts.map(receiptLeaf),
  nodeHash?: (a: Hex, b: Hex) => Hex,
): ReceiptTree {
  if (receipts.length === 0) throw new BatchDocumentError("a batch holds at least one receipt");
  if (leaves.length !== receipts.length) throw new BatchDocumentError(`${leaves.length} leaves for ${receipts.length} receipts`);
  // Sorted by leaf (lowercase hex of equal length sorts as the bytes do), as StandardMerkleTree sorts them.
  const order = leaves.map((_, i) => i).sort((a, b) => (leaves[a]! < leaves[b]! ? -1 : leaves[a]! > leaves[b]! ? 1 : 0));
  const tree = makeMerkleTree(order.map((i) => leaves[i]!), nodeHash as Parameters<typeof makeMerkleTree>[1]) as Hex[];
  const treeIndex = new Array<number>(leaves.length);
  order.forEach((i, position) => (treeIndex[i] = tree.length - 1 - position));
  return {
    root: tree[0]!,
    leaves,
    getProof(index: number): Hex[] {
      if (!Number.isInteger(index) || index < 0 || index >= leaves.length) throw new BatchDocumentError(`no receipt ${index} in a batch of ${leaves.length}`);
      return getProof(tree, treeIndex[index]!) as Hex[];
    },
  };
}

/** The signer of a receipt (65-byte signature, low s, as the contract recovers it). */
export async function recoverReceiptSigner(domainSeparator: Hex, receipt: Receipt, signature: Hex): Promise<Address> {
  signatureProblem(signature, (problem) => new InvalidReceiptError(`its signature ${problem}`));
  return recoverAddress({ hash: receiptDigest(domainSeparator, receipt), signature });
}

/** The signer of a voucher. */
export async function recoverVoucherSigner(domainSeparator: Hex, voucher: Voucher, signature: Hex): Promise<Address> {
  signatureProblem(signature, (problem) => new InvalidReceiptError(`the voucher's signature ${problem}`));
  return recoverAddress({ hash: voucherDigest(domainSeparator, voucher), signature });
}

// ── JSON forms: receipts travel over HTTP and in batch documents with decimal strings for integers ────────────

/** A receipt in JSON: integers as decimal strings. */
export type ReceiptJson = {
  requestId: Hex;
  requester: Address;
  operator: Address;
  modelId: Hex;
  version: number;
  inputHash: Hex;
  outputHash: Hex;
  price: string;
  sequence: string;
  time: string;
};

export const receiptToJson = (r: Receipt): ReceiptJson => ({
  requestId: r.requestId,
  requester: r.requester,
  operator: r.operator,
  modelId: r.modelId,
  version: r.version,
  inputHash: r.inputHash,
  outputHash: r.outputHash,
  price: r.price.toString(),
  sequence: r.sequence.toString(),
  time: r.time.toString(),
});

const MAX_U64 = 2n ** 64n - 1n;
const MAX_U256 = 2n ** 256n - 1n;

function uint(value: unknown, field: string, max: bigint, fail: (m: string) => Error): bigint {
  if (typeof value !== "string" || !/^(0|[1-9][0-9]*)$/.test(value)) throw fail(`${field} is not a decimal string`);
  const n = BigInt(value);
  if (n > max) throw fail(`${field} is out of range`);
  return n;
}
function bytes32(value: unknown, field: string, fail: (m: string) => Error): Hex {
  if (typeof value !== "string" || !isHex(value, { strict: true }) || size(value) !== 32) throw fail(`${field} is not 32 bytes of hex`);
  return value.toLowerCase() as Hex;
}
function address(value: unknown, field: string, fail: (m: string) => Error): Address {
  if (typeof value !== "string" || !isAddress(value, { strict: false })) throw fail(`${field} is not an address`);
  return getAddress(value);
}

const RECEIPT_KEYS = ["requestId", "requester", "operator", "modelId", "version", "inputHash", "outputHash", "price", "sequence", "time"];

/** Reads a JSON receipt strictly: every field, of its type and range, and nothing else. */
export function receiptFromJson(json: unknown, fail: (m: string) => Error = (m) => new InvalidReceiptError(m)): Receipt {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw fail("it is not an object");
  const o = json as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !RECEIPT_KEYS.includes(k));
  if (extra.length > 0) throw fail(`it has unknown fields (${extra.join(", ")})`);
  if (typeof o.version !== "number" || !Number.isInteger(o.version) || o.version < 1 || o.version > 0xffffffff) {
    throw fail("version is not an integer from 1 to 2^32-1");
  }
  const sequence = uint(o.sequence, "sequence", MAX_U64, fail);
  if (sequence === 0n) throw fail("sequence starts at 1");
  return {
    requestId: bytes32(o.requestId, "requestId", fail),
    requester: address(o.requester, "requester", fail),
    operator: address(o.operator, "operator", fail),
    modelId: bytes32(o.modelId, "modelId", fail),
    version: o.version,
    inputHash: bytes32(o.inputHash, "inputHash", fail),
    outputHash: bytes32(o.outputHash, "outputHash", fail),
    price: uint(o.price, "price", MAX_U256, fail),
    sequence,
    time: uint(o.time, "time", MAX_U64, fail),
  };
}

// ── The batch document: what the operator publishes at a batch's URI ─────────────────────────────────────────

export const BATCH_DOCUMENT_FORMAT = "verity-batch/1";

/**
 * A published batch: its receipts in sequence order, each with the signature its requester got, and the signed
 * root. Anyone holding it rebuilds the tree, compares the root with the chain's `BatchSettled`, and proves any
 * receipt's inclusion.
 */
export type BatchDocument = {
  format: typeof BATCH_DOCUMENT_FORMAT;
  chainId: number;
  batchSettlement: Address;
  operator: Address;
  firstSequence: bigint;
  root: Hex;
  /** The key that signed the root and the receipts. */
  signer: Address;
  /** The root's EIP-712 signature (over `BatchRoot` with the batch's URI). */
  signature: Hex;
  receipts: { receipt: Receipt; signature: Hex }[];
};

export function encodeBatchDocument(d: BatchDocument): string {
  return JSON.stringify({
    format: d.format,
    chainId: d.chainId,
    batchSettlement: d.batchSettlement,
    operator: d.operator,
    firstSequence: d.firstSequence.toString(),
    root: d.root,
    signer: d.signer,
    signature: d.signature,
    receipts: d.receipts.map((r) => ({ receipt: receiptToJson(r.receipt), signature: r.signature })),
  });
}

/**
 * Reads a batch document strictly: its format, fields, receipts numbered from `firstSequence` without a gap, all
 * of its operator, and a tree whose root is the document's. Throws {@link BatchDocumentError} otherwise.
 */
export function parseBatchDocument(text: string): BatchDocument {
  const fail = (m: string) => new BatchDocumentError(m);
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw fail("it is not JSON");
  }
  if (typeof j !== "object" || j === null || Array.isArray(j)) throw fail("it is not an object");
  const o = j as Record<string, unknown>;
  if (o.format !== BATCH_DOCUMENT_FORMAT) throw fail(`its format is not "${BATCH_DOCUMENT_FORMAT}"`);
  if (typeof o.chainId !== "number" || !Number.isSafeInteger(o.chainId) || o.chainId <= 0) throw fail("chainId is not a positive integer");
  if (!Array.isArray(o.receipts) || o.receipts.length === 0) throw fail("it has no receipts");
  if (typeof o.signature !== "string" || !isHex(o.signature, { strict: true }) || size(o.signature) !== 65) throw fail("signature is not 65 bytes of hex");
  const operator = address(o.operator, "operator", fail);
  const firstSequence = uint(o.firstSequence, "firstSequence", MAX_U64, fail);
  const receipts = o.receipts.map((entry: unknown, i: number) => {
    if (typeof entry !== "object" || entry === null) throw fail(`receipts[${i}] is not an object`);
    const e = entry as Record<string, unknown>;
    const receipt = receiptFromJson(e.receipt, (m) => fail(`receipts[${i}]: ${m}`));
    if (typeof e.signature !== "string" || !isHex(e.signature, { strict: true }) || size(e.signature) !== 65) {
      throw fail(`receipts[${i}].signature is not 65 bytes of hex`);
    }
    if (receipt.operator !== operator) throw fail(`receipts[${i}] is another operator's (${receipt.operator})`);
    if (receipt.sequence !== firstSequence + BigInt(i)) throw fail(`receipts[${i}] has sequence ${receipt.sequence}, not ${firstSequence + BigInt(i)}`);
    return { receipt, signature: e.signature as Hex };
  });
  const root = bytes32(o.root, "root", fail);
  const tree = receiptTree(receipts.map((r) => r.receipt));
  const rebuilt = tree.root.toLowerCase();
  if (rebuilt !== root) throw fail(`its receipts' tree has root ${rebuilt}, not the document's ${root}`);
  const doc: BatchDocument = {
    format: BATCH_DOCUMENT_FORMAT,
    chainId: o.chainId,
    batchSettlement: address(o.batchSettlement, "batchSettlement", fail),
    operator,
    firstSequence,
    root,
    signer: address(o.signer, "signer", fail),
    signature: o.signature as Hex,
    receipts,
  };
  trees.set(doc.receipts, tree);
  return doc;
}

/** The trees parsed documents were checked with, so a proof from one does not hash its batch again. */
const trees = new WeakMap<readonly unknown[], ReceiptTree>();

/** The Merkle proof of the receipt with `sequence` in a batch document (undefined when it holds none). */
export function receiptProof(doc: Pick<BatchDocument, "receipts" | "firstSequence">, sequence: bigint): Hex[] | undefined {
  const index = Number(sequence - doc.firstSequence);
  if (index < 0 || index >= doc.receipts.length) return undefined;
  return (trees.get(doc.receipts) ?? receiptTree(doc.receipts.map((r) => r.receipt))).getProof(index);
}

/** Whether two receipts are the same (every field). */
export const sameReceipt = (a: Receipt, b: Receipt) => receiptLeaf(a) === receiptLeaf(b);
