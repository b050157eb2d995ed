/**
 * A model's page (its versions: artifact, URI, IO signature, fee, modes, ZK circuit, allowed measurements) and an
 * operator's page (stake, locks, enclave keys, slashes), from the registries' state and events.
 */
import { type Address, type Hex, formatEther, getAddress, isAddress, isHex } from "viem";
import { getContractEvents, readContract } from "viem/actions";
import { KEY_STATUSES, describeIoSignature, enclaveRegistryAbi, getIoSignature, getModelVersion, inferenceHubAbi, modeLabel, modesFromBitmask, operatorRegistryAbi } from "verity-inference";
import type { Connection } from "../connect.js";
import { amount, fields, h, mono, section, time } from "../dom.js";
import { href } from "../route.js";

/** The model page of `id` (a model id). */
export async function renderModel(main: HTMLElement, query: URLSearchParams, id: string | undefined, c: Connection): Promise<void> {
  if (!id || !isHex(id) || id.length !== 66) throw new Error(`"${id ?? ""}" is not a model id (0x and 64 hex digits).`);
  const modelId = id as Hex;
  const [owner, name, versionCount] = await readContract(c.client, { address: c.hub, abi: inferenceHubAbi, functionName: "getModel", args: [modelId] });
  if (versionCount === 0 && /^0x0+$/.test(owner)) throw new Error(`No model ${modelId} is registered at hub ${c.hub}.`);
  const registry = await readContract(c.client, { address: c.hub, abi: inferenceHubAbi, functionName: "enclaveRegistry" });
  const policy = await getContractEvents(c.client, { address: registry, abi: enclaveRegistryAbi, eventName: "TeeMeasurementPolicyUpdated", args: { modelId }, fromBlock: 0n, strict: true });
  const versions: HTMLElement[] = [];
  for (let v = 1; v <= versionCount; v++) {
    const [version, signature] = await Promise.all([
      getModelVersion(c.client, { hub: c.hub, modelId, version: v }),
      getIoSignature(c.client, { hub: c.hub, modelId, version: v }).catch(() => undefined),
    ]);
    // The latest TeeMeasurementPolicyUpdated per measurement decides whether it is allowed now.
    const allowed = new Map<Hex, boolean>();
    for (const e of policy) if (e.args.version === v) allowed.set(e.args.measurement, e.args.allowed);
    const measurements = [...allowed].filter(([, ok]) => ok).map(([m]) => m);
    versions.push(h("article", { class: "card", "data-version": String(v) }, h("h3", {}, `Version ${v}${version.deprecated ? " (deprecated)" : ""}`), fields([
      ["artifact hash", mono(version.artifactHash)],
      ["URI", mono(version.uri)],
      ["modes", modesFromBitmask(version.modes).map(modeLabel).join(", ")],
      ["fee", amount(version.fee, version.feeToken)],
      ["IO signature", signature ? h("pre", { "data-io-signature": true }, describeIoSignature(signature)) : "not readable"],
      ["ZK circuit", version.zkVerifier === "0x0000000000000000000000000000000000000000" ? "none" : h("span", {}, "verifier ", mono(version.zkVerifier), ", verifying key hash ", mono(version.zkVerifyingKeyHash))],
      ["allowed measurements", measurements.length ? h("ul", { class: "plain" }, ...measurements.map((m) => h("li", {}, mono(m)))) : "none"],
      ["published", time(version.publishedAt)],
    ])));
  }
  main.replaceChildren(h("h1", {}, `Model “${name}”`), fields([["model id", mono(modelId)], ["owner", mono(owner)], ["versions", String(versionCount)],
    ["jobs", h("a", { href: href("/jobs", query, { model: modelId }) }, "this model's jobs")]]), section("Versions", ...versions));
}

/** The operator page of `id` (an address). */
export async function renderOperator(main: HTMLElement, query: URLSearchParams, id: string | undefined, c: Connection): Promise<void> {
  if (!id || !isAddress(id, { strict: false })) throw new Error(`"${id ?? ""}" is not an operator address.`);
  const operator = getAddress(id) as Address;
  const [registry, enclaves] = await Promise.all([
    readContract(c.client, { address: c.hub, abi: inferenceHubAbi, functionName: "operatorRegistry" }),
    readContract(c.client, { address: c.hub, abi: inferenceHubAbi, functionName: "enclaveRegistry" }),
  ]);
  const range = { fromBlock: 0n, toBlock: "latest", strict: true } as const;
  const [record, locked, unlocked, slashed, keys] = await Promise.all([
    readContract(c.client, { address: registry, abi: operatorRegistryAbi, functionName: "getOperator", args: [operator] }),
    getContractEvents(c.client, { ...range, address: registry, abi: operatorRegistryAbi, eventName: "StakeLocked", args: { operator } }),
    getContractEvents(c.client, { ...range, address: registry, abi: operatorRegistryAbi, eventName: "StakeUnlocked", args: { operator } }),
    getContractEvents(c.client, { ...range, address: registry, abi: operatorRegistryAbi, eventName: "OperatorSlashed", args: { operator } }),
    getContractEvents(c.client, { ...range, address: enclaves, abi: enclaveRegistryAbi, eventName: "EnclaveKeyRegistered", args: { operator } }),
  ]);
  const keyRecords = await Promise.all(keys.map((k) => readContract(c.client, { address: enclaves, abi: enclaveRegistryAbi, functionName: "getEnclaveKey", args: [k.args.key] })));
  // A lock ends when it is unlocked, or when the stake behind it is slashed.
  const end = (l: (typeof locked)[number]) =>
    unlocked.some((u) => u.args.jobId === l.args.jobId && u.blockNumber >= l.blockNumber) ? "released"
      : slashed.some((x) => x.args.jobId === l.args.jobId && x.blockNumber >= l.blockNumber) ? "slashed" : "open";
  const jobLink = (jobId: bigint) => h("a", { href: href(`/job/${jobId}`, query) }, `job ${jobId}`);
  main.replaceChildren(
    h("h1", {}, "Operator"), h("p", {}, mono(operator)),
    section("Stake", fields([
      ["bonded", `${formatEther(record.stake)} (stake units)`],
      ["locked", `${formatEther(record.locked)} behind open claims and enclave keys`],
      ["unbonding", record.unbonding > 0n ? h("span", {}, `${formatEther(record.unbonding)}, withdrawable from `, time(record.unbondingReleaseAt)) : "none"],
      ["jobs", h("a", { href: href("/jobs", query, { operator }) }, "jobs credited to this operator")],
    ])),
    section("Locks", locked.length
      ? h("ul", { class: "plain", "data-locks": true }, ...locked.map((l) => h("li", {}, jobLink(l.args.jobId), `: ${formatEther(l.args.amount)} locked at block ${l.blockNumber} (${end(l)})`)))
      : h("p", {}, "No stake was ever locked behind a job.")),
    section("Enclave keys", keys.length
      ? h("ul", { class: "plain", "data-keys": true }, ...keys.map((k, i) => h("li", {}, mono(k.args.key), `: ${KEY_STATUSES[keyRecords[i]!.status] ?? "unknown"}, measurement `, mono(k.args.measurement), ", expires ", time(keyRecords[i]!.expiresAt))))
      : h("p", {}, "No enclave key registered.")),
    section("Slashes", slashed.length
      ? h("ul", { class: "plain", "data-slashes": true }, ...slashed.map((s) => h("li", {}, jobLink(s.args.jobId), `: ${formatEther(s.args.amount)} slashed at block ${s.blockNumber}, ${formatEther(s.args.burned)} burned, credited to ${s.args.recipient}`)))
      : h("p", { "data-slashes": true }, "Never slashed.")),
  );
}
