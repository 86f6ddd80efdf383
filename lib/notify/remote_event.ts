/**
 * {@link remoteEvent}: a `remote` notification for an operation someone ran through `hoist serve`'s
 * remote API (`restart`, `stop`, `start`, `pull`), with who ran it and how it ended. Pure.
 *
 * Only requests whose signature verified are told: a request without a valid key (anyone on the
 * network can send one, naming any service) is recorded in remote.db and counted in the metrics,
 * never sent to people.
 *
 * @module
 */
import { oneLine } from "../errors.ts";
import type { RemoteRecord } from "../state/remote_store.ts";
import type { NotifyEvent } from "./events.ts";

/** The operations that change something, and are told. */
export const TOLD_OPS: ReadonlySet<string> = new Set(["restart", "stop", "start", "pull"]);

const REASON_MAX = 200;

/**
 * The event for `r`, or undefined when it is not told (another operation, or no verified key).
 *
 * @example
 * ```ts
 * remoteEvent("pi", { op: "stop", service: "web", fingerprint: "SHA256:ab", comment: "ci",
 *   result: "ok", status: 200, reason: "", at: "2026-12-02T10:00:00.000Z" })?.summary;
 * // "stop of web by SHA256:ab (ci): ok"
 * ```
 */
export function remoteEvent(host: string, r: RemoteRecord): NotifyEvent | undefined {
  if (!TOLD_OPS.has(r.op) || r.fingerprint === "" || r.service === "") return undefined;
  const who = r.comment === "" ? r.fingerprint : `${r.fingerprint} (${r.comment})`;
  const reason = r.reason === "" ? "" : `: ${oneLine(r.reason).slice(0, REASON_MAX)}`;
  const result = r.result === "ok" ? "ok" : `${r.result} (HTTP ${r.status})${reason}`;
  return {
    kind: "remote",
    host,
    at: r.at,
    service: r.service,
    summary: `${r.op} of ${r.service} by ${oneLine(who)}: ${result}`,
  };
}
