// Minimal types for the untyped ZK libraries, covering only what Verity calls. The public types of the SDK are
// declared in zk.ts and never expose these, so a consumer needs none of them.

declare module "snarkjs" {
  type FileLike = string | Uint8Array | { type: "mem"; data?: Uint8Array };
  type Logger = {
    debug: (msg: string) => void;
    info: (msg: string) => void;
    warn: (msg: string) => void;
    error: (msg: string) => void;
  };
  type ProofJson = {
    pi_a: string[];
    pi_b: string[][];
    pi_c: string[];
    protocol: string;
    curve: string;
  };
  type Curve = { terminate: () => Promise<void> };

  export const groth16: {
    fullProve(
      input: Record<string, unknown>,
      wasm: FileLike,
      zkey: FileLike,
      logger?: Logger
    ): Promise<{ proof: ProofJson; publicSignals: string[] }>;
    verify(
      vkey: unknown,
      publicSignals: readonly (string | bigint)[],
      proof: unknown,
      logger?: Logger
    ): Promise<boolean>;
  };
  export const curves: { getCurveFromName(name: string): Promise<Curve> };
  export const powersOfTau: {
    newAccumulator(curve: Curve, power: number, fileName: string, logger?: Logger): Promise<unknown>;
    contribute(oldPtau: string, newPtau: string, name: string, entropy: string, logger?: Logger): Promise<unknown>;
    preparePhase2(oldPtau: string, newPtau: string, logger?: Logger): Promise<unknown>;
  };
  export const r1cs: {
    info(
      r1csFile: string,
      logger?: Logger
    ): Promise<{ nConstraints: number; nPubInputs: number; nOutputs: number; nVars: number; nPrvInputs: number }>;
  };
  export const zKey: {
    newZKey(r1csFile: string, ptauFile: string, zkeyFile: string, logger?: Logger): Promise<unknown>;
    contribute(oldZkey: string, newZkey: string, name: string, entropy: string, logger?: Logger): Promise<unknown>;
    exportVerificationKey(zkey: FileLike, logger?: Logger): Promise<Record<string, unknown>>;
    exportSolidityVerifier(zkey: FileLike, templates: { groth16: string }, logger?: Logger): Promise<string>;
  };
}

declare module "circomlibjs" {
  type PoseidonField = { toObject(e: unknown): bigint };
  export function buildPoseidon(): Promise<((inputs: readonly bigint[]) => unknown) & { F: PoseidonField }>;
}

declare module "circom_runtime" {
  export function WitnessCalculatorBuilder(
    code: Uint8Array,
    options?: { sanityCheck?: boolean }
  ): Promise<{ calculateWitness(input: Record<string, unknown>, sanityCheck?: boolean): Promise<bigint[]> }>;
}
