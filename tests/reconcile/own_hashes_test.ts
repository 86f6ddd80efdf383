import assert from "node:assert/strict";
import type { DesiredState } from "../../lib/desired/types.ts";
import { statusRows } from "../../lib/render/status_table.ts";
import { PURE } from "../support/pure.ts";
import {
  configYml,
  deployed,
  desiredFrom,
  type FakeObserved,
  plan,
  planLines,
  STATE,
  svc,
} from "./helpers.ts";

/** web reads app.env; api bind-mounts ./site; both on the project's default network. */
const COMPOSE = `services:
  web:
    image: docker.io/library/busybox:1
    env_file: app.env
    ports: ["8080:80"]
  api:
    image: docker.io/library/busybox:1
    volumes: ["./site:/srv:ro"]
`;

function project(revision: string, over: Record<string, string> = {}): DesiredState {
  return desiredFrom({
    "config.yml": configYml(["blog"]),
    "blog/compose.yaml": COMPOSE,
    "blog/app.env": "A=1\n",
    "blog/site/index.html": "<h1>hi</h1>\n",
    "blog/README.md": "notes\n",
    ...over,
  }, revision);
}

/** What `desired` leaves on the host, its containers labelled with their own hashes as podman reports them. */
function running(desired: DesiredState): FakeObserved {
  const o = deployed(desired);
  const s = svc(desired, "blog");
  o.containers = o.containers.map((c) => {
    const group = s.units.find((u) => u.serviceUnit === c.unit)?.group;
    return group ? { ...c, unitHash: group.hash } : c;
  });
  return o;
}

/** The same host as an older hoist left it: no gitops-unit-hash label anywhere, one input per file. */
function olderHoist(desired: DesiredState): FakeObserved {
  const o = deployed(desired);
  for (const [path, text] of o.files) {
    o.files.set(path, text.replace(/^Label=gitops-unit-hash=.*\n/m, ""));
  }
  const prev = o.inventory.services.get("blog");
  assert.ok(prev);
  const inputs = Object.fromEntries(
    Object.entries(prev.inputs).filter(([k]) => !k.startsWith("compose.yaml ")),
  );
  o.inventory.services.set("blog", { ...prev, inputs: { ...inputs, "compose.yaml": "0ld" } });
  return o;
}

const V1 = project("rev1");
const WEB_IMAGE = project("rev2", {
  "blog/compose.yaml": COMPOSE.replace("busybox:1\n    env_file", "busybox:2\n    env_file"),
});

Deno.test({
  name:
    "reconcile() restarts only the compose service that changed, naming it and its key; the others' units are rewritten and their copy kept",
  permissions: PURE,
  fn() {
    const p = plan(WEB_IMAGE, running(V1));
    assert.deepEqual(planLines(p, V1, WEB_IMAGE), [
      `copy blog ${STATE}/services/blog/blog@rev2 (files for blog@rev2)`,
      "write gitops-blog/gitops-blog-web.container (content changed)",
      "write gitops-blog/gitops-blog-api.container (compose service api unchanged, the project's hash moved (nothing restarts))",
      "daemon-reload, wait for gitops-blog-web.service",
      "restart blog: gitops-blog-web.service (content changed: compose service web (compose.yaml services.web.image))",
    ]);
  },
});

Deno.test({
  name:
    "reconcile() restarts nothing for a comment, another key order, an x- extension or a file no container reads",
  permissions: PURE,
  fn() {
    const quiet = project("rev2", {
      "blog/compose.yaml": `# the blog\nx-note: 1\n${
        COMPOSE.replace(
          '    env_file: app.env\n    ports: ["8080:80"]\n',
          '    ports: ["8080:80"] # public\n    x-owner: me\n    env_file: app.env\n',
        )
      }`,
      "blog/README.md": "more notes\n",
    });
    const lines = planLines(plan(quiet, running(V1)), V1, quiet);
    assert.deepEqual(lines.filter((l) => !l.startsWith("write ") && !l.startsWith("copy ")), [
      "daemon-reload, wait for nothing",
    ]);
    assert.ok(
      lines.every((l) => !l.startsWith("write ") || l.includes("nothing restarts")),
      lines.join("\n"),
    );
  },
});

Deno.test({
  name:
    "reconcile() restarts the compose service whose env file or mounted folder changed, and every one for the project's network",
  permissions: PURE,
  fn() {
    const restarts = (desired: DesiredState) =>
      planLines(plan(desired, running(V1)), V1, desired).filter((l) => l.startsWith("restart "));
    assert.deepEqual(restarts(project("rev2", { "blog/app.env": "A=2\n" })), [
      "restart blog: gitops-blog-web.service (content changed: compose service web (app.env))",
    ]);
    assert.deepEqual(restarts(project("rev2", { "blog/site/index.html": "<h1>yo</h1>\n" })), [
      "restart blog: gitops-blog-api.service (content changed: compose service api (site/index.html))",
    ]);
    const removedKey = project("rev2", {
      "blog/compose.yaml": COMPOSE.replace('    ports: ["8080:80"]\n', ""),
    });
    assert.deepEqual(restarts(removedKey), [
      "restart blog: gitops-blog-web.service (content changed: compose service web (compose.yaml services.web.ports))",
    ]);
    const network = project("rev2", {
      "blog/compose.yaml": `${COMPOSE}networks:\n  default:\n    internal: true\n`,
    });
    assert.deepEqual(restarts(network), [
      "restart blog: gitops-blog-web.service gitops-blog-api.service gitops-blog_default-network.service (content changed: compose.yaml networks.default.internal)",
    ]);
  },
});

Deno.test({
  name:
    "after an upgrade from a hoist without per-service hashes, nothing restarts for the new label, and the next edit restarts only its compose service",
  permissions: PURE,
  fn() {
    const old = olderHoist(V1);
    const first = plan(V1, old);
    const lines = planLines(first, V1);
    assert.ok(
      lines.every((l) => !l.startsWith("restart ") && !l.startsWith("start ")),
      lines.join("\n"),
    );
    assert.ok(
      lines.includes(
        "write gitops-blog/gitops-blog-web.container (labelled with compose service web's own hash, same configuration (nothing restarts))",
      ),
      lines.join("\n"),
    );
    // the run records the new inputs and writes the labelled files; the containers keep running
    // without the label
    const after = deployed(V1);
    after.containers = old.containers;
    const second = planLines(plan(WEB_IMAGE, after), V1, WEB_IMAGE);
    assert.deepEqual(second.filter((l) => l.startsWith("restart ")), [
      "restart blog: gitops-blog-web.service (content changed: compose service web (compose.yaml services.web.image))",
    ]);
    // straight from the older hoist's inventory, hoist cannot tell: the whole project restarts once
    const straight = planLines(plan(WEB_IMAGE, old), V1, WEB_IMAGE);
    assert.deepEqual(straight.filter((l) => l.startsWith("restart ")).length, 1);
    assert.match(
      straight.find((l) => l.startsWith("restart ")) ?? "",
      /gitops-blog-web\.service gitops-blog-api\.service/,
    );
  },
});

Deno.test({
  name:
    "statusRows() counts a compose project in sync when each container runs its compose service's own hash, whatever project hash it was started with",
  permissions: PURE,
  fn() {
    const host = running(WEB_IMAGE);
    const v1 = running(V1);
    // api was not restarted for web's edit: it still carries the project hash it started with
    host.containers = host.containers.map((c) =>
      c.unit === "gitops-blog-api.service" ? (v1.containers.find((x) => x.unit === c.unit) ?? c) : c
    );
    const [row] = statusRows(WEB_IMAGE, host);
    assert.equal(row?.inSync, true);
    host.containers = host.containers.map((c) => ({ ...c, unitHash: "0123456789abcdef" }));
    assert.equal(statusRows(WEB_IMAGE, host)[0]?.inSync, false);
  },
});
