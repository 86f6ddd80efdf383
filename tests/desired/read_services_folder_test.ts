import assert from "node:assert/strict";
import { readServicesFolder } from "../../lib/desired/read_services_folder.ts";
import { PURE } from "../support/pure.ts";
import { repoTree } from "./helpers.ts";

const OPTS = {
  path: "services",
  host: "h",
  prefix: "gitops-",
  mode: "user" as const,
  stateDir: "/var/lib/hoist",
  configFile: "/etc/hoist/config.toml",
};
const WEB = "services:\n  web:\n    image: docker.io/library/busybox:1\n";

Deno.test({
  name:
    "readServicesFolder() reads every folder of the path holding a compose file, manifest, quadlets or the picked compose file, and nothing else",
  permissions: PURE,
  fn() {
    const tree = repoTree({
      "services/blog/podman-compose.yml": WEB,
      "services/db/manifest.yml": "Container:\n  Image: docker.io/library/postgres:16\n",
      "services/cache/cache.container": "[Container]\nImage=docker.io/library/redis:7\n",
      "services/stack/stack.yml": WEB,
      "services/docs/README.md": "no units\n",
      "services/docs/sub/compose.yaml": WEB,
      "services/README.md": "index\n",
      "secrets/blog.env": "A=1\n",
    });
    const names = (compose?: { source?: string }) =>
      readServicesFolder(tree, { ...OPTS, ...(compose ? { compose } : {}) }).services.map((s) =>
        s.name
      );
    assert.deepEqual(names(), ["blog", "cache", "db"]);
    assert.deepEqual(names({ source: "stack.yml" }), ["blog", "cache", "db", "stack"]);
    const picked = readServicesFolder(tree, { ...OPTS, services: ["db", "nope"] });
    assert.deepEqual(picked.services.map((s) => [s.name, s.status]), [
      ["db", "ready"],
      ["nope", "blocked"],
    ]);
  },
});

Deno.test({
  name: "readServicesFolder() without the folder is one error naming it and the agent config",
  permissions: PURE,
  fn() {
    const read = readServicesFolder(repoTree({ "README.md": "x\n" }), OPTS);
    assert.deepEqual(read.services, []);
    assert.equal(read.problems[0]?.file, "/etc/hoist/config.toml");
    assert.match(read.problems[0]?.message ?? "", /^no folder services\/ at /);
  },
});
