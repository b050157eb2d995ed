import { DEVELOPMENT_MEASUREMENT, DEVELOPMENT_PCRS, TeeType } from "../../attestation/constants.js";
import { type NitroAuthority, developmentAuthority } from "../../attestation/authority.js";
import type { Clock } from "../../attestation/internal.js";
import { EvidenceSourceError } from "../errors.js";
import { type EvidenceRequest, type EvidenceSource, reportDataOf } from "./source.js";

export type DevelopmentSourceOptions = {
  /** Must be `true`: development evidence is forgeable by anyone, and production policy refuses it. */
  allowDevelopment: boolean;
  /**
   * The document's time (default: now). On a local chain whose clock was moved (`evm_increaseTime`), pass the
   * latest block's time: the evidence is judged at the block time it is registered in.
   */
  clock?: (() => Clock | Promise<Clock>) | undefined;
};

/**
 * Development evidence: Nitro-format documents signed by the published development authority
 * (`developmentAuthority()`), with `DEVELOPMENT_PCRS` (measurement `DEVELOPMENT_MEASUREMENT`). For local chains
 * only: its root private key is public, so anyone can make such a document for any key; verifiers refuse it unless
 * given `allowDevelopment` and the development root. Constructing it without `allowDevelopment: true` throws.
 */
export class DevelopmentSource implements EvidenceSource {
  readonly teeType = TeeType.AwsNitro;
  readonly development = true;
  readonly #clock: () => Clock | Promise<Clock>;
  #authority: Promise<NitroAuthority> | undefined;

  constructor(options: DevelopmentSourceOptions) {
    if (options?.allowDevelopment !== true) {
      throw new EvidenceSourceError("development evidence is not allowed: DevelopmentSource needs `allowDevelopment: true`.", {
        hints: [
          "development evidence is signed by a published, insecure key: anyone can forge it, and production policy refuses it",
          "use it on local chains only (CLI: --dev); in an enclave, use the TEE's own source (detectEvidenceSource)",
        ],
      });
    }
    this.#clock = options.clock ?? (() => new Date());
  }

  describe(): string {
    return `development evidence (Nitro format, published insecure development authority, measurement ${DEVELOPMENT_MEASUREMENT})`;
  }

  async gather(request: EvidenceRequest): Promise<Uint8Array> {
    const userData = reportDataOf(request, "development evidence");
    this.#authority ??= developmentAuthority();
    const authority = await this.#authority;
    return authority.issueDocument({ pcrs: DEVELOPMENT_PCRS, userData, timestamp: await this.#clock() });
  }
}
