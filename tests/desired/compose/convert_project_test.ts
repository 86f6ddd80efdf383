import assert from "node:assert/strict";
import { PURE } from "../../support/pure.ts";
import { convert, messages, sectionLines, unitText } from "./helpers.ts";

Deno.test({
  name:
    "convertCompose() writes a .container per service, the default network and named volumes, with compose's names",
  permissions: PURE,
  fn() {
    const read = convert(`name: blog
services:
  web:
    image: docker.io/library/caddy:2
    depends_on:
      db:
        condition: service_healthy
    ports: ["8080:80"]
  db:
    image: docker.io/library/postgres:16
    volumes: [data:/var/lib/postgresql/data]
    healthcheck:
      test: pg_isready
      interval: 10s
      timeout: 5s
      retries: 5
      start_period: 30s
volumes:
  data:
`);
    assert.deepEqual(messages(read), []);
    assert.equal(read.value?.project, "blog");
    assert.deepEqual(read.value?.units.map((u) => [u.fileName, u.type]), [
      ["gitops-blog-web.container", "container"],
      ["gitops-blog-db.container", "container"],
      ["gitops-blog_default.network", "network"],
      ["gitops-blog_data.volume", "volume"],
    ]);
    assert.equal(
      unitText(read, "gitops-blog-web.container"),
      `[Unit]
Requires=gitops-blog-db.service
After=gitops-blog-db.service

[Container]
Image=docker.io/library/caddy:2
ContainerName=blog-web
PublishPort=8080:80
Network=gitops-blog_default.network:alias=web

[Install]
WantedBy=default.target
`,
    );
    assert.equal(
      unitText(read, "gitops-blog-db.container"),
      `[Container]
Image=docker.io/library/postgres:16
ContainerName=blog-db
Volume=gitops-blog_data.volume:/var/lib/postgresql/data
HealthCmd=pg_isready
HealthInterval=10s
HealthTimeout=5s
HealthRetries=5
HealthStartPeriod=30s
Network=gitops-blog_default.network:alias=db
Notify=healthy

[Service]
TimeoutStartSec=405

[Install]
WantedBy=default.target
`,
    );
    assert.equal(
      unitText(read, "gitops-blog_default.network"),
      "[Network]\nNetworkName=blog_default\n",
    );
    assert.equal(unitText(read, "gitops-blog_data.volume"), "[Volume]\nVolumeName=blog_data\n");
  },
});

Deno.test({
  name:
    "convertCompose() keeps names as written: underscores, case, container_name, name: overrides, external resources",
  permissions: PURE,
  fn() {
    const read = convert(
      `services:
  My_App:
    image: docker.io/library/busybox:1
    networks: [proxy, inner]
    volumes: [old:/old, media:/m]
  cache:
    container_name: legacy_cache
    image: docker.io/library/redis:7
    network_mode: "service:My_App"
networks:
  proxy:
    external: true
  inner:
    name: custom_net
volumes:
  old:
    external: true
    name: pre_existing
  media:
`,
      { project: "Home_Lab" },
    );
    assert.deepEqual(messages(read), []);
    assert.deepEqual(read.value?.units.map((u) => u.fileName), [
      "gitops-Home_Lab-My_App.container",
      "gitops-legacy_cache.container",
      "gitops-custom_net.network",
      "gitops-Home_Lab_media.volume",
    ]);
    assert.deepEqual(
      sectionLines(unitText(read, "gitops-Home_Lab-My_App.container"), "Container"),
      [
        "Image=docker.io/library/busybox:1",
        "ContainerName=Home_Lab-My_App",
        "Network=proxy:alias=My_App",
        "Network=gitops-custom_net.network:alias=My_App",
        "Volume=pre_existing:/old",
        "Volume=gitops-Home_Lab_media.volume:/m",
      ],
    );
    const cache = unitText(read, "gitops-legacy_cache.container");
    assert.deepEqual(sectionLines(cache, "Unit"), [
      "Requires=gitops-Home_Lab-My_App.service",
      "After=gitops-Home_Lab-My_App.service",
    ]);
    assert.ok(sectionLines(cache, "Container").includes("Network=container:Home_Lab-My_App"));
    assert.equal(
      unitText(read, "gitops-custom_net.network"),
      "[Network]\nNetworkName=custom_net\n",
    );
  },
});

Deno.test({
  name: "convertCompose() maps depends_on conditions and required: false",
  permissions: PURE,
  fn() {
    const read = convert(`services:
  app:
    image: docker.io/library/busybox:1
    depends_on:
      migrate:
        condition: service_completed_successfully
      cache:
        condition: service_started
        required: false
  migrate:
    image: docker.io/library/busybox:1
  cache:
    image: docker.io/library/redis:7
`);
    assert.deepEqual(messages(read), []);
    assert.deepEqual(sectionLines(unitText(read, "gitops-p-app.container"), "Unit"), [
      "Requires=gitops-p-migrate.service",
      "After=gitops-p-migrate.service",
      "Wants=gitops-p-cache.service",
      "After=gitops-p-cache.service",
    ]);
    assert.deepEqual(sectionLines(unitText(read, "gitops-p-migrate.container"), "Service"), [
      "Type=oneshot",
      "RemainAfterExit=yes",
    ]);
  },
});

Deno.test({
  name: "convertCompose() writes the networks and volumes it declares, and WantedBy for the mode",
  permissions: PURE,
  fn() {
    const read = convert(
      `services:
  web:
    image: docker.io/library/busybox:1
    network_mode: host
networks:
  back:
    driver: macvlan
    internal: true
    enable_ipv6: true
    driver_opts: {parent: eth0}
    ipam:
      config:
        - subnet: 10.9.0.0/24
          gateway: 10.9.0.1
          ip_range: 10.9.0.128/25
    labels: {tier: back}
volumes:
  nfs:
    driver_opts: {type: nfs, o: "addr=10.0.0.1,rw", device: ":/export"}
    labels: [a=b]
`,
      { mode: "system" },
    );
    assert.deepEqual(messages(read), []);
    assert.deepEqual(read.value?.units.map((u) => u.fileName), [
      "gitops-p-web.container",
      "gitops-p_back.network",
      "gitops-p_nfs.volume",
    ]);
    assert.deepEqual(sectionLines(unitText(read, "gitops-p-web.container"), "Install"), [
      "WantedBy=multi-user.target",
    ]);
    assert.equal(
      unitText(read, "gitops-p_back.network"),
      `[Network]
NetworkName=p_back
Driver=macvlan
Internal=true
IPv6=true
Options=parent=eth0
Subnet=10.9.0.0/24
Gateway=10.9.0.1
IPRange=10.9.0.128/25
Label=tier=back
`,
    );
    assert.equal(
      unitText(read, "gitops-p_nfs.volume"),
      "[Volume]\nVolumeName=p_nfs\nType=nfs\nOptions=addr=10.0.0.1,rw\nDevice=:/export\nLabel=a=b\n",
    );
  },
});

Deno.test({
  name:
    "convertCompose() builds images: a .build unit named after the container, Image= pointing at it",
  permissions: PURE,
  fn() {
    const read = convert(`services:
  app:
    image: localhost/app:dev
    build:
      context: ./src
      dockerfile: Containerfile
      target: prod
      args: {VERSION: "1.2"}
`);
    assert.deepEqual(messages(read), []);
    assert.equal(
      unitText(read, "gitops-p-app.build"),
      `[Build]
ImageTag=localhost/app:dev
SetWorkingDirectory=/srv/p/src
File=/srv/p/src/Containerfile
Target=prod
PodmanArgs=--build-arg=VERSION=1.2
`,
    );
    assert.ok(
      sectionLines(unitText(read, "gitops-p-app.container"), "Container").includes(
        "Image=gitops-p-app.build",
      ),
    );
  },
});

Deno.test({
  name:
    "convertCompose() deploys services without profiles and those of the profiles x-hoist names",
  permissions: PURE,
  fn() {
    const text = (active: string) =>
      `x-hoist:
  profiles: [${active}]
services:
  web: {image: docker.io/library/busybox:1}
  debug: {image: docker.io/library/busybox:1, profiles: [dev]}
  metrics: {image: docker.io/library/busybox:1, profiles: [ops, dev]}
`;
    const files = (active: string) =>
      convert(text(active)).value?.units.filter((u) => u.type === "container").map((u) =>
        u.fileName
      );
    assert.deepEqual(files(""), ["gitops-p-web.container"]);
    assert.deepEqual(files("ops"), ["gitops-p-web.container", "gitops-p-metrics.container"]);
    assert.deepEqual(files("dev"), [
      "gitops-p-web.container",
      "gitops-p-debug.container",
      "gitops-p-metrics.container",
    ]);
  },
});

Deno.test({
  name: "waiting for a service to be healthy that has no healthcheck in the file is a warning",
  permissions: PURE,
  fn() {
    const read = convert(`services:
  app:
    image: docker.io/library/busybox:1
    depends_on: {db: {condition: service_healthy}}
  db:
    image: docker.io/library/postgres:16
`);
    assert.deepEqual(messages(read), [
      "warning: p/compose.yaml:5: services.db: others wait for it to be healthy, but it has no healthcheck here",
    ]);
    assert.deepEqual(sectionLines(unitText(read, "gitops-p-db.container"), "Service"), [
      "TimeoutStartSec=480",
    ]);
  },
});
