import { prepareZkFulfillment } from "../../actions/fulfillZk.js";
import { VerityMode } from "../../constants.js";
import type { NodeMode } from "./mode.js";

/** ZK: the node proves its output with Groth16 (the proof must agree with ONNX Runtime) and fulfils with the proof. */
export const zkMode: NodeMode = {
  mode: VerityMode.zk,
  problem: (_ctx, model) => (model.zk ? undefined : "no ZK weights are configured for this version"),
  async deliver(ctx, { jobId, req, model, computed }) {
    const proven = await ctx.exec.prove(req, model.zk!, {
      // The proof is bound to the account that sends fulfill: this node's.
      submitter: ctx.operator,
      inputBytes: computed.inputBytes,
      expected: computed.output,
      checkStop: () => ctx.loop.checkStop(),
    });
    const { job, result, attestation } = await prepareZkFulfillment(ctx.walletClient, {
      hub: ctx.hub,
      jobId,
      job: req.job,
      output: proven.outputBytes,
      attestation: proven.attestation,
    });
    ctx.loop.checkStop();
    await ctx.submit(jobId, { functionName: "fulfill", args: [jobId, job, result, attestation] });
    await ctx.settle(jobId, computed.output);
  },
};
