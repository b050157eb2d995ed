import { type Address, type Hash, type Hex, zeroAddress, zeroHash } from "viem";
import { type ModeLike, modesBitmask } from "../constants.js";
import type { WriteErrorType } from "../errors/write.js";
import { writeOptions } from "../internal/client.js";
import { writeHub } from "../internal/hub.js";
import type { VerityClient, WriteParameters } from "../types.js";
import { checkPublishVersionParameters, checkVersionParams } from "../internal/parameters.js";
import { expectObject } from "../internal/validate.js";

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
};
export type PublishVersionReturnType = Hash;
export type PublishVersionErrorType = WriteErrorType;

/** The `VersionParams` struct `publishVersion` takes. */
export function versionParams(parameters: Omit<PublishVersionParameters, "hub" | "modelId" | keyof WriteParameters>) {
  expectObject("versionParams", "parameters", parameters, { expected: "an object of named parameters" });
  checkVersionParams("versionParams", parameters);
  return {
    artifactHash: parameters.artifactHash,
    uri: parameters.uri,
    modes: typeof parameters.modes === "number" ? parameters.modes : modesBitmask(parameters.modes),
    feeToken: parameters.feeToken ?? zeroAddress,
    fee: parameters.fee ?? 0n,
    zkVerifier: parameters.zk?.verifier ?? zeroAddress,
    zkModelCommitment: parameters.zk?.modelCommitment ?? zeroHash,
    zkVerifyingKeyHash: parameters.zk?.verifyingKeyHash ?? zeroHash,
  };
}

/**
 * Publishes a new immutable version of a model. Only the model owner.
 *
 * @example
 * ```ts
 * const hash = await publishVersion(walletClient, {
 *   hub, modelId, artifactHash: keccak256(onnxBytes), uri: "ipfs://…", modes: ["tee"], fee: parseEther("0.001"),
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
