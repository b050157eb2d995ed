import type { Address } from "viem";
import { readContract } from "viem/actions";
import { inferenceHubAbi, operatorRegistryAbi } from "../abis.js";
import { withVerityErrors } from "../errors/decode.js";
import { expectAddress, expectObject } from "../internal/validate.js";
import type { VerityClient } from "../types.js";
import { type ApproveMeasurementParameters, approveMeasurement } from "../actions/approveMeasurement.js";
import { type DeprecateVersionParameters, deprecateVersion } from "../actions/deprecateVersion.js";
import { type ChallengeResultParameters, challengeResult } from "../actions/challengeResult.js";
import { type CommitProposalParameters, commitProposal } from "../actions/commitProposal.js";
import { type ExpireChallengeParameters, expireChallenge } from "../actions/expireChallenge.js";
import { type FinalizeResultParameters, finalizeResult } from "../actions/finalizeResult.js";
import { type FulfillQuorumParameters, fulfillQuorum } from "../actions/fulfillQuorum.js";
import { type FulfillQuorumSyncParameters, fulfillQuorumSync } from "../actions/fulfillQuorumSync.js";
import { type FulfillTeeParameters, fulfillTee } from "../actions/fulfillTee.js";
import { type FulfillTeeSyncParameters, fulfillTeeSync } from "../actions/fulfillTeeSync.js";
import { type FulfillZkParameters, fulfillZk } from "../actions/fulfillZk.js";
import { type GetJobParameters, getJob } from "../actions/getJob.js";
import { type GetJobHistoryParameters, getJobHistory } from "../actions/getJobHistory.js";
import { type ListJobsParameters, listJobs } from "../actions/listJobs.js";
import { type GetModelVersionParameters, getModelVersion } from "../actions/getModelVersion.js";
import { type GetIoSignatureParameters, getIoSignature } from "../actions/getIoSignature.js";
import { type GetServingOperatorsParameters, getServingOperators } from "../actions/getServingOperators.js";
import { type AnnounceServiceParameters, announceService } from "../actions/announceService.js";
import { type GetOptimisticJobDataParameters, getOptimisticJobData } from "../actions/getOptimisticJobData.js";
import { type GetProposalParameters, getProposal } from "../actions/getProposal.js";
import { type GetQuorumJobDataParameters, getQuorumJobData } from "../actions/getQuorumJobData.js";
import { type GetTeeJobDataParameters, getTeeJobData } from "../actions/getTeeJobData.js";
import { type GetZkJobDataParameters, getZkJobData } from "../actions/getZkJobData.js";
import { type ProposeResultParameters, proposeResult } from "../actions/proposeResult.js";
import { type ProposeResultSyncParameters, proposeResultSync } from "../actions/proposeResultSync.js";
import { type PublishVersionParameters, publishVersion } from "../actions/publishVersion.js";
import { type PublishVersionSyncParameters, publishVersionSync } from "../actions/publishVersionSync.js";
import { type RefundParameters, refund } from "../actions/refund.js";
import { type RegisterEnclaveKeyParameters, registerEnclaveKey } from "../actions/registerEnclaveKey.js";
import { type RegisterModelParameters, registerModel } from "../actions/registerModel.js";
import { type RegisterModelSyncParameters, registerModelSync } from "../actions/registerModelSync.js";
import { type RequestInferenceParameters, requestInference } from "../actions/requestInference.js";
import { type RequestInferenceSyncParameters, requestInferenceSync } from "../actions/requestInferenceSync.js";
import { type ResolveChallengeParameters, resolveChallenge } from "../actions/resolveChallenge.js";
import { type RevokeMeasurementParameters, revokeMeasurement } from "../actions/revokeMeasurement.js";
import { type ReattestEnclaveKeyParameters, reattestEnclaveKey } from "../actions/reattestEnclaveKey.js";
import { type RevokeEnclaveKeyParameters, revokeEnclaveKey } from "../actions/revokeEnclaveKey.js";
import { type ReleaseEnclaveKeyParameters, releaseEnclaveKey } from "../actions/releaseEnclaveKey.js";
import { type PublishVerifyingKeyParameters, publishVerifyingKey } from "../actions/publishVerifyingKey.js";
import { type DisputeTeeResultParameters, disputeTeeResult } from "../actions/disputeTeeResult.js";
import { type GetEnclaveKeyHistoryParameters, getEnclaveKeyHistory } from "../actions/getEnclaveKeyHistory.js";
import { type SetMeasurementAllowedParameters, setMeasurementAllowed } from "../actions/setMeasurementAllowed.js";
import { type StakeParameters, stake } from "../actions/stake.js";
import { type VerifyJobParameters, verifyJob } from "../actions/verifyJob.js";
import { type WaitForResultParameters, waitForResult } from "../actions/waitForResult.js";
import { type WatchJobsParameters, watchJobs } from "../actions/watchJobs.js";
import { type WithdrawParameters, withdraw } from "../actions/withdraw.js";
import { type WithdrawModelEarningsParameters, withdrawModelEarnings } from "../actions/withdrawModelEarnings.js";
import { type WithdrawSlashCreditParameters, withdrawSlashCredit } from "../actions/withdrawSlashCredit.js";
import { type DepositBatchParameters, depositBatch } from "../actions/depositBatch.js";
import { type RequestBatchWithdrawalParameters, requestBatchWithdrawal } from "../actions/requestBatchWithdrawal.js";
import { type WithdrawBatchParameters, withdrawBatch } from "../actions/withdrawBatch.js";
import { type BondBatchParameters, bondBatch } from "../actions/bondBatch.js";
import { type ClaimVoucherParameters, claimVoucher } from "../actions/claimVoucher.js";
import { type SettleBatchParameters, settleBatch } from "../actions/settleBatch.js";
import { type GetChannelParameters, getChannel } from "../actions/getChannel.js";
import { type InferParameters, infer } from "../actions/infer.js";
import { type VerifyReceiptParameters, verifyReceipt } from "../actions/verifyReceipt.js";

/** `Omit` that keeps the members of a union apart (some parameters are unions: an enclave or a proof). */
type Unbound<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type VerityActionsConfig = {
  hub: Address;
  /** The operator registry; read from the hub (`operatorRegistry()`) on first use when left out. */
  operatorRegistry?: Address | undefined;
  /** The enclave registry; read from the hub (`enclaveRegistry()`) on first use when left out. */
  enclaveRegistry?: Address | undefined;
  /** The BATCH mode's settlement contract; read from the operator registry (`batchSettlement()`) when left out. */
  batchSettlement?: Address | undefined;
};

/**
 * Binds the Verity actions to a hub (and its registries) for `client.extend(...)`. Decorators only bind: each
 * method calls the action of the same name with `hub` / `operatorRegistry` / `enclaveRegistry` filled in.
 *
 * @example
 * ```ts
 * const verity = walletClient.extend(verityActions({ hub, operatorRegistry }));
 * const { jobId } = await verity.requestInferenceSync({ modelId, version: 1, input, fee });
 * const { output } = await verity.waitForResult({ jobId });
 * ```
 */
export function verityActions(config: VerityActionsConfig) {
  expectObject("verityActions", "config", config, { expected: "an object { hub, operatorRegistry?, enclaveRegistry? }" });
  expectAddress("verityActions", "hub", config.hub);
  expectAddress("verityActions", "operatorRegistry", config.operatorRegistry, { optional: true });
  expectAddress("verityActions", "enclaveRegistry", config.enclaveRegistry, { optional: true });
  expectAddress("verityActions", "batchSettlement", config.batchSettlement, { optional: true });
  const { hub } = config;
  return (client: VerityClient) => {
    let registry: Promise<Address> | undefined;
    const operatorRegistry = () =>
      config.operatorRegistry !== undefined
        ? Promise.resolve(config.operatorRegistry)
        : (registry ??= withVerityErrors(() =>
            readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "operatorRegistry" }),
          ));
    let enclaves: Promise<Address> | undefined;
    const enclaveRegistry = () =>
      config.enclaveRegistry !== undefined
        ? Promise.resolve(config.enclaveRegistry)
        : (enclaves ??= withVerityErrors(() =>
            readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "enclaveRegistry" }),
          ));
    let batches: Promise<Address> | undefined;
    const batchSettlement = () =>
      config.batchSettlement !== undefined
        ? Promise.resolve(config.batchSettlement)
        : (batches ??= operatorRegistry().then((registry) =>
            withVerityErrors(() => readContract(client, { address: registry, abi: operatorRegistryAbi, functionName: "batchSettlement" })),
          ));
    let zk: Promise<Address> | undefined;
    const zkVerifier = () =>
      (zk ??= withVerityErrors(() => readContract(client, { address: hub, abi: inferenceHubAbi, functionName: "verifierOf", args: [2] })));
    return {
      // models
      registerModel: (args: Unbound<RegisterModelParameters, "hub">) => registerModel(client, { hub, ...args }),
      registerModelSync: (args: Unbound<RegisterModelSyncParameters, "hub">) => registerModelSync(client, { hub, ...args }),
      publishVersion: (args: Unbound<PublishVersionParameters, "hub">) => publishVersion(client, { hub, ...args }),
      publishVersionSync: (args: Unbound<PublishVersionSyncParameters, "hub">) =>
        publishVersionSync(client, { hub, ...args }),
      deprecateVersion: (args: Unbound<DeprecateVersionParameters, "hub">) => deprecateVersion(client, { hub, ...args }),
      publishVerifyingKey: async (args: Unbound<PublishVerifyingKeyParameters, "zkVerifier">) =>
        publishVerifyingKey(client, { zkVerifier: await zkVerifier(), ...args }),
      withdrawModelEarnings: (args: Unbound<WithdrawModelEarningsParameters, "hub">) =>
        withdrawModelEarnings(client, { hub, ...args }),
      // operators and governance
      setMeasurementAllowed: async (args: Unbound<SetMeasurementAllowedParameters, "enclaveRegistry">) =>
        setMeasurementAllowed(client, { enclaveRegistry: await enclaveRegistry(), ...args }),
      approveMeasurement: async (args: Unbound<ApproveMeasurementParameters, "enclaveRegistry">) =>
        approveMeasurement(client, { enclaveRegistry: await enclaveRegistry(), ...args }),
      revokeMeasurement: async (args: Unbound<RevokeMeasurementParameters, "enclaveRegistry">) =>
        revokeMeasurement(client, { enclaveRegistry: await enclaveRegistry(), ...args }),
      stake: async (args: Unbound<StakeParameters, "operatorRegistry">) =>
        stake(client, { operatorRegistry: await operatorRegistry(), ...args }),
      announceService: async (args: Unbound<AnnounceServiceParameters, "operatorRegistry">) =>
        announceService(client, { operatorRegistry: await operatorRegistry(), ...args }),
      registerEnclaveKey: async (args: Unbound<RegisterEnclaveKeyParameters, "enclaveRegistry">) =>
        registerEnclaveKey(client, { enclaveRegistry: await enclaveRegistry(), ...args }),
      reattestEnclaveKey: async (args: Unbound<ReattestEnclaveKeyParameters, "enclaveRegistry">) =>
        reattestEnclaveKey(client, { enclaveRegistry: await enclaveRegistry(), ...args }),
      revokeEnclaveKey: async (args: Unbound<RevokeEnclaveKeyParameters, "enclaveRegistry">) =>
        revokeEnclaveKey(client, { enclaveRegistry: await enclaveRegistry(), ...args }),
      releaseEnclaveKey: async (args: Unbound<ReleaseEnclaveKeyParameters, "enclaveRegistry">) =>
        releaseEnclaveKey(client, { enclaveRegistry: await enclaveRegistry(), ...args }),
      fulfillTee: (args: Unbound<FulfillTeeParameters, "hub">) =>
        fulfillTee(client, { hub, ...args }),
      fulfillTeeSync: (args: Unbound<FulfillTeeSyncParameters, "hub">) =>
        fulfillTeeSync(client, { hub, ...args }),
      fulfillZk: (args: Unbound<FulfillZkParameters, "hub">) => fulfillZk(client, { hub, ...args }),
      fulfillQuorum: (args: Unbound<FulfillQuorumParameters, "hub">) => fulfillQuorum(client, { hub, ...args }),
      fulfillQuorumSync: (args: Unbound<FulfillQuorumSyncParameters, "hub">) => fulfillQuorumSync(client, { hub, ...args }),
      commitProposal: (args: Unbound<CommitProposalParameters, "hub">) => commitProposal(client, { hub, ...args }),
      proposeResult: (args: Unbound<ProposeResultParameters, "hub">) => proposeResult(client, { hub, ...args }),
      proposeResultSync: (args: Unbound<ProposeResultSyncParameters, "hub">) => proposeResultSync(client, { hub, ...args }),
      finalizeResult: (args: Unbound<FinalizeResultParameters, "hub">) => finalizeResult(client, { hub, ...args }),
      withdrawSlashCredit: async (args: Unbound<WithdrawSlashCreditParameters, "operatorRegistry"> = {}) =>
        withdrawSlashCredit(client, { operatorRegistry: await operatorRegistry(), ...args }),
      // challengers (anyone)
      challengeResult: (args: Unbound<ChallengeResultParameters, "hub">) => challengeResult(client, { hub, ...args }),
      resolveChallenge: (args: Unbound<ResolveChallengeParameters, "hub">) => resolveChallenge(client, { hub, ...args }),
      expireChallenge: (args: Unbound<ExpireChallengeParameters, "hub">) => expireChallenge(client, { hub, ...args }),
      disputeTeeResult: (args: Unbound<DisputeTeeResultParameters, "hub">) => disputeTeeResult(client, { hub, ...args }),
      // requesters
      requestInference: (args: Unbound<RequestInferenceParameters, "hub">) => requestInference(client, { hub, ...args }),
      requestInferenceSync: (args: Unbound<RequestInferenceSyncParameters, "hub">) =>
        requestInferenceSync(client, { hub, ...args }),
      getJob: (args: Unbound<GetJobParameters, "hub">) => getJob(client, { hub, ...args }),
      getJobHistory: (args: Unbound<GetJobHistoryParameters, "hub">) => getJobHistory(client, { hub, ...args }),
      listJobs: (args: Unbound<ListJobsParameters, "hub"> = {}) => listJobs(client, { hub, ...args }),
      waitForResult: (args: Unbound<WaitForResultParameters, "hub">) => waitForResult(client, { hub, ...args }),
      watchJobs: (args: Unbound<WatchJobsParameters, "hub">) => watchJobs(client, { hub, ...args }),
      refund: (args: Unbound<RefundParameters, "hub">) => refund(client, { hub, ...args }),
      withdraw: (args: Unbound<WithdrawParameters, "hub"> = {}) => withdraw(client, { hub, ...args }),
      // auditors
      verifyJob: (args: Unbound<VerifyJobParameters, "hub">) => verifyJob(client, { hub, ...args }),
      getTeeJobData: (args: Unbound<GetTeeJobDataParameters, "hub">) => getTeeJobData(client, { hub, ...args }),
      getZkJobData: (args: Unbound<GetZkJobDataParameters, "hub">) => getZkJobData(client, { hub, ...args }),
      getQuorumJobData: (args: Unbound<GetQuorumJobDataParameters, "hub">) => getQuorumJobData(client, { hub, ...args }),
      getOptimisticJobData: (args: Unbound<GetOptimisticJobDataParameters, "hub">) =>
        getOptimisticJobData(client, { hub, ...args }),
      getEnclaveKeyHistory: async (args: Unbound<GetEnclaveKeyHistoryParameters, "enclaveRegistry">) =>
        getEnclaveKeyHistory(client, { enclaveRegistry: await enclaveRegistry(), ...args }),
      getModelVersion: (args: Unbound<GetModelVersionParameters, "hub">) => getModelVersion(client, { hub, ...args }),
      getIoSignature: (args: Unbound<GetIoSignatureParameters, "hub">) => getIoSignature(client, { hub, ...args }),
      getServingOperators: async (args: Unbound<GetServingOperatorsParameters, "hub" | "operatorRegistry">) =>
        getServingOperators(client, { hub, operatorRegistry: await operatorRegistry(), ...args }),
      // BATCH mode (HTTP inference, vouchers, batches)
      depositBatch: async (args: Unbound<DepositBatchParameters, "batchSettlement">) => depositBatch(client, { batchSettlement: await batchSettlement(), ...args }),
      requestBatchWithdrawal: async (args: Unbound<RequestBatchWithdrawalParameters, "batchSettlement">) => requestBatchWithdrawal(client, { batchSettlement: await batchSettlement(), ...args }),
      withdrawBatch: async (args: Unbound<WithdrawBatchParameters, "batchSettlement">) => withdrawBatch(client, { batchSettlement: await batchSettlement(), ...args }),
      bondBatch: async (args: Unbound<BondBatchParameters, "batchSettlement">) => bondBatch(client, { batchSettlement: await batchSettlement(), ...args }),
      claimVoucher: async (args: Unbound<ClaimVoucherParameters, "batchSettlement">) => claimVoucher(client, { batchSettlement: await batchSettlement(), ...args }),
      settleBatch: async (args: Unbound<SettleBatchParameters, "batchSettlement">) => settleBatch(client, { batchSettlement: await batchSettlement(), ...args }),
      getChannel: async (args: Unbound<GetChannelParameters, "batchSettlement">) => getChannel(client, { batchSettlement: await batchSettlement(), ...args }),
      infer: async (args: Unbound<InferParameters, "hub" | "batchSettlement">) => infer(client, { hub, batchSettlement: await batchSettlement(), ...args }),
      verifyReceipt: async (args: Unbound<VerifyReceiptParameters, "batchSettlement">) => verifyReceipt(client, { batchSettlement: await batchSettlement(), ...args }),
      // The job's game (`job.verifier`) is read from the hub unless `game` is given.
      getProposal: (args: Unbound<GetProposalParameters, "hub">) => getProposal(client, { hub, ...args }),
    };
  };
}

export type VerityActions = ReturnType<ReturnType<typeof verityActions>>;
