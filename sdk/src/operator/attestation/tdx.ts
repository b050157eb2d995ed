import { randomBytes } from "node:crypto";
import * as fsp from "node:fs/promises";
import path from "node:path";
import { TeeType } from "../../attestation/constants.js";
import { type TdxCollateral, encodeTdxEvidence, normalizeTdxCollateral } from "../../attestation/evidence.js";
import { checkTdxQuoteHeader } from "../../attestation/tdx.js";
import { EvidenceSourceError } from "../errors.js";
import { type EvidenceRequest, type EvidenceSource, plainHex, reportDataOf } from "./source.js";

/** Where Linux exposes TSM (trusted security module) reports: configfs-tsm, Linux 6.7 and later. */
export const TSM_REPORT_DIR = "/sys/kernel/config/tsm/report";

/** Offset of `report_data` in a TDX quote v4: the 48-byte header, then 520 bytes of the TD report before it. */
const REPORT_DATA_OFFSET = 48 + 520;

/** The file operations the source makes (node:fs/promises; a test passes its own). */
export type TsmFileSystem = {
  mkdir(dir: string): Promise<unknown>;
  rmdir(dir: string): Promise<unknown>;
  writeFile(file: string, data: Uint8Array): Promise<unknown>;
  readFile(file: string): Promise<Uint8Array>;
};

const nodeFs: TsmFileSystem = {
  mkdir: (dir) => fsp.mkdir(dir),
  rmdir: (dir) => fsp.rmdir(dir),
  writeFile: (file, data) => fsp.writeFile(file, data),
  readFile: async (file) => new Uint8Array(await fsp.readFile(file)),
};

export type TdxConfigfsSourceOptions = {
  /**
   * The quote's DCAP collateral, as a PCCS returns it (`getCollateral`): a JSON file the operator provides
   * (`--tdx-collateral`), or the object. Fetch it for this platform (FMSPC) and refresh it before it expires:
   * verifiers judge the TCB info and QE identity at the time the key is registered.
   */
  collateral: string | TdxCollateral | Readonly<Record<string, unknown>>;
  /** The configfs-tsm report directory (default /sys/kernel/config/tsm/report). */
  tsmDir?: string | undefined;
  /** File operations (default node:fs/promises). */
  fs?: TsmFileSystem | undefined;
};

/**
 * Intel TDX evidence through Linux configfs-tsm: makes a report entry (`mkdir <tsmDir>/<name>`), checks its provider
 * is `tdx_guest`, writes the 64-byte report data (the 32-byte binding digest then 32 zero bytes) to `inblob`, reads
 * the quote from `outblob` (the kernel has the quoting enclave sign it), checks `generation` (no other writer raced
 * this one), removes the entry, and returns verity-tdx-evidence/v1 bytes: the quote with the collateral from
 * `collateral` (`encodeTdxEvidence`).
 */
export class TdxConfigfsSource implements EvidenceSource {
  readonly teeType = TeeType.IntelTdx;
  readonly development = false;
  readonly #collateral: TdxConfigfsSourceOptions["collateral"];
  readonly #tsmDir: string;
  readonly #fs: TsmFileSystem;

  constructor(options: TdxConfigfsSourceOptions) {
    if (options?.collateral === undefined || options.collateral === "") {
      throw new EvidenceSourceError("TDX evidence needs the quote's DCAP collateral: give a collateral JSON file.", {
        hints: ["fetch it from your PCCS (or Intel's PCS) for this platform and pass --tdx-collateral <file>"],
      });
    }
    this.#collateral = options.collateral;
    this.#tsmDir = options.tsmDir ?? TSM_REPORT_DIR;
    this.#fs = options.fs ?? nodeFs;
  }

  describe(): string {
    return `Intel TDX evidence through configfs-tsm (${this.#tsmDir}), collateral ${typeof this.#collateral === "string" ? `from ${this.#collateral}` : "given"}`;
  }

  async #readCollateral(): Promise<TdxCollateral> {
    let raw: unknown = this.#collateral;
    if (typeof raw === "string") {
      let text: string;
      try {
        text = new TextDecoder().decode(await this.#fs.readFile(raw));
      } catch (e) {
        throw new EvidenceSourceError(`cannot read the TDX collateral file ${raw}: ${(e as Error).message}.`);
      }
      try {
        raw = JSON.parse(text);
      } catch (e) {
        throw new EvidenceSourceError(`the TDX collateral file ${this.#collateral as string} is not JSON: ${(e as Error).message}.`);
      }
    }
    try {
      return normalizeTdxCollateral(raw);
    } catch (e) {
      throw new EvidenceSourceError(`the TDX collateral is not DCAP collateral: ${(e as Error & { shortMessage?: string }).shortMessage ?? (e as Error).message}`, {
        hints: ["it must hold the PCCS collateral fields (tcb_info, qe_identity, pck_crl, ... as dcap-qvl takes them)"],
      });
    }
  }

  async gather(request: EvidenceRequest): Promise<Uint8Array> {
    const reportData = reportDataOf(request, "TDX evidence");
    const collateral = await this.#readCollateral();
    const inblob = new Uint8Array(64);
    inblob.set(reportData, 0);
    const entry = path.join(this.#tsmDir, `verity-${process.pid}-${randomBytes(6).toString("hex")}`);
    const fs = this.#fs;
    try {
      await fs.mkdir(entry);
    } catch (e) {
      throw new EvidenceSourceError(`cannot create a configfs-tsm report at ${entry}: ${(e as Error).message}.`, {
        hints: ["run inside a TDX guest with configfs mounted (mount -t configfs none /sys/kernel/config) and Linux 6.7+, as root"],
      });
    }
    let quote: Uint8Array;
    try {
      const provider = await fs.readFile(path.join(entry, "provider")).then(
        (b) => new TextDecoder().decode(b).trim(),
        () => undefined,
      );
      if (provider !== undefined && provider !== "tdx_guest") {
        throw new EvidenceSourceError(`the configfs-tsm provider is "${provider}", not "tdx_guest": this is not an Intel TDX guest.`);
      }
      await fs.writeFile(path.join(entry, "inblob"), inblob);
      quote = await fs.readFile(path.join(entry, "outblob"));
      const generation = await fs.readFile(path.join(entry, "generation")).then(
        (b) => new TextDecoder().decode(b).trim(),
        () => undefined,
      );
      if (generation !== undefined && generation !== "1") {
        throw new EvidenceSourceError(`another writer changed the configfs-tsm report ${entry} (generation ${generation}): try again.`);
      }
    } catch (e) {
      if (e instanceof EvidenceSourceError) throw e;
      throw new EvidenceSourceError(`the configfs-tsm report at ${entry} failed: ${(e as Error).message}.`, {
        hints: ["check the TDX guest's quote generation service (the kernel needs a quoting enclave through the host's QGS)"],
        cause: e as Error,
      });
    } finally {
      await fs.rmdir(entry).catch(() => undefined);
    }
    try {
      checkTdxQuoteHeader(quote);
    } catch (e) {
      throw new EvidenceSourceError(`configfs-tsm returned something that is not a TDX quote: ${(e as Error & { shortMessage?: string }).shortMessage ?? (e as Error).message}`);
    }
    const got = plainHex(quote.subarray(REPORT_DATA_OFFSET, REPORT_DATA_OFFSET + 64));
    if (got !== plainHex(inblob)) {
      throw new EvidenceSourceError(`the TDX quote's report_data is 0x${got}, not the report data written (0x${plainHex(inblob)}).`);
    }
    return encodeTdxEvidence({ quote, collateral });
  }
}
