import { existsSync } from "node:fs";
import type { TdxCollateral } from "../../attestation/evidence.js";
import type { Clock } from "../../attestation/internal.js";
import { EvidenceSourceError } from "../errors.js";
import { CommandSource } from "./command.js";
import { DevelopmentSource } from "./development.js";
import type { EvidenceSource } from "./source.js";
import { TSM_REPORT_DIR, TdxConfigfsSource } from "./tdx.js";

/** The AWS Nitro Security Module's device, present only inside a Nitro enclave. */
export const NSM_DEVICE = "/dev/nsm";

export type DetectEvidenceSourceOptions = {
  /** Only this TEE (default: whichever is found). */
  tee?: "nitro" | "tdx" | undefined;
  /** Development evidence (`DevelopmentSource`) instead of a TEE: local chains only. */
  allowDevelopment?: boolean | undefined;
  /** Development evidence's clock (default now): pass the chain's block time on a local chain. */
  clock?: (() => Clock | Promise<Clock>) | undefined;
  /** Nitro: the command that asks the NSM for a document (see `CommandSource`). */
  nitroCommand?: readonly string[] | undefined;
  /** TDX: the quote's collateral JSON file (or object). */
  tdxCollateral?: string | TdxCollateral | undefined;
  /** Where to look (tests): the NSM device and the configfs-tsm report directory. */
  paths?: { nsm?: string | undefined; tsm?: string | undefined } | undefined;
};

/**
 * The evidence source for where the node runs: a `DevelopmentSource` when `allowDevelopment` (local chains only);
 * else inside an AWS Nitro enclave (`/dev/nsm`) a `CommandSource` running `nitroCommand`; inside an Intel TDX guest
 * (`/sys/kernel/config/tsm/report`) a `TdxConfigfsSource` with `tdxCollateral`. Anywhere else it refuses: a node
 * outside an enclave has no evidence to give, and must not pretend to.
 */
export function detectEvidenceSource(options: DetectEvidenceSourceOptions = {}): EvidenceSource {
  const { tee } = options;
  if (options.allowDevelopment === true) {
    if (tee === "tdx") {
      throw new EvidenceSourceError("development evidence is in the AWS Nitro format only: drop --tee tdx, or run in a TDX guest without --dev.");
    }
    return new DevelopmentSource({ allowDevelopment: true, clock: options.clock });
  }
  const nsm = options.paths?.nsm ?? NSM_DEVICE;
  const tsm = options.paths?.tsm ?? TSM_REPORT_DIR;
  const nitro = tee !== "tdx" && existsSync(nsm);
  const tdx = tee !== "nitro" && existsSync(tsm);
  if (nitro) {
    if (!options.nitroCommand || options.nitroCommand.length === 0) {
      throw new EvidenceSourceError(`this is an AWS Nitro enclave (${nsm}), but no attestation command is configured.`, {
        hints: [
          "the NSM is reached through an ioctl Node cannot make: give a helper that prints an attestation document,",
          "e.g. --nsm-command 'nsm-cli attestation --user-data {userData}' ({userData} becomes the report data in hex)",
        ],
      });
    }
    return new CommandSource({ command: options.nitroCommand });
  }
  if (tdx) {
    if (options.tdxCollateral === undefined) {
      throw new EvidenceSourceError(`this is an Intel TDX guest (${tsm}), but no DCAP collateral is given.`, {
        hints: ["fetch the collateral for this platform from your PCCS and pass --tdx-collateral <file>"],
      });
    }
    return new TdxConfigfsSource({ collateral: options.tdxCollateral, tsmDir: tsm });
  }
  const where = tee === "nitro" ? `no ${nsm} (not an AWS Nitro enclave)` : tee === "tdx" ? `no ${tsm} (not an Intel TDX guest with configfs-tsm)` : `no ${nsm} (AWS Nitro) and no ${tsm} (Intel TDX configfs-tsm)`;
  throw new EvidenceSourceError(`not inside an enclave: ${where}, so there is no attestation evidence to gather.`, {
    hints: [
      "run this inside the enclave that holds the key (AWS Nitro with --nsm-command, or an Intel TDX guest with --tdx-collateral)",
      "for local testing pass --dev (allowDevelopment: true): development evidence, which production policy refuses",
    ],
  });
}
