/**
 * `hoist status`'s health: each service's last recorded verdict, and what the breaker holds back.
 */
import assert from "node:assert/strict";
import { withStatusHealth } from "../../lib/health/status_health.ts";
import { type StatusRow, statusText } from "../../lib/render/status_table.ts";

const row = (service: string): StatusRow => ({
  service,
  desiredHash: `${service}-desired-hash`,
  runningHash: `${service}-running-hash`,
  state: "running",
  unitState: "active (running)",
  lastChange: "2026-12-01T10:00:00Z",
  inSync: true,
});

const check = (
  service: string,
  finishedAt: string,
  verdict: "healthy" | "unhealthy" | "unknown",
  reason: string,
  phase: "deploy" | "rollback" = "deploy",
) => ({
  service,
  hash: `${service}-${finishedAt.slice(11, 13)}`,
  phase,
  verdict,
  reason,
  finishedAt,
});

Deno.test({
  name: "withStatusHealth() gives each service its newest verdict and what the breaker holds back",
  permissions: "none",
  fn() {
    const rows = withStatusHealth(
      [row("api"), row("db"), row("web")],
      [
        check("web", "2026-12-01T09:00:00Z", "healthy", "http passed after 1 probe(s)"),
        check("web", "2026-12-01T11:00:00Z", "healthy", "settle passed", "rollback"),
        check("web", "2026-12-01T10:00:00Z", "unhealthy", "http 503 after 3 tries"),
        check("api", "2026-12-01T10:00:00Z", "unhealthy", "command exited 1 after 3 tries"),
        check("api", "2026-12-01T08:00:00Z", "healthy", "tcp passed after 1 probe(s)"),
      ],
      [{
        service: "web",
        hash: "web-10",
        at: "2026-12-01T10:00:00Z",
        reason: "http 503 after 3 tries",
      }],
    );
    assert.deepEqual(rows.map((r) => [r.service, r.health, r.heldBack]), [
      ["api", {
        verdict: "unhealthy",
        reason: "command exited 1 after 3 tries",
        hash: "api-10",
        phase: "deploy",
        at: "2026-12-01T10:00:00Z",
      }, undefined],
      ["db", undefined, undefined],
      ["web", {
        verdict: "healthy",
        reason: "settle passed",
        hash: "web-11",
        phase: "rollback",
        at: "2026-12-01T11:00:00Z",
      }, { hash: "web-10", at: "2026-12-01T10:00:00Z", reason: "http 503 after 3 tries" }],
    ]);
    assert.ok(
      !("health" in (rows[1] ?? {})),
      "no key for a service never judged (JSON stays small)",
    );
  },
});

Deno.test({
  name: "statusText() shows a HEALTH column: held back, the verdict with a bounded reason, or -",
  permissions: "none",
  fn() {
    const long = "command exited 1: " + "x".repeat(200);
    const rows = withStatusHealth(
      [row("api"), row("db"), row("job"), row("web")],
      [
        check("api", "2026-12-01T10:00:00Z", "unhealthy", long),
        check("job", "2026-12-01T10:00:00Z", "healthy", "tcp passed after 1 probe(s)"),
        check("web", "2026-12-01T11:00:00Z", "healthy", "settle passed", "rollback"),
      ],
      [{ service: "web", hash: "0123456789abcdef", at: "t", reason: "http 503 after 3 tries" }],
    );
    const cells = statusText(rows, "0123456789abcdef0", "h").split("\n").slice(1, -1)
      .map((l) => l.split(/ {2,}/)[5]);
    assert.deepEqual(cells, [
      "HEALTH",
      `unhealthy: command exited 1: ${"x".repeat(29)}…`,
      "-",
      "healthy",
      "held back (0123456789ab failed)",
    ]);
  },
});
