import assert from "node:assert/strict";
import { COMPOSE_FILES, composeSource } from "../../../lib/desired/compose_source.ts";
import { draftSourceOf } from "../../../lib/desired/draft_sources.ts";
import { formatProblem } from "../../../lib/errors.ts";
import { PURE } from "../../support/pure.ts";
import { type FakeEntry, HOST, hostFiles, read, ready, service } from "../helpers.ts";

const WEB = "services:\n  web:\n    image: docker.io/library/busybox:1\n";

const blockedBy = (files: Record<string, FakeEntry>, name = "blog", opts = {}) => {
  const s = service(read(hostFiles([name], files), opts), name);
  assert.equal(s.status, "blocked", `${name} should be blocked`);
  return s.problems.map((p) => formatProblem(p).split("\n")[0]);
};

Deno.test({
  name: "every compose file name is read by the compose source, and only at the top of the folder",
  permissions: PURE,
  fn() {
    for (const f of COMPOSE_FILES) assert.equal(draftSourceOf(f), composeSource, f);
    assert.equal(draftSourceOf("sub/compose.yaml"), undefined);
    assert.equal(draftSourceOf("compose.override.yaml"), undefined);
  },
});

Deno.test({
  name:
    "readDesired() deploys a compose folder under <prefix><service>/, labelled, with ${SERVICE_DIR} paths filled in",
  permissions: PURE,
  fn() {
    const desired = read(hostFiles(["blog"], {
      "blog/compose.yaml": `${WEB}    env_file: app.env\n    volumes: ["./site:/srv:ro"]\n`,
      "blog/app.env": "A=1\n",
      "blog/site/index.html": "<h1>hi</h1>\n",
    }));
    const blog = ready(desired, "blog");
    assert.deepEqual(blog.units.map((u) => [u.path, u.serviceUnit]), [
      ["gitops-blog/gitops-blog-web.container", "gitops-blog-web.service"],
      ["gitops-blog/gitops-blog_default.network", "gitops-blog_default-network.service"],
    ]);
    const dir = `/var/lib/hoist/services/blog/${blog.hash}`;
    assert.equal(
      blog.units[0]?.content,
      `[Container]
Label=gitops-service=blog
Label=gitops-hash=${blog.hash}
Label=gitops-unit-hash=${blog.units[0]?.group?.hash}
Image=docker.io/library/busybox:1
ContainerName=blog-web
EnvironmentFile=${dir}/.hoist-env/repo/app.env
Volume=${dir}/site:/srv:ro
Network=gitops-blog_default.network:alias=web

[Install]
WantedBy=default.target
`,
    );
    assert.deepEqual(blog.files.map((f) => f.path).sort(), [
      ".hoist-env/repo/app.env",
      "app.env",
      "site/index.html",
    ]);
    assert.equal(blog.units[0]?.keyLines?.["Container.EnvironmentFile"], 4);
    assert.match(blog.units[0]?.group?.hash ?? "", /^[0-9a-f]{16}$/);
    assert.deepEqual(blog.units[0]?.group?.inputs, [
      "app.env",
      "compose.yaml services.web",
      "compose.yaml services.web.container_name",
      "compose.yaml services.web.env_file",
      "compose.yaml services.web.image",
      "compose.yaml services.web.volumes",
      "site/index.html",
    ]);
    assert.equal(blog.units[1]?.group, undefined, "the network is the project's");
  },
});

Deno.test({
  name: "a compose project's .env fills ${VAR}; hoist's variables win over it",
  permissions: PURE,
  fn() {
    const files = hostFiles(["blog"], {
      "blog/docker-compose.yml": "services:\n  web:\n    image: docker.io/library/caddy:${TAG}\n",
      "blog/.env": "TAG=2.7\n",
    });
    const image = (vars: Record<string, string>) =>
      ready(
        read(files, { secrets: { decrypted: new Map(), vars: new Map(Object.entries(vars)) } }),
        "blog",
      )
        .units[0]?.content.match(/^Image=.*$/m)?.[0];
    assert.equal(image({}), "Image=docker.io/library/caddy:2.7");
    assert.equal(image({ TAG: "2.8" }), "Image=docker.io/library/caddy:2.8");
  },
});

Deno.test({
  name: "raw quadlet files beside a compose file deploy as today",
  permissions: PURE,
  fn() {
    const blog = ready(
      read(hostFiles(["blog"], {
        "blog/compose.yaml": WEB,
        "blog/extra.volume": "[Volume]\nVolumeName=extra\n",
      })),
      "blog",
    );
    assert.deepEqual(blog.units.map((u) => u.path).sort(), [
      "gitops-blog/extra.volume",
      "gitops-blog/gitops-blog-web.container",
      "gitops-blog/gitops-blog_default.network",
    ]);
  },
});

Deno.test({
  name: "a compose service folder is blocked, naming file and line, for what it may not do",
  permissions: PURE,
  fn() {
    const f = `${HOST}/blog`;
    const cases: [string, Record<string, FakeEntry>, string[]][] = [
      ["a compose file beside manifest.yml", {
        "blog/compose.yaml": WEB,
        "blog/manifest.yml": "Container:\n  Image: x\n",
      }, [
        `error: ${f}/compose.yaml: ${f}/compose.yaml and ${f}/manifest.yml both describe the service`,
      ]],
      ["two compose files", { "blog/compose.yaml": WEB, "blog/podman-compose.yml": WEB }, [
        `error: ${f}/compose.yaml: ${f}/compose.yaml and ${f}/podman-compose.yml both describe the service`,
      ]],
      ["a bind source that climbs out with ..", {
        "blog/compose.yaml": `${WEB}    volumes: ["../other:/x"]\n`,
      }, [
        `error: ${f}/compose.yaml:4: services.web.volumes[0]: ../other is outside the service folder; paths outside it are not supported yet`,
      ]],
      ["the seed-001 ../../secrets env file", {
        "blog/compose.yaml": `${WEB}    env_file: [../../secrets/blog.env]\n`,
      }, [
        `error: ${f}/compose.yaml:4: services.web.env_file[0]: ../../secrets/blog.env is outside the service folder`,
      ]],
      ["a bind source that is a symlink out of the folder", {
        "blog/compose.yaml": `${WEB}    volumes: ["./conf:/etc/conf"]\n`,
        "blog/conf": { symlink: "../../../etc/passwd" },
      }, [
        `error: ${f}/compose.yaml:4: services.web.volumes[0]: symlink points outside ${f}/ (../../../etc/passwd)`,
        `error: ${f}/conf: symlink points outside ${f}/ (../../../etc/passwd)`,
      ]],
      ["a build context outside the folder", {
        "blog/compose.yaml": "services:\n  web:\n    build: ..\n",
      }, [
        `error: ${f}/compose.yaml:3: services.web.build.context: .. is outside the service folder; paths outside it are not supported yet`,
      ]],
      ["an env file that is not there", {
        "blog/compose.yaml": `${WEB}    env_file: missing.env\n`,
      }, [
        `error: ${f}/compose.yaml:4: services.web.env_file: missing.env does not exist in ${f}/`,
      ]],
      ["a file of the folder where hoist writes its copy of an env_file", {
        "blog/compose.yaml": `${WEB}    env_file: app.env\n`,
        "blog/app.env": "A=1\n",
        "blog/.hoist-env/repo/app.env": "A=2\n",
      }, [
        `error: ${f}/.hoist-env/repo/app.env: .hoist-env/repo/app.env is reserved for hoist's copies of env files`,
      ]],
      ["an unset variable", {
        "blog/compose.yaml": "services:\n  web:\n    image: caddy:${TAG}\n",
      }, [`error: ${f}/compose.yaml:3: variable TAG is not set`]],
    ];
    const wrong = cases.flatMap(([what, files, expected]) => {
      const got = blockedBy(files);
      return JSON.stringify(got) === JSON.stringify(expected) ? [] : [{ what, got, expected }];
    });
    assert.deepEqual(wrong, []);
  },
});

Deno.test({
  name:
    "an optional env file that is missing is left out; hoist validate reports unset variables as warnings",
  permissions: PURE,
  fn() {
    const blog = ready(
      read(hostFiles(["blog"], {
        "blog/compose.yaml":
          `${WEB}    env_file:\n      - path: local.env\n        required: false\n`,
      })),
      "blog",
    );
    assert.doesNotMatch(blog.units[0]?.content ?? "", /EnvironmentFile/);
    const offline = read(
      hostFiles(["blog"], { "blog/compose.yaml": "services:\n  web:\n    image: caddy:${TAG}\n" }),
      { secrets: { decrypted: new Map(), vars: new Map(), offline: true } },
    );
    assert.deepEqual(
      service(offline, "blog").problems.map((p) => formatProblem(p).split("\n")[0]),
      [
        `warning: ${HOST}/blog/compose.yaml:3: variable TAG is not set`,
      ],
    );
  },
});

Deno.test({
  name: "an env_file may name the decrypted copy of a sops file (db.env from db.sops.env)",
  permissions: PURE,
  fn() {
    const files = hostFiles(["blog"], {
      "blog/compose.yaml": `${WEB}    env_file: [db.env, .env]\n`,
      "blog/db.sops.env": "ENC[…]\n",
      "blog/.env.sops": "ENC[…]\n",
    });
    const decrypted = new Map([
      [`${HOST}/blog/db.sops.env`, { ok: true as const, text: "PASSWORD=s3\n" }],
      [`${HOST}/blog/.env.sops`, { ok: true as const, text: "TAG=1\n" }],
    ]);
    const blog = ready(read(files, { secrets: { decrypted, vars: new Map() } }), "blog");
    const dir = `/var/lib/hoist/services/blog/${blog.hash}`;
    assert.deepEqual(
      blog.units[0]?.content.split("\n").filter((l) => l.startsWith("EnvironmentFile=")),
      [
        `EnvironmentFile=${dir}/.hoist-env/repo/db.env`,
        `EnvironmentFile=${dir}/.hoist-env/repo/.env`,
      ],
    );
    assert.deepEqual(blog.files.map((f) => [f.path, f.secret === true]).sort(), [
      [".env", true],
      [".hoist-env/repo/.env", true],
      [".hoist-env/repo/db.env", true],
      ["db.env", true],
    ]);
    const text = (path: string) =>
      new TextDecoder().decode(blog.files.find((f) => f.path === path)?.data);
    assert.equal(text(".hoist-env/repo/db.env"), "PASSWORD=s3\n");
  },
});

Deno.test({
  name:
    "a compose folder's .env is copied as it is (a literal $ is no variable), and podman's copy of each env_file holds the values compose gives",
  permissions: PURE,
  fn() {
    const dotEnv = "TAG=1\nPASSWORD='pa$word'\nQUOTED=\"a b\" # comment\n";
    const appEnv = [
      "export MODE=prod",
      'GREETING="hello ${TAG}\\tworld"',
      "LITERAL='${TAG} $$ \"x\"'",
      "URL=http://h/#frag # note",
      "COST=$$5",
      "",
    ].join("\n");
    const blog = ready(
      read(hostFiles(["blog"], {
        "blog/compose.yaml": `${WEB}    env_file: [.env, conf/app.env]\n`,
        "blog/.env": dotEnv,
        "blog/conf/app.env": appEnv,
      })),
      "blog",
    );
    const text = (path: string) =>
      new TextDecoder().decode(blog.files.find((f) => f.path === path)?.data);
    assert.equal(text(".env"), dotEnv);
    assert.equal(text("conf/app.env"), appEnv);
    assert.equal(text(".hoist-env/repo/.env"), "TAG=1\nPASSWORD=pa$word\nQUOTED=a b\n");
    assert.equal(
      text(".hoist-env/repo/conf/app.env"),
      'MODE=prod\nGREETING=hello 1\tworld\nLITERAL=${TAG} $$ "x"\nURL=http://h/#frag\nCOST=$5\n',
    );
    assert.ok(blog.files.filter((f) => f.path.endsWith(".env")).every((f) => f.secret));
  },
});

Deno.test({
  name:
    "an env_file value podman cannot read back (a line break) blocks the service, naming variable and line",
  permissions: PURE,
  fn() {
    assert.deepEqual(
      blockedBy({
        "blog/compose.yaml": `${WEB}    env_file: app.env\n`,
        "blog/app.env": 'A=1\nKEY="-----BEGIN\\nx"\n',
      }),
      [
        `error: ${HOST}/blog/app.env:2: KEY: a value with a line break cannot be passed to podman`,
      ],
    );
  },
});

Deno.test({
  name:
    "compose = \"file.yml\" (the source's, or a service's over it) is the one compose file read; compose.yaml beside it is not",
  permissions: PURE,
  fn() {
    const files = hostFiles(["blog"], {
      "blog/compose.yaml": WEB,
      "blog/stack.yml": "services:\n  api:\n    image: docker.io/library/busybox:1\n",
      "blog/other.yml": "services:\n  other:\n    image: docker.io/library/busybox:1\n",
    });
    const units = (compose: { source?: string; services?: Record<string, string> }) =>
      ready(read(files, { compose }), "blog").units.map((u) => u.path);
    assert.deepEqual(units({ source: "stack.yml" }), [
      "gitops-blog/gitops-blog-api.container",
      "gitops-blog/gitops-blog_default.network",
    ]);
    assert.deepEqual(units({ source: "stack.yml", services: { blog: "other.yml" } }), [
      "gitops-blog/gitops-blog-other.container",
      "gitops-blog/gitops-blog_default.network",
    ]);
    assert.deepEqual(units({ services: { elsewhere: "other.yml" } }), [
      "gitops-blog/gitops-blog-web.container",
      "gitops-blog/gitops-blog_default.network",
    ]);
    assert.deepEqual(units({ source: "compose.yaml" }), [
      "gitops-blog/gitops-blog-web.container",
      "gitops-blog/gitops-blog_default.network",
    ]);
  },
});

Deno.test({
  name:
    'a compose = "file.yml" the folder does not hold blocks the service, naming the agent config',
  permissions: PURE,
  fn() {
    const s = service(
      read(hostFiles(["blog"], { "blog/README.md": "x\n" }), {
        compose: { services: { blog: "stack.yml" } },
      }),
      "blog",
    );
    assert.equal(s.status, "blocked");
    assert.deepEqual(s.problems.map((p) => formatProblem(p).split("\n")[0]), [
      `error: ${HOST}/blog: stack.yml does not exist; the agent config picks it with compose =`,
    ]);
  },
});

Deno.test({
  name:
    "x-hoist restart_on_change: false marks the service; any other value than a boolean is an error at its line",
  permissions: PURE,
  fn() {
    const held = ready(
      read(
        hostFiles(["blog"], {
          "blog/compose.yaml": `x-hoist:\n  restart_on_change: false\n${WEB}`,
        }),
      ),
      "blog",
    );
    assert.equal(held.restartOnChange, false);
    const plain = ready(read(hostFiles(["blog"], { "blog/compose.yaml": WEB })), "blog");
    assert.equal(plain.restartOnChange, undefined);
    assert.deepEqual(
      blockedBy({ "blog/compose.yaml": `x-hoist:\n  restart_on_change: "no"\n${WEB}` }),
      [
        `error: ${HOST}/blog/compose.yaml:2: x-hoist.restart_on_change: expected true or false`,
      ],
    );
  },
});
