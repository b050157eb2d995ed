import { type Abi, type Address, BaseError, ContractFunctionRevertedError, type Hex, decodeErrorResult, isHex } from "viem";
import { formatAbiItem } from "viem/utils";
import {
  attestorCommitteeAbi,
  enclaveRegistryAbi,
  erc20Abi,
  exampleConsumerAbi,
  inferenceConsumerAbi,
  inferenceHubAbi,
  operatorRegistryAbi,
  optimisticGameAbi,
  verityTimelockAbi,
  zkVerifierAbi,
} from "../abis.js";
import { VerityError } from "./base.js";

/**
 * Every custom error of the Verity contracts (the hub, the registries, the attestor committee, the ZK verifier, the OPTIMISTIC dispute game,
 * the governance timelock, and the OpenZeppelin ones they bubble up), once each.
 */
export const verityErrorsAbi: Abi = (() => {
  const seen = new Map<string, Extract<Abi[number], { type: "error" }>>();
  for (const abi of [
    inferenceHubAbi,
    operatorRegistryAbi,
    enclaveRegistryAbi,
    attestorCommitteeAbi,
    zkVerifierAbi,
    optimisticGameAbi,
    verityTimelockAbi,
    erc20Abi,
    inferenceConsumerAbi,
    exampleConsumerAbi,
  ] as Abi[]) {
    for (const item of abi) {
      if (item.type === "error") seen.set(formatAbiItem(item), item);
    }
  }
  return [...seen.values()];
})();

function formatValue(v: unknown): string {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return `[${v.map(formatValue).join(", ")}]`;
  if (typeof v === "string") return v;
  return JSON.stringify(v, (_, x) => (typeof x === "bigint" ? x.toString() : x));
}

/** A contract call reverted; `errorName` and `args` are the decoded custom error (or `Error` / `Panic`). */
export class ContractRevertError extends VerityError {
  override name = "ContractRevertError";
  /** The custom error's name, or undefined when its selector is not in any Verity ABI. */
  readonly errorName: string | undefined;
  readonly args: readonly unknown[];
  /** The raw revert data. */
  readonly data: Hex | undefined;
  constructor({ data, cause }: { data: Hex | undefined; cause?: Error }) {
    let errorName: string | undefined;
    let args: readonly unknown[] = [];
    let signature: string | undefined;
    if (data && data.length >= 10) {
      try {
        const decoded = decodeErrorResult({ abi: verityErrorsAbi, data });
        errorName = decoded.errorName;
        args = decoded.args ?? [];
        const inputs = (decoded.abiItem as Extract<Abi[number], { type: "error" }>).inputs;
        signature = `${errorName}(${args
          .map((a, i) => `${inputs[i]?.name ? `${inputs[i]!.name}: ` : ""}${formatValue(a)}`)
          .join(", ")})`;
      } catch {
        // Unknown selector: report the raw data below.
      }
    }
    const what = signature ?? (data && data !== "0x" ? `unknown error ${data.slice(0, 10)}` : "no reason");
    super(`Contract reverted: ${what}.`, {
      ...(cause ? { cause } : {}),
      ...(data ? { details: `revert data ${data}` } : {}),
      metaMessages: errorName ? [`See the NatSpec of ${errorName} in contracts/interfaces/ for what it means.`] : [],
    });
    this.errorName = errorName;
    this.args = args;
    this.data = data;
  }
}
export type ContractRevertErrorType = ContractRevertError & { name: "ContractRevertError" };

/**
 * Whether `err` is a revert, and its revert data: from viem's `ContractFunctionRevertedError`, or from a raw
 * `data` field on an RPC error (e.g. a plain `sendTransaction` whose gas estimate reverted).
 */
export function findRevert(err: unknown): { data: Hex | undefined } | undefined {
  if (!(err instanceof BaseError)) return undefined;
  const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
  if (reverted instanceof ContractFunctionRevertedError) return { data: reverted.raw };
  const hexData = (e: unknown): Hex | undefined => {
    const d = (e as { data?: unknown } | null)?.data;
    if (typeof d === "string" && isHex(d) && d.length >= 10) return d;
    const inner = typeof d === "object" && d !== null ? (d as { data?: unknown }).data : undefined;
    return typeof inner === "string" && isHex(inner) && inner.length >= 10 ? inner : undefined;
  };
  const withData = err.walk((e) => hexData(e) !== undefined);
  return withData ? { data: hexData(withData) } : undefined;
}

/**
 * The `hub` address is not an InferenceHub: it has no code on the client's chain (`reason: "no-code"`), or the
 * contract there does not answer the hub's interface (`reason: "not-a-hub"`, e.g. the operator registry's address).
 * Raised when a read or write to the hub fails that way; a write to an address with no code is refused before it is
 * sent.
 */
export class HubNotFoundError extends VerityError {
  override name = "HubNotFoundError";
  readonly hub: Address;
  readonly reason: "no-code" | "not-a-hub";
  readonly chainId: number | undefined;
  constructor({ hub, reason, chainId, cause }: { hub: Address; reason: "no-code" | "not-a-hub"; chainId?: number | undefined; cause?: Error | undefined }) {
    const on = chainId === undefined ? "" : ` on chain ${chainId}`;
    super(
      reason === "no-code"
        ? `No contract at the hub address ${hub}${on}: there is no InferenceHub there.`
        : `The contract at ${hub}${on} is not an InferenceHub: it does not answer the hub's interface.`,
      {
        ...(cause ? { cause } : {}),
        details:
          reason === "no-code"
            ? "The address has no code (eth_getCode returned 0x)."
            : "The hub's own view jobCount() reverted or returned nothing there.",
        metaMessages: [
          "Check the hub address: take `hub` from the deployments file of this chain (deployments/<chainId>.json).",
          reason === "no-code"
            ? "Check the client's chain and RPC URL: the hub may be deployed on another chain."
            : "It may be another contract's address, e.g. the operator or enclave registry's.",
        ],
      },
    );
    this.hub = hub;
    this.reason = reason;
    this.chainId = chainId;
  }
}
export type HubNotFoundErrorType = HubNotFoundError & { name: "HubNotFoundError" };
