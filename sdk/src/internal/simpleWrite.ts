import type { Address, Hash } from "viem";
import type { VerityClient, WriteParameters } from "../types.js";
import { writeOptions } from "./client.js";
import { writeEnclaves, writeHub, writeRegistry } from "./hub.js";
import { type FieldSpec, checkFields, checkWriteParameters } from "./parameters.js";

/**
 * The shape of the SDK's simplest write actions (one contract call from checked parameters, nothing read first):
 * `action` checks the write options and `fields` at run time, then sends what `call` builds. Writes that read or sign
 * first are written out in full in their own files.
 */

type HubCall = Parameters<typeof writeHub>[3];
type RegistryCall = Parameters<typeof writeRegistry>[3];
type EnclaveCall = Parameters<typeof writeEnclaves>[3];
type Action<P> = (client: VerityClient, parameters: P) => Promise<Hash>;

/** A write to the InferenceHub (`parameters.hub`). */
export function hubWriteAction<P extends WriteParameters & { hub: Address }>(
  action: string,
  fields: FieldSpec,
  call: (parameters: P) => HubCall,
): Action<P> {
  return async (client, parameters) => {
    checkWriteParameters(action, client, parameters);
    checkFields(action, parameters, { hub: "address", ...fields });
    return writeHub(client, parameters.hub, writeOptions(client, parameters, action), call(parameters));
  };
}

/** A write to the OperatorRegistry (`parameters.operatorRegistry`). */
export function registryWriteAction<P extends WriteParameters & { operatorRegistry: Address }>(
  action: string,
  fields: FieldSpec,
  call: (parameters: P) => RegistryCall,
): Action<P> {
  return async (client, parameters) => {
    checkWriteParameters(action, client, parameters);
    checkFields(action, parameters, { operatorRegistry: "address", ...fields });
    return writeRegistry(client, parameters.operatorRegistry, writeOptions(client, parameters, action), call(parameters));
  };
}

/** A write to the EnclaveRegistry (`parameters.enclaveRegistry`). */
export function enclaveWriteAction<P extends WriteParameters & { enclaveRegistry: Address }>(
  action: string,
  fields: FieldSpec,
  call: (parameters: P) => EnclaveCall,
): Action<P> {
  return async (client, parameters) => {
    checkWriteParameters(action, client, parameters);
    checkFields(action, parameters, { enclaveRegistry: "address", ...fields });
    return writeEnclaves(client, parameters.enclaveRegistry, writeOptions(client, parameters, action), call(parameters));
  };
}
