import type { NodeMode } from "./mode.js";
import { optimisticMode } from "./optimistic.js";
import { quorumMode } from "./quorum.js";
import { teeMode } from "./tee.js";
import { zkMode } from "./zk.js";

/** The modes the reference node serves, by mode number. A new mode: its file in this folder, and one line here. */
export const NODE_MODES: ReadonlyMap<number, NodeMode> = new Map(
  [teeMode, zkMode, quorumMode, optimisticMode].map((m) => [m.mode, m] as const),
);

export type { NodeContext, NodeMode, ServingJob } from "./mode.js";
export { quorumVoteCounted } from "./quorum.js";
