import { prepareTeeFulfillment } from "../../actions/fulfillTee.js";
import { VerityMode } from "../../constants.js";
import type { JobStruct } from "../../types.js";
import type { NodeContext, NodeMode } from "./mode.js";

/** Why the node's enclave key cannot sign for `job`'s registry now (undefined when it can). */
async function keyProblem(ctx: NodeContext, job: JobStruct): Promise<{ reason: "enclave-key-inactive"; detail: string } | undefined> {
  if (!ctx.enclaveKey) return undefined;
  const standing = await ctx.enclaveKey.check(job.verifier);
  return standing.ok ? undefined : { reason: "enclave-key-inactive", detail: standing.detail };
}

/**
 * TEE: the enclave key signs the result (EIP-712) and the node fulfils with that signature. The key must be active,
 * this operator's and unexpired at the job's registry (its `verifier`) at the latest block: checked before the model
 * runs and again before signing; otherwise the job is skipped (`enclave-key-inactive`) and nothing is signed.
 */
export const teeMode: NodeMode = {
  mode: VerityMode.tee,
  problem: (ctx) => (ctx.enclave ? undefined : "no enclave key is configured"),
  vet: keyProblem,
  async deliver(ctx, { jobId, req, computed }) {
    const problem = await keyProblem(ctx, req.job);
    if (problem) await ctx.jobs.skip(jobId, problem.reason, problem.detail);
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
