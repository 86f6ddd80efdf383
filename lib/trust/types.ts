/**
 * Signature verdicts and the trust decision made from them.
 *
 * @module
 */

export type { SignatureResult, Signatures, TrustKeys } from "../types/signature.ts";

/** The trust verdict on one fetched source, shown in the plan header and recorded. */
export interface SourceVerdict {
  readonly source: string;
  /** Branch → commit (one entry for a path source). */
  readonly commits: Readonly<Record<string, string>>;
  /** Signer of each tip, "" when unsigned. */
  readonly signers: Readonly<Record<string, string>>;
  /** trusted: signatures checked now; cached: this exact commit was verified under this policy before; unchecked: require_signed = false. */
  readonly verdict: "trusted" | "cached" | "unchecked";
  /** Commits whose signatures were checked in this run. */
  readonly checked: number;
  /** Set when an older commit than the last deployed one was accepted with --allow-rollback. */
  readonly rollback?: { readonly from: string; readonly to: string };
}
