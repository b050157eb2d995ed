import type { Command } from "commander";
import { approveMeasurement } from "../actions/approveMeasurement.js";
import { revokeMeasurement } from "../actions/revokeMeasurement.js";
import type { CliContext } from "./context.js";
import type { Action } from "./action.js";
import { parseLabelOrBytes32 } from "./parse.js";

export function registerGovernance(program: Command, action: Action): void {
  const governance = program
    .command("governance")
    .description("governance of the operator registry (the key must be its owner)");
  governance
    .command("approve-measurement")
    .description("approve an enclave code measurement, so keys can be registered on it")
    .argument("<measurement>", "32 bytes of hex, or a label whose keccak256 is the measurement")
    .action(action(measurementAction("approve")));
  governance
    .command("revoke-measurement")
    .description("revoke a measurement: every enclave key on it stops counting")
    .argument("<measurement>", "32 bytes of hex, or a label whose keccak256 is the measurement")
    .action(action(measurementAction("revoke")));
}

function measurementAction(kind: "approve" | "revoke") {
  return async (ctx: CliContext, [raw]: string[]): Promise<void> => {
    const measurement = parseLabelOrBytes32(raw!, "measurement");
    const [wallet, operatorRegistry] = await Promise.all([ctx.wallet(), ctx.operatorRegistry()]);
    const send = kind === "approve" ? approveMeasurement : revokeMeasurement;
    const hash = await send(wallet, { operatorRegistry, measurement });
    const receipt = await ctx.confirm(hash, `${kind}Measurement`);
    ctx.result(
      { measurement, status: kind === "approve" ? "approved" : "revoked", operatorRegistry, transactionHash: hash, blockNumber: receipt.blockNumber },
      () =>
        `measurement ${measurement}${raw!.startsWith("0x") ? "" : ` (keccak256 of "${raw}")`} ${kind === "approve" ? "approved" : "revoked"} ` +
        `on operator registry ${operatorRegistry} (block ${receipt.blockNumber}, tx ${hash})`,
    );
  };
}
