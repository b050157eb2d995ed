import { type Address, type Hex, decodeAbiParameters, encodeAbiParameters, isAddress, keccak256 } from "viem";
import { type Tensor, tensor } from "../encoding/tensor.js";
import {
  ZkProofFormatError,
  ZkPublicSignalsError,
  ZkTensorError,
  ZkVerifyingKeyError,
  ZkWeightsError,
} from "../errors/zk.js";
import { MLP_BIAS_BOUND, MLP_HIDDEN, MLP_INPUTS, MLP_OUTPUTS, type MlpWeights } from "../model/mlp.js";

/**
 * The ZK mode for the "mlp-4-8-3-int8" model (circuits/mlp_4_8_3.circom): packing of the public signals, the
 * verifying key hash and proof verification. Pure functions: no blockchain client; snarkjs is imported lazily, so
 * a dApp that never verifies a ZK job never loads it. Proving and the Poseidon model commitment (circomlibjs) live
 * in sdk/src/prover/ behind the `verity-inference-node` package.
 *
 * Public signals, in this order (the circuit's three outputs, then its two public inputs):
 * ```
 * commitment   = Poseidon([e0, e1, e2])             circomlib Poseidon with 3 inputs
 *                w  = W1 row-major then W2 row-major (56 int8: w[i*8+j] = W1[i][j], w[32+j*3+k] = W2[j][k])
 *                e0 = sum_{n=0..30}  (w[n] + 128) * 2^(8n)
 *                e1 = sum_{n=31..55} (w[n] + 128) * 2^(8(n-31))
 *                b  = b1[0..7] then b2[0..2]   (11 biases, -2^20 <= b < 2^20)
 *                e2 = sum_{m=0..10}  (b[m] + 2^20) * 2^(21m)
 * packedInput  = sum_{i=0..3} (x[i] + 128)  * 2^(8i)      x: int8 tensor of shape [1,4]
 * packedOutput = sum_{k=0..2} (y[k] + 2^31) * 2^(32k)     y: int32 tensor of shape [1,3]
 * jobId        = the hub's job id
 * submitter    = uint160(the account that calls the hub: `fulfill`, or `resolveChallenge` for OPTIMISTIC)
 * ```
 * The last two bind a proof to one job and one submitting account: a proof copied from a pending transaction does
 * not hold for the copier's account, and one read from an old fulfilment does not hold for another job.
 */

/** The BN254 scalar field modulus r: every public signal is in 0..r-1. */
export const BN254_SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** The BN254 base field modulus q: every proof coordinate is in 0..q-1. */
export const BN254_BASE_FIELD = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

export const ZK_CIRCUIT_NAME = "mlp_4_8_3" as const;
export const ZK_INPUT_SHAPE = [1, MLP_INPUTS] as const;
export const ZK_OUTPUT_SHAPE = [1, MLP_OUTPUTS] as const;
/** Number of public signals: commitment, packedInput, packedOutput, jobId, submitter. */
export const ZK_PUBLIC_SIGNALS = 5;

const WEIGHT_OFFSET = 128n;
const WEIGHTS_PER_ELEMENT = 31;
const BIAS_BITS = 21n;
const BIAS_OFFSET = 1n << 20n;
const OUTPUT_OFFSET = 1n << 31n;

/** A snarkjs Groth16 proof on BN254, coordinates as decimal strings (projective, z = 1). */
export type Groth16Proof = {
  pi_a: readonly string[];
  pi_b: readonly (readonly string[])[];
  pi_c: readonly string[];
  protocol: string;
  curve: string;
};

/** A snarkjs Groth16 verifying key (verification_key.json). */
export type Groth16VerifyingKey = {
  protocol: string;
  curve: string;
  nPublic: number;
  vk_alpha_1: readonly string[];
  vk_beta_2: readonly (readonly string[])[];
  vk_gamma_2: readonly (readonly string[])[];
  vk_delta_2: readonly (readonly string[])[];
  IC: readonly (readonly string[])[];
};

/** [commitment, packedInput, packedOutput, jobId, submitter] */
export type ZkPublicSignals = readonly [bigint, bigint, bigint, bigint, bigint];

/**
 * What a proof is bound to besides the model, input and output: the hub's job id and the account that submits the
 * proof to the hub (the sender of `fulfill`, or of `resolveChallenge` for an OPTIMISTIC challenge). The hub
 * credits that account, so a proof made for one operator holds for no other.
 */
export type ZkJobBinding = { jobId: bigint; submitter: Address };

/** Proof calldata in the order of the snarkjs Solidity verifier's `verifyProof(a, b, c, pubSignals)`. */
export type SolidityGroth16Proof = {
  a: readonly [bigint, bigint];
  b: readonly [readonly [bigint, bigint], readonly [bigint, bigint]];
  c: readonly [bigint, bigint];
};

/** The circuit's compiled witness generator and proving key: file paths (Node) or bytes (any runtime). */
export type ZkArtifacts = { wasm: string | Uint8Array; zkey: string | Uint8Array };

// ---------------------------------------------------------------------------------------------------------------
// Validation and packing
// ---------------------------------------------------------------------------------------------------------------

function checkInt(v: unknown, lo: bigint, hi: bigint, what: string, fail: (reason: string) => Error): bigint {
  if (typeof v !== "bigint") throw fail(`${what} is not a bigint`);
  if (v < lo || v > hi) throw fail(`${what} = ${v} is outside ${lo}..${hi}`);
  return v;
}

function checkTensor(t: Tensor, dtype: "int8" | "int32", shape: readonly number[], what: string): void {
  const fail = (r: string) => new ZkTensorError(`${what}: ${r}`);
  if (t.dtype !== dtype) throw fail(`dtype is ${t.dtype}, expected ${dtype}`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
    throw fail(`shape is [${t.shape.join(",")}], expected [${shape.join(",")}]`);
  const n = shape.reduce((a, b) => a * b, 1);
  if (t.values.length !== n) throw fail(`${t.values.length} values, expected ${n}`);
}

/** Checks that weights have the circuit's shapes and ranges; throws {@link ZkWeightsError} on the first fault. */
export function validateMlpWeights(weights: MlpWeights): void {
  const fail = (r: string) => new ZkWeightsError(r);
  const matrix = (m: unknown, rows: number, cols: number, name: string) => {
    if (!Array.isArray(m) || m.length !== rows) throw fail(`${name} must have ${rows} rows`);
    m.forEach((row: unknown, i) => {
      if (!Array.isArray(row) || row.length !== cols) throw fail(`${name}[${i}] must have ${cols} values`);
      row.forEach((v: unknown, j) => checkInt(v, -128n, 127n, `${name}[${i}][${j}]`, fail));
    });
  };
  const vector = (b: unknown, n: number, name: string) => {
    if (!Array.isArray(b) || b.length !== n) throw fail(`${name} must have ${n} values`);
    b.forEach((v: unknown, i) => checkInt(v, -MLP_BIAS_BOUND, MLP_BIAS_BOUND - 1n, `${name}[${i}]`, fail));
  };
  matrix(weights.w1, MLP_INPUTS, MLP_HIDDEN, "w1");
  vector(weights.b1, MLP_HIDDEN, "b1");
  matrix(weights.w2, MLP_HIDDEN, MLP_OUTPUTS, "w2");
  vector(weights.b2, MLP_OUTPUTS, "b2");
}

/** packedInput = sum_i (x_i + 128) * 2^(8i) of an int8 tensor of shape [1,4]. */
export function packInput(input: Tensor): bigint {
  checkTensor(input, "int8", ZK_INPUT_SHAPE, "input");
  const fail = (r: string) => new ZkTensorError(`input: ${r}`);
  return Array.from(input.values as ArrayLike<number | bigint>, BigInt).reduce(
    (acc, v, i) => acc + ((checkInt(v, -128n, 127n, `value ${i}`, fail) + 128n) << BigInt(8 * i)),
    0n
  );
}

/** packedOutput = sum_k (y_k + 2^31) * 2^(32k) of an int32 tensor of shape [1,3]. */
export function packOutput(output: Tensor): bigint {
  checkTensor(output, "int32", ZK_OUTPUT_SHAPE, "output");
  const fail = (r: string) => new ZkTensorError(`output: ${r}`);
  return Array.from(output.values as ArrayLike<number | bigint>, BigInt).reduce(
    (acc, v, k) =>
      acc + ((checkInt(v, -OUTPUT_OFFSET, OUTPUT_OFFSET - 1n, `value ${k}`, fail) + OUTPUT_OFFSET) << BigInt(32 * k)),
    0n
  );
}

/** Inverse of {@link packInput}. */
export function unpackInput(packed: bigint): Tensor {
  if (packed < 0n || packed >= 1n << BigInt(8 * MLP_INPUTS))
    throw new ZkTensorError(`packed input ${packed} is not a ${8 * MLP_INPUTS}-bit value`);
  const values = Array.from({ length: MLP_INPUTS }, (_, i) => ((packed >> BigInt(8 * i)) & 0xffn) - 128n);
  return tensor("int8", ZK_INPUT_SHAPE, values);
}

/** Inverse of {@link packOutput}. */
export function unpackOutput(packed: bigint): Tensor {
  if (packed < 0n || packed >= 1n << BigInt(32 * MLP_OUTPUTS))
    throw new ZkTensorError(`packed output ${packed} is not a ${32 * MLP_OUTPUTS}-bit value`);
  const values = Array.from(
    { length: MLP_OUTPUTS },
    (_, k) => ((packed >> BigInt(32 * k)) & 0xffffffffn) - OUTPUT_OFFSET
  );
  return tensor("int32", ZK_OUTPUT_SHAPE, values);
}

/** The three field elements [e0, e1, e2] the commitment hashes (see the module comment for the layout). */
export function packModelWeights(weights: MlpWeights): [bigint, bigint, bigint] {
  validateMlpWeights(weights);
  const w = [...weights.w1.flat(), ...weights.w2.flat()];
  const b = [...weights.b1, ...weights.b2];
  const pack = (vals: readonly bigint[], bits: bigint, offset: bigint) =>
    vals.reduce((acc, v, t) => acc + ((v + offset) << (bits * BigInt(t))), 0n);
  return [
    pack(w.slice(0, WEIGHTS_PER_ELEMENT), 8n, WEIGHT_OFFSET),
    pack(w.slice(WEIGHTS_PER_ELEMENT), 8n, WEIGHT_OFFSET),
    pack(b, BIAS_BITS, BIAS_OFFSET),
  ];
}

/**
 * The job binding as the circuit's last two public signals: [jobId, uint160(submitter)]. Throws
 * {@link ZkPublicSignalsError} for a job id that is not a bigint in 0..r-1 or a submitter that is not an address.
 */
export function jobBindingSignals({ jobId, submitter }: ZkJobBinding): readonly [bigint, bigint] {
  if (typeof jobId !== "bigint" || jobId < 0n || jobId >= BN254_SCALAR_FIELD)
    throw new ZkPublicSignalsError(`jobId ${String(jobId)} is not a bigint in 0..r-1`);
  if (typeof submitter !== "string" || !isAddress(submitter, { strict: false }))
    throw new ZkPublicSignalsError(`submitter ${String(submitter)} is not an address`);
  return [jobId, BigInt(submitter)];
}

/** The public signals a proof for this input, output, commitment and job binding must carry, in the circuit's order. */
export function zkPublicSignals(
  args: { input: Tensor; output: Tensor; commitment: bigint } & ZkJobBinding,
): ZkPublicSignals {
  const { commitment } = args;
  if (typeof commitment !== "bigint" || commitment < 0n || commitment >= BN254_SCALAR_FIELD)
    throw new ZkPublicSignalsError(`commitment ${String(commitment)} is not in 0..r-1`);
  return [commitment, packInput(args.input), packOutput(args.output), ...jobBindingSignals(args)];
}

/**
 * The circuit's input object for snarkjs or a witness calculator: the private signals (weights, biases, input) and
 * the job binding's two public inputs.
 */
export function mlpCircuitInput(
  weights: MlpWeights,
  input: Tensor,
  binding: ZkJobBinding,
): Record<string, bigint | bigint[] | bigint[][]> {
  validateMlpWeights(weights);
  packInput(input);
  const [jobId, submitter] = jobBindingSignals(binding);
  return {
    jobId,
    submitter,
    x: Array.from(input.values as ArrayLike<number | bigint>, BigInt),
    w1: weights.w1.map((r) => [...r]),
    b1: [...weights.b1],
    w2: weights.w2.map((r) => [...r]),
    b2: [...weights.b2],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Proving and verification
// ---------------------------------------------------------------------------------------------------------------

/** Public signals as bigints, each below the field modulus; throws {@link ZkPublicSignalsError} otherwise. */
export function parseSignals(publicSignals: readonly (bigint | string)[], expected: number): ZkPublicSignals {
  if (!Array.isArray(publicSignals) || publicSignals.length !== expected)
    throw new ZkPublicSignalsError(
      `expected ${expected} values, got ${Array.isArray(publicSignals) ? publicSignals.length : typeof publicSignals}`
    );
  const out = publicSignals.map((s, i) => {
    let v: bigint;
    if (typeof s === "bigint") v = s;
    else if (typeof s === "string" && /^[0-9]+$/.test(s)) v = BigInt(s);
    else throw new ZkPublicSignalsError(`signal ${i} (${String(s)}) is not a non-negative integer`);
    if (v >= BN254_SCALAR_FIELD)
      throw new ZkPublicSignalsError(`signal ${i} (${v}) is not below the field modulus r = ${BN254_SCALAR_FIELD}`);
    return v;
  });
  return out as unknown as ZkPublicSignals;
}

function coordinate(v: unknown, what: string, fail: (r: string) => Error): bigint {
  if (typeof v !== "string" || !/^[0-9]+$/.test(v)) throw fail(`${what} is not a decimal integer string`);
  const n = BigInt(v);
  if (n >= BN254_BASE_FIELD) throw fail(`${what} is not below the base field modulus q`);
  return n;
}

function g1(p: unknown, what: string, fail: (r: string) => Error): [bigint, bigint] {
  if (!Array.isArray(p) || p.length < 2) throw fail(`${what} must be [x, y, z]`);
  if (p.length > 2 && p[2] !== "1") throw fail(`${what} must be affine (z = "1")`);
  return [coordinate(p[0], `${what}.x`, fail), coordinate(p[1], `${what}.y`, fail)];
}

/** G2 point as [[x.c1, x.c0], [y.c1, y.c0]]: the EIP-197 order the pairing precompile (and the verifier) expect. */
function g2(p: unknown, what: string, fail: (r: string) => Error): [[bigint, bigint], [bigint, bigint]] {
  if (!Array.isArray(p) || p.length < 2) throw fail(`${what} must be [[x0, x1], [y0, y1], z]`);
  const [x, y, z] = p as unknown[];
  if (!Array.isArray(x) || x.length !== 2 || !Array.isArray(y) || y.length !== 2)
    throw fail(`${what} coordinates must be pairs`);
  if (z !== undefined && (!Array.isArray(z) || z[0] !== "1" || z[1] !== "0"))
    throw fail(`${what} must be affine (z = ["1","0"])`);
  return [
    [coordinate(x[1], `${what}.x.c1`, fail), coordinate(x[0], `${what}.x.c0`, fail)],
    [coordinate(y[1], `${what}.y.c1`, fail), coordinate(y[0], `${what}.y.c0`, fail)],
  ];
}

function checkProof(proof: Groth16Proof): SolidityGroth16Proof {
  const fail = (r: string) => new ZkProofFormatError(r);
  if (typeof proof !== "object" || proof === null) throw fail("not an object");
  if (proof.protocol !== undefined && proof.protocol !== "groth16") throw fail(`protocol is ${proof.protocol}`);
  if (proof.curve !== undefined && proof.curve !== "bn128") throw fail(`curve is ${proof.curve}`);
  return { a: g1(proof.pi_a, "pi_a", fail), b: g2(proof.pi_b, "pi_b", fail), c: g1(proof.pi_c, "pi_c", fail) };
}

type ParsedVkey = {
  alpha: [bigint, bigint];
  beta: [[bigint, bigint], [bigint, bigint]];
  gamma: [[bigint, bigint], [bigint, bigint]];
  delta: [[bigint, bigint], [bigint, bigint]];
  ic: [bigint, bigint][];
};

function checkVkey(vkey: Groth16VerifyingKey): ParsedVkey {
  const fail = (r: string) => new ZkVerifyingKeyError(r);
  if (typeof vkey !== "object" || vkey === null) throw fail("not an object");
  if (vkey.protocol !== "groth16") throw fail(`protocol is ${String(vkey.protocol)}, expected groth16`);
  if (vkey.curve !== "bn128") throw fail(`curve is ${String(vkey.curve)}, expected bn128`);
  if (!Array.isArray(vkey.IC) || vkey.IC.length !== vkey.nPublic + 1)
    throw fail(`IC has ${Array.isArray(vkey.IC) ? vkey.IC.length : 0} points for nPublic = ${vkey.nPublic}`);
  return {
    alpha: g1(vkey.vk_alpha_1, "vk_alpha_1", fail),
    beta: g2(vkey.vk_beta_2, "vk_beta_2", fail),
    gamma: g2(vkey.vk_gamma_2, "vk_gamma_2", fail),
    delta: g2(vkey.vk_delta_2, "vk_delta_2", fail),
    ic: vkey.IC.map((p, i) => g1(p, `IC[${i}]`, fail)),
  };
}

/**
 * The on-chain identifier of a verifying key:
 * ```
 * keccak256(abi.encode(uint256[2] alpha1, uint256[2][2] beta2, uint256[2][2] gamma2, uint256[2][2] delta2,
 *                      uint256[2][] ic))
 * ```
 * with G1 points as [x, y] and G2 points as [[x.c1, x.c0], [y.c1, y.c0]] (the EIP-197 order, as the constants of
 * the snarkjs Solidity verifier are laid out), and ic = IC[0..nPublic]. `vk_alphabeta_12` is derived from alpha
 * and beta and is not hashed. A contract can recompute it from the same numbers with `abi.encode`.
 */
export function vkeyHash(vkey: Groth16VerifyingKey): Hex {
  return keccak256(encodeVerifyingKey(vkey));
}

const VKEY_ABI = [
  { type: "uint256[2]" },
  { type: "uint256[2][2]" },
  { type: "uint256[2][2]" },
  { type: "uint256[2][2]" },
  { type: "uint256[2][]" },
] as const;

/**
 * The canonical encoding of a verifying key, whose `keccak256` is {@link vkeyHash}: what
 * `ZkVerifier.publishVerifyingKey` publishes on chain and {@link decodeVerifyingKey} reads back.
 */
export function encodeVerifyingKey(vkey: Groth16VerifyingKey): Hex {
  const v = checkVkey(vkey);
  return encodeAbiParameters(VKEY_ABI, [v.alpha, v.beta, v.gamma, v.delta, v.ic]);
}

/**
 * A verifying key from its canonical encoding (as published in `ZkVerifyingKeyPublished`), in snarkjs's format.
 * Throws {@link ZkVerifyingKeyError} for bytes that are not one (a verifier never guesses).
 */
export function decodeVerifyingKey(encoded: Hex): Groth16VerifyingKey {
  let alpha: readonly bigint[];
  let beta: readonly (readonly bigint[])[];
  let gamma: readonly (readonly bigint[])[];
  let delta: readonly (readonly bigint[])[];
  let ic: readonly (readonly bigint[])[];
  try {
    [alpha, beta, gamma, delta, ic] = decodeAbiParameters(VKEY_ABI, encoded);
  } catch (err) {
    throw new ZkVerifyingKeyError(`not the canonical encoding of a verifying key (${(err as Error).message.split("\n")[0]})`);
  }
  if (ic.length === 0) throw new ZkVerifyingKeyError("the encoding has no IC point");
  const g1 = (p: readonly bigint[]) => [p[0]!.toString(), p[1]!.toString(), "1"];
  // Stored as [[x.c1, x.c0], [y.c1, y.c0]] (EIP-197); snarkjs holds [[x.c0, x.c1], [y.c0, y.c1], [1, 0]].
  const g2 = (p: readonly (readonly bigint[])[]) => [
    [p[0]![1]!.toString(), p[0]![0]!.toString()],
    [p[1]![1]!.toString(), p[1]![0]!.toString()],
    ["1", "0"],
  ];
  const vkey: Groth16VerifyingKey = {
    protocol: "groth16",
    curve: "bn128",
    nPublic: ic.length - 1,
    vk_alpha_1: g1(alpha),
    vk_beta_2: g2(beta),
    vk_gamma_2: g2(gamma),
    vk_delta_2: g2(delta),
    IC: ic.map(g1),
  };
  if (encodeVerifyingKey(vkey).toLowerCase() !== encoded.toLowerCase()) {
    throw new ZkVerifyingKeyError("the encoding is not canonical (it does not re-encode to the same bytes)");
  }
  return vkey;
}

/**
 * The proof as the snarkjs Solidity verifier takes it: `a = pi_a[0..1]`, `b` with each G2 coordinate's two
 * limbs swapped (`[[pi_b[0][1], pi_b[0][0]], [pi_b[1][1], pi_b[1][0]]]`), `c = pi_c[0..1]`.
 */
export function encodeProofForSolidity(proof: Groth16Proof): SolidityGroth16Proof {
  return checkProof(proof);
}

/** @noble/curves' BN254 pairing, imported on first use (a dApp that never verifies a ZK job never loads it). */
let noblePromise: Promise<typeof import("@noble/curves/bn254")> | undefined;
function loadBn254(): Promise<typeof import("@noble/curves/bn254")> {
  noblePromise ??= import("@noble/curves/bn254");
  return noblePromise;
}

export type VerifyMlpProofParameters = {
  proof: Groth16Proof;
  /** [commitment, packedInput, packedOutput, jobId, submitter], bigints or decimal strings. */
  publicSignals: readonly (bigint | string)[];
  vkey: Groth16VerifyingKey;
};
export type VerifyMlpProofErrorType = ZkPublicSignalsError | ZkProofFormatError | ZkVerifyingKeyError;

/**
 * Verifies a Groth16 proof against the verifying key and public signals, with the BN254 pairing of @noble/curves
 * (pure JavaScript, audited; loaded on first use), the check the EIP-197 precompile makes on chain. Returns false for a proof that does not
 * verify (wrong input, output, commitment, job or submitter, tampered point); throws for malformed arguments, including a public
 * signal that is not below the field modulus (it would alias another value).
 *
 * @example
 * const publicSignals = zkPublicSignals({ input, output, commitment, jobId, submitter: operator });
 * const ok = await verifyMlpProof({ proof, publicSignals, vkey });
 */
export async function verifyMlpProof({ proof, publicSignals, vkey }: VerifyMlpProofParameters): Promise<boolean> {
  const v = checkVkey(vkey);
  const signals = parseSignals(publicSignals, vkey.nPublic);
  const p = checkProof(proof);
  const { bn254 } = await loadBn254();
  const { Fp2, Fp12 } = bn254.fields;
  // Points in the Solidity order (G2 limbs [c1, c0]); fromAffine and assertValidity refuse a point off the curve.
  const g1 = ([x, y]: readonly [bigint, bigint]) => bn254.G1.ProjectivePoint.fromAffine({ x, y });
  type G2 = readonly [readonly [bigint, bigint], readonly [bigint, bigint]];
  const g2 = ([[x1, x0], [y1, y0]]: G2) =>
    bn254.G2.ProjectivePoint.fromAffine({ x: Fp2.fromBigTuple([x0, x1]), y: Fp2.fromBigTuple([y0, y1]) });
  let a, b, c;
  try {
    a = g1(p.a);
    b = g2(p.b);
    c = g1(p.c);
    a.assertValidity();
    b.assertValidity();
    c.assertValidity();
  } catch {
    return false; // a point that is not on its curve: the precompile would refuse it too
  }
  // vk_x = IC[0] + sum(signal[i] * IC[i + 1]); then e(-A, B) * e(alpha, beta) * e(vk_x, gamma) * e(C, delta) == 1.
  let vkx = g1(v.ic[0]!);
  signals.forEach((s, i) => {
    if (s !== 0n) vkx = vkx.add(g1(v.ic[i + 1]!).multiply(s));
  });
  const product = bn254.pairingBatch([
    { g1: a.negate(), g2: b },
    { g1: g1(v.alpha), g2: g2(v.beta) },
    { g1: vkx, g2: g2(v.gamma) },
    { g1: c, g2: g2(v.delta) },
  ]);
  return Fp12.eql(product, Fp12.ONE);
}

/**
 * Ends the worker threads snarkjs starts for BN254 arithmetic, so a Node process can exit. Safe to call when none
 * were started; the next proof or verification starts them again.
 */
export async function releaseZkWorkers(): Promise<void> {
  const curve = (globalThis as { curve_bn128?: { terminate: () => Promise<void> } }).curve_bn128;
  if (curve) await curve.terminate();
}
