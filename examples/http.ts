// dApp developer, BATCH mode: pay an operator's HTTP server by voucher, get each answer at once with a signed
// receipt (checked on arrival), and later check the receipt's inclusion in a batch the operator settled on chain.
import { type Address, type Hex, type PublicClient, type WalletClient, parseEther } from "viem";
import { type InferReturnType, tensor, tensorValues, verityActions } from "verity-inference";

export async function classifyOverHttp(requester: WalletClient, reader: PublicClient, hub: Address, url: string, operator: Address, modelId: Hex) {
  const verity = requester.extend(verityActions({ hub }));
  // One deposit for this operator backs many calls; each call signs a cumulative voucher against it.
  const deposit = await verity.depositBatch({ operator, amount: parseEther("0.01") });
  await reader.waitForTransactionReceipt({ hash: deposit });

  const flowers = [[82, 56, 22, 3], [112, 51, 75, 22], [101, 53, 93, 37]]; // quantized (input scale 16)
  const answers: InferReturnType[] = [];
  for (const f of flowers) answers.push(await verity.infer({ url, modelId, version: 1, input: tensor("int8", [1, 4], f) }));
  const species = answers.map(({ outputs }) => {
    const logits = tensorValues(outputs.tensor!) as number[];
    return ["setosa", "versicolor", "virginica"][logits.indexOf(Math.max(...logits))];
  });
  return { answers, species, spent: answers.at(-1)!.spent };
}

// Anyone holding a receipt: "pending" until its batch is settled, then "valid" only if the settled root holds it.
export async function checkReceipt(reader: PublicClient, hub: Address, { receipt, signature }: InferReturnType) {
  const report = await reader.extend(verityActions({ hub })).verifyReceipt({ receipt, signature });
  return { verdict: report.verdict, checks: report.checks.map((c) => `${c.ok ? "ok" : "FAIL"} ${c.name}: ${c.detail}`) };
}
