import type { Account, Address, Chain, Client, Hash, Hex, Transport } from "viem";
import type { JobStatus } from "./constants.js";

/** The committed facts of a job (`IInferenceHub.Job`), as emitted in `InferenceRequested` and passed to `fulfill`. */
export type JobStruct = {
  requester: Address;
  modelId: Hex;
  version: number;
  mode: number;
  deadline: bigint;
  callback: Address;
  callbackGasLimit: number;
  feeToken: Address;
  fee: bigint;
  modelFee: bigint;
  protocolFeeBps: number;
  inputHash: Hex;
  params: bigint;
  /**
   * The verifier the job is committed to: the verifier of its mode when it was requested (the enclave registry for
   * TEE, the operator registry for QUORUM, the ZK verifier, or the OPTIMISTIC dispute game). A later change of
   * the mode's verifier does not move it.
   */
  verifier: Address;
};

/** Where an event was emitted. */
export type EventLocation = {
  blockNumber: bigint;
  transactionHash: Hash;
  logIndex: number;
};

/** A job as read from chain: the request event, its status, and how it ended. */
export type Job = {
  jobId: bigint;
  status: JobStatus;
  /** The stored slot: `jobCommitment(jobId, job)` with the status in its lowest byte. */
  commitment: Hex;
  job: JobStruct;
  /** The inline input bytes, or undefined when given by URI. */
  input: Hex | undefined;
  inputURI: string | undefined;
  requested: EventLocation;
  fulfillment:
    | (EventLocation & {
        operator: Address;
        outputHash: Hex;
        /** The inline output bytes, or undefined when delivered by URI. */
        output: Hex | undefined;
        outputURI: string | undefined;
      })
    | undefined;
  refund: (EventLocation & { requester: Address; feeToken: Address; amount: bigint }) | undefined;
};

/** A model version as stored (`IModelRegistry.Version`). */
export type ModelVersion = {
  artifactHash: Hex;
  uri: string;
  modes: number;
  deprecated: boolean;
  feeToken: Address;
  fee: bigint;
  zkVerifier: Address;
  zkModelCommitment: Hex;
  zkVerifyingKeyHash: Hex;
  publishedAt: bigint;
  /** keccak256 of the version's IO signature document (read the document with `getIoSignature`). */
  ioSignatureHash: Hex;
};

/** Options every write action takes. */
export type WriteParameters = {
  /** The account to send from; defaults to the client's account. */
  account?: Account | Address | undefined;
  /** The chain to check against; defaults to the client's chain. */
  chain?: Chain | null | undefined;
};

/** The parameters of a write about one job: the hub, the job id and the job struct (read from chain when left out). */
export type JobWriteParameters = WriteParameters & {
  hub: Address;
  jobId: bigint;
  /** The job as emitted in `InferenceRequested` (read from chain when left out). */
  job?: JobStruct | undefined;
};

/** Any viem client: a public, wallet or test client, extended or not. */
export type VerityClient = Client<Transport, Chain | undefined, Account | undefined>;
