import assert from "node:assert/strict";
import { PURE } from "../../support/pure.ts";
import { hostFiles, read, ready } from "../helpers.ts";
import { convert, messages, sectionLines, unitText } from "./helpers.ts";

const WEB = "services:\n  web:\n    image: docker.io/library/busybox:1\n";
const USES = `    secrets: [token]\n    configs: [{source: motd, target: /etc/motd}]\n`;
const DECLARED =
  `secrets:\n  token: {environment: TOKEN}\nconfigs:\n  motd: {content: "hello $\${USER}"}\n`;

Deno.test({
  name:
    "a secret from environment: and a config with content: are files hoist writes into its copy, mounted read-only",
  permissions: PURE,
  fn() {
    const read = convert(`${WEB}${USES}${DECLARED}`, { vars: { TOKEN: "s3cret" } });
    const volumes = sectionLines(unitText(read, "gitops-p-web.container"), "Container")
      .filter((l) => l.startsWith("Volume="));
    assert.deepEqual(volumes, [
      "Volume=${SERVICE_DIR}/.hoist-env/secrets/token:/run/secrets/token:ro",
      "Volume=${SERVICE_DIR}/.hoist-env/configs/motd:/etc/motd:ro",
    ]);
    const web = read.value?.units.find((u) => u.fileName === "gitops-p-web.container");
    assert.deepEqual(web?.objects, [
      {
        path: ".hoist-env/secrets/token",
        text: "s3cret",
        secret: true,
        origin: "secrets.token.environment",
      },
      {
        path: ".hoist-env/configs/motd",
        text: "hello ${USER}",
        secret: false,
        origin: "configs.motd.content",
      },
    ]);
    // hoist convert has no copy to write them into: it says so
    assert.deepEqual(messages(read).map((m) => m.replace(/^warning: p\/compose\.yaml:\d+: /, "")), [
      "services.web.secrets[0]: secrets.token.environment: hoist writes this secret into its copy of the service folder; the unit mounts that copy",
      "services.web.configs[0]: configs.motd.content: hoist writes this config into its copy of the service folder; the unit mounts that copy",
    ]);
  },
});

Deno.test({
  name:
    "secrets and configs hoist cannot deploy are errors naming the key and line: uid/gid/mode, external, two sources, an unset variable, content: on a secret, a name that is no file name",
  permissions: PURE,
  fn() {
    const cases: [string, string, string[]][] = [
      [
        "uid, gid and mode",
        `${WEB}    secrets: [{source: token, uid: "103", gid: "103", mode: 0440}]\nsecrets:\n  token: {file: ./t.txt}\n`,
        [
          "error: p/compose.yaml:4: services.web.secrets[0].uid: quadlet bind-mounts secrets from hoist's copy and cannot set their uid; remove it or list it under x-hoist.ignore",
          "error: p/compose.yaml:4: services.web.secrets[0].gid: quadlet bind-mounts secrets from hoist's copy and cannot set their gid; remove it or list it under x-hoist.ignore",
          "error: p/compose.yaml:4: services.web.secrets[0].mode: quadlet bind-mounts secrets from hoist's copy and cannot set their mode; remove it or list it under x-hoist.ignore",
        ],
      ],
      [
        "external",
        `${WEB}    secrets: [token]\nsecrets:\n  token: {external: true}\n`,
        [
          "error: p/compose.yaml:6: secrets.token.external: external secrets are not supported (hoist manages no podman secret store); remove it or list it under x-hoist.ignore",
          'error: p/compose.yaml:4: services.web.secrets[0]: secret "token" is not declared',
        ],
      ],
      [
        "two sources",
        `secrets:\n  token:\n    file: ./t.txt\n    environment: TOKEN\n${WEB}`,
        ["error: p/compose.yaml:2: secrets.token: has file: and environment:; give one"],
      ],
      [
        "an unset variable",
        `${WEB}    secrets: [token]\nsecrets:\n  token: {environment: NOPE}\n`,
        ["error: p/compose.yaml:6: secrets.token.environment: variable NOPE is not set"],
      ],
      [
        "content: on a secret",
        `${WEB}secrets:\n  token: {content: x}\n`,
        [
          "error: p/compose.yaml:5: secrets.token.content: not supported by quadlets; remove it or list it under x-hoist.ignore",
          "error: p/compose.yaml:5: secrets.token: needs file:, environment:",
        ],
      ],
      [
        "a name that is no file name",
        `${WEB}configs:\n  "../x": {content: x}\n`,
        ['error: p/compose.yaml:5: configs.../x: "../x" cannot name a file'],
      ],
    ];
    const wrong = cases.flatMap(([what, text, want]) => {
      const r = convert(text);
      const got = messages(r).filter((m) => !m.includes("hoist writes this"));
      return JSON.stringify(got) === JSON.stringify(want) && r.value === undefined
        ? []
        : [{ what, got, want, units: r.value !== undefined }];
    });
    assert.deepEqual(wrong, []);
  },
});

Deno.test({
  name:
    "in a deployment a variable's secret is a 0600 file of the copy, counted by keyed digest: its value is in no unit and no input, and another value restarts only the compose service that mounts it",
  permissions: PURE,
  fn() {
    const compose = `${WEB}${USES}  api:\n    image: docker.io/library/busybox:1\n${DECLARED}`;
    const files = hostFiles(["blog"], { "blog/compose.yaml": compose });
    const deploy = (token: string) =>
      ready(
        read(files, {
          secrets: { decrypted: new Map(), vars: new Map([["TOKEN", token]]), key: "k" },
        }),
        "blog",
      );
    const blog = deploy("s3cret");
    const token = blog.files.find((f) => f.path === ".hoist-env/secrets/token");
    assert.equal(token?.secret, true);
    assert.equal(new TextDecoder().decode(token?.data), "s3cret");
    assert.equal(blog.files.find((f) => f.path === ".hoist-env/configs/motd")?.secret, undefined);
    const shown = JSON.stringify([blog.units.map((u) => u.content), blog.inputs]);
    assert.ok(!shown.includes("s3cret"), "the value is in no unit and no input");
    const web = blog.units.find((u) => u.group?.service === "web")?.group;
    assert.ok(web?.inputs.includes("secrets.token.environment"), JSON.stringify(web));
    const other = deploy("other");
    const own = (s: typeof blog, name: string) =>
      s.units.find((u) => u.group?.service === name)?.group?.hash;
    assert.notEqual(own(other, "web"), own(blog, "web"));
    assert.equal(own(other, "api"), own(blog, "api"));
  },
});
