import assert from "node:assert/strict";
import type { DesiredUnit, ReadyService } from "../../lib/desired/types.ts";
import { notifyHealthyWarnings, unitDuration } from "../../lib/health/notify_healthy.ts";

const svc = (content: string, type: DesiredUnit["type"] = "container"): ReadyService => ({
  name: "web",
  status: "ready",
  dependsOn: [],
  problems: [],
  hash: "h",
  legacyHash: "h",
  dir: "/s/web/h",
  units: [{
    path: "gitops-web.container",
    type,
    serviceUnit: "gitops-web.service",
    entry: true,
    content,
    source: "gitops/h/web/manifest.yml",
    keyLines: { "Container.Notify": 4 },
  }],
  files: [],
  inputs: {},
});

Deno.test({
  name: "unitDuration() reads systemd and Go durations",
  permissions: "none",
  fn() {
    const table: [string, number | undefined][] = [
      ["90", 90_000],
      ["30s", 30_000],
      ["1min 30s", 90_000],
      ["1m30s", 90_000],
      ["500ms", 500],
      ["2h", 7_200_000],
      ["infinity", Infinity],
      ["soon", undefined],
    ];
    for (const [t, ms] of table) assert.equal(unitDuration(t), ms, t);
  },
});

Deno.test({
  name: "notifyHealthyWarnings() warns when Notify=healthy's start period outlasts TimeoutStartSec",
  permissions: "none",
  fn() {
    const table: { name: string; content: string; type?: DesiredUnit["type"]; warns: boolean }[] = [
      {
        name: "start period 2 min, systemd's default 90 s timeout",
        content: "[Container]\nImage=x\nNotify=healthy\nHealthStartPeriod=2m\n",
        warns: true,
      },
      {
        name: "a timeout longer than the start period",
        content:
          "[Container]\nNotify=healthy\nHealthStartPeriod=2m\n[Service]\nTimeoutStartSec=180\n",
        warns: false,
      },
      {
        name: "a timeout as long as the start period is too short",
        content:
          "[Container]\nNotify=healthy\nHealthStartPeriod=60s\n[Service]\nTimeoutStartSec=1min\n",
        warns: true,
      },
      { name: "no Notify=healthy", content: "[Container]\nHealthStartPeriod=5m\n", warns: false },
      {
        name: "TimeoutStartSec=infinity",
        content:
          "[Container]\nNotify=healthy\nHealthStartPeriod=5m\n[Service]\nTimeoutStartSec=infinity\n",
        warns: false,
      },
    ];
    for (const t of table) {
      const w = notifyHealthyWarnings(svc(t.content, t.type));
      assert.equal(w.length, t.warns ? 1 : 0, t.name);
    }
    const [w] = notifyHealthyWarnings(svc(table[0]!.content));
    assert.equal(w?.level, "warning");
    assert.equal(w?.file, "gitops/h/web/manifest.yml");
    assert.equal(w?.line, 4);
    assert.match(
      w?.message ?? "",
      /HealthStartPeriod=120s, but systemd fails the start after TimeoutStartSec=90s/,
    );
    assert.match(w?.hint ?? "", /TimeoutStartSec longer than the start period \(e\.g\. 150s\)/);
  },
});
