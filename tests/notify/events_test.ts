import assert from "node:assert/strict";
import {
  deriveEvents,
  INITIAL_STATE,
  type NotifyEvent,
  type NotifyState,
} from "../../lib/notify/events.ts";
import type { RunResult } from "../../lib/run/run_result.ts";
import type { Outcome } from "../../lib/run/outcome.ts";
import { PURE } from "../support/pure.ts";
import { applied, REV2, stopped, testConfig } from "./fixtures.ts";

const AT = "2026-12-01T02:10:00.000Z";
const config = testConfig();
const BROKEN_WEB = { "web/manifest.yml": "Container:\n  Image: [a, b]\n" };
const unreachable = () =>
  stopped("source-failed", "source main: git fetch failed: Could not resolve host");

/** `kind service` (or `kind -`) of each event, and the summaries' gist checked by `includes`. */
const line = (e: NotifyEvent) => `${e.kind} ${e.service ?? "-"}`;

interface Row {
  readonly name: string;
  /** The runs, in order, from the state before the first (INITIAL_STATE unless given). */
  readonly runs: () => readonly Outcome<RunResult>[];
  readonly before?: NotifyState;
  /** The events of the last run. */
  readonly events: readonly string[];
  /** Texts the summaries of the last run's events hold, in event order. */
  readonly says?: readonly string[];
  /** The state after the last run. */
  readonly after?: NotifyState;
}

const ROWS: readonly Row[] = [
  {
    name: "a first deploy tells of each service deployed, with source, commit and signer",
    runs: () => [applied()],
    events: ["deployed db", "deployed web"],
    says: ["2 step(s) at 111111111111, (re)started: new unit", "(re)started: new unit"],
    after: { fetchFailures: {}, failing: false },
  },
  {
    name: "a run that changes nothing tells nothing",
    runs: () => [applied({ host: "deployed" })],
    events: [],
  },
  {
    name: "a service whose start fails is failed, with the unit and systemctl's words",
    runs: () => [applied({ failStart: ["web"] })],
    events: ["failed web", "deployed db"],
    says: ["start gitops-web.service failed: systemctl --user start gitops-web.service: Job for"],
    after: { fetchFailures: {}, failing: true },
  },
  {
    name: "a service blocked by an error is failed, naming file and line",
    runs: () => [applied({ files: BROKEN_WEB })],
    events: ["failed web", "deployed db"],
    says: ["blocked: gitops/h1/web/manifest.yml:2: Container.Image must be one value"],
  },
  {
    name: "a failed daemon-reload is one host-wide failure, and nothing counts as deployed",
    runs: () => [applied({ failReload: true })],
    events: ["failed -"],
    says: ["daemon-reload failed: systemctl --user daemon-reload: Failed to reload daemon"],
  },
  {
    name: "a broken config.yml blocks the plan: one host-wide failure with the place",
    runs: () => [applied({ files: { "config.yml": "services: [\n" } })],
    events: ["failed -"],
    says: ["nothing applied: gitops/h1/config.yml:2: invalid YAML"],
  },
  {
    name: "an untrusted signer is refused, naming the source",
    runs: () => [stopped("signature-untrusted", "source main: commit 2222 is signed by mallory")],
    events: ["refused -"],
    says: ["source main: commit 2222 is signed by mallory"],
    after: { fetchFailures: {}, failing: true },
  },
  {
    name: "a rollback attempt is refused too",
    runs: () => [stopped("rollback-refused", "source main: 1111 does not descend from 2222")],
    events: ["refused -"],
  },
  {
    name: "two failed fetches in a row tell nothing yet, and are counted",
    runs: () => [unreachable(), unreachable()],
    events: [],
    after: { fetchFailures: { main: 2 }, failing: false },
  },
  {
    name: "the third failed fetch in a row is fetch-failed, with the count",
    runs: () => [unreachable(), unreachable(), unreachable()],
    events: ["fetch-failed -"],
    says: ["source main: git fetch failed: Could not resolve host"],
    after: { fetchFailures: { main: 3 }, failing: true },
  },
  {
    name: "a good run after fetch-failed is recovered and resets the count",
    runs: () => [unreachable(), unreachable(), unreachable(), applied({ host: "deployed" })],
    events: ["recovered -"],
    says: ["no changes at 111111111111"],
    after: { fetchFailures: {}, failing: false },
  },
  {
    name: "a good run after two failed fetches (never told) is not a recovery",
    runs: () => [unreachable(), unreachable(), applied({ host: "deployed" })],
    events: [],
    after: { fetchFailures: {}, failing: false },
  },
  {
    name: "a fixed service deploys and the run is recovered",
    runs: () => [applied({ files: BROKEN_WEB }), applied({ revision: REV2 })],
    events: ["deployed db", "deployed web", "recovered -"],
  },
  {
    name: "a service failing run after run stays failed, with no recovery",
    runs: () => [applied({ failStart: ["web"] }), applied({ failStart: ["web"] })],
    events: ["failed web", "deployed db"],
    after: { fetchFailures: {}, failing: true },
  },
  {
    name: "a busy lock (another run is at it) tells nothing and keeps the state",
    before: { fetchFailures: { main: 2 }, failing: true },
    runs: () => [stopped("lock-busy", "another hoist run holds the lock")],
    events: [],
    after: { fetchFailures: { main: 2 }, failing: true },
  },
  {
    name: "another error is a host-wide failure and keeps the fetch count",
    before: { fetchFailures: { main: 2 }, failing: false },
    runs: () => [stopped("state-failed", "cannot open /var/lib/hoist/state.db: disk I/O error")],
    events: ["failed -"],
    after: { fetchFailures: { main: 2 }, failing: true },
  },
];

for (const row of ROWS) {
  Deno.test({
    name: `deriveEvents(): ${row.name}`,
    permissions: PURE,
    fn() {
      let state = row.before ?? INITIAL_STATE;
      let events: readonly NotifyEvent[] = [];
      for (const run of row.runs()) {
        ({ events, state } = deriveEvents(config, run, state, { fetchFailures: 3, at: AT }));
      }
      assert.deepEqual(events.map(line), row.events);
      for (const [i, text] of (row.says ?? []).entries()) {
        assert.ok(events[i]?.summary.includes(text), `${events[i]?.summary} says ${text}`);
      }
      if (row.after !== undefined) assert.deepEqual(state, row.after);
      for (const e of events) {
        assert.equal(e.host, "h1");
        assert.equal(e.at, AT);
        assert.equal(e.source, "main", "every event of a one-source host names it");
        // deno-lint-ignore no-control-regex
        assert.ok(!/[\x00-\x1f]/.test(e.summary), "summaries are one line");
      }
    },
  });
}

Deno.test({
  name: "deriveEvents(): service events carry the commit and signer they were deployed from",
  permissions: PURE,
  fn() {
    const { events } = deriveEvents(
      config,
      applied({ revision: REV2, signer: "bob@example.org" }),
      INITIAL_STATE,
      { fetchFailures: 3, at: AT },
    );
    assert.deepEqual(
      events.map((e) => [e.service, e.revision, e.signer]),
      [["db", REV2, "bob@example.org"], ["web", REV2, "bob@example.org"]],
    );
  },
});

Deno.test({
  name: "deriveEvents(): a fetch-failed run counts on past the threshold, each run an event",
  permissions: PURE,
  fn() {
    let state = INITIAL_STATE;
    const counts: (number | undefined)[] = [];
    for (let i = 0; i < 5; i++) {
      const r = deriveEvents(config, unreachable(), state, { fetchFailures: 2, at: AT });
      state = r.state;
      counts.push(r.events[0]?.failures);
    }
    assert.deepEqual(counts, [undefined, 2, 3, 4, 5]);
  },
});

Deno.test({
  name: "deriveEvents(): a summary from the repository shows control characters escaped",
  permissions: PURE,
  fn() {
    const { events } = deriveEvents(
      config,
      stopped("signature-untrusted", "source main: signed by \x1b]0;owned\x07 evil\nsecond line"),
      INITIAL_STATE,
      { fetchFailures: 3, at: AT },
    );
    assert.equal(events[0]?.summary, "source main: signed by \\x1b]0;owned\\x07 evil");
  },
});
