/**
 * Every error class the SDK throws, each with its narrowable `XErrorType` (`err.name` tells them apart), and the
 * revert decoding. The `verity` entry (sdk/src/index.ts) re-exports them by name.
 */
export * from "./base.js";
export * from "./tensor.js";
export * from "./request.js";
export * from "./job.js";
export * from "./rpc.js";
export * from "./contract.js";
export * from "./decode.js";
export * from "./write.js";
export * from "./attestation.js";
export * from "./batch.js";
