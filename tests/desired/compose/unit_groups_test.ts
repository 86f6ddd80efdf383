import assert from "node:assert/strict";
import { PURE } from "../../support/pure.ts";
import { type FakeEntry, hostFiles, read, ready } from "../helpers.ts";

/** A two-service project: web reads app.env, api bind-mounts ./site. */
const COMPOSE = `services:
  web:
    image: docker.io/library/busybox:1
    env_file: app.env
    ports: ["8080:80"]
    environment:
      A: "1"
  api:
    image: docker.io/library/busybox:1
    volumes: ["./site:/srv:ro"]
networks:
  default: {}
`;

const BASE: Record<string, FakeEntry> = {
  "blog/compose.yaml": COMPOSE,
  "blog/app.env": "A=1\n",
  "blog/site/index.html": "<h1>hi</h1>\n",
  "blog/README.md": "notes\n",
};

/** The service hash and each compose service's own hash, for these files. */
function hashes(files: Record<string, FakeEntry>) {
  const blog = ready(read(hostFiles(["blog"], files)), "blog");
  const own = (s: string) => blog.units.find((u) => u.group?.service === s)?.group?.hash;
  return { service: blog.hash, web: own("web"), api: own("api"), blog };
}

const edit = (text: string) => ({ ...BASE, "blog/compose.yaml": text });

Deno.test({
  name:
    "each compose service has its own hash: an edit changes only that service's, comments, key order and x- extensions change none",
  permissions: PURE,
  fn() {
    const base = hashes(BASE);
    const cases: [string, Record<string, FakeEntry>, { web: boolean; api: boolean }][] = [
      ["web's image", edit(COMPOSE.replace("busybox:1\n    env_file", "busybox:2\n    env_file")), {
        web: true,
        api: false,
      }],
      ["api's volume target", edit(COMPOSE.replace(":/srv:ro", ":/www:ro")), {
        web: false,
        api: true,
      }],
      ["a comment", edit(`# the blog\n${COMPOSE.replace("  api:\n", "  # the api\n  api:\n")}`), {
        web: false,
        api: false,
      }],
      [
        "web's keys in another order",
        edit(COMPOSE.replace(
          '    ports: ["8080:80"]\n    environment:\n      A: "1"\n',
          '    environment:\n      A: "1"\n    ports: ["8080:80"]\n',
        )),
        { web: false, api: false },
      ],
      [
        "an x- extension",
        edit(`x-note: 1\n${COMPOSE.replace("  api:\n", "  api:\n    x-owner: me\n")}`),
        {
          web: false,
          api: false,
        },
      ],
      ["the env file web reads", { ...BASE, "blog/app.env": "A=2\n" }, { web: true, api: false }],
      ["a file in the folder api mounts", { ...BASE, "blog/site/index.html": "<h1>yo</h1>\n" }, {
        web: false,
        api: true,
      }],
      ["a file no container reads", { ...BASE, "blog/README.md": "more notes\n" }, {
        web: false,
        api: false,
      }],
      ["setup.sh (run before every container)", { ...BASE, "blog/setup.sh": "true\n" }, {
        web: true,
        api: true,
      }],
      [
        "the project's network",
        edit(COMPOSE.replace("default: {}", "default:\n    internal: true")),
        {
          web: false,
          api: false,
        },
      ],
    ];
    const got = cases.map(([what, files]) => {
      const h = hashes(files);
      return { what, web: h.web !== base.web, api: h.api !== base.api };
    });
    assert.deepEqual(got, cases.map(([what, , want]) => ({ what, ...want })));
    assert.match(base.web ?? "", /^[0-9a-f]{16}$/);
    assert.notEqual(base.web, base.api);
  },
});

Deno.test({
  name:
    "a compose service's container carries its own hash label, and inputs name the compose key that made each line",
  permissions: PURE,
  fn() {
    const { blog, web } = hashes(BASE);
    const unit = blog.units.find((u) => u.path === "gitops-blog/gitops-blog-web.container");
    assert.match(unit?.content ?? "", new RegExp(`^Label=gitops-unit-hash=${web}$`, "m"));
    const network = blog.units.find((u) => u.type === "network");
    assert.equal(network?.group, undefined);
    assert.doesNotMatch(network?.content ?? "", /gitops-unit-hash/);
    assert.deepEqual(
      Object.keys(blog.inputs).filter((k) => k.startsWith("compose.yaml")).sort(),
      [
        "compose.yaml networks.default",
        "compose.yaml services.api",
        "compose.yaml services.api.container_name",
        "compose.yaml services.api.image",
        "compose.yaml services.api.volumes",
        "compose.yaml services.web",
        "compose.yaml services.web.container_name",
        "compose.yaml services.web.env_file",
        "compose.yaml services.web.environment",
        "compose.yaml services.web.image",
        "compose.yaml services.web.ports",
      ],
    );
  },
});
