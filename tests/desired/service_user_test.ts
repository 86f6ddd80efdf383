/**
 * Account names and the agent config's `[services.<name>] user` joined into the desired state:
 * config.yml's wins, a different agent value is a warning naming the unused one.
 */
import assert from "node:assert/strict";
import { userNameError, withAgentUsers } from "../../lib/desired/service_user.ts";
import type { DesiredState, ReadyService } from "../../lib/desired/types.ts";
import { withRegistryAuth } from "../../lib/images/registry_env.ts";

function ready(name: string, user?: string): ReadyService {
  return {
    status: "ready",
    name,
    dependsOn: [],
    problems: [],
    hash: "h",
    legacyHash: "l",
    dir: "",
    units: [],
    files: [],
    inputs: {},
    ...(user === undefined ? {} : { user: { name: user, file: "gitops/h/config.yml", line: 4 } }),
  };
}

const DESIRED: DesiredState = {
  revision: "r",
  host: "h",
  root: "gitops/h",
  services: [ready("api"), ready("web", "svc-web")],
  hosts: [],
  problems: [],
};

Deno.test({
  name: "userNameError() accepts login names and refuses paths, options, root and other types",
  permissions: "none",
  fn() {
    for (const ok of ["e2e", "svc-web", "_backup", "a_b-c1"]) {
      assert.equal(userNameError(ok), undefined);
    }
    for (
      const bad of ["", "..", "../root", "/etc", "-rf", "Root", "a b", "x".repeat(33), 5, null]
    ) {
      assert.notEqual(userNameError(bad), undefined, String(bad));
    }
    assert.match(userNameError("root") ?? "", /leave user out to deploy rootful/);
  },
});

Deno.test({
  name:
    "withAgentUsers() gives a service the agent config's user where config.yml sets none, at its config.toml line",
  permissions: "none",
  fn() {
    const out = withAgentUsers(
      DESIRED,
      { api: { user: "svc-api", userLine: 7 } },
      "/etc/hoist/config.toml",
    );
    const api = out.services.find((s) => s.name === "api");
    assert.deepEqual(api?.status === "ready" ? api.user : undefined, {
      name: "svc-api",
      file: "/etc/hoist/config.toml",
      line: 7,
    });
    assert.deepEqual(out.problems, []);
    assert.equal(withAgentUsers(DESIRED, {}, "c.toml"), DESIRED, "unchanged without settings");
  },
});

Deno.test({
  name: "withAgentUsers() keeps config.yml's user and warns about a different agent config one",
  permissions: "none",
  fn() {
    const out = withAgentUsers(DESIRED, { web: { user: "other", userLine: 9 } }, "c.toml");
    const web = out.services.find((s) => s.name === "web");
    assert.equal(web?.status === "ready" ? web.user?.name : undefined, "svc-web");
    assert.equal(out.problems.length, 1);
    assert.equal(out.problems[0]?.level, "warning");
    assert.equal(out.problems[0]?.line, 9);
    assert.match(
      out.problems[0]?.message ?? "",
      /\[services\.web\] user is unused: config\.yml sets/,
    );
  },
});

Deno.test({
  name:
    "withRegistryAuth() leaves a service of another account alone: it cannot read hoist's auth file",
  permissions: "none",
  fn() {
    const unit = (name: string) => ({
      path: `gitops-${name}.container`,
      type: "container" as const,
      serviceUnit: `gitops-${name}.service`,
      entry: true,
      content: "[Container]\nImage=registry.example.com/app:1\n",
      source: `${name}/manifest.yml`,
    });
    const d: DesiredState = {
      ...DESIRED,
      services: [{ ...ready("api"), units: [unit("api")] }, {
        ...ready("web", "svc-web"),
        units: [unit("web")],
      }],
    };
    const out = withRegistryAuth(d, {
      file: "/var/lib/hoist/auth.json",
      hosts: ["registry.example.com"],
    });
    const content = (name: string) => {
      const s = out.services.find((x) => x.name === name);
      return s?.status === "ready" ? s.units[0]?.content ?? "" : "";
    };
    assert.match(content("api"), /REGISTRY_AUTH_FILE=\/var\/lib\/hoist\/auth\.json/);
    assert.doesNotMatch(content("web"), /REGISTRY_AUTH_FILE/);
  },
});
