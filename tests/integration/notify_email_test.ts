/**
 * Notifications by mail through nodemailer to a real SMTP server on 127.0.0.1 (Debian's
 * python3-aiosmtpd, started here, with a throwaway self-signed certificate): STARTTLS and implicit
 * TLS, AUTH with the password from a file, the certificate checked against ca_file; a refused
 * login is final, and the password appears in no message, report or state file.
 */
import assert from "node:assert/strict";
import { type Config, parseConfig } from "../../lib/config/load_config.ts";
import { buildDeps } from "../../lib/deps.ts";
import { type NotifyDeps, notifyDeps, notifyRun } from "../../lib/notify/notify_run.ts";
import { applied } from "../notify/fixtures.ts";
import { smtpMissing, smtpReceiver } from "../notify/receivers.ts";
import { skipUnless, withTempDir } from "./helpers.ts";

const BROKEN_WEB = { "web/manifest.yml": "Container:\n  Image: [a, b]\n" };
const NOW = new Date("2026-12-01T02:10:00Z");
const PASSWORD = "smtp-pass-never-shown-42";
const ignore = skipUnless(await smtpMissing());

async function setUp(dir: string, mail: string): Promise<{ config: Config; nd: NotifyDeps }> {
  await Deno.writeTextFile(`${dir}/smtp.password`, `${PASSWORD}\n`);
  await Deno.mkdir(`${dir}/state`);
  const text =
    `host = "h1"\nmode = "user"\nstate_dir = "${dir}/state"\n[source]\nurl = "/srv/g.git"\n` +
    `[[notify]]\ntype = "email"\nhost = "127.0.0.1"\nuser = "hoist"\n` +
    `password_file = "${dir}/smtp.password"\nfrom = "hoist@h1.example.org"\n` +
    `to = ["ops@example.org", "dev@example.org"]\n${mail}`;
  const config = parseConfig(text, `${dir}/config.toml`, {
    hostname: "h1",
    uid: 1000,
    home: dir,
    env: {},
  });
  const deps = await buildDeps(config);
  return { config, nd: { ...notifyDeps(deps, config), timeoutMs: 5000, backoffMs: 20 } };
}

for (const mode of ["starttls", "tls"] as const) {
  Deno.test({
    name: `email over ${
      mode === "tls" ? "implicit TLS" : "STARTTLS"
    } with AUTH reaches a real SMTP server`,
    ignore,
    async fn() {
      await withTempDir(async (dir) => {
        const smtp = await smtpReceiver(dir, { mode, user: "hoist", password: PASSWORD });
        try {
          const { config, nd } = await setUp(
            dir,
            `port = ${smtp.port}\n${mode} = true\nca_file = "${smtp.certFile}"\n`,
          );
          const report = await notifyRun(nd, config, applied({ files: BROKEN_WEB }), NOW);
          assert.deepEqual(
            report.deliveries.map((d) => [d.kind, d.result, d.error]),
            [["failed", "sent", undefined]],
          );
          assert.equal(smtp.mails.length, 1);
          const m = smtp.mails[0]!;
          assert.equal(m.from, "hoist@h1.example.org");
          assert.deepEqual(m.to, ["ops@example.org", "dev@example.org"]);
          assert.equal(m.tls, true, "sent over TLS");
          assert.equal(m.user, "hoist", "authenticated");
          assert.match(m.data, /^Subject: h1: web failed\r?$/m);
          assert.match(m.data, /^X-Hoist-Event: failed\r?$/m);
          assert.match(m.data, /blocked: gitops\/h1\/web\/manifest\.yml:2: Container\.Image/);
          const db = new TextDecoder().decode(await Deno.readFile(`${dir}/state/notify.db`));
          for (const text of [m.data, JSON.stringify(report), db]) {
            assert.ok(!text.includes(PASSWORD), "the password is nowhere");
          }
        } finally {
          await smtp.stop();
        }
      });
    },
  });
}

Deno.test({
  name: "email: a refused login is final (one attempt) and reported with the server's answer",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const smtp = await smtpReceiver(dir, { mode: "starttls", user: "hoist", password: "other" });
      try {
        const { config, nd } = await setUp(
          dir,
          `port = ${smtp.port}\nstarttls = true\nca_file = "${smtp.certFile}"\n`,
        );
        const report = await notifyRun(nd, config, applied({ files: BROKEN_WEB }), NOW);
        const d = report.deliveries[0];
        assert.equal(d?.result, "failed");
        assert.equal(d?.attempts, 1);
        assert.match(d?.error ?? "", /^smtp EAUTH: .*535/);
        assert.ok(!(d?.error ?? "").includes(PASSWORD));
        assert.equal(smtp.mails.length, 0);
      } finally {
        await smtp.stop();
      }
    });
  },
});

Deno.test({
  name: "email: a certificate no CA vouches for is refused for good (no ca_file): nothing is sent",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const smtp = await smtpReceiver(dir, { mode: "tls", user: "hoist", password: PASSWORD });
      try {
        const { config, nd } = await setUp(dir, `port = ${smtp.port}\ntls = true\n`);
        const report = await notifyRun(nd, config, applied({ files: BROKEN_WEB }), NOW);
        const d = report.deliveries[0];
        assert.deepEqual([d?.result, d?.attempts], ["failed", 1], "a certificate is not retried");
        assert.equal(d?.error, "smtp ESOCKET: self-signed certificate");
        assert.equal(smtp.mails.length, 0);
      } finally {
        await smtp.stop();
      }
    });
  },
});
