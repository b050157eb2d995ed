import { prepareTeeFulfillment } from "../../actions/fulfillTee.js";
import { VerityMode } from "../../constants.js";
import type { NodeMode } from "./mode.js";

/** TEE: the enclave key signs the result (EIP-712) and the node fulfils with that signature. */
export const teeMode: NodeMode = {
  mode: VerityMode.tee,
  problem: (ctx) => (ctx.enclave ? undefined : "no enclave key is configured"),
  async deliver(ctx, { jobId, req, computed }) {
    const { job, result, attestation } = await prepareTeeFulfillment(ctx.walletClient, {
      hub: ctx.hub,
      jobId,
      job: req.job,
      output: computed.outputBytes,
      enclave: ctx.enclave!,
      account: ctx.account,
    });
    ctx.loop.checkStop();
    await ctx.submit(jobId, { functionName: "fulfill", args: [jobId, job, result, attestation] });
    await ctx.settle(jobId, computed.output);
  },
};
