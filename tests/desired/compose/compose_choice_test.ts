import assert from "node:assert/strict";
import { formatProblem } from "../../../lib/errors.ts";
import { PURE } from "../../support/pure.ts";
import { type FakeEntry, HOST, read, service } from "../helpers.ts";

const STACK = "services:\n  web:\n    image: docker.io/library/busybox:1\n";
const OTHER = "services:\n  other:\n    image: docker.io/library/busybox:1\n";

/** config.yml listing app with `entry` under it, and the files of app/. */
function host(entry: string, files: Record<string, FakeEntry>): Record<string, FakeEntry> {
  const out: Record<string, FakeEntry> = { [`${HOST}/config.yml`]: `services:\n  app:\n${entry}` };
  for (const [path, e] of Object.entries(files)) out[`${HOST}/app/${path}`] = e;
  return out;
}

const lines = (s: ReturnType<typeof service>) =>
  s.problems.map((p) => (formatProblem(p).split("\n")[0] ?? "").replaceAll(`${HOST}/`, ""));

Deno.test({
  name:
    "services.<name>.compose in config.yml picks the compose file of the folder; the standard names beside it are plain files then",
  permissions: PURE,
  fn() {
    const app = service(
      read(host("    compose: stack.yml\n", { "stack.yml": STACK, "compose.yaml": OTHER })),
      "app",
    );
    assert.equal(app.status, "ready", lines(app).join("\n"));
    if (app.status !== "ready") return;
    assert.deepEqual(app.units.map((u) => u.path), [
      "gitops-app/gitops-app-web.container",
      "gitops-app/gitops-app_default.network",
    ]);
    assert.equal(app.units[0]?.source, `${HOST}/app/stack.yml`);
  },
});

Deno.test({
  name:
    "services.<name>.compose: a missing file and a name that is no file name are errors at config.yml's line; over the agent config's choice it wins with a warning",
  permissions: PURE,
  fn() {
    const missing = service(
      read(host("    compose: stack.yml\n", { "compose.yaml": OTHER })),
      "app",
    );
    assert.deepEqual(lines(missing), [
      "error: config.yml:3: app/stack.yml does not exist; config.yml picks it with compose:",
    ]);
    const bad = read(host("    compose: ../x.yml\n", { "compose.yaml": OTHER }));
    assert.deepEqual(
      bad.problems.map((p) => (formatProblem(p).split("\n")[0] ?? "").replaceAll(`${HOST}/`, "")),
      ['error: config.yml:3: services.app.compose must be a file name in the service folder, got "../x.yml"'],
    );
    const both = service(
      read(host("    compose: stack.yml\n", { "stack.yml": STACK, "other.yml": OTHER }), {
        compose: { services: { app: "other.yml" } },
      }),
      "app",
    );
    assert.equal(both.status, "ready");
    assert.deepEqual(lines(both), [
      'warning: config.yml:3: services.app.compose picks stack.yml; the agent config\'s [services.app] compose = "other.yml" is not used',
    ]);
  },
});
