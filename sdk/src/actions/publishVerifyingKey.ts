import type { Address, Hash } from "viem";
import type { ZkVerifyingKeyError } from "../errors/zk.js";
import type { WriteErrorType } from "../errors/write.js";
import { writeOptions } from "../internal/client.js";
import { writeZkVerifier } from "../internal/hub.js";
import { checkFields, checkWriteParameters } from "../internal/parameters.js";
import { expectObject } from "../internal/validate.js";
// Types only: the ZK module is imported when a key is published, so the light entry never loads it.
import type { Groth16VerifyingKey } from "../proofs/zk.js";
import type { VerityClient, WriteParameters } from "../types.js";

export type PublishVerifyingKeyParameters = WriteParameters & {
  /** The ZK verifier (the hub's `verifierOf(2)`; `verityActions` fills it in). */
  zkVerifier: Address;
  /** The circuit's verifying key (snarkjs's verification_key.json). */
  verifyingKey: Groth16VerifyingKey;
};
export type PublishVerifyingKeyReturnType = Hash;
export type PublishVerifyingKeyErrorType = ZkVerifyingKeyError | WriteErrorType;

/**
 * Publishes a circuit's verifying key on chain (`ZkVerifier.publishVerifyingKey`, an event), so that `verifyJob`
 * verifies ZK and OPTIMISTIC jobs of the versions that record its hash from chain data alone, in a browser too.
 * Anyone may publish: the key is identified by its hash, which the SDK checks against the version's. Throws
 * {@link ZkVerifyingKeyError} before sending for a key that is not a BN254 Groth16 key, and `InvalidParameterError`
 * for parameters of the wrong type.
 *
 * @example
 * ```ts
 * await publishVerifyingKey(ownerClient, { zkVerifier, verifyingKey: JSON.parse(readFileSync("verification_key.json", "utf8")) });
 * ```
 * @returns The transaction hash.
 */
export async function publishVerifyingKey(client: VerityClient, parameters: PublishVerifyingKeyParameters): Promise<PublishVerifyingKeyReturnType> {
  checkWriteParameters("publishVerifyingKey", client, parameters);
  checkFields("publishVerifyingKey", parameters, { zkVerifier: "address" });
  expectObject("publishVerifyingKey", "verifyingKey", parameters.verifyingKey, { expected: "a snarkjs verifying key (verification_key.json)" });
  const { encodeVerifyingKey } = await import("../proofs/zk.js");
  const encoded = encodeVerifyingKey(parameters.verifyingKey);
  return writeZkVerifier(client, parameters.zkVerifier, writeOptions(client, parameters, "publishVerifyingKey"), {
    functionName: "publishVerifyingKey",
    args: [encoded],
  });
}
