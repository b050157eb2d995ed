import { execFile } from "node:child_process";
import { TeeType } from "../../attestation/constants.js";
import { decodeTdxEvidence } from "../../attestation/evidence.js";
import { parseNitroDocument } from "../../attestation/nitro.js";
import { EvidenceSourceError } from "../errors.js";
import { type EvidenceRequest, type EvidenceSource, plainHex, reportDataOf } from "./source.js";

/** The placeholder replaced with the report data, in lowercase hex without `0x`. */
export const USER_DATA_PLACEHOLDER = "{userData}";

export type CommandSourceOptions = {
  /**
   * The command and its arguments (no shell). Each `{userData}` is replaced with the report data in hex (no `0x`);
   * without one, the hex is appended as the last argument. The command also gets it as `VERITY_USER_DATA`.
   */
  command: readonly string[];
  /** The TEE type of what the command prints (default AWS Nitro: a COSE_Sign1 document). */
  teeType?: TeeType | undefined;
  /** How long the command may run (default 30 s). */
  timeoutMs?: number | undefined;
  /** Extra environment for the command (added to the node's). */
  env?: Readonly<Record<string, string>> | undefined;
};

const MAX_OUTPUT = 16 * 1024 * 1024;

/**
 * Evidence from a command the operator configures, run inside the enclave. For AWS Nitro the NSM device
 * (`/dev/nsm`) is reached through an ioctl that has no pure-Node API, so the node runs a small helper that asks it
 * for an attestation document with the user data given (e.g. a build of aws-nitro-enclaves-nsm-api's
 * `nsm-cli attestation --user-data {userData}`), and reads the document from its stdout: raw COSE_Sign1 bytes, or
 * the same as hex or base64 text. The document must carry exactly the report data as `user_data`, which is checked
 * before it is returned. With `teeType: TeeType.IntelTdx` the command prints verity-tdx-evidence/v1 JSON instead.
 */
export class CommandSource implements EvidenceSource {
  readonly teeType: TeeType;
  readonly development = false;
  readonly #command: readonly string[];
  readonly #timeoutMs: number;
  readonly #env: Readonly<Record<string, string>>;

  constructor(options: CommandSourceOptions) {
    const command = options?.command;
    if (!Array.isArray(command) || command.length === 0 || command.some((a) => typeof a !== "string") || command[0] === "") {
      throw new EvidenceSourceError("the attestation command is empty: give the program and its arguments.", {
        hints: ["e.g. --nsm-command 'nsm-cli attestation --user-data {userData}' ({userData} becomes the report data in hex)"],
      });
    }
    this.#command = [...command];
    this.teeType = options.teeType ?? TeeType.AwsNitro;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#env = options.env ?? {};
  }

  describe(): string {
    return `${this.teeType === TeeType.AwsNitro ? "AWS Nitro (NSM)" : "Intel TDX"} evidence from \`${this.#command.join(" ")}\``;
  }

  async gather(request: EvidenceRequest): Promise<Uint8Array> {
    const reportData = reportDataOf(request, this.describe());
    const hex = plainHex(reportData);
    const [program, ...rest] = this.#command as [string, ...string[]];
    const args = rest.some((a) => a.includes(USER_DATA_PLACEHOLDER))
      ? rest.map((a) => a.split(USER_DATA_PLACEHOLDER).join(hex))
      : [...rest, hex];
    const stdout = await new Promise<Buffer>((resolve, reject) => {
      execFile(
        program,
        args,
        { encoding: "buffer", maxBuffer: MAX_OUTPUT, timeout: this.#timeoutMs, env: { ...process.env, ...this.#env, VERITY_USER_DATA: hex } },
        (err, out, errOut) => {
          if (err) {
            const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
            const why =
              e.code === "ENOENT"
                ? `${program} was not found`
                : e.killed
                  ? `it did not finish within ${this.#timeoutMs} ms`
                  : `it exited with ${e.code ?? "an error"}${errOut?.length ? `: ${errOut.toString("utf8").trim().split("\n").slice(-1)[0]}` : ""}`;
            reject(
              new EvidenceSourceError(`the attestation command \`${this.#command.join(" ")}\` failed: ${why}.`, {
                hints: ["run it by hand inside the enclave to check it can reach the NSM device (/dev/nsm)"],
                cause: err,
              }),
            );
          } else resolve(out);
        },
      );
    });
    const bytes = decodeOutput(stdout);
    if (bytes.length === 0) throw new EvidenceSourceError(`the attestation command \`${this.#command.join(" ")}\` printed nothing.`);
    this.#check(bytes, reportData);
    return bytes;
  }

  /** The output is evidence of this TEE type that carries the report data. */
  #check(bytes: Uint8Array, reportData: Uint8Array): void {
    const what = `the output of \`${this.#command.join(" ")}\``;
    try {
      if (this.teeType === TeeType.AwsNitro) {
        const doc = parseNitroDocument(bytes);
        if (!doc.userData || plainHex(doc.userData) !== plainHex(reportData)) {
          throw new EvidenceSourceError(
            `${what} is a Nitro document whose user_data is ${doc.userData ? `0x${plainHex(doc.userData)}` : "absent"}, not the report data 0x${plainHex(reportData)}.`,
            { hints: ["the command must pass the user data it is given to the NSM (its {userData} argument)"] },
          );
        }
      } else {
        const { quote } = decodeTdxEvidence(bytes);
        const got = plainHex(quote.subarray(568, 632));
        if (got !== plainHex(reportData) + "00".repeat(32)) {
          throw new EvidenceSourceError(`${what} is a TDX quote whose report_data is 0x${got}, not the report data followed by 32 zero bytes.`);
        }
      }
    } catch (e) {
      if (e instanceof EvidenceSourceError) throw e;
      throw new EvidenceSourceError(`${what} is not ${this.teeType === TeeType.AwsNitro ? "a Nitro attestation document" : "verity-tdx-evidence/v1 JSON"}: ${(e as Error & { shortMessage?: string }).shortMessage ?? (e as Error).message}`, {
        cause: e as Error,
      });
    }
  }
}

/** Raw bytes as printed, or the bytes of hex / base64 text. */
function decodeOutput(out: Buffer): Uint8Array {
  const first = out[0];
  // A COSE_Sign1 array (0x84) or its tag (0xd2), or TDX JSON: taken as is.
  if (first === 0x84 || first === 0xd2 || first === 0x7b) return new Uint8Array(out);
  const text = out.toString("latin1").trim();
  if (/^(0x)?([0-9a-fA-F]{2})+$/.test(text)) return new Uint8Array(Buffer.from(text.replace(/^0x/, ""), "hex"));
  const compact = text.replace(/\s+/g, "");
  if (compact.length > 0 && /^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) return new Uint8Array(Buffer.from(compact, "base64"));
  return new Uint8Array(out);
}
