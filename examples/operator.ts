// Operator: stake, register the enclave key, then serve one request: run the model with ONNX Runtime and fulfil
// with the enclave's signature. (The reference node, `verity operator run`, does this continuously.)
import { readFileSync } from "node:fs";
import { type Address, type Hex, type LocalAccount, type PublicClient, type WalletClient, parseEther } from "viem";
import { decodeTensor, getJob, verityActions } from "verity";
import { loadModel, runMlp } from "verity/operator";

export async function registerOperator(operator: WalletClient, hub: Address, enclave: LocalAccount, measurement: Hex) {
  const verity = operator.extend(verityActions({ hub }));
  await verity.stake({ amount: parseEther("1") });
  await verity.registerEnclaveKey({ enclave, measurement, attestationDocHash: measurement });
}

export async function serveJob(operator: WalletClient, reader: PublicClient, hub: Address, enclave: LocalAccount, jobId: bigint) {
  const { job, input } = await getJob(reader, { hub, jobId });
  const session = await loadModel(readFileSync("models/iris-mlp.onnx"));
  const output = await runMlp(session, decodeTensor(input!));
  const verity = operator.extend(verityActions({ hub }));
  return verity.fulfillTeeSync({ jobId, job, output, enclave });
}
