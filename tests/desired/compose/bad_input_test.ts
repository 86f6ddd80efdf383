import { OPEN_POLICY } from "../../../lib/config/compose_config.ts";
import assert from "node:assert/strict";
import { MAX_COMPOSE_NODES } from "../../../lib/desired/compose/compose_tree.ts";
import { MAX_SERVICES } from "../../../lib/desired/compose/convert_compose.ts";
import { PURE } from "../../support/pure.ts";
import { convert, messages } from "./helpers.ts";

const WEB = "services:\n  web:\n    image: docker.io/library/busybox:1\n";

/** [what, compose text, the exact problems]. Each one leaves the project without units. */
const CASES: [string, string, string[]][] = [
  ["a key quadlets cannot express", `${WEB}    deploy:\n      replicas: 2\n`, [
    "error: p/compose.yaml:4: services.web.deploy: not supported by quadlets; remove it or list it under x-hoist.ignore",
  ]],
  ["a misspelt service key", `${WEB}    imagee: x\n`, [
    "error: p/compose.yaml:4: services.web.imagee: not a compose service key; remove it or list it under x-hoist.ignore",
  ]],
  ["an unknown top-level key", `${WEB}servics: {}\n`, [
    "error: p/compose.yaml:4: servics: not a compose top-level key; remove it or list it under x-hoist.ignore",
  ]],
  ["include:", `include: [other.yaml]\n${WEB}`, [
    "error: p/compose.yaml:1: include[0]: include: no other compose file can be read here",
  ]],
  ["extends: with a file", `${WEB}    extends: {file: base.yaml, service: web}\n`, [
    "error: p/compose.yaml:4: services.web.extends.file: extends: {file:}: no other compose file can be read here",
  ]],
  ["ports: 80 instead of a list", `${WEB}    ports: 80\n`, [
    "error: p/compose.yaml:4: services.web.ports: expected a list, got a number",
  ]],
  ["a port range of 100k ports", `${WEB}    ports: ["1-100000:1-100000"]\n`, [
    "error: p/compose.yaml:4: services.web.ports[0]: port 100000 is outside 1-65535",
  ]],
  ["ranges of different lengths", `${WEB}    ports: ["8000-8001:80"]\n`, [
    "error: p/compose.yaml:4: services.web.ports[0]: ranges 8000-8001 and 80 differ in length",
  ]],
  [
    "a value with a newline that would add a unit line",
    `${WEB}    environment:\n      A: "x\\nExecStartPre=/bin/evil"\n`,
    [
      "error: p/compose.yaml:5: services.web.environment.A: value contains a line break",
    ],
  ],
  ["a value with a control character", `${WEB}    hostname: "a\\u0007b"\n`, [
    'error: p/compose.yaml:4: services.web.hostname: "a\\u0007b" is not valid here',
  ]],
  ["a key with a control character is shown escaped", `${WEB}    "x\\u001b[31m": 1\n`, [
    'error: p/compose.yaml:4: services.web."x\\u001b[31m": not a compose service key; remove it or list it under x-hoist.ignore',
  ]],
  [
    "a required variable that is not set",
    `services:\n  web:\n    image: \${IMG:?set IMG to the image}\n`,
    [
      "error: p/compose.yaml:3: required variable IMG is not set: set IMG to the image",
    ],
  ],
  ["a variable that is not set", `services:\n  web:\n    image: busybox:\${TAG}\n`, [
    "error: p/compose.yaml:3: variable TAG is not set",
  ]],
  ["an unclosed interpolation", `services:\n  web:\n    image: "busybox:\${TAG"\n`, [
    "error: p/compose.yaml:3: unclosed ${ in an interpolation",
  ]],
  ["a named volume that is not declared", `${WEB}    volumes: [data:/data]\n`, [
    'error: p/compose.yaml:4: services.web.volumes[0]: volume "data" is not declared',
  ]],
  ["a network that is not declared", `${WEB}    networks: [front]\n`, [
    'error: p/compose.yaml:4: services.web.networks[0]: network "front" is not declared',
  ]],
  ["depends_on a service that does not exist", `${WEB}    depends_on: [db]\n`, [
    'error: p/compose.yaml:4: services.web.depends_on[0]: "db" is not another (active) service of this file',
  ]],
  ["~ in a bind source", `${WEB}    volumes: ["~/data:/data"]\n`, [
    "error: p/compose.yaml:4: services.web.volumes[0]: ~/data: ~ is not expanded by hoist",
  ]],
  ["a label hoist sets itself", `${WEB}    labels: {gitops-hash: x}\n`, [
    "error: p/compose.yaml:4: services.web.labels.gitops-hash: gitops-* labels are hoist's, and label keys may not use % or $",
  ]],
  ["a container name podman refuses", `${WEB}    container_name: "bad name"\n`, [
    'error: p/compose.yaml:4: services.web.container_name: "bad name" is not a name podman accepts',
  ]],
  [
    "two services with one container name",
    `services:\n  a: {image: x, container_name: same}\n  b: {image: x, container_name: same}\n`,
    [
      "error: p/compose.yaml:3: services.b: container name same is also a's",
    ],
  ],
  ["a retry limit", `${WEB}    restart: on-failure:3\n`, [
    "error: p/compose.yaml:4: services.web.restart: a retry limit (on-failure:N) is not supported; write on-failure; remove it or list it under x-hoist.ignore",
  ]],
  ["domainname", `${WEB}    domainname: example.com\n`, [
    "error: p/compose.yaml:4: services.web.domainname: not supported by podman (it has no --domainname); remove it or list it under x-hoist.ignore",
  ]],
  ["a service without image or build", `services:\n  web:\n    command: x\n`, [
    "error: p/compose.yaml:2: services.web: a service needs image: or build:",
  ]],
  ["malformed YAML", `services:\n  web:\n    image: [unclosed\n`, [
    "error: p/compose.yaml:4: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
  ]],
  ["a remote build context", `services:\n  web:\n    build: https://github.com/x/y.git\n`, [
    "error: p/compose.yaml:3: services.web.build.context: remote build contexts are not supported; remove it or list it under x-hoist.ignore",
  ]],
  ["a mount option podman does not know", `${WEB}    volumes: ["/a:/b:cached"]\n`, [
    "error: p/compose.yaml:4: services.web.volumes[0]: unknown mount option cached",
  ]],
];

Deno.test({
  name: "convertCompose() refuses bad input with file:line and the key path, and writes no unit",
  permissions: PURE,
  fn() {
    const wrong = CASES.flatMap(([what, text, expected]) => {
      const read = convert(text);
      const got = messages(read);
      return JSON.stringify(got) === JSON.stringify(expected) && read.value === undefined
        ? []
        : [{ what, got, expected, units: read.value?.units.length }];
    });
    assert.deepEqual(wrong, []);
  },
});

Deno.test({
  name: "x-hoist.ignore turns an unsupported key into a warning, by key name or by path",
  permissions: PURE,
  fn() {
    for (const entry of ["deploy", "services.web.deploy"]) {
      const read = convert(`x-hoist:\n  ignore: [${entry}]\n${WEB}    deploy: {replicas: 2}\n`);
      assert.deepEqual(messages(read), [
        "warning: p/compose.yaml:6: services.web.deploy: not supported by quadlets; ignored (x-hoist.ignore)",
      ]);
      assert.deepEqual(read.value?.units.map((u) => u.fileName), [
        "gitops-p-web.container",
        "gitops-p_default.network",
      ]);
    }
  },
});

Deno.test({
  name:
    "the agent config's [compose] ignore turns an unsupported key into a warning in every compose file of the host, naming where it is ignored",
  permissions: PURE,
  fn() {
    for (const entry of ["deploy", "services.web.deploy"]) {
      const read = convert(`${WEB}    deploy: {replicas: 2}\n`, {
        policy: { ...OPEN_POLICY, ignore: [entry] },
      });
      assert.deepEqual(messages(read), [
        "warning: p/compose.yaml:4: services.web.deploy: not supported by quadlets; ignored ([compose] ignore)",
      ]);
      assert.ok(read.value, "the project converts");
    }
    const other = convert(`${WEB}    deploy: {replicas: 2}\n`, {
      policy: { ...OPEN_POLICY, ignore: ["services.api.deploy"] },
    });
    assert.deepEqual(messages(other), [
      "error: p/compose.yaml:4: services.web.deploy: not supported by quadlets; remove it or list it under x-hoist.ignore",
    ]);
  },
});

Deno.test({
  name: "an alias bomb is refused as one error; legitimate anchors and merge keys work",
  permissions: PURE,
  fn() {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(", ")}]`);
    }
    const bomb = `x-bomb:\n${levels.map((l) => `  ${l}`).join("\n")}\n${WEB}    command: *i\n`;
    assert.deepEqual(messages(convert(bomb)), [
      `error: p/compose.yaml: the file expands to more than ${MAX_COMPOSE_NODES} values`,
    ]);

    const anchors = convert(`x-common: &common
  image: docker.io/library/busybox:1
  restart: always
  environment: &env
    A: "1"
services:
  web:
    <<: *common
    restart: "no"
  worker:
    <<: [*common]
    environment:
      <<: *env
      B: "2"
`);
    assert.deepEqual(messages(anchors), []);
    const web = anchors.value?.units.find((u) => u.fileName === "gitops-p-web.container")?.text;
    assert.match(web ?? "", /Environment=A=1\n/);
    assert.match(web ?? "", /Restart=no\n/);
    const worker = anchors.value?.units.find((u) => u.fileName === "gitops-p-worker.container")
      ?.text;
    assert.match(worker ?? "", /Environment=A=1\nEnvironment=B=2\n/);
    assert.match(worker ?? "", /Restart=always\n/);
  },
});

Deno.test({
  name: `more than ${MAX_SERVICES} services in one file are refused at services:`,
  permissions: PURE,
  fn() {
    const services = Array.from({ length: 1000 }, (_, i) => `  s${i}: {image: busybox}\n`).join("");
    const read = convert(`services:\n${services}`);
    assert.deepEqual(messages(read), [
      `error: p/compose.yaml:1: services: 1000 services; hoist converts at most ${MAX_SERVICES} per file`,
    ]);
    assert.equal(read.value, undefined);
  },
});
