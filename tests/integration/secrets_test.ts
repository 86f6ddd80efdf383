/**
 * Secrets (issue 5) end to end through runCli: real git, the real quadlet generator, hoist's real
 * sops adapter spawning `sops` from PATH, which here is the TEST STAND-IN tests/support/sops (sops
 * cannot be installed on these machines; the contract it fakes is written once, in
 * lib/adapters/sops.ts). podman and systemd are the FAKE host of helpers.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import {
  makeHost,
  type RepoFiles,
  show,
  skipWithoutQuadlet,
  type TestHost,
  withTempDir,
  writeConfig,
} from "./helpers.ts";
import {
  encryptForStandin,
  sopsOnPath,
  STANDIN_SOPS,
  withStandinOnPath,
} from "../support/sops_standin.ts";

const ignore = skipWithoutQuadlet();

const HOST = "gitops/h1";

/** The age identity in the host's key file, and one the host does not have. */
const KEY = "AGE-SECRET-KEY-1STANDIN0HOST0H1";
const OTHER_KEY = "AGE-SECRET-KEY-1STANDIN0SOMEONE0ELSE";

/** Distinctive secret values, to grep every output channel for. */
const SECRET = {
  manifestEnv: "s3cr3t-VALUE-7f2a",
  manifestLabel: "tok-9c41-LABEL",
  manifestSection: "k3y-SERVICE-51d0",
  dbEnv: "p4ss-DBENV-3e9b",
  dotEnv: "t0k-DOTENV-88aa",
  prefixed: "w0rk-PREFIXED-c3d1",
  /** In the env_files file, overridden for worker by WORKER_DB_PASSWORD. */
  generic: "g3neric-LOSES-5b7e",
  fromHost: "h0st-ENV-2d6c",
} as const;

/** Host environment variables the worker's app.env uses (set around each CLI run). */
const HOST_VAR = "HOIST_SECRETS_TEST_FROM_HOST";
/** Set on the host and in the env_files file, which wins. */
const SHADOWED_VAR = "HOIST_SECRETS_TEST_SHADOWED";

const IMAGE = "docker.io/library/busybox:1.36";

const webSecrets = (password: string = SECRET.manifestEnv) =>
  `Container:
  Environment:
    - DB_PASSWORD=${password}
  Label:
    - app.token=${SECRET.manifestLabel}
Service:
  Environment:
    - API_KEY=${SECRET.manifestSection}
`;

const APP_ENV = `# filled in by hoist; $NOT_A_VAR in a comment stays
DB_USER=\${DB_USER}
DB_PASSWORD=$DB_PASSWORD
FROM_HOST=\${${HOST_VAR}}
SHADOWED=\${${SHADOWED_VAR}}
PRICE=$$5
`;

/**
 * Four services: web (manifest.yml + manifest.sops.yml), api (db.sops.env and .env.sops), worker
 * (a plain app.env with variables) and plain (no secrets at all).
 */
function repoFiles(): RepoFiles {
  return {
    [`${HOST}/config.yml`]: "services:\n  web: {}\n  api: {}\n  worker: {}\n  plain: {}\n",
    [`${HOST}/web/manifest.yml`]: `Container:
  Image: ${IMAGE}
  Exec: sleep infinity
  Environment:
    - MODE=production
`,
    [`${HOST}/web/manifest.sops.yml`]: encryptForStandin(webSecrets(), KEY, "yaml"),
    [`${HOST}/api/manifest.yml`]: `Container:
  Image: ${IMAGE}
  Exec: sleep infinity
  EnvironmentFile:
    - \${SERVICE_DIR}/db.env
    - \${SERVICE_DIR}/.env
`,
    [`${HOST}/api/db.sops.env`]: encryptForStandin(
      `DB_PASSWORD=${SECRET.dbEnv}\n`,
      KEY,
      "dotenv",
    ),
    [`${HOST}/api/.env.sops`]: encryptForStandin(`TOKEN=${SECRET.dotEnv}\n`, KEY, "dotenv"),
    [`${HOST}/worker/manifest.yml`]: `Container:
  Image: ${IMAGE}
  Exec: sleep infinity
  EnvironmentFile: \${SERVICE_DIR}/app.env
`,
    [`${HOST}/worker/app.env`]: APP_ENV,
    [`${HOST}/plain/manifest.yml`]: `Container:
  Image: ${IMAGE}
  Exec: sleep infinity
  Environment:
    - VERSION=1
`,
  };
}

/** A test host whose config has `[secrets]`; its CLI runs with the stand-in first on PATH. */
interface SecretHost extends TestHost {
  /** The age key file named by SOPS_AGE_KEY_FILE. */
  readonly keyFile: string;
  /** Where the stand-in records its argv, one line per call. */
  readonly sopsLog: string;
  /** hoist with the sops stand-in on PATH. */
  run(...argv: string[]): Promise<{ code: number; out: string; err: string }>;
  /** hoist with no sops on PATH (the stand-in's folder left out). */
  runWithoutSops(...argv: string[]): Promise<{ code: number; out: string; err: string }>;
  /** Rewrites the config; `key: false` leaves SOPS_AGE_KEY_FILE out of `[secrets] env`. */
  configure(opts: { key: boolean }): Promise<void>;
  /** The argv lines the stand-in recorded so far. */
  sopsCalls(): Promise<string[]>;
}

async function secretHost(dir: string, files: RepoFiles = repoFiles()): Promise<SecretHost> {
  const h = await makeHost(dir, files, "h1");
  const keyFile = `${dir}/age.key`;
  const envFile = `${dir}/secrets.env`;
  const sopsLog = `${dir}/sops-argv.log`;
  await Deno.writeTextFile(
    keyFile,
    `# created: 2026-01-01T00:00:00Z (sops stand-in identity)\n${KEY}\n`,
    { mode: 0o600 },
  );
  await Deno.writeTextFile(
    envFile,
    `DB_USER=alice\nDB_PASSWORD=${SECRET.generic}\nWORKER_DB_PASSWORD=${SECRET.prefixed}\n${SHADOWED_VAR}=from-env-file\n`,
    { mode: 0o600 },
  );
  const configure = async ({ key }: { key: boolean }) => {
    const env = [
      ...(key ? [`SOPS_AGE_KEY_FILE = "${keyFile}"`] : []),
      `SOPS_STANDIN_LOG = "${sopsLog}"`,
    ];
    await writeConfig(
      dir,
      h.repo.path,
      "h1",
      `[secrets]\nenv = { ${env.join(", ")} }\nenv_files = ["${envFile}"]\n`,
    );
  };
  await configure({ key: true });
  const withHostVar = async <T>(fn: () => Promise<T>): Promise<T> => {
    Deno.env.set(HOST_VAR, SECRET.fromHost);
    Deno.env.set(SHADOWED_VAR, "from-host");
    try {
      return await fn();
    } finally {
      Deno.env.delete(HOST_VAR);
      Deno.env.delete(SHADOWED_VAR);
    }
  };
  return {
    ...h,
    keyFile,
    sopsLog,
    configure,
    run: (...argv) => withHostVar(() => withStandinOnPath(() => h.cli(...argv))),
    runWithoutSops: (...argv) => withHostVar(() => h.cli(...argv)),
    async sopsCalls() {
      try {
        return (await Deno.readTextFile(sopsLog)).split("\n").filter((l) => l !== "");
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return [];
        throw e;
      }
    },
  };
}

/** A host applied once with every secret in place. */
async function appliedHost(dir: string): Promise<SecretHost> {
  const h = await secretHost(dir);
  const r = await h.run("apply");
  assert.equal(r.code, 0, show(r));
  h.fake.clear();
  return h;
}

const modeOf = async (path: string) => (await Deno.stat(path)).mode! & 0o777;

const hashLabel = (text: string | undefined) => /^Label=gitops-hash=(.*)$/m.exec(text ?? "")?.[1];

/** The service's current immutable copy, from the hash label of its unit on disk. */
async function copyDir(h: TestHost, service: string): Promise<string> {
  const unit = (await h.quadletFiles())[`gitops-${service}.container`];
  const hash = hashLabel(unit);
  assert.ok(hash, `gitops-${service}.container has a hash label`);
  return `${h.stateDir}/services/${service}/${hash}`;
}

/** Units systemd was asked to start or restart. */
const startedUnits = (h: TestHost) =>
  h.fake.events.filter((e) => e.op === "start" || e.op === "restart").flatMap((e) => e.units);

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

/** One way for web/manifest.sops.yml not to decrypt, and what hoist must say about it. */
interface DecryptFailure {
  readonly name: string;
  /** The new manifest.sops.yml committed. */
  readonly file: string;
  /** Runs hoist with the failure in place (the default: the stand-in on PATH). */
  readonly run?: (h: SecretHost, ...argv: string[]) => ReturnType<SecretHost["run"]>;
  readonly key?: boolean;
  readonly message: RegExp;
  readonly hint: RegExp;
  readonly ignore?: boolean;
}

const ROTATED_FOR_FAILURE = "s3cr3t-NEVER-DEPLOYED-4c8e";

/** `encrypted` with its data swapped for another plaintext's, the MAC left as it was. */
function tamper(encrypted: string, plaintext: string): string {
  const other = encryptForStandin(plaintext, KEY, "yaml");
  const data = (text: string) => /^sops_standin_data=.*$/m.exec(text)![0];
  return encrypted.replace(data(encrypted), data(other));
}

const NO_KEY =
  /^sops found no key to decrypt this file: Failed to get the data key required to decrypt the SOPS file\.$/;
const KEY_HINT = /^Give hoist the key: \[secrets\] env = \{ SOPS_AGE_KEY_FILE = /;

const FAILURES: readonly DecryptFailure[] = [
  {
    name: "no key in the environment (exit 128)",
    file: encryptForStandin(webSecrets(ROTATED_FOR_FAILURE), KEY, "yaml"),
    key: false,
    message: NO_KEY,
    hint: KEY_HINT,
  },
  {
    name: "encrypted for another key (exit 128)",
    file: encryptForStandin(webSecrets(ROTATED_FOR_FAILURE), OTHER_KEY, "yaml"),
    message: NO_KEY,
    hint: KEY_HINT,
  },
  {
    name: "altered after encryption (exit 51)",
    file: tamper(
      encryptForStandin(webSecrets(), KEY, "yaml"),
      webSecrets(ROTATED_FOR_FAILURE),
    ),
    message: /^sops refused the file: its MAC does not match \(MAC mismatch\. /,
    hint: /^The encrypted file was altered after encryption; re-encrypt it with sops/,
  },
  {
    name: "not encrypted at all (exit 1)",
    file: webSecrets(ROTATED_FOR_FAILURE),
    message: /^sops could not decrypt this file \(exit 1\): sops metadata not found$/,
    hint: /^The file is not sops-encrypted: encrypt it with `sops --encrypt --in-place`/,
  },
  {
    name: "sops missing from PATH",
    file: encryptForStandin(webSecrets(ROTATED_FOR_FAILURE), KEY, "yaml"),
    run: (h, ...argv) => h.runWithoutSops(...argv),
    message: /^sops is not installed$/,
    hint: /^Install sops/,
    // a real sops on this machine would be found; the case needs PATH without one
    ignore: sopsOnPath() !== undefined,
  },
];

for (const failure of FAILURES) {
  Deno.test({
    name:
      `web/manifest.sops.yml ${failure.name}: an error naming the file and the fix, web keeps running, plain deploys`,
    ignore: ignore || failure.ignore === true,
    async fn() {
      await withTempDir(async (dir) => {
        const h = await appliedHost(dir);
        const unitPath = `${h.quadletDir}/gitops-web.container`;
        const bytes = await Deno.readFile(unitPath);
        const container = h.fake.container("gitops-web.service");
        assert.ok(container);
        await h.repo.commit({
          [`${HOST}/web/manifest.sops.yml`]: failure.file,
          [`${HOST}/plain/manifest.yml`]: `Container:
  Image: ${IMAGE}
  Exec: sleep infinity
  Environment:
    - VERSION=2
`,
        });
        if (failure.key === false) await h.configure({ key: false });
        const run = failure.run ?? ((host, ...argv) => host.run(...argv));
        const r = await run(h, "apply", "--json");
        assert.equal(r.code, 1, show(r));
        const json = JSON.parse(r.out) as {
          problems: { level: string; file: string | null; message: string; hint?: string }[];
        };
        const errors = json.problems.filter((p) => p.level === "error");
        assert.equal(errors.length, 1, JSON.stringify(errors, null, 2));
        const [error] = errors;
        assert.equal(error!.file, `${HOST}/web/manifest.sops.yml`);
        assert.match(error!.message, failure.message);
        assert.match(error!.hint ?? "", failure.hint);

        assert.deepEqual(await Deno.readFile(unitPath), bytes, "web's unit file is unchanged");
        assert.equal(await modeOf(unitPath), 0o600);
        assert.deepEqual(startedUnits(h), ["gitops-plain.service"], "only plain restarts");
        assert.deepEqual(h.fake.container("gitops-web.service"), container, "web keeps running");
        assert.match((await h.quadletFiles())["gitops-plain.container"]!, /VERSION=2/);

        const text = await run(h, "plan");
        assert.equal(text.code, 1, show(text));
        assert.ok(
          text.out.includes(`error: ${HOST}/web/manifest.sops.yml: ${error!.message}\n`),
          show(text),
        );
        assert.match(text.out, /Left unchanged because of the errors above: web\./);
        for (const out of [r.out, r.err, text.out, text.err]) {
          assert.ok(!out.includes(ROTATED_FOR_FAILURE), "the undeployed value is not shown");
        }
      });
    },
  });
}

Deno.test({
  name:
    "no secret value leaks: outputs, logs, state DB, non-0600 files, sops argv and every argv hold none",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const logs: string[] = [];
      await configure({
        reset: true,
        sinks: {
          capture: (record: LogRecord) => {
            logs.push(
              `${record.level} ${record.category.join(".")} ${
                record.message.map((part) => typeof part === "string" ? part : JSON.stringify(part))
                  .join("")
              } ${JSON.stringify(record.properties)}`,
            );
          },
        },
        loggers: [
          { category: ["hoist"], lowestLevel: "debug", sinks: ["capture"] },
          { category: ["logtape", "meta"], lowestLevel: "error", sinks: ["capture"] },
        ],
      });
      try {
        const h = await secretHost(dir);
        const outputs: string[] = [];
        const run = async (...argv: string[]) => {
          const r = await h.run(...argv);
          outputs.push(r.out, r.err);
          return r;
        };
        // everything fine
        assert.equal((await run("plan")).code, 0);
        assert.equal((await run("--verbose", "apply")).code, 0);
        assert.equal((await run("plan", "--json")).code, 0);
        assert.equal((await run("status")).code, 0);
        for (const s of ["web", "api", "worker"]) assert.equal((await run("render", s)).code, 0);
        // a failing decrypt (altered file), a file that is not encrypted, a missing variable
        const tampered = "t4mpered-VALUE-6f1c";
        const plaintext = "pl4in-COMMITTED-93ab";
        await h.repo.commit({
          [`${HOST}/web/manifest.sops.yml`]: tamper(
            encryptForStandin(webSecrets(), KEY, "yaml"),
            webSecrets(tampered),
          ),
          [`${HOST}/api/.env.sops`]: `TOKEN=${plaintext}\n`,
          [`${HOST}/worker/app.env`]: `${APP_ENV}MISSING=\${HOIST_TEST_NEVER_SET}\n`,
        });
        const failed = await run("--verbose", "apply");
        assert.equal(failed.code, 1, show(failed));
        assert.match(failed.out, /web\/manifest\.sops\.yml: sops refused the file/);
        assert.match(failed.out, /api\/\.env\.sops: sops could not decrypt this file/);
        assert.match(failed.out, /worker\/app\.env:7: variable HOIST_TEST_NEVER_SET is not set/);
        assert.equal((await run("plan", "--json")).code, 1);
        assert.equal((await run("status")).code, 1);
        assert.equal((await run("render", "web")).code, 1);
        assert.ok(logs.some((l) => l.includes("spawn sops")), "debug logs were captured");

        const values = [...Object.values(SECRET), tampered, plaintext];
        const leaks: string[] = [];
        const check = (where: string, text: string) => {
          for (const v of values) if (text.includes(v)) leaks.push(`${v} in ${where}`);
        };
        outputs.forEach((o, i) => check(`output #${i}`, o));
        logs.forEach((l) => check("log", l));
        for (const line of await h.sopsCalls()) check("sops argv", line);
        for (const c of h.fake.calls) {
          check(
            `argv of ${c.cmd}`,
            [c.cmd, ...c.args, c.cwd ?? "", ...Object.values(c.env ?? {})].join("\n"),
          );
        }
        const dec = new TextDecoder("utf-8", { fatal: false });
        for await (const e of Deno.readDir(h.stateDir)) {
          if (e.name.startsWith("state.db")) {
            check(e.name, dec.decode(await Deno.readFile(`${h.stateDir}/${e.name}`)));
          }
        }
        const private0600: string[] = [];
        for (const root of [h.quadletDir, h.stateDir]) {
          for (const file of await walkFiles(root)) {
            const text = dec.decode(await Deno.readFile(file));
            if ((await modeOf(file)) === 0o600) private0600.push(text);
            else check(`${file} (mode ${(await modeOf(file)).toString(8)})`, text);
          }
        }
        assert.deepEqual(leaks, [], "secret values found outside the 0600 files");

        // and the 0600 files do hold them, so the checks above can fail
        const inPrivate = private0600.join("\n");
        for (const v of values.filter((v) => v !== SECRET.generic)) {
          if (v === tampered || v === plaintext) {
            assert.ok(!inPrivate.includes(v), `${v} was never decrypted, so it is nowhere`);
          } else assert.ok(inPrivate.includes(v), `${v} is in a 0600 file`);
        }
      } finally {
        await reset();
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

Deno.test("the sops stand-in refuses any argv but the contract's, exit 1 with a usage line", async () => {
  for (
    const args of [
      ["-d", "/dev/stdin"],
      ["--decrypt", "/dev/stdin"],
      ["--decrypt", "--input-type", "yaml", "--output-type", "dotenv", "/dev/stdin"],
      ["--decrypt", "--input-type", "json", "--output-type", "json", "/dev/stdin"],
      ["--decrypt", "--input-type", "yaml", "--output-type", "yaml", "secrets.yml"],
      ["--encrypt", "--input-type", "yaml", "--output-type", "yaml", "/dev/stdin"],
    ]
  ) {
    const r = await standin(args, "");
    assert.equal(r.code, 1, args.join(" "));
    assert.match(r.stderr, /^usage: sops --decrypt --input-type <yaml\|dotenv>/m);
    assert.equal(r.stdout, "");
  }
});

Deno.test("the sops stand-in decrypts with SOPS_AGE_KEY_FILE or SOPS_AGE_KEY, byte for byte", async () => {
  await withTempDir(async (dir) => {
    const plaintext = "A=1\nB=h\u00e9llo world\n\n";
    const file = encryptForStandin(plaintext, KEY, "dotenv");
    assert.ok(!file.includes("llo world"), "the stand-in's file holds no plaintext");
    await Deno.writeTextFile(`${dir}/key`, `# comment\n${KEY}\n`);
    const args = ["--decrypt", "--input-type", "dotenv", "--output-type", "dotenv", "/dev/stdin"];
    const viaFile = await standin(args, file, { SOPS_AGE_KEY_FILE: `${dir}/key` });
    assert.deepEqual(viaFile, { code: 0, stdout: plaintext, stderr: "" });
    const viaVar = await standin(args, file, { SOPS_AGE_KEY: `${OTHER_KEY}\n${KEY}` });
    assert.deepEqual(viaVar, { code: 0, stdout: plaintext, stderr: "" });
    const none = await standin(args, file, {});
    assert.equal(none.code, 128);
    assert.match(
      none.stderr,
      /^Failed to get the data key required to decrypt the SOPS file\.\n\nGroup 0: FAILED\n/,
    );
    const wrongType = await standin(
      ["--decrypt", "--input-type", "yaml", "--output-type", "yaml", "/dev/stdin"],
      file,
      { SOPS_AGE_KEY: KEY },
    );
    assert.equal(wrongType.code, 1, "a dotenv file given as yaml does not parse");
    const altered = await standin(args, tamper(file, "A=2\n"), { SOPS_AGE_KEY: KEY });
    assert.equal(altered.code, 51);
    assert.match(altered.stderr, /^MAC mismatch\. File has [0-9A-F]{64}, computed [0-9A-F]{64}$/m);
    const plain = await standin(args, "A=1\n", { SOPS_AGE_KEY: KEY });
    assert.deepEqual(plain, { code: 1, stdout: "", stderr: "sops metadata not found\n" });
    await Deno.writeTextFile(`${dir}/argv.log`, "");
    await standin(args, file, { SOPS_STANDIN_LOG: `${dir}/argv.log` });
    assert.equal(await Deno.readTextFile(`${dir}/argv.log`), `${args.join(" ")}\n`);
  });
});

/** Runs the stand-in directly with `env` only (no inherited SOPS_* variables). */
async function standin(
  args: string[],
  stdin: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(STANDIN_SOPS, {
    args,
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", ...env },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin)).catch(() => {});
  await writer.close().catch(() => {});
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Every regular file under `root`, recursively. */
async function walkFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(path);
      else if (e.isFile) out.push(path);
    }
  };
  await walk(root);
  return out.sort();
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
