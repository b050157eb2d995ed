/**
 * The evidence of a job's mode, as the chain holds it and `verifyJob` read it: TEE the enclave key and its
 * attestations (vendor, measurement, validity, attestors); ZK the Groth16 proof and the verifying key hash; QUORUM the
 * signers and their stakes; OPTIMISTIC the dispute's state.
 */
import { formatEther } from "viem";
import { type JobStruct, type VerifyJobReport, VerityMode, getEnclaveKeyHistory, getZkJobData } from "verity-inference";
import type { Connection } from "../connect.js";
import { fields, h, mono, scroller, section, time } from "../dom.js";
import { href } from "../route.js";

const TEE_VENDORS: Record<number, string> = { 1: "AWS Nitro", 2: "Intel TDX" };

/** The evidence section of a job whose report is `report`. */
export async function evidenceView(c: Connection, query: URLSearchParams, jobId: bigint, job: JobStruct, report: VerifyJobReport): Promise<HTMLElement> {
  const mode = job.mode;
  const detail = (name: string) => report.checks.find((x) => x.name === name);
  const checkLine = (name: string) => {
    const x = detail(name);
    return x ? h("span", { class: x.ok ? "ok" : "bad" }, `${x.ok ? "holds" : "FAILS"}: ${x.detail}`) : "not checked";
  };
  if (mode === VerityMode.tee) {
    if (!report.enclaveKey) return section("Evidence: TEE", h("p", {}, "No enclave signature to show (no result yet, or it recovers to nobody)."), checkLine("signature"));
    // The job's verifier is the enclave registry it was requested under.
    const k = await getEnclaveKeyHistory(c.client, { enclaveRegistry: job.verifier, key: report.enclaveKey });
    const attestations = k.events.filter((e) => e.kind === "attested");
    return section("Evidence: TEE", fields([
      ["enclave key", mono(k.key)],
      ["vendor", TEE_VENDORS[k.teeType] ?? `TEE type ${k.teeType}`],
      ["measurement", mono(k.measurement)],
      ["key status", h("span", {}, `${k.status} now; expires `, time(k.expiresAt))],
      ["operator", h("a", { href: href(`/operator/${k.operator}`, query) }, k.operator)],
      ["stake behind it", `${formatEther(k.stake)} (stake units)`],
      ["evidence", checkLine("evidence")],
      ["measurement approval", checkLine("measurementApproval")],
      ["measurement policy", checkLine("measurementPolicy")],
    ]), h("h3", {}, "Attestations"), h("ul", { class: "plain" }, ...attestations.map((e) => e.kind === "attested" && h("li", {},
      `block ${e.blockNumber}: evidence `, mono(e.evidenceHash), ` (${e.evidenceURI.length > 60 ? `${e.evidenceURI.slice(0, 40)}… ${e.evidenceURI.length} characters` : e.evidenceURI}), vouched for by ${e.attestors.length} attestor(s): `,
      ...e.attestors.flatMap((a, i) => [i ? ", " : "", mono(a)]), "; valid until ", time(e.expiresAt)))));
  }
  if (mode === VerityMode.zk) {
    const data = await getZkJobData(c.client, { hub: c.hub, jobId });
    let proof: HTMLElement = h("p", {}, "No proof in the fulfil transaction.");
    if (data.call) {
      const { parseZkAttestation } = await import("verity-inference/zk");
      try {
        const p = parseZkAttestation(data.call.attestation).proof;
        proof = fields([["π_a", mono(p.a.join(", "))], ["π_b", mono(p.b.map((x) => `[${x.join(", ")}]`).join(", "))], ["π_c", mono(p.c.join(", "))]]);
      } catch (err) {
        proof = h("p", { class: "bad" }, `The attestation is not a Groth16 proof: ${(err as Error).message}`);
      }
    }
    return section("Evidence: ZK", fields([
      ["verifier", report.zk ? mono(report.zk.verifier) : "none"],
      ["model commitment", report.zk ? mono(report.zk.modelCommitment) : "none"],
      ["verifying key hash", report.zk ? mono(report.zk.verifyingKeyHash) : "none"],
      ["verifying key", checkLine("verifyingKey")],
      ["proof", checkLine("proof")],
    ]), h("h3", {}, "Groth16 proof (from the fulfil calldata)"), proof);
  }
  if (mode === VerityMode.quorum && report.quorum) {
    const q = report.quorum;
    return section("Evidence: QUORUM", fields([["threshold", `${q.k} signatures`], ["least stake", `${formatEther(q.minStake)} (stake units)`]]),
      scroller("quorum signers", h("table", { "data-signers": true }, h("caption", {}, "Signers, with their bonded stake at the recording block"),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "signer"), h("th", { scope: "col" }, "signature"), h("th", { scope: "col" }, "stake"))),
        h("tbody", {}, ...q.signers.map((s) => h("tr", {}, h("td", {}, h("a", { href: href(`/operator/${s.signer}`, query) }, s.signer)),
          h("td", {}, s.signatureValid ? "valid" : "INVALID"), h("td", {}, s.stake === undefined ? "unknown" : formatEther(s.stake))))))));
  }
  if (mode === VerityMode.optimistic && report.optimistic) {
    const o = report.optimistic;
    const rows: [string, Node | string][] = [
      ["state", `${o.state}${o.outcome ? ` (${o.outcome})` : ""}`],
      ["game", mono(o.game)],
      ["terms", `window ${o.window} s, bonds of ${formatEther(o.bond)} ETH, ${formatEther(o.slashAmount)} of stake per proposal`],
      ["proposal", o.proposal ? h("span", {}, `by ${o.proposal.proposer}, output `, mono(o.proposal.outputHash), ", challengeable until ", time(o.proposal.challengeWindowEnd)) : "none"],
      ["challenge", o.challenge ? h("span", {}, `by ${o.challenge.challenger} at block ${o.challenge.blockNumber}; proof due by `, time(o.challenge.resolveBy)) : "none"],
      ["resolution", o.resolution ? h("span", {}, `by ${o.resolution.resolver}: proven `, mono(o.resolution.provenOutputHash), `, proposal ${o.resolution.proposalUpheld ? "upheld" : "overturned"}`) : "none"],
      ["final", o.finalized ? `block ${o.finalized.blockNumber}, operator share to ${o.finalized.operator}` : "not yet"],
    ];
    return section("Evidence: OPTIMISTIC dispute", fields(rows), h("ul", { class: "plain" }, ...o.payouts.map((p) => h("li", {}, `${formatEther(p.amount)} ETH of bonds to ${p.account}: ${p.why}`))));
  }
  return section("Evidence", h("p", {}, "No evidence to show yet."));
}
