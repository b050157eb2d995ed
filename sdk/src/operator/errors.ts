import type { Hex } from "viem";
import { VerityError } from "../errors/base.js";

/**
 * Errors of the operator node (`verity-inference-node`). Each says what went wrong and what the operator can do. The
 * node records them in its state file and reports them in `job-failed` events; it never signs or sends a result
 * after one of them.
 */

/** A model file or input could not be fetched (network error, timeout, missing file, too large). May be retried. */
export class ArtifactFetchError extends VerityError {
  override name = "ArtifactFetchError";
  readonly uri: string;
  constructor({ uri, reason, cause }: { uri: string; reason: string; cause?: Error | undefined }) {
    super(`Could not fetch ${describeUri(uri)}: ${reason}.`, {
      ...(cause ? { cause } : {}),
      metaMessages: ["Check that the URI is reachable from the operator (for file: URIs, the node's `modelDir`)."],
    });
    this.uri = uri;
  }
}
export type ArtifactFetchErrorType = ArtifactFetchError & { name: "ArtifactFetchError" };

/** The bytes at a URI do not hash to what the chain says: the model file or input is not the one committed to. */
export class ArtifactHashMismatchError extends VerityError {
  override name = "ArtifactHashMismatchError";
  readonly uri: string;
  readonly expected: Hex;
  readonly actual: Hex;
  constructor({ uri, expected, actual, what }: { uri: string; expected: Hex; actual: Hex; what: string }) {
    super(`The ${what} at ${describeUri(uri)} does not match its on-chain hash: nothing was signed or sent.`, {
      details: `keccak256 of the fetched bytes is ${actual}, the chain records ${expected}.`,
      metaMessages: [
        "The file at the URI is not the one the version (or the request) committed to: replace it with the right bytes.",
      ],
    });
    this.uri = uri;
    this.expected = expected;
    this.actual = actual;
  }
}
export type ArtifactHashMismatchErrorType = ArtifactHashMismatchError & { name: "ArtifactHashMismatchError" };

/** The URI's scheme is not one the node fetches for this purpose. */
export class UnsupportedUriError extends VerityError {
  override name = "UnsupportedUriError";
  readonly uri: string;
  constructor({ uri, allowed }: { uri: string; allowed: readonly string[] }) {
    super(`Unsupported URI ${describeUri(uri)}.`, {
      details: `Supported here: ${allowed.map((s) => `${s}:`).join(", ")}.`,
    });
    this.uri = uri;
  }
}
export type UnsupportedUriErrorType = UnsupportedUriError & { name: "UnsupportedUriError" };

/** The ZK weights configured for a version do not hash to the version's on-chain model commitment. */
export class ZkCommitmentMismatchError extends VerityError {
  override name = "ZkCommitmentMismatchError";
  constructor({ modelId, version, expected, actual }: { modelId: Hex; version: number; expected: Hex; actual: Hex }) {
    super(`The ZK weights configured for version ${version} of model ${modelId} are not the committed ones: nothing was proved.`, {
      details: `Poseidon commitment of the configured weights ${actual}, the version commits to ${expected}.`,
      metaMessages: ["Configure the weights the model owner published for this version (models/<model>.json)."],
    });
  }
}
export type ZkCommitmentMismatchErrorType = ZkCommitmentMismatchError & { name: "ZkCommitmentMismatchError" };

/** ONNX Runtime and the ZK circuit disagree on a job's output: the ONNX file and the ZK weights are different models. */
export class ResultMismatchError extends VerityError {
  override name = "ResultMismatchError";
  constructor({ jobId, onnx, proved }: { jobId: bigint; onnx: readonly (number | bigint)[]; proved: readonly (number | bigint)[] }) {
    super(`Job ${jobId}: ONNX Runtime's output [${onnx.join(", ")}] differs from the proved output [${proved.join(", ")}].`, {
      metaMessages: ["The version's ONNX file and the configured ZK weights must be the same integer model."],
    });
  }
}
export type ResultMismatchErrorType = ResultMismatchError & { name: "ResultMismatchError" };

/** The state file is unreadable, malformed, or belongs to another hub or chain. */
export class OperatorStateError extends VerityError {
  override name = "OperatorStateError";
  readonly file: string;
  constructor({ file, reason }: { file: string; reason: string }) {
    super(`Operator state file ${file}: ${reason}.`, {
      metaMessages: [
        "The node refuses to guess about jobs it may already have submitted. Fix the file, or use a new state file",
        "for a new hub or chain (the hub's job status still prevents a second fulfilment of any job).",
      ],
    });
    this.file = file;
  }
}
export type OperatorStateErrorType = OperatorStateError & { name: "OperatorStateError" };

/** Another live process (or node instance) is using the state file. */
export class OperatorStateLockedError extends VerityError {
  override name = "OperatorStateLockedError";
  readonly file: string;
  constructor({ file, holder }: { file: string; holder: string }) {
    super(`Operator state file ${file} is in use by ${holder}.`, {
      metaMessages: [
        "Run one node per state file and operator account. A lock left by a process that no longer runs is taken over.",
      ],
    });
    this.file = file;
  }
}
export type OperatorStateLockedErrorType = OperatorStateLockedError & { name: "OperatorStateLockedError" };

/** The node's options are not usable. */
export class OperatorConfigError extends VerityError {
  override name = "OperatorConfigError";
  constructor(reason: string) {
    super(`Invalid operator node options: ${reason}.`);
  }
}
export type OperatorConfigErrorType = OperatorConfigError & { name: "OperatorConfigError" };

/**
 * Attestation evidence could not be gathered: no TEE here (and development evidence not allowed), the TEE's device
 * or command failed, or what it returned is not evidence for the request. Nothing was registered.
 */
export class EvidenceSourceError extends VerityError {
  override name = "EvidenceSourceError";
  constructor(message: string, { hints = [], cause }: { hints?: readonly string[]; cause?: Error | undefined } = {}) {
    super(message, { ...(cause ? { cause } : {}), metaMessages: [...hints] });
  }
}
export type EvidenceSourceErrorType = EvidenceSourceError & { name: "EvidenceSourceError" };

/** A claim or approval file (`verity operator attest`, `verity attestor sign`) is malformed. */
export class AttestationClaimError extends VerityError {
  override name = "AttestationClaimError";
  constructor({ what, reason }: { what: string; reason: string }) {
    super(`${what} is not usable: ${reason}.`, {
      metaMessages: ["Claims are written by `verity operator attest`, approvals by `verity attestor sign`: use those files as they are."],
    });
  }
}
export type AttestationClaimErrorType = AttestationClaimError & { name: "AttestationClaimError" };

function describeUri(uri: string): string {
  if (uri.startsWith("data:")) return `data: URI (${uri.length} characters)`;
  return uri.length > 200 ? `${uri.slice(0, 200)}...` : uri;
}
