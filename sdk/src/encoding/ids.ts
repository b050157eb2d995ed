import { type Address, type Hex, encodeAbiParameters, keccak256 } from "viem";

/** A model's id: `keccak256(abi.encode(owner, name))`, as `ModelRegistry.registerModel` computes it. */
export function modelIdOf(owner: Address, name: string): Hex {
  return keccak256(encodeAbiParameters([{ type: "address" }, { type: "string" }], [owner, name]));
}
