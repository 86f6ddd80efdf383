/**
 * Compose repositories deploy as native quadlets against real systemd 257 + podman 5.4
 * (tests/e2e/setup.sh), rootful and rootless: seed 001's layout (`layout = "services"`, no host level, the
 * project's `podman-compose.yml` reaching an untracked secrets folder as `../../secrets/web.env`,
 * served from `[secrets] host_dirs`), where one container fetches a page from the other by its
 * compose service name over the project network, with the values compose would give the env
 * files (quotes and `$` as compose reads them, which podman's --env-file does not); a project
 * `[compose.policy]` refuses is blocked while the other deploys; editing one compose service of a
 * two-service project restarts only its container, and a comment or an `x-` extension restarts
 * nothing; a podman-compose volume is migrated in place. Prefix `c7-`, ports 18900–18999
 * (issue 11).
 */
import assert from "node:assert/strict";
import {
  containers,
  E2E_USER,
  e2eGate,
  hoist,
  http,
  IMAGE,
  inside,
  insideOk,
  quadletDir,
  Repo,
  sh,
  sweep,
  type Who,
} from "./harness.ts";

const { ignore, why } = await e2eGate();

const PREFIX = "c7-";
const BASE = 18900;
/** api answers MESSAGE (from the host's secrets file); front serves what it fetched from api. */
const compose = (port: number) =>
  `version: "3.8"
services:
  api:
    image: \${IMAGE}
    environment:
      - PORT=8080
    env_file:
      - ../../secrets/web.env
  front:
    image: \${IMAGE}
    depends_on: [api]
    ports:
      - "127.0.0.1:${port}:8080"
    command:
      - sh
      - -c
      - mkdir -p /srv; until wget -qO /srv/index.html http://api:8080/; do sleep 1; done; exec httpd -f -p 8080 -h /srv
`;

/** A project the host's [compose.policy] refuses (privileged = false). */
const PRIVILEGED = `services:
  root:
    image: \${IMAGE}
    privileged: true
`;

/** What compose makes of the secrets file: quotes stripped, '$' literal in single quotes. */
const SECRET_FILE = `# read as compose reads env files\nMESSAGE='api says "hi" $HOME'\n`;
const MESSAGE = 'api says "hi" $HOME';

/** Stops what an earlier or this run left: the units, the network unit, the podman network. */
async function cleanUp(who: Who): Promise<void> {
  const user = who === "user" ? ["--user"] : [];
  await sweep(who, PREFIX);
  await inside(who, ["systemctl", ...user, "stop", `${PREFIX}web_default-network.service`]);
  await inside(who, ["systemctl", ...user, "reset-failed", `${PREFIX}*`]);
  await inside(who, ["podman", "network", "rm", "-f", "web_default"]);
}

for (const [who, port] of [["system", BASE + 1], ["user", BASE + 2]] as const) {
  Deno.test({
    name: `e2e compose (${
      who === "user" ? "rootless" : "rootful"
    }): the seed-001 layout deploys; front fetches api's page by compose service name, with the secret from host_dirs as compose reads it; a project the policy refuses is blocked alone`,
    ignore,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
      await cleanUp(who);
      const repo = await Repo.create(who, {
        "README.md": "environment repository: services/<svc>/podman-compose.yml\n",
        "services/web/podman-compose.yml": compose(port),
        "services/web/.env": `IMAGE=${IMAGE}\nADMIN_PASSWORD='pa$word'\n`,
        "services/bad/compose.yaml": PRIVILEGED,
        "services/bad/.env": `IMAGE=${IMAGE}\n`,
        ".gitignore": "secrets/\n",
      });
      const secrets = `${repo.dir}/secrets`;
      try {
        await Deno.mkdir(secrets, { mode: 0o700 });
        await Deno.writeTextFile(`${secrets}/web.env`, SECRET_FILE);
        const config = `${repo.dir}/config.toml`;
        const text = repo.configText(`c7${who}`, PREFIX)
          .replace('path = "gitops"', 'layout = "services"\npath = "services"') +
          `host_dirs = { secrets = "${secrets}" }\n\n[compose.policy]\nprivileged = false\n`;
        await Deno.writeTextFile(config, text);
        if (who === "user") await sh("chown", ["-R", E2E_USER, repo.dir]);

        const apply = await hoist(who, ["apply", "--config", config]);
        const out = apply.stdout + apply.stderr;
        // the refused project makes the run fail; the other deploys
        assert.equal(apply.code, 1, `hoist apply exit ${apply.code}\n${out}`);
        assert.match(
          out,
          /services\/bad\/compose\.yaml:4: services\.root\.privileged: privileged: true is refused by \[compose\.policy\] privileged = false/,
        );
        assert.doesNotMatch(out, /api says/, "the secret is never printed");
        assert.equal(await http(port, 300), MESSAGE);

        const dir = quadletDir(who);
        const units = await insideOk(who, ["ls", `${dir}/c7-web`]);
        assert.deepEqual(units.trim().split("\n").sort(), [
          "c7-web-api.container",
          "c7-web-front.container",
          "c7-web_default.network",
        ]);
        const all = await insideOk(who, ["ls", dir]);
        assert.doesNotMatch(all, /c7-bad/, "the refused project has no unit");
        const again = await hoist(who, ["plan", "--config", config]);
        assert.doesNotMatch(
          again.stdout,
          /^[+~-] /m,
          `a second plan has nothing to do\n${again.stdout}`,
        );
      } finally {
        await cleanUp(who);
        await repo.remove();
      }
    },
  });
}

/** A project whose named volume a podman-compose deployment made before hoist took over. */
const WITH_VOLUME = (port: number) =>
  `services:
  app:
    image: \${IMAGE}
    ports:
      - "127.0.0.1:${port}:8080"
    volumes:
      - data:/www
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
volumes:
  data: {}
`;

Deno.test({
  name:
    "e2e compose (rootful): migration in place: the <project>_data volume podman-compose made, and the file in it, are used, not replaced",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    const who = "system";
    const port = BASE + 3;
    await sweep(who, PREFIX);
    await inside(who, ["podman", "volume", "rm", "-f", "mig_data"]);
    // what podman-compose left: a volume named <project>_<volume>, holding the live data
    await insideOk(who, ["podman", "volume", "create", "mig_data"]);
    await insideOk(who, [
      "podman",
      "run",
      "--rm",
      "-v",
      "mig_data:/data",
      IMAGE,
      "sh",
      "-c",
      "echo data-from-podman-compose > /data/index.html",
    ]);
    const repo = await Repo.create(who, {
      "services/mig/compose.yaml": WITH_VOLUME(port),
      "services/mig/.env": `IMAGE=${IMAGE}\n`,
    });
    try {
      const config = `${repo.dir}/config.toml`;
      await Deno.writeTextFile(
        config,
        repo.configText("c7mig", PREFIX).replace(
          'path = "gitops"',
          'layout = "services"\npath = "services"',
        ),
      );
      const apply = await hoist(who, ["apply", "--config", config]);
      assert.equal(apply.code, 0, apply.stdout + apply.stderr);
      assert.equal(await http(port, 300), "data-from-podman-compose", "the old data is served");
      const volumes = await insideOk(who, ["podman", "volume", "ls", "--format", "{{.Name}}"]);
      assert.deepEqual(
        volumes.split("\n").filter((v) => v.includes("mig")),
        ["mig_data"],
        "the same volume, no second one",
      );
    } finally {
      await sweep(who, PREFIX);
      await inside(who, ["systemctl", "reset-failed", `${PREFIX}*`]);
      await inside(who, ["podman", "volume", "rm", "-f", "mig_data"]);
      await repo.remove();
    }
  },
});

/** Two compose services serving pages; `two`'s page and a comment are what the edits change. */
const TWO = (port: number, page: string, comment = "") =>
  `${comment}services:
  one:
    image: \${IMAGE}
    ports:
      - "127.0.0.1:${port}:8080"
    command: ["sh", "-c", "mkdir -p /w; echo one > /w/index.html; exec httpd -f -p 8080 -h /w"]
  two:
    image: \${IMAGE}
    x-note: ${comment === "" ? "first" : "second"}
    environment:
      PAGE: ${page}
    ports:
      - "127.0.0.1:${port + 10}:8080"
    command: ["sh", "-c", "mkdir -p /w; echo $$PAGE > /w/index.html; exec httpd -f -p 8080 -h /w"]
`;

for (const [who, port] of [["system", BASE + 4], ["user", BASE + 5]] as const) {
  Deno.test({
    name: `e2e compose (${
      who === "user" ? "rootless" : "rootful"
    }): editing one compose service restarts only its container, the plan naming it and its key; a comment or an x- extension restarts nothing`,
    ignore,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
      const user = who === "user" ? ["--user"] : [];
      const clean = async () => {
        await sweep(who, "c7-ed");
        await inside(who, ["systemctl", ...user, "stop", "c7-ed_default-network.service"]);
        await inside(who, ["systemctl", ...user, "reset-failed", "c7-ed*"]);
        await inside(who, ["podman", "network", "rm", "-f", "ed_default"]);
      };
      await clean();
      const repo = await Repo.create(who, {
        "services/ed/compose.yaml": TWO(port, "v1"),
        "services/ed/.env": `IMAGE=${IMAGE}\n`,
      });
      const ids = async () => {
        const all = await containers(who);
        const id = (name: string) => all.find((c) => c.name === name && c.state === "running")?.id;
        return { one: id("ed-one"), two: id("ed-two") };
      };
      try {
        const config = `${repo.dir}/config.toml`;
        await Deno.writeTextFile(
          config,
          repo.configText(`c7ed${who}`, PREFIX).replace(
            'path = "gitops"',
            'layout = "services"\npath = "services"',
          ),
        );
        if (who === "user") await sh("chown", ["-R", E2E_USER, repo.dir]);
        const first = await hoist(who, ["apply", "--config", config]);
        assert.equal(first.code, 0, first.stdout + first.stderr);
        assert.equal(await http(port + 10, 300), "v1");
        const before = await ids();
        assert.ok(before.one && before.two, JSON.stringify(before));

        await repo.write({ "services/ed/compose.yaml": TWO(port, "v2") });
        await repo.commit("two serves v2");
        const second = await hoist(who, ["apply", "--config", config]);
        assert.equal(second.code, 0, second.stdout + second.stderr);
        assert.match(
          second.stdout,
          /content changed: compose service two \(compose\.yaml services\.two\.environment\)/,
        );
        assert.equal(await http(port + 10, 300), "v2");
        const after = await ids();
        assert.equal(after.one, before.one, "one's container keeps running");
        assert.ok(after.two !== undefined && after.two !== before.two, "two got a new container");
        assert.equal(await http(port, 50), "one");

        await repo.write({ "services/ed/compose.yaml": TWO(port, "v2", "# reviewed\n") });
        await repo.commit("a comment and an x- extension");
        const third = await hoist(who, ["apply", "--config", config]);
        assert.equal(third.code, 0, third.stdout + third.stderr);
        assert.doesNotMatch(third.stdout, /restart/, third.stdout);
        assert.deepEqual(await ids(), after, "nothing restarted");
      } finally {
        await clean();
        await repo.remove();
      }
    },
  });
}
