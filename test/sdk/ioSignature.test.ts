import { expect } from "chai";
import fc from "fast-check";
import { type Hex, keccak256, stringToHex, toHex } from "viem";
import {
  DEFAULT_GRID_FRACTION_BITS,
  type IoSignature,
  IoSignatureError,
  MAX_IO_SIGNATURE_BYTES,
  ModelInputError,
  canonicalizeOutputs,
  checkInputs,
  checkSignatureModes,
  decodeIoSignature,
  describeIoSignature,
  encodeIoSignature,
  hashIoSignature,
  ioSignature,
  isCanonicalOutput,
} from "../../sdk/src/encoding/ioSignature.js";
import { DTYPES, type DType, type Tensor, fromBfloat16Bits, fromFloat16Bits, tensor } from "../../sdk/src/encoding/tensor.js";
import { TensorEncodingError } from "../../sdk/src/errors/index.js";
import { VerityMode } from "../../sdk/src/constants.js";

const MNIST = ioSignature({
  inputs: [{ name: "image", dtype: "float32", shape: ["batch", 784] }],
  outputs: [{ name: "logits", dtype: "float32", shape: ["batch", 10] }],
  labels: { logits: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] },
});
const MNIST_JSON =
  `{"canonicalization":{"fractionBits":6,"kind":"grid"},"format":"verity-io/1",` +
  `"inputs":[{"dtype":"float32","name":"image","shape":["batch",784]}],` +
  `"labels":{"logits":["0","1","2","3","4","5","6","7","8","9"]},` +
  `"outputs":[{"dtype":"float32","name":"logits","shape":["batch",10]}]}`;

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error, but the call returned");
}
function signatureError(f: () => unknown, message: RegExp): void {
  const err = thrown(f);
  expect(err, err.message).to.be.instanceOf(IoSignatureError);
  expect((err as IoSignatureError).shortMessage).to.match(message);
}
const grid = (fractionBits: number, dtype: DType = "float32") =>
  ioSignature({ inputs: [{ name: "x", dtype, shape: [null] }], outputs: [{ name: "y", dtype, shape: [null] }], canonicalization: { kind: "grid", fractionBits } });
const values = (t: Tensor) => Array.from(t.values as Float64Array);

describe("IO signature: the document", function () {
  it("encodes the canonical JSON document byte for byte, and hashes it", function () {
    expect(encodeIoSignature(MNIST)).to.equal(stringToHex(MNIST_JSON));
    expect(hashIoSignature(MNIST)).to.equal(keccak256(stringToHex(MNIST_JSON)));
    expect(hashIoSignature(stringToHex(MNIST_JSON))).to.equal(hashIoSignature(MNIST));
    expect(decodeIoSignature(stringToHex(MNIST_JSON))).to.deep.equal(MNIST);
  });

  it("normalizes: sorts tensors and labels by name, free dimensions (-1, \"\") become null, the default canonicalization", function () {
    const sig = ioSignature({
      inputs: [
        { name: "sr", dtype: "int64", shape: [] },
        { name: "input", dtype: "float32", shape: [-1, ""] },
      ],
      outputs: [
        { name: "b", dtype: "int32", shape: [2] },
        { name: "a", dtype: "bool", shape: [1] },
      ],
      labels: { b: ["no", "yes"] },
    });
    expect(sig.inputs.map((s) => s.name)).to.deep.equal(["input", "sr"]);
    expect(sig.inputs[0]!.shape).to.deep.equal([null, null]);
    expect(sig.outputs.map((s) => s.name)).to.deep.equal(["a", "b"]);
    expect(sig.canonicalization).to.deep.equal({ kind: "exact" }); // integer and bool outputs
    expect(MNIST.canonicalization).to.deep.equal({ kind: "grid", fractionBits: DEFAULT_GRID_FRACTION_BITS });
    expect(encodeIoSignature(sig)).to.not.include(stringToHex('"labels":{}').slice(2));
    // Unicode names sort by UTF-8 bytes (code points), not UTF-16 units: U+FF5E before U+1F600.
    const uni = ioSignature({ inputs: [{ name: "😀", dtype: "int8", shape: [1] }, { name: "～", dtype: "int8", shape: [1] }], outputs: [{ name: "y", dtype: "int8", shape: [1] }] });
    expect(uni.inputs.map((s) => s.name)).to.deep.equal(["～", "😀"]);
  });

  it("round-trips every valid signature through its document (property)", async function () {
    const name = fc.string({ minLength: 1, maxLength: 12, unit: "grapheme" });
    const dim = fc.oneof(fc.integer({ min: 1, max: 0xffffffff }), fc.constantFrom("batch", "time", "n"), fc.constant(null));
    const spec = fc.record({ name, dtype: fc.constantFrom(...DTYPES), shape: fc.array(dim, { maxLength: 8 }) });
    const specs = fc.uniqueArray(spec, { minLength: 1, maxLength: 6, selector: (s) => s.name });
    const canonicalization = fc.option(
      fc.oneof(fc.constant({ kind: "exact" as const }), fc.integer({ min: 0, max: 52 }).map((b) => ({ kind: "grid" as const, fractionBits: b }))),
      { nil: undefined },
    );
    await fc.assert(
      fc.property(specs, specs, canonicalization, (inputs, outputs, c) => {
        const sig = ioSignature({ inputs, outputs, canonicalization: c });
        const bytes = encodeIoSignature(sig);
        expect(decodeIoSignature(bytes)).to.deep.equal(sig);
        expect(encodeIoSignature(decodeIoSignature(bytes))).to.equal(bytes);
      }),
      { numRuns: 200 },
    );
  });

  it("accepts a document of exactly 16,384 bytes and refuses one byte more", function () {
    const size = (p: Parameters<typeof encodeIoSignature>[0]) => (encodeIoSignature(p).length - 2) / 2;
    // One output of free size with 100-byte labels, then the first label sized to land on `target` bytes.
    const sized = (target: number) => {
      const labels = ["l"];
      const doc = () => ({ inputs: MNIST.inputs, outputs: [{ name: "y", dtype: "int8" as const, shape: [null] }], labels: { y: labels } });
      while (size(doc()) + 103 <= target) labels.push("l".repeat(100));
      labels[0] = "l".repeat(1 + target - size(doc()));
      return doc();
    };
    const exact = sized(MAX_IO_SIGNATURE_BYTES);
    expect(size(exact)).to.equal(MAX_IO_SIGNATURE_BYTES);
    expect(decodeIoSignature(encodeIoSignature(exact)).labels!.y).to.have.length(exact.labels.y.length);
    const over = sized(MAX_IO_SIGNATURE_BYTES);
    over.labels.y[0] += "l";
    signatureError(() => encodeIoSignature(over), /the document is 16385 bytes, the most is 16384/);
  });

  describe("strict decoding refuses, naming the problem", function () {
    const cases: [string, Hex, RegExp][] = [
      ["no bytes", "0x", /is 0 bytes/],
      ["invalid UTF-8", "0xc328", /not valid UTF-8/],
      ["a byte-order mark before the document", `0xefbbbf${stringToHex(MNIST_JSON).slice(2)}`, /not in canonical form/],
      ["not JSON", stringToHex("{not json"), /not JSON/],
      ["a JSON array", stringToHex("[]"), /not a JSON object/],
      ["another format", stringToHex(MNIST_JSON.replace("verity-io/1", "verity-io/2")), /format is "verity-io\/2"/],
      ["no format", stringToHex(MNIST_JSON.replace(`"format":"verity-io/1",`, "")), /format is missing/],
      ["an unknown key", stringToHex(MNIST_JSON.replace(`"format"`, `"extra":1,"format"`)), /unknown key "extra"/],
      ["an unknown tensor key", stringToHex(MNIST_JSON.replace(`{"dtype":"float32","name":"image"`, `{"doc":"x","dtype":"float32","name":"image"`)), /unknown key "doc"/],
      ["whitespace", stringToHex(MNIST_JSON.replace(`"format":`, `"format": `)), /not in canonical form/],
      ["keys out of order", stringToHex(MNIST_JSON.replace(`{"dtype":"float32","name":"image"`, `{"name":"image","dtype":"float32"`)), /not in canonical form/],
      ["an escape where a character is canonical", stringToHex(MNIST_JSON.replace(`"image"`, `"im\\u0061ge"`)), /not in canonical form/],
      ["-1 for a free dimension", stringToHex(MNIST_JSON.replace(`["batch",784]`, `[-1,784]`)), /not in canonical form/],
      ["a duplicate key", stringToHex(MNIST_JSON.replace(`"format":"verity-io/1"`, `"format":"verity-io/1","format":"verity-io/1"`)), /not in canonical form/],
      ["empty labels", stringToHex(MNIST_JSON.replace(`"labels":{"logits":["0","1","2","3","4","5","6","7","8","9"]}`, `"labels":{}`)), /omitted, not empty/],
      ["no canonicalization", stringToHex(MNIST_JSON.replace(`"canonicalization":{"fractionBits":6,"kind":"grid"},`, "")), /no canonicalization/],
      ["a grid of 53 bits", stringToHex(MNIST_JSON.replace(`"fractionBits":6`, `"fractionBits":53`)), /53 fraction bits/],
      ["a float dimension", stringToHex(MNIST_JSON.replace(`784]`, `784.5]`)), /dimension 784.5/],
      ["an odd-length hex string", "0xabc" as Hex, /must be bytes/],
    ];
    for (const [what, doc, message] of cases) {
      it(what, function () {
        signatureError(() => decodeIoSignature(doc), message);
      });
    }
    it("a document larger than 16,384 bytes, before parsing it", function () {
      signatureError(() => decodeIoSignature(new Uint8Array(MAX_IO_SIGNATURE_BYTES + 1).fill(0x20)), /is 16385 bytes/);
    });
  });

  describe("building refuses bad signatures", function () {
    const io = (over: object) => ({ inputs: MNIST.inputs, outputs: MNIST.outputs, ...over });
    const cases: [string, () => unknown, RegExp][] = [
      ["no inputs", () => ioSignature(io({ inputs: [] })), /1 to 64 inputs, got 0/],
      ["65 outputs", () => ioSignature(io({ outputs: Array.from({ length: 65 }, (_, i) => ({ name: `o${i}`, dtype: "int8", shape: [] })) })), /1 to 64 outputs, got 65/],
      ["two inputs of one name", () => ioSignature(io({ inputs: [MNIST.inputs[0], MNIST.inputs[0]] })), /two inputs are named "image"/],
      ["an unknown dtype", () => ioSignature(io({ inputs: [{ name: "x", dtype: "complex64", shape: [] }] })), /dtype "complex64"/],
      ["rank 9", () => ioSignature(io({ inputs: [{ name: "x", dtype: "int8", shape: Array(9).fill(1) }] })), /rank 9, the most is 8/],
      ["a dimension of 0", () => ioSignature(io({ inputs: [{ name: "x", dtype: "int8", shape: [0] }] })), /dimension 0/],
      ["a dimension of 2^32", () => ioSignature(io({ inputs: [{ name: "x", dtype: "int8", shape: [2 ** 32] }] })), /dimension 4294967296/],
      ["an empty name", () => ioSignature(io({ inputs: [{ name: "", dtype: "int8", shape: [] }] })), /non-empty string/],
      ["a 129-byte name", () => ioSignature(io({ inputs: [{ name: "é".repeat(65), dtype: "int8", shape: [] }] })), /130 bytes, the most is 128/],
      ["a lone surrogate", () => ioSignature(io({ inputs: [{ name: "x\ud800", dtype: "int8", shape: [] }] })), /not well-formed Unicode/],
      ["a 65-byte symbol", () => ioSignature(io({ inputs: [{ name: "x", dtype: "int8", shape: ["s".repeat(65)] }] })), /65 bytes, the most is 64/],
      ["labels of no output", () => ioSignature(io({ labels: { image: ["a"] } })), /labels for "image", which is not an output/],
      ["more labels than classes", () => ioSignature(io({ labels: { logits: ["a", "b"] } })), /10 classes .* but 2 labels/],
      ["labels on a scalar", () => ioSignature(io({ outputs: [{ name: "p", dtype: "float32", shape: [] }], labels: { p: ["a"] } })), /is a scalar/],
      ["a 129-byte label", () => ioSignature(io({ outputs: [{ name: "p", dtype: "float32", shape: [1] }], labels: { p: ["x".repeat(129)] } })), /129 bytes, the most is 128/],
      ["an empty label", () => ioSignature(io({ outputs: [{ name: "p", dtype: "float32", shape: [2] }], labels: { p: ["a", ""] } })), /label 1 of output "p"/],
      ["a grid of -1 bits", () => ioSignature(io({ canonicalization: { kind: "grid", fractionBits: -1 } })), /-1 fraction bits/],
      ["an unknown canonicalization", () => ioSignature(io({ canonicalization: { kind: "round" } })), /is not \{ kind: "exact" \}/],
    ];
    for (const [what, f, message] of cases) {
      it(what, function () {
        signatureError(f, message);
      });
    }
  });
});

describe("IO signature: inputs", function () {
  const VAD = ioSignature({
    inputs: [
      { name: "input", dtype: "float32", shape: ["batch", 512] },
      { name: "state", dtype: "float32", shape: [2, "batch", 128] },
      { name: "sr", dtype: "int64", shape: [] },
    ],
    outputs: [{ name: "output", dtype: "float32", shape: ["batch", 1] }],
  });
  const ok = () => ({ input: tensor.float32([2, 512], new Float32Array(1024)), state: tensor.float32([2, 2, 128], new Float32Array(512)), sr: tensor.int64([], [16000n]) });
  const refusal = (inputs: Record<string, Tensor>, reason: RegExp, expected?: RegExp) => {
    const err = thrown(() => checkInputs(VAD, inputs));
    expect(err).to.be.instanceOf(ModelInputError);
    expect((err as ModelInputError).shortMessage).to.match(reason);
    if (expected) expect((err as ModelInputError).details).to.match(expected);
  };

  it("returns the sizes its symbols take", function () {
    expect([...checkInputs(VAD, ok())]).to.deep.equal([["batch", 2]]);
    expect([...checkInputs(VAD.inputs, ok())]).to.deep.equal([["batch", 2]]);
  });

  it("refuses an unknown, a missing, a mistyped, a misshapen input, and one symbol given two sizes", function () {
    refusal({ ...ok(), extra: tensor.int8([1], [1]) }, /there is no input "extra"/, /the inputs "input" float32 \[batch,512\], "sr" int64 \[\], "state"/);
    const { sr: _, ...noSr } = ok();
    refusal(noSr, /input "sr" is missing/);
    refusal({ ...ok(), sr: tensor.int32([], [16000]) }, /input "sr" is int32/, /input "sr" as int64 \[\]/);
    refusal({ ...ok(), input: tensor.float32([2, 511], new Float32Array(1022)) }, /input "input" has shape \[2,511\]/);
    refusal({ ...ok(), input: tensor.float32([1024], new Float32Array(1024)) }, /input "input" has shape \[1024\]/);
    refusal({ ...ok(), state: tensor.float32([2, 3, 128], new Float32Array(768)) }, /gives dimension "batch" the size 3, another input gave it 2/);
    refusal(Object.create({ sr: tensor.int64([], [1n]) }) as Record<string, Tensor>, /input "input" is missing/);
  });

  it("refuses a malformed tensor with TensorEncodingError, and a non-record with ModelInputError", function () {
    expect(thrown(() => checkInputs(VAD, { ...ok(), sr: { dtype: "int64", shape: [], values: [1] } as never }))).to.be.instanceOf(TensorEncodingError);
    expect(thrown(() => checkInputs(VAD, null as never))).to.be.instanceOf(ModelInputError);
  });

  it("lets a null dimension take any size", function () {
    const free = ioSignature({ inputs: [{ name: "x", dtype: "int8", shape: [null, 2] }], outputs: [{ name: "y", dtype: "int8", shape: [1] }] });
    expect(checkInputs(free, { x: tensor.int8([5, 2], new Int8Array(10)) }).size).to.equal(0);
  });
});

describe("IO signature: output canonicalization", function () {
  it("rounds to the grid, ties to even, -0 to +0, and keeps NaN and infinities", function () {
    const sig = grid(2, "float64"); // multiples of 0.25
    const x = tensor.float64([9], [0.125, 0.375, -0.125, -0, 0.3, 1e-300, Number.NaN, Number.POSITIVE_INFINITY, -0.625]);
    const y = canonicalizeOutputs(sig, { y: x }).y!;
    const got = values(y);
    expect(got.slice(0, 6)).to.deep.equal([0, 0.5, 0, 0, 0.25, 0]);
    expect(Object.is(got[2], 0) && Object.is(got[3], 0) && Object.is(got[5], 0)).to.equal(true);
    expect(Number.isNaN(got[6])).to.equal(true);
    expect(got[7]).to.equal(Number.POSITIVE_INFINITY);
    expect(got[8]).to.equal(-0.5); // -2.5 quarters: the even neighbour is -2
    expect(Object.is(values(x)[3], -0)).to.equal(true); // the argument is not changed
  });

  it("leaves values already on the grid, and large values, as they are (property: idempotent, within half a step)", async function () {
    await fc.assert(
      fc.property(fc.integer({ min: 0, max: 52 }), fc.double({ noNaN: true, noDefaultInfinity: true }), (bits, v) => {
        const y = values(canonicalizeOutputs(grid(bits, "float64"), { y: tensor.float64([1], [v]) }).y!)[0]!;
        expect(Math.abs(y - v)).to.be.at.most(2 ** -(bits + 1));
        expect(Number.isInteger(y * 2 ** bits) || Math.abs(y) >= 2 ** (52 - bits)).to.equal(true);
        expect(values(canonicalizeOutputs(grid(bits, "float64"), { y: tensor.float64([1], [y]) }).y!)[0]).to.equal(y);
      }),
      { numRuns: 500 },
    );
    const big = 2 ** 40 + 0.5;
    expect(values(canonicalizeOutputs(grid(16, "float64"), { y: tensor.float64([1], [big]) }).y!)).to.deep.equal([big]);
  });

  it("rounds float32 values and stores them back exactly (property: the float64 result is a float32)", async function () {
    await fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 }), fc.float({ noNaN: true, noDefaultInfinity: true }), (bits, v) => {
        const x = Math.fround(v);
        const r = Math.round(x * 2 ** bits) / 2 ** bits; // a check, not the rule: ties differ only on exact halves
        const y = values(canonicalizeOutputs(grid(bits), { y: tensor.float32([1], [x]) }).y!)[0]!;
        expect(Math.fround(y)).to.equal(y);
        expect(Math.abs(y - r)).to.be.at.most(2 ** -bits);
      }),
      { numRuns: 500 },
    );
  });

  it("rounds float16 and bfloat16 values in their own formats", function () {
    const f16 = canonicalizeOutputs(grid(4, "float16"), { y: tensor.float16([3], [1 / 3, -0.01, 1000.3]) }).y!;
    expect(Array.from(f16.values as Uint16Array, fromFloat16Bits)).to.deep.equal([0.3125, 0, 1000.5]);
    const bf = canonicalizeOutputs(grid(4, "bfloat16"), { y: tensor.bfloat16([2], [1 / 3, 2.53125]) }).y!;
    expect(Array.from(bf.values as Uint16Array, fromBfloat16Bits)).to.deep.equal([0.3125, 2.5]);
  });

  it("never changes integer or bool outputs, nor anything under exact", function () {
    const sig = ioSignature({
      inputs: [{ name: "x", dtype: "int8", shape: [1] }],
      outputs: [{ name: "f", dtype: "float32", shape: [2] }, { name: "i", dtype: "int32", shape: [2] }],
    });
    const outputs = { f: tensor.float32([2], [0.1, -0]), i: tensor.int32([2], [7, -3]) };
    const c = canonicalizeOutputs(sig, outputs);
    expect(Array.from(c.i!.values as Int32Array)).to.deep.equal([7, -3]);
    expect(isCanonicalOutput(sig, outputs)).to.equal(false);
    expect(isCanonicalOutput(sig, c)).to.equal(true);
    const exact = ioSignature({ ...sig, canonicalization: { kind: "exact" } });
    const same = canonicalizeOutputs(exact, outputs);
    expect(Object.is((same.f!.values as Float32Array)[1], -0)).to.equal(true);
    expect(isCanonicalOutput(exact, outputs)).to.equal(true);
  });

  it("refuses outputs that are not the signature's", function () {
    const sig = grid(8);
    signatureError(() => canonicalizeOutputs(sig, {}), /returned no output "y"/);
    signatureError(() => canonicalizeOutputs(sig, { y: tensor.float32([1], [1]), z: tensor.float32([1], [1]) }), /output "z" the signature does not declare/);
    signatureError(() => canonicalizeOutputs(sig, { y: tensor.float64([1], [1]) }), /output "y" is float64 \[1\], the signature declares float32 \[\?\]/);
    signatureError(() => canonicalizeOutputs(sig, { y: tensor.float32([1, 1], [1]) }), /output "y" is float32 \[1,1\]/);
    const batched = ioSignature({ inputs: [{ name: "x", dtype: "int8", shape: [1] }], outputs: [{ name: "a", dtype: "int8", shape: ["n"] }, { name: "b", dtype: "int8", shape: ["n"] }] });
    signatureError(() => canonicalizeOutputs(batched, { a: tensor.int8([1], [1]), b: tensor.int8([2], [1, 2]) }), /output "b" is int8 \[2\], the signature declares int8 \[n\]/);
  });
});

describe("IO signature: modes and display", function () {
  it("refuses QUORUM and OPTIMISTIC for float outputs compared exactly, and allows them on a grid or for integers", function () {
    const exact = ioSignature({ ...MNIST, canonicalization: { kind: "exact" } });
    signatureError(() => checkSignatureModes(exact, [VerityMode.tee, VerityMode.quorum]), /"logits" are compared exactly.* in QUORUM/);
    signatureError(() => checkSignatureModes(exact, [VerityMode.optimistic]), /in OPTIMISTIC/);
    checkSignatureModes(exact, [VerityMode.tee, VerityMode.zk]);
    checkSignatureModes(MNIST, [VerityMode.quorum, VerityMode.optimistic]);
    const ints = ioSignature({ inputs: MNIST.inputs, outputs: [{ name: "y", dtype: "int32", shape: [1] }] });
    checkSignatureModes(ints, [VerityMode.quorum]);
  });

  it("describes a signature in a few lines", function () {
    expect(describeIoSignature(MNIST)).to.equal(
      ["in  image float32 [batch,784]", "out logits float32 [batch,10] (10 labels 0, 1, …, 9)", "outputs rounded to multiples of 2^-6 (grid:6)"].join("\n"),
    );
    const sig: IoSignature = ioSignature({ inputs: [{ name: "x", dtype: "int8", shape: [null] }], outputs: [{ name: "y", dtype: "int32", shape: [3] }], labels: { y: ["a", "b", "c"] } });
    expect(describeIoSignature(sig)).to.equal("in  x int8 [?]\nout y int32 [3] (labels a, b, c)\noutputs compared exactly");
    expect(hashIoSignature(sig)).to.equal(keccak256(encodeIoSignature(sig)));
    expect(hashIoSignature(toHex(new Uint8Array([1])))).to.equal(keccak256("0x01"));
  });
});
