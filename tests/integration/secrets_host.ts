/**
 * A test host for secrets (issue 5): a repository with encrypted and variable-filled files, an
 * agent config with `[secrets]` whose sops finds the TEST STAND-IN first on its PATH
 * (tests/support/sops; the contract it fakes is written once, in lib/adapters/sops.ts).
 *
 * @module
 */
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { runCli } from "../../lib/cli/program.ts";
import { buildDeps } from "../../lib/deps.ts";
import {
  captureIo,
  type CliRun,
  makeHost,
  QUADLET_BIN,
  type RepoFiles,
  show,
  type TestHost,
  writeConfig,
} from "./helpers.ts";
import { encryptForStandin, pathWithStandin } from "../support/sops_standin.ts";

/** The host folder of the test repository. */
export const HOST = "gitops/h1";

/** The age identity in the host's key file, and one the host does not have. */
export const KEY = "AGE-SECRET-KEY-1STANDIN0HOST0H1";
export const OTHER_KEY = "AGE-SECRET-KEY-1STANDIN0SOMEONE0ELSE";

/** Distinctive secret values, to grep every output channel for. */
export const SECRET = {
  /** DB_PASSWORD in web/manifest.sops.yml. */
  manifestEnv: "s3cr3t-VALUE-7f2a",
  /** API_KEY in web/manifest.sops.yml. */
  manifestEnv2: "k3y-APIKEY-51d0",
  dbEnv: "p4ss-DBENV-3e9b",
  dotEnv: "t0k-DOTENV-88aa",
  prefixed: "w0rk-PREFIXED-c3d1",
  /** In the env_files file, overridden for worker by WORKER_DB_PASSWORD. */
  generic: "g3neric-LOSES-5b7e",
  fromHost: "h0st-ENV-2d6c",
} as const;

/** Host environment variables the worker's app.env uses (set around each CLI run). */
export const HOST_VAR = "HOIST_SECRETS_TEST_FROM_HOST";
/** Set on the host and in the env_files file, which wins. */
export const SHADOWED_VAR = "HOIST_SECRETS_TEST_SHADOWED";

/** The image of every service (never pulled: podman is the fake). */
export const IMAGE = "docker.io/library/busybox:1.36";

/** web/manifest.sops.yml in plaintext: Container.Environment values only, as hoist requires. */
export const webSecrets = (password: string = SECRET.manifestEnv) =>
  `Container:
  Environment:
    - DB_PASSWORD=${password}
    - API_KEY=${SECRET.manifestEnv2}
`;

/** worker/app.env: ${VAR}, $VAR, a comment and $$ (line 6 is the last). */
export const APP_ENV = `# filled in by hoist; $NOT_A_VAR in a comment stays
DB_USER=\${DB_USER}
DB_PASSWORD=$DB_PASSWORD
FROM_HOST=\${${HOST_VAR}}
SHADOWED=\${${SHADOWED_VAR}}
PRICE=$$5
`;

/** The 0600 env file, in web's copy, that carries manifest.sops.yml's values. */
export const SECRET_ENV = ".manifest-secrets.env";

/**
 * Four services: web (manifest.yml + manifest.sops.yml), api (db.sops.env and .env.sops), worker
 * (a plain app.env with variables) and plain (no secrets at all).
 */
export function repoFiles(): RepoFiles {
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

/**
 * A test host whose config has `[secrets]`. The sops TEST STAND-IN is put first on the PATH that
 * hoist hands sops (`[secrets] env = { PATH = … }`), so hoist's real adapter finds it by name as
 * it would find sops. Nothing here touches this process's environment: test files run in
 * parallel in one process, so a changed PATH or variable would leak into the others.
 */
export interface SecretHost extends TestHost {
  /** The age key file named by SOPS_AGE_KEY_FILE. */
  readonly keyFile: string;
  /** Where the stand-in records its argv, one line per call. */
  readonly sopsLog: string;
  /** Runs `hoist --config <configPath> ...argv`; hoist's environment adds {@link HOST_ENV}. */
  run(...argv: string[]): Promise<CliRun>;
  /**
   * Rewrites the config: `key: false` leaves SOPS_AGE_KEY_FILE out of `[secrets] env`,
   * `sops: false` leaves the stand-in off sops's PATH (so no sops is found).
   */
  configure(opts: { key?: boolean; sops?: boolean }): Promise<void>;
  /** The argv lines the stand-in recorded so far. */
  sopsCalls(): Promise<string[]>;
}

/** Variables of hoist's own environment (Deps.env) in every {@link SecretHost} run. */
export const HOST_ENV: Readonly<Record<string, string>> = {
  [HOST_VAR]: SECRET.fromHost,
  [SHADOWED_VAR]: "from-host",
};

/** Sets up a {@link SecretHost} in `dir` whose repository starts with `files`. */
export async function secretHost(dir: string, files: RepoFiles = repoFiles()): Promise<SecretHost> {
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
  const configure = async ({ key = true, sops = true }: { key?: boolean; sops?: boolean }) => {
    const env = [
      ...(key ? [`SOPS_AGE_KEY_FILE = "${keyFile}"`] : []),
      ...(sops ? [`PATH = "${pathWithStandin()}"`] : []),
      `SOPS_STANDIN_LOG = "${sopsLog}"`,
    ];
    await writeConfig(
      dir,
      h.repo.path,
      "h1",
      `[secrets]\nenv = { ${env.join(", ")} }\nenv_files = ["${envFile}"]\n`,
    );
  };
  await configure({});
  const capture = captureIo(h.home);
  return {
    ...h,
    keyFile,
    sopsLog,
    configure,
    async run(...argv) {
      capture.take();
      const code = await runCli(["--config", h.configPath, ...argv], capture.io, async (c) => {
        const deps = await buildDeps(c, h.fake.run);
        return { ...deps, env: { ...deps.env, ...HOST_ENV } };
      });
      return { code, ...capture.take() };
    },
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
export async function appliedHost(dir: string): Promise<SecretHost> {
  const h = await secretHost(dir);
  const r = await h.run("apply");
  assert.equal(r.code, 0, show(r));
  h.fake.clear();
  return h;
}

/** The permission bits of `path`. */
export const modeOf = async (path: string) => (await Deno.stat(path)).mode! & 0o777;

/** The gitops-hash label of a unit file. */
export const hashLabel = (text: string | undefined) =>
  /^Label=gitops-hash=(.*)$/m.exec(text ?? "")?.[1];

/** The service's current immutable copy, from the hash label of its unit on disk. */
export async function copyDir(h: TestHost, service: string): Promise<string> {
  const unit = (await h.quadletFiles())[`gitops-${service}.container`];
  const hash = hashLabel(unit);
  assert.ok(hash, `gitops-${service}.container has a hash label`);
  return `${h.stateDir}/services/${service}/${hash}`;
}

/** Units systemd was asked to start or restart. */
export const startedUnits = (h: TestHost) =>
  h.fake.events.filter((e) => e.op === "start" || e.op === "restart").flatMap((e) => e.units);

/** `encrypted` with its data swapped for another plaintext's, the MAC left as it was. */
export function tamper(encrypted: string, plaintext: string): string {
  const other = encryptForStandin(plaintext, KEY, "yaml");
  const data = (text: string) => /^sops_standin_data=.*$/m.exec(text)![0];
  return encrypted.replace(data(encrypted), data(other));
}

/** Every regular file under `root`, recursively. */
export async function walkFiles(root: string): Promise<string[]> {
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

/** True when `path` exists (a dangling symlink counts). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Plain (unkeyed) sha256 hex of `bytes`. */
export const sha256Hex = (bytes: Uint8Array | string) =>
  createHash("sha256").update(bytes).digest("hex");

/** The host's digest key, state_dir/secrets/key, as hoist reads it. */
export async function hostKey(h: TestHost): Promise<string> {
  return (await Deno.readTextFile(`${h.stateDir}/secrets/key`)).trim();
}

/** HMAC-SHA256 of `bytes` with the host's key: the digest hoist records for secret content. */
export async function keyedDigest(h: TestHost, bytes: Uint8Array): Promise<string> {
  return createHmac("sha256", await hostKey(h)).update(bytes).digest("hex");
}

/** The state DB with its WAL and journal files, as text (what a reader of those files sees). */
export async function stateDbText(h: TestHost): Promise<string> {
  const dec = new TextDecoder("utf-8", { fatal: false });
  let text = "";
  for await (const e of Deno.readDir(h.stateDir)) {
    if (e.isFile && e.name.startsWith("state.db")) {
      text += dec.decode(await Deno.readFile(`${h.stateDir}/${e.name}`)) + "\n";
    }
  }
  assert.ok(text !== "", "a state DB exists");
  return text;
}

/** The files of the decryption cache, state_dir/secrets: name → text. */
export async function cacheFiles(h: TestHost): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of await walkFiles(`${h.stateDir}/secrets`)) {
    out[path.slice(`${h.stateDir}/secrets/`.length)] = await Deno.readTextFile(path);
  }
  return out;
}

/**
 * What systemd would generate from quadlet_dir: the REAL quadlet generator's dry run
 * (`QUADLET_UNIT_DIRS=<quadlet_dir> quadlet -dryrun -user`). Its services are written
 * world-readable under /run, so they must hold no secret either.
 */
export async function generatorOutput(h: TestHost): Promise<string> {
  assert.ok(QUADLET_BIN, "the quadlet generator is installed");
  const out = await new Deno.Command(QUADLET_BIN, {
    args: ["-dryrun", "-no-kmsg-log", "-user"],
    env: { QUADLET_UNIT_DIRS: h.quadletDir },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  assert.equal(out.code, 0, dec.decode(out.stderr));
  return dec.decode(out.stdout);
}
