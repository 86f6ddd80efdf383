/**
 * Secrets (issue 5): the leak test. Distinctive secret values are put through every command and
 * failure, then looked for in every output channel: stdout/stderr, logs at debug level, the state
 * DB, every file under quadlet_dir and state_dir that is not 0600, the argv the sops TEST STAND-IN
 * saw and every command hoist spawned. None may hold one, and the 0600 files must.
 *
 * @module
 */
import assert from "node:assert/strict";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { explainSopsFailure } from "../../lib/adapters/sops.ts";
import { show, skipWithoutQuadlet, withTempDir } from "./helpers.ts";
import { encryptForStandin } from "../support/sops_standin.ts";
import {
  APP_ENV,
  HOST,
  KEY,
  modeOf,
  SECRET,
  secretHost,
  tamper,
  walkFiles,
  webSecrets,
} from "./secrets_host.ts";

const ignore = skipWithoutQuadlet();

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
  // BUG (lib/adapters/sops.ts, explainSopsFailure): for any exit but 128 the message keeps sops's
  // first stderr line, and real sops can quote decrypted data there. A value whose type tag was
  // changed to int (the tag is not authenticated before decryption; the MAC is checked after)
  // makes sops exit 25 (ErrorDecryptingTree) with `Error decrypting tree: strconv.Atoi: parsing
  // "<plaintext>": invalid syntax` (cmd/sops/common DecryptTree, aes/cipher.go Decrypt); and
  // exit 51 prints "computed <MAC>", an unkeyed digest of the plaintext values. hoist copies both
  // into plan output, JSON, the state DB's events and logs. The stand-in keeps to the contract
  // (which lists no exit 25), so this checks the pure function. Un-ignore once sops's stderr is
  // kept only for exit 128 and the metadata-not-found case of exit 1, and other failures are
  // reported by exit code with a fixed text.
  name:
    "a sops failure after decryption quotes no plaintext or plaintext digest in hoist's message",
  ignore: true,
  fn() {
    const digest = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";
    const cases: [number, string, string][] = [
      [
        25,
        `Error decrypting tree: strconv.Atoi: parsing "${SECRET.manifestEnv}": invalid syntax\n`,
        SECRET.manifestEnv,
      ],
      [51, `MAC mismatch. File has ${"0".repeat(128)}, computed ${digest}\n`, digest],
    ];
    for (const [code, stderr, secret] of cases) {
      const { message, hint } = explainSopsFailure(code, stderr);
      assert.ok(!`${message}\n${hint}`.includes(secret), `exit ${code}: ${message}`);
    }
  },
});
