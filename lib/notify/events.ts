/**
 * {@link deriveEvents}: what one run tells people, as plain records. Pure: the outcome of a run
 * (read through {@link runFacts}, the metrics' reading of it) and the notify state before it →
 * the events and the state after it.
 *
 * - `deployed`: a service whose steps changed something, all without error;
 * - `failed`: a service blocked by an error or with a failed step, a plan blocked as a whole, a
 *   failed host step (daemon-reload), or a run that stopped with an error other than those below;
 * - `refused`: the trust rules refused a source (unsigned, untrusted signer, rollback, commit date);
 * - `fetch-failed`: a source could not be fetched `fetchFailures` runs in a row (and every run
 *   after, which the throttle thins out);
 * - `recovered`: the first run without a failure after one that produced a failure event.
 *
 * - `rolled-back`: a service the health gate rolled back to its last healthy revision (instead
 *   of `failed`; a rollback that failed too, or had nothing to go back to, stays `failed`);
 * - `held-back`: a service the breaker keeps at its running revision because its desired hash
 *   failed health here, told once per (service, hash) while it is held.
 *
 * A run that could not take the lock (`lock-busy`: another run is at it) tells nothing.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { EventKind } from "../config/notify_config.ts";
import { oneLine, type Problem } from "../errors.ts";
import type { ActionRecord } from "../reconcile/records.ts";
import type { RunResult } from "../run/run_result.ts";
import type { Outcome } from "../run/outcome.ts";
import { REFUSAL_CODES, runFacts } from "../server/run_facts.ts";

/** One notification event. Optional fields are absent when the event has none (host-wide ones). */
export interface NotifyEvent {
  readonly kind: EventKind;
  readonly host: string;
  /** When the run ended (ISO 8601). */
  readonly at: string;
  readonly source?: string;
  readonly revision?: string;
  readonly signer?: string;
  readonly service?: string;
  /** One line for humans; never a secret (secrets never reach errors or plan reasons). */
  readonly summary: string;
  /** `fetch-failed`: how many runs in a row could not fetch the source. */
  readonly failures?: number;
}

/** What notifications remember between runs. */
export interface NotifyState {
  /** Source name → runs in a row that could not fetch it ("" when the error named none). */
  readonly fetchFailures: Readonly<Record<string, number>>;
  /** The last run that told anything told of a failure. */
  readonly failing: boolean;
  /** Service → the hash whose `held-back` was told and is still held (absent: none). */
  readonly heldBack?: Readonly<Record<string, string>>;
}

/** The state before the first run. */
export const INITIAL_STATE: NotifyState = { fetchFailures: {}, failing: false };

/** Kinds that make the next good run a `recovered`. */
const FAILURES: ReadonlySet<EventKind> = new Set([
  "failed",
  "refused",
  "fetch-failed",
  "rolled-back",
]);

/**
 * Steps that prepare a change without being one: scripts, and the image pull before a start (a
 * pull alone deploys nothing, and its reason is about the pull, not about the change).
 */
const PREPARATION: ReadonlySet<ActionRecord["kind"]> = new Set(["run-script", "pull"]);

/** Longest summary kept (a message, not a log). */
const SUMMARY_MAX = 300;

/**
 * The events of `outcome` and the state after it; `fetchFailures` is the number of failed fetches
 * in a row before the first `fetch-failed`.
 *
 * @example
 * ```ts
 * deriveEvents(config, outcome, INITIAL_STATE, { fetchFailures: 3, at: "2026-12-01T02:10:00Z" })
 *   .events.map((e) => `${e.kind} ${e.service ?? "-"}`); // ["deployed web"]
 * ```
 */
export function deriveEvents(
  config: Config,
  outcome: Outcome<RunResult>,
  state: NotifyState,
  opts: { readonly fetchFailures: number; readonly at: string },
): { events: readonly NotifyEvent[]; state: NotifyState } {
  const base = { host: config.host, at: opts.at };
  if (!outcome.ok) {
    const out = errorEvents(config, outcome, state, opts);
    // a run that stopped early says nothing about what is held back: keep what was told
    return { ...out, state: withHeld(out.state, state.heldBack) };
  }
  const r = outcome.value;
  const facts = runFacts(config, outcome);
  const events: NotifyEvent[] = [];
  const actions = r.applied?.actions ?? [];
  const where = (service: string | undefined) => ({ ...base, ...origin(r, service) });
  const rolledBack = new Set(
    (r.rollbacks ?? []).filter((b) => b.result === "rolled-back").map((b) => b.service),
  );
  for (const b of (r.rollbacks ?? []).filter((x) => rolledBack.has(x.service))) {
    const said = r.rolledBack?.find((l) => l.startsWith(`${b.service}: `));
    const summary = said?.slice(b.service.length + 2) ??
      `rolled back ${b.fromHash.slice(0, 12)} → ${b.toHash?.slice(0, 12)} (${b.reason})`;
    events.push({
      ...where(b.service),
      kind: "rolled-back",
      service: b.service,
      summary: line(summary),
    });
  }
  for (const s of facts.services) {
    if (rolledBack.has(s.service)) continue;
    const problem = r.plan.problems.find((p) => p.level === "error" && p.service === s.service) ??
      r.desired.services.find((d) => d.name === s.service)?.problems.find((p) =>
        p.level === "error"
      );
    const failedStep = actions.find((a) => a.service === s.service && a.result === "failed");
    if (s.blocked || failedStep !== undefined) {
      const why = failedStep === undefined
        ? `blocked: ${problem === undefined ? "an error in its files" : place(problem)}`
        : stepFailure(failedStep);
      events.push({ ...where(s.service), kind: "failed", service: s.service, summary: line(why) });
    }
  }
  const failedServices = new Set(events.map((e) => e.service));
  const told = state.heldBack ?? {};
  for (const h of r.heldBack ?? []) {
    if (told[h.service] === h.hash) continue;
    events.push({
      ...where(h.service),
      kind: "held-back",
      service: h.service,
      summary: line(
        `held back: hash ${h.hash.slice(0, 12)} failed health at ${h.at} (${h.reason}); ` +
          `fix it in a new commit or run hoist apply --retry-failed ${h.service}`,
      ),
    });
  }
  const held = Object.fromEntries((r.heldBack ?? []).map((h) => [h.service, h.hash]));
  const changed = [
    ...new Set(
      actions.filter((a) => a.result === "ok" && !PREPARATION.has(a.kind) && a.service !== "")
        .map((a) => a.service),
    ),
  ].sort();
  for (const service of changed) {
    const mine = actions.filter((a) => a.service === service);
    if (failedServices.has(service) || mine.some((a) => a.result !== "ok")) continue;
    const steps = mine.filter((a) => !PREPARATION.has(a.kind));
    const restart = facts.restarts.some((x) => x.service === service);
    const reasons = [...new Set(steps.map((a) => a.reason))].join("; ");
    const summary = `${steps.length} step(s) at ${short(r.plan.revision)}${
      restart ? ", (re)started" : ""
    }: ${reasons}`;
    events.push({ ...where(service), kind: "deployed", service, summary: line(summary) });
  }
  const hostStep = actions.find((a) => a.service === "" && a.result === "failed");
  if (hostStep !== undefined) {
    events.push({
      ...where(undefined),
      kind: "failed",
      summary: line(stepFailure(hostStep)),
    });
  } else if (r.plan.blocked && failedServices.size === 0) {
    const p = r.plan.problems.find((x) => x.level === "error") ??
      r.desired.problems.find((x) => x.level === "error");
    events.push({
      ...where(undefined),
      kind: "failed",
      summary: line(
        `nothing applied: ${p === undefined ? facts.summary.message : place(p)}`,
      ),
    });
  }
  const failing = events.some((e) => FAILURES.has(e.kind));
  if (state.failing && !failing) {
    events.push({ ...where(undefined), kind: "recovered", summary: line(facts.summary.message) });
  }
  return { events, state: withHeld({ fetchFailures: {}, failing }, held) };
}

/** `state` with `held` as what is held back (left out when nothing is). */
function withHeld(
  state: NotifyState,
  held: Readonly<Record<string, string>> | undefined,
): NotifyState {
  const { heldBack: _, ...rest } = state;
  return held === undefined || Object.keys(held).length === 0 ? rest : { ...rest, heldBack: held };
}

/** A run that stopped before or while planning. */
function errorEvents(
  config: Config,
  outcome: Outcome<RunResult> & { ok: false },
  state: NotifyState,
  opts: { readonly fetchFailures: number; readonly at: string },
): { events: readonly NotifyEvent[]; state: NotifyState } {
  const facts = runFacts(config, outcome);
  const code = outcome.error.code;
  if (code === "lock-busy") return { events: [], state };
  const source = facts.errorSource;
  const key = source ?? "";
  const summary = line(outcome.error.message);
  const base = { host: config.host, at: opts.at, ...(source === undefined ? {} : { source }) };
  const { [key]: previous = 0, ...others } = state.fetchFailures;
  if (code === "source-failed") {
    const failures = previous + 1;
    const fetchFailures = { ...others, [key]: failures };
    if (failures < opts.fetchFailures) return { events: [], state: { ...state, fetchFailures } };
    return {
      events: [{ ...base, kind: "fetch-failed", failures, summary }],
      state: { fetchFailures, failing: true },
    };
  }
  const kind: EventKind = REFUSAL_CODES.has(code) ? "refused" : "failed";
  // a refusal shows the source was fetched; another error says nothing about fetching
  const fetchFailures = kind === "refused" ? others : state.fetchFailures;
  return { events: [{ ...base, kind, summary }], state: { fetchFailures, failing: true } };
}

/** The source, revision and signer a service's files came from (or the run's, host-wide). */
function origin(
  r: RunResult,
  service: string | undefined,
): { source?: string; revision: string; signer?: string } {
  const records = r.fetched.flatMap((f) =>
    f.records.map((rec) => ({ ...rec, perService: f.source.kind === "branch-per-service" }))
  );
  const own = records.find((rec) => rec.perService && rec.branch === service) ??
    (records.length === 1 ? records[0] : undefined);
  if (own === undefined) return { revision: r.plan.revision };
  return {
    source: own.source,
    revision: own.commit,
    ...(own.signer === "" ? {} : { signer: own.signer }),
  };
}

/** `file:line: message` of a problem (escaped by {@link line}). */
function place(p: Problem): string {
  const where = p.file === undefined
    ? ""
    : p.line === undefined
    ? `${p.file}: `
    : `${p.file}:${p.line}: `;
  return `${where}${p.message}`;
}

function stepFailure(a: ActionRecord): string {
  return `${a.kind}${a.unit === "" ? "" : ` ${a.unit}`} failed: ${a.error ?? "no reason given"}`;
}

function short(revision: string): string {
  return /^[0-9a-f]{40,64}$/.test(revision) ? revision.slice(0, 12) : revision;
}

function line(text: string): string {
  const one = oneLine(text.split("\n")[0] ?? "");
  return one.length > SUMMARY_MAX ? `${one.slice(0, SUMMARY_MAX - 1)}…` : one;
}
