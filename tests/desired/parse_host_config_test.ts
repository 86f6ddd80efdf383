import assert from "node:assert/strict";
import { parseHostConfig, SERVICE_NAME } from "../../lib/desired/parse_host_config.ts";
import { SEED_CONFIG } from "./helpers.ts";
import { PURE } from "../support/pure.ts";

Deno.test({
  name: "parseHostConfig() reads the seed's services with their lines and the pre script",
  permissions: PURE,
  fn() {
    const { config, problems } = parseHostConfig(SEED_CONFIG, "gitops/hostname_a/config.yml");
    assert.deepEqual(problems, []);
    assert.deepEqual(config, {
      services: [{ name: "service_a", line: 5 }, { name: "service_b", line: 6 }],
      pre: "mkdir -p /var/mnt/volumes/caddy\n",
    });
  },
});

Deno.test({
  name: "parseHostConfig() accepts null and {} service values and a post script",
  permissions: PURE,
  fn() {
    const { config, problems } = parseHostConfig(
      "services:\n  a:\n  b: {}\n  c: ~\npost:\n  script: systemctl --user restart x\n",
      "c.yml",
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(config?.services.map((s) => s.name), ["a", "b", "c"]);
    assert.equal(config?.post, "systemctl --user restart x");
    assert.equal(config?.pre, undefined);
  },
});

Deno.test({
  name: "parseHostConfig() names each unknown key and bad service name with its line",
  permissions: PURE,
  fn() {
    const { config, problems } = parseHostConfig(
      "services:\n  good: {}\n  -bad: {}\n  also/bad: {}\nhost: x\n",
      "c.yml",
    );
    assert.equal(config, undefined);
    assert.deepEqual(problems.map((p) => [p.file, p.line, p.message]), [
      ["c.yml", 3, 'invalid service name "-bad"'],
      ["c.yml", 4, 'invalid service name "also/bad"'],
      ["c.yml", 5, 'unknown key "host"'],
    ]);
  },
});

Deno.test({
  name: "SERVICE_NAME accepts plain names and refuses paths, spaces and overlong names",
  permissions: PURE,
  fn() {
    for (const ok of ["a", "service_a", "web-1", "a.b", "A9", "x".repeat(63)]) {
      assert.ok(SERVICE_NAME.test(ok), ok);
    }
    for (
      const bad of ["", "../x", "a/b", "a b", ".hidden", "-x", "_x", "a\nb", "x".repeat(64), "é"]
    ) {
      assert.ok(!SERVICE_NAME.test(bad), JSON.stringify(bad));
    }
  },
});
