// The Verity Ignition module (`npx hardhat ignition deploy ignition/modules/Verity.ts`). Its source is
// sdk/src/cli/verityModule.ts, which also ships compiled in verity-inference-node for `verity deploy`.
export { default } from "../../sdk/src/cli/verityModule.js";
