import type { Address, BlockNumber, Hash, Hex } from "viem";
import { getContractEvents, readContract } from "viem/actions";
import { enclaveRegistryAbi } from "../abis.js";
import { KEY_STATUSES, type KeyStatus } from "../constants.js";
import type { RpcUnreachableError } from "../errors/index.js";
import type { InvalidParameterError } from "../errors/request.js";
import { withVerityErrors } from "../errors/decode.js";
import { checkFields } from "../internal/parameters.js";
import { expectParameters } from "../internal/validate.js";
import type { VerityClient } from "../types.js";

export type GetEnclaveKeyHistoryParameters = {
  enclaveRegistry: Address;
  key: Address;
  /** First block to search (default 0: a good one is the deployment's block). */
  fromBlock?: BlockNumber | undefined;
};

/** One event of a key's life, in chain order. */
export type EnclaveKeyEvent = { blockNumber: bigint; logIndex: number; transactionHash: Hash } & (
  | { kind: "registered"; operator: Address; teeType: number; measurement: Hex; stake: bigint }
  | {
      kind: "attested";
      operator: Address;
      evidenceHash: Hex;
      evidenceURI: string;
      verifier: Address;
      attestors: Address[];
      expiresAt: bigint;
    }
  | { kind: "revoked"; operator: Address; by: Address; releaseAt: bigint }
  | { kind: "released"; operator: Address; stake: bigint }
  | { kind: "disputed"; jobId: bigint; operator: Address; signedOutputHash: Hex; provenOutputHash: Hex; disputer: Address }
);

export type GetEnclaveKeyHistoryReturnType = {
  key: Address;
  /** The key's status now (an active key whose expiry has passed signs nothing until re-attested). */
  status: KeyStatus;
  operator: Address;
  teeType: number;
  measurement: Hex;
  expiresAt: bigint;
  stake: bigint;
  events: EnclaveKeyEvent[];
};
export type GetEnclaveKeyHistoryErrorType = InvalidParameterError | RpcUnreachableError;

/**
 * An enclave key's whole story from the enclave registry's events: registration (TEE type, measurement, stake),
 * every attestation (evidence hash and URI, verifier, attestors, expiry), revocation, release and any dispute that
 * slashed it, in chain order, with the key's record now. What an explorer shows for a key.
 *
 * @example
 * ```ts
 * const { status, events } = await getEnclaveKeyHistory(publicClient, { enclaveRegistry, key });
 * for (const e of events) console.log(e.blockNumber, e.kind);
 * ```
 */
export async function getEnclaveKeyHistory(
  client: VerityClient,
  parameters: GetEnclaveKeyHistoryParameters,
): Promise<GetEnclaveKeyHistoryReturnType> {
  expectParameters("getEnclaveKeyHistory", client, parameters);
  checkFields("getEnclaveKeyHistory", parameters, { enclaveRegistry: "address", key: "address", fromBlock: "bigint?" });
  const { enclaveRegistry: address, key } = parameters;
  const range = { address, abi: enclaveRegistryAbi, fromBlock: parameters.fromBlock ?? 0n, toBlock: "latest", strict: true } as const;
  const [record, registered, attested, revoked, released, disputed] = await withVerityErrors(() =>
    Promise.all([
      readContract(client, { address, abi: enclaveRegistryAbi, functionName: "getEnclaveKey", args: [key] }),
      getContractEvents(client, { ...range, eventName: "EnclaveKeyRegistered", args: { key } }),
      getContractEvents(client, { ...range, eventName: "EnclaveKeyAttested", args: { key } }),
      getContractEvents(client, { ...range, eventName: "EnclaveKeyRevoked", args: { key } }),
      getContractEvents(client, { ...range, eventName: "EnclaveKeyReleased", args: { key } }),
      getContractEvents(client, { ...range, eventName: "TeeResultDisputed", args: { key } }),
    ]),
  );
  const at = (l: { blockNumber: bigint; logIndex: number; transactionHash: Hash }) => ({
    blockNumber: l.blockNumber,
    logIndex: l.logIndex,
    transactionHash: l.transactionHash,
  });
  const events: EnclaveKeyEvent[] = [
    ...registered.map((l) => ({ ...at(l), kind: "registered" as const, operator: l.args.operator, teeType: l.args.teeType, measurement: l.args.measurement, stake: l.args.stake })),
    ...attested.map((l) => ({
      ...at(l),
      kind: "attested" as const,
      operator: l.args.operator,
      evidenceHash: l.args.evidenceHash,
      evidenceURI: l.args.evidenceURI,
      verifier: l.args.verifier,
      attestors: [...l.args.attestors],
      expiresAt: l.args.expiresAt,
    })),
    ...revoked.map((l) => ({ ...at(l), kind: "revoked" as const, operator: l.args.operator, by: l.args.by, releaseAt: l.args.releaseAt })),
    ...released.map((l) => ({ ...at(l), kind: "released" as const, operator: l.args.operator, stake: l.args.stake })),
    ...disputed.map((l) => ({
      ...at(l),
      kind: "disputed" as const,
      jobId: l.args.jobId,
      operator: l.args.operator,
      signedOutputHash: l.args.signedOutputHash,
      provenOutputHash: l.args.provenOutputHash,
      disputer: l.args.disputer,
    })),
  ].sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));
  return {
    key,
    status: KEY_STATUSES[record.status] ?? "none",
    operator: record.operator,
    teeType: record.teeType,
    measurement: record.measurement,
    expiresAt: BigInt(record.expiresAt),
    stake: record.stake,
    events,
  };
}
