import assert from "node:assert/strict";
import { PURE } from "../../support/pure.ts";
import { convert, messages, sectionLines, unitText } from "./helpers.ts";

Deno.test({
  name:
    "extends within the file merges as compose does: mappings by key, sequences appended, unique targets replaced, commands replaced",
  permissions: PURE,
  fn() {
    const read = convert(`services:
  base:
    image: docker.io/library/busybox:1
    command: ["base"]
    environment:
      - TZ=UTC
      - PORT=80
    labels: {tier: back}
    dns: [1.1.1.1]
    ports: ["8080:80", "9000:9000"]
    volumes: ["/a:/data", "/logs:/logs"]
    healthcheck:
      test: ["CMD", "base-check"]
      interval: 10s
    restart: always
  web:
    extends: base
    command: ["web"]
    environment:
      PORT: "8080"
    dns: [8.8.8.8]
    ports: ["8081:80/tcp", "9443:443"]
    volumes: ["/b:/data"]
    healthcheck:
      test: ["CMD", "web-check"]
  worker:
    extends: {service: web}
    labels: {tier: work}
`);
    assert.deepEqual(messages(read), []);
    const web = unitText(read, "gitops-p-web.container");
    assert.deepEqual(sectionLines(web, "Container"), [
      "Image=docker.io/library/busybox:1",
      "ContainerName=p-web",
      "Exec=web",
      "Environment=TZ=UTC",
      "Environment=PORT=8080",
      "Label=tier=back",
      "DNS=1.1.1.1",
      "DNS=8.8.8.8",
      "PublishPort=8080:80",
      "PublishPort=9000:9000",
      "PublishPort=8081:80/tcp",
      "PublishPort=9443:443",
      "Volume=/b:/data",
      "Volume=/logs:/logs",
      `HealthCmd=["web-check"]`,
      "HealthInterval=10s",
      "Network=gitops-p_default.network:alias=web",
    ]);
    assert.deepEqual(sectionLines(web, "Service"), ["Restart=always"]);
    const worker = sectionLines(unitText(read, "gitops-p-worker.container"), "Container");
    assert.ok(worker.includes("Label=tier=work"), worker.join("\n"));
    assert.ok(worker.includes("Exec=web"), worker.join("\n"));
    assert.ok(worker.includes("Network=gitops-p_default.network:alias=worker"));
  },
});

Deno.test({
  name:
    "extends is refused for a base that does not exist, a loop, and a healthcheck disabled over the base's",
  permissions: PURE,
  fn() {
    const cases: [string, string][] = [
      [
        "services:\n  web:\n    extends: nope\n",
        'error: p/compose.yaml:3: services.web.extends: "nope" is not a service of this file',
      ],
      [
        "services:\n  a:\n    extends: b\n  b:\n    extends: a\n",
        "error: p/compose.yaml:5: services.b.extends: extends loops: a → b → a",
      ],
      [
        "services:\n  base:\n    image: x\n    healthcheck: {test: [CMD, t]}\n  web:\n    extends: base\n    healthcheck: {disable: true}\n",
        "error: p/compose.yaml:5: services.web.healthcheck: disable: true cannot override the healthcheck of the service it extends",
      ],
    ];
    for (const [text, expected] of cases) {
      const read = convert(text);
      assert.ok(
        messages(read).includes(expected),
        `${expected}\nnot in\n${messages(read).join("\n")}`,
      );
      assert.equal(read.value, undefined);
    }
  },
});
