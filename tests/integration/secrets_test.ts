/**
 * Secrets (issue 5) end to end through runCli: real git, the real quadlet generator, hoist's real
 * sops adapter spawning `sops` from PATH, which here is the TEST STAND-IN tests/support/sops (sops
 * cannot be installed on these machines; the contract it fakes is written once, in
 * lib/adapters/sops.ts). podman and systemd are the FAKE host of helpers.ts. Decryption failures
 * are in secrets_failures_test.ts, the leak test in secrets_leak_test.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { show, skipWithoutQuadlet, withTempDir } from "./helpers.ts";
import { encryptForStandin } from "../support/sops_standin.ts";
import {
  APP_ENV,
  appliedHost,
  copyDir,
  exists,
  hashLabel,
  HOST,
  IMAGE,
  KEY,
  modeOf,
  repoFiles,
  SECRET,
  secretHost,
  startedUnits,
  webSecrets,
} from "./secrets_host.ts";

const ignore = skipWithoutQuadlet();

Deno.test({
  name:
    "manifest.sops.yml is merged after manifest.yml per section and key, into a unit written 0600",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir);
      const units = await h.quadletFiles();
      const hash = hashLabel(units["gitops-web.container"]);
      assert.equal(
        units["gitops-web.container"],
        `[Container]
Label=gitops-service=web
Label=gitops-hash=${hash}
Image=${IMAGE}
Exec=sleep infinity
Environment=MODE=production
# hoist: the next line holds a secret value
Environment=DB_PASSWORD=${SECRET.manifestEnv}
# hoist: the next line holds a secret value
Label=app.token=${SECRET.manifestLabel}

[Service]
# hoist: the next line holds a secret value
Environment=API_KEY=${SECRET.manifestSection}

[Install]
WantedBy=default.target
`,
        "decrypted values after the plain ones; a new key (Label) and section (Service) added",
      );
      assert.equal(await modeOf(`${h.quadletDir}/gitops-web.container`), 0o600);
      assert.equal(
        await modeOf(`${h.quadletDir}/gitops-plain.container`),
        0o644,
        "a unit without secrets stays 0644",
      );
      assert.deepEqual(h.fake.unit("gitops-web.service"), { load: "loaded", active: "active" });
      assert.ok(
        (await h.sopsCalls()).includes("--decrypt --input-type yaml --output-type yaml /dev/stdin"),
        "manifest.sops.yml is decrypted as yaml",
      );
    });
  },
});

Deno.test({
  name: "*.sops.env and .env.sops are decrypted into the copy as <name>.env, 0600 in a 0700 folder",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir);
      const copy = await copyDir(h, "api");
      assert.equal(await modeOf(copy), 0o700);
      assert.equal(await Deno.readTextFile(`${copy}/db.env`), `DB_PASSWORD=${SECRET.dbEnv}\n`);
      assert.equal(await Deno.readTextFile(`${copy}/.env`), `TOKEN=${SECRET.dotEnv}\n`);
      assert.equal(await modeOf(`${copy}/db.env`), 0o600);
      assert.equal(await modeOf(`${copy}/.env`), 0o600);
      const names = [];
      for await (const e of Deno.readDir(copy)) names.push(e.name);
      assert.deepEqual(names.sort(), [".env", "db.env"], "no ciphertext in the copy");
      const unit = (await h.quadletFiles())["gitops-api.container"]!;
      assert.match(unit, new RegExp(`^EnvironmentFile=${copy}/db\\.env$`, "m"));
      assert.match(unit, new RegExp(`^EnvironmentFile=${copy}/\\.env$`, "m"));
      assert.equal(
        await modeOf(`${h.quadletDir}/gitops-api.container`),
        0o644,
        "the unit only names the files",
      );
      const dotenv = (await h.sopsCalls()).filter((l) => l.includes("--input-type dotenv"));
      assert.deepEqual(dotenv, [
        "--decrypt --input-type dotenv --output-type dotenv /dev/stdin",
        "--decrypt --input-type dotenv --output-type dotenv /dev/stdin",
      ]);
    });
  },
});

Deno.test({
  name:
    "a plain .env gets ${VAR} and $VAR from <SERVICE>_<VAR>, then [secrets] env_files, then the host; 0600",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir);
      const copy = await copyDir(h, "worker");
      assert.equal(
        await Deno.readTextFile(`${copy}/app.env`),
        `# filled in by hoist; $NOT_A_VAR in a comment stays
DB_USER=alice
DB_PASSWORD=${SECRET.prefixed}
FROM_HOST=${SECRET.fromHost}
SHADOWED=from-env-file
PRICE=$5
`,
      );
      assert.equal(await modeOf(`${copy}/app.env`), 0o600);
      assert.equal(await modeOf(copy), 0o700);
    });
  },
});

Deno.test({
  name:
    "a missing variable names file, line and variable; that service is not deployed, the others are",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const files = repoFiles();
      files[`${HOST}/worker/app.env`] = `${APP_ENV}MISSING=\${HOIST_TEST_NEVER_SET}\n`;
      const h = await secretHost(dir, files);
      const r = await h.run("apply");
      assert.equal(r.code, 1, show(r));
      assert.match(
        r.out,
        /^error: gitops\/h1\/worker\/app\.env:7: variable HOIST_TEST_NEVER_SET is not set\n {2}hint: Set WORKER_HOIST_TEST_NEVER_SET or HOIST_TEST_NEVER_SET in hoist's environment or in a \[secrets\] env_files file$/m,
      );
      assert.match(r.out, /Left unchanged because of the errors above: worker\./);
      assert.deepEqual(Object.keys(await h.quadletFiles()), [
        "gitops-api.container",
        "gitops-plain.container",
        "gitops-web.container",
      ]);
      assert.deepEqual(startedUnits(h).sort(), [
        "gitops-api.service",
        "gitops-plain.service",
        "gitops-web.service",
      ]);
      assert.ok(!(await exists(`${h.stateDir}/services/worker`)), "no copy for worker");
    });
  },
});

Deno.test({
  name: "rotating an encrypted env file restarts only that service, naming the file",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir);
      const before = await copyDir(h, "api");
      const rotated = "p4ss-ROTATED-0a1b";
      await h.repo.commit({
        [`${HOST}/api/db.sops.env`]: encryptForStandin(`DB_PASSWORD=${rotated}\n`, KEY, "dotenv"),
      });
      const plan = await h.run("plan");
      assert.equal(plan.code, 0, show(plan));
      assert.match(plan.out, /^~ restart gitops-api\.service \(api\): content changed: db\.env$/m);
      assert.ok(!plan.out.includes(rotated), "the new value is not in the plan");
      const r = await h.run("apply");
      assert.equal(r.code, 0, show(r));
      assert.deepEqual(startedUnits(h), ["gitops-api.service"], "only api restarts");
      const after = await copyDir(h, "api");
      assert.notEqual(after, before, "a new immutable copy");
      assert.equal(await Deno.readTextFile(`${after}/db.env`), `DB_PASSWORD=${rotated}\n`);
      assert.equal(await modeOf(`${after}/db.env`), 0o600);
    });
  },
});

Deno.test({
  name: "rotating manifest.sops.yml restarts only web; plan and render mask the values",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir);
      const rotated = "s3cr3t-ROTATED-9e0d";
      await h.repo.commit({
        [`${HOST}/web/manifest.sops.yml`]: encryptForStandin(webSecrets(rotated), KEY, "yaml"),
      });
      const plan = await h.run("plan");
      assert.equal(plan.code, 0, show(plan));
      assert.match(plan.out, /^~ write gitops-web\.container \(web\): content changed$/m);
      assert.match(plan.out, /^~ restart gitops-web\.service \(web\): content changed: /m);
      for (const value of [rotated, ...Object.values(SECRET)]) {
        assert.ok(!plan.out.includes(value), `${value} is not in the plan`);
      }
      const r = await h.run("apply");
      assert.equal(r.code, 0, show(r));
      assert.deepEqual(startedUnits(h), ["gitops-web.service"], "only web restarts");
      const unit = (await h.quadletFiles())["gitops-web.container"]!;
      assert.match(unit, new RegExp(`^Environment=DB_PASSWORD=${rotated}$`, "m"));
      assert.equal(await modeOf(`${h.quadletDir}/gitops-web.container`), 0o600);
    });
  },
});

Deno.test({
  // BUG (lib/desired/read_service.ts, readService): a unit merged from manifest.yml and
  // manifest.sops.yml records its digest under "manifest.yml" only (inputs[d.source…]), so the
  // restart reason after rotating manifest.sops.yml reads "content changed: manifest.yml", a
  // file nobody changed. Un-ignore once the reason names manifest.sops.yml.
  name: "rotating manifest.sops.yml gives a restart reason naming manifest.sops.yml",
  ignore: true,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir);
      await h.repo.commit({
        [`${HOST}/web/manifest.sops.yml`]: encryptForStandin(webSecrets("new-1"), KEY, "yaml"),
      });
      const plan = await h.run("plan");
      assert.match(
        plan.out,
        /^~ restart gitops-web\.service \(web\): content changed: manifest\.sops\.yml$/m,
      );
    });
  },
});

Deno.test({
  name: "plan masks secret values as (sensitive) and keeps the keys visible",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await secretHost(dir);
      const plan = await h.run("plan");
      assert.equal(plan.code, 0, show(plan));
      assert.match(plan.out, /^ {4}\+Environment=MODE=production$/m);
      assert.match(plan.out, /^ {4}\+Environment=DB_PASSWORD=\(sensitive\)$/m);
      assert.match(plan.out, /^ {4}\+Label=app\.token=\(sensitive\)$/m);
      assert.match(plan.out, /^ {4}\+Environment=API_KEY=\(sensitive\)$/m);
      for (const value of Object.values(SECRET)) {
        assert.ok(!plan.out.includes(value), `${value} is not in the plan`);
      }
    });
  },
});

Deno.test({
  // BUG (lib/render/plan_text.ts, renderAction "write" → unifiedDiff): both sides are masked
  // BEFORE diffing, so a rotated secret line is identical on both sides ("DB_PASSWORD=(sensitive)")
  // and drops out of the diff: the plan shows only the gitops-hash label changing, and a reviewer
  // cannot see which secret changed. Un-ignore once the diff is taken on the real texts and its
  // lines masked afterwards (by line number: a '-' line is masked when the line before it in
  // `previous` is SENSITIVE_MARK, a '+' line when the line before it in `content` is).
  name: "after a rotation the diff shows the secret line changing, masked on both sides",
  ignore: true,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir);
      await h.repo.commit({
        [`${HOST}/web/manifest.sops.yml`]: encryptForStandin(webSecrets("new-2"), KEY, "yaml"),
      });
      const plan = await h.run("plan");
      assert.equal(plan.code, 0, show(plan));
      assert.match(plan.out, /^ {4}-Environment=DB_PASSWORD=\(sensitive\)$/m);
      assert.match(plan.out, /^ {4}\+Environment=DB_PASSWORD=\(sensitive\)$/m);
      assert.ok(!plan.out.includes("new-2") && !plan.out.includes(SECRET.manifestEnv));
    });
  },
});

Deno.test({
  name: "render SERVICE masks secret values unless given --show-secrets",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await secretHost(dir);
      const masked = await h.run("render", "web");
      assert.equal(masked.code, 0, show(masked));
      assert.match(masked.out, /^Environment=DB_PASSWORD=\(sensitive\)$/m);
      assert.match(masked.out, /^Label=app\.token=\(sensitive\)$/m);
      assert.match(masked.out, /^Environment=API_KEY=\(sensitive\)$/m);
      assert.match(masked.out, /^Environment=MODE=production$/m);
      for (const value of Object.values(SECRET)) assert.ok(!masked.out.includes(value), value);
      const shown = await h.run("render", "web", "--show-secrets");
      assert.equal(shown.code, 0, show(shown));
      assert.match(shown.out, new RegExp(`^Environment=DB_PASSWORD=${SECRET.manifestEnv}$`, "m"));
      assert.match(shown.out, new RegExp(`^Label=app\\.token=${SECRET.manifestLabel}$`, "m"));
      assert.match(shown.out, new RegExp(`^Environment=API_KEY=${SECRET.manifestSection}$`, "m"));
    });
  },
});

Deno.test({
  name: "a no-op apply after a successful one runs no sops (decryption cache) and 4 processes",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir);
      const sopsBefore = (await h.sopsCalls()).length;
      assert.equal(sopsBefore, 3, "three encrypted files, each decrypted once");
      const r = await h.run("apply");
      assert.equal(r.code, 0, show(r));
      assert.match(r.out, /No changes\./);
      assert.equal((await h.sopsCalls()).length, sopsBefore, "no sops run");
      assert.ok(!h.fake.commands().some((c) => c.startsWith("sops")));
      assert.deepEqual(h.fake.commands(), [
        "git fetch",
        "git archive",
        "podman ps",
        "systemctl show",
      ]);
      assert.deepEqual(h.fake.events, []);
      const cache = `${h.stateDir}/secrets`;
      assert.equal(await modeOf(cache), 0o700);
      for await (const e of Deno.readDir(cache)) {
        assert.equal(await modeOf(`${cache}/${e.name}`), 0o600, e.name);
      }
    });
  },
});

Deno.test({
  // BUG (lib/desired/read_service.ts, readService → `inputs[f.path] = f.digest`, stored by
  // lib/state/store.ts in services.inputs of the 0644 state.db): the digest of a decrypted or
  // filled-in env file is the plain sha256 of its plaintext, e.g. sha256("DB_PASSWORD=hunter2\n"),
  // so anyone who can read state.db can confirm guesses of a weak secret offline. Un-ignore once
  // secret files are digested with a host-local key (HMAC-SHA256 with a random key kept 0600 under
  // state_dir/secrets) or by their ciphertext.
  name: "the state DB holds no unkeyed digest of a secret file",
  ignore: true,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir);
      const db = new TextDecoder().decode(await Deno.readFile(`${h.stateDir}/state.db`));
      for (const [service, name] of [["api", "db.env"], ["api", ".env"], ["worker", "app.env"]]) {
        const bytes = await Deno.readFile(`${await copyDir(h, service!)}/${name}`);
        const digest = createHash("sha256").update(bytes).digest("hex");
        assert.ok(!db.includes(digest), `sha256 of ${service}/${name} is in state.db`);
      }
    });
  },
});
