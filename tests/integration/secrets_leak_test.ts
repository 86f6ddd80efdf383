/**
 * Secrets (issue 5): the leak test, and the plan's masking of units hoist did not write. Distinctive
 * secret values are put through every command and failure, then looked for in every output
 * channel: stdout/stderr, logs at debug level, the state DB, every file under quadlet_dir and
 * state_dir that is not 0600 (unit files are 0644 and hold no secret at all), what the real
 * quadlet generator makes of the units (systemd keeps that world-readable), the argv the sops TEST
 * STAND-IN saw and the argv and environment of every command hoist spawned. None may hold one, and
 * the 0600 files must.
 *
 * @module
 */
import assert from "node:assert/strict";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { show, skipWithoutQuadlet, withTempDir } from "./helpers.ts";
import { encryptForStandin, retypeForStandin } from "../support/sops_standin.ts";
import {
  APP_ENV,
  appliedHost,
  generatorOutput,
  HOST,
  IMAGE,
  KEY,
  modeOf,
  SECRET,
  secretHost,
  stateDbText,
  tamper,
  walkFiles,
  webSecrets,
} from "./secrets_host.ts";

const ignore = skipWithoutQuadlet();

/** A unit homelab-gitops left behind: it wrote manifest.sops.yml's values into the unit. */
const adoptedUnit = (password: string, apiKey: string) =>
  `[Container]
Label=gitops-service=web
Image=${IMAGE}
Environment=MODE=production
Environment=DB_PASSWORD=${password} TZ=UTC
Environment="API_KEY=${apiKey}"

[Install]
WantedBy=default.target
`;

Deno.test({
  name:
    "no secret value leaks: outputs, logs, state DB, non-0600 files, generated services, every argv",
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
        // web's unit is already there, as homelab-gitops wrote it: hoist adopts it
        const adopted = ["4d0pted-OLDPASS-1a2b", "4d0pted-OLDKEY-3c4d"] as const;
        await Deno.mkdir(h.quadletDir, { recursive: true });
        await Deno.writeTextFile(
          `${h.quadletDir}/gitops-web.container`,
          adoptedUnit(...adopted),
        );
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
        const generated = [await generatorOutput(h)];
        assert.match(generated[0]!, / --env-file \S+\/\.manifest-secrets\.env /);
        // failures: an altered file (51), a value sops quotes (25), a file that is not encrypted,
        // a missing variable
        const tampered = "t4mpered-VALUE-6f1c";
        const quoted = "qu0ted-BY-SOPS-25ee";
        const plaintext = "pl4in-COMMITTED-93ab";
        await h.repo.commit({
          [`${HOST}/web/manifest.sops.yml`]: tamper(
            encryptForStandin(webSecrets(), KEY, "yaml"),
            webSecrets(tampered),
          ),
          [`${HOST}/api/db.sops.env`]: retypeForStandin(
            encryptForStandin(`DB_PASSWORD=${quoted}\n`, KEY, "dotenv"),
            "int",
          ),
          [`${HOST}/api/.env.sops`]: `TOKEN=${plaintext}\n`,
          [`${HOST}/worker/app.env`]: `${APP_ENV}MISSING=\${HOIST_TEST_NEVER_SET}\n`,
        });
        const failed = await run("--verbose", "apply");
        assert.equal(failed.code, 1, show(failed));
        assert.match(failed.out, /web\/manifest\.sops\.yml: sops refused the file/);
        assert.match(failed.out, /api\/db\.sops\.env: sops could not decrypt this file \(exit 25/);
        assert.match(failed.out, /api\/\.env\.sops: sops could not decrypt this file/);
        assert.match(failed.out, /worker\/app\.env:7: variable HOIST_TEST_NEVER_SET is not set/);
        assert.equal((await run("plan", "--json")).code, 1);
        assert.equal((await run("status")).code, 1);
        assert.equal((await run("render", "web")).code, 1);
        generated.push(await generatorOutput(h));
        assert.ok(logs.some((l) => l.includes("spawn sops")), "debug logs were captured");

        const values = [...Object.values(SECRET), ...adopted, tampered, quoted, plaintext];
        const leaks: string[] = [];
        const check = (where: string, text: string, except: readonly string[] = []) => {
          for (const v of values) {
            if (text.includes(v) && !except.includes(v)) leaks.push(`${v} in ${where}`);
          }
        };
        outputs.forEach((o, i) => check(`output #${i}`, o));
        logs.forEach((l) => check("log", l));
        generated.forEach((g, i) => check(`quadlet generator output #${i}`, g));
        for (const line of await h.sopsCalls()) check("sops argv", line);
        const dec = new TextDecoder("utf-8", { fatal: false });
        for (const c of h.fake.calls) {
          check(
            `argv of ${c.cmd}`,
            [c.cmd, ...c.args, c.cwd ?? "", ...Object.entries(c.env ?? {}).flat()].join("\n"),
          );
          // sops reads the committed file on stdin: the one committed in clear holds its value
          const stdin = typeof c.stdin === "string"
            ? c.stdin
            : dec.decode(c.stdin ?? new Uint8Array());
          check(`stdin of ${c.cmd}`, stdin, c.cmd.endsWith("sops") ? [plaintext] : []);
        }
        check("the state DB (whatever its mode)", await stateDbText(h));
        const private0600: string[] = [];
        for (const root of [h.quadletDir, h.stateDir]) {
          for (const file of await walkFiles(root)) {
            const text = dec.decode(await Deno.readFile(file));
            const mode = await modeOf(file);
            if (mode === 0o600 && !file.startsWith(h.quadletDir)) private0600.push(text);
            else check(`${file} (mode ${mode.toString(8)})`, text);
          }
        }
        assert.deepEqual(leaks, [], "secret values found outside the 0600 files");

        // and the 0600 files do hold them, so the checks above can fail
        const inPrivate = private0600.join("\n");
        for (const v of Object.values(SECRET).filter((v) => v !== SECRET.generic)) {
          assert.ok(inPrivate.includes(v), `${v} is in a 0600 file`);
        }
        for (const v of [...adopted, tampered, quoted, plaintext]) {
          assert.ok(!inPrivate.includes(v), `${v} was never deployed, so it is nowhere`);
        }
      } finally {
        await reset();
      }
    });
  },
});

Deno.test({
  name:
    "plan masks an adopted unit's values of manifest.sops.yml variables as (sensitive), others stay",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await secretHost(dir);
      const old = ["0ld-PASSWORD-77e1", "0ld-APIKEY-88f2"] as const;
      await Deno.mkdir(h.quadletDir, { recursive: true });
      await Deno.writeTextFile(`${h.quadletDir}/gitops-web.container`, adoptedUnit(...old));
      const plan = await h.run("plan");
      assert.equal(plan.code, 0, show(plan));
      assert.match(plan.out, /^~ write gitops-web\.container \(web\): content changed$/m);
      assert.match(plan.out, /^ {4}-Environment=DB_PASSWORD=\(sensitive\) TZ=UTC$/m);
      assert.match(plan.out, /^ {4}-Environment="API_KEY=\(sensitive\)"$/m);
      assert.match(plan.out, /^ {4} Environment=MODE=production$/m, "unchanged, not masked");
      assert.match(plan.out, /^ {4}\+EnvironmentFile=\S+\/\.manifest-secrets\.env$/m);
      const json = await h.run("plan", "--json");
      for (const out of [plan.out, plan.err, json.out, json.err]) {
        for (const v of [...old, ...Object.values(SECRET)]) assert.ok(!out.includes(v), v);
      }
      const r = await h.run("apply");
      assert.equal(r.code, 0, show(r));
      const unit = (await h.quadletFiles())["gitops-web.container"]!;
      assert.match(unit, /^Label=gitops-hash=/m, "hoist's unit replaced the adopted one");
      for (const v of old) assert.ok(!unit.includes(v));
      assert.equal(await modeOf(`${h.quadletDir}/gitops-web.container`), 0o644);
    });
  },
});

Deno.test({
  name: "the diff of a removed unit masks every Environment value, other lines stay visible",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir);
      // someone put a token into hoist's unit on disk; then web leaves config.yml
      const unitPath = `${h.quadletDir}/gitops-web.container`;
      const token = "4dmin-TOKEN-0e9f";
      const unit = await Deno.readTextFile(unitPath);
      await Deno.writeTextFile(
        unitPath,
        unit.replace(
          "Environment=MODE=production\n",
          `Environment=MODE=production\nEnvironment=ADMIN_TOKEN=${token}\n`,
        ),
      );
      await h.repo.commit({
        [`${HOST}/config.yml`]: "services:\n  api: {}\n  worker: {}\n  plain: {}\n",
      });
      const plan = await h.run("plan");
      assert.equal(plan.code, 0, show(plan));
      assert.match(plan.out, /^- remove gitops-web\.container \(web\): removed from config\.yml$/m);
      assert.match(plan.out, /^ {4}-Environment=MODE=\(sensitive\)$/m);
      assert.match(plan.out, /^ {4}-Environment=ADMIN_TOKEN=\(sensitive\)$/m);
      assert.match(plan.out, /^ {4}-Label=gitops-service=web$/m);
      assert.match(plan.out, /^ {4}-EnvironmentFile=\S+\/\.manifest-secrets\.env$/m);
      assert.ok(!plan.out.includes(token) && !plan.out.includes("production"), show(plan));
      const r = await h.run("apply");
      assert.equal(r.code, 0, show(r));
      assert.ok(!r.out.includes(token), "apply prints the same masked plan");
      assert.equal((await h.quadletFiles())["gitops-web.container"], undefined);
    });
  },
});
