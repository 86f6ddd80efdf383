/**
 * The auth file hoist writes for its pulls, from credential files on disk: modes checked, one
 * trailing newline dropped, 0600 output rewritten only when a credential changed, and no
 * credential in any error.
 */
import assert from "node:assert/strict";
import { createFs } from "../../lib/adapters/fs.ts";
import type { RegistryConfig } from "../../lib/config/registries_config.ts";
import { HoistError } from "../../lib/errors.ts";
import { authFilePath, prepareAuthFile } from "../../lib/run/registry_auth.ts";
import {
  exampleFiles,
  makeHost,
  show,
  skipWithoutQuadlet,
  withTempDir,
  writeConfig,
} from "./helpers.ts";

const fs = createFs();
const TOKEN = "ghp_NEVER_SHOWN_token_1234";

async function file(path: string, text: string, mode = 0o600): Promise<string> {
  await Deno.writeTextFile(path, text);
  await Deno.chmod(path, mode);
  return path;
}

async function failure(registries: RegistryConfig[], stateDir: string): Promise<HoistError> {
  const e = await prepareAuthFile({ fs }, { registries, stateDir }).then(() => undefined, (e) => e);
  assert.ok(e instanceof HoistError, String(e));
  assert.ok(!`${e.message} ${e.hint}`.includes(TOKEN), `the token leaked: ${e.message}`);
  return e;
}

Deno.test("prepareAuthFile() writes podman's auth.json 0600 from password and credential files, once", async () => {
  await withTempDir(async (dir) => {
    const registries: RegistryConfig[] = [
      {
        kind: "password",
        host: "ghcr.io",
        username: "me",
        passwordFile: await file(`${dir}/ghcr.token`, `${TOKEN}\n`),
      },
      {
        kind: "credentials-file",
        credentialsFile: await file(`${dir}/registries`, "ci:tok2@127.0.0.1:5000\n"),
      },
    ];
    assert.equal(await prepareAuthFile({ fs }, { registries: [], stateDir: dir }), undefined);
    const path = await prepareAuthFile({ fs }, { registries, stateDir: `${dir}/state` });
    assert.equal(path, authFilePath({ stateDir: `${dir}/state` }));
    const doc = JSON.parse(await Deno.readTextFile(path!)) as {
      auths: Record<string, { auth: string }>;
    };
    assert.equal(
      atob(doc.auths["ghcr.io"]!.auth),
      `me:${TOKEN}`,
      "the file's trailing newline is not part of the token",
    );
    assert.equal(atob(doc.auths["127.0.0.1:5000"]!.auth), "ci:tok2");
    assert.equal((await Deno.stat(path!)).mode! & 0o777, 0o600);
    const before = (await Deno.stat(path!)).mtime?.getTime();
    await new Promise((r) => setTimeout(r, 20));
    await prepareAuthFile({ fs }, { registries, stateDir: `${dir}/state` });
    assert.equal(
      (await Deno.stat(path!)).mtime?.getTime(),
      before,
      "unchanged credentials: not rewritten",
    );
  });
});

Deno.test("prepareAuthFile() removes the auth.json it wrote once [[registries]] are taken out of the agent config, and nothing else", async () => {
  await withTempDir(async (dir) => {
    const stateDir = `${dir}/state`;
    const registries: RegistryConfig[] = [{
      kind: "password",
      host: "ghcr.io",
      username: "me",
      passwordFile: await file(`${dir}/ghcr.token`, TOKEN),
    }];
    const path = await prepareAuthFile({ fs }, { registries, stateDir });
    assert.equal(path, `${stateDir}/auth.json`);
    await Deno.writeTextFile(`${stateDir}/image_checks.json`, "{}");
    const cases: [string, () => Promise<void>][] = [
      ["the file hoist wrote", async () => {}],
      ["no file (already removed, or never written)", async () => {}],
      ["an empty state_dir", async () => {
        await Deno.remove(`${stateDir}/image_checks.json`);
      }],
      ["no state_dir at all", async () => {
        await Deno.remove(stateDir, { recursive: true });
      }],
    ];
    for (const [what, before] of cases) {
      await before();
      assert.equal(await prepareAuthFile({ fs }, { registries: [], stateDir }), undefined, what);
      assert.equal(await fs.exists(`${stateDir}/auth.json`), false, what);
    }
    assert.equal(await fs.exists(`${dir}/ghcr.token`), true, "the password file is the user's");
  });
});

Deno.test("prepareAuthFile() without [[registries]] keeps state_dir itself and its other files", async () => {
  await withTempDir(async (dir) => {
    const registries: RegistryConfig[] = [{
      kind: "password",
      host: "ghcr.io",
      username: "me",
      passwordFile: await file(`${dir}/ghcr.token`, TOKEN),
    }];
    await prepareAuthFile({ fs }, { registries, stateDir: dir });
    await Deno.writeTextFile(`${dir}/image_checks.json`, "{}");
    await prepareAuthFile({ fs }, { registries: [], stateDir: dir });
    const left = [];
    for await (const e of Deno.readDir(dir)) left.push(e.name);
    assert.deepEqual(left.sort(), ["ghcr.token", "image_checks.json"]);
  });
});

Deno.test("prepareAuthFile() refuses a world-readable, missing or empty password file and bad credential lines, naming only files", async () => {
  await withTempDir(async (dir) => {
    const open = await file(`${dir}/open.token`, TOKEN, 0o644);
    const e1 = await failure([{
      kind: "password",
      host: "ghcr.io",
      username: "me",
      passwordFile: open,
    }], dir);
    assert.match(
      e1.message,
      /open\.token \(\[\[registries\]\] ghcr\.io password_file\) can be read by others \(mode 0644\)/,
    );
    assert.equal(e1.hint, `chmod 600 ${open}`);
    const e2 = await failure([{
      kind: "password",
      host: "ghcr.io",
      username: "me",
      passwordFile: `${dir}/missing`,
    }], dir);
    assert.match(e2.message, /cannot read .*missing/);
    const empty = await file(`${dir}/empty.token`, "\n");
    const e3 = await failure([{
      kind: "password",
      host: "ghcr.io",
      username: "me",
      passwordFile: empty,
    }], dir);
    assert.match(e3.message, /is empty/);
    const lines = await file(`${dir}/creds`, `me:${TOKEN}\n`);
    const e4 = await failure([{ kind: "credentials-file", credentialsFile: lines }], dir);
    assert.match(e4.message, /line 1 is not user:token@registry/);
    const auth = await file(
      `${dir}/my-auth.json`,
      JSON.stringify({ auths: { "quay.io": { auth: "eDp5" } } }),
    );
    const e5 = await failure([{ kind: "auth-file", host: "ghcr.io", authFile: auth }], dir);
    assert.match(e5.message, /has no login for ghcr\.io/);
  });
});

const removals: { what: string; host: string; unitsChange: boolean }[] = [
  { what: "a registry the units pull from (they change)", host: "docker.io", unitsChange: true },
  { what: "a registry no unit uses (a no-op apply)", host: "ghcr.io", unitsChange: false },
];

for (const { what, host, unitsChange } of removals) {
  Deno.test({
    name:
      `hoist apply after [[registries]] are taken out of the agent config removes auth.json and REGISTRY_AUTH_FILE from the units; hoist plan changes neither: ${what}`,
    ignore: skipWithoutQuadlet(),
    async fn() {
      await withTempDir(async (dir) => {
        const h = await makeHost(dir, await exampleFiles());
        const token = await file(`${dir}/hub.token`, TOKEN);
        await writeConfig(
          dir,
          h.repo.path,
          undefined,
          `[[registries]]\nhost = "${host}"\nusername = "me"\npassword_file = "${token}"\n`,
        );
        const first = await h.cli("apply");
        assert.equal(first.code, 0, show(first));
        const auth = authFilePath({ stateDir: h.stateDir });
        assert.equal(await fs.exists(auth), true, "the first apply wrote auth.json");
        const authUnits = async () =>
          Object.entries(await h.quadletFiles()).filter(([, t]) => t.includes("REGISTRY_AUTH_FILE"))
            .map(([f]) => f).sort();
        assert.equal((await authUnits()).length > 0, unitsChange);

        await writeConfig(dir, h.repo.path);
        const plan = await h.cli("plan");
        assert.equal(plan.code, 0, show(plan));
        assert.equal(await fs.exists(auth), true, "hoist plan removes nothing");
        const apply = await h.cli("apply");
        assert.equal(apply.code, 0, show(apply));
        assert.equal(await fs.exists(auth), false, "the stale credentials are gone");
        assert.deepEqual(await authUnits(), [], "no unit names the removed file");
        assert.ok(!`${first.out}${first.err}${apply.out}${apply.err}`.includes(TOKEN));
      });
    },
  });
}

Deno.test("a registry file that is state_dir/auth.json (the file hoist writes and removes) is refused, untouched", async () => {
  await withTempDir(async (dir) => {
    const own = await file(`${dir}/auth.json`, `{"auths":{"ghcr.io":{"auth":"bWU6${TOKEN}"}}}\n`);
    for (
      const [registries, key] of [
        [[{ kind: "auth-file", host: "ghcr.io", authFile: own }], "ghcr.io auth_file"],
        [[{ kind: "auth-file", host: "ghcr.io", authFile: `${dir}//auth.json` }], "auth_file"],
        [[{ kind: "credentials-file", credentialsFile: own }], "credentials_file"],
        [
          [{ kind: "password", host: "ghcr.io", username: "me", passwordFile: own }],
          "password_file",
        ],
      ] as [RegistryConfig[], string][]
    ) {
      const e = await failure(registries, dir);
      assert.equal(e.code, "config-invalid");
      assert.match(e.message, new RegExp(`${key} is .*auth\\.json, the auth file hoist writes`));
      assert.match(e.hint ?? "", /a file of your own/);
    }
    assert.match(await Deno.readTextFile(own), /bWU6/);
  });
});
