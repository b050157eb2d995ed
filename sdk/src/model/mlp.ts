/**
 * The reference model architecture, "mlp-4-8-3-int8": a quantized integer MLP whose arithmetic is exact, so
 * ONNX Runtime, this TypeScript reference and the ZK circuit give bit-identical outputs.
 *
 * ```
 * x  : int8[4]                      (features quantized by the model's input scale)
 * a  = x · W1 + b1                  W1 int8[4][8], b1 int32[8]
 * h  = floor(relu(a) / 2^SHIFT)     SHIFT = 7; relu first, so the division is of a non-negative number
 * y  = h · W2 + b2                  W2 int8[8][3], b2 int32[3]; y is int32[3], the class logits
 * class = argmax(y) (first maximum wins)
 * ```
 */
export const MLP_ARCH = "mlp-4-8-3-int8" as const;
export const MLP_INPUTS = 4;
export const MLP_HIDDEN = 8;
export const MLP_OUTPUTS = 3;
export const MLP_SHIFT = 7;
/** Bound on |b1|, |b2| so every intermediate fits int32 and the circuit's range checks. */
export const MLP_BIAS_BOUND = 1n << 20n;

export type MlpWeights = {
  /** [MLP_INPUTS][MLP_HIDDEN], int8 */
  w1: bigint[][];
  /** [MLP_HIDDEN], |b| < 2^20 */
  b1: bigint[];
  /** [MLP_HIDDEN][MLP_OUTPUTS], int8 */
  w2: bigint[][];
  /** [MLP_OUTPUTS], |b| < 2^20 */
  b2: bigint[];
};

/** Runs the reference MLP on one input vector of MLP_INPUTS int8 values; returns the int32 logits. */
export function mlpForward(weights: MlpWeights, input: ArrayLike<number | bigint>): bigint[] {
  const x = Array.from(input, (v) => BigInt(v));
  if (x.length !== MLP_INPUTS) throw new RangeError(`expected ${MLP_INPUTS} inputs, got ${x.length}`);
  const h: bigint[] = [];
  for (let j = 0; j < MLP_HIDDEN; j++) {
    let a = weights.b1[j]!;
    for (let i = 0; i < MLP_INPUTS; i++) a += x[i]! * weights.w1[i]![j]!;
    h.push(a > 0n ? a >> BigInt(MLP_SHIFT) : 0n);
  }
  const y: bigint[] = [];
  for (let k = 0; k < MLP_OUTPUTS; k++) {
    let s = weights.b2[k]!;
    for (let j = 0; j < MLP_HIDDEN; j++) s += h[j]! * weights.w2[j]![k]!;
    y.push(s);
  }
  return y;
}

/** Index of the first maximum. */
export function argmax(values: ArrayLike<number | bigint>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * Checks that weights have the shapes and ranges of {@link MLP_ARCH} (int8 weights, |bias| < 2^20); throws a
 * RangeError naming the first offending entry.
 */
export function validateMlpWeights(weights: MlpWeights): void {
  const checkMatrix = (name: string, m: bigint[][], rows: number, cols: number) => {
    if (m.length !== rows) throw new RangeError(`${name} has ${m.length} rows, expected ${rows}`);
    m.forEach((row, i) => {
      if (row.length !== cols) throw new RangeError(`${name}[${i}] has ${row.length} columns, expected ${cols}`);
      row.forEach((v, j) => {
        if (typeof v !== "bigint" || v < -128n || v > 127n)
          throw new RangeError(`${name}[${i}][${j}] = ${String(v)} is not an int8`);
      });
    });
  };
  const checkBias = (name: string, b: bigint[], n: number) => {
    if (b.length !== n) throw new RangeError(`${name} has ${b.length} entries, expected ${n}`);
    b.forEach((v, i) => {
      if (typeof v !== "bigint" || v <= -MLP_BIAS_BOUND || v >= MLP_BIAS_BOUND)
        throw new RangeError(`${name}[${i}] = ${String(v)} is outside (-2^20, 2^20)`);
    });
  };
  checkMatrix("w1", weights.w1, MLP_INPUTS, MLP_HIDDEN);
  checkBias("b1", weights.b1, MLP_HIDDEN);
  checkMatrix("w2", weights.w2, MLP_HIDDEN, MLP_OUTPUTS);
  checkBias("b2", weights.b2, MLP_OUTPUTS);
}
