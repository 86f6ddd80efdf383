/**
 * Secrets (issue 5) end to end through runCli: real git, the real quadlet generator, hoist's real
 * sops adapter spawning `sops` from PATH, which here is the TEST STAND-IN tests/support/sops (sops
 * cannot be installed on these machines; the contract it fakes is written once, in
 * lib/adapters/sops.ts). podman and systemd are the FAKE host of tests/support/fake_host.ts. What hoist refuses
 * (decryption failures, keys other than Container.Environment) is in secrets_failures_test.ts,
 * the leak test and plan masking in secrets_leak_test.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { show, skipWithoutQuadlet, withTempDir } from "./helpers.ts";
import { encryptForStandin } from "../support/sops_standin.ts";
import {
  APP_ENV,
  appliedHost,
  cacheFiles,
  copyDir,
  exists,
  generatorOutput,
  hashLabel,
  HOST,
  hostKey,
  IMAGE,
  KEY,
  keyedDigest,
  modeOf,
  repoFiles,
  SECRET,
  SECRET_ENV,
  secretHost,
  sha256Hex,
  startedUnits,
  stateDbText,
  webSecrets,
} from "./secrets_host.ts";

const ignore = skipWithoutQuadlet();

Deno.test({
  name:
    "manifest.sops.yml's values go to a 0600 .manifest-secrets.env in the copy; the 0644 unit only names it",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir);
      const units = await h.quadletFiles();
      const hash = hashLabel(units["gitops-web.container"]);
      const copy = `${h.stateDir}/services/web/${hash}`;
      assert.equal(
        units["gitops-web.container"],
        `[Container]
Label=gitops-service=web
Label=gitops-hash=${hash}
Image=${IMAGE}
Exec=sleep infinity
Environment=MODE=production
EnvironmentFile=${copy}/${SECRET_ENV}

[Install]
WantedBy=default.target
`,
        "no secret in the unit; EnvironmentFile= is the last line of [Container]",
      );
      assert.equal(await modeOf(`${h.quadletDir}/gitops-web.container`), 0o644);
      assert.equal(
        await Deno.readTextFile(`${copy}/${SECRET_ENV}`),
        `DB_PASSWORD=${SECRET.manifestEnv}\nAPI_KEY=${SECRET.manifestEnv2}\n`,
      );
      assert.equal(await modeOf(`${copy}/${SECRET_ENV}`), 0o600);
      assert.equal(await modeOf(copy), 0o700);
      const names = [];
      for await (const e of Deno.readDir(copy)) names.push(e.name);
      assert.deepEqual(names, [SECRET_ENV], "no ciphertext and no manifest in the copy");
      assert.deepEqual(h.fake.unit("gitops-web.service"), { load: "loaded", active: "active" });
      assert.ok(
        (await h.sopsCalls()).includes("--decrypt --input-type yaml --output-type yaml /dev/stdin"),
        "manifest.sops.yml is decrypted as yaml",
      );
      // what systemd generates from the unit: podman reads the values from the file itself
      const generated = await generatorOutput(h);
      assert.ok(generated.includes(` --env-file ${copy}/${SECRET_ENV} `), generated);
      assert.ok(generated.includes(" --env MODE=production "), generated);
      for (const value of Object.values(SECRET)) assert.ok(!generated.includes(value), value);
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
  name:
    "rotating db.sops.env restarts only api, naming db.sops.env; the old plaintext leaves the cache",
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
      assert.match(
        plan.out,
        /^~ restart gitops-api\.service \(api\): content changed: db\.sops\.env$/m,
      );
      assert.ok(!plan.out.includes(rotated), "the new value is not in the plan");
      const r = await h.run("apply");
      assert.equal(r.code, 0, show(r));
      assert.deepEqual(startedUnits(h), ["gitops-api.service"], "only api restarts");
      const after = await copyDir(h, "api");
      assert.notEqual(after, before, "a new immutable copy");
      assert.equal(await Deno.readTextFile(`${after}/db.env`), `DB_PASSWORD=${rotated}\n`);
      assert.equal(await modeOf(`${after}/db.env`), 0o600);
      const cached = Object.values(await cacheFiles(h));
      assert.ok(cached.includes(`DB_PASSWORD=${rotated}\n`), "the new plaintext is cached");
      assert.ok(
        !cached.some((text) => text.includes(SECRET.dbEnv)),
        "the rotated-out plaintext is gone from state_dir/secrets",
      );
    });
  },
});

Deno.test({
  name:
    "rotating manifest.sops.yml restarts only web, naming manifest.sops.yml; no value in plan or unit",
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
      assert.match(
        plan.out,
        /^~ restart gitops-web\.service \(web\): content changed: manifest\.sops\.yml$/m,
      );
      assert.match(plan.out, /^\+ copy 1 file to \S+\/services\/web\/[0-9a-f]{16} \(web\)/m);
      for (const value of [rotated, ...Object.values(SECRET)]) {
        assert.ok(!plan.out.includes(value), `${value} is not in the plan`);
      }
      const r = await h.run("apply");
      assert.equal(r.code, 0, show(r));
      assert.deepEqual(startedUnits(h), ["gitops-web.service"], "only web restarts");
      const unit = (await h.quadletFiles())["gitops-web.container"]!;
      assert.ok(!unit.includes(rotated) && !unit.includes(SECRET.manifestEnv));
      assert.equal(await modeOf(`${h.quadletDir}/gitops-web.container`), 0o644);
      const copy = await copyDir(h, "web");
      assert.match(unit, new RegExp(`^EnvironmentFile=${copy}/\\${SECRET_ENV}$`, "m"));
      assert.equal(
        await Deno.readTextFile(`${copy}/${SECRET_ENV}`),
        `DB_PASSWORD=${rotated}\nAPI_KEY=${SECRET.manifestEnv2}\n`,
      );
      const cached = Object.values(await cacheFiles(h)).join("\n");
      assert.ok(cached.includes(rotated), "the new plaintext is cached");
      assert.ok(!cached.includes(SECRET.manifestEnv), "the old plaintext is gone from the cache");
    });
  },
});

Deno.test({
  name: "plan and render show EnvironmentFile= and no value; render has no --show-secrets",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await secretHost(dir);
      const plan = await h.run("plan");
      assert.equal(plan.code, 0, show(plan));
      assert.match(plan.out, /^ {4}\+Environment=MODE=production$/m);
      assert.match(
        plan.out,
        /^ {4}\+EnvironmentFile=\S+\/services\/web\/[0-9a-f]{16}\/\.manifest-secrets\.env$/m,
      );
      assert.ok(!plan.out.includes("(sensitive)"), "nothing to mask: no unit holds a secret");
      for (const value of Object.values(SECRET)) {
        assert.ok(!plan.out.includes(value), `${value} is not in the plan`);
      }
      for (const service of ["web", "api", "worker"]) {
        const render = await h.run("render", service);
        assert.equal(render.code, 0, show(render));
        assert.match(
          render.out,
          new RegExp(`^# ${h.quadletDir}/gitops-${service}\\.container$`, "m"),
        );
        for (const value of Object.values(SECRET)) {
          assert.ok(!render.out.includes(value), `${value} is not in render ${service}`);
        }
      }
      const web = await h.run("render", "web");
      assert.match(web.out, /^EnvironmentFile=\S+\/\.manifest-secrets\.env$/m);
      const gone = await h.run("render", "web", "--show-secrets");
      assert.equal(gone.code, 64, show(gone));
      assert.match(gone.err, /unknown option '--show-secrets'/);
      assert.equal(gone.out, "");
    });
  },
});

Deno.test({
  name: "a no-op apply runs no sops (decryption cache) and 3 processes; the cache and key are 0600",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir);
      const key = await hostKey(h);
      assert.match(key, /^[0-9a-f]{64}$/, "32 random bytes, hex");
      const sopsBefore = (await h.sopsCalls()).length;
      assert.equal(sopsBefore, 3, "three encrypted files, each decrypted once");
      const r = await h.run("apply");
      assert.equal(r.code, 0, show(r));
      assert.match(r.out, /No changes\./);
      assert.equal((await h.sopsCalls()).length, sopsBefore, "no sops run");
      // the desired state comes from state_dir/desired-cache.json: no git archive
      assert.deepEqual(h.fake.commands(), [
        "podman ps",
        "git fetch",
        "systemctl list-units",
      ]);
      assert.deepEqual(h.fake.events, []);
      assert.equal(await hostKey(h), key, "the key is made once");
      const cache = `${h.stateDir}/secrets`;
      assert.equal(await modeOf(cache), 0o700);
      const files = Object.keys(await cacheFiles(h));
      assert.equal(files.length, 4, `three decrypted files and the key: ${files}`);
      assert.ok(files.includes("key"));
      for (const name of files) assert.equal(await modeOf(`${cache}/${name}`), 0o600, name);
    });
  },
});

Deno.test({
  name: "the state DB holds keyed digests of secret files, never their plain sha256",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir);
      const db = await stateDbText(h);
      const secretFiles: [string, string, string][] = [
        ["web", SECRET_ENV, "manifest.sops.yml"],
        ["api", "db.env", "db.sops.env"],
        ["api", ".env", ".env.sops"],
        ["worker", "app.env", "app.env"],
      ];
      for (const [service, name, source] of secretFiles) {
        const bytes = await Deno.readFile(`${await copyDir(h, service)}/${name}`);
        assert.ok(!db.includes(sha256Hex(bytes)), `plain sha256 of ${service}/${name} in state.db`);
        const keyed = await keyedDigest(h, bytes);
        assert.ok(
          db.includes(`"${source}":"${keyed}"`),
          `services.inputs records ${source} by its keyed digest`,
        );
      }
      for (const value of Object.values(SECRET)) assert.ok(!db.includes(value), value);
    });
  },
});

Deno.test({
  name: "the hash label of a service with secrets depends on the host's key, a plain one does not",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const a = await appliedHost(`${dir}/a`);
      const b = await appliedHost(`${dir}/b`);
      const c = await secretHost(`${dir}/c`);
      await Deno.mkdir(`${c.stateDir}/secrets`, { recursive: true, mode: 0o700 });
      await Deno.writeTextFile(`${c.stateDir}/secrets/key`, `${await hostKey(a)}\n`, {
        mode: 0o600,
      });
      assert.equal((await c.run("apply")).code, 0);
      const label = async (h: typeof a, service: string) =>
        hashLabel((await h.quadletFiles())[`gitops-${service}.container`]);
      assert.notEqual(await hostKey(a), await hostKey(b));
      for (const service of ["web", "api", "worker"]) {
        assert.notEqual(await label(a, service), await label(b, service), service);
        assert.equal(await label(a, service), await label(c, service), `${service}, same key`);
      }
      assert.equal(await label(a, "plain"), await label(b, "plain"));
    });
  },
});
