import { readdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { type Address, createWalletClient, http, keccak256 } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import * as verity from "../../sdk/src/index.js";
import {
  InvalidDataError,
  InvalidParameterError,
  RpcUnreachableError,
  TensorEncodingError,
  fulfillTeeSync,
  getJob,
  inferenceHubAbi,
  optimisticParams,
  quorumParams,
  requestInferenceSync,
  VerityMode,
  verifyJob,
  verityActions,
} from "../../sdk/src/index.js";
import { describeValue } from "../../sdk/src/errors/request.js";
import { IRIS_IO_SIGNATURE } from "../../sdk/src/model/signatures.js";
import { REPO_VERIFYING_KEY_FILE, zkVerifyingKeysFromFiles } from "../../sdk/src/prover/keys.js";
import {
  type Connection,
  FEE,
  INPUT,
  MEASUREMENT,
  OTHER_MEASUREMENT,
  OUTPUT,
  connect,
  deployTeeSystem,
  rejectsWith,
  sentState,
} from "./helpers.js";

const VKEY = Object.values(zkVerifyingKeysFromFiles(REPO_VERIFYING_KEY_FILE))[0]!;
const ACTIONS_DIR = join(import.meta.dirname, "..", "..", "sdk", "src", "actions");
/** A client with an account whose RPC is unreachable: a call that passes validation fails reaching it. */
const DEAD_CLIENT = createWalletClient({
  account: privateKeyToAccount(OTHER_MEASUREMENT),
  transport: http("http://127.0.0.1:1", { retryCount: 0 }),
});
/** A mixed-case address whose EIP-55 checksum is wrong (one letter's case flipped). */
const BAD_CHECKSUM = "0x52908400098527886E0F7030069857D2E4169Ee7";

/** The kinds of parameter an action takes; `?` marks an optional one (left out is valid, so `undefined` is not tried). */
type Kind =
  | "address"
  | "bigint"
  | "bytes32"
  | "hex"
  | "version"
  | "integer"
  | "number"
  | "string"
  | "boolean"
  | "function"
  | "account"
  | "signer"
  | "tensor"
  | "mode"
  | "approve"
  | "job"
  | "teeType"
  | "serving"
  | "modes"
  | "approvals";
type Fields = Record<string, Kind | `${Kind}?`>;
type Params = Record<string, unknown>;
/** One malformed call: the parameters (from the valid base), the parameter the error must name, and its class. */
type Case = {
  parameter: string;
  params: (base: Params) => Params;
  error?: typeof InvalidDataError | typeof TensorEncodingError;
  what?: string;
};

/** Malformed values for each kind, with the parameter (relative to the field) the error names. */
function badValues(kind: Kind): { value: unknown; sub?: string; error?: Case["error"] }[] {
  switch (kind) {
    case "address":
      return [{ value: "0x1234" }, { value: 1 }, { value: BAD_CHECKSUM }, { value: "not an address" }];
    case "bigint":
      return [{ value: 1 }, { value: "1" }, { value: -1n }, { value: 1.5 }];
    case "bytes32":
      return [{ value: "0x1234" }, { value: 1 }, { value: "hello" }, { value: `${MEASUREMENT}00` }];
    case "hex":
      return [{ value: "hello" }, { value: 1 }, { value: "0x123" }];
    case "version":
      return [{ value: 1n }, { value: "1" }, { value: 0 }, { value: 1.5 }, { value: 2 ** 32 }];
    case "integer":
      return [{ value: 1n }, { value: "1" }, { value: -1 }, { value: 1.5 }];
    case "number":
      return [{ value: "1000" }, { value: 1000n }, { value: Number.NaN }, { value: -1 }];
    case "string":
      return [{ value: 1 }, { value: null }];
    case "boolean":
      return [{ value: "true" }, { value: 1 }];
    case "function":
      return [{ value: "onJobs" }, { value: {} }];
    case "account":
      return [{ value: "0x1234" }, { value: {}, sub: ".address" }, { value: 1 }];
    case "signer":
      return [{ value: "0x1234" }, { value: { address: "0x00000000000000000000000000000000000000aa" }, sub: ".signTypedData" }];
    case "tensor":
      return [
        { value: [82, 56, 22, 3], error: InvalidDataError },
        { value: 5, error: InvalidDataError },
        { value: null, error: InvalidDataError },
        { value: { dtype: "int8", shape: 4, values: [1n, 2n, 3n, 4n] }, error: TensorEncodingError },
        { value: { dtype: "int8", shape: [1, 4], values: [82, 56, 22, 3] }, error: TensorEncodingError },
      ];
    case "mode":
      return [{ value: "TEE" }, { value: 1n }];
    case "approve":
      return [{ value: "yes" }, { value: true }];
    case "serving":
      return [{ value: "always" }, { value: true }];
    case "modes":
      return [{ value: "tee" }, { value: 1 }, { value: ["TEE"], sub: "[0]" }];
    case "job":
      return [{ value: "job 1" }, { value: [] }];
    case "teeType":
      return [{ value: 0 }, { value: 256 }, { value: "nitro" }, { value: 1n }, { value: 1.5 }];
    case "approvals":
      return [
        { value: "hello" },
        { value: 1 },
        { value: {} },
        { value: ["0x00"], sub: "[0]" },
        { value: [{ attestor: "0x12", signature: "0x" }], sub: "[0].attestor" },
        { value: [{ attestor: "0x00000000000000000000000000000000000000aa", signature: "0x1234" }], sub: "[0].signature" },
      ];
  }
}

/** The cases of each field of `fields`: every malformed value of its kind, and `undefined` when it is required. */
function casesOf(fields: Fields): Case[] {
  const cases: Case[] = [];
  for (const [field, spec] of Object.entries(fields)) {
    const optional = spec.endsWith("?");
    const kind = spec.replace("?", "") as Kind;
    const values = badValues(kind);
    if (!optional) values.push({ value: undefined, error: kind === "tensor" ? InvalidDataError : undefined });
    for (const { value, sub = "", error } of values) {
      cases.push({ parameter: `${field}${sub}`, params: (base) => ({ ...base, [field]: value }), error, what: describeValue(value) });
    }
  }
  return cases;
}

/** A case with hand-made parameters (nested fields, alternatives such as `signature` instead of `enclave`). */
const special = (parameter: string, params: (base: Params) => Params): Case => ({ parameter, params });
const without = (base: Params, ...keys: string[]) => Object.fromEntries(Object.entries(base).filter(([k]) => !keys.includes(k)));

type Fixture = Awaited<ReturnType<typeof fulfilledJob>>;
type Table = Record<string, { base: (s: Fixture) => Params; fields: Fields; special?: Case[] }>;

const MODE_PARAMS = { zk: 0n, quorum: quorumParams({ k: 1 }), optimistic: optimisticParams({ window: 3600, bond: 1n, slashAmount: 1n }) };
const JOB_WRITE: Fields = { hub: "address", jobId: "bigint", job: "job?", account: "account?" };
/** An OPTIMISTIC proposal (`proposeResult` and its Sync variant): a job write, the output, a salt, the waiting options. */
const PROPOSAL: Fields = { ...JOB_WRITE, output: "tensor", salt: "bytes32?", pollingInterval: "number?", timeout: "number?" };
const JOB_DATA: Fields = { hub: "address", jobId: "bigint", confirmations: "bigint?", chainId: "integer?", fromBlock: "bigint?" };
/** A job write's parameters; the job struct in `mode` (with valid params) for the actions that refuse other modes. */
const jobWrite = (s: Fixture, mode?: "zk" | "quorum" | "optimistic") => ({
  hub: s.hub,
  jobId: s.jobId,
  job: mode === undefined ? s.job : { ...s.job, mode: VerityMode[mode], params: MODE_PARAMS[mode] },
});
const jobData = (s: Fixture) => ({ hub: s.hub, jobId: s.jobId });
const JOB_FIELD_CASES: Case[] = [
  special("job.deadline", (b) => ({ ...b, job: { ...(b.job as object), deadline: 1 } })),
  special("job.version", (b) => ({ ...b, job: { ...(b.job as object), version: 1n } })),
  special("job.inputHash", (b) => ({ ...b, job: { ...(b.job as object), inputHash: "0x12" } })),
];
const JOB_DATA_CASES: Case[] = [
  special("offchain", (b) => ({ ...b, offchain: "0x00" })),
  special("offchain.output", (b) => ({ ...b, offchain: { output: "bytes" } })),
  special("zkVerifyingKeys", (b) => ({ ...b, zkVerifyingKeys: "circuits/build/verification_key.json" })),
];
const ZK_RESULT_CASES: Case[] = [
  ...JOB_FIELD_CASES,
  special("proof", (b) => without(b, "attestation")),
  special("proof.pi_a", (b) => ({ ...without(b, "attestation"), proof: { pi_b: [], pi_c: [] } })),
];
const QUORUM_CASES: Case[] = [
  ...JOB_FIELD_CASES,
  special("votes", (b) => ({ ...b, votes: "0x00" })),
  special("votes[0]", (b) => ({ ...b, votes: ["0x00"] })),
  special("votes[0].signer", (b) => ({ ...b, votes: [{ signer: "0x12", signature: "0x" }] })),
  special("votes[0].signature", (b) => ({ ...b, votes: [{ signer: "0x00000000000000000000000000000000000000aa", signature: 65 }] })),
  special("voters[0].signTypedData", (b) => ({ ...b, voters: [{ address: "0x00000000000000000000000000000000000000aa" }] })),
];
const TEE_CASES: Case[] = [
  ...JOB_FIELD_CASES,
  special("signature", (b) => without(b, "enclave")),
  special("signature", (b) => ({ ...without(b, "enclave"), signature: 65 })),
];
const REQUEST_CASES: Case[] = [
  special("params", (b) => ({ ...b, params: "1" })),
  special("params", (b) => ({ ...b, params: [2, 1n] })),
  special("params.k", (b) => ({ ...b, mode: "quorum", params: { k: "2" } })),
  special("params.minStake", (b) => ({ ...b, mode: "quorum", params: { k: 2, minStake: 1 } })),
  special("params.bond", (b) => ({ ...b, mode: "optimistic", params: { window: 3600, bond: 1 } })),
  special("params.window", (b) => ({ ...b, mode: "optimistic", params: { window: "1h", bond: 1n } })),
  special("params.slashAmount", (b) => ({ ...b, mode: "optimistic", params: { window: 3600, bond: 1n } })),
  special("ioSignature", (b) => ({ ...b, ioSignature: 7 })),
  special("ioSignature", (b) => ({ ...b, ioSignature: "0xzz" })),
];
const PUBLISH_CASES: Case[] = [
  special("modes", (b) => ({ ...b, modes: "tee" })),
  special("modes", (b) => ({ ...b, modes: 2n })),
  special("modes[0]", (b) => ({ ...b, modes: ["TEE"] })),
  special("modes[1]", (b) => ({ ...b, modes: ["tee", 8] })),
  special("zk", (b) => ({ ...b, zk: "0x00" })),
  special("zk.verifier", (b) => ({ ...b, zk: { verifier: "0x12", modelCommitment: MEASUREMENT, verifyingKeyHash: MEASUREMENT } })),
  special("zk.verifyingKeyHash", (b) => ({ ...b, zk: { verifier: b.hub, modelCommitment: MEASUREMENT, verifyingKeyHash: "0x12" } })),
  special("ioSignature", (b) => ({ ...b, ioSignature: undefined })),
  special("ioSignature", (b) => ({ ...b, ioSignature: "not hex" })),
  special("ioSignature", (b) => ({ ...b, ioSignature: [IRIS_IO_SIGNATURE] })),
];

/**
 * For each action: valid parameters (shape only: every case is refused before anything is read), the kind of each
 * parameter it takes, and hand-made cases for nested ones.
 */
/** An attestation's fields (`registerEnclaveKey`, `reattestEnclaveKey`): the key, the evidence, the approvals. */
const ATTESTATION: Fields = {
  enclaveRegistry: "address",
  enclave: "signer",
  evidenceHash: "bytes32",
  evidenceURI: "string",
  expiresAt: "bigint",
  approvals: "approvals",
  account: "account?",
};
const ATTESTATION_CASES: Case[] = [
  special("enclave", (b) => without(b, "enclave")),
  special("key", (b) => ({ ...without(b, "enclave"), key: "0x12", keyProof: "0x" })),
  special("keyProof", (b) => ({ ...without(b, "enclave"), key: b.enclaveRegistry, keyProof: 1 })),
];
/** The fixture's own attestation of its key, as `registerEnclaveKey` takes it (approvals as attestor signatures). */
const attestation = (s: Fixture) => {
  const { enclaveRegistry, evidenceHash, evidenceURI, expiresAt, approvals } = s.attestation.registration;
  return { enclaveRegistry, enclave: s.enclave, evidenceHash, evidenceURI, expiresAt, approvals };
};

/** A well-formed receipt (its values made up: validation only). */
const RECEIPT = (s: Fixture) => ({
  requestId: MEASUREMENT,
  requester: s.hub,
  operator: s.hub,
  modelId: s.modelId,
  version: 1,
  inputHash: MEASUREMENT,
  outputHash: MEASUREMENT,
  price: 1n,
  sequence: 1n,
  time: 1n,
});

const TABLE: Table = {
  // BATCH mode
  depositBatch: {
    base: (s) => ({ batchSettlement: s.batchSettlement, operator: s.hub, amount: 1n }),
    fields: { batchSettlement: "address", operator: "address", amount: "bigint", account: "account?" },
    special: [special("amount", (b) => ({ ...b, amount: 0n })), special("amount", (b) => ({ ...b, amount: 2n ** 128n }))],
  },
  requestBatchWithdrawal: {
    base: (s) => ({ batchSettlement: s.batchSettlement, operator: s.hub, amount: 1n }),
    fields: { batchSettlement: "address", operator: "address", amount: "bigint", account: "account?" },
    special: [special("amount", (b) => ({ ...b, amount: 0n }))],
  },
  withdrawBatch: {
    base: (s) => ({ batchSettlement: s.batchSettlement, operator: s.hub }),
    fields: { batchSettlement: "address", operator: "address", account: "account?" },
  },
  bondBatch: {
    base: (s) => ({ batchSettlement: s.batchSettlement, amount: 1n }),
    fields: { batchSettlement: "address", amount: "bigint", account: "account?" },
    special: [special("amount", (b) => ({ ...b, amount: 0n }))],
  },
  claimVoucher: {
    base: (s) => ({ batchSettlement: s.batchSettlement, voucher: { requester: s.hub, operator: s.hub, cumulativeAmount: 1n }, signature: `0x${"11".repeat(65)}` }),
    fields: { batchSettlement: "address", signature: "hex", account: "account?" },
    special: [
      special("voucher", (b) => ({ ...b, voucher: "0x00" })),
      special("voucher.requester", (b) => ({ ...b, voucher: { ...(b.voucher as Params), requester: "0x12" } })),
      special("voucher.cumulativeAmount", (b) => ({ ...b, voucher: { ...(b.voucher as Params), cumulativeAmount: 1 } })),
      special("voucher.cumulativeAmount", (b) => ({ ...b, voucher: { ...(b.voucher as Params), cumulativeAmount: 0n } })),
    ],
  },
  settleBatch: {
    base: (s) => ({ batchSettlement: s.batchSettlement, batch: { operator: s.hub, firstSequence: 1n, count: 1n, root: MEASUREMENT, uri: "http://x/1" }, signature: `0x${"11".repeat(65)}` }),
    fields: { batchSettlement: "address", signature: "hex", account: "account?" },
    special: [
      special("batch", (b) => ({ ...b, batch: [] })),
      special("batch.root", (b) => ({ ...b, batch: { ...(b.batch as Params), root: "0x12" } })),
      special("batch.uri", (b) => ({ ...b, batch: { ...(b.batch as Params), uri: 7 } })),
      special("batch.firstSequence", (b) => ({ ...b, batch: { ...(b.batch as Params), firstSequence: 0n } })),
      special("batch.count", (b) => ({ ...b, batch: { ...(b.batch as Params), count: 1 } })),
    ],
  },
  getChannel: {
    base: (s) => ({ batchSettlement: s.batchSettlement, requester: s.hub, operator: s.hub }),
    fields: { batchSettlement: "address", requester: "address", operator: "address" },
  },
  infer: {
    base: (s) => ({ url: "http://127.0.0.1:1", hub: s.hub, batchSettlement: s.batchSettlement, modelId: s.modelId, version: 1, input: INPUT }),
    fields: {
      url: "string",
      hub: "address",
      batchSettlement: "address",
      modelId: "bytes32",
      version: "version",
      input: "tensor",
      maxPrice: "bigint?",
      prepay: "number?",
      requestId: "bytes32?",
      timeoutMs: "number?",
      account: "account?",
    },
    special: [special("url", (b) => ({ ...b, url: "ftp://operator" }))],
  },
  verifyReceipt: {
    base: (s) => ({ batchSettlement: s.batchSettlement, receipt: RECEIPT(s), signature: `0x${"11".repeat(65)}` }),
    fields: { batchSettlement: "address", signature: "hex", fromBlock: "bigint?" },
    special: [special("receipt", (b) => ({ ...b, receipt: "receipt" }))],
  },
  approveMeasurement: {
    base: (s) => ({ enclaveRegistry: s.enclaveRegistry, measurement: MEASUREMENT, teeType: 1 }),
    fields: { enclaveRegistry: "address", measurement: "bytes32", teeType: "teeType", account: "account?" },
  },
  challengeResult: { base: (s) => jobWrite(s, "optimistic"), fields: JOB_WRITE, special: JOB_FIELD_CASES },
  disputeTeeResult: {
    base: (s) => ({ ...jobWrite(s), output: OUTPUT, attestation: "0x" }),
    fields: { ...JOB_WRITE, output: "tensor", input: "hex?", attestation: "hex?", signature: "hex?", signedOutputHash: "bytes32?", outputURIHash: "bytes32?" },
    special: [...ZK_RESULT_CASES, special("signature", (b) => ({ ...b, signature: MEASUREMENT }))],
  },
  deprecateVersion: {
    base: (s) => ({ hub: s.hub, modelId: s.modelId, version: 1 }),
    fields: { hub: "address", modelId: "bytes32", version: "version", account: "account?" },
  },
  commitProposal: {
    base: (s) => ({ ...jobWrite(s, "optimistic"), output: OUTPUT }),
    fields: { ...JOB_WRITE, output: "tensor", salt: "bytes32?" },
    special: JOB_FIELD_CASES,
  },
  expireChallenge: { base: (s) => jobWrite(s, "optimistic"), fields: { ...JOB_WRITE, output: "tensor?", fromBlock: "bigint?" }, special: JOB_FIELD_CASES },
  finalizeResult: { base: (s) => jobWrite(s, "optimistic"), fields: { ...JOB_WRITE, output: "tensor?", fromBlock: "bigint?" }, special: JOB_FIELD_CASES },
  fulfillQuorum: { base: (s) => ({ ...jobWrite(s, "quorum"), output: OUTPUT }), fields: { ...JOB_WRITE, output: "tensor" }, special: QUORUM_CASES },
  fulfillQuorumSync: { base: (s) => ({ ...jobWrite(s, "quorum"), output: OUTPUT }), fields: { ...JOB_WRITE, output: "tensor" }, special: QUORUM_CASES },
  fulfillTee: {
    base: (s) => ({ ...jobWrite(s), output: OUTPUT, enclave: s.enclave }),
    fields: { ...JOB_WRITE, output: "tensor", enclave: "signer" },
    special: TEE_CASES,
  },
  fulfillTeeSync: {
    base: (s) => ({ ...jobWrite(s), output: OUTPUT, enclave: s.enclave }),
    fields: { ...JOB_WRITE, output: "tensor", enclave: "signer" },
    special: TEE_CASES,
  },
  fulfillZk: {
    base: (s) => ({ ...jobWrite(s, "zk"), output: OUTPUT, attestation: "0x" }),
    fields: { ...JOB_WRITE, output: "tensor", input: "hex?", attestation: "hex?" },
    special: ZK_RESULT_CASES,
  },
  getJob: { base: jobData, fields: { hub: "address", jobId: "bigint", fromBlock: "bigint?" } },
  getJobHistory: { base: jobData, fields: { hub: "address", jobId: "bigint", fromBlock: "bigint?" } },
  listJobs: {
    base: (s) => ({ hub: s.hub }),
    fields: { hub: "address", toBlock: "bigint?", fromBlock: "bigint?", blockRange: "bigint?", modelId: "bytes32?", requester: "address?", operator: "address?" },
    special: [
      special("limit", (b) => ({ ...b, limit: 0 })),
      special("limit", (b) => ({ ...b, limit: 2.5 })),
      special("blockRange", (b) => ({ ...b, blockRange: 0n })),
      special("status", (b) => ({ ...b, status: "lost" })),
      special("mode", (b) => ({ ...b, mode: "fast" })),
    ],
  },
  getModelVersion: {
    base: (s) => ({ hub: s.hub, modelId: s.modelId, version: 1 }),
    fields: { hub: "address", modelId: "bytes32", version: "version", blockNumber: "bigint?" },
  },
  getIoSignature: {
    base: (s) => ({ hub: s.hub, modelId: s.modelId, version: 1 }),
    fields: { hub: "address", modelId: "bytes32", version: "version", fromBlock: "bigint?" },
  },
  getServingOperators: {
    base: (s) => ({ hub: s.hub, modelId: s.modelId, version: 1 }),
    fields: { hub: "address", operatorRegistry: "address?", modelId: "bytes32", version: "version", mode: "mode?", fromBlock: "bigint?" },
  },
  announceService: {
    base: (s) => ({ operatorRegistry: s.operatorRegistry, modelId: s.modelId, version: 1, modes: ["tee"] }),
    fields: { operatorRegistry: "address", modelId: "bytes32", version: "version", modes: "modes", periodSeconds: "number?", account: "account?" },
  },
  getOptimisticJobData: { base: jobData, fields: JOB_DATA, special: JOB_DATA_CASES },
  getEnclaveKeyHistory: {
    base: (s) => ({ enclaveRegistry: s.enclaveRegistry, key: s.enclave.address }),
    fields: { enclaveRegistry: "address", key: "address", fromBlock: "bigint?" },
  },
  getProposal: { base: jobData, fields: { hub: "address", jobId: "bigint", game: "address?", blockNumber: "bigint?" } },
  getQuorumJobData: { base: jobData, fields: JOB_DATA, special: JOB_DATA_CASES },
  getTeeJobData: { base: jobData, fields: JOB_DATA, special: JOB_DATA_CASES },
  getZkJobData: { base: jobData, fields: JOB_DATA, special: JOB_DATA_CASES },
  proposeResult: { base: (s) => ({ ...jobWrite(s, "optimistic"), output: OUTPUT }), fields: PROPOSAL, special: JOB_FIELD_CASES },
  proposeResultSync: { base: (s) => ({ ...jobWrite(s, "optimistic"), output: OUTPUT }), fields: PROPOSAL, special: JOB_FIELD_CASES },
  publishVersion: {
    base: (s) => ({ hub: s.hub, modelId: s.modelId, artifactHash: MEASUREMENT, uri: "file:m.onnx", modes: ["tee"], ioSignature: IRIS_IO_SIGNATURE }),
    fields: { hub: "address", modelId: "bytes32", artifactHash: "bytes32", uri: "string", feeToken: "address?", fee: "bigint?", account: "account?" },
    special: PUBLISH_CASES,
  },
  publishVersionSync: {
    base: (s) => ({ hub: s.hub, modelId: s.modelId, artifactHash: MEASUREMENT, uri: "file:m.onnx", modes: ["tee"], ioSignature: IRIS_IO_SIGNATURE }),
    fields: { hub: "address", modelId: "bytes32", artifactHash: "bytes32", uri: "string", feeToken: "address?", fee: "bigint?" },
    special: PUBLISH_CASES,
  },
  refund: { base: jobWrite, fields: JOB_WRITE, special: JOB_FIELD_CASES },
  reattestEnclaveKey: { base: attestation, fields: ATTESTATION, special: ATTESTATION_CASES },
  registerEnclaveKey: {
    base: (s) => ({ ...attestation(s), teeType: 1, measurement: MEASUREMENT, stake: 1n }),
    fields: { ...ATTESTATION, teeType: "teeType", measurement: "bytes32", stake: "bigint" },
    special: [
      ...ATTESTATION_CASES,
      // The approvals may also be the encoded proof: then it must be hex.
      special("approvals", (b) => ({ ...b, approvals: "0x12345" })),
    ],
  },
  registerModel: { base: (s) => ({ hub: s.hub, name: "m" }), fields: { hub: "address", name: "string", account: "account?" } },
  registerModelSync: { base: (s) => ({ hub: s.hub, name: "m" }), fields: { hub: "address", name: "string" } },
  requestInference: {
    base: (s) => ({ hub: s.hub, modelId: s.modelId, version: 1, input: INPUT, fee: FEE }),
    fields: {
      hub: "address",
      modelId: "bytes32",
      version: "version",
      input: "tensor",
      fee: "bigint",
      mode: "mode?",
      deadline: "bigint?",
      callback: "address?",
      callbackGasLimit: "integer?",
      approve: "approve?",
      fromBlock: "bigint?",
      serving: "serving?",
      onWarning: "function?",
      account: "account?",
    },
    special: REQUEST_CASES,
  },
  requestInferenceSync: {
    base: (s) => ({ hub: s.hub, modelId: s.modelId, version: 1, input: INPUT, fee: FEE }),
    fields: { hub: "address", modelId: "bytes32", version: "version", input: "tensor", fee: "bigint", mode: "mode?", deadline: "bigint?" },
    special: REQUEST_CASES,
  },
  resolveChallenge: {
    base: (s) => ({ ...jobWrite(s, "optimistic"), output: OUTPUT, attestation: "0x" }),
    fields: { ...JOB_WRITE, output: "tensor", input: "hex?", attestation: "hex?" },
    special: ZK_RESULT_CASES,
  },
  publishVerifyingKey: {
    base: (s) => ({ zkVerifier: s.hub, verifyingKey: VKEY }),
    fields: { zkVerifier: "address", account: "account?" },
    special: [special("verifyingKey", (b) => ({ ...b, verifyingKey: "circuits/build/verification_key.json" })), special("verifyingKey", (b) => without(b, "verifyingKey"))],
  },
  releaseEnclaveKey: {
    base: (s) => ({ enclaveRegistry: s.enclaveRegistry, key: s.enclave.address }),
    fields: { enclaveRegistry: "address", key: "address", account: "account?" },
  },
  revokeEnclaveKey: {
    base: (s) => ({ enclaveRegistry: s.enclaveRegistry, key: s.enclave.address }),
    fields: { enclaveRegistry: "address", key: "address", account: "account?" },
  },
  revokeMeasurement: {
    base: (s) => ({ enclaveRegistry: s.enclaveRegistry, measurement: MEASUREMENT }),
    fields: { enclaveRegistry: "address", measurement: "bytes32" },
  },
  setMeasurementAllowed: {
    base: (s) => ({ enclaveRegistry: s.enclaveRegistry, modelId: s.modelId, version: 1, measurement: MEASUREMENT }),
    fields: { enclaveRegistry: "address", modelId: "bytes32", version: "version", measurement: "bytes32", allowed: "boolean?" },
  },
  stake: {
    base: (s) => ({ operatorRegistry: s.operatorRegistry, amount: 1n }),
    fields: { operatorRegistry: "address", amount: "bigint", approve: "approve?", account: "account?" },
  },
  verifyJob: { base: jobData, fields: JOB_DATA, special: JOB_DATA_CASES },
  waitForResult: {
    base: jobData,
    fields: { hub: "address", jobId: "bigint", timeout: "number?", pollingInterval: "number?", fromBlock: "bigint?" },
  },
  watchJobs: {
    base: (s) => ({ hub: s.hub, onJobs: () => {} }),
    fields: { hub: "address", onJobs: "function", onError: "function?", fromBlock: "bigint?", poll: "boolean?", pollingInterval: "number?" },
    special: [
      special("modelId", (b) => ({ ...b, modelId: "0x12" })),
      special("modelId[1]", (b) => ({ ...b, modelId: [MEASUREMENT, 1] })),
      special("requester", (b) => ({ ...b, requester: "0x12" })),
      special("jobId", (b) => ({ ...b, jobId: 1 })),
      special("jobId[0]", (b) => ({ ...b, jobId: ["1"] })),
    ],
  },
  withdraw: { base: (s) => ({ hub: s.hub }), fields: { hub: "address", token: "address?", account: "account?" } },
  withdrawModelEarnings: {
    base: (s) => ({ hub: s.hub, modelId: s.modelId }),
    fields: { hub: "address", modelId: "bytes32", token: "address?" },
  },
  withdrawSlashCredit: { base: (s) => ({ operatorRegistry: s.operatorRegistry }), fields: { operatorRegistry: "address", account: "account?" } },
};

let c: Connection;
async function fulfilledJob() {
  const s = await deployTeeSystem(c);
  const { jobId, job } = await requestInferenceSync(c.requester, { hub: s.hub, modelId: s.modelId, version: 1, input: INPUT, fee: FEE });
  await fulfillTeeSync(c.operator, { hub: s.hub, jobId, job, output: OUTPUT, enclave: s.enclave });
  return { ...s, jobId, job };
}

const jobCount = (hub: Address) => c.publicClient.readContract({ address: hub, abi: inferenceHubAbi, functionName: "jobCount" });
/** What must not move when a call is refused: the requester's nonce, the block, and the hub's job count. */
const state = async (s: Fixture) => ({ ...(await sentState(c, c.requester.account.address)), jobs: await jobCount(s.hub) });

/** Calls action `name` as a plain-JavaScript caller would (no types), turning a synchronous throw into a rejection. */
async function call(name: string, client: unknown, params: unknown): Promise<unknown> {
  const action = (verity as unknown as Record<string, (client: unknown, params: unknown) => unknown>)[name]!;
  const result = await action(client, params);
  if (typeof result === "function") (result as () => void)(); // a watcher that started: stop it
  return result;
}

describe("run-time validation of every action's parameters", function () {
  before(async function () {
    c = await connect();
  });

  describe("refuses malformed parameters with the error naming the action and the parameter, and sends nothing", function () {
    const actions = readdirSync(ACTIONS_DIR)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => f.replace(/\.ts$/, ""));

    it("covers every action file in sdk/src/actions (a new action needs its cases here)", function () {
      expect(actions.length).to.be.above(30);
      expect(Object.keys(TABLE).sort()).to.deep.equal([...actions].sort());
    });

    for (const name of actions) {
      it(`${name}: a number or string for a bigint, a bad address or hex, a missing required parameter, a plain array as a tensor`, async function () {
        const entry = TABLE[name];
        if (!entry) expect.fail(`no malformed-parameter cases for ${name}: add them to TABLE`);
        const s = await c.networkHelpers.loadFixture(fulfilledJob);
        const base = entry.base(s);
        const cases: Case[] = [
          { parameter: "client", params: (b) => b, what: "no client" },
          { parameter: "parameters", params: () => undefined as never, what: "no parameters" },
          { parameter: "parameters", params: (b) => [b] as never, what: "an array" },
          ...casesOf(entry.fields),
          ...(entry.special ?? []),
        ];
        // The base parameters are well formed: against an unreachable RPC the call gets past validation and fails
        // reaching the node, so each case below is refused for the one parameter it changes.
        const passed = await call(name, DEAD_CLIENT, base).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (passed !== undefined && !(passed instanceof RpcUnreachableError)) {
          expect.fail(`${name}'s base parameters should pass validation, got ${(passed as Error).name}: ${(passed as Error).message}`);
        }
        const before = await state(s);
        for (const one of cases) {
          const client = one.parameter === "client" ? undefined : c.requester;
          const label = `${name}(${one.parameter}: ${one.what ?? "special case"})`;
          if (one.error) {
            const err = await rejectsWith(call(name, client, one.params(base)), one.error);
            expect(err.shortMessage, label).to.match(new RegExp(`\\b${one.parameter}\\b`));
          } else {
            const err = await rejectsWith(call(name, client, one.params(base)), InvalidParameterError).catch((e: Error) => {
              throw new Error(`${label}: ${e.message}`);
            });
            expect({ action: err.action, parameter: err.parameter }, label).to.deep.equal({ action: name, parameter: one.parameter });
            expect(err.shortMessage, label).to.equal(`${name}: ${one.parameter} must be ${err.expected}, got ${err.received}.`);
          }
          expect(await state(s), `${label} sent nothing`).to.deep.equal(before);
        }
      });
    }
  });

  describe("the enclave key actions name the field they refuse, and send nothing", function () {
    it("registerEnclaveKey, reattestEnclaveKey, revokeEnclaveKey, releaseEnclaveKey and approveMeasurement", async function () {
      const s = await c.networkHelpers.loadFixture(fulfilledJob);
      const operator = c.operator.account.address;
      const before = await sentState(c, operator);
      const key = await c.publicClient.readContract({
        address: s.enclaveRegistry,
        abi: verity.enclaveRegistryAbi,
        functionName: "getEnclaveKey",
        args: [s.enclave.address],
      });
      const registration = { ...s.attestation.registration, enclave: s.enclave };
      const refused = async (name: string, params: unknown) => rejectsWith(call(name, c.operator, params), InvalidParameterError);
      const named = async (name: string, params: unknown, parameter: string, expected?: string) => {
        const err = await refused(name, params);
        expect([err.action, err.parameter], err.shortMessage).to.deep.equal([name, parameter]);
        if (expected !== undefined) expect(err.expected).to.equal(expected);
        return err;
      };

      // TEE types are 1..255 on chain (1 AWS Nitro, 2 Intel TDX), as JavaScript numbers.
      await named("registerEnclaveKey", { ...registration, teeType: 0 }, "teeType", "an integer in 1..255");
      await named("registerEnclaveKey", { ...registration, teeType: 256 }, "teeType", "an integer in 1..255");
      const nitro = await named("registerEnclaveKey", { ...registration, teeType: "nitro" }, "teeType");
      expect(nitro.shortMessage).to.equal('registerEnclaveKey: teeType must be an integer (a JavaScript number, e.g. 1), got the string "nitro".');
      await named("approveMeasurement", { enclaveRegistry: s.enclaveRegistry, measurement: MEASUREMENT, teeType: 256 }, "teeType");
      await named("approveMeasurement", { enclaveRegistry: s.enclaveRegistry, measurement: MEASUREMENT }, "teeType");
      // Addresses, hashes and the evidence URI.
      await named("registerEnclaveKey", { ...registration, enclaveRegistry: BAD_CHECKSUM }, "enclaveRegistry");
      const hash = await named("registerEnclaveKey", { ...registration, evidenceHash: "0x12" }, "evidenceHash");
      expect(hash.shortMessage).to.include("must be 32 bytes of hex");
      await named("reattestEnclaveKey", { ...registration, evidenceHash: keccak256("0x01").slice(0, 64) }, "evidenceHash");
      await named("reattestEnclaveKey", { ...registration, evidenceURI: 7 }, "evidenceURI");
      await named("registerEnclaveKey", { ...registration, measurement: "0x12" }, "measurement");
      await named("registerEnclaveKey", { ...registration, stake: 1 }, "stake");
      await named("revokeEnclaveKey", { enclaveRegistry: s.enclaveRegistry, key: "0x12" }, "key");
      await named("releaseEnclaveKey", { enclaveRegistry: "0x12", key: s.enclave.address }, "enclaveRegistry");
      // The approvals: attestor signatures, or the encoded proof as hex bytes.
      await named("registerEnclaveKey", { ...registration, approvals: "not hex" }, "approvals");
      await named("registerEnclaveKey", { ...registration, approvals: "0xabc" }, "approvals");
      await named("registerEnclaveKey", { ...registration, approvals: { attestor: operator } }, "approvals");
      await named("reattestEnclaveKey", { ...registration, approvals: [registration.approvals[0], 7] }, "approvals[1]");
      await named("reattestEnclaveKey", { ...registration, approvals: [{ ...registration.approvals[0]!, signature: MEASUREMENT }] }, "approvals[0].signature");
      // The enclave: a local account that signs, or its key and a proof made inside it.
      const { enclave: _enclave, ...noEnclave } = registration;
      const missing = await named("registerEnclaveKey", noEnclave, "enclave");
      expect(missing.shortMessage).to.equal(
        "registerEnclaveKey: enclave must be a local account with address and signTypedData (or key and keyProof), got undefined (it is missing).",
      );
      await named("reattestEnclaveKey", noEnclave, "enclave");
      await named("registerEnclaveKey", { ...registration, enclave: { address: s.enclave.address } }, "enclave.signTypedData");
      await named("registerEnclaveKey", { ...noEnclave, key: s.enclave.address }, "keyProof");

      expect(await sentState(c, operator)).to.deep.equal(before);
      expect(
        await c.publicClient.readContract({ address: s.enclaveRegistry, abi: verity.enclaveRegistryAbi, functionName: "getEnclaveKey", args: [s.enclave.address] }),
      ).to.deep.equal(key);
    });
  });

  describe("verifyJob never gives a verdict for a jobId it could not understand", function () {
    it("throws InvalidParameterError naming jobId for the number 1 and the string \"1\", where 1n is valid", async function () {
      const s = await c.networkHelpers.loadFixture(fulfilledJob);
      expect(s.jobId).to.equal(1n);
      const asNumber = await rejectsWith(call("verifyJob", c.publicClient, { hub: s.hub, jobId: 1 }), InvalidParameterError);
      expect(asNumber.shortMessage).to.equal("verifyJob: jobId must be a bigint (e.g. 1n), got the number 1.");
      expect([asNumber.action, asNumber.parameter, asNumber.received]).to.deep.equal(["verifyJob", "jobId", "the number 1"]);
      const asString = await rejectsWith(call("verifyJob", c.publicClient, { hub: s.hub, jobId: "1" }), InvalidParameterError);
      expect(asString.shortMessage).to.equal('verifyJob: jobId must be a bigint (e.g. 1n), got the string "1".');
      expect(asString.parameter).to.equal("jobId");
      expect(asString.metaMessages?.join(" ")).to.include("BigInt(");

      const report = await verifyJob(c.publicClient, { hub: s.hub, jobId: 1n, attestation: s.policy });
      expect(report.verdict).to.equal("valid");
    });

    it("refuses the same through verityActions, naming verifyJob; the decorator refuses a malformed hub when it is built", async function () {
      const s = await c.networkHelpers.loadFixture(fulfilledJob);
      const bound = c.publicClient.extend(verityActions({ hub: s.hub }));
      const err = await rejectsWith(bound.verifyJob({ jobId: 1 as never }), InvalidParameterError);
      expect([err.action, err.parameter]).to.deep.equal(["verifyJob", "jobId"]);
      expect((await bound.verifyJob({ jobId: 1n, attestation: s.policy })).verdict).to.equal("valid");
      expect(() => verityActions({ hub: "0x1234" as Address }))
        .to.throw(InvalidParameterError)
        .with.property("parameter", "hub");
    });
  });

  describe("valid calls still work", function () {
    it("requests, reads and fulfils a job with well-formed parameters after refusing malformed ones", async function () {
      const s = await c.networkHelpers.loadFixture(fulfilledJob);
      const request = { hub: s.hub, modelId: s.modelId, version: 1, input: INPUT, fee: FEE };
      const before = await state(s);
      await rejectsWith(call("requestInferenceSync", c.requester, { ...request, fee: Number(FEE) }), InvalidParameterError);
      await rejectsWith(call("requestInferenceSync", c.requester, { ...request, input: [82, 56, 22, 3] }), InvalidDataError);
      expect(await state(s)).to.deep.equal(before);

      const { jobId, job } = await requestInferenceSync(c.requester, { ...request, mode: "tee", approve: "exact" });
      expect(jobId).to.equal(2n);
      expect(await jobCount(s.hub)).to.equal(before.jobs + 1n);
      await fulfillTeeSync(c.operator, { hub: s.hub, jobId, job, output: OUTPUT, enclave: s.enclave });
      expect((await getJob(c.publicClient, { hub: s.hub, jobId, fromBlock: 0n })).status).to.equal("fulfilled");
      const report = await verifyJob(c.publicClient, { hub: s.hub, jobId, confirmations: 1n, chainId: c.publicClient.chain!.id, attestation: s.policy });
      expect(report.verdict).to.equal("valid");
    });
  });

  describe("tensor data", function () {
    it("refuses a plain array, a number or nothing as a tensor with InvalidDataError saying what to build", async function () {
      const s = await c.networkHelpers.loadFixture(fulfilledJob);
      const request = { hub: s.hub, modelId: s.modelId, version: 1, fee: FEE };
      const asArray = await rejectsWith(call("requestInference", c.requester, { ...request, input: [82, 56, 22, 3] }), InvalidDataError);
      expect(asArray.shortMessage).to.include("the input is a plain array (an array of 4 items)");
      expect(asArray.shortMessage).to.include("tensor(dtype, shape, values)");
      const asNumber = await rejectsWith(call("proposeResult", c.requester, { hub: s.hub, jobId: 1n, output: 7 }), InvalidDataError);
      expect(asNumber.shortMessage).to.include("the output must be a Tensor");
      expect(asNumber.shortMessage).to.include("got the number 7");
      const asObject = await rejectsWith(call("requestInference", c.requester, { ...request, input: { values: [1n] } }), InvalidDataError);
      expect(asObject.shortMessage).to.include("neither a Tensor { dtype, shape, values }, named tensors { tensors: { name: Tensor } }, nor { uri, hash }");
      const asNumbers = await rejectsWith(
        call("requestInference", c.requester, { ...request, input: { dtype: "int8", shape: [1, 4], values: [82, 56, 22, 3] } }),
        TensorEncodingError,
      );
      expect(asNumbers.shortMessage).to.include("the input: the values of a int8 tensor must be a Int8Array (tensor(dtype, shape, values) converts an array)");
      const asShape = await rejectsWith(call("requestInference", c.requester, { ...request, input: { dtype: "int8", shape: 4, values: new Int8Array(4) } }), TensorEncodingError);
      expect(asShape.shortMessage).to.include("the input: the shape must be an array of dimensions");
    });
  });

  describe("InvalidParameterError", function () {
    it("describes any value without throwing: a Proxy that throws on every trap, a null-prototype object, a symbol, a long string", function () {
      const hostile = new Proxy(
        {},
        {
          get: () => {
            throw new Error("get");
          },
          ownKeys: () => {
            throw new Error("ownKeys");
          },
          getPrototypeOf: () => {
            throw new Error("getPrototypeOf");
          },
        },
      );
      expect(describeValue(hostile)).to.equal("a value that cannot be described");
      expect(describeValue(Object.create(null))).to.equal("an object with no fields");
      expect(describeValue(Symbol("s"))).to.equal("a symbol");
      expect(describeValue(`0x${"ab".repeat(100)}`)).to.match(/^the string "0xabab.*\.\.\. \(100 bytes\)$/);
      expect(describeValue("0x1234")).to.equal('the string "0x1234" (2 bytes)');
      expect(describeValue(new Uint8Array(3))).to.equal("a Uint8Array of 3 bytes");
      expect(describeValue({ k: 2, minStake: 1 })).to.equal("an object { k, minStake }");
      const err = new InvalidParameterError({ action: "getJob", parameter: "hub", expected: "an address", received: hostile });
      expect(err.shortMessage).to.equal("getJob: hub must be an address, got a value that cannot be described.");
      expect(err.name).to.equal("InvalidParameterError");
      expect(err).to.be.instanceOf(verity.VerityError);
      expect(err.details).to.include("nothing was sent");
    });

    it("says what to pass: a checksum problem, a short hash, a number for a bigint", async function () {
      const s = await c.networkHelpers.loadFixture(fulfilledJob);
      const checksum = await rejectsWith(call("getJob", c.publicClient, { hub: BAD_CHECKSUM, jobId: 1n }), InvalidParameterError);
      expect(checksum.metaMessages?.join(" ")).to.include("checksummed or all lowercase");
      const short = await rejectsWith(call("getModelVersion", c.publicClient, { hub: s.hub, modelId: "0x12", version: 1 }), InvalidParameterError);
      expect(short.shortMessage).to.equal('getModelVersion: modelId must be 32 bytes of hex (0x and 64 hex digits), got the string "0x12" (1 byte).');
      const fee = await rejectsWith(
        call("requestInference", c.requester, { hub: s.hub, modelId: s.modelId, version: 1, input: INPUT }),
        InvalidParameterError,
      );
      expect(fee.shortMessage).to.equal("requestInference: fee must be a bigint (e.g. 1n), got undefined (it is missing).");
      const version = await rejectsWith(
        call("requestInference", c.requester, { hub: s.hub, modelId: s.modelId, version: "1", input: INPUT, fee: FEE }),
        InvalidParameterError,
      );
      expect(version.shortMessage).to.equal('requestInference: version must be an integer (a JavaScript number, e.g. 1), got the string "1".');
      const range = await rejectsWith(
        call("deprecateVersion", c.modelOwner, { hub: s.hub, modelId: s.modelId, version: 0 }),
        InvalidParameterError,
      );
      expect(range.expected).to.equal("an integer in 1..4294967295");
    });
  });
});
