import assert from "node:assert/strict";
import { formatProblem } from "../../../lib/errors.ts";
import type { SecretInputs } from "../../../lib/desired/secrets.ts";
import { PURE } from "../../support/pure.ts";
import { type FakeEntry, HOST, hostFiles, read, ready, service } from "../helpers.ts";

const WEB = "services:\n  web:\n    image: docker.io/library/busybox:1\n";
const DIR = "/etc/hoist/secrets";
const f = `${HOST}/blog`;

const secrets = (files: Record<string, string>, extra: Partial<SecretInputs> = {}) => ({
  decrypted: new Map(),
  vars: new Map(),
  key: "host-key",
  hostDirs: new Map([["secrets", DIR]]),
  hostFiles: new Map(Object.entries(files).map(([n, t]) => [`${DIR}/${n}`, t])),
  ...extra,
});

const blog = (compose: string, more: Record<string, FakeEntry> = {}) =>
  hostFiles(["blog"], { "blog/compose.yaml": compose, ...more });

const lines = (s: ReturnType<typeof service>) =>
  s.problems.map((p) => formatProblem(p).split("\n")[0]);

Deno.test({
  name:
    "an env_file reached as ../../secrets/<svc>.env is read from the [secrets] host_dirs folder: a 0600 copy in the service's copy, with the values compose gives",
  permissions: PURE,
  fn() {
    const desired = read(blog(`${WEB}    env_file: [../../secrets/blog.env]\n`), {
      secrets: secrets({ "blog.env": "PASSWORD='pa$$w0rd'\nUSER=\"admin\" # the admin\n" }),
    });
    const s = ready(desired, "blog");
    const dir = `/var/lib/hoist/services/blog/${s.hash}`;
    assert.match(
      s.units[0]?.content ?? "",
      new RegExp(`^EnvironmentFile=${dir}/\\.hoist-env/host/secrets/blog\\.env$`, "m"),
    );
    const copy = s.files.find((x) => x.path === ".hoist-env/host/secrets/blog.env");
    assert.equal(new TextDecoder().decode(copy?.data), "PASSWORD=pa$$w0rd\nUSER=admin\n");
    assert.equal(copy?.secret, true);
    assert.equal(copy?.origin, `${DIR}/blog.env`);
  },
});

Deno.test({
  name:
    "a host_dirs file's digest is keyed and in the hash: another value is another hash, and the value is in no unit or input",
  permissions: PURE,
  fn() {
    const files = blog(`${WEB}    env_file: ../secrets/blog.env\n`);
    const one = ready(
      read(files, { secrets: secrets({ "blog.env": "P=first-secret\n" }) }),
      "blog",
    );
    const two = ready(read(files, { secrets: secrets({ "blog.env": "P=second\n" }) }), "blog");
    const rekeyed = ready(
      read(files, { secrets: secrets({ "blog.env": "P=first-secret\n" }, { key: "other" }) }),
      "blog",
    );
    assert.notEqual(one.hash, two.hash);
    assert.notEqual(one.hash, rekeyed.hash, "the digest depends on the host's key");
    const shown = JSON.stringify([one.units, one.inputs, one.problems]);
    assert.doesNotMatch(shown, /first-secret/);
  },
});

Deno.test({
  name:
    "env_files outside the service folder are blocked with file:line and a hint, unless host_dirs serves them",
  permissions: PURE,
  fn() {
    const cases: [string, string, Partial<SecretInputs>, string[]][] = [
      ["a host_dirs file that does not exist", "../../secrets/blog.env", {}, [
        `error: ${f}/compose.yaml:4: services.web.env_file[0]: ../../secrets/blog.env: ${DIR}/blog.env does not exist on this host`,
      ]],
      ["a folder host_dirs does not name", "../../private/blog.env", {}, [
        `error: ${f}/compose.yaml:4: services.web.env_file[0]: ../../private/blog.env is outside the service folder`,
      ]],
      ["no host_dirs at all", "../../secrets/blog.env", { hostDirs: new Map() }, [
        `error: ${f}/compose.yaml:4: services.web.env_file[0]: ../../secrets/blog.env is outside the service folder`,
      ]],
      ["a file in a sub-folder of the host folder", "../../secrets/sub/blog.env", {}, [
        `error: ${f}/compose.yaml:4: services.web.env_file[0]: ../../secrets/sub/blog.env: only files directly in ${DIR}/ can be read`,
      ]],
      ["the host folder itself", "../../secrets", {}, [
        `error: ${f}/compose.yaml:4: services.web.env_file[0]: ../../secrets is outside the service folder`,
      ]],
    ];
    const wrong = cases.flatMap(([what, rel, extra, expected]) => {
      const got = lines(
        service(
          read(blog(`${WEB}    env_file: [${rel}]\n`), { secrets: secrets({}, extra) }),
          "blog",
        ),
      );
      return JSON.stringify(got) === JSON.stringify(expected) ? [] : [{ what, got, expected }];
    });
    assert.deepEqual(wrong, []);
    const hint = service(
      read(blog(`${WEB}    env_file: [../../secrets/blog.env]\n`), {
        secrets: secrets({}, { hostDirs: new Map() }),
      }),
      "blog",
    ).problems[0]?.hint;
    assert.match(hint ?? "", /\[secrets\] host_dirs = \{ secrets = "\/etc\/hoist\/secrets" \}/);
  },
});

Deno.test({
  name: "an optional host_dirs env_file that is missing is left out",
  permissions: PURE,
  fn() {
    const s = ready(
      read(
        blog(
          `${WEB}    env_file:\n      - path: ../../secrets/blog.env\n        required: false\n`,
        ),
        { secrets: secrets({}) },
      ),
      "blog",
    );
    assert.doesNotMatch(s.units[0]?.content ?? "", /EnvironmentFile/);
  },
});

Deno.test({
  name: "hoist validate (offline, no agent config) accepts a ../ env_file with a warning",
  permissions: PURE,
  fn() {
    const s = service(
      read(blog(`${WEB}    env_file: [../../secrets/blog.env]\n`), {
        secrets: { decrypted: new Map(), vars: new Map(), offline: true },
      }),
      "blog",
    );
    assert.equal(s.status, "ready");
    assert.deepEqual(lines(s), [
      `warning: ${f}: ../../secrets/blog.env is read from the [secrets] host_dirs folder secrets at plan time: not checked offline`,
    ]);
  },
});
