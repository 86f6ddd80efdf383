import assert from "node:assert/strict";
import { type Candidate, gateStep, unblame } from "../../lib/health/gate_plan.ts";
import type { Verdict } from "../../lib/health/types.ts";

const c = (over: Partial<Candidate>): Candidate => ({
  service: "web",
  hash: "new",
  revision: "r",
  units: ["web.service"],
  ...over,
});
const BAD: Verdict = { state: "unhealthy", reason: "http 503 after 3 tries" };

Deno.test({
  name:
    "gateStep() rolls back a new hash that failed, reports a plain restart or a refused first start",
  permissions: "none",
  fn() {
    const table: { name: string; c: Candidate; v: Verdict; want: string }[] = [
      {
        name: "healthy is kept",
        c: c({ prevHash: "old" }),
        v: { state: "healthy", reason: "" },
        want: "keep",
      },
      {
        name: "a new hash that failed is rolled back",
        c: c({ prevHash: "old" }),
        v: BAD,
        want: "roll-back",
      },
      {
        name: "a new service that died after its start is held",
        c: c({}),
        v: BAD,
        want: "roll-back",
      },
      {
        name: "a new service systemctl refused to start is only reported (retried next run)",
        c: c({ startRefused: true, startError: "Job failed" }),
        v: BAD,
        want: "report",
      },
      {
        name: "the same hash, restarted, is only reported",
        c: c({ prevHash: "new" }),
        v: BAD,
        want: "report",
      },
      {
        name: "nothing to judge by",
        c: c({ prevHash: "old" }),
        v: { state: "unknown", reason: "" },
        want: "unchecked",
      },
    ];
    for (const t of table) assert.equal(gateStep(t.c, t.v).kind, t.want, t.name);
  },
});

Deno.test({
  name:
    "unblame() does not blame a service for an unhealthy dependency, directly or through others",
  permissions: "none",
  fn() {
    const deps: Record<string, string[]> = { web: ["api"], api: ["db"], db: [], cron: [] };
    const verdicts = new Map<string, Verdict>([
      ["db", BAD],
      ["api", { state: "unhealthy", reason: "tcp refused" }],
      ["web", { state: "unhealthy", reason: "http 502" }],
      ["cron", { state: "unhealthy", reason: "exited" }],
    ]);
    const out = unblame(verdicts, (s) => deps[s] ?? []);
    assert.deepEqual([...out].map(([s, v]) => [s, v.state]), [
      ["db", "unhealthy"],
      ["api", "unknown"],
      ["web", "unknown"],
      ["cron", "unhealthy"],
    ]);
    assert.deepEqual(out.get("web"), {
      state: "unknown",
      reason: "not judged: it depends on api, which is unhealthy (http 502)",
    });
    // a healthy dependency blames nobody
    const fine = unblame(
      new Map([["db", { state: "healthy", reason: "" } as Verdict], ["web", BAD]]),
      (s) => deps[s] ?? [],
    );
    assert.equal(fine.get("web")?.state, "unhealthy");
  },
});
