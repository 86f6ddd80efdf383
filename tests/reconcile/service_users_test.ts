/**
 * reconcile() for services deployed for another account (`user =` in config.yml, system mode):
 * every action of such a service names the account, each manager whose files change gets its
 * own daemon-reload, an account that is missing or does not linger refuses the service with the
 * fix, a service is never moved between managers, and a removed one is stopped and removed in
 * its account's manager and folder. Permissions PURE.
 */
import assert from "node:assert/strict";
import type { ObservedAccount } from "../../lib/types/observed.ts";
import type { Action, Plan } from "../../lib/reconcile/types.ts";
import { blockTakeovers } from "../../lib/reconcile/ownership.ts";
import { readDesired } from "../../lib/desired/read_desired.ts";
import type { DesiredState, RepoEntry } from "../../lib/desired/types.ts";
import {
  actionLine,
  deployed,
  desiredFrom,
  type FakeObserved,
  HOST,
  manifest,
  OPTS,
  plan,
} from "./helpers.ts";
import { PURE } from "../support/pure.ts";

/** readDesired in system mode (rootful hoist: the one that deploys for other accounts). */
function cleanDesired(files: Record<string, string>): DesiredState {
  const entries = new Map<string, RepoEntry>();
  for (const [rel, text] of Object.entries(files)) {
    const parts = `${HOST}/${rel}`.split("/");
    for (let i = 1; i < parts.length; i++) {
      entries.set(parts.slice(0, i).join("/"), { kind: "dir" });
    }
    entries.set(`${HOST}/${rel}`, { kind: "file", data: new TextEncoder().encode(text) });
  }
  const d = readDesired({ revision: "rev1", entries }, { ...OPTS, mode: "system" });
  assert.deepEqual([...d.problems, ...d.services.flatMap((s) => s.problems)], []);
  return d;
}

const SVC: ObservedAccount = {
  name: "svc",
  uid: 1001,
  gid: 1001,
  home: "/home/svc",
  lingers: true,
};
const CONFIG = "services:\n  api: {}\n  web:\n    user: svc\n";
const V1 = cleanDesired({
  "config.yml": CONFIG,
  "api/manifest.yml": manifest("api:1"),
  "web/manifest.yml": manifest("web:1"),
});

/** The host with `accounts` looked up (what observe reports when a service names one). */
function withAccounts(o: FakeObserved, ...accounts: ObservedAccount[]) {
  return { ...o, accounts: new Map(accounts.map((a) => [a.name, a])) };
}

/** Each action as a line, with the account it acts for (`[svc]`) where it names one. */
function lines(p: Plan): string[] {
  return p.actions.filter((a) => a.kind !== "pull").map((a: Action) => {
    const user = "user" in a && a.user !== undefined ? ` [${a.user}]` : "";
    return actionLine(a) + user;
  });
}

/** A host where V1 was deployed, web for svc (the inventory records the account). */
function deployedForSvc(): FakeObserved {
  const host = deployed(V1);
  const web = host.inventory.services.get("web");
  if (web) host.inventory.services.set("web", { ...web, user: "svc" });
  for (const [path, u] of host.inventory.units) {
    if (u.service === "web") host.inventory.units.set(path, { ...u, user: "svc" });
  }
  return host;
}

Deno.test({
  name:
    "reconcile() deploys a service with user = for that account: its writes, reload and start name it, hoist's own services keep theirs",
  permissions: PURE,
  fn() {
    const host = withAccounts(deployed(cleanDesired({ "config.yml": "services: {}\n" })), SVC);
    const p = plan(V1, host);
    assert.deepEqual(p.problems, []);
    assert.deepEqual(lines(p), [
      "write gitops-api.container (new unit)",
      "write gitops-web.container (new unit) [svc]",
      "daemon-reload, wait for gitops-api.service",
      "daemon-reload, wait for gitops-web.service [svc]",
      "start api: gitops-api.service (new service (gitops-api.service not loaded))",
      "start web: gitops-web.service (new service (gitops-web.service not loaded)) [svc]",
    ]);
    const record = p.inventory.find((c) => c.service === "web")?.record;
    assert.equal(record?.user, "svc", "the inventory records the account");
    assert.equal(p.inventory.find((c) => c.service === "api")?.record?.user, undefined);
  },
});

Deno.test({
  name: "reconcile() plans nothing for a deployed service of another account that matches",
  permissions: PURE,
  fn() {
    assert.deepEqual(lines(plan(V1, withAccounts(deployedForSvc(), SVC))), []);
  },
});

Deno.test({
  name:
    "reconcile() refuses a service whose account does not exist or does not linger, at its config.yml line, with the fix; others deploy",
  permissions: PURE,
  fn() {
    const empty = deployed(cleanDesired({ "config.yml": "services: {}\n" }));
    const cases = [
      {
        host: withAccounts(empty),
        message: 'services.web.user: no account "svc" on this host',
        hint: /useradd --create-home svc.*loginctl enable-linger svc/,
      },
      {
        host: withAccounts(empty, { ...SVC, lingers: false }),
        message:
          'services.web.user: account "svc" does not linger, so its user manager is not running without a login',
        hint: /^Run loginctl enable-linger svc$/,
      },
    ];
    for (const c of cases) {
      const p = plan(V1, c.host);
      const errors = p.problems.filter((x) => x.level === "error");
      assert.equal(errors.length, 1);
      assert.equal(errors[0]?.message, c.message);
      assert.equal(errors[0]?.file, "gitops/h1/config.yml");
      assert.equal(errors[0]?.line, 4);
      assert.match(errors[0]?.hint ?? "", c.hint);
      assert.deepEqual(lines(p), [
        "write gitops-api.container (new unit)",
        "daemon-reload, wait for gitops-api.service",
        "start api: gitops-api.service (new service (gitops-api.service not loaded))",
      ]);
    }
  },
});

Deno.test({
  name:
    "reconcile() still deploys for an account without subordinate ids, with a warning naming the fix",
  permissions: PURE,
  fn() {
    const empty = deployed(cleanDesired({ "config.yml": "services: {}\n" }));
    const p = plan(V1, withAccounts(empty, { ...SVC, subids: false }));
    assert.equal(p.problems.length, 1);
    assert.equal(p.problems[0]?.level, "warning");
    assert.match(p.problems[0]?.message ?? "", /no subordinate ids in \/etc\/subuid/);
    assert.match(p.problems[0]?.hint ?? "", /usermod --add-subuids .* svc/);
    assert.ok(lines(p).includes("write gitops-web.container (new unit) [svc]"));
  },
});

Deno.test({
  name:
    "reconcile() never moves a running service between managers: adding or dropping user is an error naming the way",
  permissions: PURE,
  fn() {
    const rootful = cleanDesired({
      "config.yml": "services:\n  api: {}\n  web: {}\n",
      "api/manifest.yml": manifest("api:1"),
      "web/manifest.yml": manifest("web:1"),
    });
    const toSvc = plan(V1, withAccounts(deployed(rootful), SVC));
    assert.match(
      toSvc.problems[0]?.message ?? "",
      /services\.web runs for hoist's own manager; the repository now wants account svc/,
    );
    assert.match(toSvc.problems[0]?.hint ?? "", /Remove web from config.yml and apply/);
    assert.deepEqual(lines(toSvc), []);
    const back = plan(rootful, deployedForSvc());
    assert.match(back.problems[0]?.message ?? "", /runs for account svc; .* hoist's own manager/);
    assert.deepEqual(lines(back), []);
  },
});

Deno.test({
  name:
    "reconcile() stops and removes a service of another account dropped from config.yml in that account's manager and folder",
  permissions: PURE,
  fn() {
    const V2 = cleanDesired({
      "config.yml": "services:\n  api: {}\n",
      "api/manifest.yml": manifest("api:1"),
    });
    const p = plan(V2, withAccounts(deployedForSvc(), SVC));
    assert.deepEqual(lines(p), [
      "stop web: gitops-web.service (removed from config.yml) [svc]",
      "remove gitops-web.container (removed from config.yml) [svc]",
      "daemon-reload, wait for nothing [svc]",
    ]);
  },
});

Deno.test({
  name: "config.yml's user must be a login name: the error names the line",
  permissions: PURE,
  fn() {
    for (const bad of ['"../root"', '"-x"', "root", "5", '"a/b"', '"Web"']) {
      const d = desiredFrom({
        "config.yml": `services:\n  web:\n    user: ${bad}\n`,
        "web/manifest.yml": manifest("web:1"),
      });
      const p = d.problems[0];
      assert.equal(p?.line, 3, bad);
      assert.match(p?.message ?? "", /^services\.web\.user /, bad);
    }
  },
});

Deno.test({
  name:
    "config.yml's user in user mode (rootless hoist) blocks the service with an error at its line",
  permissions: PURE,
  fn() {
    const d = desiredFrom({
      "config.yml": "services:\n  web:\n    user: svc\n",
      "web/manifest.yml": manifest("web:1"),
    });
    const web = d.services.find((s) => s.name === "web");
    // the helpers read in user mode
    assert.equal(web?.status, "blocked");
    assert.match(web?.problems[0]?.message ?? "", /hoist runs rootless \(mode = "user"\)/);
    assert.equal(web?.problems[0]?.line, 3);
  },
});

Deno.test({
  name:
    "blockTakeovers() judges a service of another account against that account's podman objects, not hoist's own",
  permissions: PURE,
  fn() {
    const foreign = new Map([[
      "container:systemd-gitops-web" as const,
      { kind: "container" as const, name: "systemd-gitops-web", service: "", unit: "" },
    ]]);
    const empty = deployed(cleanDesired({ "config.yml": "services: {}\n" }));
    const inRoots = { ...withAccounts(empty, SVC), objects: foreign, accountObjects: new Map() };
    const web = (d: DesiredState) => d.services.find((s) => s.name === "web")?.status;
    assert.equal(web(blockTakeovers(V1, inRoots, "/etc/containers/systemd")), "ready");
    const inSvcs = {
      ...withAccounts(empty, SVC),
      objects: new Map(),
      accountObjects: new Map([["svc", foreign]]),
    };
    const checked = blockTakeovers(V1, inSvcs, "/etc/containers/systemd");
    assert.equal(web(checked), "blocked");
    assert.match(
      checked.services.find((s) => s.name === "web")?.problems[0]?.message ?? "",
      /container systemd-gitops-web already exists and hoist did not create it for web/,
    );
  },
});

Deno.test({
  name:
    "reconcile() reloads only the manager whose unit systemd reports outdated: the account's for its service",
  permissions: PURE,
  fn() {
    const host = withAccounts(deployedForSvc(), SVC);
    host.units.set("gitops-web.service", {
      load: "loaded",
      active: "active",
      sub: "running",
      needReload: true,
    });
    const p = plan(V1, host);
    assert.deepEqual(lines(p), ["daemon-reload, wait for nothing [svc]"]);
    assert.equal(p.actions[0]?.reason, "systemd has older definitions of gitops-web.service");
    const marked = plan(V1, { ...withAccounts(deployedForSvc(), SVC), reloadPending: true });
    assert.deepEqual(lines(marked), [
      "daemon-reload, wait for nothing",
      "daemon-reload, wait for nothing [svc]",
    ]);
  },
});
