import assert from "node:assert/strict";
import { problem } from "../../lib/errors.ts";
import type { Plan } from "../../lib/reconcile/types.ts";
import { planJson } from "../../lib/render/plan_json.ts";

const SECRET = "POSTGRES_PASSWORD=hunter2";

const full: Plan = {
  revision: "0123456789abcdef0123456789abcdef01234567",
  host: "web",
  consequences: [],
  inventory: [],
  blocked: false,
  problems: [
    problem("error", "Container.Image must be a string, got a list of 2", {
      file: "gitops/web/caddy/manifest.yml",
      line: 7,
      hint: "Use one Image= per container",
      service: "caddy",
    }),
    problem("warning", "podman not found; observed state is empty"),
  ],
  actions: [
    {
      kind: "copy",
      scope: "host",
      source: "main",
      dir: "/var/lib/hoist/host/abcd",
      files: [{ path: "secret.env", data: new TextEncoder().encode(SECRET), digest: "ff" }],
      code: "host-files",
      reason: "host folder for scripts",
    },
    {
      kind: "run-script",
      phase: "pre",
      script: `echo ${SECRET}`,
      cwd: "/var/lib/hoist/host/abcd",
      code: "script",
      reason: "pre.script in config.yml",
    },
    {
      kind: "stop",
      service: "old",
      units: ["gitops-old.service"],
      code: "service-removed",
      reason: "removed from config.yml",
    },
    {
      kind: "remove",
      service: "old",
      unit: "gitops-old.container",
      previous: `[Container]\nEnvironment=${SECRET}\n`,
      code: "unit-removed",
      reason: "removed from config.yml",
    },
    {
      kind: "write",
      service: "db",
      unit: "gitops-db.container",
      content: `[Container]\nEnvironment=${SECRET}\n`,
      previous: "[Container]\nEnvironment=POSTGRES_PASSWORD=old\n",
      serviceUnit: "gitops-db.service",
      code: "new-unit",
      reason: "content changed",
    },
    {
      kind: "daemon-reload",
      waitFor: ["gitops-db.service", "db-net-network.service"],
      code: "units-changed",
      reason: "unit files changed",
    },
    {
      kind: "restart",
      service: "db",
      units: ["gitops-db.service", "db-net-network.service"],
      code: "content-changed",
      reason: "content changed: gitops-db.container",
    },
    {
      kind: "prune",
      service: "db",
      dirs: ["/var/lib/hoist/copies/db/aaaa", "/var/lib/hoist/copies/db/bbbb"],
      code: "old-copies",
      reason: "keep the last 3",
    },
    {
      kind: "run-script",
      phase: "post",
      script: "true",
      cwd: "/var/lib/hoist/host/abcd",
      code: "script",
      reason: "post.script in config.yml",
    },
  ],
};

Deno.test({
  name: "planJson() lists kind, service, unit and reason per action, and problems with null places",
  permissions: "none",
  fn() {
    assert.deepEqual(planJson(full), {
      revision: "0123456789abcdef0123456789abcdef01234567",
      host: "web",
      actions: [
        {
          kind: "copy",
          service: "",
          unit: "/var/lib/hoist/host/abcd",
          reason: "host folder for scripts",
        },
        { kind: "run-script", service: "", unit: "pre", reason: "pre.script in config.yml" },
        {
          kind: "stop",
          service: "old",
          unit: "gitops-old.service",
          reason: "removed from config.yml",
        },
        {
          kind: "remove",
          service: "old",
          unit: "gitops-old.container",
          reason: "removed from config.yml",
        },
        { kind: "write", service: "db", unit: "gitops-db.container", reason: "content changed" },
        { kind: "daemon-reload", service: "", unit: "", reason: "unit files changed" },
        {
          kind: "restart",
          service: "db",
          unit: "gitops-db.service db-net-network.service",
          reason: "content changed: gitops-db.container",
        },
        {
          kind: "prune",
          service: "db",
          unit: "/var/lib/hoist/copies/db/aaaa /var/lib/hoist/copies/db/bbbb",
          reason: "keep the last 3",
        },
        { kind: "run-script", service: "", unit: "post", reason: "post.script in config.yml" },
      ],
      problems: [
        {
          level: "error",
          file: "gitops/web/caddy/manifest.yml",
          line: 7,
          message: "Container.Image must be a string, got a list of 2",
          hint: "Use one Image= per container",
        },
        {
          level: "warning",
          file: null,
          line: null,
          message: "podman not found; observed state is empty",
        },
      ],
      changes: 7,
      consequences: [],
      blocked: false,
      sources: [],
    });
  },
});

Deno.test({
  name: "planJson() never includes unit contents, previous files, copied files or scripts",
  permissions: "none",
  fn() {
    const text = JSON.stringify(planJson(full));
    assert.ok(!text.includes("hunter2"), text);
    assert.ok(!text.includes("POSTGRES_PASSWORD"), text);
    assert.ok(!text.includes("[Container]"), text);
    assert.ok(!text.includes("echo"), text);
  },
});

Deno.test({
  name: "planJson() reports a blocked plan with no changes",
  permissions: "none",
  fn() {
    const json = planJson({
      revision: "abc",
      host: "web",
      actions: [],
      consequences: [],
      inventory: [],
      problems: [
        problem("error", "config.yml: not YAML", { file: "gitops/web/config.yml", line: 1 }),
      ],
      blocked: true,
    });
    assert.equal(json.changes, 0);
    assert.equal(json.blocked, true);
    assert.deepEqual(json.problems, [
      { level: "error", file: "gitops/web/config.yml", line: 1, message: "config.yml: not YAML" },
    ]);
  },
});

Deno.test({
  name:
    "planJson() adds extra fields after the core ones without letting them replace a core field",
  permissions: "none",
  fn() {
    const json = planJson(full, { dryRun: true, blocked: true, source: "/srv/gitops.git" });
    assert.deepEqual(Object.keys(json), [
      "revision",
      "host",
      "actions",
      "problems",
      "changes",
      "blocked",
      "sources",
      "consequences",
      "dryRun",
      "source",
    ]);
    assert.equal(json.blocked, false);
    assert.equal(json["dryRun"], true);
  },
});

Deno.test({
  name: "planJson() carries each source's commit, signer and trust verdict",
  permissions: "none",
  fn() {
    const json = planJson({
      ...full,
      sources: [{
        source: "main",
        commits: { main: "a".repeat(40) },
        signers: { main: "ssh SHA256:abc alice@example.com" },
        verdict: "trusted",
        checked: 1,
      }],
    });
    assert.deepEqual(json.sources, [{
      name: "main",
      commits: { main: "a".repeat(40) },
      signers: { main: "ssh SHA256:abc alice@example.com" },
      verdict: "trusted",
      rollback: null,
    }]);
  },
});
