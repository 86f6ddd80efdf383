import assert from "node:assert/strict";
import {
  nextOpening,
  parseWindow,
  rolloutDecision,
  type RolloutPolicy,
} from "../../lib/health/rollout.ts";

const policy = (windows: string[], timeZone = "UTC", minCommitAgeMs = 0): RolloutPolicy => ({
  windows: windows.map((w) => {
    const p = parseWindow(w);
    if (p === undefined) throw new Error(`bad window ${w}`);
    return p;
  }),
  timeZone,
  minCommitAgeMs,
});
// 2026-12-01 is a Tuesday
const at = (iso: string) => new Date(iso);

Deno.test({
  name: "parseWindow() reads days and times, and refuses what it cannot read",
  permissions: "none",
  fn() {
    assert.deepEqual([...parseWindow("Mon-Fri 02:00-05:00")?.days ?? []], [1, 2, 3, 4, 5]);
    assert.deepEqual([...parseWindow("Sat,Sun 00:00-24:00")?.days ?? []], [6, 0]);
    assert.deepEqual([...parseWindow("Fri-Mon 22:00-02:00")?.days ?? []], [5, 6, 0, 1]);
    assert.equal(parseWindow("22:00-02:00")?.days.size, 7);
    for (
      const bad of [
        "Mon-Fri",
        "Mon-Fri 2:00-5:00",
        "Mon-Fry 02:00-05:00",
        "02:00-02:00",
        "25:00-26:00",
      ]
    ) {
      assert.equal(parseWindow(bad), undefined, bad);
    }
  },
});

Deno.test({
  name: "rolloutDecision() waits for a window and for a commit's soak, in the policy's time zone",
  permissions: "none",
  fn() {
    const table: {
      name: string;
      p: RolloutPolicy;
      at: string;
      committed?: number;
      now?: boolean;
      want: string;
    }[] = [
      { name: "no windows: any time", p: policy([]), at: "2026-12-01T12:00:00Z", want: "go" },
      {
        name: "inside a weekday window",
        p: policy(["Mon-Fri 02:00-05:00"]),
        at: "2026-12-01T03:00:00Z",
        want: "go",
      },
      {
        name: "outside it: the next one opens tomorrow",
        p: policy(["Mon-Fri 02:00-05:00"]),
        at: "2026-12-01T05:00:00Z",
        want: "waiting for window Mon-Fri 02:00-05:00 (next opens at Wed 2026-12-02 02:00 UTC)",
      },
      {
        name: "on a weekend day: Monday's",
        p: policy(["Mon-Fri 02:00-05:00"]),
        at: "2026-12-05T03:00:00Z",
        want: "waiting for window Mon-Fri 02:00-05:00 (next opens at Mon 2026-12-07 02:00 UTC)",
      },
      {
        name: "the window's time zone: 03:00 in Berlin is 02:00 UTC",
        p: policy(["Mon-Fri 02:00-05:00"], "Europe/Berlin"),
        at: "2026-12-01T01:30:00Z",
        want: "go",
      },
      {
        name: "past midnight: Friday 22:00-02:00 still open early Saturday",
        p: policy(["Fri 22:00-02:00"]),
        at: "2026-12-05T01:59:00Z",
        want: "go",
      },
      {
        name: "--now overrides the window",
        p: policy(["Mon-Fri 02:00-05:00"]),
        at: "2026-12-01T12:00:00Z",
        now: true,
        want: "go",
      },
      {
        name: "a commit younger than min_commit_age waits",
        p: policy([], "UTC", 30 * 60_000),
        at: "2026-12-01T12:00:00Z",
        committed: Date.parse("2026-12-01T11:48:00Z") / 1000,
        want: "waiting: commit is 12m old, min_commit_age 30m, deploys at Tue 2026-12-01 12:18 UTC",
      },
      {
        name: "a young commit outside the windows deploys in the first window after its soak",
        p: policy(["Mon-Fri 02:00-05:00"], "Europe/Berlin", 30 * 60_000),
        at: "2026-12-04T03:50:00Z",
        committed: Date.parse("2026-12-04T03:45:00Z") / 1000,
        want:
          "waiting: commit is 5m old, min_commit_age 30m, deploys at Mon 2026-12-07 02:00 Europe/Berlin",
      },
      {
        name: "an old enough commit goes",
        p: policy([], "UTC", 30 * 60_000),
        at: "2026-12-01T12:00:00Z",
        committed: Date.parse("2026-12-01T11:00:00Z") / 1000,
        want: "go",
      },
      {
        name: "a canary with 0 goes at once",
        p: policy([], "UTC", 0),
        at: "2026-12-01T12:00:00Z",
        committed: Date.parse("2026-12-01T12:00:00Z") / 1000,
        want: "go",
      },
    ];
    for (const t of table) {
      const d = rolloutDecision(t.p, at(t.at), t.committed, t.now ?? false);
      assert.equal(d.go ? "go" : d.reason, t.want, t.name);
    }
  },
});

Deno.test({
  name: "nextOpening() finds the first window minute: later today, past midnight, across DST",
  permissions: "none",
  fn() {
    const table: { name: string; p: RolloutPolicy; from: string; want: string | undefined }[] = [
      {
        name: "already open: the next full minute",
        p: policy(["Mon-Fri 02:00-05:00"]),
        from: "2026-12-01T03:00:30Z",
        want: "2026-12-01T03:01:00.000Z",
      },
      {
        name: "later the same day",
        p: policy(["Tue 22:00-02:00", "Sun 10:00-11:00"]),
        from: "2026-12-01T12:00:00Z",
        want: "2026-12-01T22:00:00.000Z",
      },
      {
        name: "the morning part of a window that began the day before opens at midnight",
        p: policy(["Mon 22:00-02:00"]),
        from: "2026-12-01T00:00:00Z",
        want: "2026-12-01T00:00:00.000Z",
      },
      {
        name: "the night the clocks go back (Europe/Berlin, 2026-10-25): 02:00 local is 01:00 UTC",
        p: policy(["Sun 02:30-03:00"], "Europe/Berlin"),
        from: "2026-10-24T12:00:00Z",
        want: "2026-10-25T00:30:00.000Z",
      },
      {
        name:
          "the night the clocks go forward (2026-03-29): 02:00-03:00 does not exist, 03:00-04:00 does",
        p: policy(["Sun 03:00-04:00"], "Europe/Berlin"),
        from: "2026-03-28T12:00:00Z",
        want: "2026-03-29T01:00:00.000Z",
      },
      {
        name: "a window that begins in the skipped hour opens when the clocks jump to 03:00",
        p: policy(["Sun 02:30-04:00"], "Europe/Berlin"),
        from: "2026-03-28T12:00:00Z",
        want: "2026-03-29T01:00:00.000Z",
      },
    ];
    for (const t of table) {
      assert.equal(nextOpening(t.p, at(t.from))?.toISOString(), t.want, t.name);
    }
  },
});
