import type { Address, Hex } from "viem";
import { modesFromBitmask } from "../constants.js";
import { toVerityError } from "../errors/decode.js";
import type { ChainReader } from "./chain.js";
import type { Submitter } from "./submitter.js";
import type { OperatorEvent } from "./types.js";

/** How long the node's announcements last by default (seconds); it renews each when half of it is left. */
export const NODE_ANNOUNCE_PERIOD_SECONDS = 6 * 3600;
/** After a failed announcement, the node tries again this much later (seconds of chain time). */
const RETRY_SECONDS = 300n;

export type AnnounceOptions = {
  /** How long each announcement lasts (60 s .. 30 days; default 6 hours). */
  periodSeconds?: number | undefined;
  /** Withdraw the announcements when the node stops cleanly (default false: they lapse on their own). */
  withdrawOnStop?: boolean | undefined;
};

type Target = { modelId: Hex; version: number };

/**
 * The node's announcements (`OperatorRegistry.announceService`): for every version it serves, the modes it can serve
 * it in (the version's modes this node is configured for), announced at start and renewed before they lapse, so a
 * requester sees before escrow that someone will serve a job. Failures (no stake, a deprecated version) are
 * reported as `service-announce-failed` events and retried later; they never stop the node.
 */
export function createAnnouncer(options: {
  chain: ChainReader;
  submitter: Submitter;
  operator: Address;
  targets: readonly Target[];
  /** The mode numbers this node serves a version in (a subset of the version's modes). */
  modesFor: (target: Target, versionModes: number) => number[];
  log: (e: OperatorEvent) => void;
  periodSeconds: number;
}) {
  const { chain, submitter, operator, log } = options;
  const period = BigInt(options.periodSeconds);
  /** Chain time at which each target is looked at again. */
  const due = new Map<string, bigint>();
  const key = (t: Target) => `${t.modelId.toLowerCase()}/${t.version}`;

  async function announce(t: Target, modes: number, until: bigint) {
    const registry = await chain.operatorRegistry();
    const sent = await submitter.followUp({ functionName: "announceService", registry, args: [t.modelId, t.version, modes, until] });
    if (sent) log({ type: "service-announced", modelId: t.modelId, version: t.version, modes: modesFromBitmask(modes), until, txHash: sent.txHash });
  }

  return {
    /** Announces or renews what is due at the latest block's time. */
    async tick(): Promise<void> {
      const now = (await chain.latestBlock()).timestamp;
      for (const t of options.targets) {
        if ((due.get(key(t)) ?? 0n) > now) continue;
        try {
          const version = await chain.version(t.modelId, t.version);
          const modes = options.modesFor(t, version.modes).reduce((m, mode) => m | (1 << mode), 0);
          if (modes === 0 || version.deprecated) {
            due.set(key(t), now + period);
            continue;
          }
          const [current, until] = await chain.serviceOf(operator, t.modelId, t.version);
          if (current === modes && until - now > period / 2n) {
            due.set(key(t), until - period / 2n);
            continue;
          }
          await announce(t, modes, now + period);
          due.set(key(t), now + period / 2n);
        } catch (e) {
          due.set(key(t), now + RETRY_SECONDS);
          log({ type: "service-announce-failed", modelId: t.modelId, version: t.version, error: toVerityError(e) as Error });
        }
      }
    },
    /** Withdraws every announcement this node made (modes 0), reporting failures. */
    async withdraw(): Promise<void> {
      for (const t of options.targets) {
        try {
          const [current] = await chain.serviceOf(operator, t.modelId, t.version);
          if (current !== 0) await announce(t, 0, 0n);
        } catch (e) {
          log({ type: "service-announce-failed", modelId: t.modelId, version: t.version, error: toVerityError(e) as Error });
        }
      }
    },
  };
}
