// Model owner: register a model, publish an immutable version pinned by the hash of its file and by its IO
// signature (what it takes and returns), and allow the enclave build (code measurement) that may serve it.
import { readFileSync } from "node:fs";
import { type Address, type Hex, type WalletClient, keccak256, parseEther } from "viem";
import { ioSignature, verityActions } from "verity-inference";

export async function publishIrisModel(owner: WalletClient, hub: Address, measurement: Hex) {
  const verity = owner.extend(verityActions({ hub }));
  const { modelId } = await verity.registerModelSync({ name: "iris-mlp" });
  const { version } = await verity.publishVersionSync({
    modelId,
    artifactHash: keccak256(readFileSync("models/iris-mlp.onnx")),
    uri: "file:models/iris-mlp.onnx",
    // `verity model publish` reads this from the ONNX graph; integer outputs are compared exactly.
    ioSignature: ioSignature({
      inputs: [{ name: "x", dtype: "int8", shape: [1, 4] }],
      outputs: [{ name: "y", dtype: "int32", shape: [1, 3] }],
      labels: { y: ["setosa", "versicolor", "virginica"] },
    }),
    modes: ["tee"],
    fee: parseEther("0.001"), // the owner's fee per inference, in the native currency
  });
  await verity.setMeasurementAllowed({ modelId, version, measurement });
  return { modelId, version };
}
