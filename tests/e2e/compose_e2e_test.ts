/**
 * Compose repositories deploy as native quadlets against real systemd 257 + podman 5.4
 * (tests/e2e/setup.sh), rootful: seed 001's layout (`layout = "services"`, no host level, the
 * project's `podman-compose.yml` reaching an untracked secrets folder as `../../secrets/web.env`,
 * served from `[secrets] host_dirs`), where one container fetches a page from the other by its
 * compose service name over the project network, with the values compose would give the env
 * files (quotes and `$` as compose reads them, which podman's --env-file does not); a project
 * `[compose.policy]` refuses is blocked while the other deploys. Prefix `c7-`, ports 18900–18999
 * (issue 11).
 */
import assert from "node:assert/strict";
import { e2eGate, hoist, http, IMAGE, inside, insideOk, Repo, sweep } from "./harness.ts";

const { ignore, why } = await e2eGate();

const PREFIX = "c7-";
const BASE = 18900;
const WHO = "system" as const;

/** api answers MESSAGE (from the host's secrets file); front serves what it fetched from api. */
const COMPOSE = `version: "3.8"
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
      - "127.0.0.1:${BASE + 1}:8080"
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
async function cleanUp(): Promise<void> {
  await sweep(WHO, PREFIX);
  await inside(WHO, ["systemctl", "stop", `${PREFIX}web_default-network.service`]);
  await inside(WHO, ["systemctl", "reset-failed", `${PREFIX}*`]);
  await inside(WHO, ["podman", "network", "rm", "-f", "web_default"]);
}

Deno.test({
  name:
    "e2e compose (rootful): the seed-001 layout deploys; front fetches api's page by compose service name, with the secret from host_dirs as compose reads it; a project the policy refuses is blocked alone",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await cleanUp();
    const repo = await Repo.create(WHO, {
      "README.md": "environment repository: services/<svc>/podman-compose.yml\n",
      "services/web/podman-compose.yml": COMPOSE,
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
      const text = repo.configText("c7host", PREFIX)
        .replace('path = "gitops"', 'layout = "services"\npath = "services"') +
        `host_dirs = { secrets = "${secrets}" }\n\n[compose.policy]\nprivileged = false\n`;
      await Deno.writeTextFile(config, text);

      const apply = await hoist(WHO, ["apply", "--config", config]);
      const out = apply.stdout + apply.stderr;
      // the refused project makes the run fail; the other deploys
      assert.equal(apply.code, 1, `hoist apply exit ${apply.code}\n${out}`);
      assert.match(
        out,
        /services\/bad\/compose\.yaml:4: services\.root\.privileged: privileged: true is refused by \[compose\.policy\] privileged = false/,
      );
      assert.doesNotMatch(out, /api says/, "the secret is never printed");
      assert.equal(await http(BASE + 1, 300), MESSAGE);

      const units = await insideOk(WHO, ["ls", "/etc/containers/systemd/c7-web"]);
      assert.deepEqual(units.trim().split("\n").sort(), [
        "c7-web-api.container",
        "c7-web-front.container",
        "c7-web_default.network",
      ]);
      const all = await insideOk(WHO, ["ls", "/etc/containers/systemd"]);
      assert.doesNotMatch(all, /c7-bad/, "the refused project has no unit");
      const again = await hoist(WHO, ["plan", "--config", config]);
      assert.doesNotMatch(
        again.stdout,
        /^[+~-] /m,
        `a second plan has nothing to do\n${again.stdout}`,
      );
    } finally {
      await cleanUp();
      await repo.remove();
    }
  },
});
