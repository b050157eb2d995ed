import { VerityError } from "./base.js";

const CIRCUIT_DOC = "The ZK circuit and its packing are described in circuits/README.md.";

/** Base of the errors of the ZK mode (circuit inputs, proofs, verifying keys, setup artifacts). */
export class ZkProofError extends VerityError {
  override name = "ZkProofError";
}
export type ZkProofErrorType = ZkProofError & { name: "ZkProofError" };

/** Model weights do not fit the circuit's architecture ("mlp-4-8-3-int8"): wrong shape or a value out of range. */
export class ZkWeightsError extends ZkProofError {
  override name = "ZkWeightsError";
  constructor(reason: string) {
    super(`Model weights do not fit the ZK circuit: ${reason}.`, {
      metaMessages: [
        "The circuit takes int8 weights W1[4][8], W2[8][3] and biases b1[8], b2[3] with -2^20 <= b < 2^20.",
        "Re-quantize the model to these bounds (sdk/src/model/mlp.ts).",
      ],
    });
  }
}
export type ZkWeightsErrorType = ZkWeightsError & { name: "ZkWeightsError" };

/** An input or output tensor cannot be packed into a public signal (wrong dtype, shape or value). */
export class ZkTensorError extends ZkProofError {
  override name = "ZkTensorError";
  constructor(reason: string) {
    super(`Tensor does not fit the ZK circuit: ${reason}.`, {
      metaMessages: ["The circuit's input is int8 shape [1,4] and its output int32 shape [1,3].", CIRCUIT_DOC],
    });
  }
}
export type ZkTensorErrorType = ZkTensorError & { name: "ZkTensorError" };

/** Public signals are malformed: wrong count, not integers, or not below the BN254 scalar field modulus. */
export class ZkPublicSignalsError extends ZkProofError {
  override name = "ZkPublicSignalsError";
  constructor(reason: string) {
    super(`Invalid public signals: ${reason}.`, {
      metaMessages: [
        "Expected exactly [commitment, packedInput, packedOutput, jobId, submitter], each an integer in 0..r-1 where r is the BN254 scalar field modulus.",
        "Build them with zkPublicSignals({ input, output, commitment, jobId, submitter }).",
      ],
    });
  }
}
export type ZkPublicSignalsErrorType = ZkPublicSignalsError & { name: "ZkPublicSignalsError" };

/** A proof object is not a well-formed snarkjs Groth16 proof on BN254. */
export class ZkProofFormatError extends ZkProofError {
  override name = "ZkProofFormatError";
  constructor(reason: string) {
    super(`Malformed Groth16 proof: ${reason}.`, {
      metaMessages: ['Expected a snarkjs Groth16 proof { pi_a, pi_b, pi_c, protocol: "groth16", curve: "bn128" }.'],
    });
  }
}
export type ZkProofFormatErrorType = ZkProofFormatError & { name: "ZkProofFormatError" };

/** A verifying key is not a snarkjs Groth16 BN254 verifying key for this circuit. */
export class ZkVerifyingKeyError extends ZkProofError {
  override name = "ZkVerifyingKeyError";
  constructor(reason: string) {
    super(`Invalid verifying key: ${reason}.`, {
      metaMessages: ["Use circuits/build/verification_key.json, or re-create it with `npm run zk:setup`."],
    });
  }
}
export type ZkVerifyingKeyErrorType = ZkVerifyingKeyError & { name: "ZkVerifyingKeyError" };

/** The prover failed: the witness could not be computed or the artifacts (wasm, zkey) are missing or mismatched. */
export class ZkProvingError extends ZkProofError {
  override name = "ZkProvingError";
  constructor(reason: string, options: { cause?: Error } = {}) {
    super(`ZK proving failed: ${reason}.`, {
      ...(options.cause ? { cause: options.cause } : {}),
      metaMessages: [
        "Check that the wasm and zkey come from the same `npm run zk:setup` run (circuits/build/manifest.json).",
      ],
    });
  }
}
export type ZkProvingErrorType = ZkProvingError & { name: "ZkProvingError" };

/** The trusted-setup pipeline failed, or the committed artifacts no longer match the circuit source. */
export class ZkSetupError extends ZkProofError {
  override name = "ZkSetupError";
  /** `rerun`: say that re-running the setup fixes it (true for stale artifacts, not for a bad --ptau file). */
  constructor(reason: string, options: { cause?: Error; rerun?: boolean } = {}) {
    super(`ZK setup: ${reason}.`, {
      ...(options.cause ? { cause: options.cause } : {}),
      metaMessages:
        options.rerun === false
          ? []
          : ["Run `npm run zk:setup` to recompile the circuit and regenerate circuits/build/."],
    });
  }
}
export type ZkSetupErrorType = ZkSetupError & { name: "ZkSetupError" };
