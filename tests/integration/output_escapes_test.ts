/**
 * Control characters from a repository never reach the terminal (issue 9, class 8): `validate`,
 * `plan --quiet`, `plan --json`, `render` and `status` (text and JSON) show them escaped. The
 * repository carries what hoist's own unit checks let through: C1 controls (U+009B is a one-byte
 * CSI to many terminals) in a raw unit, and a C1 control in a manifest's
 * section name, which the problem message quotes. Real git and quadlet; the FAKE host of
 * tests/support/fake_host.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  EXAMPLE_HOST,
  exampleFiles,
  makeHost,
  show,
  skipWithoutQuadlet,
  type TestHost,
  withTempDir,
} from "./helpers.ts";

const ignore = skipWithoutQuadlet();
const HOST = `gitops/${EXAMPLE_HOST}`;
/** C0 but tab and newline, DEL, C1. */
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
const CSI = "\u009b";

async function hostWithControls(dir: string): Promise<TestHost> {
  const files = await exampleFiles();
  const config = files[`${HOST}/config.yml`] ?? "";
  const manifest = files[`${HOST}/web/manifest.yml`] ?? "";
  return await makeHost(dir, {
    ...files,
    [`${HOST}/config.yml`]: config.replace("services:\n", "services:\n  raw: {}\n"),
    [`${HOST}/raw/app.container`]: `# ${CSI}2J${CSI}31mtitle\n[Container]\n` +
      `Image=docker.io/library/busybox:1.36\nEnvironment=A=${CSI}31mred\n`,
    [`${HOST}/web/manifest.yml`]: `${manifest}"Bogus${CSI}31m": 1\n`,
  });
}

function assertClean(what: string, text: string): void {
  const at = text.search(CONTROL);
  assert.equal(
    at,
    -1,
    `${what}: control character U+${
      text.codePointAt(at)?.toString(16).padStart(4, "0")
    } at ${at}: ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 40))}`,
  );
}

Deno.test({
  name: "render shows a raw unit's control characters as \\xNN text",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await hostWithControls(dir);
      const r = await h.cli("render", "raw");
      assert.equal(r.code, 0, show(r));
      assertClean("render stdout", r.out);
      assertClean("render stderr", r.err);
      assert.match(r.out, /^# \\x9b2J\\x9b31mtitle$/m);
      assert.match(r.out, /^Environment=A=\\x9b31mred$/m);
    });
  },
});

Deno.test({
  name: "validate, as text and JSON, escapes the control characters a problem quotes",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await hostWithControls(dir);
      const text = await h.cli("validate", h.repo.path, "--host", EXAMPLE_HOST);
      assert.equal(text.code, 1, show(text));
      assertClean("validate", text.out + text.err);
      assert.match(text.out, /manifest\.yml:\d+: unknown section "Bogus\\x9b31m"/);
      const json = await h.cli("validate", h.repo.path, "--host", EXAMPLE_HOST, "--json");
      assertClean("validate --json", json.out);
      const doc = JSON.parse(json.out) as { problems: { message: string }[] };
      assert.ok(
        doc.problems.some((p) => p.message.includes(`"Bogus${CSI}31m"`)),
        "the JSON value keeps the text as it is",
      );
    });
  },
});

Deno.test({
  name: "plan --quiet, plan --json, status and status --json print no control character",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await hostWithControls(dir);
      const quiet = await h.cli("--quiet", "plan");
      assert.equal(quiet.code, 1, show(quiet));
      assert.match(quiet.err, /unknown section "Bogus\\x9b31m"/);
      for (
        const argv of [["--quiet", "plan"], ["plan", "--json"], ["status"], ["status", "--json"]]
      ) {
        const r = await h.cli(...argv);
        assertClean(`${argv.join(" ")} stdout`, r.out);
        assertClean(`${argv.join(" ")} stderr`, r.err);
      }
      const plan = JSON.parse((await h.cli("plan", "--json")).out) as {
        problems: { message: string }[];
      };
      assert.ok(plan.problems.some((p) => p.message.includes(`"Bogus${CSI}31m"`)));
    });
  },
});
