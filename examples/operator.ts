// Operator: stake, register the enclave key with its attestation (the evidence binding the key, verified and signed
// by the attestors: `verity attestor verify|sign`), then serve one request: run the model with ONNX Runtime and
// fulfil with the enclave's signature. (The reference node, `verity operator run`, does this continuously.)
import { readFileSync } from "node:fs";
import { type Address, type Hex, type LocalAccount, type PublicClient, type WalletClient, parseEther } from "viem";
import { type AttestorSignature, TeeType, decodeTensor, getJob, verityActions } from "verity-inference";
import { loadModel, runMlp } from "verity-inference-node";

export type EnclaveAttestation = { measurement: Hex; evidenceHash: Hex; evidenceURI: string; expiresAt: bigint; approvals: AttestorSignature[] };

export async function registerOperator(operator: WalletClient, hub: Address, enclave: LocalAccount, attestation: EnclaveAttestation) {
  const verity = operator.extend(verityActions({ hub }));
  await verity.stake({ amount: parseEther("1") });
  await verity.registerEnclaveKey({ enclave, teeType: TeeType.AwsNitro, ...attestation, stake: parseEther("0.1") });
}

export async function serveJob(operator: WalletClient, reader: PublicClient, hub: Address, enclave: LocalAccount, jobId: bigint) {
  const { job, input } = await getJob(reader, { hub, jobId });
  const session = await loadModel(readFileSync("models/iris-mlp.onnx"));
  const output = await runMlp(session, decodeTensor(input!));
  const verity = operator.extend(verityActions({ hub }));
  return verity.fulfillTeeSync({ jobId, job, output, enclave });
}
