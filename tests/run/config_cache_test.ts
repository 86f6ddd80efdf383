/**
 * The parsed-config cache (lib/run/config_cache.ts), over in-memory files and the real parser: a
 * config parsed once is not parsed again while every input of its key is unchanged; each input
 * changed makes a parse (a variable the parse never read does not); a stored file of another
 * format, a broken one or one found elsewhere is not used; errors come from the parser as before.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type Config, type ConfigContext, parseConfig } from "../../lib/config/load_config.ts";
import { cachedConfig, CONFIG_CACHE, stateDirNamed } from "../../lib/run/config_cache.ts";
import { HoistError } from "../../lib/errors.ts";

const FILE = "/etc/hoist/config.toml";
const TEXT = 'host = "pi"\nstate_dir = "/srv/hoist"\n[source]\nurl = "/srv/repo"\n';
const CTX: ConfigContext = {
  hostname: "pi",
  uid: 0,
  home: "/root",
  env: { XDG_STATE_HOME: "/root/.state", INVOCATION_ID: "1" },
};

/** In-memory files, and a parser that counts its calls. */
function host() {
  const files = new Map<string, string>();
  let parses = 0;
  return {
    files,
    parses: () => parses,
    read: (path: string) => Promise.resolve(files.get(path)),
    write: (path: string, text: string) => {
      files.set(path, text);
      return Promise.resolve();
    },
    parse: (text: string, file: string, ctx: ConfigContext): Promise<Config> => {
      parses++;
      return Promise.resolve(parseConfig(text, file, ctx));
    },
  };
}

Deno.test("cachedConfig() parses a config once and then answers from state_dir without parsing", async () => {
  const h = host();
  const first = await cachedConfig(h.read, FILE, TEXT, CTX, h.parse);
  assert.equal(first.hit, false);
  await first.keep(h.write);
  assert.deepEqual([...h.files.keys()], [`/srv/hoist/${CONFIG_CACHE}`]);
  const second = await cachedConfig(h.read, FILE, TEXT, CTX, h.parse);
  assert.equal(second.hit, true);
  assert.equal(h.parses(), 1);
  assert.deepEqual(second.config, first.config);
  h.files.clear();
  await second.keep(h.write);
  assert.equal(h.files.size, 0, "a hit writes nothing");
});

Deno.test("cachedConfig() parses again when an input of the parse changed, not for another variable", async () => {
  const user: ConfigContext = { ...CTX, uid: 1000, home: "/home/pi" };
  const noDir = 'host = "pi"\n[source]\nurl = "/srv/repo"\n';
  const cases: Array<
    [string, string, string, ConfigContext, string, string, ConfigContext, boolean]
  > = [
    ["same everything", TEXT, FILE, CTX, TEXT, FILE, CTX, true],
    ["a variable never read changed", TEXT, FILE, CTX, TEXT, FILE, {
      ...CTX,
      env: { ...CTX.env, INVOCATION_ID: "2" },
    }, true],
    ["the text changed", TEXT, FILE, CTX, TEXT.replace('"pi"', '"pj"'), FILE, CTX, false],
    ["the path changed", TEXT, FILE, CTX, TEXT, "/etc/hoist/other.toml", CTX, false],
    ["the host name changed", noDir, FILE, CTX, noDir, FILE, { ...CTX, hostname: "pj" }, false],
    ["the home changed", noDir, FILE, user, noDir, FILE, { ...user, home: "/home/pj" }, false],
    ["a variable it read changed (XDG_STATE_HOME)", noDir, FILE, user, noDir, FILE, {
      ...user,
      env: { ...user.env, XDG_STATE_HOME: "/home/pi/.st" },
    }, false],
  ];
  for (const [name, text1, file1, ctx1, text2, file2, ctx2, hit] of cases) {
    const h = host();
    await (await cachedConfig(h.read, file1, text1, ctx1, h.parse)).keep(h.write);
    const again = await cachedConfig(h.read, file2, text2, ctx2, h.parse);
    assert.equal(again.hit, hit, name);
    assert.equal(h.parses(), hit ? 1 : 2, name);
    assert.deepEqual(again.config, parseConfig(text2, file2, ctx2), name);
  }
});

Deno.test("cachedConfig() ignores a cache file that is broken, of another format or made for another folder", async () => {
  const valid = host();
  await (await cachedConfig(valid.read, FILE, TEXT, CTX, valid.parse)).keep(valid.write);
  const stored = JSON.parse(valid.files.get(`/srv/hoist/${CONFIG_CACHE}`)!);
  const moved = TEXT.replace("/srv/hoist", "/srv/other");
  const cases: Array<[string, string, string]> = [
    ["not JSON", "{", TEXT],
    ["another format", JSON.stringify({ ...stored, format: 0 }), TEXT],
    ["another key", JSON.stringify({ ...stored, key: "0".repeat(64) }), TEXT],
    ["no config in it", JSON.stringify({ ...stored, config: null }), TEXT],
  ];
  for (const [name, file, text] of cases) {
    const h = host();
    h.files.set(`/srv/hoist/${CONFIG_CACHE}`, file);
    const got = await cachedConfig(h.read, FILE, text, CTX, h.parse);
    assert.equal(got.hit, false, name);
    assert.equal(h.parses(), 1, name);
  }
  // the entry of the /srv/hoist config copied to where the /srv/other config looks: its key
  // (another text) does not match
  const h = host();
  h.files.set(`/srv/other/${CONFIG_CACHE}`, JSON.stringify(stored));
  assert.equal((await cachedConfig(h.read, FILE, moved, CTX, h.parse)).hit, false);
});

Deno.test("cachedConfig() throws the parser's error for an invalid config and keeps nothing", async () => {
  const h = host();
  await assert.rejects(
    () => cachedConfig(h.read, FILE, 'host = 1\n[source]\nurl = "/r"\n', CTX, h.parse),
    (e) => e instanceof HoistError && e.code === "config-invalid",
  );
  assert.equal(h.files.size, 0);
});

Deno.test({
  name: "stateDirNamed() finds a top-level state_dir without a parser, else this uid's default",
  permissions: "none",
  fn() {
    const user: ConfigContext = { hostname: "pi", uid: 1000, home: "/home/pi", env: {} };
    const cases: Array<[string, ConfigContext, string]> = [
      ['state_dir = "/srv/hoist"\n', CTX, "/srv/hoist"],
      ["state_dir='/srv/lit' # literal\n", CTX, "/srv/lit"],
      ['host = "pi"\n  state_dir = "/srv/indented"\n[source]\n', CTX, "/srv/indented"],
      ['[source]\nstate_dir = "/not/top"\n', CTX, "/var/lib/hoist"],
      ["", CTX, "/var/lib/hoist"],
      ["", user, "/home/pi/.local/state/hoist"],
      ["", { ...user, env: { XDG_STATE_HOME: "/x" } }, "/x/hoist"],
    ];
    for (const [text, ctx, want] of cases) assert.equal(stateDirNamed(text, ctx), want, text);
  },
});

Deno.test("cachedConfig() keeps a key written inline in [secrets] env out of its file, and none it could not find", async () => {
  const cases: [string, string, boolean][] = [
    [
      "a key file's path is no secret: kept",
      `${TEXT}[secrets]\nenv = { SOPS_AGE_KEY_FILE = "/etc/hoist/age.key" }\n`,
      true,
    ],
    [
      "an inline age key: kept by its place in the text",
      `${TEXT}[secrets]\nenv = { SOPS_AGE_KEY = "AGE-SECRET-KEY-1QQQ" }\n`,
      true,
    ],
    [
      "a literal string, next to a path: kept",
      `${TEXT}[secrets]\nenv = { PATH = "/bin", GNUPGHOME = 'gpg', SOPS_AGE_KEY = 'AGE-SECRET-KEY-2' }\n`,
      true,
    ],
    ["an empty value: kept", `${TEXT}[secrets]\nenv = { SOPS_AGE_KEY = "" }\n`, true],
    [
      "a key written with an escape: not in the text as it is, not kept",
      `${TEXT}[secrets]\nenv = { SOPS_AGE_KEY = "AGE-SECRET-KEY-\\u0031QQ" }\n`,
      false,
    ],
    // an escape in state_dir: the text names no folder hoist finds without a parser
    [
      "a state_dir the text names otherwise: not kept",
      TEXT.replace('"/srv/hoist"', '"/srv/ho\\u0069st"'),
      false,
    ],
  ];
  for (const [name, text, kept] of cases) {
    const h = host();
    const first = await cachedConfig(h.read, FILE, text, CTX, h.parse);
    await first.keep(h.write);
    assert.equal(h.files.size, kept ? 1 : 0, name);
    for (const t of h.files.values()) assert.ok(!t.includes("AGE-SECRET-KEY"), name);
    const second = await cachedConfig(h.read, FILE, text, CTX, h.parse);
    assert.equal(second.hit, kept, name);
    assert.deepEqual(second.config, first.config, name);
  }
});

Deno.test("cachedConfig() parses again when a stored entry's secret positions are malformed", async () => {
  const text = `${TEXT}[secrets]\nenv = { SOPS_AGE_KEY = "AGE-SECRET-KEY-1QQQ" }\n`;
  const bad: unknown[] = [null, [], { SOPS_AGE_KEY: [1] }, { SOPS_AGE_KEY: [-1, 2] }, {
    SOPS_AGE_KEY: ["1", 2],
  }, "x"];
  for (const secretsAt of bad) {
    const h = host();
    await (await cachedConfig(h.read, FILE, text, CTX, h.parse)).keep(h.write);
    const [path, stored] = [...h.files][0]!;
    h.files.set(path, JSON.stringify({ ...JSON.parse(stored), secretsAt }));
    const again = await cachedConfig(h.read, FILE, text, CTX, h.parse);
    assert.equal(again.hit, false, JSON.stringify(secretsAt));
    assert.equal(again.config.secrets.env.SOPS_AGE_KEY, "AGE-SECRET-KEY-1QQQ");
  }
});
