import type { Address, Hex } from "viem";
import { InvalidDataError } from "../errors/request.js";
// Types only: the ZK modules load lazily, when a snarkjs proof is to be encoded (the light entry never loads them).
import type { Groth16Proof } from "../proofs/zk.js";
import type { Job, JobStruct, VerityClient, JobWriteParameters, WriteParameters } from "../types.js";
import type { TensorData } from "./data.js";
import { readJob } from "./readJob.js";

/** A Groth16 proof as snarkjs returns it, or the ZK mode's attestation already encoded. */
export type ProofOrAttestation =
  | {
      /**
       * The Groth16 proof that the version's committed model maps the input to `output`, made for this
       * job and for the account that sends the transaction (`proveMlp({ ..., jobId, submitter })` from
       * `verity-inference-node`); it is encoded as the ZK mode's attestation.
       */
      proof: Groth16Proof;
      attestation?: undefined;
    }
  | {
      /** The ZK mode's attestation, already encoded (`encodeZkAttestation` of `verity-inference-node`). */
      attestation: Hex;
      proof?: undefined;
    };

/**
 * The ZK attestation (`abi.encode(a, b, c, input, output)`, see contracts/interfaces/IZkVerifier.sol) for a
 * proof of `output`: given as is, or encoded from a snarkjs proof and the job's input bytes (read from
 * `InferenceRequested` when inline; required as `input` when the input is given by URI).
 */
export async function zkAttestationOf(
  client: VerityClient,
  { hub, jobId, read, input, output, ...given }: { hub: Address; jobId: bigint; read: Job | undefined; input?: Hex | undefined; output: Hex } & ProofOrAttestation,
): Promise<Hex> {
  if (given.attestation !== undefined) return given.attestation;
  const bytes = input ?? (read ?? (await readJob(client, { hub, jobId }))).input;
  if (bytes === undefined) {
    throw new InvalidDataError("the job's input is off chain (given by URI): pass its canonical bytes as `input`");
  }
  const [{ encodeProofForSolidity }, { encodeZkAttestationParts }] = await Promise.all([
    import("../proofs/zk.js"),
    import("../proofs/zkAttestation.js"),
  ]);
  return encodeZkAttestationParts({ proof: encodeProofForSolidity(given.proof), input: bytes, output });
}

/** What a ZK-proven result takes (`fulfillZk`, `resolveChallenge`): the job, the proven output and its proof. */
export type ZkResultParameters = JobWriteParameters & {
  /** The proven output: a Tensor or its canonical bytes (int32 [1,3] for the MLP circuit). */
  output: Exclude<TensorData, { uri: string; hash: Hex }>;
  /** The job's canonical input bytes (read from `InferenceRequested` when inline; required when given by URI). */
  input?: Hex | undefined;
} & ProofOrAttestation;
