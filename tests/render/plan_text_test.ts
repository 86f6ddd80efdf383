import assert from "node:assert/strict";
import { problem } from "../../lib/errors.ts";
import type { Action, Plan } from "../../lib/reconcile/types.ts";
import { renderPlanText } from "../../lib/render/plan_text.ts";

const REV = "0123456789abcdef0123456789abcdef01234567";

const WEB_V1 = [
  "[Unit]",
  "Description=web",
  "",
  "[Container]",
  "Image=docker.io/library/caddy:2.8",
  "PublishPort=8080:80",
  "Label=gitops-service=web",
  "Label=gitops-hash=1111111111111111",
  "",
  "[Install]",
  "WantedBy=default.target",
  "",
].join("\n");

const WEB_V2 = WEB_V1
  .replace("caddy:2.8", "caddy:2.9")
  .replace("gitops-hash=1111111111111111", "gitops-hash=2222222222222222");

function plan(actions: Action[], more: Partial<Plan> = {}): Plan {
  return {
    revision: REV,
    host: "web",
    actions,
    consequences: [],
    inventory: [],
    problems: [],
    blocked: false,
    ...more,
  };
}

const plain = { color: false } as const;

Deno.test({
  name: "renderPlanText() shows a first install: new files as + lines, one reload, starts",
  permissions: "none",
  fn() {
    const text = renderPlanText(
      plan([
        {
          kind: "copy",
          scope: "service",
          service: "web",
          dir: "/var/lib/hoist/copies/web/1111111111111111",
          files: [{ path: "Caddyfile", data: new Uint8Array([1]), digest: "ab" }],
          code: "service-files",
          reason: "files for 1111111111111111",
        },
        {
          kind: "write",
          service: "web",
          unit: "gitops-web.container",
          content: "[Container]\nImage=docker.io/library/caddy:2.8\n",
          previous: null,
          serviceUnit: "gitops-web.service",
          code: "new-unit",
          reason: "new unit",
        },
        {
          kind: "daemon-reload",
          waitFor: ["gitops-web.service"],
          code: "units-changed",
          reason: "unit files changed",
        },
        {
          kind: "start",
          service: "web",
          units: ["gitops-web.service"],
          code: "new-service",
          reason: "new service (not deployed yet)",
        },
      ]),
      plain,
    );
    assert.equal(
      text,
      [
        "hoist plan for host web at 0123456789ab",
        "",
        "+ copy 1 file to /var/lib/hoist/copies/web/1111111111111111 (web): files for 1111111111111111",
        "",
        "+ write gitops-web.container (web): new unit",
        "    --- a/gitops-web.container",
        "    +++ b/gitops-web.container",
        "    @@ -0,0 +1,2 @@",
        "    +[Container]",
        "    +Image=docker.io/library/caddy:2.8",
        "",
        "~ daemon-reload: unit files changed",
        "    then wait for gitops-web.service",
        "",
        "+ start gitops-web.service (web): new service (not deployed yet)",
        "",
        "Plan: 1 to write, 1 to copy, 1 to start.",
        "",
      ].join("\n"),
    );
  },
});

Deno.test({
  name: "renderPlanText() says No changes when the host matches the revision",
  permissions: "none",
  fn() {
    const text = renderPlanText(plan([]), plain);
    assert.equal(
      text,
      "hoist plan for host web at 0123456789ab\n\nNo changes. Host web matches revision 0123456789ab.\n",
    );
  },
});

Deno.test({
  name: "renderPlanText() counts no change for scripts alone, but shows them and says they run",
  permissions: "none",
  fn() {
    const text = renderPlanText(
      plan([{
        kind: "run-script",
        phase: "pre",
        script: "set -e\npodman network exists lan || podman network create lan\n",
        cwd: "/var/lib/hoist/host/abc",
        code: "script",
        reason: "pre.script in config.yml",
      }]),
      plain,
    );
    assert.ok(
      text.includes(
        [
          "* run pre.script in /var/lib/hoist/host/abc: pre.script in config.yml",
          "    | set -e",
          "    | podman network exists lan || podman network create lan",
          "",
          "No changes. Host web matches revision 0123456789ab.",
          "pre.script runs on every apply.",
        ].join("\n"),
      ),
      text,
    );
  },
});

Deno.test({
  name: "renderPlanText() shows a content change as a diff with context and the restart reason",
  permissions: "none",
  fn() {
    const text = renderPlanText(
      plan([
        {
          kind: "write",
          service: "web",
          unit: "gitops-web.container",
          content: WEB_V2,
          previous: WEB_V1,
          serviceUnit: "gitops-web.service",
          code: "new-unit",
          reason: "content changed",
        },
        {
          kind: "daemon-reload",
          waitFor: ["gitops-web.service"],
          code: "units-changed",
          reason: "unit files changed",
        },
        {
          kind: "restart",
          service: "web",
          units: ["gitops-web.service"],
          code: "content-changed",
          reason: "content changed: Caddyfile, gitops-web.container",
        },
      ]),
      plain,
    );
    assert.equal(
      text,
      [
        "hoist plan for host web at 0123456789ab",
        "",
        "~ write gitops-web.container (web): content changed",
        "    --- a/gitops-web.container",
        "    +++ b/gitops-web.container",
        "    @@ -2,10 +2,10 @@",
        "     Description=web",
        "     ",
        "     [Container]",
        "    -Image=docker.io/library/caddy:2.8",
        "    +Image=docker.io/library/caddy:2.9",
        "     PublishPort=8080:80",
        "     Label=gitops-service=web",
        "    -Label=gitops-hash=1111111111111111",
        "    +Label=gitops-hash=2222222222222222",
        "     ",
        "     [Install]",
        "     WantedBy=default.target",
        "",
        "~ daemon-reload: unit files changed",
        "    then wait for gitops-web.service",
        "",
        "~ restart gitops-web.service (web): content changed: Caddyfile, gitops-web.container",
        "",
        "Plan: 1 to write, 1 to restart.",
        "",
      ].join("\n"),
    );
  },
});

Deno.test({
  name: "renderPlanText() shows a removed service: stop, file diffed to empty, old copies pruned",
  permissions: "none",
  fn() {
    const text = renderPlanText(
      plan([
        {
          kind: "stop",
          service: "db",
          units: ["gitops-db.service"],
          code: "service-removed",
          reason: "removed from config.yml",
        },
        {
          kind: "remove",
          service: "db",
          unit: "gitops-db.container",
          previous: "[Container]\nImage=postgres:16\n",
          code: "unit-removed",
          reason: "removed from config.yml",
        },
        {
          kind: "remove",
          service: "db",
          unit: "gitops-db/db.volume",
          previous: null,
          code: "unit-removed",
          reason: "removed from config.yml",
        },
        { kind: "daemon-reload", waitFor: [], code: "units-changed", reason: "unit files changed" },
        {
          kind: "prune",
          service: "db",
          dirs: ["/var/lib/hoist/copies/db/aaaa", "/var/lib/hoist/copies/db/bbbb"],
          code: "old-copies",
          reason: "removed from config.yml",
        },
      ]),
      plain,
    );
    assert.ok(
      text.includes(
        [
          "- stop gitops-db.service (db): removed from config.yml",
          "",
          "- remove gitops-db.container (db): removed from config.yml",
          "    --- a/gitops-db.container",
          "    +++ b/gitops-db.container",
          "    @@ -1,2 +0,0 @@",
          "    -[Container]",
          "    -Image=postgres:16",
          "",
          "- remove gitops-db/db.volume (db): removed from config.yml",
          "    (the file is already gone)",
          "",
          "~ daemon-reload: unit files changed",
          "",
          "- prune 2 old copies (db): removed from config.yml",
          "    /var/lib/hoist/copies/db/aaaa",
          "    /var/lib/hoist/copies/db/bbbb",
          "",
          "Plan: 2 to remove, 1 to prune, 1 to stop.",
        ].join("\n"),
      ),
      text,
    );
  },
});

Deno.test({
  name:
    "renderPlanText() lists problems with file:line and hint, and says a blocked plan applies nothing",
  permissions: "none",
  fn() {
    const text = renderPlanText(
      plan([], {
        blocked: true,
        problems: [
          problem("warning", "podman not found; observed state is empty", {
            hint: "Install podman",
          }),
          problem("error", "services.web must be a map, got a list of 2", {
            file: "gitops/web/config.yml",
            line: 3,
            hint: "Write `web:` followed by its settings",
          }),
        ],
      }),
      plain,
    );
    assert.equal(
      text,
      [
        "hoist plan for host web at 0123456789ab",
        "",
        "warning: podman not found; observed state is empty",
        "  hint: Install podman",
        "error: gitops/web/config.yml:3: services.web must be a map, got a list of 2",
        "  hint: Write `web:` followed by its settings",
        "",
        "Plan blocked: nothing will be applied because of the 1 error above.",
        "",
      ].join("\n"),
    );
  },
});

Deno.test({
  name: "renderPlanText() names the services that errors leave unchanged in a plan that applies",
  permissions: "none",
  fn() {
    const text = renderPlanText(
      plan([{
        kind: "start",
        service: "web",
        units: ["gitops-web.service"],
        code: "new-service",
        reason: "not running",
      }], {
        problems: [
          problem("error", "Container.Image must be a string, got a list of 2", {
            file: "gitops/web/caddy/manifest.yml",
            line: 7,
            service: "caddy",
          }),
        ],
      }),
      plain,
    );
    assert.ok(
      text.includes("error: gitops/web/caddy/manifest.yml:7: Container.Image must be a string"),
    );
    assert.ok(
      text.endsWith("Plan: 1 to start.\nLeft unchanged because of the errors above: caddy.\n"),
      text,
    );
  },
});

const mixed = plan([
  {
    kind: "write",
    service: "web",
    unit: "gitops-web.container",
    content: WEB_V2,
    previous: WEB_V1,
    serviceUnit: "gitops-web.service",
    code: "new-unit",
    reason: "content changed",
  },
  {
    kind: "stop",
    service: "db",
    units: ["gitops-db.service"],
    code: "service-removed",
    reason: "removed from config.yml",
  },
], { problems: [problem("error", "bad", { file: "x.yml", line: 1 })] });

Deno.test({
  name: "renderPlanText() without colour writes no escape codes",
  permissions: "none",
  fn() {
    assert.ok(!renderPlanText(mixed, plain).includes("\x1b"));
  },
});

Deno.test({
  name: "renderPlanText() with colour paints the header bold, + green, - red, ~ yellow",
  permissions: "none",
  fn() {
    const text = renderPlanText(mixed, { color: true });
    assert.ok(text.startsWith("\x1b[1mhoist plan for host web"), text);
    assert.ok(text.includes("\x1b[33m~\x1b[0m write gitops-web.container"), text);
    assert.ok(text.includes("\x1b[31m-\x1b[0m stop gitops-db.service"), text);
    assert.ok(text.includes("    \x1b[32m+Image=docker.io/library/caddy:2.9\x1b[0m"), text);
    assert.ok(text.includes("    \x1b[31m-Image=docker.io/library/caddy:2.8\x1b[0m"), text);
    assert.ok(text.includes("\x1b[31merror:\x1b[0m x.yml:1: bad"), text);
  },
});

Deno.test({
  name: "renderPlanText() escapes control characters from the repository, even without colour",
  permissions: "none",
  fn() {
    const text = renderPlanText(
      plan([
        {
          kind: "write",
          service: "web",
          unit: "gitops-web.container",
          content: "[Container]\nEnvironment=X=\x1b[2J\r\n",
          previous: null,
          serviceUnit: "gitops-web.service",
          code: "new-unit",
          reason: "new unit",
        },
        {
          kind: "run-script",
          phase: "post",
          script: "echo \x1b]0;title\x07",
          cwd: "",
          code: "script",
          reason: "post.script in config.yml",
        },
      ], { problems: [problem("warning", "odd\nline")] }),
      plain,
    );
    assert.ok(!text.includes("\x1b"));
    assert.ok(!text.includes("\r"));
    assert.ok(text.includes("    +Environment=X=\\x1b[2J\\x0d"), text);
    assert.ok(
      text.includes("* run post.script: post.script in config.yml\n    | echo \\x1b]0;title\\x07"),
    );
    assert.ok(text.includes("warning: odd\\x0aline"), text);
  },
});

Deno.test({
  name: "renderPlanText() keeps a revision label that is not a commit id whole",
  permissions: "none",
  fn() {
    const text = renderPlanText(plan([], { revision: "working tree" }), plain);
    assert.ok(text.startsWith("hoist plan for host web at working tree\n"));
  },
});

Deno.test({
  name: "renderPlanText() renders a plan, and an equal copy of it, to exactly this coloured text",
  permissions: "none",
  fn() {
    const bold = (t: string) => `\x1b[1m${t}\x1b[0m`;
    const red = (t: string) => `\x1b[31m${t}\x1b[0m`;
    const green = (t: string) => `\x1b[32m${t}\x1b[0m`;
    const yellow = (t: string) => `\x1b[33m${t}\x1b[0m`;
    const cyan = (t: string) => `\x1b[36m${t}\x1b[0m`;
    const expected = [
      bold("hoist plan for host web at 0123456789ab"),
      "",
      `${red("error:")} x.yml:1: bad`,
      "",
      `${yellow("~")} write gitops-web.container (web): content changed`,
      `    ${bold("--- a/gitops-web.container")}`,
      `    ${bold("+++ b/gitops-web.container")}`,
      `    ${cyan("@@ -2,10 +2,10 @@")}`,
      "     Description=web",
      "     ",
      "     [Container]",
      `    ${red("-Image=docker.io/library/caddy:2.8")}`,
      `    ${green("+Image=docker.io/library/caddy:2.9")}`,
      "     PublishPort=8080:80",
      "     Label=gitops-service=web",
      `    ${red("-Label=gitops-hash=1111111111111111")}`,
      `    ${green("+Label=gitops-hash=2222222222222222")}`,
      "     ",
      "     [Install]",
      "     WantedBy=default.target",
      "",
      `${red("-")} stop gitops-db.service (db): removed from config.yml`,
      "",
      bold("Plan: 1 to write, 1 to stop."),
      "",
    ].join("\n");
    // Same plan, same bytes: the text depends on the plan's value alone, not on its objects.
    for (const p of [mixed, structuredClone(mixed)]) {
      assert.equal(renderPlanText(p, { color: true }), expected);
    }
  },
});
