/**
 * notUpdatable(): `hoist update` acts on what runs. A service with steps waiting for apply (held
 * back, rollout window closed, a commit not applied yet), one stopped through the remote API, and
 * one that runs as another account are left alone, each with the reason.
 */
import assert from "node:assert/strict";
import type { DesiredState } from "../../lib/desired/types.ts";
import { notUpdatable } from "../../lib/run/not_updatable.ts";
import {
  anyService,
  cleanDesired,
  configYml,
  deployed,
  type FakeObserved,
  manifest,
  plan,
  unitState,
} from "../reconcile/helpers.ts";

const files = (image: string) => ({
  "config.yml": configYml(["db", "web"]),
  "web/manifest.yml": manifest(image),
  "db/manifest.yml": manifest("docker.io/library/postgres:17"),
});
const v1 = cleanDesired(files("docker.io/library/nginx:1.27"));
const v2 = cleanDesired(files("docker.io/library/nginx:1.28"), "rev2");
const STOP = { service: "web", principal: "SHA256:abc (ci)", at: "2026-12-02T09:00:00Z" };

function asUser(d: DesiredState, name: string, user: string): DesiredState {
  return {
    ...d,
    services: d.services.map((s) =>
      s.name === name ? { ...s, user: { name: user, file: "h1/config.yml", line: 4 } } : s
    ),
  };
}

const cases: {
  name: string;
  desired: DesiredState;
  observed: () => FakeObserved;
  stops?: (typeof STOP)[];
  web: RegExp | undefined;
  db?: RegExp | undefined;
}[] = [
  {
    name: "deployed and running: updatable",
    desired: v1,
    observed: () => deployed(v1),
    web: undefined,
  },
  {
    name: "a commit not applied yet (or held back, or waiting for its window): left for apply",
    desired: v2,
    observed: () => deployed(v1),
    web: /^web has \d+ step\(s\) waiting for hoist apply \(.+\): its images are updated once/,
    db: undefined,
  },
  {
    name: "not running: its start waits for apply, not for an update",
    desired: v1,
    observed: () => {
      const o = deployed(v1);
      o.units.set("gitops-web.service", unitState("inactive"));
      return o;
    },
    web: /^web has 1 step\(s\) waiting for hoist apply \(not running/,
  },
  {
    name: "stopped through the remote API: left stopped, naming who and how to start it",
    desired: v1,
    observed: () => deployed(v1),
    stops: [STOP],
    web:
      /^web was stopped by SHA256:abc \(ci\) at 2026-12-02T09:00:00Z: left stopped \(start it first: hoist remote HOST web start\)$/,
    db: undefined,
  },
  {
    name: "runs as another account: refused, naming the account and where it was set",
    desired: asUser(v1, "web", "app"),
    observed: () => deployed(v1),
    web:
      /^web runs as app \(h1\/config.yml:4\): hoist update does not update an account's images yet/,
  },
];

for (const c of cases) {
  Deno.test({
    name: `notUpdatable(): ${c.name}`,
    permissions: "none",
    fn() {
      const p = plan(c.desired, c.observed());
      for (const [name, want] of [["web", c.web], ["db", c.db]] as const) {
        if (name === "db" && !("db" in c)) continue;
        const got = notUpdatable(anyService(c.desired, name), p, c.stops ?? []);
        if (want === undefined) assert.equal(got, undefined, `${name}: ${got}`);
        else assert.match(got ?? "(updatable)", want);
      }
    },
  });
}
