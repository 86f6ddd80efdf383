import assert from "node:assert/strict";
import { parseConfig } from "../../lib/config/load_config.ts";
import { compileTemplate, DEFAULT_ON } from "../../lib/config/notify_config.ts";
import { HoistError } from "../../lib/errors.ts";

const FILE = "/etc/hoist/config.toml";
const CTX = { hostname: "h1", uid: 0, home: "/root", env: {} };
const HEAD = `[source]\nurl = "/srv/gitops.git"\n`;
const parse = (toml: string) => parseConfig(HEAD + toml, FILE, CTX);

function errorOf(toml: string): string {
  try {
    parse(toml);
  } catch (e) {
    assert.ok(e instanceof HoistError, String(e));
    assert.equal(e.code, "config-invalid");
    return e.message;
  }
  throw new Error("no error");
}

Deno.test({
  name: "[[notify]]: each type with its defaults (name, on, window, port, templates)",
  permissions: "none",
  fn() {
    const c = parse(`
[[notify]]
type = "webhook"
url = "https://hooks.example.org/hoist"
secret_file = "/etc/hoist/notify.secret"
on = ["failed", "rolled-back", "refused"]
services = ["web"]
window = "10m"

[[notify]]
type = "ntfy"
url = "https://ntfy.sh"
topic = "hoist-h1"
token_file = "/etc/hoist/ntfy.token"

[[notify]]
type = "email"
host = "smtp.example.org"
starttls = true
user = "hoist"
password_file = "/etc/hoist/smtp.password"
from = "hoist@example.org"
to = ["ops@example.org"]

[[notify]]
type = "email"
name = "pager"
host = "mx.example.org"
tls = true
from = "hoist@example.org"
to = ["pager@example.org"]
`);
    assert.deepEqual(
      c.notify.map((s) => [s.name, s.type, s.windowMs, s.on.join(","), s.place]),
      [
        ["webhook", "webhook", 600_000, "failed,rolled-back,refused", `${FILE}:4`],
        ["ntfy", "ntfy", 1_800_000, DEFAULT_ON.join(","), `${FILE}:12`],
        ["email-1", "email", 1_800_000, DEFAULT_ON.join(","), `${FILE}:18`],
        ["pager", "email", 1_800_000, DEFAULT_ON.join(","), `${FILE}:27`],
      ],
    );
    const [hook, ntfy, mail, pager] = c.notify;
    assert.ok(hook?.type === "webhook" && hook.secretFile === "/etc/hoist/notify.secret");
    assert.deepEqual(hook.services, ["web"]);
    assert.deepEqual(hook.keyPlaces, { secret_file: `${FILE}:7` });
    assert.ok(ntfy?.type === "ntfy" && ntfy.topic === "hoist-h1");
    assert.ok(mail?.type === "email" && mail.port === 587 && mail.security === "starttls");
    assert.ok(pager?.type === "email" && pager.port === 465 && pager.security === "tls");
    assert.ok(!DEFAULT_ON.includes("deployed"), "deployed is not sent unless asked for");
    assert.deepEqual(hook.templates.failed.title, [
      { field: "host" },
      ": ",
      { field: "service" },
      " failed",
    ]);
    assert.equal(parse("").notify.length, 0, "no [[notify]]: no sinks");
  },
});

Deno.test({
  name: "[[notify]] templates compile at load, per kind, with defaults for the rest",
  permissions: "none",
  fn() {
    const c = parse(`
[[notify]]
type = "ntfy"
url = "http://127.0.0.1:8080"
topic = "t"
[notify.templates.failed]
title = "{{hoist}} {service} on {host}"
`);
    const t = c.notify[0]!.templates;
    assert.deepEqual(t.failed.title, ["{hoist} ", { field: "service" }, " on ", { field: "host" }]);
    assert.deepEqual(t.failed.body, [{ field: "summary" }], "the body keeps its default");
    assert.deepEqual(t.recovered.title, [{ field: "host" }, ": recovered"]);
  },
});

/** Bad input: each error names file:line and the key, and says what is wrong. */
const BAD: readonly { name: string; toml: string; says: readonly string[] }[] = [
  {
    name: "an unknown type",
    toml: `[[notify]]\ntype = "slack"\nurl = "https://x"\n`,
    says: [`${FILE}:4: notify.0.type:`, "webhook"],
  },
  {
    name: "a URL that is not http(s)",
    toml: `[[notify]]\ntype = "webhook"\nurl = "ftp://x.example.org/"\n`,
    says: [`${FILE}:5: notify.0.url: must be an http:// or https:// URL`],
  },
  {
    name: "a URL with credentials",
    toml: `[[notify]]\ntype = "gotify"\nurl = "https://me:pw@gotify.example.org"\n`,
    says: [`${FILE}:5: notify.0.url:`, "without credentials"],
  },
  {
    name: "an SMTP port out of range",
    toml:
      `[[notify]]\ntype = "email"\nhost = "smtp"\nport = 70000\nfrom = "a@b.c"\nto = ["d@e.f"]\n`,
    says: [`${FILE}:6: notify.0.port: must be a port (1-65535)`],
  },
  {
    name: "a template naming an unknown field",
    toml:
      `[[notify]]\ntype = "ntfy"\nurl = "https://ntfy.sh"\ntopic = "t"\n\n[notify.templates.failed]\nbody = "{summary} by {author}"\n`,
    says: [`${FILE}:9: notify[0].templates.failed.body: unknown field {author}; known: {host}`],
  },
  {
    name: "a template with an unclosed brace, in the second sink",
    toml:
      `[[notify]]\ntype = "ntfy"\nurl = "https://ntfy.sh"\ntopic = "t"\n[[notify]]\ntype = "webhook"\nurl = "https://h"\ntemplates = { refused = { title = "{source" } }\n`,
    says: [`${FILE}:10: notify[1].templates.refused.title: "{" at character 1 is not closed`],
  },
  {
    name: "an unknown event kind in on",
    toml: `[[notify]]\ntype = "webhook"\nurl = "https://h"\non = ["failed", "exploded"]\n`,
    says: [`${FILE}:6: notify.0.on.1:`],
  },
  {
    name: "an unknown key",
    toml: `[[notify]]\ntype = "webhook"\nurl = "https://h"\ntoken = "abc"\n`,
    says: [`${FILE}:6: unknown key "notify.0.token"`],
  },
  {
    name: "a key of another type",
    toml: `[[notify]]\ntype = "webhook"\nurl = "https://h"\ntopic = "t"\n`,
    says: [`${FILE}:6: notify[0].topic: not a key of type = "webhook"`],
  },
  {
    name: "a missing key of the type",
    toml: `[[notify]]\ntype = "ntfy"\nurl = "https://ntfy.sh"\n`,
    says: [`${FILE}:3: notify[0].topic: required for type = "ntfy"`],
  },
  {
    name: "a gotify sink without its token file",
    toml: `[[notify]]\ntype = "gotify"\nurl = "https://g"\n`,
    says: [`${FILE}:3: notify[0].token_file: required`],
  },
  {
    name: "an SMTP password without TLS",
    toml:
      `[[notify]]\ntype = "email"\nhost = "smtp"\nuser = "u"\npassword_file = "/p"\nfrom = "a@b.c"\nto = ["d@e.f"]\n`,
    says: [`${FILE}:7: notify[0].password_file: the password would cross the network unencrypted`],
  },
  {
    name: "both tls and starttls",
    toml:
      `[[notify]]\ntype = "email"\nhost = "smtp"\ntls = true\nstarttls = true\nfrom = "a@b.c"\nto = ["d@e.f"]\n`,
    says: [`${FILE}:7: notify[0].starttls: set tls (implicit TLS) or starttls, not both`],
  },
  {
    name: "a relative token file",
    toml: `[[notify]]\ntype = "gotify"\nurl = "https://g"\ntoken_file = "gotify.token"\n`,
    says: [`${FILE}:6: notify.0.token_file: must be an absolute path`],
  },
  {
    name: "a window that is not a duration",
    toml: `[[notify]]\ntype = "webhook"\nurl = "https://h"\nwindow = "soon"\n`,
    says: [`${FILE}:6: notify.0.window: must be a duration`],
  },
  {
    name: "two sinks of one name",
    toml:
      `[[notify]]\ntype = "webhook"\nname = "x"\nurl = "https://h"\n[[notify]]\ntype = "webhook"\nname = "x"\nurl = "https://i"\n`,
    says: [`${FILE}:9: two [[notify]] sinks are named "x"`],
  },
];

for (const row of BAD) {
  Deno.test({
    name: `[[notify]] refuses ${row.name} at load, naming key and line`,
    permissions: "none",
    fn() {
      const message = errorOf(row.toml);
      for (const s of row.says) assert.ok(message.includes(s), `${message}\n  should say: ${s}`);
    },
  });
}

Deno.test({
  name: "compileTemplate(): fields, literal braces, and why it refuses",
  permissions: "none",
  fn() {
    const rows: [string, unknown][] = [
      ["{service} failed", { ok: true, parts: [{ field: "service" }, " failed"] }],
      ["{{x}} {rev}", { ok: true, parts: ["{x} ", { field: "rev" }] }],
      ["", { ok: true, parts: [] }],
      ["a } b", { ok: false, reason: 'a lone "}" at character 3 (write "}}" for a brace)' }],
    ];
    for (const [text, want] of rows) assert.deepEqual(compileTemplate(text), want);
    const empty = compileTemplate("{}");
    assert.ok(!empty.ok && empty.reason.startsWith("unknown field {}"));
  },
});
