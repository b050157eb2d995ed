import { type Address, type Hash, type Hex, zeroAddress, zeroHash } from "viem";
import { type ModeLike, modesBitmask, modesFromBitmask } from "../constants.js";
import type { WriteErrorType } from "../errors/write.js";
import { writeOptions } from "../internal/client.js";
import { writeHub } from "../internal/hub.js";
import type { VerityClient, WriteParameters } from "../types.js";
import { checkPublishVersionParameters, checkVersionParams } from "../internal/parameters.js";
import { expectObject } from "../internal/validate.js";
import { type IoSignature, checkSignatureModes, decodeIoSignature, encodeIoSignature } from "../encoding/ioSignature.js";

export type PublishVersionParameters = WriteParameters & {
  hub: Address;
  modelId: Hex;
  /** keccak256 of the model file (e.g. the ONNX bytes); unique within the model. */
  artifactHash: Hex;
  /** Where operators fetch the model file (file:, https:, ipfs:...). */
  uri: string;
  /** Supported verification modes, by name or number (`["tee"]`), or the raw bitmask. */
  modes: readonly ModeLike[] | number;
  /** The fee currency: an ERC-20, or leave out for the native currency. */
  feeToken?: Address | undefined;
  /** The model owner's fee per inference, in `feeToken` units (default 0). */
  fee?: bigint | undefined;
  /** The ZK circuit (ZK and OPTIMISTIC modes only). */
  zk?: { verifier: Address; modelCommitment: Hex; verifyingKeyHash: Hex } | undefined;
  /**
   * The version's interface: its named input and output tensors, the output canonicalization every operator applies
   * before hashing, and class labels (build it with `ioSignature(...)`, or give its canonical bytes). The registry
   * stores its hash and the `VersionPublished` event carries it; requests whose input does not match are refused.
   */
  ioSignature: IoSignature | Hex;
};
export type PublishVersionReturnType = Hash;
export type PublishVersionErrorType = WriteErrorType;

/** The `VersionParams` struct `publishVersion` takes. */
export function versionParams(parameters: Omit<PublishVersionParameters, "hub" | "modelId" | keyof WriteParameters>) {
  expectObject("versionParams", "parameters", parameters, { expected: "an object of named parameters" });
  checkVersionParams("versionParams", parameters);
  const modes = typeof parameters.modes === "number" ? parameters.modes : modesBitmask(parameters.modes);
  // A malformed signature throws IoSignatureError; so does a mode the outputs cannot be agreed on in (QUORUM or
  // OPTIMISTIC for float outputs compared exactly).
  const signature = typeof parameters.ioSignature === "string" ? decodeIoSignature(parameters.ioSignature) : parameters.ioSignature;
  const ioSignature = encodeIoSignature(signature);
  checkSignatureModes(decodeIoSignature(ioSignature), modesFromBitmask(modes));
  return {
    artifactHash: parameters.artifactHash,
    uri: parameters.uri,
    modes,
    feeToken: parameters.feeToken ?? zeroAddress,
    fee: parameters.fee ?? 0n,
    zkVerifier: parameters.zk?.verifier ?? zeroAddress,
    zkModelCommitment: parameters.zk?.modelCommitment ?? zeroHash,
    zkVerifyingKeyHash: parameters.zk?.verifyingKeyHash ?? zeroHash,
    ioSignature,
  };
}

/**
 * Publishes a new immutable version of a model. Only the model owner.
 *
 * @example
 * ```ts
 * const hash = await publishVersion(walletClient, {
 *   hub, modelId, artifactHash: keccak256(onnxBytes), uri: "ipfs://…", modes: ["tee"], fee: parseEther("0.001"),
 *   ioSignature: ioSignature({
 *     inputs: [{ name: "x", dtype: "int8", shape: [1, 4] }],
 *     outputs: [{ name: "y", dtype: "int32", shape: [1, 3] }],
 *     labels: { y: ["setosa", "versicolor", "virginica"] },
 *   }),
 * });
 * ```
 * @returns The transaction hash. {@link publishVersionSync} waits and returns the version number.
 */
export async function publishVersion(
  client: VerityClient,
  parameters: PublishVersionParameters,
): Promise<PublishVersionReturnType> {
  checkPublishVersionParameters("publishVersion", client, parameters);
  const options = writeOptions(client, parameters, "publishVersion");
  return writeHub(client, parameters.hub, options, { functionName: "publishVersion", args: [parameters.modelId, versionParams(parameters)] });
}
