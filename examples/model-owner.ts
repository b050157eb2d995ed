// Model owner: register a model, publish an immutable version pinned by the hash of its file, and allow the
// enclave build (code measurement) that may serve it.
import { readFileSync } from "node:fs";
import { type Address, type Hex, type WalletClient, keccak256, parseEther } from "viem";
import { verityActions } from "verity-inference";

export async function publishIrisModel(owner: WalletClient, hub: Address, measurement: Hex) {
  const verity = owner.extend(verityActions({ hub }));
  const { modelId } = await verity.registerModelSync({ name: "iris-mlp" });
  const { version } = await verity.publishVersionSync({
    modelId,
    artifactHash: keccak256(readFileSync("models/iris-mlp.onnx")),
    uri: "file:models/iris-mlp.onnx",
    modes: ["tee"],
    fee: parseEther("0.001"), // the owner's fee per inference, in the native currency
  });
  await verity.setMeasurementAllowed({ modelId, version, measurement });
  return { modelId, version };
}
