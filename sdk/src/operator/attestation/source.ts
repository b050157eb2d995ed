import type { TeeType } from "../../attestation/constants.js";
import { EvidenceSourceError } from "../errors.js";

/**
 * Where an operator node gets attestation evidence for its enclave key: inside an AWS Nitro enclave (the NSM device,
 * through a command), inside an Intel TDX guest (the kernel's configfs-tsm reports), or, for local development only,
 * the published development authority. Each source returns the evidence bytes the chain stores the hash of
 * (sdk/src/attestation/README.md): a Nitro COSE_Sign1 document whose `user_data` is the report data, or
 * verity-tdx-evidence/v1 JSON whose quote's `report_data` is the report data followed by 32 zero bytes.
 */
export interface EvidenceSource {
  /** The TEE type of the evidence it makes (`TeeType.AwsNitro` or `TeeType.IntelTdx`). */
  readonly teeType: TeeType;
  /** True for development evidence (forgeable by anyone; production policy refuses it). */
  readonly development: boolean;
  /** What it is, for logs: "AWS Nitro NSM via `nsm-attest {userData}`", ... */
  describe(): string;
  /** Makes evidence that carries `reportData` (the 32-byte key binding digest, `enclaveKeyBindingDigest`). */
  gather(request: EvidenceRequest): Promise<Uint8Array>;
}

export type EvidenceRequest = {
  /** The 32-byte binding digest `enclaveKeyBindingDigest({ chainId, enclaveRegistry, key, operator })`. */
  reportData: Uint8Array;
};

/** The 32 bytes of a request's report data, or a clear error. */
export function reportDataOf(request: EvidenceRequest, source: string): Uint8Array {
  const data = request?.reportData;
  if (!(data instanceof Uint8Array) || data.length !== 32) {
    throw new EvidenceSourceError(
      `${source}: the report data must be the 32-byte key binding digest, got ${data instanceof Uint8Array ? `${data.length} bytes` : typeof data}.`,
      { hints: ["pass hexToBytes(enclaveKeyBindingDigest({ chainId, enclaveRegistry, key, operator }))"] },
    );
  }
  return data;
}

/** Hex of bytes, no 0x. */
export const plainHex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
