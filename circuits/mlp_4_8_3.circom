pragma circom 2.1.0;

// Verity ZK mode: proves that the model committed to by `commitment` maps the input packed in `packedInput` to
// the logits packed in `packedOutput`, with exactly the arithmetic of sdk/src/model/mlp.ts ("mlp-4-8-3-int8"):
//
//   x : int8[4]
//   a = x · W1 + b1                 W1 int8[4][8], b1[8] with -2^20 <= b1 < 2^20
//   h = floor(relu(a) / 2^7)
//   y = h · W2 + b2                 W2 int8[8][3], b2[3] with -2^20 <= b2 < 2^20;  y : int32[3]
//
// Public signals, in this order: the three circuit outputs, then the two public inputs that bind a proof to one job
// and one submitting account (the weights, biases and x are private inputs):
//   commitment   = Poseidon([e0, e1, e2])                         (circomlib Poseidon, 3 inputs)
//                  w  = W1 row-major (w[i*8+j] = W1[i][j]) then W2 row-major (w[32+j*3+k] = W2[j][k]): 56 int8
//                  e0 = sum_{n=0..30}  (w[n] + 128) * 2^(8*n)
//                  e1 = sum_{n=31..55} (w[n] + 128) * 2^(8*(n-31))
//                  b  = b1[0..7] then b2[0..2]: 11 biases
//                  e2 = sum_{m=0..10}  (b[m] + 2^20) * 2^(21*m)
//   packedInput  = sum_{i=0..3} (x[i] + 128) * 2^(8*i)
//   packedOutput = sum_{k=0..2} (y[k] + 2^31) * 2^(32*k)
//   jobId        = the hub's job id                                (public input)
//   submitter    = the account that calls the hub, uint160 as a field element   (public input)
// jobId and submitter take no part in the arithmetic: a proof verifies only for the values it was made with, so it
// cannot be replayed for another job, nor submitted from another account (a front-runner copying it from the
// mempool). Each is squared into an otherwise unused signal so that it appears in a constraint and no optimisation
// level can drop it.
// Every packed value is range-checked by a bit decomposition, so each packing is injective (no slot overflows into
// the next and no sum wraps the field). The TypeScript twin is sdk/src/proofs/zk.ts; keep them in step.
//
// Soundness of relu and the shift: a + 2^21 is decomposed into 22 bits (|a| < 2^20 + 2^16 for any weights in
// range), so bit 21 is exactly [a >= 0] and, when a >= 0, floor(a / 2^7) is exactly the integer of bits 7..20.
// The decomposition is unique, so a prover has no freedom: the only satisfiable output is mlpForward's.

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";

// Packs `n` values, each offset by `offset` and range-checked to `bits` bits, into one field element:
// out = sum_t (in[t] + offset) * 2^(bits*t). Requires n * bits <= 252.
template RangePack(n, bits, offset) {
    signal input in[n];
    signal output out;
    assert(n * bits <= 252);
    component nb[n];
    var acc = 0;
    for (var t = 0; t < n; t++) {
        nb[t] = Num2Bits(bits);
        nb[t].in <== in[t] + offset;
        acc += (in[t] + offset) * (1 << (bits * t));
    }
    out <== acc;
}

template Mlp(nIn, nHid, nOut, shift) {
    // ---- public inputs, in this order (after the outputs): the job binding ----
    signal input jobId;
    signal input submitter;

    // ---- private inputs ----
    signal input x[nIn];
    signal input w1[nIn][nHid];
    signal input b1[nHid];
    signal input w2[nHid][nOut];
    signal input b2[nOut];

    // ---- public outputs, in this order ----
    signal output commitment;
    signal output packedInput;
    signal output packedOutput;

    var BIAS_BITS = 21;           // b + 2^20 in [0, 2^21)
    var A_BITS = 22;              // a + 2^21 in [0, 2^22)
    var Y_BITS = 32;              // y + 2^31 in [0, 2^32)

    // ---- model commitment: weights in 8-bit slots (31 per element), biases in 21-bit slots ----
    var nW = nIn * nHid + nHid * nOut;
    var nB = nHid + nOut;
    var nWElems = (nW + 30) \ 31;
    assert(nB * BIAS_BITS <= 252);
    signal w[nW];
    for (var i = 0; i < nIn; i++) for (var j = 0; j < nHid; j++) w[i * nHid + j] <== w1[i][j];
    for (var j = 0; j < nHid; j++) for (var k = 0; k < nOut; k++) w[nIn * nHid + j * nOut + k] <== w2[j][k];

    component wPack[nWElems];
    for (var e = 0; e < nWElems; e++) {
        var len = (e == nWElems - 1) ? nW - 31 * e : 31;
        wPack[e] = RangePack(len, 8, 128);
        for (var t = 0; t < len; t++) wPack[e].in[t] <== w[31 * e + t];
    }
    component bPack = RangePack(nB, BIAS_BITS, 1 << (BIAS_BITS - 1));
    for (var j = 0; j < nHid; j++) bPack.in[j] <== b1[j];
    for (var k = 0; k < nOut; k++) bPack.in[nHid + k] <== b2[k];

    component hash = Poseidon(nWElems + 1);
    for (var e = 0; e < nWElems; e++) hash.inputs[e] <== wPack[e].out;
    hash.inputs[nWElems] <== bPack.out;
    commitment <== hash.out;

    // ---- input: int8 range check and packing ----
    component xPack = RangePack(nIn, 8, 128);
    for (var i = 0; i < nIn; i++) xPack.in[i] <== x[i];
    packedInput <== xPack.out;

    // ---- layer 1: a = x·W1 + b1; h = floor(relu(a) / 2^shift) ----
    signal p1[nIn][nHid];
    signal pos[nHid];
    signal h[nHid];
    component aBits[nHid];
    for (var j = 0; j < nHid; j++) {
        var a = b1[j];
        for (var i = 0; i < nIn; i++) {
            p1[i][j] <== x[i] * w1[i][j];
            a += p1[i][j];
        }
        aBits[j] = Num2Bits(A_BITS);
        aBits[j].in <== a + (1 << (A_BITS - 1));
        // With a >= 0 (sign bit set), a = sum_{t < A_BITS-1} bit_t 2^t; the quotient is bits shift..A_BITS-2.
        var q = 0;
        for (var t = shift; t < A_BITS - 1; t++) q += aBits[j].out[t] * (1 << (t - shift));
        h[j] <== aBits[j].out[A_BITS - 1] * q;
    }

    // ---- layer 2: y = h·W2 + b2, int32 range check and packing ----
    signal p2[nHid][nOut];
    component yPack = RangePack(nOut, Y_BITS, 1 << (Y_BITS - 1));
    for (var k = 0; k < nOut; k++) {
        var y = b2[k];
        for (var j = 0; j < nHid; j++) {
            p2[j][k] <== h[j] * w2[j][k];
            y += p2[j][k];
        }
        yPack.in[k] <== y;
    }
    packedOutput <== yPack.out;

    // ---- job binding: jobId and submitter in one constraint each, so they stay public inputs of the proof ----
    signal jobIdSquare <== jobId * jobId;
    signal submitterSquare <== submitter * submitter;
}

component main {public [jobId, submitter]} = Mlp(4, 8, 3, 7);
