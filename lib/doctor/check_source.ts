/**
 * Each source reachable and its tip signed by a trusted key (the verdicts are lib/trust's, the
 * same hoist apply uses), the tips' dates against this host's clock, and sops present when what
 * this host deploys holds sops files.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import { commitDateVerdict, signatureVerdict } from "../trust/trust_verdict.ts";
import { type CheckResult, result, type SourceFacts, type ToolFact } from "./types.ts";

const short = (sha: string) => sha.slice(0, 12);

/** Reaching the source: the fetch of its branches' tips. */
export function checkReach(s: SourceFacts): CheckResult {
  const id = `source ${s.name}`;
  if (!s.fetch.ok) return result(id, "error", s.fetch.message, s.fetch.hint ?? "Check the url");
  const tips = [...s.fetch.tips].map(([b, c]) => `${b} at ${short(c)}`).join(", ");
  return result(id, "ok", `${s.url}: ${tips}`);
}

/** The tips' signatures, judged as apply judges them. */
export function checkSigned(s: SourceFacts, config: Config): CheckResult | undefined {
  const id = `signature ${s.name}`;
  if (!s.fetch.ok) return undefined;
  const t = config.trust;
  if (!t.requireSigned) {
    return result(
      id,
      "warning",
      "require_signed = false: commits are deployed without checking who made them",
      "Add signing keys to [trust] (gpg_keys, allowed_signers) and remove require_signed = false",
    );
  }
  if (t.gpgKeys.length === 0 && t.allowedSigners === undefined) {
    return result(
      id,
      "error",
      `require_signed is on but ${config.file} lists no signing keys`,
      'Add [trust] allowed_signers = "…" (ssh) or gpg_keys = ["….asc"] (hoist init --signer FILE writes them)',
    );
  }
  if (s.signatureError !== undefined) {
    return result(
      id,
      "error",
      `cannot check signatures: ${s.signatureError}`,
      "Check the key files in [trust]",
    );
  }
  const signed: string[] = [];
  for (const [branch, tip] of s.fetch.tips) {
    const mine = (s.signatures ?? []).filter((r) => r.commit === tip);
    const verdict = signatureVerdict(s.name, branch, tip, mine);
    if (!verdict.ok) return result(id, "error", verdict.error.message, verdict.error.hint);
    if (mine.length === 0) {
      return result(id, "error", `the tip ${short(tip)} of ${branch} was not checked`);
    }
    signed.push(`${short(tip)} by ${verdict.signer}`);
  }
  return result(id, "ok", `trusted: ${signed.join(", ")}`);
}

/**
 * The clock: synchronised, and no signed tip dated more than the allowed skew after it (apply
 * refuses such a commit; usually this host's clock is behind).
 */
export function checkClock(
  now: number,
  synchronized: boolean | undefined,
  sources: readonly SourceFacts[],
): CheckResult {
  for (const s of sources) {
    if (!s.fetch.ok) continue;
    for (const [branch, tip] of s.fetch.tips) {
      const committedAt = s.signatures?.find((r) => r.commit === tip)?.committedAt;
      const v = commitDateVerdict({
        source: s.name,
        branch,
        tip,
        committedAt,
        prev: undefined,
        rollbackAllowed: false,
        now,
      });
      if (!v.ok) return result("clock", "error", v.error.message, v.error.hint);
    }
  }
  const at = new Date(now * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  if (synchronized === false) {
    return result(
      "clock",
      "warning",
      `${at}, not synchronised: signature validity and commit dates are judged by it`,
      "timedatectl set-ntp true (or start chronyd / systemd-timesyncd)",
    );
  }
  return result("clock", "ok", `${at}${synchronized ? ", synchronised" : ""}`);
}

/** The variables sops reads keys from (age and gpg); hoist passes [secrets] env as well. */
export const SOPS_KEY_VARS = [
  "SOPS_AGE_KEY",
  "SOPS_AGE_KEY_FILE",
  "SOPS_AGE_SSH_PRIVATE_KEY_FILE",
  "SOPS_PGP_FP",
  "GNUPGHOME",
] as const;

/** sops: needed only when a source holds sops files for this host. */
export function checkSops(
  sources: readonly SourceFacts[],
  sops: ToolFact | undefined,
  keyVars: readonly string[],
): CheckResult | undefined {
  const files = sources.flatMap((s) => s.sopsFiles);
  if (files.length === 0) return undefined;
  const some = `${files.slice(0, 3).join(", ")}${
    files.length > 3 ? ` and ${files.length - 3} more` : ""
  }`;
  if (sops === undefined || !sops.found) {
    return result(
      "sops",
      "error",
      `the repository holds sops files (${some}) but sops does not run${
        sops?.found === false ? `: ${sops.error}` : ""
      }`,
      "Install sops (https://github.com/getsops/sops/releases) as /usr/local/bin/sops",
    );
  }
  if (keyVars.length === 0) {
    return result(
      "sops",
      "warning",
      `${sops.version}, but none of ${SOPS_KEY_VARS.join(", ")} is set for ${some}`,
      '[secrets] env = { SOPS_AGE_KEY_FILE = "/etc/hoist/age.key" } (unless sops finds its key by itself)',
    );
  }
  return result("sops", "ok", `${sops.version}; keys from ${keyVars.join(", ")}`);
}
