/**
 * Every unit line the compose converter can write, in one project, through the real quadlet
 * generator: each key must be one quadlet 5.4 accepts, and the podman arguments it generates must
 * say what the compose file said.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createFs } from "../../lib/adapters/fs.ts";
import { createQuadlet } from "../../lib/adapters/quadlet.ts";
import { createRunner } from "../../lib/adapters/run_command.ts";
import { hostPaths } from "../../lib/desired/compose/compose_paths.ts";
import { convertCompose } from "../../lib/desired/compose/convert_compose.ts";
import { formatProblem } from "../../lib/errors.ts";
import { QUADLET_BIN, skipWithoutQuadlet } from "./helpers.ts";

const ignore = skipWithoutQuadlet();

/** A project using every key hoist maps, most in more than one form. */
const COMPOSE = `name: kitchen
services:
  web:
    image: docker.io/library/caddy:2
    command: ["caddy", "run", "--config", "/etc/caddy/Caddyfile"]
    entrypoint: [/bin/sh, -c]
    environment:
      GREETING: "hello world"
      PRICE: "5$$ or 100%"
    env_file: [app.env]
    ports: ["8080:80", "127.0.0.1:8443:443/tcp", {target: 53, published: "5353", protocol: udp}]
    expose: ["9000"]
    volumes:
      - ./site:/srv:ro,z
      - data:/data
      - type: tmpfs
        target: /cache
        tmpfs: {size: 64m}
    tmpfs: [/run]
    networks:
      front:
        aliases: [www]
        ipv4_address: 10.89.7.10
      back:
    depends_on:
      db: {condition: service_healthy}
      migrate: {condition: service_completed_successfully}
    healthcheck:
      test: ["CMD", "wget", "-q", "-O-", "http://localhost"]
      interval: 30s
      timeout: 5s
      retries: 3
      start_period: 10s
      start_interval: 2s
    restart: unless-stopped
    user: "1000:1000"
    working_dir: /srv
    hostname: web
    labels: {com.example.tier: "front end"}
    annotations: {run.oci.keep_original_groups: "1"}
    cap_add: [NET_BIND_SERVICE]
    cap_drop: [ALL]
    devices: [/dev/fuse]
    dns: [1.1.1.1]
    dns_search: [example.com]
    dns_opt: [ndots:2]
    extra_hosts: ["sso.example:host-gateway"]
    ulimits: {nofile: {soft: 1024, hard: 2048}}
    sysctls: {net.ipv4.ip_unprivileged_port_start: 80}
    shm_size: 64m
    stop_signal: SIGTERM
    stop_grace_period: 20s
    init: true
    read_only: true
    security_opt: ["label=level:s0:c100,c200", "no-new-privileges:true", "seccomp=unconfined"]
    group_add: [wheel]
    pids_limit: 200
    logging: {driver: journald, options: {tag: web}}
    mem_limit: 512m
    cpus: 0.5
    pull_policy: missing
    secrets: [token]
    configs: [{source: conf, target: /etc/app.conf}]
  db:
    image: docker.io/library/postgres:16
    networks: [back]
    healthcheck:
      test: pg_isready
    privileged: true
    ipc: shareable
    pid: host
    userns_mode: keep-id
    tty: true
    stdin_open: true
    platform: linux/amd64
  migrate:
    build:
      context: .
      dockerfile: Containerfile
      target: migrate
      args: {VERSION: "1"}
      labels: {stage: migrate}
    network_mode: "service:db"
  sidecar:
    image: docker.io/library/busybox:1
    network_mode: none
    healthcheck:
      disable: true
networks:
  front:
    ipam:
      config:
        - subnet: 10.89.7.0/24
          gateway: 10.89.7.1
  back:
    internal: true
    labels: [tier=back]
  proxy:
    external: true
volumes:
  data:
    labels: {keep: "yes"}
  nfs:
    driver_opts: {type: nfs, o: "addr=10.0.0.1,ro", device: ":/export"}
secrets:
  token: {file: ./token.txt}
configs:
  conf: {file: ./app.conf}
`;

Deno.test({
  name:
    "every kind of line the compose converter writes is accepted by the real generator, with the podman arguments meant",
  ignore,
  async fn() {
    const converted = convertCompose({
      file: "kitchen/compose.yaml",
      text: COMPOSE,
      project: "kitchen",
      prefix: "gitops-",
      mode: "user",
      vars: () => undefined,
      paths: hostPaths("/srv/kitchen"),
    });
    assert.deepEqual(converted.problems.map(formatProblem), []);
    const units = new Map((converted.value?.units ?? []).map((u) => [u.fileName, u.text]));
    assert.deepEqual([...units.keys()], [
      "gitops-kitchen-web.container",
      "gitops-kitchen-db.container",
      "gitops-kitchen-migrate.container",
      "gitops-kitchen-migrate.build",
      "gitops-kitchen-sidecar.container",
      "gitops-kitchen_front.network",
      "gitops-kitchen_back.network",
      "gitops-kitchen_data.volume",
      "gitops-kitchen_nfs.volume",
    ]);
    const run = await createQuadlet(createRunner(), createFs(), "user", QUADLET_BIN).generate(
      units,
      [],
    );
    assert.deepEqual(run.errors, new Map());
    const execStart = (unit: string) =>
      /^ExecStart=(.*)$/m.exec(run.generated.get(unit)?.text ?? "")?.[1] ?? `no ${unit}`;
    const web = execStart("gitops-kitchen-web.container");
    for (
      const arg of [
        "--name kitchen-web",
        '--env "GREETING=hello world"',
        '--env "PRICE=5$$ or 100%%"',
        "--network kitchen_front:alias=web,alias=www,ip=10.89.7.10",
        "--network kitchen_back:alias=web",
        "--publish 5353:53/udp",
        "-v kitchen_data:/data",
        "-v /srv/kitchen/site:/srv:ro,z",
        "-v /srv/kitchen/token.txt:/run/secrets/token:ro",
        "--tmpfs /cache:size=64m",
        '--health-cmd "[\\"wget\\",\\"-q\\",\\"-O-\\",\\"http://localhost\\"]"',
        "--health-startup-interval 2s",
        "--security-opt label=level:s0:c100,c200",
        "--ulimit nofile=1024:2048",
        "--memory=512m",
        "--cpus=0.5",
        "--entrypoint",
        "docker.io/library/caddy:2 caddy run --config /etc/caddy/Caddyfile",
      ]
    ) assert.ok(web.includes(arg), `${arg} not in ${web}`);
    const db = execStart("gitops-kitchen-db.container");
    for (const arg of ["--sdnotify=healthy", "--privileged", "--ipc=shareable", "--pid=host"]) {
      assert.ok(db.includes(arg), `${arg} not in ${db}`);
    }
    assert.match(execStart("gitops-kitchen-migrate.container"), /--network container:kitchen-db/);
    assert.match(execStart("gitops-kitchen-migrate.build"), /--build-arg=VERSION=1/);
    assert.match(execStart("gitops-kitchen_back.network"), /--internal/);
    assert.match(execStart("gitops-kitchen_nfs.volume"), /--opt type=nfs/);
  },
});
