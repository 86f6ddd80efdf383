/**
 * What waiting on a compose service asks of its unit (`depends_on` conditions).
 *
 * @module
 */
import type { CEntry, CNode } from "./compose_tree.ts";
import { field, keyPath, text } from "./nodes.ts";
import type { ServiceCtx } from "./service_ctx.ts";
import { durationSeconds } from "./service_health.ts";
import { type Diagnostics, fail, warn } from "./unit_builder.ts";

/**
 * What others waiting on a service ask of it: `Notify=healthy` and a start timeout covering its
 * health check for `service_healthy`; a oneshot that has finished for `service_completed_successfully`.
 */
export function waitedFor(
  d: Diagnostics,
  s: CEntry,
  c: ServiceCtx,
  shared: { healthy: Set<string>; completed: Set<string> },
): void {
  if (shared.healthy.has(s.key)) {
    if (field(s.value, "healthcheck") === undefined) {
      warn(
        d,
        c.path,
        s.line,
        "others wait for it to be healthy, but it has no healthcheck here",
        "Its image must define one, or its dependents never start; add healthcheck:",
      );
    }
    c.unit.add("Container", "Notify", "healthy", s.line, c.path);
    c.unit.add(
      "Service",
      "TimeoutStartSec",
      String(healthTimeout(field(s.value, "healthcheck")?.value)),
      s.line,
      c.path,
    );
  }
  if (shared.completed.has(s.key)) {
    const restart = field(s.value, "restart");
    if (restart && text(restart.value) !== "no" && text(restart.value) !== "on-failure") {
      fail(
        d,
        keyPath(c.path, "restart"),
        restart.line,
        "a service others wait for with service_completed_successfully runs once; restart would run it again",
        "Use restart: no or on-failure",
      );
    }
    c.unit.add("Service", "Type", "oneshot", s.line, c.path);
    c.unit.add("Service", "RemainAfterExit", "yes", s.line, c.path);
  }
}

/** Seconds to allow for becoming healthy: the start period and every retry, plus 5 minutes for a pull. */
function healthTimeout(health: CNode | undefined): number {
  const value = (k: string) => {
    const f = health === undefined ? undefined : field(health, k);
    return f === undefined ? undefined : text(f.value);
  };
  const seconds = (k: string, fallback: number) => {
    const t = value(k);
    return (t === undefined ? undefined : durationSeconds(t)) ?? fallback;
  };
  const retriesText = value("retries");
  const retries = retriesText !== undefined && /^\d+$/.test(retriesText) ? Number(retriesText) : 3;
  return Math.ceil(
    300 + seconds("start_period", 0) + (seconds("interval", 30) + seconds("timeout", 30)) * retries,
  );
}
