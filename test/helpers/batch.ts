/**
 * BATCH-mode fixtures on top of the ZK ones (./zk.ts): deploys BatchSettlement over the shared system
 * (`setBatchSettlement` in the operator registry, the ZK verifier as the registry's dispute verifier), bonds two
 * operators, and signs receipts, vouchers and batch roots with ethers' `signTypedData` under the contract's EIP-712
 * domain. Receipt trees are OpenZeppelin StandardMerkleTrees. A ledger of everything a call can move (native
 * balances, channels, bonds, stakes, slash credits, the burn, batch commitments) lets a refused call be shown to
 * have moved nothing. The gas of the hot paths is measured here, the same way for the bench and the snapshot test.
 */
import { expect } from "chai";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { ethers as ethersLib, type BaseContract } from "ethers";
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { BatchSettlement } from "../../types/ethers-contracts/index.js";
import { encodeTensor } from "../../sdk/src/encoding/tensor.js";
import { WRONG_OUTPUT } from "./modes.js";
import { INPUT, KEY_STAKE, OUTPUT, registerEnclave } from "./verity.js";
import { IRIS_INPUT, ZK_VERSION, deployWithZkModel } from "./zk.js";

/** The fixture's least bond that settles. */
export const MIN_BATCH_BOND = ethersLib.parseEther("0.1");
/** How long a requested withdrawal waits (the SDK's default: 1 day). */
export const WITHDRAWAL_DELAY = 24n * 3600n;
/** How long an unbonding bond stays slashable (the SDK's default: 7 days). */
export const BOND_RELEASE_DELAY = 7n * 24n * 3600n;
export const MIN_DELAY = 3600n;
export const MAX_DELAY = 30n * 24n * 3600n;
/** Each fixture operator's bond: odd, so the two halves of a slash differ (the prover gets the lower half). */
export const BOND = ethersLib.parseEther("0.5") + 1n;
/** The second operator's stake: its bond, its enclave key's stake, and 0.2 ETH free. */
export const OPERATOR2_STAKE = BOND + KEY_STAKE + ethersLib.parseEther("0.2");
export const PRICE = ethersLib.parseEther("0.001");
export const MAX_BATCH = 2n ** 32n;

export const RECEIPT_TYPES = {
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
};
export const VOUCHER_TYPES = {
  Voucher: [
    { name: "requester", type: "address" },
    { name: "operator", type: "address" },
    { name: "cumulativeAmount", type: "uint256" },
  ],
};
export const BATCH_ROOT_TYPES = {
  BatchRoot: [
    { name: "operator", type: "address" },
    { name: "firstSequence", type: "uint64" },
    { name: "count", type: "uint64" },
    { name: "root", type: "bytes32" },
    { name: "uri", type: "string" },
  ],
};
/** The StandardMerkleTree leaf encoding of a receipt: its fields in order. */
export const RECEIPT_LEAF_TYPES = RECEIPT_TYPES.Receipt.map((f) => f.type);

export type Receipt = {
  requestId: string;
  requester: string;
  operator: string;
  modelId: string;
  version: number;
  inputHash: string;
  outputHash: string;
  price: bigint;
  sequence: bigint;
  time: bigint;
};
export type Voucher = { requester: string; operator: string; cumulativeAmount: bigint };
export type BatchRoot = { operator: string; firstSequence: bigint; count: bigint; root: string; uri: string };
type TypedSigner = Pick<ethersLib.Signer, "signTypedData">;

/** The true and a wrong output of the Iris model for IRIS_INPUT, encoded (the ZK version's receipts). */
export const IRIS_INPUT_BYTES = encodeTensor(IRIS_INPUT);
export const WRONG_IRIS_OUTPUT = encodeTensor(WRONG_OUTPUT);

/**
 * The ZK fixture (TEE versions 1-2, Iris ZK version 3; the operator has 1 ETH free and an enclave key) plus:
 * BatchSettlement named by the registry, the ZK verifier as the registry's dispute verifier, the operator bonded
 * BOND, and `operator2` (staked OPERATOR2_STAKE, its own enclave key `enclave2`, bonded BOND). `prover` proves
 * slashes, `stranger` has no stake. `disputeVerifier: false` leaves the registry without its ZK dispute verifier.
 */
export async function deployBatch(ethers: HardhatEthers, o: { disputeVerifier?: boolean } = {}) {
  const c = await deployWithZkModel(ethers);
  if (o.disputeVerifier !== false) await c.operators.setDisputeVerifier(await c.zk.getAddress());
  const batch = (await ethers.deployContract("BatchSettlement", [
    await c.hub.getAddress(),
    await c.operators.getAddress(),
    await c.enclaves.getAddress(),
    MIN_BATCH_BOND,
    WITHDRAWAL_DELAY,
    BOND_RELEASE_DELAY,
  ])) as unknown as BatchSettlement;
  await c.operators.setBatchSettlement(await batch.getAddress());
  const signers = await ethers.getSigners();
  const at = (i: number) => {
    const s = signers[i];
    if (!s) throw new Error(`the network has no signer #${i}`);
    return s;
  };
  const [operator2, prover, stranger] = [6, 7, 8].map(at) as [HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner];
  await c.operators.connect(operator2).stake(OPERATOR2_STAKE, { value: OPERATOR2_STAKE });
  const enclave2 = await registerEnclave(c, "operator 2 enclave key", { operator: operator2, stake: KEY_STAKE });
  await batch.connect(c.operator).bond(BOND);
  await batch.connect(operator2).bond(BOND);
  const { chainId } = await ethers.provider.getNetwork();
  const domain = { name: "Verity", version: "1", chainId, verifyingContract: await batch.getAddress() };
  return { ...c, batch, operator2, enclave2, prover, stranger, domain };
}

export type BatchSetup = Awaited<ReturnType<typeof deployBatch>>;

/** A receipt of the operator (default: the fixture's) for the TEE version 1, numbered `sequence`. */
export function makeReceipt(c: BatchSetup, sequence: bigint, overrides: Partial<Receipt> = {}): Receipt {
  return {
    requestId: ethersLib.id(`request ${sequence}`),
    requester: c.requester.address,
    operator: c.operator.address,
    modelId: c.modelId,
    version: 1,
    inputHash: ethersLib.keccak256(INPUT),
    outputHash: ethersLib.keccak256(OUTPUT),
    price: PRICE,
    sequence,
    time: 1_800_000_000n + sequence,
    ...overrides,
  };
}

/** `count` receipts numbered from `first`. */
export const makeReceipts = (c: BatchSetup, first: bigint, count: number, overrides: Partial<Receipt> = {}) =>
  Array.from({ length: count }, (_, i) => makeReceipt(c, first + BigInt(i), overrides));

/** A receipt of the Iris ZK version for IRIS_INPUT, with `output` (default: a wrong one). */
export const zkReceipt = (c: BatchSetup, sequence: bigint, output: string = WRONG_IRIS_OUTPUT, overrides: Partial<Receipt> = {}) =>
  makeReceipt(c, sequence, {
    version: ZK_VERSION,
    inputHash: ethersLib.keccak256(IRIS_INPUT_BYTES),
    outputHash: ethersLib.keccak256(output),
    ...overrides,
  });

export const leafValues = (r: Receipt) =>
  [r.requestId, r.requester, r.operator, r.modelId, r.version, r.inputHash, r.outputHash, r.price, r.sequence, r.time];

/** The batch's StandardMerkleTree (values in the receipts' order). */
export const receiptTree = (receipts: readonly Receipt[]) => StandardMerkleTree.of(receipts.map(leafValues), RECEIPT_LEAF_TYPES);

export const signReceipt = (c: BatchSetup, signer: TypedSigner, r: Receipt) => signer.signTypedData(c.domain, RECEIPT_TYPES, r);
export const signVoucher = (c: BatchSetup, signer: TypedSigner, v: Voucher) => signer.signTypedData(c.domain, VOUCHER_TYPES, v);
export const signBatch = (c: BatchSetup, signer: TypedSigner, b: BatchRoot) => signer.signTypedData(c.domain, BATCH_ROOT_TYPES, b);

/** The EIP-712 digests under the fixture's domain (ethers' TypedDataEncoder). */
export const receiptDigest = (c: BatchSetup, r: Receipt) => ethersLib.TypedDataEncoder.hash(c.domain, RECEIPT_TYPES, r);
export const voucherDigest = (c: BatchSetup, v: Voucher) => ethersLib.TypedDataEncoder.hash(c.domain, VOUCHER_TYPES, v);
export const batchDigest = (c: BatchSetup, b: BatchRoot) => ethersLib.TypedDataEncoder.hash(c.domain, BATCH_ROOT_TYPES, b);

/** The requester's voucher for `cumulativeAmount` on its channel with `operator` (default: the fixture's). */
export async function voucher(c: BatchSetup, cumulativeAmount: bigint, operator = c.operator.address, signer: TypedSigner = c.requester) {
  const v: Voucher = { requester: c.requester.address, operator, cumulativeAmount };
  return { v, signature: await signVoucher(c, signer, v) };
}

/** Where an operator publishes a batch (as its server does: `<url>/v1/batches/<first>`), padded to one length so that
 * batches of any size cost the same. */
export const batchUri = (first: bigint) => `https://operator.example/v1/batches/${first.toString().padStart(10, "0")}`;

/** The batch root of `receipts` (sequences from their first), signed by `signer` (default: the operator). */
export async function signedBatch(
  c: BatchSetup,
  receipts: readonly Receipt[],
  o: Partial<{ signer: TypedSigner; uri: string; operator: string; firstSequence: bigint; count: bigint; root: string }> = {},
) {
  const tree = receiptTree(receipts);
  const batch: BatchRoot = {
    operator: o.operator ?? receipts[0]!.operator,
    firstSequence: o.firstSequence ?? receipts[0]!.sequence,
    count: o.count ?? BigInt(receipts.length),
    root: o.root ?? tree.root,
    uri: o.uri ?? batchUri(o.firstSequence ?? receipts[0]!.sequence),
  };
  return { batch, tree, signature: await signBatch(c, o.signer ?? c.operator, batch) };
}

/** Settles `receipts` as one batch signed by the operator (or `o.signer`), sent by `from` (default: the operator). */
export async function settle(
  c: BatchSetup,
  receipts: readonly Receipt[],
  o: Parameters<typeof signedBatch>[2] & { from?: HardhatEthersSigner } = {},
) {
  const s = await signedBatch(c, receipts, o);
  const tx = await c.batch.connect(o.from ?? c.operator).settleBatch(s.batch, s.signature);
  return { ...s, receipt: (await tx.wait())! };
}

/** keccak256(abi.encode(root, count)): what a settled batch stores. */
export const batchCommitment = (root: string, count: bigint) =>
  ethersLib.keccak256(ethersLib.AbiCoder.defaultAbiCoder().encode(["bytes32", "uint64"], [root, count]));

/** The malleable twin of a 65-byte signature: s' = n - s and the other v. It recovers the same key in ecrecover. */
export function highS(signature: string) {
  const sig = ethersLib.Signature.from(signature);
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  return ethersLib.concat([sig.r, ethersLib.toBeHex(n - BigInt(sig.s), 32), ethersLib.toBeHex(sig.v === 27 ? 28 : 27, 1)]);
}

function plain(x: unknown): unknown {
  if (x instanceof ethersLib.Result) return x.toArray(true).map(plain);
  if (Array.isArray(x)) return x.map(plain);
  return x;
}

/**
 * Everything a BATCH call can move: native balances of the settlement contract, the operator registry and the
 * fixture's accounts; the requester's channels with both operators (and `extraChannels`); every account's bond
 * and stake record and slash credit; the burn; and the commitments of both operators' batches at `sequences`.
 */
export async function batchLedger(c: BatchSetup, o: { sequences?: bigint[]; extraChannels?: [string, string][] } = {}) {
  const accounts = [c.requester, c.operator, c.operator2, c.prover, c.stranger, c.other].map((a) => a.address);
  const operators = [c.operator.address, c.operator2.address];
  const channels: [string, string][] = [...operators.map((op) => [c.requester.address, op] as [string, string]), ...(o.extraChannels ?? [])];
  const sequences = o.sequences ?? [1n];
  const provider = c.ethers.provider;
  return {
    block: await provider.getBlockNumber(),
    native: await Promise.all([await c.batch.getAddress(), await c.operators.getAddress(), ...accounts].map((a) => provider.getBalance(a))),
    channels: await Promise.all(channels.map(async ([r, op]) => plain(await c.batch.channelOf(r, op)))),
    bonds: await Promise.all(accounts.map(async (a) => plain(await c.batch.bondOf(a)))),
    stakes: await Promise.all(accounts.map(async (a) => plain(await c.operators.getOperator(a)))),
    credits: await Promise.all(accounts.map((a) => c.operators.slashCreditOf(a))),
    burned: await c.operators.burned(),
    batches: await Promise.all(operators.flatMap((op) => sequences.map((s) => c.batch.batchCommitment(op, s)))),
  };
}

/**
 * Asserts that `send` is refused with `error(...args)` (declared by `source`'s ABI) and that nothing moved: no block
 * was mined (the refusal came at estimation, so no fee was paid either) and the ledger is as it was.
 */
export async function expectBatchRefused(
  c: BatchSetup,
  send: () => Promise<unknown>,
  source: BaseContract,
  error: string,
  args: unknown[],
  o: Parameters<typeof batchLedger>[1] = {},
) {
  const before = await batchLedger(c, o);
  await expect(send()).to.be.revertedWithCustomError(source, error).withArgs(...args);
  expect(await batchLedger(c, o)).to.deep.equal(before);
}

/** The settlement contract holds exactly the sum of the channels' balances it was given. */
export async function expectSolvent(c: BatchSetup, channels: [string, string][]) {
  let sum = 0n;
  for (const [r, op] of channels) sum += (await c.batch.channelOf(r, op)).balance;
  expect(await c.ethers.provider.getBalance(await c.batch.getAddress())).to.equal(sum);
}

/** The intrinsic calldata gas of a transaction (4 per zero byte, 16 per other byte). */
export function calldataGas(data: string) {
  let gas = 0;
  for (const byte of ethersLib.getBytes(data)) gas += byte === 0 ? 4 : 16;
  return gas;
}

/**
 * Gas of the BATCH mode's hot paths in steady state, on a fresh deployment (`ethers` of a network of its own, so that
 * addresses, hence signatures and calldata, are the same in every run): a later deposit on a funded channel, a later
 * voucher of a channel that has paid before, a later batch of a bonded operator (after a warm-up batch; one signed by
 * its enclave key, then one of each of `sizes` receipts, in that order, signed by its account), verifyReceipt for a
 * leaf at the deepest level of each of those trees (estimateGas of the view as a transaction: what an on-chain
 * caller pays, 21,000 included), and, when `slash`, proveEquivocation (with a prover that already holds slash credit
 * and a non-zero burn). bench/gas.ts runs all sizes; the snapshot test the small ones: same sequence, same figures.
 * Also returns each settleBatch's gas less its calldata's: the execution, which does not depend on the size.
 */
export async function measureBatchGas(ethers: HardhatEthers, o: { sizes: number[]; slash?: boolean }) {
  const c = await deployBatch(ethers);
  const gas: Record<string, number> = {};
  const execution: Record<string, number> = {};
  const mined = async (tx: Promise<ethersLib.ContractTransactionResponse>) => (await (await tx).wait())!;
  const deposit = ethersLib.parseEther("1");

  // Channels: a first deposit and voucher, then the measured ones (the claim sent by the operator itself).
  await mined(c.batch.connect(c.requester).deposit(c.operator.address, { value: deposit }));
  gas["deposit(batch)"] = Number((await mined(c.batch.connect(c.requester).deposit(c.operator.address, { value: deposit }))).gasUsed);
  {
    const first = await voucher(c, PRICE * 10n);
    await mined(c.batch.connect(c.operator).claim(first.v, first.signature));
    const next = await voucher(c, PRICE * 20n);
    gas["claim(batch)"] = Number((await mined(c.batch.connect(c.operator).claim(next.v, next.signature))).gasUsed);
  }

  // Batches, sent by the operator: a warm-up, one signed by the enclave key, then one of each size.
  let next = 1n;
  const settleNext = async (n: number, signer: TypedSigner = c.operator) => {
    const receipts = makeReceipts(c, next, n);
    const s = await signedBatch(c, receipts, { signer });
    const tx = await c.batch.connect(c.operator).settleBatch(s.batch, s.signature);
    const gasUsed = Number((await tx.wait())!.gasUsed);
    next += BigInt(n);
    return { ...s, receipts, gasUsed, execution: gasUsed - 21_000 - calldataGas(tx.data) };
  };
  await settleNext(1);
  gas["settleBatch(enclave key)"] = (await settleNext(1, c.enclave)).gasUsed;
  for (const n of o.sizes) {
    const settled = await settleNext(n);
    gas[`settleBatch(n=${n})`] = settled.gasUsed;
    execution[`settleBatch(n=${n})`] = settled.execution;
    // The deepest leaf has the longest proof.
    const proofs = settled.receipts.map((_, i) => settled.tree.getProof(i));
    const deepest = proofs.reduce((best, p, i) => (p.length > proofs[best]!.length ? i : best), 0);
    const args = [settled.receipts[deepest]!, settled.batch.firstSequence, settled.batch.count, settled.batch.root, proofs[deepest]!] as const;
    expect(await c.batch.verifyReceipt(...args)).to.equal(true);
    gas[`verifyReceipt(depth ${proofs[deepest]!.length})`] = Number(await c.batch.verifyReceipt.estimateGas(...args));
  }

  if (o.slash) {
    // Two receipts for one sequence, the first signed by the account, the second by the enclave key. operator2 is
    // slashed first, so the prover already holds slash credit and the burn is non-zero.
    const equivocate = async (operator: HardhatEthersSigner, key: TypedSigner) => {
      const a = makeReceipt(c, 7n, { operator: operator.address });
      const b = { ...a, outputHash: ethersLib.keccak256(WRONG_IRIS_OUTPUT) };
      return c.batch.connect(c.prover).proveEquivocation(a, await signReceipt(c, operator, a), b, await signReceipt(c, key, b));
    };
    await mined(equivocate(c.operator2, c.enclave2));
    gas.proveEquivocation = Number((await mined(equivocate(c.operator, c.enclave))).gasUsed);
  }
  return { gas, execution };
}
