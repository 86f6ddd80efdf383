/**
 * Prometheus metrics (prom-client): `GET /metrics` of `hoist serve`, and the node_exporter
 * textfile a timer run writes. No `host` label (Prometheus adds `instance`); label values are
 * config names, service names and stable codes only.
 *
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { REFUSAL_CODES, type RunFacts } from "./run_facts.ts";
import type { Trigger } from "./run_queue.ts";

/** The remote-control API's operations: the only values of the `op` label. */
const REMOTE_OPS: ReadonlySet<string> = new Set([
  "ping",
  "ps",
  "logs",
  "restart",
  "start",
  "stop",
  "pull",
  "plan",
  "apply",
]);

/** The exposition format's content type. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** A run's facts with what the metrics add: when and why it ran, how long it took. */
export interface ObservedRun {
  readonly trigger: Trigger;
  readonly facts: RunFacts;
  readonly seconds: number;
  /** When it finished. */
  readonly at: Date;
}

/**
 * The server's metrics. `textfile` mode (one timer run) leaves out the counters and the
 * histogram, which only mean something in a long-running process, and keeps the gauges.
 *
 * @example
 * ```ts
 * const m = new Metrics("server");
 * m.webhook("deploy-all-changed", 202);
 * await m.text(); // "# HELP hoist_webhook_requests_total …"
 * ```
 */
export class Metrics {
  readonly #registry = new Registry();
  readonly #runs;
  readonly #duration;
  readonly #fetchFailures;
  readonly #refusals;
  readonly #restarts;
  readonly #webhooks;
  readonly #remote;
  readonly #lastSuccess;
  readonly #lastRun;
  readonly #lastResult;
  readonly #sourceInfo;
  readonly #up;
  readonly #blocked;
  readonly #rollbacks;
  readonly #heldBack;
  readonly #waiting;

  constructor(mode: "server" | "textfile") {
    const registers = [this.#registry];
    const counters = mode === "server" ? registers : [];
    this.#runs = new Counter({
      name: "hoist_reconcile_runs_total",
      help: "Reconcile runs by what triggered them and how they ended",
      labelNames: ["trigger", "result"] as const,
      registers: counters,
    });
    this.#duration = new Histogram({
      name: "hoist_reconcile_duration_seconds",
      help: "How long a reconcile run took, fetch to record",
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: counters,
    });
    this.#fetchFailures = new Counter({
      name: "hoist_source_fetch_failures_total",
      help: "Runs that could not fetch a source",
      labelNames: ["source"] as const,
      registers: counters,
    });
    this.#refusals = new Counter({
      name: "hoist_signature_refusals_total",
      help: "Commits refused by the trust rules, by error code",
      labelNames: ["source", "reason"] as const,
      registers: counters,
    });
    this.#restarts = new Counter({
      name: "hoist_service_restarts_total",
      help: "Starts and restarts hoist made, by the plan's reason code",
      labelNames: ["service", "reason"] as const,
      registers: counters,
    });
    this.#webhooks = new Counter({
      name: "hoist_webhook_requests_total",
      help: "Webhook and API requests by endpoint and HTTP status",
      labelNames: ["endpoint", "status"] as const,
      registers: counters,
    });
    this.#remote = new Counter({
      name: "hoist_remote_operations_total",
      help: "Remote-control API operations by operation and result (ok, refused, failed)",
      labelNames: ["op", "result"] as const,
      registers: counters,
    });
    this.#lastSuccess = new Gauge({
      name: "hoist_last_success_timestamp_seconds",
      help: "When the last run that fetched, planned and applied without error finished",
      registers,
    });
    this.#lastRun = new Gauge({
      name: "hoist_last_run_timestamp_seconds",
      help: "When the last run finished, whatever its result",
      registers,
    });
    this.#lastResult = new Gauge({
      name: "hoist_last_run_result",
      help:
        "1 for the result of the last run (changed, no-change, failed, error), 0 for the others",
      labelNames: ["result"] as const,
      registers,
    });
    this.#sourceInfo = new Gauge({
      name: "hoist_source_info",
      help: "The commit last deployed or checked per source, and who signed it (always 1)",
      labelNames: ["source", "commit", "signer"] as const,
      registers,
    });
    this.#up = new Gauge({
      name: "hoist_service_up",
      help: "1 when every unit of the service is active after the last run",
      labelNames: ["service"] as const,
      registers,
    });
    this.#blocked = new Gauge({
      name: "hoist_service_blocked",
      help: "1 when an error in the repository blocks the service",
      labelNames: ["service"] as const,
      registers,
    });
    this.#rollbacks = new Counter({
      name: "hoist_health_rollbacks_total",
      help:
        "Services the health gate rolled back (rolled-back) or left down (down, failed), by result",
      labelNames: ["service", "result"] as const,
      registers: counters,
    });
    this.#heldBack = new Gauge({
      name: "hoist_service_held_back",
      help:
        "1 when the circuit breaker keeps the service at its running revision after the last run",
      labelNames: ["service"] as const,
      registers,
    });
    this.#waiting = new Gauge({
      name: "hoist_rollout_waiting",
      help: "1 when the last run's changes wait for a [rollout] window or min_commit_age",
      registers,
    });
  }

  /** Records one finished run. */
  run(r: ObservedRun): void {
    const { facts } = r;
    const result = facts.summary.result;
    const at = r.at.getTime() / 1000;
    this.#runs.inc({ trigger: r.trigger, result });
    this.#duration.observe(r.seconds);
    this.#lastRun.set(at);
    for (const v of ["changed", "no-change", "failed", "error"] as const) {
      this.#lastResult.set({ result: v }, v === result ? 1 : 0);
    }
    if (result === "changed" || result === "no-change") this.#lastSuccess.set(at);
    const source = facts.errorSource ?? "";
    if (facts.errorCode !== undefined && REFUSAL_CODES.has(facts.errorCode)) {
      this.#refusals.inc({ source, reason: facts.errorCode });
    } else if (facts.errorCode === "source-failed") {
      this.#fetchFailures.inc({ source });
    }
    if (facts.errorCode !== undefined) return; // nothing below is known: keep the last values
    this.#sourceInfo.reset();
    for (const s of facts.sources) {
      this.#sourceInfo.set(
        { source: s.source, commit: s.commit, signer: s.signer || "unsigned" },
        1,
      );
    }
    this.#up.reset();
    this.#blocked.reset();
    for (const s of facts.services) {
      this.#up.set({ service: s.service }, s.up ? 1 : 0);
      this.#blocked.set({ service: s.service }, s.blocked ? 1 : 0);
    }
    for (const s of facts.restarts) this.#restarts.inc({ service: s.service, reason: s.reason });
    for (const b of facts.rollbacks ?? []) {
      this.#rollbacks.inc({ service: b.service, result: b.result });
    }
    this.#heldBack.reset();
    const held = new Set(facts.heldBack ?? []);
    for (const s of facts.services) {
      this.#heldBack.set({ service: s.service }, held.has(s.service) ? 1 : 0);
    }
    this.#waiting.set(facts.waiting === true ? 1 : 0);
  }

  /** Sets when the last successful run finished (seconds since the epoch), e.g. from a previous textfile. */
  lastSuccess(seconds: number): void {
    this.#lastSuccess.set(seconds);
  }

  /** Counts one remote-control operation; an op outside the API's list counts as `other`. */
  remote(op: string, result: "ok" | "refused" | "failed"): void {
    this.#remote.inc({ op: REMOTE_OPS.has(op) ? op : "other", result });
  }

  /** Counts one request; `endpoint` is the route's name, never the raw path. */
  webhook(endpoint: string, status: number): void {
    this.#webhooks.inc({ endpoint, status: String(status) });
  }

  /** The exposition text. */
  text(): Promise<string> {
    return this.#registry.metrics();
  }
}
