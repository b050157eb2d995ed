// dApp developer: ask for a classification, wait for the attested result, and re-verify it from chain data.
import { type Address, type Hex, type PublicClient, type WalletClient, parseEther } from "viem";
import { type TeeAttestationPolicy, tensor, tensorValues, verityActions } from "verity-inference";

export async function classifyIris(
  requester: WalletClient,
  reader: PublicClient,
  hub: Address,
  modelId: Hex,
  attestation?: TeeAttestationPolicy,
) {
  const verity = requester.extend(verityActions({ hub }));
  // A flower of 5.1, 3.5, 1.4, 0.2 cm, quantized with the model's input scale (16).
  const input = tensor("int8", [1, 4], [82, 56, 22, 3]);
  const { jobId } = await verity.requestInferenceSync({ modelId, version: 1, input, fee: parseEther("0.003") });

  const { output } = await verity.waitForResult({ jobId, timeout: 60_000 });
  const logits = tensorValues(output!) as number[]; // int32 [1, 3]
  const species = ["setosa", "versicolor", "virginica"][logits.indexOf(Math.max(...logits))];

  // Anyone can re-check the job later: commitment, hashes, enclave signature, the key's stake, expiry and attestation
  // evidence (down to AWS's root by default; `attestation` may trust another, e.g. a test root) and its measurement.
  const report = await reader.extend(verityActions({ hub })).verifyJob({ jobId, attestation });
  return { jobId, species, verdict: report.verdict, checks: report.checks };
}
